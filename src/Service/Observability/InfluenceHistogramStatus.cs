namespace TokenClean.Service.Observability;

/// <summary>The influences of every scored response token since start, in fixed bins (the status page draws it).</summary>
/// <param name="Min">Lower edge of bin 0, in nats.</param>
/// <param name="BinWidth">Width of each bin, in nats: bin i covers [Min + i·BinWidth, Min + (i+1)·BinWidth).</param>
/// <param name="Counts">Tokens per bin.</param>
/// <param name="Below">Tokens under <paramref name="Min"/>.</param>
/// <param name="Above">Tokens at or over the last bin's upper edge.</param>
public sealed record InfluenceHistogramStatus(double Min, double BinWidth, IReadOnlyList<long> Counts, long Below, long Above);
