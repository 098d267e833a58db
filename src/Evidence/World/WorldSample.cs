namespace TokenClean.Evidence.World;

/// <summary>
/// One synthetic sample: token ids, the training labels a user would give the product (-100 on the prompt, the token
/// id on every response token) and the ground truth per token, which only the benchmark reads.
/// </summary>
/// <param name="Id">Unique within its world ("pool-17", "warmup-3", "eval-9", "corpus-2").</param>
/// <param name="InputIds">BOS, prompt symbols, SEP, opener words, answer symbols, closer words, EOS.</param>
/// <param name="Labels">-100 on prompt positions, the token id on response positions.</param>
/// <param name="Kinds">The ground truth of every position.</param>
/// <param name="Answer">The correct answer symbols' token ids (what exact match compares with).</param>
/// <param name="PromptTokens">Positions 0 .. PromptTokens-1 are the prompt (BOS, symbols, SEP).</param>
public sealed record WorldSample(string Id, int[] InputIds, int[] Labels, TokenKind[] Kinds, int[] Answer, int PromptTokens)
{
    /// <summary>The prompt as a model is given it for decoding (ends with SEP).</summary>
    public int[] Prompt => InputIds[..PromptTokens];

    /// <summary>The ground truth as a compact string, one letter per position (p, i, b, n).</summary>
    public string KindString => string.Create(Kinds.Length, Kinds, static (span, kinds) =>
    {
        for (var i = 0; i < kinds.Length; i++)
        {
            span[i] = (char)kinds[i];
        }
    });
}
