using System.Diagnostics;
using System.Text.Json.Nodes;
using TokenClean.Ingest.Tests.Templates;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Ingest.Tests.Samples;

/// <summary>
/// The Hugging Face tokenizers library (Rust, through tests/oracles/tokenizer-server.mjs) as an <see cref="ITokenizer"/>:
/// the reference implementation, so mask tests run against real BPE vocabularies until the C# tokenizer lands.
/// </summary>
internal sealed class NodeHfTokenizer : ITokenizer, IDisposable
{
    private readonly Process process;
    private readonly Lock gate = new();

    public NodeHfTokenizer(string tokenizerJson)
    {
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            WorkingDirectory = Path.Combine(NodeOracle.RepoRoot, "tests", "oracles"),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
        };
        psi.ArgumentList.Add("tokenizer-server.mjs");
        psi.ArgumentList.Add(tokenizerJson);
        process = Process.Start(psi)!;
        VocabSize = Call(new JsonObject { ["op"] = "vocab" })["size"]!.GetValue<int>();
    }

    public static NodeHfTokenizer ForLenml(string package) => new(Path.Combine(NodeOracle.LenmlModelDir(package), "tokenizer.json"));

    public int VocabSize { get; }

    public int[] Encode(string text, bool addSpecialTokens = false) =>
        [.. Call(new JsonObject { ["op"] = "encode", ["text"] = text, ["special"] = addSpecialTokens })["ids"]!.AsArray().Select(n => n!.GetValue<int>())];

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) =>
        Call(new JsonObject { ["op"] = "decode", ["ids"] = new JsonArray([.. ids.ToArray().Select(i => (JsonNode)i)]), ["skip"] = skipSpecialTokens })["text"]!.GetValue<string>();

    public int? TokenToId(string token) => Call(new JsonObject { ["op"] = "id", ["token"] = token })["id"]?.GetValue<int>();

    private JsonObject Call(JsonObject request)
    {
        lock (gate)
        {
            process.StandardInput.WriteLine(request.ToJsonString());
            process.StandardInput.Flush();
            var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("tokenizer server exited");
            var reply = JsonNode.Parse(line)!.AsObject();
            return reply.TryGetPropertyValue("error", out var error) ? throw new InvalidOperationException(error!.GetValue<string>()) : reply;
        }
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(5000))
            {
                process.Kill();
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
