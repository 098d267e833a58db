namespace TokenClean.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
/// <param name="Steps">Optimizer steps done (the whole run, resumed ones included).</param>
/// <param name="ResumedFromStep">The saved step the run continued from (0 = started fresh).</param>
/// <param name="FirstLoss">Loss of the first step this call ran (NaN if it ran none).</param>
/// <param name="LastLoss">Loss of the last step.</param>
/// <param name="Tokens">Tokens processed by this call.</param>
/// <param name="Elapsed">Wall time of this call.</param>
/// <param name="Samples">Samples trained on (after dropping those without a response token).</param>
/// <param name="Dropped">Samples dropped: no response token after position 0 within the max length.</param>
public sealed record TrainingResult(int Steps, int ResumedFromStep, double FirstLoss, double LastLoss, long Tokens, TimeSpan Elapsed, int Samples, int Dropped)
{
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? Tokens / Elapsed.TotalSeconds : 0;
}
