using TokenClean.Sink.Arrow;

namespace TokenClean.Sink.Lake;

/// <summary>Where and how the data-lake sink writes. Defaults are in the property docs and docs/SINK.md.</summary>
public sealed class LakeOptions
{
    /// <summary>The lake's root directory.</summary>
    public required string Root { get; init; }

    /// <summary>The dataset folder under <see cref="Root"/>.</summary>
    public required string Dataset { get; init; }

    /// <summary>Roll a file at this many rows. Default 50,000.</summary>
    public int MaxRecordsPerFile { get; init; } = 50_000;

    /// <summary>Roll a file once it holds about this many bytes. Default 512 MiB.</summary>
    public long MaxBytesPerFile { get; init; } = 512L << 20;

    /// <summary>Roll a file this long after it was opened (checked by <see cref="DataLakeSink.CommitDue"/> and on append). Default 5 minutes.</summary>
    public TimeSpan MaxFileAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Rows per Arrow record batch (Parquet: row group) inside a file. Default 1,000.</summary>
    public int RecordsPerBatch { get; init; } = 1_000;

    /// <summary>
    /// Write the record batch early once its token data reaches this size. Default 8 MiB. With
    /// <see cref="RecordsPerBatch"/> it bounds the memory buffered per open file (one per source).
    /// </summary>
    public long MaxBatchBytes { get; init; } = 8L << 20;

    /// <summary>Arrow IPC stream (default), Arrow IPC file, or Parquet.</summary>
    public LakeFileFormat Format { get; init; } = LakeFileFormat.Stream;

    /// <summary>
    /// Arrow IPC body compression (default none; docs/SINK.md: a compressed file cannot be memory-mapped zero-copy).
    /// Parquet files are always zstd-compressed and ignore it.
    /// </summary>
    public ArrowCompression Compression { get; init; } = ArrowCompression.None;

    /// <summary>
    /// Delete every temporary file at open (default true). Instances that share one dataset (a consumer group writing
    /// one lake) set it false, since another instance's open file is also a temporary file, and call
    /// <see cref="DataLakeSink.Resume"/> per source when they take it over.
    /// </summary>
    public bool RemoveTempFilesAtOpen { get; init; } = true;

    /// <summary>The clock for file age and the date folder (UTC). Default the system clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Test seam: opens a temporary file for writing. Only the disk-full test uses it, on machines where it cannot
    /// mount a small tmpfs: it opens /dev/full, so the ENOSPC is still the kernel's.
    /// </summary>
    internal Func<string, FileStream>? TempFileOpener { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Root);
        ArgumentException.ThrowIfNullOrEmpty(Dataset);
        if (Dataset.Contains('/', StringComparison.Ordinal) || Dataset.StartsWith('.'))
        {
            throw new ArgumentException($"dataset name '{Dataset}' must be a single folder name");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordsPerFile, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesPerFile, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(RecordsPerBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxFileAge, TimeSpan.Zero);
    }
}
