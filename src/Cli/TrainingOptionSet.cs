using System.CommandLine;
using TokenClean.Scoring;
using TokenClean.Training;

namespace TokenClean.Cli;

/// <summary>
/// The training hyperparameter options, defined once for every command that fine-tunes (<c>train</c>,
/// <c>evolve</c>): names, descriptions and defaults (those of <see cref="TrainingOptions"/>) are the same everywhere.
/// </summary>
internal sealed class TrainingOptionSet
{
    private readonly TrainingOptions _d = new();
    private bool _withSaveEvery = true;

    public TrainingOptionSet()
    {
        Full = new Option<bool>("--full") { Description = "Full fine-tuning (every parameter) instead of LoRA." };
        Rank = new Option<int?>("--lora-rank") { Description = $"LoRA rank (default {_d.LoraRank})." };
        Alpha = new Option<double>("--lora-alpha") { Description = "LoRA alpha: the adapter is scaled by alpha / rank.", DefaultValueFactory = _ => _d.LoraAlpha };
        Dropout = new Option<double>("--lora-dropout") { Description = "Dropout on the adapters' input while training.", DefaultValueFactory = _ => _d.LoraDropout };
        Targets = new Option<string>("--lora-targets") { Description = "Comma-separated projection names that get adapters (GPT-2: c_attn,c_proj,c_fc).", DefaultValueFactory = _ => string.Join(',', _d.LoraTargets) };
        Epochs = new Option<int?>("--epochs") { Description = $"Passes over the data (default {_d.Epochs})." };
        MaxSteps = new Option<int?>("--max-steps") { Description = "Optimizer steps to run instead of whole epochs." };
        Lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => _d.LearningRate };
        Warmup = new Option<double>("--warmup-ratio") { Description = "Fraction of the steps warming up linearly from 0; then linear decay to 0.", DefaultValueFactory = _ => _d.WarmupRatio };
        Accum = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => _d.GradientAccumulation };
        Clip = new Option<double>("--max-grad-norm") { Description = "Clip the global gradient norm (0 = off).", DefaultValueFactory = _ => _d.MaxGradNorm };
        Batch = new Option<int>("--batch-size") { Description = "Samples per micro-batch.", DefaultValueFactory = _ => _d.BatchSize };
        MaxLength = new Option<int>("--max-length") { Description = "Longer training samples are cut to this many tokens.", DefaultValueFactory = _ => _d.MaxLength };
        Seed = new Option<long>("--seed") { Description = "Seed of the sample order, adapter initialisation and dropout.", DefaultValueFactory = _ => _d.Seed };
        WeightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => _d.WeightDecay };
        DType = new Option<string>("--dtype") { Description = "fp32 (exact) or bf16 (bf16 weights and activations, fp32 master weights and moments; slower than fp32 on CPUs without AMX/AVX512-BF16).", DefaultValueFactory = _ => "fp32" };
        DType.AcceptOnlyFromAmong("fp32", "bf16");
        SaveEvery = new Option<int>("--save-every") { Description = "Save the resumable training state every N optimizer steps (0 = only at the end).", DefaultValueFactory = _ => 100 };
    }

    public Option<bool> Full { get; }

    public Option<int?> Rank { get; }

    public Option<double> Alpha { get; }

    public Option<double> Dropout { get; }

    public Option<string> Targets { get; }

    public Option<int?> Epochs { get; }

    public Option<int?> MaxSteps { get; }

    public Option<double> Lr { get; }

    public Option<double> Warmup { get; }

    public Option<int> Accum { get; }

    public Option<double> Clip { get; }

    public Option<int> Batch { get; }

    public Option<int> MaxLength { get; }

    public Option<long> Seed { get; }

    public Option<double> WeightDecay { get; }

    public Option<string> DType { get; }

    public Option<int> SaveEvery { get; }

    /// <summary>
    /// Adds every option to <paramref name="command"/>; <c>--save-every</c> only with <paramref name="withSaveEvery"/>
    /// (the streaming trainer publishes whole versions and keeps no mid-run state).
    /// </summary>
    public void AddTo(Command command, bool withSaveEvery = true)
    {
        _withSaveEvery = withSaveEvery;
        foreach (var option in new Option[] { Full, Rank, Alpha, Dropout, Targets, Epochs, MaxSteps, Lr, Warmup, Accum, Clip, Batch, MaxLength, Seed, WeightDecay, DType })
        {
            command.Options.Add(option);
        }

        if (withSaveEvery)
        {
            command.Options.Add(SaveEvery);
        }
    }

    /// <summary>
    /// The options as given, or the reason they cannot go together (then null). Valid options with a dtype this CPU
    /// has no units for get their warning on the command's stderr here, once for train, evolve and trainer.
    /// </summary>
    public TrainingOptions? Read(ParseResult parse, out string? error)
    {
        if (parse.GetValue(Full) && parse.GetValue(Rank) is not null)
        {
            error = "--full and --lora-rank exclude each other";
            return null;
        }

        if (parse.GetValue(Epochs) is not null && parse.GetValue(MaxSteps) is not null)
        {
            error = "--epochs and --max-steps exclude each other";
            return null;
        }

        if (_withSaveEvery && parse.GetValue(SaveEvery) < 0)
        {
            error = $"--save-every must be >= 0, not {parse.GetValue(SaveEvery)}";
            return null;
        }

        var options = new TrainingOptions
        {
            Mode = parse.GetValue(Full) ? FineTuneMode.Full : FineTuneMode.Lora,
            LoraRank = parse.GetValue(Rank) ?? _d.LoraRank,
            LoraAlpha = parse.GetValue(Alpha),
            LoraDropout = parse.GetValue(Dropout),
            LoraTargets = parse.GetValue(Targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Epochs = parse.GetValue(Epochs) ?? _d.Epochs,
            MaxSteps = parse.GetValue(MaxSteps),
            LearningRate = parse.GetValue(Lr),
            WarmupRatio = parse.GetValue(Warmup),
            GradientAccumulation = parse.GetValue(Accum),
            MaxGradNorm = parse.GetValue(Clip),
            BatchSize = parse.GetValue(Batch),
            MaxLength = parse.GetValue(MaxLength),
            Seed = parse.GetValue(Seed),
            WeightDecay = parse.GetValue(WeightDecay),
            DType = DTypes.ParseCompute(parse.GetValue(DType)) ?? Scoring.DType.Float32, // AcceptOnlyFromAmong admits fp32 and bf16 only
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return null;
        }

        DTypeWarning.WriteIfSlow(parse.InvocationConfiguration.Error, "cpu", options.DType);
        error = null;
        return options;
    }
}
