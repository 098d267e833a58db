namespace TokenClean.Evidence.World;

/// <summary>
/// The size and shape of a <see cref="SyntheticWorld"/>. The defaults are the benchmark's world, fixed before any
/// method result was looked at (docs/EVIDENCE.md says with which commit); change them only with that in mind.
/// </summary>
public sealed record WorldOptions
{
    /// <summary>Seed of everything random in the world: the secret answer map, the phrases, the samples.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Distinct answer/prompt symbols.</summary>
    public int Symbols { get; init; } = 16;

    /// <summary>Symbols in a prompt (and so in its answer).</summary>
    public int PromptLength { get; init; } = 4;

    /// <summary>Stock openers a response may start with.</summary>
    public int Openers { get; init; } = 6;

    /// <summary>Words per opener.</summary>
    public int OpenerWords { get; init; } = 3;

    /// <summary>Stock closers a response may end with (before the end-of-sequence token).</summary>
    public int Closers { get; init; } = 6;

    /// <summary>Words per closer.</summary>
    public int CloserWords { get; init; } = 3;

    /// <summary>Documents of the generic corpus the base θ0 is pre-trained on.</summary>
    public int CorpusSize { get; init; } = 1536;

    /// <summary>SFT samples in the pool that is cleaned and trained on.</summary>
    public int PoolSize { get; init; } = 1024;

    /// <summary>Clean SFT samples of the warm-up set (the fixed-model reference is θ0 fine-tuned on them).</summary>
    public int WarmupSize { get; init; } = 128;

    /// <summary>Held-out clean samples for accuracy and loss.</summary>
    public int EvalSize { get; init; } = 256;

    /// <summary>The model vocabulary the world's token ids fit in (rounded up from what it uses).</summary>
    public int VocabSize => RoundUp(SyntheticWorld.FirstSymbol + Symbols + (Openers * OpenerWords) + (Closers * CloserWords), 16);

    /// <summary>Longest sample in tokens.</summary>
    public int MaxSampleTokens => 1 + PromptLength + 1 + OpenerWords + PromptLength + CloserWords + 1;

    /// <summary>Throws <see cref="ArgumentException"/> for a world that cannot be built.</summary>
    public void Validate()
    {
        if (Symbols < 2 || PromptLength < 1 || Openers < 1 || Closers < 1 || OpenerWords < 1 || CloserWords < 1)
        {
            throw new ArgumentException("a world needs at least 2 symbols, a prompt of 1 and one opener and closer of one word each");
        }

        if (CorpusSize < 1 || PoolSize < 1 || WarmupSize < 1 || EvalSize < 1)
        {
            throw new ArgumentException("corpus, pool, warm-up and evaluation sets need at least one sample each");
        }
    }

    private static int RoundUp(int n, int to) => (n + to - 1) / to * to;
}
