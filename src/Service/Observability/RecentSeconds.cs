namespace TokenClean.Service.Observability;

/// <summary>Per-second counts over the last minute (the status page's sparklines), oldest first, the current second last.</summary>
/// <param name="Samples">Samples that left the pipeline in each second.</param>
/// <param name="Tokens">Tokens scored in each second.</param>
public sealed record RecentSeconds(IReadOnlyList<long> Samples, IReadOnlyList<long> Tokens);
