using TokenClean.Scoring;
using TokenClean.Service.Refresh;

namespace TokenClean.Bench;

/// <summary>A reference-model provider over a model the benchmark owns (it is not disposed here).</summary>
internal sealed class FixedReference(ITokenLossModel model, int devices = 1) : IReferenceModelProvider
{
    public int DeviceCount => devices;

    public IReferenceLease Acquire() => new Lease(model);

    public IReferenceLease Acquire(int device) => new Lease(model);

    private sealed class Lease(ITokenLossModel model) : IReferenceLease
    {
        public ITokenLossModel Model { get; } = model;

        public string Version => Model.Version;

        public void Dispose()
        {
        }
    }
}
