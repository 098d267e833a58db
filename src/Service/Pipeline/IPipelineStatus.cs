namespace TokenClean.Service.Pipeline;

/// <summary>
/// What /status shows about the streaming pipeline: a read-only snapshot, safe to call from any thread.
/// Registered in the host's services by <c>ServeHost</c>.
/// </summary>
public interface IPipelineStatus
{
    PipelineStatusSnapshot Snapshot();
}
