using TokenClean.Ingest.Samples;

namespace TokenClean.Ingest.Tests.Templates;

/// <summary>The table of conversations every template is rendered on (oracle parity and mask tests).</summary>
internal static class Conversations
{
    private static ChatMessage S(string c) => new(ChatMessage.System, c);

    private static ChatMessage U(string c) => new(ChatMessage.User, c);

    private static ChatMessage A(string c) => new(ChatMessage.Assistant, c);

    public static IReadOnlyList<(string Name, ChatMessage[] Messages)> All { get; } =
    [
        ("system_user_assistant", [S("You are a helpful assistant."), U("What is 2+2?"), A("2+2 is 4.")]),
        ("no_system", [U("Name a colour."), A("Blue.")]),
        ("empty_system", [S(string.Empty), U("Hi"), A("Hello! How can I help?")]),
        ("multi_turn", [S("Be brief."), U("Capital of France?"), A("Paris."), U("And of Italy?"), A("Rome.")]),
        ("multi_turn_no_system", [U("one"), A("two"), U("three"), A("four"), U("five"), A("six")]),
        ("unicode", [U("Grüße aus Köln — 日本語テキスト 😀 ∑x²"), A("Ελληνικά και 中文 🚀\twith tab")]),
        ("surrounding_whitespace", [U("  padded prompt \n"), A("\n\n  padded answer  \n")]),
        ("multiline", [S("Line one\nLine two"), U("Write:\n- a\n- b"), A("Sure:\n\n- a\n- b\n")]),
        ("reasoning", [U("Think first."), A("<think>\nsome reasoning\n</think>\n\nThe answer.")]),
        ("prompt_only", [U("Just a question?")]),
        ("quotes_and_braces", [U("Use {{ braces }} and {% tags %} and 'quotes' \"double\""), A("Literal {{ x }} \\n stays")]),
    ];
}
