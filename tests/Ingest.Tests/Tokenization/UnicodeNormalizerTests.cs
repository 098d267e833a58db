using System.Text;
using System.Text.Json;
using TokenClean.Ingest.Tokenization;
using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tests.Tokenization;

public sealed class UnicodeNormalizerTests
{
    /// <summary>
    /// Every code point that some form changes, and thousands of starter + shuffled-mark + Hangul jamo sequences,
    /// against Python's unicodedata (the source of the tables, so this checks the decompose / reorder / compose code).
    /// </summary>
    [Fact]
    public void Normalize_AllFourForms_MatchPythonUnicodedata()
    {
        var path = Path.Combine(Path.GetTempPath(), "tokenclean-unicode-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var python = TokenClean.Tests.Shared.ChildProcess.Run("python3", ["tests/oracles/unicode-normalize.py", path], workingDirectory: OracleRunner.RepoRoot);
            Assert.True(python.ExitCode == 0, python.Stderr);

            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var dst = new ByteBuffer();
            var failures = new StringBuilder();
            var count = 0;
            var wrong = 0;
            foreach (var row in doc.RootElement.EnumerateArray())
            {
                var input = Encoding.UTF8.GetBytes(row[0].GetString()!);
                var forms = new (bool Compose, bool Compat, int Column)[] { (true, false, 1), (false, false, 2), (true, true, 3), (false, true, 4) };
                foreach (var (compose, compat, column) in forms)
                {
                    count++;
                    var expected = row[column].GetString()!;
                    var actual = UnicodeNormalizer.Normalize(input, dst, compose, compat) ? Encoding.UTF8.GetString(dst.Span) : row[0].GetString()!;
                    if (!string.Equals(expected, actual, StringComparison.Ordinal) && wrong++ < 10)
                    {
                        failures.AppendLine($"{Hex(row[0].GetString()!)} form {column}: expected {Hex(expected)}, got {Hex(actual)}");
                    }
                }
            }

            Assert.True(count > 50_000, $"only {count} cases");
            Assert.True(wrong == 0, $"{wrong} of {count} wrong:\n{failures}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Hex(string s)
    {
        var parts = new List<string>();
        foreach (var r in s.EnumerateRunes())
        {
            parts.Add(r.Value.ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return string.Join(' ', parts);
    }
}
