#!/usr/bin/env python3
"""Oracle for UnicodeNormalizer: Python's unicodedata NFC/NFD/NFKC/NFKD on edge-case strings.

Usage: python3 tests/oracles/unicode-normalize.py OUT.json
Writes [[input, nfc, nfd, nfkc, nfkd], ...] for every code point that some form changes, plus deterministic
random sequences of starters, combining marks in shuffled order and Hangul jamo (seeded, so the file is stable).
"""
import json
import random
import sys
import unicodedata as ud

cases = []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    c = chr(cp)
    if any(ud.normalize(f, c) != c for f in ('NFC', 'NFD', 'NFKC', 'NFKD')) or ud.combining(c):
        cases.append(c)

rng = random.Random(1234)
marks = [chr(cp) for cp in range(0x300, 0x370)] + ['\u0323', '\u031b', '\u0327', '\u05b0', '\u05bc', '\u05c1',
         '\u093c', '\u094d', '\u0e38', '\u0e48', '\u3099', '\u309a', '\u0653', '\u0654', '\u0655']
starters = list('aeiouAEIOUnNcCsSyYwWzZ') + ['\u03b1', '\u03c9', '\u0415', '\u0438', '\u05e9', '\u0915', '\u0627',
            '\u304b', '\u30cf', '\u1e9b', '\u00e9', '\u1ec7', '\u212b', '\ufb01', 'x']
jamo = [chr(c) for c in range(0x1100, 0x1113)] + [chr(c) for c in range(0x1161, 0x1176)] + [chr(c) for c in range(0x11a8, 0x11c3)]
for _ in range(4000):
    s = ''
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.4:
            s += rng.choice(starters) + ''.join(rng.choice(marks) for _ in range(rng.randint(0, 4)))
        elif r < 0.7:
            s += ''.join(rng.choice(jamo) for _ in range(rng.randint(1, 4)))
        elif r < 0.85:
            s += chr(rng.choice([0xAC00, 0xAC01, 0xB098, 0xD7A3])) + rng.choice(jamo)
        else:
            s += rng.choice(cases)
    cases.append(s)

rows = [[s, ud.normalize('NFC', s), ud.normalize('NFD', s), ud.normalize('NFKC', s), ud.normalize('NFKD', s)] for s in cases]
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    json.dump(rows, f, ensure_ascii=False)
