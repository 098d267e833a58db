using TokenClean.Scoring.Checkpoints;

namespace TokenClean.Scoring.Models;

/// <summary>
/// An HF decoder checkpoint (config.json + safetensors) loaded for scoring: per-token cross-entropy of every
/// sample, batched by packing or padding, LM head chunked and computed only where a loss is wanted.
/// </summary>
/// <remarks>
/// <see cref="TokenLosses"/> may be called from any thread; calls on one model run one at a time (libtorch
/// already spreads each op over the intra-op threads). Each call's intermediate tensors live in a dispose scope
/// per batch, so native memory returns to the weights' size between calls. Bad samples throw <see cref="SampleRejectedException"/>
/// before anything runs; a native failure throws <see cref="Native.TorchException"/>.
/// </remarks>
public sealed class CausalLm : ITokenLossModel
{
    private const long LogitsBudgetBytes = 30L << 20;
    private readonly IDecoder _decoder;
    private readonly Lock _gate = new();
    private int _disposed;

    private CausalLm(ModelConfig config, IDecoder decoder, string version, string device, DType dtype, ScoringOptions options, long parameters)
    {
        Config = config;
        _decoder = decoder;
        Version = version;
        Device = device;
        DType = dtype;
        Options = options;
        ParameterCount = parameters;
    }

    public ModelConfig Config { get; }

    public string Version { get; }

    public string Device { get; }

    public DType DType { get; }

    public ScoringOptions Options { get; }

    /// <summary>Parameters in the checkpoint's tensors (the tied head counted once).</summary>
    public long ParameterCount { get; }

    public int VocabSize => Config.VocabSize;

    public int MaxSequenceLength => Config.MaxPositionEmbeddings;

    /// <summary>
    /// Loads the model in <paramref name="directory"/> onto <paramref name="device"/> ("cpu", "cuda", "cuda:1")
    /// converting weights to <paramref name="dtype"/>. Throws <see cref="CheckpointException"/> for an unusable
    /// checkpoint, <see cref="Native.TorchException"/> for an unusable device.
    /// </summary>
    public static CausalLm Load(string directory, string device = "cpu", DType dtype = DType.Float32, ScoringOptions? options = null, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(device);
        if (dtype is not (DType.Float32 or DType.BFloat16 or DType.Float16))
        {
            throw new ArgumentException($"compute dtype must be Float32, BFloat16 or Float16, not {dtype}", nameof(dtype));
        }

        Torch.CheckDevice(device);
        Torch.ApplyDefaultThreads();
        Torch.ConfigureMemory();
        var config = ModelConfig.Load(directory);
        var weights = ModelWeights.Load(directory, config, dtype, device);
        long parameters = 0;
        foreach (var spec in WeightLayout.Expected(config))
        {
            long n = 1;
            foreach (var d in spec.Shape)
            {
                n *= d;
            }

            parameters += n;
        }

        options ??= new ScoringOptions();
        IDecoder decoder = config.Architecture == Architecture.Gpt2
            ? new Gpt2Decoder(config, weights)
            : new LlamaDecoder(config, weights, dtype, device, options.MlpChunkBytes);
        var name = version ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return new CausalLm(config, decoder, name, device, dtype, options, parameters);
    }

