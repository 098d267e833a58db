using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TokenClean.Embedded.Kafka;
using TokenClean.Scoring;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// serve with <c>Models:DType = bf16</c> on a CPU without bf16 units: it runs (the scores are valid) and logs one
/// warning saying why it is slower than fp32, before it starts consuming; with bf16 units it logs nothing of the kind.
/// </summary>
[Collection("console")]
public sealed class ServeDTypeWarningTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-dtype-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Serve_Bf16_LogsWhyItIsSlowerHere_AndRuns()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("in", 1);
        var flags = InProcessServe.Flags(cluster.BootstrapServers, "in", Path.Combine(_dir, "lake"), "dtype");
        flags["TokenClean:Models:DType"] = "bf16";
        var log = new CapturedLog();

        string state;
        using (var serve = new InProcessServe(flags, host: builder => builder.Logging.AddProvider(log)))
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while ((state = serve.Status?.Snapshot().State ?? "no status") is not ("running" or "failed") && DateTime.UtcNow < until)
            {
                Thread.Sleep(50);
            }

            Assert.True(state == "running", $"serve did not start ({state}): {serve.Errors}");
            Assert.Equal(0, serve.Stop(TimeSpan.FromSeconds(30)));
        }

        var warnings = log.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Models:DType on cpu: ", StringComparison.Ordinal)).ToList();
        var reason = Torch.SlowerThanFp32Reason("cpu", DType.BFloat16);
        if (reason is null)
        {
            Assert.Empty(warnings); // this CPU has bf16 units
            return;
        }

        Assert.Equal("Models:DType on cpu: " + reason, Assert.Single(warnings).Message);
    }

    private sealed class CapturedLog : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
