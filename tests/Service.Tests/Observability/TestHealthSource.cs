using TokenClean.Service.Observability;

namespace TokenClean.Service.Tests.Observability;

/// <summary>The pipeline's side of the health seam, set by the test.</summary>
internal sealed class TestHealthSource : IHealthSource
{
    public volatile HealthSnapshot Current = new(false, null, null, []);

    public HealthSnapshot GetHealth() => Current;
}
