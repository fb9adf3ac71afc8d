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
# sent and returns; a member leaves and one is excluded; the excluded member
# appeals (proven by the name and salt of their member file), and appeals
# with a wrong name or salt are shown unproven. Then `veche verify
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
expect_rc() { if [ "$rc" -eq "$2" ]; then ok "$1"; else not_ok "$1" "$(show)"; fi; }   # NAME STATUS
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
expect_rc "0 seats is a usage error" 2

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
expect_fail "a member id cannot join twice" 'refused: entry [0-9]+: join: the member id "m007" was already used \(entry 8\); nothing was appended'
[ ! -e members2 ] && ok "  and no directory is made for it" || not_ok "members2 made"
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
expect_fail "another key cannot take over grouping red" 'grouping "red" registered again by another key than its own \(entry [0-9]+\): an impostor'
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

cp b.db premandate.db
cp -r bodies premandate.bodies
before=$(size_of)
council mandates --key admin.key --election "$E" --delegates Alma,Boris,Chen,Dina,Hilde
expect_fail "a mandate for a candidate who did not win is refused" 'mandate for "Hilde": the delegate did not win: 5 votes, "Erik" has 15 and no mandate; nothing was appended'
unchanged "  and nothing is appended" "$before"
council mandates --key admin.key --election "$E"
expect_ok "mandates for the 5 winners"
for w in Alma Boris Chen Dina Erik; do
  grep -qE "^mandate [0-9]+: $w, " out || not_ok "  no mandate for $w" "$(show)"
done
grep -qE "^mandate [0-9]+: (Farah|Goran|Hilde)," out && not_ok "  a loser got a mandate" "$(show)"
chen=$(sed -n 's/^mandate \([0-9]*\): Chen, .*/\1/p' out)
dina=$(sed -n 's/^mandate \([0-9]*\): Dina, .*/\1/p' out)
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
  if [ "$i" -eq 69 ]; then cp b.db sig39.db; cp -r bodies sig39.bodies; fi
done
[ "$bad" -eq 0 ] && ok "39 more members sign" || not_ok "$bad signatures failed" "$(show)"
expect_out "  the 40th distinct signature reaches the threshold" "^petition $pet: 40 of 40 signatures needed .*SUCCEEDED at entry [0-9]+"
council petition sign --member-file members/m045.member --petition "$pet"
expect_fail "a member cannot sign twice through the CLI" "this credential has already signed the petition at entry $pet: a duplicate"
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

council mandate-end --key admin.key --mandate "$dina" --reason recalled
expect_fail "a mandate cannot be ended as recalled without a recall vote" "no recall election of mandate $dina has a result; nothing was appended"
council mandate-end --key admin.key --mandate "$dina" --reason resigned --statement "For family reasons"
expect_ok "Dina resigns"
expect_out "  the mandate ends" "^mandate $dina ended \(resigned\): entry [0-9]+$"
expect_out "  and a by-election is due" "^due: .*by-election"

council roll leave --key roll.key --authority-key ca.key --member m200 --reason "Moved away" --map members/standing.map
expect_ok "member m200 leaves (credential removed in the same batch)"
council roll exclude --key roll.key --authority-key ca.key --member m199 --reason "Expelled by the general meeting" --map members/standing.map
expect_ok "member m199 is excluded"
excl=$(sed -n 's/^member m199 was excluded from council city: roll entry \([0-9]*\),.*/\1/p' out)

# ---- the excluded member's appeal -----------------------------------------------------------------

