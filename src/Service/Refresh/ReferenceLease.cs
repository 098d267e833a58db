using TokenClean.Scoring;

namespace TokenClean.Service.Refresh;

/// <summary>A batch's hold on one <see cref="ReferenceHandle"/>; disposing it twice releases once.</summary>
internal sealed class ReferenceLease : IReferenceLease
{
    private readonly ReferenceHandle _handle;
    private readonly int _device;
    private int _disposed;

    /// <param name="handle">The version, retained once for this lease.</param>
    /// <param name="device">Which of the handle's device copies <see cref="Model"/> is.</param>
    public ReferenceLease(ReferenceHandle handle, int device = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(device, handle.Models.Count);
        _handle = handle;
        _device = device;
    }

    public ITokenLossModel Model
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _handle.Models[_device];
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
