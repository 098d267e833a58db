using System.Globalization;
using System.Text;
using TokenClean.Scoring;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Refresh;

/// <summary>
/// What a reference checkpoint must satisfy before it scores anything: the base model's architecture and
/// vocabulary (influence compares the two models token for token), the serving reference's shapes (a refresh is
/// the same network with new weights), and finite losses on a fixed probe batch (NaN or infinite weights show up
/// there, whatever tensor they are in).
/// </summary>
public static class ReferenceValidator
{
    /// <summary>
    /// The probe: four fixed sequences (lengths 5, 16, 33 and 64, ids spread over the vocabulary), cut to the
    /// vocabulary and context of the model under test by <see cref="ProbeFor"/>.
    /// </summary>
    public static IReadOnlyList<int[]> DefaultProbe { get; } = BuildDefaultProbe();

    /// <summary>Differences between <paramref name="candidate"/> and the base model that rule it out, or null.</summary>
    public static string? CheckAgainstBase(ModelConfig candidate, ModelConfig baseConfig)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baseConfig);
        var diff = new StringBuilder();
        Compare(diff, "architecture", candidate.Architecture, baseConfig.Architecture);
        Compare(diff, "vocab_size", candidate.VocabSize, baseConfig.VocabSize);
        return diff.Length == 0 ? null : "differs from the base model: " + diff;
    }

    /// <summary>Shape fields of <paramref name="candidate"/> that differ from the serving reference's, or null.</summary>
    public static string? CheckAgainstCurrent(ModelConfig candidate, ModelConfig current)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(current);
        var diff = new StringBuilder();
        Compare(diff, "architecture", candidate.Architecture, current.Architecture);
        Compare(diff, "vocab_size", candidate.VocabSize, current.VocabSize);
        Compare(diff, "hidden_size", candidate.HiddenSize, current.HiddenSize);
        Compare(diff, "intermediate_size", candidate.IntermediateSize, current.IntermediateSize);
        Compare(diff, "num_hidden_layers", candidate.NumLayers, current.NumLayers);
        Compare(diff, "num_attention_heads", candidate.NumHeads, current.NumHeads);
        Compare(diff, "num_key_value_heads", candidate.NumKeyValueHeads, current.NumKeyValueHeads);
        Compare(diff, "head_dim", candidate.HeadDim, current.HeadDim);
        Compare(diff, "max_position_embeddings", candidate.MaxPositionEmbeddings, current.MaxPositionEmbeddings);
        Compare(diff, "tie_word_embeddings", candidate.TieWordEmbeddings, current.TieWordEmbeddings);
        return diff.Length == 0 ? null : "differs from the serving reference: " + diff;
    }

    /// <summary>The probe sequences with ids folded into the model's vocabulary and cut to its context.</summary>
    public static IReadOnlyList<int[]> ProbeFor(ITokenLossModel model, IReadOnlyList<int[]>? probe = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        probe ??= DefaultProbe;
        var result = new List<int[]>(probe.Count);
        foreach (var s in probe)
        {
            var n = Math.Min(s.Length, model.MaxSequenceLength);
            var folded = new int[n];
            for (var i = 0; i < n; i++)
            {
                folded[i] = (int)((uint)s[i] % (uint)model.VocabSize);
            }

            result.Add(folded);
        }

        return result;
    }

    /// <summary>
    /// Runs the probe through <paramref name="model"/>; returns why it fails (an exception or a non-finite loss,
    /// named by sequence and position), or null with the mean probe loss in <paramref name="meanLoss"/>.
    /// </summary>
    public static string? Probe(ITokenLossModel model, IReadOnlyList<int[]>? probe, out double meanLoss)
    {
        ArgumentNullException.ThrowIfNull(model);
        meanLoss = double.NaN;
        var sequences = ProbeFor(model, probe);
        float[][] losses;
        try
        {
            losses = model.TokenLosses(sequences);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"probe batch failed: {e.GetType().Name}: {e.Message}";
        }

        double sum = 0;
        long count = 0;
        for (var i = 0; i < losses.Length; i++)
        {
            for (var j = 1; j < losses[i].Length; j++)
            {
                var x = losses[i][j];
                if (!float.IsFinite(x))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"probe batch gives a non-finite loss ({x}) at sequence {i}, position {j}: the weights hold NaN or infinite values");
                }

                sum += x;
                count++;
            }
        }

        if (count == 0)
        {
            return "probe batch scored no token (the model's context is shorter than 2 tokens)";
        }

        meanLoss = sum / count;
        return null;
    }

    private static void Compare<T>(StringBuilder diff, string field, T candidate, T expected)
    {
        if (!EqualityComparer<T>.Default.Equals(candidate, expected))
        {
            if (diff.Length > 0)
            {
                diff.Append(", ");
            }

            diff.Append(CultureInfo.InvariantCulture, $"{field} {candidate} (expected {expected})");
        }
    }

    private static int[][] BuildDefaultProbe()
    {
        int[] lengths = [5, 16, 33, 64];
        var probe = new int[lengths.Length][];
        for (var s = 0; s < lengths.Length; s++)
        {
            probe[s] = new int[lengths[s]];
            for (var i = 0; i < lengths[s]; i++)
            {
                // Spread over a large vocabulary; ProbeFor folds into the real one.
                probe[s][i] = (int)((((long)s * 7919) + ((long)i * 104_729) + 1) % 1_000_003);
            }
        }

        return probe;
    }
}
