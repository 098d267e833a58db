using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

public sealed class CheckpointVersionComparerTests
{
    public static TheoryData<string, string> Ascending => new()
    {
        { "step-99", "step-100" },
        { "step-000100", "step-000200" },
        { "step-9", "step-000010" },
        { "v1.9", "v1.10" },
        { "v2", "v2a" },
        { "a", "b" },
        { "step-007", "step-7" }, // numeric tie: ordinal order ("0" < "7") keeps the order total
        { "epoch1-step900", "epoch2-step100" },
        { "step-99999999999999999999999", "step-100000000000000000000000" }, // longer than any integer type
    };

    [Theory]
    [MemberData(nameof(Ascending))]
    public void Compare_NaturalOrder_SortsDigitRunsByValue(string older, string newer)
    {
        Assert.True(CheckpointVersionComparer.Instance.Compare(older, newer) < 0, $"{older} < {newer}");
        Assert.True(CheckpointVersionComparer.Instance.Compare(newer, older) > 0, $"{newer} > {older}");
        Assert.Equal(0, CheckpointVersionComparer.Instance.Compare(newer, newer));
    }

    [Fact]
    public void Compare_ShuffledTrainerNames_SortsAsTheTrainerWroteThem()
    {
        string[] expected = ["step-1", "step-2", "step-10", "step-20", "step-100", "step-1000"];
        var shuffled = new List<string> { "step-100", "step-2", "step-1000", "step-1", "step-20", "step-10" };
        shuffled.Sort(CheckpointVersionComparer.Instance);
        Assert.Equal(expected, shuffled);
    }
}
