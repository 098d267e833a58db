using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Kernels;

/// <summary>
/// Rotary position embedding in HF's rotate-half layout for fp32 scoring on the CPU, in one pass:
/// first half x₁ cos − x₂ sin, second half x₂ cos + x₁ sin, where libtorch's mul and two addcmul make three passes
/// (3.1–3.9 against 1.3–1.4 ms for q [4346, 8, 64] on the bench VM). x may be a strided view (rows and heads
/// strided, the head dimension dense), as q and k are when they come out of one projection.
/// </summary>
internal static unsafe class RotaryKernel
{
    private const int RowsPerItem = 64;

    /// <summary>x [rows, heads, d] with a dense last dimension; cos, sin dense [rows, 1, d]; d even.</summary>
    public static bool Applies(Tensor x, Tensor cos, Tensor sin) =>
        CpuKernels.Take(x) && CpuKernels.Take(cos) && CpuKernels.Take(sin)
        && x.dim() == 3 && x.stride(2) == 1 && x.shape[2] % 2 == 0
        && cos.is_contiguous() && sin.is_contiguous()
        && cos.shape.SequenceEqual([x.shape[0], 1, x.shape[2]]) && sin.shape.SequenceEqual(cos.shape);

    /// <summary>A new dense [rows, heads, d] tensor: <paramref name="x"/> rotated by its row's cos and sin.</summary>
    public static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        long rows = x.shape[0], rowStride = x.stride(0), headStride = x.stride(1);
        int heads = (int)x.shape[1], d = (int)x.shape[2];
        var y = empty(rows, heads, d, ScalarType.Float32);
        if (rows == 0 || heads == 0 || d == 0)
        {
            return y;
        }

        IntPtr xs = (IntPtr)TensorMemory.Floats(x), ys = (IntPtr)TensorMemory.Floats(y);
        IntPtr cs = (IntPtr)TensorMemory.Floats(cos), ss = (IntPtr)TensorMemory.Floats(sin);
        KernelThreads.For(CpuKernels.Items(rows, RowsPerItem), CpuKernels.Threads, (item, _) =>
        {
            var end = Math.Min(rows, (item + 1L) * RowsPerItem);
            for (var r = item * (long)RowsPerItem; r < end; r++)
            {
                for (var h = 0; h < heads; h++)
                {
                    Head((float*)xs + (r * rowStride) + (h * headStride), (float*)ys + (((r * heads) + h) * d),
                        (float*)cs + (r * d), (float*)ss + (r * d), d / 2);
                }
            }
        });
        GC.KeepAlive(x);
        GC.KeepAlive(cos);
        GC.KeepAlive(sin);
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Head(float* x, float* y, float* cos, float* sin, int half)
    {
        var j = 0;
        for (; j + 8 <= half; j += 8)
        {
            var x1 = Vector256.Load(x + j);
            var x2 = Vector256.Load(x + half + j);
            ((x1 * Vector256.Load(cos + j)) - (x2 * Vector256.Load(sin + j))).Store(y + j);
            ((x2 * Vector256.Load(cos + half + j)) + (x1 * Vector256.Load(sin + half + j))).Store(y + half + j);
        }

        for (; j < half; j++)
        {
            float x1 = x[j], x2 = x[half + j];
            y[j] = (x1 * cos[j]) - (x2 * sin[j]);
            y[half + j] = (x2 * cos[half + j]) + (x1 * sin[half + j]);
        }
    }
}
