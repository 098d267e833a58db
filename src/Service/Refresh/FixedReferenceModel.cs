using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Refresh;

/// <summary>
/// A reference that never changes: the paper's fixed-model cleaning. Leases are still counted, so disposing the
/// provider while batches run frees the model only after the last of them ends.
/// </summary>
public sealed class FixedReferenceModel : IReferenceModelProvider, IReferenceStatusSource, IDisposable
{
    private ReferenceHandle? _handle;
    private readonly RefreshStatus _status;

    /// <summary>Serves <paramref name="model"/> (owned: disposed with the last lease after <see cref="Dispose"/>).</summary>
    /// <param name="model">The reference model.</param>
    /// <param name="path">Where it came from, for /status.</param>
    public FixedReferenceModel(ITokenLossModel model, string? path = null)
        : this([model ?? throw new ArgumentNullException(nameof(model))], path)
    {
    }

    /// <summary>Serves one reference copied onto several scorer devices: <paramref name="models"/>[i] is device i's (all owned).</summary>
    /// <param name="models">The same checkpoint, one copy per device.</param>
    /// <param name="path">Where it came from, for /status.</param>
    public FixedReferenceModel(IReadOnlyList<ITokenLossModel> models, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfZero(models.Count);
        var model = models[0];
        var loadedAt = DateTimeOffset.UtcNow;
        _handle = new ReferenceHandle(models, model.Version, path ?? "", loadedAt);
        _status = new RefreshStatus
        {
            Mode = "fixed",
            Source = path ?? "",
            CurrentVersion = model.Version,
            CurrentPath = path ?? "",
            LoadedAt = loadedAt,
        };
    }

    /// <inheritdoc />
    public RefreshStatus Status => _status;

    /// <summary>
    /// Loads the checkpoint in <paramref name="directory"/> and validates it like a refreshed one (architecture and
    /// vocabulary of <paramref name="baseConfig"/> when given, finite probe losses). Throws
    /// <see cref="CheckpointException"/> with the reason when it is unusable.
    /// </summary>
    public static FixedReferenceModel Load(string directory, ModelConfig? baseConfig, string device = "cpu", DType dtype = DType.Float32, ScoringOptions? options = null, string? version = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return new FixedReferenceModel(LoadValidated(directory, baseConfig, device, dtype, options, version), Path.GetFullPath(directory));
    }

    /// <summary>
    /// Loads the checkpoint in <paramref name="directory"/> once per scorer device and validates each copy like
    /// <see cref="Load(string, ModelConfig?, string, DType, ScoringOptions?, string?)"/> does.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint is unusable (on one of the devices).</exception>
    public static FixedReferenceModel LoadOnDevices(string directory, ModelConfig? baseConfig, IReadOnlyList<string> devices, DType dtype = DType.Float32, ScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentOutOfRangeException.ThrowIfZero(devices.Count);
        if (devices.Count == 1)
        {
            return Load(directory, baseConfig, devices[0], dtype, options);
        }

        var models = new List<ITokenLossModel>(devices.Count);
        try
        {
            foreach (var device in devices)
            {
                models.Add(LoadValidated(directory, baseConfig, device, dtype, options, null));
            }

            return new FixedReferenceModel(models, Path.GetFullPath(directory));
        }
        catch
        {
            foreach (var m in models)
            {
                m.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public int DeviceCount => Volatile.Read(ref _handle)?.Models.Count ?? 1;

    /// <inheritdoc />
    public IReferenceLease Acquire() => Acquire(0);

    /// <inheritdoc />
    public IReferenceLease Acquire(int device)
    {
        var handle = Volatile.Read(ref _handle);
        if (handle is null || !handle.TryRetain())
        {
            throw new ObjectDisposedException(nameof(FixedReferenceModel));
        }

        try
        {
            return new ReferenceLease(handle, device);
        }
        catch
        {
            handle.Release();
            throw;
        }
    }

    private static CausalLm LoadValidated(string directory, ModelConfig? baseConfig, string device, DType dtype, ScoringOptions? options, string? version)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (baseConfig is not null && ReferenceValidator.CheckAgainstBase(ModelConfig.Load(directory), baseConfig) is { } mismatch)
        {
            throw new CheckpointException($"{directory}: reference {mismatch}");
        }

        var model = CausalLm.Load(directory, device, dtype, options, version);
        try
        {
            if (ReferenceValidator.Probe(model, null, out _) is { } reason)
            {
                throw new CheckpointException($"{directory}: {reason}");
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Drops the provider's own hold; the model is disposed now or when the last lease ends.</summary>
    public void Dispose() => Interlocked.Exchange(ref _handle, null)?.Release();
}
