#!/usr/bin/env bash
# tests/e2e/election_setup.sh — setting up an election through the veche binary.
#
# Usage: tests/e2e/election_setup.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# An administrator creates an election from a manifest; the credential
# authority generates credentials for 50 voters (codes to a 0600 CSV, never
# to the terminal; public credentials on the record); three trustees run
# the key ceremony (veche trustee) and the administrator publishes the
# joint key, opens and closes the election; a voter casts a ballot with a
# generated code; `election show` reports each state. Bad manifests, bad
# rolls, wrong keys, credentials before the manifest, a second manifest
# with the same id, a joint key that is not the ceremony's, and steps out
# of order are refused with a message and leave the record unchanged. A
# second election closes its ceremony without a trustee who never
# revealed (--without-pending).
set -uo pipefail

VECHE=${1:?usage: tests/e2e/election_setup.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below

source "$(dirname "$0")/lib/harness.bash"
harness_start veche-election

# ---- keys and a board ------------------------------------------------------------

v board init --db b.db --key board.key --origin example.org/branch-7
expect_ok "a board is created"
for k in admin authority t1 t2 t3 other; do
  "$VECHE" keygen --name "$k" --out "$k.key" >/dev/null </dev/null || not_ok "keygen $k"
done

manifest() {   # ID THRESHOLD: a manifest with a referendum and a 2-of-5 contest
  cat <<EOF
{"election":"$1","title":"Annual election","organisation":"Branch 7",
 "opens":1767225600,"closes":1767830400,
 "trustees":[{"name":"Ana","key":"$(pub t1.key)"},{"name":"Ben","key":"$(pub t2.key)"},
             {"name":"Cleo","key":"$(pub t3.key)"}],
 "threshold":$2,"credential_authority":"$(pub authority.key)",
 "contests":[{"id":"strike","question":"Do we strike?","options":["yes","no"],
              "min":1,"max":1,"blank":true},
             {"id":"council","question":"Elect two delegates",
              "options":["Ana","Ben","Chen","Dora","Emil"],"min":0,"max":2,"blank":false}]}
EOF
}
manifest branch-7 2 >m.json

# ---- before the manifest ------------------------------------------------------------

awk 'BEGIN { for (i = 1; i <= 50; i++) printf "Voter %02d,%d\n", i, (i % 5 == 0 ? 3 : 1) }' >roll.csv
before=$(size_of)
v credentials generate --voters roll.csv --election branch-7 --db b.db --key authority.key --out-dir codes
expect_fail "credentials before the manifest are refused" 'no election "branch-7" on the record'
unchanged "... and nothing is appended" "$before"
if [ ! -e codes/credentials.csv ]; then ok "... and no codes are written"; else not_ok "codes written"; fi
v election show branch-7 --db b.db
expect_fail "show of an unknown election fails" 'no election "branch-7"'

# ---- bad manifests are refused and change nothing ---------------------------------------

bad_manifest() {  # NAME PATTERN: m-bad.json must be refused with PATTERN
  v election create m-bad.json --db b.db --key admin.key
  expect_fail "$1" "$2"
  unchanged "... and nothing is appended ($1)" "$before"
}
printf '{"election": "x",' >m-bad.json
bad_manifest "a manifest that is not JSON" "not a JSON object"
sed 's/"threshold":2/"threshold":4/' m.json >m-bad.json
bad_manifest "a threshold above n" 'manifest.threshold: 4 is outside 1..3'
sed 's/"max":2/"max":6/' m.json >m-bad.json
bad_manifest "a max above the number of options" 'manifest.contests\[1\].max: 6 is outside 1..5'
sed 's/"branch-7"/"Branch 7"/' m.json >m-bad.json
bad_manifest "a bad election id" 'manifest.election: the id must be'
sed 's/"Dora"/"Ana"/' m.json >m-bad.json
bad_manifest "two options with one name" 'options\[3\]: the same as options\[0\]'
sed "s|$(pub t3.key)|$(pub t1.key)|" m.json >m-bad.json
bad_manifest "a trustee listed twice" 'trustees\[2\].key: the same key as trustees\[0\]'
sed 's/"opens":1767225600/"opens":1767830400/' m.json >m-bad.json
bad_manifest "closes not after opens" 'manifest.closes: .* is not after opens'
sed 's/"title":"Annual election",/"title":"Annual election","extra":1,/' m.json >m-bad.json
bad_manifest "an unknown member" 'unknown member "extra"'
sed 's/"min":0/"min":0.5/' m.json >m-bad.json
bad_manifest "a fraction" 'min'

# ---- create ----------------------------------------------------------------------------------

v election create m.json --db b.db --key admin.key
expect_ok "the administrator creates the election"
expect_out "... and it prints the id and entry" '^election branch-7 created: entry [0-9]+$'
hash=$(sed -n 's/^manifest hash: //p' out)
at=$(sed -n 's/^election branch-7 created: entry //p' out)
"$VECHE" board get --db b.db "$at" </dev/null | head -c -1 >manifest.entry
want=$(sha256sum manifest.entry | cut -d' ' -f1 | xxd -r -p | base64)
if [ -n "$hash" ] && [ "$hash" = "$want" ]; then ok "the manifest hash is SHA-256 of the entry's bytes"
else not_ok "manifest hash" "printed $hash, computed $want"; fi
if grep -q '"type":"election.manifest"' manifest.entry && grep -q "\"author\":\"$(pub admin.key)\"" manifest.entry
then ok "the manifest entry is signed by the administrator"; else not_ok "manifest author" "$(cat manifest.entry)"; fi

before=$(size_of)
v election create m.json --db b.db --key other.key
expect_fail "a second manifest with the same id is refused" 'an election "branch-7" already exists on this board'
unchanged "... and nothing is appended" "$before"
v board append --db b.db --type election.manifest --body m.json
expect_fail "the board refuses an unsigned manifest" 'must be signed'
v board append --db b.db --author admin.key --type election.manifest --body m-bad.json
expect_fail "the board refuses a bad manifest appended directly" 'min'
unchanged "... and nothing is appended" "$before"

v election show branch-7 --db b.db
expect_ok "show a created election"
expect_out "... its title" '^election branch-7: Annual election$'
expect_out "... its trustees" '^trustees: 2 of 3 needed to decrypt$'
expect_out "... no ceremony yet" '^ceremony steps: keys 0/3, commits 0/3'
expect_out "... no credentials yet" '^credentials: none yet$'
expect_out "... not open" '^state: not open$'

# ---- credentials -----------------------------------------------------------------------------

v election open branch-7 --db b.db --key admin.key
expect_fail "open without a key or credentials is refused" 'cannot open: the joint key is not on the record'

bad_roll() {   # NAME PATTERN: roll-bad.csv must be refused with PATTERN
  v credentials generate --voters roll-bad.csv --election branch-7 --db b.db --key authority.key --out-dir bad-codes
  expect_fail "$1" "$2"
  unchanged "... and nothing is appended ($1)" "$before"
  if [ ! -e bad-codes/credentials.csv ] && [ ! -e bad-codes/.credentials.csv.tmp ]; then ok "... and no codes are kept ($1)"
  else not_ok "codes kept ($1)"; fi
}
printf 'Ann,1\nBob,0\n' >roll-bad.csv
bad_roll "a weight of 0" 'roll-bad.csv: line 2: the weight "0" is not a whole number in 1..1000000'
printf 'Ann,1\nBob,1000001\n' >roll-bad.csv
bad_roll "a weight above 10^6" 'line 2: the weight'
printf 'Ann\nBob\nAnn,2\n' >roll-bad.csv
bad_roll "two voters with one name" 'lines 1 and 3: the same name "Ann"'
printf 'Ann\n"Lee, Bob\n' >roll-bad.csv
bad_roll "an unclosed quote" 'line 2: a quoted name has no closing quote'
printf 'Lee, Bob,2\n' >roll-bad.csv
bad_roll "three fields" 'line 1: more than two fields'
awk 'BEGIN { for (i = 1; i <= 1001; i++) printf "v%d,1000000\n", i }' >roll-bad.csv
bad_roll "a total weight above 10^9" 'the total weight 1001000000 exceeds 1000000000'
printf 'name,weight\n' >roll-bad.csv
bad_roll "a roll with no voters" 'no voters'

v credentials generate --voters roll.csv --election branch-7 --db b.db --key other.key --out-dir codes
expect_fail "credentials by another key are refused" 'not the credential authority named in the manifest'
unchanged "... and nothing is appended" "$before"

v credentials generate --voters roll.csv --election branch-7 --db b.db --key authority.key --out-dir codes
expect_ok "the credential authority generates 50 credentials"
expect_out "... and says how many, with the total weight" '^50 credentials \(total weight 70\) appended for branch-7: entries [0-9]+\.\.[0-9]+ \(1 part\)$'
code_re='[2-9A-HJKMNP-Z]{3}(-[2-9A-HJKMNP-Z]{3}){6}'
if grep -qE "$code_re" out err; then not_ok "a code was printed" "$(show)"; else ok "no code is printed"; fi
if [ "$(stat -c %a codes/credentials.csv)" = 600 ]; then ok "credentials.csv has mode 0600"
else not_ok "mode" "$(stat -c %a codes/credentials.csv)"; fi
if [ "$(head -1 codes/credentials.csv)" = "name,code" ] && [ "$(wc -l <codes/credentials.csv)" -eq 51 ] &&
   [ "$(grep -cE "^Voter [0-9]{2},$code_re\$" codes/credentials.csv)" -eq 50 ]
then ok "credentials.csv has one name,code line per voter"; else not_ok "csv" "$(head -3 codes/credentials.csv)"; fi
if [ "$(cut -d, -f2 codes/credentials.csv | sort -u | wc -l)" -eq 51 ]; then ok "the codes are distinct"
else not_ok "codes distinct"; fi
if [ "$(cut -d, -f1 codes/credentials.csv | tail -n +2)" = "$(cut -d, -f1 roll.csv)" ]; then ok "the names are the roll's, in its order"
else not_ok "names"; fi
cred=$("$VECHE" board list --db b.db </dev/null | awk -F'\t' '$2 == "election.credentials" { print $1 }')
"$VECHE" board get --db b.db "$cred" </dev/null >cred.entry
if grep -q "\"author\":\"$(pub authority.key)\"" cred.entry && ! grep -q 'Voter' cred.entry &&
   [ "$(grep -o '"weight":3' cred.entry | wc -l)" -eq 10 ]
then ok "the public credentials are on the record, signed, with weights and no names"
else not_ok "credentials entry" "$(head -c 300 cred.entry)"; fi
# the keys on the record are sorted (bytewise: compare them decoded, in hex)
grep -o '"key":"[^"]*"' cred.entry | cut -d'"' -f4 | while read -r k; do echo "$k" | base64 -d | xxd -p -c 32; done >keys.hex
if [ "$(wc -l <keys.hex)" -eq 50 ] && LC_ALL=C sort -c keys.hex 2>/dev/null; then ok "the public credentials are sorted"
else not_ok "sorted"; fi

before=$(size_of)
v credentials generate --voters roll.csv --election branch-7 --db b.db --key authority.key --out-dir codes2
expect_fail "credentials cannot be generated twice" 'credentials for "branch-7" are already on the record'
unchanged "... and nothing is appended" "$before"
manifest second 1 >m2.json
v election create m2.json --db b.db --key admin.key
v credentials generate --voters roll.csv --election second --db b.db --key authority.key --out-dir codes
expect_fail "an existing credentials.csv is never overwritten" 'codes/credentials.csv already exists'

v election show branch-7 --db b.db
expect_out "show counts the credentials and their weight" '^credentials: 50, total weight 70 \(1 part, last at entry [0-9]+\)$'
expect_out "... no fingerprint without the key" '^fingerprint: not yet'

# ---- open and close ------------------------------------------------------------------------

v election open branch-7 --db b.db --key admin.key
expect_fail "open without the joint key is refused" 'joint key is not on the record'

# ---- the trustees' ceremony and the joint key ------------------------------------------------

trustee() {   # STEP I [ELECTION]: trustee I's step, with its state file for ELECTION
  local e=${3:-branch-7}
  if [ "$1" = init ]; then v trustee init --state "$e-t$2.state" --election "$e" --db b.db --key "t$2.key"
  else v trustee "$1" --state "$e-t$2.state" --db b.db --key "t$2.key"; fi
}
for i in 1 2 3; do trustee init "$i"; expect_ok "trustee $i publishes its key"; done
v election key branch-7 --db b.db --key admin.key
expect_fail "the joint key before the commits is refused" 'the ceremony cannot give a key now: waiting for trustee.commit'
for i in 1 2 3; do trustee commit "$i"; expect_ok "trustee $i commits"; done
for i in 1 2; do trustee reveal "$i"; expect_ok "trustee $i reveals"; done
before=$(size_of)
v election key branch-7 --db b.db --key admin.key
expect_fail "the joint key with a reveal missing is refused" 'some trustees have not revealed yet \(3 .*--without-pending'
v election key branch-7 --db b.db --key other.key
expect_fail "the joint key by another key is refused" 'other.key is not the administrator'
unchanged "... and nothing is appended" "$before"
trustee reveal 3; expect_ok "trustee 3 reveals"
for i in 1 2 3; do trustee check "$i"; expect_ok "trustee $i checks its shares"; done
v election show branch-7 --db b.db
expect_out "show: every reveal is in" '^ceremony steps: keys 3/3, commits 3/3, commitments 3/3, shares 3/3, complaints 0$'
expect_out "show: all three qualified" '^qualified: 1, 2, 3$'
v election key branch-7 --db b.db --key admin.key
expect_ok "the administrator publishes the joint key"
expect_out "... with the qualified trustees" 'joint key .* \(entry [0-9]+\), 3 of 3 trustees qualified, 2 needed to decrypt'
v election key branch-7 --db b.db --key admin.key
expect_fail "the joint key twice is refused" 'already has its election.key'
v election show branch-7 --db b.db
expect_out "show: the joint key" '^joint key: [A-Za-z0-9+/]{43}= \(entry [0-9]+\)$'

# A joint key that is not the ceremony's never opens an election.
printf 'Zed\n' >roll2.csv
v credentials generate --voters roll2.csv --election second --db b.db --key authority.key --out-dir codes-second
expect_ok "credentials for a second election"
printf '{"election":"second","qualified":[1,2,3],"key":"4vKuCmq8TnGohKlhxQBRX1jjC2qlgt2NtqZZReCNLXY="}' >key.json
v board append --db b.db --author admin.key --type election.key --body key.json
expect_ok "a made-up election.key is appended directly"
before=$(size_of)
v election open second --db b.db --key admin.key
expect_fail "open with a key that is not the ceremony's is refused" 'the election.key at entry [0-9]+ is not the ceremony.s'
unchanged "... and nothing is appended" "$before"
v election show second --db b.db
expect_out "show warns about it" '^WARNING: the election.key at entry [0-9]+ is not the ceremony.s'

# ---- open and close ------------------------------------------------------------------------

before=$(size_of)
v election open branch-7 --db b.db --key other.key
expect_fail "open by another key is refused" 'other.key is not the administrator'
v election close branch-7 --db b.db --key admin.key
expect_fail "close before open is refused" 'is not open'
unchanged "... and nothing is appended" "$before"
v election open branch-7 --db b.db --key admin.key
expect_ok "the administrator opens the election"
fp=$(sed -n 's/^fingerprint: //p' out)
v election show branch-7 --db b.db
expect_out "show: open" '^state: open \(entry [0-9]+\)$'
if grep -qF "fingerprint: $fp" out && [ -n "$fp" ]; then ok "show gives the published fingerprint"; else not_ok "fingerprint" "$(show)"; fi
v election open branch-7 --db b.db --key admin.key
expect_fail "open twice is refused" 'already open'

code=$(sed -n '2s/^[^,]*,//p' codes/credentials.csv)
v vote --db b.db --election branch-7 --credential "$code" --choices 'strike:yes;council:Ana,Chen'
expect_ok "a voter casts a ballot with a generated code"
v vote --db b.db --election branch-7 --credential "$(echo "$code" | tr 'A-Z' 'a-z')" --choices 'strike:no;council:'
expect_ok "... and again, typing the code in lower case"
bad=$(echo "$code" | sed 's/^\(.\)\(.\)/\2\1/')
if [ "${bad:0:1}" != "${bad:1:1}" ]; then
  v vote --db b.db --election branch-7 --credential "$bad" --choices 'strike:yes;council:'
  expect_fail "a code with two characters swapped is refused" 'check symbol does not match'
fi
v election show branch-7 --db b.db
expect_out "show counts ballots and voters" '^ballots cast: 2, by 1 distinct credentials$'

v election close branch-7 --db b.db --key admin.key
expect_ok "the administrator closes the election"
expect_out "... and says how many ballots are on the record" 'closed: entry [0-9]+; 2 ballots on the record'
v election close branch-7 --db b.db --key admin.key
expect_fail "close twice is refused" 'already closed'
v election show branch-7 --db b.db
expect_out "show: closed" '^state: closed \(opened at entry [0-9]+, closed at entry [0-9]+\)$'

# ---- a ceremony closed without a trustee who never revealed ----------------------------------

manifest third 2 >m3.json
v election create m3.json --db b.db --key admin.key
expect_ok "a third election is created"
for i in 1 2 3; do trustee init "$i" third; trustee commit "$i" third; done
for i in 1 2; do trustee reveal "$i" third; trustee check "$i" third; done
v election key third --db b.db --key admin.key
expect_fail "trustee 3 has not revealed: the key waits" 'some trustees have not revealed yet'
v election key third --db b.db --key admin.key --without-pending
expect_ok "--without-pending publishes the key without trustee 3"
expect_out "... 2 of 3 qualified" '2 of 3 trustees qualified'
expect_out "... and says who is not" '^not qualified: 3 '
v election show third --db b.db
expect_out "show: 1 and 2 qualified" '^qualified: 1, 2$'

# ---- the record as a whole -------------------------------------------------------------------

v board checkpoint --db b.db --key board.key
v board export --db b.db export
v board verify export
expect_ok "the record with the election verifies (board checks)"

echo
if [ "$failures" -eq 0 ]; then echo "all election setup checks passed"; else echo "$failures failed"; fi
[ "$failures" -eq 0 ]
