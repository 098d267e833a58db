using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Dead letters to JSON Lines files under the lake, one per input partition:
/// <c>&lt;root&gt;/&lt;dataset&gt;/dead-letters/&lt;topic&gt;+&lt;partition&gt;.jsonl</c>. Each line holds
/// <c>topic</c>, <c>partition</c>, <c>offset</c>, <c>reason</c>, <c>message</c>, <c>sample_id</c> and the original
/// bytes (<c>raw</c>, or <c>raw_base64</c> when not UTF-8). Lines are fsync'd before <see cref="WriteDurably"/>
/// returns.
/// </summary>
/// <remarks>
/// Exactly once: a partition's dead letters arrive in offset order, so when a file is opened its last complete line
/// gives the highest offset already written, and a replay after a crash skips offsets up to it. A torn last line
/// (crash mid-write) is cut off first.
/// </remarks>
internal sealed class FileDeadLetterSink : IDeadLetterSink
{
    private readonly string _directory;
    private readonly Dictionary<(string Topic, int Partition), PartitionFile> _files = [];
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public FileDeadLetterSink(string lakeRoot, string dataset)
    {
        _directory = Path.Combine(lakeRoot, dataset, "dead-letters");
    }

    /// <summary>The file of one partition.</summary>
    public static string PathOf(string lakeRoot, string dataset, string topic, int partition) =>
        Path.Combine(lakeRoot, dataset, "dead-letters", $"{topic.Replace('/', '_').Replace('+', '_')}+{partition}.jsonl");

    public void WriteDurably(IReadOnlyList<FinishedRecord> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var touched = new List<PartitionFile>();
        foreach (var item in items)
        {
            var r = item.Record;
            var (topic, partition, offset) = (r.Position.Source.Topic, r.Position.Source.Partition ?? 0, r.Position.Offset);
            var file = Open(topic, partition);
            if (offset <= file.LastOffset)
            {
                continue; // written before a crash; the lake had not committed its offset yet
            }

            _buffer.Clear();
            using (var w = new Utf8JsonWriter(_buffer))
            {
                w.WriteStartObject();
                w.WriteString("topic", topic);
                w.WriteNumber("partition", partition);
                w.WriteNumber("offset", offset);
                var rejection = item.Rejection!;
                w.WriteString("reason", rejection.Code);
                if (rejection.LegacyCode is { } legacy)
                {
                    w.WriteString("legacy_reason", legacy); // for one release: the code this reason had before
                }

                w.WriteString("message", rejection.Message);
                if (item.SampleId is null)
                {
                    w.WriteNull("sample_id");
                }
                else
                {
                    w.WriteString("sample_id", item.SampleId);
                }

                var raw = r.Value ?? [];
                if (Utf8.IsValid(raw))
                {
                    w.WriteString("raw", raw);
                }
                else
                {
                    w.WriteBase64String("raw_base64", raw);
                }

                w.WriteEndObject();
            }

            file.Stream.Write(_buffer.WrittenSpan);
            file.Stream.WriteByte((byte)'\n');
            file.LastOffset = offset;
            if (!touched.Contains(file))
            {
                touched.Add(file);
            }
        }

        foreach (var file in touched)
        {
            file.Stream.Flush(flushToDisk: true);
        }
    }

    public void Forget(string topic, int partition)
    {
        if (_files.Remove((topic, partition), out var file))
        {
            file.Stream.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Stream.Dispose();
        }

        _files.Clear();
    }

    /// <summary>Highest offset in a dead-letter file (its last complete line), or -1; cuts a torn last line.</summary>
    internal static long RecoverLastOffset(FileStream stream)
    {
        var length = stream.Length;
        var end = LastNewlineBefore(stream, length);
        if (end + 1 != length)
        {
            stream.SetLength(end + 1); // a torn line from a crash: it was never acknowledged
            stream.Flush(flushToDisk: true);
        }

        if (end < 0)
        {
            return -1;
        }

        var start = LastNewlineBefore(stream, end) + 1;
        var line = new byte[end - start];
        stream.Position = start;
        stream.ReadExactly(line);
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.GetProperty("offset").GetInt64();
    }

    private static long LastNewlineBefore(FileStream stream, long before)
    {
        var chunk = new byte[64 * 1024];
        var pos = before;
        while (pos > 0)
        {
            var n = (int)Math.Min(chunk.Length, pos);
            pos -= n;
            stream.Position = pos;
            stream.ReadExactly(chunk, 0, n);
            var at = chunk.AsSpan(0, n).LastIndexOf((byte)'\n');
            if (at >= 0)
            {
                return pos + at;
            }
        }

        return -1;
    }

    private PartitionFile Open(string topic, int partition)
    {
        if (_files.TryGetValue((topic, partition), out var file))
        {
            return file;
        }

        Directory.CreateDirectory(_directory);
        var path = PathOf(Path.GetDirectoryName(Path.GetDirectoryName(_directory))!, Path.GetFileName(Path.GetDirectoryName(_directory))!, topic, partition);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        file = new PartitionFile(stream) { LastOffset = RecoverLastOffset(stream) };
        stream.Position = stream.Length;
        _files[(topic, partition)] = file;
        return file;
    }

    private sealed class PartitionFile(FileStream stream)
    {
        public FileStream Stream { get; } = stream;

        public long LastOffset { get; set; }
    }
}
