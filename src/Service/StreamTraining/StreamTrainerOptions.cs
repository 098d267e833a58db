using TokenClean.Training;

namespace TokenClean.Service.StreamTraining;

/// <summary>Settings of the streaming trainer (docs/TRAINING.md, "The streaming trainer").</summary>
public sealed record StreamTrainerOptions
{
    /// <summary>The model the first version is trained from when the reference root holds no complete version yet.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>The reference root serve's refresher watches (<c>--ref-root</c>): versions are published into it.</summary>
    public required string ReferenceRoot { get; init; }

    /// <summary>Learnable cleaned rows per published version.</summary>
    public int RowsPerVersion { get; init; } = 1000;

    /// <summary>The hyperparameters of each version's fine-tuning (the train command's).</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>The trainer's own state (a mirror of the cursor); default <c>&lt;root&gt;/.tokenclean-trainer</c>, hidden from the refresher.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Name of the first version when the root holds none (a newest version's trailing number is counted on otherwise).</summary>
    public string FirstVersion { get; init; } = "stream-000001";

    /// <summary>Announce each version on this control topic (the refresher's format); null = the refresher's polling finds it.</summary>
    public AnnouncementTopic? ControlTopic { get; init; }

    /// <summary>How long one look for new rows waits when nothing new is there.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop after publishing this many versions (null = run until cancelled).</summary>
    public int? MaxVersions { get; init; }

    /// <summary>The training device.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Test seam: called at each stage of a round; throwing there stands for the process dying at that point.</summary>
    internal Action<StreamTrainerStage, string>? Fault { get; init; }

    public string StateDirectoryOrDefault => StateDirectory ?? Path.Combine(ReferenceRoot, ".tokenclean-trainer");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Training.Validate();
        if (RowsPerVersion < 1)
        {
            throw new ArgumentException($"rows per version must be at least 1, not {RowsPerVersion}");
        }

        if (MaxVersions is < 1)
        {
            throw new ArgumentException($"max versions must be at least 1, not {MaxVersions}");
        }

        if (string.IsNullOrWhiteSpace(FirstVersion) || FirstVersion.StartsWith('.') || FirstVersion.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"first version '{FirstVersion}' is not a plain, visible directory name");
        }
    }
}

/// <summary>A Kafka topic to announce versions on.</summary>
public sealed record AnnouncementTopic(string BootstrapServers, string Topic, IReadOnlyDictionary<string, string>? Properties = null);

/// <summary>The points of a round at which a crash leaves distinct traces (docs/TRAINING.md lists what a restart does).</summary>
public enum StreamTrainerStage
{
    /// <summary>After each optimizer step (killed mid-training).</summary>
    TrainingStep,

    /// <summary>The version is complete in its hidden staging folder, not yet renamed (killed mid-publish).</summary>
    Staged,

    /// <summary>The version is visible under its name; the state mirror and announcement are not written yet.</summary>
    Published,

    /// <summary>The state mirror is written; the announcement and the group commit are not.</summary>
    CursorSaved,
}
