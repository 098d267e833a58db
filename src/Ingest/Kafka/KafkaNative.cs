using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace TokenClean.Ingest.Kafka;

/// <summary>
/// Loads the librdkafka of the <c>librdkafka.redist</c> package once per process and resolves every rdkafka library
/// name to that one file: the names Confluent.Kafka imports (<c>librdkafka</c>, <c>centos8-librdkafka</c>,
/// <c>alpine-librdkafka</c>) and <see cref="LibraryName"/>, which this assembly imports for the mock-cluster API.
/// Call <see cref="EnsureLoaded"/> before creating any Kafka handle (a producer, consumer or mock cluster).
/// </summary>
/// <remarks>
/// <para>Why not .NET's own probing: on Debian 12 x64 the package's default <c>linux-x64/native/librdkafka.so</c> cannot
/// load (it needs <c>libsasl2.so.3</c>, which Debian 12 lacks), and the runtime then silently goes on to the system's
/// library paths, where a distribution's older librdkafka may be installed; a process could even end up with two
/// different librdkafka builds (Confluent's calls in one, the mock API in the other).</para>
/// <para>The file is chosen per platform from the package's native assets (next to the application, or under
/// <c>runtimes/&lt;rid&gt;/native/</c>): Linux x64 with glibc tries the default build and then the CentOS 8 build
/// (needs only glibc 2.28); musl Linux uses the Alpine build; macOS and Windows the one file there is. The
/// environment variable <see cref="OverrideVariable"/> names a library file to use instead. Nothing else is tried: if
/// no candidate loads, <see cref="EnsureLoaded"/> throws with each file's loader error.</para>
/// </remarks>
public static partial class KafkaNative
{
    /// <summary>The library name this project's own P/Invokes use; resolved to the same file as Confluent's.</summary>
    public const string LibraryName = "librdkafka";

    /// <summary>Environment variable naming a librdkafka file to load instead of the package's.</summary>
    public const string OverrideVariable = "TOKENCLEAN_LIBRDKAFKA";

    /// <summary>The oldest librdkafka this project is built and tested against (2.16.0, as <c>rd_kafka_version()</c> encodes it).</summary>
    public const int MinimumVersion = 0x02100000;

    private static readonly Lock Gate = new();
    private static readonly HashSet<Assembly> ResolvedAssemblies = [];
    private static IntPtr _handle;
    private static string? _path;
    private static ExceptionDispatchInfo? _failure;

    /// <summary>The full path of the librdkafka file in use; null before <see cref="EnsureLoaded"/>.</summary>
    public static string? LoadedPath => Volatile.Read(ref _path);

    /// <summary>
    /// The version of the loaded file as reported by this assembly's own call of <c>rd_kafka_version()</c> (the
    /// same encoding as <see cref="Library.Version"/>); both must agree.
    /// </summary>
    public static int NativeVersion
    {
        get
        {
            EnsureLoaded();
            return rd_kafka_version();
        }
    }

    /// <summary>Whether the loaded file exports <paramref name="symbol"/> (e.g. a <c>rd_kafka_mock_*</c> function).</summary>
    public static bool Exports(string symbol)
    {
        EnsureLoaded();
        return NativeLibrary.TryGetExport(_handle, symbol, out _);
    }

    /// <summary>
    /// Loads librdkafka once per process (later calls return at once) and initialises Confluent.Kafka on it.
    /// Throws <see cref="DllNotFoundException"/> naming every file tried and why it failed.
    /// </summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref _path) is not null)
        {
            return;
        }

