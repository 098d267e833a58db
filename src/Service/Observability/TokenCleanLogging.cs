using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace TokenClean.Service.Observability;

/// <summary>The console log format of the service: human lines or one JSON object per line.</summary>
public static class TokenCleanLogging
{
    /// <summary>UTC, millisecond, ISO 8601: sortable and unambiguous across replicas.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";

    /// <summary>
    /// Adds the console logger with the format of <see cref="ObservabilityOptions.LogFormat"/>: <c>json</c> uses
    /// the JSON console formatter (fields <c>Timestamp</c>, <c>EventId</c>, <c>LogLevel</c>, <c>Category</c>,
    /// <c>Message</c>, <c>Exception</c>, <c>State</c>, <c>Scopes</c>; docs/OPERATIONS.md), <c>simple</c> one line per entry.
    /// </summary>
    public static ILoggingBuilder AddTokenCleanConsole(this ILoggingBuilder logging, ObservabilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(options);
        if (options.LogFormat == "json")
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = TimestampFormat.TrimEnd();
                o.IncludeScopes = true;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = TimestampFormat;
                o.SingleLine = true;
            });
        }

        return logging;
    }
}
