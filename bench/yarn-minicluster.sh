#!/usr/bin/env bash
# deploy/yarn/submit-train.sh for real, on this machine: a MiniDFSCluster and a MiniYARNCluster from
# hadoop-client-minicluster 3.3.6 (org.factorlab.spark.YarnMiniClusterMain, test scope), a SPARK_HOME holding the
# jars of Spark 3.5.5 with its YARN module (bench/spark-dist), data, config and run directories on the minicluster's
# HDFS. Submits EncDiff (conf/encdiff-quickstart.yaml, a few rounds) in cluster mode, then in client mode, and checks
# that each run wrote its final checkpoint. Prints the application ids, final states and final checkpoints.
#
#   mvn -Pfatjar -DskipTests package && mvn -o -q test-compile
#   bench/yarn-minicluster.sh [WORKDIR]
#
# Environment: MODES ("cluster client"), ROUNDS (4), SPARK_HOME (reuse a directory of jars). Exits 1 on a failure.
set -uo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(dirname "$here")"
work="${1:-$(mktemp -d -t factorlab-yarn-XXXXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
# shellcheck source=standalone-cluster.sh
source "$here/standalone-cluster.sh"
factorlab_require_jar
MODES="${MODES:-cluster client}" ROUNDS="${ROUNDS:-4}"
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}" # node managers launch $JAVA_HOME/bin/java
t0=$(date +%s)
echo "yarn-minicluster: work directory $work, jar $FACTORLAB_JAR, JAVA_HOME $JAVA_HOME"

spark_home_init "${SPARK_HOME:-$work/spark-home}" || exit 1
# bin/spark-submit as the distribution has it: SparkSubmit on conf/, jars/ and HADOOP_CONF_DIR, with the JDK 17 flags
mkdir -p "$SPARK_HOME/bin"
cat >"$SPARK_HOME/bin/spark-submit" <<EOF
#!/usr/bin/env bash
exec "\$JAVA_HOME/bin/java" $FACTORLAB_JVM_OPTS $SPARK_LOG_OPT -Xmx1g \\
  -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*:\${HADOOP_CONF_DIR:-}" org.apache.spark.deploy.SparkSubmit "\$@"
EOF
chmod +x "$SPARK_HOME/bin/spark-submit"

# the minicluster runs from the test classpath
cp_file="$root/spark-jobs/target/test-classpath.txt"
if [[ ! -s "$cp_file" ]]; then
  (cd "$root" && mvn -o -q -pl model-lib,data-ingest,spark-jobs test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file") >"$work/classpath.log" 2>&1 \
    || { echo "cannot build the test classpath, see $work/classpath.log"; exit 1; }
fi
testcp="$root/spark-jobs/target/test-classes:$root/spark-jobs/target/classes:$root/model-lib/target/classes:$root/data-ingest/target/classes:$(cat "$cp_file")"
mini="$work/mini"
rm -rf "$mini"; mkdir -p "$mini"
# shellcheck disable=SC2086
(cd "$mini" && exec java $FACTORLAB_JVM_OPTS -Xmx2g -Dlog4j.configuration=none -cp "$testcp" org.factorlab.spark.YarnMiniClusterMain \
  "$mini" "$root/conf/encdiff-quickstart.yaml=/factorlab/conf/encdiff-quickstart.yaml" >"$work/minicluster.log" 2>&1) &
# (MiniYARNCluster keeps its node manager's directories, container logs included, under ./target of its working directory)
mini_pid=$!
stop_mini() { touch "$mini/stop"; wait "$mini_pid" 2>/dev/null; }
trap stop_mini EXIT
for _ in $(seq 1 1200); do [[ -f "$mini/ready" ]] && break; kill -0 "$mini_pid" 2>/dev/null || break; sleep 0.2; done
[[ -f "$mini/ready" ]] || { echo "the minicluster did not start, see $work/minicluster.log"; exit 1; }
fs="$(cat "$mini/ready")"
export HADOOP_CONF_DIR="$mini/conf"
grep "minicluster ready" "$work/minicluster.log"
echo "yarn-minicluster: minicluster up after $(( $(date +%s) - t0 )) s"

"$root/bin/factorlab" render shapes3d --size 16 --samples 2 --seed 0 --factor floor_hue=0,5 --factor wall_hue=0 \
  --factor object_hue=0,3,6 --factor scale=0,7 --factor shape=0,1,2,3 --factor orientation=7 \
  --output "$fs/factorlab/data" >"$work/render.log" 2>&1 || { echo "rendering to HDFS failed, see $work/render.log"; exit 1; }
echo "yarn-minicluster: data rendered to $fs/factorlab/data"

failed=0
for mode in $MODES; do
  log="$work/submit-$mode.log"
  echo "yarn-minicluster: submitting in $mode mode"
  DEPLOY_MODE="$mode" EXECUTORS=2 GPUS_PER_EXECUTOR=0 CPUS_PER_TASK=1 EXECUTOR_MEMORY=1g DRIVER_MEMORY=1g \
    "$root/deploy/yarn/submit-train.sh" --model encdiff --config "$fs/factorlab/conf/encdiff-quickstart.yaml" \
    --data "$fs/factorlab/data" --run-dir "$fs/factorlab/runs/encdiff-$mode" --rounds "$ROUNDS" \
    --averaging-frequency 2 --batch-size-per-worker 8 --checkpoint-every 2 >"$log" 2>&1
  rc=$?
  app=$(grep -o "application_[0-9]*_[0-9]*" "$log" | head -1)
  echo "  exit status $rc, application $app"
  grep -E "final status|state: FINISHED|state: FAILED|Application report for .* \(state: (FINISHED|FAILED|KILLED)\)" "$log" | tail -2 | sed 's/^/  /'
  # the driver's log: the submit log in client mode, the application master's container in cluster mode
  driver_logs=("$log")
  [[ "$mode" == cluster && -n "$app" ]] && mapfile -t driver_logs < <(find "$mini/target" -path "*${app}/container_*_000001/stderr" 2>/dev/null)
  echo "  containers: $(find "$mini/target" -type d -path "*${app}/container_*" 2>/dev/null | wc -l) (application master included)"
  grep -h -E "progress: round|TrainJob: checkpoint|averaging per round" "${driver_logs[@]}" 2>/dev/null | cut -c1-200 | sed 's/^/  driver: /'
  final=$(grep -h -o "checkpoint hdfs://[^ ]*round-$(printf %08d "$ROUNDS").ckpt" "${driver_logs[@]}" 2>/dev/null | tail -1)
  if (( rc == 0 )) && [[ -n "$final" ]]; then echo "  final $final"; else echo "  FAILED: no final checkpoint (see $log)"; failed=1; fi
done
echo "yarn-minicluster: $( (( failed )) && echo FAILED || echo "every mode reached its final checkpoint"), $(( $(date +%s) - t0 )) s"
exit $failed
