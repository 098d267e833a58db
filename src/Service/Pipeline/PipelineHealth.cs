using TokenClean.Service.Observability;

namespace TokenClean.Service.Pipeline;

/// <summary>What /healthz needs from the running pipeline: running or not, Kafka reachability, committed offsets.</summary>
internal sealed class PipelineHealth(StreamingService service) : IHealthSource
{
    public HealthSnapshot GetHealth()
    {
        var snapshot = service.Snapshot();
        var positions = new List<PartitionPosition>(snapshot.Partitions.Count);
        foreach (var p in snapshot.Partitions)
        {
            positions.Add(new PartitionPosition(p.Topic, p.Partition, p.CommittedOffset ?? 0));
        }

        var running = snapshot.State == "running";
        return new HealthSnapshot(
            running,
            service.KafkaLastReachable,
            running ? null : $"pipeline is {snapshot.State}",
            positions);
    }
}
