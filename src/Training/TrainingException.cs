namespace TokenClean.Training;

/// <summary>A training run cannot start or go on: unusable data, a state that belongs to another run, a bad target.</summary>
public sealed class TrainingException : Exception
{
    public TrainingException()
    {
    }

    public TrainingException(string message)
        : base(message)
    {
    }

    public TrainingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
