using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Tests.Observability;

// OTLP providers listen to every meter named TokenClean: keep them apart from the allocation test.
[Collection("TokenClean meter by name")]
public sealed class OtlpMetricsExportTests
{
    [Fact]
    public async Task Create_WithAnEndpoint_PushesEveryInstrumentOverOtlpHttpProtobuf()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var metrics = new PipelineMetrics();
        var options = new ObservabilityOptions
        {
            // No path: the exporter must add the standard /v1/metrics (the receiver serves nothing else).
            OtlpEndpoint = receiver.Address,
            OtlpExportInterval = TimeSpan.FromMinutes(5),
        };
        using var provider = OtlpMetricsExport.Create(options);
        Assert.NotNull(provider);

        metrics.SampleWritten();
        metrics.DeadLettered("too_long");
        metrics.BatchScored(100, 200);
        metrics.Selected(10, 6);
        metrics.Influence([0.5f, -1f, float.NaN]);
        metrics.RegisterQueue("tokenize", () => 1);
        metrics.Lag("sft", 0, 3);
        metrics.ReferenceRefreshed("ckpt-1", accepted: true);

        // The interval is long: only the explicit flush exports, so what arrives came from this flush.
        Assert.True(provider.ForceFlush(10_000));

        var expected = new Dictionary<string, string>
        {
            ["tokenclean.samples"] = "sum",
            ["tokenclean.dead_letters"] = "sum",
            ["tokenclean.tokens.scored"] = "sum",
            ["tokenclean.tokens.kept"] = "sum",
            ["tokenclean.tokens.response"] = "sum",
            ["tokenclean.reference.refreshes"] = "sum",
            ["tokenclean.influence"] = "histogram",
            ["tokenclean.batch.fill"] = "histogram",
            ["tokenclean.queue.depth"] = "gauge",
            ["tokenclean.consumer.lag"] = "gauge",
            ["tokenclean.reference.version"] = "gauge",
        };
        foreach (var (name, kind) in expected)
        {
            Assert.True(receiver.Metrics.TryGetValue(name, out var got), $"{name} did not arrive; got {string.Join(", ", receiver.Metrics.Keys)}");
            Assert.Equal(kind, got);
        }

        Assert.Contains(PipelineMetrics.MeterName, receiver.ScopeNames);
        Assert.Equal("tokenclean", receiver.Resource["service.name"]);
        Assert.Equal(Environment.MachineName, receiver.Resource["service.instance.id"]);
        Assert.All(receiver.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
    }

    [Fact]
    public async Task Create_WithGrpc_PushesOverOtlpGrpc()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        using var metrics = new PipelineMetrics();
        var options = new ObservabilityOptions
        {
            OtlpEndpoint = receiver.Address,
            OtlpProtocol = "grpc",
            OtlpExportInterval = TimeSpan.FromMinutes(5),
        };
        using var provider = OtlpMetricsExport.Create(options);
        Assert.NotNull(provider);

        metrics.SampleWritten();
        metrics.Influence([0.25f]);
        Assert.True(provider.ForceFlush(10_000));

        Assert.Equal("sum", receiver.Metrics["tokenclean.samples"]);
        Assert.Equal("histogram", receiver.Metrics["tokenclean.influence"]);
        Assert.All(receiver.ContentTypes, t => Assert.Equal("application/grpc", t));
    }

    [Fact]
    public void Create_WithoutAnEndpoint_IsOff()
    {
        Assert.Null(OtlpMetricsExport.Create(new ObservabilityOptions()));
    }

    [Fact]
    public void FromConfiguration_StandardOtelVariable_IsTheFallbackEndpoint()
    {
        var standard = Options(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318" });
        Assert.Equal(new Uri("http://collector:4318"), standard.OtlpEndpoint);

        var both = Options(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318",
            ["TokenClean:Otlp:Endpoint"] = "http://other:4317",
            ["TokenClean:Otlp:Protocol"] = "grpc",
        });
        Assert.Equal(new Uri("http://other:4317"), both.OtlpEndpoint);
        Assert.Equal("grpc", both.OtlpProtocol);
    }

    [Fact]
    public void FromConfiguration_AllKeys_AreRead()
    {
        var o = Options(new()
        {
            ["TokenClean:Http:Urls"] = "http://0.0.0.0:9000",
            ["TokenClean:Otlp:ExportIntervalMs"] = "2500",
            ["TokenClean:Logging:Format"] = "JSON",
            ["TokenClean:Health:KafkaStaleSeconds"] = "12",
        });
        Assert.Equal("http://0.0.0.0:9000", o.HttpUrls);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), o.OtlpExportInterval);
        Assert.Equal("json", o.LogFormat);
        Assert.Equal(TimeSpan.FromSeconds(12), o.KafkaStale);
    }

    [Theory]
    [InlineData("TokenClean:Otlp:Endpoint", "not a url")]
    [InlineData("TokenClean:Otlp:Protocol", "udp")]
    [InlineData("TokenClean:Logging:Format", "xml")]
    [InlineData("TokenClean:Health:KafkaStaleSeconds", "-1")]
    public void FromConfiguration_MalformedValue_ThrowsNamingTheKey(string key, string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Options(new() { [key] = value }));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    private static ObservabilityOptions Options(Dictionary<string, string?> values) =>
        ObservabilityOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
