using Akka.Actor;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The scorers, one child per device: hands each <see cref="TokenBatch"/> (asked by the score step) to whichever
/// scorer is free, the answer going straight to the asker, and forwards a reference swap to every scorer. Stopping
/// the pool stops the scorers after their current batch: once it has terminated, no model is in use.
/// </summary>
internal sealed class ScorerPool : ReceiveActor
{
    private readonly Stack<IActorRef> _free = new();
    private readonly List<IActorRef> _scorers = [];
    private readonly Queue<ScoreOnDevice> _waiting = new();

    public ScorerPool(IReadOnlyList<ScoringDevice> devices, ScorerOptions options)
    {
        for (var i = devices.Count - 1; i >= 0; i--)
        {
            var scorer = Context.ActorOf(ScorerActor.Props(devices[i], options), "scorer-" + devices[i].Index);
            _scorers.Insert(0, scorer);
            _free.Push(scorer);
        }

        Receive<TokenBatch>(batch =>
        {
            var request = new ScoreOnDevice(batch, Sender);
            if (_free.TryPop(out var scorer))
            {
                scorer.Tell(request);
            }
            else
            {
                _waiting.Enqueue(request);
            }
        });
        Receive<ScorerIdle>(_ =>
        {
            if (_waiting.TryDequeue(out var request))
            {
                Sender.Tell(request);
            }
            else
            {
                _free.Push(Sender);
            }
        });
        Receive<SwapReferences>(swap =>
        {
            for (var i = 0; i < _scorers.Count; i++)
            {
                _scorers[i].Tell(new SwapReference(swap.Leases[i], swap.Sequence));
            }
        });
    }

    public static Props Props(IReadOnlyList<ScoringDevice> devices, ScorerOptions options) =>
        Akka.Actor.Props.Create(() => new ScorerPool(devices, options));
}
