using System.CommandLine;
using System.Text;
using System.Text.Json;
using TokenClean.Cli;
using TokenClean.Scoring;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Cli;

/// <summary>
/// The <c>clean</c> command end to end, in process, with the model loader replaced by an honest bigram language
/// model estimated from a corpus stored in each "checkpoint" directory (bigram.json).
/// </summary>
public sealed class CleanCommandTests : IDisposable
{
    private static readonly int[][] BaseCorpus = [[0, 1, 2, 3], [0, 1, 1, 2]];
    private static readonly int[][] RefCorpus = [[0, 1, 2, 3], [0, 1, 2, 3], [0, 2, 3], [3, 2, 1, 0]];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-clean-" + Guid.NewGuid().ToString("N"));
    private readonly List<BigramTokenLossModel> _loaded = [];

    public CleanCommandTests()
    {
        Directory.CreateDirectory(_dir);
        WriteCheckpoint("base", 4, BaseCorpus);
        WriteCheckpoint("ref", 4, RefCorpus);
        WriteCheckpoint("ref5", 5, RefCorpus);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Clean_GoodAndBadLines_WritesGoodRecordsAndDeadLettersEveryBadLineAndExitsZero()
    {
        var input = WriteInput(
            """{"id":"a","input_ids":[0,1,2,3],"labels":[-100,-100,2,3]}""",
            """{"id":"b","input_ids":[3,2,1,0],"labels":[-100,2,1,0]}""",
            "not json",
            """{"id":"c","input_ids":[0,1],"labels":[-100]}""",
            """{"id":"d","input_ids":[0,7],"labels":[-100,7]}""",
            """{"id":"e","input_ids":[0,1,2],"labels":[-100,-100,-100]}""",
            "",
            """{"input_ids":[1,2,3],"labels":[-100,2,3]}""",
            "\u0001INVALID\u0001",
            """{"id":7,"input_ids":[0,1,2],"labels":[-100,5,2]}""",
            """{"id":"g","input_ids":"0 1 2","labels":[-100,1,2]}""");

        var (exit, stdout, stderr) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out);

        Assert.True(exit == 0, stderr);
        var records = ReadJsonLines(Path.Combine(Out, "samples.jsonl"));
        Assert.Equal(3, records.Count);
        Assert.Equal("a", records[0].GetProperty("sample_id").GetString());
        Assert.Equal("b", records[1].GetProperty("sample_id").GetString());
        // A sample without id gets serve's content hash (SHA-256 of the line's bytes), so both give it the same id.
        Assert.Equal(
            TokenClean.Ingest.Samples.SampleIds.ContentHash("""{"input_ids":[1,2,3],"labels":[-100,2,3]}"""u8),
            records[2].GetProperty("sample_id").GetString());

        var deadLetters = ReadJsonLines(Path.Combine(Out, "dead-letters.jsonl"));
        Assert.Equal(
            [(3, "malformed_json"), (4, "labels_length_mismatch"), (5, "token_out_of_vocabulary"), (6, "empty_response"), (9, "invalid_utf8"), (10, "invalid_label"), (11, "wrong_type")],
            deadLetters.Select(d => (d.GetProperty("line").GetInt32(), d.GetProperty("reason").GetString()!)));
        // For one release a renamed code also travels under its old spelling (docs/OPERATIONS.md).
        Assert.Equal(
            [null, "length_mismatch", "id_out_of_vocab", null, null, "label_mismatch", null],
            deadLetters.Select(d => d.TryGetProperty("legacy_reason", out var legacy) ? legacy.GetString() : null));
        Assert.Equal("7", deadLetters[5].GetProperty("sample_id").GetString());
        Assert.Equal("not json", deadLetters[0].GetProperty("raw").GetString());
        Assert.Contains("3 written, 7 rejected", stdout, StringComparison.Ordinal);
        Assert.All(_loaded, m => Assert.True(m.Disposed));
    }

