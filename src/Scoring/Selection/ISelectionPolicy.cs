using TokenClean.Scoring.Influence;
using TokenClean.Core.Samples;

namespace TokenClean.Scoring.Selection;

/// <summary>
/// Decides which response tokens are trained on. Samples go in in stream order; selections come out in the same
/// order once the group a sample belongs to is complete.
/// </summary>
/// <remarks>Not thread-safe: one policy per selector stage.</remarks>
public interface ISelectionPolicy
{
    /// <summary>A short description recorded with the output (e.g. <c>global</c>, <c>window(samples=1000)</c>, <c>per-sample</c>).</summary>
    string Mode { get; }

    /// <summary>Fraction of candidate response tokens kept in each group.</summary>
    double KeepRatio { get; }

    /// <summary>Samples buffered and not yet selected.</summary>
    int Pending { get; }

    /// <summary>Adds a scored sample; appends to <paramref name="completed"/> every selection that became final.</summary>
    void Add(ScoredSample sample, ICollection<SelectedSample> completed);

    /// <summary>End of input (or of a stream segment): selects whatever is buffered.</summary>
    void Flush(ICollection<SelectedSample> completed);
}
