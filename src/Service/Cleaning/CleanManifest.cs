using System.Text.Json;
using TokenClean.Core.Files;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// The manifest <c>clean</c> writes beside its output: input, output and dead-letter paths, the output metadata,
/// the counts and the influence figures of the run (non-finite figures as null), written atomically.
/// </summary>
internal static class CleanManifest
{
    public static void Write(string path, string inputPath, OutputMetadata metadata, CleanSummary summary)
    {
        using var file = new AtomicFile(path);
        using (var w = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("input", inputPath);
            w.WriteString("output", summary.OutputPath);
            w.WriteString("dead_letters", summary.DeadLetterPath);
            w.WriteString("selection_mode", metadata.SelectionMode);
            if (double.IsFinite(metadata.KeepRatio))
            {
                w.WriteNumber("keep_ratio", metadata.KeepRatio);
            }
            else
            {
                w.WriteNull("keep_ratio"); // threshold selection has no ratio
            }
            w.WriteString("base_model", metadata.BaseModel);
            w.WriteString("ref_model_version", metadata.RefModelVersion);
            w.WriteString("tokenizer_id", metadata.TokenizerId);
            w.WriteString("tokenizer_hash", metadata.TokenizerHash);
            w.WriteString("software_version", metadata.SoftwareVersion);
            w.WriteNumber("samples_read", summary.Lines);
            w.WriteNumber("samples_written", summary.Written);
            w.WriteNumber("samples_rejected", summary.Rejected);
            w.WriteNumber("response_tokens", summary.ResponseTokens);
            w.WriteNumber("kept_tokens", summary.KeptTokens);
            WriteFloat(w, "mean_influence", (float)summary.MeanInfluence);
            WriteFloat(w, "mean_kept_influence", (float)summary.MeanKeptInfluence);
            if (metadata.SoftWeightMap is not null)
            {
                w.WriteString("soft_weight_map", metadata.SoftWeightMap);
            }
            WriteFloat(w, "threshold_min", summary.ThresholdMin);
            WriteFloat(w, "threshold_max", summary.ThresholdMax);
            w.WriteNumber("scored_tokens", summary.ScoredTokens);
            w.WriteNumber("scoring_seconds", summary.ScoringSeconds);
            w.WriteEndObject();
        }

        file.Commit();
    }

    private static void WriteFloat(Utf8JsonWriter w, string name, float value)
    {
        if (float.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
