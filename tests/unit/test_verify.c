/*
 * test_verify.c — `veche verify`'s 13 checks on real records, honest and
 * tampered (issue 4, "Bad input and tampering": a test each).
 *
 * Every record is a whole election built through the library on a SQLite
 * board (election_world.h): a 2-of-3 key ceremony, ~30 voters with weights
 * 1..4, a referendum and a 2-of-5 council contest, three re-votes, the
 * tally, decryptions by trustees 1 and 3 (2 absent), the result; then a
 * signed checkpoint and an export, which veche_verify checks. The prefix up
 * to the honest ballots is built once and cloned for each case.
 *
 * Two kinds of tampering:
 *   - in the export (an altered, dropped, reordered or truncated record):
 *     check 1 fails, the Merkle tree no longer matches the checkpoint;
 *   - on the record, by someone who can append (anyone: a ballot; the
 *     administrator: a tally or result, properly signed; a trustee: its
 *     decryption). A bad ballot is skipped (check 9 names it, nothing
 *     fails, the result stays right); a tally that counts it fails check 11;
 *     a bad decryption share fails 12, a wrong result 13, credentials not by
 *     the authority 7.
 */
#include "election_world.h"

#include <sys/stat.h>

#include "crypto/transcript.h"

static world *prefix;

static int voters(void)
{
    return test_quick() ? 14 : 30;   /* the cases below use voters 0..13 */
}

static int group_setup(void **state)
{
    (void)state;
    prefix = world_new();
    world_ceremony(prefix);
    world_credentials(prefix, (size_t)voters(), NULL, &prefix->authority);
    world_open(prefix);
    world_honest_votes(prefix);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    world_free(prefix);
    return 0;
}

/* ---- reading and rewriting entries ---------------------------------------------- */

/* The entry at index, parsed (new reference); its bytes in *bytes if asked. */
static json_t *entry_at(world *w, uint64_t index, char **bytes, size_t *len)
{
    uint8_t *b;
    size_t n;
    json_t *j;
    veche_diag d = {{0}};
    if (veche_board_get(w->b, index, &b, &n, &d) != VECHE_OK ||
        veche_canon_parse(&j, (const char *)b, n, &d) != VECHE_OK)
        fail_msg("entry %llu: %s", (unsigned long long)index, d.msg);
    if (bytes != NULL) {
        *bytes = (char *)b;
        *len = n;
    } else {
        free(b);
    }
    return j;
}

static char *dump(const json_t *j, size_t *len)
{
    char *out;
    veche_diag d = {{0}};
    if (veche_canon_dump(&out, len, j, &d) != VECHE_OK)
        fail_msg("dump: %s", d.msg);
    return out;
}

/*
 * A ballot (JSON entry) signed again by credential (x, X) under the
 * fingerprint fp, with its credential set to X: what someone holding x can
 * make of another's ballot. Returns the entry's bytes (malloc'd).
 */
static char *resign(json_t *entry, const veche_scalar *x, const uint8_t X[32],
                    const uint8_t fp[32], size_t *len)
{
    json_t *body = json_object_get(entry, "body");
    uint8_t sig[VECHE_SCHNORR_BYTES];
    veche_ctx ctx;
    size_t mlen;
    char *msg;

    json_object_set_new(body, "credential", veche_b64_json(X, 32));
    json_object_del(body, "signature");
    msg = dump(body, &mlen);
    veche_ctx_init(&ctx, fp);
    memcpy(ctx.party, X, 32);
    ctx.index[0] = ctx.index[1] = VECHE_INDEX_NONE;
    assert_int_equal(veche_sign(sig, x, X, (uint8_t *)msg, mlen, &ctx, NULL), VECHE_OK);
    free(msg);
    json_object_set_new(body, "signature", veche_b64_json(sig, sizeof sig));
    return dump(entry, len);
}

/* Flips one base64 character inside the first ciphertext of a ballot's bytes. */
static void alter_ciphertext(char *bytes)
{
    char *p = strstr(bytes, "\"ciphertexts\":[\"");
    assert_non_null(p);
    p += strlen("\"ciphertexts\":[\"") + 10;
    *p = *p == 'A' ? 'B' : 'A';
}

/* ---- the export's lines ------------------------------------------------------------ */

