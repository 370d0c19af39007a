#!/usr/bin/env bash
# Chaos test of Spark training (too slow for the unit tests): SIGKILLs `bin/factorlab train --spark` at random
# moments while it trains, checkpoints and rewrites its history, resumes after every kill with --resume, then
# compares the final parameters (every array in the newest checkpoint) and the loss history with an uninterrupted
# run of the same job. Every resume must succeed without manual repair.
#
#   bench/chaos-train.sh [KILLS=20] [ROUNDS=300] [WORKDIR=$(mktemp -d)]
#
# Prints one line per attempt and a summary; exits 1 if any resume failed or the results differ.
set -uo pipefail
kills_wanted="${1:-20}"
rounds="${2:-300}"
work="${3:-$(mktemp -d -t factorlab-chaos-XXXXXX)}"
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
fl="$root/bin/factorlab"
mkdir -p "$work"
job=(train --spark --master 'local[2]' --workers 2 --model tiny --config "$root/conf/tiny.yaml" --data toy:squares
  --rounds "$rounds" --checkpoint-every 2 --keep-checkpoints 2 --averaging-frequency 2 --batch-size-per-worker 8 --seed 7)
export FACTORLAB_JAVA_OPTS="${FACTORLAB_JAVA_OPTS:--Xmx1g}"

echo "chaos: work directory $work, $kills_wanted kills, $rounds rounds"
t0=$(date +%s)
if ! "$fl" "${job[@]}" --run-dir "file://$work/ref" >"$work/ref.log" 2>&1; then
  echo "chaos: the uninterrupted reference run failed, see $work/ref.log"; exit 1
fi
echo "chaos: reference run done in $(( $(date +%s) - t0 )) s"

run="file://$work/chaos"
kills=0 attempts=0 failures=0 early=0
while :; do
  attempts=$((attempts + 1))
  log="$work/attempt-$attempts.log"
  "$fl" "${job[@]}" --run-dir "$run" --resume >"$log" 2>&1 &
  pid=$!
  if (( kills < kills_wanted )); then
    # wait until this attempt trains (a round line in its log), then kill it at a random moment
    for _ in $(seq 1 600); do
      grep -q "round [0-9]*/$rounds" "$log" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", rand() * 3 }')"
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid"; wait "$pid" 2>/dev/null
      kills=$((kills + 1))
      last=$(grep -o "round [0-9]*/$rounds" "$log" | tail -1)
      resumed=$(grep -o "resuming .* (round [0-9]*" "$log" | grep -o "round [0-9]*$" | head -1)
      echo "attempt $attempts: killed (kill $kills) after ${last:-no round} (resumed from ${resumed:-round 0})"
      continue
    fi
  fi
  wait "$pid"; rc=$?
  if (( rc != 0 )); then
    failures=$((failures + 1))
    echo "attempt $attempts: FAILED with exit status $rc:"; grep -m3 "error" "$log"
    (( failures > 3 )) && break
    continue
  fi
  if (( kills < kills_wanted )); then
    early=1
    echo "attempt $attempts: completed all $rounds rounds before $kills_wanted kills (pass more rounds for more kills)"
    break
  fi
  echo "attempt $attempts: completed"
  break
done

echo "chaos: comparing with the reference"
python3 - "$work/ref" "$work/chaos" <<'PY'
import sys, zipfile, os, csv, glob
ref, got = sys.argv[1], sys.argv[2]
def newest(d):
    return sorted(glob.glob(os.path.join(d, "checkpoints", "round-*.ckpt")))[-1]
a, b = newest(ref), newest(got)
ok = os.path.basename(a) == os.path.basename(b)
za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
names = [n for n in za.namelist() if n != "checkpoint.json"]
same = sorted(names) == sorted(n for n in zb.namelist() if n != "checkpoint.json") and all(za.read(n) == zb.read(n) for n in names)
print(f"final checkpoint {os.path.basename(a)} vs {os.path.basename(b)}: {len(names)} entries (parameters, updater state, EMA, config) "
      + ("byte-identical" if same else "DIFFER"))
def rows(d):
    with open(os.path.join(d, "history.csv")) as f:
        r = list(csv.DictReader(f))
    keys = ["round", "step", "loss", "gradient_norm", "parameter_norm", "update_norm"]
    return [tuple(x[k] for k in keys) for x in r]
ha, hb = rows(ref), rows(got)
hs = ha == hb
print(f"history: {len(ha)} rounds vs {len(hb)} rounds; round, step, loss, gradient, parameter and update norms "
      + ("identical" if hs else "DIFFER"))
sys.exit(0 if ok and same and hs else 1)
PY
cmp=$?
left=$(find "$work/chaos" -name '*.tmp' -o -name '.*.tmp' | wc -l)
echo "chaos: $kills kills over $attempts attempts, $failures failed resumes, $( (( early )) && echo "run completed before the kill target, " )$left temporary files left, results $([[ $cmp == 0 ]] && echo equal || echo DIFFERENT), $(( $(date +%s) - t0 )) s"
(( failures == 0 && cmp == 0 ))
