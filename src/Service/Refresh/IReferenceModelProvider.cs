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
}
