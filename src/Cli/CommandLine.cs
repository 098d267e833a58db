using System.CommandLine;

namespace TokenClean.Cli;

/// <summary>The <c>tokenclean</c> command tree. Each command lives in its own file under Cli/.</summary>
internal static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "tokenclean — token-level cleaning of LLM fine-tuning data: scores every response token by " +
            "loss(base) − loss(reference), keeps the top k%, and writes masked Arrow records.");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CleanCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(CreateCheckpointCommand.Create());
        root.Subcommands.Add(LakeCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
