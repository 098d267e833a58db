using System.Text;
using TokenClean.Cli;

namespace TokenClean.Service.Tests.Browser;

/// <summary>
/// <c>tokenclean demo --http</c> running in this process: the real serve pipeline on the embedded Kafka cluster,
/// models made on the spot, a lake with per-token losses, and the status page kept up after the stream ended.
/// Shared by the tests of one class; disposing stops it the way Ctrl-C does.
/// </summary>
public sealed class DemoService : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly SyncWriter _output = new();
    private int _exit = -1;

    public DemoService()
    {
        Directory = Path.Combine(Path.GetTempPath(), "tc-demo-page-" + Guid.NewGuid().ToString("N")[..12]);
        _thread = new Thread(() => _exit = DemoCommand.Run(DemoWorlds.Bundled, null, new DirectoryInfo(Directory), "http://127.0.0.1:0", _output, _stop.Token))
        {
            Name = "demo under test",
        };
        _thread.Start();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(150);
        while (!_output.Text.Contains("the status page stays up at ", StringComparison.Ordinal))
        {
            if (!_thread.IsAlive || DateTime.UtcNow > until)
            {
                throw new InvalidOperationException($"the demo did not reach its summary (exit {_exit}):\n{_output.Text}");
            }

            Thread.Sleep(100);
        }

        var text = _output.Text;
        var at = text.IndexOf("the status page stays up at ", StringComparison.Ordinal) + "the status page stays up at ".Length;
        Url = new Uri(text[at..text.IndexOf(' ', at)]);
    }

    /// <summary>The demo's --out folder (models/ and lake/).</summary>
    public string Directory { get; }

    /// <summary>The status page.</summary>
    public Uri Url { get; }

    /// <summary>What the demo printed.</summary>
    public string Output => _output.Text;

    public string Lake => Path.Combine(Directory, "lake");

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(60));
        _stop.Dispose();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private sealed class SyncWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }
    }
}
