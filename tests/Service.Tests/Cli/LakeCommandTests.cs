using TokenClean.Cli;

namespace TokenClean.Service.Tests.Cli;

public sealed class LakeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-lakecmd-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Sample_WritesFilesThatArrowJsAndTheLakeReaderRead()
    {
        Assert.Equal(0, await CommandLine.Build().Parse(["lake", "sample", "--out", _dir]).InvokeAsync());
        var js = TokenClean.Tests.Oracles.ArrowJs.Read(Path.Combine(_dir, "sample.stream.arrow"), Path.Combine(_dir, "sample.file.arrow"), Path.Combine(_dir, "sample.zstd.arrow"));
        Assert.All(js, j => Assert.Equal(12, j.GetProperty("numRows").GetInt32()));
        Assert.Equal(12, Sink.Lake.LakeFileReader.CountRows(Path.Combine(_dir, "sample.parquet")));
    }

    [Fact]
    public async Task Scan_Rows_CountsEveryCommittedFileAndFailsOnAnUnreadableOne()
    {
        var date = Path.Combine(_dir, "ds", "date=2026-11-21");
        Directory.CreateDirectory(date);
        Assert.Equal(0, await CommandLine.Build().Parse(["lake", "sample", "--out", _dir]).InvokeAsync());
        File.Move(Path.Combine(_dir, "sample.zstd.arrow"), Path.Combine(date, "t+0+00000000000000000000-00000000000000000011.arrow"));
        File.Move(Path.Combine(_dir, "sample.parquet"), Path.Combine(date, "t+1+00000000000000000000-00000000000000000011.parquet"));
        var output = new StringWriter();
        var exit = await CommandLine.Build().Parse(["lake", "scan", "--root", _dir, "--dataset", "ds", "--rows"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = new StringWriter() });
        Assert.Equal(0, exit);
        Assert.Equal(2, output.ToString().Split('\n').Count(l => l.Contains("        12 rows", StringComparison.Ordinal)));
        await File.WriteAllBytesAsync(Path.Combine(date, "t+2+00000000000000000000-00000000000000000001.parquet"), [1, 2, 3]);
        Assert.Equal(1, await CommandLine.Build().Parse(["lake", "scan", "--root", _dir, "--dataset", "ds", "--rows"]).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() }));
    }

    [Fact]
    public async Task Sample_WritesAStreamFileAndAFeatherFile()
    {
        var exit = await CommandLine.Build().Parse(["lake", "sample", "--out", _dir]).InvokeAsync();
        Assert.Equal(0, exit);
        var stream = await File.ReadAllBytesAsync(Path.Combine(_dir, "sample.stream.arrow"));
        var file = await File.ReadAllBytesAsync(Path.Combine(_dir, "sample.file.arrow"));
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, stream[..4]);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }, stream[^8..]);
        Assert.Equal("ARROW1"u8.ToArray(), file[..6]);
        Assert.Equal("ARROW1"u8.ToArray(), file[^6..]);
    }

    [Fact]
    public async Task Scan_OverlappingCommittedFiles_ExitsOne()
    {
        var date = Path.Combine(_dir, "ds", "date=2026-11-21");
        Directory.CreateDirectory(date);
        await File.WriteAllBytesAsync(Path.Combine(date, "t+0+00000000000000000000-00000000000000000009.arrow"), []);
        Assert.Equal(0, await CommandLine.Build().Parse(["lake", "scan", "--root", _dir, "--dataset", "ds"]).InvokeAsync());
        await File.WriteAllBytesAsync(Path.Combine(date, "t+0+00000000000000000005-00000000000000000012.arrow"), []);
        Assert.Equal(1, await CommandLine.Build().Parse(["lake", "scan", "--root", _dir, "--dataset", "ds"]).InvokeAsync());
    }
}
