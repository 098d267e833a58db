using System.CommandLine;
using TokenClean.Embedded.Models;
using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean create-checkpoint</c>: a small random HF-format checkpoint (config.json + model.safetensors) of
/// any supported architecture, deterministic in its seed; or, with <c>--from</c>, a "reference" checkpoint
/// derived from a base one by seeded noise, so a demo has base ≠ ref without downloading weights.
/// </summary>
internal static class CreateCheckpointCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "llama | llama3 | mistral | qwen2 | qwen3 | gpt2", DefaultValueFactory = _ => "llama" };
        arch.AcceptOnlyFromAmong([.. CheckpointRecipe.Variants]);
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory to write config.json and model.safetensors into.", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights (or of the noise with --from).", DefaultValueFactory = _ => 0 };
        var hidden = new Option<int>("--hidden") { DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 2 };
        var heads = new Option<int>("--heads") { DefaultValueFactory = _ => 4 };
        var kvHeads = new Option<int>("--kv-heads") { DefaultValueFactory = _ => 2 };
        var intermediate = new Option<int>("--intermediate") { DefaultValueFactory = _ => 128 };
        var vocab = new Option<int>("--vocab") { DefaultValueFactory = _ => 256 };
        var maxPositions = new Option<int>("--max-positions") { DefaultValueFactory = _ => 2048 };
        var dtype = new Option<string>("--dtype") { Description = "float32 | bfloat16 | float16", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "bfloat16", "float16");
        var from = new Option<DirectoryInfo?>("--from") { Description = "Derive from this checkpoint instead: same shapes, weights + noise." };
        var perturb = new Option<double>("--perturb") { Description = "Noise standard deviation added with --from.", DefaultValueFactory = _ => 0.01 };

        var command = new Command("create-checkpoint", "Write a small random (or perturbed) HF-format checkpoint for tests and demos.")
        {
            arch, output, seed, hidden, layers, heads, kvHeads, intermediate, vocab, maxPositions, dtype, from, perturb,
        };
        command.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            try
            {
                if (parse.GetValue(from) is { } source)
                {
                    RandomCheckpoint.Perturb(source.FullName, outDir, parse.GetValue(perturb), parse.GetValue(seed));
                    Console.WriteLine($"wrote {outDir}: {source.Name} + N(0, {parse.GetValue(perturb)}²) noise, seed {parse.GetValue(seed)}");
                    return 0;
                }

                var recipe = new CheckpointRecipe
                {
                    Variant = parse.GetValue(arch)!,
                    Seed = parse.GetValue(seed),
                    Hidden = parse.GetValue(hidden),
                    Layers = parse.GetValue(layers),
                    Heads = parse.GetValue(heads),
                    KvHeads = parse.GetValue(kvHeads),
                    Intermediate = parse.GetValue(intermediate),
                    Vocab = parse.GetValue(vocab),
                    MaxPositions = parse.GetValue(maxPositions),
                    DType = parse.GetValue(dtype) switch { "bfloat16" => DType.BFloat16, "float16" => DType.Float16, _ => DType.Float32 },
                };
                var config = RandomCheckpoint.Create(recipe, outDir);
                Console.WriteLine($"wrote {outDir}: {config.Describe()}");
                return 0;
            }
            catch (Exception e) when (e is CheckpointException or ArgumentException or IOException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
