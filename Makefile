# capsim — Monte Carlo simulator of AI compute capacity.
#
# Targets: all (default) run test unit-tests cli-tests py-tests check bench plots clean deps
#   test        every test, in parallel on every core unless the command line gives -j;
#               one line per test (PASS, SKIP or FAIL), the end of each failure's log,
#               and "N passed, N skipped, N failed"; each test's output is in
#               BUILD/test-logs/NAME.log. make test TESTS="cli_engine py_compare": those.
#   unit-tests  the same for the cmocka binaries (tests/test_*.c) only,
#   cli-tests   for the command-line tests (tests/cli_*.sh) only,
#   py-tests    for the file-format tests (tests/py_*.py) only
#   check       the whole suite built with AddressSanitizer and UBSan (BUILD=build-san)
#   check-integer  the whole suite built with clang's integer sanitizers (BUILD=build-int)
#   docs        the README's walkthrough figures and pictures, re-made (tools/docs.py)
#   bench       speed, scaling and memory (tests/bench.py); make bench BASE=<commit> also
#               builds that commit and times it against this build, in turns, on one core
#   plots       every chart of the README's examples into plots/ (PLOT_FORMAT=svg|pdf)
#   fuzz        the libFuzzer targets of tests/fuzz/ built with clang, ASan and UBSan
#               (BUILD=build-fuzz), each run FUZZ_S seconds (default 60) on its working
#               corpus build-fuzz/corpus/NAME; fails when a target crashes
# Settings (override on the command line: make CC=clang OPT=-O0):
CC_DEFAULT  := gcc
ifeq ($(origin CC),default)
CC          := $(CC_DEFAULT)
endif
OPT         ?= -O2
BUILD       ?= build
SAN         ?=
PYTHON      ?= /usr/bin/python3
RUN_OUT     ?= results/default.h5
THREADS     ?=

# Determinism across thread counts needs strict C11 and no FP contraction.
STDFLAGS    := -std=c11 -D_DEFAULT_SOURCE -ffp-contract=off
WARNFLAGS   := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
# Lazily expanded (=): pkg-config runs after `deps` has installed what is missing.
PKG_CFLAGS   = $(shell pkg-config --cflags gsl hdf5 yaml-0.1 2>/dev/null)
PKG_LIBS     = $(shell pkg-config --libs gsl yaml-0.1 2>/dev/null) $(HDF5_LIBS)
# HDF5 is linked statically where libhdf5-dev ships its archives (Debian's does): the
# shared library pulls in curl, TLS, Kerberos and LDAP, some 35 libraries for a virtual
# file driver capsim never uses, and loading them costs milliseconds at every start
# (docs/ENGINE.md, measurements). Otherwise, the shared libraries.
HDF5_LIBDIR  = $(patsubst -L%,%,$(filter -L%,$(shell pkg-config --libs hdf5 2>/dev/null)))
HDF5_ARCHIVES = $(HDF5_LIBDIR)/libhdf5_hl.a $(HDF5_LIBDIR)/libhdf5.a
HDF5_LIBS    = $(if $(and $(HDF5_LIBDIR),$(wildcard $(word 1,$(HDF5_ARCHIVES))),$(wildcard $(word 2,$(HDF5_ARCHIVES)))),\
               $(HDF5_ARCHIVES) -lsz -lz -ldl,$(shell pkg-config --libs hdf5 2>/dev/null) -lhdf5_hl)
TEST_CFLAGS  = $(shell pkg-config --cflags cmocka 2>/dev/null)
TEST_LIBS    = $(shell pkg-config --libs cmocka 2>/dev/null)
ifeq ($(SAN),1)
SANFLAGS    := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow
OPT         := -O1
endif
GIT_REV     := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
PROVENANCE   = -DCAPSIM_GIT_REV='"$(GIT_REV)"' -DCAPSIM_CFLAGS='"$(STDFLAGS) $(OPT) $(SANFLAGS) $(MPIFLAGS)"'
# `make CC=mpicc` builds the MPI variant (sim/engine/mpi_comm.c is the only file that uses it).
MPIFLAGS    := $(if $(filter mpicc%,$(notdir $(CC))),-DCAPSIM_MPI)
CFLAGS_ALL   = $(STDFLAGS) $(OPT) -g $(WARNFLAGS) -fopenmp $(SANFLAGS) $(MPIFLAGS) -I. $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL  = -fopenmp $(SANFLAGS) $(LDFLAGS)
LIBS_ALL     = $(PKG_LIBS) -lm

