using System.Globalization;
using System.Text;
using TokenClean.Scoring;

namespace TokenClean.Training;

/// <summary>
/// Everything that decides what a training run computes. Defaults follow the paper's reference fine-tuning recipe
/// (LoRA r 64, α 16, dropout 0.1, lr 1e-4, linear schedule with 3% warm-up, one epoch, max length 2048) and Hugging
/// Face Trainer's optimizer defaults (AdamW β 0.9/0.999, ε 1e-8, weight decay 0, clip norm 1.0); docs/TRAINING.md
/// gives the reasons.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>LoRA (default) or full fine-tuning.</summary>
    public FineTuneMode Mode { get; init; } = FineTuneMode.Lora;

    /// <summary>LoRA rank r (the inner dimension of B·A).</summary>
    public int LoraRank { get; init; } = 64;

    /// <summary>LoRA α: the adapter's output is scaled by α / r.</summary>
    public double LoraAlpha { get; init; } = 16;

    /// <summary>Dropout on the adapter's input while training (0 = none).</summary>
    public double LoraDropout { get; init; } = 0.1;

    /// <summary>
    /// Projections that get an adapter, matched against the last component of the module's HF name (q_proj matches
    /// model.layers.3.self_attn.q_proj). GPT-2 names: c_attn, c_proj, c_fc.
    /// </summary>
    public IReadOnlyList<string> LoraTargets { get; init; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>Passes over the data (ignored when <see cref="MaxSteps"/> is set).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Optimizer steps to run; overrides <see cref="Epochs"/> (epochs then repeat as needed).</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Fraction of the optimizer steps spent warming up linearly from 0 (ceil, as HF Trainer).</summary>
    public double WarmupRatio { get; init; } = 0.03;

    /// <summary>Micro-batches whose gradients are summed into one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Clip the global gradient norm to this value (0 = no clipping).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Samples per micro-batch (one padded forward pass).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Longest sample trained on; longer samples are cut to it (and dropped if no response token is left).</summary>
    public int MaxLength { get; init; } = 2048;

    /// <summary>Seed of the epoch orders, the adapter initialisation and the dropout masks.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Compute dtype: Float32 (exact) or BFloat16 (weights and activations; fp32 master weights and moments).</summary>
    public DType DType { get; init; } = DType.Float32;

    /// <summary>AdamW weight decay (decoupled).</summary>
    public double WeightDecay { get; init; }

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Check(Enum.IsDefined(Mode), $"unknown mode {Mode}");
        Check(LoraRank >= 1, $"LoRA rank must be at least 1, not {LoraRank}");
        Check(LoraAlpha > 0 && double.IsFinite(LoraAlpha), $"LoRA alpha must be positive, not {LoraAlpha}");
        Check(LoraDropout is >= 0 and < 1, $"LoRA dropout must be in [0, 1), not {LoraDropout}");
        Check(Mode != FineTuneMode.Lora || LoraTargets.Count > 0, "LoRA needs at least one target module");
        Check(Epochs >= 1, $"epochs must be at least 1, not {Epochs}");
        Check(MaxSteps is null or >= 1, $"max steps must be at least 1, not {MaxSteps}");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be positive, not {LearningRate}");
        Check(WarmupRatio is >= 0 and <= 1, $"warm-up ratio must be in [0, 1], not {WarmupRatio}");
        Check(GradientAccumulation >= 1, $"gradient accumulation must be at least 1, not {GradientAccumulation}");
        Check(MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm), $"max grad norm must be >= 0, not {MaxGradNorm}");
        Check(BatchSize >= 1, $"batch size must be at least 1, not {BatchSize}");
        Check(MaxLength >= 2, $"max length must be at least 2, not {MaxLength}");
        Check(DType is DType.Float32 or DType.BFloat16, $"training dtype must be fp32 or bf16, not {DType.ShortName()}");
        Check(WeightDecay >= 0, $"weight decay must be >= 0, not {WeightDecay}");
        Check(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "betas must be in [0, 1)");
        Check(Epsilon > 0, $"epsilon must be positive, not {Epsilon}");
    }

    /// <summary>A canonical text of every option: a resumed run must have the same one.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"mode={Mode};dtype={DType.ShortName()};epochs={Epochs};max_steps={MaxSteps?.ToString(c) ?? "none"};");
        sb.Append(c, $"lr={LearningRate:R};warmup={WarmupRatio:R};accum={GradientAccumulation};clip={MaxGradNorm:R};");
        sb.Append(c, $"batch={BatchSize};max_length={MaxLength};seed={Seed};wd={WeightDecay:R};betas={Beta1:R},{Beta2:R};eps={Epsilon:R}");
        if (Mode == FineTuneMode.Lora)
        {
            sb.Append(c, $";lora_r={LoraRank};lora_alpha={LoraAlpha:R};lora_dropout={LoraDropout:R};lora_targets={string.Join(',', LoraTargets)}");
        }

        return sb.ToString();
    }
}
