using System.Globalization;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using TokenClean.Core.Files;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Lake;

/// <summary>
/// Writes output records into rolling Arrow IPC or Parquet files (<see cref="LakeOptions.Format"/>), exactly once per input offset, the way Kafka Connect's S3 sink
/// does: <c>&lt;root&gt;/&lt;dataset&gt;/date=YYYY-MM-DD/&lt;topic&gt;+&lt;partition&gt;+&lt;first&gt;-&lt;last&gt;.arrow</c>, one open
/// file per source, written under a hidden temporary name, fsync'd, renamed atomically, and the directory fsync'd.
/// Only then is the file reported as committed; the caller commits Kafka offsets (<see cref="CommittedFile.NextOffset"/>)
/// after that and never before.
/// </summary>
/// <remarks>
/// <para>Opening scans what is committed (<see cref="Scan"/>), removes temporary files a crash left, and resumes
/// every source at <see cref="NextOffset"/>: records below it are skipped as duplicates, so a consumer that
/// restarts from an older Kafka offset produces no duplicate rows.</para>
/// <para>Not thread-safe: one caller (the pipeline's sink block). Any write failure faults the sink with a
/// <see cref="LakeWriteException"/>; later calls throw it again. Nothing from the failed files was committed;
/// dispose, reopen and resume from <see cref="NextOffsets"/>. Disposing deletes uncommitted temporary files.</para>
/// </remarks>
public sealed class DataLakeSink : IDisposable
{
    private readonly LakeOptions _options;
    private readonly Apache.Arrow.Schema _schema;
    private readonly string _datasetDirectory;
    private readonly Dictionary<SourcePartition, long> _next;
    private readonly Dictionary<SourcePartition, OpenLakeFile> _open = [];
    private readonly HashSet<string> _knownDirectories = new(StringComparer.Ordinal);
    private readonly Stack<OutputBatch> _spareBatches = new();
    private readonly List<CommittedFile> _committed = [];
    private LakeWriteException? _fault;
    private bool _disposed;

    private DataLakeSink(LakeOptions options, OutputMetadata metadata, LakeScan scan)
    {
        _options = options;
        _schema = OutputSchema.Create(metadata, withLosses: metadata.EmitLosses);
        _datasetDirectory = Path.Combine(options.Root, options.Dataset);
        Scan = scan;
        _next = new Dictionary<SourcePartition, long>(scan.NextOffsets);
    }

    /// <summary>The state found at open.</summary>
    public LakeScan Scan { get; }

    /// <summary>Per source, the next offset to process: everything below is in a committed file.</summary>
    public IReadOnlyDictionary<SourcePartition, long> NextOffsets => _next;

    /// <summary>Raised after each commit, on the caller's thread, before the call that committed returns.</summary>
    public event Action<CommittedFile>? Committed;

