using System.Globalization;
using System.Text.RegularExpressions;

namespace TokenClean.Ingest.Templates.Jinja;

/// <summary>Filters, tests and the methods of strings and dicts, with @huggingface/jinja's semantics.</summary>
internal sealed partial class JinjaInterpreter
{
    [GeneratedRegex(@"\S+", RegexOptions.CultureInvariant)]
    private static partial Regex NonSpaceRun();

    private object? ApplyFilter(FilterExpr f, object? value, Scope scope)
    {
        var args = new List<object?>(f.Args.Count);
        foreach (var a in f.Args)
        {
            args.Add(Eval(a, scope));
        }

        var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in f.Kwargs)
        {
            kwargs[k] = Eval(v, scope);
        }

        object? Arg(int i, string name, object? dflt) => i < args.Count ? args[i] : kwargs.TryGetValue(name, out var v) ? v : dflt;

        switch (f.Name)
        {
            case "tojson":
                var indent = Arg(0, "indent", null) as long?;
                return JinjaValues.ToJson(value, indent is null ? null : (int)indent.Value, 0);
            case "default" or "d":
                var fallback = Arg(0, "default_value", string.Empty);
                var boolean = JinjaValues.Truthy(Arg(1, "boolean", false));
                return boolean ? (JinjaValues.Truthy(value) ? value : fallback) : (value is JinjaUndefined ? fallback : value);
            case "string":
                return value is string ? value : JinjaValues.ToStr(value);
            case "length" or "count":
                return value switch
                {
                    string s => (long)s.Length,
                    List<object?> l => (long)l.Count,
                    OrderedDictionary<string, object?> d => (long)d.Count,
                    _ => throw new JinjaException($"Cannot take the length of {JinjaValues.TypeName(value)}"),
                };
            case "trim":
                return JinjaLexer.TrimJs(AsString(value, f.Name));
            case "upper":
                return AsString(value, f.Name).ToUpperInvariant();
            case "lower":
                return AsString(value, f.Name).ToLowerInvariant();
            case "capitalize":
                var cs = AsString(value, f.Name);
                return cs.Length == 0 ? cs : char.ToUpperInvariant(cs[0]) + cs[1..];
            case "first":
                return value switch
                {
                    List<object?> l => l.Count > 0 ? l[0] : JinjaUndefined.Instance,
                    string s => s.Length > 0 ? s[..1] : JinjaUndefined.Instance,
                    _ => throw new JinjaException($"Cannot take first of {JinjaValues.TypeName(value)}"),
                };
            case "last":
                return value switch
                {
                    List<object?> l => l.Count > 0 ? l[^1] : JinjaUndefined.Instance,
                    string s => s.Length > 0 ? s[^1..] : JinjaUndefined.Instance,
                    _ => throw new JinjaException($"Cannot take last of {JinjaValues.TypeName(value)}"),
                };
            case "reverse":
                if (value is string rs)
                {
                    var chars = rs.ToCharArray();
                    Array.Reverse(chars);
                    return new string(chars);
                }

                var rl = new List<object?>(AsList(value, f.Name));
                rl.Reverse();
                return rl;
            case "list":
                return value is string ls ? StringChars(ls) : new List<object?>(AsList(value, f.Name));
            case "join":
                var sep = Arg(0, "d", string.Empty) as string ?? string.Empty;
                var parts = new List<string>();
                foreach (var item in AsList(value, f.Name))
                {
                    parts.Add(JinjaValues.ToStr(item));
                }

                return string.Join(sep, parts);
            case "items":
                var items = new List<object?>();
                foreach (var (k, v) in AsDict(value, f.Name))
                {
                    items.Add(new List<object?> { k, v });
                }

                return items;
            case "int":
                return value switch
                {
                    long l => l,
                    double d => (long)Math.Floor(d),
                    string s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : 0L,
                    _ => 0L,
                };
            case "float":
                return value switch
                {
                    long l => (double)l,
                    double d => d,
                    string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) ? p : 0.0,
                    _ => 0.0,
                };
            case "abs":
                return value switch
                {
                    long l => (object)Math.Abs(l),
                    double d => Math.Abs(d),
                    _ => throw new JinjaException("abs needs a number"),
                };
            case "replace":
                return AsString(value, f.Name).Replace(AsString(Arg(0, "old", null), f.Name), AsString(Arg(1, "new", null), f.Name), StringComparison.Ordinal);
            case "map":
                var attribute = kwargs.TryGetValue("attribute", out var attr) ? attr as string : null;
                var mapped = new List<object?>();
                foreach (var item in AsList(value, f.Name))
                {
                    if (attribute is not null)
                    {
                        mapped.Add(item is OrderedDictionary<string, object?> d && d.TryGetValue(attribute, out var mv) ? mv
                            : kwargs.TryGetValue("default", out var md) ? md : JinjaUndefined.Instance);
                    }
                    else
                    {
                        var filterName = args.Count > 0 ? args[0] as string : null;
                        mapped.Add(ApplyFilter(new FilterExpr(new LiteralExpr(item), filterName ?? throw new JinjaException("map needs a filter name or attribute="), [], []), item, scope));
                    }
                }

