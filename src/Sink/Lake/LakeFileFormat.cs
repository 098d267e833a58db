namespace TokenClean.Sink.Lake;

/// <summary>Which Arrow IPC format the lake writes.</summary>
public enum LakeFileFormat
{
    /// <summary>The streaming format: what Hugging Face <c>datasets.Dataset.from_file</c> memory-maps. The default.</summary>
    Stream,

    /// <summary>The file format (Feather v2), for readers that want random access to batches.</summary>
    File,
}
