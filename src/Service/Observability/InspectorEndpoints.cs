using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TokenClean.Service.Inspection;

namespace TokenClean.Service.Observability;

/// <summary>
/// The token inspector's JSON for the status page: <c>GET /inspect/files</c>, <c>GET /inspect/sample?id=</c> (or
/// <c>?file=&amp;row=</c>) and <c>GET /inspect/extremes?file=&amp;count=</c>. Without a lake, files answers
/// <c>available: false</c> and the others 404.
/// </summary>
public static class InspectorEndpoints
{
    /// <summary>
    /// camelCase, roles as names, NaN allowed (a threshold can be NaN in a hand-made file), floats as their exact
    /// double so the page rounds the lake's value (<see cref="ExactFloatConverter"/>).
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(), new ExactFloatConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Maps the endpoints onto <paramref name="endpoints"/>; <paramref name="inspector"/> null = no lake here.</summary>
    public static IEndpointRouteBuilder MapTokenCleanInspector(this IEndpointRouteBuilder endpoints, LakeInspector? inspector)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // 200 even without a lake: the page asks on load and hides the inspector when it is not available.
        endpoints.MapGet("/inspect/files", () => inspector is null
            ? Results.Json(new { available = false, root = (string?)null, files = Array.Empty<LakeFileSummary>() }, Json)
            : Answer(inspector, i => new { available = true, root = (string?)i.Root, files = i.Files() }));
        endpoints.MapGet("/inspect/sample", (string? id, string? file, int? row) => Answer(inspector, i =>
            id is { Length: > 0 } ? i.Find(id) ?? throw new FileNotFoundException($"no sample '{id}' in the lake")
            : file is not null && row is { } r ? i.Sample(file, r)
            : throw new ArgumentException("give id=SAMPLE_ID, or file=PATH and row=N")));
        endpoints.MapGet("/inspect/extremes", (string? file, int? count) => Answer(inspector, i => i.Extremes(file, Math.Clamp(count ?? 5, 1, 100))));
        return endpoints;
    }

    private static IResult Answer<T>(LakeInspector? inspector, Func<LakeInspector, T> read)
    {
        if (inspector is null)
        {
            return Results.Json(new { error = "this server has no lake to inspect" }, Json, statusCode: StatusCodes.Status404NotFound);
        }

        try
        {
            return Results.Json(read(inspector), Json);
        }
        catch (FileNotFoundException e)
        {
            return Results.Json(new { error = e.Message }, Json, statusCode: StatusCodes.Status404NotFound);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            return Results.Json(new { error = e.Message }, Json, statusCode: StatusCodes.Status400BadRequest);
        }
    }
}
