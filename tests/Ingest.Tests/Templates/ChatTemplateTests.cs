using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Templates.Jinja;

namespace TokenClean.Ingest.Tests.Templates;

public sealed class ChatTemplateTests
{
    [Theory]
    [InlineData("qwen3", "<|im_end|>", "", "<|im_end|>")]
    [InlineData("llama3", "<|eot_id|>", "<|begin_of_text|>", "<|end_of_text|>")]
    [InlineData("gemma3", "<end_of_turn>", "<bos>", "<end_of_turn>")]
    [InlineData("deepseek_v3", "<｜end▁of▁sentence｜>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>")]
    public void FromModelDirectory_RealTemplates_ReadsTokensAndDetectsEndOfTurn(string package, string endOfTurn, string bos, string eos)
    {
        var template = ChatTemplate.FromModelDirectory(NodeOracle.LenmlModelDir(package));
        Assert.Equal(endOfTurn, template.EndOfTurn);
        Assert.Equal(bos, template.BosToken);
        Assert.Equal(eos, template.EosToken);
    }

    [Fact]
    public void FromTokenizerConfig_ListOfTemplates_UsesDefault()
    {
        var config = """
            {"bos_token":{"content":"<B>","lstrip":false},"eos_token":"<E>",
             "chat_template":[{"name":"tool_use","template":"TOOLS"},{"name":"default","template":"{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}"}]}
            """;
        var template = ChatTemplate.FromTokenizerConfig(config);
        Assert.Equal("<B>a<E>b<E>", template.Render([new(ChatMessage.User, "a"), new(ChatMessage.Assistant, "b")], addGenerationPrompt: false));
        Assert.Equal("<E>", template.EndOfTurn);
    }

    [Fact]
    public void FromTokenizerConfig_NoTemplate_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => ChatTemplate.FromTokenizerConfig("""{"eos_token":"</s>"}"""));
        Assert.Contains("chatml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromModelDirectory_ChatTemplateJinjaFile_TakesPrecedence()
    {
        var dir = Directory.CreateTempSubdirectory("tc-template-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "tokenizer_config.json"), """{"eos_token":"</s>","chat_template":"CONFIG"}""");
            File.WriteAllText(Path.Combine(dir.FullName, "chat_template.jinja"), "{% for m in messages %}{{ m.role }}{% endfor %}\n");
            var template = ChatTemplate.FromModelDirectory(dir.FullName);
            Assert.Equal("user", template.Render([new(ChatMessage.User, "x")], addGenerationPrompt: false));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Named_Tulu_RendersOpenInstructFormat()
    {
        var template = ChatTemplate.Named("tulu");
        ChatMessage[] messages = [new(ChatMessage.User, "What is 2+2?"), new(ChatMessage.Assistant, "4"), new(ChatMessage.User, "And 3+3?"), new(ChatMessage.Assistant, "6")];
        Assert.Equal("<|user|>\nWhat is 2+2?\n<|assistant|>\n4</s>\n<|user|>\nAnd 3+3?\n<|assistant|>\n6</s>", template.Render(messages, addGenerationPrompt: false));
        Assert.Equal("<|user|>\nWhat is 2+2?\n<|assistant|>\n", template.Render(messages[..1], addGenerationPrompt: true));
    }

    [Fact]
    public void Named_EosOverride_MovesEndOfTurn()
    {
        var template = ChatTemplate.Named("tulu", eosToken: "<|end_of_text|>");
        Assert.Equal("<|end_of_text|>", template.EndOfTurn);
        Assert.EndsWith("ok<|end_of_text|>", template.Render([new(ChatMessage.User, "q"), new(ChatMessage.Assistant, "ok")], addGenerationPrompt: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("chatml", "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n")]
    [InlineData("llama3", "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|>")]
    [InlineData("llama2", "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU [/INST] A </s>")]
    [InlineData("alpaca", "S\n\n### Instruction:\nU\n\n### Response:\nA</s>\n\n")]
    public void Named_SystemUserAssistant_RendersFamilyFormat(string name, string expected)
    {
        var text = ChatTemplate.Named(name).Render([new(ChatMessage.System, "S"), new(ChatMessage.User, "U"), new(ChatMessage.Assistant, "A")], addGenerationPrompt: false);
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Resolve_NamedTemplateOnModel_TakesModelTokens()
    {
        var tulu = ChatTemplate.Resolve("tulu", NodeOracle.LenmlModelDir("llama3"));
        Assert.Equal("<|begin_of_text|>", tulu.BosToken);
        Assert.Equal("<|end_of_text|>", tulu.EndOfTurn);

        var own = ChatTemplate.Resolve(null, NodeOracle.LenmlModelDir("qwen3"));
        Assert.Equal("<|im_end|>", own.EndOfTurn);
        Assert.Contains("<|im_start|>", own.Source, StringComparison.Ordinal);

        Assert.Throws<InvalidDataException>(() => ChatTemplate.Resolve("model", NodeOracle.LenmlModelDir("llama2")));
        Assert.Equal("</s>", ChatTemplate.Resolve("llama2", NodeOracle.LenmlModelDir("llama2")).EndOfTurn);
    }

    [Fact]
    public void Named_Unknown_Throws() => Assert.Throws<ArgumentException>(() => ChatTemplate.Named("vicuna"));

    [Theory]
    [InlineData("{% if x %}")]
    [InlineData("{% for %}{% endfor %}")]
    [InlineData("{{ 1 + }}")]
    [InlineData("{{ 'unterminated }}")]
    [InlineData("{% endif %}")]
    [InlineData("{# no end")]
    [InlineData("{% frobnicate %}")]
    [InlineData("{{ a[1:2:3:4] }}")]
    public void Parse_MalformedTemplate_ThrowsJinjaException(string source) => Assert.Throws<JinjaException>(() => JinjaTemplate.Parse(source));

    [Fact]
    public void Render_RecursiveMacro_StopsWithJinjaException()
    {
        var t = JinjaTemplate.Parse("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
        Assert.Throws<JinjaException>(() => t.Render(new Dictionary<string, object?>()));
    }
}
