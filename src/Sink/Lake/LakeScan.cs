using TokenClean.Core.Files;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Lake;

/// <summary>What a dataset folder holds when the sink opens: the committed files, per source the next offset to
/// process, the temporary files left by a crash (removed), and any overlapping ranges (there should be none).</summary>
public sealed class LakeScan
{
    private LakeScan(List<CommittedFile> files, Dictionary<SourcePartition, long> next, int removed, List<(CommittedFile, CommittedFile)> overlaps)
    {
        Files = files;
        NextOffsets = next;
        RemovedTempFiles = removed;
        Overlaps = overlaps;
    }

    /// <summary>Committed files, ordered by source and first offset.</summary>
    public IReadOnlyList<CommittedFile> Files { get; }

    /// <summary>Per source: max(last offset) + 1 over its committed files. Resume consumption there.</summary>
    public IReadOnlyDictionary<SourcePartition, long> NextOffsets { get; }

    public int RemovedTempFiles { get; }

    /// <summary>Pairs of committed files of one source whose offset ranges intersect.</summary>
    public IReadOnlyList<(CommittedFile First, CommittedFile Second)> Overlaps { get; }

    /// <summary>Scans <c>&lt;root&gt;/&lt;dataset&gt;/date=*/</c>; with <paramref name="removeTempFiles"/>, deletes crash leftovers.</summary>
    public static LakeScan Run(string datasetDirectory, bool removeTempFiles)
    {
        var files = new List<CommittedFile>();
        var removed = 0;
        if (Directory.Exists(datasetDirectory))
        {
            foreach (var dateDir in Directory.EnumerateDirectories(datasetDirectory, "date=*"))
            {
                var removedHere = 0;
                foreach (var path in Directory.EnumerateFiles(dateDir))
                {
                    var name = Path.GetFileName(path);
                    if (LakeFileName.IsTemp(name))
                    {
                        if (removeTempFiles && TryDeleteAbandoned(path))
                        {
                            removedHere++;
                        }
                    }
                    else if (LakeFileName.TryParse(name, out var source, out var first, out var last))
                    {
                        files.Add(new CommittedFile(path, source, first, last, Records: -1, new FileInfo(path).Length));
                    }
                }

                if (removedHere > 0)
                {
                    DirectorySync.Fsync(dateDir);
                    removed += removedHere;
                }
            }
        }

        files.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Source.Topic, b.Source.Topic);
            if (c == 0)
            {
                c = Nullable.Compare(a.Source.Partition, b.Source.Partition);
            }

            return c != 0 ? c : a.FirstOffset.CompareTo(b.FirstOffset);
        });

        var next = new Dictionary<SourcePartition, long>();
        var overlaps = new List<(CommittedFile, CommittedFile)>();
        CommittedFile? previous = null;
        foreach (var f in files)
        {
            if (previous is not null && previous.Source == f.Source && f.FirstOffset <= previous.LastOffset)
            {
                overlaps.Add((previous, f));
            }

            next[f.Source] = Math.Max(next.GetValueOrDefault(f.Source), f.NextOffset);
            if (previous is null || previous.Source != f.Source || f.LastOffset > previous.LastOffset)
            {
                previous = f;
            }
        }

        return new LakeScan(files, next, removed, overlaps);
    }

    /// <summary>
    /// Deletes a temporary file unless a live writer holds it. Instances that share a lake (a consumer group) open it
    /// while the others write: their open files are not crash leftovers. A writer keeps its temporary file open with
    /// FileShare.None, which .NET maps to an exclusive advisory lock (flock) that the kernel drops when the writer dies.
    /// </summary>
    private static bool TryDeleteAbandoned(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false; // locked by its writer, or already gone (committed meanwhile)
        }
    }
}
