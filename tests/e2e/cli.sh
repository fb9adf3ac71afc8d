#!/usr/bin/env bash
# tests/e2e/cli.sh — end-to-end tests of the veche binary.
#
# Usage: tests/e2e/cli.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# Runs the binary as a user would and checks what it prints and how it exits:
# the help lists every subcommand, `version` prints the version from
# src/version.h, an unknown subcommand is refused with status 2 and a message
# naming it, and `veche demo --votes 40` succeeds and reports a tally that
# equals the count it expected. Prints "ok - ..." or "not ok - ..." per check
# (with what was seen) and exits 1 if any check failed.
set -uo pipefail

VECHE=${1:?usage: tests/e2e/cli.sh path/to/veche}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/veche-e2e.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

ok()     { echo "ok - $1"; }
not_ok() {
  echo "not ok - $1"
  shift
  for line in "$@"; do echo "    $line"; done
  failures=$((failures + 1))
}

# veche ARGS...: runs the binary; status in $rc, output in $tmp/out, $tmp/err.
veche() {
  "$VECHE" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
}
show() { echo "status $rc; stdout:"; sed 's/^/  /' "$tmp/out"; echo "stderr:"; sed 's/^/  /' "$tmp/err"; }

# ---- help --------------------------------------------------------------------

# Every subcommand in main.c's table must appear in the help.
commands=$(sed -n 's/^ *{ *"\([a-z-]*\)", *[a-z_]*,.*/\1/p' "$ROOT/src/cli/main.c")
for cmd in demo version help; do
  grep -qx "$cmd" <<<"$commands" ||
    not_ok "main.c's command table has '$cmd'" "found: $(echo "$commands" | tr '\n' ' ')"
done

veche --help
if [ "$rc" -eq 0 ] && grep -q '^usage: veche <command>' "$tmp/out"; then
  missing=
  for cmd in $commands; do
    grep -Eq "^  $cmd +[a-z]" "$tmp/out" || missing="$missing $cmd"
  done
  if [ -z "$missing" ]; then ok "--help lists every subcommand with its help"
  else not_ok "--help does not list:$missing" "$(show)"; fi
else
  not_ok "--help exits 0 with a usage line" "$(show)"
fi
cp "$tmp/out" "$tmp/help"

veche help
if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/help"; then ok "'help' prints the same as --help"
else not_ok "'help' prints the same as --help" "$(show)"; fi

veche
if [ "$rc" -eq 2 ] && grep -q '^usage: veche' "$tmp/err" && [ ! -s "$tmp/out" ]; then
  ok "no subcommand: usage on stderr, status 2"
else
  not_ok "no subcommand: usage on stderr, status 2" "$(show)"
fi

# ---- version -----------------------------------------------------------------

want=$(sed -n 's/^#define VECHE_VERSION "\(.*\)"$/\1/p' "$ROOT/src/version.h")
veche version
if [ -z "$want" ]; then
  not_ok "VECHE_VERSION found in src/version.h"
elif [ "$rc" -eq 0 ] && [ "$(head -n 1 "$tmp/out")" = "veche $want" ] &&
     grep -qx 'protocol veche-v1' "$tmp/out" &&
     grep -Eqx 'libsodium [0-9]+\.[0-9]+\.[0-9]+' "$tmp/out"; then
  ok "version prints 'veche $want', the protocol tag and libsodium's version"
else
  not_ok "version prints 'veche $want', the protocol tag and libsodium's version" "$(show)"
fi

veche --version
if [ "$rc" -eq 0 ] && [ "$(head -n 1 "$tmp/out")" = "veche $want" ]; then ok "--version"
else not_ok "--version" "$(show)"; fi

veche version extra
if [ "$rc" -eq 2 ]; then ok "version with an argument is a usage error"
else not_ok "version with an argument is a usage error" "$(show)"; fi

# ---- unknown subcommand ------------------------------------------------------

veche frobnicate --now
if [ "$rc" -eq 2 ] && grep -q "frobnicate" "$tmp/err" && grep -qi "unknown" "$tmp/err" &&
   [ ! -s "$tmp/out" ]; then
  ok "unknown subcommand: status 2, stderr names it"
else
  not_ok "unknown subcommand: status 2, stderr names it" "$(show)"
fi

# ---- demo --------------------------------------------------------------------

# demo_check VOTES ARGS...: runs `veche demo ARGS`, which must cast VOTES
# votes, and checks it exits 0, says every stage handled all VOTES ballots,
# and reports a decrypted tally "yes Y, no N" with Y + N == VOTES that it
# found equal to the votes it cast (an independent count kept in the clear).
demo_check() {
  local votes=$1 what yes no
  shift
  what="demo${*:+ $*} (${votes} votes)"
  veche demo "$@"
  if [ "$rc" -ne 0 ]; then not_ok "$what exits 0" "$(show)"; return; fi
  read -r yes no < <(sed -n 's/.*Result: yes \([0-9][0-9]*\), no \([0-9][0-9]*\).*/\1 \2/p' "$tmp/out")
  if [ -z "${yes:-}" ] || [ -z "${no:-}" ]; then
    not_ok "$what prints the tally as 'Result: yes Y, no N'" "$(show)"
  elif [ $((yes + no)) -ne "$votes" ]; then
    not_ok "$what: yes $yes + no $no should be the $votes votes cast" "$(show)"
  elif ! grep -q "Result: yes $yes, no $no — matches the votes cast" "$tmp/out"; then
    not_ok "$what: the decrypted tally matches the plaintext count" "$(show)"
  elif ! grep -q "Voting: $votes voters" "$tmp/out" ||
       ! grep -q "$votes ballots encrypted, proven 0-or-1, signed" "$tmp/out" ||
       ! grep -q "$votes signatures and $votes range proofs verified" "$tmp/out" ||
       ! grep -q "$votes encrypted votes added" "$tmp/out"; then
    not_ok "$what: every stage reports all $votes ballots" "$(show)"
  elif ! grep -q "^Every check passed" "$tmp/out" || grep -q "FAILED\|WRONG" "$tmp/out"; then
    not_ok "$what ends with 'Every check passed'" "$(show)"
  else
    ok "$what: tally yes $yes, no $no verified against the votes cast"
  fi
}

demo_check 40 --votes 40
demo_check 1 --votes 1
demo_check 300

for bad in 0 -5 abc 100001 ''; do
  veche demo --votes "$bad"
  if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ]; then ok "demo --votes '$bad' is a usage error"
  else not_ok "demo --votes '$bad' is a usage error (status 2, message)" "$(show)"; fi
done

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
