using System.Globalization;
using System.Text;

namespace TokenClean.Core.Progress;

/// <summary>
/// Progress of long terminal work (<c>clean</c>, <c>train</c>, <c>evolve</c>, the benches) on stderr: on a terminal,
/// one bar redrawn in place with the rate and the time left; otherwise (CI, a log file) a plain line every
/// <see cref="TerminalProgressOptions.PlainInterval"/>, so logs stay readable and short.
/// </summary>
/// <remarks>
/// <c>Update</c> may be called from any thread and as often as wanted: it is one interlocked write, and the
/// thread that finds a redraw (or a line) due renders it under a lock. Nothing is printed after <see cref="Finish"/>.
/// </remarks>
public sealed class TerminalProgress
{
    private readonly string _label;
    private readonly long _total;
    private readonly TerminalProgressOptions _options;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _gate = new();
    private long _done;
    private Func<string>? _detail;
    private long _lastRender;
    private bool _finished;

    /// <param name="label">What runs (<c>clean</c>, <c>train</c>): the start of every line.</param>
    /// <param name="total">Units of the whole work; 0 or less = unknown (no bar, no ETA).</param>
    /// <param name="options">Unit, mode, output and clock; null = counts on stderr, terminal mode when stderr is one.</param>
    public TerminalProgress(string label, long total, TerminalProgressOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        _label = label;
        _total = total;
        _options = options ?? new TerminalProgressOptions();
        _output = _options.Output ?? Console.Error;
        _time = _options.Time ?? TimeProvider.System;
        Interactive = _options.Interactive ?? IsTerminal();
        _started = _time.GetUtcNow().UtcTicks;
        _lastRender = _started;
    }

    /// <summary>Whether the bar is redrawn in place (a terminal) rather than printed as periodic lines.</summary>
    public bool Interactive { get; }

    /// <summary>
    /// True when stderr is a terminal that takes control sequences: not redirected and <c>TERM</c> is not <c>dumb</c>.
    /// <c>CI</c> set also counts as not a terminal (some CI runners give a pseudo-terminal to a log).
    /// </summary>
    public static bool IsTerminal() =>
        !Console.IsErrorRedirected
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal)
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Sets the units done so far and an optional detail (shown after the figures); renders when due.</summary>
    public void Update(long done, string? detail = null) => Update(done, detail is null ? null : () => detail);

    /// <summary>
    /// Like <see cref="Update(long, string?)"/>, with the detail made only when a line is printed (no formatting per
    /// call on a hot loop). <paramref name="detail"/> runs under the progress lock on the calling thread.
    /// </summary>
    public void Update(long done, Func<string>? detail)
    {
        Interlocked.Exchange(ref _done, done);
        if (detail is not null)
        {
            Volatile.Write(ref _detail, detail);
        }

        var now = _time.GetUtcNow().UtcTicks;
        var interval = Interactive ? _options.RedrawInterval : _options.PlainInterval;
        if (now - Interlocked.Read(ref _lastRender) < interval.Ticks)
        {
            return;
        }

        lock (_gate)
        {
            if (_finished || now - _lastRender < interval.Ticks)
            {
                return;
            }

            Interlocked.Exchange(ref _lastRender, now);
            Render(now, final: false);
        }
    }

    /// <summary>Prints the final state (the bar's last line ends with a newline); later calls do nothing.</summary>
    public void Finish(string? detail = null)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            if (detail is not null)
            {
                _detail = () => detail;
            }

            Render(_time.GetUtcNow().UtcTicks, final: true);
        }
    }

    /// <summary>The text of one progress line at <paramref name="elapsed"/> (no bar, no control sequences).</summary>
    public string Describe(TimeSpan elapsed, bool final = false)
    {
        var done = Interlocked.Read(ref _done);
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var rate = done / seconds;
        var text = new StringBuilder(_label).Append(": ");
        if (final)
        {
            text.Append("done, ").Append(Amount(done)).Append(' ').Append(_options.Unit)
                .Append(" in ").Append(Duration(elapsed)).Append(" (").Append(Amount(rate)).Append(' ').Append(_options.Unit).Append("/s)");
        }
        else
        {
            text.Append(Amount(done));
            if (_total > 0)
            {
                text.Append('/').Append(Amount(_total));
            }

            text.Append(' ').Append(_options.Unit);
            if (_total > 0)
            {
                text.Append(string.Create(CultureInfo.InvariantCulture, $" ({100.0 * Math.Min(done, _total) / _total:F0}%)"));
            }

            text.Append(", ").Append(Amount(rate)).Append(' ').Append(_options.Unit).Append("/s");
            if (_total > 0 && rate > 0 && done < _total)
            {
                text.Append(", ETA ").Append(Duration(TimeSpan.FromSeconds((_total - done) / rate)));
            }
        }

        if (Volatile.Read(ref _detail)?.Invoke() is { Length: > 0 } detail)
        {
            text.Append("; ").Append(detail);
        }

        return text.ToString();
    }

    private void Render(long now, bool final)
    {
        var elapsed = TimeSpan.FromTicks(now - _started);
        if (!Interactive)
        {
            _output.WriteLine(Describe(elapsed, final));
            _output.Flush();
            return;
        }

        var line = Describe(elapsed, final);
        if (!final && _total > 0)
        {
            var fraction = Math.Clamp((double)Interlocked.Read(ref _done) / _total, 0, 1);
            const int width = 24;
            var filled = (int)Math.Round(fraction * width);
            line = "[" + new string('█', filled) + new string('░', width - filled) + "] " + line;
        }

        var columns = _options.Columns ?? ConsoleColumns();
        if (line.Length > columns - 1)
        {
            line = line[..(columns - 2)] + "…";
        }

        // \r + erase line: the bar stays on one line; the final state ends it with a newline.
        _output.Write("\r\u001b[2K" + line + (final ? "\n" : ""));
        _output.Flush();
    }

    private static int ConsoleColumns()
    {
        try
        {
            return Console.WindowWidth > 20 ? Console.WindowWidth : 100;
        }
        catch (IOException)
        {
            return 100;
        }
    }

    private string Amount(double value) => _options.Bytes
        ? string.Create(CultureInfo.InvariantCulture, $"{value / 1048576.0:F1}")
        : value >= 100 || value == Math.Floor(value)
            ? value.ToString("N0", CultureInfo.InvariantCulture)
            : value.ToString("F1", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
        : t.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:D2}")
            : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s");
}