    [Fact]
    public async Task Clean_Bf16_WarnsWhereTheCpuHasNoBf16Units_AndStillCleans()
    {
        var input = WriteInput("""{"id":"a","input_ids":[0,1,2,3],"labels":[-100,-100,2,3]}""");

        var (exit, stdout, stderr) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out, "--dtype", "bf16");
        var (exit32, _, stderr32) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out, "--dtype", "fp32");

        Assert.True(exit == 0, stderr);
        Assert.True(exit32 == 0, stderr32);
        Assert.Contains("1 written, 0 rejected", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", stderr32, StringComparison.Ordinal);
        var reason = Torch.SlowerThanFp32Reason("cpu", DType.BFloat16);
        if (reason is null)
        {
            Assert.DoesNotContain("warning:", stderr, StringComparison.Ordinal); // this CPU has bf16 units
            return;
        }

        Assert.StartsWith("warning: bf16 on this CPU is slower than fp32", stderr, StringComparison.Ordinal);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_GlobalSelection_KeepsTheTopSixtyPercentOfAllResponseTokensByInfluence()
    {
        string[] lines =
        [
            """{"id":"a","input_ids":[0,1,2,3],"labels":[-100,-100,2,3]}""",
            """{"id":"b","input_ids":[3,2,1,0],"labels":[-100,2,1,0]}""",
            """{"id":"c","input_ids":[1,2,3,3,2],"labels":[-100,2,3,3,2]}""",
        ];
        var input = WriteInput(lines);

        var (exit, stdout, stderr) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out);

        Assert.True(exit == 0, stderr);
        var records = ReadJsonLines(Path.Combine(Out, "samples.jsonl"));

        // Independent expectation from the two bigram models: influence = ln p_ref − ln p_base per response token,
        // 2 + 3 + 4 = 9 response tokens, int(0.6 * 9) = 5 kept, ranked by influence then (sample, position).
        using var b = LoadBigram(Checkpoint("base"));
        using var r = LoadBigram(Checkpoint("ref"));
        var all = new List<(double Influence, int Sample, int Position)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var ids = records[i].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var influence = records[i].GetProperty("influence");
            for (var j = 1; j < ids.Length; j++)
            {
                if (i == 0 && j < 2)
                {
                    Assert.Equal(JsonValueKind.Null, influence[j].ValueKind);
                    continue;
                }

                var expected = Math.Log(r.Probability(ids[j - 1], ids[j])) - Math.Log(b.Probability(ids[j - 1], ids[j]));
                Assert.Equal(expected, influence[j].GetSingle(), 5);
                all.Add((influence[j].GetSingle(), i, j));
            }

            Assert.Equal(JsonValueKind.Null, influence[0].ValueKind);
        }

        var kept = all.OrderByDescending(t => t.Influence).ThenBy(t => t.Sample).ThenBy(t => t.Position).Take(5).ToList();
        for (var i = 0; i < lines.Length; i++)
        {
            var ids = records[i].GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var labels = records[i].GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var expectedLabels = ids.Select((id, j) => kept.Contains(all.Find(t => t.Sample == i && t.Position == j)) && j > 0 ? id : -100);
            Assert.Equal(expectedLabels, labels);
            Assert.Equal(labels.Count(l => l != -100), records[i].GetProperty("kept_tokens").GetInt32());
            Assert.Equal((float)kept[^1].Influence, records[i].GetProperty("threshold").GetSingle());
        }

        Assert.Equal([2, 3, 4], records.Select(x => x.GetProperty("response_tokens").GetInt32()));
        Assert.Contains("response tokens  9", stdout, StringComparison.Ordinal);
        Assert.Contains("kept tokens      5", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_Records_HaveExactlyTheOutputSchemaColumnsAndLossesOnlyWhenAskedFor()
    {
        var input = WriteInput("""{"id":"a","input_ids":[0,1,2,3],"labels":[-100,-100,2,3]}""");

        var (exit, _, _) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out);
        var plain = ReadJsonLines(Path.Combine(Out, "samples.jsonl"))[0];
        var (exitLosses, _, _) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out, "--emit-losses");
        var withLosses = ReadJsonLines(Path.Combine(Out, "samples.jsonl"))[0];

        Assert.Equal(0, exit);
        Assert.Equal(0, exitLosses);
        string[] columns =
        [
            "sample_id", "source_topic", "source_partition", "source_offset", "input_ids", "labels", "influence",
            "response_tokens", "kept_tokens", "ref_model_version", "base_model", "threshold", "scored_at",
        ];
        Assert.Equal(columns, plain.EnumerateObject().Select(p => p.Name));
        Assert.Equal([.. columns, "base_loss", "ref_loss"], withLosses.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ref", plain.GetProperty("ref_model_version").GetString());
        Assert.Equal("base", plain.GetProperty("base_model").GetString());
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("source_topic").ValueKind);

        // Position 2: token 2 after 1 under the base model: p = (2+1)/(3+4) = 3/7.
        Assert.Equal(Math.Log(7.0 / 3), withLosses.GetProperty("base_loss")[2].GetSingle(), 5);
        Assert.Equal(
            withLosses.GetProperty("base_loss")[3].GetSingle() - withLosses.GetProperty("ref_loss")[3].GetSingle(),
            withLosses.GetProperty("influence")[3].GetSingle(),
            5);
        Assert.True(DateTimeOffset.Parse(plain.GetProperty("scored_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Clean_ASmallTokenBudget_BatchesWithinItAndChangesNoRecord()
    {
        var lines = new string[40];
        var random = new Random(7);
        for (var i = 0; i < lines.Length; i++)
        {
            var ids = Enumerable.Range(0, random.Next(2, 9)).Select(_ => random.Next(0, 4)).ToArray();
            var labels = ids.Select((id, j) => j < ids.Length / 2 ? -100 : id).ToArray();
            labels[^1] = ids[^1];
            lines[i] = JsonSerializer.Serialize(new { id = $"s{i}", input_ids = ids, labels });
        }

        var input = WriteInput(lines);

        var (exitOne, _, _) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out, "--batch-tokens", "10");
        var small = File.ReadAllLines(Path.Combine(Out, "samples.jsonl")).Select(StripTimestamp).ToArray();
        var smallModel = _loaded[0];
        var (exitBig, _, _) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out);
        var big = File.ReadAllLines(Path.Combine(Out, "samples.jsonl")).Select(StripTimestamp).ToArray();

        Assert.Equal(0, exitOne);
        Assert.Equal(0, exitBig);
        Assert.True(smallModel.LargestBatchTokens <= 10, $"largest batch {smallModel.LargestBatchTokens} tokens");
        Assert.True(smallModel.Calls > 10, $"{smallModel.Calls} calls");
        Assert.Equal(1, _loaded[2].Calls);
        Assert.Equal(big, small);
    }

    [Fact]
    public async Task Clean_MaxLength_DeadLettersLongerSamples()
    {
        var input = WriteInput(
            """{"id":"short","input_ids":[0,1,2],"labels":[-100,1,2]}""",
            """{"id":"long","input_ids":[0,1,2,3,0],"labels":[-100,1,2,3,0]}""");

        var (exit, _, _) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out, "--max-length", "4");

        Assert.Equal(0, exit);
        var deadLetter = Assert.Single(ReadJsonLines(Path.Combine(Out, "dead-letters.jsonl")));
        Assert.Equal("too_many_tokens", deadLetter.GetProperty("reason").GetString());
        Assert.Equal("too_long", deadLetter.GetProperty("legacy_reason").GetString());
        Assert.Equal("long", deadLetter.GetProperty("sample_id").GetString());
        Assert.Single(ReadJsonLines(Path.Combine(Out, "samples.jsonl")));
    }

    [Fact]
    public async Task Clean_PerSampleSelection_KeepsIntOfKeepTimesEachSamplesTokens()
    {
        var input = WriteInput(
            """{"id":"a","input_ids":[0,1,2,3],"labels":[-100,-100,2,3]}""",
            """{"id":"c","input_ids":[1,2,3,3,2],"labels":[-100,2,3,3,2]}""");

        var (exit, _, _) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out, "--selection", "per-sample", "--keep", "0.5");

        Assert.Equal(0, exit);
        Assert.Equal([1, 2], ReadJsonLines(Path.Combine(Out, "samples.jsonl")).Select(r => r.GetProperty("kept_tokens").GetInt32()));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "samples.manifest.json"))).RootElement;
        Assert.Equal("per-sample", manifest.GetProperty("selection_mode").GetString());
    }

    [Fact]
    public async Task Clean_ModelsWithDifferentVocabularies_IsAUsageError()
    {
        var input = WriteInput("""{"id":"a","input_ids":[0,1],"labels":[-100,1]}""");

        var (exit, _, stderr) = await Run("--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref5"), "--out", Out);

        Assert.Equal(2, exit);
        Assert.Contains("vocabulary size", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Out, "samples.jsonl")));
    }

    [Fact]
    public async Task Clean_AMissingInputFile_IsAUsageError()
    {
        var (exit, _, stderr) = await Run("--input", Path.Combine(_dir, "none.jsonl"), "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out);

        Assert.Equal(2, exit);
        Assert.Contains("input file not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_WithTheShippedModelLoaderOnADirectoryWithoutACheckpoint_ExitsTwoNamingTheMissingConfig()
    {
        var input = WriteInput("""{"id":"a","input_ids":[0,1],"labels":[-100,1]}""");
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await CommandLine.Build()
            .Parse(["clean", "--input", input, "--base", Checkpoint("base"), "--ref", Checkpoint("ref"), "--out", Out])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("cannot load a model", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("config.json", error.ToString(), StringComparison.Ordinal);
    }

    private string Out => Path.Combine(_dir, "out");

    private string Checkpoint(string name) => Path.Combine(_dir, name);

    private static string StripTimestamp(string line)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
        node.Remove("scored_at");
        return node.ToJsonString();
    }

    private void WriteCheckpoint(string name, int vocabSize, int[][] corpus)
    {
        Directory.CreateDirectory(Checkpoint(name));
        File.WriteAllText(Path.Combine(Checkpoint(name), "bigram.json"), JsonSerializer.Serialize(new { vocab_size = vocabSize, corpus }));
    }

    private static BigramTokenLossModel LoadBigram(string directory)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "bigram.json")));
        var corpus = doc.RootElement.GetProperty("corpus").EnumerateArray()
            .Select(s => s.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        return new BigramTokenLossModel(Path.GetFileName(directory), doc.RootElement.GetProperty("vocab_size").GetInt32(), corpus);
    }

    private string WriteInput(params string[] lines)
    {
        var path = Path.Combine(_dir, "samples.jsonl");
        using var file = File.Create(path);
        foreach (var line in lines)
        {
            // "\u0001INVALID\u0001" stands for a line that is not UTF-8: write bytes no UTF-8 decoder accepts.
            var bytes = line == "\u0001INVALID\u0001" ? [0x7B, 0xC3, 0x28, 0xFF, 0x7D] : Encoding.UTF8.GetBytes(line);
            file.Write(bytes);
            file.WriteByte((byte)'\n');
        }

        return path;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args)
    {
        var root = new RootCommand { CleanCommand.Create(dir => Track(LoadBigram(dir))) };
        var output = new StringWriter();
        var error = new StringWriter();
        // JSON Lines output: these tests read records as text (the Arrow path is CleanTextToArrowTests).
        var exit = await root.Parse(["clean", "--format", "jsonl", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private BigramTokenLossModel Track(BigramTokenLossModel model)
    {
        _loaded.Add(model);
        return model;
    }

    private static List<JsonElement> ReadJsonLines(string path)
    {
        var result = new List<JsonElement>();
        foreach (var line in File.ReadAllLines(path))
        {
            result.Add(JsonDocument.Parse(line).RootElement.Clone());
        }

        return result;
    }
}
