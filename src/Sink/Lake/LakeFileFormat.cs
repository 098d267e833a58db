namespace TokenClean.Sink.Lake;

/// <summary>Which file format the lake writes. Every format holds the same schema, metadata and values.</summary>
public enum LakeFileFormat
{
    /// <summary>Arrow IPC streaming format (<c>.arrow</c>): what Hugging Face <c>datasets.Dataset.from_file</c> memory-maps. The default.</summary>
    Stream,

    /// <summary>Arrow IPC file format (Feather v2, <c>.arrow</c>), for readers that want random access to batches.</summary>
    File,

    /// <summary>Parquet (<c>.parquet</c>, zstd), through ParquetSharp: for Spark, DuckDB, Polars and the other lake engines.</summary>
    Parquet,
}

/// <summary>Names of <see cref="LakeFileFormat"/> in settings and flags.</summary>
public static class LakeFileFormatNames
{
    /// <summary>Parses <c>arrow</c> (= arrow-stream), <c>arrow-stream</c>, <c>arrow-file</c> or <c>parquet</c> (case-insensitive).</summary>
    public static bool TryParse(string? text, out LakeFileFormat format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "arrow" or "arrow-stream":
                format = LakeFileFormat.Stream;
                return true;
            case "arrow-file":
                format = LakeFileFormat.File;
                return true;
            case "parquet":
                format = LakeFileFormat.Parquet;
                return true;
            default:
                format = LakeFileFormat.Stream;
                return false;
        }
    }
}
