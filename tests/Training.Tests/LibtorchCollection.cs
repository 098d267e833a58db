namespace TokenClean.Training.Tests;

/// <summary>Training tests share libtorch's threads and the live-tensor counters: they run one at a time.</summary>
[CollectionDefinition("libtorch", DisableParallelization = true)]
public sealed class LibtorchCollection
{
}
