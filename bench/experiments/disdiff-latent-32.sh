#!/usr/bin/env bash
# DisDiff's evidence on the rendered 32x32 set (issue 17, docs/experiments/disdiff-latent-32.md): on the latent shards of
# the latent EncDiff experiment (bench/experiments/latent-encdiff-32.sh: the same 10,000 images, each with its 8x8x3
# latent of one VQ first stage), an unconditional DDPM is pre-trained for DDPM_STEPS steps, then DisDiff trains on the
# frozen DDPM for DISDIFF_STEPS steps; then the metrics (each 32-number unit reduced to one by PCA), reconstruction
# SSIM/MSE, the loss curves (recon, dis_variant, dis_invariant), a partial-condition grid, a swap grid with its
# --factor-changes table and the unit traversals.
#   bench/experiments/disdiff-latent-32.sh LATENTS_URI FIRST_STAGE_CKPT OUT_DIR [DDPM_STEPS] [DISDIFF_STEPS]
# e.g. bench/experiments/disdiff-latent-32.sh file:///work/exp/latent32/latents /work/exp/vq32/vq/ckpt-000003317.zip \
#        /work/exp/disdiff32 3000 2000
# Budgets are in steps, so a busy machine changes the wall time, not the result; the page gives the quiet-machine
# cost per step. Rerunning resumes each training from its newest checkpoint.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
latents="${1:?latent shards URI}"; vq="${2:?first-stage checkpoint}"; out="${3:?output dir}"
ddpm_steps="${4:-3000}"; dd_steps="${5:-2000}"
fl="$here/bin/factorlab"
mkdir -p "$out"

# 1. the parent: an unconditional DDPM on the latent
"$fl" train --model ddpm --config "$here/conf/ddpm-latent32-cpu.yaml" --set firstStage.checkpoint="$vq" \
  --data "$latents" --batch-size 32 --steps "$ddpm_steps" --ema-decay 0.995 --ema-warmup --checkpoint-every 500 \
  --keep-checkpoints 2 --log-every 50 --seed 0 --run-dir "$out/ddpm" 2>&1 | tail -2
parent="$(ls "$out"/ddpm/ckpt-*.zip | sort | tail -1)"
"$fl" sample --checkpoint "$parent" --n 64 --steps 50 --output "$out/ddpm-samples.png" 2>&1 | tail -1

# 2. DisDiff on the frozen parent
"$fl" train --model disdiff --config "$here/conf/disdiff-latent32-cpu.yaml" --set firstStage.checkpoint="$vq" \
  --set pretrained.checkpoint="$parent" --data "$latents" --batch-size 16 --steps "$dd_steps" --ema-decay 0.995 \
  --ema-warmup --checkpoint-every 250 --keep-checkpoints 20 --log-every 25 --seed 0 --run-dir "$out/disdiff" 2>&1 | tail -2
dd="$(ls "$out"/disdiff/ckpt-*.zip | sort | tail -1)"

# 3. scores and pictures
"$fl" evaluate --model "$dd" --data "$latents" --reconstruction --reconstruction-images 256 --output "$out/eval" 2>&1 \
  | sed -n '/^# Disentanglement/,$p'
"$fl" partial --checkpoint "$dd" --data "$latents" --n 8 --offset 100 --steps 25 --output "$out/partial.png" 2>&1 | tail -1
"$fl" reconstruct --checkpoint "$dd" --data "$latents" --n 8 --steps 25 --output "$out/reconstruct.png" 2>&1 | tail -1
"$fl" traverse --checkpoint "$dd" --data "$latents" --n 256 --values 7 --steps 25 --output "$out/traverse.png" 2>&1 | tail -1
"$fl" swap --checkpoint "$dd" --data "$latents" --output "$out/swaps.png" --n 20 --offset 100 --start INVERTED \
  --steps 25 --factor-changes 2>&1 | tail -12
