namespace TokenClean.Scoring;

/// <summary>Element types; the numeric codes are shared with the native shim.</summary>
public enum DType
{
    Float32 = 0,
    Float16 = 1,
    BFloat16 = 2,
    Int64 = 3,
    Int32 = 4,
    Bool = 5,
}
