using System.Text.Json;
using TokenClean.Core.Rejections;
using TokenClean.Core.Files;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// <c>dead-letters.jsonl</c>: one object per rejected line with <c>source</c> (input file name), <c>line</c>
/// (1-based), <c>reason</c> (a stable <see cref="RejectionCodes"/> code; for one release <c>legacy_reason</c>, the code it had before), <c>message</c>, <c>sample_id</c> (when
/// known) and the line itself (<c>raw</c>, or <c>raw_base64</c> when it is not valid UTF-8), so it can be fixed
/// and replayed.
/// </summary>
internal sealed class DeadLetterWriter : IDisposable
{
    private readonly AtomicFile _file;
    private readonly Utf8JsonWriter _json;

    public DeadLetterWriter(string path)
    {
        _file = new AtomicFile(path);
        _json = new Utf8JsonWriter(_file.Stream);
    }

    public string Path => _file.FinalPath;

    public int Count { get; private set; }

    public void Write(string source, long line, SampleRejection rejection, string? sampleId, ReadOnlySpan<byte> raw, bool rawIsUtf8)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var w = _json;
        w.WriteStartObject();
        w.WriteString("source", source);
        w.WriteNumber("line", line);
        w.WriteString("reason", rejection.Code);
        if (rejection.LegacyCode is { } legacy)
        {
            w.WriteString("legacy_reason", legacy); // for one release: the code this reason had before
        }

        w.WriteString("message", rejection.Message);
        if (sampleId is null)
        {
            w.WriteNull("sample_id");
        }
        else
        {
            w.WriteString("sample_id", sampleId);
        }

        if (rawIsUtf8)
        {
            w.WriteString("raw", raw);
        }
        else
        {
            w.WriteBase64String("raw_base64", raw);
        }

        w.WriteEndObject();
        w.Flush();
        _file.Stream.WriteByte((byte)'\n');
        w.Reset();
        Count++;
    }

    public void Commit()
    {
        // The JSON writer flushes on dispose: it must let go of the stream before the file is renamed.
        _json.Dispose();
        _file.Commit();
    }

    public void Dispose()
    {
        _json.Dispose();
        _file.Dispose();
    }
}
