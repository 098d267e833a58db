using TokenClean.Core.Progress;
using TokenClean.Sink.Output;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using TokenClean.Scoring;
using TokenClean.Scoring.BaseLosses;
using TokenClean.Scoring.Influence;
using TokenClean.Core.Sources;
using TokenClean.Scoring.Selection;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// One <c>tokenclean clean</c> run: the pipeline core of serve (<see cref="PipelineCore"/>) with a file in and a file
/// out: read a JSON Lines file, dead-letter bad lines, score the rest in token-budget batches with base and
/// reference, select, write the output records, print a summary.
/// </summary>
/// <remarks>
/// Seams (all injected by <c>CleanCommand</c>, replaced in tests): how a model directory becomes an
/// <see cref="ITokenLossModel"/>, how a line becomes a sample, and which writer renders the records.
/// Exit codes: 0 = the run finished (bad lines do not fail it); 2 = usage error (bad option, missing input,
/// model that cannot be loaded); 1 = I/O error while running.
/// </remarks>
internal sealed class CleanRun
{
    /// <summary>What <see cref="RunWith"/> did: the exit code, and the summary when the output was committed.</summary>
    internal sealed record CleanResult(int ExitCode, CleanSummary? Summary);

    private readonly Func<string, ITokenLossModel> _loadModel;
    private readonly Func<string, ParsedLine> _parseLine;
    private readonly Func<string, OutputMetadata, IOutputRecordWriter> _createWriter;
    private readonly TextWriter _out;
    private readonly TextWriter _err;

    public CleanRun(
        Func<string, ITokenLossModel> loadModel,
        Func<string, ParsedLine> parseLine,
        Func<string, OutputMetadata, IOutputRecordWriter> createWriter,
        TextWriter stdout,
        TextWriter stderr)
    {
        _loadModel = loadModel;
        _parseLine = parseLine;
        _createWriter = createWriter;
        _out = stdout;
        _err = stderr;
    }

    public int Execute(CleanOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var usage = CheckOptions(options);
        if (usage is not null)
        {
            return Fail(2, usage);
        }

        ITokenLossModel? baseModel = null;
        ITokenLossModel? referenceModel = null;
        try
        {
            try
            {
                baseModel = _loadModel(options.BaseModel);
                referenceModel = _loadModel(options.ReferenceModel);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Fail(2, $"cannot load a model: {e.Message}");
            }

            StoredBaseLossModel? stored = null;
            if (options.BaseLosses is not null)
            {
                try
                {
                    stored = OpenBaseLosses(options.BaseLosses, options.BaseModel, baseModel);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    return Fail(2, $"cannot open the base-loss store '{options.BaseLosses}': {e.Message}");
                }
            }

            var result = RunWith(options, stored ?? baseModel, referenceModel, cancellationToken);
            if (stored is not null)
            {
                _err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clean: base losses: {stored.Reused} records reused from {stored.Store.Directory}, {stored.Computed} computed"));
            }

            return result.ExitCode;
        }
        finally
        {
            referenceModel?.Dispose();
            baseModel?.Dispose();
        }
    }

    /// <summary>
    /// The base-loss store of <paramref name="baseDirectory"/>'s checkpoint (as <paramref name="baseModel"/> computes it)
    /// under <paramref name="root"/>, in front of that model.
    /// </summary>
    internal static StoredBaseLossModel OpenBaseLosses(string root, string baseDirectory, ITokenLossModel baseModel)
    {
        var dtype = baseModel is TokenClean.Scoring.Models.CausalLm lm ? lm.DType : DType.Float32;
        return new StoredBaseLossModel(baseModel, BaseLossStore.Open(root, BaseModelIdentity.Of(baseDirectory, dtype)));
    }

