// Hugging Face tokenizers (Rust, via @anush008/tokenizers) behind a line protocol, so C# tests can use a real
// tokenizer through ITokenizer. argv[2]: tokenizer.json. One JSON request per stdin line, one JSON reply per line:
//   {"op":"encode","text":"...","special":false} -> {"ids":[...]}
//   {"op":"decode","ids":[...],"skip":false}     -> {"text":"..."}
//   {"op":"vocab"}                               -> {"size":N}
//   {"op":"id","token":"..."}                    -> {"id":N|null}
import { Tokenizer } from "@anush008/tokenizers";
import { createInterface } from "node:readline";

const tok = Tokenizer.fromFile(process.argv[2]);
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line) continue;
  let reply;
  try {
    const req = JSON.parse(line);
    switch (req.op) {
      case "encode": {
        const enc = await tok.encode(req.text, null, { addSpecialTokens: !!req.special });
        reply = { ids: Array.from(enc.getIds()) };
        break;
      }
      case "decode":
        reply = { text: await tok.decode(req.ids, !!req.skip) };
        break;
      case "vocab":
        reply = { size: tok.getVocabSize(true) };
        break;
      case "id":
        reply = { id: tok.tokenToId(req.token) ?? null };
        break;
      default:
        reply = { error: "unknown op " + req.op };
    }
  } catch (e) {
    reply = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
