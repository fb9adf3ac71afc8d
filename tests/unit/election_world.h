/*
 * election_world.h — a whole election on a real board, built through the
 * library, for the tally and verifier tests (test_tally.c, test_verify.c).
 *
 * A world is a temporary directory with a SQLite board and every role's key:
 * the administrator, the credential authority, three trustees (2 of 3) and
 * an outsider. Its manifest has a referendum ("ref": yes/no, one of two: the
 * "no" is implicit) and a council contest ("seats": 2 of 5 options, 0..2,
 * with a sum proof). Voters have weights 1..4 (voter i: 1 + i % 4).
 *
 * The steps are separate so a test can cheat between any two of them:
 *   world_new, world_ceremony, world_credentials, world_open, world_vote /
 *   world_honest_votes, world_close, world_publish_tally, world_decrypt,
 *   world_publish_result, world_export, then veche_verify on w->exp.
 * world_clone copies a world (its board file and everyone's secrets), so the
 * costly prefix — the ceremony and the honest ballots — is built once.
 *
 * Header-only (static inline) like testutil.h: each test is one program.
 */
#ifndef VECHE_TEST_ELECTION_WORLD_H
#define VECHE_TEST_ELECTION_WORLD_H

#include "testutil.h"

#include <sodium.h>
#include <unistd.h>

#include "board/board.h"
#include "board/export.h"
#include "crypto/schnorr.h"
#include "election/ballot.h"
#include "election/ceremony.h"
#include "election/credentials.h"
#include "election/election.h"
#include "election/tally.h"
#include "election/verify.h"

#define WORLD_ID     "council-2026"
#define WORLD_MAXV   64
#define WORLD_N      3
#define WORLD_T      2

typedef struct world {
    char                dir[64], db[128], exp[128];
    veche_key           board_key, admin, authority, outsider;
    veche_key           tk[WORLD_N + 1];                 /* trustees' board keys, 1-based */
    veche_board        *b;
    veche_trustee_state st[WORLD_N + 1];
    /* after world_open: the election as loaded, for building ballots */
    veche_election     *el;
    veche_pubkey        K;
    int                 have_K;
    /* voters */
    size_t              nvoters;
    veche_scalar        x[WORLD_MAXV];
    uint8_t             X[WORLD_MAXV][32];
    uint32_t            weight[WORLD_MAXV];
    veche_choices       last[WORLD_MAXV];               /* what counts, if voted[i] */
    int                 voted[WORLD_MAXV];
    uint64_t            ballot_index[WORLD_MAXV];       /* of the last ballot */
} world;

/* ---- the board ------------------------------------------------------------------ */

static inline uint64_t world_append(world *w, const char *entry, size_t len)
{
    veche_diag d = {{0}};
    const uint8_t *one = (const uint8_t *)entry;
    uint64_t index = 0;
    if (veche_board_append(w->b, &one, &len, 1, &index, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    return index;
}

/* Builds an entry of type with body (consumed), signed by key (NULL: unsigned); appends. */
static inline uint64_t world_append_body(world *w, const char *type, json_t *body,
                                         const veche_key *key)
{
    char *entry;
    size_t len;
    uint64_t at;
    veche_diag d = {{0}};
    if (veche_entry_build(&entry, &len, type, body, key ? key->sk : NULL, &d) != VECHE_OK)
        fail_msg("build %s: %s", type, d.msg);
    json_decref(body);
    at = world_append(w, entry, len);
    free(entry);
    return at;
}

/* The election as the record now says (free with veche_election_free). */
static inline veche_election *world_load(world *w)
{
    veche_election *el;
    veche_diag d = {{0}};
    if (veche_election_load(&el, w->b, WORLD_ID, NULL, NULL, &d) != VECHE_OK)
        fail_msg("load: %s", d.msg);
    return el;
}

static inline veche_ceremony *world_ceremony_now(world *w, veche_election **el)
{
    veche_ceremony *c;
    veche_diag d = {{0}};
    *el = world_load(w);
    if (veche_ceremony_evaluate_election(&c, *el, &d) != VECHE_OK)
        fail_msg("ceremony: %s", d.msg);
    return c;
}

/* ---- making a world ---------------------------------------------------------------- */

static inline json_t *world_manifest(const world *w)
{
    json_t *trustees = json_array();
    for (uint32_t i = 1; i <= WORLD_N; i++)
        json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", w->tk[i].name, "key",
                                                  veche_b64_json(w->tk[i].pk, 32)));
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:i, s:o, s:[{s:s, s:s, s:[s,s], s:i, s:i, "
                     "s:b}, {s:s, s:s, s:[s,s,s,s,s], s:i, s:i, s:b}]}",
                     "election", WORLD_ID, "title", "Council 2026", "organisation", "Branch 7",
                     "opens", 1000, "closes", 2000, "trustees", trustees, "threshold", WORLD_T,
                     "credential_authority", veche_b64_json(w->authority.pk, 32), "contests",
                     "id", "ref", "question", "Shall we strike?", "options", "yes", "no",
                     "min", 1, "max", 1, "blank", 0,
                     "id", "seats", "question", "Elect two delegates", "options", "Ana", "Ben",
                     "Chen", "Dana", "Emil", "min", 0, "max", 2, "blank", 0);
}

static inline world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    veche_diag d = {{0}};
    char name[16];

    assert_non_null(w);
    strcpy(w->dir, "/tmp/veche-world-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/b.db", w->dir);
    snprintf(w->exp, sizeof w->exp, "%s/export", w->dir);
    assert_int_equal(veche_election_register_types(), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->board_key, "test.example/board", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->admin, "admin", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->authority, "authority", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->outsider, "outsider", &d), VECHE_OK);
    for (uint32_t i = 1; i <= WORLD_N; i++) {
        snprintf(name, sizeof name, "trustee%u", i);
        assert_int_equal(veche_key_generate(&w->tk[i], name, &d), VECHE_OK);
    }
    if (veche_board_create(&w->b, w->db, &w->board_key, &d) != VECHE_OK)
        fail_msg("board: %s", d.msg);
    world_append_body(w, VECHE_ETYPE_MANIFEST, world_manifest(w), &w->admin);
    return w;
}