        lock (Gate)
        {
            if (_path is not null)
            {
                return;
            }

            // A failed load is final for the process (the resolvers can be set only once): report it again.
            _failure?.Throw();
            try
            {
                Volatile.Write(ref _path, LoadOnce());
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or EntryPointNotFoundException)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                throw;
            }
        }
    }

    /// <summary>
    /// Loads librdkafka (<see cref="EnsureLoaded"/>) and resolves the <c>librdkafka</c> P/Invokes of
    /// <paramref name="assembly"/> to the same file, so that another assembly's direct calls (the embedded mock
    /// cluster's) reach the library Confluent.Kafka runs on. Once per assembly; later calls do nothing.
    /// </summary>
    public static void ResolveImportsOf(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        EnsureLoaded();
        lock (Gate)
        {
            if (ResolvedAssemblies.Add(assembly))
            {
                NativeLibrary.SetDllImportResolver(assembly, Resolve);
            }
        }
    }

    private static string LoadOnce()
    {
        var (path, handle) = Load();
        _handle = handle;
        NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, Resolve);
        NativeLibrary.SetDllImportResolver(typeof(KafkaNative).Assembly, Resolve);
        ResolvedAssemblies.Add(typeof(Library).Assembly);
        ResolvedAssemblies.Add(typeof(KafkaNative).Assembly);
        // Initialises Confluent.Kafka through the resolver. If a Kafka client was created before (Confluent then
        // probed by itself, possibly into a system librdkafka), it is initialised already and the check below fails.
        Library.Load();
        var ours = rd_kafka_version();
        if (Library.Version != ours)
        {
            throw new InvalidOperationException(
                $"Confluent.Kafka runs librdkafka {Library.VersionString} (0x{Library.Version:x8}) but {path} is 0x{ours:x8}: " +
                "two different librdkafka libraries are in this process (was a Kafka client created before KafkaNative.EnsureLoaded?)");
        }

        if (ours < MinimumVersion)
        {
            throw new DllNotFoundException(
                $"{path} is librdkafka {Library.VersionString}; tokenclean needs 2.16.0 or newer" +
                (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } ? $" (chosen by {OverrideVariable})" : string.Empty));
        }

        return path;
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.Contains("rdkafka", StringComparison.OrdinalIgnoreCase) ? _handle : IntPtr.Zero;

    private static (string Path, IntPtr Handle) Load()
    {
        var overridePath = Environment.GetEnvironmentVariable(OverrideVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            try
            {
                return (Path.GetFullPath(overridePath), NativeLibrary.Load(overridePath));
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException($"{OverrideVariable}={overridePath} does not load: {e.Message}", e);
            }
        }

        var failures = new List<string>();
        foreach (var file in CandidateFiles())
        {
            var found = SearchDirectories().Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
            if (found is null)
            {
                failures.Add(file + ": not found");
                continue;
            }

            try
            {
                return (Path.GetFullPath(found), NativeLibrary.Load(found));
            }
            catch (DllNotFoundException e)
            {
                failures.Add(found + ": " + e.Message);
            }
        }

        throw new DllNotFoundException(
            $"no librdkafka of the librdkafka.redist package loads on {RuntimeInformation.RuntimeIdentifier} (" +
            string.Join("; ", failures) + $"; searched {string.Join(", ", SearchDirectories())}). " +
            $"Rebuild or republish the application, or set {OverrideVariable} to a librdkafka 2.16+ file.");
    }

    /// <summary>The package's file names for this platform, best first.</summary>
    internal static IReadOnlyList<string> CandidateFiles()
    {
        if (OperatingSystem.IsWindows())
        {
            return ["librdkafka.dll"];
        }

        if (OperatingSystem.IsMacOS())
        {
            return ["librdkafka.dylib"];
        }

        if (RuntimeInformation.RuntimeIdentifier.StartsWith("linux-musl", StringComparison.Ordinal))
        {
            return ["alpine-librdkafka.so"];
        }

        // The default build links libsasl2.so.3 (GSSAPI); where that is missing (Debian 12) the CentOS 8 build,
        // which needs only glibc 2.28, is next. Other architectures have one glibc build.
        return RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? ["librdkafka.so", "centos8-librdkafka.so"]
            : ["librdkafka.so"];
    }

    /// <summary>
    /// Where the package's native files are: the directories the host resolved native assets to (build output:
    /// <c>runtimes/&lt;rid&gt;/native/</c>; a RID-specific publish: the application folder), then those two places
    /// under the application folder.
    /// </summary>
    private static IEnumerable<string> SearchDirectories()
    {
        var fromHost = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var rid = $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-" +
                  RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var app = AppContext.BaseDirectory;
        return fromHost
            .Append(Path.Combine(app, "runtimes", rid, "native"))
            .Append(app)
            .Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)))
            .Distinct(StringComparer.Ordinal);
    }

    [LibraryImport(LibraryName)]
    private static partial int rd_kafka_version();
}