                return mapped;
            case "selectattr" or "rejectattr":
                var selected = new List<object?>();
                var attrName = Arg(0, "attribute", null) as string ?? throw new JinjaException($"{f.Name} needs an attribute name");
                var testName = args.Count > 1 ? args[1] as string : null;
                var testArgs = args.Count > 2 ? args.GetRange(2, args.Count - 2) : [];
                foreach (var item in AsList(value, f.Name))
                {
                    var av = item is OrderedDictionary<string, object?> d && d.TryGetValue(attrName, out var x) ? x : JinjaUndefined.Instance;
                    var pass = testName is null ? JinjaValues.Truthy(av) : RunTest(testName, av, testArgs);
                    if (pass == (f.Name == "selectattr"))
                    {
                        selected.Add(item);
                    }
                }

                return selected;
            case "select" or "reject":
                var picked = new List<object?>();
                var tn = args.Count > 0 ? args[0] as string : null;
                var targs = args.Count > 1 ? args.GetRange(1, args.Count - 1) : [];
                foreach (var item in AsList(value, f.Name))
                {
                    var pass = tn is null ? JinjaValues.Truthy(item) : RunTest(tn, item, targs);
                    if (pass == (f.Name == "select"))
                    {
                        picked.Add(item);
                    }
                }

                return picked;
            case "unique":
                var unique = new List<object?>();
                foreach (var item in AsList(value, f.Name))
                {
                    if (!unique.Exists(u => JinjaValues.LooseEquals(u, item)))
                    {
                        unique.Add(item);
                    }
                }

