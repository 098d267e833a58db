using static TorchSharp.torch;

namespace TokenClean.Scoring.Models;

/// <summary>
/// Per-row cross-entropy, log Σ exp(logits) − logits[target], computed in place in a float32 logits buffer. It is
/// cross_entropy(reduction: none) without its [rows, vocab] temporaries (log_softmax's output), which at ~1k rows
/// and a 32k vocabulary are 131 MB mapped and page-faulted per call.
/// </summary>
internal static class TokenLoss
{
    /// <summary>
    /// The loss [rows] of float32 <paramref name="logits"/> [rows, vocab] at int64 <paramref name="targets"/> [rows];
    /// <paramref name="logits"/> is overwritten (with exp(logits − row max)). No autograd: inference only.
    /// </summary>
    public static Tensor InPlace(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = NewDisposeScope();
        var target = logits.gather(1, targets.unsqueeze(1));
        var max = logits.amax([1], keepdim: true);
        logits.sub_(max).exp_();
        var loss = logits.sum([1], keepdim: true).log_().add_(max).sub_(target).squeeze(1);
        return loss.MoveToOuterDisposeScope();
    }
}