typedef struct lines {
    char  *v[4096];
    size_t n;
} lines;

static void lines_read(lines *l, const world *w)
{
    char path[256], *line = NULL;
    size_t cap = 0;
    FILE *f;
    snprintf(path, sizeof path, "%s/entries.jsonl", w->exp);
    assert_non_null(f = fopen(path, "r"));
    l->n = 0;
    while (getline(&line, &cap, f) > 0) {
        assert_true(l->n < 4096);
        l->v[l->n++] = strdup(line);
    }
    free(line);
    fclose(f);
}

static void lines_write(lines *l, const world *w)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/entries.jsonl", w->exp);
    assert_non_null(f = fopen(path, "w"));
    for (size_t i = 0; i < l->n; i++) {
        fputs(l->v[i], f);
        free(l->v[i]);
    }
    fclose(f);
}

/* ---- dishonest tallies ------------------------------------------------------------------ */

static void ct_get(veche_ciphertext *ct, const json_t *v)
{
    uint8_t buf[VECHE_CIPHERTEXT_BYTES];
    assert_int_equal(veche_b64_get(buf, sizeof buf, v, "ct", NULL), VECHE_OK);
    assert_int_equal(veche_ciphertext_decode(ct, buf), VECHE_OK);
}

static json_t *ct_json(const veche_ciphertext *ct)
{
    uint8_t buf[VECHE_CIPHERTEXT_BYTES];
    veche_ciphertext_encode(buf, ct);
    return veche_b64_json(buf, sizeof buf);
}

/*
 * A tally body (NULL: the honest one) with a ballot's ciphertexts (the first
 * nexplicit of each contest: an extra selection has no place to go) added
 * (sign +1) or taken away (-1), weighted, and "ballots" and "weight" moved
 * to match: what a dishonest administrator publishes to count a ballot it
 * should not, or drop one it should count.
 */
static json_t *tally_moved(world *w, json_t *body, const char *ballot, size_t len,
                           uint32_t weight, int sign)
{
    json_t *b, *rows;
    const veche_manifest *m = &w->el->manifest;
    veche_diag d = {{0}};

    if (body == NULL)
        body = world_honest_tally_body(w);
    rows = json_object_get(body, "tally");
    assert_int_equal(veche_canon_parse(&b, ballot, len, &d), VECHE_OK);
    for (size_t c = 0; c < m->ncontests; c++) {
        json_t *cts = json_object_get(json_array_get(json_object_get(json_object_get(b, "body"),
                                                                     "contests"), c),
                                      "ciphertexts");
        for (size_t s = 0; s < m->contests[c].nexplicit; s++) {
            veche_ciphertext t, x;
            ct_get(&t, json_array_get(json_array_get(rows, c), s));
            ct_get(&x, json_array_get(cts, s));
            veche_ciphertext_scale(&x, &x, weight);
            if (sign < 0) {
                veche_point_neg(&x.a, &x.a);
                veche_point_neg(&x.b, &x.b);
            }
            veche_ciphertext_add(&t, &t, &x);
            json_array_set_new(json_array_get(rows, c), s, ct_json(&t));
        }
    }
    json_object_set_new(body, "ballots", json_integer(json_integer_value(
                                             json_object_get(body, "ballots")) + sign));
    json_object_set_new(body, "weight", json_integer(json_integer_value(
                                            json_object_get(body, "weight")) + sign * (int)weight));
    json_decref(b);
    return body;
}

/* The result a dishonest administrator would state: the expected counts, edited by `edit`. */
static json_t *result_of(world *w, const uint32_t *set, size_t nset, int edit)
{
    uint64_t counts[2][5], W;
    json_t *tr = json_array();
    world_expected(w, counts, &W);
    for (size_t k = 0; k < nset; k++)
        json_array_append_new(tr, json_integer(set[k]));
    return json_pack("{s:s, s:o, s:[[I,I], [I,I,I,I,I]]}", "election", WORLD_ID, "trustees", tr,
                     "counts", (json_int_t)counts[0][0] + edit,
                     (json_int_t)(W - counts[0][0]) - edit, (json_int_t)counts[1][0],
                     (json_int_t)counts[1][1], (json_int_t)counts[1][2], (json_int_t)counts[1][3],
                     (json_int_t)counts[1][4]);
}

