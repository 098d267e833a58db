using TokenClean.Cli;
using TokenClean.Tests.Oracles;

namespace TokenClean.Service.Tests.Cli;

[Collection("libtorch")]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_OnTheBundledSamples_WritesArrowOutputAndDeadLettersForEveryLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tc-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var input = Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl");
            var exit = await CommandLine.Build().Parse(["demo", "--input", input, "--out", dir]).InvokeAsync();
            Assert.Equal(0, exit);
            // Through the serve core: every produced sample is once in the lake, as a row or a dead letter.
            var lake = Pipeline.LakeContents.Read(Path.Combine(dir, "lake"));
            var lines = File.ReadAllLines(input);
            var offsets = lake.Offsets();
            Assert.Equal(lines.Length, offsets.Count);
            Assert.Equal(lines.Length, offsets.Distinct().Count());
            Assert.NotEmpty(lake.Rows);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void Demo_InTheSyntheticWorld_WritesEverySampleAndJudgesTheLakeAgainstTheGroundTruth()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tc-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var output = new StringWriter();
            var world = new SyntheticDemoWorld(output);
            Assert.Equal(0, DemoCommand.Run(world, null, new DirectoryInfo(dir), null, output, CancellationToken.None));
            var text = output.ToString();
            var lake = Pipeline.LakeContents.Read(Path.Combine(dir, "lake"));
            Assert.Equal(SyntheticDemoWorld.SampleCount, lake.Rows.Count);
            Assert.Equal(SyntheticDemoWorld.SampleCount, lake.Offsets().Distinct().Count());
            Assert.Contains($"ground truth     (known by construction; the service never saw it) over {SyntheticDemoWorld.SampleCount} samples", text, StringComparison.Ordinal);
            Assert.Contains("noise tokens dropped", text, StringComparison.Ordinal);

            // The summary's figures are the lake's: recomputed here from the rows and the world's truth.
            var truth = world.Truth();
            var masks = new Service.Inspection.LakeInspector(Path.Combine(dir, "lake")).Labels();
            var quality = TokenClean.Evidence.Metrics.MaskQuality.Measure(truth, masks);
            Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"noise tokens dropped        {quality.NoiseDropped:P0}"), text, StringComparison.Ordinal);

            // A second run reuses the models trained by the first.
            var again = new StringWriter();
            Directory.Delete(Path.Combine(dir, "lake"), recursive: true);
            Assert.Equal(0, DemoCommand.Run(new SyntheticDemoWorld(again), null, new DirectoryInfo(dir), null, again, CancellationToken.None));
            Assert.Contains("models trained by an earlier run", again.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Demo_WithAMissingInputFile_ExitsTwoWithoutThrowing()
    {
        var exit = await CommandLine.Build().Parse(["demo", "--input", "/nonexistent/samples.jsonl"]).InvokeAsync();
        Assert.Equal(2, exit);
    }
}
