#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this executor may use
# as {"name": "gpu", "addresses": ["0", "1", ...]}. Where the container manager restricts devices
# (CUDA_VISIBLE_DEVICES, as YARN's and Kubernetes' NVIDIA plugins do), those are the ones listed.
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  ids="${CUDA_VISIBLE_DEVICES}"
elif command -v nvidia-smi >/dev/null 2>&1; then
  ids="$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, -)"
else
  ids=""
fi
addresses=""
IFS=',' read -ra list <<< "${ids}"
for id in "${list[@]}"; do
  [[ -z "${id}" ]] && continue
  addresses="${addresses:+${addresses},}\"${id}\""
done
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
