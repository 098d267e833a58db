using TokenClean.Ingest.Json;

namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>The parity corpus, generated once per test run by tests/corpus/make_corpus.mjs into a temp folder.</summary>
public sealed class ParityCorpusFixture : IDisposable
{
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
    }

    public string Directory { get; }

    public string CorpusPath { get; }

    public IReadOnlyList<string> Texts { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }
}