/* ---- honest ---------------------------------------------------------------------------- */

static void expect_result(world *w)
{
    uint64_t want[2][5], W;
    veche_result r;
    json_t *body = world_result_body(w, &r);
    json_decref(body);
    world_expected(w, want, &W);
    assert_int_equal(r.weight, W);
    assert_int_equal(r.counts[0][0], want[0][0]);
    assert_int_equal(r.counts[0][1], want[0][1]);
    for (size_t s = 0; s < 5; s++)
        assert_int_equal(r.counts[1][s], want[1][s]);
}

static void test_honest(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    (void)state;

    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 1);
    world_decrypt(w, 3);
    expect_result(w);
    world_publish_result(w, world_result_body(w, NULL));
    world_export(w);
    expect_all_pass(w, &s, &rep);
    assert_non_null(strstr(s.detail[9], "0 skipped"));
    assert_non_null(strstr(s.detail[10], "3 superseded"));
    assert_non_null(strstr(s.detail[12], "[1 (entry"));
    assert_int_equal(rep.ballots, w->nvoters + 3);
    assert_int_equal(rep.counted, w->nvoters);
    /* every election on the record: the same, once */
    memset(&s, 0, sizeof s);
    assert_int_equal(veche_verify(w->exp, NULL, NULL, seen_cb, &s, &rep), VECHE_OK);
    assert_int_equal(rep.elections, 1);
    assert_int_equal(s.calls, VECHE_VERIFY_CHECKS);
    world_free(w);
}

/* A running election verifies as far as it goes: 11–13 are SKIP, not FAIL. */
static void test_not_yet_tallied(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    (void)state;

    world_export(w);
    assert_int_equal(world_verify(w, &s, &rep), VECHE_OK);
    for (int n = 1; n <= 10; n++)
        assert_int_equal(s.status[n], VECHE_CHECK_PASS);
    for (int n = 11; n <= 13; n++)
        assert_int_equal(s.status[n], VECHE_CHECK_SKIP);
    assert_non_null(strstr(s.detail[8], "still open"));
    assert_int_equal(rep.incomplete, 1);
    world_close(w);
    world_export(w);
    assert_int_equal(world_verify(w, &s, &rep), VECHE_OK);
    assert_non_null(strstr(s.detail[11], "no election.tally yet"));
    world_free(w);
}

/* ---- altered ------------------------------------------------------------------------------ */

static void test_altered_in_export(void **state)
{
    world *w = world_clone(prefix);
    lines l;
    (void)state;

    world_close(w);
    world_finish(w, NULL);
    lines_read(&l, w);
    alter_ciphertext(l.v[w->ballot_index[5]]);
    lines_write(&l, w);
    expect_fail_at(w, 1, VECHE_ELECTION_NO_INDEX, "board check 5 (tree)");
    world_free(w);
}

/*
 * An attacker appends an altered copy of voter 5's ballot: it is invalid,
 * skipped and named by check 9; voter 5's own ballot, the last *valid* one
 * of the credential, still counts, and every check passes.
 */
static void test_altered_appended_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    char *bytes, want[64];
    size_t len;
    uint64_t at;
    (void)state;

    json_decref(entry_at(w, w->ballot_index[5], &bytes, &len));
    alter_ciphertext(bytes);
    at = world_append(w, bytes, len);
    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    snprintf(want, sizeof want, "1 invalid); entry %llu: invalid", (unsigned long long)at);
    assert_non_null(strstr(s.detail[9], want));
    expect_result(w);
    world_free(w);
}

/* ---- dropped ------------------------------------------------------------------------------ */

static void test_dropped_in_export(void **state)
{
    world *w = world_clone(prefix);
    lines l;
    size_t k;
    (void)state;

    world_close(w);
    world_finish(w, NULL);
    lines_read(&l, w);
    k = w->ballot_index[7];
    free(l.v[k]);
    memmove(&l.v[k], &l.v[k + 1], (l.n - k - 1) * sizeof l.v[0]);
    l.n--;
    lines_write(&l, w);
    expect_fail_at(w, 1, VECHE_ELECTION_NO_INDEX, "board check 5 (tree)");
    world_free(w);
}

