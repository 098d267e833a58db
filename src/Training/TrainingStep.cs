namespace TokenClean.Training;

/// <summary>What one optimizer step did (reported after the step).</summary>
/// <param name="Step">Optimizer steps done so far (1-based: the step just taken).</param>
/// <param name="TotalSteps">Planned optimizer steps of the run.</param>
/// <param name="Epoch">The epoch the step's samples came from (0-based).</param>
/// <param name="Loss">Mean over the step's micro-batches of each micro-batch's mean response-token loss.</param>
/// <param name="LearningRate">The learning rate the step applied.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="Samples">Indices (into the training samples) trained on, in order.</param>
/// <param name="Tokens">Tokens in the step's (truncated) sequences.</param>
/// <param name="TokensPerSecond">Tokens over the step's wall time (forward, backward and update).</param>
/// <param name="Saved">True when the run's state was saved after this step.</param>
public sealed record TrainingStep(int Step, int TotalSteps, int Epoch, double Loss, double LearningRate, double GradNorm, IReadOnlyList<int> Samples, long Tokens, double TokensPerSecond, bool Saved);
