using TokenClean.Scoring;

namespace TokenClean.Bench;

/// <summary>
/// A benchmark stand-in for a scorer that does no model work: every scored position has loss 0 (so every influence is
/// 0), position 0 and unmasked positions are NaN as <see cref="ITokenLossModel"/> promises. It allocates its result
/// like a real model does, so the pipeline around it is measured, not the model. Never used outside benchmarks.
/// </summary>
internal sealed class NoWorkLossModel(string version, int vocabSize, int maxSequenceLength) : ITokenLossModel
{
    public string Version { get; } = version;

    public int VocabSize { get; } = vocabSize;

    public int MaxSequenceLength { get; } = maxSequenceLength;

    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var result = new float[sequences.Count][];
        for (var i = 0; i < sequences.Count; i++)
        {
            var losses = new float[sequences[i].Length];
            var mask = lossMask?[i];
            for (var j = 0; j < losses.Length; j++)
            {
                losses[j] = j == 0 || (mask is not null && !mask[j]) ? float.NaN : 0f;
            }

            result[i] = losses;
        }

        return result;
    }

    public void Dispose()
    {
    }
}
