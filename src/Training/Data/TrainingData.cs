namespace TokenClean.Training.Data;

/// <summary>Samples read for training, and what was left out and why.</summary>
/// <param name="Samples">The usable samples, in file order.</param>
/// <param name="Format">jsonl, arrow or parquet.</param>
/// <param name="Read">Records read.</param>
/// <param name="Rejected">Records left out, by reason code (the Ingest rejection codes).</param>
/// <param name="Examples">The first few rejections with their line or row ("line 7: empty_response: ...").</param>
public sealed record TrainingData(
    IReadOnlyList<Core.Samples.TokenizedSample> Samples,
    string Format,
    int Read,
    IReadOnlyDictionary<string, int> Rejected,
    IReadOnlyList<string> Examples);
