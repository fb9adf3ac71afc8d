#!/usr/bin/env bash
# tests/run.sh — runs every test suite of veche and reports each by name.
#
# Called by `make test` (and so by `make check` and .ci/run) after the
# Makefile has built everything; BUILD names the build directory (default
# "build"). The suites, in order:
#
#   asan/<test>      each unit test (tests/unit/test_*.c) built with
#                    AddressSanitizer + UBSan + LeakSanitizer ($BUILD/asan/tests/)
#   valgrind/<test>  the same tests without sanitizers ($BUILD/debug/tests/)
#                    under valgrind: the separate leak check. A definite or
#                    indirect leak, or any memory error, fails the test.
#   e2e/<script>     each tests/e2e/*.sh, given the path of $BUILD/asan/veche
#   js/<file>        each tests/js/*.test.mjs: the booth's JavaScript
#                    cryptography against the C library (node --test)
#   api/<file>       each tests/api/*.test.mjs: the HTTP API of a real
#                    `veche serve` over loopback (node --test)
#   browser/<file>   each tests/browser/*.test.mjs: the web pages in Debian's
#                    chromium driven by playwright-core (node --test);
#                    screenshots are kept in $BUILD/artefacts/
#   fuzz/<target>    each libFuzzer target ($BUILD/fuzz/fuzz_*) for a brief
#                    run, seeded from fuzz/corpus/<target>/ when that exists
#
# Each suite prints "PASS <name>" or "FAIL <name>" followed by everything it
# printed; the last line is always "<N> passed, <N> failed" (CI reads it).
# The exit status is non-zero if anything failed. Every test source is
# expected to have a binary: a missing one is a failure, not a skip, and an
# empty category (no unit tests, no e2e scripts, no fuzz targets) fails too.
#
# Tests run from the repository root, so they may open tests/vectors/... by a
# relative path, with stdin closed.
#
# Environment:
#   BUILD                 build directory (default: build)
#   VECHE_TEST_QUICK      set to 1 for the valgrind runs, which are ~30x
#                         slower: a unit test whose work scales (many votes,
#                         many random trials) should read it and do less.
#                         Correctness checks must stay; only repetitions shrink.
#   VECHE_FUZZ_SECONDS    seconds per fuzz target (default: 8)
#   VECHE_SUITE_TIMEOUT   seconds before any one suite is killed and counted
#                         as failed (default: 900)
set -uo pipefail

BUILD=${BUILD:-build}
FUZZ_SECONDS=${VECHE_FUZZ_SECONDS:-8}
SUITE_TIMEOUT=${VECHE_SUITE_TIMEOUT:-900}

if [ ! -d "$BUILD" ]; then
  echo "tests/run.sh: build directory '$BUILD' does not exist; run 'make test'" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BUILD=$(cd "$BUILD" && pwd)
cd "$(dirname "$0")/.." || exit 1

ulimit -c 0   # aborting tests must not leave core files in the tree
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/veche-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

# pass NAME / fail NAME WHY [OUTPUT-FILE]: record and report one suite, with
# the seconds it took when run() timed it.
took=
pass() {
  echo "PASS $1${took:+ ($took s)}"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL $1 ($2${took:+, $took s})"
  if [ -n "${3:-}" ] && [ -s "$3" ]; then
    sed 's/^/    /' "$3"
  fi
  failed=$((failed + 1))
}

# run NAME COMMAND...: runs one suite with a time limit, its output captured
# and shown only if it fails.
run() {
  local name=$1 out rc
  shift
  out="$tmp/out"
  # The braces' 2>/dev/null only silences bash's own "Aborted" notice; the
  # suite's output, sanitizer reports included, is all in $out.
  local t0=$SECONDS
  { timeout --kill-after=10 "$SUITE_TIMEOUT" "$@" </dev/null >"$out" 2>&1; } 2>/dev/null
  rc=$?
  took=$((SECONDS - t0))
  if [ "$rc" -eq 0 ]; then
    pass "$name"
  elif [ "$rc" -eq 124 ]; then
    fail "$name" "timed out after ${SUITE_TIMEOUT}s" "$out"
  else
    fail "$name" "exit status $rc" "$out"
  fi
  took=
}

# require FILE NAME: a suite whose binary is missing fails.
require() {
  if [ ! -x "$1" ]; then
    fail "$2" "$1 was not built"
    return 1
  fi
}

shopt -s nullglob
unit_src=(tests/unit/test_*.c)
e2e_src=(tests/e2e/*.sh)
fuzz_src=(fuzz/fuzz_*.c)

# 1. Unit tests under AddressSanitizer + UBSan (LeakSanitizer included).
[ ${#unit_src[@]} -gt 0 ] || fail "asan" "no unit tests in tests/unit/"
for src in "${unit_src[@]}"; do
  t=$(basename "$src" .c)
  require "$BUILD/asan/tests/$t" "asan/$t" && run "asan/$t" "$BUILD/asan/tests/$t"
done

# 2. The same tests under valgrind: the separate leak check.
[ ${#unit_src[@]} -gt 0 ] || fail "valgrind" "no unit tests in tests/unit/"
for src in "${unit_src[@]}"; do
  t=$(basename "$src" .c)
  require "$BUILD/debug/tests/$t" "valgrind/$t" &&
    run "valgrind/$t" env VECHE_TEST_QUICK=1 \
      valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
               --error-exitcode=99 --quiet "$BUILD/debug/tests/$t"
done

# 3. End-to-end tests of the binary.
[ ${#e2e_src[@]} -gt 0 ] || fail "e2e" "no scripts in tests/e2e/"
for src in "${e2e_src[@]}"; do
  t=$(basename "$src" .sh)
  require "$BUILD/asan/veche" "e2e/$t" && run "e2e/$t" bash "$src" "$BUILD/asan/veche"
done

# 4. The JavaScript suites, each file with node's test runner. They find the
# binary in VECHE_BIN and keep artefacts under VECHE_ARTEFACTS.
export VECHE_BIN="$BUILD/asan/veche" VECHE_ARTEFACTS="$BUILD/artefacts"
mkdir -p "$VECHE_ARTEFACTS"
for kind in js api browser; do
  for src in tests/$kind/*.test.mjs; do
    t=$(basename "$src" .test.mjs)
    require "$BUILD/asan/veche" "$kind/$t" && run "$kind/$t" node --test "$src"
  done
done

# 5. Every fuzz target, briefly. New inputs go to a scratch corpus (listed
# first, so libFuzzer writes there), never into the committed seeds; a
# crashing input is kept in $BUILD/fuzz/artifacts/ to reproduce.
[ ${#fuzz_src[@]} -gt 0 ] || fail "fuzz" "no targets in fuzz/"
for src in "${fuzz_src[@]}"; do
  t=$(basename "$src" .c)
  require "$BUILD/fuzz/$t" "fuzz/$t" || continue
  mkdir -p "$tmp/corpus/$t" "$BUILD/fuzz/artifacts"
  corpora=("$tmp/corpus/$t")
  [ -d "fuzz/corpus/$t" ] && corpora+=("fuzz/corpus/$t")
  run "fuzz/$t" "$BUILD/fuzz/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
      -artifact_prefix="$BUILD/fuzz/artifacts/$t-" "${corpora[@]}"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
