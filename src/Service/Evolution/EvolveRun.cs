using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TokenClean.Core.Files;
using TokenClean.Core.Samples;
using TokenClean.Scoring;
using TokenClean.Scoring.BaseLosses;
using TokenClean.Service.Cleaning;
using TokenClean.Sink.Output;
using TokenClean.Training;

namespace TokenClean.Service.Evolution;

/// <summary>
/// One <c>tokenclean evolve</c> run: the paper's self-evolving cleaning (Pang et al., ICML 2025) in one process.
/// θ0 = the base, fixed; the first reference is <c>--ref</c> or the base fine-tuned on <c>--warmup</c> (v0); the
/// input is split in order into chunks; chunk t is scored with θ0 and θ(t−1) through clean's pipeline core
/// (<see cref="CleanRun.RunWith"/>), the top k kept within the chunk, and θ(t−1) fine-tuned on the cleaned chunk
/// (<see cref="Trainer"/>) → θt, published as OUT/reference/v&lt;t&gt;/ (complete, marker last).
/// </summary>
/// <remarks>
/// <para>Base losses go through a <see cref="BaseLossStore"/> (OUT/base-losses by default): each record runs the base
/// once, ever; reruns, resumed runs and other commands given the store read them back.</para>
/// <para>Resumable between rounds: a round is complete when OUT/rounds/round-&lt;t&gt;.json exists (written last);
/// a rerun with the same arguments reuses complete rounds and a published version, and the trainer's own state
/// resumes a round killed while training. A rerun with other settings into the same OUT is refused.</para>
/// <para>With one chunk the command is fixed-model cleaning: the chunk is scored with the first reference and
/// nothing more is trained.</para>
/// Exit codes: 0 done; 2 bad arguments, unusable base/reference/warm-up, OUT of another run; 1 I/O error or a failed
/// training; 130 interrupted (rerun to resume).
/// </remarks>
internal sealed class EvolveRun
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly Func<string, DType, ITokenLossModel> _loadModel;
    private readonly Func<string, ParsedLine> _parseLine;
    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly EvolveTraining _training;

    /// <param name="loadModel">Loads a checkpoint directory for scoring in a dtype (a load failure throws).</param>
    /// <param name="parseLine">Turns one input line into a sample or a rejection (clean's parser).</param>
    /// <param name="stdout">The round table and the final JSON line.</param>
    /// <param name="stderr">Progress.</param>
    public EvolveRun(Func<string, DType, ITokenLossModel> loadModel, Func<string, ParsedLine> parseLine, TextWriter stdout, TextWriter stderr)
    {
        _loadModel = loadModel;
        _parseLine = parseLine;
        _out = stdout;
        _err = stderr;
        _training = new EvolveTraining(stderr);
    }

    /// <summary>The summary's file name in OUT.</summary>
    public const string SummaryFileName = "evolve-summary.json";

    public int Execute(EvolveOptions o, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (EvolveRunChecks.Options(o) is { } usage)
        {
            return Fail(2, usage);
        }

        var outDir = Path.GetFullPath(o.OutputDirectory);
        var referenceRoot = Path.Combine(outDir, "reference");
        var chunkDir = Path.Combine(outDir, "chunks");
        var roundDir = Path.Combine(outDir, "rounds");
        var total = CountRecords(o.Input);
        if (total < o.Chunks)
        {
            return Fail(2, string.Create(CultureInfo.InvariantCulture, $"--chunks {o.Chunks} exceeds the {total} records of '{o.Input}'"));
        }

        ITokenLossModel baseModel;
        try
        {
            baseModel = _loadModel(o.BaseModel, o.ScoringDType);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(2, $"cannot load the base model '{o.BaseModel}': {e.Message}");
        }

        var clock = Stopwatch.StartNew();
        using (baseModel)
        {
            StoredBaseLossModel stored;
            try
            {
                Directory.CreateDirectory(outDir);
                var refused = EvolveRunChecks.SameRun(o, outDir, total);
                if (refused is not null)
                {
                    return Fail(2, refused);
                }

                var store = BaseLossStore.Open(o.BaseLossDirectory, BaseModelIdentity.Of(o.BaseModel, o.ScoringDType));
                stored = new StoredBaseLossModel(baseModel, store, o.ReuseBaseLosses);
                _err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evolve: {total} records in {o.Chunks} chunks; base losses: {store.Count} stored in {store.Directory}{(o.ReuseBaseLosses ? "" : " (reuse off: every base loss is computed)")}"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                return Fail(2, $"cannot prepare '{outDir}': {e.Message}");
            }

            try
            {
                return Loop(o, stored, total, outDir, referenceRoot, chunkDir, roundDir, clock, ct);
            }
            catch (OperationCanceledException)
            {
                return Fail(130, "interrupted; run the same command again to resume (complete rounds are reused)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(1, e.Message);
            }
            catch (TrainingException e)
            {
                return Fail(1, $"training failed: {e.Message}");
            }
        }
    }

    private int Loop(EvolveOptions o, StoredBaseLossModel stored, long total, string outDir, string referenceRoot, string chunkDir, string roundDir, Stopwatch clock, CancellationToken ct)
    {
        // The first reference: given, or the base fine-tuned on the warm-up set (v0).
        string referencePath;
        string referenceVersion;
        EvolveRound? warmup = null;
        if (o.Reference is not null)
        {
            referencePath = Path.GetFullPath(o.Reference);
            referenceVersion = Path.GetFileName(Path.TrimEndingDirectorySeparator(referencePath));
        }
        else
        {
            referencePath = Path.Combine(referenceRoot, "v0");
            referenceVersion = "v0";
            var (code, trained) = _training.Train(o, 0, Path.GetFullPath(o.BaseModel), o.Warmup!, referencePath, "the warm-up set", ct);
            if (code != 0)
            {
                return code;
            }

            warmup = trained;
        }

        var rounds = new List<EvolveRound>();
        var sizes = ChunkSizes(total, o.Chunks);
        long first = 0;
        for (var t = 1; t <= o.Chunks; t++)
        {
            ct.ThrowIfCancellationRequested();
            var count = sizes[t - 1];
            var roundFile = Path.Combine(roundDir, $"round-{t}.json");
            if (File.Exists(roundFile))
            {
                var done = JsonSerializer.Deserialize<EvolveRound>(File.ReadAllText(roundFile), Json)!;
                _err.WriteLine($"evolve: round {t}/{o.Chunks}: complete in an earlier run, reused ({roundFile})");
                rounds.Add(done);
                if (done.TrainedPath is not null)
                {
                    (referencePath, referenceVersion) = (done.TrainedPath, done.TrainedVersion!);
                }

                first += count;
                continue;
            }

            _err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evolve: round {t}/{o.Chunks}: scoring records {first}..{first + count - 1} with the base and {referenceVersion}"));
            var (scoreCode, round) = ScoreChunk(o, stored, t, first, count, referencePath, referenceVersion, chunkDir, ct);
            if (scoreCode != 0)
            {
                return scoreCode;
            }

            _err.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"evolve: round {t}/{o.Chunks}: kept {round!.KeptTokens} of {round.ResponseTokens} response tokens ({round.KeptRatio:F4}), mean influence {EvolveTraining.Show(round.MeanInfluence)}, base passes {round.BasePassesComputed} computed / {round.BasePassesReused} reused, scoring {round.ScoringSeconds:F2} s"));

            if (o.Chunks > 1)
            {
                var trainedPath = Path.Combine(referenceRoot, $"v{t}");
                var (trainCode, trained) = _training.Train(o, t, referencePath, round.Output, trainedPath, $"chunk {t}", ct);
                if (trainCode != 0)
                {
                    return trainCode;
                }

                round = trained is null
                    ? round with { Skipped = $"chunk {t} cleaned to no trainable token (kept {round.KeptTokens}): v{t} not trained; the next chunk is scored with {referenceVersion} again" }
                    : round with
                    {
                        TrainedVersion = $"v{t}",
                        TrainedPath = trainedPath,
                        TrainingSamples = trained.TrainingSamples,
                        TrainingSteps = trained.TrainingSteps,
                        TrainingLossFirst = trained.TrainingLossFirst,
                        TrainingLossLast = trained.TrainingLossLast,
                        TrainingSeconds = trained.TrainingSeconds,
                    };
                if (round.Skipped is not null)
                {
                    _err.WriteLine($"evolve: round {t}/{o.Chunks}: {round.Skipped}");
                }
                else
                {
                    (referencePath, referenceVersion) = (trainedPath, $"v{t}");
                }
            }
            else
            {
                round = round with { Skipped = "one chunk: fixed-model cleaning, nothing to train" };
            }

            Directory.CreateDirectory(roundDir);
            AtomicFile.Write(roundFile, s => JsonSerializer.Serialize(s, round, Json));
            rounds.Add(round);
            first += count;
        }

        var summaryPath = Path.Combine(outDir, SummaryFileName);
        WriteSummary(summaryPath, o, total, warmup, rounds, stored, clock.Elapsed);
        PrintTable(rounds);
        _out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["summary"] = summaryPath,
            ["rounds"] = rounds.Count,
            ["final_reference"] = referencePath,
            ["base_passes_computed"] = stored.Computed,
            ["base_passes_reused"] = stored.Reused,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
        }));
        return 0;
    }

    /// <summary>Chunk t through clean's pipeline core with the base (behind the store) and the current reference.</summary>
    private (int Code, EvolveRound? Round) ScoreChunk(EvolveOptions o, StoredBaseLossModel stored, int t, long first, long count, string referencePath, string referenceVersion, string chunkDir, CancellationToken ct)
    {
        ITokenLossModel reference;
        try
        {
            reference = _loadModel(referencePath, o.ScoringDType);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (Fail(2, $"cannot load the reference {referenceVersion} ('{referencePath}'): {e.Message}; no later version was written"), null);
        }

        using (reference)
        {
            var computed = stored.Computed;
            var reused = stored.Reused;
            var forward = stored.ForwardTime;
            var clean = new CleanRun(
                _ => throw new InvalidOperationException("evolve passes its models in"),
                _parseLine,
                (path, metadata) => new ArrowRecordWriter(Path.ChangeExtension(path, ".arrow"), metadata),
                _err,
                _err);
            var options = new CleanOptions
            {
                Input = o.Input,
                BaseModel = o.BaseModel,
                ReferenceModel = referencePath,
                OutputDirectory = chunkDir,
                OutputName = $"chunk-{t}",
                FirstRecord = first,
                RecordCount = count,
                Keep = o.Keep,
                Selection = o.SelectionOptions.Mode,
                Threshold = o.Threshold,
                MinKeptPerSample = o.MinKeptPerSample,
                SoftWeightTemperature = o.SoftWeightTemperature,
                EmitLosses = true,
                BatchTokens = o.BatchTokens,
                Tokenizer = o.Tokenizer ?? o.BaseModel,
                ProgressSeconds = 30,
            };
            var result = clean.RunWith(options, stored, reference, ct);
            if (result.Summary is not { } s)
            {
                return (result.ExitCode, null);
            }

            return (0, new EvolveRound
            {
                Round = t,
                FirstRecord = first,
                Records = count,
                ReferenceVersion = reference.Version,
                ReferencePath = referencePath,
                Output = s.OutputPath,
                SamplesWritten = s.Written,
                SamplesRejected = s.Rejected,
                ResponseTokens = s.ResponseTokens,
                KeptTokens = s.KeptTokens,
                KeptRatio = s.KeepRatio,
                MeanInfluence = EvolveTraining.Finite(s.MeanInfluence),
                MeanKeptInfluence = EvolveTraining.Finite(s.MeanKeptInfluence),
                Threshold = float.IsNaN(s.ThresholdMin) ? null : s.ThresholdMin,
                BasePassesComputed = stored.Computed - computed,
                BasePassesReused = stored.Reused - reused,
                BaseForwardSeconds = (stored.ForwardTime - forward).TotalSeconds,
                ScoringSeconds = s.ScoringSeconds,
            });
        }
    }

    /// <summary>Records (non-blank lines) in the input: what the chunks split.</summary>
    internal static long CountRecords(string path)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var reader = new Utf8LineReader(input);
        long n = 0;
        while (reader.TryReadLine(out var line))
        {
            if (!line.Trim(" \t\r"u8).IsEmpty)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Sizes of <paramref name="chunks"/> contiguous chunks of <paramref name="total"/> records, as equal as possible (the first ones one larger).</summary>
    internal static long[] ChunkSizes(long total, int chunks)
    {
        var sizes = new long[chunks];
        for (var i = 0; i < chunks; i++)
        {
            sizes[i] = (total / chunks) + (i < total % chunks ? 1 : 0);
        }

        return sizes;
    }

    private void WriteSummary(string path, EvolveOptions o, long total, EvolveRound? warmup, List<EvolveRound> rounds, StoredBaseLossModel stored, TimeSpan elapsed)
    {
        var summary = new Dictionary<string, object?>
        {
            ["input"] = Path.GetFullPath(o.Input),
            ["base"] = Path.GetFullPath(o.BaseModel),
            ["out"] = Path.GetFullPath(o.OutputDirectory),
            ["records"] = total,
            ["chunks"] = o.Chunks,
            ["keep"] = o.Keep,
            ["selection"] = o.SelectionOptions,
            ["training"] = o.Training.Describe(),
            ["warmup"] = warmup,
            ["first_reference"] = o.Reference is not null ? Path.GetFullPath(o.Reference) : warmup?.TrainedPath,
            ["rounds"] = rounds,
            ["base_losses"] = new Dictionary<string, object?>
            {
                ["store"] = stored.Store.Directory,
                ["reuse"] = stored.Reuse,
                ["computed_this_run"] = stored.Computed,
                ["reused_this_run"] = stored.Reused,
                ["base_forward_seconds_this_run"] = Math.Round(stored.ForwardTime.TotalSeconds, 4),
            },
            ["seconds_this_run"] = Math.Round(elapsed.TotalSeconds, 3),
        };
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, summary, Json));
    }

    private void PrintTable(List<EvolveRound> rounds)
    {
        _out.WriteLine("round  ref      samples  kept/response      kept ratio  mean infl  mean kept  base computed/reused  train loss first->last  scoring s  training s  trained");
        foreach (var r in rounds)
        {
            var loss = r.TrainingLossLast is null ? "-" : $"{EvolveTraining.Show(r.TrainingLossFirst)}->{EvolveTraining.Show(r.TrainingLossLast)}";
            _out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{r.Round,5}  {r.ReferenceVersion,-7}  {r.SamplesWritten,7}  {$"{r.KeptTokens}/{r.ResponseTokens}",-17}  {r.KeptRatio,10:F4}  {EvolveTraining.Show(r.MeanInfluence),9}  {EvolveTraining.Show(r.MeanKeptInfluence),9}  {$"{r.BasePassesComputed}/{r.BasePassesReused}",-20}  {loss,-23}  {r.ScoringSeconds,9:F2}  {r.TrainingSeconds,10:F2}  {r.TrainedVersion ?? "-"}"));
        }
    }

    private int Fail(int code, string message)
    {
        _err.WriteLine($"error: {message}");
        return code;
    }
}
