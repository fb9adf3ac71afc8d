#!/usr/bin/env bash
# tests/e2e/council.sh — a council's life through the veche binary (issue 6),
# then `veche verify --council` on its export, honest and tampered.
#
# Usage: tests/e2e/council.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# The administrator creates council "city" (5 seats, a one-year term, a
# recall petition needs 20% of the roll, the recall vote 50%+); the roll
# keeper admits 200 members in one batch (add-csv: member files 0600, the
# authority's map); three groupings register and publish (statements, a
# platform linked to a candidate, a reply) and a member publishes with the
# standing credential; a seats election (5 of 8 candidates) runs with the
# trustees' ceremony and 30 members vote with their standing codes (the
# credential scope is the council); the 5 winners get mandates; a recall
# petition against one delegate collects 40 signatures (20% of 200) and one
# duplicate that is not counted twice; `veche council due` creates the recall
# election; the members recall; `due` ends the mandate; a by-election fills
# the seat until the term's end; a publication is tombstoned; a delegation is
# sent and returns; a member leaves and one is excluded. Then `veche verify
# --council` passes its 10 checks and every election its 13.
#
# Tampering, each on its own copy, each caught at its check or reported and
# not counted, as the design says: a member's credential removed without a
# roll entry (check 3), a forged petition signature and a signer counted
# twice (check 6, reported: the petition stays short of its threshold), a
# publication's body altered (check 9), a tombstone without a signature (the
# record itself) and one by a key that is not the administrator's (check 9),
# an operator posting as a grouping whose key it does not hold (check 8,
# reported impostor), a mandate for a candidate who did not win (check 5).
set -uo pipefail

