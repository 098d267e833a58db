using TokenClean.Scoring;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// How the CLI turns a checkpoint directory into an <see cref="ITokenLossModel"/>: the one place where the engine's
/// Hugging Face loader (config.json + safetensors) is composed in.
/// </summary>
internal static class ModelLoading
{
    /// <summary>Loads the model in <paramref name="directory"/>.</summary>
    /// <exception cref="NotSupportedException">On this branch: the loader lives on the engine branch.</exception>
    public static ITokenLossModel Load(string directory) =>
        throw new NotSupportedException($"model loading arrives with the engine branch (asked to load '{directory}')");
}
