namespace TokenClean.Scoring.Models;

/// <summary>
/// How the rows of a forward pass are arranged: packed variable-length segments (offsets <see cref="CuSeqlens"/>)
/// or <see cref="Batch"/> right-padded rows of equal length.
/// </summary>
internal sealed record AttentionLayout(bool Packed, long[] CuSeqlens, long Batch)
{
    public Tensor Attend(Tensor q, Tensor k, Tensor v, double scale, long window) =>
        Packed ? Tensor.AttentionPacked(q, k, v, CuSeqlens, scale, window) : Tensor.AttentionPadded(q, k, v, Batch, scale, window);
}