/* The administrator's tally leaves out voter 7's counted ballot (ballots and W adjusted). */
static void test_tally_drops_ballot(void **state)
{
    world *w = world_clone(prefix);
    char *bytes;
    size_t len;
    uint64_t at;
    (void)state;

    world_close(w);
    json_decref(entry_at(w, w->ballot_index[7], &bytes, &len));
    at = world_publish_tally(w, tally_moved(w, NULL, bytes, len, w->weight[7], -1));
    free(bytes);
    world_decrypt(w, 1);
    world_decrypt(w, 3);
    world_export(w);
    expect_fail_at(w, 11, at, "body.ballots");
    world_free(w);
}

/* Dropped from the tally's ciphertexts only: ballots and W as honest. */
static void test_tally_drops_ballot_ciphertexts(void **state)
{
    world *w = world_clone(prefix);
    json_t *body;
    char *bytes;
    size_t len;
    uint64_t at;
    (void)state;

    world_close(w);
    json_decref(entry_at(w, w->ballot_index[7], &bytes, &len));
    body = tally_moved(w, NULL, bytes, len, w->weight[7], -1);
    json_object_set_new(body, "ballots", json_integer((json_int_t)w->nvoters));
    json_object_set_new(body, "weight", json_integer(json_integer_value(
                                            json_object_get(body, "weight")) + w->weight[7]));
    at = world_publish_tally(w, body);
    free(bytes);
    world_export(w);
    expect_fail_at(w, 11, at, "body.tally[0][0]");
    world_free(w);
}

/* ---- duplicated --------------------------------------------------------------------------- */

/* Voter 7's ballot appended twice, byte for byte: it counts once. */
static void test_duplicate_counts_once(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    char *bytes;
    size_t len;
    (void)state;

    json_decref(entry_at(w, w->ballot_index[7], &bytes, &len));
    world_append(w, bytes, len);
    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    assert_non_null(strstr(s.detail[10], "4 superseded"));
    assert_int_equal(rep.counted, w->nvoters);
    expect_result(w);
    world_free(w);
}

static void test_duplicate_counted_twice(void **state)
{
    world *w = world_clone(prefix);
    char *bytes;
    size_t len;
    uint64_t at;
    (void)state;

    json_decref(entry_at(w, w->ballot_index[7], &bytes, &len));
    world_append(w, bytes, len);
    world_close(w);
    at = world_publish_tally(w, tally_moved(w, NULL, bytes, len, w->weight[7], +1));
    free(bytes);
    world_export(w);
    expect_fail_at(w, 11, at, "body.ballots");
    world_free(w);
}

/* ---- replayed under another credential --------------------------------------------------- */

/* Voter 4's ballot, signed again by voter 9 (a listed voter) as its own. */
static char *replayed(world *w, size_t *len)
{
    json_t *j = entry_at(w, w->ballot_index[4], NULL, NULL);
    char *out = resign(j, &w->x[9], w->X[9], w->el->fingerprint, len);
    json_decref(j);
    return out;
}

static void test_replayed_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    size_t len;
    char *bytes = replayed(w, &len);
    uint64_t at = world_append(w, bytes, len);
    char want[64];
    (void)state;

    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    snprintf(want, sizeof want, "entry %llu: invalid: body.contests[0]",
             (unsigned long long)at);
    assert_non_null(strstr(s.detail[9], want));
    expect_result(w);   /* voter 9's own ballot still counts */
    world_free(w);
}

static void test_replayed_counted(void **state)
{
    world *w = world_clone(prefix);
    size_t len;
    char *bytes = replayed(w, &len), *own;
    size_t own_len;
    json_t *body;
    uint64_t at;
    (void)state;

    world_append(w, bytes, len);
    world_close(w);
    /* the tally counts the replay in place of voter 9's own ballot */
    json_decref(entry_at(w, w->ballot_index[9], &own, &own_len));
    body = tally_moved(w, NULL, own, own_len, w->weight[9], -1);
    body = tally_moved(w, body, bytes, len, w->weight[9], +1);
    at = world_publish_tally(w, body);
    free(bytes);
    free(own);
    world_export(w);
    expect_fail_at(w, 11, at, "body.");
    world_free(w);
}

/* ---- a ballot for an option that does not exist ------------------------------------------- */

