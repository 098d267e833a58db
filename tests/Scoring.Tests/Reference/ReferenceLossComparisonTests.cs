using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Reference;

/// <summary>
/// Invariant 5 on CPU, second opinion: the C# engine's per-token losses equal the independent plain-PyTorch
/// reference's (fp32, |Δ| ≤ 1e-4) for small random checkpoints of every supported architecture, with sequences of
/// different lengths in one batch (so padding or packing must not change a score). The HF transformers golden
/// fixtures (generated on a CUDA machine) are the first opinion; this test does not replace them.
/// </summary>
[Collection("libtorch")]
public sealed class ReferenceLossComparisonTests
{
    private const double Tolerance = 1e-4;

    private static readonly int[][] Sequences =
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
        var dir = Path.Combine(Path.GetTempPath(), $"tc-engine-{arch}-{Guid.NewGuid():N}");
        try
        {
            ReferenceScript.Create(arch, dir, seed: 11, ropeFormat: ropeFormat);
            var expected = ReferenceScript.Losses(dir, Sequences);

            using var model = CausalLm.Load(dir);
            var batched = model.TokenLosses(Sequences);
            var alone = model.TokenLosses([Sequences[1]]);

            Assert.Equal(96, model.VocabSize);
            for (var i = 0; i < Sequences.Length; i++)
            {
                Assert.True(float.IsNaN(batched[i][0]), $"{arch} sample {i}: position 0 must be NaN");
                for (var j = 1; j < Sequences[i].Length; j++)
                {
                    var delta = Math.Abs(batched[i][j] - expected[i][j]);
                    Assert.True(delta <= Tolerance, $"{arch} sample {i} position {j}: engine {batched[i][j]}, reference {expected[i][j]}, |Δ| {delta:E2}");
                }
            }

            // Batch composition must not matter (issue: within 1e-5 in fp32); compare as a tolerance, not by rounding.
            for (var j = 1; j < Sequences[1].Length; j++)
            {
                var drift = Math.Abs(batched[1][j] - alone[0][j]);
                Assert.True(drift <= 1e-5, $"{arch} position {j}: batched {batched[1][j]}, alone {alone[0][j]}, |Δ| {drift:E2}");
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
