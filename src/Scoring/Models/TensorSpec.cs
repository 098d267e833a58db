namespace TokenClean.Scoring.Models;

/// <summary>How a random checkpoint initialises a tensor.</summary>
public enum TensorInit
{
    /// <summary>N(0, 0.02²), HF's initializer_range.</summary>
    Normal,

    /// <summary>1 + N(0, 0.1²): norm scales, not exactly one so the test exercises them.</summary>
    NearOne,

    /// <summary>N(0, 0.02²) small biases, not zero so the test exercises them.</summary>
    SmallBias,
}

/// <summary>A tensor an architecture needs: HF name, shape as stored in the checkpoint, and its random init.</summary>
public sealed record TensorSpec(string Name, long[] Shape, TensorInit Init);
