namespace TokenClean.Service.Observability;

/// <summary>How full recent scored batches were (tokens over the batch token budget).</summary>
/// <param name="Batches">Batches the mean covers (the most recent ones, bounded).</param>
/// <param name="Mean">Mean fill in [0, 1]; null when no batch was scored.</param>
public sealed record BatchFillStatus(int Batches, double? Mean);
