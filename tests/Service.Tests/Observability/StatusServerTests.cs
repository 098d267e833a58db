using System.Net;
using System.Text.Json;
using TokenClean.Service.Observability;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Observability;

public sealed class StatusServerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Healthz_FollowsThePipelineAndKafkaContact_200Or503WithReason()
    {
        var time = new ManualTime(T0);
        var health = new TestHealthSource();
        using var metrics = new PipelineMetrics();
        await using var server = await StartAsync(metrics, health, time);
        using var http = new HttpClient { BaseAddress = server.Addresses[0] };

        await AssertHealthAsync(http, HttpStatusCode.ServiceUnavailable, "pipeline not running");

        health.Current = new HealthSnapshot(true, null, null, []);
        await AssertHealthAsync(http, HttpStatusCode.ServiceUnavailable, "Kafka not reached yet");

        health.Current = new HealthSnapshot(true, time.GetUtcNow(), null, []);
        time.Advance(TimeSpan.FromSeconds(30));
        await AssertHealthAsync(http, HttpStatusCode.OK, null);

        time.Advance(TimeSpan.FromSeconds(2));
        await AssertHealthAsync(http, HttpStatusCode.ServiceUnavailable, "Kafka not reachable for 32 s (limit 30 s)");

        health.Current = new HealthSnapshot(false, time.GetUtcNow(), "scorer faulted: out of memory", []);
        await AssertHealthAsync(http, HttpStatusCode.ServiceUnavailable, "scorer faulted: out of memory");
    }

    [Fact]
    public async Task Healthz_NoPipelineRegistered_Is503()
    {
        using var metrics = new PipelineMetrics();
        await using var server = await StartAsync(metrics, null, new ManualTime(T0));
        using var http = new HttpClient { BaseAddress = server.Addresses[0] };

        await AssertHealthAsync(http, HttpStatusCode.ServiceUnavailable, "no pipeline registered");
    }

    [Fact]
    public async Task Status_AfterTraffic_ServesEveryFieldAsJson()
    {
        var time = new ManualTime(T0);
        var health = new TestHealthSource
        {
            Current = new HealthSnapshot(true, T0, null, [new PartitionPosition("sft", 2, 7), new PartitionPosition("sft", 0, 100)]),
        };
        using var metrics = new PipelineMetrics();
        await using var server = await StartAsync(metrics, health, time);
        using var http = new HttpClient { BaseAddress = server.Addresses[0] };

        metrics.SampleWritten(4);
        metrics.DeadLettered("too_long");
        metrics.BatchScored(900, 1000);
        metrics.Selected(200, 120);
        var influence = new float[100];
        for (var i = 0; i < influence.Length; i++)
        {
            influence[i] = i + 1;
        }

        metrics.Influence(influence);
        metrics.RegisterQueue("tokenize", () => 3);
        metrics.Lag("sft", 0, 42);
        metrics.Lag("sft", 1, 9); // no longer assigned: left out of /status
        metrics.ReferenceRefreshed("ckpt-5", accepted: true);
        time.Advance(TimeSpan.FromSeconds(5));

        using var response = await http.GetAsync(new Uri("/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;

        Assert.Equal("tokenclean", root.GetProperty("service").GetString());
        Assert.StartsWith("0.1.0", root.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, root.GetProperty("uptimeSeconds").GetDouble(), 6);
        Assert.True(root.GetProperty("healthy").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("healthReason").ValueKind);

        var reference = root.GetProperty("reference");
        Assert.Equal("ckpt-5", reference.GetProperty("version").GetString());
        Assert.Equal(1, reference.GetProperty("refreshesAccepted").GetInt64());
        Assert.True(reference.GetProperty("lastRefresh").GetProperty("accepted").GetBoolean());

        var partitions = root.GetProperty("partitions");
        Assert.Equal(2, partitions.GetArrayLength());
        Assert.Equal("sft", partitions[0].GetProperty("topic").GetString());
        Assert.Equal(0, partitions[0].GetProperty("partition").GetInt32());
        Assert.Equal(100, partitions[0].GetProperty("committedOffset").GetInt64());
        Assert.Equal(42, partitions[0].GetProperty("lag").GetInt64());
        Assert.Equal(2, partitions[1].GetProperty("partition").GetInt32());
        Assert.Equal(JsonValueKind.Null, partitions[1].GetProperty("lag").ValueKind);

        Assert.Equal(3, root.GetProperty("queueDepths").GetProperty("tokenize").GetInt32());

        var throughput = root.GetProperty("throughput");
        Assert.Equal(5, throughput.GetProperty("windowSeconds").GetDouble());
        Assert.Equal(1.0, throughput.GetProperty("samplesPerSecond").GetDouble(), 9);
        Assert.Equal(180, throughput.GetProperty("tokensPerSecond").GetDouble(), 9);
        Assert.Equal(0.6, throughput.GetProperty("keptRatio").GetDouble(), 9);

        var totals = root.GetProperty("totals");
        Assert.Equal(4, totals.GetProperty("samplesWritten").GetInt64());
        Assert.Equal(1, totals.GetProperty("samplesDeadLettered").GetInt64());
        Assert.Equal(0.6, totals.GetProperty("keptRatio").GetDouble(), 9);

        Assert.Equal(1, root.GetProperty("deadLetters").GetProperty("too_long").GetInt64());

        var q = root.GetProperty("influence");
        Assert.Equal(100, q.GetProperty("window").GetInt32());
        Assert.Equal(10.9, q.GetProperty("p10").GetDouble(), 4);
        Assert.Equal(50.5, q.GetProperty("p50").GetDouble(), 4);
        Assert.Equal(90.1, q.GetProperty("p90").GetDouble(), 4);

        Assert.Equal(0.9, root.GetProperty("batchFill").GetProperty("mean").GetDouble(), 9);
    }

    private static async Task<StatusServer> StartAsync(PipelineMetrics metrics, IHealthSource? health, TimeProvider time)
    {
        var options = new ObservabilityOptions { HttpUrls = "http://127.0.0.1:0" };
#pragma warning disable CA2000 // the aggregator lives as long as the test's meter; disposing the meter ends its instruments
        var reporter = new StatusReporter(new MetricsAggregator(metrics, time), options, health, time);
#pragma warning restore CA2000
        var server = new StatusServer(reporter, options);
        await server.StartAsync(CancellationToken.None);
        Assert.Single(server.Addresses);
        Assert.NotEqual(0, server.Addresses[0].Port);
        return server;
    }

    private static async Task AssertHealthAsync(HttpClient http, HttpStatusCode expected, string? reason)
    {
        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(expected, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(expected == HttpStatusCode.OK ? "ok" : "unhealthy", doc.RootElement.GetProperty("status").GetString());
        if (reason is null)
        {
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("reason").ValueKind);
        }
        else
        {
            Assert.Equal(reason, doc.RootElement.GetProperty("reason").GetString());
        }
    }
}