    /// <summary>Scans the dataset folder, removes crash leftovers and opens the sink.</summary>
    /// <exception cref="LakeWriteException">The root cannot be created or scanned.</exception>
    public static DataLakeSink Open(LakeOptions options, OutputMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metadata);
        options.Validate();
        var dataset = Path.Combine(options.Root, options.Dataset);
        try
        {
            Directory.CreateDirectory(dataset);
            return new DataLakeSink(options, metadata, LakeScan.Run(dataset, removeTempFiles: options.RemoveTempFilesAtOpen));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LakeWriteException($"cannot open the data lake at '{dataset}': {e.Message}", e);
        }
    }

    /// <summary>The next offset to process for <paramref name="source"/> (0 when the lake has none of it).</summary>
    public long NextOffset(SourcePartition source) => _next.GetValueOrDefault(Normalize(source));

    /// <summary>
    /// Takes over <paramref name="source"/> in a lake shared with other instances (its Kafka partition was just
    /// assigned here): deletes the source's temporary files a previous owner left (this sink must have no open file
    /// of it) and re-reads its committed files, which another instance may have added since open.
    /// </summary>
    /// <returns>The source's next offset on disk.</returns>
    /// <exception cref="LakeWriteException">The dataset cannot be read or a leftover cannot be deleted.</exception>
    public long Resume(SourcePartition source)
    {
        ThrowIfUnusable();
        source = Normalize(source);
        if (_open.ContainsKey(source))
        {
            throw new InvalidOperationException($"{source} has an open file in this sink; flush before resuming it");
        }

        var prefix = LakeFileName.TempPrefix(source);
        var next = _next.GetValueOrDefault(source);
        try
        {
            foreach (var dateDir in Directory.EnumerateDirectories(_datasetDirectory, "date=*"))
            {
                var removed = false;
                foreach (var path in Directory.EnumerateFiles(dateDir))
                {
                    var name = Path.GetFileName(path);
                    if (LakeFileName.IsTemp(name))
                    {
                        if (name.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            File.Delete(path);
                            removed = true;
                        }
                    }
                    else if (LakeFileName.TryParse(name, out var s, out _, out var last) && s == source)
                    {
                        next = Math.Max(next, last + 1);
                    }
                }

                if (removed)
                {
                    DirectorySync.Fsync(dateDir);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LakeWriteException($"cannot resume {source} in '{_datasetDirectory}': {e.Message}", e);
        }

        _next[source] = next;
        return next;
    }

    /// <summary>Appends a Kafka record, placed by its provenance columns.</summary>
    public LakeAppendResult Append(OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.SourceTopic is null || record.SourcePartition is null || record.SourceOffset is null)
        {
            throw new ArgumentException($"record '{record.SampleId}' has no Kafka provenance; use Append(source, offset, record)", nameof(record));
        }

        return Append(SourcePartition.Kafka(record.SourceTopic, record.SourcePartition.Value), record.SourceOffset.Value, record);
    }

    /// <summary>
    /// Appends the record for input <paramref name="offset"/> of <paramref name="source"/>. Returns whether it was
    /// taken (false: the offset is already in the lake or behind this source's last one) and the files that this
    /// append committed by rolling.
    /// </summary>
    /// <exception cref="LakeWriteException">The write failed; the sink is faulted.</exception>
    public LakeAppendResult Append(SourcePartition source, long offset, OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Advance(Normalize(source), offset, record);
    }

    /// <summary>
    /// Marks <paramref name="offset"/> as processed without a row (e.g. it went to the dead-letter sink): the
    /// open file's range covers it, so after a restart it is not processed again.
    /// </summary>
    public LakeAppendResult MarkProcessed(SourcePartition source, long offset) => Advance(Normalize(source), offset, null);

    /// <summary>Commits the files that reached <see cref="LakeOptions.MaxFileAge"/>. Call it periodically.</summary>
    public IReadOnlyList<CommittedFile> CommitDue()
    {
        ThrowIfUnusable();
        var now = _options.Time.GetUtcNow();
        _committed.Clear();
        foreach (var file in SnapshotOpen())
        {
            if (now - file.OpenedAt >= _options.MaxFileAge)
            {
                Commit(file);
            }
        }

        return _committed.Count == 0 ? [] : [.. _committed];
    }

    /// <summary>Commits every open file; on return everything appended so far is durable.</summary>
    public IReadOnlyList<CommittedFile> Flush()
    {
        ThrowIfUnusable();
        _committed.Clear();
        foreach (var file in SnapshotOpen())
        {
            Commit(file);
        }

        return [.. _committed];
    }

    /// <summary>
    /// Abandons <paramref name="source"/>'s open file without committing it: its temporary file is deleted and the
    /// source's next offset stays where its last committed file ended. For a partition this instance no longer owns
    /// (lost: its session expired, so another instance may already be writing the same offsets) — committing the file
    /// then could overlap the new owner's output.
    /// </summary>
    /// <returns>True when the source had an open file.</returns>
    public bool Discard(SourcePartition source)
    {
        ThrowIfUnusable();
        if (!_open.Remove(Normalize(source), out var file))
        {
            return false;
        }

        Discard(file);
        file.Batch.Clear();
        _spareBatches.Push(file.Batch);
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var file in _open.Values)
        {
            Discard(file);
        }

        _open.Clear();
    }

    private static SourcePartition Normalize(SourcePartition source) =>
        source with { Topic = LakeFileName.SafeName(source.Topic) };

    private LakeAppendResult Advance(SourcePartition source, long offset, OutputRecord? record)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var expected = _next.GetValueOrDefault(source);
        if (_open.TryGetValue(source, out var file))
        {
            expected = file.LastOffset + 1;
        }

        if (offset < expected)
        {
            return new LakeAppendResult(false, []);
        }

        _committed.Clear();
        try
        {
            if (file is not null && _options.Time.GetUtcNow() - file.OpenedAt >= _options.MaxFileAge)
            {
                Commit(file);
                file = null;
            }

            file ??= OpenFile(source, offset);
            if (record is not null)
            {
                file.Batch.Append(record);
                file.Records++;
            }

            file.LastOffset = offset;
            if (file.Batch.Count >= _options.RecordsPerBatch || file.Batch.TokenBytes >= _options.MaxBatchBytes)
            {
                file.WriteBatch();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not LakeWriteException)
        {
            throw Fault(file, e);
        }

        if (file.Records >= _options.MaxRecordsPerFile || file.ApproximateBytes >= _options.MaxBytesPerFile)
        {
            Commit(file);
        }

        return new LakeAppendResult(true, _committed.Count == 0 ? [] : [.. _committed]);
    }

    private OpenLakeFile OpenFile(SourcePartition source, long firstOffset)
    {
        var now = _options.Time.GetUtcNow();
        var directory = Path.Combine(_datasetDirectory, "date=" + now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        EnsureDirectory(directory);
        var tempPath = Path.Combine(directory, LakeFileName.Temp(source, firstOffset));
        var stream = _options.TempFileOpener?.Invoke(tempPath)
            ?? new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        BatchWriter writer = _options.Format switch
        {
            LakeFileFormat.Parquet => new Parquet.ParquetBatchWriter(stream, _schema),
            LakeFileFormat.File => new ArrowIpcBatchWriter(stream, _schema, ArrowIpcFormat.File, _options.Compression),
            _ => new ArrowIpcBatchWriter(stream, _schema, ArrowIpcFormat.Stream, _options.Compression),
        };
        var batch = _spareBatches.Count > 0 ? _spareBatches.Pop() : new OutputBatch(_schema);
        var file = new OpenLakeFile(source, firstOffset, directory, tempPath, stream, writer, batch, now);
        _open[source] = file;
        return file;
    }

    private void Commit(OpenLakeFile file)
    {
        var finalPath = Path.Combine(file.Directory, LakeFileName.Committed(file.Source, file.FirstOffset, file.LastOffset, _options.Format));
        try
        {
            var bytes = file.Complete();
            // Without overwrite .NET refuses to replace an existing name, so a committed file is never clobbered.
            AtomicFile.Publish(file.TempPath, finalPath, overwrite: false);
            _open.Remove(file.Source);
            file.Batch.Clear();
            _spareBatches.Push(file.Batch);
            _next[file.Source] = file.LastOffset + 1;
            var committed = new CommittedFile(finalPath, file.Source, file.FirstOffset, file.LastOffset, file.Records, bytes);
            _committed.Add(committed);
            Committed?.Invoke(committed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not LakeWriteException)
        {
            throw Fault(file, e);
        }
    }

    private void EnsureDirectory(string directory)
    {
        if (_knownDirectories.Contains(directory) && Directory.Exists(directory))
        {
            return;
        }

        if (!Directory.Exists(directory))
        {
            if (!Directory.Exists(_datasetDirectory))
            {
                // Recreating it would hide that committed files were lost with it.
                throw new DirectoryNotFoundException($"the dataset directory '{_datasetDirectory}' no longer exists (was the lake root removed?)");
            }

            Directory.CreateDirectory(directory);
            // The new folder's entry must be durable too, or a committed file could vanish with it.
            DirectorySync.Fsync(_datasetDirectory);
        }

        _knownDirectories.Add(directory);
    }

    private LakeWriteException Fault(OpenLakeFile? file, Exception cause)
    {
        var where = file?.TempPath ?? _datasetDirectory;
        var hint = Directory.Exists(_datasetDirectory) ? string.Empty : $" The dataset directory '{_datasetDirectory}' no longer exists (was the lake root removed?).";
        _fault = new LakeWriteException(
            $"data-lake write failed at '{where}': {cause.Message.TrimEnd('.')}.{hint} Nothing from the open files was committed; reopen the sink and resume from its next offsets.",
            cause);
        foreach (var open in _open.Values)
        {
            Discard(open);
        }

        _open.Clear();
        return _fault;
    }

    private static void Discard(OpenLakeFile file)
    {
        try
        {
            file.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file is being abandoned because writing it failed; closing it may fail the same way.
        }

        try
        {
            File.Delete(file.TempPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next open's scan, which removes temporary files.
        }
    }

    private OpenLakeFile[] SnapshotOpen()
    {
        var files = new OpenLakeFile[_open.Count];
        _open.Values.CopyTo(files, 0);
        return files;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null)
        {
            throw new LakeWriteException("the data-lake sink failed earlier: " + _fault.Message, _fault);
        }
    }
}
