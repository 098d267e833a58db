using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;
using Akka.Actor;
using Akka.Event;
using TokenClean.Scoring.Influence;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Scores batches on one device: base and reference forward passes, per-token influence. Runs on a pinned
/// dispatcher (the forward pass blocks its thread). Answers every <see cref="ScoreOnDevice"/> with a
/// <see cref="ScoredBatch"/> (same records, same order) or a <see cref="Status.Failure"/>; a batch whose scoring
/// throws is retried sample by sample, so a bad sample becomes one <c>scoring_failed</c> dead letter. A
/// <see cref="SwapReference"/> arrives between two batches and applies from the next one on.
/// </summary>
internal sealed class ScorerActor : ReceiveActor
{
    private readonly ScoringDevice _device;
    private readonly ScorerOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ScorerActor(ScoringDevice device, ScorerOptions options)
    {
        _device = device;
        _options = options;
        Receive<ScoreOnDevice>(request =>
        {
            try
            {
                request.ReplyTo.Tell(Score(request.Batch));
            }
            catch (Exception e)
            {
                request.ReplyTo.Tell(new Status.Failure(e)); // never leave the asker waiting
            }

            Context.Parent.Tell(ScorerIdle.Instance); // the pool: the next batch may come
        });
        Receive<SwapReference>(swap =>
        {
            if (_device.Swap(swap.Lease, swap.Sequence))
            {
                _log.Debug("Device {0}: reference {1} from the next batch on", _device.Index, _device.ReferenceVersion);
            }
        });
    }

    public static Props Props(ScoringDevice device, ScorerOptions options) =>
        Akka.Actor.Props.Create(() => new ScorerActor(device, options)).WithDispatcher(ScorerOptions.Dispatcher);

    private ScoredBatch Score(TokenBatch batch)
    {
        var version = _device.ReferenceVersion;
        var now = DateTimeOffset.UtcNow;
        var results = new ScoredRecord?[batch.Records.Count];
        if (batch.Records.Count == 0)
        {
            return new ScoredBatch([], batch.FlushSelection);
        }

        var scorer = new InfluenceScorer(_device.Base, _device.Reference);
        var samples = new List<TokenizedSample>(batch.Records.Count);
        var positions = new List<int>(batch.Records.Count);
        long tokens = 0;
        for (var i = 0; i < batch.Records.Count; i++)
        {
            var record = batch.Records[i];
            if (record.Sample is null || !_options.IsCurrent(record.Record))
            {
                results[i] = new ScoredRecord(record, null, record.Rejection ?? StaleRecord.Rejection, version, now);
                continue;
            }

            if (scorer.Validate(record.Sample, _options.MaxLength) is { } rejection)
            {
                results[i] = new ScoredRecord(record, null, rejection, version, now);
                continue;
            }

            samples.Add(record.Sample);
            positions.Add(i);
            tokens += record.Sample.Length;
        }

        if (samples.Count > 0)
        {
            ScoreAll(scorer, batch, samples, positions, results, version, now);
            _options.Metrics?.BatchScored(tokens, _options.BatchTokens);
            _options.Metrics?.ReferenceInUse(version);
        }

        return new ScoredBatch(results!, batch.FlushSelection);
    }

    private void ScoreAll(InfluenceScorer scorer, TokenBatch batch, List<TokenizedSample> samples, List<int> positions, ScoredRecord?[] results, string version, DateTimeOffset now)
    {
        try
        {
            var scored = scorer.Score(samples);
            for (var i = 0; i < scored.Length; i++)
            {
                results[positions[i]] = new ScoredRecord(batch.Records[positions[i]], scored[i], null, version, now);
                _options.Metrics?.Influence(scored[i].Influence);
            }

            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException && samples.Count > 1)
        {
            _log.Warning(e, "Scoring a batch of {0} samples failed; scoring them one by one", samples.Count);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            results[positions[0]] = new ScoredRecord(batch.Records[positions[0]], null, new SampleRejection(RejectionReason.ScoringFailed, e.Message), version, now);
            return;
        }

        for (var i = 0; i < samples.Count; i++)
        {
            var record = batch.Records[positions[i]];
            try
            {
                var scored = scorer.Score([samples[i]])[0];
                results[positions[i]] = new ScoredRecord(record, scored, null, version, now);
                _options.Metrics?.Influence(scored.Influence);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                results[positions[i]] = new ScoredRecord(record, null, new SampleRejection(RejectionReason.ScoringFailed, e.Message), version, now);
            }
        }
    }
}

/// <summary>What every scorer shares: the sequence limit, the stale-record check, metrics.</summary>
/// <param name="MaxLength">Longest sequence a sample may have (longer ones are rejected).</param>
/// <param name="IsCurrent">False for a record whose partition generation ended: skipped, not scored.</param>
/// <param name="BatchTokens">The batch token budget (for the batch-fill metric).</param>
/// <param name="Metrics">Scored tokens and influence; null in tests that do not look.</param>
internal sealed record ScorerOptions(int MaxLength, Func<ConsumedRecord, bool> IsCurrent, int BatchTokens, PipelineMetrics? Metrics)
{
    /// <summary>The pinned dispatcher of the scorers: each gets a thread of its own (blocking native calls).</summary>
    public const string Dispatcher = "tokenclean.scorer-dispatcher";
}
