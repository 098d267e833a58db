using TokenClean.Core.Samples;
using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Selection;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The select step: feeds scored samples to the selection policy (a window of the stream, or the whole input for
/// <c>clean --selection global</c>) and hands on, in input order, every record whose fate is known: selected, or
/// rejected earlier. A record waits here while its window is open; a batch marked
/// <see cref="ScoredBatch.FlushSelection"/> closes the window.
/// </summary>
/// <remarks>One instance per materialized graph: the stage runs one batch at a time, so its state needs no lock.</remarks>
internal sealed class WindowSelector(ISelectionPolicy policy)
{
    private readonly Queue<Slot> _queue = new();
    private readonly Dictionary<ScoredSample, Slot> _pending = new(ReferenceEqualityComparer.Instance);
    private readonly List<SelectedSample> _completed = [];

    /// <summary>Records waiting for their window to close.</summary>
    public int Waiting => _pending.Count;

    public IReadOnlyList<FinishedRecord> Select(ScoredBatch batch)
    {
        foreach (var record in batch.Records)
        {
            var slot = new Slot(record);
            _queue.Enqueue(slot);
            if (record.Scored is { } scored)
            {
                _pending[scored] = slot;
                policy.Add(scored, _completed);
            }
        }

        if (batch.FlushSelection)
        {
            policy.Flush(_completed);
        }

        foreach (var s in _completed)
        {
            if (_pending.Remove(s.Scored, out var slot))
            {
                slot.Selected = s;
            }
        }

        _completed.Clear();
        List<FinishedRecord>? ready = null;
        while (_queue.Count > 0 && (_queue.Peek().Record.Scored is null || _queue.Peek().Selected is not null))
        {
            var slot = _queue.Dequeue();
            (ready ??= []).Add(new FinishedRecord(slot.Record, slot.Selected));
        }

        return ready ?? (IReadOnlyList<FinishedRecord>)[];
    }

    /// <summary>A record's place in the output order; gets its selection when the window closes.</summary>
    private sealed class Slot(ScoredRecord record)
    {
        public ScoredRecord Record { get; } = record;

        public SelectedSample? Selected { get; set; }
    }
}
