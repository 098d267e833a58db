namespace TokenClean.Service.Pipeline;

/// <summary>
/// The <c>serve</c> configuration, bound from section <c>TokenClean</c> (appsettings.json, environment variables
/// such as <c>TokenClean__Kafka__BootstrapServers</c>, command-line flags). docs/SERVICE.md lists every key.
/// </summary>
internal sealed class ServeSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "TokenClean";

    public KafkaSettings Kafka { get; set; } = new();

    public LakeSettings Lake { get; set; } = new();

    public ModelSettings Models { get; set; } = new();

    public OutputSettings Output { get; set; } = new();

    public SelectionSettings Selection { get; set; } = new();

    public BatchingSettings Batching { get; set; } = new();

    public PipelineSettings Pipeline { get; set; } = new();

    /// <summary>Kafka input and dead letters.</summary>
    internal sealed class KafkaSettings
    {
        /// <summary>The classic consumer group protocol (JoinGroup/SyncGroup, client-side assignor).</summary>
        public const string ClassicProtocol = "classic";

        /// <summary>KIP-848's consumer group protocol (ConsumerGroupHeartbeat, broker-side assignment).</summary>
        public const string ConsumerProtocol = "consumer";

        /// <summary>librdkafka settings the <c>consumer</c> protocol leaves to the broker (Build() refuses them).</summary>
        public static readonly string[] ClassicOnlyProperties = ["session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy"];

        public string? BootstrapServers { get; set; }

        /// <summary>Comma-separated input topics.</summary>
        public string? Topics { get; set; }

        public string GroupId { get; set; } = "tokenclean";

        /// <summary>Dead-letter topic; empty = a dead-letter file per partition under the lake.</summary>
        public string? DeadLetterTopic { get; set; }

        /// <summary>Pass-through librdkafka settings (SASL/SSL included), e.g. <c>security.protocol</c>.</summary>
        public Dictionary<string, string> Properties { get; set; } = new(StringComparer.Ordinal);

        /// <summary>Milliseconds between offset commits.</summary>
        public int CommitIntervalMs { get; set; } = 1000;

        /// <summary>
        /// The consumer group protocol: <c>classic</c> (the default: every broker has it) or <c>consumer</c> (KIP-848,
        /// brokers 4.0+: the coordinator assigns partitions, a member joining or leaving moves only the partitions
        /// concerned, without a group-wide rebalance). With <c>consumer</c> the broker owns the session timeout, the
        /// heartbeat interval and the assignor, so <c>session.timeout.ms</c>, <c>heartbeat.interval.ms</c> and
        /// <c>partition.assignment.strategy</c> must not be set in <see cref="Properties"/>.
        /// </summary>
        public string GroupProtocol { get; set; } = ClassicProtocol;

        /// <summary>Whether <see cref="GroupProtocol"/> is KIP-848's <c>consumer</c>.</summary>
        public bool UsesConsumerProtocol => string.Equals(GroupProtocol, ConsumerProtocol, StringComparison.OrdinalIgnoreCase);

        public IReadOnlyList<string> TopicList =>
            (Topics ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The data lake.</summary>
    internal sealed class LakeSettings
    {
        public string? Root { get; set; }

        public string Dataset { get; set; } = "cleaned";

        public int MaxRecordsPerFile { get; set; } = 50_000;

        /// <summary>Seconds after which an open file is committed (bounds the latency of offset commits).</summary>
        public double MaxFileAgeSeconds { get; set; } = 60;

        /// <summary>File format: <c>arrow</c> (Arrow IPC stream, the default), <c>arrow-file</c> or <c>parquet</c> (zstd).</summary>
        public string Format { get; set; } = "arrow";

        /// <summary>Arrow IPC body compression of lake files: <c>none</c> (default; memory-mappable), <c>zstd</c> or <c>lz4</c>.</summary>
        public string Compression { get; set; } = "none";

        /// <summary>
        /// Also write the per-token <c>base_loss</c> and <c>ref_loss</c> columns (the token inspector shows them).
        /// Default false: the lake's schema stays the documented one; the demo turns it on.
        /// </summary>
        public bool EmitLosses { get; set; }
    }

    /// <summary>Where rows go besides (or instead of) the lake's files.</summary>
    internal sealed class OutputSettings
    {
        /// <summary>
        /// Kafka topic (on <see cref="KafkaSettings.BootstrapServers"/>) that receives every row as Arrow IPC stream
        /// messages (docs/SINK.md); empty = none. A row is acknowledged by the brokers (acks=all) before the lake may
        /// cover its offset, so committed input offsets never cover unacknowledged output.
        /// </summary>
        public string? Topic { get; set; }

        /// <summary>
        /// Whether rows are written into the lake's files. False (with <see cref="Topic"/>) = rows go to the topic only;
        /// the lake then keeps only the offset bookkeeping (files without rows) and the dead letters.
        /// </summary>
        public bool LakeRows { get; set; } = true;

        /// <summary>Rows per output message at most (one message per source partition and sink batch, or fewer rows).</summary>
        public int MaxRecordsPerMessage { get; set; } = 256;

        /// <summary>Arrow IPC body compression of output messages: <c>none</c> (default), <c>zstd</c> or <c>lz4</c>.</summary>
        public string Compression { get; set; } = "none";
    }

    /// <summary>Models, tokenizer and chat template.</summary>
    internal sealed class ModelSettings
    {
        public string? Base { get; set; }

        /// <summary>Fixed reference checkpoint directory.</summary>
        public string? Reference { get; set; }

        /// <summary>Directory the reference refresher watches (one subdirectory per version).</summary>
        public string? ReferenceRoot { get; set; }

        /// <summary>Seconds between looks at <see cref="ReferenceRoot"/> for a new complete version.</summary>
        public int RefreshPollSeconds { get; set; } = 30;

        /// <summary>
        /// Kafka topic on which a trainer announces new reference versions (JSON <c>{"version", "path"}</c>, docs/REFRESH.md),
        /// read from <see cref="KafkaSettings.BootstrapServers"/>; an announcement is picked up at once instead of at the
        /// next poll. Empty = polling only. Needs <see cref="ReferenceRoot"/>.
        /// </summary>
        public string? ReferenceControlTopic { get; set; }

        /// <summary>tokenizer.json or a model directory; default the base model directory.</summary>
        public string? Tokenizer { get; set; }

        /// <summary>Built-in template name, or empty/"model" for the model's own.</summary>
        public string? ChatTemplate { get; set; }

        /// <summary>Libtorch device of the scorer.</summary>
        public string Device { get; set; } = "cpu";

        /// <summary>
        /// Comma-separated libtorch devices, one scorer each (e.g. <c>cuda:0,cuda:1</c>), each holding its own base and
        /// reference models; empty = <see cref="Device"/> alone. Replaces <see cref="Device"/> when set.
        /// </summary>
        public string? Devices { get; set; }

        /// <summary>Compute dtype of the base and reference models: fp32 (default), bf16, or fp16 where the device supports it.</summary>
        public string DType { get; set; } = "fp32";

        /// <summary><see cref="DType"/> parsed (float32 when it is not a known name; the validator reports that).</summary>
        public TokenClean.Scoring.DType ComputeDType => TokenClean.Scoring.DTypes.ParseCompute(DType) ?? TokenClean.Scoring.DType.Float32;

        /// <summary>The scorer devices: <see cref="Devices"/> split, or <see cref="Device"/>.</summary>
        public IReadOnlyList<string> DeviceList =>
            string.IsNullOrWhiteSpace(Devices)
                ? [Device]
                : Devices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        /// <summary>Longest sample in tokens (0 = the models' context length).</summary>
        public int MaxTokens { get; set; }
    }

    /// <summary>Token selection.</summary>
    internal sealed class SelectionSettings
    {
        public double KeepRatio { get; set; } = 0.6;

        /// <summary><c>window</c> (global top-k over windows), <c>quantile</c> (top k of everything so far) or <c>per-sample</c>.</summary>
        public string Mode { get; set; } = "window";

        public int WindowSamples { get; set; } = 1024;

        /// <summary>0 = no token limit on a window.</summary>
        public long WindowTokens { get; set; }

        /// <summary>The influence threshold of Mode <c>threshold</c>.</summary>
        public double? Threshold { get; set; }

        /// <summary>Every sample keeps at least this many of its best tokens (0 = off).</summary>
        public int MinKeptPerSample { get; set; }

        /// <summary>Write the <c>soft_weight</c> column (docs/SCORING.md).</summary>
        public bool SoftWeights { get; set; }

        /// <summary>τ (nats) of the soft weights.</summary>
        public double SoftWeightTemperature { get; set; } = 1.0;

        /// <summary>The policy these settings ask for, from the one factory.</summary>
        public Scoring.Selection.ISelectionPolicy CreatePolicy() =>
            Scoring.Selection.SelectionPolicies.Create(new Scoring.Selection.SelectionOptions
            {
                Mode = Mode,
                KeepRatio = KeepRatio,
                WindowSamples = WindowSamples,
                WindowTokens = WindowTokens,
                Threshold = Threshold,
                MinKeptPerSample = MinKeptPerSample,
                SoftWeightTemperature = SoftWeights ? SoftWeightTemperature : null,
            });
    }

    /// <summary>Dynamic batching.</summary>
    internal sealed class BatchingSettings
    {
        /// <summary>Token budget of one forward pass.</summary>
        public int MaxTokens { get; set; } = 16384;

        /// <summary>A partial batch is scored after this long without filling up.</summary>
        public int MaxDelayMs { get; set; } = 50;
    }

    /// <summary>Mailboxes, parallelism and shutdown.</summary>
    internal sealed class PipelineSettings
    {
        /// <summary>
        /// Parallel tokenizers: one per core. Tokenizing is the pipeline's only data-parallel CPU step; with one core
        /// left out, a 2-core host ran its one tokenizer 95% busy while 0.45 of a core stayed idle (docs/BENCHMARKS.md).
        /// The tokenizers run only while records wait for them, so they take nothing from CPU scorers at low rates.
        /// </summary>
        public int TokenizeParallelism { get; set; } = Math.Max(1, Environment.ProcessorCount);

        /// <summary>Mailbox of the tokenize block (records).</summary>
        public int TokenizeCapacity { get; set; } = 1024;

        /// <summary>Mailbox of the batcher (samples).</summary>
        public int BatcherCapacity { get; set; } = 1024;

        /// <summary>Mailboxes of scorer, selector and sink (batches).</summary>
        public int BatchCapacity { get; set; } = 4;

        /// <summary>
        /// Milliseconds the source waits for room in a full first mailbox before it pauses the partitions (a pause drops
        /// librdkafka's prefetched records; rebalances are served only while not waiting).
        /// </summary>
        public int PauseAfterMs { get; set; } = 500;

        /// <summary>Seconds a graceful shutdown may take before the process gives up.</summary>
        public double ShutdownTimeoutSeconds { get; set; } = 30;
    }
}
