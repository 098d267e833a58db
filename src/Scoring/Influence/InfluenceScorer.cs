using System.Globalization;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Scoring.Influence;

/// <summary>
/// Scores samples with influence = loss(base) − loss(reference) per response token (Pang et al., "Token Cleaning",
/// ICML 2025: <c>loss_diff = L(base) − L(ref)</c> on response tokens only).
/// </summary>
/// <remarks>
/// Prompt positions and position 0 get NaN. Position 0 is never scored even when it is labelled as a response
/// token: a causal LM predicts token j from tokens 0..j−1, so the first token has no prediction. It therefore never
/// has an influence and is never kept. Not thread-safe when the models are not (one scorer per device).
/// </remarks>
public sealed class InfluenceScorer
{
    private readonly ITokenLossModel _base;
    private readonly ITokenLossModel _reference;

    /// <summary>Pairs a base and a reference model that share a vocabulary.</summary>
    /// <exception cref="ArgumentException">The models' vocabulary sizes differ (they cannot share a tokenizer).</exception>
    public InfluenceScorer(ITokenLossModel baseModel, ITokenLossModel referenceModel)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        ArgumentNullException.ThrowIfNull(referenceModel);
        if (baseModel.VocabSize != referenceModel.VocabSize)
        {
            throw new ArgumentException(
                $"base model '{baseModel.Version}' has vocabulary size {baseModel.VocabSize} but reference model " +
                $"'{referenceModel.Version}' has {referenceModel.VocabSize}: influence needs both to use the same tokenizer",
                nameof(referenceModel));
        }

        _base = baseModel;
        _reference = referenceModel;
    }

    /// <summary>The shared vocabulary size.</summary>
    public int VocabSize => _base.VocabSize;

    /// <summary>The longest sample both models accept.</summary>
    public int MaxSequenceLength => Math.Min(_base.MaxSequenceLength, _reference.MaxSequenceLength);

    /// <summary>The base model's lineage string.</summary>
    public string BaseVersion => _base.Version;

    /// <summary>The reference model's lineage string.</summary>
    public string ReferenceVersion => _reference.Version;

    /// <summary>
    /// Checks that a sample can be scored: not empty, not longer than <paramref name="maxLength"/> (at most the
    /// models' context), every id in the vocabulary, at least one scorable response token.
    /// </summary>
    /// <returns>null when the sample is fine, else why not.</returns>
    public SampleRejection? Validate(TokenizedSample sample, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var limit = Math.Min(maxLength, MaxSequenceLength);
        if (sample.Length == 0)
        {
            return new SampleRejection(RejectionReason.EmptySample, "the sample has no tokens");
        }

        if (sample.Length > limit)
        {
            return new SampleRejection(
                RejectionReason.TooManyTokens,
                string.Create(CultureInfo.InvariantCulture, $"{sample.Length} tokens exceed the maximum length {limit}"));
        }

        var ids = sample.InputIds;
        var vocab = VocabSize;
        for (var j = 0; j < ids.Length; j++)
        {
            if ((uint)ids[j] >= (uint)vocab)
            {
                return new SampleRejection(
                    RejectionReason.TokenOutOfVocabulary,
                    string.Create(CultureInfo.InvariantCulture, $"token id {ids[j]} at position {j} is outside the vocabulary [0, {vocab})"));
            }
        }

        if (sample.ScorableCount == 0)
        {
            return new SampleRejection(
                RejectionReason.NoResponseTokens,
                "no response token after position 0 (position 0 has no prediction and cannot be scored)");
        }

        return null;
    }

    /// <summary>
    /// Scores a batch: one <see cref="ITokenLossModel.TokenLosses"/> call per model for the whole batch.
    /// </summary>
    /// <exception cref="ArgumentException">A sample fails <see cref="Validate"/> (callers route those to dead letters first).</exception>
    /// <exception cref="InvalidOperationException">A model broke its contract (wrong number or length of results).</exception>
    public ScoredSample[] Score(IReadOnlyList<TokenizedSample> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sequences = new int[batch.Count][];
        var masks = new bool[batch.Count][];
        for (var i = 0; i < batch.Count; i++)
        {
            var sample = batch[i];
            var rejection = Validate(sample, int.MaxValue);
            if (rejection is not null)
            {
                throw new ArgumentException($"sample '{sample.Id}' cannot be scored: {rejection.Code}: {rejection.Message}", nameof(batch));
            }

            sequences[i] = sample.InputIds;
            var mask = new bool[sample.Length];
            for (var j = 1; j < mask.Length; j++)
            {
                mask[j] = sample.IsScorable(j);
            }

            masks[i] = mask;
        }

        var baseLosses = _base.TokenLosses(sequences, masks);
        var referenceLosses = _reference.TokenLosses(sequences, masks);
        CheckShape(baseLosses, sequences, _base.Version);
        CheckShape(referenceLosses, sequences, _reference.Version);

        var scored = new ScoredSample[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var mask = masks[i];
            var b = baseLosses[i];
            var r = referenceLosses[i];
            var influence = new float[mask.Length];
            for (var j = 0; j < mask.Length; j++)
            {
                if (mask[j])
                {
                    influence[j] = b[j] - r[j];
                }
                else
                {
                    // The contract already says NaN here; forcing it keeps a sloppy model from leaking prompt scores.
                    influence[j] = float.NaN;
                    b[j] = float.NaN;
                    r[j] = float.NaN;
                }
            }

            scored[i] = new ScoredSample(batch[i], b, r, influence);
        }

        return scored;
    }

    private static void CheckShape(float[][] losses, int[][] sequences, string version)
    {
        if (losses is null || losses.Length != sequences.Length)
        {
            throw new InvalidOperationException($"model '{version}' returned {losses?.Length ?? 0} results for {sequences.Length} sequences");
        }

        for (var i = 0; i < sequences.Length; i++)
        {
            if (losses[i] is null || losses[i].Length != sequences[i].Length)
            {
                throw new InvalidOperationException(
                    $"model '{version}' returned {losses[i]?.Length ?? 0} losses for sequence {i} of length {sequences[i].Length}");
            }
        }
    }
}
