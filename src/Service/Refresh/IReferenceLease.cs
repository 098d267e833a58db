using TokenClean.Scoring;

namespace TokenClean.Service.Refresh;

/// <summary>One batch's hold on a reference model; every output row of that batch records <see cref="Version"/>.</summary>
public interface IReferenceLease : IDisposable
{
    ITokenLossModel Model { get; }

    /// <summary>The checkpoint version that scored the batch (e.g. the checkpoint directory name).</summary>
    string Version { get; }
}
