#!/usr/bin/env bash
# For maintainers on a host with Docker, the NVIDIA container toolkit and a GPU:
# bake the template, build the baked project's image, train one epoch on the GPU through
# `docker compose`, and check that CUDA did the work.   Usage: docker/gpu-smoke.sh [workdir]
set -euo pipefail
template="$(cd "$(dirname "$0")/.." && pwd)"
workdir="${1:-$(mktemp -d)}"
image="hyperlight-gpu-smoke:latest"

python3 -m venv "$workdir/venv"
"$workdir/venv/bin/pip" install --quiet "cookiecutter==2.7.1"
"$workdir/venv/bin/cookiecutter" --no-input --output-dir "$workdir" "$template" docker_image="$image"
cd "$workdir/digits-research"
mkdir -p results data
export HOST_UID="$(id -u)" HOST_GID="$(id -g)"
touch "${WANDB_API_KEY_FILE:=$HOME/.wandb_api_key}" && export WANDB_API_KEY_FILE  # empty: W&B offline

docker compose build train
# gpus=1 refuses to fall back to the CPU, so a finished run means CUDA trained it.
docker compose run --rm train python -c \
    "import torch; assert torch.cuda.is_available(), 'no CUDA in the container'; print('CUDA', torch.version.cuda, torch.cuda.get_device_name(0))"
docker compose run --rm train python -m digits_research train --set gpus=1 max_epochs=1
manifest="$(ls -t results/*/*/manifest.json | head -n 1)"
if [ "$(stat -c %u "$manifest")" != "$HOST_UID" ]; then
    echo "FAIL: $manifest does not belong to uid $HOST_UID" >&2
    exit 1
fi
echo "GPU smoke test passed: one epoch on CUDA, $manifest owned by uid $HOST_UID"
