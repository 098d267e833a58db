using TokenClean.Scoring;

namespace TokenClean.Tests.Shared;

/// <summary>
/// A real (tiny) causal language model for tests that need one without libtorch: a bigram model with add-α
/// smoothing estimated from a count table, p(b | a) = (count(a, b) + α) / (count(a) + α·V). Its losses are true
/// cross-entropies −ln p of a proper distribution (every row sums to 1), so influence computed from two of them
/// is a real influence, and every number a test expects can be checked by hand from the counts.
/// </summary>
public sealed class BigramTokenLossModel : ITokenLossModel
{
    private readonly long[,] _counts;
    private readonly long[] _rowTotals;
    private readonly double _alpha;

    /// <summary>Estimates the model from a training corpus of token sequences.</summary>
    public BigramTokenLossModel(string version, int vocabSize, IEnumerable<int[]> corpus, double alpha = 1.0, int maxSequenceLength = 4096)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alpha);
        Version = version;
        VocabSize = vocabSize;
        MaxSequenceLength = maxSequenceLength;
        _alpha = alpha;
        _counts = new long[vocabSize, vocabSize];
        _rowTotals = new long[vocabSize];
        foreach (var sequence in corpus)
        {
            for (var j = 1; j < sequence.Length; j++)
            {
                _counts[sequence[j - 1], sequence[j]]++;
                _rowTotals[sequence[j - 1]]++;
            }
        }
    }

    /// <inheritdoc />
    public string Version { get; }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int MaxSequenceLength { get; }

    /// <summary>How many times <see cref="TokenLosses"/> was called (batching tests count forward passes).</summary>
    public int Calls { get; private set; }

    /// <summary>Largest number of tokens passed in one <see cref="TokenLosses"/> call.</summary>
    public int LargestBatchTokens { get; private set; }

    /// <summary>Whether <see cref="Dispose"/> ran.</summary>
    public bool Disposed { get; private set; }

    /// <summary>p(next | previous).</summary>
    public double Probability(int previous, int next) =>
        (_counts[previous, next] + _alpha) / (_rowTotals[previous] + (_alpha * VocabSize));

    /// <inheritdoc />
    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ObjectDisposedException.ThrowIf(Disposed, this);
        Calls++;
        var tokens = 0;
        var result = new float[sequences.Count][];
        for (var i = 0; i < sequences.Count; i++)
        {
            var s = sequences[i];
            tokens += s.Length;
            if (s.Length > MaxSequenceLength)
            {
                throw new ArgumentException($"sequence {i} is longer than {MaxSequenceLength}", nameof(sequences));
            }

            foreach (var id in s)
            {
                if ((uint)id >= (uint)VocabSize)
                {
                    throw new ArgumentOutOfRangeException(nameof(sequences), id, "token id outside the vocabulary");
                }
            }

            var losses = new float[s.Length];
            for (var j = 0; j < s.Length; j++)
            {
                var scored = j > 0 && (lossMask is null || lossMask[i][j]);
                losses[j] = scored ? (float)-Math.Log(Probability(s[j - 1], s[j])) : float.NaN;
            }

            result[i] = losses;
        }

        LargestBatchTokens = Math.Max(LargestBatchTokens, tokens);
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => Disposed = true;
}
