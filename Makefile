# veche — build, test, demo.
#
#   make            build libveche.a and the veche binary (build/release/)
#   make demo       install dependencies, build, serve a demonstration election
#                   at http://127.0.0.1:8080/ on a fresh database (Ctrl-C stops)
#   make check      install dependencies, build and run every test:
#                   unit tests (cmocka) under AddressSanitizer + UBSan,
#                   a leak check of the same tests under valgrind,
#                   end-to-end tests of the binary, the known-answer vectors,
#                   and every fuzz target briefly (libFuzzer)
#   make bench      build and run the benchmarks in bench/
#
# Three variants share one set of sources, each in its own directory:
#   build/release  -O2, what users run and benchmarks measure
#   build/asan     -O1 -g with ASan + UBSan (LeakSanitizer included); tests
#   build/debug    -O1 -g, no sanitizer: the valgrind leak check
# Every variant compiles with -Wall -Wextra -Werror.

CC      ?= gcc
CLANG   ?= clang
BUILD   ?= build
NPROC   := $(shell nproc 2>/dev/null || echo 2)

CPPFLAGS += -Isrc -I/usr/include/decaf -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wvla -std=c11
LDLIBS   := -ldecaf -lsodium -ljansson -lsqlite3 -lmicrohttpd -lcurl -lm -lpthread

LIB_SRC   := $(sort $(wildcard src/crypto/*.c src/board/*.c src/store/*.c src/election/*.c \
                                src/council/*.c src/server/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))

FLAGS_release := -O2 -g
FLAGS_asan    := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                 -fno-sanitize-recover=all
FLAGS_debug   := -O1 -g

.PHONY: all deps deps-test web demo check test unit e2e vectors leakcheck fuzz bench clean
.DEFAULT_GOAL := all

all: $(BUILD)/release/veche

deps:
	@bash scripts/deps.sh

deps-test:
	@bash scripts/deps.sh test

# The booth's libsodium.js, copied from node_modules (pinned by package-lock.json)
# into web/vendor/, which the server serves; its one bare import is made relative
# so the browser needs no import map (an inline script the CSP forbids).
WEB_VENDOR := web/vendor/libsodium-wrappers.mjs web/vendor/libsodium-sumo.mjs
web/vendor/libsodium-wrappers.mjs: node_modules/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs
	@mkdir -p web/vendor
	sed 's|from"libsodium-sumo"|from"./libsodium-sumo.mjs"|' $< > $@
	@grep -q 'from"./libsodium-sumo.mjs"' $@ || { echo "libsodium-wrappers: import not found" >&2; rm -f $@; exit 1; }
web/vendor/libsodium-sumo.mjs: node_modules/libsodium-sumo/dist/modules-sumo-esm/libsodium-sumo.mjs
	@mkdir -p web/vendor
	cp $< $@
web: $(WEB_VENDOR)

# One block of rules per variant: objects, the static library, the binary,
# the unit tests and the benchmarks.
define VARIANT
$(BUILD)/$(1)/obj/%.o: %.c $$(wildcard src/*.h src/*/*.h) Makefile
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(WARN) $$(FLAGS_$(1)) -c $$< -o $$@

$(BUILD)/$(1)/libveche.a: $$(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$$(LIB_SRC))
	@rm -f $$@
	ar rcs $$@ $$^

$(BUILD)/$(1)/veche: $$(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$$(CLI_SRC)) $(BUILD)/$(1)/libveche.a
	$$(CC) $$(FLAGS_$(1)) $$^ $$(LDLIBS) -o $$@

$(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/obj/tests/unit/%.o $(BUILD)/$(1)/libveche.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(FLAGS_$(1)) $$^ $$(LDLIBS) -ljansson -lcmocka -o $$@

$(BUILD)/$(1)/bench/%: $(BUILD)/$(1)/obj/bench/%.o $(BUILD)/$(1)/libveche.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(FLAGS_$(1)) $$^ $$(LDLIBS) -o $$@
endef
$(foreach v,release asan debug,$(eval $(call VARIANT,$(v))))

TESTS_asan  := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(TEST_SRC))
TESTS_debug := $(patsubst tests/unit/%.c,$(BUILD)/debug/tests/%,$(TEST_SRC))
BENCHES     := $(patsubst bench/%.c,$(BUILD)/release/bench/%,$(BENCH_SRC))
FUZZERS     := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

# The main job: veche serve on a fresh SQLite database with a demonstration
# election, until Ctrl-C. (`veche demo` runs a whole election in one process.)
DEMO_LISTEN ?= 127.0.0.1:8080
demo: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(BUILD)/release/veche web
	@rm -rf $(BUILD)/demo && mkdir -p $(BUILD)/demo
	$(BUILD)/release/veche serve --demo --db $(BUILD)/demo/veche.db --listen $(DEMO_LISTEN)

check: deps-test
	@$(MAKE) --no-print-directory -j$(NPROC) test

# The whole suite; tests/run.sh prints one result line per suite and the total.
test: $(TESTS_asan) $(TESTS_debug) $(BUILD)/asan/veche $(BUILD)/asan/bench/load \
      $(BUILD)/release/veche $(FUZZERS) web
	@BUILD=$(BUILD) bash tests/run.sh

bench: deps $(BENCHES)
	@for b in $(BENCHES); do $$b || exit 1; done

# libFuzzer targets: the library is compiled once with clang's coverage
# instrumentation (fuzzer-no-link) into its own objects, and each target
# links against them, instead of recompiling every source per target.
FUZZ_FLAGS := -O1 -g -fno-sanitize-recover=all
FUZZ_OBJ   := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRC))
$(BUILD)/fuzz/obj/%.o: %.c $(wildcard src/*.h src/*/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@
$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(WARN) -Wno-unused-command-line-argument $(FUZZ_FLAGS) \
	  -fsanitize=fuzzer,address,undefined $< $(FUZZ_OBJ) $(LDLIBS) -o $@

clean:
	rm -rf $(BUILD)
