using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Kernels;

/// <summary>
/// RMSNorm over the last dimension for fp32 scoring on the CPU: x · 1/√(mean(x²) + ε) · weight, one pass per row
/// (the sum of squares while the row is in L1, then the scaled row), where libtorch's square, mean, rsqrt and two
/// multiplications make four passes and three temporaries (3.0–4.3 against 1.3 ms for [4346, 512] on the bench VM).
/// </summary>
internal static unsafe class RmsNormKernel
{
    private const int RowsPerItem = 64;

    /// <summary>Whether the kernel computes this call: see <see cref="CpuKernels.Take"/>; x and weight dense.</summary>
    public static bool Applies(Tensor x, Tensor weight) =>
        CpuKernels.Take(x) && CpuKernels.Take(weight) && x.is_contiguous() && weight.is_contiguous()
        && weight.dim() == 1 && x.dim() >= 1 && weight.shape[0] == x.shape[^1];

    /// <summary>A new tensor shaped like <paramref name="x"/>: each last-dimension row normalised and weighted.</summary>
    public static Tensor Normalize(Tensor x, Tensor weight, double eps)
    {
        var width = (int)x.shape[^1];
        var rows = width == 0 ? 0 : x.numel() / width;
        var y = empty_like(x);
        if (rows == 0)
        {
            return y;
        }

        IntPtr xs = (IntPtr)TensorMemory.Floats(x), ys = (IntPtr)TensorMemory.Floats(y), ws = (IntPtr)TensorMemory.Floats(weight);
        var e = (float)eps;
        KernelThreads.For(CpuKernels.Items(rows, RowsPerItem), CpuKernels.Threads, (item, _) =>
        {
            var end = Math.Min(rows, (item + 1L) * RowsPerItem);
            for (var r = item * (long)RowsPerItem; r < end; r++)
            {
                Row((float*)xs + (r * width), (float*)ys + (r * width), (float*)ws, width, e);
            }
        });
        GC.KeepAlive(x);
        GC.KeepAlive(weight);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(float* x, float* y, float* w, int n, float eps)
    {
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0;
        var j = 0;
        for (; j + 16 <= n; j += 16)
        {
            var a = Vector256.Load(x + j);
            var b = Vector256.Load(x + j + 8);
            s0 = Vector256.FusedMultiplyAdd(a, a, s0);
            s1 = Vector256.FusedMultiplyAdd(b, b, s1);
        }

        var squares = Vector256.Sum(s0 + s1);
        for (; j < n; j++)
        {
            squares += x[j] * x[j];
        }

        var inverse = 1f / MathF.Sqrt((squares / n) + eps);
        var iv = Vector256.Create(inverse);
        j = 0;
        for (; j + 8 <= n; j += 8)
        {
            (Vector256.Load(x + j) * iv * Vector256.Load(w + j)).Store(y + j);
        }

        for (; j < n; j++)
        {
            y[j] = x[j] * inverse * w[j];
        }
    }
}
