using TokenClean.Scoring;
using TokenClean.Scoring.Models;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// A reference provider whose model is the real tiny reference checkpoint, slowed down by a fixed delay per forward
/// pass: a stand-in for a scorer that cannot keep up with the input.
/// </summary>
internal sealed class SlowReferenceModel : IReferenceModelProvider, IReferenceLease, ITokenLossModel
{
    private readonly CausalLm _model = CausalLm.Load(StreamingAssets.RefDir);
    private readonly int _delayMs;

    public SlowReferenceModel(int delayMs) => _delayMs = delayMs;

    public int Batches { get; private set; }

    /// <summary>Open by default; while reset, every forward pass waits for it (a scorer that is stuck for a while).</summary>
    public ManualResetEventSlim Gate { get; } = new(initialState: true);

    public ITokenLossModel Model => this;

    public string Version => "slow-" + _model.Version;

    public int VocabSize => _model.VocabSize;

    public int MaxSequenceLength => _model.MaxSequenceLength;

    public IReferenceLease Acquire() => this;

    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        Gate.Wait();
        Thread.Sleep(_delayMs);
        Batches++;
        return _model.TokenLosses(sequences, lossMask);
    }

    void IDisposable.Dispose()
    {
        // A lease ends per batch; the model lives as long as the test.
    }

    public void Release()
    {
        Gate.Set();
        _model.Dispose();
    }
}
