using System.Text;
using TokenClean.Ingest.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Ingest.Tests.Samples;

public sealed class SampleParserTests
{
    private static SampleResult<ParsedSample> Parse(string json, SampleOptions? options = null) => SampleParser.Parse(Encoding.UTF8.GetBytes(json), options);

    [Fact]
    public void Parse_Messages_KeepsRolesContentAndId()
    {
        var r = Parse("""{"id":"s1","messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A"}]}""");
        Assert.True(r.IsSuccess);
        Assert.Equal("s1", r.Value.Id);
        Assert.Equal(SampleFormat.Messages, r.Value.Format);
        Assert.Equal([new ChatMessage("system", "S"), new ChatMessage("user", "U"), new ChatMessage("assistant", "A")], r.Value.Messages!);
    }

    [Fact]
    public void Parse_ShareGpt_MapsHumanAndGpt()
    {
        var r = Parse("""{"id":7,"conversations":[{"from":"system","value":"S"},{"from":"human","value":"U"},{"from":"gpt","value":"A"}]}""");
        Assert.True(r.IsSuccess);
        Assert.Equal("7", r.Value.Id);
        Assert.Equal(SampleFormat.ShareGpt, r.Value.Format);
        Assert.Equal([new ChatMessage("system", "S"), new ChatMessage("user", "U"), new ChatMessage("assistant", "A")], r.Value.Messages!);
    }

    [Fact]
    public void Parse_PromptResponse_BecomesUserAndAssistant()
    {
        var r = Parse("""{"prompt":"P","response":"R"}""");
        Assert.True(r.IsSuccess);
        Assert.Equal([new ChatMessage("user", "P"), new ChatMessage("assistant", "R")], r.Value.Messages!);
    }

    [Theory]
    [InlineData("""{"instruction":"Do","input":"this","output":"Done"}""", "Do\n\nthis")]
    [InlineData("""{"instruction":"Do","input":"","output":"Done"}""", "Do")]
    [InlineData("""{"instruction":"Do","output":"Done"}""", "Do")]
    public void Parse_Alpaca_JoinsInstructionAndInput(string json, string user)
    {
        var r = Parse(json);
        Assert.True(r.IsSuccess);
        Assert.Equal(SampleFormat.Alpaca, r.Value.Format);
        Assert.Equal([new ChatMessage("user", user), new ChatMessage("assistant", "Done")], r.Value.Messages!);
    }

    [Fact]
    public void Parse_PreTokenized_KeepsIdsAndLabels()
    {
        var r = Parse("""{"input_ids":[5,6,7],"labels":[-100,6,7]}""");
        Assert.True(r.IsSuccess);
        Assert.True(r.Value.IsPreTokenized);
        Assert.Equal([5, 6, 7], r.Value.InputIds!);
        Assert.Equal([-100, 6, 7], r.Value.Labels!);
    }

    [Fact]
    public void Parse_PreTokenizedWithoutLabels_MakesEveryTokenAResponseToken()
    {
        // Hugging Face's default labels = input_ids; clean accepted this before the parsers were merged.
        foreach (var json in new[] { """{"input_ids":[5,6,7]}""", """{"input_ids":[5,6,7],"labels":null}""" })
        {
            var r = Parse(json);
            Assert.True(r.IsSuccess, json);
            Assert.Equal([5, 6, 7], r.Value.Labels!);
        }
    }

    [Fact]
    public void Parse_NullId_IsTheContentHashLikeNoId()
    {
        var json = """{"id":null,"input_ids":[5,6],"labels":[-100,6]}""";
        Assert.Equal(SampleIds.ContentHash(Encoding.UTF8.GetBytes(json)), Parse(json).Value!.Id);
    }

    [Fact]
    public void Parse_RejectionAfterTheIdIsRead_CarriesTheSampleId()
    {
        Assert.Equal("7", Parse("""{"id":7,"input_ids":[0,1],"labels":[-100,5]}""").Rejection!.SampleId);
        var noId = """{"input_ids":[0,1],"labels":[1]}""";
        Assert.Equal(SampleIds.ContentHash(Encoding.UTF8.GetBytes(noId)), Parse(noId).Rejection!.SampleId);
        Assert.Null(Parse("not json").Rejection!.SampleId);
    }

