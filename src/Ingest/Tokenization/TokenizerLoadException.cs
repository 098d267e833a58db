namespace TokenClean.Ingest.Tokenization;

/// <summary>A tokenizer.json that cannot be loaded: missing, malformed, or using a feature this implementation lacks.</summary>
public sealed class TokenizerLoadException : Exception
{
    public TokenizerLoadException()
    {
    }

    public TokenizerLoadException(string message)
        : base(message)
    {
    }

    public TokenizerLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="path"/>; the message starts with the path.</summary>
    public TokenizerLoadException(string path, string problem, Exception? innerException = null)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
    }

    /// <summary>The file that failed to load.</summary>
    public string? Path { get; }
}
