#!/usr/bin/env bash
# tests/e2e/note_tlogcheck.sh — veche's signed notes, checkpoints,
# cosignatures and receipts, checked by an independent implementation.
#
# Usage: tests/e2e/note_tlogcheck.sh [path/to/veche]   (run from anywhere;
# tests/run.sh passes $BUILD/asan/veche, whose directory also holds tests/)
#
# The unit test binary test_note, run with VECHE_NOTE_EMIT_DIR set, writes a
# signed checkpoint, a cosigned checkpoint, both verifier keys, a receipt
# (c2sp.org/tlog-proof@v1) for entry 5 of a 7-entry tree, the entries and the
# entry's leaf hash. shared/tools/tlogcheck.py — written from the C2SP and RFC
# texts, not from veche — must accept every artefact (exit 0), must compute
# the same tree root from the entries, and must refuse (exit 1) copies with
# one byte changed, at a spread of positions through each file.
#
# The checker lives beside the repository (../shared/tools/tlogcheck.py, as
# in CI); without it, or without python3, the script prints SKIP and exits 0.
#
# Environment: VECHE_TEST_BIN_DIR overrides where test_note is found
# (default: the tests/ directory next to the given veche binary, else
# build/asan/tests).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECKER="$ROOT/../shared/tools/tlogcheck.py"
if [ -n "${1:-}" ]; then
  default_bin_dir=$(dirname "$1")/tests
else
  default_bin_dir="$ROOT/build/asan/tests"
fi
BIN_DIR=${VECHE_TEST_BIN_DIR:-$default_bin_dir}

if [ ! -f "$CHECKER" ]; then
  echo "SKIP: $CHECKER not found (the independent checker sits beside the repo in CI)"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found; tlogcheck.py needs it"
  exit 0
fi
if [ ! -x "$BIN_DIR/test_note" ]; then
  echo "not ok - $BIN_DIR/test_note was not built"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/veche-note-e2e.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

ok()     { echo "ok - $1"; }
not_ok() {
  echo "not ok - $1"
  shift
  for line in "$@"; do echo "    $line"; done
  failures=$((failures + 1))
}

# check ARGS...: runs the checker; status in $rc, its output in $tmp/out.
check() {
  python3 "$CHECKER" "$@" >"$tmp/out" 2>&1 </dev/null
  rc=$?
}
show() { sed 's/^/    /' "$tmp/out"; }

art="$tmp/art"
mkdir -p "$art"
if ! VECHE_NOTE_EMIT_DIR="$art" "$BIN_DIR/test_note" >"$tmp/out" 2>&1 </dev/null; then
  not_ok "test_note wrote the artefacts" "$(cat "$tmp/out")"
  exit 1
fi
ok "test_note wrote the artefacts"

LOG=$(cat "$art/log.vkey")
WIT=$(cat "$art/witness.vkey")
LEAF=$(cat "$art/leaf.hex")

# ---- accepted as written --------------------------------------------------------

check note --key "$LOG" "$art/checkpoint.note"
[ "$rc" -eq 0 ] && ok "signed checkpoint is a valid signed note" ||
  not_ok "signed checkpoint is a valid signed note (status $rc)" "$(show)"

check checkpoint --key "$LOG" "$art/checkpoint.note"
[ "$rc" -eq 0 ] && ok "signed checkpoint verifies" ||
  not_ok "signed checkpoint verifies (status $rc)" "$(show)"

check checkpoint --key "$LOG" --witness "$WIT" "$art/cosigned.note"
[ "$rc" -eq 0 ] && ok "cosigned checkpoint verifies with the witness policy" ||
  not_ok "cosigned checkpoint verifies with the witness policy (status $rc)" "$(show)"

check proof --key "$LOG" --witness "$WIT" --leaf-hash "$LEAF" "$art/receipt"
[ "$rc" -eq 0 ] && ok "receipt verifies (leaf hash)" ||
  not_ok "receipt verifies (leaf hash) (status $rc)" "$(show)"

check proof --key "$LOG" --witness "$WIT" --leaf-file "$art/entry-5" "$art/receipt"
[ "$rc" -eq 0 ] && ok "receipt verifies (entry bytes)" ||
  not_ok "receipt verifies (entry bytes) (status $rc)" "$(show)"

# The wrong entry must not be proved by this receipt.
check proof --key "$LOG" --witness "$WIT" --leaf-file "$art/entry-4" "$art/receipt"
[ "$rc" -eq 1 ] && ok "receipt does not prove another entry" ||
  not_ok "receipt does not prove another entry (status $rc, want 1)" "$(show)"

# The root in veche's checkpoint is the root the checker computes from the entries.
check root "$art"/entry-{0..6}
want=$(sed -n 's/^root //p' "$tmp/out")
have=$(sed -n 3p "$art/checkpoint.note")
[ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$want" = "$have" ] &&
  ok "checkpoint root equals the independently computed root" ||
  not_ok "checkpoint root equals the independently computed root" \
         "checker: '$want' (status $rc), checkpoint: '$have'"

# ---- refused with one byte changed ----------------------------------------------

# corrupt FILE OUTDIR: writes OUTDIR/<offset>, a copy of FILE with that byte
# xor 0x01, for about 12 offsets spread through the file plus the first and
# last byte (each checker run costs a python start, so not every byte here:
# the unit test changes every byte against veche's own parser).
corrupt() {
  python3 - "$1" "$2" <<'EOF'
import os, sys
data = open(sys.argv[1], "rb").read()
step = max(1, len(data) // 12)
for off in sorted(set(range(0, len(data), step)) | {len(data) - 1}):
    bad = bytearray(data)
    bad[off] ^= 0x01
    open(os.path.join(sys.argv[2], str(off)), "wb").write(bytes(bad))
EOF
}

# refuses NAME FILE ARGS...: every corrupted copy must be refused with status
# 1 (status 2 would be a usage error, not a refusal).
refuses() {
  local name=$1 file=$2 dir="$tmp/bad" bad="" n=0 f
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  corrupt "$file" "$dir"
  for f in "$dir"/*; do
    check "$@" "$f"
    n=$((n + 1))
    [ "$rc" -eq 1 ] || bad="$bad $(basename "$f")(status $rc)"
  done
  [ -z "$bad" ] && [ "$n" -gt 0 ] && ok "$name: all $n one-byte changes tried are refused" ||
    not_ok "$name: one-byte changes accepted or misreported at offsets:$bad"
}

refuses "signed checkpoint" "$art/checkpoint.note" checkpoint --key "$LOG"
refuses "cosigned checkpoint" "$art/cosigned.note" checkpoint --key "$LOG" --witness "$WIT"
refuses "receipt" "$art/receipt" proof --key "$LOG" --witness "$WIT" --leaf-hash "$LEAF"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