    /// <summary>
    /// One clean with models the caller owns (the seam <c>evolve</c> scores its chunks through): the same checks,
    /// pipeline, output and summary as <see cref="Execute"/>. A <see cref="StoredBaseLossModel"/> base is flushed
    /// once the output is committed.
    /// </summary>
    internal CleanResult RunWith(CleanOptions options, ITokenLossModel baseModel, ITokenLossModel referenceModel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var usage = CheckOptions(options);
        if (usage is not null)
        {
            return new CleanResult(Fail(2, usage), null);
        }

        var inputPath = Path.GetFullPath(options.Input);
        var outputDirectory = Path.GetFullPath(options.OutputDirectory);
        var name = options.OutputName ?? Path.GetFileNameWithoutExtension(inputPath);
        var outputPath = Path.Combine(outputDirectory, name + ".jsonl");
        if (string.Equals(outputPath, inputPath, StringComparison.Ordinal))
        {
            return new CleanResult(Fail(2, $"the output {outputPath} would overwrite the input: choose another --out directory"), null);
        }

        InfluenceScorer scorer;
        try
        {
            scorer = new InfluenceScorer(baseModel, referenceModel);
        }
        catch (ArgumentException e)
        {
            return new CleanResult(Fail(2, e.Message), null);
        }

        if (options.MaxLength > scorer.MaxSequenceLength)
        {
            return new CleanResult(Fail(2, $"--max-length {options.MaxLength} exceeds the models' context length {scorer.MaxSequenceLength}"), null);
        }

        try
        {
            Directory.CreateDirectory(outputDirectory);
            var summary = Clean(options, baseModel, referenceModel, scorer, inputPath, outputDirectory, outputPath, name, cancellationToken);
            (baseModel as StoredBaseLossModel)?.Store.Flush();
            return new CleanResult(0, summary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CleanResult(Fail(1, e.Message), null);
        }
        catch (OperationCanceledException)
        {
            return new CleanResult(Fail(1, "cancelled; no output was committed"), null);
        }
    }

    private static string? CheckOptions(CleanOptions o)
    {
        if (!File.Exists(o.Input))
        {
            return $"input file not found: {o.Input}";
        }

        if (!(o.Keep >= 0 && o.Keep <= 1))
        {
            return $"--keep must be in [0, 1], got {o.Keep.ToString(CultureInfo.InvariantCulture)}";
        }

        if (o.BatchTokens < 1)
        {
            return "--batch-tokens must be at least 1";
        }

        if (o.MaxLength is < 2)
        {
            return "--max-length must be at least 2 (a one-token sample has nothing to score)";
        }

        if (!SelectionPolicies.IsMode(o.Selection))
        {
            return $"--selection must be global, window, quantile, per-sample or threshold, got '{o.Selection}'";
        }

        if (o.Selection == SelectionPolicies.Threshold && o.Threshold is not { } t)
        {
            return "--selection threshold needs --threshold T";
        }

        if (o.Threshold is { } threshold && !double.IsFinite(threshold))
        {
            return "--threshold must be a finite number";
        }

        if (o.MinKeptPerSample < 0)
        {
            return "--min-kept-per-sample must be 0 or more";
        }

        if (o.SoftWeightTemperature is { } tau && !(tau > 0 && double.IsFinite(tau)))
        {
            return "--soft-temperature must be a positive number";
        }

        return o.WindowSamples < 1 ? "--window-samples must be at least 1" : null;
    }

    private CleanSummary Clean(CleanOptions o, ITokenLossModel baseModel, ITokenLossModel referenceModel, InfluenceScorer scorer, string inputPath, string outputDirectory, string outputPath, string name, CancellationToken ct)
    {
        var policy = SelectionPolicies.Create(o.SelectionOptions);
        var metadata = new OutputMetadata(
            TokenizerLineage.FromPath(o.Tokenizer), policy.Mode, policy.KeepRatio, typeof(CleanRun).Assembly.GetName().Version?.ToString() ?? "unknown")
        {
            BaseModel = scorer.BaseVersion,
            RefModelVersion = scorer.ReferenceVersion,
            EmitLosses = o.EmitLosses,
            SoftWeights = o.SoftWeightTemperature is not null,
            SoftWeightMap = o.SoftWeightTemperature is { } tau ? SoftWeightMapName(tau) : null,
        };
        var maxLength = o.MaxLength ?? scorer.MaxSequenceLength;
        var source = Path.GetFileName(inputPath);
        var deadLetterName = o.OutputName is null ? "dead-letters.jsonl" : o.OutputName + ".dead-letters.jsonl";
        var summary = new CleanSummary { OutputPath = outputPath, DeadLetterPath = Path.Combine(outputDirectory, deadLetterName) };

        using var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var writer = _createWriter(outputPath, metadata);
        summary.OutputPath = writer.Path; // the writer picks the extension of its format
        using var deadLetters = new DeadLetterWriter(summary.DeadLetterPath);
        var sink = new FileRecordSink(writer, deadLetters, source, metadata, summary);

        // The pipeline core with a file in and a file out: batches close by token budget only (no delay), and the
        // selection is flushed once, at the end of the input, so global selection ranks the whole file.
        var settings = new ServeSettings
        {
            Batching = { MaxTokens = o.BatchTokens, MaxDelayMs = 0 },
            Models = { MaxTokens = maxLength },
            Pipeline = { BatcherCapacity = int.MaxValue },
        };
        var depths = new StageDepths();
        var inlet = new GraphInlet(settings.Pipeline.TokenizeCapacity, depths);
        var partition = SourcePartition.File(source);
        var running = Stopwatch.StartNew();
        using var system = PipelineActorSystem.Create();
        var pipeline = PipelineCore.Start(
            system, settings, record => ParseRecord(record, scorer, maxLength), [baseModel], new BorrowedReference(referenceModel), policy,
            static _ => true, null, depths, inlet.Source, sink.Write);
        try
        {
            var reader = new Utf8LineReader(input);
            // A bar over the input's bytes on a terminal, a line every ProgressSeconds otherwise (CI, logs).
            var progress = new TerminalProgress("clean", input.Length, new TerminalProgressOptions
            {
                Unit = "MiB",
                Bytes = true,
                Output = _err,
                Interactive = ReferenceEquals(_err, Console.Error) ? null : false,
                PlainInterval = TimeSpan.FromSeconds(o.ProgressSeconds),
            });
            Func<string> detail = () => string.Create(
                CultureInfo.InvariantCulture,
                $"{summary.Lines} samples read, {summary.Rejected} rejected, {summary.ScoredTokens} tokens scored, {(running.Elapsed.TotalSeconds > 0 ? summary.ScoredTokens / running.Elapsed.TotalSeconds : 0):F0} tokens/s");
            long lineIndex = -1;
            long recordIndex = -1;
            var end = o.RecordCount is { } count ? o.FirstRecord + count : long.MaxValue;
            while (reader.TryReadLine(out var line))
            {
                lineIndex++;
                if (IsBlank(line))
                {
                    continue;
                }

                recordIndex++;
                if (recordIndex < o.FirstRecord)
                {
                    continue;
                }

                if (recordIndex >= end)
                {
                    break;
                }

                summary.Lines++;
                var record = new ConsumedRecord(partition.At(lineIndex), 1, line.ToArray(), null);
                while (!inlet.TryOffer(record))
                {
                    ct.ThrowIfCancellationRequested();
                    if (pipeline.Completion.IsCompleted)
                    {
                        pipeline.Completion.GetAwaiter().GetResult(); // a failed sink or scorer: its exception
                        throw new InvalidOperationException("the pipeline stopped before the input ended");
                    }

                    Thread.Sleep(1);
                }

                progress.Update(reader.Position, detail);
            }

            inlet.Complete();
            while (!pipeline.Completion.Wait(TimeSpan.FromMilliseconds(100)))
            {
                ct.ThrowIfCancellationRequested();
            }

            progress.Finish(string.Create(
                CultureInfo.InvariantCulture,
                $"{summary.Lines} samples read, {summary.Rejected} rejected, {summary.ScoredTokens} tokens scored"));
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.GetBaseException()).Throw();
            throw;
        }
        finally
        {
            pipeline.Stop(Timeout.InfiniteTimeSpan); // the models are disposed after this run: nothing may still use them
        }

        summary.ScoringSeconds = running.Elapsed.TotalSeconds;
        writer.Commit();
        deadLetters.Commit();
        CleanManifest.Write(Path.Combine(outputDirectory, name + ".manifest.json"), inputPath, metadata, summary);
        PrintSummary(inputPath, metadata, summary);
        return summary;
    }

