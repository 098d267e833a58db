// Renders chat templates with @huggingface/jinja (the renderer transformers.js uses): the oracle for the C# Jinja
// interpreter. stdin: {"cases":[{"template": "...", "context": {...}}...]}; stdout: [{"ok": "..."} | {"error": "..."}].
import { Template } from "@huggingface/jinja";
import { readFileSync } from "node:fs";

const input = JSON.parse(readFileSync(0, "utf8"));
const cache = new Map();
const out = input.cases.map(({ template, context }) => {
  try {
    let t = cache.get(template);
    if (!t) {
      t = new Template(template);
      cache.set(template, t);
    }
    return { ok: t.render(context) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(out));
