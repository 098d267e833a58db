using Microsoft.Playwright;

namespace TokenClean.Service.Tests.Browser;

/// <summary>
/// The system's Chromium (Debian's <c>chromium</c> package; <c>./build.sh setup</c> installs it) driven by Playwright
/// through its executable path: no browser is ever downloaded. Where none is found, a test skips with the reason,
/// except on CI (<c>CI=true</c>), where a missing browser fails the test: CI's setup step must have installed it.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>The browser's executable: <c>TOKENCLEAN_CHROMIUM</c>, else the first of the usual paths that exists; null when none.</summary>
    public static string? Executable =>
        Environment.GetEnvironmentVariable("TOKENCLEAN_CHROMIUM") is { Length: > 0 } configured && File.Exists(configured)
            ? configured
            : Candidates.FirstOrDefault(File.Exists);

    /// <summary>Skips the test where no browser exists, fails it on CI; returns the executable.</summary>
    public static string Require()
    {
        if (Executable is { } path)
        {
            return path;
        }

        var reason = $"no Chromium found (looked at $TOKENCLEAN_CHROMIUM and {string.Join(", ", Candidates)}): apt-get install chromium, or ./build.sh setup";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("CI must run the browser tests: " + reason);
        }

        Skip.If(true, reason);
        return "";
    }

    /// <summary>Starts headless Chromium; dispose the result, then the Playwright instance.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var executable = Require();
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                // Root in a container has no user namespace for the sandbox; the page is our own.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Where screenshots go: <c>TOKENCLEAN_SCREENSHOTS</c> (the docs' images are made with it); null = none taken.</summary>
    public static string? ScreenshotDirectory => Environment.GetEnvironmentVariable("TOKENCLEAN_SCREENSHOTS") is { Length: > 0 } dir ? dir : null;
}
