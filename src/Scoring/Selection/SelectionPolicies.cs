namespace TokenClean.Scoring.Selection;

/// <summary>
/// The one factory of selection policies, from plain values (what <c>serve</c>'s settings and <c>clean</c>'s options
/// hold). Mode names: <see cref="Global"/>, <see cref="Window"/>, <see cref="PerSample"/>, <see cref="Quantile"/>,
/// <see cref="Threshold"/>; the options of <see cref="SelectionOptions"/> (minimum kept per sample, soft weights)
/// apply on top of any of them.
/// </summary>
public static class SelectionPolicies
{
    /// <summary>One window over the whole input (only where the whole input is seen: <c>clean</c>).</summary>
    public const string Global = "global";

    /// <summary>Global top-k over windows of samples and, optionally, tokens.</summary>
    public const string Window = "window";

    /// <summary>Each sample ranked on its own (Rho-1 style).</summary>
    public const string PerSample = "per-sample";

    /// <summary>Top k of everything so far, by a quantile sketch (<see cref="StreamingQuantilePolicy"/>): no windows.</summary>
    public const string Quantile = "quantile";

    /// <summary>Keep every token whose influence is at least a fixed threshold (<see cref="ThresholdPolicy"/>).</summary>
    public const string Threshold = "threshold";

    /// <summary>True when <paramref name="mode"/> is one of the mode names.</summary>
    public static bool IsMode(string? mode) => mode is Global or Window or PerSample or Quantile or Threshold;

    /// <summary>A new policy with the options that apply on top of it (minimum per sample, soft weights).</summary>
    /// <exception cref="ArgumentException">An unknown mode, or <see cref="Threshold"/> without a threshold.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A ratio outside [0, 1], a window of fewer than 1 sample, a negative
    /// minimum, a temperature that is not positive.</exception>
    public static ISelectionPolicy Create(SelectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var policy = options.Mode == Threshold
            ? new ThresholdPolicy(options.Threshold ?? throw new ArgumentException($"selection mode '{Threshold}' needs a threshold", nameof(options)))
            : Create(options.Mode, options.KeepRatio, options.WindowSamples, options.WindowTokens);
        return options.MinKeptPerSample > 0 || options.SoftWeightTemperature is not null
            ? new AdjustedSelectionPolicy(policy, options.MinKeptPerSample, options.SoftWeightTemperature)
            : policy;
    }

    /// <summary>A new policy.</summary>
    /// <param name="mode"><see cref="Global"/>, <see cref="Window"/>, <see cref="PerSample"/> or <see cref="Quantile"/>.</param>
    /// <param name="keepRatio">Fraction of response tokens to keep, in [0, 1].</param>
    /// <param name="windowSamples">Most samples per window (<see cref="Window"/> only).</param>
    /// <param name="windowTokens">Most candidate tokens per window; 0 = no token limit (<see cref="Window"/> only).</param>
    /// <exception cref="ArgumentException">An unknown mode.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A ratio outside [0, 1], or a window of fewer than 1 sample.</exception>
    public static ISelectionPolicy Create(string mode, double keepRatio, int windowSamples = 1024, long windowTokens = 0) => mode switch
    {
        Global => WindowedSelectionPolicy.Global(keepRatio),
        Window => WindowedSelectionPolicy.Window(keepRatio, windowSamples, windowTokens > 0 ? windowTokens : long.MaxValue),
        PerSample => WindowedSelectionPolicy.PerSample(keepRatio),
        Quantile => StreamingQuantilePolicy.Create(keepRatio),
        Threshold => throw new ArgumentException($"selection mode '{Threshold}' needs a threshold: use Create(SelectionOptions)", nameof(mode)),
        _ => throw new ArgumentException($"unknown selection mode '{mode}': expected {Global}, {Window}, {PerSample}, {Quantile} or {Threshold}", nameof(mode)),
    };
}
