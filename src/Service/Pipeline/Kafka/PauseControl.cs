using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Pauses and resumes the consumer's partitions for backpressure. Each partition is paused at most once before it
/// is resumed, and only partitions this class paused are resumed: resuming one that is not paused restarts its
/// fetcher and delivers records already delivered. Used on the consumer thread only.
/// </summary>
internal sealed class PauseControl(ILogger log)
{
    private readonly HashSet<TopicPartition> _appPaused = [];
    private volatile bool _pausedView;
    private volatile int _pauseCount;

    /// <summary>True while the partitions are paused (the consumer thread's view).</summary>
    public bool IsPaused { get; private set; }

    /// <summary>For /status, from any thread.</summary>
    public bool PausedView => _pausedView;

    /// <summary>How often the partitions were paused since start (each pause drops librdkafka's prefetched records).</summary>
    public int PauseCount => _pauseCount;

    public void Set(IConsumer<byte[]?, byte[]?> consumer, bool paused)
    {
        if (paused == IsPaused)
        {
            return;
        }

        var assignment = consumer.Assignment;
        if (paused)
        {
            consumer.Pause(assignment);
            foreach (var tp in assignment)
            {
                _appPaused.Add(tp);
            }

            _pauseCount++;
            log.LogDebug("Mailboxes full: paused {Count} partitions", assignment.Count);
        }
        else
        {
            var resume = new List<TopicPartition>(assignment.Count);
            foreach (var tp in assignment)
            {
                if (_appPaused.Remove(tp))
                {
                    resume.Add(tp);
                }
            }

            consumer.Resume(resume);
            log.LogDebug("Mailboxes drained: resumed {Count} partitions", resume.Count);
        }

        IsPaused = paused;
        _pausedView = paused;
    }

    /// <summary>After an assignment change: brings every assigned partition to the current pause state.</summary>
    public int ApplyToAssignment(IConsumer<byte[]?, byte[]?> consumer) => ApplyPauseState(consumer, IsPaused, _appPaused);

    /// <summary>
    /// Brings every assigned partition to <paramref name="paused"/> and returns how many changed. librdkafka keeps a
    /// partition's pause flag across revocation, loss and reassignment (librdkafka issue 1849), so a partition taken
    /// away while paused would come back paused and never be fetched again. <paramref name="appPaused"/> is what the
    /// source has paused in librdkafka.
    /// </summary>
    internal static int ApplyPauseState(IConsumer<byte[]?, byte[]?> consumer, bool paused, HashSet<TopicPartition> appPaused)
    {
        var change = new List<TopicPartition>();
        foreach (var tp in consumer.Assignment)
        {
            if (paused ? appPaused.Add(tp) : appPaused.Remove(tp))
            {
                change.Add(tp);
            }
        }

        if (change.Count > 0)
        {
            if (paused)
            {
                consumer.Pause(change);
            }
            else
            {
                consumer.Resume(change);
            }
        }

        return change.Count;
    }
}