/* A ballot built for a manifest whose council contest has a sixth option, "Fay". */
static char *sixth_option(world *w, size_t voter, size_t *len)
{
    veche_manifest m = w->el->manifest;   /* a shallow copy: strings borrowed */
    veche_contest *ct = &m.contests[1];
    veche_choices ch;

    ct->options[5] = "Fay";
    ct->noptions = ct->nsel = ct->nexplicit = 6;
    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = 1;
    ch.mark[1][5] = 1;
    return world_ballot_for(w, &m, w->el->fingerprint, &w->x[voter], w->X[voter], &ch, len);
}

static void test_nonexistent_option_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    size_t len;
    char *bytes = sixth_option(w, 11, &len), want[64];
    uint64_t at = world_append(w, bytes, len);
    (void)state;

    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    snprintf(want, sizeof want, "entry %llu: invalid: body.contests[1]", (unsigned long long)at);
    assert_non_null(strstr(s.detail[9], want));
    expect_result(w);
    world_free(w);
}

static void test_nonexistent_option_counted(void **state)
{
    world *w = world_clone(prefix);
    size_t len;
    char *bytes = sixth_option(w, 11, &len);
    uint64_t at;
    (void)state;

    world_append(w, bytes, len);
    world_close(w);
    at = world_publish_tally(w, tally_moved(w, NULL, bytes, len, w->weight[11], +1));
    free(bytes);
    world_export(w);
    expect_fail_at(w, 11, at, "body.");
    world_free(w);
}

/* ---- a proof from another election ------------------------------------------------------- */

/*
 * Voter 12's ballot made for another election (another fingerprint), then
 * signed again for this one: only its proofs are foreign.
 */
static char *foreign_proofs(world *w, size_t *len)
{
    uint8_t other[32];
    veche_choices ch = world_choices(12, 5);
    json_t *j;
    char *bytes, *out;
    size_t n;
    veche_diag d = {{0}};

    memcpy(other, w->el->fingerprint, 32);
    other[0] ^= 1;
    bytes = world_ballot_for(w, &w->el->manifest, other, &w->x[12], w->X[12], &ch, &n);
    assert_int_equal(veche_canon_parse(&j, bytes, n, &d), VECHE_OK);
    out = resign(j, &w->x[12], w->X[12], w->el->fingerprint, len);
    json_decref(j);
    free(bytes);
    return out;
}

static void test_foreign_proof_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    size_t len;
    char *bytes = foreign_proofs(w, &len), want[80];
    uint64_t at = world_append(w, bytes, len);
    (void)state;

    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    snprintf(want, sizeof want, "entry %llu: invalid: body.contests[0].proofs[0]",
             (unsigned long long)at);
    assert_non_null(strstr(s.detail[9], want));
    expect_result(w);
    world_free(w);
}

static void test_foreign_proof_counted(void **state)
{
    world *w = world_clone(prefix);
    size_t len;
    char *bytes = foreign_proofs(w, &len);
    uint64_t at;
    (void)state;

    world_append(w, bytes, len);
    world_close(w);
    at = world_publish_tally(w, tally_moved(w, NULL, bytes, len, w->weight[12], +1));
    free(bytes);
    world_export(w);
    expect_fail_at(w, 11, at, "body.");
    world_free(w);
}

/* ---- an over-limit contest ------------------------------------------------------------------ */

/*
 * Three council seats chosen where at most two are allowed. Built for a
 * manifest allowing 1..3, whose sum proof (over [1, 3]: three branches) has
 * the size of the real one (over [0, 2]), so only its verification fails.
 */
static char *over_limit(world *w, size_t voter, size_t *len)
{
    veche_manifest m = w->el->manifest;
    veche_contest *ct = &m.contests[1];
    veche_choices ch;

    ct->min = ct->sum_lo = 1;
    ct->max = ct->sum_hi = 3;
    memset(&ch, 0, sizeof ch);
    ch.mark[0][1] = 1;
    ch.mark[1][0] = ch.mark[1][1] = ch.mark[1][2] = 1;
    return world_ballot_for(w, &m, w->el->fingerprint, &w->x[voter], w->X[voter], &ch, len);
}

