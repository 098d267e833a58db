using System.Text.Json.Nodes;
using TokenClean.Core.Samples;
using TokenClean.Core.Sources;
using TokenClean.Service.StreamTraining;
using TokenClean.Service.Tests.Refresh;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Training;

namespace TokenClean.Service.Tests.StreamTraining;

/// <summary>
/// A tiny Llama base (outside the root), an empty reference root, and a lake that tests fill with cleaned rows the
/// way serve's lake sink writes them (DataLakeSink: temporary file, fsync, rename).
/// </summary>
public sealed class StreamTrainingFixture : IDisposable
{
    public static readonly OutputMetadata Metadata = new("tok", "hash", "window", 0.6, "test");
    private readonly CheckpointRoot _ckpt = new();
    private readonly Dictionary<int, long> _nextOffset = [];

    public string BaseDir => _ckpt.BaseDir;

    public string Root => _ckpt.Root;

    public string Dir => _ckpt.Dir;

    public string LakeRoot => Path.Combine(_ckpt.Dir, "lake");

    public string Dataset => Path.Combine(LakeRoot, "cleaned");

    public CheckpointRoot Checkpoints => _ckpt;

    /// <summary>Fast training settings: LoRA r 4 on two projections, one epoch, batch 2.</summary>
    public StreamTrainerOptions Options(int rowsPerVersion, int? maxVersions = 1, string? root = null) => new()
    {
        BaseDirectory = BaseDir,
        ReferenceRoot = root ?? Root,
        RowsPerVersion = rowsPerVersion,
        MaxVersions = maxVersions,
        PollInterval = TimeSpan.FromMilliseconds(30),
        StateDirectory = Path.Combine(Dir, "state"),
        Training = new TrainingOptions { LoraRank = 4, LoraTargets = ["q_proj", "v_proj"], BatchSize = 2, LearningRate = 1e-2, WarmupRatio = 0, MaxLength = 64 },
    };

    /// <summary>A cleaned row of <paramref name="partition"/> at its next offset; unlearnable = every label -100.</summary>
    public OutputRecord Row(int partition, string scoredBy, bool learnable = true)
    {
        var offset = _nextOffset.GetValueOrDefault(partition);
        _nextOffset[partition] = offset + 1;
        var rng = new Random((partition * 1000) + (int)offset);
        var ids = Enumerable.Range(0, 12).Select(_ => rng.Next(1, 128)).ToArray();
        var labels = ids.Select((t, j) => learnable && j >= 4 && j % 3 != 0 ? t : TokenizedSample.IgnoreLabel).ToArray();
        return new OutputRecord
        {
            SampleId = $"p{partition}-o{offset}",
            SourceTopic = "sft",
            SourcePartition = partition,
            SourceOffset = offset,
            InputIds = ids,
            Labels = labels,
            Influence = new float[ids.Length],
            ResponseTokens = 8,
            KeptTokens = labels.Count(l => l != TokenizedSample.IgnoreLabel),
            RefModelVersion = scoredBy,
            BaseModel = "base",
            Threshold = 0.5f,
            ScoredAt = DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>Commits <paramref name="rows"/> to the lake as serve would: one file per source partition.</summary>
    public void WriteLake(IEnumerable<OutputRecord> rows)
    {
        using var sink = DataLakeSink.Open(new LakeOptions { Root = LakeRoot, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, Metadata);
        foreach (var r in rows)
        {
            sink.Append(SourcePartition.Kafka(r.SourceTopic!, r.SourcePartition!.Value), r.SourceOffset!.Value, r);
        }

        sink.Flush();
    }

    /// <summary>The sample ids a published version lists as trained on, in order.</summary>
    public static List<string> TrainedIds(string versionDir) =>
        Rows(versionDir).Where(r => r["trained"]!.GetValue<bool>()).Select(r => r["sample_id"]!.GetValue<string>()).ToList();

    public static List<JsonObject> Rows(string versionDir) =>
        ReferenceRootView.Manifest(versionDir)!["rows"]!.AsArray().Select(n => n!.AsObject()).ToList();

    public void Dispose() => _ckpt.Dispose();
}
