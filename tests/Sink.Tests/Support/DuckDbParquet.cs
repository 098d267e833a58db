using System.Collections;
using System.Globalization;
using DuckDB.NET.Data;

namespace TokenClean.Sink.Tests.Support;

/// <summary>
/// Reads Parquet files with DuckDB (its own Parquet reader, independent of Apache Parquet C++ that ParquetSharp
/// wraps): rows, the key-value metadata, the physical schema and the codecs used.
/// </summary>
internal static class DuckDbParquet
{
    /// <summary>Every row as column name to value: lists as object?[] , timestamps as epoch milliseconds.</summary>
    public static List<Dictionary<string, object?>> Rows(string path)
    {
        var rows = new List<Dictionary<string, object?>>();
        Query(
            $"SELECT * REPLACE (epoch_ms(scored_at) AS scored_at) FROM read_parquet({Literal(path)})",
            r =>
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < r.FieldCount; i++)
                {
                    var v = r.IsDBNull(i) ? null : r.GetValue(i);
                    row[r.GetName(i)] = v is IList list ? list.Cast<object?>().ToArray() : v;
                }

                rows.Add(row);
            });
        return rows;
    }

    public static List<string> SampleIds(string path)
    {
        var ids = new List<string>();
        Query($"SELECT sample_id FROM read_parquet({Literal(path)})", r => ids.Add(r.GetString(0)));
        return ids;
    }

    public static long Count(string path)
    {
        long n = 0;
        Query($"SELECT count(*) FROM read_parquet({Literal(path)})", r => n = r.GetInt64(0));
        return n;
    }

    public static Dictionary<string, string> Metadata(string path)
    {
        var kv = new Dictionary<string, string>(StringComparer.Ordinal);
        Query($"SELECT decode(key), decode(value) FROM parquet_kv_metadata({Literal(path)})", r => kv[r.GetString(0)] = r.GetString(1));
        return kv;
    }

    /// <summary>The schema's elements in order: name, repetition (REQUIRED/OPTIONAL/REPEATED) and logical type.</summary>
    public static List<(string Name, string Repetition, string? Logical)> Schema(string path)
    {
        var elements = new List<(string, string, string?)>();
        Query(
            $"SELECT name, repetition_type, logical_type FROM parquet_schema({Literal(path)})",
            r => elements.Add((r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2))));
        return elements;
    }

    public static List<string> Codecs(string path)
    {
        var codecs = new List<string>();
        Query($"SELECT DISTINCT compression FROM parquet_metadata({Literal(path)})", r => codecs.Add(r.GetString(0)));
        return codecs;
    }

    private static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static void Query(string sql, Action<DuckDBDataReader> row)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = (DuckDBDataReader)command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }

    public static int[] Ints(object? list) => ((object?[])list!).Select(v => Convert.ToInt32(v, CultureInfo.InvariantCulture)).ToArray();

    public static float[] Floats(object? list) => ((object?[])list!).Select(v => Convert.ToSingle(v, CultureInfo.InvariantCulture)).ToArray();
}
