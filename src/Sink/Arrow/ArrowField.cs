namespace TokenClean.Sink.Arrow;

/// <summary>A named column (or a list's item) of an Arrow schema.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The logical type.</param>
/// <param name="Nullable">Whether the column may hold nulls (a validity bitmap is written only when it does).</param>
public sealed record ArrowField(string Name, ArrowType Type, bool Nullable);
