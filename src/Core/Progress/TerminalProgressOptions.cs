namespace TokenClean.Core.Progress;

/// <summary>How a <see cref="TerminalProgress"/> reports.</summary>
public sealed record TerminalProgressOptions
{
    /// <summary>The unit shown after the figures (<c>samples</c>, <c>steps</c>, <c>MiB</c>).</summary>
    public string Unit { get; init; } = "items";

    /// <summary>The figures are bytes, shown in MiB (set <see cref="Unit"/> to <c>MiB</c>).</summary>
    public bool Bytes { get; init; }

    /// <summary>Where to print; null = stderr.</summary>
    public TextWriter? Output { get; init; }

    /// <summary>Bar (true) or periodic lines (false); null = a bar exactly when <see cref="TerminalProgress.IsTerminal"/>.</summary>
    public bool? Interactive { get; init; }

    /// <summary>Seconds between plain lines. Default 5 s.</summary>
    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Least time between two redraws of the bar. Default 0.2 s.</summary>
    public TimeSpan RedrawInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Terminal width for the bar; null = the console's.</summary>
    public int? Columns { get; init; }

    /// <summary>The clock (tests); null = the system clock.</summary>
    public TimeProvider? Time { get; init; }
}
