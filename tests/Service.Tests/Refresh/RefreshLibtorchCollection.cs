namespace TokenClean.Service.Tests.Refresh;

/// <summary>Tests that load libtorch models or assert <see cref="Scoring.Torch.ModelTensors"/> deltas run one at a time.</summary>
[CollectionDefinition("libtorch", DisableParallelization = true)]
public sealed class RefreshLibtorchCollection
{
}
