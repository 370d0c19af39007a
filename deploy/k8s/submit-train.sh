#!/usr/bin/env bash
# Parameter-averaging training on Kubernetes, cluster mode, one GPU executor per worker. Options after the script
# name go to the job (see `bin/factorlab train --help`); data and run directory are Hadoop URIs every pod can reach
# (hdfs://, s3a://, ...):
#
#   K8S_MASTER=k8s://https://api.cluster:6443 IMAGE=registry/factorlab:gpu \
#   deploy/k8s/submit-train.sh --model encdiff --config hdfs://nn:8020/factorlab/conf/encdiff.yaml \
#       --data hdfs://nn:8020/factorlab/shards/shapes3d --run-dir hdfs://nn:8020/factorlab/runs/encdiff-001
#
# Environment: K8S_MASTER, IMAGE (required); NAMESPACE (factorlab), EXECUTORS (4), GPUS (1 per executor; 0 = CPU
# executors), CPUS_PER_TASK (4), EXECUTOR_MEMORY (24g), DRIVER_MEMORY (8g). Runs where spark-submit exists: a
# workstation with SPARK_HOME, or the image itself (the retraining CronJob).
set -euo pipefail
# submit-sweep.sh reuses this script with another main class (FACTORLAB_SUBMIT_CLASS, FACTORLAB_SUBMIT_NAME) and
# without --workers (FACTORLAB_SUBMIT_WORKERS=0).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../factorlab-env.sh
source "$here/../factorlab-env.sh"

NAMESPACE="${NAMESPACE:-factorlab}"
EXECUTORS="${EXECUTORS:-4}"
GPUS="${GPUS:-1}"
CPUS_PER_TASK="${CPUS_PER_TASK:-4}"
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-24g}"
DRIVER_MEMORY="${DRIVER_MEMORY:-8g}"
# The jar inside the image (local:// = already in every container).
JAR_IN_IMAGE="local:///opt/factorlab/factorlab-spark.jar"

gpu=()
if (( GPUS > 0 )); then
  gpu=(--conf spark.kubernetes.executor.podTemplateFile="$here/executor-gpu-pod-template.yaml"
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.vendor=nvidia.com
    --conf spark.executor.resource.gpu.discoveryScript=/opt/factorlab/deploy/getGpusResources.sh)
fi

workers=(--workers "$EXECUTORS")
[[ "${FACTORLAB_SUBMIT_WORKERS:-1}" == 0 ]] && workers=()

exec "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}/bin/spark-submit" \
  --master "${K8S_MASTER:?set K8S_MASTER, e.g. k8s://https://api.cluster:6443}" --deploy-mode cluster \
  --name "${FACTORLAB_SUBMIT_NAME:-factorlab-train}" \
  --class "${FACTORLAB_SUBMIT_CLASS:-$FACTORLAB_MAIN}" \
  --conf spark.kubernetes.namespace="$NAMESPACE" \
  --conf spark.kubernetes.container.image="${IMAGE:?set IMAGE to the image built from deploy/k8s/Dockerfile}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=factorlab-spark \
  --conf spark.kubernetes.driver.podTemplateFile="$here/driver-pod-template.yaml" \
  --conf spark.executor.instances="$EXECUTORS" \
  --conf spark.executor.cores="$CPUS_PER_TASK" \
  --conf spark.task.cpus="$CPUS_PER_TASK" \
  --conf spark.executor.memory="$EXECUTOR_MEMORY" \
  --conf spark.driver.memory="$DRIVER_MEMORY" \
  --conf spark.executorEnv.OMP_NUM_THREADS="$CPUS_PER_TASK" \
  --conf spark.executorEnv.OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
  --conf spark.executorEnv.GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}" \
  --conf spark.executorEnv.MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}" \
  --conf spark.executorEnv.MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-2147483647}" \
  --conf spark.task.maxFailures=4 \
  --conf "spark.driver.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  --conf "spark.executor.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  "${gpu[@]}" \
  "$JAR_IN_IMAGE" \
  "${workers[@]}" "$@"
