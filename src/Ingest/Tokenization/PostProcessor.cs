namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// The post-processor's effect on a single sequence: ids before and after it when special tokens are on, and
/// whether token offsets lose their leading/trailing spaces (HF's <c>trim_offsets</c>, which ByteLevel and
/// RobertaProcessing apply whether or not special tokens are added). TemplateProcessing, RobertaProcessing and
/// BertProcessing add ids; ByteLevel only trims offsets; a Sequence composes its processors.
/// </summary>
internal sealed class PostProcessor(int[] prefix, int[] suffix, bool trimOffsets = false, bool trimKeepsPrefixSpace = false)
{
    public static readonly PostProcessor None = new([], []);

    public int[] Prefix { get; } = prefix;

    public int[] Suffix { get; } = suffix;

    /// <summary>Offsets drop the spaces a token starts or ends with (HF's <c>process_offsets</c>).</summary>
    public bool TrimOffsets { get; } = trimOffsets;

    /// <summary>The processor's <c>add_prefix_space</c>: the first token keeps one leading space when trimming.</summary>
    public bool TrimKeepsPrefixSpace { get; } = trimKeepsPrefixSpace;

    public PostProcessor Then(PostProcessor outer) => new(
        [.. outer.Prefix, .. Prefix],
        [.. Suffix, .. outer.Suffix],
        TrimOffsets || outer.TrimOffsets,
        TrimOffsets ? TrimKeepsPrefixSpace : outer.TrimKeepsPrefixSpace);
}
