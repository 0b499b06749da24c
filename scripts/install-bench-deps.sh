#!/usr/bin/env bash
# What the peer benchmarks (bench/peers/) need beyond the build tools, from Debian
# packages, only where missing: Debian's PyTorch and onnx for /usr/bin/python3, and
# OpenBLAS. Debian's torch calls libblas.so.3, which otherwise resolves to the netlib
# reference BLAS (~25x slower sgemm here); installing libopenblas0-pthread registers
# it at a higher update-alternatives priority, and the alternative is set back to
# auto in case a manual choice pinned the reference one. The npm peers (TF.js,
# onnxruntime-web) are devDependencies, installed by `npm ci` (the Makefile runs it).
set -euo pipefail
source "$(dirname "$0")/apt-install-missing.sh"

need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || need+=(python3-onnx)
dpkg-query -W -f '${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'ok installed' || need+=(libopenblas0-pthread)
apt_install_missing "${need[@]}"

# Readers of a pipe take all of it (no awk exit, no grep -q): one that stops early makes
# the writer die of SIGPIPE, which pipefail turns into a failure now and then.
alt=$(update-alternatives --get-selections | awk '!found && $1 ~ /^libblas\.so\.3-/ {print $1; found = 1}')
if [[ -n $alt ]] && ! update-alternatives --query "$alt" | grep '^Value: .*openblas' >/dev/null; then
    sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo update-alternatives --auto "$alt"
fi
