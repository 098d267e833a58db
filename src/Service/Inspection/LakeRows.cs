using Apache.Arrow;

namespace TokenClean.Service.Inspection;

/// <summary>Row access over a lake file's record batches by column name (the inspector reads a few rows, not a hot path).</summary>
internal sealed class LakeRows
{
    private readonly List<RecordBatch> _batches;
    private readonly int[] _starts;

    public LakeRows(string file, Schema schema, List<RecordBatch> batches)
    {
        File = file;
        Schema = schema;
        _batches = batches;
        _starts = new int[batches.Count];
        var n = 0;
        for (var i = 0; i < batches.Count; i++)
        {
            _starts[i] = n;
            n += batches[i].Length;
        }

        Count = n;
    }

    public string File { get; }

    public Schema Schema { get; }

    public int Count { get; }

    public string SampleId(int row) => Column<StringArray>(row, "sample_id", out var i).GetString(i) ?? "";

    public string RefModelVersion(int row) => Column<StringArray>(row, "ref_model_version", out var i).GetString(i) ?? "";

    public float Threshold(int row) => Column<FloatArray>(row, "threshold", out var i).GetValue(i) ?? float.NaN;

    public int ResponseTokens(int row) => Column<Int32Array>(row, "response_tokens", out var i).GetValue(i) ?? 0;

    public int KeptTokens(int row) => Column<Int32Array>(row, "kept_tokens", out var i).GetValue(i) ?? 0;

    public int[] Ints(int row, string name)
    {
        var list = Column<ListArray>(row, name, out var i);
        return ((Int32Array)list.GetSlicedValues(i)).Values.ToArray();
    }

    /// <summary>The float list <paramref name="name"/> of a row; null when the file has no such column.</summary>
    public float[]? Floats(int row, string name)
    {
        if (Schema.GetFieldIndex(name) < 0)
        {
            return null;
        }

        var list = Column<ListArray>(row, name, out var i);
        return ((FloatArray)list.GetSlicedValues(i)).Values.ToArray();
    }

    /// <summary>Mean influence of the row's scored tokens; null when none is scored.</summary>
    public double? MeanInfluence(int row)
    {
        double sum = 0;
        var n = 0;
        foreach (var x in Floats(row, "influence")!)
        {
            if (float.IsFinite(x))
            {
                sum += x;
                n++;
            }
        }

        return n > 0 ? sum / n : null;
    }

    private T Column<T>(int row, string name, out int index)
        where T : IArrowArray
    {
        var b = System.Array.BinarySearch(_starts, row);
        if (b < 0)
        {
            b = ~b - 1;
        }

        while (b + 1 < _starts.Length && _starts[b + 1] == row)
        {
            b++; // skip empty batches
        }

        index = row - _starts[b];
        var column = Schema.GetFieldIndex(name);
        if (column < 0)
        {
            throw new InvalidDataException($"'{File}' has no column '{name}': not a tokenclean lake file");
        }

        return (T)_batches[b].Column(column);
    }
}
