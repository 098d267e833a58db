using TokenClean.Evidence.World;
using TokenClean.Scoring.Generation;
using TokenClean.Scoring.Models;

namespace TokenClean.Evidence.Metrics;

/// <summary>How well a model does the synthetic task on held-out clean samples.</summary>
/// <param name="Accuracy">Share of prompts whose greedily decoded response carries exactly the right answer symbols.</param>
/// <param name="AnswerLoss">Mean cross-entropy (nats) on the answer tokens of the clean held-out samples.</param>
/// <param name="AnswerAccuracy">Share of held-out samples whose every answer token is the model's argmax given the
/// clean sample before it (teacher forcing): what the model knows of the task, whatever it does with the format.</param>
public sealed record TaskScore(double Accuracy, double AnswerLoss, double AnswerAccuracy)
{
    /// <summary>The first few greedy decodes, one line each ("prompt -> output | expected"), for reading by hand.</summary>
    public IReadOnlyList<string> Examples { get; init; } = [];

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

        // Teacher forcing: one prefix per answer token, the clean sample up to it.
        var prefixes = new List<IReadOnlyList<int>>();
        var expected = new List<int>();
        var owner = new List<int>();
        for (var i = 0; i < heldOut.Count; i++)
        {
            for (var j = 1; j < heldOut[i].Kinds.Length; j++)
            {
                if (heldOut[i].Kinds[j] == TokenKind.Informative)
                {
                    prefixes.Add(heldOut[i].InputIds[..j]);
                    expected.Add(heldOut[i].InputIds[j]);
                    owner.Add(i);
                }
            }
        }

        var argmax = GreedyDecoder.NextTokens(model, prefixes);
        var allRight = Enumerable.Repeat(true, heldOut.Count).ToArray();
        for (var p = 0; p < argmax.Length; p++)
        {
            allRight[owner[p]] &= argmax[p] == expected[p];
        }

        var examples = Enumerable.Range(0, Math.Min(4, heldOut.Count))
            .Select(i => $"{string.Join(' ', heldOut[i].Prompt)} -> {string.Join(' ', outputs[i])} | expected answer {string.Join(' ', heldOut[i].Answer)}")
            .ToList();
        return new TaskScore(correct / (double)heldOut.Count, sum / n, allRight.Count(r => r) / (double)heldOut.Count) { Examples = examples };
    }
}
