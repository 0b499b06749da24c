# Fuzzing and leak checking. Included by the top-level Makefile after ENGINE_SRCS
# and mk/kernels.mk (it needs ENGINE_SRCS, KERNEL_SRCS and the `deps` target).
#
#   make test-fuzz   the bounded run for `make test` (~2 minutes): every committed
#                    regression input replayed by plain ASan+UBSan binaries (64-bit
#                    and i386), then the four fuzzers for FUZZ_QUICK_SECONDS (25)
#                    each, from the seeds and regressions
#   make fuzz        long runs: each target for FUZZ_SECONDS (default 1800); the
#                    corpus persists in build/fuzz/corpus/, crashes land in
#                    build/fuzz/crashes/ (see tests/fuzz/README.md for triage)
#   make test-leaks  LeakSanitizer on the native test binaries, after a canary
#                    proves LSan reports a leak in this environment
#
# Targets (tests/fuzz/): load (fuzz_load.c, ONNX bytes) and struct (fuzz_struct.c,
# generator choices), each built for x86_64 and for i386: size_t is 32-bit there,
# as in wasm32, so size arithmetic that wraps in the browser wraps under ASan too.
# The fuzz builds link tests/fuzz/arena_asan.c instead of src/arena.c (one malloc
# per arena object, so ASan sees overruns between them).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 1800
FUZZ_QUICK_SECONDS ?= 25
FUZZ_TARGETS = load struct
FUZZ_ARCHES = 64 32
FUZZ_SRCS = $(filter-out src/arena.c,$(ENGINE_SRCS)) $(KERNEL_SRCS) tests/fuzz/arena_asan.c
FUZZ_CFLAGS = -std=c11 -O1 -g -Isrc -Itests/c -Itests/fuzz -fno-omit-frame-pointer
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
# allocator_may_return_null: an absurd size fails like it does in production (the
# engine must handle NULL) instead of ASan aborting; libFuzzer's malloc limit
# (-malloc_limit_mb, = -rss_limit_mb) still reports any allocation of 2 GB or more
# that succeeds.
FUZZ_ASAN_OPTIONS = ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:abort_on_error=1:symbolize=1 \
                    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_FLAGS = -rss_limit_mb=2048 -timeout=10 -max_len=2097152 -dict=tests/fuzz/onnx.dict -print_final_stats=1

.PHONY: test-fuzz fuzz fuzz-build fuzz-replay fuzz-seeds test-leaks

# ---- builds --------------------------------------------------------------------
# Four variants of the engine's objects, each compiled once and shared by both
# targets: fuzz64 / fuzz32 (clang, libFuzzer coverage), replay64 (the native
# tests' $(CC), no libFuzzer) and replay32 (clang -m32, no libFuzzer).
FUZZ_VARIANT_CC_fuzz64 = $(FUZZ_CC) -fsanitize=fuzzer-no-link
FUZZ_VARIANT_CC_fuzz32 = $(FUZZ_CC) -m32 -fsanitize=fuzzer-no-link
FUZZ_VARIANT_CC_replay64 = $(CC)
FUZZ_VARIANT_CC_replay32 = $(FUZZ_CC) -m32
FUZZ_VARIANTS = fuzz64 fuzz32 replay64 replay32

define fuzz_variant
FUZZ_OBJS_$(1) = $$(patsubst %.c,build/fuzz/obj/$(1)/%.o,$$(FUZZ_SRCS))
build/fuzz/obj/$(1)/%.o: %.c | deps
	@mkdir -p $$(@D)
	$$(FUZZ_VARIANT_CC_$(1)) $$(FUZZ_CFLAGS) $$(FUZZ_SAN) -MMD -MP -c $$< -o $$@
-include $$(patsubst %.c,build/fuzz/obj/$(1)/%.d,$$(FUZZ_SRCS) tests/fuzz/fuzz_load.c tests/fuzz/fuzz_struct.c tests/fuzz/replay.c)
endef
$(foreach v,$(FUZZ_VARIANTS),$(eval $(call fuzz_variant,$(v))))
# objects made by pattern rules are kept (not deleted as intermediates)
.SECONDARY: $(foreach v,$(FUZZ_VARIANTS),$(FUZZ_OBJS_$(v)) \
            $(patsubst %.c,build/fuzz/obj/$(v)/%.o,tests/fuzz/fuzz_load.c tests/fuzz/fuzz_struct.c tests/fuzz/replay.c))

build/fuzz/fuzz_%_64: build/fuzz/obj/fuzz64/tests/fuzz/fuzz_%.o $(FUZZ_OBJS_fuzz64)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -lm -o $@

build/fuzz/fuzz_%_32: build/fuzz/obj/fuzz32/tests/fuzz/fuzz_%.o $(FUZZ_OBJS_fuzz32)
	$(FUZZ_CC) -m32 -fsanitize=fuzzer $(FUZZ_SAN) $^ -lm -o $@

build/fuzz/replay_%_64: build/fuzz/obj/replay64/tests/fuzz/fuzz_%.o build/fuzz/obj/replay64/tests/fuzz/replay.o $(FUZZ_OBJS_replay64)
	$(CC) $(FUZZ_SAN) $^ -lm -o $@

