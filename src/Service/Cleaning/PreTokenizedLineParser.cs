using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using TokenClean.Scoring.Influence;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Parses one pre-tokenized JSON Lines record: <c>{"id": ..., "input_ids": [...], "labels": [...]}</c>, where a
/// label of -100 marks a non-response token and any other label must equal the token id at its position.
/// </summary>
/// <remarks>
/// <c>id</c> may be a string or a number; when absent (or null) the sample id is a content hash of the ids and labels.
/// <c>labels</c> may be absent: then every token is a response token (the HF default labels = input_ids).
/// </remarks>
internal static class PreTokenizedLineParser
{
    public static ParsedLine Parse(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return ParsedLine.Reject(RejectionReason.MalformedJson, e.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParsedLine.Reject(RejectionReason.MalformedJson, $"expected a JSON object, found {root.ValueKind}");
            }

            string? id = null;
            if (root.TryGetProperty("id", out var idElement))
            {
                switch (idElement.ValueKind)
                {
                    case JsonValueKind.String:
                        id = idElement.GetString();
                        break;
                    case JsonValueKind.Number:
                        id = idElement.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        break;
                    default:
                        return ParsedLine.Reject(RejectionReason.WrongType, $"'id' must be a string or a number, found {idElement.ValueKind}");
                }
            }

            if (!root.TryGetProperty("input_ids", out var idsElement))
            {
                return ParsedLine.Reject(RejectionReason.MissingField, "'input_ids' is missing", id);
            }

            var idsError = ReadIntArray(idsElement, "input_ids", out var inputIds);
            if (idsError is not null)
            {
                return ParsedLine.Reject(idsError.Value.Code, idsError.Value.Message, id);
            }

            int[] labels;
            if (root.TryGetProperty("labels", out var labelsElement) && labelsElement.ValueKind != JsonValueKind.Null)
            {
                var labelsError = ReadIntArray(labelsElement, "labels", out labels);
                if (labelsError is not null)
                {
                    return ParsedLine.Reject(labelsError.Value.Code, labelsError.Value.Message, id);
                }
            }
            else
            {
                labels = inputIds;
            }

            if (labels.Length != inputIds.Length)
            {
                return ParsedLine.Reject(
                    RejectionReason.LabelsLengthMismatch,
                    string.Create(CultureInfo.InvariantCulture, $"'labels' has {labels.Length} entries, 'input_ids' has {inputIds.Length}"),
                    id);
            }

            for (var j = 0; j < labels.Length; j++)
            {
                if (labels[j] != TokenizedSample.IgnoreLabel && labels[j] != inputIds[j])
                {
                    return ParsedLine.Reject(
                        RejectionReason.InvalidLabel,
                        string.Create(CultureInfo.InvariantCulture, $"label {labels[j]} at position {j} is neither -100 nor the token id {inputIds[j]}"),
                        id);
                }
            }

            return ParsedLine.Ok(new TokenizedSample(id ?? ContentHash(inputIds, labels), inputIds, labels));
        }
    }

    /// <summary>A stable id for samples without one: the first 128 bits of SHA-256 over the ids and labels (int32 LE).</summary>
    public static string ContentHash(int[] inputIds, int[] labels)
    {
        var bytes = new byte[(inputIds.Length + labels.Length) * sizeof(int)];
        for (var j = 0; j < inputIds.Length; j++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(j * sizeof(int)), inputIds[j]);
        }

        var offset = inputIds.Length * sizeof(int);
        for (var j = 0; j < labels.Length; j++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset + (j * sizeof(int))), labels[j]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes), 0, 16);
    }

    private static (RejectionReason Code, string Message)? ReadIntArray(JsonElement element, string name, out int[] values)
    {
        values = [];
        if (element.ValueKind != JsonValueKind.Array)
        {
            return (RejectionReason.WrongType, $"'{name}' must be an array of integers, found {element.ValueKind}");
        }

        var result = new int[element.GetArrayLength()];
        var j = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value))
            {
                return (RejectionReason.WrongType, $"'{name}'[{j}] is not an integer: {Truncate(item.GetRawText())}");
            }

            if (value is < int.MinValue or > int.MaxValue)
            {
                return (RejectionReason.TokenOutOfVocabulary, $"'{name}'[{j}] = {value} is outside the 32-bit range of token ids");
            }

            result[j++] = (int)value;
        }

        values = result;
        return null;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
