using TokenClean.Scoring;

namespace TokenClean.Bench;

/// <summary>
/// A stand-in for an accelerator: each call blocks its thread for a fixed time per 1,000 tokens (as a call waiting
/// on a GPU does, without using a core) and returns the no-work losses. Several of them show whether the pipeline
/// keeps several devices busy at once. Never used outside benchmarks.
/// </summary>
internal sealed class SimulatedDeviceLossModel(string version, int vocabSize, int maxSequenceLength, double microsecondsPer1kTokens) : ITokenLossModel
{
    private readonly NoWorkLossModel _losses = new(version, vocabSize, maxSequenceLength);

    public string Version => _losses.Version;

    public int VocabSize => _losses.VocabSize;

    public int MaxSequenceLength => _losses.MaxSequenceLength;

    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        long tokens = 0;
        foreach (var s in sequences)
        {
            tokens += s.Length;
        }

        Thread.Sleep(TimeSpan.FromMicroseconds(microsecondsPer1kTokens * tokens / 1000.0));
        return _losses.TokenLosses(sequences, lossMask);
    }

    public void Dispose()
    {
    }
}
