using System.Text;
using TokenClean.Service.Cleaning;

namespace TokenClean.Service.Tests.Cleaning;

public sealed class Utf8LineReaderTests
{
    [Fact]
    public void TryReadLine_CrLfBomAndNoFinalNewline_YieldsTheBareLines()
    {
        var reader = new Utf8LineReader(new MemoryStream([0xEF, 0xBB, 0xBF, .. "a\r\nbc\n\nlast"u8]));

        Assert.Equal(["a", "bc", "", "last"], ReadAll(reader));
    }

    [Fact]
    public void TryReadLine_LinesLongerThanTheBuffer_ComeBackWhole()
    {
        // The reader starts with a 64 KiB buffer: these lines force it to grow and to carry partial lines over.
        var lines = new[] { new string('x', 200_000), "short", new string('y', 70_000), new string('z', 65_535) };
        var reader = new Utf8LineReader(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n")));

        Assert.Equal(lines, ReadAll(reader));
        Assert.Equal(lines.Sum(l => l.Length + 1), reader.Position);
    }

    [Fact]
    public void TryReadLine_AStreamThatReturnsOneByteAtATime_StillSplitsCorrectly()
    {
        var reader = new Utf8LineReader(new TrickleStream(Encoding.UTF8.GetBytes("one\ntwo\nthree")));

        Assert.Equal(["one", "two", "three"], ReadAll(reader));
    }

    private static List<string> ReadAll(Utf8LineReader reader)
    {
        var result = new List<string>();
        while (reader.TryReadLine(out var line))
        {
            result.Add(Encoding.UTF8.GetString(line));
        }

        return result;
    }

    /// <summary>A stream whose reads return a single byte, as a pipe or socket may.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));
    }
}
