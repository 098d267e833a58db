namespace TokenClean.Service.Inspection;

/// <summary>One token of an inspected sample.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Text">Its text as the tokenizer decodes it in context (may be empty when a character spans tokens).</param>
/// <param name="Role">Prompt, kept or dropped.</param>
/// <param name="Influence">loss_base − loss_ref; null for prompt tokens (no score).</param>
/// <param name="BaseLoss">Loss under the base model; null when the lake has no loss columns or the token has no score.</param>
/// <param name="RefLoss">Loss under the reference model; null like <paramref name="BaseLoss"/>.</param>
public sealed record InspectedToken(int Id, string Text, TokenRole Role, float? Influence, float? BaseLoss, float? RefLoss);
