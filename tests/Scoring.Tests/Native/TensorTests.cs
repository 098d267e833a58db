using TokenClean.Scoring;
using TokenClean.Scoring.Native;

namespace TokenClean.Scoring.Tests.Native;

[Collection("libtorch")]
public sealed class TensorTests
{
    [Fact]
    public void MatMul_OfTwoMatrices_EqualsTheHandComputedProduct()
    {
        using var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var b = Tensor.FromArray([7f, 8f, 9f, 10f, 11f, 12f], 3, 2);
        using var c = a.MatMul(b);

        Assert.Equal([2L, 2L], c.Shape);
        Assert.Equal(DType.Float32, c.DType);
        Assert.Equal([58f, 64f, 139f, 154f], c.ToFloatArray());
    }

    [Fact]
    public void MatMul_WithMismatchedShapes_ThrowsTorchExceptionWithTheNativeMessage()
    {
        using var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var b = Tensor.FromArray([1f, 2f], 2, 1);

        var ex = Assert.Throws<TorchException>(() => a.MatMul(b));
        Assert.Contains("shapes cannot be multiplied", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_ReleasesEveryNativeHandle()
    {
        var before = Torch.LiveHandles;
        var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var b = a.MatMul(a);
        Assert.Equal(before + 2, Torch.LiveHandles);
        a.Dispose();
        b.Dispose();
        b.Dispose(); // idempotent
        Assert.Equal(before, Torch.LiveHandles);
        Assert.Throws<ObjectDisposedException>(() => b.Shape);
    }

    [Fact]
    public void Version_NamesTheLibtorchTheShimWasBuiltAgainst()
    {
        Assert.Matches(@"^\d+\.\d+", Torch.Version);
    }
}
