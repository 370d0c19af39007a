#!/usr/bin/env bash
# Retrains when the training data changed: compares the SHA-256 of the shard manifest (_manifest.json, written last
# by every ingest) with the one recorded after the last successful retraining, and if it differs submits a new run
# into $RUNS/<UTC time>-<checksum prefix>. Run it from cron, a CI schedule or the Kubernetes CronJob.
#
#   MODEL=encdiff CONFIG=hdfs:///factorlab/conf/encdiff.yaml DATA=hdfs:///factorlab/shards/shapes3d \
#   RUNS=hdfs:///factorlab/runs/encdiff SUBMIT=deploy/yarn/submit-train.sh deploy/retrain-on-change.sh
#
# Environment: MODEL, CONFIG, DATA, RUNS (Hadoop URIs), SUBMIT (a submit script of deploy/: yarn/submit-train.sh or
# k8s/submit-train.sh), TRAIN_ARGS (extra job options). Needs `hadoop` (or HADOOP_CMD) to read and write the URIs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hadoop_cmd="${HADOOP_CMD:-hadoop}"
: "${MODEL:?}" "${CONFIG:?}" "${DATA:?}" "${RUNS:?}"
SUBMIT="${SUBMIT:-$here/yarn/submit-train.sh}"
state="$RUNS/_last_trained_manifest.sha256"

current="$("$hadoop_cmd" fs -cat "$DATA/_manifest.json" | sha256sum | cut -d' ' -f1)" || {
  echo "retrain: $DATA/_manifest.json cannot be read (no complete dataset there)" >&2; exit 1; }
previous="$("$hadoop_cmd" fs -cat "$state" 2>/dev/null || true)"
if [[ "$current" == "$previous" ]]; then
  echo "retrain: data unchanged (manifest sha256 $current); nothing to do"
  exit 0
fi
run="$RUNS/$(date -u +%Y%m%dT%H%M%SZ)-${current:0:12}"
echo "retrain: manifest changed (${previous:-none} -> $current); training into $run"
# shellcheck disable=SC2086 # TRAIN_ARGS is a list of options
"$SUBMIT" --model "$MODEL" --config "$CONFIG" --data "$DATA" --run-dir "$run" ${TRAIN_ARGS:-}
# Recorded only after a successful submission (cluster mode returns when the application finishes).
printf '%s' "$current" | "$hadoop_cmd" fs -put -f - "$state"
