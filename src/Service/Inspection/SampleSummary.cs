namespace TokenClean.Service.Inspection;

/// <summary>A row in the inspector's lowest/highest lists.</summary>
/// <param name="SampleId">The row's <c>sample_id</c>.</param>
/// <param name="File">The lake file, relative to the inspected directory.</param>
/// <param name="Row">The row's index in the file.</param>
/// <param name="MeanInfluence">Mean influence of its response tokens (what the lists are ranked by).</param>
/// <param name="ResponseTokens">Scored response tokens.</param>
/// <param name="KeptTokens">Response tokens kept.</param>
public sealed record SampleSummary(string SampleId, string File, int Row, double MeanInfluence, int ResponseTokens, int KeptTokens);
