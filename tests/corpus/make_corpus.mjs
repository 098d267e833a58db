// Writes the tokenizer parity corpus: JSON Lines, one JSON string per line, deterministic (fixed seed, no I/O
// but the output file). Usage: node tests/corpus/make_corpus.mjs OUT.jsonl [targetBytes]
// Lines mix scripts, code, emoji (ZWJ sequences, flags, skin tones), astral letters, whitespace and newline runs,
// tabs, long numbers, control characters, lone surrogates, decomposed text (NFC matters), and the special-token
// strings of several model families, so that every corner of a tokenizer.json pipeline is exercised.
import { writeFileSync } from 'node:fs';

const out = process.argv[2];
const target = Number(process.argv[3] ?? 1_100_000); // UTF-8 bytes of text (not of JSON)
if (!out) { console.error('usage: make_corpus.mjs OUT.jsonl [targetBytes]'); process.exit(2); }

let seed = 0x5eed1234;
function rnd() { // mulberry32
  seed = (seed + 0x6D2B79F5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];

const sentences = [
  "The quick brown fox jumps over the lazy dog. It's what they'd said; we'll see, you're right, I've done it, I'm here.",
  "IT'S LOUD, YOU'LL HEAR IT, WE'RE READY, THEY'VE GONE, I'D GO, SHE'S FINE.",
  "Pack my box with five dozen liquor jugs! Sphinx of black quartz, judge my vow?",
  "L'été dernier, nous sommes allés à Besançon ; c'était très agréable, n'est-ce pas ? Œuvre, cœur, naïve.",
  "Größere Übungen für Änderungen: Straße, Fußgänger, schön, Mädchen, Öl, Ärger.",
  "¿Dónde está el niño? ¡Qué año tan extraño! Pingüino, cigüeña, corazón, acción.",
  "Tiếng Việt có nhiều dấu: người, được, những, trường, nghiêng, Hà Nội, Sài Gòn.",
  "Zażółć gęślą jaźń. Příliš žluťoučký kůň úpěl ďábelské ódy. Čeština, slovenčina, Ľudovít.",
  "Съешь же ещё этих мягких французских булок, да выпей чаю. Привет, мир! Ёлка, щука, объём.",
  "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Καλημέρα κόσμε! Ἀρχὴ ἥμισυ παντός.",
  "نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق. مرحبا بالعالم!",
  "עטלף אבק נס דרך מזגן שהתפוצץ כי חם. שלום עולם! בְּרֵאשִׁית בָּרָא אֱלֹהִים",
  "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम। नमस्ते दुनिया!",
  "আমি বাংলায় গান গাই। তামিল: யாமறிந்த மொழிகளிலே தமிழ்மொழி போல் இனிதாவது எங்கும் காணோம்.",
  "我能吞下玻璃而不伤身体。你好，世界！今天天气很好，我们去公园散步吧。中华人民共和国成立于1949年。",
  "いろはにほへと ちりぬるを わかよたれそ つねならむ。こんにちは世界！カタカナとひらがなと漢字。",
  "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다. 안녕하세요, 세계! 한국어 텍스트.",
  "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน สวัสดีชาวโลก",
  "ქართული ენა ძალიან ლამაზია. Հայերեն լեզուն հին է. ሰላም ለዓለም። ᐊᐃᓐᓇᐅᔪᖅ. ᚠᛇᚻ᛫ᛒᛦᚦ.",
  "Emoji: 😀😃😄 👍🏽 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷🇯🇵🇺🇸 ❤️‍🔥 🧑🏿‍🚀 1️⃣ #️⃣ ✌🏻 🫠🫶",
  "Astral letters: 𝐇𝐞𝐥𝐥𝐨 𝕎𝕠𝕣𝕝𝕕 𝓢𝓬𝓻𝓲𝓹𝓽 𠀀𠀁𠀂 𪚥 𐌰𐌱𐌲 𐐀𐐨 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟘𝟙𝟚 𝄞𝄢",
  "Numbers: 3.14159265358979 1,234,567.89 -42 +7 1e-10 0x1F 0b1010 ½ ² ① Ⅻ ٣٤٥ ४२ 12:30 2024-01-15",
  "Math: ∀x∈ℝ, ∃y: x²+y²≤1 ⇒ ∫₀¹ f(x)dx ≈ ∑ᵢ wᵢ·f(xᵢ) ≠ ∞ ± √2 ∂/∂t ∇·E = ρ/ε₀",
  "Punctuation soup: ... !!! ??? --- ___ *** ### @@@ $$$ %%% ^^^ &&& ((( ))) [[[ ]]] {{{ }}} <<< >>> ||| ~~~ ``` ''' \"\"\"",
  "Quotes “double” ‘single’ «guillemets» „German“ 「かぎ」 『二重』 — en–dash — em—dash … ellipsis • bullet",
];

const code = [
  "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
  "public static int Add(int a, int b)\n{\n\treturn a + b; // sum\n}\n",
  "const xs = [1, 2, 3].map((x) => x * 2).filter(Boolean);\nconsole.log(`result: ${xs.join(', ')}`);\n",
  "{\"name\": \"tokenclean\", \"version\": \"0.1.0\", \"tags\": [\"a\", \"b\"], \"nested\": {\"k\": null, \"n\": 12345}}",
  "<html>\n  <body>\n    <div class=\"main\" id='x'>Hello &amp; welcome &lt;3</div>\n  </body>\n</html>\n",
  "#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.txt; do\n  wc -l \"$f\" | awk '{print $1}'\ndone\n",
  "SELECT id, name, COUNT(*) AS n FROM users u JOIN orders o ON o.user_id = u.id WHERE u.active = 1 GROUP BY id;\n",
  "fn main() {\n    let v: Vec<u32> = (0..10).collect();\n    println!(\"{:?}\", v);\n}\n",
  "    indented with four spaces\n\t\tand two tabs\n        \n    trailing spaces    \n",
  "x = a[i+1]*b[j-1]/c**2 % d // e; y += 0xFF & ~mask | (1 << 31) >> 2; z = x != y && y >= z || !w;",
  "C:\\Users\\name\\Documents\\file.txt /usr/local/bin/python3 https://example.org/path?q=1&r=2#frag",
];

const specials = [
  "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<s>", "</s>", "<unk>", "<|begin_of_text|>", "<|end_of_text|>",
  "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|reserved_special_token_5|>", "<|fim_prefix|>",
  "<think>", "</think>", "<tool_call>", "<|vision_start|>", "<bos>", "<eos>", "<pad>", "<start_of_turn>",
  "<end_of_turn>", "<mask>", "<unused0>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>",
  "<｜Assistant｜>", "<|im_end", "im_end|>", "< s>", "<s >", "<0x41>", "<0xFF>", "[INST]", "[/INST]", "<<SYS>>",
];

const spaces = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", " \n", "\n ", "\u00a0", "\u3000",
  "\u2028", "\u2029", "\u0085", "\u000b", "\u000c", "\u2003", "\u200b", "\u202f", " \t \n\t "];
