#!/usr/bin/env python3
"""Checks tokenclean's Arrow output with pyarrow (and Hugging Face datasets when installed).

Usage: python3 tools/check_arrow_pyarrow.py FILE.arrow [FILE.arrow ...]

For each file: reads it with pyarrow.ipc.open_stream (stream format) or pyarrow.ipc.open_file (file format,
through the footer; detected by the "ARROW1" magic), asserts the output schema (names, types, nullability),
the schema metadata keys, and the invariants of every row; for stream files also loads it with
datasets.Dataset.from_file (which memory-maps Arrow IPC streams) and compares row counts and values.
Sample files: `./tokenclean lake sample --out DIR` writes both formats. Exits non-zero on the first failure.
"""
import math
import sys

import pyarrow as pa
import pyarrow.ipc as ipc

EXPECTED = pa.schema([
    pa.field("sample_id", pa.utf8(), nullable=False),
    pa.field("source_topic", pa.utf8(), nullable=True),
    pa.field("source_partition", pa.int32(), nullable=True),
    pa.field("source_offset", pa.int64(), nullable=True),
    pa.field("input_ids", pa.list_(pa.field("item", pa.int32(), nullable=True)), nullable=False),
    pa.field("labels", pa.list_(pa.field("item", pa.int32(), nullable=True)), nullable=False),
    pa.field("influence", pa.list_(pa.field("item", pa.float32(), nullable=True)), nullable=False),
    pa.field("response_tokens", pa.int32(), nullable=False),
    pa.field("kept_tokens", pa.int32(), nullable=False),
    pa.field("ref_model_version", pa.utf8(), nullable=False),
    pa.field("base_model", pa.utf8(), nullable=False),
    pa.field("threshold", pa.float32(), nullable=False),
    pa.field("scored_at", pa.timestamp("ms", tz="UTC"), nullable=False),
])
METADATA_KEYS = [
    b"tokenclean.schema_version", b"tokenclean.tokenizer_id", b"tokenclean.tokenizer_hash",
    b"tokenclean.selection_mode", b"tokenclean.keep_ratio", b"tokenclean.software_version",
]


def read(path):
    with open(path, "rb") as f:
        is_file = f.read(6) == b"ARROW1"
    source = pa.memory_map(path, "r")
    if is_file:
        reader = ipc.open_file(source)
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        return "file", reader.schema, pa.Table.from_batches(batches, schema=reader.schema)
    reader = ipc.open_stream(source)
    return "stream", reader.schema, reader.read_all()


def check_rows(table):
    rows = table.to_pylist()
    for r in rows:
        n = len(r["input_ids"])
        assert len(r["labels"]) == n and len(r["influence"]) == n, f"{r['sample_id']}: token arrays differ in length"
        kept = 0
        for tok, lab, inf in zip(r["input_ids"], r["labels"], r["influence"]):
            assert lab == -100 or lab == tok, f"{r['sample_id']}: label {lab} is neither -100 nor the token {tok}"
            assert inf is not None, f"{r['sample_id']}: influence items are never null (NaN marks prompt tokens)"
            if lab != -100:
                kept += 1
                assert not math.isnan(inf), f"{r['sample_id']}: a kept token has no score"
        assert kept == r["kept_tokens"], f"{r['sample_id']}: kept_tokens {r['kept_tokens']} but {kept} labels kept"
        assert r["kept_tokens"] <= r["response_tokens"] <= n
        provenance = (r["source_topic"], r["source_partition"], r["source_offset"])
        assert all(v is None for v in provenance) or all(v is not None for v in provenance), provenance
    return rows


def check(path):
    fmt, schema, table = read(path)
    assert schema.equals(EXPECTED, check_metadata=False), f"schema differs:\n{schema}\nexpected:\n{EXPECTED}"
    for key in METADATA_KEYS:
        assert schema.metadata and key in schema.metadata, f"schema metadata lacks {key!r}"
    rows = check_rows(table)
    line = f"{path}: {fmt} format, {table.num_rows} rows in {len(table.to_batches())} batches, schema and rows OK"
    if fmt == "stream":
        try:
            import datasets
        except ImportError:
            line += "; datasets not installed, from_file not checked"
        else:
            ds = datasets.Dataset.from_file(path)
            assert ds.num_rows == table.num_rows, (ds.num_rows, table.num_rows)
            for i in range(min(ds.num_rows, 50)):
                got, want = ds[i], rows[i]
                assert got["sample_id"] == want["sample_id"] and got["labels"] == want["labels"], i
            line += f"; datasets.Dataset.from_file OK ({ds.num_rows} rows)"
    print(line)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    for p in sys.argv[1:]:
        check(p)
