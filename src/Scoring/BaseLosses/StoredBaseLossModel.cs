using System.Diagnostics;

namespace TokenClean.Scoring.BaseLosses;

/// <summary>
/// The base model behind a <see cref="BaseLossStore"/>: a sequence whose losses the store holds is answered from it;
/// only the others go through the model's forward pass (as one batch), and their losses join the store. Everything
/// that scores through <see cref="ITokenLossModel"/> — the pipeline's scorers, <see cref="Influence.InfluenceScorer"/> —
/// gets the reuse without knowing of it.
/// </summary>
/// <remarks>Does not own the inner model (disposing this disposes nothing). Counters are read between batches.</remarks>
public sealed class StoredBaseLossModel : ITokenLossModel
{
    private readonly ITokenLossModel _inner;
    private long _computed;
    private long _reused;
    private long _forwardTicks;

    /// <summary>Puts <paramref name="store"/> in front of <paramref name="inner"/>, whose identity the store must hold.</summary>
    /// <param name="inner">The base model (not owned).</param>
    /// <param name="store">The store of that model's identity.</param>
    /// <param name="reuse">False: never answer from the store (every sequence runs the model; new losses are still
    /// added): the "without reuse" side of a measurement.</param>
    public StoredBaseLossModel(ITokenLossModel inner, BaseLossStore store, bool reuse = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(store);
        _inner = inner;
        Store = store;
        Reuse = reuse;
    }

    /// <summary>Whether stored losses are used.</summary>
    public bool Reuse { get; }

    /// <summary>The store.</summary>
    public BaseLossStore Store { get; }

    /// <inheritdoc />
    public string Version => _inner.Version;

    /// <inheritdoc />
    public int VocabSize => _inner.VocabSize;

    /// <inheritdoc />
    public int MaxSequenceLength => _inner.MaxSequenceLength;

    /// <summary>Sequences that went through the base model's forward pass.</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>Sequences answered from the store.</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <summary>Time spent inside the base model's forward passes.</summary>
    public TimeSpan ForwardTime => TimeSpan.FromTicks(Interlocked.Read(ref _forwardTicks));

    /// <inheritdoc />
    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var result = new float[sequences.Count][];
        var keys = new string[sequences.Count];
        var missing = new List<int>();
        for (var i = 0; i < sequences.Count; i++)
        {
            keys[i] = BaseLossStore.Key(sequences[i], lossMask is null ? default : lossMask[i]);
            if (Reuse && Store.TryGet(keys[i]) is { } stored && stored.Length == sequences[i].Length)
            {
                result[i] = stored;
            }
            else
            {
                missing.Add(i);
            }
        }

        Interlocked.Add(ref _reused, sequences.Count - missing.Count);
        if (missing.Count == 0)
        {
            return result;
        }

        var forward = Stopwatch.StartNew();
        var computed = _inner.TokenLosses(
            missing.ConvertAll(i => sequences[i]),
            lossMask is null ? null : missing.ConvertAll(i => lossMask[i]));
        Interlocked.Add(ref _forwardTicks, forward.Elapsed.Ticks);
        Interlocked.Add(ref _computed, missing.Count);
        if (computed is null || computed.Length != missing.Count)
        {
            throw new InvalidOperationException($"model '{_inner.Version}' returned {computed?.Length ?? 0} results for {missing.Count} sequences");
        }

        for (var m = 0; m < missing.Count; m++)
        {
            var i = missing[m];
            result[i] = computed[m];
            if (computed[m] is { } losses && losses.Length == sequences[i].Length)
            {
                Store.Add(keys[i], losses);
            }
        }

        return result;
    }

    /// <summary>Nothing: the inner model belongs to the caller.</summary>
    public void Dispose()
    {
    }
}
