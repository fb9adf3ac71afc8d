#!/usr/bin/env bash
# tests/e2e/board.sh — the public record end to end through the veche binary.
#
# Usage: tests/e2e/board.sh path/to/veche   (tests/run.sh passes the ASan build)
#
# A board is created, statements by two authors appended, checkpoints made,
# receipts issued and checked offline, the record exported, verified and
# imported into a mirror; a witness cosigns and refuses a fork; bad input is
# refused with a message and leaves the record unchanged; and a stream of
# appends killed with SIGKILL loses no acknowledged entry. Where
# ../shared/tools/tlogcheck.py exists, the board's checkpoints, cosignatures
# and receipts are also checked by that independent implementation.
set -uo pipefail

VECHE=${1:?usage: tests/e2e/board.sh path/to/veche}
VECHE=$(cd "$(dirname "$VECHE")" && pwd)/$(basename "$VECHE")   # we cd below
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TLOGCHECK="$ROOT/../shared/tools/tlogcheck.py"

source "$(dirname "$0")/lib/harness.bash"
harness_start veche-board

# ---- a board with statements -------------------------------------------------

v board init --db b.db --key board.key --origin example.org/branch-7
expect_ok "init creates a board and its key"
v board vkey --db b.db; VK=$(cat out)
v keygen --name alice --out alice.key; expect_ok "keygen makes an author key"
v keygen --name bob --out bob.key
printf '{"title":"Minutes","text":"The branch met on Tuesday.\\nAll present."}' >s1.json
printf '{"text":"A reply from Bob."}' >s2.json
v board append --db b.db --author alice.key --type statement --body s1.json
expect_ok "a signed statement is appended"
v board append --db b.db --author bob.key --type statement --body s2.json
v board get --db b.db 1
if grep -q '"type":"statement"' out && grep -q '"author":' out; then ok "get returns the canonical entry"; else not_ok "get" "$(show)"; fi

# ---- bad input is refused and changes nothing ----------------------------------

before=$(size_of b.db)
v board append --db b.db --type statement --body s1.json
expect_fail "an unsigned statement is refused" "must be signed"
printf '{"text":"x","colour":"red"}' >bad1.json
v board append --db b.db --author alice.key --type statement --body bad1.json
expect_fail "an unknown body member is refused, naming it" 'unknown member "colour"'
v board append --db b.db --author alice.key --type no.such-type --body s1.json
expect_fail "an unknown type is refused" 'unknown type'
v board append --db b.db --author alice.key --type statement --body /dev/null
expect_fail "a body that is not JSON is refused" 'not a JSON object'
# a tampered signature, a non-canonical entry, an oversized entry, as raw lines
"$VECHE" board get --db b.db 1 >good.line
sed 's/"text":"The/"text":"THE/' good.line >tampered.line
v board append --db b.db --entries tampered.line
expect_fail "a tampered entry's signature fails" 'signature does not verify'
sed 's/{"author"/{ "author"/' good.line >spaced.line
v board append --db b.db --entries spaced.line
expect_fail "a non-canonical entry is refused with the byte offset" 'not in canonical form \(first difference at byte'
python3 - <<'EOF' >big.line
import json
print(json.dumps({"v":1,"type":"statement","body":{"text":"x"*1100000}},separators=(",",":"),sort_keys=True))
EOF
v board append --db b.db --entries big.line
expect_fail "an entry over the 1 MiB limit is refused" 'the limit is 1048576'
cat good.line tampered.line >batch.lines
v board append --db b.db --entries batch.lines
expect_fail "a batch with one bad entry is refused whole, naming it" 'entry 2 of the batch'
after=$(size_of b.db)
if [ "$before" = "$after" ]; then ok "refusals left the record unchanged ($after entries)"; else not_ok "record changed" "$before -> $after"; fi

# ---- checkpoints, proofs, receipts -----------------------------------------------

