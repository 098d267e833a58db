using Apache.Arrow;
using TokenClean.Ingest.Tokenization;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Inspection;

/// <summary>
/// Reads rows of a data lake back for a person: a sample's tokens decoded with the lake's tokenizer, what selection
/// kept, each token's influence and (when the lake was written with <c>--emit-losses</c>) its base and reference
/// losses. Serves <c>tokenclean inspect</c> and the status page's inspector.
/// </summary>
/// <remarks>
/// Thread-safe: every call reads the files afresh (a file is read whole; lake files are bounded by the lake's
/// roll settings), so it follows a lake that is still being written. Only committed files are read.
/// </remarks>
public sealed class LakeInspector
{
    private readonly string _root;
    private readonly string? _tokenizerPath;
    private readonly Lock _gate = new();
    private (string Hash, HfTokenizer? Tokenizer)? _tokenizer;

    /// <param name="root">A lake root, a dataset folder or any folder above lake files.</param>
    /// <param name="tokenizerPath">
    /// <c>tokenizer.json</c> or a folder holding it; null = look for one whose hash matches the files'
    /// <c>tokenclean.tokenizer_hash</c> in the folders around the lake (a <c>models/</c> folder beside it).
    /// </param>
    public LakeInspector(string root, string? tokenizerPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        _root = Path.GetFullPath(root);
        _tokenizerPath = tokenizerPath;
    }

    /// <summary>The inspected directory.</summary>
    public string Root => _root;

    /// <summary>Committed lake files under the root, newest name last.</summary>
    public IReadOnlyList<LakeFileSummary> Files()
    {
        if (!Directory.Exists(_root))
        {
            return [];
        }

        var files = new List<LakeFileSummary>();
        foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(path);
            // A name starting with '.' is a file still being written (the lake's temporary files).
            if (name.StartsWith('.') || !(name.EndsWith(".arrow", StringComparison.Ordinal) || name.EndsWith(".parquet", StringComparison.Ordinal)))
            {
                continue;
            }

            files.Add(new LakeFileSummary(Relative(path), new FileInfo(path).Length));
        }

