using System.Globalization;
using System.Text;

namespace TokenClean.Ingest.Json;

/// <summary>
/// Parses one JSON string literal (a JSON Lines record that is a bare string). Unlike System.Text.Json it keeps
/// escaped lone surrogates (<c>"\ud800"</c>), which are valid JSON text and occur in scraped data; the tokenizer
/// then treats them as U+FFFD, as HF's Node binding does.
/// </summary>
public static class JsonStringLiteral
{
    /// <summary>Parses <paramref name="line"/> (surrounding whitespace allowed) as a JSON string.</summary>
    /// <returns>False with a reason in <paramref name="error"/> when the line is not exactly one JSON string.</returns>
    public static bool TryParse(ReadOnlySpan<char> line, out string value, out string error)
    {
        value = string.Empty;
        line = line.Trim(" \t\r\n");
        if (line.Length < 2 || line[0] != '"' || line[^1] != '"')
        {
            error = "not a JSON string (expected a line like \"text\")";
            return false;
        }

        var sb = new StringBuilder(line.Length);
        for (var i = 1; i < line.Length - 1; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                error = $"unescaped quote at column {i + 1}";
                return false;
            }

            if (c < 0x20)
            {
                error = $"raw control character U+{(int)c:X4} at column {i + 1} (JSON requires it escaped)";
                return false;
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (++i >= line.Length - 1)
            {
                error = "the string ends inside an escape";
                return false;
            }

            switch (line[i])
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (i + 4 >= line.Length - 1 + 1 || i + 4 > line.Length - 2
                        || !ushort.TryParse(line.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        error = $"bad \\u escape at column {i}";
                        return false;
                    }

                    sb.Append((char)code);
                    i += 4;
                    break;
                default:
                    error = $"unknown escape '\\{line[i]}' at column {i}";
                    return false;
            }
        }

        value = sb.ToString();
        error = string.Empty;
        return true;
    }
}
