using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <c>serve</c> inside the test process (<see cref="ServeHost.Run"/> on its own thread), for tests that replace a
/// service (e.g. a slow reference model) or watch <see cref="IPipelineStatus"/>. <see cref="Stop"/> is the same
/// graceful path as SIGTERM.
/// </summary>
internal sealed class InProcessServe : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly StringWriter _stderr = new();
    private volatile IPipelineStatus? _status;
    private int _exitCode = -1;

    public InProcessServe(IReadOnlyDictionary<string, string?> flags, Action<IServiceCollection>? services = null, Action<HostApplicationBuilder>? host = null)
    {
        _thread = new Thread(() => _exitCode = ServeHost.Run(flags, null, _stderr, _stop.Token, builder =>
        {
            services?.Invoke(builder.Services);
            host?.Invoke(builder);
            builder.Services.AddHostedService(sp => new StatusProbe(sp.GetRequiredService<IPipelineStatus>(), s => _status = s));
        }))
        { IsBackground = true, Name = "serve" };
        _thread.Start();
    }

    /// <summary>Flags as configuration keys, like ServeCommand maps them.</summary>
    public static Dictionary<string, string?> Flags(string bootstrap, string topic, string lake, string group) => new(StringComparer.Ordinal)
    {
        ["TokenClean:Kafka:BootstrapServers"] = bootstrap,
        ["TokenClean:Kafka:Topics"] = topic,
        ["TokenClean:Kafka:GroupId"] = group,
        ["TokenClean:Kafka:Properties:session.timeout.ms"] = GroupProtocols.SessionTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["TokenClean:Kafka:Properties:heartbeat.interval.ms"] = GroupProtocols.HeartbeatIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["TokenClean:Lake:Root"] = lake,
        ["TokenClean:Lake:MaxFileAgeSeconds"] = "0.2",
        ["TokenClean:Models:Base"] = StreamingAssets.BaseDir,
        ["TokenClean:Models:Reference"] = StreamingAssets.RefDir,
        ["TokenClean:Models:ChatTemplate"] = "chatml",
    };

    public IPipelineStatus? Status => _status;

    public string Errors => _stderr.ToString();

    /// <summary>Stops gracefully and returns the exit code.</summary>
    public int Stop(TimeSpan timeout)
    {
        _stop.Cancel();
        return _thread.Join(timeout) ? _exitCode : -1;
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }

    private sealed class StatusProbe(IPipelineStatus status, Action<IPipelineStatus> publish) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            publish(status);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
