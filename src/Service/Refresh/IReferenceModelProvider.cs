namespace TokenClean.Service.Refresh;

/// <summary>
/// Where the scorer gets the reference model. The scorer acquires a lease at the start of each batch and disposes
/// it at the end, so a refreshed reference is swapped in only between batches (invariant 4), and a replaced model
/// is disposed only when no batch uses it any more.
/// </summary>
public interface IReferenceModelProvider
{
    /// <summary>The reference to score the next batch with. Never blocks on a load in progress.</summary>
    IReferenceLease Acquire();

    /// <summary>
    /// How many scorer devices this provider holds a copy of each version on (serve's <c>TokenClean:Models:Devices</c>).
    /// A swap replaces the copies on every device at once.
    /// </summary>
    int DeviceCount => 1;

    /// <summary>The reference on scorer device <paramref name="device"/> (0-based, below <see cref="DeviceCount"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="device"/> is not below <see cref="DeviceCount"/>.</exception>
    IReferenceLease Acquire(int device)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(device, 0);
        return Acquire();
    }
}
