using System.Globalization;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Sink.Tests.Output;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Tests.Lake;

/// <summary>
/// The child process of the crash test: resumes the lake where it stands and writes until it is killed.
/// Prints "READY" after opening and "C name partition first last" after each commit (the acknowledgement a
/// service would turn into a Kafka offset commit).
/// </summary>
internal static class LakeWriterChild
{
    public const string Dataset = "crash";

    public static readonly SourcePartition[] Sources = [SourcePartition.Kafka("samples", 0), SourcePartition.Kafka("samples", 1), SourcePartition.File("input.jsonl")];

    /// <summary>Every 11th offset goes to the dead-letter path: processed, but no row.</summary>
    public static bool IsDeadLetter(long offset) => offset % 11 == 10;

    public static OutputRecord RecordFor(SourcePartition source, long offset) =>
        source.Partition is { } p ? OutputRecords.Kafka(source.Topic, p, offset, tokens: 64 + (int)(offset % 200)) : OutputRecords.File(offset);

    public static int Run(string root, int seed, LakeFileFormat format)
    {
        var options = new LakeOptions
        {
            Root = root,
            Dataset = Dataset,
            Format = format,
            MaxRecordsPerFile = 20 + (seed * 13 % 60),
            RecordsPerBatch = 7,
        };
        using var sink = DataLakeSink.Open(options, OutputRecords.Metadata);
        sink.Committed += c => Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"C {c.Source.Topic} {(c.Source.Partition?.ToString(CultureInfo.InvariantCulture) ?? "lines")} {c.FirstOffset} {c.LastOffset}"));
        var next = new long[Sources.Length];
        for (var i = 0; i < Sources.Length; i++)
        {
            next[i] = sink.NextOffset(Sources[i]);
        }

        Console.Out.WriteLine("READY");
        Console.Out.Flush();
        var rng = new Random(seed);
        while (true)
        {
            var i = rng.Next(Sources.Length);
            var offset = next[i]++;
            var result = IsDeadLetter(offset)
                ? sink.MarkProcessed(Sources[i], offset)
                : sink.Append(Sources[i], offset, RecordFor(Sources[i], offset));
            if (!result.Accepted)
            {
                Console.Error.WriteLine($"offset {offset} of {Sources[i]} was refused as a duplicate");
                return 3;
            }

            if (result.Committed.Count > 0)
            {
                Console.Out.Flush();
            }
        }
    }
}
