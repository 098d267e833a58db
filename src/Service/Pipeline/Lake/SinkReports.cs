using System.Collections.Concurrent;

namespace TokenClean.Service.Pipeline;

/// <summary>The sink's reports in the order it made them; written by the sink (any thread), drained by the owner of the source.</summary>
internal sealed class SinkReports
{
    private readonly ConcurrentQueue<SinkReport> _queue = new();

    public void Add(SinkReport report) => _queue.Enqueue(report);

    public bool TryTake(out SinkReport report) => _queue.TryDequeue(out report!);
}
