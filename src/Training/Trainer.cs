using System.Diagnostics;
using System.Security.Cryptography;
using TokenClean.Core.Samples;
using TokenClean.Ingest.Samples;
using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Training.Checkpoints;
using TokenClean.Training.Lora;
using TokenClean.Training.Optimization;
using TokenClean.Training.State;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = TokenClean.Training.Optimization.AdamW;
using static TorchSharp.torch;

namespace TokenClean.Training;

/// <summary>
/// Fine-tunes a loaded <see cref="CausalLm"/> on tokenized samples whose labels say which tokens to learn (-100 =
/// not learned): LoRA adapters or every parameter, AdamW, linear schedule with warm-up, gradient accumulation and
/// clipping, seeded epoch orders, resumable from a state directory, published as a complete HF checkpoint.
/// </summary>
/// <remarks>
/// The model must be loaded in <see cref="TrainingOptions.DType"/>. The trainer changes the model in place (full:
/// its weights; LoRA: adapters hooked into its projections) until disposed; disposing detaches unmerged adapters and
/// freezes the parameters again. One thread at a time.
/// </remarks>
public sealed class Trainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly List<(string Name, Parameter Parameter)> _trained;
    private bool _trainedOnce;

    public Trainer(CausalLm model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (model.DType != options.DType)
        {
            throw new ArgumentException($"the model computes in {model.DType.ShortName()}, the options ask for {options.DType.ShortName()}: load it with that dtype", nameof(model));
        }

        Model = model;
        Options = options;
        if (options.Mode == FineTuneMode.Lora)
        {
            Adapters = LoraAdapters.Attach(model, options);
            _trained = Adapters.NamedParameters().ToList();
        }
        else
        {
            _trained = model.Module.named_parameters().Select(p => (p.name, p.parameter)).ToList();
            foreach (var (_, p) in _trained)
            {
                p.requires_grad = true;
            }
        }

        _optimizer = new AdamW(_trained, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    public CausalLm Model { get; }

    public TrainingOptions Options { get; }

    /// <summary>The LoRA adapters (null for full fine-tuning, and after <see cref="MergeAdapters"/>).</summary>
    public LoraAdapters? Adapters { get; private set; }

    /// <summary>The trained tensors by name (HF names for full fine-tuning, PEFT-style lora_A/lora_B names for LoRA).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainedParameters => _trained;

    /// <summary>Optimizer steps per epoch for <paramref name="samples"/> samples: ceil(ceil(samples / batch) / accumulation).</summary>
    public int StepsPerEpoch(int samples) => (int)Math.Ceiling(Math.Ceiling(samples / (double)Options.BatchSize) / Options.GradientAccumulation);

    /// <summary>
    /// Trains on <paramref name="samples"/> until the planned steps are done. With <paramref name="stateDirectory"/>,
    /// the state is saved every <paramref name="saveEvery"/> steps (and at the end), and a saved state of the same run
    /// is resumed first: the remaining steps see exactly the samples an uninterrupted run would have.
    /// </summary>
    /// <param name="samples">The training samples (ids + labels, -100 = not learned).</param>
    /// <param name="stateDirectory">Where the resumable state lives (null: not resumable).</param>
    /// <param name="saveEvery">Save the state every this many optimizer steps (0: only at the end).</param>
    /// <param name="onStep">Called after every optimizer step (and after its save), on the calling thread.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <exception cref="TrainingException">No sample has a response token to learn, or the saved state belongs to another run.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between two steps; whatever was saved stays resumable.</exception>
    /// <exception cref="InvalidOperationException">Called a second time: one Trainer runs one schedule.</exception>
    public TrainingResult Train(IReadOnlyList<TokenizedSample> samples, string? stateDirectory = null, int saveEvery = 0, Action<TrainingStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegative(saveEvery);
        if (_trainedOnce)
        {
            throw new InvalidOperationException("a Trainer runs one schedule (its optimizer state belongs to it); create a new Trainer for the next round");
        }

        _trainedOnce = true;
        var (ids, masks, dropped) = Prepare(samples);
        var total = Options.MaxSteps ?? (Options.Epochs * StepsPerEpoch(ids.Count));
        var schedule = new LinearSchedule(Options.LearningRate, total, Options.WarmupRatio);
        var fingerprint = Fingerprint(ids, masks);
        var state = new TrainerState(0, 0, 0, total, Options.Seed, fingerprint, double.NaN);
        if (stateDirectory is not null)
        {
            state = TrainerStateStore.Restore(stateDirectory, fingerprint, _optimizer) ?? state;
        }

        var resumedFrom = state.Step;
        var clock = Stopwatch.StartNew();
        long tokensAll = 0;
        double first = double.NaN;
        var order = EpochOrder.For(Options.Seed, state.Epoch, ids.Count);
        var orderEpoch = state.Epoch;
        while (state.Step < total)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (orderEpoch != state.Epoch)
            {
                order = EpochOrder.For(Options.Seed, state.Epoch, ids.Count);
                orderEpoch = state.Epoch;
            }

            // One optimizer step: up to GradientAccumulation micro-batches, never crossing the epoch's end.
            var position = state.Position;
            var microBatches = new List<int[]>();
            while (microBatches.Count < Options.GradientAccumulation && position < order.Length)
            {
                var n = Math.Min(Options.BatchSize, order.Length - position);
                microBatches.Add(order.AsSpan(position, n).ToArray());
                position += n;
            }

            var stepClock = Stopwatch.StartNew();
            var (loss, tokens) = Accumulate(ids, masks, microBatches, state.Step);
            var lr = schedule.At(state.Step);
            var norm = _optimizer.Step(lr, Options.MaxGradNorm);
            var stepSeconds = stepClock.Elapsed.TotalSeconds;
            var epoch = state.Epoch;
            state = position >= order.Length
                ? state with { Step = state.Step + 1, Epoch = state.Epoch + 1, Position = 0, LastLoss = loss }
                : state with { Step = state.Step + 1, Position = position, LastLoss = loss };
            tokensAll += tokens;
            if (double.IsNaN(first))
            {
                first = loss;
            }

            var save = stateDirectory is not null && ((saveEvery > 0 && state.Step % saveEvery == 0) || state.Step == total);
            if (save)
            {
                TrainerStateStore.Save(stateDirectory!, state, _optimizer);
            }

            onStep?.Invoke(new TrainingStep(state.Step, total, epoch, loss, lr, norm, microBatches.SelectMany(b => b).ToArray(), tokens, tokens / Math.Max(stepSeconds, 1e-9), save));
        }

        return new TrainingResult(state.Step, resumedFrom, first, state.LastLoss, tokensAll, clock.Elapsed, ids.Count, dropped);
    }

    /// <summary>
    /// The trained weights in HF naming and float32 (the caller disposes them): full fine-tuning gives every parameter
    /// (its float32 master); LoRA gives each adapted weight merged, W + (α/r)·B·A, with W read from
    /// <paramref name="baseDirectory"/> at its stored precision.
    /// </summary>
    public Dictionary<string, Tensor> TrainedWeights(string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(baseDirectory);
        if (Adapters is null)
        {
            if (Options.Mode == FineTuneMode.Lora)
            {
                throw new InvalidOperationException("the adapters were merged into the model; publish the model's weights instead");
            }

            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return _optimizer.State().ToDictionary(s => s.Name, s => s.Master.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
        }

        using var files = CheckpointFiles.Open(baseDirectory);
        return Adapters.MergedWeights(name =>
        {
            var stored = files.Tensors.ContainsKey(name) || !name.StartsWith(WeightLayout.Gpt2Prefix, StringComparison.Ordinal) ? name : name[WeightLayout.Gpt2Prefix.Length..];
            return files.Load(stored, Scoring.DType.Float32, "cpu");
        });
    }

    /// <summary>
    /// Writes the trained model as a complete HF checkpoint in <paramref name="outDirectory"/> (see
    /// <see cref="CheckpointPublisher"/>): <paramref name="baseDirectory"/>'s files with the trained weights in.
    /// </summary>
    public void Publish(string baseDirectory, string outDirectory, IReadOnlyDictionary<string, object?>? info = null)
    {
        var weights = TrainedWeights(baseDirectory);
        try
        {
            var all = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["base"] = Path.GetFullPath(baseDirectory),
                ["options"] = Options.Describe(),
                ["optimizer_steps"] = _optimizer.Steps,
                ["written_at"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var (k, v) in info ?? new Dictionary<string, object?>())
            {
                all[k] = v;
            }

            CheckpointPublisher.Publish(baseDirectory, outDirectory, weights, all);
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Merges the LoRA adapters into the in-memory weights (in the compute dtype) and detaches them.</summary>
    public void MergeAdapters()
    {
        if (Adapters is null)
        {
            return;
        }

        Adapters.MergeIntoModel();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        Adapters?.Dispose();
        if (Options.Mode == FineTuneMode.Full)
        {
            Model.Module.zero_grad(); // set_to_none: the gradients' memory (a model's size) goes back now
            foreach (var (_, p) in _trained)
            {
                p.requires_grad = false;
            }
        }
    }

    /// <summary>Forward and backward of each micro-batch, gradients summed with weight 1/count (HF's loss / accumulation).</summary>
    private (double Loss, long Tokens) Accumulate(List<int[]> ids, List<bool[]> masks, List<int[]> microBatches, int step)
    {
        using (NewDisposeScope())
        {
            _optimizer.ZeroGrad();
        }

        if (Adapters is not null && Options.LoraDropout > 0)
        {
            // Dropout masks depend on (seed, step) only, so a resumed step draws the masks it would have drawn.
            random.manual_seed(unchecked(Options.Seed + (7919L * (step + 1))));
        }

        if (Adapters is not null)
        {
            Adapters.Training = true;
        }

        try
        {
            double sum = 0;
            long tokens = 0;
            foreach (var batch in microBatches)
            {
                using var scope = NewDisposeScope();
                var seqs = batch.Select(i => ids[i]).ToArray();
                var loss = Model.MeanLoss(seqs, batch.Select(i => masks[i]).ToArray());
                sum += loss.item<float>();
                (loss / microBatches.Count).backward();
                foreach (var s in seqs)
                {
                    tokens += s.Length;
                }
            }

            return (sum / microBatches.Count, tokens);
        }
        finally
        {
            if (Adapters is not null)
            {
                Adapters.Training = false;
            }
        }
    }

    /// <summary>Cuts to the max length, checks labels, keeps samples with a learnable token after position 0.</summary>
    private (List<int[]> Ids, List<bool[]> Masks, int Dropped) Prepare(IReadOnlyList<TokenizedSample> samples)
    {
        var ids = new List<int[]>(samples.Count);
        var masks = new List<bool[]>(samples.Count);
        var dropped = 0;
        foreach (var s in samples)
        {
            var n = Math.Min(s.InputIds.Length, Math.Min(Options.MaxLength, Model.MaxSequenceLength));
            var mask = new bool[n];
            var any = false;
            for (var j = 0; j < n; j++)
            {
                if ((uint)s.InputIds[j] >= (uint)Model.VocabSize)
                {
                    throw new TrainingException($"sample '{s.Id}': token {s.InputIds[j]} at position {j} is outside the model's vocabulary [0, {Model.VocabSize}) (data tokenized for another model?)");
                }

                var label = s.Labels[j];
                if (label == TokenizedSample.IgnoreLabel)
                {
                    continue;
                }

                if (label != s.InputIds[j])
                {
                    throw new TrainingException($"sample '{s.Id}': label {label} at position {j} is neither -100 nor the token id {s.InputIds[j]}");
                }

                mask[j] = true;
                any |= j > 0;
            }

            if (!any)
            {
                dropped++;
                continue;
            }

            ids.Add(s.InputIds.AsSpan(0, n).ToArray());
            masks.Add(mask);
        }

        if (ids.Count == 0)
        {
            throw new TrainingException(samples.Count == 0
                ? "no training samples"
                : $"none of the {samples.Count} samples has a response token to learn (a label other than -100 after the first token) within the max length {Options.MaxLength}");
        }

        return (ids, masks, dropped);
    }

    private string Fingerprint(List<int[]> ids, List<bool[]> masks)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> four = stackalloc byte[4];
        foreach (var (s, m) in ids.Zip(masks))
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(four, s.Length);
            hash.AppendData(four);
            foreach (var t in s)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(four, t);
                hash.AppendData(four);
            }

            foreach (var b in m)
            {
                hash.AppendData(b ? [1] : [0]);
            }
        }

        return $"{Options.Describe()};model={Model.Config.Describe()};samples={ids.Count};data=sha256:{Convert.ToHexStringLower(hash.GetHashAndReset(), 0, 16)}";
    }
}
