namespace TokenClean.Scoring.Tests;

/// <summary>
/// TorchSharp's native library loads on this machine (on Debian 12 only because the build marked its GLIBCXX_3.4.32
/// need weak in this output's copy): a broken patch step or package layout fails here, with the loader's reason.
/// </summary>
[Collection("libtorch")]
public sealed class TorchLoadingTests
{
    private static readonly string NativeDir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    [Fact]
    public void Libtorch_Loads_AndIsVersion2_10()
    {
        Torch.EnsureLoaded();
        Assert.StartsWith("2.10", Torch.Version, StringComparison.Ordinal);
        Assert.Equal("0.107.0", Torch.TorchSharpVersion);
        Assert.Contains("cpu", Torch.Devices());
        Assert.Contains(DType.BFloat16, Torch.ComputeDTypes("cpu"));
    }

    [Fact]
    public void Loading_LeavesOpenMpWorkersPassive_UnlessTheUserChose()
    {
        Torch.EnsureLoaded();
        var chosen = Environment.GetEnvironmentVariable(OpenMpWaitPolicy.Variable); // what this process started with
        Assert.Equal(chosen ?? "PASSIVE", OpenMpWaitPolicy.Native());
    }

    [Fact]
    public void TheOutputsTorchSharpLibrary_HasNoUnmetVersionNeed()
    {
        var lib = Path.Combine(NativeDir, "libLibTorchSharp.so");
        Assert.True(File.Exists(lib), $"{lib} is missing: the TorchSharp package's natives were not copied");
        var ldd = TokenClean.Tests.Shared.ChildProcess.Run("ldd", [lib]);
        var output = ldd.Stdout + ldd.Stderr;
        var unmet = output.Split('\n').Where(l => l.Contains("not found", StringComparison.Ordinal) && !l.Contains("weak version", StringComparison.Ordinal)).ToList();
        Assert.True(unmet.Count == 0, "the dynamic loader would reject libLibTorchSharp.so: " + string.Join(" | ", unmet));
    }

    [Fact]
    public void TheOutputsLibtorch_IsHardLinkedOrCopied_WithoutTheUnusedNatives()
    {
        Assert.True(File.Exists(Path.Combine(NativeDir, "libtorch_cpu.so")));
        Assert.False(File.Exists(Path.Combine(NativeDir, "libtorch_python.so")), "libtorch_python.so (32 MB, Python bindings) should not be copied");
    }

    [Fact]
    public void CheckDevice_AcceptsCudaOnlyWhereThePackageHasIt_AndSaysWhyNot()
    {
        Assert.Throws<TorchException>(() => Torch.CheckDevice("tpu"));
        if (Torch.Devices().Any(d => d.StartsWith("cuda", StringComparison.Ordinal)))
        {
            Torch.CheckDevice("cuda:0"); // a GPU build: the first device is accepted
            return;
        }

        var ex = Assert.Throws<TorchException>(() => Torch.CheckDevice("cuda:0"));
        Assert.Contains("CUDA is not available", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 2, 2)]
    [InlineData("", 4, 4)]
    [InlineData("1", 2, 1)]
    [InlineData("3", 2, 3)]
    [InlineData("0", 2, 2)]
    [InlineData("-1", 2, 2)]
    [InlineData("two", 2, 2)]
    [InlineData(" 1", 2, 2)]
    public void DefaultThreads_FollowOmpNumThreads_OnlyWhenItIsAPositiveInteger(string? omp, int cores, int expected) =>
        Assert.Equal(expected, Torch.DefaultThreads(omp, cores));
}
