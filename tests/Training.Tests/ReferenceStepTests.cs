using System.Globalization;
using System.Text.Json;
using TokenClean.Core.Samples;
using TokenClean.Ingest.Samples;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TorchSharp;

namespace TokenClean.Training.Tests;

/// <summary>
/// One optimizer step of the trainer equals the same step computed independently in plain PyTorch
/// (tools/reference/reference_training.py: python3-torch's autograd, clip_grad_norm_ and torch.optim.AdamW):
/// the loss, and every trained tensor after the step, in fp32 within 1e-5. The step has two micro-batches of two
/// samples (gradient accumulation), clipping that is active, and weight decay.
/// </summary>
[Collection("libtorch")]
public sealed class ReferenceStepTests
{
    private const double Tolerance = 1e-5;

    private static readonly TrainingOptions Common = new()
    {
        MaxSteps = 1,
        LearningRate = 1e-3,
        WarmupRatio = 0,
        BatchSize = 2,
        GradientAccumulation = 2,
        MaxGradNorm = 0.01,
        WeightDecay = 0.1,
        Seed = 11,
    };

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("gpt2")]
    public void OneFullAdamWStep_EqualsPlainPyTorch(string variant)
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"), variant);
        var samples = TrainingFixtures.Samples(6, seed: 3);
        using var model = CausalLm.Load(baseDir);
        using var trainer = new Trainer(model, Common with { Mode = FineTuneMode.Full });
        TrainingStep? step = null;
        trainer.Train(samples, onStep: s => step = s);

        var names = trainer.TrainedParameters.Select(p => p.Name).ToArray();
        using var reference = RunReference(baseDir, samples, step!, names, lora: null, loraScale: 0);
        AssertStepMatches(reference, step!, trainer, names);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void OneLoraStep_EqualsPlainPyTorch(string variant)
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"), variant);
        var samples = TrainingFixtures.Samples(6, seed: 4);
        using var model = CausalLm.Load(baseDir);
        var options = Common with
        {
            Mode = FineTuneMode.Lora,
            LoraRank = 4,
            LoraAlpha = 8,
            LoraDropout = 0,
            LoraTargets = variant == "gpt2" ? ["c_attn", "c_fc"] : ["q_proj", "v_proj", "down_proj"],
        };
        using var trainer = new Trainer(model, options);

        // B starts at zero (so the first step would leave A's gradient zero); give it values so both get a gradient.
        var r = new Random(9);
        foreach (var a in trainer.Adapters!.Adapters)
        {
            var values = Enumerable.Range(0, (int)(a.B.shape[0] * a.B.shape[1])).Select(_ => (float)((r.NextDouble() - 0.5) * 0.2)).ToArray();
            using (torch.no_grad())
            {
                using var t = torch.tensor(values, a.B.shape);
                a.B.copy_(t);
            }
        }

        var adapterFile = Path.Combine(dir.Path, "adapters.safetensors");
        SafetensorsWriter.Write(adapterFile, trainer.TrainedParameters.Select(p => new SafetensorsWriter.Item(p.Name, Scoring.DType.Float32, p.Parameter.shape, HalfBits.Encode(p.Parameter.detach().data<float>().ToArray(), Scoring.DType.Float32))).ToList());

        TrainingStep? step = null;
        trainer.Train(samples, onStep: s => step = s);
        var names = trainer.TrainedParameters.Select(p => p.Name).ToArray();
        using var reference = RunReference(baseDir, samples, step!, names, adapterFile, options.LoraAlpha / options.LoraRank);
        AssertStepMatches(reference, step!, trainer, names);
    }

    private static JsonDocument RunReference(string baseDir, List<TokenizedSample> samples, TrainingStep step, string[] names, string? lora, double loraScale)
    {
        // The micro-batches the trainer used: the step's samples in order, two per micro-batch.
        var batches = step.Samples.Chunk(Common.BatchSize).Select(b => b.Select(i => samples[i].InputIds).ToArray()).ToArray();
        var masks = step.Samples.Chunk(Common.BatchSize).Select(b => b.Select(i => samples[i].Labels.Select(l => l == TokenizedSample.IgnoreLabel ? 0 : 1).ToArray()).ToArray()).ToArray();
        Assert.Equal(2, batches.Length);
        var args = new List<string>
        {
            "step", "--model", baseDir, "--batches", JsonSerializer.Serialize(batches), "--masks", JsonSerializer.Serialize(masks),
            "--lr", F(Common.LearningRate), "--weight-decay", F(Common.WeightDecay), "--max-grad-norm", F(Common.MaxGradNorm),
            "--names", JsonSerializer.Serialize(names),
        };
        if (lora is not null)
        {
            args.AddRange(["--lora", lora, "--lora-scale", F(loraScale)]);
        }

        var (exit, stdout, stderr) = TrainingFixtures.RunReference("reference_training.py", [.. args]);
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout);
    }

    private static void AssertStepMatches(JsonDocument reference, TrainingStep step, Trainer trainer, string[] names)
    {
        var root = reference.RootElement;
        var loss = root.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(step.Loss - loss) <= Tolerance, $"loss {step.Loss} vs PyTorch {loss}");
        var norm = root.GetProperty("grad_norm").GetDouble();
        Assert.True(Math.Abs(step.GradNorm - norm) <= 1e-4 * Math.Max(1, norm), $"grad norm {step.GradNorm} vs PyTorch {norm}");
        Assert.True(norm > Common.MaxGradNorm, $"the gradient norm {norm} must exceed the clip norm for clipping to be tested");
        var parameters = trainer.TrainedParameters.ToDictionary(p => p.Name, p => p.Parameter);
        var checkedValues = 0;
        foreach (var name in names)
        {
            var expected = root.GetProperty("updated").GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();
            var actual = parameters[name].detach().data<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= Tolerance, $"{name}: max |Δ| {worst} after one AdamW step");
            checkedValues += actual.Length;
        }

        Assert.True(checkedValues > 1000);
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