static void test_over_limit_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    size_t len;
    char *bytes = over_limit(w, 13, &len), want[80];
    uint64_t at = world_append(w, bytes, len);
    (void)state;

    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    snprintf(want, sizeof want, "entry %llu: invalid: body.contests[1].sum_proof",
             (unsigned long long)at);
    assert_non_null(strstr(s.detail[9], want));
    expect_result(w);
    world_free(w);
}

static void test_over_limit_counted(void **state)
{
    world *w = world_clone(prefix);
    size_t len;
    char *bytes = over_limit(w, 13, &len), *own;
    size_t own_len;
    json_t *body;
    uint64_t at;
    (void)state;

    world_append(w, bytes, len);
    world_close(w);
    json_decref(entry_at(w, w->ballot_index[13], &own, &own_len));
    body = tally_moved(w, NULL, own, own_len, w->weight[13], -1);   /* replaced, not added */
    at = world_publish_tally(w, tally_moved(w, body, bytes, len, w->weight[13], +1));
    free(bytes);
    free(own);
    world_export(w);
    expect_fail_at(w, 11, at, "body.");
    world_free(w);
}

/* ---- forged credentials -------------------------------------------------------------------- */

/* The credentials published by the administrator, not the authority: check 7. */
static void test_credentials_not_by_authority(void **state)
{
    world *w = world_new();
    veche_election *el;
    uint64_t part;
    (void)state;

    world_ceremony(w);
    world_credentials(w, 4, NULL, &w->admin);
    el = world_load(w);
    assert_int_equal(el->cred_state, VECHE_CRED_NONE);
    part = el->credentials.v[0].index;
    veche_election_free(el);
    world_export(w);
    expect_fail_at(w, 7, part, "not signed by the credential authority");
    world_free(w);
}

/* A fresh credential, not on the list: its ballot is valid but skipped. */
static char *unlisted(world *w, size_t *len)
{
    veche_scalar x;
    uint8_t X[32];
    veche_choices ch = world_choices(0, 0);
    char *out;
    veche_schnorr_keygen(&x, X, NULL);
    out = world_ballot_for(w, &w->el->manifest, w->el->fingerprint, &x, X, &ch, len);
    veche_scalar_wipe(&x);
    return out;
}

/*
 * An outsider publishes a credentials part with its own credential and
 * votes with it: the part is ignored (reported by check 7), the ballot is
 * skipped as not on the list (check 9), the result is unchanged.
 */
static void test_forged_credential_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    size_t len;
    char *bytes = unlisted(w, &len), want[64];
    json_t *b;
    uint64_t at;
    veche_diag d = {{0}};
    (void)state;

    assert_int_equal(veche_canon_parse(&b, bytes, len, &d), VECHE_OK);
    world_append_body(w, VECHE_ETYPE_CREDENTIALS,
                      json_pack("{s:s, s:i, s:i, s:[{s:O, s:i}]}", "election", WORLD_ID, "part",
                                0, "parts", 1, "credentials", "key",
                                json_object_get(json_object_get(b, "body"), "credential"),
                                "weight", 1000), &w->outsider);
    json_decref(b);
    at = world_append(w, bytes, len);
    free(bytes);
    world_close(w);
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    assert_non_null(strstr(s.detail[7], "1 election.credentials not by the credential authority "
                                        "ignored"));
    snprintf(want, sizeof want, "entry %llu: credential not on the list", (unsigned long long)at);
    assert_non_null(strstr(s.detail[9], want));
    expect_result(w);
    world_free(w);
}

static void test_forged_credential_counted(void **state)
{
    world *w = world_clone(prefix);
    size_t len;
    char *bytes = unlisted(w, &len);
    uint64_t at;
    (void)state;

    world_append(w, bytes, len);
    world_close(w);
    at = world_publish_tally(w, tally_moved(w, NULL, bytes, len, 1, +1));
    free(bytes);
    world_export(w);
    expect_fail_at(w, 11, at, "body.ballots");
    world_free(w);
}

/* ---- a wrong tally, share or result ------------------------------------------------------------ */

