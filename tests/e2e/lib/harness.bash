# tests/e2e/lib/harness.bash — what the end-to-end scripts share, sourced by
# them (tests/run.sh runs only tests/e2e/*.sh, so this file is not a test).
#
#   source "$(dirname "$0")/lib/harness.bash"
#   harness_start NAME        a scratch directory, removed at exit; cd into it
#
# Checks print "ok - ..." or "not ok - ..." (with what was seen) and count
# failures in $failures; the script ends with its own summary and
# `[ "$failures" -eq 0 ]`. The script sets VECHE (absolute path) first;
# optional settings before sourcing:
#   SHOW_BYTES           how much stdout a failure shows (default 600)
#   EXPECT_FAIL_STATUS   the exact status expect_fail requires (default: any non-zero)

harness_start() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  cd "$tmp" || exit 1
  failures=0
}

ok()     { echo "ok - $1"; }
not_ok() {
  echo "not ok - $1"
  shift
  for line in "$@"; do echo "    $line"; done
  failures=$((failures + 1))
}

# v ARGS...: runs veche; status in $rc, output in the files out and err.
v() { "$VECHE" "$@" >out 2>err </dev/null; rc=$?; }
show() { echo "status $rc; stdout: $(head -c "${SHOW_BYTES:-600}" out)"; echo "stderr: $(head -c 600 err)"; }

expect_ok()   { if [ "$rc" -eq 0 ]; then ok "$1"; else not_ok "$1" "$(show)"; fi; }
expect_fail() {  # NAME PATTERN: a failing status and stderr matching PATTERN
  local failed
  if [ -n "${EXPECT_FAIL_STATUS:-}" ]; then failed=$([ "$rc" -eq "$EXPECT_FAIL_STATUS" ] && echo 1);
  else failed=$([ "$rc" -ne 0 ] && echo 1); fi
  if [ -n "$failed" ] && grep -qE "$2" err; then ok "$1"; else not_ok "$1" "$(show)"; fi
}
expect_out() {   # NAME PATTERN: stdout matches PATTERN
  if grep -qE "$2" out; then ok "$1"; else not_ok "$1" "$(show)"; fi
}

# size_of [DB]: the number of entries on a board (default b.db).
size_of() { "$VECHE" board list --db "${1:-b.db}" </dev/null | wc -l; }
unchanged() {    # NAME BEFORE: the record still has BEFORE entries
  local now; now=$(size_of)
  if [ "$now" -eq "$2" ]; then ok "$1"; else not_ok "$1" "size $2 -> $now"; fi
}
# pub KEYFILE: the base64 Ed25519 public key of a key file (from its verifier key).
pub() { "$VECHE" witness vkey --key "$1" </dev/null | cut -d+ -f3- | base64 -d | tail -c 32 | base64; }
# t VERB I [ARGS...]: trustee I's step with its own state and key files.
t() { local verb=$1 i=$2; shift 2; v trustee "$verb" --state "t$i.state" --db b.db --key "t$i.key" "$@"; }
