using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

public sealed class VersionAnnouncementTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "ckpt");

    [Fact]
    public void TryParse_VersionAndAbsolutePath_KeepsBoth()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), "elsewhere", "s7");
        Assert.True(VersionAnnouncement.TryParse($$"""{"version":"step-7","path":"{{elsewhere}}"}""", Root, out var a, out _));
        Assert.Equal(new VersionAnnouncement("step-7", elsewhere), a);
    }

    [Fact]
    public void TryParse_VersionOnly_PathIsUnderRoot()
    {
        Assert.True(VersionAnnouncement.TryParse("""{"version":"step-7"}""", Root, out var a, out _));
        Assert.Equal(Path.Combine(Root, "step-7"), a!.Path);
    }

    [Fact]
    public void TryParse_PathOnly_VersionIsDirectoryName()
    {
        Assert.True(VersionAnnouncement.TryParse("""{"path":"sub/step-8/"}""", Root, out var a, out _));
        Assert.Equal("step-8", a!.Version);
        Assert.Equal(Path.Combine(Root, "sub", "step-8"), a.Path);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{}", "neither")]
    [InlineData("""{"version":3}""", "neither")]
    [InlineData("""{"version":"../etc"}""", "not a plain name")]
    public void TryParse_Malformed_ReturnsFalseWithReason(string json, string reason)
    {
        Assert.False(VersionAnnouncement.TryParse(json, Root, out var a, out var error));
        Assert.Null(a);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
