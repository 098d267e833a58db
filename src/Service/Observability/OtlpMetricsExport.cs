using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace TokenClean.Service.Observability;

/// <summary>Exports the <see cref="PipelineMetrics.MeterName"/> meter to an OTLP collector.</summary>
public static class OtlpMetricsExport
{
    // Influence is a loss difference in nats, mostly within ±4 and often negative: the SDK's default buckets
    // (0, 5, 10, 25, ...) would put nearly every token in two buckets.
    private static readonly double[] InfluenceBuckets = [-4, -2, -1, -0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 1, 2, 4];
    private static readonly double[] FillBuckets = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1];

    /// <summary>
    /// A meter provider that pushes every <see cref="ObservabilityOptions.OtlpExportInterval"/> to
    /// <see cref="ObservabilityOptions.OtlpEndpoint"/>; null when no endpoint is configured (export off).
    /// Dispose it to flush and stop.
    /// </summary>
    /// <remarks>
    /// With <c>http/protobuf</c> an endpoint without a path gets the standard <c>/v1/metrics</c>; an endpoint with a
    /// path is used as given. The resource names the service (<c>tokenclean</c>) and the instance (machine name), so
    /// replicas stay apart in the collector.
    /// </remarks>
    public static MeterProvider? Create(ObservabilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.OtlpEndpoint is not { } endpoint)
        {
            return null;
        }

        var grpc = options.OtlpProtocol == "grpc";
        if (!grpc && endpoint.AbsolutePath is "" or "/")
        {
            endpoint = new Uri(endpoint, "/v1/metrics");
        }

        return Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(
                "tokenclean",
                serviceVersion: typeof(OtlpMetricsExport).Assembly.GetName().Version?.ToString(),
                serviceInstanceId: Environment.MachineName))
            .AddMeter(PipelineMetrics.MeterName)
            .AddView("tokenclean.influence", new ExplicitBucketHistogramConfiguration { Boundaries = InfluenceBuckets })
            .AddView("tokenclean.batch.fill", new ExplicitBucketHistogramConfiguration { Boundaries = FillBuckets })
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)Math.Max(1, options.OtlpExportInterval.TotalMilliseconds);
            })
            .Build();
    }
}
