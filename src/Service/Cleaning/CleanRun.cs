using TokenClean.Core.Progress;
using TokenClean.Core.Files;
using TokenClean.Sink.Output;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using TokenClean.Scoring;
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

        var inputPath = Path.GetFullPath(options.Input);
        var outputDirectory = Path.GetFullPath(options.OutputDirectory);
        var outputPath = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(inputPath) + ".jsonl");
        if (string.Equals(outputPath, inputPath, StringComparison.Ordinal))
        {
            return Fail(2, $"the output {outputPath} would overwrite the input: choose another --out directory");
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

            InfluenceScorer scorer;
            try
            {
                scorer = new InfluenceScorer(baseModel, referenceModel);
            }
            catch (ArgumentException e)
            {
                return Fail(2, e.Message);
            }

            if (options.MaxLength > scorer.MaxSequenceLength)
            {
                return Fail(2, $"--max-length {options.MaxLength} exceeds the models' context length {scorer.MaxSequenceLength}");
            }

            try
            {
                Directory.CreateDirectory(outputDirectory);
                return Clean(options, baseModel, referenceModel, scorer, inputPath, outputDirectory, outputPath, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(1, e.Message);
            }
            catch (OperationCanceledException)
            {
                return Fail(1, "cancelled; no output was committed");
            }
        }
        finally
        {
            referenceModel?.Dispose();
            baseModel?.Dispose();
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
            return $"--selection must be global, window, quantile or per-sample, got '{o.Selection}'";
        }

        return o.WindowSamples < 1 ? "--window-samples must be at least 1" : null;
    }

    private int Clean(CleanOptions o, ITokenLossModel baseModel, ITokenLossModel referenceModel, InfluenceScorer scorer, string inputPath, string outputDirectory, string outputPath, CancellationToken ct)
    {
        var policy = SelectionPolicies.Create(o.Selection, o.Keep, o.WindowSamples);
        var metadata = new OutputMetadata(
            TokenizerLineage.FromPath(o.Tokenizer), policy.Mode, o.Keep, typeof(CleanRun).Assembly.GetName().Version?.ToString() ?? "unknown")
        {
            BaseModel = scorer.BaseVersion,
            RefModelVersion = scorer.ReferenceVersion,
            EmitLosses = o.EmitLosses,
        };
        var maxLength = o.MaxLength ?? scorer.MaxSequenceLength;
        var source = Path.GetFileName(inputPath);
        var summary = new CleanSummary { OutputPath = outputPath, DeadLetterPath = Path.Combine(outputDirectory, "dead-letters.jsonl") };

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
            while (reader.TryReadLine(out var line))
            {
                lineIndex++;
                if (IsBlank(line))
                {
                    continue;
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
        WriteManifest(Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(inputPath) + ".manifest.json"), inputPath, metadata, summary);
        PrintSummary(inputPath, metadata, summary);
        return 0;
    }

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

    private static void WriteManifest(string path, string inputPath, OutputMetadata metadata, CleanSummary summary)
    {
        using var file = new AtomicFile(path);
        using (var w = new Utf8JsonWriter(file.Stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("input", inputPath);
            w.WriteString("output", summary.OutputPath);
            w.WriteString("dead_letters", summary.DeadLetterPath);
            w.WriteString("selection_mode", metadata.SelectionMode);
            w.WriteNumber("keep_ratio", metadata.KeepRatio);
            w.WriteString("base_model", metadata.BaseModel);
            w.WriteString("ref_model_version", metadata.RefModelVersion);
            w.WriteString("tokenizer_id", metadata.TokenizerId);
            w.WriteString("tokenizer_hash", metadata.TokenizerHash);
            w.WriteString("software_version", metadata.SoftwareVersion);
            w.WriteNumber("samples_read", summary.Lines);
            w.WriteNumber("samples_written", summary.Written);
            w.WriteNumber("samples_rejected", summary.Rejected);
            w.WriteNumber("response_tokens", summary.ResponseTokens);
            w.WriteNumber("kept_tokens", summary.KeptTokens);
            WriteFloat(w, "threshold_min", summary.ThresholdMin);
            WriteFloat(w, "threshold_max", summary.ThresholdMax);
            w.WriteNumber("scored_tokens", summary.ScoredTokens);
            w.WriteNumber("scoring_seconds", summary.ScoringSeconds);
            w.WriteEndObject();
        }

        file.Commit();
    }

    private static void WriteFloat(Utf8JsonWriter w, string name, float value)
    {
        if (float.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
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
