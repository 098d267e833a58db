using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Models;

/// <summary>
/// An HF decoder checkpoint (config.json + safetensors) loaded for scoring: per-token cross-entropy of every
/// sample, batched by packing or padding, LM head chunked and computed only where a loss is wanted.
/// </summary>
/// <remarks>
/// <see cref="TokenLosses"/> may be called from any thread; calls on one model run one at a time (libtorch
/// already spreads each op over the intra-op threads). Each batch's tensors live in a TorchSharp dispose scope, so
/// native memory returns to the weights' size between calls. Bad samples throw <see cref="SampleRejectedException"/>
/// before anything runs; an unusable device throws <see cref="TorchException"/>. For training, <see cref="Module"/>
/// exposes the parameters (HF names) and <see cref="MeanLoss"/> the differentiable loss.
/// </remarks>
public sealed class CausalLm : ITokenLossModel
{
    private const long LogitsBudgetBytes = 128L << 20;
    private readonly DecoderModule _decoder;
    private readonly Device _device;
    private readonly long _tensorCount;
    private readonly Lock _gate = new();
    private int _disposed;

    private CausalLm(ModelConfig config, DecoderModule decoder, string version, string device, DType dtype, ScoringOptions options, long parameters)
    {
        Config = config;
        _decoder = decoder;
        _device = Torch.ToDevice(device);
        _tensorCount = decoder.parameters().LongCount();
        Torch.CountModelTensors(_tensorCount);
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

    /// <summary>Called after each batch's dispose scope has closed (tests check the live-tensor count there).</summary>
    internal Action? BatchDone { get; set; }

    /// <summary>Parameters in the checkpoint's tensors (the tied head counted once).</summary>
    public long ParameterCount { get; }

    public int VocabSize => Config.VocabSize;

    public int MaxSequenceLength => Config.MaxPositionEmbeddings;

    /// <summary>
    /// The model as a TorchSharp module: <c>named_parameters()</c> gives the checkpoint's names. Parameters are frozen
    /// after loading; a trainer sets <c>requires_grad</c> on those it updates (or swaps a <see cref="LinearLayer"/>
    /// for an adapter) and calls <see cref="MeanLoss"/>. A parameter in the stored dtype on the CPU is a copy-on-write
    /// view of the checkpoint file: updating it never changes the file.
    /// </summary>
    public DecoderModule Module => _decoder;

    /// <summary>
    /// Loads the model in <paramref name="directory"/> onto <paramref name="device"/> ("cpu", "cuda", "cuda:1")
    /// converting weights to <paramref name="dtype"/>. Throws <see cref="CheckpointException"/> for an unusable
    /// checkpoint, <see cref="TorchException"/> for an unusable device or a dtype it does not support.
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
        Torch.CheckDType(device, dtype);
        Torch.ApplyDefaultThreads();
        NativeHeap.Configure();
        var config = ModelConfig.Load(directory);
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
        DecoderModule decoder;
        using (var files = CheckpointFiles.Open(directory))
        {
            var weights = new CheckpointWeights(directory, config, files, dtype, device);
            try
            {
                decoder = config.Architecture == Architecture.Gpt2
                    ? new Gpt2Module(config, weights.Take)
                    : new LlamaModule(config, weights.Take, dtype, device);
            }
            catch
            {
                weights.DisposeTaken();
                throw;
            }
        }

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
                    BatchDone?.Invoke();
                }
            }
            finally
            {
                // Every intermediate of this call is freed by now: hand the heap's free pages back, so RSS after a
                // call is the same whatever the sizes of earlier calls were (costs a few page faults next call).
                NativeHeap.Trim();
            }
        }

        return results;
    }

    /// <summary>
    /// The last layer runs past attention only on the scored rows when they are at most this fraction of the batch's
    /// rows (<see cref="DecoderModule.Hidden"/>'s keep).
    /// </summary>
    internal const double LastLayerKeepFraction = 0.95;

    /// <summary>Rows of the final hidden states of the last batch scored (tests: whether the last layer kept only the scored rows).</summary>
    internal long LastBatchHiddenRows { get; private set; }

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
                Torch.CountModelTensors(-_tensorCount);
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

    /// <summary>
    /// The mean cross-entropy over the scored positions of <paramref name="sequences"/> (position 0 and positions where
    /// <paramref name="lossMask"/> is false are not scored), as a scalar tensor with autograd: the training seam.
    /// All samples run as one padded batch (the caller sizes it); the tensor belongs to the caller's dispose scope.
    /// </summary>
    public Tensor MeanLoss(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var lengths = Validate(sequences, lossMask);
        var batch = Enumerable.Range(0, sequences.Count).Where(i => lengths[i] >= 2).ToArray();
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            var input = Prepare(sequences, lossMask, lengths, batch, packed: false);
            if (input.Wanted == 0)
            {
                throw new ArgumentException("no position of these sequences is scored", nameof(sequences));
            }

            var hidden = _decoder.Hidden(input.Ids, input.Positions, input.MaxLength - 1, input.Layout);
            var logits = Bf16Products.Linear(hidden.index_select(0, input.SourceRows), _decoder.LmHeadWeight);
            var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), input.Targets);
            return loss.MoveToOuterDisposeScope();
        }
    }

    private void RunBatch(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask, int[] lengths, int[] batch, float[][] results)
    {
        var packed = Options.BatchMode switch
        {
            BatchMode.Packed => true,
            BatchMode.Padded => false,
            _ => batch.Length > 1 && PrefersPacking(batch.Select(b => lengths[b]).ToArray()),
        };

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var input = Prepare(sequences, lossMask, lengths, batch, packed);

        // When the scored rows are few enough (prompts, padding), the last layer's output projection and MLP and the
        // final norm run on them alone: hidden is then [Wanted, H] in the order of SourceRows. With nearly every row
        // scored, selecting them would cost two copies for nothing.
        var keepRows = input.Wanted <= LastLayerKeepFraction * input.Ids.shape[0];
        var hidden = _decoder.Hidden(input.Ids, input.Positions, input.MaxLength - 1, input.Layout, keepRows ? input.SourceRows : null);
        LastBatchHiddenRows = hidden.shape[0];

        // Only the rows whose loss is wanted reach the LM head, a chunk at a time, into one logits buffer per batch:
        // the GEMM writes it in place and the loss is taken from it in place (TokenLoss), so no chunk allocates or
        // page-faults [rows, vocab] afresh. Chunks of ~1k rows run the GEMM at the matmul rate; 245-row chunks (the
        // earlier 30 MiB budget) ran it at 83% of that and lost another 8% to cross_entropy's [rows, vocab] temporaries.
        var chunk = (int)Math.Min(Math.Max(16, LogitsBudgetBytes / (4L * VocabSize)), Math.Max(1, Options.LmHeadChunkTokens));
        chunk = Math.Min(chunk, input.Wanted);
        if (chunk == 0)
        {
            return;
        }

        // bf16 on a CPU without bf16 units: the head's GEMM runs in fp32 into an fp32 buffer (Bf16Products).
        var viaFp32 = Bf16Products.Applies(hidden);
        var logits = empty(chunk, VocabSize, dtype: viaFp32 ? ScalarType.Float32 : DType.ToScalarType(), device: _device);
        var headT = _decoder.LmHeadWeight.t();
        var losses = new float[chunk];
        for (var start = 0; start < input.Wanted; start += chunk)
        {
            var n = Math.Min(chunk, input.Wanted - start);
            using var chunkScope = NewDisposeScope();
            var rows = logits.narrow(0, 0, n);
            var hiddenRows = keepRows ? hidden.narrow(0, start, n) : hidden.index_select(0, input.SourceRows.narrow(0, start, n));
            if (viaFp32)
            {
                Bf16Products.HeadLogits(rows, hiddenRows, _decoder.LmHeadWeight);
            }
            else
            {
                rows.addmm_(hiddenRows, headT, 0, 1); // beta 0: old contents ignored
            }

            var loss = TokenLoss.InPlace(rows.to(ScalarType.Float32), input.Targets.narrow(0, start, n));
            loss.cpu().data<float>().CopyTo(losses, 0);
            for (var r = 0; r < n; r++)
            {
                var (sample, position) = input.Owners[start + r];
                results[sample][position] = losses[r];
            }
        }
    }

    /// <summary>Host-side layout of one batch (token ids, positions, each scored row and its target) as device tensors.</summary>
    private BatchInput Prepare(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask, int[] lengths, int[] batch, bool packed)
    {
        var maxLen = 0;
        foreach (var b in batch)
        {
            maxLen = Math.Max(maxLen, lengths[b]);
        }

        var cu = new long[batch.Length + 1];
        for (var b = 0; b < batch.Length; b++)
        {
            cu[b + 1] = cu[b] + (packed ? lengths[batch[b]] : maxLen);
        }

        var rows = cu[batch.Length];
        var ids = new long[rows];
        var positions = new long[rows];
        var sourceRows = new List<long>();
        var targets = new List<long>();
        var owners = new List<(int Sample, int Position)>();
        for (var b = 0; b < batch.Length; b++)
        {
            var i = batch[b];
            var s = sequences[i];
            var width = packed ? lengths[i] : maxLen;
            for (var j = 0; j < width; j++)
            {
                ids[cu[b] + j] = j < lengths[i] ? s[j] : 0;
                positions[cu[b] + j] = j;
            }

            for (var j = 1; j < lengths[i]; j++)
            {
                if (lossMask is null || lossMask[i][j])
                {
                    sourceRows.Add(cu[b] + j - 1);
                    targets.Add(s[j]);
                    owners.Add((i, j));
                }
            }
        }

        var layout = new AttentionLayout(packed, cu, packed ? 1 : batch.Length);
        return new BatchInput(
            tensor(ids, device: _device),
            tensor(positions, device: _device),
            tensor(sourceRows.ToArray(), device: _device),
            tensor(targets.ToArray(), device: _device),
            owners,
            owners.Count,
            maxLen,
            layout);
    }

    private sealed record BatchInput(Tensor Ids, Tensor Positions, Tensor SourceRows, Tensor Targets, List<(int Sample, int Position)> Owners, int Wanted, int MaxLength, AttentionLayout Layout);
}
