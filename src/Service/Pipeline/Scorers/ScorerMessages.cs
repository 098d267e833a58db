namespace TokenClean.Service.Pipeline;

/// <summary>The pool asks a free scorer to score <paramref name="Batch"/> and answer <paramref name="ReplyTo"/>.</summary>
internal sealed record ScoreOnDevice(TokenBatch Batch, Akka.Actor.IActorRef ReplyTo);

/// <summary>A scorer tells its pool that it finished a batch and takes the next.</summary>
internal sealed record ScorerIdle
{
    public static readonly ScorerIdle Instance = new();
}

/// <summary>
/// The refresher's order to use a new reference from the next batch on: one lease per device, all of one version.
/// <paramref name="Sequence"/> increases with every swap; a scorer ignores one not newer than what it has.
/// </summary>
internal sealed record SwapReferences(IReadOnlyList<Refresh.IReferenceLease> Leases, string Version, long Sequence);

/// <summary>One device's part of <see cref="SwapReferences"/>.</summary>
internal sealed record SwapReference(Refresh.IReferenceLease Lease, long Sequence);
