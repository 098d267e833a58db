using TokenClean.Scoring;

namespace TokenClean.Service.Refresh;

/// <summary>A batch's hold on one <see cref="ReferenceHandle"/>; disposing it twice releases once.</summary>
internal sealed class ReferenceLease : IReferenceLease
{
    private readonly ReferenceHandle _handle;
    private int _disposed;

    public ReferenceLease(ReferenceHandle handle) => _handle = handle;

    public ITokenLossModel Model
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _handle.Model;
        }
    }

    public string Version => _handle.Version;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _handle.Release();
        }
    }
}
