using TokenClean.Scoring;

namespace TokenClean.Bench;

/// <summary>Passes every call to a model and keeps its arguments, so the same batches can be replayed on the scorer alone.</summary>
internal sealed class RecordingLossModel(ITokenLossModel inner) : ITokenLossModel
{
    public List<(IReadOnlyList<int[]> Sequences, IReadOnlyList<bool[]>? Mask)> Calls { get; } = [];

    public string Version => inner.Version;

    public int VocabSize => inner.VocabSize;

    public int MaxSequenceLength => inner.MaxSequenceLength;

    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        lock (Calls)
        {
            Calls.Add((sequences, lossMask));
        }

        return inner.TokenLosses(sequences, lossMask);
    }

    public void Dispose()
    {
    }
}
