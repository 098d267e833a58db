namespace TokenClean.Service.Inspection;

/// <summary>The lowest- and highest-scoring rows of a lake file, by mean response-token influence.</summary>
/// <param name="File">The file ranked.</param>
/// <param name="Rows">Rows with at least one response token.</param>
/// <param name="Lowest">Lowest mean influence first.</param>
/// <param name="Highest">Highest mean influence first.</param>
public sealed record SampleExtremes(string File, int Rows, IReadOnlyList<SampleSummary> Lowest, IReadOnlyList<SampleSummary> Highest);
