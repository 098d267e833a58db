using System.Globalization;
using TokenClean.Sink.Lake;

namespace TokenClean.Service.StreamTraining;

/// <summary>
/// Follows a lake dataset folder (<c>&lt;lake&gt;/&lt;dataset&gt;/date=*/</c>) as the lake publishes it: only
/// committed files (temporary ones start with "." and are never read), read with the lake's own reader. Files of one
/// source are immutable and ordered by their first input offset, so a position per source — the file being read and
/// the rows of it used — says exactly which rows were used.
/// </summary>
public sealed class LakeRowSource : ICleanedRowSource
{
    private readonly string _dataset;
    private readonly PendingRows _pending = new();
    private StreamCursor _read;

    /// <param name="datasetDirectory">The dataset folder (the one holding <c>date=*</c> folders).</param>
    /// <param name="start">Rows up to this cursor were used already.</param>
    public LakeRowSource(string datasetDirectory, StreamCursor start)
    {
        ArgumentException.ThrowIfNullOrEmpty(datasetDirectory);
        _dataset = Path.GetFullPath(datasetDirectory);
        _read = start ?? throw new ArgumentNullException(nameof(start));
    }

    public string Description => $"lake {_dataset}";

    /// <summary>The cursor key of a lake source: <c>lake:&lt;topic&gt;+&lt;partition&gt;</c> (<c>+lines</c> for file input).</summary>
    public static string KeyOf(Core.Sources.SourcePartition source) =>
        "lake:" + source.Topic + "+" + (source.Partition?.ToString(CultureInfo.InvariantCulture) ?? "lines");

    public IReadOnlyList<CleanedRow> Poll(int learnable, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(learnable, 1);
        var rows = _pending.Take(learnable);
        if (CountLearnable(rows) >= learnable)
        {
            return rows;
        }

        foreach (var file in LakeScan.Run(_dataset, removeTempFiles: false).Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = KeyOf(file.Source);
            var at = _read[key];
            if (file.FirstOffset < at.Offset)
            {
                continue; // used entirely
            }

            var skip = file.FirstOffset == at.Offset ? at.Rows : 0;
            ReadFile(file, key, skip);
            rows.AddRange(_pending.Take(learnable - CountLearnable(rows)));
            if (CountLearnable(rows) >= learnable)
            {
                return rows;
            }
        }

        if (rows.Count == 0 && wait > TimeSpan.Zero)
        {
            cancellationToken.WaitHandle.WaitOne(wait);
        }

        return rows;
    }

    public void Committed(StreamCursor cursor)
    {
        // The lake is read-only to the trainer: the cursor in the published version is the whole record.
    }

    public void Dispose()
    {
    }

    private void ReadFile(CommittedFile file, string key, int skip)
    {
        var (_, batches) = LakeFileReader.ReadAll(file.Path);
        var decoded = new List<(Core.Samples.TokenizedSample Sample, string ScoredBy, bool Learnable)>();
        foreach (var batch in batches)
        {
            using (batch)
            {
                decoded.AddRange(CleanedRowDecoder.Decode(batch, Path.GetFileName(file.Path)));
            }
        }

        var name = Path.GetFileName(file.Path);
        for (var i = skip; i < decoded.Count; i++)
        {
            var after = i + 1 == decoded.Count ? new StreamPosition(file.NextOffset, 0) : new StreamPosition(file.FirstOffset, i + 1);
            var (sample, scoredBy, learnable) = decoded[i];
            _pending.Add(new CleanedRow(sample, scoredBy, string.Create(CultureInfo.InvariantCulture, $"{name}#{i}"), key, after, learnable));
        }

        // An empty file (or one read to its end before) is done as a whole.
        _read = _read.With(key, new StreamPosition(file.NextOffset, 0));
    }

    private static int CountLearnable(List<CleanedRow> rows) => rows.Count(r => r.Learnable);
}
