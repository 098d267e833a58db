using System.Text;
using System.Text.Json;

namespace TokenClean.Evidence.World;

/// <summary>
/// Files of a synthetic world: pre-tokenized training samples (<c>{"id", "input_ids", "labels"}</c> JSON Lines, an
/// input shape <c>clean</c>, <c>train</c> and <c>evolve</c> accept) and the ground-truth side file
/// (<c>{"id", "kinds"}</c>, one letter per position: p prompt, i informative, b boilerplate, n noise) that only the
/// benchmark reads.
/// </summary>
public static class WorldFiles
{
    /// <summary>Writes <paramref name="samples"/> as pre-tokenized JSON Lines, with <paramref name="labels"/> overriding each sample's own when given.</summary>
    public static void WriteSamples(string path, IEnumerable<WorldSample> samples, Func<WorldSample, int[]>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream);
        var newline = "\n"u8.ToArray();
        foreach (var s in samples)
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            WriteInts(w, "input_ids", s.InputIds);
            WriteInts(w, "labels", labels?.Invoke(s) ?? s.Labels);
            w.WriteEndObject();
            w.Flush();
            stream.Write(newline);
            w.Reset();
        }
    }

    /// <summary>Writes the ground truth of <paramref name="samples"/>.</summary>
    public static void WriteTruth(string path, IEnumerable<WorldSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var text = new StringBuilder();
        foreach (var s in samples)
        {
            text.Append(JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = s.Id, ["kinds"] = s.KindString })).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads a ground-truth side file: sample id → kind per position.</summary>
    public static Dictionary<string, TokenKind[]> ReadTruth(string path)
    {
        var truth = new Dictionary<string, TokenKind[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var kinds = doc.RootElement.GetProperty("kinds").GetString()!;
            truth[doc.RootElement.GetProperty("id").GetString()!] = kinds.Select(c => (TokenKind)(byte)c).ToArray();
        }

        return truth;
    }

    private static void WriteInts(Utf8JsonWriter w, string name, int[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }
}
