#!/usr/bin/env bash
# tests/e2e/council_bodies.sh — council publication bodies travel beside the
# record: from a running server to a verifier, and into an export.
#
# Usage: tests/e2e/council_bodies.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# Bodies are not on the record (SPEC §5.7): the server keeps them in
# DB.bodies/<hex of SHA-256>, an export in bodies/. `veche serve --demo`
# seeds the council "demo-council" whose groupings publish; then
#   - `veche verify --server URL --council demo-council` fetches the bodies
#     beside its mirror and runs check 9 (PASS, not SKIP); a body the server
#     no longer has, with no tombstone, is a check 9 FAIL naming the
#     publication, and is not invented in the mirror's bodies; a body
#     tombstoned through the API is gone (410), check 9 passes without it
#     and the mirror drops its copy;
#   - after the server stops, `veche board export` copies DB.bodies into
#     the export, `veche verify DIR --council` passes check 9 and the board's
#     own checks are untouched by the extra directory; an altered body in the
#     export fails check 9 naming the publication; a corrupt body in
#     DB.bodies makes the export refuse, naming the file, writing nothing.
set -uo pipefail

VECHE=${1:?usage: tests/e2e/council_bodies.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below

source "$(dirname "$0")/lib/harness.bash"
harness_start veche-council-bodies

server_pid=""
stop_server() {   # SIGTERM, and wait for the graceful shutdown; its status in server_rc
  server_rc=""
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_rc=$?
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

# ---- a demonstration server -----------------------------------------------------------------

"$VECHE" serve --demo --db d.db --listen 127.0.0.1:0 >serve.log 2>serve.err </dev/null &
server_pid=$!
for _ in $(seq 1 300); do
  grep -q 'listening on http://' serve.log && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
port=$(sed -n 's|^veche serve: listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' serve.log)
url=http://127.0.0.1:$port
if [ -n "$port" ]; then ok "veche serve --demo listens on $url";
else not_ok "veche serve --demo did not start" "$(cat serve.log serve.err)"; exit 1; fi
if grep -q '^veche serve: demonstration council "demo-council"' serve.log; then
  ok "  it seeds the council demo-council"
else not_ok "  no demonstration council" "$(cat serve.log)"; fi

# The bodies the server keeps, named by their SHA-256 (each checked here independently).
bodies=$(ls d.db.bodies 2>/dev/null | grep -E '^[0-9a-f]{64}$')
nbodies=$(echo "$bodies" | grep -c .)
if [ "$nbodies" -ge 2 ]; then ok "  the server keeps $nbodies bodies in d.db.bodies"
else not_ok "  the server keeps fewer than 2 bodies" "$(ls -la d.db.bodies 2>&1)"; fi
for h in $bodies; do
  [ "$(sha256sum <"d.db.bodies/$h" | cut -d' ' -f1)" = "$h" ] ||
    not_ok "  d.db.bodies/$h is not named by its SHA-256"
done
# pub_of HEX: "INDEX TITLE" of the publication whose entry holds this body's hash (base64).
pub_of() {
  local b64 i
  b64=$(echo "$1" | xxd -r -p | base64)
  for i in $("$VECHE" board list --db d.db </dev/null | awk -F'\t' '$2 == "council.publication" {print $1}'); do
    "$VECHE" board get --db d.db "$i" </dev/null | grep -F "\"hash\":\"$b64\"" |
      sed -n "s/.*\"title\":\"\([^\"]*\)\".*/$i \1/p"
  done | head -1
}
first=$(echo "$bodies" | sed -n 1p)
second=$(echo "$bodies" | sed -n 2p)
first_title=$(pub_of "$first" | cut -d' ' -f2-)
second_index=$(pub_of "$second" | cut -d' ' -f1)
if [ -n "$first_title" ]; then ok "  body $first belongs to publication \"$first_title\""
else not_ok "  no publication on the record names body $first"; fi

# ---- veche verify --server: the bodies fetched beside the mirror ----------------------------

v verify --server "$url" --council demo-council --cache m.db
expect_ok "veche verify --server --council demo-council passes"
expect_out "  check 9 runs on the fetched bodies and passes" \
  "^ *9\. bodies +PASS  $nbodies bodies present and matching their hash"
expect_out "  the bodies directory is beside the mirror" '^council demo-council, bodies in m\.db\.bodies$'
expect_out "  every body fetched" "^publication bodies in m\.db\.bodies: $nbodies fetched"
same=1
for h in $bodies; do cmp -s "d.db.bodies/$h" "m.db.bodies/$h" || same=0; done
[ "$same" = 1 ] && ok "  m.db.bodies holds the server's very bodies" ||
  not_ok "  m.db.bodies differs" "$(ls -la m.db.bodies)"

v verify --server "$url" --council demo-council --cache m.db
expect_ok "  a second run passes"
expect_out "  without fetching again" "^publication bodies in m\.db\.bodies: 0 fetched .*, $nbodies already there"

v verify --server "$url" --election demo --cache m.db
expect_ok "veche verify --server --election fetches no bodies"
if grep -q "publication bodies" out; then not_ok "  it fetched bodies" "$(show)"; else ok "  none fetched"; fi

# A body the server has lost (no tombstone): not given (404), kept missing, check 9 fails.
mv "d.db.bodies/$first" lost.md
rm -f "m.db.bodies/$first"
v verify --server "$url" --council demo-council --cache m.db
if [ "$rc" -eq 1 ]; then ok "a body the server lost: veche verify --server fails"
else not_ok "a body the server lost: veche verify --server does not fail" "$(show)"; fi
expect_out "  check 9 FAILs naming the publication" \
  "^ *9\. bodies +FAIL  entry [0-9]+: publication \"$first_title\": the body is missing and no tombstone excuses it"
expect_out "  the summary" '^council demo-council: FAILED at check 9 \(bodies\)$'
if grep -q "HTTP 404" err; then ok "  it says the server would not give it (404)"
else not_ok "  no word of the 404" "$(show)"; fi
[ ! -e "m.db.bodies/$first" ] && ok "  and no body was invented in m.db.bodies" ||
  not_ok "  m.db.bodies/$first exists"
mv lost.md "d.db.bodies/$first"

# A tombstone (by the administrator, through the API): the server deletes the body and
# answers 410; check 9 passes with it missing, and the mirror's copy is dropped too.
pw=$(sed -n 's|^veche serve: administrator password: \(.*\)$|\1|p' serve.log)
curl -sS -o login.json -H 'Content-Type: application/json' --data-binary "{\"password\":\"$pw\"}" \
  "$url/api/v1/login" >/dev/null
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' login.json)
code=$(curl -sS -o tomb.json -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  --data-binary "{\"publication\":$second_index,\"reason\":\"Personal data\"}" \
  "$url/api/v1/councils/demo-council/tombstones")
if [ "$code" = 201 ]; then ok "publication $second_index is tombstoned through the API"
else not_ok "the tombstone was refused: HTTP $code" "$(cat tomb.json login.json)"; fi
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/api/v1/bodies/$second")
[ "$code" = 410 ] && ok "  its body is gone (410)" || not_ok "  GET its body: HTTP $code, not 410"
live=$((nbodies - 1))
v verify --server "$url" --council demo-council --cache m.db
expect_ok "veche verify --server passes with the tombstoned body missing"
expect_out "  check 9 PASS, the tombstone counted" \
  "^ *9\. bodies +PASS  $live bod(y|ies) present and matching (its|their) hash; 1 tombstoned by the administrator"
[ ! -e "m.db.bodies/$second" ] && ok "  the tombstoned body is dropped from m.db.bodies" ||
  not_ok "  m.db.bodies still holds the tombstoned body"

stop_server
if [ "$server_rc" = 0 ]; then ok "the server stops on SIGTERM"
else not_ok "the server's exit status on SIGTERM: $server_rc" "$(tail -5 serve.err)"; fi

# ---- veche board export: the bodies copied beside the record --------------------------------------

v board export --db d.db exp
expect_ok "veche board export passes"
expect_out "  and copies the bodies kept" "^exported $live publication bod(y|ies) from d\.db\.bodies to exp/bodies$"
same=1
for h in $(ls d.db.bodies | grep -E '^[0-9a-f]{64}$'); do cmp -s "d.db.bodies/$h" "exp/bodies/$h" || same=0; done
[ ! -e "exp/bodies/$second" ] || same=0
[ "$same" = 1 ] && ok "  exp/bodies holds every body" || not_ok "  exp/bodies differs" "$(ls -la exp/bodies)"

v board verify exp
expect_ok "veche board verify: the bodies directory does not disturb the record's checks"
if [ "$(grep -c PASS out)" -eq 7 ]; then ok "  all 7 checks pass"; else not_ok "  not 7 PASS" "$(show)"; fi

v verify exp --council demo-council
expect_ok "veche verify EXPORT --council demo-council passes"
expect_out "  check 9 PASS from exp/bodies" \
  "^ *9\. bodies +PASS  $live bod(y|ies) present and matching (its|their) hash; 1 tombstoned"
v verify exp
expect_ok "veche verify EXPORT (every election and council) passes"
expect_out "  the council among them" '^council demo-council: verified: all 10 checks pass'

# An altered body in the export: check 9 fails, naming the publication.
cp -r exp exp-altered
printf 'One more line, added later.\n' >>"exp-altered/bodies/$first"
v verify exp-altered --council demo-council
if [ "$rc" -eq 1 ]; then ok "an altered body in the export: veche verify fails"
else not_ok "an altered body in the export: veche verify does not fail" "$(show)"; fi
expect_out "  check 9 FAILs naming the publication" \
  "^ *9\. bodies +FAIL  entry [0-9]+: publication \"$first_title\": the body is not the one whose hash the record holds"

# A body missing from the export: the same.
cp -r exp exp-missing
rm "exp-missing/bodies/$first"
v verify exp-missing --council demo-council
expect_out "a missing body in the export: check 9 FAILs" \
  "^ *9\. bodies +FAIL  entry [0-9]+: publication \"$first_title\": the body is missing"

# A corrupt body beside the database: the export refuses, naming it, and writes nothing.
cp "d.db.bodies/$first" good.md
printf 'tampered' >>"d.db.bodies/$first"
v board export --db d.db exp-corrupt
expect_fail "a corrupt body in d.db.bodies: the export refuses" \
  "d\.db\.bodies/$first: a corrupt body \(its SHA-256 is not its name"
[ ! -e exp-corrupt ] && ok "  and writes nothing" || not_ok "  exp-corrupt was written" "$(ls -R exp-corrupt)"
cp good.md "d.db.bodies/$first"

# --bodies names another directory; files that are not bodies are left out.
mkdir other
cp "d.db.bodies/$first" other/
echo "not a body" >other/README
v board export --db d.db --bodies other exp-other
expect_ok "veche board export --bodies DIR"
expect_out "  one body from it" '^exported 1 publication body from other to exp-other/bodies$'
[ ! -e exp-other/bodies/README ] && ok "  a file not named by a hash is not copied" ||
  not_ok "  README copied"
v board export --db d.db --bodies nowhere exp-nowhere
expect_fail "  --bodies of a directory that does not exist is refused" "bodies nowhere: not a directory"

# Exporting again into the same directory after a body went (a tombstone lets it go): it goes.
v board export --db d.db --bodies other exp
expect_ok "exporting again into exp with fewer bodies"
if [ "$(ls exp/bodies | grep -c .)" -eq 1 ]; then ok "  the body no longer kept is removed from exp/bodies"
else not_ok "  exp/bodies keeps a body the source no longer has" "$(ls exp/bodies)"; fi

echo "council_bodies: $failures failure(s)"
[ "$failures" -eq 0 ]
