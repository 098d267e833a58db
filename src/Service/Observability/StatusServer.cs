using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TokenClean.Service.Observability;

/// <summary>
/// A small Kestrel server of its own for /healthz and /status, so that any host (a generic host running the
/// pipeline, a test) gets the endpoints without becoming a web application. Listens on
/// <see cref="ObservabilityOptions.HttpUrls"/>.
/// </summary>
/// <param name="reporter">Answers /healthz and /status.</param>
/// <param name="options">Where to listen.</param>
/// <param name="loggerFactory">Kestrel's logs; null = none.</param>
/// <param name="inspector">The lake the page's token inspector reads; null = the inspector endpoints answer 404.</param>
public sealed class StatusServer(StatusReporter reporter, ObservabilityOptions options, ILoggerFactory? loggerFactory = null, Inspection.LakeInspector? inspector = null)
    : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses bound after <see cref="StartAsync"/> (a port 0 in the settings is resolved here).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <exception cref="IOException">The address is in use or cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("the status server was already started");
        }

        // An empty builder: the outer host's ASPNETCORE_* variables and appsettings must not reconfigure this server.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls(options.HttpUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(reporter);
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var app = builder.Build();
        app.MapTokenCleanObservability();
        app.MapTokenCleanInspector(inspector);
        _app = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var addresses = new List<Uri>(bound.Count);
        foreach (var address in bound)
        {
            addresses.Add(new Uri(address));
        }

        Addresses = addresses;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
