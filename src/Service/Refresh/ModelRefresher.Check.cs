using System.Diagnostics;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Refresh;

/// <summary>One look at the location: find newer complete versions, load and validate the newest, swap it in.</summary>
public sealed partial class ModelRefresher
{
    /// <summary>Runs on the refresher's task only. True when a version was swapped in.</summary>
    private bool Check()
    {
        Interlocked.Increment(ref _checks);
        _notes.Clear();
        while (_announcements.TryDequeue(out var a))
        {
            _announced[a.Version] = a.Path;
        }

        var candidates = ListCandidates();
        var versions = new List<string>(candidates.Keys);
        versions.Sort((a, b) => CheckpointVersionComparer.Instance.Compare(b, a)); // newest first
        var current = Volatile.Read(ref _current)?.Version;
        var swapped = false;
        foreach (var version in versions)
        {
            if (current is not null && CheckpointVersionComparer.Instance.Compare(version, current) <= 0)
            {
                break; // never go backwards; everything after this one is older still
            }

            if (_stop.IsCancellationRequested)
            {
                break;
            }

            var (path, announced) = candidates[version];
            var stamp = MarkerStamp.Read(path, _options.MarkerFileName);
            if (stamp is null)
            {
                _notes.Add($"{version}: no {_options.MarkerFileName} marker yet");
                if (announced && !_refused.ContainsKey(version))
                {
                    Refuse(version, path, null, $"announced, but {Path.Combine(path, _options.MarkerFileName)} does not exist (a checkpoint is complete only once the trainer writes its marker, last); it is loaded when the marker appears");
                }
                else if (_incompleteSeen.Add(version))
                {
                    LogIncomplete(version, path, _options.MarkerFileName);
                }

                continue;
            }

            if (_refused.TryGetValue(version, out var refused) && refused.Stamp == stamp)
            {
                _notes.Add($"{version}: refused: {refused.Reason}");
                continue;
            }

            if (TryLoad(version, path, stamp.Value))
            {
                swapped = true;
                break;
            }
        }

        var status = Volatile.Read(ref _status);
        Volatile.Write(ref _status, status with { LastCheckAt = DateTimeOffset.UtcNow });
        return swapped;
    }

    /// <summary>Complete or not, every version the root lists or an announcement named; announcements win on a name clash.</summary>
    private Dictionary<string, (string Path, bool Announced)> ListCandidates()
    {
        var candidates = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(_root))
            {
                var name = Path.GetFileName(dir);
                if (name.Length > 0 && name[0] != '.') // hidden: a trainer's temporary directory, renamed when done
                {
                    candidates[name] = (dir, false);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            _notes.Add($"the directory {_root} does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _notes.Add($"{_root} cannot be listed: {e.Message}");
            LogListFailed(_root, e.Message);
        }

        foreach (var (version, path) in _announced)
        {
            candidates[version] = (path, true);
        }

        return candidates;
    }

    private bool TryLoad(string version, string path, MarkerStamp stamp)
    {
        Interlocked.Increment(ref _loadAttempts);
        var status = Volatile.Read(ref _status);
        Volatile.Write(ref _status, status with { Loading = version });
        var clock = Stopwatch.StartNew();
        var models = new List<CausalLm>(_devices.Count);
        string? reason = null;
        var meanLoss = double.NaN;
        try
        {
            var config = ModelConfig.Load(path);
            reason = ReferenceValidator.CheckAgainstBase(config, _baseConfig)
                ?? (_currentConfig is { } currentConfig ? ReferenceValidator.CheckAgainstCurrent(config, currentConfig) : null);

            // One copy per scorer device, each probed there: a version is swapped in on all devices or on none.
            for (var d = 0; d < _devices.Count && reason is null; d++)
            {
                models.Add(CausalLm.Load(path, _devices[d], _options.DType, _options.ScoringOptions, version));
                reason = ReferenceValidator.Probe(models[d], _options.ProbeSequences, out var loss);
                if (reason is not null && _devices.Count > 1)
                {
                    reason = $"on device {_devices[d]}: {reason}";
                }

                meanLoss = d == 0 ? loss : meanLoss;
            }
        }
        catch (CheckpointException e)
        {
            reason = e.Message;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A native failure (out of device memory, a libtorch error) refuses this version, not the service.
            reason = $"{e.GetType().Name}: {e.Message}";
        }

        if (reason is null && MarkerStamp.Read(path, _options.MarkerFileName) != stamp)
        {
            // The trainer re-published the version while it was being read: what was loaded may be a mix.
            DisposeAll(models);
            SetLoading(null);
            LogChangedWhileLoading(version, path);
            return false;
        }

        if (reason is not null)
        {
            DisposeAll(models);
            SetLoading(null);
            Refuse(version, path, stamp, reason);
            return false;
        }

        Swap(models, version, path, meanLoss, clock.Elapsed);
        return true;
    }

    private static void DisposeAll(List<CausalLm> models)
    {
        foreach (var model in models)
        {
            model.Dispose();
        }
    }

    private void Swap(List<CausalLm> models, string version, string path, double meanLoss, TimeSpan took)
    {
        var now = DateTimeOffset.UtcNow;
        var next = new ReferenceHandle(models.ToArray(), version, path, now);
        _currentConfig = models[0].Config;

        // Publish the successor before releasing the predecessor: Acquire relies on that order.
        var previous = Interlocked.Exchange(ref _current, next);
        previous?.Release();
        var status = Volatile.Read(ref _status);
        Volatile.Write(ref _status, status with
        {
            CurrentVersion = version,
            CurrentPath = path,
            LoadedAt = now,
            RefreshCount = previous is null ? status.RefreshCount : status.RefreshCount + 1,
            Loading = null,
        });
        Forget(version);
        _metrics?.ReferenceRefreshed(version, accepted: true);
        LogAccepted(version, previous?.Version ?? "(none)", path, meanLoss, (long)took.TotalMilliseconds);
    }

    /// <summary>Drops what is remembered about versions at or below <paramref name="current"/>: they can never be served again.</summary>
    private void Forget(string current)
    {
        var known = new List<string>(_refused.Keys);
        known.AddRange(_announced.Keys);
        known.AddRange(_incompleteSeen);
        foreach (var version in known)
        {
            if (CheckpointVersionComparer.Instance.Compare(version, current) <= 0)
            {
                _refused.Remove(version);
                _announced.Remove(version);
                _incompleteSeen.Remove(version);
            }
        }
    }

    private void Refuse(string version, string path, MarkerStamp? stamp, string reason)
    {
        _refused[version] = (stamp, reason);
        _notes.Add($"{version}: refused: {reason}");
        var refusal = new RefreshRefusal(version, path, reason, DateTimeOffset.UtcNow);
        // Logged before the status shows it: whoever sees the refusal on /status finds its reason in the log.
        LogRefused(version, Volatile.Read(ref _current)?.Version ?? "(none)", path, reason);
        var status = Volatile.Read(ref _status);
        Volatile.Write(ref _status, status with { RefusedCount = status.RefusedCount + 1, LastRefusal = refusal });
        _metrics?.ReferenceRefreshed(version, accepted: false, reason);
    }

    private void SetLoading(string? version)
    {
        var status = Volatile.Read(ref _status);
        Volatile.Write(ref _status, status with { Loading = version });
    }
}
