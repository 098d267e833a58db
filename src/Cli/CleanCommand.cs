using System.CommandLine;
using TokenClean.Scoring;
using TokenClean.Service.Cleaning;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean clean</c>: fixed-model token cleaning of one file. Scores every response token with
/// loss(base) − loss(reference), keeps the top k of them ranked globally (or per window / per sample), and writes
/// one record per sample plus dead letters for the lines that cannot be scored.
/// </summary>
internal static class CleanCommand
{
    /// <summary>Builds the command.</summary>
    /// <param name="loadModel">Turns a <c>--base</c>/<c>--ref</c> directory into a model; defaults to <see cref="ModelLoading.Load(string, TokenClean.Scoring.DType)"/> with --dtype.</param>
    /// <param name="parseLine">Turns one input line into a sample or a rejection; defaults to pre-tokenized JSON.</param>
    /// <param name="createWriter">Creates the output writer for a path; defaults to JSON Lines.</param>
    public static Command Create(
        Func<string, ITokenLossModel>? loadModel = null,
        Func<string, ParsedLine>? parseLine = null,
        Func<string, OutputMetadata, IOutputRecordWriter>? createWriter = null)
    {
        var input = new Option<string>("--input") { Description = "JSON Lines file of samples ({\"id\", \"input_ids\", \"labels\"} with -100 = not a response token).", Required = true };
        var baseDir = new Option<string>("--base") { Description = "Base model: a Hugging Face checkpoint directory (config.json + *.safetensors).", Required = true };
        var refDir = new Option<string>("--ref") { Description = "Reference model: a Hugging Face checkpoint directory with the same tokenizer.", Required = true };
        var output = new Option<string>("--out") { Description = "Output directory: <input-name>.jsonl, <input-name>.manifest.json, dead-letters.jsonl.", Required = true };
        var shared = new SelectionOptionSet();
        var emitLosses = new Option<bool>("--emit-losses") { Description = "Also write the per-token base_loss and ref_loss columns." };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "Token budget of one forward pass (samples are batched up to it).", DefaultValueFactory = _ => 16384 };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest sample accepted; longer ones are dead-lettered (default: the models' context length)." };
        var selection = new Option<string>("--selection") { Description = "global (rank over the whole file), window (over --window-samples samples), quantile (top k of everything so far, by a quantile sketch), per-sample (Rho-1 style) or threshold (influence >= --threshold).", DefaultValueFactory = _ => "global" };
        selection.AcceptOnlyFromAmong("global", "window", "quantile", "per-sample", "threshold");
        var baseLosses = new Option<string?>("--base-losses") { Description = "A base-loss store directory (e.g. an evolve run's OUT/base-losses): records whose base losses it holds for this base skip the base forward pass; new ones are added." };
        var windowSamples = new Option<int>("--window-samples") { Description = "Samples per selection window with --selection window.", DefaultValueFactory = _ => 1024 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json or a directory with it: enables text samples (chat messages, ShareGPT, prompt/response, Alpaca). Default: the --base directory when it has a tokenizer.json; without one, only pre-tokenized input is accepted." };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "Chat template: the model's own (default) or chatml, llama3, llama2, tulu, alpaca." };
        var format = new Option<string>("--format") { Description = "Output format: arrow (Arrow IPC stream, what datasets.Dataset.from_file reads), parquet (zstd) or jsonl.", DefaultValueFactory = _ => "arrow" };
        format.AcceptOnlyFromAmong("arrow", "parquet", "jsonl");
        var compression = new Option<string>("--compression") { Description = "Arrow IPC body compression: none (default; memory-mappable), zstd or lz4 (readers need the codec; docs/SINK.md).", DefaultValueFactory = _ => "none" };
        compression.AcceptOnlyFromAmong("none", "zstd", "lz4");
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype of both models: fp32 (default: the reference-exact scores), bf16 (about 2x faster where the CPU has AMX/AVX512-BF16, slower than fp32 where it has neither; losses within ~3e-2), or fp16 where the device supports it.", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "bf16", "fp16");

        var command = new Command("clean", "Score a file with base and reference models and keep the most informative response tokens.")
        {
            input, baseDir, refDir, output, emitLosses, batchTokens, maxLength, selection, windowSamples,
            tokenizer, chatTemplate, format, compression, dtype, baseLosses,
        };
        shared.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var computeDType = DTypes.ParseCompute(parse.GetValue(dtype)) ?? DType.Float32; // AcceptOnlyFromAmong admits only the three
            DTypeWarning.WriteIfSlow(parse.InvocationConfiguration.Error, "cpu", computeDType);
            return Task.FromResult(new CleanRun(
                loadModel ?? (dir => ModelLoading.Load(dir, computeDType)),
                parseLine ?? ChooseParser(parse.GetValue(tokenizer), parse.GetValue(baseDir)!, parse.GetValue(chatTemplate), parse.GetValue(maxLength)),
                createWriter ?? ChooseWriter(parse.GetValue(format)!, parse.GetValue(compression)!),
                parse.InvocationConfiguration.Output,
                parse.InvocationConfiguration.Error).Execute(
                new CleanOptions
                {
                    Input = parse.GetValue(input)!,
                    BaseModel = parse.GetValue(baseDir)!,
                    ReferenceModel = parse.GetValue(refDir)!,
                    OutputDirectory = parse.GetValue(output)!,
                    Keep = parse.GetValue(shared.Keep),
                    Threshold = parse.GetValue(shared.Threshold),
                    MinKeptPerSample = parse.GetValue(shared.MinKept),
                    SoftWeightTemperature = shared.Temperature(parse),
                    BaseLosses = parse.GetValue(baseLosses),
                    EmitLosses = parse.GetValue(emitLosses),
                    BatchTokens = parse.GetValue(batchTokens),
                    MaxLength = parse.GetValue(maxLength),
                    Selection = parse.GetValue(selection)!,
                    WindowSamples = parse.GetValue(windowSamples),
                    Tokenizer = parse.GetValue(tokenizer) ?? parse.GetValue(baseDir)!,
                },
                ct));
        });
        return command;
    }

    /// <summary>Text samples when a tokenizer is given or the base model has one; pre-tokenized JSON otherwise.</summary>
    internal static Func<string, ParsedLine> ChooseParser(string? tokenizerPath, string baseDir, string? template, int? maxLength)
    {
        var path = tokenizerPath ?? (File.Exists(Path.Combine(baseDir, "tokenizer.json")) ? baseDir : null);
        return path is null
            ? TextLineParser.PreTokenizedOnly(maxLength ?? int.MaxValue).Parse
            : TextLineParser.Load(path, template, maxLength ?? int.MaxValue).Parse;
    }

    internal static Func<string, OutputMetadata, IOutputRecordWriter> ChooseWriter(string format, string compressionName)
    {
        _ = ArrowCompressionNames.TryParse(compressionName, out var compression); // validated by AcceptOnlyFromAmong
        return format switch
        {
            "jsonl" => (path, metadata) => new JsonLinesRecordWriter(Path.ChangeExtension(path, ".jsonl"), metadata),
            "parquet" => (path, metadata) => new ArrowRecordWriter(Path.ChangeExtension(path, ".parquet"), metadata, parquet: true),
            _ => (path, metadata) => new ArrowRecordWriter(Path.ChangeExtension(path, ".arrow"), metadata, compression),
        };
    }
}
