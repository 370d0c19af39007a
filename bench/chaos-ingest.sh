#!/usr/bin/env bash
# Chaos test of writing a dataset (too slow for the unit tests): SIGKILLs `bin/factorlab render` at random moments
# while it renders, spills and writes shards, then reruns it to completion after every kill. Every rerun must
# succeed without manual repair, leave no temporary files (no _temporary* in the output, no factorlab-shuffle-* in
# the spill directory), and give the same dataset as an uninterrupted run (same manifest content digest).
#
#   bench/chaos-ingest.sh [KILLS=20] [WORKDIR=$(mktemp -d)]
#
# Prints one line per attempt and a summary; exits 1 on any failure.
set -uo pipefail
kills_wanted="${1:-20}"
work="${2:-$(mktemp -d -t factorlab-chaos-ingest-XXXXXX)}"
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
fl="$(dirname "$here")/bin/factorlab"
mkdir -p "$work/spill"
export FACTORLAB_JAVA_OPTS="${FACTORLAB_JAVA_OPTS:--Xmx1g}"
job=(render shapes3d --size 32 --factor object_hue=0,3,6,9
  --factor scale=0,7 --factor orientation=0,7,14 --seed 3 --tmp-dir "$work/spill")
digest() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['contentSha256'])" "$1/_manifest.json"; }

echo "chaos-ingest: work directory $work, $kills_wanted kills"
"$fl" "${job[@]}" --output "file://$work/ref" >"$work/ref.log" 2>&1 || { echo "chaos-ingest: reference run failed ($work/ref.log)"; exit 1; }
want=$(digest "$work/ref")
kills=0 failures=0
for i in $(seq 1 "$kills_wanted"); do
  out="$work/run-$i"
  "$fl" "${job[@]}" --output "file://$out" >"$work/kill-$i.log" 2>&1 &
  pid=$!
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 2 + rand() * 2.5 }')"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); state=killed; else state="finished before the kill"; fi
  wait "$pid" 2>/dev/null
  if ! "$fl" "${job[@]}" --output "file://$out" >"$work/rerun-$i.log" 2>&1; then
    echo "attempt $i ($state): RERUN FAILED, see $work/rerun-$i.log"; failures=$((failures + 1)); continue
  fi
  left=$( (find "$out" -name '_temporary*'; find "$work/spill" -maxdepth 1 -name 'factorlab-shuffle-*') | wc -l)
  got=$(digest "$out")
  if [[ "$left" != 0 || "$got" != "$want" ]]; then
    echo "attempt $i ($state): $left temporary files left, digest $got (want $want)"; failures=$((failures + 1))
  else
    echo "attempt $i ($state): rerun ok, same dataset, nothing left behind"
  fi
  rm -rf "$out"
done
echo "chaos-ingest: $kills kills in $kills_wanted attempts, $failures failures"
[[ $failures == 0 ]]
