namespace TokenClean.Scoring.Models;

/// <summary>How a random checkpoint initialises a tensor.</summary>
public enum TensorInit
{
    /// <summary>
    /// N(0, 1/fan_in): larger than HF's 0.02 so a tiny random model's losses depend strongly on every part of
    /// the math (with 0.02 they all sit at ln(vocab) and would hide mistakes).
    /// </summary>
    Normal,

    /// <summary>1 + N(0, 0.1²): norm scales, not exactly one so the test exercises them.</summary>
    NearOne,

    /// <summary>N(0, 0.02²) small biases, not zero so the test exercises them.</summary>
    SmallBias,
}

/// <summary>A tensor an architecture needs: HF name, shape as stored in the checkpoint, and its random init.</summary>
/// <param name="Name">HF tensor name.</param>
/// <param name="Shape">Shape as stored in the checkpoint.</param>
/// <param name="Init">How a random checkpoint fills it.</param>
/// <param name="FanIn">Input features of a matrix (its stored [out, in] or Conv1D [in, out] layout resolved).</param>
public sealed record TensorSpec(string Name, long[] Shape, TensorInit Init, long FanIn = 1);
