using TokenClean.Tests.Oracles;
using System.Text.Json;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>What a serve run left in the lake: rows (read by Arrow JS) and dead letters (the JSON Lines files).</summary>
internal sealed class LakeContents
{
    public List<LakeRow> Rows { get; } = [];

    public List<JsonElement> DeadLetters { get; } = [];

    /// <summary>Every (partition, offset) in rows and dead letters, duplicates included.</summary>
    public List<(int Partition, long Offset)> Offsets()
    {
        var list = new List<(int, long)>();
        foreach (var r in Rows)
        {
            list.Add((r.Partition, r.Offset));
        }

        foreach (var d in DeadLetters)
        {
            list.Add((d.GetProperty("partition").GetInt32(), d.GetProperty("offset").GetInt64()));
        }

        return list;
    }

    /// <summary>Waits (at most 60 s) until the lake holds <paramref name="rows"/> rows, failing early if serve exits.</summary>
    public static void WaitForRows(string lake, int rows, ServeProcess serve)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Read(lake).Rows.Count < rows)
        {
            Assert.True(DateTime.UtcNow < until && !serve.HasExited, $"fewer than {rows} rows:\n{serve.Output}");
            Thread.Sleep(200);
        }
    }

    /// <summary>The reference version of every committed row, ordered by source offset (read by Arrow JS).</summary>
    public static List<string> VersionsByOffset(string lake)
    {
        var files = Directory.GetFiles(Path.Combine(lake, "cleaned"), "*.arrow", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.')).ToArray();
        var rows = new List<(long Offset, string Version)>();
        foreach (var file in ArrowJs.Run(["--columns", "source_offset,ref_model_version", .. files]))
        {
            var c = file.GetProperty("columns");
            for (var i = 0; i < c.GetProperty("source_offset").GetArrayLength(); i++)
            {
                rows.Add((long.Parse(c.GetProperty("source_offset")[i].GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                    c.GetProperty("ref_model_version")[i].GetString()!));
            }
        }

        return rows.OrderBy(r => r.Offset).Select(r => r.Version).ToList();
    }

    /// <summary>Reads the committed files; <paramref name="values"/> also reads labels and influence.</summary>
    public static LakeContents Read(string lake, string dataset = "cleaned", bool values = false)
    {
        var result = new LakeContents();
        var root = Path.Combine(lake, dataset);
        var files = Directory.Exists(root)
            ? Directory.GetFiles(root, "*.arrow", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
            : [];
        // Parquet lakes: read with ParquetSharp's Arrow reader (DuckDB, the independent reader, checks Parquet in Sink.Tests).
        var parquet = Directory.Exists(root)
            ? Directory.GetFiles(root, "*.parquet", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
            : [];
        foreach (var file in parquet)
        {
            var (_, batches) = Sink.Lake.LakeFileReader.ReadAll(file);
            foreach (var b in batches)
            {
                var ids = (Apache.Arrow.StringArray)b.Column("sample_id");
                var partitions = (Apache.Arrow.Int32Array)b.Column("source_partition");
                var offsets = (Apache.Arrow.Int64Array)b.Column("source_offset");
                var labels = (Apache.Arrow.ListArray)b.Column("labels");
                var influence = (Apache.Arrow.ListArray)b.Column("influence");
                for (var i = 0; i < b.Length; i++)
                {
                    result.Rows.Add(new LakeRow(
                        ids.GetString(i),
                        partitions.GetValue(i)!.Value,
                        offsets.GetValue(i)!.Value,
                        values ? ((Apache.Arrow.Int32Array)labels.GetSlicedValues(i)).Values.ToArray() : null,
                        values ? ((Apache.Arrow.FloatArray)influence.GetSlicedValues(i)).Values.ToArray() : null));
                }

                b.Dispose();
            }
        }

        if (files.Length > 0)
        {
            var columns = values ? "sample_id,source_partition,source_offset,labels,influence,ref_model_version" : "sample_id,source_partition,source_offset";
            foreach (var file in ArrowJs.Run(["--columns", columns, .. files]))
            {
                var c = file.GetProperty("columns");
                var ids = c.GetProperty("sample_id");
                for (var i = 0; i < ids.GetArrayLength(); i++)
                {
                    result.Rows.Add(new LakeRow(
                        ids[i].GetString()!,
                        c.GetProperty("source_partition")[i].GetInt32(),
                        long.Parse(c.GetProperty("source_offset")[i].GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                        values ? c.GetProperty("labels")[i].EnumerateArray().Select(e => e.GetInt32()).ToArray() : null,
                        values ? c.GetProperty("influence")[i].EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? float.NaN : e.GetSingle()).ToArray() : null));
                }
            }
        }

        var dl = Path.Combine(root, "dead-letters");
        if (Directory.Exists(dl))
        {
            foreach (var file in Directory.GetFiles(dl, "*.jsonl"))
            {
                // Only complete lines: a running instance may be appending the last one right now.
                var text = File.ReadAllText(file);
                foreach (var line in text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var doc = JsonDocument.Parse(line);
                    result.DeadLetters.Add(doc.RootElement.Clone());
                }
            }
        }

        return result;
    }
}
