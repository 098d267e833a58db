using TokenClean.Service.Inspection;

namespace TokenClean.Service.Tests.Inspection;

public sealed class TerminalRendererTests
{
    // Prompt "Q: ", then kept "yes" (far above the threshold), dropped " um" (far below), kept "." (at the threshold).
    private static readonly InspectedSample Sample = new(
        "s-1", "f.arrow", 0, Threshold: 0.5f, "v1", ResponseTokens: 3, KeptTokens: 2, MeanInfluence: 0.5, HasLosses: true, Decoded: true,
        [
            new InspectedToken(1, "Q: ", TokenRole.Prompt, null, null, null),
            new InspectedToken(2, "yes", TokenRole.Kept, 2.5f, 3f, 0.5f),
            new InspectedToken(3, " um", TokenRole.Dropped, -1.5f, 1f, 2.5f),
            new InspectedToken(4, "", TokenRole.Dropped, -1f, 1f, 2f),
            new InspectedToken(5, ".", TokenRole.Kept, 0.5f, 1f, 0.5f),
        ]);

    [Fact]
    public void Tokens_Plain_MarksPromptAndDroppedTokensSoALogStaysReadable()
    {
        Assert.Equal("⟪Q: ⟫yes ~~um~~.", TerminalRenderer.Tokens(Sample, color: false));
    }

    [Fact]
    public void Tokens_Colour_GreyPromptGreenKeptRedStruckDroppedStrongerFurtherFromTheThreshold()
    {
        var text = TerminalRenderer.Tokens(Sample, color: true);
        Assert.Contains("\u001b[90mQ: \u001b[0m", text, StringComparison.Ordinal);
        // Scale = 2 (largest distance from 0.5): "yes" and " um" are at full strength, "." at none.
        Assert.Contains("\u001b[30;48;2;40;200;90myes\u001b[0m", text, StringComparison.Ordinal);
        Assert.Contains("\u001b[9;38;2;235;70;70m um\u001b[0m", text, StringComparison.Ordinal);
        Assert.Contains("\u001b[97;48;2;24;64;32m.\u001b[0m", text, StringComparison.Ordinal); // white text on the dark green
    }

    [Fact]
    public void Write_WithTable_ListsEveryTokenWithItsLosses()
    {
        var output = new StringWriter();
        TerminalRenderer.Write(output, Sample, color: false, table: true);
        var text = output.ToString();
        Assert.Contains("sample s-1", text, StringComparison.Ordinal);
        Assert.Contains("threshold 0.500", text, StringComparison.Ordinal);
        Assert.Contains("  1     2       kept         2.500      3.000     0.500  'yes'", text, StringComparison.Ordinal);
        Assert.Contains("  0     1       prompt           -          -         -  'Q: '", text, StringComparison.Ordinal);
    }
}
