namespace TokenClean.Scoring.Tests.Reference;

/// <summary>A theory that is reported as skipped (never silently passed) while no engine loader is wired in.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EngineTheoryAttribute : TheoryAttribute
{
    public EngineTheoryAttribute()
    {
        if (ReferenceEngine.Loader is null)
        {
            Skip = ReferenceEngine.NotMergedReason;
        }
    }
}
