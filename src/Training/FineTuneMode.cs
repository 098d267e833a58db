namespace TokenClean.Training;

/// <summary>Which parameters a training run updates.</summary>
public enum FineTuneMode
{
    /// <summary>Low-rank adapters on the target projections; the base weights stay frozen and the adapters are merged on publish.</summary>
    Lora = 0,

    /// <summary>Every parameter of the model.</summary>
    Full,
}
