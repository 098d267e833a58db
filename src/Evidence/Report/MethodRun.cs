using TokenClean.Evidence.Metrics;

namespace TokenClean.Evidence.Report;

/// <summary>One trained model of the benchmark: which method, in which setting, and what it scored.</summary>
/// <param name="Seed">World and training seed.</param>
/// <param name="NoiseRate">Share of answer tokens corrupted in the pool.</param>
/// <param name="Keep">Keep ratio asked of the selection (NaN for methods without one: full, oracle, the base and the reference).</param>
/// <param name="Method">Method name (see docs/EVIDENCE.md).</param>
/// <param name="Score">Held-out accuracy and answer loss.</param>
/// <param name="Mask">Quality of the training mask against the ground truth (null for the base and the reference).</param>
/// <param name="Seconds">Wall time of cleaning, training and evaluating this model.</param>
public sealed record MethodRun(long Seed, double NoiseRate, double Keep, string Method, TaskScore Score, MaskQuality? Mask, double Seconds);
