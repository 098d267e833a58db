using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using TokenClean.Core.Samples;
using TokenClean.Embedded.Kafka;
using TokenClean.Embedded.Models;
using TokenClean.Embedded.Tokenizers;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring;
using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Models;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Bench;

/// <summary>
/// Pipeline efficiency of <c>serve</c>, in process (mock Kafka cluster, the serve pipeline: Kafka source, tokenize,
/// batch, score, select, lake): (a) end-to-end tokens/s with a real base + reference model divided by the scorer's
/// own tokens/s (InfluenceScorer on the same tokenized samples in the same token-budget batches), same run;
/// (b) samples/s of ~1 KB chat samples with <see cref="NoWorkLossModel"/> (a scorer that does no model work), with its
/// peers in the same run (the tokenizer alone on one thread, a bare consumer on the same topic) and the process CPU
/// time per sample (robust to other load on the machine, unlike wall time).
/// Usage: pipeline [--model-samples 400] [--nowork-samples 30000] [--hidden 192] [--layers 2] [--peers 1]
/// [--tokenizers N]; --model-samples 0 skips (a), --nowork-samples 0 skips (b), --peers 0 skips (b)'s peers (for profiling), --tokenizers sets
/// Pipeline:TokenizeParallelism for (b) (default: serve's default).
/// </summary>
internal static class PipelineBench
{
    private const string Topic = "bench";
    private const int MinPartitions = 4;

    /// <summary>
    /// What one partition of librdkafka's mock broker holds: it keeps at most 5 MiB of message sets per partition
    /// and silently drops the oldest beyond that (rd_kafka_mock_partition_init: max_size). 4 MiB leaves room for the
    /// record and batch headers.
    /// </summary>
    private const long PartitionBytes = 4L << 20;

