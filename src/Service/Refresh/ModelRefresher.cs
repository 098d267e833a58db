using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Refresh;

/// <summary>
/// Serves the newest valid reference checkpoint of a directory of versions, <c>&lt;root&gt;/&lt;version&gt;/</c>,
/// each complete once its marker file exists. A background task polls the root (and, when configured, reacts to
/// control-topic announcements), loads a newer version, validates it (<see cref="ReferenceValidator"/>) and swaps
/// it in; the scorer sees the swap at its next <see cref="Acquire()"/>. A refused version is logged with its reason,
/// shown in <see cref="Status"/>, and not tried again until its marker is written anew; the old model keeps serving.
/// </summary>
/// <remarks>
/// <see cref="Acquire()"/> is lock-free and may be called from any thread; it never waits for a load. Loading,
/// validation and logging of refusals happen on the refresher's own task; the Kafka consumer of the control topic
/// runs on a thread of its own and only posts announcements to that task. docs/REFRESH.md is the user's view.
/// </remarks>
public sealed partial class ModelRefresher : IReferenceModelProvider, IReferenceStatusSource, IDisposable, IAsyncDisposable
{
    private readonly RefreshOptions _options;
    private readonly ModelConfig _baseConfig;
    private readonly ILogger _logger;
    private readonly PipelineMetrics? _metrics;
    private readonly string _root;
    private readonly IReadOnlyList<string> _devices;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<VersionAnnouncement> _announcements = new();

    // Owned by the refresher's task (and by StartAsync before that task exists).
    private readonly Dictionary<string, (MarkerStamp? Stamp, string Reason)> _refused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _announced = new(StringComparer.Ordinal);
    private readonly HashSet<string> _incompleteSeen = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private ModelConfig? _currentConfig;

    private ReferenceHandle? _current;
    private RefreshStatus _status;
    private Task _loop = Task.CompletedTask;
    private Task _consumer = Task.CompletedTask;
    private long _checks;
    private long _loadAttempts;
    private int _disposed;

    private ModelRefresher(RefreshOptions options, ModelConfig baseConfig, ILogger? logger, PipelineMetrics? metrics)
    {
        _options = options;
        _baseConfig = baseConfig;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        _root = Path.GetFullPath(options.Root);
        _devices = options.Devices is { Count: > 0 } devices ? devices : [options.Device];
        _status = new RefreshStatus { Mode = "directory", Source = _root, CurrentVersion = "", CurrentPath = "", LoadedAt = default };
    }

    /// <inheritdoc />
    public RefreshStatus Status => Volatile.Read(ref _status);

    /// <summary>Looks at the location so far (polls and announcements), for tests.</summary>
    internal long Checks => Interlocked.Read(ref _checks);

    /// <summary>Candidate versions loaded so far (accepted or refused), for tests.</summary>
    internal long LoadAttempts => Interlocked.Read(ref _loadAttempts);

    /// <summary>
    /// Loads the newest usable version under <see cref="RefreshOptions.Root"/> and starts watching for newer ones.
    /// </summary>
    /// <param name="options">Where and how to watch.</param>
    /// <param name="baseConfig">The base model's config: every reference must share its architecture and vocabulary.</param>
    /// <param name="logger">Receives accepted versions (Information) and refusals (Warning).</param>
    /// <param name="metrics">Gets <see cref="PipelineMetrics.ReferenceRefreshed"/> for each version examined.</param>
    /// <param name="cancellationToken">Stops waiting for a first version.</param>
    /// <exception cref="CheckpointException">
    /// No usable version appeared within <see cref="RefreshOptions.StartupTimeout"/>; the message lists what was
    /// found and why each version was refused.
    /// </exception>
    public static async Task<ModelRefresher> StartAsync(RefreshOptions options, ModelConfig baseConfig, ILogger? logger = null, PipelineMetrics? metrics = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentException.ThrowIfNullOrEmpty(options.Root);
        ArgumentException.ThrowIfNullOrEmpty(options.MarkerFileName);
        if (options.PollInterval <= TimeSpan.Zero && options.PollInterval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PollInterval, "PollInterval must be positive or Timeout.InfiniteTimeSpan");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.StartupTimeout, TimeSpan.Zero);
        var refresher = new ModelRefresher(options, baseConfig, logger, metrics);
        try
        {
            await refresher.LoadFirstAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await refresher.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        refresher._loop = Task.Run(() => refresher.RunAsync(refresher._stop.Token), CancellationToken.None);
        if (options.ControlTopic is { } topic)
        {
            refresher._consumer = Task.Factory.StartNew(
                () => refresher.ConsumeControlTopic(topic, refresher._stop.Token),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        return refresher;
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The refresher was disposed.</exception>
    public IReferenceLease Acquire() => Acquire(0);

    /// <inheritdoc />
    public int DeviceCount => _devices.Count;

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The refresher was disposed.</exception>
    public IReferenceLease Acquire(int device)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(device, _devices.Count);
        while (true)
        {
            var handle = Volatile.Read(ref _current);
            ObjectDisposedException.ThrowIf(handle is null, this);
            if (handle.TryRetain())
            {
                return new ReferenceLease(handle, device);
            }

            // That version was replaced and its last lease ended between the read and the retain; the swap
            // published its successor before releasing it, so the next read sees the new one.
        }
    }

    /// <summary>Asks the background task to look at the location now instead of at the next poll.</summary>
    public void RequestCheck()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (ObjectDisposedException)
            {
                // Disposed between the check and the release: there is nothing left to wake.
            }
        }
    }

    /// <summary>Stops watching and drops the refresher's hold on the current model (disposed with its last lease).</summary>
    /// <remarks>Waits for a load in progress to finish.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loop, _consumer).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping is what was asked for.
        }

        Interlocked.Exchange(ref _current, null)?.Release();
        _stop.Dispose();
        _wake.Dispose();
    }

    /// <inheritdoc cref="DisposeAsync" />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task LoadFirstAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var interval = _options.PollInterval == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(1) : _options.PollInterval;
        var waitLogged = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await Task.Run(Check, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var left = _options.StartupTimeout - (DateTimeOffset.UtcNow - started);
            if (left <= TimeSpan.Zero)
            {
                var found = _notes.Count == 0 ? "nothing" : string.Join("; ", _notes);
                var waited = _options.StartupTimeout > TimeSpan.Zero ? $" after waiting {_options.StartupTimeout}" : "";
                throw new CheckpointException(
                    $"no usable reference checkpoint under {_root}{waited}: a version is a sub-directory holding config.json, "
                    + $"the safetensors weights and the marker file '{_options.MarkerFileName}' (written last). Found: {found}");
            }

            if (!waitLogged)
            {
                LogWaitingForFirst(_root, _options.MarkerFileName, _options.StartupTimeout);
                waitLogged = true;
            }

            await Task.Delay(left < interval ? left : interval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await _wake.WaitAsync(_options.PollInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                Check();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The loop must outlive any one bad look at the location (an unreachable share, a library fault).
                LogCheckFailed(e, _root);
            }
        }
    }
}
