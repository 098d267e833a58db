using OutputRecord = TokenClean.Sink.Output.OutputRecord;
using System.Text.Json;
using TokenClean.Sink.Output;
using TokenClean.Core.Files;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Renders output records as JSON Lines: one object per sample, keys = the output schema's column names. Floats that
/// JSON cannot carry (NaN for prompt tokens and position 0, ±Infinity) are written as null; <c>scored_at</c> is an
/// ISO 8601 UTC string with milliseconds.
/// </summary>
internal sealed class JsonLinesRecordWriter : IOutputRecordWriter
{
    private readonly AtomicFile _file;
    private readonly Utf8JsonWriter _json;
    private readonly bool _emitLosses;
    private readonly bool _softWeights;

    public JsonLinesRecordWriter(string path, OutputMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        _file = new AtomicFile(path);
        _json = new Utf8JsonWriter(_file.Stream);
        _emitLosses = metadata.EmitLosses;
        _softWeights = metadata.SoftWeights;
    }

    public string Path => _file.FinalPath;

    public void Write(OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var w = _json;
        w.WriteStartObject();
        w.WriteString("sample_id", record.SampleId);
        WriteNullable(w, "source_topic", record.SourceTopic);
        if (record.SourcePartition is { } partition)
        {
            w.WriteNumber("source_partition", partition);
        }
        else
        {
            w.WriteNull("source_partition");
        }

        if (record.SourceOffset is { } offset)
        {
            w.WriteNumber("source_offset", offset);
        }
        else
        {
            w.WriteNull("source_offset");
        }

        WriteInts(w, "input_ids", record.InputIds.Span);
        WriteInts(w, "labels", record.Labels.Span);
        WriteFloats(w, "influence", record.Influence.Span);
        w.WriteNumber("response_tokens", record.ResponseTokens);
        w.WriteNumber("kept_tokens", record.KeptTokens);
        w.WriteString("ref_model_version", record.RefModelVersion);
        w.WriteString("base_model", record.BaseModel);
        w.WritePropertyName("threshold");
        WriteFloat(w, record.Threshold);
        w.WriteString("scored_at", record.ScoredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        if (_emitLosses)
        {
            WriteFloats(w, "base_loss", (record.BaseLoss ?? ReadOnlyMemory<float>.Empty).Span);
            WriteFloats(w, "ref_loss", (record.RefLoss ?? ReadOnlyMemory<float>.Empty).Span);
        }

        if (_softWeights)
        {
            WriteFloats(w, OutputSchema.SoftWeightName, (record.SoftWeights ?? ReadOnlyMemory<float>.Empty).Span);
        }

        w.WriteEndObject();
        w.Flush();
        _file.Stream.WriteByte((byte)'\n');

        // One writer, many top-level values: Reset forgets the finished object but keeps the stream.
        w.Reset();
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

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteInts(Utf8JsonWriter w, string name, ReadOnlySpan<int> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void WriteFloats(Utf8JsonWriter w, string name, ReadOnlySpan<float> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            WriteFloat(w, v);
        }

        w.WriteEndArray();
    }

    private static void WriteFloat(Utf8JsonWriter w, float v)
    {
        if (float.IsFinite(v))
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteNullValue();
        }
    }
}
