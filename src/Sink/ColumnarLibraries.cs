using System.Reflection;

namespace TokenClean.Sink;

/// <summary>The columnar libraries this build writes with (for <c>tokenclean info</c>).</summary>
public static class ColumnarLibraries
{
    /// <summary>Apache.Arrow's package version, e.g. 23.0.0.</summary>
    public static string ArrowVersion => Version(typeof(Apache.Arrow.RecordBatch).Assembly);

    /// <summary>ParquetSharp's package version, e.g. 25.0.1.2.</summary>
    public static string ParquetSharpVersion => Version(typeof(ParquetSharp.ParquetFileWriter).Assembly);

    private static string Version(Assembly assembly)
    {
        var text = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = text.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? text : text[..plus];
    }
}
