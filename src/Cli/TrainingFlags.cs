using System.CommandLine;
using TokenClean.Scoring;
using TokenClean.Training;

namespace TokenClean.Cli;

/// <summary>
/// The fine-tuning hyperparameter flags (LoRA/full, schedule, batch, dtype, ...), one definition shared by every
/// command that trains (<c>train</c>, <c>trainer</c>), so their names, defaults and help texts cannot drift apart.
/// </summary>
internal sealed class TrainingFlags
{
    private readonly TrainingOptions _d = new();
    private readonly Option<bool> _full = new("--full") { Description = "Full fine-tuning (every parameter) instead of LoRA." };
    private readonly Option<int?> _rank;
    private readonly Option<double> _alpha;
    private readonly Option<double> _dropout;
    private readonly Option<string> _targets;
    private readonly Option<int?> _epochs;
    private readonly Option<int?> _maxSteps = new("--max-steps") { Description = "Optimizer steps to run instead of whole epochs." };
    private readonly Option<double> _lr;
    private readonly Option<double> _warmup;
    private readonly Option<int> _accum;
    private readonly Option<double> _clip;
    private readonly Option<int> _batch;
    private readonly Option<int> _maxLength;
    private readonly Option<long> _seed;
    private readonly Option<double> _weightDecay;
    private readonly Option<string> _dtype;

    public TrainingFlags()
    {
        var d = _d;
        _rank = new("--lora-rank") { Description = $"LoRA rank (default {d.LoraRank})." };
        _alpha = new("--lora-alpha") { Description = "LoRA alpha: the adapter is scaled by alpha / rank.", DefaultValueFactory = _ => d.LoraAlpha };
        _dropout = new("--lora-dropout") { Description = "Dropout on the adapters' input while training.", DefaultValueFactory = _ => d.LoraDropout };
        _targets = new("--lora-targets") { Description = "Comma-separated projection names that get adapters (GPT-2: c_attn,c_proj,c_fc).", DefaultValueFactory = _ => string.Join(',', d.LoraTargets) };
        _epochs = new("--epochs") { Description = $"Passes over the data (default {d.Epochs})." };
        _lr = new("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => d.LearningRate };
        _warmup = new("--warmup-ratio") { Description = "Fraction of the steps warming up linearly from 0; then linear decay to 0.", DefaultValueFactory = _ => d.WarmupRatio };
        _accum = new("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => d.GradientAccumulation };
        _clip = new("--max-grad-norm") { Description = "Clip the global gradient norm (0 = off).", DefaultValueFactory = _ => d.MaxGradNorm };
        _batch = new("--batch-size") { Description = "Samples per micro-batch.", DefaultValueFactory = _ => d.BatchSize };
        _maxLength = new("--max-length") { Description = "Longer samples are cut to this many tokens.", DefaultValueFactory = _ => d.MaxLength };
        _seed = new("--seed") { Description = "Seed of the sample order, adapter initialisation and dropout.", DefaultValueFactory = _ => d.Seed };
        _weightDecay = new("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => d.WeightDecay };
        _dtype = new("--dtype") { Description = "fp32 (exact) or bf16 (bf16 weights and activations, fp32 master weights and moments).", DefaultValueFactory = _ => "fp32" };
        _dtype.AcceptOnlyFromAmong("fp32", "bf16");
    }

    /// <summary>Adds every flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _full, _rank, _alpha, _dropout, _targets, _epochs, _maxSteps, _lr, _warmup, _accum, _clip, _batch, _maxLength, _seed, _weightDecay, _dtype })
        {
            command.Options.Add(o);
        }
    }

    /// <summary>The options the flags give, or the reason they are inconsistent (not yet range-checked: call Validate).</summary>
    public TrainingOptions? Read(ParseResult parse, out string error)
    {
        error = "";
        if (parse.GetValue(_full) && parse.GetValue(_rank) is not null)
        {
            error = "--full and --lora-rank exclude each other";
            return null;
        }

        if (parse.GetValue(_epochs) is not null && parse.GetValue(_maxSteps) is not null)
        {
            error = "--epochs and --max-steps exclude each other";
            return null;
        }

        return new TrainingOptions
        {
            Mode = parse.GetValue(_full) ? FineTuneMode.Full : FineTuneMode.Lora,
            LoraRank = parse.GetValue(_rank) ?? _d.LoraRank,
            LoraAlpha = parse.GetValue(_alpha),
            LoraDropout = parse.GetValue(_dropout),
            LoraTargets = parse.GetValue(_targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Epochs = parse.GetValue(_epochs) ?? _d.Epochs,
            MaxSteps = parse.GetValue(_maxSteps),
            LearningRate = parse.GetValue(_lr),
            WarmupRatio = parse.GetValue(_warmup),
            GradientAccumulation = parse.GetValue(_accum),
            MaxGradNorm = parse.GetValue(_clip),
            BatchSize = parse.GetValue(_batch),
            MaxLength = parse.GetValue(_maxLength),
            Seed = parse.GetValue(_seed),
            WeightDecay = parse.GetValue(_weightDecay),
            DType = DTypes.ParseCompute(parse.GetValue(_dtype)) ?? DType.Float32, // AcceptOnlyFromAmong admits fp32 and bf16 only
        };
    }
}
