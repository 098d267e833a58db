namespace TokenClean.Evidence.World;

/// <summary>
/// A small world with ground truth per token, for showing what token cleaning does (docs/EVIDENCE.md).
/// </summary>
/// <remarks>
/// <para>Vocabulary: BOS (0), SEP (1), EOS (2), <see cref="WorldOptions.Symbols"/> symbols, then the words of the
/// stock phrases. Every sample reads BOS x₁…x_L SEP | opener y₁…y_L closer EOS, where the part after SEP is the
/// response.</para>
/// <para>The <b>generic corpus</b> (pre-training of the base θ0) has that shape with y drawn at random: θ0 learns the
/// format and every stock phrase (so boilerplate is predictable to it) but that the answer symbols are uniform (so it
/// does not know the task). The <b>SFT task</b>: y_k = σ(x_k) for a secret permutation σ of the symbols: learnable
/// from the prompt, unknown to θ0 (informative tokens). Openers, closers and EOS are boilerplate. <b>Label
/// noise</b>: with probability noise rate, an answer token is replaced by a uniformly drawn wrong symbol (harmful).
/// The warm-up and evaluation sets are clean; evaluation prompts never occur in the pool or warm-up set.</para>
/// <para>Deterministic in <see cref="WorldOptions.Seed"/>. The noise draws of a sample do not depend on the rate:
/// the noisy tokens at rate 0.1 are a subset of those at 0.3, so a sweep over rates compares like with like.</para>
/// </remarks>
public sealed class SyntheticWorld
{
    /// <summary>Beginning of sequence (position 0: never predicted).</summary>
    public const int Bos = 0;

    /// <summary>Ends the prompt.</summary>
    public const int Sep = 1;

    /// <summary>Ends the response.</summary>
    public const int Eos = 2;

    /// <summary>Token id of the first symbol.</summary>
    public const int FirstSymbol = 3;

    private readonly int[] _map;
    private readonly int[][] _openers;
    private readonly int[][] _closers;
    private readonly List<Draw> _corpus;
    private readonly List<Draw> _pool;
    private readonly List<Draw> _warmup;
    private readonly List<Draw> _eval;

    public SyntheticWorld(WorldOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        var rng = new SplitMix(options.Seed, 0x5EED);
        _map = rng.Permutation(options.Symbols);
        var words = rng.Permutation((options.Openers * options.OpenerWords) + (options.Closers * options.CloserWords));
        var firstWord = FirstSymbol + options.Symbols;
        var next = 0;
        _openers = Phrases(options.Openers, options.OpenerWords);
        _closers = Phrases(options.Closers, options.CloserWords);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        _corpus = Draws(options.CorpusSize, 1, randomAnswers: true, seen: null);
        _pool = Draws(options.PoolSize, 2, randomAnswers: false, seen);
        _warmup = Draws(options.WarmupSize, 3, randomAnswers: false, seen);
        _eval = Draws(options.EvalSize, 4, randomAnswers: false, seen, unseenOnly: true);

        int[][] Phrases(int count, int length)
        {
            var phrases = new int[count][];
            for (var p = 0; p < count; p++)
            {
                phrases[p] = new int[length];
                for (var w = 0; w < length; w++)
                {
                    phrases[p][w] = firstWord + words[next++];
                }
            }

            return phrases;
        }
    }

    public WorldOptions Options { get; }

    /// <summary>The secret answer map σ over symbol token ids (for tests and the oracle only).</summary>
    public int Answer(int symbolToken) => FirstSymbol + _map[symbolToken - FirstSymbol];

    /// <summary>The generic pre-training corpus: the response format with random answers; every token a target.</summary>
    public IReadOnlyList<WorldSample> Corpus() => _corpus.Select((d, i) => Build($"corpus-{i}", d, 0, learnPrompt: true)).ToList();

    /// <summary>The SFT pool with <paramref name="noiseRate"/> of its answer tokens corrupted.</summary>
    public IReadOnlyList<WorldSample> Pool(double noiseRate)
    {
        if (!(noiseRate >= 0 && noiseRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(noiseRate), noiseRate, "the noise rate is a probability");
        }

        return _pool.Select((d, i) => Build($"pool-{i}", d, noiseRate, learnPrompt: false)).ToList();
    }

    /// <summary>The clean warm-up set.</summary>
    public IReadOnlyList<WorldSample> Warmup() => _warmup.Select((d, i) => Build($"warmup-{i}", d, 0, learnPrompt: false)).ToList();

