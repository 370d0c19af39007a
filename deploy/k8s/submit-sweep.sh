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
# the training script's submission (sizing, GPUs, JDK flags), with the sweep's main class and no --workers
FACTORLAB_SUBMIT_CLASS=org.factorlab.sweep.SweepCommand FACTORLAB_SUBMIT_NAME=factorlab-sweep FACTORLAB_SUBMIT_WORKERS=0 \
  exec "$here/submit-train.sh" "$@"