    public static int Run(string[] args)
    {
        var modelSamples = Option(args, "--model-samples", 400);
        var noWorkSamples = Option(args, "--nowork-samples", 30000);
        var hidden = Option(args, "--hidden", 192);
        var layers = Option(args, "--layers", 2);
        var root = Path.Combine(Path.GetTempPath(), "tc-bench-pipeline-" + Environment.ProcessId);
        try
        {
            Torch.ApplyDefaultThreads();
            var (baseDir, refDir) = CreateAssets(root, hidden, layers);
            var tokenizer = HfTokenizer.FromFile(baseDir);
            var encoder = new SampleEncoder(tokenizer, ChatTemplate.Resolve("chatml", baseDir));
            Console.WriteLine(FormattableString.Invariant($"{Environment.ProcessorCount} cores, libtorch {Torch.NumThreads} intra-op threads; tokenizer: BPE, {tokenizer.VocabSize} ids"));

            // (a) the same samples through the scorer alone and through the whole pipeline.
            var lines = ChatSampleLines.Create(modelSamples, seed: 1);
            using (var baseModel = modelSamples > 0 ? CausalLm.Load(baseDir) : null)
            using (var refModel = modelSamples > 0 ? CausalLm.Load(refDir) : null)
            {
                if (baseModel is not null && refModel is not null)
                {
                    ModelPart(root, encoder, baseModel, refModel, lines);
                }
            }

            // (b) the pipeline with a scorer that does no model work.
            if (noWorkSamples > 0)
            {
                NoWorkPart(root, encoder, tokenizer.VocabSize, noWorkSamples, Option(args, "--peers", 1) != 0, Option(args, "--tokenizers", 0));
            }

            // (c) simulated devices: does the pipeline keep several devices busy at once?
            var devices = Option(args, "--devices", 0);
            if (devices > 0)
            {
                DevicesPart(root, encoder, tokenizer.VocabSize, Option(args, "--device-samples", 4000), devices, Option(args, "--device-us-per-ktok", 2000));
            }

            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>(a): the same samples through the scorer alone and through the whole pipeline.</summary>
    private static void ModelPart(string root, SampleEncoder encoder, CausalLm baseModel, CausalLm refModel, List<string> lines)
    {
        Console.WriteLine(FormattableString.Invariant($"model: {baseModel.ParameterCount / 1e6:F2}M parameters ({baseModel.Config.Describe()})"));
        var settings = Settings(Path.Combine(root, "lake-a"));
        var recording = new RecordingLossModel(baseModel);
        var e2e = ThroughPipeline(settings, encoder, recording, refModel, lines);
        var e2eRate = e2e.Tokens / e2e.Seconds;
        var batchSamples = 0;
        foreach (var c in recording.Calls)
        {
            batchSamples += c.Sequences.Count;
        }

        Console.WriteLine(FormattableString.Invariant($"(a) pipeline:     {e2e.Samples} samples, {e2e.Tokens} tokens in {e2e.Seconds:F2} s (first record consumed to last row written) = {e2eRate:F0} tokens/s; {recording.Calls.Count} batches of {batchSamples / (double)recording.Calls.Count:F1} samples on average"));
        var (scorerTokens, scorerSeconds) = Replay(recording.Calls, baseModel, refModel);
        var scorerRate = scorerTokens / scorerSeconds;
        Console.WriteLine(FormattableString.Invariant($"(a) scorer alone: the same {recording.Calls.Count} batches, {scorerTokens} tokens, base + ref in {scorerSeconds:F2} s = {scorerRate:F0} tokens/s"));
        Console.WriteLine(FormattableString.Invariant($"(a) efficiency = pipeline / scorer = {e2eRate / scorerRate:F3} (target >= 0.9)"));
        var (budgetTokens, budgetSeconds) = ScorerAlone(encoder, lines, baseModel, refModel, settings.Batching.MaxTokens);
        Console.WriteLine(FormattableString.Invariant($"    for comparison, full {settings.Batching.MaxTokens}-token batches: {budgetTokens / budgetSeconds:F0} tokens/s"));
    }

    /// <summary>(b): the pipeline with a scorer that does no model work, and its peers (tokenizer alone, Kafka alone) in the same run.</summary>
    private static void NoWorkPart(string root, SampleEncoder encoder, int vocabSize, int count, bool peers, int tokenizers)
    {
        var noWork = ChatSampleLines.Create(count, seed: 2);
        Console.WriteLine(FormattableString.Invariant($"(b) {noWork.Count} chat samples, mean {noWork.Average(l => Encoding.UTF8.GetByteCount(l)):F0} bytes"));
        if (peers)
        {
            var encodeCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var encodeTime = Stopwatch.StartNew();
            foreach (var line in noWork)
            {
                encoder.Process(Encoding.UTF8.GetBytes(line));
            }

            encodeCpu = Process.GetCurrentProcess().TotalProcessorTime - encodeCpu;
            Console.WriteLine(FormattableString.Invariant($"(b) tokenizing alone (SampleEncoder, 1 thread): {noWork.Count / encodeTime.Elapsed.TotalSeconds:F0} samples/s, {encodeCpu.TotalMilliseconds * 1000 / noWork.Count:F0} us CPU per sample"));
            Console.WriteLine(FormattableString.Invariant($"(b) Kafka alone (a consumer with serve's settings, same mock broker, nothing else): {ConsumeAlone(noWork):F0} samples/s"));
        }

        using var zero = new NoWorkLossModel("no-work", vocabSize, 1 << 15);
        var settings = Settings(Path.Combine(root, "lake-b"));
        settings.Pipeline.TokenizeParallelism = tokenizers > 0 ? tokenizers : settings.Pipeline.TokenizeParallelism;
        Console.WriteLine(FormattableString.Invariant($"(b) pipeline settings: {settings.Pipeline.TokenizeParallelism} tokenizer(s), mailboxes {settings.Pipeline.TokenizeCapacity}/{settings.Pipeline.BatcherCapacity} records, batches of {settings.Batching.MaxTokens} tokens, selection window {settings.Selection.WindowSamples} samples"));
        var r = ThroughPipeline(settings, encoder, zero, zero, noWork);
        Console.WriteLine(FormattableString.Invariant($"(b) no-work scorer: {r.Samples} samples, {r.Tokens} tokens in {r.Seconds:F2} s = {r.Samples / r.Seconds:F0} samples/s, {r.Tokens / r.Seconds:F0} tokens/s (target >= 10000 samples/s)"));
    }

    /// <summary>(c): the same samples with 1 and with <paramref name="devices"/> simulated devices (a blocking call per batch).</summary>
    private static void DevicesPart(string root, SampleEncoder encoder, int vocabSize, int count, int devices, int microsecondsPer1kTokens)
    {
        var lines = ChatSampleLines.Create(count, seed: 3);
        foreach (var n in new[] { 1, devices })
        {
            var models = new List<ITokenLossModel>();
            for (var d = 0; d < n; d++)
            {
                models.Add(new SimulatedDeviceLossModel("device-" + d, vocabSize, 1 << 15, microsecondsPer1kTokens));
            }

            var settings = Settings(Path.Combine(root, "lake-c" + n));
            var r = ThroughPipeline(settings, encoder, models[0], new SimulatedDeviceLossModel("ref", vocabSize, 1 << 15, microsecondsPer1kTokens), lines, models);
            Console.WriteLine(FormattableString.Invariant($"(c) {n} simulated device(s), {microsecondsPer1kTokens} us per 1k tokens per model call: {r.Samples} samples in {r.Seconds:F2} s = {r.Samples / r.Seconds:F0} samples/s, {r.Tokens / r.Seconds:F0} tokens/s"));
        }
    }

    /// <summary>A BPE tokenizer trained on the benchmark's text and a random base + perturbed reference checkpoint.</summary>
    internal static (string BaseDir, string RefDir) CreateAssets(string root, int hidden, int layers)
    {
        var baseDir = Path.Combine(root, "base");
        var refDir = Path.Combine(root, "ref");
        var tmp = Path.Combine(root, "weights");
        Directory.CreateDirectory(baseDir);
        var json = BpeTrainer.Train(ChatSampleLines.Corpus(2000, seed: 9), 500, ["<|im_start|>", "<|im_end|>"]);
        File.WriteAllText(Path.Combine(baseDir, "tokenizer.json"), json);
        var vocab = HfTokenizer.FromFile(baseDir).VocabSize;
        var heads = Math.Max(1, hidden / 64);
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = hidden, Layers = layers, Heads = heads, KvHeads = heads, Intermediate = hidden * 8 / 3, Vocab = vocab, MaxPositions = 2048, Seed = 1 }, tmp);
        foreach (var f in Directory.GetFiles(tmp))
        {
            File.Copy(f, Path.Combine(baseDir, Path.GetFileName(f)));
        }

        RandomCheckpoint.Perturb(tmp, refDir, 0.05, seed: 2);
        File.Copy(Path.Combine(baseDir, "tokenizer.json"), Path.Combine(refDir, "tokenizer.json"), overwrite: true);
        return (baseDir, refDir);
    }

