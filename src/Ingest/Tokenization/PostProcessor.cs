namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// The post-processor's effect on a single sequence's ids with special tokens on: ids before and after it.
/// TemplateProcessing, RobertaProcessing and BertProcessing add ids; ByteLevel only trims offsets, which do not
/// change ids; a Sequence composes its processors.
/// </summary>
internal sealed class PostProcessor(int[] prefix, int[] suffix)
{
    public static readonly PostProcessor None = new([], []);

    public int[] Prefix { get; } = prefix;

    public int[] Suffix { get; } = suffix;

    public PostProcessor Then(PostProcessor outer) => new([.. outer.Prefix, .. Prefix], [.. Suffix, .. outer.Suffix]);
}
