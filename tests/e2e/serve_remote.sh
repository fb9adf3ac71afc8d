#!/usr/bin/env bash
# tests/e2e/serve_remote.sh — a whole election at a running `veche serve`,
# the trustees and voters working from their own machines with --server.
#
# Usage: tests/e2e/serve_remote.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# The administrator works through the HTTP API (curl, a bearer token): an
# election with three trustees, two of whom suffice; a roll of four voters.
# The trustees run their ceremony and decrypt with `veche trustee ...
# --server`, each with its own secret state file and mirror of the record;
# voters cast with `veche vote --server`, one votes again, one ballot is
# sent twice (the same bytes: counted once, the same index), one is audited
# and never sent, and one ballot's answer is lost on the way back (a proxy
# drops it): the command sends the same bytes again and the server answers
# with the first one's index. `veche verify --server` then checks the record
# and the published result matches the votes. Finally the mirrors refuse
# what a false server shows: entries changed on the way (a proxy), another
# board at the same URL (another key), and a copy of this board taken after
# the close — first as it was (gone back in time), then grown differently
# (same key, history rewritten: the consistency proof fails).
set -uo pipefail

VECHE=${1:?usage: tests/e2e/serve_remote.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below

source "$(dirname "$0")/lib/harness.bash"
harness_start veche-serve-remote

# ---- the server --------------------------------------------------------------------

server_pid=""
proxy_pid=""
stop_server() {   # SIGTERM, and wait for the graceful shutdown; its status in server_rc
  server_rc=""
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_rc=$?
    server_pid=""
  fi
}
stop_proxy() {
  if [ -n "$proxy_pid" ]; then
    kill -TERM "$proxy_pid" 2>/dev/null
    wait "$proxy_pid" 2>/dev/null
    proxy_pid=""
  fi
}
trap 'stop_proxy; stop_server; rm -rf "$tmp"' EXIT

# start_proxy UPSTREAM MODE: a proxy to UPSTREAM that passes every request on,
# but with MODE drop-ballot drops the answer to the first ballot (the server
# has it; the voter does not know), with MODE tamper changes the last entry
# of every page of the record: sets proxy_url.
start_proxy() {
  cat >proxy.py <<'PY'
import http.server, sys, urllib.request, urllib.error
upstream, portfile, mode = sys.argv[1], sys.argv[2], sys.argv[3]
dropped = False
class P(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def relay(self, body):
        global dropped
        req = urllib.request.Request(upstream + self.path, data=body, method=self.command)
        for h in ("Content-Type", "Authorization"):
            if self.headers.get(h): req.add_header(h, self.headers[h])
        try:
            r = urllib.request.urlopen(req); status, data, ctype = r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            status, data, ctype = e.code, e.read(), e.headers.get("Content-Type")
        if mode == "tamper" and self.path.startswith("/api/v1/record/entries?"):
            lines = data.split(b"\n")
            last = len(lines) - 1 if lines[-1] else len(lines) - 2
            lines[last] = lines[last][:-1] + b" }"
            data = b"\n".join(lines)
        if mode == "drop-ballot" and self.path.endswith("/ballots") and not dropped:
            dropped = True
            return                      # no answer at all: the connection just closes
        self.send_response(status)
        self.send_header("Content-Type", ctype or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self): self.relay(None)
    def do_POST(self): self.relay(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
s = http.server.HTTPServer(("127.0.0.1", 0), P)
open(portfile, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
  rm -f proxy.port
  python3 proxy.py "$1" proxy.port "$2" 2>proxy.err &
  proxy_pid=$!
  for _ in $(seq 1 50); do [ -s proxy.port ] && break; sleep 0.1; done
  proxy_url=http://127.0.0.1:$(cat proxy.port 2>/dev/null)
}

# start_server DB [LISTEN]: starts veche serve in the background; sets port,
# url, server_pid, and printed_pw (the password a database's first run prints).
start_server() {
  local log=$1.log
  "$VECHE" serve --db "$1" --listen "${2:-127.0.0.1:0}" >"$log" 2>"$log.err" </dev/null &
  server_pid=$!
  for _ in $(seq 1 150); do
    grep -q 'listening on http://' "$log" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  port=$(sed -n 's|^veche serve: listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$log")
  printed_pw=$(sed -n 's|^veche serve: administrator password: \(.*\)$|\1|p' "$log")
  url=http://127.0.0.1:$port
  if [ -n "$port" ]; then ok "veche serve $1 listens on $url";
  else not_ok "veche serve $1 did not start" "$(cat "$log" "$log.err")"; exit 1; fi
}

# api METHOD PATH [BODY [CONTENT-TYPE]]: the answer in api.json, the status in $code.
api() {
  local args=(-sS -o api.json -w '%{http_code}' -X "$1" -H "Authorization: Bearer ${token:-}")
  [ $# -ge 3 ] && args+=(-H "Content-Type: ${4:-application/json}" --data-binary "$3")
  code=$(curl "${args[@]}" "$url$2")
}
# j EXPR [FILE]: a value of the JSON in FILE (default: standard input), as compact
# JSON or a bare string; EXPR is Python on the document d, e.g. 'd["codes"][0]["code"]'.
j() {
  python3 -c 'import json, sys
v = eval(sys.argv[1], {"d": json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$@"
}
expect_code() {   # NAME CODE...: the last api call answered one of CODEs
  local c
  for c in "${@:2}"; do [ "$code" = "$c" ] && { ok "$1"; return; }; done
  not_ok "$1" "HTTP $code: $(head -c 600 api.json)"
}

login() {   # sessions do not outlive a restart
  api POST /api/v1/login "{\"password\":\"$admin_pw\"}"
  expect_code "the administrator logs in" 200
  token=$(j 'd["token"]' api.json)
}

start_server srv.db
admin_pw=$printed_pw
[ -n "$admin_pw" ] && ok "the first run prints the administrator password" \
  || not_ok "no administrator password printed"
login

# ---- the election ------------------------------------------------------------------

for k in t1 t2 t3; do
  "$VECHE" keygen --name "$k" --out "$k.key" >/dev/null </dev/null || not_ok "keygen $k"
done
now=$(date +%s)
cat >m.json <<EOF
{"election":"assembly","title":"General assembly","organisation":"Branch 9",
 "opens":$((now - 3600)),"closes":$((now + 86400)),
 "trustees":[{"name":"Ana","key":"$(pub t1.key)"},{"name":"Ben","key":"$(pub t2.key)"},
             {"name":"Cleo","key":"$(pub t3.key)"}],
 "threshold":2,
 "contests":[{"id":"strike","question":"Do we strike?","options":["yes","no"],
              "min":1,"max":1,"blank":true}]}
EOF
api POST /api/v1/elections "$(cat m.json)"
expect_code "the administrator creates a 2-of-3 election" 201
api POST /api/v1/elections/assembly/key '{}'
expect_code "the key before the ceremony is refused" 409

# ---- the trustees' ceremony, each from its own machine ------------------------------------

# t VERB I [ARGS...]: trustee I's step against the server, with its own files.
t() { local verb=$1 i=$2; shift 2; v trustee "$verb" --server "$url" --state "t$i.state" --key "t$i.key" "$@"; }

for i in 1 2 3; do
  t init "$i" --election assembly
  expect_ok "trustee $i: init --server sends trustee.key"
done
expect_out "... and reports its index" 'trustee.key appended: entry [0-9]+'
if [ -s t1.state.mirror.db ]; then ok "the mirror is kept beside the state file"; else not_ok "no t1.state.mirror.db"; fi
t init 1 --election assembly
expect_out "init again: nothing sent twice" 'already on the record'
t reveal 1
expect_fail "reveal before every commit is refused" 'not every trustee has committed'
for i in 1 2 3; do t commit "$i"; expect_ok "trustee $i: commit --server"; done
for i in 1 2 3; do t reveal "$i"; expect_ok "trustee $i: reveal --server"; done
expect_out "... two entries, their indexes" 'trustee.commitments and trustee.shares appended: entries [0-9]+, [0-9]+'
for i in 1 2 3; do t check "$i"; expect_ok "trustee $i: check --server"; done
expect_out "... x_i computed and checked" 'x_3 computed'
v trustee status --server "$url" --election assembly --cache status.mirror.db
expect_out "trustee status --server: all three qualified" 'qualified: \[1, 2, 3\]'

# ---- credentials, key, open ------------------------------------------------------------------

printf 'name,weight\nAlma,1\nBruno,1\nCarla,1\nDmitri,1\n' >roll.csv
api POST /api/v1/elections/assembly/credentials "$(cat roll.csv)" text/csv
expect_code "credentials for a roll of four" 201
for n in 0 1 2 3; do j "d['codes'][$n]['code']" api.json >"code$n"; done
api POST /api/v1/elections/assembly/key '{}'
expect_code "the joint key is published" 201
api POST /api/v1/elections/assembly/open '{}'
expect_code "the election opens" 201

# ---- voting ---------------------------------------------------------------------------------

vote() {   # N CHOICES [ARGS...]: voter N votes with its own mirror
  local n=$1 ch=$2; shift 2
  v vote --server "$url" --election assembly --credential "@code$n" --choices "$ch" \
    --cache "voter$n.mirror.db" "$@"
}
vote 0 strike:yes --receipt r0.txt
expect_ok "voter 0 casts a ballot"
expect_out "... and gets a tracking code" 'tracking code: [A-Za-z0-9+/]{43}='
expect_out "... and a receipt checked with the board key" 'receipt checked with the board key'
vkey=$(curl -sS "$url/api/v1/info" | j 'd["vkey"]')
v board check-receipt r0.txt --key "$vkey"
expect_ok "the receipt checks offline (veche board check-receipt)"

vote 1 strike:no --ballot-out b1.json
expect_ok "voter 1 casts a ballot, keeping its bytes"
first=$(sed -n 's/.*: entry \([0-9]*\)$/\1/p' out)
v vote --server "$url" --election assembly --resend b1.json --cache voter1.mirror.db
expect_ok "voter 1 sends the same ballot again (--resend)"
expect_out "... the server knows it: the same index, counted once" \
  "entry $first \\(it was already on the record"
api POST /api/v1/elections/assembly/ballots "$(cat b1.json)"
expect_code "the same bytes by curl: 200, not 201" 200
[ "$(j 'd["index"]' api.json)" = "$first" ] && ok "... with the same index" \
  || not_ok "same bytes, another index" "$(cat api.json)"

vote 2 strike:yes
expect_ok "voter 2 votes yes"
vote 2 strike:no
expect_ok "voter 2 votes again: no"
expect_out "... which supersedes the first" 'supersedes your earlier ballot at entry'

size=$(curl -sS "$url/api/v1/info" | j 'd["size"]')
vote 3 strike:yes --audit --out audit3.json
expect_ok "voter 3 audits a ballot (--audit --server)"
[ "$(curl -sS "$url/api/v1/info" | j 'd["size"]')" = "$size" ] && ok "... and nothing was sent" \
  || not_ok "an audited ballot reached the server"
v audit audit3.json --db voter3.mirror.db --election assembly
expect_out "... the audit checks with the mirror" 'audit OK'
start_proxy "$url" drop-ballot
v vote --server "$proxy_url" --election assembly --credential @code3 --choices strike:blank \
  --cache voter3.mirror.db
expect_ok "voter 3 votes blank, though the first answer is lost on the way"
grep -q 'sending the same ballot again' err && ok "... the command sent the same ballot again" \
  || not_ok "no retry seen" "$(show)"
expect_out "... and the server knew it: counted once" 'it was already on the record'
stop_proxy
api GET /api/v1/elections/assembly/ballots
n=$(j 'len(d["ballots"])' api.json)
[ "$n" = 5 ] && ok "five ballots on the record (voter 2 twice; no repeat counted)" \
  || not_ok "$n ballots on the record, 5 expected" "$(head -c 600 api.json)"

api POST /api/v1/elections/assembly/close '{}'
expect_code "the election closes" 201
vote 0 strike:no
expect_fail "a vote after the close is refused" 'closed'

# ---- a snapshot for the fork below: the board as it is now, copied while stopped -----------------

stop_server
cp -r srv.db.keys fork.db.keys
for f in srv.db srv.db-wal srv.db-shm; do [ -e "$f" ] && cp "$f" "fork${f#srv}"; done
start_server srv.db "127.0.0.1:$port"
login

# ---- tally, decryption, result --------------------------------------------------------------------

api POST /api/v1/elections/assembly/tally '{}'
expect_code "the administrator tallies" 201
api POST /api/v1/elections/assembly/result '{}'
expect_code "the result before any decryption is refused" 409
for i in 1 3; do t decrypt "$i"; expect_ok "trustee $i decrypts with --server"; done
expect_out "... after recomputing the tally from the ballots" 'recomputed from the ballots and equal'
api POST /api/v1/elections/assembly/result '{}'
expect_code "the result is published" 201
counts=$(j 'd["result"]["counts"]' api.json)
# yes: voter 0; no: voter 1 (once) and voter 2's second ballot; blank: voter 3
if [ "$counts" = "[[1,2,1]]" ]; then ok "the result matches the votes: yes 1, no 2, blank 1";
else not_ok "the result does not match the votes" "counts $counts, expected [[1,2,1]]"; fi

v verify --server "$url" --election assembly --cache verifier.mirror.db
expect_ok "veche verify --server passes"
expect_out "... every check" 'election assembly: verified: all [0-9]+ checks pass'
v verify --server "$url" --election assembly --cache verifier.mirror.db --key "$vkey"
expect_ok "... and again, incrementally, with the board key given"

start_proxy "$url" tamper
v verify --server "$proxy_url" --cache tampered.mirror.db
expect_fail "entries that are not the signed tree are refused" \
  'entries hash to root .*, the signed checkpoint says'
v board list --db tampered.mirror.db
expect_fail "... and none of them is kept in the mirror" 'holds no board'
stop_proxy

# ---- false servers at the same URL ----------------------------------------------------------------

stop_server
start_server other.db "127.0.0.1:$port"
v verify --server "$url" --cache verifier.mirror.db
expect_fail "another board at the same URL is refused (its key)" 'board key'
t status 2
expect_fail "... by a trustee's mirror too" 'board key'
stop_server

# The copy made after the close goes on differently: elections no one asked for,
# until it is larger than the true board; same key, history rewritten.
start_server fork.db "127.0.0.1:$port"
v verify --server "$url" --cache verifier.mirror.db
expect_fail "a server that went back to an earlier state is refused" 'older than the mirror'
login
for n in $(seq 1 12); do
  sed "s/\"assembly\"/\"forged-$n\"/" m.json >mf.json
  api POST /api/v1/elections "$(cat mf.json)"
done
expect_code "the fork grows" 201
v verify --server "$url" --cache verifier.mirror.db
expect_fail "a server that rewrote its history is refused" 'rewrote its history'
grep -q 'checkpoint verified before' err && grep -q 'checkpoint the server signs now' err \
  && ok "... showing both checkpoints" || not_ok "the evidence is not shown" "$(show)"
t status 1
expect_fail "... by the mirror of a trustee who decrypted on the true board" 'rewrote its history'
v verify --server "$url" --cache fresh.mirror.db --election assembly
expect_ok "a new mirror (another --cache) takes the fork as it is: trust on first use"
expect_out "... where the election has no result" 'election assembly: valid so far'
stop_server
[ "$server_rc" = 0 ] && ok "veche serve stops cleanly on SIGTERM" \
  || not_ok "veche serve exited with status $server_rc on SIGTERM" "$(tail -5 fork.db.log.err)"

echo "# serve_remote: $failures failure(s)"
[ "$failures" -eq 0 ]
