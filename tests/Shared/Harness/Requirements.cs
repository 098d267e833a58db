using System.ComponentModel;

namespace TokenClean.Tests.Shared;

/// <summary>
/// Conditions some tests need from the machine, probed once. Each is null when met, else the reason it is not: the
/// reason becomes the test's skip message, so a test that cannot set up its condition shows as skipped, never as
/// passed.
/// </summary>
public static class Requirements
{
    private static readonly Lazy<string?> Immutable = new(ProbeImmutableAttribute);

    /// <summary>
    /// Null when <c>chattr +i</c> works on a directory under the test binaries (so even root gets EPERM creating
    /// entries in it); else why not: not root (CAP_LINUX_IMMUTABLE), chattr missing, or a file system without the
    /// attribute (tmpfs, overlayfs).
    /// </summary>
    public static string? ImmutableAttributeMissing => Immutable.Value;

    private static string? ProbeImmutableAttribute()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, ".probe-immutable-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var set = false;
        try
        {
            ProcessResult r;
            try
            {
                r = ChildProcess.Run("chattr", ["+i", dir]);
            }
            catch (Win32Exception)
            {
                return "chattr is not installed (Debian: e2fsprogs)";
            }

            if (r.ExitCode != 0)
            {
                return $"chattr +i failed on {Path.GetDirectoryName(dir)} (needs root and a file system with the immutable attribute): {r.Stderr.Trim()}";
            }

            set = true;
            try
            {
                File.WriteAllText(Path.Combine(dir, "probe"), "x");
                return "chattr +i succeeded but a file could still be created in the directory";
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return null;
            }
        }
        finally
        {
            if (set)
            {
                ChildProcess.TryRun("chattr", "-i", dir);
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // best effort
            }
        }
    }
}

/// <summary>A theory that is skipped, with the reason, where <see cref="Requirements.ImmutableAttributeMissing"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ImmutableAttributeTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> at discovery when the condition cannot be set up here.</summary>
    public ImmutableAttributeTheoryAttribute() => Skip = Requirements.ImmutableAttributeMissing;
}