/* The tally's "yes" and the first council option swapped: same ballots and W. */
static void test_wrong_tally(void **state)
{
    world *w = world_clone(prefix);
    json_t *body, *rows, *a;
    uint64_t at;
    (void)state;

    world_close(w);
    body = world_honest_tally_body(w);
    rows = json_object_get(body, "tally");
    a = json_incref(json_array_get(json_array_get(rows, 0), 0));
    json_array_set(json_array_get(rows, 0), 0, json_array_get(json_array_get(rows, 1), 0));
    json_array_set_new(json_array_get(rows, 1), 0, a);
    at = world_publish_tally(w, body);
    world_decrypt(w, 1);
    world_decrypt(w, 3);
    world_export(w);
    expect_fail_at(w, 11, at, "body.tally[0][0] (contest \"ref\", selection 0) is not the sum");
    world_free(w);
}

/*
 * Trustee 1 publishes shares with two swapped (each a valid share of the
 * wrong ciphertext), properly signed; trustees 2 and 3 decrypt honestly and
 * the result uses them. Every trustee's decryption must verify: check 12.
 */
static void test_wrong_decryption_share(void **state)
{
    world *w = world_clone(prefix);
    json_t *j, *body, *rows, *a;
    char *entry;
    size_t len;
    uint64_t at;
    const uint32_t set[] = {2, 3};
    (void)state;

    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    entry = world_decryption_entry(w, 1, &len);
    assert_int_equal(veche_canon_parse(&j, entry, len, NULL), VECHE_OK);
    free(entry);
    body = json_incref(json_object_get(j, "body"));
    json_decref(j);
    rows = json_object_get(body, "shares");
    a = json_incref(json_array_get(json_array_get(rows, 1), 0));
    json_array_set(json_array_get(rows, 1), 0, json_array_get(json_array_get(rows, 1), 1));
    json_array_set_new(json_array_get(rows, 1), 1, a);
    at = world_append_body(w, VECHE_TTYPE_DECRYPTION, body, &w->tk[1]);
    world_decrypt(w, 2);
    world_decrypt(w, 3);
    world_publish_result(w, result_of(w, set, 2, 0));
    world_export(w);
    expect_fail_at(w, 12, at, "body.shares[1][0]: trustee 1's share does not verify");
    world_free(w);
}

/* The result moves one (weighted) vote from "no" to "yes". */
static void test_wrong_result(void **state)
{
    world *w = world_clone(prefix);
    const uint32_t set[] = {1, 3};
    uint64_t at;
    (void)state;

    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 1);
    world_decrypt(w, 3);
    at = world_publish_result(w, result_of(w, set, 2, +1));
    world_export(w);
    expect_fail_at(w, 13, at, "body.counts[0][0]");
    world_free(w);
}

/* The honest result, with only trustee 1's decryption on the record: fewer than t. */
static void test_result_with_too_few_trustees(void **state)
{
    world *w = world_clone(prefix);
    const uint32_t set[] = {1, 3};
    uint64_t at;
    (void)state;

    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 1);
    at = world_publish_result(w, result_of(w, set, 2, 0));
    world_export(w);
    expect_fail_at(w, 13, at, "trustee 3 has no valid decryption");
    world_free(w);
}

/* ---- reordered or truncated ------------------------------------------------------------------ */

static void test_reordered(void **state)
{
    world *w = world_clone(prefix);
    lines l;
    char *t;
    (void)state;

    world_close(w);
    world_finish(w, NULL);
    lines_read(&l, w);
    t = l.v[w->ballot_index[3]];
    l.v[w->ballot_index[3]] = l.v[w->ballot_index[4]];
    l.v[w->ballot_index[4]] = t;
    lines_write(&l, w);
    expect_fail_at(w, 1, VECHE_ELECTION_NO_INDEX, "board check 5 (tree)");
    world_free(w);
}

static void test_truncated(void **state)
{
    world *w = world_clone(prefix);
    lines l;
    (void)state;

    world_close(w);
    world_finish(w, NULL);
    lines_read(&l, w);
    for (int k = 0; k < 3; k++)
        free(l.v[--l.n]);   /* the result and the two decryptions */
    lines_write(&l, w);
    expect_fail_at(w, 1, VECHE_ELECTION_NO_INDEX, "board check 5 (tree)");
    world_free(w);
}

/* ---- out of order ------------------------------------------------------------------------------ */

static void test_tally_before_close(void **state)
{
    world *w = world_clone(prefix);
    uint64_t at;
    (void)state;

    at = world_publish_tally(w, world_honest_tally_body(w));
    world_close(w);
    world_export(w);
    expect_fail_at(w, 11, at, "before the election is closed");
    world_free(w);
}

