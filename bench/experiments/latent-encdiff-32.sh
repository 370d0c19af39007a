#!/usr/bin/env bash
# Latent EncDiff in one CPU hour at 32x32 (issue 19, the evidence): the VQ first stage trains on the 32x32 set for
# VQ_MIN wall minutes and is scored alone (SSIM/MSE, codebook usage in its loss.csv); every image is encoded into
# latent shards; latent EncDiff then trains for ENCDIFF_MIN wall minutes with exactly the flags of the pixel
# one-hour run (docs/experiments/encdiff-cpu-hour.md) and is scored like it: all metrics, reconstruction SSIM/MSE
# (model and first stage), reconstructions and the swap --factor-changes table.
#   bench/experiments/latent-encdiff-32.sh DATA_URI OUT_DIR [VQ_MIN] [ENCDIFF_MIN]
# e.g. bench/experiments/latent-encdiff-32.sh file:///work/exp/data32 /work/exp/latent32 30 59
# Cost on a quiet 2-core machine: VQ_MIN + ENCDIFF_MIN minutes of training, plus about 10 minutes of encoding and
# evaluation. Rerunning resumes the training steps from their newest checkpoints.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
data="${1:?data URI}"; out="${2:?output dir}"; vq_min="${3:-30}"; ed_min="${4:-59}"
fl="$here/bin/factorlab"
mkdir -p "$out"

# 1. the first stage
"$fl" train --model vqae --config "$here/conf/vqae-pixel32-cpu.yaml" --data "$data" --steps 1000000 \
  --max-wall-seconds $(( vq_min * 60 )) --checkpoint-every 250 --keep-checkpoints 3 --log-every 25 --seed 0 \
  --run-dir "$out/vq" 2>&1 | tail -3
vq="$(ls "$out"/vq/ckpt-*.zip | sort | tail -1)"
"$fl" evaluate --model "$vq" --data "$data" --metrics mig --reconstruction --reconstruction-images 1000 \
  --output "$out/vq-eval" 2>&1 | sed -n '/## Reconstruction/,/^Images/p'
echo "codebook usage (loss.csv header, then the last step; perplexity and dead_codes are columns):"
head -1 "$out/vq/loss.csv"; tail -1 "$out/vq/loss.csv"
"$fl" reconstruct --checkpoint "$vq" --data "$data" --output "$out/vq-reconstruct.png" --n 16 2>&1 | tail -2

# 2. latent shards (the image shards plus each row's 8x8x3 latent, with the first stage's SHA-256 in the manifest)
"$fl" encode-latents --first-stage "$vq" --data "$data" --output "file://$out/latents" 2>&1 | tail -1

# 3. latent EncDiff, the pixel run's flags
"$fl" train --model encdiff --config "$here/conf/encdiff-latent32-cpu.yaml" --set firstStage.checkpoint="$vq" \
  --data "file://$out/latents" --batch-size 32 --steps 1000000 --ema-decay 0.995 --ema-warmup \
  --max-wall-seconds $(( ed_min * 60 )) --checkpoint-every 250 --keep-checkpoints 20 --log-every 25 --seed 0 \
  --run-dir "$out/encdiff" 2>&1 | tail -3
ed="$(ls "$out"/encdiff/ckpt-*.zip | sort | tail -1)"
echo "steps in $ed_min minutes: $(basename "$ed" .zip | sed 's/ckpt-0*//')"

# 4. scores and pictures, as for the pixel runs
"$fl" evaluate --model "$ed" --data "file://$out/latents" --reconstruction --reconstruction-images 256 \
  --output "$out/encdiff-eval" 2>&1 | sed -n '/^# Disentanglement/,$p'
"$fl" reconstruct --checkpoint "$ed" --data "file://$out/latents" --output "$out/reconstruct.png" --n 8 --steps 50 2>&1 | tail -2
"$fl" swap --checkpoint "$ed" --data "file://$out/latents" --output "$out/swaps.png" --n 20 --offset 100 --start INVERTED \
  --steps 25 --factor-changes 2>&1 | tail -12
