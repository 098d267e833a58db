using TokenClean.Core.Samples;
using TokenClean.Core.Sources;
using TokenClean.Scoring;
using TokenClean.Service.Pipeline;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Pipeline.Actors;

/// <summary>Records, batches, loss models and leases for the scorer and batcher tests.</summary>
internal static class ActorTestModels
{
    public static readonly SourcePartition Input = SourcePartition.Kafka("t", 0);

    /// <summary>A record of <paramref name="tokens"/> tokens (prompt 1, response the rest); <paramref name="firstId"/> marks it.</summary>
    public static TokenizedRecord Record(long offset, int tokens, int firstId = 1, int generation = 1)
    {
        var ids = new int[tokens];
        var labels = new int[tokens];
        for (var i = 0; i < tokens; i++)
        {
            ids[i] = i == 0 ? firstId : 2 + (i % 5);
            labels[i] = i == 0 ? TokenizedSample.IgnoreLabel : ids[i];
        }

        var consumed = new ConsumedRecord(Input.At(offset), generation, [1], null);
        return new TokenizedRecord(consumed, "s" + offset, new TokenizedSample("s" + offset, ids, labels), null);
    }

    public static TokenBatch Batch(params TokenizedRecord[] records)
    {
        long tokens = 0;
        foreach (var r in records)
        {
            tokens += r.Tokens;
        }

        return new TokenBatch(records, tokens, false);
    }

    public static ScorerOptions Options(Func<ConsumedRecord, bool>? isCurrent = null) => new(4096, isCurrent ?? (static _ => true), 1 << 16, null);
}

/// <summary>
/// Loss 0 everywhere (NaN at position 0). Throws <see cref="InvalidOperationException"/> for any call whose batch
/// holds a sequence starting with <see cref="Poison"/> (a sample the model cannot take), or
/// <see cref="OutOfMemoryException"/> when <see cref="OutOfMemory"/> is set; sleeps <c>delayMs</c> per call.
/// </summary>
internal sealed class ScriptedLossModel(string version, int delayMs = 0) : ITokenLossModel
{
    public const int Poison = 999;
    private int _calls;

    public bool OutOfMemory { get; set; }

    public int Calls => Volatile.Read(ref _calls);

    public string Version => version;

    public int VocabSize => 1 << 16;

    public int MaxSequenceLength => 4096;

    public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
    {
        Interlocked.Increment(ref _calls);
        Thread.Sleep(delayMs);
        if (OutOfMemory)
        {
            throw new OutOfMemoryException("device out of memory");
        }

        var result = new float[sequences.Count][];
        for (var i = 0; i < sequences.Count; i++)
        {
            if (sequences[i][0] == Poison)
            {
                throw new InvalidOperationException("the model cannot take this sample");
            }

            result[i] = new float[sequences[i].Length];
            result[i][0] = float.NaN;
        }

        return result;
    }

    public void Dispose()
    {
    }
}

/// <summary>A lease on a fixed model that records whether it was released.</summary>
internal sealed class RecordingLease(ITokenLossModel model, string version) : IReferenceLease
{
    private int _released;

    public bool Released => Volatile.Read(ref _released) != 0;

    public ITokenLossModel Model => model;

    public string Version => version;

    public void Dispose() => Interlocked.Exchange(ref _released, 1);
}
