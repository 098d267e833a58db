using TokenClean.Scoring;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The simplest <see cref="IReferenceModelProvider"/>: one reference model loaded at start and never swapped
/// (<c>TokenClean:Models:Reference</c>). The refresh helper's providers replace it when registered first.
/// </summary>
internal sealed class LoadedReferenceModel : IReferenceModelProvider, IDisposable
{
    private readonly Lease _lease;

    public LoadedReferenceModel(ITokenLossModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _lease = new Lease(model);
    }

    public IReferenceLease Acquire() => _lease;

    public void Dispose() => _lease.Model.Dispose();

    private sealed class Lease(ITokenLossModel model) : IReferenceLease
    {
        public ITokenLossModel Model { get; } = model;

        public string Version => Model.Version;

        public void Dispose()
        {
            // The model lives as long as the provider: nothing to release per batch.
        }
    }
}
