#!/usr/bin/env bash
# The VAE baselines under one CPU budget (docs/experiments/vae-baselines.md): each family trains for the number of
# steps that costs BUDGET_MIN minutes on a quiet 2-core machine (its measured ms/step below), for each seed; then
# every run is evaluated and a traversal grid is drawn, and the seeds of a family are evaluated together for the
# mean +- std table. Budgets are in steps, so a busy machine changes the wall time, not the result.
#   bench/experiments/vae-baselines.sh DATA_URI OUT_DIR [BUDGET_MIN] [SEEDS]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
data="${1:?data URI}"; out="${2:?output dir}"; budget="${3:-5}"; seeds="${4:-0 1 2}"
fl="$here/bin/factorlab"
# quiet-machine ms/step at batch 64, 32x32 (bench train-step figures, docs/experiments/vae-baselines.md)
declare -A ms=([betavae]=46 [betatcvae]=43 [factorvae]=139 [ivae]=57)
mkdir -p "$out"
for m in betavae betatcvae factorvae ivae; do
  steps=$(( budget * 60000 / ${ms[$m]} ))
  runs=()
  for s in $seeds; do
    run="$out/$m-seed$s"
    runs+=("$run/ckpt-$(printf %09d "$steps").zip")
    if [[ ! -f "$run/ckpt-$(printf %09d "$steps").zip" ]]; then
      echo "== $m seed $s: $steps steps"
      "$fl" train --model "$m" --config "$here/conf/$m-pixel32.yaml" --data "$data" --steps "$steps" --log-every 500 \
        --checkpoint-every 1000 --keep-checkpoints 20 --set train.seed="$s" --run-dir "$run" 2>&1 | grep -v "^\s*$" | tail -3
    fi
    [[ -f "$run/metrics/metrics.json" ]] || "$fl" evaluate --model "$run/ckpt-$(printf %09d "$steps").zip" --data "$data" --output "$run/metrics" 2>&1 | tail -1
    [[ -f "$run/traverse.png" ]] || "$fl" traverse --checkpoint "$run" --data "$data" --output "$run/traverse.png" --n 256 2>&1 | tail -1
  done
  [[ -f "$out/$m-table/metrics.md" ]] || "$fl" evaluate --model "$(IFS=,; echo "${runs[*]}")" --data "$data" --output "$out/$m-table" 2>&1 | tail -1
done
