using TokenClean.Embedded.Models;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Tests.Shared;

namespace TokenClean.Scoring.Tests.Models;

[Collection("libtorch")]
public sealed class CausalLmTests
{
    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void TokenLosses_OfARandomModel_AreFinitePositiveAndNaNAtPositionZero(string variant)
    {
        using var model = CausalLm.Load(TinyModels.Dir(variant));
        var losses = model.TokenLosses([TinyModels.Tokens(40, 1)]);

        Assert.True(float.IsNaN(losses[0][0]));
        float min = float.MaxValue, max = float.MinValue;
        for (var j = 1; j < 40; j++)
        {
            Assert.True(float.IsFinite(losses[0][j]) && losses[0][j] > 0, $"position {j}: {losses[0][j]}");
            min = Math.Min(min, losses[0][j]);
            max = Math.Max(max, losses[0][j]);
        }

        Assert.True(max - min > 0.5f, "a random model with 1/sqrt(fan_in) weights predicts some tokens better than others");
    }

    [Fact]
    public void TokenLosses_OfAPerturbedReference_DifferFromTheBase()
    {
        using var tmp = new TempDirectory("scoring");
        RandomCheckpoint.Perturb(TinyModels.Dir("llama"), tmp.Path, 0.05, seed: 1);
        using var baseModel = CausalLm.Load(TinyModels.Dir("llama"));
        using var reference = CausalLm.Load(tmp.Path);
        var ids = TinyModels.Tokens(30, 5);

        var a = baseModel.TokenLosses([ids])[0];
        var b = reference.TokenLosses([ids])[0];

        var differing = 0;
        for (var j = 1; j < ids.Length; j++)
        {
            differing += Math.Abs(a[j] - b[j]) > 1e-3f ? 1 : 0;
        }

        Assert.True(differing > ids.Length / 2, $"only {differing} positions differ");
        Assert.Equal(baseModel.Config.Describe(), reference.Config.Describe());
    }

    [Fact]
    public void Load_InBFloat16_GivesLossesCloseToFloat32()
    {
        using var fp32 = CausalLm.Load(TinyModels.Dir("qwen3"));
        using var bf16 = CausalLm.Load(TinyModels.Dir("qwen3"), dtype: DType.BFloat16);
        var ids = TinyModels.Tokens(50, 9);

        var a = fp32.TokenLosses([ids])[0];
        var b = bf16.TokenLosses([ids])[0];

        for (var j = 1; j < ids.Length; j++)
        {
            Assert.InRange(b[j], a[j] - 0.3f, a[j] + 0.3f);
        }
    }

    [Fact]
    public void Create_WithTheSameSeed_WritesIdenticalBytes()
    {
        using var tmp = new TempDirectory("scoring");
        var recipe = new CheckpointRecipe { Variant = "gpt2", Seed = 42, DType = DType.BFloat16 };
        RandomCheckpoint.Create(recipe, tmp.File("a"));
        RandomCheckpoint.Create(recipe, tmp.File("b"));
        RandomCheckpoint.Create(recipe with { Seed = 43 }, tmp.File("c"));

        var a = File.ReadAllBytes(Path.Combine(tmp.File("a"), "model.safetensors"));
        Assert.Equal(a, File.ReadAllBytes(Path.Combine(tmp.File("b"), "model.safetensors")));
        Assert.NotEqual(a, File.ReadAllBytes(Path.Combine(tmp.File("c"), "model.safetensors")));
        using var f = SafetensorsFile.Open(Path.Combine(tmp.File("a"), "model.safetensors"));
        Assert.Equal(DType.BFloat16, f.Entries["transformer.wte.weight"].DType);
    }
}
