using System.CommandLine;
using System.Globalization;
using TokenClean.Core.Samples;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Sink.Parquet;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean lake</c>: look at a data lake (<c>scan</c>: committed files and the next offset per source) and
/// write sample output files (<c>sample</c>) for checking with other readers (tools/check_arrow_pyarrow.py).
/// </summary>
internal static class LakeCommand
{
    public static Command Create()
    {
        var root = new Option<DirectoryInfo>("--root") { Description = "The lake's root directory.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "The dataset folder under the root.", Required = true };
        var rows = new Option<bool>("--rows") { Description = "Also read every committed file (Apache.Arrow / ParquetSharp readers) and print its row count; exit 1 if one cannot be read." };
        var scan = new Command("scan", "List the committed files and the next offset to process per source (read only).") { root, dataset, rows };
        scan.SetAction(parse => Scan(parse.GetValue(root)!, parse.GetValue(dataset)!, parse.GetValue(rows), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));

        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for sample.stream.arrow, sample.file.arrow, sample.zstd.arrow and sample.parquet.", Required = true };
        var sample = new Command("sample", "Write a small output file in both Arrow IPC formats, zstd-compressed and as Parquet, with nulls, NaN and a 100k-token row.") { output };
        sample.SetAction(parse => Sample(parse.GetValue(output)!));

        return new Command("lake", "Inspect a data lake or write sample Arrow output.") { scan, sample };
    }

    private static int Scan(DirectoryInfo root, string dataset, bool rows, TextWriter output, TextWriter error)
    {
        var result = LakeScan.Run(Path.Combine(root.FullName, dataset), removeTempFiles: false);
        var unreadable = 0;
        foreach (var f in result.Files)
        {
            var count = string.Empty;
            if (rows)
            {
                try
                {
                    count = FormattableString.Invariant($" {LakeFileReader.CountRows(f.Path),10:N0} rows");
                }
                catch (InvalidDataException e)
                {
                    error.WriteLine($"unreadable: {e.Message}");
                    unreadable++;
                    count = "  unreadable";
                }
            }

            output.WriteLine(FormattableString.Invariant($"{f.Source,-30} {f.FirstOffset,12}..{f.LastOffset,-12} {f.Bytes,14:N0} B{count}  {f.Path}"));
        }

        foreach (var (source, next) in result.NextOffsets)
        {
            output.WriteLine(FormattableString.Invariant($"next offset {source}: {next}"));
        }

        foreach (var (a, b) in result.Overlaps)
        {
            error.WriteLine($"overlap: {a.Path} and {b.Path}");
        }

        return result.Overlaps.Count == 0 && unreadable == 0 ? 0 : 1;
    }

    private static int Sample(DirectoryInfo output)
    {
        output.Create();
        var metadata = new OutputMetadata("sample-tokenizer", "sha256:0000", "global-topk", 0.6, typeof(LakeCommand).Assembly.GetName().Version?.ToString() ?? "0");
        var schema = OutputSchema.Create(metadata);
        var batch = new OutputBatch(schema);
        foreach (var (path, format) in new[] { ("sample.stream.arrow", "stream"), ("sample.file.arrow", "file"), ("sample.zstd.arrow", "zstd"), ("sample.parquet", "parquet") })
        {
            var full = Path.Combine(output.FullName, path);
            using (var stream = File.Create(full))
            using (BatchWriter writer = format switch
            {
                "parquet" => new ParquetBatchWriter(stream, schema),
                "file" => new ArrowIpcBatchWriter(stream, schema, ArrowIpcFormat.File),
                "zstd" => new ArrowIpcBatchWriter(stream, schema, ArrowIpcFormat.Stream, ArrowCompression.Zstd),
                _ => new ArrowIpcBatchWriter(stream, schema),
            })
            {
                for (var b = 0; b < 3; b++)
                {
                    batch.Clear();
                    for (var r = 0; r < 4; r++)
                    {
                        batch.Append(Record((b * 4) + r, kafka: r != 3, tokens: b == 2 && r == 0 ? 100_000 : 16 + r));
                    }

                    writer.WriteBatch(batch.Builder);
                }

                writer.Finish();
            }

            Console.WriteLine(full);
        }

        return 0;
    }

    private static OutputRecord Record(int n, bool kafka, int tokens)
    {
        var ids = new int[tokens];
        var labels = new int[tokens];
        var influence = new float[tokens];
        var prompt = tokens / 2;
        var kept = 0;
        for (var i = 0; i < tokens; i++)
        {
            ids[i] = (n * 1009 + i * 7) % 151_000;
            influence[i] = i < prompt ? float.NaN : ((i * 37) % 100 / 50f) - 1f;
            labels[i] = i >= prompt && influence[i] >= 0 ? ids[i] : TokenizedSample.IgnoreLabel;
            kept += labels[i] != TokenizedSample.IgnoreLabel ? 1 : 0;
        }

        return new OutputRecord
        {
            SampleId = "sample-" + n.ToString(CultureInfo.InvariantCulture),
            SourceTopic = kafka ? "sft-samples" : null,
            SourcePartition = kafka ? n % 3 : null,
            SourceOffset = kafka ? 1000 + n : null,
            InputIds = ids,
            Labels = labels,
            Influence = influence,
            ResponseTokens = tokens - prompt,
            KeptTokens = kept,
            RefModelVersion = "ref-" + (n / 4).ToString(CultureInfo.InvariantCulture),
            BaseModel = "base",
            Threshold = 0f,
            ScoredAt = DateTimeOffset.UnixEpoch.AddDays(20_000).AddSeconds(n),
        };
    }
}
