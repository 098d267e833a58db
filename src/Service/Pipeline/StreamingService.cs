using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring;
using TokenClean.Scoring.Models;
using TokenClean.Service.Observability;
using TokenClean.Service.Refresh;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Kafka;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Scoring.Selection;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The hosted service behind <c>tokenclean serve</c>: loads tokenizer, template and base model, opens the lake and
/// the dead-letter sink, starts the <see cref="PipelineCore"/> (scorer actors + the graph, in the host's actor
/// system) between a <see cref="GraphInlet"/> and a <see cref="LakeSink"/>, and runs the <see cref="PartitionOwner"/>
/// on a dedicated thread until the host stops it (SIGTERM, Ctrl-C) or a fatal error does.
/// </summary>
internal sealed class StreamingService : BackgroundService, IPipelineStatus
{
    private readonly ServeSettings _settings;
    private readonly IServiceProvider _services;
    private readonly PipelineMetrics _metrics;
    private readonly ServeExit _exit;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StreamingService> _log;
    private readonly CancellationTokenSource _fatalStop = new();
    private readonly PartitionGenerations _generations = new();
    private readonly StageDepths _depths = new();
    private volatile string _state = "starting";
    private PartitionOwner? _source;
    private LakeSink? _writer;

    public StreamingService(
        IOptions<ServeSettings> settings,
        IServiceProvider services,
        PipelineMetrics metrics,
        ServeExit exit,
        IHostApplicationLifetime lifetime,
        ILogger<StreamingService> log)
    {
        _settings = settings.Value;
        _services = services;
        _metrics = metrics;
        _exit = exit;
        _lifetime = lifetime;
        _log = log;
    }

    /// <summary>When Kafka was last known reachable (null before the source started).</summary>
    public DateTimeOffset? KafkaLastReachable => _source?.LastReachable;

    public PipelineStatusSnapshot Snapshot()
    {
        var source = _source;
        var partitions = new List<PartitionStatus>();
        foreach (var (partition, generation) in _generations.Snapshot())
        {
            partitions.Add(new PartitionStatus(partition.Topic, partition.Partition ?? 0, generation, source?.CommittedOffset(partition)));
        }

        return new PipelineStatusSnapshot(
            _state,
            partitions,
            _depths.Snapshot(),
            source?.InFlight ?? 0,
            source?.Held ?? 0,
            source?.Paused ?? false,
            _writer?.Written ?? 0,
            _writer?.DeadLettered ?? 0);
    }