static inline void world_free(world *w)
{
    char cmd[160];
    if (w == NULL)
        return;
    veche_board_close(w->b);
    veche_election_free(w->el);
    if (w->have_K)
        veche_pubkey_free(&w->K);
    for (uint32_t i = 1; i <= WORLD_N; i++)
        veche_trustee_state_wipe(&w->st[i]);
    for (size_t i = 0; i < w->nvoters; i++)
        veche_scalar_wipe(&w->x[i]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(w);
}

/* A copy with its own directory and board file; the original stays usable. */
static inline world *world_clone(world *src)
{
    world *w = malloc(sizeof *w);
    veche_diag d = {{0}};
    char cmd[400];

    assert_non_null(w);
    *w = *src;
    w->el = NULL;
    w->have_K = 0;
    strcpy(w->dir, "/tmp/veche-world-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/b.db", w->dir);
    snprintf(w->exp, sizeof w->exp, "%s/export", w->dir);
    veche_board_close(src->b);   /* so the file is whole: no open write-ahead log */
    snprintf(cmd, sizeof cmd, "cp %s %s", src->db, w->db);
    assert_int_equal(system(cmd), 0);
    if (veche_board_open(&src->b, src->db, &src->board_key, &d) != VECHE_OK ||
        veche_board_open(&w->b, w->db, &w->board_key, &d) != VECHE_OK)
        fail_msg("reopen: %s", d.msg);
    if (src->el != NULL) {
        w->el = world_load(w);
        assert_int_equal(veche_pubkey_decode(&w->K, w->el->K), VECHE_OK);
        w->have_K = 1;
    }
    return w;
}

/* ---- the key ceremony, 2 of 3, every trustee honest ----------------------------------- */

static inline void world_trustee_step(world *w, uint32_t i, int round)
{
    veche_election *el;
    veche_ceremony *c = world_ceremony_now(w, &el);
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len;
    veche_err e = VECHE_EINVALID;

    switch (round) {
    case 0: e = veche_trustee_key_entry(&entry, &len, &w->st[i], &w->tk[i], &d); break;
    case 1: e = veche_trustee_commit_entry(&entry, &len, &w->st[i], &w->tk[i], &d); break;
    case 2: e = veche_trustee_commitments_entry(&entry, &len, &w->st[i], c, &w->tk[i], NULL, &d);
            break;
    case 3: e = veche_trustee_shares_entry(&entry, &len, &w->st[i], c, &w->tk[i], &d); break;
    }
    if (e != VECHE_OK)
        fail_msg("trustee %u round %d: %s", i, round, d.msg);
    world_append(w, entry, len);
    free(entry);
    veche_ceremony_free(c);
    veche_election_free(el);
}

static inline void world_ceremony(world *w)
{
    veche_election *el = world_load(w);
    veche_ceremony *c;
    veche_diag d = {{0}};
    json_t *body;

    for (uint32_t i = 1; i <= WORLD_N; i++)
        assert_int_equal(veche_trustee_state_new(&w->st[i], &el->manifest, el->manifest_hash,
                                                 w->tk[i].pk, NULL, &d), VECHE_OK);
    veche_election_free(el);
    for (int round = 0; round < 4; round++)
        for (uint32_t i = 1; i <= WORLD_N; i++)
            world_trustee_step(w, i, round);
    c = world_ceremony_now(w, &el);
    for (uint32_t j = 1; j <= WORLD_N; j++) {
        uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
        size_t nbad = 0;
        assert_int_equal(veche_trustee_open_shares(&w->st[j], c, bad, &nbad, &d), VECHE_OK);
        assert_int_equal(nbad, 0);
    }
    assert_int_equal(veche_ceremony_election_key_body(&body, c, &d), VECHE_OK);
    world_append_body(w, VECHE_ETYPE_KEY, body, &w->admin);
    veche_ceremony_free(c);
    veche_election_free(el);
}

/* ---- credentials -------------------------------------------------------------------------- */

/*
 * n voters with weights[i] (NULL: 1 + i % 4), their parts signed by
 * `signer` (the authority, when honest).
 */
static inline void world_credentials(world *w, size_t n, const uint32_t *weights,
                                     const veche_key *signer)
{
    char (*codes)[VECHE_CODE_CHARS + 1] = calloc(n, sizeof *codes);
    veche_credential_list pub;
    veche_diag d = {{0}};
    char **entries;
    size_t *lens, nparts;

    assert_non_null(codes);
    assert_true(n <= WORLD_MAXV);
    w->nvoters = n;
    for (size_t i = 0; i < n; i++)
        w->weight[i] = weights ? weights[i] : 1 + (uint32_t)(i % 4);
    if (veche_credentials_generate(codes, &pub, WORLD_ID, w->weight, n, NULL, &d) != VECHE_OK ||
        veche_credentials_build(&entries, &lens, &nparts, WORLD_ID, &pub, signer->sk, &d) !=
            VECHE_OK)
        fail_msg("credentials: %s", d.msg);
    for (size_t k = 0; k < nparts; k++)
        world_append(w, entries[k], lens[k]);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(veche_credential_derive(&w->x[i], w->X[i], WORLD_ID, codes[i], &d),
                         VECHE_OK);
    sodium_memzero(codes, n * sizeof *codes);
    free(codes);
    veche_credentials_entries_free(entries, lens, nparts);
    veche_credentials_free(&pub);
}

/* ---- open, vote, close ---------------------------------------------------------------------- */

static inline void world_open(world *w)
{
    veche_election *el = world_load(w);
    assert_true(el->has_fingerprint);
    world_append_body(w, VECHE_ETYPE_OPEN,
                      json_pack("{s:s, s:o}", "election", WORLD_ID, "fingerprint",
                                veche_b64_json(el->fingerprint, 32)), &w->admin);
    veche_election_free(el);
    w->el = world_load(w);
    assert_int_equal(veche_pubkey_decode(&w->K, w->el->K), VECHE_OK);
    w->have_K = 1;
}

/* Voter i's choices number k: ref yes when (i + k) is even; seats: two, one or none. */
static inline veche_choices world_choices(size_t i, size_t k)
{
    veche_choices ch;
    memset(&ch, 0, sizeof ch);
    ch.mark[0][(i + k) % 2] = 1;
    if ((i + k) % 3 != 2)
        ch.mark[1][(i + 2 * k) % 5] = 1;
    if ((i + k) % 3 == 0)
        ch.mark[1][(i + 2 * k + 1) % 5] = 1;
    return ch;
}

/* A ballot for choices by (x, X), under manifest m and fingerprint fp; malloc'd. */
static inline char *world_ballot_for(world *w, const veche_manifest *m, const uint8_t fp[32],
                                     const veche_scalar *x, const uint8_t X[32],
                                     const veche_choices *ch, size_t *len)
{
    char *entry;
    veche_diag d = {{0}};
    if (veche_ballot_build(&entry, len, m, &w->K, fp, x, X, ch, NULL, NULL, &d) != VECHE_OK)
        fail_msg("ballot: %s", d.msg);
    return entry;
}

/* Voter i casts choices; returns the ballot's index. */
static inline uint64_t world_vote(world *w, size_t i, const veche_choices *ch)
{
    size_t len;
    char *entry = world_ballot_for(w, &w->el->manifest, w->el->fingerprint, &w->x[i], w->X[i], ch,
                                   &len);
    uint64_t at = world_append(w, entry, len);
    free(entry);
    w->last[i] = *ch;
    w->voted[i] = 1;
    w->ballot_index[i] = at;
    return at;
}

/* Every voter votes; voters 0, 1 and 2 vote twice (the second counts). */
static inline void world_honest_votes(world *w)
{
    for (size_t i = 0; i < w->nvoters; i++) {
        veche_choices ch = world_choices(i, 0);
        world_vote(w, i, &ch);
    }
    for (size_t i = 0; i < 3 && i < w->nvoters; i++) {
        veche_choices ch = world_choices(i, 1);
        world_vote(w, i, &ch);
    }
}

static inline uint64_t world_close(world *w)
{
    return world_append_body(w, VECHE_ETYPE_CLOSE, json_pack("{s:s}", "election", WORLD_ID),
                             &w->admin);
}

/* ---- tally, decryption, result ------------------------------------------------------------- */

/* The honest count of the record as it stands (free with veche_count_free). */
static inline veche_count *world_count(world *w, unsigned threads)
{
    veche_record_src src = {w->b, NULL};
    veche_votes *v;
    veche_count *c;
    veche_diag d = {{0}};
    if (veche_votes_load(&v, &src, WORLD_ID, &d) != VECHE_OK ||
        veche_count_ballots(&c, v, threads, &d) != VECHE_OK)
        fail_msg("count: %s", d.msg);
    veche_votes_free(v);
    return c;
}

static inline json_t *world_honest_tally_body(world *w)
{
    veche_count *c = world_count(w, 0);
    json_t *body;
    veche_diag d = {{0}};
    assert_int_equal(veche_tally_body(&body, w->el, c, &d), VECHE_OK);
    veche_count_free(c);
    return body;
}

static inline uint64_t world_publish_tally(world *w, json_t *body)
{
    return world_append_body(w, VECHE_ETYPE_TALLY, body, &w->admin);
}

/* Trustee j's decryption of the administrator's tally, as an entry (malloc'd). */
static inline char *world_decryption_entry(world *w, uint32_t j, size_t *len)
{
    veche_election *el;
    veche_ceremony *c = world_ceremony_now(w, &el);
    veche_ceremony_tally *t = malloc(sizeof *t);
    const veche_election_entry *te = veche_admin_first(el, &el->tallies);
    veche_diag d = {{0}};
    char *entry;

    assert_non_null(t);
    assert_non_null(te);
    if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &d) != VECHE_OK ||
        veche_trustee_decryption_entry(&entry, len, &w->st[j], c, t, el->fingerprint, &w->tk[j],
                                       NULL, &d) != VECHE_OK)
        fail_msg("decryption by %u: %s", j, d.msg);
    free(t);
    veche_ceremony_free(c);
    veche_election_free(el);
    return entry;
}