    /// <inheritdoc />
    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var lengths = Validate(sequences, lossMask);
        var results = new float[sequences.Count][];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = new float[sequences[i].Length];
            Array.Fill(results[i], float.NaN);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            try
            {
                foreach (var batch in PlanBatches(sequences, lossMask, lengths))
                {
                    RunBatch(sequences, lossMask, lengths, batch, results);
                }
            }
            finally
            {
                // Every intermediate of this call is freed by now: hand the heap's free pages back, so RSS after a
                // call is the same whatever the sizes of earlier calls were (costs a few page faults next call).
                Torch.ReleaseFreeMemory();
            }
        }

        return results;
    }

    /// <summary>True when packing <paramref name="lengths"/> is estimated cheaper than padding them.</summary>
    public bool PrefersPacking(ReadOnlySpan<int> lengths)
    {
        double layers = Config.NumLayers, hidden = Config.HiddenSize, inter = Config.IntermediateSize;
        double qDim = (double)Config.NumHeads * Config.HeadDim, kvDim = (double)Config.NumKeyValueHeads * Config.HeadDim;
        var linearPerToken = 2 * layers * ((hidden * (2 * qDim + 2 * kvDim)) + (3 * hidden * inter));
        var attentionPerPair = 4 * layers * qDim;
        var overheadPerSegment = layers * 2e5; // a few small kernel launches per segment and layer
        double sum = 0, sumSquares = 0, max = 0;
        foreach (var l in lengths)
        {
            sum += l;
            sumSquares += (double)l * l;
            max = Math.Max(max, l);
        }

        var packed = (sum * linearPerToken) + (sumSquares * attentionPerPair) + (lengths.Length * overheadPerSegment);
        var padded = (lengths.Length * max * linearPerToken) + (lengths.Length * max * max * attentionPerPair);
        return packed <= padded;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _decoder.Dispose();
            }
        }
    }

    private int[] Validate(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask)
    {
        if (lossMask is not null && lossMask.Count != sequences.Count)
        {
            throw new ArgumentException($"lossMask has {lossMask.Count} entries for {sequences.Count} sequences", nameof(lossMask));
        }

        var lengths = new int[sequences.Count];
        for (var i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i] ?? throw new SampleRejectedException(i, SampleRejection.Empty, "is null");
            if (s.Length == 0)
            {
                throw new SampleRejectedException(i, SampleRejection.Empty, "has no tokens");
            }

            if (lossMask is not null && (lossMask[i]?.Length ?? -1) != s.Length)
            {
                throw new SampleRejectedException(i, SampleRejection.MaskLengthMismatch, $"loss mask length {lossMask[i]?.Length ?? 0} differs from {s.Length} tokens");
            }

            for (var j = 0; j < s.Length; j++)
            {
                if ((uint)s[j] >= (uint)Config.VocabSize)
                {
                    throw new SampleRejectedException(i, SampleRejection.TokenOutOfVocabulary, $"token {s[j]} at position {j} is outside the vocabulary [0, {Config.VocabSize})");
                }
            }

            if (s.Length > MaxSequenceLength && Options.OverLength == OverLengthPolicy.Reject)
            {
                throw new SampleRejectedException(i, SampleRejection.TooLong, $"{s.Length} tokens exceed the model's context of {MaxSequenceLength}");
            }

            lengths[i] = Math.Min(s.Length, MaxSequenceLength);
        }

        return lengths;
    }

    private List<int[]> PlanBatches(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask, int[] lengths)
    {
        // Only samples with at least one wanted position run; longest first so padded batches waste little.
        var work = new List<int>(sequences.Count);
        for (var i = 0; i < sequences.Count; i++)
        {
            if (lengths[i] >= 2 && (lossMask is null || lossMask[i].AsSpan(1, lengths[i] - 1).Contains(true)))
            {
                work.Add(i);
            }
        }

        work.Sort((a, b) => lengths[b] != lengths[a] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));
        var batches = new List<int[]>();
        var start = 0;
        while (start < work.Count)
        {
            var max = lengths[work[start]];
            var end = start + 1;
            while (end < work.Count && (long)(end - start + 1) * max <= Options.MaxBatchTokens)
            {
                end++;
            }

            batches.Add(work.GetRange(start, end - start).ToArray());
            start = end;
        }

        return batches;
    }

    private void RunBatch(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask, int[] lengths, int[] batch, float[][] results)
    {
        var batchLengths = new int[batch.Length];
        var maxLen = 0;
        for (var b = 0; b < batch.Length; b++)
        {
            batchLengths[b] = lengths[batch[b]];
            maxLen = Math.Max(maxLen, batchLengths[b]);
        }

        var packed = Options.BatchMode switch
        {
            BatchMode.Packed => true,
            BatchMode.Padded => false,
            _ => batch.Length > 1 && PrefersPacking(batchLengths),
        };

        // Host-side layout: token ids, position ids, each sample's first row, and the rows whose loss is wanted.
        var cu = new long[batch.Length + 1];
        for (var b = 0; b < batch.Length; b++)
        {
            cu[b + 1] = cu[b] + (packed ? batchLengths[b] : maxLen);
        }

        var rows = cu[batch.Length];
        var ids = new long[rows];
        var positions = new long[rows];
        var wanted = 0;
        for (var b = 0; b < batch.Length; b++)
        {
            var s = sequences[batch[b]];
            var width = packed ? batchLengths[b] : maxLen;
            for (var j = 0; j < width; j++)
            {
                ids[cu[b] + j] = j < batchLengths[b] ? s[j] : 0;
                positions[cu[b] + j] = j;
            }

            for (var j = 1; j < batchLengths[b]; j++)
            {
                if (lossMask is null || lossMask[batch[b]][j])
                {
                    wanted++;
                }
            }
        }

        var sourceRows = new long[wanted];
        var targets = new long[wanted];
        var owners = new (int Sample, int Position)[wanted];
        var w = 0;
        for (var b = 0; b < batch.Length; b++)
        {
            var i = batch[b];
            for (var j = 1; j < batchLengths[b]; j++)
            {
                if (lossMask is null || lossMask[i][j])
                {
                    sourceRows[w] = cu[b] + j - 1;
                    targets[w] = sequences[i][j];
                    owners[w] = (i, j);
                    w++;
                }
            }
        }

        var layout = new AttentionLayout(packed, cu, packed ? 1 : batch.Length);
        using var scope = TensorScope.Begin();
        var idsT = ToDevice(Tensor.FromArray(ids, rows));
        var posT = ToDevice(Tensor.FromArray(positions, rows));
        var hidden = _decoder.Forward(idsT, posT, maxLen - 1, layout);
        // Logits of a chunk stay under glibc's 32 MiB mmap threshold (30 MiB in float32): they are reused from the heap
        // chunk after chunk instead of being mapped and page-faulted afresh each time.
        var chunk = (int)Math.Min(Math.Max(16, LogitsBudgetBytes / (4L * VocabSize)), Math.Max(1, Options.LmHeadChunkTokens));
        var losses = new float[Math.Min(chunk, wanted)];
        for (var start = 0; start < wanted; start += chunk)
        {
            var n = Math.Min(chunk, wanted - start);
            using var chunkScope = TensorScope.Begin();
            var rowT = ToDevice(Tensor.FromArray(sourceRows.AsSpan(start, n), n));
            var targetT = ToDevice(Tensor.FromArray(targets.AsSpan(start, n), n));
            var logits = hidden.IndexSelect(0, rowT).Linear(_decoder.LmHead);
            logits.CrossEntropy(targetT).CopyTo(losses.AsSpan(0, n));
            for (var r = 0; r < n; r++)
            {
                var (sample, position) = owners[start + r];
                results[sample][position] = losses[r];
            }
        }
    }

    private Tensor ToDevice(Tensor t) => Device == "cpu" ? t : t.To(null, Device);
}
