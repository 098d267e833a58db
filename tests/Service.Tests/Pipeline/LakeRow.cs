namespace TokenClean.Service.Tests.Pipeline;

/// <summary>One output row as Arrow JS read it.</summary>
internal sealed record LakeRow(string SampleId, int Partition, long Offset, int[]? Labels, float[]? Influence);
