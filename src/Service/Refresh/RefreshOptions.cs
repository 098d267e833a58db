using TokenClean.Scoring;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Refresh;

/// <summary>Settings of <see cref="ModelRefresher"/>; docs/REFRESH.md describes each from the user's side.</summary>
public sealed record RefreshOptions
{
    /// <summary>The marker file name used when <see cref="MarkerFileName"/> is not set.</summary>
    public const string DefaultMarkerFileName = "_COMPLETE";

    /// <summary>Directory whose sub-directories are checkpoint versions: <c>&lt;root&gt;/&lt;version&gt;/config.json</c> + safetensors.</summary>
    public required string Root { get; init; }

    /// <summary>A version is complete (a candidate) only once this file exists in its directory; the trainer writes it last.</summary>
    public string MarkerFileName { get; init; } = DefaultMarkerFileName;

    /// <summary>How often the root is listed. <see cref="Timeout.InfiniteTimeSpan"/> = never (control topic only).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long <see cref="ModelRefresher.StartAsync"/> waits for a first usable version before it fails.
    /// Zero (the default) fails at once: a service started against an empty location is usually misconfigured.
    /// </summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Optional control topic; polling keeps running beside it.</summary>
    public ControlTopicOptions? ControlTopic { get; init; }

    /// <summary>The device each version is loaded on (when <see cref="Devices"/> is not set).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Several scorer devices: each version is loaded and probed on every one of them before it is swapped in (all
    /// together); <see cref="ModelRefresher.Acquire(int)"/> gives device i's copy. Null or empty = <see cref="Device"/> only.
    /// </summary>
    public IReadOnlyList<string>? Devices { get; init; }

    public DType DType { get; init; } = DType.Float32;

    public ScoringOptions? ScoringOptions { get; init; }

    /// <summary>Token sequences run through every candidate; null = <see cref="ReferenceValidator.DefaultProbe"/>.</summary>
    public IReadOnlyList<int[]>? ProbeSequences { get; init; }
}