VECHE=${1:?usage: tests/e2e/council.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below

SHOW_BYTES=3000
EXPECT_FAIL_STATUS=1   # refusals exit 1, usage errors 2
source "$(dirname "$0")/lib/harness.bash"
harness_start veche-council

C=city
council() { v council "$@" --db b.db --council "$C"; }
code_of() { sed -n 's/^code: //p' "members/$1.member"; }
x_of() { sed -n "s/^$1 //p" members/standing.map | tail -1; }
status() { "$VECHE" council status --db "${1:-b.db}" --council "$C" </dev/null; }

# ---- the council -----------------------------------------------------------------------------

v board init --db b.db --key board.key --origin example.org/city
expect_ok "a board is created"
for k in admin roll ca t1 t2 t3 red green blue other; do
  "$VECHE" keygen --name "$k" --out "$k.key" >/dev/null </dev/null || not_ok "keygen $k"
done

create() {
  council create --key admin.key --name "City council" --seats 5 --term-days 365 \
    --recall-threshold 200 --recall-majority 501 --roll-keeper roll.key \
    --authority "$(pub ca.key)" --trustee Ana=t1.key --trustee "Ben=$(pub t2.key)" \
    --trustee Cleo=t3.key --threshold 2 "$@"
}
create
expect_ok "the administrator creates the council"
expect_out "  and says where" "^council city created: entry 1$"
before=$(size_of)
create
expect_fail "a second council with the id is refused" 'a council "city" already exists'
unchanged "  and nothing is appended" "$before"
create --seats 0
[ "$rc" -eq 2 ] && ok "0 seats is a usage error" || not_ok "0 seats" "$(show)"

# ---- the roll: 200 members ---------------------------------------------------------------------

awk 'BEGIN { print "member,name"; for (i = 1; i <= 200; i++) printf "m%03d,Member %03d, of the city\n", i, i }' >roll.csv
council roll add-csv --key ca.key --authority-key ca.key --roll roll.csv --out members
expect_fail "the roll needs the roll keeper's key" 'ca.key is not the roll keeper named in council.create'
unchanged "  and nothing is appended" "$before"
[ ! -e members/m001.member ] && ok "  and no member file is written" || not_ok "member file written"
council roll add-csv --key roll.key --authority-key ca.key --roll roll.csv --out members
expect_ok "the roll keeper admits 200 members in one batch"
expect_out "  200 roll entries and their credentials" \
  '^200 members joined council city: roll entries 2\.\.201, standing credentials added by entry 202$'
[ "$(ls members/*.member | wc -l)" -eq 200 ] && ok "  200 member files" || not_ok "member files"
[ "$(stat -c %a members/m007.member)" = 600 ] && [ "$(stat -c %a members/standing.map)" = 600 ] &&
  ok "  the member files and the map have mode 0600" || not_ok "modes"
code_re='[2-9A-HJKMNP-Z]{3}(-[2-9A-HJKMNP-Z]{3}){6}'
if grep -qE "$code_re" out err; then not_ok "a code was printed" "$(show)"; else ok "  no code is printed"; fi
[ "$(grep -c "^m[0-9]* " members/standing.map)" -eq 200 ] && ok "  the map has 200 members" || not_ok "map"
if grep -q 'Member 007' <("$VECHE" board get --db b.db 8 </dev/null); then not_ok "a name on the record"
else ok "  no name on the record (a salted commitment)"; fi

council roll add --key roll.key --authority-key ca.key --member m007 --name "Someone" --out members2
expect_fail "a member id cannot join twice" 'm007'
council roll prove --member-file members/m042.member
expect_ok "a member proves their roll entry"
expect_out "  with their name and salt" '^proof: the commitment of entry 43 opens with name "Member 042, of the city" and salt '
expect_out "  and their standing credential" '^standing credential: on the standing list$'
sed 's/^name: .*/name: Someone else/' members/m042.member >forged.member
council roll prove --member-file forged.member
expect_fail "another name does not open the commitment" 'does not open'

council status --member-file members/m100.member
expect_ok "status"
expect_out "  200 active members" '^roll: 200 active members \(200 joined, 0 left, 0 excluded\); 200 standing credentials; 0 roll entries pending$'
expect_out "  the member's credential stands" 'is on the standing list$'
expect_out "  the first election is due" 'no seats election yet'

# ---- groupings and their publications -----------------------------------------------------------

council grouping add --key red.key --grouping red --name "Red list" --members m001,m002,m003
expect_ok "grouping red registers"
council grouping add --key green.key --grouping green --name "Green caucus" --members m010,m011
expect_ok "grouping green registers"
council grouping add --key blue.key --grouping blue --name "Blue slate"
expect_ok "grouping blue registers"
before=$(size_of)
council grouping add --key other.key --grouping red --name "Red list (real)"
expect_fail "another key cannot take over grouping red" 'red'
unchanged "  and nothing is appended" "$before"

printf '# Budget\n\nWe want a **fair** budget.\n' >red.md
council publish --key red.key --grouping red --kind statement --title "On the budget" --body red.md --bodies bodies
expect_ok "red publishes a statement"
red_pub=$(sed -n 's/^publication of council city: entry \([0-9]*\),.*/\1/p' out)
red_hex=$(sha256sum red.md | cut -d' ' -f1)
[ -f "bodies/$red_hex" ] && cmp -s red.md "bodies/$red_hex" && ok "  its body is kept as bodies/<sha-256>" || not_ok "body" "$(ls bodies)"
printf 'The Blue slate disagrees: <script>alert(1)</script>\n' >blue.md
council publish --key blue.key --grouping blue --kind reply --reply-to "$red_pub" --title "Re: budget" --body blue.md --bodies bodies
expect_ok "blue replies"
council publish --key other.key --grouping blue --kind statement --title "Blue gives up" --body blue.md --bodies bodies
expect_fail "a statement as blue with another key is refused" 'claims a grouping but is not signed by its key: an impostor'
printf 'Minutes of the members meeting.\n' >member.md
council publish --member-file members/m050.member --kind minutes --title "Minutes" --body member.md --bodies bodies
expect_ok "a member publishes with the standing credential"
member_pub=$(sed -n 's/^publication of council city: entry \([0-9]*\),.*/\1/p' out)

# ---- the seats election ----------------------------------------------------------------------------

E=city-2026
council election --key admin.key --authority-key ca.key --purpose seats --election "$E" \
  --candidates Alma,Boris,Chen,Dina,Erik,Farah,Goran,Hilde
expect_ok "the seats election is created (manifest, link, credentials in one batch)"
expect_out "  with the 200 standing credentials" "^seats election city-2026 of council city: manifest entry [0-9]+, link entry [0-9]+, 200 credentials"

printf 'Farah stands for open books.\n' >farah.md
council publish --key green.key --grouping green --kind platform --election "$E" --option Farah --title "Farah's platform" --body farah.md --bodies bodies
expect_ok "green publishes a candidate's platform, linked to the ballot"

ceremony() {   # ELECTION: the trustees' ceremony, the joint key, the opening
  local e=$1 i
  for i in 1 2 3; do v trustee init --state "$e-t$i.state" --election "$e" --db b.db --key "t$i.key" || return 1; done
  for s in commit reveal check; do
    for i in 1 2 3; do v trustee "$s" --state "$e-t$i.state" --db b.db --key "t$i.key" || return 1; done
  done
  v election key "$e" --db b.db --key admin.key || return 1
  v election open "$e" --db b.db --key admin.key
}
count() {      # ELECTION: close, tally, two decryptions, the result
  local e=$1
  v election close "$e" --db b.db --key admin.key || return 1
  v election tally "$e" --db b.db --key admin.key || return 1
  v trustee decrypt --state "$e-t1.state" --db b.db --key t1.key || return 1
  v trustee decrypt --state "$e-t3.state" --db b.db --key t3.key || return 1
  v election result "$e" --db b.db --key admin.key
}
vote() {       # ELECTION MEMBER CHOICES
  v vote --db b.db --election "$1" --credential "$(code_of "$2")" --choices "$3"
}

ceremony "$E"
expect_ok "the trustees' ceremony; the election opens"
# Alma 30, Boris 30, Chen 25, Dina 20, Erik 15 | Farah 10, Goran 5, Hilde 5
vote "$E" m001 "0:Alma,Boris,Chen,Dina,Erik"
expect_ok "a member votes with the standing code"
expect_out "  under the council's scope" '^credential scope: council city '
bad=0
for i in $(seq 2 30); do
  n=$(printf 'm%03d' "$i")
  if [ "$i" -le 15 ]; then ch="0:Alma,Boris,Chen,Dina,Erik"
  elif [ "$i" -le 20 ]; then ch="0:Alma,Boris,Chen,Dina,Farah"
  elif [ "$i" -le 25 ]; then ch="0:Alma,Boris,Chen,Farah"
  else ch="0:Alma,Boris,Goran,Hilde"; fi
  vote "$E" "$n" "$ch" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "29 more members vote" || not_ok "$bad votes failed" "$(show)"
v vote --db b.db --election "$E" --credential "$(code_of m031)" --choices "0:Six,Alma"
expect_fail "a choice that is not a candidate is refused" 'Six'
count "$E"
expect_ok "close, tally, decryptions, result"
expect_out "  Erik 15" "^  Erik +15$"

council mandates --key admin.key --election "$E"
expect_ok "mandates for the 5 winners"
for w in Alma Boris Chen Dina Erik; do
  grep -qE "^mandate [0-9]+: $w, " out || not_ok "  no mandate for $w" "$(show)"
done
grep -qE "^mandate [0-9]+: (Farah|Goran|Hilde)," out && not_ok "  a loser got a mandate" "$(show)"
chen=$(sed -n 's/^mandate \([0-9]*\): Chen, .*/\1/p' out)
chen_end=$(sed -n 's/^mandate [0-9]*: Chen, .* to \(.*\)$/\1/p' out)
[ -n "$chen" ] && ok "  Chen's mandate is entry $chen, until $chen_end" || not_ok "chen" "$(show)"
council mandates --key admin.key --election "$E"
expect_fail "mandates twice are refused" 'already gave mandates'

# ---- the recall petition ------------------------------------------------------------------------------

council petition open --member-file members/m031.member --mandate "$chen" --text "Chen broke the budget promise"
expect_ok "a member opens a petition to recall Chen"
pet=$(sed -n 's/^petition to recall mandate [0-9]* opened: entry \([0-9]*\).*/\1/p' out)
expect_out "  40 signatures needed (20% of 200)" "^petition $pet: 1 of 40 signatures needed \(200 members at its opening\)$"
bad=0
for i in $(seq 32 70); do
  council petition sign --member-file "members/$(printf 'm%03d' "$i").member" --petition "$pet" || bad=$((bad + 1))
  if [ "$i" -eq 40 ]; then   # a byte-identical copy of the last signature: the same signer twice
    "$VECHE" board get --db b.db "$(($(size_of) - 1))" </dev/null >dup.entry
    v board append --db b.db --entries dup.entry
    expect_ok "  the same signature appended again (straight to the board)"
  fi
  if [ "$i" -eq 69 ]; then cp b.db sig39.db; fi
done
[ "$bad" -eq 0 ] && ok "39 more members sign" || not_ok "$bad signatures failed" "$(show)"
expect_out "  the 40th distinct signature reaches the threshold" "^petition $pet: 40 of 40 signatures needed .*SUCCEEDED at entry [0-9]+"
council petition sign --member-file members/m045.member --petition "$pet"
expect_fail "a member cannot sign twice through the CLI" 'entry'
status >st
grep -qE "^  $pet: recall of mandate $chen: 40 of 40 signatures \(200 members at its opening\); not counted: 1 duplicate, 0 invalid; succeeded" st &&
  ok "status: 40 counted, the duplicate not counted twice" || not_ok "petition status" "$(grep -A0 "^  $pet:" st)"

# ---- the recall vote ---------------------------------------------------------------------------------------

council due
expect_ok "due lists the recall"
expect_out "  the recall is due" 'recall'
council due --key admin.key --authority-key ca.key
expect_ok "due creates the recall election"
R="city-recall-$pet"
expect_out "  named after the petition" "^recall election $R of council city: manifest entry"
ceremony "$R"
expect_ok "the recall election's ceremony; it opens"
bad=0
for i in $(seq 71 95); do
  if [ "$i" -le 88 ]; then ch="0:yes"; else ch="0:no"; fi
  vote "$R" "$(printf 'm%03d' "$i")" "$ch" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "25 members vote on the recall (18 yes, 7 no)" || not_ok "$bad votes failed" "$(show)"
count "$R"
expect_ok "the recall's result"
expect_out "  yes 18" "^  yes +18$"
council due --key admin.key --authority-key ca.key
expect_ok "due ends the recalled mandate"
expect_out "  mandate $chen recalled" "^mandate $chen ended \(recalled, election $R\)"
status >st
grep -qE "^  $chen: Chen \(election $E\), .*: recalled at entry" st && ok "status: Chen recalled" || not_ok "chen status" "$(grep "^  $chen:" st)"
grep -q "by-election" st && ok "status: a by-election is due" || not_ok "by-election due" "$(sed -n '/^due/,$p' st)"

# ---- the by-election ------------------------------------------------------------------------------------------

B=city-by-1
council election --key admin.key --authority-key ca.key --purpose by-election --election "$B" --mandate "$chen" --candidates Farah,Ivo
expect_ok "the by-election for Chen's seat"
ceremony "$B"
expect_ok "its ceremony; it opens"
bad=0
for i in $(seq 101 110); do
  if [ "$i" -le 107 ]; then ch="0:Farah"; else ch="0:Ivo"; fi
  vote "$B" "$(printf 'm%03d' "$i")" "$ch" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "10 members vote (Farah 7, Ivo 3)" || not_ok "$bad votes failed" "$(show)"
count "$B"
expect_ok "the by-election's result"
council mandates --key admin.key --election "$B"
expect_ok "Farah's mandate"
expect_out "  until the end of Chen's term" "^mandate [0-9]+: Farah, .* to $chen_end$"

# ---- a tombstone, a delegation, a leave, an exclusion -----------------------------------------------------------

council tombstone --key red.key --publication "$member_pub" --reason "Personal data" --bodies bodies
expect_fail "a tombstone needs the administrator's key" 'not the administrator'
member_hex=$(sha256sum member.md | cut -d' ' -f1)
council tombstone --key admin.key --publication "$member_pub" --reason "Personal data (court order 12/2026)" --bodies bodies
expect_ok "the administrator tombstones the member's minutes"
[ ! -e "bodies/$member_hex" ] && ok "  and its body is deleted" || not_ok "body kept"

council delegation add --key admin.key --delegation summit-1 --to "Regional assembly" --delegates Alma,Boris --text "Vote for the regional budget"
expect_ok "a delegation is sent"
council delegation end --key admin.key --delegation summit-1 --reason returned --statement "The budget passed"
expect_ok "and returns"

council roll leave --key roll.key --authority-key ca.key --member m200 --reason "Moved away" --map members/standing.map
expect_ok "member m200 leaves (credential removed in the same batch)"
council roll exclude --key roll.key --authority-key ca.key --member m199 --reason "Expelled by the general meeting" --map members/standing.map
expect_ok "member m199 is excluded"
council status --member-file members/m200.member
expect_out "  198 active members" '^roll: 198 active members \(200 joined, 1 left, 1 excluded\); 198 standing credentials; 0 roll entries pending$'
expect_out "  m200's credential no longer stands" 'is NOT on the standing list$'
expect_out "  the tombstone" "^  $member_pub: minutes \"Minutes\" by a member; TOMBSTONED at entry [0-9]+: Personal data"
expect_out "  the delegation returned" '^  summit-1: to Regional assembly, Alma, Boris; returned at entry'
expect_out "  Farah fills the seat" "^  [0-9]+: Farah \(election $B\), .*: active; fills the seat of mandate $chen$"

# ---- verify the honest record ------------------------------------------------------------------------------------

v board checkpoint --db b.db --key board.key
v board export --db b.db exp
expect_ok "the record is exported"
cp -r bodies exp/bodies
v verify exp --council city
expect_ok "veche verify --council passes"
for c in "1. create" "2. roll" "3. credentials" "4. elections" "5. mandates" "6. petitions" \
         "7. recalls" "8. publications" "9. bodies" "10. delegations"; do
  grep -qE "^ *$c +PASS" out || not_ok "  check \"$c\" does not PASS" "$(show)"
done
expect_out "  the record's check 1" '^ *1\. record +PASS'
expect_out "  the three elections under check 4" "election city-by-1: verified: checks 2-13 pass"
expect_out "  and the summary" '^council city: verified: all 10 checks pass \(3 linked elections; 2 entries reported and not counted\)$'
expect_out "  the duplicate signature reported" '^ *6\. petitions +PASS  .*40 signatures counted, each a distinct standing member; 1 reported, not counted \(first: entry [0-9]+: signature: this credential has already signed the petition at entry [0-9]+: a duplicate, not counted\)'
expect_out "  the tombstoned body may be missing" '^ *9\. bodies +PASS  3 bodies present and matching their hash; 1 tombstoned by the administrator'
for e in "$E" "$R" "$B"; do
  v verify exp --election "$e"
  expect_ok "veche verify --election $e passes"
  expect_out "  all 13 checks" "^election $e: verified: all 13 checks pass$"
done
v verify exp
expect_ok "veche verify of the whole record passes, councils included"
expect_out "  with the council" '^council city: verified: all 10 checks pass'

[ -n "${COUNCIL_KEEP:-}" ] && cp -r . "$COUNCIL_KEEP"
if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
