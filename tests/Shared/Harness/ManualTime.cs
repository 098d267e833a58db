namespace TokenClean.Tests.Shared;

/// <summary>A clock the test moves by hand, so time-based rules (file age, windows, staleness) are exact.</summary>
/// <remarks>Thread-safe: the code under test may read it on its own threads while the test advances it.</remarks>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    /// <summary>The current time; setting it moves the clock (also backwards).</summary>
    public DateTimeOffset Now
    {
        get => GetUtcNow();
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    /// <summary>Moves the clock forward by <paramref name="by"/>.</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