v board checkpoint --db b.db --key board.key; cp out cp1
expect_ok "a checkpoint is signed"
v board receipt --db b.db 1 --out r1; expect_ok "a receipt is issued"
v board check-receipt r1 --key "$VK"; expect_ok "the receipt checks offline"
v board receipt --db b.db 9
expect_fail "a receipt for an entry not yet checkpointed is refused" 'not covered|no entry'
sed 's/^index 1$/index 2/' r1 >r1.idx; v board check-receipt r1.idx --key "$VK"
expect_fail "a receipt with a changed index fails" 'not included|malformed'
v keygen --name example.org/branch-7 --out other.key
OTHER=$("$VECHE" board init --db other.db --key other.key </dev/null | sed -n 's/^verifier key: //p')
v board check-receipt r1 --key "$OTHER"
expect_fail "a receipt checked against another board's key fails" 'signature'
v board proof --db b.db --index 1
if head -1 out | grep -q '^index 1$' && sed -n 2p out | grep -q '^size 3$'; then ok "inclusion proof printed"; else not_ok "proof" "$(show)"; fi

# ---- export, verify, import -------------------------------------------------------

v board export --db b.db exp; expect_ok "export"
v board verify exp --key "$VK"
if [ "$rc" -eq 0 ] && [ "$(grep -c PASS out)" -eq 7 ]; then ok "the export verifies, all 7 checks"; else not_ok "verify" "$(show)"; fi
cp -r exp exp-bad
sed -i '2s/Tuesday/Monday/' exp-bad/entries.jsonl
v board verify exp-bad --key "$VK"
if [ "$rc" -ne 0 ] && grep -q '^3. entries       FAIL  entry 1:' out; then ok "an altered entry is named by the verifier"; else not_ok "altered entry" "$(show)"; fi
cp -r exp exp-drop
sed -i '2d' exp-drop/entries.jsonl
v board verify exp-drop --key "$VK"
if [ "$rc" -ne 0 ] && grep -q 'FAIL' out; then ok "a dropped entry is detected"; else not_ok "dropped entry" "$(show)"; fi
v board import --db mirror.db exp; expect_ok "import into a mirror"
v board receipt --db mirror.db 2 --out r2m
v board check-receipt r2m --key "$VK"; expect_ok "the mirror issues receipts that check"

# ---- witnesses ----------------------------------------------------------------------

v witness init --key w1.key --name witness-1; WK=$(cat out)
"$VECHE" board witness-request --db b.db --old 0 >req0 </dev/null
v witness cosign --key w1.key --state wstate --log-key "$VK" req0; cp out cosigned1
expect_ok "the witness cosigns the first checkpoint"
v board add-cosignatures --db b.db cosigned1 --witness "$WK"
expect_ok "the board stores the cosignature"
v board receipt --db b.db 2 --out r2
v board check-receipt r2 --key "$VK" --witness "$WK" --quorum 1
expect_ok "a receipt with a 1-of-1 witness policy checks"
v witness init --key w2.key --name witness-2; WK2=$(cat out)
v board check-receipt r2 --key "$VK" --witness "$WK" --witness "$WK2" --quorum 2
expect_fail "a 2-of-2 policy with one cosignature fails" 'witness'
"$VECHE" board append --db b.db --author bob.key --type statement --body s2.json </dev/null >/dev/null
"$VECHE" board checkpoint --db b.db --key board.key </dev/null >cp2
"$VECHE" board witness-request --db b.db --old 3 >req1 </dev/null
v witness cosign --key w1.key --state wstate --log-key "$VK" req1; cp out cosigned2
expect_ok "the witness cosigns an extension"
v board add-cosignatures --db b.db cosigned2 --witness "$WK"
expect_ok "the board stores the second cosignature"
v board add-cosignatures --db b.db cosigned2 --witness "$WK2"
expect_fail "a note without a cosignature by the given witness is refused" 'no cosignature'
v board add-cosignatures --db b.db cp1 --witness "$WK"
expect_fail "a note with no cosignature at all is refused" 'no cosignature'

