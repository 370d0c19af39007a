#!/usr/bin/env bash
# Parameter-averaging training on YARN, cluster mode, one task per GPU. Every option after the script name is
# passed to the job (see `bin/factorlab train --help`); paths are HDFS URIs because the driver runs in the cluster:
#
#   deploy/yarn/submit-train.sh --model encdiff --config hdfs:///factorlab/conf/encdiff.yaml \
#       --data hdfs:///factorlab/shards/shapes3d --run-dir hdfs:///factorlab/runs/encdiff-001 \
#       --averaging-frequency 5 --batch-size-per-worker 64 --rounds 2000 [--resume]
#
# Sizing (environment): EXECUTORS (4), GPUS_PER_EXECUTOR (1; 0 = CPU executors), CPUS_PER_TASK (4),
# EXECUTOR_MEMORY (24g), DRIVER_MEMORY (8g), QUEUE (default), DEPLOY_MODE (cluster; client runs the driver here, then
# local paths work for --config). Needs SPARK_HOME (Spark 3.5.x) and HADOOP_CONF_DIR.
set -euo pipefail
# submit-sweep.sh reuses this script with another main class (FACTORLAB_SUBMIT_CLASS, FACTORLAB_SUBMIT_NAME) and
# without --workers (FACTORLAB_SUBMIT_WORKERS=0).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../factorlab-env.sh
source "$here/../factorlab-env.sh"
factorlab_require_jar

EXECUTORS="${EXECUTORS:-4}"
GPUS_PER_EXECUTOR="${GPUS_PER_EXECUTOR:-1}"
CPUS_PER_TASK="${CPUS_PER_TASK:-4}"
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-24g}"
DRIVER_MEMORY="${DRIVER_MEMORY:-8g}"
QUEUE="${QUEUE:-default}"
DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
case "$DEPLOY_MODE" in cluster|client) ;; *) echo "DEPLOY_MODE must be cluster or client, got '$DEPLOY_MODE'" >&2; exit 2 ;; esac

slots_per_executor=$(( GPUS_PER_EXECUTOR > 0 ? GPUS_PER_EXECUTOR : 1 ))
resources=()
if (( GPUS_PER_EXECUTOR > 0 )); then
  # YARN maps spark.executor.resource.gpu.amount to its yarn.io/gpu resource (YARN >= 3.1 with GPU scheduling on).
  # --files localises the discovery script into every container's working directory (executable).
  resources=(--files "$here/../getGpusResources.sh"
    --conf spark.executor.resource.gpu.amount="$GPUS_PER_EXECUTOR"
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh)
fi

workers=(--workers $(( EXECUTORS * slots_per_executor )))
[[ "${FACTORLAB_SUBMIT_WORKERS:-1}" == 0 ]] && workers=()

exec "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}/bin/spark-submit" \
  --master yarn --deploy-mode "$DEPLOY_MODE" --queue "$QUEUE" \
  --name "${FACTORLAB_SUBMIT_NAME:-factorlab-train}" \
  --class "${FACTORLAB_SUBMIT_CLASS:-$FACTORLAB_MAIN}" \
  --num-executors "$EXECUTORS" \
  --executor-cores $(( slots_per_executor * CPUS_PER_TASK )) \
  --executor-memory "$EXECUTOR_MEMORY" \
  --driver-memory "$DRIVER_MEMORY" \
  --conf spark.task.cpus="$CPUS_PER_TASK" \
  --conf spark.executorEnv.OMP_NUM_THREADS="$CPUS_PER_TASK" \
  --conf spark.executorEnv.OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
  --conf spark.executorEnv.GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" \
  --conf spark.executorEnv.MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}" \
  --conf spark.executorEnv.MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-2147483647}" \
  --conf spark.dynamicAllocation.enabled=false \
  --conf spark.task.maxFailures=4 \
  --conf spark.yarn.maxAppAttempts=1 \
  --conf "spark.driver.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  --conf "spark.executor.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  --conf spark.metrics.conf.driver.source.jvm.class=org.apache.spark.metrics.source.JvmSource \
  "${resources[@]}" \
  "$FACTORLAB_JAR" \
  "${workers[@]}" "$@"