/* A ballot after the close is skipped; the tally without it is right. */
static void test_late_ballot_is_skipped(void **state)
{
    world *w = world_clone(prefix);
    seen s;
    veche_verify_report rep;
    veche_choices ch = world_choices(2, 7);
    veche_choices keep = w->last[2];
    (void)state;

    world_close(w);
    world_vote(w, 2, &ch);
    w->last[2] = keep;   /* does not count */
    world_finish(w, NULL);
    expect_all_pass(w, &s, &rep);
    assert_non_null(strstr(s.detail[9], "1 after close"));
    expect_result(w);
    world_free(w);
}

/*
 * An election still in setup (a manifest and part of the ceremony) verifies
 * "so far": checks 3-13 are SKIP, none FAIL (SPEC §4.3, "in setup").
 */
static void test_setup_in_progress_so_far(void **state)
{
    world *w = world_new();
    veche_election *el = world_load(w);
    veche_diag d = {{0}};
    seen s;
    veche_verify_report rep;
    (void)state;

    for (uint32_t i = 1; i <= WORLD_N; i++)
        assert_int_equal(veche_trustee_state_new(&w->st[i], &el->manifest, el->manifest_hash,
                                                 w->tk[i].pk, NULL, &d), VECHE_OK);
    veche_election_free(el);
    world_trustee_step(w, 1, 0);         /* trustee 1's key; 2 and 3 not yet */
    world_export(w);
    assert_int_equal(world_verify(w, &s, &rep), VECHE_OK);
    assert_int_equal(s.status[1], VECHE_CHECK_PASS);
    assert_int_equal(s.status[2], VECHE_CHECK_PASS);
    for (int n = 3; n <= VECHE_VERIFY_CHECKS; n++)
        if (s.status[n] != VECHE_CHECK_SKIP)
            fail_msg("check %d: status %d, not SKIP: %s", n, s.status[n], s.detail[n]);
    assert_non_null(strstr(s.detail[3], "in progress"));
    assert_int_equal(rep.failed, 0);
    world_free(w);
}

/* Once the administrator has moved on (here: an election.open), a missing step is a FAIL. */
static void test_missing_key_after_open_fails(void **state)
{
    world *w = world_new();
    (void)state;

    world_append_body(w, VECHE_ETYPE_OPEN,
                           json_pack("{s:s, s:s}", "election", WORLD_ID, "fingerprint",
                                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                           &w->admin);
    world_export(w);
    expect_fail_at(w, 3, VECHE_ELECTION_NO_INDEX, "has no trustee.key on the record");
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_honest),
        cmocka_unit_test(test_not_yet_tallied),
        cmocka_unit_test(test_altered_in_export),
        cmocka_unit_test(test_altered_appended_is_skipped),
        cmocka_unit_test(test_dropped_in_export),
        cmocka_unit_test(test_tally_drops_ballot),
        cmocka_unit_test(test_tally_drops_ballot_ciphertexts),
        cmocka_unit_test(test_duplicate_counts_once),
        cmocka_unit_test(test_duplicate_counted_twice),
        cmocka_unit_test(test_replayed_is_skipped),
        cmocka_unit_test(test_replayed_counted),
        cmocka_unit_test(test_nonexistent_option_is_skipped),
        cmocka_unit_test(test_nonexistent_option_counted),
        cmocka_unit_test(test_foreign_proof_is_skipped),
        cmocka_unit_test(test_foreign_proof_counted),
        cmocka_unit_test(test_over_limit_is_skipped),
        cmocka_unit_test(test_over_limit_counted),
        cmocka_unit_test(test_credentials_not_by_authority),
        cmocka_unit_test(test_forged_credential_is_skipped),
        cmocka_unit_test(test_forged_credential_counted),
        cmocka_unit_test(test_wrong_tally),
        cmocka_unit_test(test_wrong_decryption_share),
        cmocka_unit_test(test_wrong_result),
        cmocka_unit_test(test_result_with_too_few_trustees),
        cmocka_unit_test(test_reordered),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_tally_before_close),
        cmocka_unit_test(test_late_ballot_is_skipped),
        cmocka_unit_test(test_setup_in_progress_so_far),
        cmocka_unit_test(test_missing_key_after_open_fails),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
