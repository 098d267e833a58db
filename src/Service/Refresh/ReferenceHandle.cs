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
        : this([model], version, path, loadedAt)
    {
    }

    /// <summary>One version loaded on several devices: <paramref name="models"/>[i] lives on scorer device i.</summary>
    public ReferenceHandle(IReadOnlyList<ITokenLossModel> models, string version, string path, DateTimeOffset loadedAt)
    {
        ArgumentOutOfRangeException.ThrowIfZero(models.Count);
        Models = models;
        Version = version;
        Path = path;
        LoadedAt = loadedAt;
    }

    /// <summary>The copy on the first device.</summary>
    public ITokenLossModel Model => Models[0];

    /// <summary>One copy per scorer device, all of the same version: a swap replaces them together.</summary>
    public IReadOnlyList<ITokenLossModel> Models { get; }

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

    /// <summary>Drops one reference; the last one disposes the models on the calling thread.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            foreach (var model in Models)
            {
                model.Dispose();
            }
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"reference version {Version} released more often than retained");
        }
    }
}
