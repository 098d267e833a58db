using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using TokenClean.Ingest.Tokenization;
using Xunit.Abstractions;

namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>
/// Id-for-id parity with HF tokenizers (the Rust library via its Node binding) on every line of the generated
/// corpus: encode with and without special tokens, and decode (with and without skipping special tokens); and the
/// same through the Microsoft.ML.Tokenizers <see cref="Tokenizer"/> interface, where every token's offsets must
/// equal HF's (converted from HF's code points to UTF-16 indices).
/// </summary>
public sealed class HfTokenizerParityTests(ParityCorpusFixture corpus, ITestOutputHelper output) : IClassFixture<ParityCorpusFixture>
{
    [Theory]
    [InlineData("qwen3")]
    [InlineData("llama3")]
    [InlineData("llama2")]
    [InlineData("gemma3")]
    [InlineData("deepseek_v3")]
    public Task EncodeDecode_EveryCorpusLine_MatchesHfTokenizers(string model) => AssertParityAsync(model);

    /// <summary>
    /// Tokenizer shapes the shipped files do not cover, made by editing them (see <see cref="DerivedTokenizers"/>;
    /// the first 400 corpus lines; all for the last two): GPT-2 style ByteLevel with its own regex and a prefix space, a BOS/EOS
    /// template, added tokens with lstrip, rstrip, single_word and normalized flags; Mistral-style Metaspace; a split
    /// regex that no hand-written matcher knows (run by .NET's engine); and a "kitchen sink" of the other normalizers,
    /// pre-tokenizers, split behaviors and RobertaProcessing.
    /// </summary>
    [Theory]
    [InlineData("qwen3_regex_engine")]
    [InlineData("kitchen_sink")]
    [InlineData("gpt2_style")]
    [InlineData("metaspace_first")]
    [InlineData("metaspace_always_split")]
    public Task EncodeDecode_DerivedTokenizerShapes_MatchHfTokenizers(string variant) => AssertParityAsync(variant);

