using TokenClean.Scoring;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// What one scorer device holds: its base model and its current reference lease. Lives outside the
/// <see cref="ScorerActor"/> (passed in through Props), so a restarted actor neither reloads nor loses a model;
/// the service owns it and disposes it after the actor stopped.
/// </summary>
/// <remarks>Used by its scorer actor only (one message at a time), and disposed by the owner after the actor stopped.</remarks>
internal sealed class ScoringDevice : IDisposable
{
    private IReferenceLease _reference;
    private long _sequence;

    public ScoringDevice(int index, ITokenLossModel baseModel, IReferenceLease reference)
    {
        Index = index;
        Base = baseModel;
        _reference = reference;
    }

    /// <summary>0-based device index (the scorer's place in TokenClean:Models:Devices).</summary>
    public int Index { get; }

    public ITokenLossModel Base { get; }

    public ITokenLossModel Reference => _reference.Model;

    public string ReferenceVersion => _reference.Version;

    /// <summary>
    /// Takes <paramref name="lease"/> as the reference for the next batch unless an equal or later swap came first
    /// (never backwards); the previous lease is released. Returns whether it was taken.
    /// </summary>
    public bool Swap(IReferenceLease lease, long sequence)
    {
        if (sequence <= _sequence)
        {
            lease.Dispose();
            return false;
        }

        var previous = _reference;
        _reference = lease;
        _sequence = sequence;
        previous.Dispose();
        return true;
    }

    public void Dispose() => _reference.Dispose();
}
