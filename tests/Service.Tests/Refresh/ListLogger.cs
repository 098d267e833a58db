using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>Keeps every log line a test's subject writes, so tests can assert what an operator would read.</summary>
public sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue((logLevel, formatter(state, exception)));
    }

    public bool Has(LogLevel level, string fragment)
    {
        foreach (var (l, m) in _lines)
        {
            if (l == level && m.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
