using System.Text;
using FsCheck;
using FsCheck.Fluent;
using TokenClean.Ingest.Samples;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Ingest.Tests.Samples;

/// <summary>Whatever the bytes, the parser returns a sample or a rejection: it never throws and never hangs.</summary>
public sealed class SampleParserPropertyTests
{
    private static readonly SampleOptions Options = new() { MaxBytes = 64 * 1024 };

    private static bool NeverThrows(byte[] bytes)
    {
        var r = SampleParser.Parse(bytes, Options);
        return r.IsSuccess ? r.Value.Id.Length > 0 : Enum.IsDefined(r.Rejection.Reason) && r.Rejection.Message.Length > 0;
    }

    private static void WithTimeout(Action check)
    {
        var task = Task.Run(check);
        Assert.True(task.Wait(TimeSpan.FromSeconds(25)), "the property check did not finish in 25 s");
    }

    [Fact]
    public void Parse_RandomBytes_ReturnsSampleOrRejection()
    {
        WithTimeout(() => Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), NeverThrows).Check(Config.QuickThrowOnFailure.WithMaxTest(2000)));
    }

    [Fact]
    public void Parse_RandomJson_ReturnsSampleOrRejection()
    {
        WithTimeout(() => Prop.ForAll(Arb.From(JsonText(0)), json => NeverThrows(Encoding.UTF8.GetBytes(json))).Check(Config.QuickThrowOnFailure.WithMaxTest(2000)));
    }

    [Fact]
    public void Parse_MutatedValidSamples_ReturnsSampleOrRejection()
    {
        // Valid samples with random bytes overwritten: mostly almost-valid input, where parsers tend to break.
        string[] seeds =
        [
            """{"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}""",
            """{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}]}""",
            """{"input_ids":[1,2,3],"labels":[-100,2,3]}""",
            """{"instruction":"i","input":"x","output":"o"}""",
        ];
        var gen =
            from seed in Gen.Elements(seeds)
            from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 200), ArbMap.Default.GeneratorFor<byte>()))
            select Mutate(Encoding.UTF8.GetBytes(seed), edits);
        WithTimeout(() => Prop.ForAll(Arb.From(gen), NeverThrows).Check(Config.QuickThrowOnFailure.WithMaxTest(3000)));
    }

    [Fact]
    public void Process_RandomJson_ReturnsTokenizedSampleOrRejection()
    {
        // Parser, template and mask together (gemma3-style alternation errors included via the llama2 template).
        var tokenizer = new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials);
        var encoders = new[] { "chatml", "llama2", "alpaca" }.Select(n => new SampleEncoder(tokenizer, TokenClean.Ingest.Templates.ChatTemplate.Named(n), Options)).ToArray();
        var successes = 0;
        WithTimeout(() => Prop.ForAll(Arb.From(Gen.OneOf(JsonText(0), ValidSample())), json =>
        {
            foreach (var encoder in encoders)
            {
                var r = encoder.Process(Encoding.UTF8.GetBytes(json));
                if (r.IsSuccess)
                {
                    successes++;
                    if (r.Value.InputIds.Length != r.Value.Labels.Length || r.Value.ResponseTokens == 0)
                    {
                        return false;
                    }
                }
                else if (r.Rejection.Message.Length == 0)
                {
                    return false;
                }
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500)));
        Assert.True(successes > 0, "no generated sample was valid: the generator does not reach the encoder");
    }

    private static Gen<string> ValidSample() =>
        from turns in Gen.Choose(1, 3)
        from texts in Gen.ArrayOf(ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => s.Get), turns * 2)
        select "{\"messages\":[" + string.Join(",", texts.Select((t, i) => "{\"role\":\"" + (i % 2 == 0 ? "user" : "assistant") + "\",\"content\":" + System.Text.Json.JsonSerializer.Serialize(t + "x") + "}")) + "]}";

    private static byte[] Mutate(byte[] bytes, IEnumerable<(int Position, byte Value)> edits)
    {
        foreach (var (position, value) in edits)
        {
            bytes[position % bytes.Length] = value;
        }

        return bytes;
    }

    // Random JSON text of bounded depth with the sample schemas' field names, so generated objects hit every branch.
    private static Gen<string> JsonText(int depth)
    {
        var names = Gen.Elements("id", "messages", "conversations", "role", "content", "from", "value", "prompt", "response",
            "instruction", "input", "output", "input_ids", "labels", "system", "x");
        var strings = Gen.OneOf(
            Gen.Elements("user", "assistant", "system", "human", "gpt", "tool", "", " ", "é😀", "\\uD800", "\\n", "<|im_end|>"),
            ArbMap.Default.GeneratorFor<string>().Select(s => (s ?? string.Empty).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)));
        var scalar = Gen.OneOf(
            strings.Select(s => "\"" + s + "\""),
            Gen.Choose(-200, 70_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Elements("-100", "true", "false", "null", "1.5", "1e400", "-0", "99999999999"));
        if (depth >= 4)
        {
            return scalar;
        }

        var array = Gen.ListOf(JsonText(depth + 1).Resize(4)).Select(items => "[" + string.Join(",", items) + "]");
        var obj = Gen.ListOf(Gen.Zip(names, JsonText(depth + 1).Resize(4)))
            .Select(props => "{" + string.Join(",", props.Select(p => "\"" + p.Item1 + "\":" + p.Item2)) + "}");
        return Gen.Frequency((3, scalar), (2, array), (3, obj));
    }
}
