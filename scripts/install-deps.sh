#!/usr/bin/env bash
# Installs what building and testing gradlens needs, from Debian packages, only
# where it is missing: a fresh Debian/Ubuntu machine needs nothing else.
set -euo pipefail
source "$(dirname "$0")/apt-install-missing.sh"

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
# The fuzz targets (mk/fuzz.mk): clang's libFuzzer, natively and for i386 (where
# size_t is 32-bit, as in wasm32), which needs the 32-bit C and C++ runtimes too.
fuzz_probe() {
    echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' |
        clang "$@" -fsanitize=fuzzer,address,undefined -x c - -o /dev/null 2>/dev/null
}
if command -v clang >/dev/null; then
    fuzz_probe || need+=("libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev")
    fuzz_probe -m32 || need+=(gcc-multilib g++-multilib)
else
    need+=(clang libclang-rt-dev gcc-multilib g++-multilib)
fi

apt_install_missing "${need[@]}"