    /// <summary>How the soft-weight map is named in the schema metadata and manifest.</summary>
    internal static string SoftWeightMapName(double temperature) =>
        string.Create(CultureInfo.InvariantCulture, $"sigmoid((influence - threshold) / {temperature:R})");

    /// <summary>The tokenize step of clean: a line becomes a sample, or a rejection (bad UTF-8, bad sample, too long for the models).</summary>
    private TokenizedRecord ParseRecord(ConsumedRecord record, InfluenceScorer scorer, int maxLength)
    {
        var line = record.Value!;
        if (!Utf8.IsValid(line))
        {
            return new TokenizedRecord(record, null, null, new SampleRejection(RejectionReason.InvalidUtf8, "the line is not valid UTF-8"));
        }

        var parsed = _parseLine(Encoding.UTF8.GetString(line));
        var rejection = parsed.Rejection ?? scorer.Validate(parsed.Sample!, maxLength);
        return rejection is null
            ? new TokenizedRecord(record, parsed.SampleId, parsed.Sample, null)
            : new TokenizedRecord(record, parsed.SampleId, null, rejection);
    }

    private void PrintSummary(string inputPath, OutputMetadata metadata, CleanSummary s)
    {
        var threshold = float.IsNaN(s.ThresholdMin) ? "none (nothing kept)"
            : s.ThresholdMin == s.ThresholdMax ? s.ThresholdMin.ToString("G6", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{s.ThresholdMin:G6} .. {s.ThresholdMax:G6} over the windows");
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clean: {inputPath} -> {s.OutputPath}"));
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  samples          {s.Lines} read, {s.Written} written, {s.Rejected} rejected -> {s.DeadLetterPath}"));
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  response tokens  {s.ResponseTokens}"));
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  kept tokens      {s.KeptTokens} (keep ratio {s.KeepRatio:F4}, target {metadata.KeepRatio:G4}, selection {metadata.SelectionMode})"));
        _out.WriteLine($"  threshold        {threshold}");
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  throughput       {s.TokensPerSecond:F0} tokens/s ({s.ScoredTokens} tokens scored in {s.ScoringSeconds:F2} s)"));
    }

    private int Fail(int code, string message)
    {
        _err.WriteLine($"error: {message}");
        return code;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }
}
