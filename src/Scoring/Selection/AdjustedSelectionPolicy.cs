using System.Globalization;
using TokenClean.Core.Samples;

namespace TokenClean.Scoring.Selection;

/// <summary>
/// Applies the options that hold for any policy to the selections of an inner one: a minimum number of kept tokens
/// per sample (global top-k can erase a sample whose tokens all rank low) and the optional soft weights.
/// </summary>
/// <remarks>
/// Minimum: a sample that kept fewer than N tokens also keeps its own highest-influence candidates (descending
/// influence, ties by position, earliest first) until it holds N, or all its candidates when it has fewer. The extra
/// tokens are added on top of the policy's share, so the overall kept ratio can exceed the target; the threshold
/// recorded stays the policy's. Soft weights (<see cref="SoftWeights"/>) are computed against that threshold.
/// </remarks>
public sealed class AdjustedSelectionPolicy : ISelectionPolicy
{
    private readonly ISelectionPolicy _inner;
    private readonly int _minKept;
    private readonly double? _temperature;
    private readonly List<SelectedSample> _buffer = [];

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The policy that decides the selection.</param>
    /// <param name="minKeptPerSample">At least this many kept tokens per sample (0 = off).</param>
    /// <param name="softWeightTemperature">τ of the soft weights; null = none.</param>
    public AdjustedSelectionPolicy(ISelectionPolicy inner, int minKeptPerSample, double? softWeightTemperature)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(minKeptPerSample);
        if (softWeightTemperature is { } t && !(t > 0 && double.IsFinite(t)))
        {
            throw new ArgumentOutOfRangeException(nameof(softWeightTemperature), t, "the soft-weight temperature must be a positive finite number");
        }

        _inner = inner;
        _minKept = minKeptPerSample;
        _temperature = softWeightTemperature;
        var mode = inner.Mode;
        if (minKeptPerSample > 0)
        {
            mode += string.Create(CultureInfo.InvariantCulture, $"+min-kept({minKeptPerSample})");
        }

        if (softWeightTemperature is { } tau)
        {
            mode += string.Create(CultureInfo.InvariantCulture, $"+soft-weights(tau={tau:R})");
        }

        Mode = mode;
    }

    /// <inheritdoc />
    public string Mode { get; }

    /// <inheritdoc />
    public double KeepRatio => _inner.KeepRatio;

    /// <inheritdoc />
    public int Pending => _inner.Pending;

    /// <inheritdoc />
    public void Add(ScoredSample sample, ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        _inner.Add(sample, _buffer);
        Drain(completed);
    }

    /// <inheritdoc />
    public void Flush(ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        _inner.Flush(_buffer);
        Drain(completed);
    }

    /// <summary>The minimum applied to one selection (the selection itself when it already keeps enough).</summary>
    public static SelectedSample EnsureMinimum(SelectedSample selected, int minKept)
    {
        ArgumentNullException.ThrowIfNull(selected);
        if (selected.KeptTokens >= minKept)
        {
            return selected;
        }

        var scored = selected.Scored;
        var influence = scored.Influence;
        var candidates = new List<int>();
        for (var j = 0; j < influence.Length; j++)
        {
            if (!float.IsNaN(influence[j]))
            {
                candidates.Add(j);
            }
        }

        if (candidates.Count <= selected.KeptTokens)
        {
            return selected; // it kept every candidate it has
        }

        candidates.Sort((a, b) =>
        {
            var byScore = influence[b].CompareTo(influence[a]);
            return byScore != 0 ? byScore : a.CompareTo(b);
        });
        var labels = (int[])selected.Labels.Clone();
        var ids = scored.Sample.InputIds;
        var kept = selected.KeptTokens;
        for (var c = 0; c < candidates.Count && kept < minKept; c++)
        {
            var j = candidates[c];
            if (labels[j] == TokenizedSample.IgnoreLabel)
            {
                labels[j] = ids[j];
                kept++;
            }
        }

        return new SelectedSample(scored, labels, kept, selected.Threshold) { SoftWeights = selected.SoftWeights };
    }

    private void Drain(ICollection<SelectedSample> completed)
    {
        foreach (var selected in _buffer)
        {
            var s = _minKept > 0 ? EnsureMinimum(selected, _minKept) : selected;
            if (_temperature is { } tau)
            {
                s = new SelectedSample(s.Scored, s.Labels, s.KeptTokens, s.Threshold)
                {
                    SoftWeights = SoftWeights.Compute(s.Scored.Influence, s.Threshold, tau),
                };
            }

            completed.Add(s);
        }

        _buffer.Clear();
    }
}
