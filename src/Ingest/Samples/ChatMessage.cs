namespace TokenClean.Ingest.Samples;

/// <summary>One turn of a conversation, with a normalised role (<see cref="System"/>, <see cref="User"/>, <see cref="Assistant"/>).</summary>
/// <param name="Role">One of the role constants.</param>
/// <param name="Content">The turn's text, as given.</param>
public sealed record ChatMessage(string Role, string Content)
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
}
