using TorchSharp;

namespace TokenClean.Scoring;

/// <summary>Element types of checkpoints and of the compute (the subset of torch's scalar types tokenclean uses).</summary>
public enum DType
{
    Float32 = 0,
    Float16 = 1,
    BFloat16 = 2,
    Int64 = 3,
    Int32 = 4,
    Bool = 5,
}

/// <summary>Sizes, names and the torch scalar type of each <see cref="DType"/>.</summary>
public static class DTypes
{
    public static int ElementSize(DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 => 2,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static torch.ScalarType ToScalarType(this DType dtype) => dtype switch
    {
        DType.Float32 => torch.ScalarType.Float32,
        DType.Float16 => torch.ScalarType.Float16,
        DType.BFloat16 => torch.ScalarType.BFloat16,
        DType.Int64 => torch.ScalarType.Int64,
        DType.Int32 => torch.ScalarType.Int32,
        DType.Bool => torch.ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The name the command line uses: fp32, bf16, fp16.</summary>
    public static string ShortName(this DType dtype) => dtype switch
    {
        DType.Float32 => "fp32",
        DType.BFloat16 => "bf16",
        DType.Float16 => "fp16",
        _ => dtype.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses fp32/float32, bf16/bfloat16, fp16/float16 (case-insensitive); null when unknown.</summary>
    public static DType? ParseCompute(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" or "f32" => DType.Float32,
        "bf16" or "bfloat16" => DType.BFloat16,
        "fp16" or "float16" or "f16" or "half" => DType.Float16,
        _ => null,
    };
}
