namespace TokenClean.Training.Optimization;

/// <summary>
/// Linear warm-up then linear decay to 0, as transformers' <c>get_linear_schedule_with_warmup</c>: the learning rate
/// of optimizer step s (0-based) is peak · s / warmup during warm-up, then peak · (total − s) / (total − warmup).
/// </summary>
public sealed class LinearSchedule
{
    public LinearSchedule(double peak, int totalSteps, double warmupRatio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        Peak = peak;
        TotalSteps = totalSteps;
        WarmupSteps = (int)Math.Ceiling(totalSteps * warmupRatio);
    }

    public double Peak { get; }

    public int TotalSteps { get; }

    /// <summary>ceil(total · ratio), as HF TrainingArguments.get_warmup_steps.</summary>
    public int WarmupSteps { get; }

    /// <summary>The learning rate applied at optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
        {
            return Peak * step / Math.Max(1, WarmupSteps);
        }

        return Peak * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
