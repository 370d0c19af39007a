#!/usr/bin/env bash
# A sweep (docs/sweeps.md) on YARN, cluster mode: every point is one Spark task on one executor slot (one GPU), trained
# with the single-machine trainer; staged points checkpoint to the sweep directory on HDFS, so a retried task or a
# resubmitted sweep resumes them. Options after the script name go to `factorlab sweep`; the spec and the paths in it
# are HDFS URIs because the driver runs in the cluster:
#
#   deploy/yarn/submit-sweep.sh --spec hdfs:///factorlab/sweeps/betavae-seeds.yaml \
#       --output hdfs:///factorlab/sweeps/betavae-seeds [--retry-failed]
#
# Resubmitting the same command skips finished points and resumes the others. Sizing (environment): EXECUTORS (4),
# GPUS_PER_EXECUTOR (1; 0 = CPU executors, one point per CPUS_PER_TASK cores), CPUS_PER_TASK (4), EXECUTOR_MEMORY
# (24g), DRIVER_MEMORY (8g), QUEUE (default). Needs SPARK_HOME (Spark 3.5.x) and HADOOP_CONF_DIR.
set -euo pipefail
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

slots_per_executor=$(( GPUS_PER_EXECUTOR > 0 ? GPUS_PER_EXECUTOR : 1 ))
resources=()
if (( GPUS_PER_EXECUTOR > 0 )); then
  resources=(--files "$here/../getGpusResources.sh"
    --conf spark.executor.resource.gpu.amount="$GPUS_PER_EXECUTOR"
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh)
fi

exec "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}/bin/spark-submit" \
  --master yarn --deploy-mode cluster --queue "$QUEUE" \
  --name "factorlab-sweep" \
  --class org.factorlab.sweep.SweepCommand \
  --num-executors "$EXECUTORS" \
  --executor-cores $(( slots_per_executor * CPUS_PER_TASK )) \
  --executor-memory "$EXECUTOR_MEMORY" \
  --driver-memory "$DRIVER_MEMORY" \
  --conf spark.task.cpus="$CPUS_PER_TASK" \
  --conf spark.executorEnv.OMP_NUM_THREADS="$CPUS_PER_TASK" \
  --conf spark.dynamicAllocation.enabled=false \
  --conf spark.task.maxFailures=4 \
  --conf spark.yarn.maxAppAttempts=1 \
  --conf "spark.driver.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  --conf "spark.executor.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  "${resources[@]}" \
  "$FACTORLAB_JAR" "$@"
