namespace TokenClean.Scoring.Selection;

/// <summary>
/// What <see cref="SelectionPolicies.Create(SelectionOptions)"/> builds: a policy (<see cref="Mode"/>) and the options
/// that apply on top of any policy (<see cref="MinKeptPerSample"/>, <see cref="SoftWeightTemperature"/>). The plain
/// values <c>clean</c>'s and <c>evolve</c>'s options and <c>serve</c>'s settings hold.
/// </summary>
public sealed record SelectionOptions
{
    /// <summary><see cref="SelectionPolicies.Global"/>, <see cref="SelectionPolicies.Window"/>, <see cref="SelectionPolicies.PerSample"/>,
    /// <see cref="SelectionPolicies.Quantile"/> or <see cref="SelectionPolicies.Threshold"/>.</summary>
    public string Mode { get; init; } = SelectionPolicies.Global;

    /// <summary>Fraction of response tokens to keep, in [0, 1] (every mode but <see cref="SelectionPolicies.Threshold"/>).</summary>
    public double KeepRatio { get; init; } = 0.6;

    /// <summary>Most samples per window (<see cref="SelectionPolicies.Window"/> only).</summary>
    public int WindowSamples { get; init; } = 1024;

    /// <summary>Most candidate tokens per window; 0 = no token limit (<see cref="SelectionPolicies.Window"/> only).</summary>
    public long WindowTokens { get; init; }

    /// <summary>The fixed influence threshold of <see cref="SelectionPolicies.Threshold"/>: tokens with influence ≥ it are kept.</summary>
    public double? Threshold { get; init; }

    /// <summary>Every sample keeps at least this many of its highest-influence tokens (fewer only when it has fewer); 0 = off.</summary>
    public int MinKeptPerSample { get; init; }

    /// <summary>Temperature (nats) of the soft-weight map <see cref="SoftWeights"/>; null = no <c>soft_weight</c> column.</summary>
    public double? SoftWeightTemperature { get; init; }
}
