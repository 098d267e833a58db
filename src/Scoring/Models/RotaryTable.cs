namespace TokenClean.Scoring.Models;

/// <summary>
/// cos/sin tables of rotary position embeddings (HF's rotate-half layout: the frequencies repeated twice),
/// cached on the device and grown on demand, looked up per row by position id.
/// </summary>
internal sealed class RotaryTable : IDisposable
{
    private readonly float[] _invFreq;
    private readonly int _headDim;
    private readonly DType _dtype;
    private readonly string _device;
    private Tensor? _cos;
    private Tensor? _sin;
    private int _length;

    public RotaryTable(ModelConfig config, DType dtype, string device)
    {
        _headDim = config.HeadDim;
        _dtype = dtype;
        _device = device;
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

    /// <summary>Rotates <paramref name="x"/> [N, heads, head_dim] in place at int64 <paramref name="positions"/> [N].</summary>
    public void Apply(Tensor x, Tensor positions, int maxPosition)
    {
        Grow(maxPosition + 1);
        x.RotaryInPlace(_cos!, _sin!, positions);
    }

    private void Grow(int length)
    {
        if (length <= _length)
        {
            return;
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

        using var scope = TensorScope.Begin();
        var cosT = Tensor.FromArray(cos, newLength, _headDim).To(_dtype, _device).DetachFromScope();
        var sinT = Tensor.FromArray(sin, newLength, _headDim).To(_dtype, _device).DetachFromScope();
        _cos?.Dispose();
        _sin?.Dispose();
        (_cos, _sin, _length) = (cosT, sinT, newLength);
    }

    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
        _cos = _sin = null;
        _length = 0;
    }
}