"$VECHE" keygen --name m199 --out m199.key >/dev/null </dev/null || not_ok "keygen m199"
council appeal --key m199.key --member-file members/m100.member --text "I appeal"
expect_fail "a member who was not excluded cannot appeal" '"m100" was not excluded from council city \(active\)'
before=$(size_of)
council appeal --key m199.key --member-file members/m199.member --exclusion "$red_pub" --text "I appeal"
expect_fail "an appeal naming another entry than the exclusion is refused" "refused: entry [0-9]+: appeal: \"m199\" was not excluded at entry $red_pub"
unchanged "  and nothing is appended" "$before"
council appeal --key m199.key --member-file members/m199.member --text "The general meeting never heard me"
expect_ok "the excluded member appeals, signed by a key of their own"
expect_out "  proven by the name and salt of the member file" "^appeal of member m199 against the exclusion at entry $excl: entry [0-9]+, proven"
appeal=$(sed -n 's/^appeal of member m199 against the exclusion at entry [0-9]*: entry \([0-9]*\),.*/\1/p' out)
sed 's/^name: .*/name: Somebody else/' members/m199.member >wrong-name.member
council appeal --key other.key --member-file wrong-name.member --exclusion "$excl" --text "I am m199, believe me"
expect_ok "an appeal whose name does not open the commitment is still appended"
grep -q 'will be shown unproven' err && ok "  with a warning" || not_ok "no warning" "$(show)"
expect_out "  and said unproven" "^appeal of member m199 against the exclusion at entry $excl: entry [0-9]+, UNPROVEN"
wrong=$(sed -n 's/^appeal of member m199 against the exclusion at entry [0-9]*: entry \([0-9]*\),.*/\1/p' out)
awk -v s="$(printf 'salt: %s' "$(head -c 32 /dev/urandom | base64)")" '/^salt: /{print s; next} {print}' \
  members/m199.member >wrong-salt.member
council appeal --key other.key --member-file wrong-salt.member --text "Another salt"
expect_out "an appeal with another salt is said unproven" "^appeal of member m199 .*UNPROVEN"
status >st
grep -qE "^appeals: 3$" st && ok "status lists the 3 appeals" || not_ok "appeals" "$(sed -n '/^appeals/,/^reported/p' st)"
grep -qE "^  $appeal: m199 against the exclusion at entry $excl, signed by $(pub m199.key | sed 's/+/\\+/g'): proven \(the name \"Member 199, of the city\" and its salt open .*\): The general meeting never heard me$" st &&
  ok "  the member's appeal proven" || not_ok "proven appeal" "$(grep "^  $appeal:" st)"
grep -qE "^  $wrong: m199 against the exclusion at entry $excl, signed by .*: unproven \(.*\): I am m199, believe me$" st &&
  ok "  the wrong name's unproven" || not_ok "unproven appeal" "$(grep "^  $wrong:" st)"
council status --member-file members/m200.member
expect_out "  198 active members" '^roll: 198 active members \(200 joined, 1 left, 1 excluded\); 198 standing credentials; 0 roll entries pending$'
expect_out "  m200's credential no longer stands" 'is NOT on the standing list$'
expect_out "  the tombstone" "^  $member_pub: minutes \"Minutes\" by a member; TOMBSTONED at entry [0-9]+: Personal data"
expect_out "  the delegation returned" '^  summit-1: to Regional assembly, Alma, Boris; returned at entry'
expect_out "  Dina resigned" "^  $dina: Dina \(election $E\), .*: resigned at entry [0-9]+$"
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
expect_out "  the appeals under check 2" '^ *2\. roll +PASS  .*; 3 appeals$'
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

# ---- tampering, each on its own copy ----------------------------------------------------------------

export_copy() {   # DB DIR [BODIES]: a checkpoint, the export in DIR, the bodies beside it
  v board checkpoint --db "$1" --key board.key && v board export --db "$1" "$2" &&
    cp -r "${3:-bodies}" "$2/bodies"
}
last_index() { echo $(($(size_of "$1") - 1)); }
# sort_b64 X...: base64 keys as a JSON list, sorted by their bytes (the record's order)
sort_b64() {
  for k in "$@"; do printf '%s %s\n' "$(echo "$k" | base64 -d | xxd -p -c 32)" "$k"; done |
    LC_ALL=C sort | cut -d' ' -f2 | sed 's/.*/"&"/' | paste -sd,
}
body_of() { "$VECHE" board get --db "$1" "$2" </dev/null | sed 's/.*"body":\({[^}]*}\).*/\1/'; }

# 1. A member deleted from the roll without an entry: m198 leaves, and the authority
#    removes m005's credential with m198's (two removals for one departure).
cp b.db t-roll.db
printf '{"council":"city","action":"leave","member":"m198","reason":"Moved away"}' >leave.json
v board append --db t-roll.db --author roll.key --type council.roll --body leave.json
leave=$(last_index t-roll.db)
printf '{"council":"city","roll":[%s],"add":[],"remove":[%s]}' "$leave" \
  "$(sort_b64 "$(x_of m198)" "$(x_of m005)")" >remove.json
