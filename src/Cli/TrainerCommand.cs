using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Service.StreamTraining;
using TokenClean.Training;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean trainer</c>: the streaming form of the self-evolving loop. Follows the cleaned output (the lake or
/// the Kafka output topic), fine-tunes the newest reference version on every N new learnable rows and publishes the
/// next version into the reference root that serve's <c>--ref-root</c> watches (marker last, renamed into place),
/// announcing it on the control topic. Restarts continue after the rows of the newest published version.
/// </summary>
/// <remarks>Progress lines go to stderr; a JSON summary line to stdout at the end. Exit 0: --max-versions published or
/// stopped by SIGTERM/Ctrl+C between rounds/steps (restart continues); 2: bad arguments or unusable model/rows;
/// 1: publishing failed (disk full, permissions) — nothing half-visible is left.</remarks>
internal static class TrainerCommand
{
    public static Command Create()
    {
        var defaults = new StreamTrainerOptions { BaseDirectory = "", ReferenceRoot = "" };
        var baseDir = new Option<string>("--base") { Description = "The model the first version is trained from when --ref-root holds no complete version yet (serve's --base, or a warm-up reference).", Required = true };
        var refRoot = new Option<string>("--ref-root") { Description = "The reference root serve's --ref-root watches: each version is trained from the newest complete one there and published next to it.", Required = true };
        var lake = new Option<string?>("--lake") { Description = "Follow this data lake root (serve's --lake): committed files of <lake>/<dataset>/date=*/." };
        var dataset = new Option<string>("--dataset") { Description = "Dataset folder under --lake.", DefaultValueFactory = _ => "cleaned" };
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers (host:port,...), for --output-topic and --ref-control-topic." };
        var topic = new Option<string?>("--output-topic") { Description = "Follow this Kafka output topic (serve's --output-topic: Arrow IPC messages) instead of a lake." };
        var group = new Option<string>("--group") { Description = "The trainer's own consumer group on --output-topic (committed after each published version).", DefaultValueFactory = _ => "tokenclean-trainer" };
        var properties = new Option<string[]>("--kafka-property") { Description = "librdkafka setting KEY=VALUE, repeatable (SASL/SSL).", AllowMultipleArgumentsPerToken = false };
        var control = new Option<string?>("--ref-control-topic") { Description = "Announce each version on this Kafka topic (serve's --ref-control-topic); default: serve finds it by polling the root." };
        var rows = new Option<int>("--rows-per-version") { Description = "Learnable cleaned rows (with at least one kept token) per published version.", DefaultValueFactory = _ => defaults.RowsPerVersion };
        var first = new Option<string>("--first-version") { Description = "Name of the first version when --ref-root holds none; later names count up the newest one's trailing number.", DefaultValueFactory = _ => defaults.FirstVersion };
        var poll = new Option<double>("--poll-seconds") { Description = "Seconds to wait between looks for new rows when none are there.", DefaultValueFactory = _ => defaults.PollInterval.TotalSeconds };
        var maxVersions = new Option<int?>("--max-versions") { Description = "Stop after publishing this many versions (default: run until stopped)." };
        var stateDir = new Option<string?>("--state-dir") { Description = "The trainer's state (a mirror of the cursor; default <ref-root>/.tokenclean-trainer, hidden from serve)." };
        var training = new TrainingOptionSet();
        var command = new Command("trainer", "Follow the cleaned output, fine-tune the reference on every N new rows and publish versions into the reference root serve refreshes from.")
        {
            baseDir, refRoot, lake, dataset, kafka, topic, group, properties, control, rows, first, poll, maxVersions, stateDir,
        };
        training.AddTo(command, withSaveEvery: false);
        command.SetAction(parse =>
        {
            var err = parse.InvocationConfiguration.Error;
            if (training.Read(parse, out var error) is not { } options)
            {
                return Fail(err, error!);
            }

            var lakeRoot = parse.GetValue(lake);
            var outputTopic = parse.GetValue(topic);
            var brokers = parse.GetValue(kafka);
            if ((lakeRoot is null) == (outputTopic is null))
            {
                return Fail(err, "give exactly one of --lake and --output-topic (rows written to both would be trained twice)");
            }

            if ((outputTopic is not null || parse.GetValue(control) is not null) && string.IsNullOrWhiteSpace(brokers))
            {
                return Fail(err, "--output-topic and --ref-control-topic need --kafka");
            }

            var props = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(properties) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return Fail(err, $"--kafka-property expects KEY=VALUE, got '{pair}'");
                }

                props[pair[..eq]] = pair[(eq + 1)..];
            }

            if (!File.Exists(Path.Combine(parse.GetValue(baseDir)!, "config.json")))
            {
                return Fail(err, $"base model '{parse.GetValue(baseDir)}' not found: expected a directory with config.json and model.safetensors");
            }

            var settings = new StreamTrainerOptions
            {
                BaseDirectory = parse.GetValue(baseDir)!,
                ReferenceRoot = Path.GetFullPath(parse.GetValue(refRoot)!),
                RowsPerVersion = parse.GetValue(rows),
                Training = options,
                StateDirectory = parse.GetValue(stateDir),
                FirstVersion = parse.GetValue(first)!,
                PollInterval = TimeSpan.FromSeconds(Math.Max(0.01, parse.GetValue(poll))),
                MaxVersions = parse.GetValue(maxVersions),
                ControlTopic = parse.GetValue(control) is { } c ? new AnnouncementTopic(brokers!, c, props) : null,
            };
            Func<StreamCursor, ICleanedRowSource> open = lakeRoot is not null
                ? cursor => new LakeRowSource(Path.Combine(lakeRoot, parse.GetValue(dataset)!), cursor)
                : cursor => new KafkaRowSource(new KafkaRowSourceOptions { BootstrapServers = brokers!, Topic = outputTopic!, GroupId = parse.GetValue(group)!, Properties = props }, cursor);

            using var stop = new CancellationTokenSource();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Stop(ctx, stop));
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Stop(ctx, stop));
            return Execute(settings, open, parse.InvocationConfiguration.Output, err, stop.Token);
        });
        return command;
    }

    private static int Execute(StreamTrainerOptions settings, Func<StreamCursor, ICleanedRowSource> open, TextWriter stdout, TextWriter err, CancellationToken ct)
    {
        StreamTrainer trainer;
        try
        {
            trainer = new StreamTrainer(settings, line => err.WriteLine(line));
        }
        catch (ArgumentException e)
        {
            return Fail(err, e.Message);
        }

        var exit = 0;
        try
        {
            trainer.Run(open, ct);
        }
        catch (OperationCanceledException)
        {
            err.WriteLine("stopped; nothing half-published: a restart continues after the newest published version's rows");
        }
        catch (Exception e) when (e is TrainingException or CheckpointException or InvalidDataException)
        {
            exit = Fail(err, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            err.WriteLine($"error: publishing failed, no new version is visible and its rows stay unused: {e.Message}");
            exit = 1;
        }

        stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["ref_root"] = settings.ReferenceRoot,
            ["versions_published"] = trainer.VersionsPublished,
            ["rows_seen"] = trainer.RowsSeen,
            ["exit"] = exit,
        }));
        return exit;
    }

    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }

    private static int Fail(TextWriter err, string message)
    {
        err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: {message}"));
        return 2;
    }
}
