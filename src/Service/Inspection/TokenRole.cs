namespace TokenClean.Service.Inspection;

/// <summary>What selection made of a token.</summary>
public enum TokenRole
{
    /// <summary>Part of the prompt (system/user turns, template tokens): never scored, never trained on.</summary>
    Prompt,

    /// <summary>A response token whose influence reached the threshold: trained on (label = its id).</summary>
    Kept,

    /// <summary>A response token under the threshold: its label is -100.</summary>
    Dropped,
}
