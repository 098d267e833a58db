using Apache.Arrow;
using TokenClean.Core.Samples;

namespace TokenClean.Service.StreamTraining;

/// <summary>Turns record batches of the output schema (docs/SINK.md) into samples with the version that scored them.</summary>
internal static class CleanedRowDecoder
{
    /// <summary>Each row's sample (ids + labels), scoring version and whether it has a learnable label after position 0.</summary>
    /// <exception cref="InvalidDataException">The batch lacks the input_ids / labels list columns.</exception>
    public static List<(TokenizedSample Sample, string ScoredBy, bool Learnable)> Decode(RecordBatch batch, string where)
    {
        if (batch.Column("input_ids") is not ListArray ids || batch.Column("labels") is not ListArray labels)
        {
            throw new InvalidDataException($"{where} has no list columns 'input_ids' and 'labels' (tokenclean output has both)");
        }

        var sampleIds = batch.Schema.GetFieldIndex("sample_id") >= 0 ? batch.Column("sample_id") as StringArray : null;
        var versions = batch.Schema.GetFieldIndex("ref_model_version") >= 0 ? batch.Column("ref_model_version") as StringArray : null;
        var rows = new List<(TokenizedSample, string, bool)>(batch.Length);
        for (var row = 0; row < batch.Length; row++)
        {
            var id = sampleIds?.GetString(row) ?? $"{where}#{row}";
            var scoredBy = versions?.GetString(row) ?? "";
            var input = Values(ids, row);
            var label = Values(labels, row);
            if (input is null || label is null || input.Length != label.Length)
            {
                rows.Add((new TokenizedSample(id, [], []), scoredBy, false));
                continue;
            }

            var learnable = false;
            for (var j = 1; j < label.Length && !learnable; j++)
            {
                learnable = label[j] != TokenizedSample.IgnoreLabel;
            }

            rows.Add((new TokenizedSample(id, input, label), scoredBy, learnable));
        }

        return rows;
    }

    private static int[]? Values(ListArray list, int row)
    {
        if (list.IsNull(row) || list.Values is not Int32Array values)
        {
            return null;
        }

        var start = list.ValueOffsets[row];
        return values.Values.Slice(start, list.ValueOffsets[row + 1] - start).ToArray();
    }
}
