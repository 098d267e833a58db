namespace TokenClean.Service.Tests.Cli;

/// <summary>Console redirection is process-wide, so these tests run alone (no other test writes to the console meanwhile).</summary>
[CollectionDefinition("console", DisableParallelization = true)]
public sealed class ConsoleCollection
{
}
