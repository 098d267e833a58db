// Single-threaded throughput of HF tokenizers (Rust, via @anush008/tokenizers) on a JSON Lines corpus.
// Usage: RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node tests/oracles/hf-bench.mjs TOKENIZER_JSON CORPUS_JSONL [reps]
// encodeBatch runs the whole corpus through Tokenizer::encode_batch; with TOKENIZERS_PARALLELISM=false that is a
// plain serial loop on one thread (RAYON_NUM_THREADS=1 caps the pool as well). Prints one JSON object.
import { readFileSync } from 'node:fs';
import tk from '@anush008/tokenizers';

const [tokPath, corpusPath, repsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 3);
const tok = tk.Tokenizer.fromFile(tokPath);
const texts = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
let tokens = 0;
for (const e of await tok.encodeBatch(texts, { addSpecialTokens: false })) tokens += e.getIds().length; // warm-up
const times = [];
const cpu0 = process.cpuUsage();
for (let r = 0; r < reps; r++) {
  const t0 = process.hrtime.bigint();
  await tok.encodeBatch(texts, { addSpecialTokens: false });
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
const cpu = process.cpuUsage(cpu0);
const wall = times.reduce((a, b) => a + b, 0);
times.sort((a, b) => a - b);
// cpuPerWall ≈ 1 shows the encoding ran on one thread (it would approach the core count if rayon were parallel).
console.log(JSON.stringify({ seconds: times[0], median: times[Math.floor(times.length / 2)], bytes, tokens, lines: texts.length, cpuPerWall: (cpu.user + cpu.system) / 1e6 / wall }));
