using TokenClean.Scoring;

namespace TokenClean.Service.Refresh;

/// <summary>
/// One loaded reference version with a reference count: the provider holds one reference while the version is
/// current, each lease one more. The model is disposed when the count reaches zero, i.e. when the version has
/// been replaced and its last batch has ended — never under a running batch.
/// </summary>
internal sealed class ReferenceHandle
{
    private int _references = 1;

    public ReferenceHandle(ITokenLossModel model, string version, string path, DateTimeOffset loadedAt)
    {
        Model = model;
        Version = version;
        Path = path;
        LoadedAt = loadedAt;
    }

    public ITokenLossModel Model { get; }

    public string Version { get; }

    public string Path { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>True once the model has been disposed (the count reached zero).</summary>
    public bool IsReleased => Volatile.Read(ref _references) == 0;

    /// <summary>Adds a reference unless the count already reached zero (then the model is gone: returns false).</summary>
    public bool TryRetain()
    {
        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var before = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (before == seen)
            {
                return true;
            }

            seen = before;
        }

        return false;
    }

    /// <summary>Drops one reference; the last one disposes the model on the calling thread.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            Model.Dispose();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"reference version {Version} released more often than retained");
        }
    }
}
