#!/usr/bin/env bash
# tests/e2e/serve_crash.sh — kill -9 `veche serve` in the middle of a stream
# of casts; after a restart on the same database, every ballot the server
# acknowledged must be on the record, and the record must verify.
#
# Usage: tests/e2e/serve_crash.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# The casts come from the load generator, bench/load, of the same build
# variant as the binary: BUILD/asan/bench/load beside BUILD/asan/veche (or
# $VECHE_LOAD). It sends real ballots from 20 keep-alive connections at once
# and appends each acknowledged tracking code to a file, flushed before it
# reads the next answer — so the file holds exactly what the server promised
# before it died. (Concurrent connections matter: the server's writer
# appends waiting ballots as one durable batch, and the kill must land
# while batches are in flight.)
#
# Then: the server, restarted on the same database, answers 200 for every
# acknowledged tracking code (GET /api/v1/ballots/CODE) with that code; the
# record holds at least as many ballots as were acknowledged; the restarted
# server takes new ballots; after a SIGTERM (a graceful stop, status 0) the
# record is exported and `veche verify` passes every check.
set -uo pipefail

VECHE=${1:?usage: tests/e2e/serve_crash.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below
LOAD=${VECHE_LOAD:-$(dirname "$VECHE")/bench/load}

SHOW_BYTES=1500
source "$(dirname "$0")/lib/harness.bash"
harness_start veche-serve-crash

VOTERS=300
BALLOTS=600        # every voter votes twice: the stream lasts long enough to be cut
KILL_AFTER=60      # acknowledged ballots before the kill -9
pid=""
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$LOAD" ]; then
  not_ok "the load generator is built" "$LOAD is missing: make $(dirname "$VECHE")/bench/load"
  echo "1 check failed"
  exit 1
fi

# start_server N ARGS...: `veche serve` in the background (output in serveN.out/.log);
# sets pid and url once it says it is listening.
start_server() {
  local n=$1 i
  shift
  "$VECHE" serve --db s.db --listen 127.0.0.1:0 --cast-rate 0 "$@" \
    >"serve$n.out" 2>"serve$n.log" </dev/null &
  pid=$!
  url=""
  for i in $(seq 1 1200); do    # ASan seeding may take a while: up to 120 s
    url=$(sed -n 's|^veche serve: listening on \(http://[^/]*\)/$|\1|p' "serve$n.out")
    [ -n "$url" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  not_ok "server $n starts" "stdout: $(tail -c 600 "serve$n.out")" "stderr: $(tail -c 600 "serve$n.log")"
  return 1
}

acked_count() { if [ -f acked ]; then wc -l <acked; else echo 0; fi; }

# ---- a demo election and a stream of casts, cut by kill -9 ------------------------------

start_server 1 --demo --voters "$VOTERS" || exit 1
ok "veche serve --demo --voters $VOTERS listens on $url"
[ -s s.db.demo/credentials.csv ] && ok "the demo wrote its voters' codes" ||
  not_ok "the demo wrote its voters' codes" "no s.db.demo/credentials.csv"

"$LOAD" --url "$url" --db s.db --ballots "$BALLOTS" --connections 20 --acked acked \
  --patience 3 >load1.out 2>&1 &
load_pid=$!
for i in $(seq 1 1200); do
  [ "$(acked_count)" -ge "$KILL_AFTER" ] && break
  kill -0 "$load_pid" 2>/dev/null || break
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=""
at_kill=$(acked_count)
wait "$load_pid"
load_rc=$?
load_pid=""
acked_n=$(acked_count)
if [ "$acked_n" -ge "$KILL_AFTER" ] && [ "$acked_n" -lt "$BALLOTS" ]; then
  ok "kill -9 mid-stream: $acked_n of $BALLOTS ballots acknowledged ($at_kill when the kill was sent)"
else
  not_ok "kill -9 mid-stream" "acknowledged: $acked_n of $BALLOTS; load exit $load_rc" \
    "$(tail -c 1200 load1.out)"
fi
if [ "$load_rc" -eq 1 ] && grep -q "connection failures" load1.out &&
   ! grep -q "WRONG\|BROKEN" load1.out; then
  ok "the load generator saw the connections drop, and no wrong answer before"
else
  not_ok "the load generator saw the connections drop" "exit $load_rc" "$(tail -c 1200 load1.out)"
fi

# ---- restart: every acknowledged ballot is on the record ----------------------------------

start_server 2 || exit 1
ok "veche serve restarts on the same database"
missing=0
while read -r code; do
  esc=$(printf '%s' "$code" | sed 's|+|%2B|g; s|/|%2F|g; s|=|%3D|g')
  status=$(curl -s -o answer -w '%{http_code}' "$url/api/v1/ballots/$esc")
  if [ "$status" != 200 ] || ! grep -qF "\"tracking_code\":\"$code\"" answer; then
    missing=$((missing + 1))
    [ "$missing" -le 3 ] && echo "    $code: status $status: $(head -c 300 answer)"
  fi
done <acked
if [ "$missing" -eq 0 ]; then
  ok "all $acked_n acknowledged ballots are on the record after the crash"
else
  not_ok "every acknowledged ballot is on the record" "$missing of $acked_n missing"
fi

curl -s -o elections "$url/api/v1/elections"
id=$(sed -n 's/.*"id":"\([a-z0-9-]*\)".*/\1/p' elections | head -n 1)
on_record=$(sed -n 's/.*"ballots":\([0-9]*\).*/\1/p' elections | head -n 1)
if [ -n "$on_record" ] && [ "$on_record" -ge "$acked_n" ] && [ "$on_record" -le "$BALLOTS" ]; then
  ok "the record holds $on_record ballots: at least the $acked_n acknowledged"
else
  not_ok "the ballot count is between the acknowledged and the sent" \
    "acknowledged $acked_n, sent at most $BALLOTS, on record '${on_record}'" "$(head -c 600 elections)"
fi

"$LOAD" --url "$url" --db s.db --ballots 40 --connections 4 >load2.out 2>&1
if [ $? -eq 0 ] && grep -q "acknowledged: 40 " load2.out; then
  ok "the restarted server takes 40 more ballots"
else
  not_ok "the restarted server takes more ballots" "$(tail -c 1200 load2.out)"
fi

# A checkpoint over everything, made by the server, so the export covers it.
curl -s -o checkpoint "$url/api/v1/record/checkpoint"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
if [ "$rc" -eq 0 ]; then ok "SIGTERM stops the server gracefully"; else
  not_ok "SIGTERM stops the server gracefully" "exit status $rc" "$(tail -c 600 serve2.log)"; fi

# ---- the record verifies ----------------------------------------------------------------------

v board export --db s.db exp
expect_ok "the record is exported"
v verify exp --election "$id"
expect_ok "veche verify passes on the record after the crash"
if ! grep -q FAIL out && grep -q PASS out; then ok "  no check FAILs"; else not_ok "  no check FAILs" "$(show)"; fi

if [ "$failures" -eq 0 ]; then echo "all checks passed"; else echo "$failures check(s) failed"; fi
[ "$failures" -eq 0 ]
