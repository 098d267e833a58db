using TokenClean.Tests.Oracles;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Types;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Arrow;

/// <summary>Everything our writer produces is read back by the Arrow project's JS implementation.</summary>
public sealed class ArrowWriterOracleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    /// <summary>Both IPC formats, and each with a compressed body (Arrow JS reads those through registered codecs).</summary>
    public static TheoryData<string> Formats => new(FormatNames);

    internal static string[] FormatNames => ["stream", "file", "stream+zstd", "file+lz4"];

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(Formats))]
    public void Write_EveryTypeWithNulls_JsReaderSeesSchemaNullabilityMetadataAndEveryValue(string format)
    {
        var schema = MixedSchema();
        var batch = new RecordBatchBuilder(schema);
        var s = batch.Column<Utf8Column>(0);
        var ns = batch.Column<Utf8Column>(1);
        var i32 = batch.Column<PrimitiveColumn<int>>(2);
        var i64 = batch.Column<PrimitiveColumn<long>>(3);
        var f32 = batch.Column<PrimitiveColumn<float>>(4);
        var ts = batch.Column<PrimitiveColumn<long>>(5);
        var li = batch.Column<ListColumn<int>>(6);
        var lf = batch.Column<ListColumn<float>>(7);
        var nli = batch.Column<ListColumn<int>>(8);

        // 11 rows so that the validity bitmap spans two bytes and nulls fall on both.
        for (var r = 0; r < 11; r++)
        {
            s.Append(r == 3 ? "héllo ✓ 日本" : $"row{r}");
            if (r % 3 == 1)
            {
                ns.AppendNull();
                i32.AppendNull();
                i64.AppendNull();
                nli.AppendNull();
            }
            else
            {
                ns.Append(r == 0 ? string.Empty : $"t{r}");
                i32.Append(r == 2 ? int.MinValue : r * 1000);
                i64.Append(r == 2 ? long.MaxValue : -r * 10_000_000_000L);
                nli.Append(r == 0 ? [] : [r, -r]);
            }

            f32.Append(r == 5 ? float.NaN : r * 0.5f);
            ts.Append(1_763_700_000_000L + r);
            li.Append(r == 4 ? ReadOnlySpan<int>.Empty : [r, r + 1, -100]);
            lf.Append([r * 1.25f, r == 6 ? float.NegativeInfinity : -0.5f]);
        }

        var path = WriteFile(format, schema, batch);
        var js = ArrowJs.ReadOne(path);

        Assert.Equal(format.Split('+')[0], js.GetProperty("format").GetString());
        Assert.Equal(11, js.GetProperty("numRows").GetInt32());
        Assert.Equal(11, js.GetProperty("tableRows").GetInt32());
        var fields = js.GetProperty("schema");
        AssertField(fields[0], "s", "Utf8", nullable: false);
        AssertField(fields[1], "ns", "Utf8", nullable: true);
        AssertField(fields[2], "i32", "Int", nullable: true);
        Assert.Equal(32, fields[2].GetProperty("type").GetProperty("bitWidth").GetInt32());
        Assert.True(fields[2].GetProperty("type").GetProperty("signed").GetBoolean());
        AssertField(fields[3], "i64", "Int", nullable: true);
        Assert.Equal(64, fields[3].GetProperty("type").GetProperty("bitWidth").GetInt32());
        AssertField(fields[4], "f32", "Float", nullable: false);
        Assert.Equal(1, fields[4].GetProperty("type").GetProperty("precision").GetInt32()); // SINGLE
        AssertField(fields[5], "ts", "Timestamp", nullable: false);
        Assert.Equal(1, fields[5].GetProperty("type").GetProperty("unit").GetInt32()); // MILLISECOND
        Assert.Equal("UTC", fields[5].GetProperty("type").GetProperty("timezone").GetString());
        AssertField(fields[6], "li", "List", nullable: false);
        AssertField(fields[6].GetProperty("children")[0], "item", "Int", nullable: true);
        AssertField(fields[7], "lf", "List", nullable: false);
        AssertField(fields[7].GetProperty("children")[0], "item", "Float", nullable: true);
        AssertField(fields[8], "nli", "List", nullable: true);

        var metadata = js.GetProperty("metadata");
        Assert.Equal("v1", metadata.GetProperty("k1").GetString());
        Assert.Equal("ünïcode ✓", metadata.GetProperty("k2").GetString());

        var c = js.GetProperty("columns");
        for (var r = 0; r < 11; r++)
        {
            var isNull = r % 3 == 1;
            Assert.Equal(r == 3 ? "héllo ✓ 日本" : $"row{r}", c.GetProperty("s")[r].GetString());
            Assert.Equal(isNull ? null : r == 0 ? string.Empty : $"t{r}", c.GetProperty("ns")[r].GetString());
            AssertNullOr(c.GetProperty("i32")[r], isNull, e => Assert.Equal(r == 2 ? int.MinValue : r * 1000, e.GetInt32()));
            AssertNullOr(c.GetProperty("i64")[r], isNull, e => Assert.Equal((r == 2 ? long.MaxValue : -r * 10_000_000_000L).ToString(System.Globalization.CultureInfo.InvariantCulture), e.GetString()));
            if (r == 5)
            {
                Assert.Equal("NaN", c.GetProperty("f32")[r].GetString());
            }
            else
            {
                Assert.Equal(r * 0.5f, c.GetProperty("f32")[r].GetSingle());
            }

            Assert.Equal(1_763_700_000_000L + r, c.GetProperty("ts")[r].GetInt64());
            Assert.Equal(r == 4 ? [] : new[] { r, r + 1, -100 }, Ints(c.GetProperty("li")[r]));
            var lfRow = c.GetProperty("lf")[r];
            Assert.Equal(r * 1.25f, lfRow[0].GetSingle());
            if (r == 6)
            {
                Assert.Equal("-Infinity", lfRow[1].GetString());
            }
            else
            {
                Assert.Equal(-0.5f, lfRow[1].GetSingle());
            }

            AssertNullOr(c.GetProperty("nli")[r], isNull, e => Assert.Equal(r == 0 ? [] : new[] { r, -r }, Ints(e)));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Write_EmptyBatch_JsReaderSeesZeroRowsAndTheSchema(string format)
    {
        var schema = MixedSchema();
        var batch = new RecordBatchBuilder(schema);
        var path = WriteFile(format, schema, batch);

        var js = ArrowJs.ReadOne(path);
        Assert.Equal(0, js.GetProperty("numRows").GetInt32());
        Assert.Equal([0], js.GetProperty("batches").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(9, js.GetProperty("schema").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Finish_WithoutAnyBatch_WritesTheSchemaAndAValidEmptyTable(string format)
    {
        var schema = MixedSchema();
        var path = _dir.File("none." + format);
        using (var writer = CreateWriter(format, File.Create(path), schema))
        {
            writer.Finish();
        }

        var js = ArrowJs.ReadOne(path);
        Assert.Equal(0, js.GetProperty("numRows").GetInt32());
        Assert.Equal(0, js.GetProperty("batches").GetArrayLength());
        Assert.Equal("ts", js.GetProperty("schema")[5].GetProperty("name").GetString());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Write_ListOf100kElements_JsReaderReadsEveryElement(string format)
    {
        var schema = Schema([new("ids", new ListType(Int32Type.Default), false), new("scores", new ListType(FloatType.Default), false)]);
        var batch = new RecordBatchBuilder(schema);
        var ids = new int[100_000];
        var scores = new float[100_000];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (i * 7919) - 50_000;
            scores[i] = i / 8f;
        }

        batch.Column<ListColumn<int>>(0).Append(ids);
        batch.Column<ListColumn<float>>(1).Append(scores);
        batch.Column<ListColumn<int>>(0).Append([1]);
        batch.Column<ListColumn<float>>(1).Append([2f]);
        var path = WriteFile(format, schema, batch);

        var js = ArrowJs.ReadOne(path);
        var readIds = js.GetProperty("columns").GetProperty("ids");
        var readScores = js.GetProperty("columns").GetProperty("scores");
        Assert.Equal(ids, Ints(readIds[0]));
        Assert.Equal(scores, readScores[0].EnumerateArray().Select(e => e.GetSingle()).ToArray());
        Assert.Equal([1], Ints(readIds[1]));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Write_SeveralBatchesOfDifferentSizes_JsReaderSeesEachBatchInOrder(string format)
    {
        var schema = Schema([new("n", Int64Type.Default, true), new("s", StringType.Default, false), new("l", new ListType(Int32Type.Default), false)]);
        var batch = new RecordBatchBuilder(schema);
        var path = _dir.File("multi." + format);
        var sizes = new[] { 3, 0, 1, 17 };
        var next = 0L;
        using (var writer = CreateWriter(format, File.Create(path), schema))
        {
            foreach (var size in sizes)
            {
                batch.Clear();
                for (var r = 0; r < size; r++, next++)
                {
                    if (next % 5 == 4)
                    {
                        batch.Column<PrimitiveColumn<long>>(0).AppendNull();
                    }
                    else
                    {
                        batch.Column<PrimitiveColumn<long>>(0).Append(next);
                    }

                    batch.Column<Utf8Column>(1).Append("v" + next);
                    batch.Column<ListColumn<int>>(2).Append([(int)next]);
                }

                writer.WriteBatch(batch);
            }

            writer.Finish();
            Assert.Equal(4, writer.BatchCount);
        }

        var js = ArrowJs.ReadOne(path);
        Assert.Equal(sizes, js.GetProperty("batches").EnumerateArray().Select(e => e.GetInt32()));
        var n = js.GetProperty("columns").GetProperty("n");
        var s = js.GetProperty("columns").GetProperty("s");
        for (var i = 0; i < next; i++)
        {
            AssertNullOr(n[i], i % 5 == 4, e => Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), e.GetString()));
            Assert.Equal("v" + i, s[i].GetString());
        }
    }

    internal static Schema MixedSchema() => Schema(
        [
            new("s", StringType.Default, false),
            new("ns", StringType.Default, true),
            new("i32", Int32Type.Default, true),
            new("i64", Int64Type.Default, true),
            new("f32", FloatType.Default, false),
            new("ts", new TimestampType(TimeUnit.Millisecond, "UTC"), false),
            new("li", new ListType(Int32Type.Default), false),
            new("lf", new ListType(FloatType.Default), false),
            new("nli", new ListType(Int32Type.Default), true),
        ],
        [new("k1", "v1"), new("k2", "ünïcode ✓")]);

    internal static Schema Schema(Field[] fields, KeyValuePair<string, string>[]? metadata = null) =>
        new(fields, metadata ?? []);

    /// <summary>"stream" or "file", optionally "+zstd" / "+lz4" for a compressed body.</summary>
    internal static ArrowIpcBatchWriter CreateWriter(string format, Stream stream, Schema schema)
    {
        var parts = format.Split('+');
        var compression = parts.Length > 1 && ArrowCompressionNames.TryParse(parts[1], out var c) ? c : ArrowCompression.None;
        return new ArrowIpcBatchWriter(stream, schema, parts[0] == "file" ? ArrowIpcFormat.File : ArrowIpcFormat.Stream, compression);
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static void AssertField(JsonElement field, string name, string typeId, bool nullable)
    {
        Assert.Equal(name, field.GetProperty("name").GetString());
        Assert.Equal(typeId, field.GetProperty("type").GetProperty("id").GetString());
        Assert.Equal(nullable, field.GetProperty("nullable").GetBoolean());
    }

    private static void AssertNullOr(JsonElement e, bool isNull, Action<JsonElement> check)
    {
        if (isNull)
        {
            Assert.Equal(JsonValueKind.Null, e.ValueKind);
        }
        else
        {
            check(e);
        }
    }

    private string WriteFile(string format, Schema schema, RecordBatchBuilder batch)
    {
        var path = _dir.File("t." + format + ".arrow");
        using var writer = CreateWriter(format, File.Create(path), schema);
        writer.WriteBatch(batch);
        writer.Finish();
        return path;
    }
}
