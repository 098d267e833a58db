using TokenClean.Scoring.Native;

namespace TokenClean.Scoring.Tests.Native;

[Collection("libtorch")]
public sealed class TensorScopeTests
{
    [Fact]
    public void Dispose_FreesEveryTensorCreatedInsideExceptThoseMovedOut()
    {
        var before = Torch.LiveHandles;
        Tensor kept;
        using (var scope = TensorScope.Begin())
        {
            var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
            var b = a.MatMul(a).Add(a).Mul(2.0).Transpose(0, 1).Contiguous();
            kept = b.Silu().MoveToOuterScope();
            Assert.Equal(6, scope.Count);
            Assert.Equal(before + 7, Torch.LiveHandles);
        }

        Assert.Equal(before + 1, Torch.LiveHandles);
        Assert.Equal(4, kept.ToFloatArray().Length);
        kept.Dispose();
        Assert.Equal(before, Torch.LiveHandles);
    }

    [Fact]
    public void Dispose_AfterANativeError_StillFreesTheScope()
    {
        var before = Torch.LiveHandles;
        using (TensorScope.Begin())
        {
            var a = Tensor.FromArray([1f, 2f, 3f], 3);
            var ex = Assert.Throws<TorchException>(() => a.Reshape(2, 2));
            Assert.Contains("invalid for input of size 3", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, Torch.LiveHandles);
    }

    [Fact]
    public void NestedScopes_MoveOutHandsTheTensorToTheEnclosingScope()
    {
        var before = Torch.LiveHandles;
        using (TensorScope.Begin())
        {
            Tensor inner;
            using (TensorScope.Begin())
            {
                inner = Tensor.FromArray([1f], 1).MoveToOuterScope();
                _ = Tensor.FromArray([2f], 1);
            }

            Assert.False(inner.IsDisposed);
            Assert.Equal(before + 1, Torch.LiveHandles);
        }

        Assert.Equal(before, Torch.LiveHandles);
    }

    [Fact]
    public void CheckDevice_OfCudaOnACpuBuildOrAnUnknownName_ThrowsTorchException()
    {
        Torch.CheckDevice("cpu");
        Assert.Throws<TorchException>(() => Torch.CheckDevice("gpu7"));
    }

    [Fact]
    public void NumThreads_CanBeSetAndReadBack()
    {
        var original = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            Assert.Equal(1, Torch.NumThreads);
        }
        finally
        {
            Torch.NumThreads = original;
        }
    }
}