static inline uint64_t world_decrypt(world *w, uint32_t j)
{
    size_t len;
    char *entry = world_decryption_entry(w, j, &len);
    uint64_t at = world_append(w, entry, len);
    free(entry);
    return at;
}

/* The result the administrator computes from the accepted decryptions. */
static inline json_t *world_result_body(world *w, veche_result *r_out)
{
    veche_election *el;
    veche_ceremony *c = world_ceremony_now(w, &el);
    veche_ceremony_tally *t = malloc(sizeof *t);
    const veche_election_entry *te = veche_admin_first(el, &el->tallies);
    veche_decryption dec;
    veche_result r;
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    size_t ignored, n;
    uint64_t bad;
    json_t *body;
    veche_diag d = {{0}};

    assert_non_null(t);
    assert_non_null(te);
    if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &d) != VECHE_OK ||
        veche_decryption_init(&dec, c, t, el->fingerprint, &d) != VECHE_OK ||
        veche_decryptions_judge(&dec, el, &ignored, &bad, &d) != VECHE_OK)
        fail_msg("decryptions: %s", d.msg);
    n = veche_decryption_set(&dec, set);
    if (veche_result_compute(&r, &dec, set, n, (uint64_t)json_integer_value(
                                 json_object_get(te->body, "weight")), &d) != VECHE_OK ||
        veche_result_body(&body, el, &r, &d) != VECHE_OK)
        fail_msg("result: %s", d.msg);
    if (r_out != NULL)
        *r_out = r;
    veche_decryption_free(&dec);
    free(t);
    veche_ceremony_free(c);
    veche_election_free(el);
    return body;
}

