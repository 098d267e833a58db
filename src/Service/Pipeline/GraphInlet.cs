using System.Threading.Channels;
using Akka;
using Akka.Streams.Dsl;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Where a source hands records to the graph: a bounded channel read by the graph's source stage. A record is
/// admitted only while fewer than <c>capacity</c> wait for the batcher (the tokenize step's bound); a refused
/// record stays with the source, which waits and then pauses (Kafka) or simply waits (a file).
/// </summary>
internal sealed class GraphInlet
{
    private readonly Channel<ConsumedRecord> _channel;
    private readonly StageDepths _depths;
    private readonly int _capacity;

    public GraphInlet(int capacity, StageDepths depths)
    {
        _capacity = Math.Max(1, capacity);
        _depths = depths;
        _channel = Channel.CreateBounded<ConsumedRecord>(new BoundedChannelOptions(_capacity) { SingleReader = true, SingleWriter = true });
    }

    /// <summary>The graph's source.</summary>
    public Source<ConsumedRecord, NotUsed> Source => ChannelSource.FromReader(_channel.Reader);

    /// <summary>Hands a record over; false when the tokenize step is full (never blocks).</summary>
    public bool TryOffer(ConsumedRecord record)
    {
        if (_depths.Tokenize >= _capacity)
        {
            return false;
        }

        _depths.EnterTokenize();
        if (_channel.Writer.TryWrite(record))
        {
            return true;
        }

        _depths.LeaveTokenize();
        return false;
    }

    /// <summary>Hands a record over, waiting for room (a file source).</summary>
    public async ValueTask OfferAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        while (!TryOffer(record))
        {
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>No more records: the graph drains what it has and completes.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
