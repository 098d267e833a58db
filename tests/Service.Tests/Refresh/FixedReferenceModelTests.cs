using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

[Collection("libtorch")]
public sealed class FixedReferenceModelTests : IDisposable
{
    private readonly CheckpointRoot _ckpt = new();

    public void Dispose() => _ckpt.Dispose();

    [Fact]
    public void Load_ValidCheckpoint_ServesItsVersionWithStatus()
    {
        var dir = _ckpt.Publish("ref-v1");

        using var fixedRef = FixedReferenceModel.Load(dir, _ckpt.BaseConfig);
        using var lease = fixedRef.Acquire();

        Assert.Equal("ref-v1", lease.Version);
        Assert.Equal("fixed", fixedRef.Status.Mode);
        Assert.Equal("ref-v1", fixedRef.Status.CurrentVersion);
        Assert.Equal(0, fixedRef.Status.RefreshCount);
    }

    [Fact]
    public void Load_NanWeight_ThrowsWithTheProbeReason()
    {
        var dir = _ckpt.Publish("ref-v1", marker: false);
        CheckpointRoot.PoisonOneWeight(dir);

        var e = Assert.Throws<CheckpointException>(() => FixedReferenceModel.Load(dir, _ckpt.BaseConfig));

        Assert.Contains("non-finite loss", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OtherVocabularyThanBase_Throws()
    {
        var dir = _ckpt.PublishRecipe("ref-v1", CheckpointRoot.Tiny with { Vocab = 64 });

        var e = Assert.Throws<CheckpointException>(() => FixedReferenceModel.Load(dir, _ckpt.BaseConfig));

        Assert.Contains("vocab_size 64 (expected 128)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_WhileALeaseIsHeld_FreesTheModelOnlyWhenTheLeaseEnds()
    {
        var dir = _ckpt.Publish("ref-v1");
        var baseline = Torch.ModelTensors;
        var fixedRef = new FixedReferenceModel(CausalLm.Load(dir), dir);
        var perModel = Torch.ModelTensors - baseline;
        Assert.True(perModel > 0);

        var lease = fixedRef.Acquire();
        fixedRef.Dispose();
        fixedRef.Dispose();
        Assert.Equal(baseline + perModel, Torch.ModelTensors);
        _ = lease.Model.TokenLosses([[1, 2, 3]]);
        lease.Dispose();

        Assert.Equal(baseline, Torch.ModelTensors);
        Assert.Throws<ObjectDisposedException>(() => fixedRef.Acquire());
    }
}