    /// <summary>After a warm-up pass, encoding allocates nothing: buffers are pooled and the word cache is flat arrays.</summary>
    [Theory]
    [InlineData("qwen3")]
    [InlineData("llama3")]
    [InlineData("llama2")]
    public void Encode_IntoAList_AllocatesNothingAfterWarmUp(string model)
    {
        var tokenizer = HfTokenizer.FromFile(OracleRunner.TokenizerJson(model));
        var ids = new List<int>(1 << 20);
        foreach (var text in corpus.Texts)
        {
            tokenizer.Encode(text.AsSpan(), ids, addSpecialTokens: true);
        }

        ids.Clear();
        var texts = corpus.Texts;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < texts.Count; i++) // not foreach: its boxed enumerator would be the only allocation
        {
            tokenizer.Encode(texts[i].AsSpan(), ids, addSpecialTokens: true);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ids.Count > 100_000, $"only {ids.Count} ids");
        Assert.Equal(0, allocated);
    }

    /// <summary>One instance shared by several threads gives each thread the ids it gives alone.</summary>
    [Fact]
    public void Encode_FromSeveralThreadsAtOnce_GivesTheSequentialIds()
    {
        var tokenizer = HfTokenizer.FromFile(OracleRunner.TokenizerJson("qwen3"));
        var expected = new int[corpus.Texts.Count][];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = tokenizer.Encode(corpus.Texts[i]);
        }

        var failures = 0;
        Parallel.For(0, corpus.Texts.Count * 3, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var i = (k * 7919) % corpus.Texts.Count;
            if (!tokenizer.Encode(corpus.Texts[i]).AsSpan().SequenceEqual(expected[i]))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    private async Task AssertParityAsync(string model)
    {
        var oracle = await corpus.OracleAsync(model);
        var (json, expectedPath, lines) = (oracle.TokenizerJson, oracle.ExpectedPath, oracle.Lines);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var tokenizer = HfTokenizer.FromFile(json);
        var loadTime = sw.Elapsed;
        sw.Restart();

        Tokenizer asMl = tokenizer;
        var report = new StringBuilder();
        int encodeMismatches = 0, specialMismatches = 0, decodeMismatches = 0, mlMismatches = 0, offsetMismatches = 0, line = 0;
        var offsetsCompared = 0;
        foreach (var record in File.ReadLines(expectedPath))
        {
            if (record.Length == 0)
            {
                continue;
            }

            var text = corpus.Texts[line++];
            using var doc = JsonDocument.Parse(record);
            var root = doc.RootElement;
            var ids = Ids(root.GetProperty("ids"));
            var idsSpecial = Ids(root.GetProperty("idsSpecial"));

            var ours = tokenizer.Encode(text);
            if (!ours.AsSpan().SequenceEqual(ids) && encodeMismatches++ < 5)
            {
                Describe(report, "encode", line, text, ids, ours, tokenizer);
            }

            var oursSpecial = tokenizer.Encode(text, addSpecialTokens: true);
            if (!oursSpecial.AsSpan().SequenceEqual(idsSpecial) && specialMismatches++ < 5)
            {
                Describe(report, "encode+special", line, text, idsSpecial, oursSpecial, tokenizer);
            }

            // The same through the ML.Tokenizers base type: ids, count, tokens with offsets, decode.
            var mlIds = asMl.EncodeToIds(text);
            var mlTokens = asMl.EncodeToTokens(text, out _);
            var mlDecoded = asMl.Decode(idsSpecial);
            if ((!mlIds.SequenceEqual(ids) || asMl.CountTokens(text) != ids.Length || !mlTokens.Select(t => t.Id).SequenceEqual(ids)
                || !string.Equals(mlDecoded, root.GetProperty("decoded").GetString(), StringComparison.Ordinal)) && mlMismatches++ < 5)
            {
                report.AppendLine($"line {line} through Tokenizer: ids/count/tokens/decode differ: {JsonSerializer.Serialize(text)}");
            }

            var expectedOffsets = Utf16Offsets(text, root.GetProperty("offsets"));
            for (var t = 0; t < Math.Min(expectedOffsets.Length, mlTokens.Count); t++)
            {
                offsetsCompared++;
                var actual = (mlTokens[t].Offset.Start.Value, mlTokens[t].Offset.End.Value);
                if (actual != expectedOffsets[t])
                {
                    if (offsetMismatches++ < 5)
                    {
                        report.AppendLine($"line {line} offsets of token #{t} ({ids[t]}:{JsonSerializer.Serialize(tokenizer.IdToToken(ids[t]))}): hf {expectedOffsets[t]} ours {actual} in {JsonSerializer.Serialize(text.Length > 200 ? text[..200] + "…" : text)}");
                    }

                    break;
                }
            }

            foreach (var (skip, key) in new[] { (false, "decoded"), (true, "decodedSkip") })
            {
                var expected = root.GetProperty(key).GetString();
                var decoded = tokenizer.Decode(idsSpecial, skip);
                if (!string.Equals(expected, decoded, StringComparison.Ordinal) && decodeMismatches++ < 5)
                {
                    report.AppendLine($"line {line} decode(skip={skip}): {JsonSerializer.Serialize(text)}\n  hf:   {JsonSerializer.Serialize(expected)}\n  ours: {JsonSerializer.Serialize(decoded)}");
                }
            }
        }

        output.WriteLine($"{model}: {line} lines, {offsetsCompared} token offsets; oracle {oracle.Elapsed.TotalSeconds:F1}s, load {loadTime.TotalSeconds:F1}s, compare {sw.Elapsed.TotalSeconds:F1}s");
        Assert.Equal(lines, line);
        Assert.True(offsetsCompared > line, $"only {offsetsCompared} offsets compared");
        Assert.True(
            encodeMismatches + specialMismatches + decodeMismatches + mlMismatches + offsetMismatches == 0,
            $"{model}: {encodeMismatches} encode, {specialMismatches} encode+special, {decodeMismatches} decode, {mlMismatches} Tokenizer-interface, {offsetMismatches} offset mismatches of {line} lines\n{report}");
    }

    /// <summary>HF's offsets count Unicode code points (Rust chars); .NET's count UTF-16 units.</summary>
    private static (int, int)[] Utf16Offsets(string text, JsonElement offsets)
    {
        var unitOfCodePoint = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length;)
        {
            unitOfCodePoint.Add(i);
            System.Text.Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var consumed);
            i += consumed;
        }

        unitOfCodePoint.Add(text.Length);
        var result = new (int, int)[offsets.GetArrayLength()];
        var k = 0;
        foreach (var pair in offsets.EnumerateArray())
        {
            result[k++] = (unitOfCodePoint[pair[0].GetInt32()], unitOfCodePoint[pair[1].GetInt32()]);
        }

        return result;
    }

    private static int[] Ids(JsonElement array)
    {
        var ids = new int[array.GetArrayLength()];
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            ids[i++] = e.GetInt32();
        }

        return ids;
    }

    private static void Describe(StringBuilder report, string what, int line, string text, int[] expected, int[] actual, HfTokenizer tokenizer)
    {
        var first = 0;
        while (first < expected.Length && first < actual.Length && expected[first] == actual[first])
        {
            first++;
        }

        string Tokens(int[] ids)
        {
            var from = Math.Max(0, first - 2);
            var to = Math.Min(ids.Length, first + 6);
            var parts = new List<string>();
            for (var i = from; i < to; i++)
            {
                parts.Add($"{ids[i]}:{JsonSerializer.Serialize(tokenizer.IdToToken(ids[i]))}");
            }

            return string.Join(' ', parts);
        }

        var shown = text.Length > 300 ? text[..300] + "…" : text;
        report.AppendLine($"line {line} {what}: {JsonSerializer.Serialize(shown)}\n  first difference at id #{first}\n  hf:   [{string.Join(',', expected.Take(40))}{(expected.Length > 40 ? ",…" : "")}] … {Tokens(expected)}\n  ours: [{string.Join(',', actual.Take(40))}{(actual.Length > 40 ? ",…" : "")}] … {Tokens(actual)}");
    }
}
