using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TokenClean.Service.Refresh;
using TokenClean.Training.Checkpoints;

namespace TokenClean.Service.StreamTraining;

/// <summary>
/// The reference root as the refresher sees it: visible sub-directories holding the completion marker are versions,
/// ordered by <see cref="CheckpointVersionComparer"/>; hidden names are in-progress work. Plus the stream manifest
/// (<c>tokenclean_training.json</c> → <c>stream</c>) that the trainer writes into each version it publishes.
/// </summary>
public static partial class ReferenceRootView
{
    /// <summary>The file inside a version that carries its training record (written before the marker).</summary>
    public const string TrainingInfoFile = "tokenclean_training.json";

    /// <summary>The key of the stream manifest in <see cref="TrainingInfoFile"/>.</summary>
    public const string StreamKey = "stream";

    /// <summary>Complete versions (name, path), oldest first.</summary>
    public static List<(string Name, string Path)> CompleteVersions(string root)
    {
        var found = new List<(string, string)>();
        if (!Directory.Exists(root))
        {
            return found;
        }

        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            if (!name.StartsWith('.') && File.Exists(Path.Combine(dir, CheckpointPublisher.MarkerFileName)))
            {
                found.Add((name, dir));
            }
        }

        found.Sort((a, b) => CheckpointVersionComparer.Instance.Compare(a.Item1, b.Item1));
        return found;
    }

    /// <summary>The version after <paramref name="newest"/>: its trailing number plus one, zero-padded to the same width; "-1" appended when it has none.</summary>
    public static string NextVersion(string? newest, string first)
    {
        if (newest is null)
        {
            return first;
        }

        var m = TrailingNumber().Match(newest);
        var next = m.Success
            ? m.Groups[1].Value + (long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture).PadLeft(m.Groups[2].Length, '0')
            : newest + "-1";
        if (CheckpointVersionComparer.Instance.Compare(next, newest) <= 0)
        {
            throw new InvalidOperationException($"cannot name a version newer than '{newest}'");
        }

        return next;
    }

    /// <summary>The stream manifest of a version, or null when the version was not published by the streaming trainer.</summary>
    public static JsonObject? Manifest(string versionDirectory)
    {
        var path = Path.Combine(versionDirectory, TrainingInfoFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?[StreamKey] as JsonObject;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    [GeneratedRegex(@"^(.*?)(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingNumber();
}
