#!/usr/bin/env bash
# tests/e2e/cli.sh — end-to-end tests of the veche binary.
#
# Usage: tests/e2e/cli.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# Runs the binary as a user would and checks what it prints and how it exits:
# the help lists every subcommand, `version` prints the version from
# src/version.h, an unknown subcommand is refused with status 2 and a message
# naming it; `veche demo --voters 60` runs a whole election whose verifier
# passes its 13 checks and whose result equals the count the demo expected;
# `veche demo --crypto` does the same for the cryptographic core alone.
# Prints "ok - ..." or "not ok - ..." per check (with what was seen) and
# exits 1 if any check failed.
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

# ---- demo: a whole election ---------------------------------------------------

# election_demo_check VOTERS: runs `veche demo --voters VOTERS` and checks,
# from what it prints, that it exits 0; that the verifier's 13 numbered
# checks are each reported once, in order, as PASS; that every voter voted
# and the re-votes were superseded; that the published result equals the
# expected counts row by row, and that yes + no of the referendum (every
# voter must answer it) is the total weight of the roll; and that its
# temporary directory is gone.
election_demo_check() {
  local voters=$1 what="demo --voters $1" checks rows weight yes no dir revotes
  veche demo --voters "$voters"
  if [ "$rc" -ne 0 ]; then not_ok "$what exits 0" "$(show)"; return; fi
  checks=$(sed -n 's/^     *\([0-9][0-9]*\)\. .* PASS  .*/\1/p' "$tmp/out" | tr '\n' ' ')
  rows=$(awk '/ published +expected$/ { t = 1; next }
              t && $NF ~ /^[0-9]+$/ && $(NF-1) ~ /^[0-9]+$/ { print $(NF-1), $NF; next }
              t { exit }' "$tmp/out")
  weight=$(sed -n 's/.*weights: .*; total weight \([0-9][0-9]*\)$/\1/p' "$tmp/out")
  read -r yes _ < <(sed -n 1p <<<"$rows")
  read -r no _ < <(sed -n 2p <<<"$rows")
  revotes=$(( (voters * 5 + 99) / 100 ))
  dir=$(sed -n 's/.*; working in \(.*\) (removed at the end)$/\1/p' "$tmp/out")
  if [ "$checks" != "1 2 3 4 5 6 7 8 9 10 11 12 13 " ] || grep -Eq ' (FAIL|SKIP)  ' "$tmp/out"; then
    not_ok "$what: the verifier's checks 1..13 all PASS, in order (saw: $checks)" "$(show)"
  elif [ "$(wc -l <<<"$rows")" -ne 7 ] || awk '$1 != $2 { bad = 1 } END { exit !bad }' <<<"$rows"; then
    not_ok "$what: 7 result rows, each published count equal to the expected one" "$(show)"
  elif [ -z "$weight" ] || [ $((yes + no)) -ne "$weight" ]; then
    not_ok "$what: strike yes $yes + no $no equals the roll's total weight '$weight'" "$(show)"
  elif ! grep -q "Voting: $((voters + revotes)) ballots from $voters voters, $revotes of whom vote again" "$tmp/out" ||
       ! grep -q "$voters ballots counted, $revotes superseded by a later one, 0 skipped" "$tmp/out"; then
    not_ok "$what: every voter votes, $revotes vote again, the earlier ballots superseded" "$(show)"
  elif ! grep -q "^Every check passed" "$tmp/out" || grep -q "FAILED\|DIFFERS" "$tmp/out"; then
    not_ok "$what ends with 'Every check passed'" "$(show)"
  elif [ -z "$dir" ] || [ -e "$dir" ]; then
    not_ok "$what removes its directory '$dir'" "$(show)"
  else
    ok "$what: 13 checks PASS; result equals the expected counts (yes $yes, no $no)"
  fi
}

election_demo_check 60

# --dir and --keep: the record stays, and `veche verify` accepts it.
veche demo --voters 5 --dir "$tmp/kept" --keep
if [ "$rc" -eq 0 ] && [ -s "$tmp/kept/board.db" ] && [ -s "$tmp/kept/record/entries.jsonl" ] &&
   [ -s "$tmp/kept/trustee-1.state" ] && grep -q "^kept: $tmp/kept" "$tmp/out"; then
  veche verify "$tmp/kept/record"
  if [ "$rc" -eq 0 ] && grep -q "verified: all 13 checks pass" "$tmp/out"; then
    ok "demo --dir --keep keeps a record that veche verify accepts"
  else not_ok "veche verify accepts the kept record" "$(show)"; fi
else
  not_ok "demo --voters 5 --dir DIR --keep keeps DIR" "$(show)"
fi

# A directory that holds anything is refused, and left as it was.
mkdir -p "$tmp/full" && echo precious > "$tmp/full/file"
veche demo --voters 5 --dir "$tmp/full"
if [ "$rc" -ne 0 ] && grep -q "new or an empty directory" "$tmp/err" &&
   [ "$(cat "$tmp/full/file")" = precious ] && [ "$(ls -A "$tmp/full")" = file ]; then
  ok "demo --dir refuses a non-empty directory and leaves it alone"
else
  not_ok "demo --dir refuses a non-empty directory and leaves it alone" "$(show)"
fi

for bad in 0 -5 abc 100001 ''; do
  veche demo --voters "$bad"
  if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ]; then ok "demo --voters '$bad' is a usage error"
  else not_ok "demo --voters '$bad' is a usage error (status 2, message)" "$(show)"; fi
done
veche demo --votes 40
if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ]; then ok "demo --votes (the crypto demo's option) alone is a usage error"
else not_ok "demo --votes without --crypto is a usage error" "$(show)"; fi

# ---- demo --crypto: the cryptographic core alone -------------------------------

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

demo_check 40 --crypto --votes 40
demo_check 1 --votes 1 --crypto
demo_check 300 --crypto

for bad in 0 -5 abc 100001 ''; do
  veche demo --crypto --votes "$bad"
  if [ "$rc" -eq 2 ] && [ -s "$tmp/err" ]; then ok "demo --crypto --votes '$bad' is a usage error"
  else not_ok "demo --crypto --votes '$bad' is a usage error (status 2, message)" "$(show)"; fi
done

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