v board append --db t-roll.db --author ca.key --type council.credentials --body remove.json
expect_ok "tamper: the authority removes two credentials for one departure (signed, appended)"
silent=$(last_index t-roll.db)
export_copy t-roll.db t-roll
v verify t-roll --council city
expect_rc "  veche verify --council fails" 1
expect_out "  at check 3, naming the entry" "^ *3\. credentials +FAIL  entry $silent: 0 keys added and 2 removed for 0 joins and 1 departures: a credential added or removed without its roll entry$"
expect_out "  and the summary says so" '^council city: FAILED at check 3 \(credentials\)$'
# The same with m005's credential swapped for m198's keeps every count: no verifier
# can see whose credential went (they are anonymous), but the member can.
cp b.db t-swap.db
v board append --db t-swap.db --author roll.key --type council.roll --body leave.json
printf '{"council":"city","roll":[%s],"add":[],"remove":["%s"]}' "$(last_index t-swap.db)" \
  "$(x_of m005)" >swap.json
v board append --db t-swap.db --author ca.key --type council.credentials --body swap.json
v council status --db t-swap.db --council city --member-file members/m005.member
expect_out "tamper: a swapped removal is seen by the member it hits" 'is NOT on the standing list$'

# 2. A forged petition signature, just short of the threshold: not counted.
cp sig39.db t-forge.db
last=$(last_index t-forge.db)
body_of t-forge.db "$last" | sed "s|\"credential\":\"[^\"]*\"|\"credential\":\"$(x_of m150)\"|" >forged.json
v board append --db t-forge.db --type council.signature --body forged.json
expect_ok "tamper: a signature moved to another member's credential (appended)"
forged=$(last_index t-forge.db)
export_copy t-forge.db t-forge sig39.bodies
v verify t-forge --council city
expect_ok "  veche verify --council passes (anyone may append: reported, never fatal)"
expect_out "  check 6 reports it" "^ *6\. petitions +PASS  1 petition \(0 reached their threshold\), 39 signatures counted"
expect_out "  named, not counted" "^    entry $forged, check 6: signature: body\.signature: does not verify for this credential and council: not counted$"
status t-forge.db >st
grep -qE "^  $pet: recall of mandate $chen: 39 of 40 signatures \(200 members at its opening\); not counted: 1 duplicate, 1 invalid$" st &&
  ok "  status: still 39 of 40, the petition has not succeeded" || not_ok "forged status" "$(grep "^  $pet:" st)"
v council due --db t-forge.db --council city
if grep -q 'recall' out; then not_ok "  a recall is due after a forged signature" "$(show)"; else ok "  no recall is due"; fi

# 3. A signer counted twice, just short of the threshold: the copy is not counted.
cp sig39.db t-twice.db
"$VECHE" board get --db t-twice.db "$last" </dev/null >twice.entry
v board append --db t-twice.db --entries twice.entry
expect_ok "tamper: the 39th signature appended again"
twice=$(last_index t-twice.db)
export_copy t-twice.db t-twice sig39.bodies
v verify t-twice --council city
expect_ok "  veche verify --council passes (reported, not counted)"
expect_out "  named as a duplicate" "^    entry $twice, check 6: signature: this credential has already signed the petition at entry $pet: a duplicate, not counted$"
expect_out "  and 39 signatures count, not 40" "^ *6\. petitions +PASS  1 petition \(0 reached their threshold\), 39 signatures counted"

# 4. A publication's body altered after the fact.
cp -r exp t-body
echo "And we never said that." >>"t-body/bodies/$red_hex"
v verify t-body --council city
expect_rc "tamper: an altered body fails" 1
expect_out "  at check 9, naming the publication" "^ *9\. bodies +FAIL  entry $red_pub: publication \"On the budget\": the body is not the one whose hash the record holds and no tombstone excuses it"

