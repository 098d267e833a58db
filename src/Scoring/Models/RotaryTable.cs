using TokenClean.Scoring.Kernels;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Models;

/// <summary>
/// cos/sin tables of rotary position embeddings (HF's rotate-half layout: the frequencies repeated twice), computed
/// in float32 on the host as HF does, cached on the device in the compute dtype, grown on demand.
/// </summary>
internal sealed class RotaryTable : IDisposable
{
    private readonly float[] _invFreq;
    private readonly int _headDim;
    private readonly ScalarType _dtype;
    private readonly Device _device;
    private readonly Lock _gate = new();
    private Tensor? _cos;
    private Tensor? _sin;
    private int _length;

    public RotaryTable(ModelConfig config, DType dtype, string device)
    {
        _headDim = config.HeadDim;
        _dtype = dtype.ToScalarType();
        _device = Torch.ToDevice(device);
        _invFreq = InverseFrequencies(config);
    }

    /// <summary>HF's inverse frequencies, with linear or llama3 scaling applied.</summary>
    public static float[] InverseFrequencies(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dim = config.HeadDim;
        var inv = new float[dim / 2];
        for (var i = 0; i < inv.Length; i++)
        {
            // HF computes base ** (arange(0, dim, 2).float() / dim) in float32.
            var exponent = (float)(2 * i) / dim;
            inv[i] = 1.0f / (float)Math.Pow(config.RopeTheta, exponent);
        }

        if (config.RopeType == "linear")
        {
            for (var i = 0; i < inv.Length; i++)
            {
                inv[i] = (float)(inv[i] / config.RopeFactor);
            }
        }
        else if (config.RopeType == "llama3")
        {
            double factor = config.RopeFactor, low = config.RopeLowFreqFactor, high = config.RopeHighFreqFactor;
            double old = config.RopeOriginalMaxPositions;
            double lowWavelen = old / low, highWavelen = old / high;
            for (var i = 0; i < inv.Length; i++)
            {
                double f = inv[i];
                var wavelen = 2 * Math.PI / f;
                var scaled = wavelen > lowWavelen ? f / factor : f;
                if (!(wavelen < highWavelen) && !(wavelen > lowWavelen))
                {
                    var smooth = ((old / wavelen) - low) / (high - low);
                    scaled = ((1 - smooth) * scaled / factor) + (smooth * scaled);
                }

                inv[i] = (float)scaled;
            }
        }

        return inv;
    }

    /// <summary>cos and sin [rows, 1, head_dim] at int64 <paramref name="positions"/> [rows] (in the caller's scope).</summary>
    public (Tensor Cos, Tensor Sin) At(Tensor positions, int maxPosition)
    {
        var (cos, sin) = Grow(maxPosition + 1);
        return (cos.index_select(0, positions).unsqueeze(1), sin.index_select(0, positions).unsqueeze(1));
    }

    /// <summary>HF's apply_rotary_pos_emb for one of q, k [rows, heads, head_dim]: x cos + rotate_half(x) sin.</summary>
    /// <remarks>
    /// Written per half, without materialising rotate_half(x): first = x₁ cos − x₂ sin, second = x₂ cos + x₁ sin
    /// (one [rows, heads, head_dim] temporary instead of four; ~2.5× faster on the CPU).
    /// </remarks>
    public static Tensor Rotate(Tensor x, Tensor cos, Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (RotaryKernel.Applies(x, cos, sin))
        {
            return RotaryKernel.Rotate(x, cos, sin);
        }

        var half = x.shape[^1] / 2;
        var y = x * cos;
        using var x1 = x.narrow(-1, 0, half);
        using var x2 = x.narrow(-1, half, half);
        using var sin1 = sin.narrow(-1, 0, half);
        using var sin2 = sin.narrow(-1, half, half);
        using var y1 = y.narrow(-1, 0, half);
        using var y2 = y.narrow(-1, half, half);
        y1.addcmul_(x2, sin1, -1);
        y2.addcmul_(x1, sin2, 1);
        return y;
    }

    private (Tensor Cos, Tensor Sin) Grow(int length)
    {
        lock (_gate)
        {
            if (length <= _length)
            {
                return (_cos!, _sin!);
            }

            var newLength = Math.Max(length, Math.Max(256, _length * 2));
            var half = _headDim / 2;
            var cos = new float[newLength * _headDim];
            var sin = new float[newLength * _headDim];
            for (var p = 0; p < newLength; p++)
            {
                for (var i = 0; i < half; i++)
                {
                    var angle = p * _invFreq[i]; // float32 product, as HF's float32 matmul of positions and inv_freq
                    float c = MathF.Cos(angle), s = MathF.Sin(angle);
                    cos[(p * _headDim) + i] = c;
                    cos[(p * _headDim) + half + i] = c;
                    sin[(p * _headDim) + i] = s;
                    sin[(p * _headDim) + half + i] = s;
                }
            }

            using var scope = NewDisposeScope();
            var cosT = tensor(cos, [newLength, _headDim]).to(_dtype, _device).DetachFromDisposeScope();
            var sinT = tensor(sin, [newLength, _headDim]).to(_dtype, _device).DetachFromDisposeScope();
            _cos?.Dispose();
            _sin?.Dispose();
            (_cos, _sin, _length) = (cosT, sinT, newLength);
            return (cosT, sinT);
        }
    }

    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
        _cos = _sin = null;
        _length = 0;
    }
}
