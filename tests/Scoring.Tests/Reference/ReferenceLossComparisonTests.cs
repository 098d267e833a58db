using TokenClean.Scoring.Models;
using TokenClean.Scoring.Tests.Support;

namespace TokenClean.Scoring.Tests.Reference;

/// <summary>
/// Invariant 5 on CPU, second opinion: the C# engine's per-token losses equal the independent plain-PyTorch
/// reference's (fp32, |Δ| ≤ 1e-4) for small random checkpoints of every supported architecture, with sequences of
/// different lengths in one batch (so padding or packing must not change a score). The HF transformers golden
/// fixtures (generated on a CUDA machine) are the first opinion; this test does not replace them.
/// </summary>
[Collection("libtorch")]
public sealed class ReferenceLossComparisonTests(ReferenceCheckpoints checkpoints) : IClassFixture<ReferenceCheckpoints>
{
    private const double Tolerance = 1e-4;

    /// <summary>bf16 against fp32 on these tiny random models (losses 4–19): measured max |Δ| 0.146 (llama3), 0.049–0.113 elsewhere.</summary>
    private const double Bf16Tolerance = 0.25;

    private static readonly Dictionary<string, string?> KernelsOff = new() { ["TOKENCLEAN_CPU_KERNELS"] = "off" };

    internal static readonly int[][] Sequences =
    [
        [3, 17, 42, 5, 88, 17, 0, 61, 29, 3, 95, 12, 12, 40],
        [1, 2],
        [90, 80, 70, 60, 50, 40, 30],
        Enumerable.Range(0, 120).Select(i => (i * 37 + 11) % 96).ToArray(), // many 6-row tiles and 16-key panels
    ];

    public static TheoryData<string, string> Architectures => new()
    {
        { "llama", "v4" },
        { "llama3", "v4" },
        { "llama3", "v5" },
        { "mistral", "v4" },
        { "qwen2", "v4" },
        { "qwen3", "v4" },
        { "qwen3", "v5" },
        { "gpt2", "v4" },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void TokenLosses_SmallRandomCheckpoint_MatchTheReferenceWithin1e4(string arch, string ropeFormat)
    {
        var (dir, expected) = checkpoints.Get(arch, ropeFormat);
        using var model = CausalLm.Load(dir);
        var batched = model.TokenLosses(Sequences);
        var alone = model.TokenLosses([Sequences[1]]);

        Assert.Equal(96, model.VocabSize);
        AssertWithin(Tolerance, expected, batched.Select(r => r.Select(v => (double)v).ToArray()).ToArray(), $"{arch}: engine against the reference");

        // Batch composition must not matter (issue: within 1e-5 in fp32); compare as a tolerance, not by rounding.
        for (var j = 1; j < Sequences[1].Length; j++)
        {
            var drift = Math.Abs(batched[1][j] - alone[0][j]);
            Assert.True(drift <= 1e-5, $"{arch} position {j}: batched {batched[1][j]}, alone {alone[0][j]}, |Δ| {drift:E2}");
        }
    }

    /// <summary>
    /// The same comparison on libtorch's ops alone (<c>TOKENCLEAN_CPU_KERNELS=off</c>, in a child process): what GPU
    /// hosts and CPUs without AVX2 run (scaled_dot_product_attention per packed segment or over padded rows, the loss
    /// by libtorch's ops, libtorch's RMSNorm and rotary), which this machine's own scoring never takes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Architectures))]
    public void TokenLosses_OnLibtorchOpsAlone_PackedAndPadded_MatchTheReferenceWithin1e4(string arch, string ropeFormat)
    {
        var (dir, expected) = checkpoints.Get(arch, ropeFormat);
        foreach (var mode in new[] { BatchMode.Packed, BatchMode.Padded })
        {
            var (batched, alone) = ChildProgram.Losses(dir, Sequences, mode, DType.Float32, KernelsOff, kernelsExpected: false);
            AssertWithin(Tolerance, expected, batched, $"{arch} {mode} on libtorch ops: engine against the reference");
            AssertWithin(1e-5, batched, alone, $"{arch} {mode} on libtorch ops: batched against alone");
        }
    }

    /// <summary>
    /// bf16 on libtorch's own bf16 ops (kernels off; what a GPU runs in bf16), against the fp32 reference within
    /// <see cref="Bf16Tolerance"/>: catches a dtype mix-up or a missing cast on that path, not bf16's rounding.
    /// </summary>
    [Theory]
    [MemberData(nameof(Architectures))]
    public void TokenLosses_InBf16_OnLibtorchOpsAlone_StayNearTheFp32Reference(string arch, string ropeFormat)
    {
        var (dir, expected) = checkpoints.Get(arch, ropeFormat);
        var (batched, alone) = ChildProgram.Losses(dir, Sequences, BatchMode.Auto, DType.BFloat16, KernelsOff, kernelsExpected: false);
        AssertWithin(Bf16Tolerance, expected, batched, $"{arch} bf16 on libtorch ops: engine against the fp32 reference");
        AssertWithin(Bf16Tolerance, batched, alone, $"{arch} bf16 on libtorch ops: batched against alone");
    }

    private static void AssertWithin(double tolerance, double[][] expected, double[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var (worst, at, of) = (0.0, "", "");
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            Assert.True(double.IsNaN(actual[i][0]), $"{what}, sample {i}: position 0 must be NaN");
            for (var j = 1; j < expected[i].Length; j++)
            {
                var delta = Math.Abs(actual[i][j] - expected[i][j]);
                if (!(delta <= worst))
                {
                    (worst, at, of) = (delta, $"sample {i} position {j}", $"{actual[i][j]} against {expected[i][j]}");
                }
            }
        }

        Assert.True(worst <= tolerance, $"{what}: largest |Δ| {worst:E2} > {tolerance:E0} at {at} ({of})");
    }
}

/// <summary>One random checkpoint and its reference losses per architecture, shared by the tests of a run.</summary>
public sealed class ReferenceCheckpoints : IDisposable
{
    private readonly Dictionary<(string Arch, string Rope), (string Dir, double[][] Expected)> _made = [];
    private readonly Lock _gate = new();

    public (string Dir, double[][] Expected) Get(string arch, string ropeFormat)
    {
        lock (_gate)
        {
            if (!_made.TryGetValue((arch, ropeFormat), out var made))
            {
                var dir = Path.Combine(Path.GetTempPath(), $"tc-engine-{arch}-{Guid.NewGuid():N}");
                ReferenceScript.Create(arch, dir, seed: 11, ropeFormat: ropeFormat);
                made = (dir, ReferenceScript.Losses(dir, ReferenceLossComparisonTests.Sequences));
                _made[(arch, ropeFormat)] = made;
            }

            return made;
        }
    }

    public void Dispose()
    {
        foreach (var (dir, _) in _made.Values)
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
