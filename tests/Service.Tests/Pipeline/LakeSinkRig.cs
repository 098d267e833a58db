using TokenClean.Core.Sources;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// A <see cref="LakeSink"/> over a fresh lake (dataset "cleaned", files kept open for an hour) in a temp folder, with
/// the collaborators a test drives and inspects: generations, the offset tracker, the sink's reports.
/// </summary>
internal sealed class LakeSinkRig : IDisposable
{
    private readonly PipelineMetrics _metrics = new();
    private readonly TempDirectory _dir;

    public LakeSinkRig(string name)
    {
        _dir = new TempDirectory(name);
        Root = _dir.Path;
        var lake = DataLakeSink.Open(new LakeOptions { Root = Root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, new OutputMetadata("t", "h", "window", 0.6, "test"));
        Sink = new LakeSink(lake, new FileDeadLetterSink(Root, "cleaned"), Generations, Reports, _metrics, "base");
    }

    public string Root { get; }

    public PartitionGenerations Generations { get; } = new();

    public OffsetTracker Tracker { get; } = new();

    public SinkReports Reports { get; } = new();

    public LakeSink Sink { get; }

    /// <summary>Names of the lake's open (temporary) files.</summary>
    public List<string> TempFiles() =>
        [.. Directory.GetFiles(Path.Combine(Root, "cleaned"), "*.tmp", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!)];

    /// <summary>Names of the lake's committed files, in order.</summary>
    public List<string> CommittedNames() =>
        [.. Directory.GetFiles(Path.Combine(Root, "cleaned"), "*.arrow", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        Sink.Dispose();
        _metrics.Dispose();
        _dir.Dispose();
    }
}
