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
# the training script's submission (sizing, GPUs, JDK flags), with the sweep's main class and no --workers
FACTORLAB_SUBMIT_CLASS=org.factorlab.sweep.SweepCommand FACTORLAB_SUBMIT_NAME=factorlab-sweep FACTORLAB_SUBMIT_WORKERS=0 \
  exec "$here/submit-train.sh" "$@"
