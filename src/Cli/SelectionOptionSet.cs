using System.CommandLine;

namespace TokenClean.Cli;

/// <summary>
/// The selection options every cleaning command shares (<c>clean</c>, <c>evolve</c>), defined once: the keep ratio,
/// the fixed threshold, the minimum kept per sample and the soft-weight column. Each command adds its own
/// <c>--selection</c> (the modes it can run).
/// </summary>
internal sealed class SelectionOptionSet
{
    public Option<double> Keep { get; } = new("--keep") { Description = "Fraction of response tokens to keep (0..1).", DefaultValueFactory = _ => 0.6 };

    public Option<double?> Threshold { get; } = new("--threshold") { Description = "With --selection threshold: keep every token whose influence (nats) is at least this." };

    public Option<int> MinKept { get; } = new("--min-kept-per-sample") { Description = "Every sample keeps at least this many of its highest-influence tokens (global top-k can erase a sample); 0 = off.", DefaultValueFactory = _ => 0 };

    public Option<bool> SoftWeights { get; } = new("--soft-weights") { Description = "Also write a soft_weight column: sigmoid((influence - threshold) / --soft-temperature) per response token, for trainers that weight instead of mask." };

    public Option<double> SoftTemperature { get; } = new("--soft-temperature") { Description = "Temperature (nats) of the soft weights.", DefaultValueFactory = _ => 1.0 };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Keep, Threshold, MinKept, SoftWeights, SoftTemperature })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>τ of the soft weights when asked for, else null.</summary>
    public double? Temperature(ParseResult parse) => parse.GetValue(SoftWeights) ? parse.GetValue(SoftTemperature) : null;
}
