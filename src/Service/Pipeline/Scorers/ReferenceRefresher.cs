using Akka.Actor;
using Akka.Event;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Watches the reference provider (a fixed model, or the <see cref="ModelRefresher"/> that loads and validates new
/// checkpoints) and, when it serves a newer version, takes one lease per device and tells the scorer pool to swap:
/// every scorer uses the new version from its next batch on. All devices get the same version in one order, never an
/// older one than they have (<see cref="CheckpointVersionComparer"/>).
/// </summary>
internal sealed class ReferenceRefresher : ReceiveActor, IWithTimers
{
    private readonly IReferenceModelProvider _provider;
    private readonly IActorRef _pool;
    private readonly int _devices;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string _current;
    private readonly TimeSpan _poll;
    private long _sequence;

    public ReferenceRefresher(IReferenceModelProvider provider, IActorRef pool, int devices, string initialVersion, TimeSpan poll)
    {
        _provider = provider;
        _pool = pool;
        _devices = devices;
        _current = initialVersion;
        _poll = poll;
        Receive<Tick>(_ => Check());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReferenceModelProvider provider, IActorRef pool, int devices, string initialVersion, TimeSpan poll) =>
        Akka.Actor.Props.Create(() => new ReferenceRefresher(provider, pool, devices, initialVersion, poll));

    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Tick.Instance, _poll);

    private void Check()
    {
        var leases = new List<IReferenceLease>(_devices);
        try
        {
            leases.Add(_provider.Acquire(0));
            var version = leases[0].Version;
            if (version == _current || CheckpointVersionComparer.Instance.Compare(version, _current) < 0)
            {
                return; // unchanged, or older than what the scorers have: never backwards
            }

            for (var d = 1; d < _devices; d++)
            {
                leases.Add(_provider.Acquire(d));
                if (leases[d].Version != version)
                {
                    return; // the provider swapped while we took the copies: the next tick takes a consistent set
                }
            }

            _sequence++;
            _pool.Tell(new SwapReferences(leases.ToArray(), version, _sequence));
            _log.Info("Reference {0} replaces {1} on {2} scorer(s) from their next batch", version, _current, _devices);
            _current = version;
            leases.Clear(); // now the scorers' to release
        }
        catch (ObjectDisposedException)
        {
            // The provider is being disposed (shutdown): nothing to swap.
        }
        finally
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
