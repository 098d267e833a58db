// Why one file of ~590 lines: a recursive-descent parser is one grammar, rule after rule; split across files the
// precedence chain (or → and → not → comparison → additive → multiplicative → test → filter → call/member → index) could no longer be read top to bottom.
using System.Globalization;

namespace TokenClean.Ingest.Templates.Jinja;

/// <summary>Recursive-descent parser for the Jinja subset chat templates use (see docs/INGEST.md).</summary>
internal sealed class JinjaParser
{
    private readonly List<JinjaToken> tokens;
    private int pos;

    private JinjaParser(List<JinjaToken> tokens) => this.tokens = tokens;

    public static IReadOnlyList<Node> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var body = parser.ParseBody(static _ => false);
        if (parser.pos < parser.tokens.Count)
        {
            throw new JinjaException($"Unexpected '{parser.tokens[parser.pos].Value}' at token {parser.pos}");
        }

        return body;
    }

    private JinjaToken Peek(int ahead = 0) => pos + ahead < tokens.Count ? tokens[pos + ahead] : new JinjaToken(TokenKind.Text, string.Empty);

    private bool AtEnd => pos >= tokens.Count;

    private JinjaToken Next()
    {
        if (AtEnd)
        {
            throw new JinjaException("Unexpected end of template");
        }

        return tokens[pos++];
    }

    private JinjaToken Expect(TokenKind kind, string what)
    {
        var t = Next();
        if (t.Kind != kind)
        {
            throw new JinjaException($"Expected {what}, got '{t.Value}'");
        }

        return t;
    }

    private bool IsKeyword(string word, int ahead = 0) => Peek(ahead) is { Kind: TokenKind.Identifier } t && t.Value == word && pos + ahead < tokens.Count;

    private bool AtStatement(string keyword) => Peek().Kind == TokenKind.OpenStatement && !AtEnd && IsKeyword(keyword, 1);

    private void ExpectKeyword(string word)
    {
        if (!IsKeyword(word))
        {
            throw new JinjaException($"Expected '{word}', got '{Peek().Value}'");
        }

        pos++;
    }

    /// <summary>Parses statements until a <c>{% keyword</c> for which <paramref name="stop"/> is true (not consumed).</summary>
    private List<Node> ParseBody(Func<string, bool> stop)
    {
        var body = new List<Node>();
        while (!AtEnd)
        {
            var t = Peek();
            if (t.Kind == TokenKind.OpenStatement && Peek(1).Kind == TokenKind.Identifier && stop(Peek(1).Value))
            {
                return body;
            }

            body.Add(ParseNode());
        }

        return body;
    }

    private Node ParseNode()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Text:
                return new TextNode(t.Value);
            case TokenKind.OpenExpression:
                var e = ParseExpression();
                Expect(TokenKind.CloseExpression, "'}}'");
                return new OutputNode(e);
            case TokenKind.OpenStatement:
                return ParseStatement();
            default:
                throw new JinjaException($"Unexpected '{t.Value}'");
        }
    }

    private Node ParseStatement()
    {
        var keyword = Expect(TokenKind.Identifier, "a statement name").Value;
        switch (keyword)
        {
            case "if":
                return ParseIf();
            case "for":
                return ParseFor();
            case "set":
                return ParseSet();
            case "macro":
                return ParseMacro();
            case "break":
                Expect(TokenKind.CloseStatement, "'%}'");
                return new BreakNode();
            case "continue":
                Expect(TokenKind.CloseStatement, "'%}'");
                return new ContinueNode();
            default:
                throw new JinjaException($"Unsupported statement '{keyword}'");
        }
    }

    private void EndTag(string keyword)
    {
        Expect(TokenKind.OpenStatement, "'{%'");
        ExpectKeyword(keyword);
        Expect(TokenKind.CloseStatement, "'%}'");
    }

    private IfNode ParseIf()
    {
        var condition = ParseExpression();
        Expect(TokenKind.CloseStatement, "'%}'");
        var body = ParseBody(static k => k is "elif" or "else" or "endif");
        IReadOnlyList<Node> elseBody = [];
        if (AtStatement("elif"))
        {
            pos += 2;
            elseBody = [ParseIf()];
            return new IfNode(condition, body, elseBody);
        }

        if (AtStatement("else"))
        {
            pos += 2;
            Expect(TokenKind.CloseStatement, "'%}'");
            elseBody = ParseBody(static k => k == "endif");
        }

        EndTag("endif");
        return new IfNode(condition, body, elseBody);
    }

    private ForNode ParseFor()
    {
        var targets = new List<string>();
        var paren = Peek().Kind == TokenKind.OpenParen;
        if (paren)
        {
            pos++;
        }

        targets.Add(Expect(TokenKind.Identifier, "a loop variable").Value);
        while (Peek().Kind == TokenKind.Comma)
        {
            pos++;
            targets.Add(Expect(TokenKind.Identifier, "a loop variable").Value);
        }

        if (paren)
        {
            Expect(TokenKind.CloseParen, "')'");
        }

        ExpectKeyword("in");
        var iterable = ParseOr();
        Expr? filter = null;
        if (IsKeyword("if"))
        {
            pos++;
            filter = ParseExpression();
        }

        Expect(TokenKind.CloseStatement, "'%}'");
        var body = ParseBody(static k => k is "else" or "endfor");
        IReadOnlyList<Node> elseBody = [];
        if (AtStatement("else"))
        {
            pos += 2;
            Expect(TokenKind.CloseStatement, "'%}'");
            elseBody = ParseBody(static k => k == "endfor");
        }

        EndTag("endfor");
        return new ForNode(targets, iterable, filter, body, elseBody);
    }

    private SetNode ParseSet()
    {
        var target = ParseCallMember();
        if (Peek().Kind == TokenKind.Comma)
        {
            var items = new List<Expr> { target };
            while (Peek().Kind == TokenKind.Comma)
            {
                pos++;
                items.Add(ParseCallMember());
            }

            target = new ListExpr(items);
        }

        if (Peek().Kind == TokenKind.Equals)
        {
            pos++;
            var value = ParseExpression();
            Expect(TokenKind.CloseStatement, "'%}'");
            return new SetNode(target, value, null);
        }

        Expect(TokenKind.CloseStatement, "'%}'");
        var body = ParseBody(static k => k == "endset");
        EndTag("endset");
        return new SetNode(target, null, body);
    }

    private MacroNode ParseMacro()
    {
        var name = Expect(TokenKind.Identifier, "a macro name").Value;
        Expect(TokenKind.OpenParen, "'('");
        var parameters = new List<(string, Expr?)>();
        while (Peek().Kind != TokenKind.CloseParen)
        {
            var p = Expect(TokenKind.Identifier, "a parameter").Value;
            Expr? def = null;
            if (Peek().Kind == TokenKind.Equals)
            {
                pos++;
                def = ParseExpression();
            }

            parameters.Add((p, def));
            if (Peek().Kind == TokenKind.Comma)
            {
                pos++;
            }
        }

        pos++;
        Expect(TokenKind.CloseStatement, "'%}'");
        var body = ParseBody(static k => k == "endmacro");
        EndTag("endmacro");
        return new MacroNode(name, parameters, body);
    }

    private Expr ParseExpression()
    {
        var a = ParseOr();
        if (IsKeyword("if"))
        {
            pos++;
            var condition = ParseOr();
            Expr? b = null;
            if (IsKeyword("else"))
            {
                pos++;
                b = ParseExpression();
            }

            return new TernaryExpr(condition, a, b);
        }

        return a;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (IsKeyword("or"))
        {
            pos++;
            left = new BinaryExpr("or", left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (IsKeyword("and"))
        {
            pos++;
            left = new BinaryExpr("and", left, ParseNot());
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (IsKeyword("not"))
        {
            pos++;
            return new UnaryExpr("not", ParseNot());
        }

        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            if (Peek().Kind == TokenKind.Comparison && !AtEnd)
            {
                var op = Next().Value;
                left = new BinaryExpr(op, left, ParseAdditive());
            }
            else if (IsKeyword("in"))
            {
                pos++;
                left = new BinaryExpr("in", left, ParseAdditive());
            }
            else if (IsKeyword("not") && IsKeyword("in", 1))
            {
                pos += 2;
                left = new BinaryExpr("not in", left, ParseAdditive());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek().Kind == TokenKind.Additive && !AtEnd)
        {
            var op = Next().Value;
            left = new BinaryExpr(op, left, ParseMultiplicative());
        }

        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseTest();
        while (Peek().Kind is TokenKind.Multiplicative or TokenKind.Power && !AtEnd)
        {
            var op = Next().Value;
            left = new BinaryExpr(op, left, ParseTest());
        }

        return left;
    }

    private Expr ParseTest()
    {
        var operand = ParseFilter();
        while (IsKeyword("is"))
        {
            pos++;
            var negate = false;
            if (IsKeyword("not"))
            {
                pos++;
                negate = true;
            }

            var name = Expect(TokenKind.Identifier, "a test name").Value;
            var args = new List<Expr>();
            if (Peek().Kind == TokenKind.OpenParen && !AtEnd)
            {
                args.AddRange(ParseArguments().Args);
            }
            else if (Peek().Kind is TokenKind.Number or TokenKind.String && !AtEnd)
            {
                args.Add(ParsePrimary());
            }

            operand = new TestExpr(operand, name, negate, args);
        }

        return operand;
    }

    private Expr ParseFilter()
    {
        var operand = ParseCallMember();
        while (Peek().Kind == TokenKind.Pipe && !AtEnd)
        {
            pos++;
            var name = Expect(TokenKind.Identifier, "a filter name").Value;
            if (Peek().Kind == TokenKind.OpenParen && !AtEnd)
            {
                var (args, kwargs) = ParseArguments();
                operand = new FilterExpr(operand, name, args, kwargs);
            }
            else
            {
                operand = new FilterExpr(operand, name, [], []);
            }
        }

        return operand;
    }

    private (List<Expr> Args, List<(string, Expr)> Kwargs) ParseArguments()
    {
        Expect(TokenKind.OpenParen, "'('");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (Peek().Kind != TokenKind.CloseParen)
        {
            if (Peek().Kind == TokenKind.Identifier && Peek(1).Kind == TokenKind.Equals)
            {
                var name = Next().Value;
                pos++;
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                args.Add(ParseExpression());
            }

            if (Peek().Kind == TokenKind.Comma)
            {
                pos++;
            }
            else if (Peek().Kind != TokenKind.CloseParen)
            {
                throw new JinjaException($"Expected ',' or ')', got '{Peek().Value}'");
            }
        }

        pos++;
        return (args, kwargs);
    }

    private Expr ParseCallMember()
    {
        var e = ParsePrimary();
        while (!AtEnd)
        {
            var t = Peek();
            if (t.Kind == TokenKind.Dot)
            {
                pos++;
                var name = Expect(TokenKind.Identifier, "an attribute name").Value;
                e = new MemberExpr(e, new LiteralExpr(name), Computed: false);
            }
            else if (t.Kind == TokenKind.OpenBracket)
            {
                pos++;
                e = new MemberExpr(e, ParseIndexOrSlice(), Computed: true);
                Expect(TokenKind.CloseBracket, "']'");
            }
            else if (t.Kind == TokenKind.OpenParen)
            {
                var (args, kwargs) = ParseArguments();
                e = new CallExpr(e, args, kwargs);
            }
            else
            {
                return e;
            }
        }

        return e;
    }

    private Expr ParseIndexOrSlice()
    {
        var parts = new Expr?[3];
        var part = 0;
        var isSlice = false;
        while (Peek().Kind != TokenKind.CloseBracket)
        {
            if (Peek().Kind == TokenKind.Colon)
            {
                pos++;
                isSlice = true;
                part++;
                if (part > 2)
                {
                    throw new JinjaException("Too many ':' in a slice");
                }
            }
            else
            {
                parts[part] = ParseExpression();
            }
        }

        if (!isSlice)
        {
            return parts[0] ?? throw new JinjaException("Empty index");
        }

        return new SliceExpr(parts[0], parts[1], parts[2]);
    }

    private Expr ParsePrimary()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Number:
                return t.Value.Contains('.', StringComparison.Ordinal)
                    ? new LiteralExpr(double.Parse(t.Value, CultureInfo.InvariantCulture))
                    : new LiteralExpr(long.Parse(t.Value, CultureInfo.InvariantCulture));
            case TokenKind.String:
                var s = t.Value;
                while (Peek().Kind == TokenKind.String && !AtEnd)
                {
                    s += Next().Value;
                }

                return new LiteralExpr(s);
            case TokenKind.Identifier:
                return t.Value switch
                {
                    "true" or "True" => new LiteralExpr(true),
                    "false" or "False" => new LiteralExpr(false),
                    "none" or "None" => new LiteralExpr(null),
                    _ => new NameExpr(t.Value),
                };
            case TokenKind.Unary:
                return new UnaryExpr(t.Value, ParsePrimary());
            case TokenKind.OpenParen:
                var inner = ParseExpression();
                if (Peek().Kind == TokenKind.Comma)
                {
                    var items = new List<Expr> { inner };
                    while (Peek().Kind == TokenKind.Comma)
                    {
                        pos++;
                        if (Peek().Kind == TokenKind.CloseParen)
                        {
                            break;
                        }

                        items.Add(ParseExpression());
                    }

                    inner = new ListExpr(items);
                }

                Expect(TokenKind.CloseParen, "')'");
                return inner;
            case TokenKind.OpenBracket:
                var list = new List<Expr>();
                while (Peek().Kind != TokenKind.CloseBracket)
                {
                    list.Add(ParseExpression());
                    if (Peek().Kind == TokenKind.Comma)
                    {
                        pos++;
                    }
                }

                pos++;
                return new ListExpr(list);
            case TokenKind.OpenBrace:
                var dict = new List<(Expr, Expr)>();
                while (Peek().Kind != TokenKind.CloseBrace)
                {
                    var key = ParseExpression();
                    Expect(TokenKind.Colon, "':'");
                    dict.Add((key, ParseExpression()));
                    if (Peek().Kind == TokenKind.Comma)
                    {
                        pos++;
                    }
                }

                pos++;
                return new DictExpr(dict);
            default:
                throw new JinjaException($"Unexpected '{t.Value}' in an expression");
        }
    }
}