const controls = ["\u0000", "\u0001", "\u0007", "\u001b[31m", "\u007f", "\u0080", "\u009f", "\u00ad", "\u200d",
  "\u200e", "\u2066", "\ufeff", "\ufffd", "\ufffe", "\uffff"];
const loneSurrogates = ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud83dz", "\ude00x"];
const contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'D", "'x", "'", "''s"];
// Decomposed forms (NFD) of accented Latin, Vietnamese and Hangul: NFC normalizers must compose them.
const decomposed = ["e\u0301", "a\u0300", "o\u0302\u0301", "u\u031b\u0300", "A\u030a", "n\u0303", "c\u0327",
  "\u1100\u1161", "\u1112\u1161\u11ab", "\u0627\u0653", "\u0915\u093c", "s\u0323\u0307", "\u212b", "\u2126", "\ufb01"];

// Code point ranges of long-assigned characters to draw random text from (BMP and astral).
const ranges = [[0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x530, 0x58f], [0x5d0, 0x5ea],
  [0x620, 0x64a], [0x900, 0x97f], [0x980, 0x9fb], [0xe01, 0xe5b], [0x10a0, 0x10ff], [0x1e00, 0x1eff], [0x2000, 0x206f],
  [0x2190, 0x23ff], [0x2500, 0x27bf], [0x3040, 0x30ff], [0x4e00, 0x9fa5], [0xac00, 0xd7a3], [0xff01, 0xff5e],
  [0x1d400, 0x1d6a3], [0x1f300, 0x1f5ff], [0x1f600, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x2a6d6], [0x10330, 0x1034a]];

