namespace TokenClean.Scoring.Models;

/// <summary>An architecture's forward pass up to the final norm; the LM head and loss are shared.</summary>
internal interface IDecoder : IDisposable
{
    /// <summary>Output projection [V, H] (the embedding when tied).</summary>
    Tensor LmHead { get; }

    /// <summary>Final hidden states [N, H] for int64 <paramref name="ids"/> [N] at <paramref name="positions"/> [N].</summary>
    Tensor Forward(Tensor ids, Tensor positions, int maxPosition, AttentionLayout layout);
}
