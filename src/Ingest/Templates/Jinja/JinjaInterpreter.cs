using System.Text;

namespace TokenClean.Ingest.Templates.Jinja;

/// <summary>Tree-walking evaluator. One instance per render: it owns the output buffer and the scope chain.</summary>
internal sealed partial class JinjaInterpreter
{
    private const int MaxCallDepth = 64;
    private int callDepth;

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> vars = new(StringComparer.Ordinal);

        public Scope? Parent { get; } = parent;

        public object? Lookup(string name)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.vars.TryGetValue(name, out var v))
                {
                    return v;
                }
            }

            return JinjaUndefined.Instance;
        }

        public void Set(string name, object? value) => vars[name] = value;
    }

    private sealed class BreakSignal : Exception
    {
    }

    private sealed class ContinueSignal : Exception
    {
    }

    public static string Render(IReadOnlyList<Node> program, IReadOnlyDictionary<string, object?> context)
    {
        var interpreter = new JinjaInterpreter();
        var global = new Scope(null);
        interpreter.AddGlobals(global);
        foreach (var (k, v) in context)
        {
            global.Set(k, v);
        }

        var sb = new StringBuilder();
        interpreter.Exec(program, global, sb);
        return sb.ToString();
    }

    private void AddGlobals(Scope global)
    {
        global.Set("namespace", new JinjaFunction((args, kwargs) =>
        {
            var ns = new JinjaNamespace();
            if (args.Count == 1 && args[0] is OrderedDictionary<string, object?> init)
            {
                foreach (var (k, v) in init)
                {
                    ns.Values[k] = v;
                }
            }

            foreach (var (k, v) in kwargs)
            {
                ns.Values[k] = v;
            }

            return ns;
        }));
        global.Set("raise_exception", new JinjaFunction((args, _) =>
            throw new JinjaException(args.Count > 0 ? JinjaValues.ToStr(args[0]) : "raise_exception") { RaisedByTemplate = true }));
        global.Set("range", new JinjaFunction((args, _) =>
        {
            long start = 0, stop, step = 1;
            if (args.Count == 1)
            {
                stop = AsLong(args[0]);
            }
            else
            {
                start = AsLong(args[0]);
                stop = AsLong(args[1]);
                if (args.Count > 2)
                {
                    step = AsLong(args[2]);
                }
            }

            if (step == 0)
            {
                throw new JinjaException("range() step must not be zero");
            }

            var list = new List<object?>();
            for (var i = start; step > 0 ? i < stop : i > stop; i += step)
            {
                list.Add(i);
            }

            return list;
        }));
    }

    private static long AsLong(object? v) => v is long l ? l : throw new JinjaException($"Expected an integer, got {JinjaValues.TypeName(v)}");

    private void Exec(IReadOnlyList<Node> nodes, Scope scope, StringBuilder sb)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t:
                    sb.Append(t.Text);
                    break;
                case OutputNode o:
                    sb.Append(JinjaValues.ToOutput(Eval(o.Value, scope)));
                    break;
                case IfNode i:
                    Exec(JinjaValues.Truthy(Eval(i.Condition, scope)) ? i.Body : i.Else, scope, sb);
                    break;
                case ForNode f:
                    ExecFor(f, scope, sb);
                    break;
                case SetNode s:
                    ExecSet(s, scope);
                    break;
                case MacroNode m:
                    scope.Set(m.Name, MakeMacro(m, scope));
                    break;
                case BreakNode:
                    throw new BreakSignal();
                case ContinueNode:
                    throw new ContinueSignal();
                default:
                    throw new JinjaException($"Unsupported node {node.GetType().Name}");
            }
        }
    }

    private void ExecSet(SetNode s, Scope scope)
    {
        object? value;
        if (s.Value is not null)
        {
            value = Eval(s.Value, scope);
        }
        else
        {
            var sb = new StringBuilder();
            Exec(s.Body!, scope, sb);
            value = sb.ToString();
        }

        switch (s.Target)
        {
            case NameExpr n:
                scope.Set(n.Name, value);
                break;
            case MemberExpr { Computed: false, Property: LiteralExpr { Value: string attr } } m:
                var target = Eval(m.Target, scope);
                if (target is JinjaNamespace ns)
                {
                    ns.Values[attr] = value;
                }
                else if (target is OrderedDictionary<string, object?> dict)
                {
                    dict[attr] = value;
                }
                else
                {
                    throw new JinjaException($"Cannot assign an attribute of {JinjaValues.TypeName(target)}");
                }

                break;
            case ListExpr targets when value is List<object?> values && values.Count == targets.Items.Count:
                for (var i = 0; i < values.Count; i++)
                {
                    if (targets.Items[i] is not NameExpr tn)
                    {
                        throw new JinjaException("Cannot unpack into a non-name");
                    }

                    scope.Set(tn.Name, values[i]);
                }

                break;
            default:
                throw new JinjaException("Invalid assignment target");
        }
    }

    private void ExecFor(ForNode f, Scope scope, StringBuilder sb)
    {
        var loopScope = new Scope(scope);
        var iterable = Eval(f.Iterable, loopScope);
        List<object?> items = iterable switch
        {
            List<object?> list => list,
            OrderedDictionary<string, object?> dict => [.. dict.Keys],
            string s => StringChars(s),
            _ => throw new JinjaException($"Expected an iterable in a for loop, got {JinjaValues.TypeName(iterable)}"),
        };

        if (f.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                Bind(f.Targets, item, loopScope);
                if (JinjaValues.Truthy(Eval(f.Filter, loopScope)))
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            Exec(f.Else, loopScope, sb);
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var loop = new OrderedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["index"] = (long)(i + 1),
                ["index0"] = (long)i,
                ["revindex"] = (long)(items.Count - i),
                ["revindex0"] = (long)(items.Count - i - 1),
                ["first"] = i == 0,
                ["last"] = i == items.Count - 1,
                ["length"] = (long)items.Count,
                ["previtem"] = i > 0 ? items[i - 1] : JinjaUndefined.Instance,
                ["nextitem"] = i < items.Count - 1 ? items[i + 1] : JinjaUndefined.Instance,
            };
            loopScope.Set("loop", loop);
            Bind(f.Targets, items[i], loopScope);
            try
            {
                Exec(f.Body, loopScope, sb);
            }
            catch (BreakSignal)
            {
                break;
            }
            catch (ContinueSignal)
            {
            }
        }
    }

    private static List<object?> StringChars(string s)
    {
        var list = new List<object?>(s.Length);
        foreach (var c in s)
        {
            list.Add(c.ToString());
        }

        return list;
    }

    private static void Bind(IReadOnlyList<string> targets, object? item, Scope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }

        if (item is not List<object?> values || values.Count != targets.Count)
        {
            throw new JinjaException("Cannot unpack a loop item");
        }

        for (var i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], values[i]);
        }
    }

    private JinjaFunction MakeMacro(MacroNode m, Scope defining) => new((args, kwargs) =>
    {
        if (++callDepth > MaxCallDepth)
        {
            throw new JinjaException("Macro recursion too deep");
        }

        try
        {
            var scope = new Scope(defining);
            for (var i = 0; i < m.Parameters.Count; i++)
            {
                var (name, def) = m.Parameters[i];
                object? value = i < args.Count ? args[i]
                    : kwargs.TryGetValue(name, out var kv) ? kv
                    : def is not null ? Eval(def, scope) : JinjaUndefined.Instance;
                scope.Set(name, value);
            }

            var sb = new StringBuilder();
            Exec(m.Body, scope, sb);
            return sb.ToString();
        }
        finally
        {
            callDepth--;
        }
    });
}
