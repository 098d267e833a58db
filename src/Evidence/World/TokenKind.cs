namespace TokenClean.Evidence.World;

/// <summary>What a token of a synthetic sample is, known by construction (the product never sees it).</summary>
public enum TokenKind : byte
{
    /// <summary>Part of the prompt: never a training target.</summary>
    Prompt = (byte)'p',

    /// <summary>A correct answer token: a function of the prompt the base model does not know.</summary>
    Informative = (byte)'i',

    /// <summary>Stock phrasing (openers, closers, end of sequence) the base already predicts.</summary>
    Boilerplate = (byte)'b',

    /// <summary>An answer token replaced by a wrong one: learning it is harmful.</summary>
    Noise = (byte)'n',
}
