using System.Text.Json;

namespace TokenClean.Bench;

/// <summary>Synthetic chat samples of about 1 KB (system, user, assistant), from pseudo-words, for the pipeline benchmarks.</summary>
internal static class ChatSampleLines
{
    private static readonly string[] Syllables =
    [
        "ka", "lo", "mi", "ten", "ra", "su", "vel", "dor", "in", "ex", "pla", "tor", "ni", "que", "sta", "ri", "on", "al",
        "be", "co", "de", "fi", "gu", "ha", "jo", "mu", "ne", "pe", "sa", "ti", "u", "ve", "wo", "ze", "ab", "ur",
    ];

    /// <summary><paramref name="count"/> JSON lines; each about <paramref name="bytes"/> bytes long.</summary>
    public static List<string> Create(int count, int seed, int bytes = 1000)
    {
        var rng = new Random(seed);
        var lines = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var user = Text(rng, bytes / 3);
            var answer = Text(rng, bytes / 2);
            lines.Add(JsonSerializer.Serialize(new
            {
                id = "c" + i,
                messages = new[]
                {
                    new { role = "system", content = "You are a helpful assistant." },
                    new { role = "user", content = user },
                    new { role = "assistant", content = answer },
                },
            }));
        }

        return lines;
    }

    /// <summary>Text for training a tokenizer on the same vocabulary.</summary>
    public static List<string> Corpus(int lines, int seed)
    {
        var rng = new Random(seed);
        var result = new List<string>(lines);
        for (var i = 0; i < lines; i++)
        {
            result.Add(Text(rng, 200) + "\n");
        }

        return result;
    }

    private static string Text(Random rng, int chars)
    {
        var sb = new System.Text.StringBuilder(chars + 16);
        while (sb.Length < chars)
        {
            var n = 1 + rng.Next(3);
            for (var k = 0; k < n; k++)
            {
                sb.Append(Syllables[rng.Next(Syllables.Length)]);
            }

            sb.Append(rng.Next(12) == 0 ? ". " : " ");
        }

        return sb.ToString();
    }
}
