namespace TokenClean.Service.Inspection;

/// <summary>
/// The one colour scale of the inspector (terminal and page use the same numbers): a response token's colour
/// strength is its distance from the threshold over the sample's largest distance, green above, red below.
/// </summary>
public static class InfluenceColors
{
    /// <summary>The sample's largest |influence − threshold| (at least a tiny positive number).</summary>
    public static float Scale(InspectedSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var scale = 1e-6f;
        foreach (var token in sample.Tokens)
        {
            if (token.Influence is { } x)
            {
                scale = Math.Max(scale, Math.Abs(x - sample.Threshold));
            }
        }

        return scale;
    }

    /// <summary>Strength in [0, 1] of a scored token's colour.</summary>
    public static float Strength(float influence, float threshold, float scale) =>
        Math.Clamp(Math.Abs(influence - threshold) / scale, 0f, 1f);

    /// <summary>The token's RGB: kept = green background, dropped = red text, stronger further from the threshold.</summary>
    public static (byte R, byte G, byte B) Rgb(TokenRole role, float strength) => role switch
    {
        TokenRole.Kept => Mix((24, 64, 32), (40, 200, 90), strength),
        TokenRole.Dropped => Mix((150, 110, 110), (235, 70, 70), strength),
        _ => (128, 128, 128),
    };

    private static (byte, byte, byte) Mix((int R, int G, int B) from, (int R, int G, int B) to, float t) =>
        ((byte)(from.R + ((to.R - from.R) * t)), (byte)(from.G + ((to.G - from.G) * t)), (byte)(from.B + ((to.B - from.B) * t)));
}
