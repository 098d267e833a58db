using System.Text.Json;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>Input lines for the streaming tests: a mix of schemas, with bad lines at known positions.</summary>
internal static class SampleLines
{
    /// <summary>
    /// <paramref name="count"/> JSON lines with ids <c>s{i}</c>: chat messages, prompt/response and pre-tokenized
    /// samples, and every <paramref name="badEvery"/>-th line bad (malformed JSON, a missing field, an
    /// out-of-vocabulary id), each kind with an id so it can be found in the dead letters.
    /// </summary>
    public static List<string> Mixed(int count, int badEvery, int seed, int vocab)
    {
        var rng = new Random(seed);
        var words = StreamingAssets.Words;
        string Text(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[rng.Next(words.Length)]));
        var lines = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var id = "s" + i;
            if (badEvery > 0 && i % badEvery == badEvery - 1)
            {
                lines.Add((i / badEvery % 3) switch
                {
                    0 => "{\"id\":\"" + id + "\",\"prompt\": not json",
                    1 => JsonSerializer.Serialize(new { id, prompt = Text(3) }),
                    _ => JsonSerializer.Serialize(new { id, input_ids = new[] { 1, 2, vocab + 5 }, labels = new[] { -100, 2, vocab + 5 } }),
                });
                continue;
            }

            lines.Add((i % 3) switch
            {
                0 => JsonSerializer.Serialize(new
                {
                    id,
                    messages = new[]
                    {
                        new { role = "system", content = Text(2) },
                        new { role = "user", content = Text(3 + rng.Next(4)) },
                        new { role = "assistant", content = Text(4 + rng.Next(8)) },
                    },
                }),
                1 => JsonSerializer.Serialize(new { id, prompt = Text(3 + rng.Next(3)), response = Text(3 + rng.Next(10)) }),
                _ => PreTokenized(id, rng, vocab),
            });
        }

        return lines;
    }

    private static string PreTokenized(string id, Random rng, int vocab)
    {
        var n = 6 + rng.Next(10);
        var ids = new int[n];
        var labels = new int[n];
        for (var j = 0; j < n; j++)
        {
            ids[j] = rng.Next(vocab);
            labels[j] = j < n / 2 ? -100 : ids[j];
        }

        return JsonSerializer.Serialize(new { id, input_ids = ids, labels });
    }
}
