#!/usr/bin/env bash
# The VAE baselines under one CPU budget (docs/experiments/vae-baselines.md): each family trains for the number of
# steps that costs BUDGET_MIN minutes on a quiet 2-core machine (its measured ms/step below), for each seed of
# conf/sweeps/vae-baselines.yaml, as one sweep per family (resumable: rerun to continue); then one table of all four,
# and a traversal grid per run. Budgets are in steps, so a busy machine changes the wall time, not the result.
#   bench/experiments/vae-baselines.sh DATA_URI OUT_DIR [BUDGET_MIN]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
data="${1:?data URI}"; out="${2:?output dir}"; budget="${3:-5}"
fl="$here/bin/factorlab"
# quiet-machine ms/step at batch 64, 32x32 (bench train-step figures, docs/experiments/vae-baselines.md)
declare -A ms=([betavae]=46 [betatcvae]=43 [factorvae]=139 [ivae]=57)
sweeps=()
for m in betavae betatcvae factorvae ivae; do
  "$fl" sweep --spec "$here/conf/sweeps/vae-baselines.yaml" --set model="$m" --set config="$here/conf/$m-pixel32.yaml" \
    --set data="$data" --set budget.steps=$(( budget * 60000 / ${ms[$m]} )) --output "$out/$m" 2>&1 | grep -v "^\s*$" | tail -4
  sweeps+=("$out/$m")
  for run in "$out/$m"/points/*/; do
    [[ -f "$run/traverse.png" ]] || "$fl" traverse --checkpoint "$run" --data "$data" --output "$run/traverse.png" --n 256 2>&1 | tail -1
  done
done
"$fl" compare "${sweeps[@]}" --output "$out/table"
