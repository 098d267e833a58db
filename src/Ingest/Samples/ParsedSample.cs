namespace TokenClean.Ingest.Samples;

/// <summary>A validated sample: a conversation to render, or ids that are already tokenized.</summary>
public sealed class ParsedSample
{
    private ParsedSample(string id, SampleFormat format, IReadOnlyList<ChatMessage>? messages, int[]? inputIds, int[]? labels)
    {
        Id = id;
        Format = format;
        Messages = messages;
        InputIds = inputIds;
        Labels = labels;
    }

    /// <summary>The input's <c>id</c>, else the content hash (see <see cref="SampleIds.ContentHash"/>).</summary>
    public string Id { get; }

    /// <summary>Which schema the input matched.</summary>
    public SampleFormat Format { get; }

    /// <summary>The conversation (null for pre-tokenized input).</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; }

    /// <summary>Pre-tokenized ids (null for conversations).</summary>
    public int[]? InputIds { get; }

    /// <summary>Pre-tokenized labels, same length as <see cref="InputIds"/>, -100 where not trained on.</summary>
    public int[]? Labels { get; }

    /// <summary>True for pre-tokenized input.</summary>
    public bool IsPreTokenized => InputIds is not null;

    public static ParsedSample Conversation(string id, SampleFormat format, IReadOnlyList<ChatMessage> messages) =>
        new(id, format, messages, null, null);

    public static ParsedSample PreTokenized(string id, int[] inputIds, int[] labels) =>
        new(id, SampleFormat.PreTokenized, null, inputIds, labels);
}
