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

/// <summary>A fact that shows as skipped where bf16 products do not go through fp32 (bf16 units, or switched off).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class Bf16ProductsFactAttribute : FactAttribute
{
    public Bf16ProductsFactAttribute()
    {
        if (!Bf16Products.Enabled)
        {
            Skip = "bf16 products run on libtorch here (the CPU has bf16 units, or TOKENCLEAN_CPU_KERNELS=off)";
        }
    }
}

/// <summary>A fact that needs both: bf16 through fp32 (<see cref="Bf16Products"/>) and the C# kernels (AVX2/FMA).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class Bf16KernelFactAttribute : FactAttribute
{
    public Bf16KernelFactAttribute()
    {
        if (!Bf16Products.Enabled || !CpuKernels.Enabled)
        {
            Skip = "bf16 does not go widened to the C# kernels here (bf16 units, no AVX2/FMA, or TOKENCLEAN_CPU_KERNELS=off)";
        }
    }
}
