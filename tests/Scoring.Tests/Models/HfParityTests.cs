using System.Text.Json;
using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Models;

/// <summary>Invariant 5: per-token losses equal Hugging Face transformers' for the same checkpoint (fp32, |Δ| ≤ 1e-4).</summary>
[Collection("libtorch")]
public sealed class HfParityTests
{
    [HfFixtureTheory]
    [MemberData(nameof(HfFixtures.Architectures), MemberType = typeof(HfFixtures))]
    public void TokenLosses_OfAFixtureCheckpoint_MatchTransformersWithin1e4(string architecture)
    {
        var dir = Path.Combine(HfFixtures.Root, architecture);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "losses.json")));
        var samples = new List<int[]>();
        var expected = new List<double?[]>();
        foreach (var s in doc.RootElement.GetProperty("samples").EnumerateArray())
        {
            samples.Add(s.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            expected.Add(s.GetProperty("losses").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (double?)null : e.GetDouble()).ToArray());
        }

        using var model = CausalLm.Load(dir, "cpu", DType.Float32);
        var actual = model.TokenLosses(samples);
        var compared = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var j = 0; j < actual[i].Length; j++)
            {
                if (expected[i][j] is { } e)
                {
                    Assert.True(Math.Abs(e - actual[i][j]) <= 1e-4, $"{architecture} sample {i} position {j}: transformers {e}, engine {actual[i][j]}");
                    compared++;
                }
                else
                {
                    Assert.True(float.IsNaN(actual[i][j]), $"{architecture} sample {i} position {j}: expected no loss");
                }
            }
        }

        Assert.True(compared > 0, $"{architecture}: the fixture holds no losses to compare");
    }
}
