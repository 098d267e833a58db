using TokenClean.Core.Progress;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Progress;

public sealed class TerminalProgressTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Plain_NotATerminal_PrintsOneLinePerIntervalWithRateAndEtaAndAFinalLine()
    {
        var time = new ManualTime(T0);
        var output = new StringWriter();
        var progress = new TerminalProgress("clean", 1000, new TerminalProgressOptions { Unit = "samples", Output = output, Interactive = false, Time = time, PlainInterval = TimeSpan.FromSeconds(5) });

        time.Advance(TimeSpan.FromSeconds(1));
        progress.Update(100);
        Assert.Equal("", output.ToString()); // not due yet: logs stay short

        time.Advance(TimeSpan.FromSeconds(4));
        progress.Update(250, "12 rejected");
        progress.Update(260); // same second: no second line
        time.Advance(TimeSpan.FromSeconds(5));
        progress.Update(500);
        progress.Finish("done detail");
        progress.Update(600); // after Finish: nothing

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "clean: 250/1,000 samples (25%), 50 samples/s, ETA 15.0 s; 12 rejected",
                "clean: 500/1,000 samples (50%), 50 samples/s, ETA 10.0 s; 12 rejected",
                "clean: done, 500 samples in 10.0 s (50 samples/s); done detail",
            ],
            lines);
        Assert.DoesNotContain('\r', output.ToString());
        Assert.DoesNotContain('\u001b', output.ToString());
    }

    [Fact]
    public void Interactive_ATerminal_RedrawsOneBarInPlaceAndEndsItWithANewline()
    {
        var time = new ManualTime(T0);
        var output = new StringWriter();
        var progress = new TerminalProgress("train", 40, new TerminalProgressOptions { Unit = "steps", Output = output, Interactive = true, Time = time, Columns = 200 });

        time.Advance(TimeSpan.FromSeconds(2));
        progress.Update(10);
        progress.Update(11); // within the redraw interval: skipped
        time.Advance(TimeSpan.FromSeconds(2));
        progress.Update(20, "loss 1.5");
        progress.Finish();

        var text = output.ToString();
        var frames = text.Split("\r\u001b[2K", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, frames.Length);
        Assert.Equal("[██████░░░░░░░░░░░░░░░░░░] train: 10/40 steps (25%), 5 steps/s, ETA 6.0 s", frames[0]);
        Assert.Equal("[████████████░░░░░░░░░░░░] train: 20/40 steps (50%), 5 steps/s, ETA 4.0 s; loss 1.5", frames[1]);
        Assert.Equal("train: done, 20 steps in 4.0 s (5 steps/s); loss 1.5\n", frames[2]);
        Assert.Single(text, c => c == '\n'); // one line on the terminal in the end
    }

    [Fact]
    public void Interactive_NarrowTerminal_CutsTheLineToFit()
    {
        var time = new ManualTime(T0);
        var output = new StringWriter();
        var progress = new TerminalProgress("bench", 0, new TerminalProgressOptions { Output = output, Interactive = true, Time = time, Columns = 30, RedrawInterval = TimeSpan.Zero });
        time.Advance(TimeSpan.FromSeconds(1));
        progress.Update(3, "a long detail that does not fit in thirty columns");
        var frame = output.ToString().Split("\r\u001b[2K", StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.Equal(29, frame.Length);
        Assert.EndsWith("…", frame, StringComparison.Ordinal);
        Assert.StartsWith("bench: 3 items, 3 items/s", frame, StringComparison.Ordinal); // unknown total: no bar, no ETA
    }
}
