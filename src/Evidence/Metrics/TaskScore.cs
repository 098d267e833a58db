using TokenClean.Evidence.World;
using TokenClean.Scoring.Generation;
using TokenClean.Scoring.Models;

namespace TokenClean.Evidence.Metrics;

/// <summary>How well a model does the synthetic task on held-out clean samples.</summary>
/// <param name="Accuracy">Share of prompts whose greedily decoded response carries exactly the right answer symbols.</param>
/// <param name="AnswerLoss">Mean cross-entropy (nats) on the answer tokens of the clean held-out samples.</param>
public sealed record TaskScore(double Accuracy, double AnswerLoss)
{
    /// <summary>
    /// Decodes every held-out prompt greedily until EOS (or the world's longest response) and compares the symbols
    /// of the response, in order, with the correct answer; measures the loss of the correct answer tokens.
    /// </summary>
    public static TaskScore Measure(CausalLm model, SyntheticWorld world, IReadOnlyList<WorldSample> heldOut)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (heldOut.Count == 0)
        {
            throw new ArgumentException("no held-out samples", nameof(heldOut));
        }

        var o = world.Options;
        var maxNew = o.MaxSampleTokens - (o.PromptLength + 2);
        var outputs = GreedyDecoder.Generate(model, heldOut.Select(s => s.Prompt).ToList(), maxNew, SyntheticWorld.Eos);
        var correct = 0;
        for (var i = 0; i < heldOut.Count; i++)
        {
            var symbols = outputs[i].Where(t => t >= SyntheticWorld.FirstSymbol && t < SyntheticWorld.FirstSymbol + o.Symbols);
            correct += symbols.SequenceEqual(heldOut[i].Answer) ? 1 : 0;
        }

        var masks = heldOut.Select(s => s.Kinds.Select(k => k == TokenKind.Informative).ToArray()).ToList();
        var losses = model.TokenLosses(heldOut.Select(s => s.InputIds).ToList(), masks);
        double sum = 0;
        long n = 0;
        for (var i = 0; i < losses.Length; i++)
        {
            for (var j = 1; j < losses[i].Length; j++)
            {
                if (masks[i][j])
                {
                    sum += losses[i][j];
                    n++;
                }
            }
        }

        return new TaskScore(correct / (double)heldOut.Count, sum / n);
    }
}
