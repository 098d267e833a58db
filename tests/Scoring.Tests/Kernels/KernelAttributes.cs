using TokenClean.Scoring.Kernels;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>A fact that shows as skipped where the CPU lacks AVX2 or FMA (the kernel is not used there).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (!CpuKernels.Supported)
        {
            Skip = "this CPU has no AVX2/FMA: the C# kernels are not used here";
        }
    }
}

/// <summary>A theory that shows as skipped where the CPU lacks AVX2 or FMA.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (!CpuKernels.Supported)
        {
            Skip = "this CPU has no AVX2/FMA: the C# kernels are not used here";
        }
    }
}
