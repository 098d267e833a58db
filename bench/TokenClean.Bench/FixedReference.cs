using TokenClean.Scoring;
using TokenClean.Service.Refresh;

namespace TokenClean.Bench;

/// <summary>A reference-model provider over a model the benchmark owns (it is not disposed here).</summary>
internal sealed class FixedReference(ITokenLossModel model) : IReferenceModelProvider
{
    public IReferenceLease Acquire() => new Lease(model);

    private sealed class Lease(ITokenLossModel model) : IReferenceLease
    {
        public ITokenLossModel Model { get; } = model;

        public string Version => Model.Version;

        public void Dispose()
        {
        }
    }
}
