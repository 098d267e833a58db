// Reads Arrow IPC files with the Arrow project's own JS implementation and prints what it sees as JSON:
// schema (names, types, nullability, children), schema metadata, batches and every value.
// Usage: node arrow-read.mjs [--columns a,b] [--summary] FILE...
//   The format is detected from the bytes: files starting with "ARROW1" are read through the footer
//   (RecordBatchFileReader.readRecordBatch(i) for each footer block), others as a stream.
//   --summary prints row counts and the min/max of source_offset instead of all values.
// Compressed bodies (zstd, lz4 frame) are decoded with the codecs registered below.
// Values: int64 as strings (exact), NaN/Infinity as strings, timestamps as epoch milliseconds, lists as arrays.
import { readFileSync } from 'node:fs';
import { RecordBatchFileReader, RecordBatchStreamReader, tableFromIPC, Type, compressionRegistry, CompressionType } from 'apache-arrow';
import { decompress as zstdDecompress } from 'fzstd';
import lz4 from 'lz4js';

// Arrow JS reads compressed IPC bodies only through codecs registered here (independent JS implementations of
// zstd and the LZ4 frame format; the writer's codecs are Apache.Arrow.Compression's native ones).
// Apache.Arrow (C#) writes an empty buffer as a length prefix of 0 and no frame: that decodes to no bytes. The
// result is copied into a buffer of its own, because Arrow JS views it as int64/float arrays that must be aligned.
const decoder = (decompress) => ({ decode: (data) => data.length === 0 ? new Uint8Array(0) : new Uint8Array(decompress(data)) });
compressionRegistry.set(CompressionType.ZSTD, decoder((data) => zstdDecompress(data)));
compressionRegistry.set(CompressionType.LZ4_FRAME, decoder((data) => lz4.decompress(data)));

const args = process.argv.slice(2);
let columns = null;
let summary = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--columns') columns = args[++i].split(',');
  else if (args[i] === '--summary') summary = true;
  else files.push(args[i]);
}

function typeOf(t) {
  const name = Type[t.typeId];
  const out = { id: name, text: String(t) };
  if (t.typeId === Type.Int) { out.bitWidth = t.bitWidth; out.signed = t.isSigned; }
  if (t.typeId === Type.Float) out.precision = t.precision;
  if (t.typeId === Type.Timestamp) { out.unit = t.unit; out.timezone = t.timezone; }
  return out;
}

function fieldOf(f) {
  return { name: f.name, type: typeOf(f.type), nullable: f.nullable, children: (f.type.children ?? []).map(fieldOf) };
}

function scalar(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return v;
  if (typeof v.toArray === 'function') return Array.from(v.toArray(), scalar);
  if (ArrayBuffer.isView(v)) return Array.from(v, scalar);
  return String(v);
}

function readOne(path) {
  const bytes = readFileSync(path);
  const isFile = bytes.length >= 6 && bytes.subarray(0, 6).toString('latin1') === 'ARROW1';
  const batches = [];
  let schema;
  if (isFile) {
    const reader = RecordBatchFileReader.from(bytes);
    reader.open();
    schema = reader.schema;
    for (let i = 0; i < reader.numRecordBatches; i++) batches.push(reader.readRecordBatch(i));
  } else {
    const reader = RecordBatchStreamReader.from(bytes);
    reader.open();
    schema = reader.schema;
    // The JS stream reader yields a placeholder batch for a stream with no batches; it is not in the data.
    for (const b of reader) if (b.constructor.name !== '_InternalEmptyPlaceholderRecordBatch') batches.push(b);
  }
  const table = tableFromIPC(bytes); // the convenience path trainers' JS tools use; must agree
  const out = {
    path, format: isFile ? 'file' : 'stream',
    schema: schema.fields.map(fieldOf),
    metadata: Object.fromEntries(schema.metadata),
    batches: batches.map(b => b.numRows),
    numRows: batches.reduce((n, b) => n + b.numRows, 0),
    tableRows: table.numRows,
  };
  const names = columns ?? schema.fields.map(f => f.name);
  if (summary) {
    let min = null, max = null, nulls = 0;
    for (const b of batches) {
      const col = b.getChild('source_offset');
      for (let r = 0; col && r < b.numRows; r++) {
        const v = col.get(r);
        if (v === null) { nulls++; continue; }
        const n = BigInt(v);
        if (min === null || n < min) min = n;
        if (max === null || n > max) max = n;
      }
    }
    out.sourceOffsetMin = min === null ? null : min.toString();
    out.sourceOffsetMax = max === null ? null : max.toString();
  }
  if (!summary || columns) {
    out.columns = {};
    for (const name of names) {
      const values = [];
      for (const b of batches) {
        const col = b.getChild(name);
        if (!col) throw new Error(`no column ${name}`);
        for (let r = 0; r < b.numRows; r++) values.push(scalar(col.get(r)));
      }
      out.columns[name] = values;
    }
  }
  return out;
}

const results = [];
let failed = false;
for (const f of files) {
  try { results.push(readOne(f)); } catch (e) { failed = true; results.push({ path: f, error: String(e && e.stack || e) }); }
}
process.stdout.write(JSON.stringify(results));
process.exitCode = failed ? 1 : 0;
