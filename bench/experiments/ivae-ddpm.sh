#!/usr/bin/env bash
# iVAE+DDPM's evidence (docs/experiments/ivae-ddpm.md): VAE, iVAE, iVAE+DDPM, iVAE+DDPM with KL balancing and
# iVAE+DDPM with a Gumbel group for shape, 3 seeds each, under one CPU budget: each variant trains for the steps that
# cost BUDGET_MIN minutes on a quiet 2-core machine (its measured ms/step below), as one sweep per variant (resumable:
# rerun to continue); then one table of all five (MIG, Spearman MCC, DCI disentanglement, modularity, ... as
# mean +- std, min, max) and a traversal grid per run (iVAE decoder and DDPM side by side for the ivae-ddpm runs).
# Budgets are in steps, so a busy machine changes the wall time, not the result.
#   bench/experiments/ivae-ddpm.sh DATA_URI OUT_DIR [BUDGET_MIN]
# Everything but the model is shared: 32x32, 10 latents, batch 32, Adam 2e-4 (the paper's table 1), u = label variance
# without the mean for the iVAEs, KL weight 1 for the VAEs (the paper's baselines), lambdaKl 5e-4 / lambdaRec 0.1 for
# iVAE+DDPM. Wall time: 5 variants x 3 seeds x BUDGET_MIN, plus scoring and pictures (~2 min per run).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
data="${1:?data URI}"; out="${2:?output dir}"; budget="${3:-10}"
fl="$here/bin/factorlab"
mkdir -p "$out/configs"
common='train: {batchSize: 32, emaDecay: 0.0, seed: 0}
optimizer: {kind: adam, lr: 2.0e-4}'
cat > "$out/configs/vae.yaml" <<YAML
# VAE: beta-VAE with beta 1
model: {imageSize: 32, imageChannels: 3, latents: 10}
objective: {reconstruction: bernoulli, beta: 1.0}
$common
YAML
cat > "$out/configs/ivae.yaml" <<YAML
model: {imageSize: 32, imageChannels: 3, latents: 10}
objective: {reconstruction: bernoulli, beta: 1.0}
ivae: {u: label_variance, withMean: false}
$common
YAML
base="$(grep -v '^#' "$here/conf/ivae-ddpm-pixel32.yaml")"
printf '%s\n' "$base" > "$out/configs/ivae-ddpm.yaml"
printf '%s\nklBalancing: {enabled: true, alpha: 0.8}\n' "$base" > "$out/configs/ivae-ddpm-klbal.yaml"
# shape has 4 classes: the last 4 of the 10 entries of z are one categorical group, hard straight-through, tau 1 -> 0.5
printf '%s\ngumbel: {groups: 1, categories: 4, hard: true, temperature: {start: 1.0, min: 0.5, decay: 1.0e-4}}\n' "$base" \
  > "$out/configs/ivae-ddpm-gumbel.yaml"
# quiet-machine ms/step at batch 32, 32x32, 2 threads, measured with
# `bin/factorlab bench train-step --skip-pytorch --batch 32 --model <family> --config <out>/configs/<variant>.yaml`
# (docs/experiments/ivae-ddpm.md); KL balancing and the Gumbel group cost the same as plain iVAE+DDPM
declare -A model=([vae]=betavae [ivae]=ivae [ivae-ddpm]=ivae-ddpm [ivae-ddpm-klbal]=ivae-ddpm [ivae-ddpm-gumbel]=ivae-ddpm)
declare -A ms=([vae]=42 [ivae]=44 [ivae-ddpm]=525 [ivae-ddpm-klbal]=525 [ivae-ddpm-gumbel]=525)
sweeps=()
for v in vae ivae ivae-ddpm ivae-ddpm-klbal ivae-ddpm-gumbel; do
  steps=$(( budget * 60000 / ${ms[$v]} ))
  echo "== $v: ${model[$v]}, $steps steps (${budget} CPU minutes at ${ms[$v]} ms/step) x 3 seeds"
  "$fl" sweep --spec "$here/conf/sweeps/ivae-ddpm.yaml" --set model="${model[$v]}" --set config="$out/configs/$v.yaml" \
    --set data="$data" --set budget.steps=$steps --output "$out/$v" 2>&1 | grep -v "^\s*$" | tail -4
  sweeps+=("$out/$v")
  for run in "$out/$v"/points/*/; do
    [[ -f "$run/traverse.png" ]] || "$fl" traverse --checkpoint "$run" --data "$data" --output "$run/traverse.png" --n 256 \
      --steps 50 2>&1 | tail -1
  done
done
"$fl" compare "${sweeps[@]}" --output "$out/table"
