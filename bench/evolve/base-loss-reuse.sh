#!/usr/bin/env bash
# evolve with and without base-loss reuse, in one invocation (docs/BENCHMARKS.md, "evolve: base-loss reuse").
#   bench/evolve/base-loss-reuse.sh [WORKDIR] [SAMPLES]
# Makes a random Llama-shaped checkpoint (base) and a perturbed copy (reference), SAMPLES pre-tokenized samples, then
#   A  evolve into A/ with an empty store            (every base loss computed; the store is filled)
#   B  evolve into B/ with A's store                 (reuse: no base pass expected)
#   C  evolve into C/ with A's store, reuse turned off (every base loss computed again: B's baseline, same conditions)
# and prints base passes, base forward seconds, scoring seconds, training seconds and wall seconds of each run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-$(mktemp -d /tmp/tc-evolve-bench-XXXXXX)}"
SAMPLES="${2:-400}"
TC="$ROOT/tokenclean"
mkdir -p "$WORK"
if [ ! -f "$WORK/base/config.json" ]; then
  "$TC" create-checkpoint --out "$WORK/base" --hidden 256 --layers 4 --heads 8 --kv-heads 4 --intermediate 688 --vocab 4096 --seed 1 >/dev/null
  "$TC" create-checkpoint --out "$WORK/ref" --from "$WORK/base" --perturb 0.02 --seed 2 >/dev/null
fi
/usr/bin/python3 - "$WORK/input.jsonl" "$SAMPLES" <<'PY'
import json, random, sys
random.seed(42)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        prompt = random.randint(16, 48)
        ids = [random.randrange(4096) for _ in range(prompt + random.randint(48, 160))]
        f.write(json.dumps({"id": f"s{i}", "input_ids": ids, "labels": [-100] * prompt + ids[prompt:]}) + "\n")
PY
COMMON=(--input "$WORK/input.jsonl" --base "$WORK/base" --ref "$WORK/ref" --chunks 2 --lora-rank 8 --max-steps 2 --batch-size 2 --save-every 0)
rm -rf "$WORK/A" "$WORK/B" "$WORK/C"
run() { local name=$1; shift; local t0=$(date +%s.%N); "$TC" evolve "${COMMON[@]}" --out "$WORK/$name" "$@" > "$WORK/$name.stdout" 2> "$WORK/$name.stderr"; local t1=$(date +%s.%N); echo "$name $(echo "$t1 - $t0" | bc)" >> "$WORK/walls"; }
rm -f "$WORK/walls"
run A
run B --base-losses "$WORK/A/base-losses"
run C --base-losses "$WORK/A/base-losses" --no-base-loss-reuse
/usr/bin/python3 - "$WORK" <<'PY'
import json, sys, os
work = sys.argv[1]
walls = dict(l.split() for l in open(os.path.join(work, "walls")))
print(f"{'run':4} {'base computed':>13} {'reused':>7} {'base fwd s':>10} {'scoring s':>9} {'training s':>10} {'evolve s':>8} {'process wall s':>14}")
rows = {}
for name in "ABC":
    s = json.load(open(os.path.join(work, name, "evolve-summary.json")))
    b = s["base_losses"]
    scoring = sum(r["scoring_seconds"] for r in s["rounds"])
    training = sum(r["training_seconds"] for r in s["rounds"])
    rows[name] = (b["computed_this_run"], b["reused_this_run"], b["base_forward_seconds_this_run"], scoring, training, s["seconds_this_run"], float(walls[name]))
    print(f"{name:4} {rows[name][0]:>13} {rows[name][1]:>7} {rows[name][2]:>10.3f} {rows[name][3]:>9.3f} {rows[name][4]:>10.3f} {rows[name][5]:>8.3f} {rows[name][6]:>14.3f}")
print(f"B/C scoring time {rows['B'][3] / rows['C'][3]:.3f}, B/C evolve time {rows['B'][5] / rows['C'][5]:.3f}, base passes saved by B: {rows['C'][0] - rows['B'][0]}")
PY
