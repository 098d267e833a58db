namespace TokenClean.Scoring.Models;

/// <summary>How samples share a forward pass.</summary>
public enum BatchMode
{
    /// <summary>Per batch, whichever of packing and padding the cost model says is cheaper.</summary>
    Auto,

    /// <summary>Concatenate samples into one sequence; each attends only to itself (cost Σ len²).</summary>
    Packed,

    /// <summary>Right-pad samples to the longest (cost B × max²).</summary>
    Padded,
}
