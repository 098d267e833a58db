using System.Globalization;
using System.Text.RegularExpressions;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Lake;

/// <summary>
/// Names of committed files: <c>&lt;topic&gt;+&lt;partition&gt;+&lt;first&gt;-&lt;last&gt;.arrow</c> for Kafka input and
/// <c>&lt;input-file&gt;+lines+&lt;first&gt;-&lt;last&gt;.arrow</c> for file input (<c>.parquet</c> for Parquet lakes; a
/// scan reads both, so a lake whose format changed resumes where it stopped). Offsets are zero-padded to 20 digits
/// so that names sort in offset order. Temporary files start with "." and end with ".tmp", which Hugging Face
/// datasets, Spark and most lake readers skip.
/// </summary>
internal static partial class LakeFileName
{
    public const string Extension = ".arrow";
    public const string ParquetExtension = ".parquet";
    public const string TempSuffix = ".tmp";

    public static string ExtensionOf(LakeFileFormat format) => format == LakeFileFormat.Parquet ? ParquetExtension : Extension;

    public static string Committed(SourcePartition source, long first, long last, LakeFileFormat format = LakeFileFormat.Stream) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix(source)}{first:D20}-{last:D20}{ExtensionOf(format)}");

    public static string Temp(SourcePartition source, long first) =>
        string.Create(CultureInfo.InvariantCulture, $".{Prefix(source)}{first:D20}.{Guid.NewGuid():N}{TempSuffix}");

    /// <summary>How every temporary file of <paramref name="source"/> begins.</summary>
    public static string TempPrefix(SourcePartition source) => "." + Prefix(source);

    public static bool IsTemp(string fileName) => fileName.StartsWith('.') && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    public static bool TryParse(string fileName, out SourcePartition source, out long first, out long last)
    {
        var m = Pattern().Match(fileName);
        if (!m.Success
            || !long.TryParse(m.Groups["first"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out first)
            || !long.TryParse(m.Groups["last"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out last)
            || last < first)
        {
            source = default;
            first = last = 0;
            return false;
        }

        var part = m.Groups["part"].Value;
        source = part == "lines"
            ? new SourcePartition(m.Groups["name"].Value, null)
            : new SourcePartition(m.Groups["name"].Value, int.Parse(part, CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>A source name made safe for a file name: '+' separates the fields, '/' would make a folder.</summary>
    public static string SafeName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return name.Replace('+', '_').Replace('/', '_').Replace('\0', '_');
    }

    private static string Prefix(SourcePartition source) =>
        source.Partition is { } p
            ? string.Create(CultureInfo.InvariantCulture, $"{SafeName(source.Topic)}+{p}+")
            : $"{SafeName(source.Topic)}+lines+";

    [GeneratedRegex(@"^(?<name>[^.+][^+]*)\+(?<part>\d{1,10}|lines)\+(?<first>\d{1,20})-(?<last>\d{1,20})\.(?:arrow|parquet)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
