namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>One oracle run: the tokenizer.json, HF's output file, how many corpus lines it covers, how long it took.</summary>
public sealed record OracleOutput(string TokenizerJson, string ExpectedPath, int Lines, TimeSpan Elapsed);
