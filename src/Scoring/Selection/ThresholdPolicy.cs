using System.Globalization;
using TokenClean.Core.Samples;

namespace TokenClean.Scoring.Selection;

/// <summary>
/// Keeps every candidate token whose influence is at least a fixed threshold T, sample by sample, as soon as it
/// arrives: no group, no buffering, no ratio. How many tokens survive depends on the scores, not on a target share.
/// </summary>
/// <remarks>
/// Use it when the cut-off has been calibrated once (e.g. the threshold an exact global run printed, or the
/// `threshold` column of earlier output) and must stay the same across files, shards or reference versions — the
/// ratio-based policies move their threshold with every group. <see cref="KeepRatio"/> is NaN: the policy has none.
/// </remarks>
public sealed class ThresholdPolicy : ISelectionPolicy
{
    private readonly float _threshold;

    /// <summary>Creates the policy for a finite threshold.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is NaN or infinite.</exception>
    public ThresholdPolicy(double threshold)
    {
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be a finite number");
        }

        _threshold = (float)threshold;
        Mode = string.Create(CultureInfo.InvariantCulture, $"threshold({_threshold:R})");
    }

    /// <inheritdoc />
    public string Mode { get; }

    /// <inheritdoc />
    public double KeepRatio => double.NaN;

    /// <inheritdoc />
    public int Pending => 0;

    /// <inheritdoc />
    public void Add(ScoredSample sample, ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(completed);
        var ids = sample.Sample.InputIds;
        var influence = sample.Influence;
        var labels = new int[ids.Length];
        var kept = 0;
        for (var j = 0; j < ids.Length; j++)
        {
            // NaN (prompt, position 0, a model's NaN) compares false: never kept.
            if (influence[j] >= _threshold)
            {
                labels[j] = ids[j];
                kept++;
            }
            else
            {
                labels[j] = TokenizedSample.IgnoreLabel;
            }
        }

        completed.Add(new SelectedSample(sample, labels, kept, _threshold));
    }

    /// <inheritdoc />
    public void Flush(ICollection<SelectedSample> completed)
    {
    }
}
