namespace TokenClean.Service.Pipeline;

/// <summary>The exit code of a <c>serve</c> run: 0 unless a fatal error stopped it (then 1).</summary>
internal sealed class ServeExit
{
#pragma warning disable CA1051 // a field, so that Interlocked can set it once
    public int Code;
#pragma warning restore CA1051
}