    /// <summary>The clean held-out set (prompts unseen in pool and warm-up).</summary>
    public IReadOnlyList<WorldSample> Evaluation() => _eval.Select((d, i) => Build($"eval-{i}", d, 0, learnPrompt: false)).ToList();

    private List<Draw> Draws(int count, long stream, bool randomAnswers, HashSet<string>? seen, bool unseenOnly = false)
    {
        var o = Options;
        var rng = new SplitMix(o.Seed, stream);
        var draws = new List<Draw>(count);
        var attempts = 0;
        while (draws.Count < count)
        {
            if (++attempts > count * 100)
            {
                throw new InvalidOperationException($"cannot draw {count} unseen prompts from {o.Symbols}^{o.PromptLength}: the world is too small");
            }

            var prompt = new int[o.PromptLength];
            for (var k = 0; k < prompt.Length; k++)
            {
                prompt[k] = FirstSymbol + rng.Below(o.Symbols);
            }

            // Every random number of a sample is drawn whether or not it is used, so samples do not shift.
            var opener = rng.Below(o.Openers);
            var closer = rng.Below(o.Closers);
            var random = new int[o.PromptLength];
            var u = new double[o.PromptLength];
            var wrongOffset = new int[o.PromptLength];
            for (var k = 0; k < o.PromptLength; k++)
            {
                random[k] = FirstSymbol + rng.Below(o.Symbols);
                u[k] = rng.NextDouble();
                wrongOffset[k] = 1 + rng.Below(o.Symbols - 1);
            }

            var key = string.Join(',', prompt);
            if (seen is not null)
            {
                if (unseenOnly && seen.Contains(key))
                {
                    continue;
                }

                seen.Add(key);
            }

            draws.Add(new Draw(prompt, opener, closer, randomAnswers ? random : null, u, wrongOffset));
        }

        return draws;
    }

    private WorldSample Build(string id, Draw d, double noiseRate, bool learnPrompt)
    {
        var o = Options;
        var ids = new List<int>(o.MaxSampleTokens);
        var kinds = new List<TokenKind>(o.MaxSampleTokens);
        ids.Add(Bos);
        ids.AddRange(d.Prompt);
        ids.Add(Sep);
        kinds.AddRange(Enumerable.Repeat(TokenKind.Prompt, ids.Count));
        var promptTokens = ids.Count;
        Add(_openers[d.Opener], TokenKind.Boilerplate);
        var answer = new int[o.PromptLength];
        for (var k = 0; k < o.PromptLength; k++)
        {
            answer[k] = d.RandomAnswer?[k] ?? Answer(d.Prompt[k]);
            if (d.RandomAnswer is null && d.U[k] < noiseRate)
            {
                // A wrong symbol, uniform over the others: (σ(x) + offset) mod S with offset in 1..S-1.
                ids.Add(FirstSymbol + ((answer[k] - FirstSymbol + d.WrongOffset[k]) % o.Symbols));
                kinds.Add(TokenKind.Noise);
            }
            else
            {
                ids.Add(answer[k]);
                kinds.Add(TokenKind.Informative);
            }
        }

        Add(_closers[d.Closer], TokenKind.Boilerplate);
        Add([Eos], TokenKind.Boilerplate);
        var input = ids.ToArray();
        var labels = new int[input.Length];
        for (var j = 0; j < labels.Length; j++)
        {
            labels[j] = learnPrompt || j >= promptTokens ? input[j] : -100;
        }

        return new WorldSample(id, input, labels, kinds.ToArray(), answer, promptTokens);

        void Add(int[] tokens, TokenKind kind)
        {
            ids.AddRange(tokens);
            kinds.AddRange(Enumerable.Repeat(kind, tokens.Length));
        }
    }

    private sealed record Draw(int[] Prompt, int Opener, int Closer, int[]? RandomAnswer, double[] U, int[] WrongOffset);

    /// <summary>SplitMix64 (Steele et al.), our own so a world never depends on the .NET version's Random.</summary>
    private sealed class SplitMix(long seed, long stream)
    {
        private ulong _state = unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)stream * 0xBF58476D1CE4E5B9UL));

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Below(int n) => (int)(Next() % (ulong)n);

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public int[] Permutation(int n)
        {
            var p = Enumerable.Range(0, n).ToArray();
            for (var i = n - 1; i > 0; i--)
            {
                var j = Below(i + 1);
                (p[i], p[j]) = (p[j], p[i]);
            }

            return p;
        }
    }
}