# Sources: every .c in the module folders, built into one static library (the way Lua
# builds liblua.a); main.c is the binary's own. Tests and the binary link the library.
LIB_SRC     := $(filter-out sim/cli/main.c,$(wildcard sim/*/*.c models/*.c output/*.c))
LIB_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/gen/default_scenario.o
LIBCAPSIM   := $(BUILD)/libcapsim.a
TEST_SRC    := $(wildcard tests/test_*.c)
TEST_BIN    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
DEFAULT_SCENARIO := scenarios/multicloud-2026.yaml
CAPSIM      := $(BUILD)/capsim

.PHONY: all run test unit-tests cli-tests py-tests test-suite bench check check-integer plots docs clean deps fuzz fuzz-bins
all: capsim

deps: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: tools/install-deps.sh
	@mkdir -p $(BUILD)
	@sh tools/install-deps.sh
	@touch $@

capsim: $(CAPSIM)
	@ln -sf $(CAPSIM) capsim

$(LIBCAPSIM): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(CAPSIM): $(BUILD)/sim/cli/main.o $(LIBCAPSIM)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

$(BUILD)/%.o: %.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# Provenance macros only where they are used, so a new commit does not rebuild all.
$(BUILD)/output/h5out.o $(BUILD)/sim/cli/main.o: CFLAGS += $(PROVENANCE)

# The default scenario is compiled into the binary from its file, not copied by hand.
$(BUILD)/gen/default_scenario.c: $(DEFAULT_SCENARIO) tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh $< capsim_default_scenario > $@

$(BUILD)/gen/default_scenario.o: $(BUILD)/gen/default_scenario.c | $(BUILD)/.deps-ok
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIBCAPSIM) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) $(LDFLAGS_ALL) -o $@ $< $(LIBCAPSIM) $(LIBS_ALL) $(TEST_LIBS)

run: capsim
	@mkdir -p $(dir $(RUN_OUT))
	./$(CAPSIM) run -o $(RUN_OUT) $(if $(THREADS),--threads $(THREADS))
	./$(CAPSIM) summary $(RUN_OUT)

# An LD_PRELOAD shim that counts allocations (tests/cli_engine.sh); never sanitized.
$(BUILD)/tests/malloc_count.so: tests/malloc_count.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $< -ldl

# The suite: unit tests (the cmocka binaries of tests/test_*.c), command-line tests
# (tests/cli_*.sh) and file-format tests (tests/py_*.py). Each test is a target of its
# own, test/NAME, which tests/run_tests.sh runs into $(BUILD)/test-logs/NAME.log and
# NAME.status: PASS, SKIP (exit 77: it cannot run here) or FAIL. test-suite runs the
# tests named in TESTS, longest first, and reports them; test and its subsets run it
# on every core.
UNIT_TESTS  := $(notdir $(TEST_BIN))
CLI_TESTS   := $(patsubst tests/%.sh,%,$(wildcard tests/cli_*.sh))
PY_TESTS    := $(patsubst tests/%.py,%,$(wildcard tests/py_*.py))
TESTS        = $(UNIT_TESTS) $(CLI_TESTS) $(PY_TESTS)
NPROC       := $(shell nproc 2>/dev/null || echo 2)
# -j$(NPROC) unless the command line gave -j (MAKEFLAGS shows it inside a recipe).
suite        = @$(MAKE) --no-print-directory $(if $(filter -j%,$(MAKEFLAGS)),,-j$(NPROC)) test-suite TESTS="$(1)"
RUN_TEST     = @PYTHON=$(PYTHON) sh tests/run_tests.sh run $(BUILD) $*
.PHONY: $(addprefix test/,$(UNIT_TESTS) $(CLI_TESTS) $(PY_TESTS))

test:       ; $(call suite,$(TESTS))
unit-tests: ; $(call suite,$(UNIT_TESTS))
cli-tests:  ; $(call suite,$(CLI_TESTS))
py-tests:   ; $(call suite,$(PY_TESTS))

test-suite: $(addprefix test/,$(if $(filter test-suite,$(MAKECMDGOALS)),$(shell sh tests/run_tests.sh order $(BUILD) $(TESTS))))
	@sh tests/run_tests.sh report $(BUILD) $(TESTS)

$(addprefix test/,$(UNIT_TESTS)): test/%: $(BUILD)/tests/%
	$(RUN_TEST) $(BUILD)/tests/$*
$(addprefix test/,$(CLI_TESTS)): test/%: $(CAPSIM)
	$(RUN_TEST) sh tests/$*.sh
test/cli_engine: $(BUILD)/tests/malloc_count.so
$(addprefix test/,$(PY_TESTS)): test/%: $(CAPSIM)
	$(RUN_TEST) $(PYTHON) tests/$*.py

bench: $(CAPSIM) $(BUILD)/bench_floor
	BASE=$(BASE) $(PYTHON) tests/bench.py $(BUILD)

# ASan + UBSan build of everything, then the whole suite under it.
check:
	$(MAKE) BUILD=build-san SAN=1 test

# clang's integer checks, which gcc lacks, over the whole suite (BUILD=build-int): implicit
# conversions that change a value (truncation, sign change), signed overflow, shifts,
# division by zero, float-to-int casts out of range; every report fatal. Unsigned
# wraparound is left out: it is defined in C and capsim relies on it on purpose (FNV and
# Philox hashing, `i-- > 0` loops, and the loops clang itself generates for `omp simd`);
# sizes are checked against explicit bounds instead (docs/MODEL.md, input limits).
INT_SANFLAGS := -fsanitize=integer,float-cast-overflow -fno-sanitize=unsigned-integer-overflow,unsigned-shift-base -fno-sanitize-recover=all
check-integer:
	$(MAKE) BUILD=build-int CC=clang OPT=-O1 CFLAGS=-Wno-pass-failed SANFLAGS='$(INT_SANFLAGS)' test

# Fuzzing (tests/fuzz/README.md): the library built again with clang, coverage for
# libFuzzer and ASan + UBSan (every report fatal), in FUZZ_BUILD; each target of
# FUZZ_TARGETS links it with -fsanitize=fuzzer. Its working corpus FUZZ_BUILD/corpus/NAME
# keeps what earlier runs found and is topped up with the seeds of tests/fuzz/seeds.sh
# (the scenario files, tests/bad, small results files written by $(CAPSIM) and
# tests/fuzz/corpus/NAME), with the dictionary tests/fuzz/NAME.dict where there is one;
# crashes land in FUZZ_BUILD/artifacts/NAME/. HDF5's own
# free-list "leaks" are suppressed (tests/fuzz/lsan.supp). FUZZ_ARGS are
# libFuzzer's options for every target. (-Wno-pass-failed: clang at -O1 warns where it
# cannot vectorise an `omp simd` loop.)
FUZZ_S       ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?= fuzz_scenario fuzz_results
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_ARGS    ?= -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
fuzz: $(CAPSIM)
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT=-O1 CFLAGS=-Wno-pass-failed \
	    SANFLAGS='-fsanitize=fuzzer-no-link $(FUZZ_SANFLAGS)' fuzz-bins
	sh tests/fuzz/seeds.sh $(CAPSIM) $(FUZZ_BUILD)/seeds
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	    cp $(FUZZ_BUILD)/seeds/$$t/* $(FUZZ_BUILD)/corpus/$$t/; \
	    echo "fuzz: $$t for $(FUZZ_S) s (log: $(FUZZ_BUILD)/$$t.log)"; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    if ! LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp $(FUZZ_BUILD)/fuzz/$$t $(FUZZ_ARGS) $$dict -max_total_time=$(FUZZ_S) \
	            -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t/ $(FUZZ_BUILD)/corpus/$$t \
	            > $(FUZZ_BUILD)/$$t.log 2>&1; then \
	        tail -n 60 $(FUZZ_BUILD)/$$t.log; echo "fuzz: $$t FAILED"; exit 1; fi; \
	    grep -E '^#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss' $(FUZZ_BUILD)/$$t.log || true; \
	done

# (inside the sub-make above: BUILD is FUZZ_BUILD, CC clang)
fuzz-bins: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBCAPSIM) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer $(LDFLAGS_ALL) $(FUZZ_LDFLAGS) -o $@ $< $(LIBCAPSIM) $(LIBS_ALL)
# fuzz_results remembers the names H5Iget_name finds (tests/fuzz/fuzz_results.c).
$(BUILD)/fuzz/fuzz_results: FUZZ_LDFLAGS = -Wl,--wrap=H5Iget_name

# Every chart of the README's examples, into plots/ (git-ignored; the README's own copies
# in docs/img are made by `make docs`): the default run, the April 2026 amendment
# (compare), the size of the AWS deal (sweep), the AWS option, the owned site, the
# optimize example; each drawn by output/plot.py, with its HTML page (capsim report).
PLOT_PATHS ?= 10000
PLOT_FORMAT ?= png
PLOT         = $(PYTHON) output/plot.py --format $(PLOT_FORMAT)
plots: capsim
	@mkdir -p results plots
	./$(CAPSIM) run --paths $(PLOT_PATHS) --quiet -o results/default.h5
	$(PLOT) results/default.h5 -o plots/default
	./$(CAPSIM) report results/default.h5 -o plots/default.html
	./$(CAPSIM) compare scenarios/azure-exclusive-2025.yaml scenarios/multicloud-2026.yaml \
	    --paths $(PLOT_PATHS) --quiet -o results/amendment.h5
	$(PLOT) results/amendment.h5 -o plots/amendment --series turned_down_revenue
	./$(CAPSIM) report results/amendment.h5 -o plots/amendment.html
	./$(CAPSIM) sweep scenarios/multicloud-2026.yaml --vary contracts.aws-2025.capacity.0.count=0:400000:5 \
	    --paths $(PLOT_PATHS) --quiet -o results/aws-size.h5
	$(PLOT) results/aws-size.h5 -o plots/aws-size
	./$(CAPSIM) compare scenarios/multicloud-2026.yaml scenarios/aws-expand-option.yaml \
	    --paths $(PLOT_PATHS) --quiet -o results/aws-option.h5
	$(PLOT) results/aws-option.h5 -o plots/aws-option
	./$(CAPSIM) sweep scenarios/aws-expand-option.yaml --vary contracts.aws-2025.options.0.when.above=-1,0,0.1,0.2,1 \
	    --paths $(PLOT_PATHS) --quiet -o results/aws-trigger.h5
	./$(CAPSIM) compare scenarios/multicloud-2026.yaml scenarios/stargate-owned.yaml \
	    --paths $(PLOT_PATHS) --quiet -o results/owned.h5
	$(PLOT) results/owned.h5 -o plots/owned --variant stargate-owned
	./$(CAPSIM) optimize scenarios/optimize-aws-google.yaml --quiet -o results/optimize.h5
	./$(CAPSIM) summary results/optimize.h5 > results/optimize.summary
	$(PLOT) results/optimize.h5 -o plots/optimize
	./$(CAPSIM) report results/optimize.h5 -o plots/optimize.html

# The README's walkthrough: its figures (docs/walkthrough.json), README.md written from
# docs/README.in.md, and its pictures (docs/img), all made by the code (tools/docs.py;
# a few minutes). The test cli_docs checks that they are what the code makes.
docs: capsim
	$(PYTHON) tools/docs.py --capsim $(CAPSIM)

clean:
	rm -rf build build-san build-int build-mpicc build-fuzz capsim

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

$(BUILD)/bench_floor: tests/bench_floor.c $(LIBCAPSIM)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBCAPSIM) $(LIBS_ALL)
