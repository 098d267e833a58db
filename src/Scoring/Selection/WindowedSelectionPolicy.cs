using System.Globalization;
using TokenClean.Scoring.Influence;
using TokenClean.Core.Samples;

namespace TokenClean.Scoring.Selection;

/// <summary>
/// Global top-k over windows of consecutive samples, applying <see cref="GlobalTopK"/> once per window. The three
/// selection modes are this one rule with different window sizes: <see cref="Global"/> (one window: the whole
/// input — the paper's fixed-model cleaning), <see cref="Window"/> (a bounded window for a stream),
/// <see cref="PerSample"/> (a window of one sample: Rho-1-style per-sample ranking, for comparison).
/// </summary>
/// <remarks>
/// A window closes when it holds <c>maxSamples</c> samples or at least <c>maxTokens</c> candidate tokens, whichever
/// comes first; ties are broken by (order within the window, position).
/// </remarks>
public sealed class WindowedSelectionPolicy : ISelectionPolicy
{
    private readonly List<ScoredSample> _window = [];
    private readonly int _maxSamples;
    private readonly long _maxTokens;
    private long _windowTokens;

    private WindowedSelectionPolicy(string mode, double keepRatio, int maxSamples, long maxTokens)
    {
        _ = GlobalTopK.KeepCount(keepRatio, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        Mode = mode;
        KeepRatio = keepRatio;
        _maxSamples = maxSamples;
        _maxTokens = maxTokens;
    }

    /// <inheritdoc />
    public string Mode { get; }

    /// <inheritdoc />
    public double KeepRatio { get; }

    /// <inheritdoc />
    public int Pending => _window.Count;

    /// <summary>One window over the whole input: selections come out only at <see cref="Flush"/>.</summary>
    public static WindowedSelectionPolicy Global(double keepRatio) => new("global", keepRatio, int.MaxValue, long.MaxValue);

    /// <summary>Windows of at most <paramref name="maxSamples"/> samples or <paramref name="maxTokens"/> candidate tokens.</summary>
    public static WindowedSelectionPolicy Window(double keepRatio, int maxSamples, long maxTokens = long.MaxValue)
    {
        var mode = maxTokens == long.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"window(samples={maxSamples})")
            : string.Create(CultureInfo.InvariantCulture, $"window(samples={maxSamples},tokens={maxTokens})");
        return new WindowedSelectionPolicy(mode, keepRatio, maxSamples, maxTokens);
    }

    /// <summary>Each sample ranked on its own (Rho-1 style): int(k × its response tokens) kept per sample.</summary>
    public static WindowedSelectionPolicy PerSample(double keepRatio) => new("per-sample", keepRatio, 1, long.MaxValue);

    /// <inheritdoc />
    public void Add(ScoredSample sample, ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(completed);
        _window.Add(sample);
        _windowTokens += sample.ResponseTokens;
        if (_window.Count >= _maxSamples || _windowTokens >= _maxTokens)
        {
            Flush(completed);
        }
    }

    /// <inheritdoc />
    public void Flush(ICollection<SelectedSample> completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        if (_window.Count == 0)
        {
            return;
        }

        var influence = new float[_window.Count][];
        var keep = new bool[_window.Count][];
        for (var i = 0; i < _window.Count; i++)
        {
            influence[i] = _window[i].Influence;
            keep[i] = new bool[influence[i].Length];
        }

        var result = GlobalTopK.Select(influence, KeepRatio, keep);
        for (var i = 0; i < _window.Count; i++)
        {
            var ids = _window[i].Sample.InputIds;
            var mark = keep[i];
            var labels = new int[ids.Length];
            var kept = 0;
            for (var j = 0; j < ids.Length; j++)
            {
                if (mark[j])
                {
                    labels[j] = ids[j];
                    kept++;
                }
                else
                {
                    labels[j] = TokenizedSample.IgnoreLabel;
                }
            }

            completed.Add(new SelectedSample(_window[i], labels, kept, result.Threshold));
        }

        _window.Clear();
        _windowTokens = 0;
    }
}