        files.Sort(static (a, b) => string.CompareOrdinal(a.File, b.File));
        return files;
    }

    /// <summary>The first row whose <c>sample_id</c> is <paramref name="sampleId"/>, searching every file; null when none.</summary>
    /// <exception cref="InvalidDataException">A lake file cannot be read.</exception>
    public InspectedSample? Find(string sampleId)
    {
        ArgumentNullException.ThrowIfNull(sampleId);
        foreach (var file in Files())
        {
            var found = WithRows(file.File, rows =>
            {
                for (var r = 0; r < rows.Count; r++)
                {
                    if (rows.SampleId(r) == sampleId)
                    {
                        return Inspect(rows, r);
                    }
                }

                return null;
            });
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Row <paramref name="row"/> of <paramref name="file"/> (a path from <see cref="Files"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such row.</exception>
    /// <exception cref="FileNotFoundException">No such file under the root.</exception>
    public InspectedSample Sample(string file, int row) => WithRows(file, rows =>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, rows.Count);
        return Inspect(rows, row);
    });

    /// <summary>
    /// The <paramref name="count"/> lowest- and highest-scoring rows (by mean response-token influence) of
    /// <paramref name="file"/>, or of every file when it is null.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public SampleExtremes Extremes(string? file, int count = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var ranked = new List<SampleSummary>();
        foreach (var f in file is null ? Files().Select(static f => f.File) : [file])
        {
            WithRows(f, rows =>
            {
                for (var r = 0; r < rows.Count; r++)
                {
                    if (rows.MeanInfluence(r) is { } mean)
                    {
                        ranked.Add(new SampleSummary(rows.SampleId(r), rows.File, r, mean, rows.ResponseTokens(r), rows.KeptTokens(r)));
                    }
                }

                return 0;
            });
        }

        ranked.Sort(static (a, b) => a.MeanInfluence.CompareTo(b.MeanInfluence));
        var lowest = ranked.Take(count).ToList();
        var highest = Enumerable.Reverse(ranked).Take(count).ToList();
        return new SampleExtremes(file ?? "(all files)", ranked.Count, lowest, highest);
    }

    /// <summary>
    /// The <c>labels</c> of every row of every committed file, by <c>sample_id</c> (the training mask each sample
    /// got); a sample written twice keeps its first row.
    /// </summary>
    public IReadOnlyDictionary<string, int[]> Labels()
    {
        var labels = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var f in Files())
        {
            WithRows(f.File, rows =>
            {
                for (var r = 0; r < rows.Count; r++)
                {
                    labels.TryAdd(rows.SampleId(r), rows.Ints(r, "labels"));
                }

                return 0;
            });
        }

        return labels;
    }

    /// <summary>Rows, response tokens and kept tokens over every committed file.</summary>
    public (long Rows, long ResponseTokens, long KeptTokens) Totals()
    {
        long rowsTotal = 0, response = 0, kept = 0;
        foreach (var f in Files())
        {
            WithRows(f.File, rows =>
            {
                rowsTotal += rows.Count;
                for (var r = 0; r < rows.Count; r++)
                {
                    response += rows.ResponseTokens(r);
                    kept += rows.KeptTokens(r);
                }

                return 0;
            });
        }

        return (rowsTotal, response, kept);
    }

    private T WithRows<T>(string file, Func<LakeRows, T> read)
    {
        var full = Path.GetFullPath(Path.Combine(_root, file));
        if (!full.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(full))
        {
            throw new FileNotFoundException($"no lake file '{file}' under '{_root}'", file);
        }

        var (schema, batches) = LakeFileReader.ReadAll(full);
        try
        {
            return read(new LakeRows(Relative(full), schema, batches));
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch.Dispose();
            }
        }
    }

    private InspectedSample Inspect(LakeRows rows, int row)
    {
        var ids = rows.Ints(row, "input_ids");
        var labels = rows.Ints(row, "labels");
        var influence = rows.Floats(row, "influence")!;
        var baseLoss = rows.Floats(row, "base_loss");
        var refLoss = rows.Floats(row, "ref_loss");
        var tokenizer = TokenizerFor(rows.Schema);
        var texts = tokenizer is null ? null : TokenPieces.Decode(tokenizer, ids);
        var tokens = new InspectedToken[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var scored = float.IsFinite(influence[i]);
            var role = !scored ? TokenRole.Prompt : labels[i] != -100 ? TokenRole.Kept : TokenRole.Dropped;
            tokens[i] = new InspectedToken(
                ids[i],
                texts?[i] ?? $"⟨{ids[i]}⟩",
                role,
                scored ? influence[i] : null,
                scored && baseLoss is not null ? baseLoss[i] : null,
                scored && refLoss is not null ? refLoss[i] : null);
        }

        return new InspectedSample(
            rows.SampleId(row),
            rows.File,
            row,
            rows.Threshold(row),
            rows.RefModelVersion(row),
            rows.ResponseTokens(row),
            rows.KeptTokens(row),
            rows.MeanInfluence(row),
            baseLoss is not null,
            tokenizer is not null,
            tokens);
    }

    private HfTokenizer? TokenizerFor(Schema schema)
    {
        var hash = schema.Metadata?.GetValueOrDefault("tokenclean.tokenizer_hash") ?? "none";
        lock (_gate)
        {
            if (_tokenizer is { } cached && cached.Hash == hash)
            {
                return cached.Tokenizer;
            }

            var path = _tokenizerPath ?? FindTokenizer(hash);
            var tokenizer = path is null ? null : HfTokenizer.FromFile(Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path);
            _tokenizer = (hash, tokenizer);
            return tokenizer;
        }
    }

    // The lake's folder, up to three levels above it, and their models/ subtrees: where serve's and the demo's
    // tokenizers live beside a lake. Only a file with the recorded hash is taken.
    private string? FindTokenizer(string hash)
    {
        if (hash == "none")
        {
            return null;
        }

        var dir = new DirectoryInfo(_root);
        for (var level = 0; level < 4 && dir is not null; level++, dir = dir.Parent)
        {
            foreach (var candidate in Candidates(dir))
            {
                if (TokenizerLineage.FromPath(candidate).Hash == hash)
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static IEnumerable<string> Candidates(DirectoryInfo dir)
    {
        var direct = Path.Combine(dir.FullName, "tokenizer.json");
        if (File.Exists(direct))
        {
            yield return direct;
        }

        var models = Path.Combine(dir.FullName, "models");
        if (Directory.Exists(models))
        {
            foreach (var file in Directory.EnumerateFiles(models, "tokenizer.json", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3 }))
            {
                yield return file;
            }
        }
    }

    private string Relative(string path) => Path.GetRelativePath(_root, path).Replace('\\', '/');
}
