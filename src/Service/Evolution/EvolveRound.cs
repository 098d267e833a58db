namespace TokenClean.Service.Evolution;

/// <summary>
/// What one round of <c>evolve</c> did (chunk t scored with θ0 and θ(t−1), cleaned, θt trained). Written to
/// OUT/rounds/round-&lt;t&gt;.json as the round's last act, so its presence means the round is complete and a rerun
/// reuses it; collected into OUT/evolve-summary.json. Null numbers: not applicable (nothing kept, no training).
/// </summary>
internal sealed record EvolveRound
{
    public int Round { get; init; }

    /// <summary>First record of the chunk (0-based, blank lines not counted) and how many it has.</summary>
    public long FirstRecord { get; init; }

    public long Records { get; init; }

    /// <summary>The reference version that scored the chunk (rows name it in ref_model_version) and its directory.</summary>
    public required string ReferenceVersion { get; init; }

    public required string ReferencePath { get; init; }

    /// <summary>The cleaned chunk (Arrow IPC stream, base_loss/ref_loss included), its manifest and dead letters.</summary>
    public required string Output { get; init; }

    public long SamplesWritten { get; init; }

    public long SamplesRejected { get; init; }

    public long ResponseTokens { get; init; }

    public long KeptTokens { get; init; }

    public double KeptRatio { get; init; }

    public double? MeanInfluence { get; init; }

    public double? MeanKeptInfluence { get; init; }

    public double? Threshold { get; init; }

    /// <summary>Records whose base losses ran the base model in this round, and those read from the store.</summary>
    public long BasePassesComputed { get; init; }

    public long BasePassesReused { get; init; }

    public double BaseForwardSeconds { get; init; }

    public double ScoringSeconds { get; init; }

    /// <summary>The version trained on the cleaned chunk (null when the round trained nothing) and its directory.</summary>
    public string? TrainedVersion { get; init; }

    public string? TrainedPath { get; init; }

    public int? TrainingSamples { get; init; }

    public int? TrainingSteps { get; init; }

    public double? TrainingLossFirst { get; init; }

    public double? TrainingLossLast { get; init; }

    public double TrainingSeconds { get; init; }

    /// <summary>Why nothing was trained (null when it was).</summary>
    public string? Skipped { get; init; }
}
