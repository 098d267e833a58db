using Microsoft.Playwright;

namespace TokenClean.Service.Tests.Browser;

/// <summary>Collects a page's console errors and uncaught exceptions from the moment it is attached.</summary>
internal sealed class ConsoleErrors
{
    private readonly List<string> _errors = [];

    public ConsoleErrors(IPage page)
    {
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add("console: " + message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add("exception: " + error);
            }
        };
    }

    /// <summary>Fails when an error was logged, except those containing one of <paramref name="expected"/>.</summary>
    public void AssertNone(params string[] expected)
    {
        lock (_errors)
        {
            var unexpected = _errors.Where(e => !expected.Any(x => e.Contains(x, StringComparison.Ordinal))).ToList();
            Assert.True(unexpected.Count == 0, "the page logged errors:\n" + string.Join("\n", unexpected));
        }
    }
}
