# gradlens: `make` builds dist/ (SIMD, SIMD + threads and baseline wasm), `make test` runs every
# test, `make demo` serves the demo on http://localhost:$(PORT), `make bench` measures. Each target installs
# what it needs first (scripts/install-deps.sh), so they work on a fresh
# Debian/Ubuntu machine.

EMCC ?= NODE_PATH=/usr/share/nodejs emcc
PORT ?= 8000
export PORT
PYTHON_TORCH ?= /usr/bin/python3

ENGINE_SRCS = src/status.c src/arena.c src/arena_helpers.c src/pb.c src/onnx.c src/graph_build.c src/graph_fold.c src/plan.c \
              src/exec.c src/model.c src/profile.c src/inspect.c src/saliency.c src/attribution.c src/gradcam.c src/fool.c src/attacks.c src/visualize.c src/rng.c src/blur.c \
              src/ops/window.c src/ops/conv.c src/ops/batchnorm.c src/ops/activation.c src/ops/pool.c \
              src/ops/gemm.c src/ops/binary.c src/ops/concat.c src/ops/shape.c src/ops/registry.c \
              src/ops/broadcast.c src/ops/view.c src/ops/const.c src/ops/transpose.c src/ops/slice.c src/ops/pad.c src/ops/lrn.c
include mk/kernels.mk
HEADERS = $(wildcard src/*.h)

# Standalone wasm instantiated by our own JS (js/engine.js): no Emscripten glue,
# so the same module loads in Node, browsers and workers. Imports: the progress
# callback and the memory-growth notification. The stack takes 1 MB of the initial
# memory, not Emscripten's 5 MB: the deepest frames hold 32 KB buffers, and every
# megabyte of wasm memory counts (SqueezeNet saliency peaks at 64 MB).
WASM_FLAGS = -O3 -DNDEBUG -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB \
             -sINITIAL_MEMORY=16MB -sTOTAL_STACK=1MB -sERROR_ON_UNDEFINED_SYMBOLS=0 -sWARN_ON_UNDEFINED_SYMBOLS=0 \
             -sEXPORTED_FUNCTIONS=_glw_malloc,_glw_free_buffer

# SIMD + pthreads: shared memory, one instance of the module per thread. This is
# Emscripten's -pthread output without its JS glue (emcc refuses STANDALONE_WASM with
# pthreads, so it writes glue to build/mt/, which we drop): js/threads.js provides the
# imports and starts the threads' workers (js/pool-worker.js). The memory limits must
# stay those of WASM_FLAGS: js/threads.js reads them from the module.
# DECLARE_ASM_MODULE_EXPORTS=0 keeps the import and export names whole (emcc would
# minify them for its glue).
MT_KERNEL_SRCS = $(filter-out src/parallel_serial.c,$(KERNEL_SRCS)) src/parallel_pthread.c
MT_FLAGS = -O3 -DNDEBUG -pthread -msimd128 --no-entry -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB \
           -sINITIAL_MEMORY=16MB -sTOTAL_STACK=1MB -Wno-pthreads-mem-growth -sERROR_ON_UNDEFINED_SYMBOLS=0 \
           -sWARN_ON_UNDEFINED_SYMBOLS=0 -sEXPORTED_FUNCTIONS=_glw_malloc,_glw_free_buffer \
           -sDECLARE_ASM_MODULE_EXPORTS=0

.PHONY: all deps test test-native test-js test-types test-browser test-package demo bench fixtures models clean

all: dist/gradlens-simd.wasm dist/gradlens-simd-mt.wasm dist/gradlens.wasm

deps:
	@scripts/install-deps.sh

dist/gradlens-simd.wasm: $(ENGINE_SRCS) $(KERNEL_SRCS) src/wasm_api.c $(HEADERS) src/ops/*.c | deps
	@mkdir -p dist
	$(EMCC) $(WASM_FLAGS) -msimd128 $(ENGINE_SRCS) $(KERNEL_SRCS) src/wasm_api.c -o $@

dist/gradlens-simd-mt.wasm: $(ENGINE_SRCS) $(MT_KERNEL_SRCS) src/wasm_api.c $(HEADERS) src/ops/*.c | deps
	@mkdir -p dist build/mt
	$(EMCC) $(MT_FLAGS) $(ENGINE_SRCS) $(MT_KERNEL_SRCS) src/wasm_api.c -o build/mt/gradlens-simd-mt.js
	cp build/mt/gradlens-simd-mt.wasm $@

dist/gradlens.wasm: $(ENGINE_SRCS) $(KERNEL_SRCS) src/wasm_api.c $(HEADERS) src/ops/*.c | deps
	@mkdir -p dist
	$(EMCC) $(WASM_FLAGS) $(ENGINE_SRCS) $(KERNEL_SRCS) src/wasm_api.c -o $@

# The same C, native, under AddressSanitizer and UndefinedBehaviorSanitizer.
NATIVE_TESTS = build/native/test_gradcheck build/native/test_engine
build/native/%: tests/c/%.c tests/c/check.h tests/c/onnx_writer.h $(ENGINE_SRCS) $(KERNEL_SRCS) $(HEADERS) | deps
	@mkdir -p build/native
	$(CC) $(KERNEL_NATIVE_FLAGS) $< $(ENGINE_SRCS) $(KERNEL_SRCS) -lm -o $@

test-native: $(NATIVE_TESTS) test-kernels-native
	@for t in $(NATIVE_TESTS); do echo "== $$t"; $$t || exit 1; done

# Every JS test on the SIMD build, then the engine tests again on the baseline build.
test-js: all node_modules/.package-lock.json
	node --test tests/js/
	GRADLENS_WASM=baseline node --test tests/js/fixtures.test.js tests/js/families.test.js tests/js/methods.test.js \
		tests/js/api.test.js tests/js/inspect.test.js tests/js/realdata.test.js

# The TypeScript declarations compile against a usage example.
test-types: node_modules/.package-lock.json
	npx tsc -p tests/types

node_modules/.package-lock.json: package.json package-lock.json | deps
	npm ci --no-audit --no-fund

# The demo in Chromium (Playwright): load, draw, predict, saliency, fooling, real models.
test-browser: all node_modules/.package-lock.json
	node --test tests/browser/

# The package as a user installs it: npm pack, a fresh project, Node, Vite + Chromium, tsc.
test-package: all node_modules/.package-lock.json
	node --test tests/package/

test: deps test-leaks test-kernels-wasm test-js test-types test-browser test-package test-fuzz

demo: all node_modules/.package-lock.json
	node scripts/serve.mjs

# gradlens and its peers (PyTorch + OpenBLAS, TF.js, onnxruntime-web) on the same networks:
# build/bench/report.md. About 15 minutes; the GEMM kernel alone: make bench-gemm.
bench: all build/wasm/simd_limit.js node_modules/.package-lock.json
	scripts/install-bench-deps.sh
	node bench/bench.mjs

fixtures: node_modules/.package-lock.json
	scripts/install-model-deps.sh
	$(PYTHON_TORCH) tests/fixtures/make_fixtures.py

# Retrains the shipped models from the data (fixed seeds), then measures them
# through gradlens and records accuracy and fooling figures in their cards.
models: all node_modules/.package-lock.json
	scripts/install-model-deps.sh
	$(PYTHON_TORCH) models/train.py
	$(PYTHON_TORCH) models/export_test_splits.py
	node models/evaluate.mjs

clean:
	rm -rf build dist

# Fuzzing (libFuzzer, native): last, since it reads ENGINE_SRCS and NATIVE_TESTS.
include mk/fuzz.mk
