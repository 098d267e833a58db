using TokenClean.Core.Progress;
using TokenClean.Core.Samples;

namespace TokenClean.Training;

/// <summary>
/// <see cref="Trainer.Train"/> with a <see cref="TerminalProgress"/>: a bar with rate and ETA on a terminal, a line
/// every 5 s in logs, the step's own figures riding along as the detail. What <c>train</c> and <c>evolve</c> show.
/// </summary>
public static class TrainingProgress
{
    /// <param name="trainer">The trainer.</param>
    /// <param name="samples">What it trains on.</param>
    /// <param name="stateDirectory">Its resumable state (see <see cref="Trainer.Train"/>).</param>
    /// <param name="saveEvery">Steps between saved states.</param>
    /// <param name="label">The bar's label ("train", "evolve: v2").</param>
    /// <param name="output">Where the bar goes (a terminal when it is the console's stderr).</param>
    /// <param name="describe">The detail shown for a step.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public static TrainingResult Train(Trainer trainer, IReadOnlyList<TokenizedSample> samples, string? stateDirectory, int saveEvery, string label, TextWriter output, Func<TrainingStep, string> describe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(describe);
        TerminalProgress? progress = null;
        TrainingStep? last = null;
        var result = trainer.Train(samples, stateDirectory, saveEvery, s =>
        {
            progress ??= new TerminalProgress(label, s.TotalSteps, new TerminalProgressOptions
            {
                Unit = "steps",
                Output = output,
                Interactive = ReferenceEquals(output, Console.Error) ? null : false,
            });
            last = s;
            progress.Update(s.Step, () => describe(last!));
        }, cancellationToken);
        progress?.Finish(last is null ? null : describe(last));
        return result;
    }
}
