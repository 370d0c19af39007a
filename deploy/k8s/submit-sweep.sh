#!/usr/bin/env bash
# A sweep (docs/sweeps.md) on Kubernetes, cluster mode: every point is one Spark task on one GPU executor, trained with
# the single-machine trainer and checkpointed to the sweep directory through Hadoop (hdfs://, s3a://, ...), so a
# retried task or a resubmitted sweep resumes it. Options after the script name go to `factorlab sweep`:
#
#   K8S_MASTER=k8s://https://api.cluster:6443 IMAGE=registry/factorlab:gpu \
#   deploy/k8s/submit-sweep.sh --spec hdfs://nn:8020/factorlab/sweeps/betavae-seeds.yaml \
#       --output hdfs://nn:8020/factorlab/sweeps/betavae-seeds
#
# Environment: K8S_MASTER, IMAGE (required); NAMESPACE (factorlab), EXECUTORS (4), GPUS (1 per executor; 0 = CPU
# executors), CPUS_PER_TASK (4), EXECUTOR_MEMORY (24g), DRIVER_MEMORY (8g).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../factorlab-env.sh
source "$here/../factorlab-env.sh"

NAMESPACE="${NAMESPACE:-factorlab}"
EXECUTORS="${EXECUTORS:-4}"
GPUS="${GPUS:-1}"
CPUS_PER_TASK="${CPUS_PER_TASK:-4}"
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-24g}"
DRIVER_MEMORY="${DRIVER_MEMORY:-8g}"
JAR_IN_IMAGE="local:///opt/factorlab/factorlab-spark.jar"

gpu=()
if (( GPUS > 0 )); then
  gpu=(--conf spark.kubernetes.executor.podTemplateFile="$here/executor-gpu-pod-template.yaml"
    --conf spark.executor.resource.gpu.amount=1
    --conf spark.task.resource.gpu.amount=1
    --conf spark.executor.resource.gpu.vendor=nvidia.com
    --conf spark.executor.resource.gpu.discoveryScript=/opt/factorlab/deploy/getGpusResources.sh)
fi

exec "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}/bin/spark-submit" \
  --master "${K8S_MASTER:?set K8S_MASTER, e.g. k8s://https://api.cluster:6443}" --deploy-mode cluster \
  --name factorlab-sweep \
  --class org.factorlab.sweep.SweepCommand \
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
  --conf spark.task.maxFailures=4 \
  --conf "spark.driver.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  --conf "spark.executor.extraJavaOptions=$FACTORLAB_JVM_OPTS" \
  "${gpu[@]}" \
  "$JAR_IN_IMAGE" "$@"
