using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokenClean.Core.Files;
using TokenClean.Scoring.Models;
using TokenClean.Service.Refresh;
using TokenClean.Training;

namespace TokenClean.Service.StreamTraining;

/// <summary>
/// The self-evolving loop's trainer, streaming form: follows the cleaned output, fine-tunes the newest reference
/// version on every <see cref="StreamTrainerOptions.RowsPerVersion"/> new learnable rows and publishes the result as
/// the next version into the reference root (complete checkpoint, marker inside, renamed into place last), then
/// announces it on the control topic. Each version carries a manifest of the rows it was trained on and the cursor
/// after them, so a restarted trainer continues with the next row: no row is trained twice or skipped.
/// </summary>
/// <remarks>
/// Crash windows (docs/TRAINING.md): killed while training → nothing visible, the round is trained again from the
/// same rows; killed while publishing → only a hidden staging folder, deleted at the next start, the round trained
/// again; killed after the rename → the version is complete and its manifest holds the cursor, the next start
/// continues after it and announces it again. One thread; <see cref="Run"/> blocks until cancelled or done.
/// </remarks>
public sealed class StreamTrainer
{
    private const string StagingSuffix = ".staging";
    private const string CursorFile = "cursor.json";
    private readonly StreamTrainerOptions _options;
    private readonly Action<string> _progress;

    public StreamTrainer(StreamTrainerOptions options, Action<string>? progress = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _progress = progress ?? (_ => { });
    }

    /// <summary>Rows read from the source by this run (learnable or not).</summary>
    public long RowsSeen { get; private set; }

    /// <summary>Versions published by this run.</summary>
    public int VersionsPublished { get; private set; }

    /// <summary>
    /// Where a (re)started trainer continues: the cursor in the manifest of the newest version the trainer published
    /// into the root, else the state directory's mirror (versions removed by retention), else the start of the stream.
    /// Also deletes staging folders a killed publish left behind.
    /// </summary>
    public StreamCursor Recover(out string? fromVersion)
    {
        var root = _options.ReferenceRoot;
        Directory.CreateDirectory(root);
        foreach (var dir in Directory.EnumerateDirectories(root, "." + "*" + StagingSuffix + "*"))
        {
            Directory.Delete(dir, recursive: true); // a publish that died: never visible, its rows were not used
            _progress($"removed the unfinished publish {Path.GetFileName(dir)} (its rows will be trained again)");
        }

        foreach (var (name, path) in Enumerable.Reverse(ReferenceRootView.CompleteVersions(root)))
        {
            if (ReferenceRootView.Manifest(path) is { } manifest)
            {
                fromVersion = name;
                return StreamCursor.FromJson(manifest["cursor_after"]);
            }
        }

        var mirror = Path.Combine(_options.StateDirectoryOrDefault, CursorFile);
        if (File.Exists(mirror))
        {
            var saved = JsonNode.Parse(File.ReadAllText(mirror))!;
            fromVersion = saved["version"]?.GetValue<string>();
            return StreamCursor.FromJson(saved["cursor"]);
        }

        fromVersion = null;
        return StreamCursor.Empty;
    }

    /// <summary>
    /// Runs rounds until <see cref="StreamTrainerOptions.MaxVersions"/> versions are published or
    /// <paramref name="cancellationToken"/> fires (then <see cref="OperationCanceledException"/>; nothing half-visible).
    /// </summary>
    /// <param name="openSource">Opens the row source at the recovered cursor.</param>
    /// <param name="cancellationToken">Checked while waiting for rows and between optimizer steps.</param>
    /// <exception cref="TrainingException">The rows do not fit the model, or the loss diverged (nothing published).</exception>
    /// <exception cref="IOException">Publishing failed (disk full, permissions): no version became visible.</exception>
    public int Run(Func<StreamCursor, ICleanedRowSource> openSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openSource);
        var cursor = Recover(out var resumedAfter);
        using var source = openSource(cursor);
        using var announcer = _options.ControlTopic is { } topic ? new ControlTopicAnnouncer(topic) : null;
        _progress(resumedAfter is null
            ? $"trainer: following {source.Description} from its start; {_options.RowsPerVersion} rows per version into {_options.ReferenceRoot}"
            : $"trainer: following {source.Description} after the rows of {resumedAfter} (cursor {cursor}); {_options.RowsPerVersion} rows per version into {_options.ReferenceRoot}");
        if (resumedAfter is not null && announcer is not null)
        {
            Announce(announcer, resumedAfter, cancellationToken); // it may have died between the rename and the announcement
        }

        while (_options.MaxVersions is null || VersionsPublished < _options.MaxVersions)
        {
            var rows = Collect(source, cancellationToken);
            var after = cursor;
            foreach (var row in rows)
            {
                after = after.With(row.StreamKey, row.After);
            }

            var version = TrainAndPublish(rows, source.Description, cursor, after, cancellationToken);
            cursor = after;
            SaveMirror(version, cursor);
            _options.Fault?.Invoke(StreamTrainerStage.CursorSaved, version);
            if (announcer is not null)
            {
                Announce(announcer, version, cancellationToken);
            }

            source.Committed(cursor);
        }

