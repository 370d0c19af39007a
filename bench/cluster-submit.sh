#!/usr/bin/env bash
# The fat jar on a real Spark standalone cluster, submitted through org.apache.spark.deploy.SparkSubmit (what
# bin/spark-submit runs) with two executor JVMs of one core: an uninterrupted run, then the same run with one executor
# JVM killed by SIGKILL in the middle of a round; the final checkpoint (parameters, updater state, EMA) and the loss
# history must be identical. Too slow for the unit tests (StandaloneClusterTest does the same in-process, smaller).
#
#   mvn -Pfatjar -DskipTests package
#   bench/cluster-submit.sh [WORKDIR]
#
# Environment: MODEL (encdiff), CONFIG (conf/encdiff-quickstart.yaml), ROUNDS (8), FREQUENCY (5), BATCH (8),
# KILL_IN_ROUND (3: the kill comes while this round trains), EXECUTOR_MEMORY (1536m), SPARK_HOME (a directory to
# reuse; default WORKDIR/spark-home, filled by Maven). Exits 1 if a run fails or the results differ.
set -uo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
work="${1:-$(mktemp -d -t factorlab-cluster-XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
# shellcheck source=standalone-cluster.sh
source "$here/standalone-cluster.sh"
factorlab_require_jar
MODEL="${MODEL:-encdiff}" CONFIG="${CONFIG:-$root/conf/encdiff-quickstart.yaml}" ROUNDS="${ROUNDS:-8}"
FREQUENCY="${FREQUENCY:-5}" BATCH="${BATCH:-8}" KILL_IN_ROUND="${KILL_IN_ROUND:-3}" EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-1536m}"
t0=$(date +%s)
echo "cluster-submit: work directory $work, jar $FACTORLAB_JAR"

spark_home_init "${SPARK_HOME:-$work/spark-home}" || exit 1
data="file://$work/data"
if [[ ! -f "$work/data/_manifest.json" ]]; then
  "$root/bin/factorlab" render shapes3d --size 16 --samples 2 --seed 0 --factor floor_hue=0,5 --factor wall_hue=0 \
    --factor object_hue=0,3,6 --factor scale=0,7 --factor shape=0,1,2,3 --factor orientation=7 --output "$data" \
    >"$work/render.log" 2>&1 || { echo "rendering failed, see $work/render.log"; exit 1; }
fi
rm -rf "$work/ref" "$work/killed" "$work/cluster"
cluster_start "$work/cluster" 2 4g || exit 1
trap cluster_stop EXIT

job() { # $1: run directory; the options of `factorlab train --spark`
  submit --master "$MASTER_URL" --deploy-mode client --class "$FACTORLAB_MAIN" --name "factorlab cluster-submit" \
    --conf spark.executor.cores=1 --conf spark.cores.max=2 --executor-memory "$EXECUTOR_MEMORY" \
    --conf "spark.executor.extraJavaOptions=$FACTORLAB_JVM_OPTS $SPARK_LOG_OPT" --conf spark.executorEnv.OMP_NUM_THREADS=1 \
    --conf spark.scheduler.minRegisteredResourcesRatio=1.0 --conf spark.task.maxFailures=4 \
    --conf spark.driver.host=127.0.0.1 --conf spark.ui.enabled=false \
    "$FACTORLAB_JAR" --model "$MODEL" --config "$CONFIG" --data "$data" --run-dir "file://$1" --workers 2 \
    --averaging-frequency "$FREQUENCY" --batch-size-per-worker "$BATCH" --rounds "$ROUNDS" --checkpoint-every 4 --seed 3
}

echo "cluster-submit: uninterrupted run ($MODEL, $ROUNDS rounds x $FREQUENCY steps x batch $BATCH on 2 executors)"
if ! job "$work/ref" >"$work/ref.log" 2>&1; then echo "the uninterrupted run failed, see $work/ref.log"; exit 1; fi
grep -E "progress: round" "$work/ref.log" | sed 's/^/  ref: /'
echo "cluster-submit: uninterrupted run done after $(( $(date +%s) - t0 )) s"

job "$work/killed" >"$work/killed.log" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
  grep -q "progress: round $(( KILL_IN_ROUND - 1 ))/" "$work/killed.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.5 + rand() }')"
victim=$(executor_pids | tail -1)
before=$(executor_pids | tr '\n' ' ')
if [[ -n "$victim" ]]; then
  kill -KILL "$victim"
  echo "cluster-submit: SIGKILL to executor JVM $victim (executors were: $before) $(grep -o 'progress: round [0-9]*' "$work/killed.log" | tail -1 | sed 's/progress: //') done"
else
  echo "cluster-submit: no executor JVM found to kill"
fi
wait "$pid"; rc=$?
grep -E "progress: round|Lost executor|Lost task|ExecutorLost" "$work/killed.log" | cut -c1-220 | sed 's/^/  killed: /'
echo "cluster-submit: executors now: $(executor_pids | tr '\n' ' ')"
if (( rc != 0 )); then echo "the run with the killed executor FAILED (exit $rc), see $work/killed.log"; exit 1; fi

python3 - "$work/ref" "$work/killed" <<'PY'
import sys, zipfile, os, csv, glob
ref, got = sys.argv[1], sys.argv[2]
newest = lambda d: sorted(glob.glob(os.path.join(d, "checkpoints", "round-*.ckpt")))[-1]
a, b = newest(ref), newest(got)
za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
names = sorted(n for n in za.namelist() if n != "checkpoint.json")
same = names == sorted(n for n in zb.namelist() if n != "checkpoint.json") and all(za.read(n) == zb.read(n) for n in names)
print(f"final checkpoint {os.path.basename(a)} vs {os.path.basename(b)}: {len(names)} entries (parameters, updater state, EMA, config) "
      + ("byte-identical" if same else "DIFFER"))
def rows(d):
    with open(os.path.join(d, "history.csv")) as f:
        return [tuple(x[k] for k in ("round", "step", "loss", "gradient_norm", "parameter_norm", "update_norm")) for x in csv.DictReader(f)]
ha, hb = rows(ref), rows(got)
print(f"history: {len(ha)} vs {len(hb)} rounds; loss and norms " + ("identical" if ha == hb else "DIFFER"))
sys.exit(0 if same and ha == hb and os.path.basename(a) == os.path.basename(b) else 1)
PY
cmp=$?
echo "cluster-submit: results $([[ $cmp == 0 ]] && echo EQUAL || echo DIFFERENT), $(( $(date +%s) - t0 )) s"
exit $cmp
