using System.Diagnostics;
using System.Globalization;
using TokenClean.Ingest.Json;

namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>
/// The parity corpus, generated once per test run by tests/corpus/make_corpus.mjs into a temp folder, and the HF
/// oracle's output for every tokenizer under test. The oracle runs start at once, two at a time, so that node
/// encodes the next tokenizer while a test compares the previous one.
/// </summary>
public sealed class ParityCorpusFixture : IDisposable
{
    /// <summary>Corpus lines the derived tokenizers run on (all of them for the regex-engine and kitchen-sink variants).</summary>
    public const int VariantLines = 400;

    public static readonly string[] Models = ["qwen3", "llama3", "llama2", "gemma3", "deepseek_v3"];

    public static readonly string[] Variants = ["gpt2_style", "metaspace_first", "metaspace_always_split", "qwen3_regex_engine", "kitchen_sink"];

    private readonly Dictionary<string, Task<OracleOutput>> _oracles = new(StringComparer.Ordinal);

    public ParityCorpusFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "tokenclean-parity-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        CorpusPath = Path.Combine(Directory, "corpus.jsonl");
        OracleRunner.Node("tests/corpus/make_corpus.mjs", CorpusPath);
        var texts = new List<string>();
        foreach (var line in File.ReadLines(CorpusPath))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (!JsonStringLiteral.TryParse(line, out var text, out var error))
            {
                throw new InvalidDataException($"corpus line {texts.Count + 1}: {error}");
            }

            texts.Add(text);
        }

        Texts = texts;
        var gate = new SemaphoreSlim(2);
        foreach (var model in Models)
        {
            _oracles[model] = RunOracleAsync(model, OracleRunner.TokenizerJson(model), Texts.Count, gate);
        }

        foreach (var variant in Variants)
        {
            var path = Path.Combine(Directory, variant + ".tokenizer.json");
            File.WriteAllText(path, DerivedTokenizers.Create(variant));
            var lines = variant is "qwen3_regex_engine" or "kitchen_sink" ? Texts.Count : VariantLines;
            _oracles[variant] = RunOracleAsync(variant, path, lines, gate);
        }
    }

    public string Directory { get; }

    public string CorpusPath { get; }

    public IReadOnlyList<string> Texts { get; }

    public Task<OracleOutput> OracleAsync(string name) => _oracles[name];

    public void Dispose()
    {
        try
        {
            Task.WaitAll([.. _oracles.Values]);
        }
        catch (AggregateException)
        {
            // reported by the tests that awaited them
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }

    private async Task<OracleOutput> RunOracleAsync(string name, string tokenizerJson, int lines, SemaphoreSlim gate)
    {
        var expected = Path.Combine(Directory, name + ".hf.jsonl");
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var sw = Stopwatch.StartNew();
            await Task.Run(() => OracleRunner.Node("tests/oracles/hf-encode.mjs", tokenizerJson, CorpusPath, expected, lines.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
            return new OracleOutput(tokenizerJson, expected, lines, sw.Elapsed);
        }
        finally
        {
            gate.Release();
        }
    }
}
