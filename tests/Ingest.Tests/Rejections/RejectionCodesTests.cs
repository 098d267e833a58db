using System.Text.RegularExpressions;
using TokenClean.Core.Rejections;
using TokenClean.Tests.Shared;

namespace TokenClean.Ingest.Tests.Rejections;

/// <summary>The one table of dead-letter reason codes, and the one doc table that lists them.</summary>
public sealed partial class RejectionCodesTests
{
    [Fact]
    public void Table_HasEveryReasonOnceWithAUniqueSnakeCaseCodeThatRoundTrips()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        Assert.Equal(Enum.GetValues<RejectionReason>(), RejectionCodes.All.Select(e => e.Reason));
        foreach (var (reason, code, alias) in RejectionCodes.All)
        {
            Assert.Equal(code, reason.Code());
            Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", code);
            Assert.True(codes.Add(code), code);
            Assert.True(RejectionCodes.TryParse(code, out var back));
            Assert.Equal(reason, back);
            if (alias is not null)
            {
                Assert.True(codes.Add(alias), alias);
                Assert.Equal(alias, reason.LegacyCode());
                Assert.True(RejectionCodes.TryParse(alias, out var fromAlias));
                Assert.Equal(reason, fromAlias);
            }
        }
    }

    [Theory]
    [InlineData("too_long", RejectionReason.TooManyTokens)]
    [InlineData("id_out_of_vocab", RejectionReason.TokenOutOfVocabulary)]
    [InlineData("length_mismatch", RejectionReason.LabelsLengthMismatch)]
    [InlineData("label_mismatch", RejectionReason.InvalidLabel)]
    public void TryParse_ReleasedCodeThatWasRenamed_IsAcceptedAsAnAlias(string old, RejectionReason expected)
    {
        Assert.True(RejectionCodes.TryParse(old, out var reason));
        Assert.Equal(expected, reason);
        Assert.Equal(old, new SampleRejection(reason, "m").LegacyCode);
    }

    [Theory]
    [InlineData("invalid_json")]
    [InlineData("stale")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_CodeNoReasonHas_IsRefused(string? code) => Assert.False(RejectionCodes.TryParse(code, out _));

    [Fact]
    public void Operations_DocListsExactlyTheCodesAndAliasesOfTheTable()
    {
        // The one place users read the codes: docs/OPERATIONS.md, "Dead-letter reason codes"; a row is
        // | `code` | `alias` or empty | when |.
        var text = File.ReadAllText(RepoRoot.File("docs", "OPERATIONS.md"));
        var start = text.IndexOf("## Dead-letter reason codes", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/OPERATIONS.md has no '## Dead-letter reason codes' section");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? text[start..] : text[start..end];

        var documented = new List<(string Code, string? Alias)>();
        foreach (Match m in DocRow().Matches(section))
        {
            documented.Add((m.Groups["code"].Value, m.Groups["alias"].Success && m.Groups["alias"].Value.Length > 0 ? m.Groups["alias"].Value : null));
        }

        Assert.Equal(RejectionCodes.All.Select(e => (e.Code, e.Alias)).Order(), documented.Order());
    }

    [Fact]
    public void OtherDocs_ShowNoCodeOutsideTheTable()
    {
        // Every `snake_case` word that a doc calls a reason or dead letter code must be in the table: the other docs
        // link to the table instead of listing their own (drifted) spellings.
        var known = RejectionCodes.All.SelectMany(e => e.Alias is null ? [e.Code] : new[] { e.Code, e.Alias }).ToHashSet(StringComparer.Ordinal);
        foreach (var doc in new[] { "INGEST.md", "SCORING.md", "SERVICE.md", "SINK.md", "OPERATIONS.md" })
        {
            foreach (Match m in ReasonMention().Matches(File.ReadAllText(RepoRoot.File("docs", doc))))
            {
                Assert.True(known.Contains(m.Groups["code"].Value), $"docs/{doc} shows reason '{m.Groups["code"].Value}', which no code emits");
            }
        }
    }

    [GeneratedRegex(@"^\| `(?<code>[a-z0-9_]+)` \| (?:`(?<alias>[a-z0-9_]+)`)? *\|", RegexOptions.Multiline)]
    private static partial Regex DocRow();

    // "reason": "x" (the whole string: a refusal's prose reason in /status's reference history is not a code),
    // "Reason":"x", dead letter ...: x, deadLetters { "x": n }
    [GeneratedRegex(@"(?:""reason""\s*:\s*""|""Reason""\s*:\s*"")(?<code>[a-z0-9_]+)""|(?:dead letter [^\s]+: |""deadLetters""\s*:\s*\{[^}]*?"")(?<code>[a-z0-9_]+)")]
    private static partial Regex ReasonMention();
}
