using TokenClean.Core.Rejections;
using System.Text;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>The dead-letter file: durable lines, a torn last line cut at reopen, replayed offsets skipped.</summary>
public sealed class FileDeadLetterSinkTests : IDisposable
{
    private readonly string _lake = Path.Combine(Path.GetTempPath(), "tc-dlq-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_lake, recursive: true);

    [Fact]
    public void WriteDurably_ReplayAfterTornLine_CutsTheTornLineAndWritesEachOffsetOnce()
    {
        using (var sink = new FileDeadLetterSink(_lake, "ds"))
        {
            sink.WriteDurably([Rejected(0), Rejected(3), Rejected(5, [0xff, 0xfe])]);
        }

        var path = FileDeadLetterSink.PathOf(_lake, "ds", "in", 1);
        File.AppendAllText(path, "{\"topic\":\"in\",\"partition\":1,\"offs"); // a crash in the middle of a line

        using (var sink = new FileDeadLetterSink(_lake, "ds"))
        {
            // The replay after the crash repeats offsets 3 and 5, then goes on.
            sink.WriteDurably([Rejected(3), Rejected(5, [0xff, 0xfe]), Rejected(8)]);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal(new long[] { 0, 3, 5, 8 }, lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("offset").GetInt64()));
        Assert.Contains("\"raw_base64\":\"//4=\"", lines[2], StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"malformed_json\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"raw\":\"x3\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void WriteDurably_RenamedReason_AlsoCarriesTheOldCodeAsLegacyReason()
    {
        using (var sink = new FileDeadLetterSink(_lake, "ds"))
        {
            sink.WriteDurably([Rejected(0, reason: RejectionReason.TooManyTokens), Rejected(1)]);
        }

        var lines = File.ReadAllLines(FileDeadLetterSink.PathOf(_lake, "ds", "in", 1)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal("too_many_tokens", lines[0].GetProperty("reason").GetString());
        Assert.Equal("too_long", lines[0].GetProperty("legacy_reason").GetString());
        Assert.False(lines[1].TryGetProperty("legacy_reason", out _)); // malformed_json was never renamed
    }

    private static FinishedRecord Rejected(long offset, byte[]? value = null, RejectionReason reason = RejectionReason.MalformedJson) =>
        FinishedRecords.Rejected(TokenClean.Core.Sources.SourcePartition.Kafka("in", 1), offset, 1, value ?? Encoding.UTF8.GetBytes("x" + offset), reason);
}
