// HF tokenizers (the Rust library, via @anush008/tokenizers) as the oracle for HfTokenizer.
// Usage: node tests/oracles/hf-encode.mjs TOKENIZER_JSON CORPUS_JSONL OUT_JSONL [MAX_LINES]
// For every corpus line (a JSON string) writes one JSON object:
//   {"ids": [...], "offsets": [[start, end], ...], "idsSpecial": [...], "decoded": "...", "decodedSkip": "..."}
// ids: encode without special tokens; offsets: that encoding's offsets, which this binding computes with
// encode_char_offsets, i.e. in Unicode code points (Rust chars) of the input, not UTF-16 units or bytes;
// idsSpecial: encode with special tokens; decoded/decodedSkip: HF decode of idsSpecial with skip_special_tokens
// false/true. Lines are encoded in batches (encodeBatch) to keep the run short.
import { readFileSync, writeFileSync } from 'node:fs';
import tk from '@anush008/tokenizers';

const [tokPath, corpusPath, outPath, maxLines] = process.argv.slice(2);
if (!outPath) { console.error('usage: hf-encode.mjs TOKENIZER_JSON CORPUS_JSONL OUT_JSONL'); process.exit(2); }
const tok = tk.Tokenizer.fromFile(tokPath);
const texts = readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l)).slice(0, maxLines ? Number(maxLines) : undefined);
const out = [];
const B = 256;
for (let i = 0; i < texts.length; i += B) {
  const batch = texts.slice(i, i + B);
  const plain = await tok.encodeBatch(batch, { addSpecialTokens: false });
  const special = await tok.encodeBatch(batch, { addSpecialTokens: true });
  const specialIds = special.map((e) => e.getIds());
  const decoded = await tok.decodeBatch(specialIds, false);
  const decodedSkip = await tok.decodeBatch(specialIds, true);
  for (let j = 0; j < batch.length; j++) {
    out.push(JSON.stringify({ ids: plain[j].getIds(), offsets: plain[j].getOffsets(), idsSpecial: specialIds[j], decoded: decoded[j], decodedSkip: decodedSkip[j] }));
  }
}
writeFileSync(outPath, out.join('\n') + '\n');
