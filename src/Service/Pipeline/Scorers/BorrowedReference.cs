using TokenClean.Scoring;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// A fixed reference the caller owns and disposes (<c>clean</c> loads both models itself): leases never dispose it.
/// </summary>
internal sealed class BorrowedReference(ITokenLossModel model) : IReferenceModelProvider
{
    public IReferenceLease Acquire() => new Lease(model);

    private sealed class Lease(ITokenLossModel model) : IReferenceLease
    {
        public ITokenLossModel Model => model;

        public string Version => model.Version;

        public void Dispose()
        {
        }
    }
}