                return unique;
            case "indent":
                var width = Arg(0, "width", 4L) is long w ? (int)w : 4;
                var first = JinjaValues.Truthy(Arg(1, "first", false));
                var lines = AsString(value, f.Name).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if ((i > 0 || first) && lines[i].Length > 0)
                    {
                        lines[i] = new string(' ', width) + lines[i];
                    }
                }

                return string.Join('\n', lines);
            default:
                throw new JinjaException($"Unknown filter '{f.Name}'");
        }
    }

    private bool ApplyTest(TestExpr t, object? value, Scope scope)
    {
        var args = new List<object?>(t.Args.Count);
        foreach (var a in t.Args)
        {
            args.Add(Eval(a, scope));
        }

        return RunTest(t.Name, value, args);
    }

    private static bool RunTest(string name, object? value, List<object?> args) => name switch
    {
        "defined" => value is not JinjaUndefined,
        "undefined" => value is JinjaUndefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "iterable" => value is List<object?> or string or OrderedDictionary<string, object?>,
        "sequence" => value is List<object?> or string,
        "mapping" => value is OrderedDictionary<string, object?>,
        "callable" => value is JinjaFunction,
        "odd" => value is long o ? o % 2 != 0 : throw new JinjaException("odd needs an integer"),
        "even" => value is long e ? e % 2 == 0 : throw new JinjaException("even needs an integer"),
        "lower" => value is string l && l == l.ToLowerInvariant(),
        "upper" => value is string u && u == u.ToUpperInvariant(),
        "equalto" or "eq" or "==" or "sameas" => args.Count > 0 && JinjaValues.LooseEquals(value, args[0]),
        "ne" or "!=" => args.Count > 0 && !JinjaValues.LooseEquals(value, args[0]),
        _ => throw new JinjaException($"Unknown test '{name}'"),
    };

    private static string AsString(object? v, string what) => v as string ?? throw new JinjaException($"{what} needs a string, got {JinjaValues.TypeName(v)}");

    private static List<object?> AsList(object? v, string what) => v as List<object?> ?? throw new JinjaException($"{what} needs a list, got {JinjaValues.TypeName(v)}");

    private static OrderedDictionary<string, object?> AsDict(object? v, string what) =>
        v as OrderedDictionary<string, object?> ?? throw new JinjaException($"{what} needs a dict, got {JinjaValues.TypeName(v)}");

    private static object? DictMethod(OrderedDictionary<string, object?> dict, string name) => name switch
    {
        "get" => new JinjaFunction((args, _) => args.Count > 0 && args[0] is string k && dict.TryGetValue(k, out var v) ? v : args.Count > 1 ? args[1] : null),
        "items" => new JinjaFunction((_, _) =>
        {
            var items = new List<object?>(dict.Count);
            foreach (var (k, v) in dict)
            {
                items.Add(new List<object?> { k, v });
            }

            return items;
        }),
        "keys" => new JinjaFunction((_, _) => new List<object?>(dict.Keys)),
        "values" => new JinjaFunction((_, _) => new List<object?>(dict.Values)),
        _ => JinjaUndefined.Instance,
    };

    // strip/lstrip/rstrip ignore a chars argument, exactly like @huggingface/jinja (they trim all whitespace).
    private static object? StringMethod(string s, string name) => name switch
    {
        "upper" => new JinjaFunction((_, _) => s.ToUpperInvariant()),
        "lower" => new JinjaFunction((_, _) => s.ToLowerInvariant()),
        "strip" => new JinjaFunction((_, _) => JinjaLexer.TrimJs(s)),
        "lstrip" => new JinjaFunction((_, _) => JinjaLexer.TrimStartJs(s)),
        "rstrip" => new JinjaFunction((_, _) => JinjaLexer.TrimEndJs(s)),
        "capitalize" => new JinjaFunction((_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..]),
        "length" => (long)s.Length,
        "startswith" => new JinjaFunction((args, _) => MatchesAny(args, p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new JinjaFunction((args, _) => MatchesAny(args, p => s.EndsWith(p, StringComparison.Ordinal))),
        "split" => new JinjaFunction((args, _) => Split(s, args)),
        "replace" => new JinjaFunction((args, kwargs) =>
        {
            var old = AsString(args.Count > 0 ? args[0] : null, "replace");
            var repl = AsString(args.Count > 1 ? args[1] : null, "replace");
            var count = args.Count > 2 ? args[2] : kwargs.TryGetValue("count", out var c) ? c : null;
            return count is long n ? ReplaceCount(s, old, repl, n) : s.Replace(old, repl, StringComparison.Ordinal);
        }),
        _ => JinjaUndefined.Instance,
    };

    private static bool MatchesAny(List<object?> args, Func<string, bool> match)
    {
        if (args.Count == 0)
        {
            throw new JinjaException("startswith/endswith need an argument");
        }

        if (args[0] is string p)
        {
            return match(p);
        }

        foreach (var item in AsList(args[0], "startswith/endswith"))
        {
            if (match(AsString(item, "startswith/endswith")))
            {
                return true;
            }
        }

        return false;
    }

    private static List<object?> Split(string s, List<object?> args)
    {
        var sep = args.Count > 0 ? args[0] : null;
        var maxsplit = args.Count > 1 && args[1] is long m ? m : -1;
        var result = new List<object?>();
        if (sep is null)
        {
            var text = JinjaLexer.TrimStartJs(s);
            foreach (Match match in NonSpaceRun().Matches(text))
            {
                if (maxsplit != -1 && result.Count >= maxsplit)
                {
                    result.Add(text[match.Index..]);
                    break;
                }

                result.Add(match.Value);
            }

            return result;
        }

        var separator = AsString(sep, "split");
        if (separator.Length == 0)
        {
            throw new JinjaException("empty separator");
        }

        var pieces = s.Split(separator);
        if (maxsplit != -1 && pieces.Length > maxsplit)
        {
            for (var i = 0; i < maxsplit; i++)
            {
                result.Add(pieces[i]);
            }

            result.Add(string.Join(separator, pieces, (int)maxsplit, pieces.Length - (int)maxsplit));
            return result;
        }

        foreach (var p in pieces)
        {
            result.Add(p);
        }

        return result;
    }

    private static string ReplaceCount(string s, string old, string repl, long count)
    {
        var sb = new System.Text.StringBuilder();
        var pos = 0;
        while (count > 0 && old.Length > 0)
        {
            var i = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }

            sb.Append(s, pos, i - pos).Append(repl);
            pos = i + old.Length;
            count--;
        }

        return sb.Append(s, pos, s.Length - pos).ToString();
    }
}
