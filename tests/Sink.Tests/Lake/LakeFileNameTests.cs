using TokenClean.Sink.Lake;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Tests.Lake;

public sealed class LakeFileNameTests
{
    public static TheoryData<string> NotCommittedNames => new()
    {
        "samples+0+00000000000000000005-00000000000000000003.arrow", // last < first
        ".samples+0+00000000000000000000-00000000000000000003.arrow", // hidden
        "samples+0+00000000000000000000-00000000000000000003.arrow.tmp",
        "samples+0+00000000000000000000.arrow",
        "samples+x+00000000000000000000-00000000000000000003.arrow",
        "samples-0-0-3.arrow",
        "readme.txt",
    };

    [Theory]
    [InlineData("samples", 0, 0L, 9L)]
    [InlineData("a.b-c_d", 2147483647, 9_223_372_036_854_775_806L, 9_223_372_036_854_775_806L)]
    [InlineData("input.jsonl", null, 1L, 120L)]
    public void Committed_ThenTryParse_RoundTrips(string name, int? partition, long first, long last)
    {
        var source = new SourcePartition(name, partition);
        var fileName = LakeFileName.Committed(source, first, last);
        Assert.True(LakeFileName.TryParse(fileName, out var parsed, out var f, out var l));
        Assert.Equal((source, first, last), (parsed, f, l));
        Assert.False(LakeFileName.IsTemp(fileName));
        Assert.True(LakeFileName.IsTemp(LakeFileName.Temp(source, first)));
    }

    [Fact]
    public void Committed_ZeroPadsOffsets_SoNamesSortInOffsetOrder()
    {
        var source = SourcePartition.Kafka("t", 1);
        var names = new[] { 5L, 40L, 300L, 1_000_000L }.Select(o => LakeFileName.Committed(source, o, o + 1)).ToList();
        Assert.Equal(names, names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(NotCommittedNames))]
    public void TryParse_NameThatIsNotACommittedFile_ReturnsFalse(string fileName)
    {
        Assert.False(LakeFileName.TryParse(fileName, out _, out _, out _));
    }
}
