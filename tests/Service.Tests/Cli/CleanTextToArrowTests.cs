using System.CommandLine;
using System.Text.Json;
using TokenClean.Cli;
using TokenClean.Embedded;
using TokenClean.Tests.Oracles;

namespace TokenClean.Service.Tests.Cli;

/// <summary>
/// The batch command as a user runs it on text: chat/prompt-response samples → the model's tokenizer and chat
/// template → real libtorch models → global top-k → an Arrow stream file, read back by the Arrow project's JS reader.
/// </summary>
[Collection("libtorch")]
public sealed class CleanTextToArrowTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-clean-text-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Clean_TextSamplesToArrow_KeepsSixtyPercentOfResponseTokensAndDeadLettersBadLines()
    {
        var demo = Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl");
        var lines = await File.ReadAllLinesAsync(demo);
        var (baseDir, refDir) = DemoAssets.Ensure(Path.Combine(_dir, "models"), lines, merges: 200);
        var outDir = Path.Combine(_dir, "out");
        var output = new StringWriter();

        var exit = await CommandLine.Build()
            .Parse(["clean", "--input", demo, "--base", baseDir, "--ref", refDir, "--out", outDir, "--chat-template", "chatml"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() });

        Assert.Equal(0, exit);
        var table = ArrowJs.ReadOne(Path.Combine(outDir, "demo.arrow"));
        var columns = table.GetProperty("columns");
        int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var inputIds = columns.GetProperty("input_ids").EnumerateArray().Select(Ints).ToList();
        var allLabels = columns.GetProperty("labels").EnumerateArray().Select(Ints).ToList();
        var responseTokens = Ints(columns.GetProperty("response_tokens"));
        var keptTokens = Ints(columns.GetProperty("kept_tokens"));
        var versions = columns.GetProperty("ref_model_version").EnumerateArray().Select(x => x.GetString()).ToList();
        var deadLetters = await File.ReadAllLinesAsync(Path.Combine(outDir, "dead-letters.jsonl"));
        Assert.Equal(lines.Length, inputIds.Count + deadLetters.Length);
        Assert.Equal(["malformed_json", "no_assistant_turn", "empty_response"], deadLetters.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("reason").GetString()));

        // One tokenizer lineage format: the Arrow schema metadata and the manifest name the same tokenizer, as serve does.
        var lineage = TokenClean.Sink.Output.TokenizerLineage.FromPath(baseDir);
        Assert.StartsWith("sha256:", lineage.Hash, StringComparison.Ordinal);
        var metadata = table.GetProperty("metadata");
        Assert.Equal(lineage.Id, metadata.GetProperty("tokenclean.tokenizer_id").GetString());
        Assert.Equal(lineage.Hash, metadata.GetProperty("tokenclean.tokenizer_hash").GetString());
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "demo.manifest.json")));
        Assert.Equal(lineage.Id, manifest.RootElement.GetProperty("tokenizer_id").GetString());
        Assert.Equal(lineage.Hash, manifest.RootElement.GetProperty("tokenizer_hash").GetString());

        long response = 0, kept = 0;
        for (var r = 0; r < inputIds.Count; r++)
        {
            var ids = inputIds[r];
            var labels = allLabels[r];
            Assert.Equal(ids.Length, labels.Length);
            var keptHere = 0;
            for (var j = 0; j < ids.Length; j++)
            {
                Assert.True(labels[j] == -100 || labels[j] == ids[j], $"labels[{j}] must be -100 or the token id");
                keptHere += labels[j] == -100 ? 0 : 1;
            }

            Assert.Equal(keptTokens[r], keptHere);
            response += responseTokens[r];
            kept += keptHere;
            Assert.Equal("ref", versions[r]);
        }

        // The paper's rule: int(0.6 × response tokens) kept, ranked over the whole file.
        Assert.Equal((long)(0.6 * response), kept);
        Assert.Contains("keep ratio", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_ZstdArrowAndParquet_HoldTheSameRowsLossesAndMetadataAsThePlainArrowFile()
    {
        var demo = Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl");
        var lines = await File.ReadAllLinesAsync(demo);
        var (baseDir, refDir) = DemoAssets.Ensure(Path.Combine(_dir, "models"), lines, merges: 200);
        async Task<string> Clean(string name, params string[] extra)
        {
            var outDir = Path.Combine(_dir, name);
            var exit = await CommandLine.Build()
                .Parse(["clean", "--input", demo, "--base", baseDir, "--ref", refDir, "--out", outDir, "--chat-template", "chatml", "--emit-losses", .. extra])
                .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() });
            Assert.Equal(0, exit);
            return outDir;
        }

        var plain = Path.Combine(await Clean("plain"), "demo.arrow");
        var zstd = Path.Combine(await Clean("zstd", "--compression", "zstd"), "demo.arrow");
        var parquet = Path.Combine(await Clean("parquet", "--format", "parquet"), "demo.parquet");

        // Arrow JS (with its zstd codec registered) reads the compressed file to the same values as the plain one
        // (scored_at differs between runs: it is the time of scoring).
        var js = ArrowJs.Run(["--columns", "sample_id,input_ids,labels,influence,response_tokens,kept_tokens,ref_model_version,base_model,threshold,base_loss,ref_loss", plain, zstd]);
        Assert.Equal(js[0].GetProperty("columns").GetRawText(), js[1].GetProperty("columns").GetRawText());
        Assert.True(new FileInfo(zstd).Length < new FileInfo(plain).Length);

        // Apache.Arrow's and ParquetSharp's readers: same schema (loss columns included), metadata and values.
        var (plainSchema, plainBatches) = Sink.Lake.LakeFileReader.ReadAll(plain);
        var (parquetSchema, parquetBatches) = Sink.Lake.LakeFileReader.ReadAll(parquet);
        Assert.Equal(plainSchema.FieldsList.Select(f => (f.Name, f.IsNullable)), parquetSchema.FieldsList.Select(f => (f.Name, f.IsNullable)));
        Assert.Contains(plainSchema.FieldsList, f => f.Name == "ref_loss");
        foreach (var (key, value) in plainSchema.Metadata)
        {
            Assert.Equal(value, parquetSchema.Metadata[key]);
        }

        static List<string> Rows(List<Apache.Arrow.RecordBatch> batches)
        {
            var rows = new List<string>();
            foreach (var b in batches)
            {
                var ids = (Apache.Arrow.ListArray)b.Column("input_ids");
                var loss = (Apache.Arrow.ListArray)b.Column("base_loss");
                var sample = (Apache.Arrow.StringArray)b.Column("sample_id");
                for (var r = 0; r < b.Length; r++)
                {
                    var idValues = ((Apache.Arrow.Int32Array)ids.GetSlicedValues(r)).Values.ToArray();
                    var lossBits = ((Apache.Arrow.FloatArray)loss.GetSlicedValues(r)).Values.ToArray().Select(BitConverter.SingleToInt32Bits);
                    rows.Add($"{sample.GetString(r)}|{string.Join(',', idValues)}|{string.Join(',', lossBits)}");
                }
            }

            return rows;
        }

        var expected = Rows(plainBatches);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Rows(parquetBatches));
    }

    [Fact]
    public async Task Clean_ModelWithoutChatTemplate_ScoresPreTokenizedLinesAndDeadLettersTextOnesWithTheReason()
    {
        var demo = Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl");
        var (baseDir, refDir) = DemoAssets.Ensure(Path.Combine(_dir, "models"), await File.ReadAllLinesAsync(demo), merges: 50);
        var input = Path.Combine(_dir, "mixed.jsonl");
        await File.WriteAllLinesAsync(input,
        [
            """{"id":"tok","input_ids":[10,20,30,40,50],"labels":[-100,-100,30,40,50]}""",
            """{"id":"chat","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}""",
        ]);
        var outDir = Path.Combine(_dir, "out-no-template");

        var exit = await CommandLine.Build()
            .Parse(["clean", "--input", input, "--base", baseDir, "--ref", refDir, "--out", outDir, "--format", "jsonl"])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() });

        Assert.Equal(0, exit);
        var rows = await File.ReadAllLinesAsync(Path.Combine(outDir, "mixed.jsonl"));
        Assert.Equal("tok", JsonDocument.Parse(Assert.Single(rows)).RootElement.GetProperty("sample_id").GetString());
        var dead = JsonDocument.Parse(Assert.Single(await File.ReadAllLinesAsync(Path.Combine(outDir, "dead-letters.jsonl")))).RootElement;
        Assert.Equal("no_chat_template", dead.GetProperty("reason").GetString());
        Assert.Contains("--chat-template", dead.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
