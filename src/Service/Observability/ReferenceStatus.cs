namespace TokenClean.Service.Observability;

/// <summary>The reference model now serving and how the refresh has gone.</summary>
/// <param name="Version">The version scoring new batches (<c>none</c> before the first).</param>
/// <param name="RefreshesAccepted">Checkpoints swapped in since start.</param>
/// <param name="RefreshesRejected">Checkpoints refused since start (corrupt, incompatible).</param>
/// <param name="LastRefresh">The last checkpoint examined; null before the first.</param>
public sealed record ReferenceStatus(string Version, long RefreshesAccepted, long RefreshesRejected, ReferenceRefresh? LastRefresh);
