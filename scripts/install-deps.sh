#!/usr/bin/env bash
# Installs what building and testing gradlens needs, from Debian packages, only
# where it is missing: a fresh Debian/Ubuntu machine needs nothing else.
set -euo pipefail

need=()
command -v emcc >/dev/null || need+=(emscripten)
command -v node >/dev/null || need+=(nodejs)
command -v gcc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
# the browser tests drive Debian's Chromium (Playwright cannot download its own here)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
# AddressSanitizer / UBSan runtimes for the native tests
[[ -n $(gcc -print-file-name=libasan.so | grep /) ]] || need+=(libasan8)
[[ -n $(gcc -print-file-name=libubsan.so | grep /) ]] || need+=(libubsan1)

if ((${#need[@]})); then
    sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    echo "installing: ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
