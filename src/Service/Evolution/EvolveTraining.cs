using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Training;
using TokenClean.Training.Checkpoints;
using TokenClean.Training.Data;

namespace TokenClean.Service.Evolution;

/// <summary>
/// One version of the reference in <c>evolve</c>: the previous version fine-tuned on a cleaned chunk (or the base
/// on the warm-up set) and published complete, or an earlier run's published version reused.
/// </summary>
internal sealed class EvolveTraining(TextWriter err)
{
    private readonly TextWriter _err = err;

    /// <summary>
    /// Fine-tunes the model in <paramref name="fromPath"/> on <paramref name="data"/> and publishes <paramref name="toPath"/>
    /// (reused when an earlier run published it). Returns (0, null) when the data hold nothing to learn in a round
    /// (a documented skip), exit 2 when the warm-up set holds nothing.
    /// </summary>
    public (int Code, EvolveRound? Trained) Train(EvolveOptions o, int t, string fromPath, string data, string toPath, string what, CancellationToken ct)
    {
        var version = $"v{t}";
        if (File.Exists(Path.Combine(toPath, CheckpointPublisher.MarkerFileName)))
        {
            _err.WriteLine($"evolve: {version}: complete in an earlier run, reused ({toPath})");
            return (0, FromTrainingInfo(toPath));
        }

        var clock = Stopwatch.StartNew();
        TrainingData samples;
        try
        {
            // The warm-up set's text goes through the same tokenizer as the input (a --tokenizer folder, else the base's).
            var tokenizerDirectory = o.Tokenizer is { } tk && Directory.Exists(tk) ? tk : o.BaseModel;
            samples = TrainingDataReader.Read(data, tokenizerDirectory, o.ChatTemplate, o.Training.MaxLength);
        }
        catch (Exception e) when (e is FileNotFoundException or TrainingException or Ingest.Tokenization.TokenizerLoadException or ArgumentException or InvalidDataException)
        {
            return (Fail(2, $"cannot read {what} '{data}': {e.Message}"), null);
        }

        if (samples.Samples.Count == 0)
        {
            return t == 0
                ? (Fail(2, $"the warm-up set '{data}' has no response token to learn ({samples.Read} records read): no first reference can be trained; give --ref or another --warmup"), null)
                : (0, null);
        }

        CausalLm model;
        try
        {
            model = CausalLm.Load(fromPath, "cpu", o.Training.DType);
        }
        catch (CheckpointException e)
        {
            return (Fail(2, $"cannot load '{fromPath}' to train {version}: {e.Message}"), null);
        }

        using (model)
        {
            using var trainer = new Trainer(model, o.Training);
            var state = Path.Combine(Path.GetDirectoryName(toPath)!, $".{version}.train-state");
            if (Training.State.TrainerStateStore.Peek(state) is { } saved)
            {
                _err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evolve: {version}: resuming training from step {saved.Step}/{saved.TotalSteps}"));
            }

            _err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evolve: {version}: training {Path.GetFileName(fromPath)} on {samples.Samples.Count} samples of {what} ({o.Training.Mode}, {o.Training.DType.ShortName()})"));
            var result = TrainingProgress.Train(trainer, samples.Samples, state, o.SaveEvery, $"evolve: {version}", _err, Describe, ct);
            Directory.CreateDirectory(Path.GetDirectoryName(toPath)!);
            trainer.Publish(fromPath, toPath, new Dictionary<string, object?>
            {
                ["data"] = Path.GetFullPath(data),
                ["evolve_version"] = version,
                ["samples"] = result.Samples,
                ["steps"] = result.Steps,
                ["first_loss"] = Finite(result.FirstLoss),
                ["final_loss"] = Finite(result.LastLoss),
            });
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }

            _err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"evolve: {version}: published {toPath} (loss {Show(Finite(result.FirstLoss))} -> {Show(Finite(result.LastLoss))}, {clock.Elapsed.TotalSeconds:F2} s)"));
            return (0, new EvolveRound
            {
                ReferenceVersion = Path.GetFileName(fromPath),
                ReferencePath = fromPath,
                Output = toPath,
                TrainedVersion = version,
                TrainedPath = toPath,
                TrainingSamples = result.Samples,
                TrainingSteps = result.Steps,
                TrainingLossFirst = Finite(result.FirstLoss),
                TrainingLossLast = Finite(result.LastLoss),
                TrainingSeconds = clock.Elapsed.TotalSeconds,
            });
        }
    }

    /// <summary>What a version published by an earlier run says about its training (tokenclean_training.json).</summary>
    private static EvolveRound FromTrainingInfo(string path)
    {
        int? samples = null, steps = null;
        double? firstLoss = null, lastLoss = null;
        var info = Path.Combine(path, "tokenclean_training.json");
        if (File.Exists(info))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(info));
            var root = doc.RootElement;
            samples = root.TryGetProperty("samples", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
            steps = root.TryGetProperty("steps", out v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
            firstLoss = root.TryGetProperty("first_loss", out v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            lastLoss = root.TryGetProperty("final_loss", out v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        }

        return new EvolveRound
        {
            ReferenceVersion = "",
            ReferencePath = "",
            Output = path,
            TrainedVersion = Path.GetFileName(path),
            TrainedPath = path,
            TrainingSamples = samples,
            TrainingSteps = steps,
            TrainingLossFirst = firstLoss,
            TrainingLossLast = lastLoss,
        };
    }

    internal static string Show(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static string Describe(TrainingStep s) =>
        string.Create(CultureInfo.InvariantCulture, $"loss {s.Loss:F4} lr {s.LearningRate:0.00e+00} tokens/s {s.TokensPerSecond:F0}");

    internal static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private int Fail(int code, string message)
    {
        _err.WriteLine($"error: {message}");
        return code;
    }
}