    [Fact]
    public void Parse_NoId_UsesContentHashOfRawBytes()
    {
        var json = """{"prompt":"P","response":"R"}""";
        var bytes = Encoding.UTF8.GetBytes(json);
        var id = SampleParser.Parse(bytes).Value!.Id;
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..32], id);
        Assert.Equal(id, SampleParser.Parse(bytes).Value!.Id);
        Assert.NotEqual(id, Parse("""{"prompt":"P","response":"R2"}""").Value!.Id);
    }

    [Theory]
    [InlineData("", "malformed_json")]
    [InlineData("{", "malformed_json")]
    [InlineData("""{"prompt":"P","response":"R"} x""", "malformed_json")]
    [InlineData("""{"prompt":"P",}""", "malformed_json")]
    [InlineData("[1,2]", "unknown_schema")]
    [InlineData("\"text\"", "unknown_schema")]
    [InlineData("""{"text":"hello"}""", "unknown_schema")]
    [InlineData("""{"id":true,"prompt":"P","response":"R"}""", "wrong_type")]
    [InlineData("""{"messages":{}}""", "wrong_type")]
    [InlineData("""{"messages":[1]}""", "wrong_type")]
    [InlineData("""{"messages":[{"content":"x"}]}""", "missing_field")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "missing_field")]
    [InlineData("""{"messages":[{"role":1,"content":"x"}]}""", "wrong_type")]
    [InlineData("""{"messages":[{"role":"user","content":null}]}""", "wrong_type")]
    [InlineData("""{"messages":[{"role":"user","content":["a"]}]}""", "wrong_type")]
    [InlineData("""{"messages":[{"role":"wizard","content":"x"},{"role":"assistant","content":"y"}]}""", "unknown_role")]
    [InlineData("""{"messages":[{"role":"human","content":"x"},{"role":"assistant","content":"y"}]}""", "unknown_role")]
    [InlineData("""{"conversations":[{"from":"bot","value":"x"}]}""", "unknown_role")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}]}""", "no_assistant_turn")]
    [InlineData("""{"messages":[]}""", "no_assistant_turn")]
    [InlineData("""{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"  \n"}]}""", "empty_response")]
    [InlineData("""{"prompt":"P","response":""}""", "empty_response")]
    [InlineData("""{"prompt":"P"}""", "missing_field")]
    [InlineData("""{"response":"R"}""", "missing_field")]
    [InlineData("""{"prompt":3,"response":"R"}""", "wrong_type")]
    [InlineData("""{"instruction":"I"}""", "missing_field")]
    [InlineData("""{"instruction":"I","input":5,"output":"O"}""", "wrong_type")]
    [InlineData("""{"input_ids":[1,2],"labels":[1]}""", "labels_length_mismatch")]
    [InlineData("""{"input_ids":"12","labels":[]}""", "wrong_type")]
    [InlineData("""{"input_ids":[],"labels":[]}""", "empty_sample")]
    [InlineData("""{"input_ids":[1,"2"],"labels":[1,2]}""", "wrong_type")]
    [InlineData("""{"input_ids":[1,-2],"labels":[1,-100]}""", "token_out_of_vocabulary")]
    [InlineData("""{"input_ids":[1,99999999999],"labels":[1,-100]}""", "token_out_of_vocabulary")]
    [InlineData("""{"input_ids":[1,2.5],"labels":[1,-100]}""", "token_out_of_vocabulary")]
    [InlineData("""{"input_ids":[1,2],"labels":[1,3]}""", "invalid_label")]
    [InlineData("""{"input_ids":[1,2],"labels":[-100,-100]}""", "empty_response")]
    [InlineData("""{"prompt":"\uD800","response":"R"}""", "invalid_utf8")]
    public void Parse_BadInput_RejectsWithReason(string json, string code)
    {
        var r = Parse(json);
        Assert.False(r.IsSuccess);
        Assert.Equal(code, r.Rejection.Code);
        Assert.False(string.IsNullOrWhiteSpace(r.Rejection.Message));
    }

    [Fact]
    public void Parse_InvalidUtf8_IsInvalidUtf8()
    {
        byte[] bytes = [.. """{"prompt":"""u8, 0x22, 0xC3, 0x28, 0x22, .. ""","response":"R"}"""u8];
        Assert.Equal(RejectionReason.InvalidUtf8, SampleParser.Parse(bytes).Rejection!.Reason);
    }

    [Fact]
    public void Parse_OverByteLimit_IsTooLargeBeforeParsing()
    {
        var json = """{"prompt":"P","response":"R"}""";
        Assert.True(Parse(json, new SampleOptions { MaxBytes = json.Length }).IsSuccess);
        Assert.Equal(RejectionReason.TooLarge, Parse(json, new SampleOptions { MaxBytes = json.Length - 1 }).Rejection!.Reason);
        Assert.Equal(RejectionReason.TooLarge, SampleParser.Parse(new byte[] { 0xFF, 0xFF }, new SampleOptions { MaxBytes = 1 }).Rejection!.Reason);
    }

    [Fact]
    public void Parse_DeepNesting_IsMalformedWithoutRecursingFurther()
    {
        var deep = """{"prompt":"P","response":"R","x":""" + new string('[', 100_000) + new string(']', 100_000) + "}";
        Assert.Equal(RejectionReason.MalformedJson, Parse(deep).Rejection!.Reason);
    }

    [Fact]
    public void Parse_Utf8Bom_IsAccepted()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. """{"prompt":"P","response":"R"}"""u8];
        Assert.True(SampleParser.Parse(bytes).IsSuccess);
    }
}
