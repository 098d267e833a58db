using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TokenClean.Service.Observability;

/// <summary>
/// Writes a float as the double it exactly is (the stored 5.16445f goes out as 5.164450168609619), so a browser that
/// rounds it for display rounds the stored value. System.Text.Json writes the shortest text that round-trips to the
/// float ("5.16445"), which JavaScript reads as the nearest double, 5.164449999…, and shows as 5.1644 where the
/// lake's value rounds to 5.1645. NaN and the infinities go out as "NaN", "Infinity" and "-Infinity", as with
/// <see cref="JsonNumberHandling.AllowNamedFloatingPointLiterals"/>.
/// </summary>
public sealed class ExactFloatConverter : JsonConverter<float>
{
    /// <inheritdoc />
    public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? float.Parse(reader.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
            : reader.GetSingle();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue((double)value);
        }
        else
        {
            writer.WriteStringValue(float.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}
