using System.Globalization;
using System.Text;

namespace TokenClean.Service.Inspection;

/// <summary>
/// Prints an inspected sample in a terminal: with colours (24-bit ANSI), prompt tokens grey, kept tokens on a green
/// background, dropped tokens red and struck through; without (not a terminal, or <c>NO_COLOR</c> set), dropped
/// tokens are wrapped in <c>~~ ~~</c> and prompt tokens in <c>⟪ ⟫</c> so the decision stays readable in a log.
/// </summary>
public static class TerminalRenderer
{
    private const string Reset = "\u001b[0m";

    /// <summary>
    /// Whether <paramref name="redirected"/> output should be coloured: never when redirected or <c>NO_COLOR</c> is
    /// set (no-color.org), else yes unless <c>TERM=dumb</c>.
    /// </summary>
    public static bool UseColor(bool redirected) =>
        !redirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);

    /// <summary>The sample's header line, its tokens, and a legend.</summary>
    public static void Write(TextWriter output, InspectedSample sample, bool color, bool table = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(sample);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"sample {sample.SampleId}  ({sample.File} row {sample.Row}; kept {sample.KeptTokens} of {sample.ResponseTokens} response tokens; threshold {sample.Threshold:F3}; mean influence {Format(sample.MeanInfluence)}; reference {sample.RefModelVersion})"));
        output.WriteLine(Tokens(sample, color));
        output.WriteLine(color
            ? $"  legend: \u001b[90mprompt{Reset}  \u001b[30;48;2;40;200;90mkept{Reset}  \u001b[9;38;2;235;70;70mdropped{Reset}  (stronger colour = further from the threshold)"
            : "  legend: ⟪prompt⟫  kept  ~~dropped~~");
        if (!sample.Decoded)
        {
            output.WriteLine("  (no tokenizer with the lake's tokenizer_hash was found: pass --tokenizer to see text instead of ids)");
        }

        if (table)
        {
            WriteTable(output, sample);
        }
    }

    /// <summary>The tokens alone, coloured or marked.</summary>
    public static string Tokens(InspectedSample sample, bool color)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var scale = InfluenceColors.Scale(sample);
        var text = new StringBuilder();
        var marked = TokenRole.Kept; // plain mode: the role whose markers are open
        foreach (var token in sample.Tokens)
        {
            if (color)
            {
                text.Append(Style(token, sample.Threshold, scale)).Append(Visible(token.Text)).Append(Reset);
                continue;
            }

            if (token.Text.Length == 0)
            {
                continue; // half a character: its text comes with the next token
            }

            var lead = 0;
            if (token.Role != marked)
            {
                // The space before a word stays outside the markers: "kept ~~dropped~~", not "kept~~ dropped~~".
                lead = token.Text.Length - token.Text.TrimStart().Length;
                text.Append(Close(marked)).Append(token.Text, 0, lead).Append(Open(token.Role));
                marked = token.Role;
            }

            text.Append(token.Text, lead, token.Text.Length - lead);
        }

        if (!color)
        {
            text.Append(Close(marked));
        }

        return text.ToString();
    }

    private static string Style(InspectedToken token, float threshold, float scale)
    {
        if (token.Influence is not { } x)
        {
            return "\u001b[90m";
        }

        var strength = InfluenceColors.Strength(x, threshold, scale);
        var (r, g, b) = InfluenceColors.Rgb(token.Role, strength);
        // Black text on the bright greens, white on the dark ones (as on the page).
        return token.Role == TokenRole.Kept
            ? string.Create(CultureInfo.InvariantCulture, $"\u001b[{(strength < 0.35f ? 97 : 30)};48;2;{r};{g};{b}m")
            : string.Create(CultureInfo.InvariantCulture, $"\u001b[9;38;2;{r};{g};{b}m");
    }

    // A newline inside a coloured span would carry the background to the line's end in some terminals.
    private static string Visible(string text) => text.Replace("\n", Reset + "\n", StringComparison.Ordinal);

    private static string Open(TokenRole role) => role switch { TokenRole.Prompt => "⟪", TokenRole.Dropped => "~~", _ => "" };

    private static string Close(TokenRole role) => role switch { TokenRole.Prompt => "⟫", TokenRole.Dropped => "~~", _ => "" };

    private static void WriteTable(TextWriter output, InspectedSample sample)
    {
        output.WriteLine("  #     id      role     influence  base_loss  ref_loss  text");
        for (var i = 0; i < sample.Tokens.Count; i++)
        {
            var t = sample.Tokens[i];
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {i,-5} {t.Id,-7} {t.Role.ToString().ToLowerInvariant(),-8} {Format(t.Influence),9}  {Format(t.BaseLoss),9}  {Format(t.RefLoss),8}  {Escape(t.Text)}"));
        }
    }

    private static string Format(double? x) => x is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string Format(float? x) => x is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string Escape(string text) => "'" + text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "'";
}
