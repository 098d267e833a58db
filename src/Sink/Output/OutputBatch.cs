using Apache.Arrow;
using TokenClean.Sink.Arrow;

namespace TokenClean.Sink.Output;

/// <summary>
/// A record batch of <see cref="OutputRecord"/>s: the one mapping from the output record to Arrow columns, used by
/// every sink (lake, Kafka output, <c>clean</c>). Each record is copied into the column builders' pooled buffers
/// (token arrays as one span copy each); <see cref="Builder"/>.Build() wraps them in an Apache.Arrow record batch.
/// Reuse it across batches (<see cref="Clear"/>); appending allocates nothing once the buffers have grown.
/// </summary>
public sealed class OutputBatch
{
    private readonly Utf8Column _sampleId;
    private readonly Utf8Column _sourceTopic;
    private readonly PrimitiveColumn<int> _sourcePartition;
    private readonly PrimitiveColumn<long> _sourceOffset;
    private readonly ListColumn<int> _inputIds;
    private readonly ListColumn<int> _labels;
    private readonly ListColumn<float> _influence;
    private readonly PrimitiveColumn<int> _responseTokens;
    private readonly PrimitiveColumn<int> _keptTokens;
    private readonly Utf8Column _refModelVersion;
    private readonly Utf8Column _baseModel;
    private readonly PrimitiveColumn<float> _threshold;
    private readonly PrimitiveColumn<long> _scoredAt;
    private readonly ListColumn<float>? _baseLoss;
    private readonly ListColumn<float>? _refLoss;
    private readonly ListColumn<float>? _softWeight;

    /// <param name="schema">From <see cref="OutputSchema.Create"/>; with the loss columns, every record must carry its losses.</param>
    public OutputBatch(Schema schema)
    {
        Builder = new RecordBatchBuilder(schema);
        _sampleId = Builder.Column<Utf8Column>(OutputSchema.SampleId);
        _sourceTopic = Builder.Column<Utf8Column>(OutputSchema.SourceTopic);
        _sourcePartition = Builder.Column<PrimitiveColumn<int>>(OutputSchema.SourcePartition);
        _sourceOffset = Builder.Column<PrimitiveColumn<long>>(OutputSchema.SourceOffset);
        _inputIds = Builder.Column<ListColumn<int>>(OutputSchema.InputIds);
        _labels = Builder.Column<ListColumn<int>>(OutputSchema.Labels);
        _influence = Builder.Column<ListColumn<float>>(OutputSchema.Influence);
        _responseTokens = Builder.Column<PrimitiveColumn<int>>(OutputSchema.ResponseTokens);
        _keptTokens = Builder.Column<PrimitiveColumn<int>>(OutputSchema.KeptTokens);
        _refModelVersion = Builder.Column<Utf8Column>(OutputSchema.RefModelVersion);
        _baseModel = Builder.Column<Utf8Column>(OutputSchema.BaseModel);
        _threshold = Builder.Column<PrimitiveColumn<float>>(OutputSchema.Threshold);
        _scoredAt = Builder.Column<PrimitiveColumn<long>>(OutputSchema.ScoredAt);
        if (OutputSchema.HasLosses(schema))
        {
            _baseLoss = Builder.Column<ListColumn<float>>(OutputSchema.BaseLoss);
            _refLoss = Builder.Column<ListColumn<float>>(OutputSchema.RefLoss);
        }

        if (OutputSchema.SoftWeightIndex(schema) is var w and >= 0)
        {
            _softWeight = Builder.Column<ListColumn<float>>(w);
        }
    }

    /// <summary>The general batch the writers take.</summary>
    public RecordBatchBuilder Builder { get; }

    public int Count => Builder.Length;

    /// <summary>Bytes of column data buffered (token arrays dominate); what the lake's size-based roll measures.</summary>
    public long TokenBytes => 12L * _inputIds.ItemCount;

    /// <summary>Appends one row. The three token arrays must have the same length.</summary>
    public void Append(OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var n = record.InputIds.Length;
        if (record.Labels.Length != n || record.Influence.Length != n)
        {
            throw new ArgumentException(
                $"sample '{record.SampleId}': input_ids ({n}), labels ({record.Labels.Length}) and influence ({record.Influence.Length}) differ in length",
                nameof(record));
        }

        ReadOnlySpan<float> baseLoss = default, refLoss = default;
        if (_baseLoss is not null)
        {
            baseLoss = (record.BaseLoss ?? throw new ArgumentException($"sample '{record.SampleId}' has no base losses for the base_loss column", nameof(record))).Span;
            refLoss = (record.RefLoss ?? throw new ArgumentException($"sample '{record.SampleId}' has no reference losses for the ref_loss column", nameof(record))).Span;
        }

        ReadOnlySpan<float> softWeight = default;
        if (_softWeight is not null)
        {
            softWeight = (record.SoftWeights ?? throw new ArgumentException($"sample '{record.SampleId}' has no soft weights for the soft_weight column", nameof(record))).Span;
            if (softWeight.Length != n)
            {
                throw new ArgumentException($"sample '{record.SampleId}': soft_weight has {softWeight.Length} entries for {n} tokens", nameof(record));
            }
        }

        _sampleId.Append(record.SampleId);
        _sourceTopic.Append(record.SourceTopic);
        _sourcePartition.Append(record.SourcePartition);
        _sourceOffset.Append(record.SourceOffset);
        _inputIds.Append(record.InputIds.Span);
        _labels.Append(record.Labels.Span);
        _influence.Append(record.Influence.Span);
        _responseTokens.Append(record.ResponseTokens);
        _keptTokens.Append(record.KeptTokens);
        _refModelVersion.Append(record.RefModelVersion);
        _baseModel.Append(record.BaseModel);
        _threshold.Append(record.Threshold);
        _scoredAt.Append(record.ScoredAt.ToUnixTimeMilliseconds());
        if (_baseLoss is not null)
        {
            _baseLoss.Append(baseLoss);
            _refLoss!.Append(refLoss);
        }

        _softWeight?.Append(softWeight);
    }

    public void Clear() => Builder.Clear();
}