        return VersionsPublished;
    }

    private List<CleanedRow> Collect(ICleanedRowSource source, CancellationToken ct)
    {
        var rows = new List<CleanedRow>();
        var learnable = 0;
        while (learnable < _options.RowsPerVersion)
        {
            ct.ThrowIfCancellationRequested();
            var got = source.Poll(_options.RowsPerVersion - learnable, _options.PollInterval, ct);
            if (got.Count == 0)
            {
                continue;
            }

            rows.AddRange(got);
            learnable += got.Count(r => r.Learnable);
            RowsSeen += got.Count;
            _progress($"rows {learnable}/{_options.RowsPerVersion} for the next version (rows seen {RowsSeen}, versions published {VersionsPublished})");
        }

        return rows;
    }

    private string TrainAndPublish(List<CleanedRow> rows, string from, StreamCursor before, StreamCursor after, CancellationToken ct)
    {
        var root = _options.ReferenceRoot;
        var versions = ReferenceRootView.CompleteVersions(root);
        var (parentName, parentDir) = versions.Count > 0 ? versions[^1] : ("base", _options.BaseDirectory);
        var version = ReferenceRootView.NextVersion(versions.Count > 0 ? versions[^1].Name : null, _options.FirstVersion);
        var samples = rows.Where(r => r.Learnable).Select(r => r.Sample).ToList();
        var scoredBy = rows.GroupBy(r => r.ScoredBy).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        _progress($"training {version} from {parentName} on {samples.Count} rows (scored by {string.Join(", ", scoredBy.Select(p => $"{(p.Key.Length == 0 ? "?" : p.Key)}: {p.Value}"))})");

        var clock = Stopwatch.StartNew();
        using var model = CausalLm.Load(parentDir, _options.Device, _options.Training.DType);
        using var trainer = new Trainer(model, _options.Training);
        var lastLine = Stopwatch.StartNew();
        var result = trainer.Train(samples, stateDirectory: null, saveEvery: 0, onStep: s =>
        {
            if (s.Step == s.TotalSteps || s.Step == 1 || lastLine.Elapsed >= TimeSpan.FromSeconds(1))
            {
                lastLine.Restart();
                _progress(string.Create(CultureInfo.InvariantCulture,
                    $"  {version} step {s.Step}/{s.TotalSteps} loss {s.Loss:F4} lr {s.LearningRate:0.00e+00} grad-norm {s.GradNorm:F3} tokens/s {s.TokensPerSecond:F0}"));
            }

            _options.Fault?.Invoke(StreamTrainerStage.TrainingStep, version);
        }, ct);
        if (!double.IsFinite(result.LastLoss))
        {
            throw new TrainingException($"training {version} from {parentName} diverged (loss {result.LastLoss}); nothing published, the rows stay unused");
        }

        var manifest = new JsonObject
        {
            ["version"] = version,
            ["parent"] = parentName,
            ["source"] = from,
            ["rows_per_version"] = _options.RowsPerVersion,
            ["cursor_before"] = before.ToJson(),
            ["cursor_after"] = after.ToJson(),
            ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["sample_id"] = r.Sample.Id,
                ["origin"] = r.Origin,
                ["scored_by"] = r.ScoredBy,
                ["trained"] = r.Learnable,
            }).ToArray()),
            ["trained_rows"] = samples.Count,
            ["first_loss"] = result.FirstLoss,
            ["last_loss"] = result.LastLoss,
            ["tokens"] = result.Tokens,
            ["tokens_per_second"] = Math.Round(result.TokensPerSecond, 1),
        };

        // Complete (marker inside) under a hidden name first, then renamed: the refresher sees all of it or nothing.
        var staging = Path.Combine(root, "." + version + StagingSuffix);
        trainer.Publish(parentDir, staging, new Dictionary<string, object?>(StringComparer.Ordinal) { [ReferenceRootView.StreamKey] = manifest });
        _options.Fault?.Invoke(StreamTrainerStage.Staged, version);
        var target = Path.Combine(root, version);
        Directory.Move(staging, target);
        DirectorySync.Fsync(root);
        VersionsPublished++;
        _options.Fault?.Invoke(StreamTrainerStage.Published, version);
        _progress(string.Create(CultureInfo.InvariantCulture,
            $"published {version} ({samples.Count} rows trained, {rows.Count - samples.Count} without kept tokens; loss {result.FirstLoss:F4} -> {result.LastLoss:F4}; {result.TokensPerSecond:F0} tokens/s; {clock.Elapsed.TotalSeconds:F1} s; rows seen {RowsSeen}, versions published {VersionsPublished})"));
        return version;
    }

    private void SaveMirror(string version, StreamCursor cursor)
    {
        var dir = _options.StateDirectoryOrDefault;
        Directory.CreateDirectory(dir);
        var json = new JsonObject { ["version"] = version, ["cursor"] = cursor.ToJson() }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(dir, CursorFile), s => s.Write(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    private void Announce(ControlTopicAnnouncer announcer, string version, CancellationToken ct)
    {
        var announcement = new VersionAnnouncement(version, Path.GetFullPath(Path.Combine(_options.ReferenceRoot, version)));
        try
        {
            announcer.Announce(announcement, ct);
            _progress($"announced {version} on {announcer.Topic.Topic}");
        }
        catch (Confluent.Kafka.KafkaException e)
        {
            _progress($"warning: announcing {version} on {announcer.Topic.Topic} failed ({e.Message}); serve's polling of the root still finds it");
        }
    }
}
