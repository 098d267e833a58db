using OutputRecord = TokenClean.Sink.Output.OutputRecord;
namespace TokenClean.Service.Cleaning;

/// <summary>
/// Where cleaned records go. The JSON Lines writer renders the output schema as text; the Arrow IPC writer of
/// src/Sink plugs in behind the same seam (the <c>clean</c> command takes a factory for it).
/// </summary>
/// <remarks>
/// Records become visible only at <see cref="Commit"/> (write to a temporary name, fsync, rename), so a crashed run
/// never leaves a half-written file under the final name. Disposing without committing discards the output.
/// </remarks>
internal interface IOutputRecordWriter : IDisposable
{
    /// <summary>The final path of the output.</summary>
    string Path { get; }

    /// <summary>Appends one record.</summary>
    void Write(OutputRecord record);

    /// <summary>Makes everything written durable under <see cref="Path"/>.</summary>
    void Commit();
}
