namespace TokenClean.Scoring;

/// <summary>
/// Owns every <see cref="Tensor"/> created on this thread while it is the innermost scope, and frees them when
/// disposed: one scope per batch keeps native memory flat however many intermediates a forward pass makes.
/// </summary>
/// <remarks>
/// Scopes nest and must be disposed in reverse order of creation, on the thread that began them.
/// A tensor that must outlive the scope is handed to the enclosing scope (or to nobody) with
/// <see cref="Tensor.MoveToOuterScope"/>.
/// </remarks>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? _current;

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _owned = new(64);
    private bool _disposed;

    private TensorScope(TensorScope? outer) => _outer = outer;

    /// <summary>The innermost open scope on this thread, or null.</summary>
    internal static TensorScope? Current => _current;

    internal TensorScope? Outer => _outer;

    /// <summary>Number of tensors this scope will free.</summary>
    public int Count => _owned.Count;

    /// <summary>Opens a scope that owns the tensors created on this thread until it is disposed.</summary>
    public static TensorScope Begin()
    {
        var scope = new TensorScope(_current);
        _current = scope;
        return scope;
    }

    internal void Add(Tensor tensor) => _owned.Add(tensor);

    internal void Remove(Tensor tensor)
    {
        // Tensors moved out are usually the last ones made, so search from the end.
        var i = _owned.LastIndexOf(tensor);
        if (i >= 0)
        {
            _owned.RemoveAt(i);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var t in _owned)
        {
            t.Dispose();
        }

        _owned.Clear();
        if (_current != this)
        {
            throw new InvalidOperationException("tensor scopes must be disposed innermost first, on the thread that began them");
        }

        _current = _outer;
    }
}
