using System.Runtime.InteropServices;

namespace TokenClean.Scoring;

/// <summary>
/// libtorch's OpenMP workers (GNU libgomp) spin for a while after each parallel region when OMP_WAIT_POLICY is
/// unset, and that spinning takes cores from the .NET threads that run between libtorch ops (tokenizers, Kafka,
/// the pipeline). PASSIVE makes them sleep at once. Measured on the 2-core bench VM while C# attention and loss
/// kernels (since removed, docs/BENCHMARKS.md "Fourth look") also ran: scoring calls 12.40 against 12.60 s and
/// 12.39 against 12.46 s, alternating. It must be in the native environment before libtorch loads (libgomp reads it
/// once, as it loads), and a value the user set is kept. Environment.SetEnvironmentVariable would not do: on Unix
/// .NET changes only its own copy of the environment.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE for libgomp unless the process was started with a value.</summary>
    public static void PreferPassive()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null)
        {
            return;
        }

        try
        {
            _ = SetEnv(Variable, "PASSIVE", overwrite: 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc: leave OpenMP's default
        }
    }

    /// <summary>The value libgomp will read (the native environment, not .NET's copy).</summary>
    public static string? Native() => Marshal.PtrToStringUTF8(GetEnv(Variable));

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnv(string name);
}
