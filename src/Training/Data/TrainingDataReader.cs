using Apache.Arrow;
using TokenClean.Core.Rejections;
using TokenClean.Core.Samples;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Sink.Lake;

namespace TokenClean.Training.Data;

/// <summary>
/// Reads training samples from JSON Lines (chat messages, ShareGPT, prompt/response, Alpaca — every response token
/// learned — or pre-tokenized <c>input_ids</c> + <c>labels</c>), or from the product's own cleaned output (Arrow IPC
/// or Parquet lake files, a file or a directory of them; the <c>labels</c> column says which tokens were kept).
/// Text samples go through the Ingest encoder (the model's tokenizer and chat template); nothing is parsed twice.
/// </summary>
public static class TrainingDataReader
{
    private const int MaxExamples = 5;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <param name="path">A .jsonl file, an .arrow/.parquet lake file, or a directory of lake files (read in name order).</param>
    /// <param name="tokenizerDirectory">Directory with tokenizer.json (and tokenizer_config.json): needed for text samples.</param>
    /// <param name="chatTemplate">A built-in template name, or null for the model's own.</param>
    /// <param name="maxLength">Samples longer than this are cut to it (and left out if no response token remains).</param>
    /// <exception cref="FileNotFoundException">No such file or directory.</exception>
    /// <exception cref="TrainingException">Unreadable lake file, a lake file without input_ids/labels, or no lake file in the directory.</exception>
    public static TrainingData Read(string path, string? tokenizerDirectory, string? chatTemplate, int maxLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => IsLakeFile(f) && !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
            {
                throw new TrainingException($"'{path}' holds no .arrow or .parquet lake file");
            }

            return ReadLake(files);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"training data '{path}' does not exist", path);
        }

        return IsLakeFile(path) ? ReadLake([path]) : ReadJsonLines(path, tokenizerDirectory, chatTemplate, maxLength);
    }

    private static bool IsLakeFile(string path) =>
        path.EndsWith(".arrow", StringComparison.Ordinal) || path.EndsWith(".parquet", StringComparison.Ordinal);

    private static TrainingData ReadJsonLines(string path, string? tokenizerDirectory, string? chatTemplate, int maxLength)
    {
        var options = SampleOptions.Default with { MaxTokens = maxLength, OverLength = OverLengthPolicy.Truncate };
        SampleEncoder? encoder = null;
        string? noEncoder = "text samples need a tokenizer: the base directory has no tokenizer.json";
        if (tokenizerDirectory is not null && File.Exists(Path.Combine(tokenizerDirectory, "tokenizer.json")))
        {
            var tokenizer = HfTokenizer.FromFile(tokenizerDirectory);
            try
            {
                encoder = new SampleEncoder(tokenizer, ChatTemplate.Resolve(chatTemplate, tokenizerDirectory), options);
            }
            catch (InvalidDataException e) when (string.IsNullOrEmpty(chatTemplate))
            {
                noEncoder = $"{e.Message}; pass --chat-template (chatml, llama3, llama2, tulu, alpaca) to train on text samples";
            }
        }

        var samples = new List<TokenizedSample>();
        var rejected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<string>();
        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            SampleRejection? rejection;
            if (encoder is not null)
            {
                var result = encoder.Process(bytes);
                if (result.IsSuccess)
                {
                    samples.Add(result.Value);
                    continue;
                }

                rejection = result.Rejection;
            }
            else
            {
                var parsed = SampleParser.Parse(bytes, options);
                if (parsed.IsSuccess && parsed.Value.IsPreTokenized)
                {
                    if (FromIds(parsed.Value.Id, parsed.Value.InputIds!, parsed.Value.Labels!, maxLength) is { } s)
                    {
                        samples.Add(s);
                        continue;
                    }

                    rejection = new SampleRejection(RejectionReason.EmptyResponse, $"no response token within the first {maxLength} tokens");
                }
                else
                {
                    rejection = parsed.IsSuccess ? new SampleRejection(RejectionReason.TemplateError, noEncoder) : parsed.Rejection;
                }
            }

            rejected[rejection.Code] = rejected.GetValueOrDefault(rejection.Code) + 1;
            if (examples.Count < MaxExamples)
            {
                examples.Add($"line {line}: {rejection}");
            }
        }

        return new TrainingData(samples, "jsonl", line, rejected, examples);
    }

    private static TrainingData ReadLake(List<string> files)
    {
        var samples = new List<TokenizedSample>();
        var rejected = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<string>();
        var read = 0;
        foreach (var file in files)
        {
            (Schema Schema, List<RecordBatch> Batches) content;
            try
            {
                content = LakeFileReader.ReadAll(file);
            }
            catch (InvalidDataException e)
            {
                throw new TrainingException(e.Message, e);
            }

            var format = file.EndsWith(".parquet", StringComparison.Ordinal) ? "parquet" : "arrow";
            foreach (var batch in content.Batches)
            {
                using (batch)
                {
                    if (batch.Column("input_ids") is not ListArray ids || batch.Column("labels") is not ListArray labels)
                    {
                        throw new TrainingException($"'{file}' has no list columns 'input_ids' and 'labels' (a tokenclean output file has both)");
                    }

                    var sampleIds = batch.Schema.GetFieldIndex("sample_id") >= 0 ? batch.Column("sample_id") as StringArray : null;
                    for (var row = 0; row < batch.Length; row++)
                    {
                        read++;
                        var id = sampleIds?.GetString(row) ?? $"{Path.GetFileName(file)}#{read}";
                        var inputIds = Values(ids, row);
                        var labelValues = Values(labels, row);
                        if (inputIds is null || labelValues is null || inputIds.Length != labelValues.Length)
                        {
                            Reject(RejectionReason.LabelsLengthMismatch.Code(), $"{format} {Path.GetFileName(file)} row {row}: input_ids and labels are missing or differ in length");
                            continue;
                        }

                        if (FromIds(id, inputIds, labelValues, int.MaxValue) is { } s)
                        {
                            samples.Add(s);
                        }
                        else
                        {
                            Reject(RejectionReason.EmptyResponse.Code(), $"{format} {Path.GetFileName(file)} row {row}: no kept token (every label is -100)");
                        }
                    }
                }
            }
        }

        return new TrainingData(samples, files.Any(f => f.EndsWith(".parquet", StringComparison.Ordinal)) ? "parquet" : "arrow", read, rejected, examples);

        void Reject(string code, string message)
        {
            rejected[code] = rejected.GetValueOrDefault(code) + 1;
            if (examples.Count < MaxExamples)
            {
                examples.Add($"{code}: {message}");
            }
        }
    }

    private static int[]? Values(ListArray list, int row)
    {
        if (list.IsNull(row) || list.Values is not Int32Array values)
        {
            return null;
        }

        var start = list.ValueOffsets[row];
        var end = list.ValueOffsets[row + 1];
        return values.Values.Slice(start, end - start).ToArray();
    }

    private static TokenizedSample? FromIds(string id, int[] ids, int[] labels, int maxLength)
    {
        var n = Math.Min(ids.Length, maxLength);
        var response = 0;
        for (var j = 0; j < n; j++)
        {
            if (labels[j] != TokenizedSample.IgnoreLabel)
            {
                response++;
            }
        }

        return response == 0 ? null : new TokenizedSample(id, ids[..n], labels[..n], truncated: n < ids.Length);
    }
}
