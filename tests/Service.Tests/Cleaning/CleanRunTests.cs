using System.Text.Json;
using TokenClean.Service.Cleaning;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Cleaning;

/// <summary>The run itself (without the command-line layer): invariants over random inputs, progress, windows.</summary>
public sealed class CleanRunTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-run-" + Guid.NewGuid().ToString("N"));

    public CleanRunTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Execute_RandomMixOfGoodAndBadLines_PutsEveryRecordExactlyOnceInTheOutputOrTheDeadLetters()
    {
        var random = new Random(99);
        var lines = new List<string>();
        var expectedGood = new List<string>();
        var expectedBad = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var id = $"r{i}";
            var ids = Enumerable.Range(0, random.Next(2, 12)).Select(_ => random.Next(0, 5)).ToArray();
            var labels = ids.Select((t, j) => j == 0 || random.Next(3) == 0 ? -100 : t).ToArray();
            var kind = random.Next(6);
            switch (kind)
            {
                case 0:
                    lines.Add($"{{\"id\":\"{id}\",\"input_ids\":[1,2");
                    expectedBad.Add(id);
                    continue;
                case 1:
                    ids[^1] = 5; // vocabulary is 0..4
                    break;
                case 2:
                    labels = [.. labels.Skip(1)];
                    break;
            }

            lines.Add(JsonSerializer.Serialize(new { id, input_ids = ids, labels }));
            var scorable = labels.Skip(1).Any(l => l != -100);
            (kind is 1 or 2 || !scorable ? expectedBad : expectedGood).Add(id);
        }

        File.WriteAllLines(Path.Combine(_dir, "in.jsonl"), lines);
        var (exit, _, _) = Execute(new CleanOptions { Input = Path.Combine(_dir, "in.jsonl"), BaseModel = "b", ReferenceModel = "r", OutputDirectory = Path.Combine(_dir, "out"), BatchTokens = 37 });

        Assert.Equal(0, exit);
        var written = File.ReadAllLines(Path.Combine(_dir, "out", "in.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sample_id").GetString()!).ToList();
        var deadLetters = File.ReadAllLines(Path.Combine(_dir, "out", "dead-letters.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(expectedGood, written);
        Assert.Equal(expectedBad.Count, deadLetters.Count);
        Assert.Equal(lines.Count, written.Count + deadLetters.Count);
        Assert.Equal(deadLetters.Select(d => d.GetProperty("line").GetInt32()).Order(), deadLetters.Select(d => d.GetProperty("line").GetInt32()));
    }

    [Fact]
    public void Execute_WindowSelection_KeepsIntOfKeepTimesTokensPerWindow()
    {
        var lines = Enumerable.Range(0, 5).Select(i => $"{{\"id\":\"w{i}\",\"input_ids\":[0,1,2,3],\"labels\":[-100,1,2,3]}}");
        File.WriteAllLines(Path.Combine(_dir, "in.jsonl"), lines);

        var (exit, stdout, _) = Execute(new CleanOptions
        {
            Input = Path.Combine(_dir, "in.jsonl"), BaseModel = "b", ReferenceModel = "r", OutputDirectory = Path.Combine(_dir, "out"),
            Selection = "window", WindowSamples = 2, Keep = 0.5,
        });

        // Windows of 2, 2 and 1 samples with 6, 6 and 3 response tokens keep 3, 3 and 1.
        Assert.Equal(0, exit);
        var kept = File.ReadAllLines(Path.Combine(_dir, "out", "in.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("kept_tokens").GetInt32()).ToArray();
        Assert.Equal(3, kept[0] + kept[1]);
        Assert.Equal(3, kept[2] + kept[3]);
        Assert.Equal(1, kept[4]);
        Assert.Contains("selection window(samples=2)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_WithAShortProgressInterval_ReportsProgressOnStderr()
    {
        File.WriteAllLines(Path.Combine(_dir, "in.jsonl"), ["{\"input_ids\":[0,1,2],\"labels\":[-100,1,2]}", "{\"input_ids\":[3,1],\"labels\":[-100,1]}"]);

        var (exit, _, stderr) = Execute(new CleanOptions { Input = Path.Combine(_dir, "in.jsonl"), BaseModel = "b", ReferenceModel = "r", OutputDirectory = Path.Combine(_dir, "out"), ProgressSeconds = 0 });

        Assert.Equal(0, exit);
        Assert.Contains("clean: ", stderr, StringComparison.Ordinal);
        Assert.Contains("2 samples read", stderr, StringComparison.Ordinal);
        Assert.Contains("tokens/s", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_ASampleLongerThanOneModelsContext_IsDeadLetteredAndNoTempFileRemains()
    {
        File.WriteAllLines(Path.Combine(_dir, "in.jsonl"), ["{\"input_ids\":[0,1,2],\"labels\":[-100,1,2]}"]);
        var run = new CleanRun(
            dir => dir == "r" ? new BigramTokenLossModel("r", 5, [], maxSequenceLength: 2) : Model(dir),
            TextLineParser.PreTokenizedOnly(int.MaxValue).Parse,
            (path, metadata) => new JsonLinesRecordWriter(path, metadata),
            TextWriter.Null,
            TextWriter.Null);

        // The reference accepts only 2 tokens; with --max-length unset the limit is the shorter of both contexts,
        // so the sample is dead-lettered rather than failing inside the model: the output exists and is empty.
        var exit = run.Execute(new CleanOptions { Input = Path.Combine(_dir, "in.jsonl"), BaseModel = "b", ReferenceModel = "r", OutputDirectory = Path.Combine(_dir, "out") }, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Empty(File.ReadAllLines(Path.Combine(_dir, "out", "in.jsonl")));
        Assert.Contains("\"reason\":\"too_many_tokens\"", File.ReadAllText(Path.Combine(_dir, "out", "dead-letters.jsonl")), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "out"), "*.tmp"));
    }

    private static BigramTokenLossModel Model(string name) =>
        new(name, 5, name == "b" ? [[0, 1, 2, 3, 4]] : [[4, 3, 2, 1, 0], [0, 1, 2]]);

    private static (int Exit, string Stdout, string Stderr) Execute(CleanOptions options)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var run = new CleanRun(Model, TextLineParser.PreTokenizedOnly(int.MaxValue).Parse, (path, metadata) => new JsonLinesRecordWriter(path, metadata), stdout, stderr);
        var exit = run.Execute(options, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
