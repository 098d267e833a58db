namespace TokenClean.Ingest.Templates.Jinja;

/// <summary>
/// A parsed Jinja template, rendered with the semantics of <c>@huggingface/jinja</c> (transformers.js's renderer):
/// <c>trim_blocks</c> and <c>lstrip_blocks</c> on, none/undefined print nothing. Parse once, render many times;
/// rendering is thread-safe (each render has its own state).
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Node> program;

    private JinjaTemplate(string source, IReadOnlyList<Node> program)
    {
        Source = source;
        this.program = program;
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="source"/>.</summary>
    /// <exception cref="JinjaException">The template uses syntax outside the supported subset or is malformed.</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(source, JinjaParser.Parse(source));
    }

    /// <summary>
    /// Renders with the given variables. Values may be null, bool, int, long, double, string, lists
    /// (<see cref="IEnumerable{T}"/> of such values) and string-keyed dictionaries; <see cref="System.Text.Json.JsonElement"/>
    /// is accepted too.
    /// </summary>
    /// <exception cref="JinjaException">Rendering failed, or the template called <c>raise_exception</c>.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var converted = new Dictionary<string, object?>(variables.Count, StringComparer.Ordinal);
        foreach (var (k, v) in variables)
        {
            converted[k] = ToRuntime(v);
        }

        return JinjaInterpreter.Render(program, converted);
    }

    private static object? ToRuntime(object? v) => v switch
    {
        null or bool or long or double or string => v,
        int i => (long)i,
        float f => (double)f,
        System.Text.Json.JsonElement e => JinjaValues.FromJson(e),
        OrderedDictionary<string, object?> od => ConvertDict(od),
        IEnumerable<KeyValuePair<string, object?>> d => ConvertDict(d),
        IEnumerable<KeyValuePair<string, string>> ds => ConvertDict(ds.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value))),
        System.Collections.IEnumerable list => ConvertList(list),
        _ => throw new ArgumentException($"Unsupported template value type {v.GetType().Name}", nameof(v)),
    };

    private static OrderedDictionary<string, object?> ConvertDict(IEnumerable<KeyValuePair<string, object?>> d)
    {
        var result = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in d)
        {
            result[k] = ToRuntime(v);
        }

        return result;
    }

    private static List<object?> ConvertList(System.Collections.IEnumerable list)
    {
        var result = new List<object?>();
        foreach (var item in list)
        {
            result.Add(ToRuntime(item));
        }

        return result;
    }
}
