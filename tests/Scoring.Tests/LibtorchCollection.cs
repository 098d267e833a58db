namespace TokenClean.Scoring.Tests;

/// <summary>Tests that assert <see cref="Torch.LiveTensors"/> deltas run one at a time.</summary>
[CollectionDefinition("libtorch", DisableParallelization = true)]
public sealed class LibtorchCollection
{
}
