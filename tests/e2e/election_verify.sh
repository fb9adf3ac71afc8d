#!/usr/bin/env bash
# tests/e2e/election_verify.sh — a whole election through the veche binary,
# then `veche verify` on its export, honest and tampered.
#
# Usage: tests/e2e/election_verify.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# The administrator creates the election (a referendum and 2 of 5 council
# seats), three trustees run the 2-of-3 key ceremony, the authority makes
# credentials for 8 voters with weights, they vote (one twice), the
# administrator closes and tallies (`veche election tally`), trustees 1 and 3
# decrypt, the administrator publishes the result (`veche election result`),
# and `veche verify` on the export prints all 13 checks PASS and the counts.
# Then:
#   - a copy of the record where the administrator publishes a wrong tally
#     (two ciphertexts swapped, properly signed, through `veche board append`)
#     fails at check 11, naming the tally's entry;
#   - an export with one ballot altered fails at check 1 (the Merkle tree);
#   - an unknown election fails at check 2; a missing RECORD is a usage error.
# Refused, with nothing appended: a tally before the close, by a key that is
# not the administrator's, a second tally; a result before any decryption.
set -uo pipefail

VECHE=${1:?usage: tests/e2e/election_verify.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below

SHOW_BYTES=1500
EXPECT_FAIL_STATUS=1   # refusals exit 1, usage errors 2
source "$(dirname "$0")/lib/harness.bash"
harness_start veche-verify

# ---- the election up to the vote ---------------------------------------------------------

v board init --db b.db --key board.key --origin example.org/branch-9
expect_ok "a board is created"
for k in admin authority t1 t2 t3; do
  "$VECHE" keygen --name "$k" --out "$k.key" >/dev/null </dev/null || not_ok "keygen $k"
done
cat >m.json <<JSON
{"election":"branch-9","title":"Annual election","organisation":"Branch 9",
 "opens":1767225600,"closes":1767830400,
 "trustees":[{"name":"Ana","key":"$(pub t1.key)"},{"name":"Ben","key":"$(pub t2.key)"},
             {"name":"Cleo","key":"$(pub t3.key)"}],
 "threshold":2,"credential_authority":"$(pub authority.key)",
 "contests":[{"id":"strike","question":"Do we strike?","options":["yes","no"],
              "min":1,"max":1,"blank":false},
             {"id":"council","question":"Elect two delegates",
              "options":["Ana","Ben","Chen","Dana","Emil"],"min":0,"max":2,"blank":false}]}
JSON
v election create m.json --db b.db --key admin.key
expect_ok "the election is created"
for i in 1 2 3; do t init "$i" --election branch-9; done
for i in 1 2 3; do t commit "$i"; done
for i in 1 2 3; do t reveal "$i"; done
for i in 1 2 3; do t check "$i"; done
expect_ok "the trustees' ceremony"
v election key branch-9 --db b.db --key admin.key
expect_ok "the administrator publishes election.key"
printf 'name,weight\nAnn,1\nBob,2\nCarl,3\nDora,1\nEve,5\nFinn,1\nGus,2\nHana,1\n' >roll.csv
v credentials generate --voters roll.csv --election branch-9 --db b.db --key authority.key --out-dir codes
expect_ok "credentials for 8 voters"
v election open branch-9 --db b.db --key admin.key
expect_ok "the election opens"

before=$(size_of)
v election tally branch-9 --db b.db --key admin.key
expect_fail "no tally before the close" "is not closed"
unchanged "  and nothing is appended" "$before"

# ---- the vote ------------------------------------------------------------------------------
# strike: yes = Ann Carl Eve Gus (1+3+5+2 = 11), no = the rest (2+1+1+1 = 5);
# council: Ana by Ann Bob Eve (1+2+5 = 8), Ben by Bob Hana (3),
# Dana by nobody, Emil by Finn Gus (3); Dora re-votes: first "yes", then "no; Chen",
# so Chen has Carl and Dora (3+1 = 4) and the strike counts stand as above.
code() { sed -n "s/^$1,//p" codes/credentials.csv; }
vote() { v vote --db b.db --election branch-9 --credential "$(code "$1")" --choices "$2"; }
vote Ann  "strike:yes;council:Ana";      expect_ok "Ann votes"
vote Bob  "strike:no;council:Ana,Ben";   expect_ok "Bob votes"
vote Carl "strike:yes;council:Chen";     expect_ok "Carl votes"
vote Dora "strike:yes;council:";         expect_ok "Dora votes"
vote Eve  "strike:yes;council:Ana";      expect_ok "Eve votes"
vote Finn "strike:no;council:Emil";      expect_ok "Finn votes"
vote Gus  "strike:yes;council:Emil";     expect_ok "Gus votes"
vote Hana "strike:no;council:Ben";       expect_ok "Hana votes"
vote Dora "strike:no;council:Chen";      expect_ok "Dora votes again"
v election close branch-9 --db b.db --key admin.key
expect_ok "the election closes"
cp b.db before-tally.db

# ---- tally, decryption, result ------------------------------------------------------------

before=$(size_of)
v election tally branch-9 --db b.db --key t1.key
expect_fail "the tally needs the administrator's key" "is not the administrator's key"
unchanged "  and nothing is appended" "$before"
v election tally branch-9 --db b.db --key admin.key
expect_ok "the administrator tallies"
expect_out "  8 counted, weight 16, 1 superseded" "8 counted \(total weight 16\), 1 superseded, 0 skipped"
tally_index=$(sed -n 's/^election branch-9 tallied: entry //p' out)
v election tally branch-9 --db b.db --key admin.key
expect_fail "a second tally is refused" "already tallied \(entry $tally_index\)"
v election result branch-9 --db b.db --key admin.key
expect_fail "no result before the decryptions" "0 valid decryption\(s\) on the record, 2 needed"
t decrypt 1
t decrypt 3
expect_ok "trustees 1 and 3 decrypt"
v election result branch-9 --db b.db --key admin.key
expect_ok "the administrator publishes the result"
expect_out "  yes 11" "^  yes +11$"
expect_out "  no 5 (the implicit selection: W - yes)" "^  no +5$"
expect_out "  Ana 8" "^  Ana +8$"
expect_out "  Chen 4 (Dora's re-vote counts)" "^  Chen +4$"
expect_out "  Dana 0" "^  Dana +0$"

# ---- verify the honest record --------------------------------------------------------------

v board checkpoint --db b.db --key board.key
v board export --db b.db exp
expect_ok "the record is exported"
v verify exp
expect_ok "veche verify passes"
n=$(grep -cE '^ +[0-9]+\. .* PASS  ' out)
[ "$n" -eq 13 ] && ok "  all 13 checks print PASS" || not_ok "  $n checks PASS" "$(show)"
for c in "1. record" "2. manifest" "3. trustee keys" "4. commitments" "5. shares and complaints" \
         "6. joint key" "7. credentials" "8. fingerprint" "9. ballots" "10. counted" \
         "11. tally" "12. decryption" "13. result"; do
  grep -qE "^ *$c +PASS" out || not_ok "  check \"$c\" missing" "$(show)"
done
expect_out "  the result's counts" "strike: yes 11, no 5; council: Ana 8, Ben 3, Chen 4, Dana 0, Emil 3"
expect_out "  and the summary" "^election branch-9: verified: all 13 checks pass$"
v verify exp --election branch-9 --threads 1
expect_ok "veche verify --election ID --threads 1 passes too"

# ---- a wrong tally, properly signed by the administrator -------------------------------------

cp before-tally.db b.db.wrong
honest=$("$VECHE" board get --db b.db "$tally_index" </dev/null | sed 's/.*"body":\({[^}]*}\).*/\1/')
echo "$honest" | sed -E 's/"tally":\[\["([^"]+)"\],\["([^"]+)"/"tally":[["\2"],["\1"/' >wrong.json
if cmp -s <(echo "$honest") wrong.json; then not_ok "the wrong tally differs"; fi
v board append --db b.db.wrong --author admin.key --type election.tally --body wrong.json
expect_ok "a wrong tally is appended with the administrator's key"
wrong_index=$(($(size_of b.db.wrong) - 1))
v board checkpoint --db b.db.wrong --key board.key
v board export --db b.db.wrong exp-wrong
v verify exp-wrong
[ "$rc" -eq 1 ] && ok "veche verify fails on the wrong tally" || not_ok "exit status $rc" "$(show)"
expect_out "  at check 11, naming the tally's entry" \
  "^ *11\. tally +FAIL  entry $wrong_index: body\.tally\[0\]\[0\]"
n=$(grep -cE '^ +[0-9]+\. .* PASS  ' out)
[ "$n" -eq 10 ] && ok "  after checks 1-10 pass" || not_ok "  $n checks PASS" "$(show)"
expect_out "  and the summary says so" "^election branch-9: FAILED at check 11 \(tally\)$"

# ---- an altered export, an unknown election, usage ---------------------------------------------

cp -r exp exp-altered
ballot_line=$(grep -n '"type":"election.ballot"' exp-altered/entries.jsonl | head -1 | cut -d: -f1)
# one base64 character of its first ciphertext: A becomes B, anything else A
sed -i -E "${ballot_line}{s/(\"ciphertexts\":\[\".{12})A/\1B/;t;s/(\"ciphertexts\":\[\".{12})./\1A/}" \
  exp-altered/entries.jsonl
if cmp -s exp/entries.jsonl exp-altered/entries.jsonl; then not_ok "the export was altered"; fi
v verify exp-altered
[ "$rc" -eq 1 ] && ok "an altered ballot in the export fails" || not_ok "exit status $rc" "$(show)"
expect_out "  at check 1" "^ *1\. record +FAIL  board check 5 \(tree\)"
v verify exp --election no-such-election
[ "$rc" -eq 1 ] && ok "an unknown election fails" || not_ok "exit status $rc" "$(show)"
expect_out "  at check 2" "^ *2\. manifest +FAIL  no election \"no-such-election\""
v verify
[ "$rc" -eq 2 ] && ok "no RECORD is a usage error" || not_ok "exit status $rc" "$(show)"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
