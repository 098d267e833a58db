namespace TokenClean.Ingest.Samples;

/// <summary>The input shape a sample was recognised as.</summary>
public enum SampleFormat
{
    /// <summary><c>{"messages":[{"role","content"}...]}</c>.</summary>
    Messages = 1,

    /// <summary>ShareGPT: <c>{"conversations":[{"from","value"}...]}</c>.</summary>
    ShareGpt,

    /// <summary><c>{"prompt","response"}</c>.</summary>
    PromptResponse,

    /// <summary>Alpaca: <c>{"instruction","input","output"}</c>.</summary>
    Alpaca,

    /// <summary><c>{"input_ids":[...],"labels":[...]}</c>.</summary>
    PreTokenized,
}
