using TokenClean.Scoring.Kernels;
using TokenClean.Scoring.Models;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Generation;

/// <summary>
/// Greedy decoding over a loaded <see cref="CausalLm"/>: the most probable next token, appended until a stop token or
/// a length limit. For evaluating small fine-tuned models (exact-match accuracy); no KV cache, so each new token
/// re-runs the prefix — fine for short answers, not a serving path.
/// </summary>
/// <remarks>One thread at a time per model (it runs outside the model's scoring lock). Ties go to the lowest id.</remarks>
public static class GreedyDecoder
{
    /// <summary>
    /// Continues every prompt of <paramref name="prompts"/> greedily by up to <paramref name="maxNewTokens"/> tokens,
    /// stopping a sequence after it emits <paramref name="stopToken"/> (included in its output). Returns only the new
    /// tokens, one array per prompt. All prompts run as one right-padded batch per step (padding after a sequence
    /// never changes a causal model's prediction at its last position).
    /// </summary>
    public static int[][] Generate(CausalLm model, IReadOnlyList<int[]> prompts, int maxNewTokens, int? stopToken = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        var sequences = prompts.Select(p => new List<int>(p ?? throw new ArgumentException("a prompt is null", nameof(prompts)))).ToArray();
        if (sequences.Any(s => s.Count == 0))
        {
            throw new ArgumentException("every prompt needs at least one token", nameof(prompts));
        }

        var generated = prompts.Select(_ => new List<int>()).ToArray();
        var active = Enumerable.Range(0, sequences.Length).ToList();
        for (var step = 0; step < maxNewTokens && active.Count > 0; step++)
        {
            active.RemoveAll(i => sequences[i].Count >= model.MaxSequenceLength);
            if (active.Count == 0)
            {
                break;
            }

            var next = NextTokens(model, active.Select(i => sequences[i]).ToArray());
            var still = new List<int>(active.Count);
            for (var a = 0; a < active.Count; a++)
            {
                var i = active[a];
                sequences[i].Add(next[a]);
                generated[i].Add(next[a]);
                if (next[a] != stopToken)
                {
                    still.Add(i);
                }
            }

            active = still;
        }

        return generated.Select(g => g.ToArray()).ToArray();
    }

    /// <summary>The argmax of the next-token distribution after each of <paramref name="prefixes"/>.</summary>
    public static int[] NextTokens(CausalLm model, IReadOnlyList<IReadOnlyList<int>> prefixes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prefixes);
        if (prefixes.Count == 0)
        {
            return [];
        }

        var maxLen = prefixes.Max(p => p.Count);
        var ids = new long[prefixes.Count * maxLen];
        var positions = new long[ids.Length];
        var last = new long[prefixes.Count];
        var cu = new long[prefixes.Count + 1];
        for (var b = 0; b < prefixes.Count; b++)
        {
            var p = prefixes[b];
            for (var j = 0; j < maxLen; j++)
            {
                var token = j < p.Count ? p[j] : 0;
                if ((uint)token >= (uint)model.VocabSize)
                {
                    throw new ArgumentException($"token {token} is outside the vocabulary [0, {model.VocabSize})", nameof(prefixes));
                }

                ids[(b * maxLen) + j] = token;
                positions[(b * maxLen) + j] = j;
            }

            last[b] = (b * maxLen) + p.Count - 1;
            cu[b + 1] = cu[b] + maxLen;
        }

        var device = Torch.ToDevice(model.Device);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Only each prefix's last row is needed: the last layer runs past attention on those rows alone.
        var hidden = model.Module.Hidden(tensor(ids, device: device), tensor(positions, device: device), maxLen - 1, new AttentionLayout(false, cu, prefixes.Count), keep: tensor(last, device: device));
        var logits = Bf16Products.Linear(hidden, model.Module.LmHeadWeight).to(ScalarType.Float32);
        var best = logits.argmax(-1).cpu().to(ScalarType.Int64);
        return best.data<long>().ToArray().Select(v => (int)v).ToArray();
    }
}
