using System.CommandLine;
using System.Text.Json;
using Apache.Arrow;
using Microsoft.Playwright;
using TokenClean.Cli;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Service.Tests.Browser;

/// <summary>
/// The demo as a person sees it: its status page and token inspector in real Chromium, and <c>tokenclean inspect</c>
/// on its lake, checked against the lake file read with Apache.Arrow and decoded with the tokenizer directly.
/// </summary>
[Collection("libtorch")]
public sealed class DemoPageBrowserTests(DemoService demo) : IClassFixture<DemoService>
{
    private const string KnownSample = "demo-005";

    [SkippableFact]
    public async Task StatusPage_AfterTheDemoStream_ShowsTheServicesFiguresWithoutConsoleErrors()
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var pw = playwright;
        await using var chromium = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var errors = new ConsoleErrors(page);
        await page.GotoAsync(demo.Url.ToString());

        using var http = new HttpClient();
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(demo.Url, "status")));
        var totals = status.RootElement.GetProperty("totals");
        await StatusPageBrowserTests.Expect(page, "#health", "healthy");
        await StatusPageBrowserTests.Expect(page, "#totals", $"{totals.GetProperty("samplesWritten").GetInt64()} written");
        await StatusPageBrowserTests.Expect(page, "#ref-version", status.RootElement.GetProperty("reference").GetProperty("version").GetString()!);
        await StatusPageBrowserTests.Expect(page, "#ref-history", "in use");
        foreach (var reason in status.RootElement.GetProperty("deadLetters").EnumerateObject())
        {
            await StatusPageBrowserTests.Expect(page, "#dead-letters", reason.Name);
        }

        var bars = await page.Locator("#histogram rect.hbar").EvaluateAllAsync<int[]>("bars => bars.map(b => +b.getAttribute('data-count'))");
        Assert.Equal(totals.GetProperty("responseTokens").GetInt64(), bars.Sum() + status.RootElement.GetProperty("influenceHistogram").GetProperty("below").GetInt64() + status.RootElement.GetProperty("influenceHistogram").GetProperty("above").GetInt64());
        Assert.False(await page.Locator("#inspector").IsHiddenAsync());
        if (Chromium.ScreenshotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, "status-page.png"), FullPage = true });
        }

        errors.AssertNone();
    }

    [SkippableFact]
    public async Task Inspector_ForAKnownSample_ShowsItsTokensWithTheLakesDecisionsAndColours()
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var pw = playwright;
        await using var chromium = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var errors = new ConsoleErrors(page);
        await page.GotoAsync(demo.Url.ToString());
        await page.Locator("#inspector").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 10_000 });

        await page.FillAsync("#inspect-id", KnownSample);
        await page.ClickAsync("#inspect-go");
        await StatusPageBrowserTests.Expect(page, "#inspect-head", KnownSample);
        var shown = await page.Locator("#inspect-tokens .tok").EvaluateAllAsync<JsonElement>(
            @"spans => spans.map(s => { const c = getComputedStyle(s); return { id: +s.dataset.id, text: s.textContent, cls: s.className,
                 color: c.color, background: c.backgroundColor, line: c.textDecorationLine, tip: s.title }; })");

        var row = ReadRow(KnownSample);
        var tokenizer = HfTokenizer.FromFile(Path.Combine(demo.Directory, "models", "base", "tokenizer.json"));
        var tokens = shown.EnumerateArray().ToList();
        Assert.Equal(row.Ids, tokens.Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal(tokenizer.Decode(row.Ids), string.Concat(tokens.Select(t => t.GetProperty("text").GetString())));
        for (var i = 0; i < row.Ids.Length; i++)
        {
            var t = tokens[i];
            var cls = t.GetProperty("cls").GetString()!;
            var (r, g, b) = Rgb(t.GetProperty(cls.Contains("kept", StringComparison.Ordinal) ? "background" : "color").GetString()!);
            if (!float.IsFinite(row.Influence[i]))
            {
                Assert.Contains("prompt", cls, StringComparison.Ordinal);
                Assert.Equal((125, 135, 144), (r, g, b)); // the grey of prompt tokens
                continue;
            }

            if (row.Labels[i] != -100)
            {
                Assert.Contains("kept", cls, StringComparison.Ordinal);
                Assert.True(g > r && g > b, $"kept token {i} should be on green, is rgb({r},{g},{b})");
                Assert.DoesNotContain("line-through", t.GetProperty("line").GetString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("dropped", cls, StringComparison.Ordinal);
                Assert.True(r > g && r > b, $"dropped token {i} should be red, is rgb({r},{g},{b})");
                Assert.Contains("line-through", t.GetProperty("line").GetString(), StringComparison.Ordinal);
            }

            var tip = t.GetProperty("tip").GetString()!;
            Assert.Contains($"influence {row.Influence[i].ToString("N4", System.Globalization.CultureInfo.InvariantCulture)}", tip, StringComparison.Ordinal);
            Assert.Contains($"base loss {row.BaseLoss[i].ToString("N4", System.Globalization.CultureInfo.InvariantCulture)}", tip, StringComparison.Ordinal);
            Assert.Contains($"ref loss  {row.RefLoss[i].ToString("N4", System.Globalization.CultureInfo.InvariantCulture)}", tip, StringComparison.Ordinal);
        }

        Assert.Contains(tokens, t => t.GetProperty("cls").GetString()!.Contains("dropped", StringComparison.Ordinal));
        Assert.Contains(tokens, t => t.GetProperty("cls").GetString()!.Contains("kept", StringComparison.Ordinal));

        // Browse: the file's lowest- and highest-scoring rows, each opening in the inspector.
        await page.ClickAsync("#inspect-browse");
        await page.Locator("#inspect-highest li").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        Assert.Equal(5, await page.Locator("#inspect-lowest li").CountAsync());
        var top = await page.Locator("#inspect-highest li a").First.InnerTextAsync();
        await page.Locator("#inspect-highest li a").First.ClickAsync();
        await StatusPageBrowserTests.Expect(page, "#inspect-head", top);
        await page.FillAsync("#inspect-id", KnownSample);
        await page.ClickAsync("#inspect-go");
        await StatusPageBrowserTests.Expect(page, "#inspect-head", KnownSample);
        if (Chromium.ScreenshotDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            var kept = page.Locator("#inspect-tokens .tok.kept:not(:empty)").Nth(3);
            await kept.HoverAsync();
            await page.Locator("#inspector").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(dir, "inspector.png") });
        }

        await page.FillAsync("#inspect-id", "no-such-sample");
        await page.ClickAsync("#inspect-go");
        await StatusPageBrowserTests.Expect(page, "#inspect-msg", "no sample 'no-such-sample'");
        errors.AssertNone();
    }

    [Fact]
    public async Task InspectCommand_NotATerminal_PrintsTheSampleWithPlainMarkersThatMatchTheLake()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CommandLine.Build().Parse(["inspect", "--lake", demo.Lake, "--id", KnownSample, "--table"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exit == 0, error.ToString());
        var text = output.ToString();
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal); // no colours into a pipe
        Assert.Contains($"sample {KnownSample}", text, StringComparison.Ordinal);

        var row = ReadRow(KnownSample);
        var tokenizer = HfTokenizer.FromFile(Path.Combine(demo.Directory, "models", "base", "tokenizer.json"));
        var tokensLine = text.Split('\n')[1..].TakeWhile(l => !l.StartsWith("  legend:", StringComparison.Ordinal));
        var marked = string.Join('\n', tokensLine);
        // Without the markers, the line is the decoded sample.
        Assert.Equal(tokenizer.Decode(row.Ids), marked.Replace("⟪", "", StringComparison.Ordinal).Replace("⟫", "", StringComparison.Ordinal).Replace("~~", "", StringComparison.Ordinal));
        // One table line per token, with the lake's kept/dropped decision.
        var roles = text.Split('\n').Where(l => l.Length > 20 && char.IsDigit(l.TrimStart()[0])).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]).ToList();
        Assert.Equal(row.Ids.Length, roles.Count);
        for (var i = 0; i < row.Ids.Length; i++)
        {
            var expected = !float.IsFinite(row.Influence[i]) ? "prompt" : row.Labels[i] != -100 ? "kept" : "dropped";
            Assert.Equal(expected, roles[i]);
        }

        Assert.Equal(1, await CommandLine.Build().Parse(["inspect", "--lake", demo.Lake, "--id", "no-such-sample"])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error }));
        Assert.Contains("no sample 'no-such-sample'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_Summary_TellsAPersonWhatCameOutAndHowToLoadIt()
    {
        Assert.Contains("keep ratio", demo.Output, StringComparison.Ordinal);
        Assert.Contains("datasets.Dataset.from_file", demo.Output, StringComparison.Ordinal);
        Assert.Contains("rows written to the lake", demo.Output, StringComparison.Ordinal);
        Assert.Contains("legend:", demo.Output, StringComparison.Ordinal); // samples printed token by token
    }

    private static (int R, int G, int B) Rgb(string css)
    {
        var parts = css[(css.IndexOf('(', StringComparison.Ordinal) + 1)..css.IndexOf(')', StringComparison.Ordinal)].Split(',');
        return (int.Parse(parts[0].Trim(), System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1].Trim(), System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2].Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed record LakeRow(int[] Ids, int[] Labels, float[] Influence, float[] BaseLoss, float[] RefLoss);

    // The lake file read with Apache.Arrow's own stream reader, not the inspector's code.
    private LakeRow ReadRow(string sampleId)
    {
        foreach (var path in Directory.GetFiles(demo.Lake, "*.arrow", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(path);
            using var reader = new Apache.Arrow.Ipc.ArrowStreamReader(stream);
            while (reader.ReadNextRecordBatch() is { } batch)
            {
                using (batch)
                {
                    var ids = (StringArray)batch.Column("sample_id");
                    for (var r = 0; r < batch.Length; r++)
                    {
                        if (ids.GetString(r) != sampleId)
                        {
                            continue;
                        }

                        int[] Ints(string name) => ((Int32Array)((ListArray)batch.Column(name)).GetSlicedValues(r)).Values.ToArray();
                        float[] Floats(string name) => ((FloatArray)((ListArray)batch.Column(name)).GetSlicedValues(r)).Values.ToArray();
                        return new LakeRow(Ints("input_ids"), Ints("labels"), Floats("influence"), Floats("base_loss"), Floats("ref_loss"));
                    }
                }
            }
        }

        throw new InvalidOperationException($"{sampleId} is not in the demo's lake");
    }
}