static inline uint64_t world_publish_result(world *w, json_t *body)
{
    return world_append_body(w, VECHE_ETYPE_RESULT, body, &w->admin);
}

/* The export, with a checkpoint signed for the whole board (export.h). */
static inline void world_export(world *w)
{
    veche_diag d = {{0}};
    if (veche_board_export(w->b, w->exp, &d) != VECHE_OK)
        fail_msg("export: %s", d.msg);
}

/* Tally, decryptions by trustees 1 and 3 (2 absent), result: the honest end. */
static inline void world_finish(world *w, json_t *tally_body)
{
    world_publish_tally(w, tally_body ? tally_body : world_honest_tally_body(w));
    world_decrypt(w, 1);
    world_decrypt(w, 3);
    world_publish_result(w, world_result_body(w, NULL));
    world_export(w);
}

/* What the result must say: per contest and selection, Σ weights of the counted choices. */
static inline void world_expected(const world *w, uint64_t counts[2][5], uint64_t *W)
{
    memset(counts, 0, 2 * 5 * sizeof counts[0][0]);
    *W = 0;
    for (size_t i = 0; i < w->nvoters; i++) {
        if (!w->voted[i])
            continue;
        *W += w->weight[i];
        for (size_t c = 0; c < 2; c++)
            for (size_t s = 0; s < 5; s++)
                counts[c][s] += w->last[i].mark[c][s] * (uint64_t)w->weight[i];
    }
}

