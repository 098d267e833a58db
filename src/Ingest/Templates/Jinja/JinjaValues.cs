using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TokenClean.Ingest.Templates.Jinja;

// Runtime values are plain CLR objects: null (None), JinjaUndefined, bool, long, double, string,
// List<object?> (list/tuple), OrderedDictionary<string, object?> (dict), JinjaNamespace, JinjaFunction.

/// <summary>Jinja's <c>Undefined</c>: a missing variable or attribute.</summary>
internal sealed class JinjaUndefined
{
    public static readonly JinjaUndefined Instance = new();

    private JinjaUndefined()
    {
    }
}

/// <summary>The mutable object <c>namespace(...)</c> returns.</summary>
internal sealed class JinjaNamespace
{
    public OrderedDictionary<string, object?> Values { get; } = new(StringComparer.Ordinal);
}

/// <summary>A callable value: a builtin, a bound string/dict method, or a macro.</summary>
internal sealed class JinjaFunction(Func<List<object?>, OrderedDictionary<string, object?>, object?> body)
{
    public object? Invoke(List<object?> args, OrderedDictionary<string, object?> kwargs) => body(args, kwargs);
}

internal static class JinjaValues
{
    public static bool IsUndefined(object? v) => v is JinjaUndefined;

    public static bool IsNullish(object? v) => v is null or JinjaUndefined;

    public static bool Truthy(object? v) => v switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0 && !double.IsNaN(d),
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        OrderedDictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "none",
        JinjaUndefined => "undefined",
        bool => "boolean",
        long => "integer",
        double => "float",
        string => "string",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        JinjaNamespace => "namespace",
        JinjaFunction => "function",
        _ => v.GetType().Name,
    };

    /// <summary>How a value prints in <c>{{ }}</c> (none/undefined print nothing, as in @huggingface/jinja).</summary>
    public static string ToOutput(object? v) => v switch
    {
        null or JinjaUndefined => string.Empty,
        _ => ToStr(v),
    };

    /// <summary>JavaScript-style <c>toString</c>, which string concatenation uses.</summary>
    public static string ToStr(object? v) => v switch
    {
        null or JinjaUndefined => "undefined",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        List<object?> or OrderedDictionary<string, object?> or JinjaNamespace => ToJson(v, null, 0, undefinedToNull: false),
        _ => v.ToString() ?? string.Empty,
    };

    private static string FormatFloat(double d)
    {
        if (d == 0 && double.IsNegative(d))
        {
            return "-0.0";
        }

        return d % 1 == 0 && !double.IsInfinity(d) ? d.ToString("0.0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
    }

    public static bool LooseEquals(object? a, object? b)
    {
        if (IsNullish(a) || IsNullish(b))
        {
            return IsNullish(a) && IsNullish(b);
        }

        if (a is string sa && b is string sb)
        {
            return string.Equals(sa, sb, StringComparison.Ordinal);
        }

        if (TryNumber(a, out var na) && TryNumber(b, out var nb))
        {
            return na == nb;
        }

        if (a is string sx && TryNumber(b, out var nx))
        {
            return double.TryParse(sx, NumberStyles.Float, CultureInfo.InvariantCulture, out var px) && px == nx;
        }

        if (b is string sy && TryNumber(a, out var ny))
        {
            return double.TryParse(sy, NumberStyles.Float, CultureInfo.InvariantCulture, out var py) && py == ny;
        }

        return ReferenceEquals(a, b);
    }

    public static bool TryNumber(object? v, out double d)
    {
        switch (v)
        {
            case long l:
                d = l;
                return true;
            case double x:
                d = x;
                return true;
            case bool b:
                d = b ? 1 : 0;
                return true;
            default:
                d = 0;
                return false;
        }
    }

    /// <summary><c>tojson</c> as @huggingface/jinja writes it (Python json.dumps separators, no ASCII escaping).</summary>
    public static string ToJson(object? v, int? indent, int depth, bool undefinedToNull = true)
    {
        var itemSep = indent is > 0 ? "," : ", ";
        switch (v)
        {
            case null:
                return "null";
            case JinjaUndefined:
                return undefinedToNull ? "null" : "undefined";
            case bool b:
                return b ? "true" : "false";
            case long l:
                return l.ToString(CultureInfo.InvariantCulture);
            case double d:
                return d.ToString("R", CultureInfo.InvariantCulture);
            case string s:
                return JsonString(s);
            case List<object?> list:
                {
                    var pad = indent is > 0 ? "\n" + new string(' ', indent.Value * depth) : string.Empty;
                    var childPad = indent is > 0 ? pad + new string(' ', indent.Value) : string.Empty;
                    var parts = new List<string>(list.Count);
                    foreach (var item in list)
                    {
                        parts.Add(ToJson(item, indent, depth + 1, undefinedToNull));
                    }

                    return indent is > 0 && parts.Count > 0
                        ? "[" + childPad + string.Join(itemSep + childPad, parts) + pad + "]"
                        : "[" + string.Join(itemSep, parts) + "]";
                }

            case OrderedDictionary<string, object?> or JinjaNamespace:
                {
                    var dict = v as OrderedDictionary<string, object?> ?? ((JinjaNamespace)v).Values;
                    var pad = indent is > 0 ? "\n" + new string(' ', indent.Value * depth) : string.Empty;
                    var childPad = indent is > 0 ? pad + new string(' ', indent.Value) : string.Empty;
                    var parts = new List<string>(dict.Count);
                    foreach (var (key, value) in dict)
                    {
                        parts.Add(childPad + JsonString(key) + ": " + ToJson(value, indent, depth + 1, undefinedToNull));
                    }

                    return indent is > 0 && parts.Count > 0
                        ? "{" + string.Join(itemSep, parts) + pad + "}"
                        : "{" + string.Join(itemSep, parts) + "}";
                }

            default:
                throw new JinjaException($"Cannot convert {TypeName(v)} to JSON");
        }
    }

    /// <summary>JSON.stringify of a string: escapes quote, backslash and control characters only.</summary>
    private static string JsonString(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) && !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1]))))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Converts a parsed JSON element into runtime values (used for tools and extra context).</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.Array => FromJsonArray(e),
        _ => FromJsonObject(e),
    };

    private static List<object?> FromJsonArray(JsonElement e)
    {
        var list = new List<object?>(e.GetArrayLength());
        foreach (var item in e.EnumerateArray())
        {
            list.Add(FromJson(item));
        }

        return list;
    }

    private static OrderedDictionary<string, object?> FromJsonObject(JsonElement e)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            dict[p.Name] = FromJson(p.Value);
        }

        return dict;
    }
}
