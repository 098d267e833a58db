using System.Globalization;
using System.Text.Json;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Tests.Observability;

public sealed class ExactFloatConverterTests
{
    private sealed record Token(float? BaseLoss, float Influence);

    [Fact]
    public void AFloatOnARoundingEdge_ReachesAReaderAsTheValueTheLakeHolds()
    {
        // 5.16445f is 5.16445016…: to 4 places 5.1645. Its shortest text, "5.16445", read as a double rounds to 5.1644.
        const float stored = 5.16445f;
        Assert.Equal("5.1645", stored.ToString("F4", CultureInfo.InvariantCulture));

        var json = JsonSerializer.Serialize(new Token(stored, float.NaN), InspectorEndpoints.Json);

        using var doc = JsonDocument.Parse(json);
        var read = doc.RootElement.GetProperty("baseLoss").GetDouble(); // what a browser's JSON.parse gives
        Assert.Equal((double)stored, read);
        Assert.Equal("5.1645", read.ToString("F4", CultureInfo.InvariantCulture));
        Assert.Equal("NaN", doc.RootElement.GetProperty("influence").GetString());
        Assert.Equal(new Token(stored, float.NaN), JsonSerializer.Deserialize<Token>(json, InspectorEndpoints.Json));
    }

    [Fact]
    public void NullAndInfinities_RoundTrip()
    {
        var json = JsonSerializer.Serialize(new Token(null, float.NegativeInfinity), InspectorEndpoints.Json);

        Assert.Contains("\"baseLoss\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"influence\":\"-Infinity\"", json, StringComparison.Ordinal);
        Assert.Equal(new Token(null, float.NegativeInfinity), JsonSerializer.Deserialize<Token>(json, InspectorEndpoints.Json));
    }
}
