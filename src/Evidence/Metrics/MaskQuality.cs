using TokenClean.Evidence.World;

namespace TokenClean.Evidence.Metrics;

/// <summary>
/// How well a training mask (labels: the token id where learned, -100 where not) matches the ground truth, over the
/// response tokens a model can learn (response positions after position 0).
/// </summary>
/// <param name="ResponseTokens">Learnable response tokens in the ground truth.</param>
/// <param name="Kept">Of them, how many the mask keeps.</param>
/// <param name="Precision">Share of kept tokens that are informative (NaN when nothing is kept).</param>
/// <param name="InformativeKept">Share of informative tokens kept (recall).</param>
/// <param name="NoiseDropped">Share of noise tokens dropped (NaN when the world has none).</param>
/// <param name="BoilerplateDropped">Share of boilerplate tokens dropped.</param>
public sealed record MaskQuality(long ResponseTokens, long Kept, double Precision, double InformativeKept, double NoiseDropped, double BoilerplateDropped)
{
    /// <summary>Share of response tokens kept.</summary>
    public double KeepRatio => ResponseTokens == 0 ? double.NaN : Kept / (double)ResponseTokens;

    /// <summary>
    /// Compares <paramref name="masks"/> (sample id → labels) with <paramref name="truth"/> (sample id → kinds). A
    /// sample of the truth missing from the masks counts as all dropped; a mask for an unknown sample or of another
    /// length is an error (the bookkeeping would be wrong).
    /// </summary>
    public static MaskQuality Measure(IReadOnlyDictionary<string, TokenKind[]> truth, IReadOnlyDictionary<string, int[]> masks)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(masks);
        foreach (var id in masks.Keys)
        {
            if (!truth.ContainsKey(id))
            {
                throw new ArgumentException($"the mask names sample '{id}', which the ground truth does not know", nameof(masks));
            }
        }

        long response = 0, kept = 0, informative = 0, informativeKept = 0, noise = 0, noiseKept = 0, boiler = 0, boilerKept = 0;
        foreach (var (id, kinds) in truth)
        {
            masks.TryGetValue(id, out var labels);
            if (labels is not null && labels.Length != kinds.Length)
            {
                throw new ArgumentException($"sample '{id}': the mask has {labels.Length} labels, the ground truth {kinds.Length} tokens", nameof(masks));
            }

            for (var j = 1; j < kinds.Length; j++)
            {
                var kind = kinds[j];
                if (kind == TokenKind.Prompt)
                {
                    continue;
                }

                var keep = labels is not null && labels[j] != -100;
                response++;
                kept += keep ? 1 : 0;
                switch (kind)
                {
                    case TokenKind.Informative:
                        informative++;
                        informativeKept += keep ? 1 : 0;
                        break;
                    case TokenKind.Noise:
                        noise++;
                        noiseKept += keep ? 1 : 0;
                        break;
                    default:
                        boiler++;
                        boilerKept += keep ? 1 : 0;
                        break;
                }
            }
        }

        return new MaskQuality(
            response,
            kept,
            kept == 0 ? double.NaN : informativeKept / (double)kept,
            Share(informativeKept, informative),
            1 - Share(noiseKept, noise),
            1 - Share(boilerKept, boiler));
    }

    private static double Share(long part, long whole) => whole == 0 ? double.NaN : part / (double)whole;
}
