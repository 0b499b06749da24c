#!/usr/bin/env bash
# Builds the seed corpus of the `load` fuzz target (generated, not committed):
# the fixture networks (tests/fixtures, tests/fixtures/families) and, when present,
# the shipped models (models/). Usage: seeds.sh DIR
set -euo pipefail
out=${1:-build/fuzz/seeds}
mkdir -p "$out/load"
shopt -s nullglob
n=0
for f in tests/fixtures/*.onnx tests/fixtures/families/*.onnx models/*.onnx; do
    # models larger than the fuzzer's -max_len would only be truncated
    (( $(stat -c %s "$f") <= 2097152 )) || continue
    cp -u "$f" "$out/load/$(echo "$f" | tr / _)"
    n=$((n + 1))
done
echo "fuzz seeds: $n models in $out/load"
