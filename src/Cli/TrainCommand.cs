using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Training;
using TokenClean.Training.Checkpoints;
using TokenClean.Training.Data;
using TokenClean.Training.State;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean train</c>: fine-tunes a base checkpoint (LoRA or full) on JSONL samples, pre-tokenized samples or the
/// product's cleaned Arrow/Parquet output and writes a complete HF checkpoint (marker last). Resumable: the state is
/// saved every --save-every steps next to the output, and the same command started again continues from it.
/// </summary>
/// <remarks>Progress lines go to stderr, one JSON summary line to stdout. Exit 0: written; 2: bad arguments, base
/// or data unusable; 1: training failed; 130: interrupted (resumable).</remarks>
internal static class TrainCommand
{
    public static Command Create()
    {
        var set = new TrainingOptionSet();
        var baseDir = new Option<string>("--base") { Description = "Base model: a Hugging Face checkpoint directory (config.json + *.safetensors, tokenizer files).", Required = true };
        var data = new Option<string>("--data") { Description = "Training data: JSON Lines (chat messages, ShareGPT, prompt/response, Alpaca; or input_ids + labels), or tokenclean's cleaned .arrow/.parquet output (a file or a directory of them).", Required = true };
        var output = new Option<string>("--out") { Description = "Directory to write the trained checkpoint to (must not exist).", Required = true };
        var stateDir = new Option<string?>("--state-dir") { Description = "Where the resumable state lives (default: .NAME.train-state next to --out, hidden so a refresher watching the parent skips it)." };
        var template = new Option<string?>("--chat-template") { Description = "Chat template for text samples: the model's own (default) or chatml, llama3, llama2, tulu, alpaca." };

        var command = new Command("train", "Fine-tune a checkpoint (LoRA or full) and write a complete HF-format checkpoint.")
        {
            baseDir, data, output,
        };
        set.AddTo(command);
        command.Options.Add(stateDir);
        command.Options.Add(template);
        command.SetAction((parse, ct) =>
        {
            var err = parse.InvocationConfiguration.Error;
            var outDir = parse.GetValue(output)!;
            var options = set.Read(parse, out var error);
            if (options is null)
            {
                return Task.FromResult(Fail(err, error!));
            }

            var run = new Run(parse.GetValue(baseDir)!, parse.GetValue(data)!, outDir, parse.GetValue(stateDir) ?? DefaultStateDirectory(outDir), parse.GetValue(set.SaveEvery), parse.GetValue(template));
            return Task.FromResult(Execute(run, options, parse.InvocationConfiguration.Output, err, ct));
        });
        return command;
    }

    private static int Execute(Run run, TrainingOptions options, TextWriter stdout, TextWriter err, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(run.Base, "config.json")))
        {
            return Fail(err, $"base model '{run.Base}' not found: expected a directory with config.json and model.safetensors");
        }

        if (Directory.Exists(run.Out) || File.Exists(run.Out))
        {
            return Fail(err, File.Exists(Path.Combine(run.Out, CheckpointPublisher.MarkerFileName))
                ? $"'{run.Out}' already holds a complete checkpoint; choose another --out"
                : $"'{run.Out}' already exists; --out must name a new directory");
        }

        TrainingData samples;
        try
        {
            samples = TrainingDataReader.Read(run.Data, run.Base, run.ChatTemplate, options.MaxLength);
        }
        catch (Exception e) when (e is FileNotFoundException or TrainingException or IOException or Ingest.Tokenization.TokenizerLoadException or ArgumentException)
        {
            return Fail(err, $"cannot read the training data: {e.Message}");
        }

        var rejected = string.Join(", ", samples.Rejected.Select(r => $"{r.Key} {r.Value}"));
        err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data: {samples.Read} {samples.Format} records, {samples.Samples.Count} usable{(rejected.Length > 0 ? $"; left out: {rejected}" : "")}"));
        foreach (var example in samples.Examples)
        {
            err.WriteLine($"  {example}");
        }

        if (samples.Samples.Count == 0)
        {
            return Fail(err, $"no sample in '{run.Data}' has a response token to learn");
        }

        CausalLm model;
        try
        {
            model = CausalLm.Load(run.Base, "cpu", options.DType);
        }
        catch (CheckpointException e)
        {
            return Fail(err, $"cannot load the base model: {e.Message}");
        }

        using (model)
        {
            try
            {
                using var trainer = new Trainer(model, options);
                if (TrainerStateStore.Peek(run.State) is { } saved)
                {
                    err.WriteLine(string.Create(CultureInfo.InvariantCulture, $"resuming from step {saved.Step}/{saved.TotalSteps} (state in {run.State})"));
                }

                err.WriteLine($"training {model.Config.Describe()} ({options.Mode}, {options.DType.ShortName()}) on {samples.Samples.Count} samples");
                var result = TrainingProgress.Train(trainer, samples.Samples, run.State, run.SaveEvery, "train", err, Describe, ct);
                trainer.Publish(run.Base, run.Out, new Dictionary<string, object?> { ["data"] = Path.GetFullPath(run.Data), ["samples"] = result.Samples, ["final_loss"] = result.LastLoss });
                Directory.Delete(run.State, recursive: true);
                err.WriteLine($"wrote {run.Out} (complete checkpoint; marker {CheckpointPublisher.MarkerFileName} written last)");
                stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["out"] = Path.GetFullPath(run.Out),
                    ["steps"] = result.Steps,
                    ["resumed_from_step"] = result.ResumedFromStep,
                    ["samples"] = result.Samples,
                    ["dropped_samples"] = result.Dropped,
                    ["first_loss"] = double.IsNaN(result.FirstLoss) ? "none" : result.FirstLoss,
                    ["last_loss"] = result.LastLoss,
                    ["tokens_per_second"] = Math.Round(result.TokensPerSecond, 1),
                }));
                return 0;
            }
            catch (OperationCanceledException)
            {
                var at = TrainerStateStore.Peek(run.State)?.Step ?? 0;
                err.WriteLine($"interrupted; run the same command again to resume from step {at} (state in {run.State})");
                return 130;
            }
            catch (TrainingException e)
            {
                return Fail(err, e.Message);
            }
        }
    }

    internal static string DefaultStateDirectory(string outDir)
    {
        var full = Path.GetFullPath(Path.TrimEndingDirectorySeparator(outDir));
        return Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".train-state");
    }

    private static string Describe(TrainingStep s) => string.Create(
        CultureInfo.InvariantCulture,
        $"step {s.Step}/{s.TotalSteps} epoch {s.Epoch} loss {s.Loss:F4} lr {s.LearningRate:0.00e+00} grad-norm {s.GradNorm:F3} tokens/s {s.TokensPerSecond:F0}{(s.Saved ? " [saved]" : "")}");

    private static int Fail(TextWriter err, string message)
    {
        err.WriteLine($"error: {message}");
        return 2;
    }

    private sealed record Run(string Base, string Data, string Out, string State, int SaveEvery, string? ChatTemplate);
}
