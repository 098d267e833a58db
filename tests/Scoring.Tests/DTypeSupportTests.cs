using TokenClean.Scoring.Models;
using TokenClean.Scoring.Tests.Models;

namespace TokenClean.Scoring.Tests;

/// <summary>
/// Which compute dtypes a device offers, which of them run slower than fp32 for want of units, and that the engine
/// refuses an unsupported one with the reason: a pure function of the CPU's flags, checked on synthetic flag sets,
/// then the same rules through this machine's loader.
/// </summary>
[Collection("libtorch")]
public sealed class DTypeSupportTests
{
    private static readonly HashSet<string> Zen1 = ["sse4_2", "avx", "avx2", "fma", "f16c"];
    private static readonly HashSet<string> SkylakeServer = [.. Zen1, "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"];
    private static readonly HashSet<string> CooperLake = [.. SkylakeServer, "avx512_bf16"];
    private static readonly HashSet<string> SapphireRapids = [.. CooperLake, "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"];
    private static readonly HashSet<string> GraniteRapids = [.. SapphireRapids, "amx_fp16"];

    [Fact]
    public void ComputeDTypes_OfferFp16_OnlyOnCudaAndOnCpusWithFp16Units()
    {
        Assert.Equal([DType.Float32, DType.BFloat16], Torch.ComputeDTypes("cpu", Zen1));
        Assert.Equal([DType.Float32, DType.BFloat16], Torch.ComputeDTypes("cpu", CooperLake));
        Assert.Equal([DType.Float32, DType.BFloat16, DType.Float16], Torch.ComputeDTypes("cpu", SapphireRapids));
        Assert.Equal([DType.Float32, DType.BFloat16, DType.Float16], Torch.ComputeDTypes("cpu", new HashSet<string> { "avx2", "amx_fp16" }));
        Assert.Equal([DType.Float32, DType.BFloat16, DType.Float16], Torch.ComputeDTypes("cuda:0", Zen1));
    }

    [Fact]
    public void SlowerThanFp32Reason_NamesBf16_OnlyWhereTheCpuHasNoBf16Units()
    {
        var zen = Torch.SlowerThanFp32Reason("cpu", DType.BFloat16, Zen1);
        Assert.NotNull(zen);
        Assert.Contains("no bf16 units (AVX512-BF16 or AMX-BF16)", zen, StringComparison.Ordinal);
        Assert.Contains("run as fp32 ones rounded to bf16", zen, StringComparison.Ordinal);
        Assert.Contains("libtorch's bf16 fallback (on the bench VM 5x slower", Torch.SlowerThanFp32Reason("cpu", DType.BFloat16, Zen1, throughFp32: false), StringComparison.Ordinal);
        Assert.NotNull(Torch.SlowerThanFp32Reason("cpu", DType.BFloat16, SkylakeServer)); // AVX-512 alone: converted too

        Assert.Null(Torch.SlowerThanFp32Reason("cpu", DType.BFloat16, CooperLake));
        Assert.Null(Torch.SlowerThanFp32Reason("cpu", DType.BFloat16, GraniteRapids));
        Assert.Null(Torch.SlowerThanFp32Reason("cpu", DType.BFloat16, new HashSet<string> { "avx2", "amx_bf16" }));
        Assert.Null(Torch.SlowerThanFp32Reason("cpu", DType.Float32, Zen1));
        Assert.Null(Torch.SlowerThanFp32Reason("cuda", DType.BFloat16, Zen1));
    }

    [Fact]
    public void CheckDType_RefusesWhatTheDeviceDoesNotOffer_NamingWhatItDoes()
    {
        Torch.CheckDType("cpu", DType.Float32);
        Torch.CheckDType("cpu", DType.BFloat16);
        if (Torch.ComputeDTypes("cpu").Contains(DType.Float16))
        {
            Torch.CheckDType("cpu", DType.Float16); // this CPU has fp16 units
            return;
        }

        var e = Assert.Throws<TorchException>(() => Torch.CheckDType("cpu", DType.Float16));
        Assert.Equal("fp16 is not supported on cpu (this CPU has no AVX512-FP16 or AMX-FP16); supported: fp32, bf16", e.Message);
    }

    [Fact]
    public void Load_InADTypeTheCpuDoesNotOffer_ThrowsTheSameReason_AndLeavesNoTensor()
    {
        if (Torch.ComputeDTypes("cpu").Contains(DType.Float16))
        {
            using var fp16 = CausalLm.Load(TinyModels.Dir("llama"), "cpu", DType.Float16); // this CPU has fp16 units
            Assert.Equal(DType.Float16, fp16.DType);
            return;
        }

        var before = Torch.LiveTensors;
        var e = Assert.Throws<TorchException>(() => CausalLm.Load(TinyModels.Dir("llama"), "cpu", DType.Float16));
        Assert.StartsWith("fp16 is not supported on cpu", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Torch.LiveTensors);
    }
}
