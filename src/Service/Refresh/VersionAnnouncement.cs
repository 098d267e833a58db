using System.Text.Json;

namespace TokenClean.Service.Refresh;

/// <summary>A control-topic message: "version V is ready at PATH".</summary>
/// <param name="Version">The version name (ordered by <see cref="CheckpointVersionComparer"/>).</param>
/// <param name="Path">The checkpoint directory, absolute.</param>
public sealed record VersionAnnouncement(string Version, string Path)
{
    /// <summary>The message a trainer sends: <c>{"version": "...", "path": "..."}</c>, what <see cref="TryParse"/> reads.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, string>(StringComparer.Ordinal) { ["version"] = Version, ["path"] = Path });

    /// <summary>
    /// Parses <c>{"version": "...", "path": "..."}</c>. A missing path means <c>&lt;root&gt;/&lt;version&gt;</c>, a
    /// relative one is taken relative to <paramref name="root"/>, a missing version is the path's directory name.
    /// Returns false with the reason for anything else.
    /// </summary>
    public static bool TryParse(string json, string root, out VersionAnnouncement? announcement, out string error)
    {
        ArgumentNullException.ThrowIfNull(root);
        announcement = null;
        string? version = null, path = null;
        try
        {
            using var doc = JsonDocument.Parse(json ?? "");
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("version") && p.Value.ValueKind == JsonValueKind.String)
                {
                    version = p.Value.GetString();
                }
                else if (p.NameEquals("path") && p.Value.ValueKind == JsonValueKind.String)
                {
                    path = p.Value.GetString();
                }
            }
        }
        catch (JsonException e)
        {
            error = "not valid JSON: " + e.Message;
            return false;
        }

        if (string.IsNullOrWhiteSpace(version) && string.IsNullOrWhiteSpace(path))
        {
            error = "neither \"version\" nor \"path\" is a non-empty string";
            return false;
        }

        if (!string.IsNullOrWhiteSpace(version) && (version.Contains('/', StringComparison.Ordinal) || version.Contains('\\', StringComparison.Ordinal) || version is "." or ".."))
        {
            error = $"version '{version}' is not a plain name";
            return false;
        }

        path = System.IO.Path.TrimEndingDirectorySeparator(string.IsNullOrWhiteSpace(path)
            ? System.IO.Path.GetFullPath(System.IO.Path.Combine(root, version!))
            : System.IO.Path.GetFullPath(path, System.IO.Path.GetFullPath(root)));
        version = string.IsNullOrWhiteSpace(version) ? System.IO.Path.GetFileName(path) : version;
        announcement = new VersionAnnouncement(version, path);
        error = "";
        return true;
    }
}
