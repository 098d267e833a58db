using System.Globalization;
using Microsoft.Playwright;
using TokenClean.Service.Observability;
using TokenClean.Service.Tests.Observability;

namespace TokenClean.Service.Tests.Browser;

/// <summary>
/// The status page in real Chromium against a real <see cref="StatusServer"/>, fed through the same
/// <see cref="PipelineMetrics"/> calls the pipeline makes, step by step, so each figure's change is known.
/// </summary>
public sealed class StatusPageBrowserTests
{
    [SkippableFact]
    public async Task Page_AsSamplesStream_LoadsCleanlyAndEveryFigureFollowsTheService()
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var pw = playwright;
        await using var chromium = browser;
        var health = new TestHealthSource { Current = new HealthSnapshot(true, DateTimeOffset.UtcNow, null, [new PartitionPosition("sft", 0, 0), new PartitionPosition("sft", 1, 0)]) };
        using var metrics = new PipelineMetrics();
        var (server, url) = await StartAsync(metrics, health, "http://127.0.0.1:0");
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var errors = new ConsoleErrors(page);
        await page.GotoAsync(url.ToString());

        // Nothing streamed yet.
        await Expect(page, "#health", "healthy");
        await Expect(page, "#totals", "0 written");
        Assert.Contains("no scored tokens yet", await page.InnerTextAsync("#histogram"), StringComparison.Ordinal);
        Assert.Contains("no reference version seen yet", await page.InnerTextAsync("#ref-history"), StringComparison.Ordinal);

        // A batch streams through: scored, selected, written; a refresh is refused, another accepted; a dead letter.
        metrics.RegisterQueue("tokenize", () => 7);
        metrics.Lag("sft", 0, 120);
        metrics.Lag("sft", 1, 30);
        metrics.ReferenceRefreshed("step-001", accepted: true);
        metrics.ReferenceRefreshed("step-002", accepted: false, "validation loss 9.1 is worse than the serving version's 3.2");
        metrics.BatchScored(800, 1000);
        var influence = new float[200];
        for (var i = 0; i < influence.Length; i++)
        {
            influence[i] = -0.95f + (0.1f * (i / 10)); // 10 values at the centre of each 0.1-nat bin from -1 to 1
        }

        metrics.Influence(influence);
        metrics.Selected(200, 120, threshold: 0.2f);
        metrics.SampleWritten(5);
        metrics.DeadLettered("too_long");

        await Expect(page, "#totals", "5 written");
        await Expect(page, "#totals", "1 dead-lettered");
        await Expect(page, "#threshold", "0.200");
        await Expect(page, "#kept-ratio", "60.0%");
        await Expect(page, "#batch-fill", "80.0%");
        await Expect(page, "#ref-version", "step-001");
        await Expect(page, "#ref-history", "refused: validation loss 9.1 is worse");
        await Expect(page, "#dead-letters", "too_long");
        await Expect(page, "#partitions", "120");
        await Expect(page, "#queues", "tokenize");
        // The histogram: 20 bins of 0.1 nat hold the 200 values, 10 each; the threshold line is drawn.
        var counts = await page.Locator("#histogram rect.hbar").EvaluateAllAsync<int[]>("bars => bars.map(b => +b.getAttribute('data-count'))");
        Assert.Equal(200, counts.Sum());
        Assert.Equal(20, counts.Count(c => c == 10));
        Assert.Equal(1, await page.Locator("#threshold-line").CountAsync());
        var samplesRate = await page.InnerTextAsync("#samples-rate");
        Assert.NotEqual("0.0", samplesRate);

        // More samples: the figures move on.
        metrics.SampleWritten(10);
        metrics.ReferenceRefreshed("step-003", accepted: true);
        await Expect(page, "#totals", "15 written");
        await Expect(page, "#ref-version", "step-003");
        Assert.Equal(3, await page.Locator("#ref-history tbody tr").CountAsync());
        if (Chromium.ScreenshotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "status-page-metrics.png"), FullPage = true });
        }

        errors.AssertNone();

        // The service restarts on the same address: the page re-derives everything from the new process's /status.
        var address = server.Addresses[0];
        await server.StopAsync(CancellationToken.None);
        await server.DisposeAsync();
        await Expect(page, "#health", "unreachable");
        using var restartedMetrics = new PipelineMetrics();
        (server, _) = await StartAsync(restartedMetrics, health, $"http://127.0.0.1:{address.Port.ToString(CultureInfo.InvariantCulture)}");
        await using (server)
        {
            await Expect(page, "#health", "healthy");
            await Expect(page, "#totals", "0 written");
            await Expect(page, "#ref-version", "none");
            Assert.Contains("no scored tokens yet", await page.InnerTextAsync("#histogram"), StringComparison.Ordinal);
        }

        // While the server was down, the browser itself logs each refused poll; nothing else may have gone wrong.
        errors.AssertNone("Failed to load resource: net::ERR_");
    }

    /// <summary>Waits (up to 10 s: the page polls every second) until the element's text contains <paramref name="text"/>.</summary>
    internal static async Task Expect(IPage page, string selector, string text)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "([s, t]) => document.querySelector(s) && document.querySelector(s).textContent.includes(t)",
                new[] { selector, text },
                new PageWaitForFunctionOptions { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            var actual = await page.Locator(selector).TextContentAsync();
            Assert.Fail($"{selector} never showed '{text}'; it shows '{actual}'");
        }
    }

    private static async Task<(StatusServer Server, Uri Url)> StartAsync(PipelineMetrics metrics, IHealthSource health, string urls)
    {
        var options = new ObservabilityOptions { HttpUrls = urls };
#pragma warning disable CA2000 // the aggregator lives as long as the test's meter
        var reporter = new StatusReporter(new MetricsAggregator(metrics), options, health);
#pragma warning restore CA2000
        var server = new StatusServer(reporter, options);
        await server.StartAsync(CancellationToken.None);
        return (server, server.Addresses[0]);
    }
}
