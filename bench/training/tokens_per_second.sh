#!/usr/bin/env bash
# Run from the repository root after ./build.sh build: bench/training/tokens_per_second.sh
# Training tokens/s on the scoring bench's Llama shape (8 layers, hidden 512, vocab 32000, 58.5M parameters):
# 64 pre-tokenized samples of 256 tokens (192 learned), batch 4 (1,024 tokens per optimizer step).
set -euo pipefail
B=${B:-/tmp/tc-train-bench}
TC="dotnet src/Cli/bin/Release/net10.0/tokenclean.dll"
[ -d $B/base ] || $TC create-checkpoint --arch llama --hidden 512 --layers 8 --heads 8 --kv-heads 8 --intermediate 1408 --vocab 32000 --max-positions 2048 --seed 1 --out $B/base >/dev/null
[ -f $B/data.jsonl ] || /usr/bin/python3 -c "
import json,random
r=random.Random(0)
with open('$B/data.jsonl','w') as f:
  for i in range(64):
    ids=[r.randrange(32000) for _ in range(256)]
    f.write(json.dumps({'id':i,'input_ids':ids,'labels':[-100]*64+ids[64:]})+'\n')
"
run() { # mode dtype steps
  rm -rf $B/out $B/.out.train-state
  $TC train --base $B/base --data $B/data.jsonl --out $B/out $1 --dtype $2 --max-steps $3 --batch-size 4 --save-every 0 --lr 1e-4 2> $B/log.txt >/dev/null
  echo "$1 $2: $(grep -o 'tokens/s [0-9]*' $B/log.txt | awk 'NR>1 {s+=$2; n++; v=v" "$2} END {printf "%.0f tokens/s (mean of steps 2-%d:%s)", s/n, n+1, v}')"
}
run "--lora-rank 16 --lora-dropout 0" fp32 6
run "--full" fp32 6
run "--lora-rank 16 --lora-dropout 0" bf16 3
run "--full" bf16 3