function randomCodePoints(n) {
  let s = '';
  const r = pick(ranges);
  for (let i = 0; i < n; i++) {
    const rr = rnd() < 0.8 ? r : pick(ranges);
    s += String.fromCodePoint(rr[0] + int(rr[1] - rr[0] + 1));
  }
  return s;
}

function number() {
  const len = 1 + int(rnd() < 0.1 ? 60 : 9);
  let s = String(1 + int(9));
  for (let i = 1; i < len; i++) s += String(int(10));
  return rnd() < 0.2 ? s.replace(/(\d{3})(?=\d)/g, '$1,') : s;
}

function words(n) {
  const src = pick(sentences).split(' ');
  const start = int(src.length);
  return src.slice(start, start + n).join(' ');
}

function fragment() {
  const r = rnd();
  if (r < 0.35) return words(1 + int(8));
  if (r < 0.45) return pick(spaces).repeat(1 + int(3));
  if (r < 0.52) return number();
  if (r < 0.60) return pick(specials);
  if (r < 0.66) return pick(contractions);
  if (r < 0.71) return randomCodePoints(1 + int(12));
  if (r < 0.75) return pick(controls);
  if (r < 0.78) return pick(loneSurrogates);
  if (r < 0.84) return pick(decomposed) + words(1);
  if (r < 0.90) { const c = pick(code); const a = int(c.length); return c.slice(a, a + 10 + int(60)); }
  return pick(["😀", "👩‍💻", "🇩🇪", "👍🏿", "🏴‍☠️", "❤️", "🤦‍♂️", "👨‍👨‍👧"]).repeat(1 + int(3));
}

const lines = [];
let size = 0;
const add = (s) => { lines.push(JSON.stringify(s)); size += Buffer.byteLength(s, 'utf8'); };

// Fixed lines first: every seed as is, edge cases, and a few very long lines.
for (const s of sentences) add(s);
for (const c of code) add(c);
for (const s of specials) { add(s); add(`x${s}y`); add(` ${s} `); add(`${s}${s}`); add(`Hello${s}\nworld ${s}!`); }
add(''); add(' '); add('\n'); add('  '); add('\t'); add('\r\n'); add('a'); add("'"); add("'s"); add('0'); add('00000');
add(' '.repeat(1000)); add('\n'.repeat(300)); add('\t'.repeat(200)); add(' \n'.repeat(200)); add('a'.repeat(3000));
add('9'.repeat(2000)); add('ab'.repeat(1500)); add('.'.repeat(1000)); add('😀'.repeat(500)); add('字'.repeat(800));
add('hello world '.repeat(400)); add('x' + ' '.repeat(77) + 'y' + '\n'.repeat(5) + '\t z');
add(String.fromCodePoint(...Array.from({ length: 300 }, (_, i) => 0x1f600 + (i % 80))));
for (const d of decomposed) { add(d); add(`${d} ${d}${d}`); }
for (const l of loneSurrogates) { add(l); add(`x ${l} y`); }
for (const c of controls) add(`a${c}b ${c}`);

// Random mixtures up to the target size.
while (size < target) {
  const n = rnd() < 0.03 ? 200 + int(800) : 1 + int(20);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += fragment();
    if (rnd() < 0.5) s += ' ';
  }
  add(s);
}

writeFileSync(out, lines.join('\n') + '\n');
console.error(`wrote ${lines.length} lines, ${size} bytes of UTF-8 text to ${out}`);