    private static ServeSettings Settings(string lake) => new()
    {
        Kafka = { Topics = Topic, GroupId = "bench-" + Guid.NewGuid().ToString("N") },
        Lake = { Root = lake, MaxFileAgeSeconds = 1 },
    };

    /// <summary>InfluenceScorer on the samples in input order, packed into batches by the serve batcher's token budget.</summary>
    private static (long Tokens, double Seconds) ScorerAlone(SampleEncoder encoder, List<string> lines, ITokenLossModel baseModel, ITokenLossModel refModel, int budget)
    {
        var batches = new List<List<TokenizedSample>>();
        var batch = new List<TokenizedSample>();
        var tokens = 0;
        long total = 0;
        foreach (var line in lines)
        {
            var s = encoder.Process(Encoding.UTF8.GetBytes(line)).Value!;
            if (batch.Count > 0 && tokens + s.InputIds.Length > budget)
            {
                batches.Add(batch);
                batch = [];
                tokens = 0;
            }

            batch.Add(s);
            tokens += s.InputIds.Length;
            total += s.InputIds.Length;
        }

        batches.Add(batch);
        var scorer = new InfluenceScorer(baseModel, refModel);
        scorer.Score([batches[0][0]]); // warm-up
        var sw = Stopwatch.StartNew();
        foreach (var b in batches)
        {
            scorer.Score(b);
        }

        return (total, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The recorded base-model calls, each on base and reference, as the scorer makes them.</summary>
    private static (long Tokens, double Seconds) Replay(List<(IReadOnlyList<int[]> Sequences, IReadOnlyList<bool[]>? Mask)> calls, ITokenLossModel baseModel, ITokenLossModel refModel)
    {
        long tokens = 0;
        var sw = Stopwatch.StartNew();
        foreach (var (sequences, mask) in calls)
        {
            baseModel.TokenLosses(sequences, mask);
            refModel.TokenLosses(sequences, mask);
            foreach (var q in sequences)
            {
                tokens += q.Length;
            }
        }

        return (tokens, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Produces the lines into a fresh mock cluster, then runs the serve pipeline on them in this process. The time is
    /// from the first record consumed to the last row written (the group join before it is not the pipeline's throughput).
    /// </summary>
    private static (long Samples, long Tokens, double Seconds) ThroughPipeline(ServeSettings settings, SampleEncoder encoder, ITokenLossModel baseModel, ITokenLossModel refModel, List<string> lines, IReadOnlyList<ITokenLossModel>? deviceBases = null)
    {
        using var cluster = KafkaMockCluster.Start();
        CreateInput(cluster, lines);
        settings.Kafka.BootstrapServers = cluster.BootstrapServers;
        long totalTokens = 0;
        foreach (var line in lines)
        {
            totalTokens += encoder.Process(Encoding.UTF8.GetBytes(line)).Value!.InputIds.Length;
        }

        var generations = new PartitionGenerations();
        var reports = new SinkReports();
        var depths = new StageDepths();
        using var metrics = new PipelineMetrics();
        var policy = settings.Selection.CreatePolicy();
        var lake = DataLakeSink.Open(
            new LakeOptions { Root = settings.Lake.Root!, Dataset = settings.Lake.Dataset, MaxFileAge = TimeSpan.FromSeconds(settings.Lake.MaxFileAgeSeconds) },
            new OutputMetadata("bench", "-", policy.Mode, settings.Selection.KeepRatio, "bench"));
        using var writer = new LakeSink(lake, new FileDeadLetterSink(settings.Lake.Root!, settings.Lake.Dataset), generations, reports, metrics, baseModel.Version);
        using var stop = new CancellationTokenSource();
        Exception? fatal = null;
        var references = new FixedReference(refModel, deviceBases?.Count ?? 1);
        using var system = PipelineActorSystem.Create();
        var inlet = new GraphInlet(settings.Pipeline.TokenizeCapacity, depths);
        var pipeline = PipelineCore.Start(system, settings, record => Tokenize.Record(encoder, record), deviceBases ?? [baseModel], references, policy, generations.IsCurrent, metrics, depths, inlet.Source, batch =>
        {
            try
            {
                writer.Write(batch);
            }
            catch (Exception e)
            {
                fatal ??= e;
                stop.Cancel();
                throw;
            }
        });
        writer.StartCommitTimer(e =>
        {
            fatal ??= e;
            stop.Cancel();
        });
        var source = new PartitionOwner(settings, inlet, writer, reports, generations, NullLogger.Instance);
        var runner = new Thread(() =>
        {
            source.Run(pipeline, stop.Token, TimeSpan.FromSeconds(120));
            pipeline.Stop(TimeSpan.FromSeconds(120));
        }) { Name = "bench source" };
        runner.Start();
        var first = Stopwatch.StartNew();
        var sw = new Stopwatch();
        long firstDone = 0;
        var cpuStart = TimeSpan.Zero;
        var gcStart = (0, 0, 0);
        long nextDepths = 250;
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var done = writer.Written + writer.DeadLettered;
            if (!sw.IsRunning && (source.InFlight > 0 || done > 0))
            {
                sw.Start();
                cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                gcStart = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                firstDone = done;
            }

            if (done >= lines.Count || fatal is not null || DateTime.UtcNow > until)
            {
                break;
            }

            if (sw.IsRunning && sw.ElapsedMilliseconds >= nextDepths)
            {
                // Where the work waits: a full mailbox sits in front of the slowest stage; all empty = the source is.
                nextDepths += 1000;
                var queues = depths.Snapshot();
                Console.WriteLine(FormattableString.Invariant($"    t={sw.Elapsed.TotalSeconds:F1}s done={done} inflight={source.InFlight} held={source.Held} paused={source.Paused} pauses={source.PauseCount} ") + string.Join(' ', queues.Select(d => $"{d.Key}={d.Value}")));
            }

            Thread.Sleep(1);
        }

        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        stop.Cancel();
        runner.Join();
        if (fatal is not null)
        {
            throw new InvalidOperationException("the pipeline failed: " + fatal.Message, fatal);
        }

        if (writer.DeadLettered > 0)
        {
            Console.WriteLine(FormattableString.Invariant($"    ({writer.DeadLettered} samples dead-lettered)"));
        }

        var samples = writer.Written + writer.DeadLettered - firstDone;
        Console.WriteLine(FormattableString.Invariant($"    process CPU while running: {cpu.TotalSeconds:F2} s = {cpu.TotalMilliseconds * 1000 / Math.Max(1, samples):F0} us per sample ({cpu.TotalSeconds / sw.Elapsed.TotalSeconds:F2} cores busy); GCs gen0/1/2: {GC.CollectionCount(0) - gcStart.Item1}/{GC.CollectionCount(1) - gcStart.Item2}/{GC.CollectionCount(2) - gcStart.Item3}"));
        Console.WriteLine(FormattableString.Invariant($"    first record consumed after {(first.Elapsed - sw.Elapsed).TotalSeconds:F1} s (group join)"));
        return (samples, totalTokens * samples / lines.Count, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The ceiling the broker and the client set: consume the produced lines with serve's consumer settings and do nothing else.</summary>
    private static double ConsumeAlone(List<string> lines)
    {
        using var cluster = KafkaMockCluster.Start();
        CreateInput(cluster, lines);
        var settings = Settings(Path.GetTempPath());
        settings.Kafka.BootstrapServers = cluster.BootstrapServers;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaConsumerSettings.Create(settings)).Build();
        consumer.Subscribe(Topic);
        var sw = new Stopwatch();
        var n = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (n < lines.Count && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null })
            {
                sw.Start();
                n++;
            }
        }

        consumer.Close();
        return (n - 1) / sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Creates the input topic with enough partitions that none exceeds what the mock broker keeps, produces the lines
    /// round-robin over them, and checks that the topic holds every line (nothing dropped by the broker's size cap).
    /// </summary>
    /// <remarks>
    /// Round-robin on purpose: with no key, librdkafka's sticky partitioner put all 20,000 lines of one burst into a
    /// single partition, which then kept only its newest ~4,970 (the earlier "stall": the pipeline waited for records
    /// the broker had dropped).
    /// </remarks>
    private static void CreateInput(KafkaMockCluster cluster, List<string> lines)
    {
        long bytes = 0;
        foreach (var line in lines)
        {
            bytes += Encoding.UTF8.GetByteCount(line) + 80; // + record and batch overhead
        }

        var partitions = (int)Math.Max(MinPartitions, (bytes + PartitionBytes - 1) / PartitionBytes);
        cluster.CreateTopic(Topic, partitions);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 20 }).Build())
        {
            for (var i = 0; i < lines.Count; i++)
            {
                var target = new TopicPartition(Topic, i % partitions);
                var value = Encoding.UTF8.GetBytes(lines[i]);
                while (true)
                {
                    try
                    {
                        producer.Produce(target, new Message<Null, byte[]> { Value = value });
                        break;
                    }
                    catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }
            }

            if (producer.Flush(TimeSpan.FromSeconds(60)) > 0)
            {
                throw new InvalidOperationException("producing the benchmark input timed out");
            }
        }

        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "bench-probe" }).Build();
        long held = 0;
        for (var p = 0; p < partitions; p++)
        {
            var w = probe.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10));
            if (w.Low.Value != 0)
            {
                throw new InvalidOperationException(FormattableString.Invariant($"the mock broker dropped the first {w.Low.Value} records of partition {p} (its per-partition size cap)"));
            }

            held += w.High.Value;
        }

        if (held != lines.Count)
        {
            throw new InvalidOperationException(FormattableString.Invariant($"the topic holds {held} records, not {lines.Count}"));
        }

        Console.WriteLine(FormattableString.Invariant($"    topic: {lines.Count} records in {partitions} partitions (round-robin, {bytes / partitions / 1e6:F1} MB each)"));
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
