using TokenClean.Scoring.Models;


namespace TokenClean.Scoring.Tests.Models;

/// <summary>Bad input gets a specific, machine-readable error, never a native crash or a silent NaN.</summary>
[Collection("libtorch")]
public sealed class InputValidationTests
{
    [Fact]
    public void TokenLosses_WithAnIdOutsideTheVocabulary_RejectsThatSample()
    {
        using var model = CausalLm.Load(TinyModels.Dir("llama"));
        var before = Torch.LiveTensors;

        var ex = Assert.Throws<SampleRejectedException>(() => model.TokenLosses([[1, 2, 3], [4, 256, 5]]));

        Assert.Equal(1, ex.SampleIndex);
        Assert.Equal(SampleRejection.TokenOutOfVocabulary, ex.Reason);
        Assert.Contains("token 256 at position 1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(SampleRejection.TokenOutOfVocabulary, Assert.Throws<SampleRejectedException>(() => model.TokenLosses([[-1, 2]])).Reason);
        Assert.Equal(before, Torch.LiveTensors);
    }

    [Fact]
    public void TokenLosses_WithAnEmptySample_RejectsIt()
    {
        using var model = CausalLm.Load(TinyModels.Dir("gpt2"));
        var ex = Assert.Throws<SampleRejectedException>(() => model.TokenLosses([[1, 2], []]));
        Assert.Equal(SampleRejection.Empty, ex.Reason);
        Assert.Equal(1, ex.SampleIndex);
    }

    [Fact]
    public void TokenLosses_WithAMaskOfAnotherLength_RejectsIt()
    {
        using var model = CausalLm.Load(TinyModels.Dir("gpt2"));
        var ex = Assert.Throws<SampleRejectedException>(() => model.TokenLosses([[1, 2, 3]], [[true, true]]));
        Assert.Equal(SampleRejection.MaskLengthMismatch, ex.Reason);
    }

    [Fact]
    public void TokenLosses_LongerThanTheContext_IsRejectedOrTruncatedAsConfigured()
    {
        var ids = TinyModels.Tokens(520, 4); // tiny models have a context of 512
        using var rejecting = CausalLm.Load(TinyModels.Dir("gpt2"));
        Assert.Equal(SampleRejection.TooLong, Assert.Throws<SampleRejectedException>(() => rejecting.TokenLosses([ids])).Reason);

        using var truncating = CausalLm.Load(TinyModels.Dir("gpt2"), options: new ScoringOptions { OverLength = OverLengthPolicy.Truncate });
        var losses = truncating.TokenLosses([ids])[0];
        var prefix = truncating.TokenLosses([ids[..512]])[0];
        Assert.Equal(520, losses.Length);
        Assert.Equal(prefix, losses[..512]);
        Assert.All(losses[512..], l => Assert.True(float.IsNaN(l)));
    }

    [Fact]
    public void TokenLosses_OfOneTokenSamples_AreAllNaNWithoutRunningTheModel()
    {
        using var model = CausalLm.Load(TinyModels.Dir("qwen2"));
        var losses = model.TokenLosses([[5], [7]]);
        Assert.True(float.IsNaN(losses[0][0]) && float.IsNaN(losses[1][0]));
    }

    [Fact]
    public void Load_OnAnUnavailableDevice_ThrowsTorchExceptionWithTheNativeMessage()
    {
        var ex = Assert.Throws<TorchException>(() => CausalLm.Load(TinyModels.Dir("llama"), device: "nosuchdevice"));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void TokenLosses_AfterDispose_Throws()
    {
        var model = CausalLm.Load(TinyModels.Dir("llama"));
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.TokenLosses([[1, 2]]));
    }
}
