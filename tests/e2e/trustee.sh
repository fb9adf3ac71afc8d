#!/usr/bin/env bash
# tests/e2e/trustee.sh — a 2-of-3 key ceremony and decryption through the veche binary.
#
# Usage: tests/e2e/trustee.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# Three trustees run `veche trustee init/commit/reveal/check` with their own
# state files and board keys; `status` reports the ceremony as judged from
# the record; the administrator's election.key (veche election key) is
# judged correct and holds the K that status printed; two members vote; after
# the close and the tally each trustee recomputes the tally, decrypts it, and
# status finds every decryption valid; the result is published and veche
# verify passes. Refused, each with its message and nothing appended: a key
# that is no trustee's, a second state for a trustee already on the record,
# another trustee's key file, a reveal before every commit, a state readable
# by others, a decryption before election.key, a decryption of a tally that
# is not the sum of the ballots.
set -uo pipefail

VECHE=${1:?usage: tests/e2e/trustee.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below

source "$(dirname "$0")/lib/harness.bash"
harness_start veche-trustee

# ---- an election with three trustees, two needed --------------------------------------

v board init --db b.db --key board.key --origin example.org/branch-7
expect_ok "a board is created"
for k in admin authority t1 t2 t3 other; do
  "$VECHE" keygen --name "$k" --out "$k.key" >/dev/null </dev/null || not_ok "keygen $k"
done
cat >m.json <<JSON
{"election":"branch-7","title":"Annual election","organisation":"Branch 7",
 "opens":1767225600,"closes":1767830400,
 "trustees":[{"name":"Ana","key":"$(pub t1.key)"},{"name":"Ben","key":"$(pub t2.key)"},
             {"name":"Cleo","key":"$(pub t3.key)"}],
 "threshold":2,"credential_authority":"$(pub authority.key)",
 "contests":[{"id":"strike","question":"Do we strike?","options":["yes","no"],
              "min":1,"max":1,"blank":true},
             {"id":"council","question":"Elect two delegates",
              "options":["Ana","Ben","Chen"],"min":0,"max":2,"blank":false}]}
JSON
v election create m.json --db b.db --key admin.key
expect_ok "the election is created"

# ---- round 0: keys ------------------------------------------------------------------------

before=$(size_of)
v trustee init --state other.state --election branch-7 --db b.db --key other.key
expect_fail "a key that is no trustee's is refused" "not the board key of any trustee"
unchanged "  and nothing is appended" "$before"
[ ! -e other.state ] && ok "  and no state is made" || not_ok "  a state was made"

for i in 1 2 3; do
  v trustee init --state "t$i.state" --election branch-7 --db b.db --key "t$i.key"
  expect_ok "trustee $i: init"
done
[ "$(stat -c %a t1.state)" = 600 ] && ok "the state file has mode 0600" \
  || not_ok "state mode $(stat -c %a t1.state)"
v trustee init --state t1.state --election branch-7 --db b.db --key t1.key
expect_ok "init again is harmless"
expect_out "  and says the key is already on the record" "already on the record"
before=$(size_of)
v trustee init --state t1-new.state --election branch-7 --db b.db --key t1.key
expect_fail "a second state for trustee 1 is refused" "already published a trustee.key"
unchanged "  and nothing is appended" "$before"

# ---- round 1: commits -----------------------------------------------------------------------

v trustee commit --state t1.state --db b.db --key t2.key
expect_fail "another trustee's key file is refused" "is not trustee 1's board key"
t commit 1
expect_ok "trustee 1: commit"
before=$(size_of)
t reveal 1
expect_fail "a reveal before every commit is refused" "not every trustee has committed"
unchanged "  and nothing is appended" "$before"
v trustee status --db b.db --election branch-7
expect_out "status: waiting for the commits" "phase: commits: waiting for trustee.commit from trustee\(s\) 2, 3"
t commit 2
t commit 3
expect_ok "trustees 2 and 3: commit"

# ---- round 2 and 3: reveal, check -------------------------------------------------------------

for i in 1 2 3; do t reveal "$i"; expect_ok "trustee $i: reveal"; done
t reveal 2
expect_out "a second reveal does nothing" "already on the record"
for i in 1 2 3; do
  t check "$i"
  expect_ok "trustee $i: check"
  expect_out "  its shares open, and x_$i matches K_$i" "2 share\(s\) opened and checked, 0 bad"
done
v trustee status --db b.db --state t2.state
expect_out "status: every trustee qualified" "qualified: \[1, 2, 3\] \(3 of 3; 2 needed\)"
expect_out "  with the state's own summary" "this state: trustee 2, 3 share\(s\) kept, x_2 computed for \[1, 2, 3\]"
K=$(sed -n 's/^joint key K: //p' out)
[ -n "$K" ] && ok "status prints the joint key" || not_ok "no joint key in status"

chmod 644 t3.state
t check 3
expect_fail "a state readable by others is refused" "chmod 600"
chmod 600 t3.state

t decrypt 1
expect_fail "no decryption before election.key" "no correct election.key"

# ---- the administrator's key, the election, a stand-in tally ------------------------------------

v election key branch-7 --db b.db --key admin.key
expect_ok "the administrator publishes election.key"
v trustee status --db b.db --election branch-7
expect_out "status: election.key is correct" "election.key \(entry [0-9]+\): correct"
if grep -qF "joint key K: $K" out; then ok "  and the key is the one judged before"
else not_ok "  the key changed" "$(show)"; fi
printf 'Ann\nBob\nCarl\n' >roll.csv
v credentials generate --voters roll.csv --election branch-7 --db b.db --key authority.key --out-dir codes
expect_ok "credentials"
v election open branch-7 --db b.db --key admin.key
expect_ok "the election opens"
code() { sed -n "s/^$1,//p" codes/credentials.csv; }
v vote --db b.db --election branch-7 --credential "$(code Ann)" --choices "strike:yes;council:Ana"
expect_ok "Ann votes"
v vote --db b.db --election branch-7 --credential "$(code Bob)" --choices "strike:no;council:Ana,Ben"
expect_ok "Bob votes"
v election close branch-7 --db b.db --key admin.key
expect_ok "the election closes"

# A copy where the administrator publishes a tally that is not the ballots' sum.
cp b.db wrong.db
Z=$(head -c 64 /dev/zero | base64 -w0)
echo "{\"election\":\"branch-7\",\"ballots\":2,\"weight\":2,\"tally\":[[\"$Z\",\"$Z\"],[\"$Z\",\"$Z\",\"$Z\"]]}" >tally.json
v board append --db wrong.db --author admin.key --type election.tally --body tally.json
expect_ok "a wrong election.tally (in a copy of the record)"
before=$("$VECHE" board list --db wrong.db </dev/null | wc -l)
v trustee decrypt --state t1.state --db wrong.db --key t1.key
expect_fail "a trustee will not decrypt a tally that is not the ballots' sum" \
  "is not the sum of the counted ballots .*body.tally.*refusing to decrypt it"
after=$("$VECHE" board list --db wrong.db </dev/null | wc -l)
[ "$before" -eq "$after" ] && ok "  and appends nothing" || not_ok "  size $before -> $after"

v election tally branch-7 --db b.db --key admin.key
expect_ok "the administrator tallies"

# ---- decryption ------------------------------------------------------------------------------------

t decrypt 1
expect_ok "trustee 1: decrypt"
t decrypt 3
expect_ok "trustee 3: decrypt"
before=$(size_of)
t decrypt 1
expect_out "a second decrypt does nothing" "already on the record"
unchanged "  and appends nothing" "$before"
v trustee status --db b.db --election branch-7
expect_out "status: both decryptions are valid" "2 valid, 2 needed to decrypt"
t decrypt 2
v trustee status --db b.db --election branch-7
expect_out "status: all three are valid" "3 valid, 2 needed to decrypt"

v election result branch-7 --db b.db --key admin.key
expect_ok "the administrator publishes the result"
v board checkpoint --db b.db --key board.key
v board export --db b.db exp
v verify exp
expect_ok "veche verify passes the whole record"
for c in "3. trustee keys" "4. commitments" "5. shares and complaints" "6. joint key" \
         "12. decryption"; do
  grep -qE "^ *$c +PASS" out && ok "  check \"$c\" passes" || not_ok "  check \"$c\"" "$(show)"
done

v trustee frobnicate --db b.db
[ "$rc" -eq 2 ] && ok "an unknown subcommand is a usage error" || not_ok "unknown subcommand: $rc"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
