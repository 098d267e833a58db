using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// The <see cref="Tokenizer"/> members: what lets code written against Microsoft.ML.Tokenizers use a tokenizer.json
/// that the package itself cannot load. Encoding through them adds no post-processor template (BOS/EOS), as HF's
/// <c>add_special_tokens=False</c>; special-token strings inside the text are still matched as tokens. Offsets are
/// UTF-16 index ranges of the input (<see cref="EncodeWithOffsets"/>); the normalized text is never returned
/// (null), because offsets always point into the original text.
/// </summary>
public sealed partial class HfTokenizer
{
    /// <inheritdoc/>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var input = text is null ? textSpan : text.AsSpan();
        var tokens = EncodeWithOffsets(input, addSpecialTokens: false, settings.ConsiderNormalization, settings.ConsiderPreTokenization);
        var kept = KeptFromStart(tokens, settings.MaxTokenCount);
        var consumed = kept == tokens.Count ? input.Length : tokens[kept].Offset.Start.Value;
        if (kept < tokens.Count)
        {
            tokens.RemoveRange(kept, tokens.Count - kept);
        }

        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc/>
    /// <remarks>With the default settings this is the ids-only path: no offsets are computed.</remarks>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var input = text is null ? textSpan : text.AsSpan();
        if (IsPlain(settings))
        {
            var ids = Encode(input);
            if (ids.Length <= settings.MaxTokenCount)
            {
                return new EncodeResults<int> { Tokens = ids, NormalizedText = null, CharsConsumed = input.Length };
            }
        }

        var tokens = EncodeToTokens(text, textSpan, settings);
        var list = new int[tokens.Tokens.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = tokens.Tokens[i].Id;
        }

        return new EncodeResults<int> { Tokens = list, NormalizedText = null, CharsConsumed = tokens.CharsConsumed };
    }

    /// <inheritdoc/>
    /// <remarks>With the default settings this counts on the ids-only path and allocates nothing.</remarks>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var input = text is null ? textSpan : text.AsSpan();
        if (IsPlain(settings))
        {
            var s = Rent();
            try
            {
                EncodeCore(input, addSpecialTokens: false, s);
                if (s.Ids.Count <= settings.MaxTokenCount)
                {
                    return s.Ids.Count;
                }
            }
            finally
            {
                Return(s);
            }
        }

        return EncodeToTokens(text, textSpan, settings).Tokens.Count;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The cut falls between two tokens of the whole text's encoding that share no character (a character split
    /// into several byte-level tokens is never cut), keeping as many tokens as fit: from the start the index is
    /// where the first dropped token starts; from the end it is where the last dropped token ends. Like the
    /// package's own BPE tokenizers, it does not re-encode the cut text (a cut inside a pre-tokenizer piece can
    /// encode differently on its own).
    /// </remarks>
    protected override int GetIndexByTokenCount(
        string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedText, out int tokenCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(settings.MaxTokenCount);
        var input = text is null ? textSpan : text.AsSpan();
        var tokens = EncodeWithOffsets(input, addSpecialTokens: false, settings.ConsiderNormalization, settings.ConsiderPreTokenization);
        normalizedText = null;
        if (!fromEnd)
        {
            tokenCount = KeptFromStart(tokens, settings.MaxTokenCount);
            return tokenCount == tokens.Count ? input.Length : tokens[tokenCount].Offset.Start.Value;
        }

        var first = Math.Max(0, tokens.Count - settings.MaxTokenCount);
        while (first > 0 && first < tokens.Count && !IsCleanCut(tokens, first))
        {
            first++;
        }

        tokenCount = tokens.Count - first;
        return first == 0 ? 0 : tokens[first - 1].Offset.End.Value;
    }

    /// <inheritdoc/>
    /// <remarks>Special tokens are kept (HF's <c>skip_special_tokens=False</c>); unknown ids are skipped.</remarks>
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Decode((ids is int[] array ? array : [.. ids]).AsSpan(), skipSpecialTokens: false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// When the whole text does not fit, writes the decoded text of a prefix of the ids, found by bisection, that
    /// fits and is a prefix of the whole decoded text (so a byte-level character split over several ids is written
    /// whole or not at all), and returns <see cref="OperationStatus.DestinationTooSmall"/>.
    /// </remarks>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int[] all = ids is int[] array ? array : [.. ids];
        var whole = Decode(all.AsSpan(), skipSpecialTokens: false);
        if (whole.Length <= destination.Length)
        {
            whole.CopyTo(destination);
            (idsConsumed, charsWritten) = (all.Length, whole.Length);
            return OperationStatus.Done;
        }

        // Bisect on "the first n ids decode to a prefix of the whole text that fits".
        var (lo, hi) = (0, all.Length);
        var best = string.Empty;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            var part = Decode(all.AsSpan(0, mid), skipSpecialTokens: false);
            if (part.Length <= destination.Length && whole.StartsWith(part, StringComparison.Ordinal))
            {
                (lo, best) = (mid, part);
            }
            else
            {
                hi = mid - 1;
            }
        }

        best.CopyTo(destination);
        (idsConsumed, charsWritten) = (lo, best.Length);
        return OperationStatus.DestinationTooSmall;
    }

    private static bool IsPlain(EncodeSettings settings) => settings.ConsiderNormalization && settings.ConsiderPreTokenization;

    /// <summary>How many tokens from the start fit in <paramref name="max"/> and end on a clean cut.</summary>
    private static int KeptFromStart(List<EncodedToken> tokens, int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (tokens.Count <= max)
        {
            return tokens.Count;
        }

        var kept = max;
        while (kept > 0 && !IsCleanCut(tokens, kept))
        {
            kept--;
        }

        return kept;
    }

    /// <summary>Whether tokens before <paramref name="index"/> and from it share no character.</summary>
    private static bool IsCleanCut(List<EncodedToken> tokens, int index) =>
        tokens[index].Offset.Start.Value >= tokens[index - 1].Offset.End.Value;
}
