using TokenClean.Scoring;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// How the CLI turns a checkpoint directory into an <see cref="ITokenLossModel"/>: the one place where the engine's
/// Hugging Face loader (config.json + safetensors) is composed in.
/// </summary>
internal static class ModelLoading
{
    /// <summary>Loads the model in <paramref name="directory"/> on the CPU in float32 (the batch command's default).</summary>
    /// <remarks>Throws <see cref="TokenClean.Scoring.Checkpoints.CheckpointException"/> naming the file and tensor for an
    /// unusable checkpoint.</remarks>
    public static ITokenLossModel Load(string directory) => CausalLm.Load(directory);

    /// <summary>Loads the model in <paramref name="directory"/> on the CPU computing in <paramref name="dtype"/>.</summary>
    public static ITokenLossModel Load(string directory, DType dtype) => CausalLm.Load(directory, dtype: dtype);
}
