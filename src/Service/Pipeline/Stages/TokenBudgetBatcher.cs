using Akka.Streams;
using Akka.Streams.Stage;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The batch step: groups tokenized records, in order, into batches of at most <c>maxTokens</c> tokens (a single
/// larger record is a batch of its own) and at most <c>maxRecords</c> records, and closes a batch that has waited
/// <c>maxDelay</c> since its first record, if a scorer could start it now (<c>scorerFree</c>): while every device is
/// busy a partial batch would only wait in the pool, so it keeps filling up to the budget instead (smaller batches
/// score fewer tokens per second). When the input goes quiet for <c>maxDelay</c> it emits one empty batch with
/// <see cref="TokenBatch.FlushSelection"/>, so the selection stage writes its open window; the last batch at the end
/// of the input flushes too. Records of an ended generation are dropped here (revoked while they waited). A
/// <c>maxDelay</c> of zero or less turns time off: batches close by budget only and the selection is flushed at the
/// end of the input only (<c>clean</c>, whose global selection must see the whole file).
/// </summary>
/// <remarks>
/// GroupedWeightedWithin is close, but it neither drops stale records nor signals a quiet input. Closed batches wait
/// for the scorers in a queue (one, two when a timer closed a batch while a record was on its way); the stage does
/// not pull while one waits, which is what bounds the tokenize step.
/// </remarks>
internal sealed class TokenBudgetBatcher : GraphStage<FlowShape<TokenizedRecord, TokenBatch>>
{
    private readonly Inlet<TokenizedRecord> _in = new("batcher.in");
    private readonly Outlet<TokenBatch> _out = new("batcher.out");
    private readonly long _maxTokens;
    private readonly int _maxRecords;
    private readonly TimeSpan _maxDelay;
    private readonly Func<ConsumedRecord, bool> _isCurrent;
    private readonly StageDepths? _depths;
    private readonly Func<bool> _scorerFree;

    public TokenBudgetBatcher(long maxTokens, int maxRecords, TimeSpan maxDelay, Func<ConsumedRecord, bool>? isCurrent = null, StageDepths? depths = null, Func<bool>? scorerFree = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        _maxTokens = maxTokens;
        _maxRecords = maxRecords;
        _maxDelay = maxDelay;
        _isCurrent = isCurrent ?? (static _ => true);
        _depths = depths;
        _scorerFree = scorerFree ?? (static () => true);
        Shape = new FlowShape<TokenizedRecord, TokenBatch>(_in, _out);
    }

    public override FlowShape<TokenizedRecord, TokenBatch> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private readonly TokenBudgetBatcher _stage;
        private readonly long _maxDelayMs;
        private List<TokenizedRecord> _open = [];
        private long _openTokens;
        private long _openStarted;
        private long _lastRecord;
        private bool _quietSent = true;
        private readonly Queue<TokenBatch> _ready = new();
        private bool _finishing;
        private bool _finalClosed;

        public Logic(TokenBudgetBatcher stage)
            : base(stage.Shape)
        {
            _stage = stage;
            _maxDelayMs = stage._maxDelay > TimeSpan.Zero ? Math.Max(1, (long)stage._maxDelay.TotalMilliseconds) : long.MaxValue;
            SetHandler(stage._in, onPush: OnPush, onUpstreamFinish: OnUpstreamFinish);
            SetHandler(stage._out, onPull: OnPull);
        }

        public override void PreStart()
        {
            if (_maxDelayMs != long.MaxValue)
            {
                ScheduleRepeatedly("tick", TimeSpan.FromMilliseconds(Math.Max(1, _maxDelayMs / 2)));
            }

            Pull(_stage._in);
        }

        protected override void OnTimer(object timerKey)
        {
            if (_ready.Count > 0)
            {
                return; // the scorers are busy: a due batch is closed as soon as the waiting one leaves
            }

            var now = Environment.TickCount64;
            if (_open.Count > 0 && now - _openStarted >= _maxDelayMs && _stage._scorerFree())
            {
                Close(flushSelection: false);
            }
            else if (_open.Count == 0 && !_quietSent && now - _lastRecord >= _maxDelayMs)
            {
                _quietSent = true; // the input went quiet: close the selection window so its samples are written now
                Close(flushSelection: true);
            }

            Emit();
        }

        private void OnPush()
        {
            var record = Grab(_stage._in);
            _stage._depths?.LeaveTokenize();
            var now = Environment.TickCount64;
            _lastRecord = now;
            _quietSent = false;
            if (_stage._isCurrent(record.Record))
            {
                if (_open.Count > 0 && _openTokens + record.Tokens > _stage._maxTokens)
                {
                    Close(flushSelection: false);
                }

                if (_open.Count == 0)
                {
                    _openStarted = now;
                }

                _open.Add(record);
                _openTokens += record.Tokens;
                if (_ready.Count == 0 && Full)
                {
                    Close(flushSelection: false);
                }
            }

            _stage._depths?.SetBatcher(_open.Count);
            Emit();
        }

        private void OnPull() => Emit();

        private void OnUpstreamFinish()
        {
            _finishing = true;
            if (_ready.Count == 0)
            {
                Close(flushSelection: true);
                _finalClosed = true;
            }

            Emit();
        }

        private bool Full => _openTokens >= _stage._maxTokens || _open.Count >= _stage._maxRecords;

        private void Close(bool flushSelection)
        {
            _ready.Enqueue(new TokenBatch(_open, _openTokens, flushSelection));
            _open = [];
            _openTokens = 0;
            _stage._depths?.SetBatcher(0);
            _stage._depths?.EnterScorer();
        }

        /// <summary>Pushes the waiting batch when the scorers want one, closes a batch that became due, and pulls when there is room.</summary>
        private void Emit()
        {
            if (_ready.Count > 0 && IsAvailable(_stage._out))
            {
                Push(_stage._out, _ready.Dequeue());
                _stage._depths?.LeaveScorer();
                if (_ready.Count > 0)
                {
                    return;
                }

                if (_finishing && !_finalClosed)
                {
                    Close(flushSelection: true); // the rest of the input with the final flush
                    _finalClosed = true;
                    return;
                }

                if (Full || (_open.Count > 0 && _maxDelayMs != long.MaxValue && Environment.TickCount64 - _openStarted >= _maxDelayMs && _stage._scorerFree()))
                {
                    Close(flushSelection: false);
                }
            }

            if (_finishing)
            {
                if (_ready.Count == 0 && _finalClosed)
                {
                    CompleteStage();
                }

                return;
            }

            if (_ready.Count == 0 && !HasBeenPulled(_stage._in) && !IsClosed(_stage._in))
            {
                Pull(_stage._in);
            }
        }
    }
}
