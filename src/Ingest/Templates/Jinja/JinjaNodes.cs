namespace TokenClean.Ingest.Templates.Jinja;

// The syntax tree of a template. Statements render text; expressions produce values (see JinjaValues).
internal abstract record Node;

internal sealed record TextNode(string Text) : Node;

internal sealed record OutputNode(Expr Value) : Node;

internal sealed record IfNode(Expr Condition, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else) : Node;

internal sealed record ForNode(IReadOnlyList<string> Targets, Expr Iterable, Expr? Filter, IReadOnlyList<Node> Body, IReadOnlyList<Node> Else) : Node;

internal sealed record SetNode(Expr Target, Expr? Value, IReadOnlyList<Node>? Body) : Node;

internal sealed record MacroNode(string Name, IReadOnlyList<(string Name, Expr? Default)> Parameters, IReadOnlyList<Node> Body) : Node;

internal sealed record BreakNode : Node;

internal sealed record ContinueNode : Node;

internal abstract record Expr;

internal sealed record LiteralExpr(object? Value) : Expr;

internal sealed record NameExpr(string Name) : Expr;

internal sealed record ListExpr(IReadOnlyList<Expr> Items) : Expr;

internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items) : Expr;

internal sealed record MemberExpr(Expr Target, Expr Property, bool Computed) : Expr;

internal sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step) : Expr;

internal sealed record CallExpr(Expr Callee, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr;

internal sealed record FilterExpr(Expr Operand, string Name, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr;

internal sealed record TestExpr(Expr Operand, string Name, bool Negate, IReadOnlyList<Expr> Args) : Expr;

internal sealed record BinaryExpr(string Op, Expr Left, Expr Right) : Expr;

internal sealed record UnaryExpr(string Op, Expr Operand) : Expr;

internal sealed record TernaryExpr(Expr Condition, Expr IfTrue, Expr? IfFalse) : Expr;