# 5. A tombstone without a signature (the export edited): the record itself fails;
#    one signed by a key that is not the administrator's does not excuse a missing body.
cp -r exp t-unsigned
line=$(grep -n '"type":"council.tombstone"' t-unsigned/entries.jsonl | cut -d: -f1)
sed -i -E "${line}{s/\"author\":\"[^\"]*\",//;s/,\"sig\":\"[^\"]*\"//}" t-unsigned/entries.jsonl
v verify t-unsigned --council city
expect_rc "tamper: an unsigned tombstone in the export fails" 1
expect_out "  at check 1 of the record" "^ *1\. record +FAIL  board check 3 \(entries\): entry $((line - 1)): entry: type \"council\.tombstone\" must be signed$"
cp b.db t-tomb.db
printf '{"council":"city","publication":%s,"reason":"We dislike it"}' "$red_pub" >tomb.json
v board append --db t-tomb.db --author other.key --type council.tombstone --body tomb.json
tomb=$(last_index t-tomb.db)
export_copy t-tomb.db t-tomb
rm "t-tomb/bodies/$red_hex"
v verify t-tomb --council city
expect_rc "tamper: a body deleted under a tombstone by another key fails" 1
expect_out "  at check 9, naming the publication" "^ *9\. bodies +FAIL  entry $red_pub: publication \"On the budget\": the body is missing and no tombstone excuses it"
expect_out "  and the tombstone is ignored" "^    entry $tomb, check 9: council\.tombstone not signed by the council's administrator: ignored \(the publication stays\)$"

# 6. The operator (the administrator's key) posts as grouping red and re-registers it.
cp b.db t-imp.db
printf 'Red now supports the operator.\n' >fake.md
printf '{"council":"city","grouping":"red","kind":"statement","title":"Red changes its mind","hash":"%s","length":%s}' \
  "$(sha256sum fake.md | cut -d' ' -f1 | xxd -r -p | base64)" "$(stat -c %s fake.md)" >imp.json
v board append --db t-imp.db --author admin.key --type council.publication --body imp.json
imp=$(last_index t-imp.db)
printf '{"council":"city","grouping":"red","name":"Red list (new)","members":[]}' >impg.json
v board append --db t-imp.db --author admin.key --type council.grouping --body impg.json
impg=$(last_index t-imp.db)
export_copy t-imp.db t-imp
cp fake.md "t-imp/bodies/$(sha256sum fake.md | cut -d' ' -f1)"
v verify t-imp --council city
expect_ok "tamper: veche verify --council passes with the impostor reported"
expect_out "  check 8 reports the publication" "^    entry $imp, check 8: publication \"Red changes its mind\": claims a grouping but is not signed by its key: an impostor: not counted$"
expect_out "  and the registration" "^    entry $impg, check 8: grouping \"red\" registered again by another key than its own \(entry [0-9]+\): an impostor, ignored$"
status t-imp.db >st
grep -qE "^  $imp: statement \"Red changes its mind\" by grouping red \(IMPOSTOR: not signed by the grouping's key; not shown as its\)" st &&
  grep -q '^  red: Red list, key ' st && ok "  status: shown as an impostor; red keeps its name" ||
  not_ok "impostor status" "$(grep -E "^  ($imp|red):" st)"

# 7. A mandate for a candidate who did not win, signed by the administrator.
cp premandate.db t-mandate.db
start=$(date +%s)
for d in Alma Boris Chen Dina Hilde; do
  printf '{"council":"city","election":"%s","delegate":"%s","start":%s,"end":%s}' \
    "$E" "$d" "$start" "$((start + 365 * 86400))" >mandate.json
  v board append --db t-mandate.db --author admin.key --type council.mandate --body mandate.json
done
loser=$(last_index t-mandate.db)
export_copy t-mandate.db t-mandate premandate.bodies
v verify t-mandate --council city
expect_rc "tamper: a mandate for Hilde instead of Erik fails" 1
expect_out "  at check 5, naming the entry" "^ *5\. mandates +FAIL  entry $loser: mandate for \"Hilde\": the delegate did not win: 5 votes, \"Erik\" has 15 and no mandate$"
expect_out "  and the summary says so" '^council city: FAILED at check 5 \(mandates\)$'

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
