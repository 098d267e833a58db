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
    {
        ArgumentNullException.ThrowIfNull(model);
        var loadedAt = DateTimeOffset.UtcNow;
        _handle = new ReferenceHandle(model, model.Version, path ?? "", loadedAt);
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

            return new FixedReferenceModel(model, Path.GetFullPath(directory));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public IReferenceLease Acquire()
    {
        var handle = Volatile.Read(ref _handle);
        if (handle is null || !handle.TryRetain())
        {
            throw new ObjectDisposedException(nameof(FixedReferenceModel));
        }

        return new ReferenceLease(handle);
    }

    /// <summary>Drops the provider's own hold; the model is disposed now or when the last lease ends.</summary>
    public void Dispose() => Interlocked.Exchange(ref _handle, null)?.Release();
}
