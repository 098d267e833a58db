namespace TokenClean.Training.State;

/// <summary>
/// Where a run stands after an optimizer step: steps done, the epoch and the position in that epoch's shuffled order
/// of the next sample to train on. With the seed this fixes everything still to come.
/// </summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="Epoch">The epoch the next sample belongs to (0-based).</param>
/// <param name="Position">How many samples of that epoch's order have been trained on.</param>
/// <param name="TotalSteps">The run's planned optimizer steps.</param>
/// <param name="Seed">The run's seed (epoch orders, dropout masks).</param>
/// <param name="Fingerprint">Options, data and model of the run: a resume must match it.</param>
/// <param name="LastLoss">Mean loss of the last step.</param>
public sealed record TrainerState(int Step, int Epoch, int Position, int TotalSteps, long Seed, string Fingerprint, double LastLoss);