    public override void Dispose()
    {
        _fatalStop.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            RunCore(stoppingToken);
        }
        catch (Exception e)
        {
            Fatal(e);
        }
        finally
        {
            _state = _exit.Code == 0 ? "stopped" : "failed";
            if (_exit.Code != 0)
            {
                _lifetime.StopApplication();
            }
        }
    }

    private void RunCore(CancellationToken stoppingToken)
    {
        var s = _settings;
        var baseDir = s.Models.Base!;
        var tokenizerPath = string.IsNullOrWhiteSpace(s.Models.Tokenizer) ? baseDir : s.Models.Tokenizer;
        var tokenizer = HfTokenizer.FromFile(tokenizerPath);
        var templateDir = Directory.Exists(tokenizerPath) ? tokenizerPath : Path.GetDirectoryName(Path.GetFullPath(tokenizerPath));
        var template = ChatTemplate.Resolve(s.Models.ChatTemplate, templateDir);
        var devices = s.Models.DeviceList;
        using var bases = new DeviceModels();
        foreach (var device in devices)
        {
            bases.Models.Add(CausalLm.Load(baseDir, device, s.Models.ComputeDType)); // one scorer per device, each with its own base copy
        }

        foreach (var device in devices.Distinct(StringComparer.Ordinal))
        {
            if (Torch.SlowerThanFp32Reason(device, s.Models.ComputeDType) is { } slow)
            {
                _log.LogWarning("Models:DType on {Device}: {Reason}", device, slow);
            }
        }

        var baseModel = bases.Models[0];
        var references = _services.GetRequiredService<IReferenceModelProvider>();
        if (references.DeviceCount < devices.Count)
        {
            throw new InvalidOperationException(
                $"TokenClean:Models:Devices lists {devices.Count} devices but the reference provider holds copies on {references.DeviceCount}");
        }
        if (tokenizer.VocabSize > baseModel.VocabSize)
        {
            throw new InvalidOperationException(
                $"the tokenizer '{tokenizerPath}' has {tokenizer.VocabSize} ids but the base model's vocabulary is {baseModel.VocabSize}");
        }

        var maxTokens = s.Models.MaxTokens > 0 ? Math.Min(s.Models.MaxTokens, baseModel.MaxSequenceLength) : baseModel.MaxSequenceLength;
        var encoder = new SampleEncoder(tokenizer, template, new SampleOptions { MaxTokens = maxTokens });
        var policy = s.Selection.CreatePolicy();
        var metadata = new OutputMetadata(
            TokenizerLineage.FromPath(tokenizerPath),
            policy.Mode,
            policy.KeepRatio,
            typeof(StreamingService).Assembly.GetName().Version?.ToString() ?? "unknown")
        {
            EmitLosses = s.Lake.EmitLosses,
            SoftWeights = s.Selection.SoftWeights,
            SoftWeightMap = s.Selection.SoftWeights ? Cleaning.CleanRun.SoftWeightMapName(s.Selection.SoftWeightTemperature) : null,
        };
        var lakeOptions = new LakeOptions
            {
                Root = s.Lake.Root!,
                Dataset = s.Lake.Dataset,
                MaxRecordsPerFile = s.Lake.MaxRecordsPerFile,
                MaxFileAge = TimeSpan.FromSeconds(s.Lake.MaxFileAgeSeconds),
                Format = LakeFileFormatNames.TryParse(s.Lake.Format, out var format) ? format : LakeFileFormat.Stream,
                Compression = ArrowCompressionNames.TryParse(s.Lake.Compression, out var compression) ? compression : ArrowCompression.None,
                // Instances of a group share the dataset: temporary files are removed per partition on assignment
                // (LakeSink.Resume), never wholesale, or a starting instance would delete another's open files.
                RemoveTempFilesAtOpen = false,
            };
        var lake = DataLakeSink.Open(lakeOptions, metadata);
        IDeadLetterSink deadLetters = string.IsNullOrWhiteSpace(s.Kafka.DeadLetterTopic)
            ? new FileDeadLetterSink(s.Lake.Root!, s.Lake.Dataset)
            : new KafkaDeadLetterSink(s.Kafka.BootstrapServers!, s.Kafka.DeadLetterTopic, s.Kafka.Properties);
        var output = string.IsNullOrWhiteSpace(s.Output.Topic)
            ? null
            : KafkaArrowSink.Create(
                s.Kafka.BootstrapServers!,
                new KafkaArrowSinkOptions
                {
                    Topic = s.Output.Topic.Trim(),
                    MaxRecordsPerMessage = s.Output.MaxRecordsPerMessage,
                    Compression = ArrowCompressionNames.TryParse(s.Output.Compression, out var outputCompression) ? outputCompression : ArrowCompression.None,
                },
                metadata,
                ServeHost.ConnectionProperties(s.Kafka.Properties));
        var reports = new SinkReports();
        using var writer = new LakeSink(lake, deadLetters, _generations, reports, _metrics, baseModel.Version, () => ReopenLake(lakeOptions, metadata), _log)
        {
            Output = output,
            LakeRows = s.Output.LakeRows,
            EmitLosses = s.Lake.EmitLosses,
        };
        if (output is not null)
        {
            _log.LogInformation("Rows also go to Kafka topic {Topic} (acknowledged before their offsets are committed); rows in the lake: {LakeRows}", s.Output.Topic, s.Output.LakeRows);
        }

        _writer = writer;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _fatalStop.Token);
        var inlet = new GraphInlet(s.Pipeline.TokenizeCapacity, _depths);
        var pipeline = PipelineCore.Start(
            _services.GetRequiredService<ActorSystem>(), s, record => Tokenize.Record(encoder, record), bases.Models, references, policy, _generations.IsCurrent, _metrics, _depths, inlet.Source,
            batch =>
            {
                try
                {
                    writer.Write(batch);
                }
                catch (Exception e)
                {
                    Fatal(e);
                    throw;
                }
            });
        _source = new PartitionOwner(s, inlet, writer, reports, _generations, _log, _metrics);
        writer.StartCommitTimer(Fatal);
        _log.LogInformation(
            "Serving {Topics} from {Bootstrap} as group {Group} into {Lake}/{Dataset} (base {Base}, selection {Mode}, keep {Keep}, scorers on {Devices})",
            s.Kafka.Topics, s.Kafka.BootstrapServers, s.Kafka.GroupId, s.Lake.Root, s.Lake.Dataset, baseModel.Version, policy.Mode, s.Selection.KeepRatio, string.Join(",", devices));
        _state = "running";
        stop.Token.Register(() => _state = "draining");
        bool drained;
        try
        {
            drained = _source.Run(pipeline, stop.Token, TimeSpan.FromSeconds(s.Pipeline.ShutdownTimeoutSeconds));
        }
        finally
        {
            if (!pipeline.Stop(TimeSpan.FromSeconds(s.Pipeline.ShutdownTimeoutSeconds)))
            {
                // A scorer still runs a batch: disposing the models under it would be a use after free.
                _log.LogWarning("A scorer is still running; waiting for it before releasing the models and the lake");
                pipeline.Stop(Timeout.InfiniteTimeSpan);
            }
        }

        if (pipeline.Completion.IsFaulted && pipeline.Completion.Exception!.GetBaseException() is not OperationCanceledException)
        {
            // A stage failed (a scorer's failure reply, a bug): the service stops with an error.
            Fatal(pipeline.Completion.Exception!.GetBaseException());
        }

        _log.LogInformation(
            "Stopped: {Written} rows written, {DeadLettered} dead-lettered, {Dropped} dropped after revocation; drained: {Drained}",
            writer.Written, writer.DeadLettered, writer.Dropped, drained);
    }

    private void Fatal(Exception e)
    {
        if (Interlocked.CompareExchange(ref _exit.Code, 1, 0) == 0)
        {
            _log.LogCritical(e, "Fatal error, stopping the service: {Message}", e.Message);
            _state = "failed";
        }

        try
        {
            _fatalStop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Reopens the lake after a write failure, but never recreates a dataset directory that vanished: that
    /// would hide the loss of everything committed in it.</summary>
    private static DataLakeSink ReopenLake(LakeOptions options, OutputMetadata metadata)
    {
        var dataset = Path.Combine(options.Root, options.Dataset);
        return Directory.Exists(dataset)
            ? DataLakeSink.Open(options, metadata)
            : throw new LakeWriteException($"the dataset directory '{dataset}' no longer exists; not recreating it, which would hide the loss of its committed files");
    }

    /// <summary>The base model's copies, one per scorer device, disposed together.</summary>
    private sealed class DeviceModels : IDisposable
    {
        public List<ITokenLossModel> Models { get; } = [];

        public void Dispose()
        {
            foreach (var model in Models)
            {
                model.Dispose();
            }
        }
    }
}
