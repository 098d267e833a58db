namespace TokenClean.Ingest.Templates.Jinja;

internal sealed partial class JinjaInterpreter
{
    private object? Eval(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case LiteralExpr l:
                return l.Value;
            case NameExpr n:
                return scope.Lookup(n.Name);
            case ListExpr l:
                var list = new List<object?>(l.Items.Count);
                foreach (var item in l.Items)
                {
                    list.Add(Eval(item, scope));
                }

                return list;
            case DictExpr d:
                var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in d.Items)
                {
                    dict[Eval(k, scope) as string ?? throw new JinjaException("Dict keys must be strings")] = Eval(v, scope);
                }

                return dict;
            case MemberExpr m:
                return EvalMember(m, scope);
            case CallExpr c:
                return EvalCall(c, scope);
            case FilterExpr f:
                return ApplyFilter(f, Eval(f.Operand, scope), scope);
            case TestExpr t:
                var result = ApplyTest(t, Eval(t.Operand, scope), scope);
                return t.Negate ? !result : result;
            case BinaryExpr b:
                return EvalBinary(b, scope);
            case UnaryExpr u:
                var operand = Eval(u.Operand, scope);
                return u.Op switch
                {
                    "not" => !JinjaValues.Truthy(operand),
                    "-" => operand switch
                    {
                        long x => (object)(-x),
                        double x => -x,
                        _ => throw new JinjaException($"Cannot negate {JinjaValues.TypeName(operand)}"),
                    },
                    "+" => operand,
                    _ => throw new JinjaException($"Unknown unary operator {u.Op}"),
                };
            case TernaryExpr t:
                return JinjaValues.Truthy(Eval(t.Condition, scope)) ? Eval(t.IfTrue, scope)
                    : t.IfFalse is null ? JinjaUndefined.Instance : Eval(t.IfFalse, scope);
            default:
                throw new JinjaException($"Unsupported expression {expr.GetType().Name}");
        }
    }

    private object? EvalBinary(BinaryExpr b, Scope scope)
    {
        var left = Eval(b.Left, scope);
        switch (b.Op)
        {
            case "and":
                return JinjaValues.Truthy(left) ? Eval(b.Right, scope) : left;
            case "or":
                return JinjaValues.Truthy(left) ? left : Eval(b.Right, scope);
        }

        var right = Eval(b.Right, scope);
        switch (b.Op)
        {
            case "==":
                return JinjaValues.LooseEquals(left, right);
            case "!=":
                return !JinjaValues.LooseEquals(left, right);
        }

        if (left is JinjaUndefined || right is JinjaUndefined)
        {
            if (right is JinjaUndefined && b.Op is "in" or "not in")
            {
                return b.Op == "not in";
            }

            throw new JinjaException($"Cannot perform operation {b.Op} on undefined values");
        }

        if (left is null || right is null)
        {
            throw new JinjaException("Cannot perform operation on null values");
        }

        if (b.Op == "~")
        {
            return JinjaValues.ToStr(left) + JinjaValues.ToStr(right);
        }

        if (left is long or double && right is long or double)
        {
            var isFloat = left is double || right is double;
            double x = Convert.ToDouble(left, System.Globalization.CultureInfo.InvariantCulture), y = Convert.ToDouble(right, System.Globalization.CultureInfo.InvariantCulture);
            if (!isFloat && b.Op is "+" or "-" or "*" or "//" or "%")
            {
                long lx = (long)left, ly = (long)right;
                return b.Op switch
                {
                    "+" => lx + ly,
                    "-" => lx - ly,
                    "*" => lx * ly,
                    "//" => ly == 0 ? throw new JinjaException("Division by zero") : (long)Math.Floor((double)lx / ly),
                    _ => ly == 0 ? throw new JinjaException("Division by zero") : lx % ly,
                };
            }

            return b.Op switch
            {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" => x / y,
                "//" => Math.Floor(x / y),
                "%" => x % y,
                "**" => Math.Pow(x, y),
                "<" => x < y,
                ">" => x > y,
                "<=" => x <= y,
                ">=" => x >= y,
                _ => throw new JinjaException($"Unknown operator {b.Op} between numbers"),
            };
        }

        if (left is List<object?> la && right is List<object?> ra && b.Op == "+")
        {
            return new List<object?>([.. la, .. ra]);
        }

        if (right is List<object?> container && b.Op is "in" or "not in")
        {
            var found = false;
            foreach (var item in container)
            {
                if (JinjaValues.LooseEquals(item, left) && JinjaValues.TypeName(item) == JinjaValues.TypeName(left))
                {
                    found = true;
                    break;
                }
            }

            return b.Op == "in" ? found : !found;
        }

        if ((left is string || right is string) && b.Op == "+")
        {
            return JinjaValues.ToStr(left) + JinjaValues.ToStr(right);
        }

        if (left is string ls && right is string rs)
        {
            switch (b.Op)
            {
                case "in":
                    return rs.Contains(ls, StringComparison.Ordinal);
                case "not in":
                    return !rs.Contains(ls, StringComparison.Ordinal);
                case "<":
                    return string.CompareOrdinal(ls, rs) < 0;
                case ">":
                    return string.CompareOrdinal(ls, rs) > 0;
                case "<=":
                    return string.CompareOrdinal(ls, rs) <= 0;
                case ">=":
                    return string.CompareOrdinal(ls, rs) >= 0;
            }
        }

        if (left is string key && right is OrderedDictionary<string, object?> d && b.Op is "in" or "not in")
        {
            return d.ContainsKey(key) == (b.Op == "in");
        }

        throw new JinjaException($"Unknown operator \"{b.Op}\" between {JinjaValues.TypeName(left)} and {JinjaValues.TypeName(right)}");
    }

    private object? EvalMember(MemberExpr m, Scope scope)
    {
        var target = Eval(m.Target, scope);
        if (m.Property is SliceExpr slice)
        {
            return EvalSlice(target, slice, scope);
        }

        var property = m.Computed ? Eval(m.Property, scope) : ((LiteralExpr)m.Property).Value;
        switch (target)
        {
            case OrderedDictionary<string, object?> dict:
                if (property is not string key)
                {
                    throw new JinjaException($"Cannot access a dict with a {JinjaValues.TypeName(property)} key");
                }

                return dict.TryGetValue(key, out var value) ? value : DictMethod(dict, key);
            case JinjaNamespace ns:
                return property is string nk && ns.Values.TryGetValue(nk, out var nv) ? nv : JinjaUndefined.Instance;
            case List<object?> list:
                if (property is long index)
                {
                    var i = index < 0 ? list.Count + index : index;
                    return i >= 0 && i < list.Count ? list[(int)i] : JinjaUndefined.Instance;
                }

                return property is "length" ? (long)list.Count : JinjaUndefined.Instance;
            case string s:
                if (property is long si)
                {
                    var i = si < 0 ? s.Length + si : si;
                    return i >= 0 && i < s.Length ? s[(int)i].ToString() : JinjaUndefined.Instance;
                }

                return property is string name ? StringMethod(s, name) : JinjaUndefined.Instance;
            default:
                return JinjaUndefined.Instance;
        }
    }

    private object? EvalSlice(object? target, SliceExpr slice, Scope scope)
    {
        long? Opt(Expr? e) => e is null ? null : Eval(e, scope) switch
        {
            long l => l,
            null or JinjaUndefined => null,
            var other => throw new JinjaException($"Slice indices must be integers, got {JinjaValues.TypeName(other)}"),
        };

        var start = Opt(slice.Start);
        var stop = Opt(slice.Stop);
        var step = Opt(slice.Step) ?? 1;
        if (step == 0)
        {
            throw new JinjaException("Slice step cannot be zero");
        }

        int count = target switch
        {
            List<object?> l => l.Count,
            string s => s.Length,
            _ => throw new JinjaException($"Cannot slice {JinjaValues.TypeName(target)}"),
        };

        // Python's slice.indices().
        long Clamp(long? v, long dflt, long lo, long hi)
        {
            if (v is null)
            {
                return dflt;
            }

            var x = v.Value < 0 ? v.Value + count : v.Value;
            return Math.Clamp(x, lo, hi);
        }

        long begin, end;
        if (step > 0)
        {
            begin = Clamp(start, 0, 0, count);
            end = Clamp(stop, count, 0, count);
        }
        else
        {
            begin = Clamp(start, count - 1, -1, count - 1);
            end = Clamp(stop, -1, -1, count - 1);
        }

        var indices = new List<int>();
        for (var i = begin; step > 0 ? i < end : i > end; i += step)
        {
            indices.Add((int)i);
        }

        if (target is string str)
        {
            var chars = new char[indices.Count];
            for (var i = 0; i < indices.Count; i++)
            {
                chars[i] = str[indices[i]];
            }

            return new string(chars);
        }

        var source = (List<object?>)target!;
        var result = new List<object?>(indices.Count);
        foreach (var i in indices)
        {
            result.Add(source[i]);
        }

        return result;
    }

    private object? EvalCall(CallExpr c, Scope scope)
    {
        var callee = Eval(c.Callee, scope);
        var args = new List<object?>(c.Args.Count);
        foreach (var a in c.Args)
        {
            args.Add(Eval(a, scope));
        }

        var kwargs = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in c.Kwargs)
        {
            kwargs[name] = Eval(value, scope);
        }

        return callee is JinjaFunction f ? f.Invoke(args, kwargs) : throw new JinjaException($"Cannot call {JinjaValues.TypeName(callee)}");
    }
}
