using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Tests.Observability;

public sealed class TokenCleanLoggingTests
{
    [Fact]
    public void AddTokenCleanConsole_Json_WritesOneJsonObjectWithTheDocumentedFields()
    {
        var line = Format(new ObservabilityOptions { LogFormat = "json" });

        Assert.DoesNotContain('\n', line.TrimEnd());
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("Warning", root.GetProperty("LogLevel").GetString());
        Assert.Equal("TokenClean.Pipeline", root.GetProperty("Category").GetString());
        Assert.Equal(17, root.GetProperty("EventId").GetInt32());
        Assert.Equal("dead letter sft[3]@41: too_long", root.GetProperty("Message").GetString());
        Assert.Equal("too_long", root.GetProperty("State").GetProperty("Reason").GetString());
        Assert.Equal(3, root.GetProperty("State").GetProperty("Partition").GetInt32());
        Assert.Equal(41, root.GetProperty("State").GetProperty("Offset").GetInt64());
        var timestamp = root.GetProperty("Timestamp").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", timestamp);
    }

    [Fact]
    public void AddTokenCleanConsole_Simple_WritesOneHumanLine()
    {
        var line = Format(new ObservabilityOptions { LogFormat = "simple" });

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn: TokenClean.Pipeline\[17\] dead letter sft\[3\]@41: too_long\s*$", line);
    }

    // Runs the formatter the logging builder configured, the way the console logger would.
    private static string Format(ObservabilityOptions options)
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddTokenCleanConsole(options)).BuildServiceProvider();
        var name = services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;
        Assert.Equal(options.LogFormat == "json" ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple, name);
        var formatter = services.GetRequiredService<IEnumerable<ConsoleFormatter>>().Single(f => f.Name == name);

        IReadOnlyList<KeyValuePair<string, object?>> state =
        [
            new("Topic", "sft"),
            new("Partition", 3),
            new("Offset", 41L),
            new("Reason", "too_long"),
            new("{OriginalFormat}", "dead letter {Topic}[{Partition}]@{Offset}: {Reason}"),
        ];
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(
            LogLevel.Warning, "TokenClean.Pipeline", new EventId(17), state, null, (_, _) => "dead letter sft[3]@41: too_long");
        using var writer = new StringWriter();
        formatter.Write(entry, new LoggerExternalScopeProvider(), writer);
        return writer.ToString();
    }
}
