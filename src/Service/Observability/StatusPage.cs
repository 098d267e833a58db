namespace TokenClean.Service.Observability;

/// <summary>
/// The status page (<c>GET /</c>): one HTML file embedded in this assembly, its styles and script inline, no
/// external assets. It polls <c>/status</c> every second and re-derives every figure from that document, so a
/// restarted or rebalanced service shows correct figures at the next poll; the inspector part calls
/// <c>/inspect/*</c> (<see cref="InspectorEndpoints"/>).
/// </summary>
public static class StatusPage
{
    private static readonly Lazy<byte[]> Html = new(Load);

    /// <summary>The page's bytes (UTF-8).</summary>
    public static ReadOnlyMemory<byte> Bytes => Html.Value;

    private static byte[] Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("TokenClean.StatusPage.html")
            ?? throw new InvalidOperationException("the status page resource is missing from the assembly (build error)");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
