namespace TokenClean.Service.Cleaning;

/// <summary>What a <c>clean</c> run did, as printed and written to the manifest.</summary>
internal sealed record CleanSummary
{
    public long Lines { get; set; }

    public long Written { get; set; }

    public long Rejected { get; set; }

    public long ResponseTokens { get; set; }

    public long KeptTokens { get; set; }

    /// <summary>Sum of the influence of every scored response token (for the mean).</summary>
    public double InfluenceSum { get; set; }

    /// <summary>Sum of the influence of the kept tokens.</summary>
    public double KeptInfluenceSum { get; set; }

    public double MeanInfluence => ResponseTokens == 0 ? double.NaN : InfluenceSum / ResponseTokens;

    public double MeanKeptInfluence => KeptTokens == 0 ? double.NaN : KeptInfluenceSum / KeptTokens;

    /// <summary>Every token fed to the models (prompt included).</summary>
    public long ScoredTokens { get; set; }

    public double ScoringSeconds { get; set; }

    /// <summary>Lowest and highest selection threshold over the groups (equal for global selection); NaN when none.</summary>
    public float ThresholdMin { get; set; } = float.NaN;

    public float ThresholdMax { get; set; } = float.NaN;

    public double KeepRatio => ResponseTokens == 0 ? 0 : (double)KeptTokens / ResponseTokens;

    public double TokensPerSecond => ScoringSeconds <= 0 ? 0 : ScoredTokens / ScoringSeconds;

    public string OutputPath { get; set; } = "";

    public string DeadLetterPath { get; set; } = "";
}
