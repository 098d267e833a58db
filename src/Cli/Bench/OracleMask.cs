using TokenClean.Core.Samples;
using TokenClean.Evidence.World;

namespace TokenClean.Cli.Bench;

/// <summary>The ground-truth masks: the oracle keeps exactly the informative tokens (the ceiling); inverted, everything else.</summary>
internal static class OracleMask
{
    public static int[] Keep(WorldSample sample) => Mask(sample, inverted: false);

    public static int[] Inverted(WorldSample sample) => Mask(sample, inverted: true);

    private static int[] Mask(WorldSample sample, bool inverted)
    {
        var labels = new int[sample.InputIds.Length];
        for (var j = 0; j < labels.Length; j++)
        {
            var learnable = sample.Kinds[j] != TokenKind.Prompt;
            var informative = sample.Kinds[j] == TokenKind.Informative;
            labels[j] = learnable && (informative != inverted) ? sample.InputIds[j] : TokenizedSample.IgnoreLabel;
        }

        return labels;
    }
}
