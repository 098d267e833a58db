using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace TokenClean.Service.Observability;

/// <summary>Owns the OTLP meter provider for the host's lifetime; stopping flushes the last export.</summary>
internal sealed class OtlpExportService(ObservabilityOptions options) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _provider ??= OtlpMetricsExport.Create(options);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(5000);
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();
}
