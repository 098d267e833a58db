#!/usr/bin/env bash
# Apache.Arrow writer (this tree) against the hand-written IPC writer of the last commit before the switch (fbab35a),
# in one session with alternating legs, to a tmpfs file and to a disk file; then Parquet (and zstd-compressed Arrow)
# next to them. Usage: bench/arrow-vs-old.sh OLD_WORKTREE [rounds=4] [seconds=3]
#   OLD_WORKTREE: a checkout of fbab35a with `dotnet build -c Release bench/TokenClean.Bench` done
#   (e.g. git worktree add /tmp/arrow-old fbab35a). Output: one block per leg, as the bench prints it.
set -euo pipefail
old=${1:?usage: bench/arrow-vs-old.sh OLD_WORKTREE [rounds] [seconds]}
rounds=${2:-4}
seconds=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
new_dll=$here/bench/TokenClean.Bench/bin/Release/net10.0/TokenClean.Bench.dll
old_dll=$old/bench/TokenClean.Bench/bin/Release/net10.0/TokenClean.Bench.dll
for dll in "$new_dll" "$old_dll"; do [ -f "$dll" ] || { echo "missing $dll (build it with -c Release)" >&2; exit 2; }; done
disk=${DISK_DIR:-/var/tmp}
for dir in /dev/shm "$disk"; do
  for r in $(seq 1 "$rounds"); do
    echo "### round $r $dir old (hand-written, fbab35a)"; dotnet "$old_dll" arrow "$seconds" "$dir" 256
    echo "### round $r $dir new (Apache.Arrow)"; dotnet "$new_dll" arrow "$seconds" "$dir" 256 stream
  done
  for f in parquet stream+zstd; do
    echo "### $dir $f"; dotnet "$new_dll" arrow "$seconds" "$dir" 256 "$f"
  done
done
echo "### load: $(cut -d' ' -f1-3 /proc/loadavg)"
