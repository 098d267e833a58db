using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace TokenClean.Service.Observability;

/// <summary>Adds the service's observability to a host: metrics, their OTLP export, /healthz and /status.</summary>
public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ObservabilityOptions"/> (read from <paramref name="configuration"/>), one
    /// <see cref="PipelineMetrics"/> for the pipeline to record into, a <see cref="MetricsAggregator"/> and a
    /// <see cref="StatusReporter"/>, and two hosted services: the OTLP export (only when an endpoint is configured)
    /// and, when <paramref name="statusServer"/>, a <see cref="StatusServer"/> on <c>TokenClean:Http:Urls</c>.
    /// The pipeline registers its <see cref="IHealthSource"/> in the same collection.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The configuration root (the <c>TokenClean</c> section is read from it).</param>
    /// <param name="statusServer">
    /// False when the host is itself a web application that calls
    /// <see cref="ObservabilityEndpoints.MapTokenCleanObservability"/>.
    /// </param>
    /// <exception cref="InvalidOperationException">A setting is malformed.</exception>
    public static IServiceCollection AddTokenCleanObservability(this IServiceCollection services, IConfiguration configuration, bool statusServer = true)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = ObservabilityOptions.FromConfiguration(configuration);
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new PipelineMetrics(sp.GetService<IMeterFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new MetricsAggregator(sp.GetRequiredService<PipelineMetrics>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new StatusReporter(
            sp.GetRequiredService<MetricsAggregator>(),
            sp.GetRequiredService<ObservabilityOptions>(),
            sp.GetService<IHealthSource>(),
            sp.GetRequiredService<TimeProvider>()));
        if (options.OtlpEndpoint is not null)
        {
            services.AddHostedService(static sp => new OtlpExportService(sp.GetRequiredService<ObservabilityOptions>()));
        }

        if (statusServer)
        {
            services.TryAddSingleton(static sp => new StatusServer(
                sp.GetRequiredService<StatusReporter>(),
                sp.GetRequiredService<ObservabilityOptions>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<Inspection.LakeInspector>()));
            services.AddHostedService(static sp => sp.GetRequiredService<StatusServer>());
        }

        return services;
    }
}
