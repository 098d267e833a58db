using System.Globalization;
using TokenClean.Core.Samples;

namespace TokenClean.Scoring.Selection;

/// <summary>
/// "Keep the top k of everything so far" for a stream that never ends, without windows: every candidate influence
/// goes into a <see cref="KllSketch"/>, and each sample keeps its tokens at or above the sketch's (1 − k) quantile
/// of all influences seen so far, itself included. A sample is selected as soon as it arrives (no window to wait
/// for), and the threshold follows the whole stream's distribution instead of the last window's.
/// </summary>
/// <remarks>
/// <para>Warm-up: until <c>warmupTokens</c> candidates have been seen, samples are held and then selected together
/// by exact <see cref="GlobalTopK"/> (a stream shorter than the warm-up is selected exactly at <see cref="Flush"/>),
/// so the first samples are not judged by a threshold estimated from a handful of values.</para>
/// <para>Agreement with exact global top-k over the same stream: tests/Scoring.Tests/Selection
/// StreamingQuantilePolicyTests measures it on ≥ 1M response tokens (docs/SCORING.md). On a stream whose
/// distribution drifts, early samples were judged by the distribution of their time; that is the point of the
/// policy, and the reason exact global ranking stays the choice for a finite file.</para>
/// </remarks>
public sealed class StreamingQuantilePolicy : ISelectionPolicy
{
    private readonly KllSketch _sketch;
    private readonly long _warmupTokens;
    private readonly List<ScoredSample> _held = [];
    private bool _warm;
    private float _threshold;
    private long _thresholdAt = -1;

    /// <summary>
    /// Values added between two threshold estimates: a quantile query sorts the retained items (~3k), too much per
    /// sample at 10k samples/s, and the (1 − k) quantile of millions of values moves little in 4,096 more.
    /// </summary>
    private const long RecomputeEvery = 4096;

    private StreamingQuantilePolicy(double keepRatio, long warmupTokens, int sketchK, int seed)
    {
        _ = GlobalTopK.KeepCount(keepRatio, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupTokens);
        KeepRatio = keepRatio;
        _warmupTokens = warmupTokens;
        _sketch = new KllSketch(sketchK, seed);
        Mode = string.Create(CultureInfo.InvariantCulture, $"quantile(warmup={warmupTokens})");
    }

    /// <inheritdoc />
    public string Mode { get; }

    /// <inheritdoc />
    public double KeepRatio { get; }

    /// <inheritdoc />
    public int Pending => _held.Count;

    /// <summary>The sketch of every candidate influence seen so far (for status pages and checkpoints).</summary>
    public KllSketch Sketch => _sketch;

    /// <summary>Creates the policy.</summary>
    /// <param name="keepRatio">Fraction of candidate tokens to keep, in [0, 1].</param>
    /// <param name="warmupTokens">Candidates to see before selecting by the sketch (the first ones are ranked exactly).</param>
    /// <param name="sketchK">The sketch's accuracy parameter (rank error ≈ 1.7/k).</param>
    /// <param name="seed">Seeds the sketch's compactions (reproducible runs).</param>
    public static StreamingQuantilePolicy Create(double keepRatio, long warmupTokens = 65_536, int sketchK = 1024, int seed = 0) =>
        new(keepRatio, warmupTokens, sketchK, seed);

    /// <inheritdoc />
    public void Add(ScoredSample sample, ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(completed);
        _sketch.AddRange(sample.Influence);
        if (_warm)
        {
            completed.Add(Select(sample, Threshold()));
            return;
        }

        _held.Add(sample);
        if (_sketch.Count >= _warmupTokens)
        {
            _warm = true;
            SelectHeldExactly(completed);
        }
    }

    /// <inheritdoc />
    public void Flush(ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        SelectHeldExactly(completed);
    }

    /// <summary>The influence a token needs to be kept now: the (1 − k) quantile of everything seen.</summary>
    private float Threshold()
    {
        if (_thresholdAt < 0 || _sketch.Count - _thresholdAt >= RecomputeEvery)
        {
            _threshold = KeepRatio switch
            {
                >= 1 => float.NegativeInfinity,
                <= 0 => float.PositiveInfinity,
                _ => _sketch.Quantile(1 - KeepRatio),
            };
            _thresholdAt = _sketch.Count;
        }

        return _threshold;
    }

    private static SelectedSample Select(ScoredSample sample, float threshold)
    {
        var ids = sample.Sample.InputIds;
        var influence = sample.Influence;
        var labels = new int[ids.Length];
        var kept = 0;
        for (var j = 0; j < ids.Length; j++)
        {
            // NaN (prompt, position 0) compares false: never kept.
            if (influence[j] >= threshold)
            {
                labels[j] = ids[j];
                kept++;
            }
            else
            {
                labels[j] = TokenizedSample.IgnoreLabel;
            }
        }

        return new SelectedSample(sample, labels, kept, threshold);
    }

    private void SelectHeldExactly(ICollection<SelectedSample> completed)
    {
        if (_held.Count == 0)
        {
            return;
        }

        var window = WindowedSelectionPolicy.Global(KeepRatio);
        foreach (var s in _held)
        {
            window.Add(s, completed);
        }

        window.Flush(completed);
        _held.Clear();
    }
}