v board verify-consistency cp1 cp2 --key "$VK" --db b.db
expect_ok "verify-consistency: the newer checkpoint extends the older"
# A fork: the same board key signs a different history of the same length.
cp board.key fork.key
"$VECHE" board init --db fork.db --key fork.key </dev/null >/dev/null
"$VECHE" board append --db fork.db --author alice.key --type statement --body s2.json </dev/null >/dev/null
"$VECHE" board append --db fork.db --author alice.key --type statement --body s2.json </dev/null >/dev/null
"$VECHE" board append --db fork.db --author alice.key --type statement --body s2.json </dev/null >/dev/null
"$VECHE" board append --db fork.db --author alice.key --type statement --body s2.json </dev/null >/dev/null
"$VECHE" board checkpoint --db fork.db --key fork.key </dev/null >cpfork
"$VECHE" board consistency --db fork.db >/dev/null 2>&1 </dev/null
"$VECHE" board proof --db fork.db --old 3 --size 5 >forkproof </dev/null
"$VECHE" board witness-request --db fork.db --old 4 >reqfork </dev/null
v witness cosign --key w1.key --state wstate --log-key "$VK" reqfork
expect_fail "the witness refuses a fork of what it cosigned" 'fork'
v board verify-consistency cp1 cpfork --key "$VK" --proof forkproof
if [ "$rc" -ne 0 ] && grep -q 'EVIDENCE OF MISBEHAVIOUR' out; then ok "two inconsistent signed checkpoints are printed as evidence"; else not_ok "split view" "$(show)"; fi

# ---- the independent checker ------------------------------------------------------------

if [ -f "$TLOGCHECK" ] && command -v python3 >/dev/null; then
  v board receipt --db b.db 1 --out r1w
  if python3 "$TLOGCHECK" checkpoint --key "$VK" --witness "$WK" cosigned1 >tc.out 2>&1; then ok "tlogcheck accepts the cosigned checkpoint"; else not_ok "tlogcheck checkpoint" "$(cat tc.out)"; fi
  if python3 "$TLOGCHECK" proof --key "$VK" --witness "$WK" --quorum 1 --leaf-file good.line.raw r1w >tc.out 2>&1 ||
     { head -c -1 good.line >good.line.raw; python3 "$TLOGCHECK" proof --key "$VK" --witness "$WK" --quorum 1 --leaf-file good.line.raw r1w >tc.out 2>&1; }; then
    ok "tlogcheck accepts the receipt (tlog-proof) for entry 1"
  else not_ok "tlogcheck proof" "$(cat tc.out)"; fi
  root=$(sed -n 's/^root //p' <("$VECHE" board proof --db b.db --index 1 --size 3 </dev/null))
  proof=$("$VECHE" board proof --db b.db --index 1 --size 3 </dev/null | tail -n +4 | paste -sd,)
  if python3 "$TLOGCHECK" inclusion --leaf-file good.line.raw --index 1 --size 3 --root "$root" --proof "$proof" >tc.out 2>&1; then ok "tlogcheck accepts an inclusion proof"; else not_ok "tlogcheck inclusion" "$(cat tc.out)"; fi
else
  echo "ok - SKIP tlogcheck checks: $TLOGCHECK not found"
fi

# ---- kill -9 during a stream of appends ---------------------------------------------------

"$VECHE" board init --db crash.db --key crash.key --origin example.org/crash </dev/null >/dev/null
( for i in $(seq 1 400); do
    "$VECHE" board append --db crash.db --author alice.key --type statement --body s2.json </dev/null || exit 1
  done ) >acks 2>/dev/null &
writer=$!
disown "$writer"   # no job-control notice when it is killed
sleep 2
pkill -KILL -P "$writer" 2>/dev/null; kill -KILL "$writer" 2>/dev/null; pkill -KILL -f "crash.db" 2>/dev/null
while kill -0 "$writer" 2>/dev/null; do sleep 0.1; done
acked=$(grep -c '^appended entry' acks)
last=$(sed -n 's/^appended entry //p' acks | tail -1)
v board checkpoint --db crash.db --key crash.key
size=$(sed -n 2p out)
if [ "$rc" -eq 0 ] && [ -n "$last" ] && [ "$size" -gt "$last" ]; then ok "after kill -9: $acked acknowledged, $size entries present"; else not_ok "kill -9 loses an acknowledged entry" "acked=$acked last=$last size=$size" "$(show)"; fi
v board export --db crash.db crash-exp
v board verify crash-exp
expect_ok "after kill -9 the record verifies, no half-written entry"

echo "board e2e: $failures failed"
[ "$failures" -eq 0 ]