build/fuzz/replay_%_32: build/fuzz/obj/replay32/tests/fuzz/fuzz_%.o build/fuzz/obj/replay32/tests/fuzz/replay.o $(FUZZ_OBJS_replay32)
	$(FUZZ_CC) -m32 $(FUZZ_SAN) $^ -lm -o $@

FUZZ_BINS = $(foreach t,$(FUZZ_TARGETS),$(foreach a,$(FUZZ_ARCHES),build/fuzz/fuzz_$(t)_$(a)))
REPLAY_BINS = $(foreach t,$(FUZZ_TARGETS),$(foreach a,$(FUZZ_ARCHES),build/fuzz/replay_$(t)_$(a)))

fuzz-build: $(FUZZ_BINS) $(REPLAY_BINS)

# Seed corpus (not committed): the fixtures and, when present, the shipped models.
fuzz-seeds:
	@tests/fuzz/seeds.sh build/fuzz/seeds

# ---- runs ----------------------------------------------------------------------
# Every committed regression input through every replay binary: each must run clean.
fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_TARGETS); do for a in $(FUZZ_ARCHES); do \
	    echo "== replay $$t ($$a-bit): tests/fuzz/regressions/$$t"; \
	    $(FUZZ_ASAN_OPTIONS) build/fuzz/replay_$${t}_$$a tests/fuzz/regressions/$$t || exit 1; \
	done; done

# One fuzz run: $(1) target, $(2) arch, $(3) seconds, $(4) corpus directory (new
# inputs go there; the regressions and the seeds are read-only inputs). The full log
# is build/fuzz/<target>_<arch>.log; on a failure its report is printed.
define fuzz_run
	@mkdir -p $(4) build/fuzz/crashes/$(1)_$(2)
	@echo "== fuzz $(1) ($(2)-bit) for $(3) s"
	@$(FUZZ_ASAN_OPTIONS) build/fuzz/fuzz_$(1)_$(2) $(FUZZ_FLAGS) -max_total_time=$(3) \
	    -artifact_prefix=build/fuzz/crashes/$(1)_$(2)/ \
	    $(4) tests/fuzz/regressions/$(1) $(if $(filter load,$(1)),build/fuzz/seeds/load) \
	    > build/fuzz/$(1)_$(2).log 2>&1; \
	status=$$?; \
	grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" build/fuzz/$(1)_$(2).log | \
	    sed 's/stat:://' | tr -s ' \n' ' '; echo; \
	if [ $$status -ne 0 ]; then \
	    grep -E -B2 -A60 "ERROR|runtime error|contract violated|==[0-9]+==" build/fuzz/$(1)_$(2).log | head -n 100; \
	    echo "fuzz $(1) ($(2)-bit) found a failure: the input is in build/fuzz/crashes/$(1)_$(2)/, the log in build/fuzz/$(1)_$(2).log"; \
	    exit 1; \
	fi
endef

# The bounded run starts from the seeds and regressions only (a fresh corpus each
# time: the long runs' corpus grows, and libFuzzer replays all of it before fuzzing).
test-fuzz: fuzz-replay $(FUZZ_BINS) fuzz-seeds
	@rm -rf build/fuzz/quick
	$(call fuzz_run,load,64,$(FUZZ_QUICK_SECONDS),build/fuzz/quick/load_64)
	$(call fuzz_run,struct,64,$(FUZZ_QUICK_SECONDS),build/fuzz/quick/struct_64)
	$(call fuzz_run,load,32,$(FUZZ_QUICK_SECONDS),build/fuzz/quick/load_32)
	$(call fuzz_run,struct,32,$(FUZZ_QUICK_SECONDS),build/fuzz/quick/struct_32)

fuzz: fuzz-replay $(FUZZ_BINS) fuzz-seeds
	$(call fuzz_run,load,64,$(FUZZ_SECONDS),build/fuzz/corpus/load)
	$(call fuzz_run,struct,64,$(FUZZ_SECONDS),build/fuzz/corpus/struct)
	$(call fuzz_run,load,32,$(FUZZ_SECONDS),build/fuzz/corpus/load)
	$(call fuzz_run,struct,32,$(FUZZ_SECONDS),build/fuzz/corpus/struct)

# ---- LeakSanitizer on the native tests ------------------------------------------
LSAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

build/fuzz/lsan_canary: tests/fuzz/lsan_canary.c | deps
	@mkdir -p $(@D)
	$(CC) -g -fsanitize=address $< -o $@

test-leaks: build/fuzz/lsan_canary $(NATIVE_TESTS) build/native/test_kernels
	@if $(LSAN_ENV) build/fuzz/lsan_canary 2>build/fuzz/lsan_canary.log || \
	    ! grep -q "LeakSanitizer: detected memory leaks" build/fuzz/lsan_canary.log; then \
	    echo "LeakSanitizer is not working here (the canary's leak went unreported):"; \
	    cat build/fuzz/lsan_canary.log; exit 1; fi
	@echo "LeakSanitizer works (the canary's leak was reported)"
	@for t in $(NATIVE_TESTS) build/native/test_kernels; do echo "== $$t (LeakSanitizer on)"; \
	    $(LSAN_ENV) $$t > build/fuzz/leaks.log 2>&1 || { cat build/fuzz/leaks.log; exit 1; }; \
	    tail -n 1 build/fuzz/leaks.log; done
