using TokenClean.Bench;

var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.Ordinal)
{
    ["matmul"] = MatmulBench.Run,
    ["selection"] = SelectionBench.Run,
    ["quantile"] = QuantileBench.Run,
    ["scoring"] = ScoringBench.Run,
    ["arrow"] = ArrowBench.Run,
    ["tokenizer"] = TokenizerBench.Run,
    ["pipeline"] = PipelineBench.Run,
    ["soak"] = SoakBench.Run,
    ["rebalance"] = RebalanceBench.Run,
    ["train"] = TrainingBench.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/TokenClean.Bench -- <benchmark> [options]");
    Console.Error.WriteLine("benchmarks: " + string.Join(", ", benchmarks.Keys));
    return 2;
}

return run(args[1..]);
