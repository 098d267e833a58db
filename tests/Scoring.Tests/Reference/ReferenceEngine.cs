using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Reference;

/// <summary>
/// Where the engine cross-check gets the C# model loader. The engine (libtorch binding + HF checkpoint loader) is
/// built on another branch; until it is merged this is null and <see cref="ReferenceLossComparisonTests"/> is
/// reported as skipped. At merge, point <see cref="Loader"/> at the engine's loader, e.g.
/// <c>dir => HfCheckpoint.Load(dir, device: "cpu", dtype: fp32)</c>.
/// </summary>
internal static class ReferenceEngine
{
    public static Func<string, ITokenLossModel>? Loader => dir => CausalLm.Load(dir);

    public const string NotMergedReason =
        "the engine's HF checkpoint loader is not on this branch yet: set ReferenceEngine.Loader when it is merged";
}
