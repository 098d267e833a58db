using TokenClean.Tests.Oracles;
using System.Globalization;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Tests.Output;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Lake;

/// <summary>
/// Kills a writing child process with SIGKILL, again and again, then checks the lake: only complete, readable
/// files, no overlapping offsets, no gap, every acknowledged commit present, and the right next offsets.
/// </summary>
public sealed class LakeCrashTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("arrow")]
    [InlineData("parquet")]
    public async Task Open_AfterRepeatedSigkillMidWrite_ShowsOnlyCompleteFilesWithoutOverlapOrGapAndResumesRight(string format)
    {
        var acknowledged = new List<(string Name, string Part, long First, long Last)>();
        var rng = new Random(20261121);
        var tempFilesSeen = 0;
        for (var round = 0; round < 8; round++)
        {
            using var child = ChildProgram.Start("lake-writer", _root.Path, round.ToString(CultureInfo.InvariantCulture), format);
            var stderr = child.StandardError.ReadToEndAsync();
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var firstCommit = new TaskCompletionSource();
            var reader = Task.Run(() =>
            {
                string? line;
                while ((line = child.StandardOutput.ReadLine()) is not null)
                {
                    lines.Enqueue(line);
                    if (line.StartsWith("C ", StringComparison.Ordinal))
                    {
                        firstCommit.TrySetResult();
                    }
                }
            });

            // Kill at a random moment after the child has committed at least once in this round, so that
            // rounds differ and the test does not depend on how fast a loaded machine starts a process.
            var started = await Task.WhenAny(firstCommit.Task, Task.Delay(TimeSpan.FromSeconds(20))) == firstCommit.Task;
            if (!started)
            {
                child.Kill();
                Assert.Fail($"child committed nothing within 20 s: {string.Join(" | ", lines)} {await stderr}");
            }

            await Task.Delay(rng.Next(0, 400));
            child.Kill(); // SIGKILL on Unix: no finally blocks, no flush, no cleanup
            await child.WaitForExitAsync();
            await reader;
            foreach (var line in lines)
            {
                var p = line.Split(' ');
                if (p.Length == 5 && p[0] == "C")
                {
                    acknowledged.Add((p[1], p[2], long.Parse(p[3], CultureInfo.InvariantCulture), long.Parse(p[4], CultureInfo.InvariantCulture)));
                }
            }

            var errors = await stderr;
            Assert.True(string.IsNullOrEmpty(errors), errors);
            tempFilesSeen += Directory.EnumerateFiles(_root.Path, "*.tmp", SearchOption.AllDirectories).Count();
        }

        // The kills really landed mid-write: files were open under temporary names when the child died.
        Assert.True(tempFilesSeen > 0, "no kill happened while a file was being written");
        Assert.True(acknowledged.Count >= 8, $"only {acknowledged.Count} commits were acknowledged");

        using var sink = DataLakeSink.Open(new LakeOptions { Root = _root.Path, Dataset = LakeWriterChild.Dataset, Format = format == "parquet" ? LakeFileFormat.Parquet : LakeFileFormat.Stream }, OutputRecords.Metadata);
        var scan = sink.Scan;
        Assert.True(scan.RemovedTempFiles > 0);
        Assert.Empty(Directory.EnumerateFiles(_root.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(scan.Overlaps);

        // Every acknowledged commit is there, exactly.
        foreach (var (name, part, first, last) in acknowledged)
        {
            Assert.Contains(scan.Files, f => f.Source.Topic == name
                && (f.Source.Partition?.ToString(CultureInfo.InvariantCulture) ?? "lines") == part
                && f.FirstOffset == first && f.LastOffset == last);
        }

        // Per source: contiguous from 0, and the next offset is the last one + 1.
        foreach (var source in LakeWriterChild.Sources)
        {
            var files = scan.Files.Where(f => f.Source == source).OrderBy(f => f.FirstOffset).ToList();
            Assert.NotEmpty(files);
            var expected = 0L;
            foreach (var f in files)
            {
                Assert.Equal(expected, f.FirstOffset);
                expected = f.LastOffset + 1;
            }

            Assert.Equal(expected, sink.NextOffset(source));
        }

        // Every visible file is complete and readable by an independent reader (the Arrow project's JS reader;
        // DuckDB for Parquet), with exactly its rows.
        Assert.All(scan.Files, f => Assert.EndsWith(format == "parquet" ? ".parquet" : ".arrow", f.Path, StringComparison.Ordinal));
        var results = format == "parquet"
            ? scan.Files.Select(f => DuckDbParquet.SampleIds(f.Path)).ToArray()
            : ArrowJs.Run(["--columns", "sample_id", .. scan.Files.Select(f => f.Path)])
                .Select(r =>
                {
                    Assert.Equal("stream", r.GetProperty("format").GetString());
                    return r.GetProperty("columns").GetProperty("sample_id").EnumerateArray().Select(e => e.GetString()!).ToList();
                })
                .ToArray();
        Assert.Equal(scan.Files.Count, results.Length);
        for (var i = 0; i < results.Length; i++)
        {
            var f = scan.Files[i];
            var expectedIds = new List<string>();
            for (var o = f.FirstOffset; o <= f.LastOffset; o++)
            {
                if (!LakeWriterChild.IsDeadLetter(o))
                {
                    expectedIds.Add(LakeWriterChild.RecordFor(f.Source, o).SampleId);
                }
            }

            Assert.Equal(expectedIds, results[i]);
        }
    }
}
