namespace TokenClean.Ingest.Templates.Jinja;

/// <summary>
/// A template could not be parsed, or rendering it failed (an unsupported construct, a type error, or the template's
/// own <c>raise_exception(...)</c>). Raised by <see cref="JinjaTemplate"/>; never used for valid input.
/// </summary>
public sealed class JinjaException : Exception
{
    public JinjaException()
    {
    }

    public JinjaException(string message)
        : base(message)
    {
    }

    public JinjaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the template itself called <c>raise_exception</c> (the input broke the template's rules).</summary>
    public bool RaisedByTemplate { get; init; }
}
