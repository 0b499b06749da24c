# Kernels: sources for the engine build, their tests (native under sanitizers; wasm in
# the SIMD and the baseline build) and the GEMM benchmark. Included by the top-level
# Makefile, which provides the `deps` target.

KERNEL_SRCS = src/parallel_serial.c src/kernels_ref.c src/gemm_vec.c src/dwconv_vec.c src/pool_vec.c src/winograd_vec.c src/eltwise_vec.c src/activation_vec.c
KERNEL_HDRS = src/parallel.h src/kernels.h src/simd.h src/simd_wasm.h src/simd_scalar.h src/window_rows.h
EMCC ?= NODE_PATH=/usr/share/nodejs emcc
CC ?= gcc

KERNEL_NATIVE_FLAGS = -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                      -Wall -Wextra -Werror -Isrc
# Emscripten's Node glue. Synchronous instantiation because the async path of the emcc
# 3.1.6 glue calls fetch() whenever it exists, and Node 18+'s fetch rejects the .wasm
# file path ("Failed to parse URL").
KERNEL_WASM_FLAGS = -std=c11 -O2 -Wall -Wextra -Werror -Isrc -sENVIRONMENT=node \
                    -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1
# The glue is CommonJS but the repository's package.json says "type": "module": this one,
# nearer to the glue, makes Node load build/wasm/*.js as CommonJS.
KERNEL_WASM_PKG = build/wasm/package.json
KERNEL_TEST_DEPS = tests/c/test_kernels.c tests/c/check.h $(KERNEL_SRCS) $(KERNEL_HDRS)

$(KERNEL_WASM_PKG):
	@mkdir -p $(@D)
	echo '{"type": "commonjs"}' > $@

build/native/test_kernels: $(KERNEL_TEST_DEPS) | deps
	@mkdir -p $(@D)
	$(CC) $(KERNEL_NATIVE_FLAGS) tests/c/test_kernels.c $(KERNEL_SRCS) -lm -o $@

build/wasm/test_kernels_simd.js: $(KERNEL_TEST_DEPS) | deps $(KERNEL_WASM_PKG)
	$(EMCC) $(KERNEL_WASM_FLAGS) -msimd128 tests/c/test_kernels.c $(KERNEL_SRCS) -o $@

build/wasm/test_kernels_scalar.js: $(KERNEL_TEST_DEPS) | deps $(KERNEL_WASM_PKG)
	$(EMCC) $(KERNEL_WASM_FLAGS) tests/c/test_kernels.c $(KERNEL_SRCS) -o $@

build/wasm/bench_gemm_simd.js: tests/c/bench_gemm.c $(KERNEL_SRCS) $(KERNEL_HDRS) | deps $(KERNEL_WASM_PKG)
	$(EMCC) $(KERNEL_WASM_FLAGS) -msimd128 tests/c/bench_gemm.c $(KERNEL_SRCS) -o $@

# The SIMD128 multiply-add limit that bench/bench.mjs reports kernels against.
build/wasm/simd_limit.js: bench/simd_limit.c | deps $(KERNEL_WASM_PKG)
	$(EMCC) $(KERNEL_WASM_FLAGS) -msimd128 $< -o $@

.PHONY: test-kernels-native test-kernels-wasm bench-gemm

test-kernels-native: build/native/test_kernels
	build/native/test_kernels

test-kernels-wasm: build/wasm/test_kernels_simd.js build/wasm/test_kernels_scalar.js
	node build/wasm/test_kernels_simd.js
	node build/wasm/test_kernels_scalar.js

bench-gemm: build/wasm/bench_gemm_simd.js
	node build/wasm/bench_gemm_simd.js
