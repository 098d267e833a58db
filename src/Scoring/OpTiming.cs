namespace TokenClean.Scoring;

/// <summary>Wall time spent in one native export (e.g. <c>tc_nn_linear</c>) while profiling was on.</summary>
public readonly record struct OpTiming(string Op, long Calls, double Seconds);