/* ---- the verifier's report ----------------------------------------------------------------- */

typedef struct seen {
    int  status[VECHE_VERIFY_CHECKS + 1];   /* -1: not reported */
    char detail[VECHE_VERIFY_CHECKS + 1][1024];
    int  calls;
} seen;

static inline void seen_cb(void *arg, const char *election, int number, const char *name,
                           int status, const char *detail)
{
    seen *s = arg;
    (void)election;
    (void)name;
    assert_true(number >= 1 && number <= VECHE_VERIFY_CHECKS);
    s->status[number] = status;
    snprintf(s->detail[number], sizeof s->detail[number], "%s", detail);
    s->calls++;
    if (getenv("VECHE_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  %2d. %-22s %s  %s\n", number, name,
                status == VECHE_CHECK_PASS ? "PASS" : status == VECHE_CHECK_SKIP ? "SKIP" : "FAIL",
                detail);
}

/* Runs veche_verify on the world's export for its election. */
static inline veche_err world_verify(world *w, seen *s, veche_verify_report *rep)
{
    for (int n = 0; n <= VECHE_VERIFY_CHECKS; n++)
        s->status[n] = -1;
    s->calls = 0;
    return veche_verify(w->exp, WORLD_ID, NULL, seen_cb, s, rep);
}

/* Every check 1..13 passed; what was reported is left in *s and *rep. */
static inline void expect_all_pass(world *w, seen *s, veche_verify_report *rep)
{
    veche_err e = world_verify(w, s, rep);
    for (int n = 1; n <= VECHE_VERIFY_CHECKS; n++)
        if (s->status[n] != VECHE_CHECK_PASS)
            fail_msg("check %d: status %d: %s", n, s->status[n], s->detail[n]);
    assert_int_equal(e, VECHE_OK);
    assert_int_equal(rep->check, 0);
    assert_int_equal(rep->failed, 0);
    assert_int_equal(rep->incomplete, 0);
}

/*
 * Verification fails at check `number` (every earlier one passed, nothing
 * later reported), the report names `index` (NO_INDEX: none), and the
 * detail holds `words`.
 */
static inline void expect_fail_at(world *w, int number, uint64_t index, const char *words)
{
    seen s;
    veche_verify_report rep;
    veche_err e = world_verify(w, &s, &rep);
    for (int n = 1; n < number; n++)
        if (s.status[n] != VECHE_CHECK_PASS)
            fail_msg("check %d before %d: status %d: %s", n, number, s.status[n], s.detail[n]);
    if (s.status[number] != VECHE_CHECK_FAIL)
        fail_msg("check %d: status %d, not FAIL: %s", number, s.status[number],
                 s.detail[number]);
    for (int n = number + 1; n <= VECHE_VERIFY_CHECKS; n++)
        assert_int_equal(s.status[n], -1);
    assert_int_equal(e, VECHE_EVERIFY);
    assert_int_equal(rep.check, number);
    if (rep.index != index)
        fail_msg("check %d names entry %llu, not %llu: %s", number,
                 (unsigned long long)rep.index, (unsigned long long)index, s.detail[number]);
    if (words != NULL && strstr(s.detail[number], words) == NULL)
        fail_msg("check %d: \"%s\" not in: %s", number, words, s.detail[number]);
}

#endif
