using System.CommandLine;
using TokenClean.Service.Inspection;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean inspect</c>: a lake's rows token by token in the terminal, the same view as the status page's
/// inspector: tokens decoded with the lake's tokenizer, kept tokens green, dropped ones red and struck through,
/// prompt tokens grey; plain markers instead of colours when stdout is not a terminal or NO_COLOR is set.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var lake = new Option<DirectoryInfo>("--lake") { Description = "The lake (root, dataset folder or any folder above lake files).", Required = true };
        var id = new Option<string>("--id") { Description = "Show this sample (its sample_id). Without it: the highest- and lowest-scoring samples." };
        var file = new Option<string>("--file") { Description = "Rank only this lake file (a path relative to --lake, as listed)." };
        var count = new Option<int>("--count") { Description = "How many highest and lowest samples to show (default 2).", DefaultValueFactory = _ => 2 };
        var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.json or its folder (default: the one beside the lake whose hash the files record)." };
        var table = new Option<bool>("--table") { Description = "Also print a table of every token: id, role, influence, base loss, reference loss." };
        var command = new Command("inspect", "Show a lake's samples token by token: what was kept, what was dropped, and each token's influence.")
        {
            lake, id, file, count, tokenizer, table,
        };
        command.SetAction(parse => Run(
            new LakeInspector(parse.GetValue(lake)!.FullName, parse.GetValue(tokenizer)),
            parse.GetValue(id),
            parse.GetValue(file),
            parse.GetValue(count),
            parse.GetValue(table),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error));
        return command;
    }

    internal static int Run(LakeInspector inspector, string? id, string? file, int count, bool table, TextWriter stdout, TextWriter stderr)
    {
        var color = TerminalRenderer.UseColor(!ReferenceEquals(stdout, Console.Out) || Console.IsOutputRedirected);
        try
        {
            if (inspector.Files().Count == 0)
            {
                stderr.WriteLine($"error: no committed lake file under {inspector.Root}");
                return 1;
            }

            if (id is not null)
            {
                if (inspector.Find(id) is not { } sample)
                {
                    stderr.WriteLine($"error: no sample '{id}' under {inspector.Root}");
                    return 1;
                }

                TerminalRenderer.Write(stdout, sample, color, table);
                return 0;
            }

            var extremes = inspector.Extremes(file, Math.Max(1, count));
            stdout.WriteLine($"{extremes.File}: {extremes.Rows} scored rows; the {extremes.Highest.Count} highest and {extremes.Lowest.Count} lowest by mean influence");
            foreach (var (title, list) in new[] { ("highest", extremes.Highest), ("lowest", extremes.Lowest) })
            {
                foreach (var s in list)
                {
                    stdout.WriteLine();
                    stdout.Write($"[{title}] ");
                    TerminalRenderer.Write(stdout, inspector.Sample(s.File, s.Row), color, table);
                }
            }

            return 0;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
