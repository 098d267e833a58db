using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace TokenClean.Service.Observability;

/// <summary>Maps <c>GET /healthz</c>, <c>GET /status</c> and the status page <c>GET /</c> onto any ASP.NET Core endpoint builder.</summary>
public static class ObservabilityEndpoints
{
    /// <summary>camelCase, compact: the JSON both endpoints answer with.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Maps the endpoints; they resolve <see cref="StatusReporter"/> from <paramref name="endpoints"/>' services
    /// (registered by <see cref="ObservabilityServiceCollectionExtensions.AddTokenCleanObservability"/>).
    /// </summary>
    /// <remarks>/healthz answers 200 <c>{"status":"ok",...}</c> or 503 <c>{"status":"unhealthy","reason":...}</c>.</remarks>
    public static IEndpointRouteBuilder MapTokenCleanObservability(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/healthz", static (HttpContext context) =>
        {
            var verdict = context.RequestServices.GetRequiredService<StatusReporter>().Health();
            var body = new HealthBody(verdict.Healthy ? "ok" : "unhealthy", verdict.Reason, verdict.KafkaLastReachable);
            return Results.Json(body, Json, statusCode: verdict.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        endpoints.MapGet("/status", static (HttpContext context) =>
            Results.Json(context.RequestServices.GetRequiredService<StatusReporter>().Status(), Json));
        endpoints.MapGet("/", static () => Results.Bytes(StatusPage.Bytes.ToArray(), "text/html; charset=utf-8"));
        return endpoints;
    }

    private sealed record HealthBody(string Status, string? Reason, DateTimeOffset? KafkaLastReachable);
}
