using System.CommandLine;
using TokenClean.Scoring;
using TokenClean.Service.Cleaning;
using TokenClean.Service.Evolution;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean evolve</c>: the paper's self-evolving cleaning in one command (docs/TRAINING.md, "evolve"):
/// chunk t is scored with the fixed base and reference v(t−1), the top k kept within the chunk, and v(t−1)
/// fine-tuned on the cleaned chunk into v(t). One chunk = fixed-model cleaning.
/// </summary>
/// <remarks>Progress on stderr; on stdout the round table and, last, one JSON line naming OUT/evolve-summary.json.
/// Exit 0: done; 2: bad arguments, unusable base/reference/warm-up, OUT of another run; 1: I/O or training failure;
/// 130: interrupted (rerun to resume).</remarks>
internal static class EvolveCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "JSON Lines file of samples (text or pre-tokenized, as clean reads them); split in order into --chunks chunks.", Required = true };
        var baseDir = new Option<string>("--base") { Description = "Base model θ0 (fixed): a Hugging Face checkpoint directory.", Required = true };
        var output = new Option<string>("--out") { Description = "Output directory: reference/v<t>/, chunks/chunk-<t>.arrow, rounds/, base-losses/, evolve-summary.json.", Required = true };
        var warmup = new Option<string?>("--warmup") { Description = "Warm-up data (JSONL, or cleaned .arrow/.parquet): the first reference v0 is the base fine-tuned on it." };
        var reference = new Option<string?>("--ref") { Description = "A ready first reference (HF checkpoint directory) instead of --warmup." };
        var chunks = new Option<int>("--chunks") { Description = "Chunks the input is split into (in order); 1 = fixed-model cleaning (no training after the chunk).", DefaultValueFactory = _ => 5 };
        var selection = new Option<string>("--selection") { Description = "chunk (global top-k within each chunk, the paper's), per-sample (Rho-1 style) or threshold (influence >= --threshold).", DefaultValueFactory = _ => EvolveOptions.Chunk };
        selection.AcceptOnlyFromAmong(EvolveOptions.Chunk, "per-sample", "threshold");
        var shared = new SelectionOptionSet();
        var training = new TrainingOptionSet();
        var batchTokens = new Option<int>("--batch-tokens") { Description = "Token budget of one scoring forward pass.", DefaultValueFactory = _ => 16384 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json or a directory with it for text samples (default: the base's)." };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "Chat template: the model's own (default) or chatml, llama3, llama2, tulu, alpaca." };
        var baseLosses = new Option<string?>("--base-losses") { Description = "Base-loss store (default OUT/base-losses): each record runs the base once; a store shared between runs saves their base passes." };
        var noReuse = new Option<bool>("--no-base-loss-reuse") { Description = "Compute every base loss again (the store is still written): to measure what reuse saves." };

        var command = new Command("evolve", "Self-evolving token cleaning: score each chunk with the base and the current reference, keep the top k within the chunk, fine-tune the reference on it.")
        {
            input, baseDir, output, warmup, reference, chunks, selection, batchTokens, tokenizer, chatTemplate, baseLosses, noReuse,
        };
        shared.AddTo(command);
        training.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var err = parse.InvocationConfiguration.Error;
            var trainingOptions = training.Read(parse, out var error);
            if (trainingOptions is null)
            {
                err.WriteLine($"error: {error}");
                return Task.FromResult(2);
            }

            var baseModel = parse.GetValue(baseDir)!;
            var template = parse.GetValue(chatTemplate);
            var options = new EvolveOptions
            {
                Input = parse.GetValue(input)!,
                BaseModel = baseModel,
                OutputDirectory = parse.GetValue(output)!,
                Warmup = parse.GetValue(warmup),
                Reference = parse.GetValue(reference),
                Chunks = parse.GetValue(chunks),
                Keep = parse.GetValue(shared.Keep),
                Selection = parse.GetValue(selection)!,
                Threshold = parse.GetValue(shared.Threshold),
                MinKeptPerSample = parse.GetValue(shared.MinKept),
                SoftWeightTemperature = shared.Temperature(parse),
                Training = trainingOptions,
                SaveEvery = parse.GetValue(training.SaveEvery),
                ScoringDType = trainingOptions.DType,
                BatchTokens = parse.GetValue(batchTokens),
                Tokenizer = parse.GetValue(tokenizer),
                ChatTemplate = template,
                BaseLosses = parse.GetValue(baseLosses),
                ReuseBaseLosses = !parse.GetValue(noReuse),
            };
            if (!File.Exists(Path.Combine(baseModel, "config.json")))
            {
                err.WriteLine($"error: base model '{baseModel}' not found: expected a directory with config.json and model.safetensors");
                return Task.FromResult(2);
            }

            Func<string, ParsedLine> parseLine;
            try
            {
                parseLine = CleanCommand.ChooseParser(options.Tokenizer, baseModel, template, maxLength: null);
            }
            catch (Exception e) when (e is IOException or Ingest.Tokenization.TokenizerLoadException or ArgumentException)
            {
                err.WriteLine($"error: cannot load the tokenizer: {e.Message}");
                return Task.FromResult(2);
            }

            return Task.FromResult(new EvolveRun(
                (dir, dtype) => ModelLoading.Load(dir, dtype),
                parseLine,
                parse.InvocationConfiguration.Output,
                err).Execute(options, ct));
        });
        return command;
    }
}
