namespace TokenClean.Service.Inspection;

/// <summary>One lake row, token by token, as the inspector shows it.</summary>
/// <param name="SampleId">The row's <c>sample_id</c>.</param>
/// <param name="File">The lake file, relative to the inspected directory.</param>
/// <param name="Row">The row's index in the file.</param>
/// <param name="Threshold">The influence threshold selection applied.</param>
/// <param name="RefModelVersion">The reference version that scored it.</param>
/// <param name="ResponseTokens">Scored response tokens.</param>
/// <param name="KeptTokens">Response tokens kept.</param>
/// <param name="MeanInfluence">Mean influence of the response tokens; null when there are none.</param>
/// <param name="HasLosses">Whether the file carries <c>base_loss</c>/<c>ref_loss</c> (written with <c>--emit-losses</c>).</param>
/// <param name="Decoded">Whether the token texts come from the lake's tokenizer (false: ids shown as <c>⟨id⟩</c>).</param>
/// <param name="Tokens">Every token, in order.</param>
public sealed record InspectedSample(
    string SampleId,
    string File,
    int Row,
    float Threshold,
    string RefModelVersion,
    int ResponseTokens,
    int KeptTokens,
    double? MeanInfluence,
    bool HasLosses,
    bool Decoded,
    IReadOnlyList<InspectedToken> Tokens);
