using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Tests.Observability;

/// <summary>The composition the serve command uses: a generic host plus AddTokenCleanObservability.</summary>
// OTLP providers listen to every meter named TokenClean: keep them apart from the allocation test.
[Collection("TokenClean meter by name")]
public sealed class ObservabilityHostTests
{
    [Fact]
    public async Task AddTokenCleanObservability_InAGenericHost_ServesStatusAndExportsOverOtlp()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TokenClean:Http:Urls"] = "http://127.0.0.1:0",
            ["TokenClean:Otlp:Endpoint"] = receiver.Address.ToString(),
            ["TokenClean:Otlp:ExportIntervalMs"] = "600000",
        });
        builder.Services.AddMetrics();
        var health = new TestHealthSource { Current = new HealthSnapshot(true, DateTimeOffset.UtcNow, null, [new PartitionPosition("sft", 0, 5)]) };
        builder.Services.AddSingleton<IHealthSource>(health);
        builder.Services.AddTokenCleanObservability(builder.Configuration);

        using var host = builder.Build();
        await host.StartAsync();
        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        metrics.SampleWritten(2);
        metrics.Lag("sft", 0, 11);

        var server = host.Services.GetRequiredService<StatusServer>();
        using var http = new HttpClient { BaseAddress = server.Addresses[0] };
        using (var healthz = await http.GetAsync(new Uri("/healthz", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        }

        using (var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative))))
        {
            Assert.Equal(2, doc.RootElement.GetProperty("totals").GetProperty("samplesWritten").GetInt64());
            var partition = doc.RootElement.GetProperty("partitions")[0];
            Assert.Equal(5, partition.GetProperty("committedOffset").GetInt64());
            Assert.Equal(11, partition.GetProperty("lag").GetInt64());
        }

        // Stopping the host flushes the exporter: the one export of this test arrives then.
        await host.StopAsync();
        Assert.Equal("sum", receiver.Metrics["tokenclean.samples"]);
        Assert.Equal("gauge", receiver.Metrics["tokenclean.consumer.lag"]);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(new Uri("/healthz", UriKind.Relative)));
    }

    [Fact]
    public void AddTokenCleanObservability_WithoutAnEndpoint_RegistersNoExporter()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddTokenCleanObservability(builder.Configuration, statusServer: false);
        using var host = builder.Build();

        Assert.Empty(host.Services.GetServices<IHostedService>());
        Assert.NotNull(host.Services.GetRequiredService<StatusReporter>());
    }
}
