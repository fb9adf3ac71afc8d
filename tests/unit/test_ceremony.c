/*
 * test_ceremony.c — the key ceremony and decryption shares through a real
 * board (a temporary SQLite store): every trustee's entries appended, the
 * record read back and judged.
 *
 * Whole 2-of-3 and 3-of-5 ceremonies give the same K and K_j as threshold.h
 * computed directly, and any t of n decryption shares combine to m·G.
 * Cheats are caught with their reason: a reveal before every commit, a bad
 * share (wrong value, unreadable box) exposed by a complaint with verdict
 * SENDER, a false complaint blamed on its author, entries by the wrong key,
 * duplicates, a commit before its key, commitments that do not match their
 * hash, a wrong election.key, fewer than t decryptions, a bad decryption
 * share. The trustee's state file: mode 0600, never replaced on creation,
 * round trip, and every malformed line named.
 */
#include "testutil.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include "board/board.h"
#include "election/ceremony.h"
#include "election/election.h"

#define MAXN 5
#define ID   "council-2026"

/* Everything one election's ceremony needs: a board, keys, the trustees' states. */
typedef struct world {
    char                dir[64], db[128];
    veche_key           board_key, admin, outsider;
    veche_key           tk[MAXN + 1];                 /* trustees' board keys, 1-based */
    veche_board        *b;
    veche_manifest      m;
    uint8_t             mh[32];                       /* manifest hash */
    veche_trustee_state st[MAXN + 1];
    uint32_t            n, t;
    /* the record as read back */
    veche_entry        *entries;
    size_t              nentries;
    veche_ceremony_item items[256];
    size_t              nitems;
    veche_ceremony     *cer;
} world;

/* ---- the board ----------------------------------------------------------------- */

/* Appends one entry (and frees it); returns its index. */
static uint64_t append(world *w, char *entry, size_t len)
{
    veche_diag d = {{0}};
    const uint8_t *one = (const uint8_t *)entry;
    uint64_t index = 0;
    if (veche_board_append(w->b, &one, &len, 1, &index, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    free(entry);
    return index;
}

/* Builds an entry from a body, signed by key; appends it. */
static uint64_t append_body(world *w, const char *type, json_t *body, const veche_key *key)
{
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    if (veche_entry_build(&entry, &len, type, body, key->sk, &d) != VECHE_OK)
        fail_msg("build %s: %s", type, d.msg);
    json_decref(body);
    return append(w, entry, len);
}

/*
 * The manifest, published as entry 1 by the administrator and parsed back:
 * a referendum (1 explicit selection) and 3 seats + blank, 0..2 (4).
 */
static void make_manifest(world *w)
{
    json_t *trustees = json_array(), *body;
    veche_diag d = {{0}};
    uint8_t *bytes;
    size_t len;

    for (uint32_t i = 1; i <= w->n; i++)
        json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", w->tk[i].name, "key",
                                                  veche_b64_json(w->tk[i].pk, 32)));
    body = json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:i, s:o, s:[{s:s, s:s, s:[s,s], s:i, s:i, "
                     "s:b}, {s:s, s:s, s:[s,s,s], s:i, s:i, s:b}]}",
                     "election", ID, "title", "Council 2026", "organisation", "Test branch",
                     "opens", 1000, "closes", 2000, "trustees", trustees, "threshold", (int)w->t,
                     "credential_authority", veche_b64_json(w->admin.pk, 32), "contests",
                     "id", "ref", "question", "Shall we?", "options", "yes", "no", "min", 1,
                     "max", 1, "blank", 0,
                     "id", "seats", "question", "Who?", "options", "ana", "ben", "cai", "min", 0,
                     "max", 2, "blank", 1);
    assert_non_null(body);
    append_body(w, "election.manifest", json_incref(body), &w->admin);
    assert_int_equal(veche_board_get(w->b, 1, &bytes, &len, &d), VECHE_OK);
    veche_election_manifest_hash(w->mh, bytes, len);
    free(bytes);
    if (veche_manifest_parse(&w->m, body, &d) != VECHE_OK)
        fail_msg("manifest: %s", d.msg);
    json_decref(body);
    assert_int_equal(w->m.contests[0].nexplicit, 1);
    assert_int_equal(w->m.contests[1].nexplicit, 4);
}

static world *world_new(uint32_t t, uint32_t n)
{
    world *w = calloc(1, sizeof *w);
    veche_diag d = {{0}};
    char name[16];

    assert_non_null(w);
    w->t = t;
    w->n = n;
    strcpy(w->dir, "/tmp/veche-ceremony-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/b.db", w->dir);
    assert_int_equal(veche_election_register_types(), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->board_key, "test.example/board", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->admin, "admin", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->outsider, "outsider", &d), VECHE_OK);
    for (uint32_t i = 1; i <= n; i++) {
        snprintf(name, sizeof name, "trustee%u", i);
        assert_int_equal(veche_key_generate(&w->tk[i], name, &d), VECHE_OK);
    }
    assert_int_equal(veche_board_create(&w->b, w->db, &w->board_key, &d), VECHE_OK);
    make_manifest(w);
    for (uint32_t i = 1; i <= n; i++)
        assert_int_equal(veche_trustee_state_new(&w->st[i], &w->m, w->mh, w->tk[i].pk, NULL, &d),
                         VECHE_OK);
    return w;
}

static void forget_record(world *w)
{
    veche_ceremony_free(w->cer);
    w->cer = NULL;
    for (size_t k = 0; k < w->nentries; k++)
        veche_entry_free(&w->entries[k]);
    free(w->entries);
    w->entries = NULL;
    w->nentries = w->nitems = 0;
}

static void world_free(world *w)
{
    char cmd[128];
    forget_record(w);
    veche_manifest_free(&w->m);
    veche_board_close(w->b);
    for (uint32_t i = 1; i <= w->n; i++)
        veche_trustee_state_wipe(&w->st[i]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(w);
}


static veche_err keep_entry(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                            const veche_hash leaf)
{
    world *w = arg;
    (void)leaf;
    w->entries = realloc(w->entries, (index + 1) * sizeof *w->entries);
    assert_non_null(w->entries);
    assert_int_equal(index, w->nentries);
    assert_int_equal(veche_entry_decode(&w->entries[w->nentries++], bytes, len, NULL), VECHE_OK);
    return VECHE_OK;
}

/* The election loader's view (election.h) judges the same. */
static void same_through_loader(const world *w)
{
    const veche_ceremony *a = w->cer;
    veche_election *el;
    veche_ceremony *b;
    veche_diag d = {{0}};

    if (veche_election_load(&el, w->b, ID, NULL, NULL, &d) != VECHE_OK)
        fail_msg("load: %s", d.msg);
    assert_memory_equal(el->manifest_hash, w->mh, 32);
    assert_int_equal(veche_ceremony_evaluate_election(&b, el, &d), VECHE_OK);
    assert_int_equal(a->phase, b->phase);
    assert_string_equal(a->why, b->why);
    assert_int_equal(a->nqual, b->nqual);
    assert_memory_equal(a->qual, b->qual, a->nqual * sizeof a->qual[0]);
    assert_int_equal(a->have_K, b->have_K);
    if (a->have_K)
        assert_memory_equal(a->K_enc, b->K_enc, 32);
    assert_int_equal(a->ncomplaints, b->ncomplaints);
    assert_int_equal(a->key_ok, b->key_ok);
    veche_ceremony_free(b);
    veche_election_free(el);
}

/* Reads the whole board back and judges the ceremony on it. */
static veche_ceremony *evaluate(world *w)
{
    veche_store *s = veche_board_store(w->b);
    veche_diag d = {{0}};

    forget_record(w);
    assert_int_equal(s->ops->range(s, 0, veche_board_size(w->b), keep_entry, w), VECHE_OK);
    for (size_t k = 0; k < w->nentries; k++) {
        const veche_entry *e = &w->entries[k];
        if (strncmp(e->type, "trustee.", 8) != 0 && strcmp(e->type, "election.key") != 0)
            continue;
        assert_true(w->nitems < sizeof w->items / sizeof w->items[0]);
        w->items[w->nitems++] = (veche_ceremony_item){k, e->type, e->is_signed ? e->author : NULL,
                                                      e->body};
    }
    assert_int_equal(veche_ceremony_evaluate(&w->cer, &w->m, w->mh, w->admin.pk, w->items,
                                             w->nitems, &d), VECHE_OK);
    same_through_loader(w);
    return w->cer;
}

/* ---- the trustees' steps ------------------------------------------------------- */

static void publish_key(world *w, uint32_t i)
{
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    assert_int_equal(veche_trustee_key_entry(&entry, &len, &w->st[i], &w->tk[i], &d), VECHE_OK);
    append(w, entry, len);
}

static void publish_commit(world *w, uint32_t i)
{
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    assert_int_equal(veche_trustee_commit_entry(&entry, &len, &w->st[i], &w->tk[i], &d),
                     VECHE_OK);
    append(w, entry, len);
}

/* Commitments and shares, judged against the record as it stands. */
static void publish_reveal(world *w, uint32_t i)
{
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    veche_ceremony *c = evaluate(w);
    if (veche_trustee_commitments_entry(&entry, &len, &w->st[i], c, &w->tk[i], NULL, &d) !=
        VECHE_OK)
        fail_msg("reveal %u: %s", i, d.msg);
    append(w, entry, len);
    assert_int_equal(veche_trustee_shares_entry(&entry, &len, &w->st[i], c, &w->tk[i], &d),
                     VECHE_OK);
    append(w, entry, len);
}

static void keys_and_commits(world *w)
{
    for (uint32_t i = 1; i <= w->n; i++)
        publish_key(w, i);
    for (uint32_t i = 1; i <= w->n; i++)
        publish_commit(w, i);
}

/* Every trustee j opens its shares: only dealer bad_from[j] (0: none) fails. */
static void open_all(world *w, const uint32_t bad_from[MAXN + 1])
{
    veche_ceremony *c = evaluate(w);
    for (uint32_t j = 1; j <= w->n; j++) {
        uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
        size_t nbad = 9;
        veche_diag d = {{0}};
        assert_int_equal(veche_trustee_open_shares(&w->st[j], c, bad, &nbad, &d), VECHE_OK);
        assert_int_equal(nbad, bad_from[j] != 0);
        if (nbad)
            assert_int_equal(bad[0], bad_from[j]);
    }
}

static void publish_election_key(world *w)
{
    json_t *body;
    veche_diag d = {{0}};
    veche_ceremony *c = evaluate(w);
    assert_int_equal(veche_ceremony_election_key_body(&body, c, &d), VECHE_OK);
    append_body(w, "election.key", body, &w->admin);
}

/* K = Σ_{i in qual} a_i0·G and every K_j, straight from threshold.h and the states. */
static void expect_key(world *w, const veche_ceremony *c, const uint32_t *qual, size_t nqual)
{
    veche_dkg_commitments *cm = calloc(nqual, sizeof *cm);
    const veche_dkg_commitments *ptr[MAXN];
    veche_point K, Kj;

    assert_non_null(cm);
    assert_true(c->have_K);
    assert_int_equal(c->nqual, nqual);
    for (size_t q = 0; q < nqual; q++) {
        assert_int_equal(c->qual[q], qual[q]);
        assert_true(c->tr[qual[q]].qualified);
        assert_int_equal(veche_dkg_commitments_make(&cm[q], &w->st[qual[q]].dkg, NULL), VECHE_OK);
        ptr[q] = &cm[q];
    }
    assert_int_equal(veche_dkg_joint_key(&K, ptr, nqual, &c->params), VECHE_OK);
    assert_true(veche_point_eq(&K, &c->K));
    for (uint32_t j = 1; j <= w->n; j++) {
        assert_int_equal(veche_dkg_verification_key(&Kj, j, ptr, nqual, &c->params), VECHE_OK);
        assert_true(veche_point_eq(&Kj, &c->Kj[j]));
    }
    free(cm);
}

/* ---- decryption ---------------------------------------------------------------- */

/* Selection (c, s) of the test tally encrypts 3·c + s + 1 (so every one differs). */
static uint64_t plain(size_t c, size_t s)
{
    return 3 * c + s + 1;
}

static veche_ceremony_tally *make_tally(const world *w, const veche_ceremony *c)
{
    veche_ceremony_tally *t = calloc(1, sizeof *t);
    veche_pubkey pk;

    assert_non_null(t);
    assert_int_equal(veche_pubkey_from_point(&pk, &c->K), VECHE_OK);
    t->ncontests = w->m.ncontests;
    for (size_t cc = 0; cc < t->ncontests; cc++) {
        t->nsel[cc] = w->m.contests[cc].nexplicit;
        for (size_t s = 0; s < t->nsel[cc]; s++)
            veche_encrypt_random(&t->ct[cc][s], NULL, &pk, plain(cc, s), NULL);
    }
    veche_pubkey_free(&pk);
    return t;
}

static const uint8_t fingerprint[32] = "election fingerprint for tests";

/* Every selection of the combination is plain(c, s)·G. */
static void expect_plain(const veche_point (*M)[VECHE_MAX_SELECTIONS],
                         const veche_ceremony_tally *t)
{
    veche_point want;
    for (size_t c = 0; c < t->ncontests; c++)
        for (size_t s = 0; s < t->nsel[c]; s++) {
            veche_point_mul_base_u64(&want, plain(c, s));
            assert_true(veche_point_eq(&want, &M[c][s]));
        }
}

/* Every subset of size k of {1..n} (as bits) combines to the plaintexts. */
static void combine_every_subset(const veche_decryption *dec, const veche_ceremony_tally *t,
                                 uint32_t n, uint32_t k)
{
    veche_point (*M)[VECHE_MAX_SELECTIONS] = calloc(VECHE_MAX_CONTESTS, sizeof *M);
    veche_diag d = {{0}};
    size_t tried = 0;

    assert_non_null(M);
    for (unsigned bits = 0; bits < (1u << n); bits++) {
        uint32_t set[MAXN];
        size_t count = 0;
        for (uint32_t j = 1; j <= n; j++)
            if (bits & (1u << (j - 1)))
                set[count++] = j;
        if (count != k)
            continue;
        if (veche_decryption_combine(M, dec, set, count, &d) != VECHE_OK)
            fail_msg("combine: %s", d.msg);
        expect_plain((const veche_point (*)[VECHE_MAX_SELECTIONS])M, t);
        tried++;
    }
    assert_true(tried > 0);
    free(M);
}

/* Each trustee publishes its decryption; every one is accepted. */
static void decrypt_all(world *w, veche_decryption *dec, const veche_ceremony_tally *t)
{
    veche_ceremony *c = evaluate(w);
    veche_diag d = {{0}};
    char *entry;
    size_t len;

    for (uint32_t j = 1; j <= w->n; j++) {
        if (veche_trustee_decryption_entry(&entry, &len, &w->st[j], c, t, fingerprint, &w->tk[j],
                                           NULL, &d) != VECHE_OK)
            fail_msg("decryption by %u: %s", j, d.msg);
        append(w, entry, len);
    }
    c = evaluate(w);
    assert_int_equal(veche_decryption_init(dec, c, t, fingerprint, &d), VECHE_OK);
    for (size_t k = 0; k < w->nentries; k++) {
        veche_entry *e = &w->entries[k];
        veche_ceremony_item it = {k, e->type, e->author, e->body};
        if (strcmp(e->type, "trustee.decryption") != 0)
            continue;
        if (veche_decryption_add(dec, &it, &d) != VECHE_OK)
            fail_msg("decryption at %zu: %s", k, d.msg);
    }
}

/* ---- whole ceremonies -------------------------------------------------------------- */

static void honest_ceremony(uint32_t t, uint32_t n)
{
    world *w = world_new(t, n);
    veche_ceremony_tally *tally;
    veche_decryption dec;
    veche_ceremony *c;
    uint32_t all[MAXN] = {0};

    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_KEYS);
    keys_and_commits(w);
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_REVEALS);
    assert_true(c->commits_closed);
    for (uint32_t i = 1; i <= n; i++)
        publish_reveal(w, i);
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_CHECKS);
    assert_int_equal(c->nrefused, 0);
    for (uint32_t i = 1; i <= n; i++)
        all[i - 1] = i;
    expect_key(w, c, all, n);
    open_all(w, (const uint32_t[MAXN + 1]){0});
    c = evaluate(w);
    for (uint32_t j = 1; j <= n; j++)
        assert_int_equal(veche_trustee_secret_share(&w->st[j], c, NULL), VECHE_OK);
    publish_election_key(w);
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_KEYED);
    assert_true(c->key_ok);
    expect_key(w, c, all, n);

    tally = make_tally(w, c);
    decrypt_all(w, &dec, tally);
    combine_every_subset(&dec, tally, n, t);
    combine_every_subset(&dec, tally, n, n);
    veche_decryption_free(&dec);
    free(tally);
    world_free(w);
}

static void test_two_of_three(void **state)
{
    (void)state;
    honest_ceremony(2, 3);
}

static void test_three_of_five(void **state)
{
    (void)state;
    honest_ceremony(3, 5);
}

/* Threshold 1 of 1 works too: the degenerate ceremony. */
static void test_one_of_one(void **state)
{
    (void)state;
    honest_ceremony(1, 1);
}

/* ---- cheating ------------------------------------------------------------------------ */

/* Commitments built from the state directly, bypassing the builder's guard. */
static void publish_commitments_raw(world *w, uint32_t i)
{
    veche_dkg_commitments *cm = calloc(1, sizeof *cm);
    size_t len = VECHE_DKG_COMMITMENTS_BYTES(w->t);
    uint8_t buf[VECHE_DKG_COMMITMENTS_MAX_BYTES];

    assert_non_null(cm);
    assert_int_equal(veche_dkg_commitments_make(cm, &w->st[i].dkg, NULL), VECHE_OK);
    assert_int_equal(veche_dkg_commitments_encode(buf, len, cm), VECHE_OK);
    append_body(w, "trustee.commitments",
                json_pack("{s:s, s:i, s:o}", "election", ID, "trustee", (int)i, "commitments",
                          veche_b64_json(buf, len)),
                &w->tk[i]);
    free(cm);
}

static int refused_with(const veche_ceremony *c, uint64_t index, const char *words)
{
    for (size_t k = 0; k < c->nrefused; k++)
        if (c->refused[k].index == index)
            return strstr(c->refused[k].why, words) != NULL;
    return 0;
}

static void test_reveal_before_every_commit(void **state)
{
    world *w = world_new(2, 3);
    uint32_t q23[] = {2, 3};
    veche_ceremony *c;
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    (void)state;

    for (uint32_t i = 1; i <= 3; i++)
        publish_key(w, i);
    publish_commit(w, 1);
    publish_commit(w, 2);
    /* the builder refuses to reveal early ... */
    c = evaluate(w);
    assert_int_equal(veche_trustee_commitments_entry(&entry, &len, &w->st[1], c, &w->tk[1], NULL,
                                                     &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "not every trustee has committed"));
    assert_int_equal(veche_trustee_shares_entry(&entry, &len, &w->st[1], c, &w->tk[1], &d),
                     VECHE_EINVALID);
    /* ... so trustee 1 cheats by hand: its commitments are judged BAD */
    publish_commitments_raw(w, 1);
    publish_commit(w, 3);
    c = evaluate(w);
    assert_int_equal(c->tr[1].step[VECHE_ROUND_COMMITMENTS].state, VECHE_STEP_BAD);
    assert_non_null(strstr(c->tr[1].step[VECHE_ROUND_COMMITMENTS].why,
                           "before every trustee had committed (trustee 3 had not)"));
    /* revealing again later does not help: the first one counts */
    publish_commitments_raw(w, 1);
    for (uint32_t i = 2; i <= 3; i++)
        publish_reveal(w, i);
    c = evaluate(w);
    assert_true(refused_with(c, 9, "second trustee.commitments"));
    assert_false(c->tr[1].qualified);
    assert_false(c->tr[1].pending);
    assert_int_equal(c->phase, VECHE_PHASE_CHECKS);   /* trustee 1 owes nothing more */
    publish_election_key(w);
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_KEYED);
    assert_true(c->key_ok);
    expect_key(w, c, q23, 2);
    world_free(w);
}

/* A trustee who never reveals: the administrator closes the ceremony without it. */
static void test_close_without_a_silent_trustee(void **state)
{
    world *w = world_new(2, 3);
    uint32_t q12[] = {1, 2};
    veche_ceremony_tally *tally;
    veche_decryption dec;
    veche_ceremony *c;
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    (void)state;

    keys_and_commits(w);
    publish_reveal(w, 1);
    publish_reveal(w, 2);
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_REVEALS);
    assert_non_null(strstr(c->why, "from trustee(s) 3"));
    assert_true(c->tr[3].pending);
    assert_true(c->have_K);   /* of Q = {1, 2} so far */
    expect_key(w, c, q12, 2);
    publish_election_key(w);
    publish_commitments_raw(w, 3);   /* too late */
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_KEYED);
    assert_true(c->key_ok);
    assert_false(c->tr[3].pending);
    assert_non_null(strstr(c->tr[3].why, "no trustee.commitments before the ceremony closed"));
    assert_true(refused_with(c, veche_board_size(w->b) - 1, "the ceremony is closed"));
    /* and the builder will not try */
    assert_int_equal(veche_trustee_shares_entry(&entry, &len, &w->st[3], c, &w->tk[3], &d),
                     VECHE_EINVALID);

    /* trustees 1 and 2 decrypt; trustee 3 cannot */
    open_all(w, (const uint32_t[MAXN + 1]){0});
    c = evaluate(w);
    tally = make_tally(w, c);
    assert_int_equal(veche_trustee_decryption_entry(&entry, &len, &w->st[3], c, tally, fingerprint,
                                                    &w->tk[3], NULL, &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "not qualified"));
    assert_int_equal(veche_decryption_init(&dec, c, tally, fingerprint, &d), VECHE_OK);
    for (uint32_t j = 1; j <= 2; j++) {
        veche_entry e;
        veche_ceremony_item it;
        assert_int_equal(veche_trustee_decryption_entry(&entry, &len, &w->st[j], c, tally,
                                                        fingerprint, &w->tk[j], NULL, &d),
                         VECHE_OK);
        assert_int_equal(veche_entry_decode(&e, (uint8_t *)entry, len, NULL), VECHE_OK);
        it = (veche_ceremony_item){100 + j, e.type, e.author, e.body};
        assert_int_equal(veche_decryption_add(&dec, &it, &d), VECHE_OK);
        veche_entry_free(&e);
        free(entry);
    }
    combine_every_subset(&dec, tally, 2, 2);
    veche_decryption_free(&dec);
    free(tally);
    world_free(w);
}

/* The body of trustee i's shares entry with SHARE k (to recipient j) replaced. */
static void publish_shares_with(world *w, uint32_t i, uint32_t j, const veche_dkg_share *m)
{
    veche_ceremony *c = evaluate(w);
    veche_diag d = {{0}};
    uint8_t buf[VECHE_DKG_SHARE_BYTES];
    veche_entry e;
    char *entry;
    size_t len;
    json_t *body;

    assert_int_equal(veche_trustee_shares_entry(&entry, &len, &w->st[i], c, &w->tk[i], &d),
                     VECHE_OK);
    assert_int_equal(veche_entry_decode(&e, (uint8_t *)entry, len, NULL), VECHE_OK);
    free(entry);
    body = json_deep_copy(e.body);
    veche_entry_free(&e);
    veche_dkg_share_encode(buf, m);
    json_array_set_new(json_object_get(body, "shares"), j < i ? j - 1 : j - 2,
                       veche_b64_json(buf, sizeof buf));
    append_body(w, "trustee.shares", body, &w->tk[i]);
}

static void complain(world *w, uint32_t j, uint32_t i)
{
    veche_ceremony *c = evaluate(w);
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    if (veche_trustee_complaint_entry(&entry, &len, &w->st[j], c, i, &w->tk[j], NULL, &d) !=
        VECHE_OK)
        fail_msg("complaint: %s", d.msg);
    append(w, entry, len);
}

static const veche_ceremony_complaint *find_complaint(const veche_ceremony *c, uint32_t j,
                                                      uint32_t i)
{
    for (size_t k = 0; k < c->ncomplaints; k++)
        if (c->complaints[k].j == j && c->complaints[k].i == i)
            return &c->complaints[k];
    return NULL;
}

/*
 * 2-of-4. Dealer 2 deals trustee 3 a share that opens but is not f_2(3);
 * dealer 4's box to trustee 1 is unreadable. Both complaints find the
 * SENDER; Q = {1, 3}; the victims still get their x_j.
 */
static void test_bad_shares_caught_by_complaints(void **state)
{
    world *w = world_new(2, 4);
    uint32_t q13[] = {1, 3};
    veche_dkg_trustee liar;
    veche_dkg_share m;
    veche_ceremony *c;
    const veche_ceremony_complaint *k;
    (void)state;

    keys_and_commits(w);
    for (uint32_t i = 1; i <= 4; i++) {
        char *entry;
        size_t len;
        if (i != 2 && i != 4) {
            publish_reveal(w, i);
            continue;
        }
        c = evaluate(w);
        assert_int_equal(veche_trustee_commitments_entry(&entry, &len, &w->st[i], c, &w->tk[i],
                                                         NULL, NULL), VECHE_OK);
        append(w, entry, len);
        if (i == 2) {   /* a share of another polynomial, sealed properly */
            liar = w->st[2].dkg;
            veche_scalar_add(&liar.a[1], &liar.a[1], &veche_scalar_one_c);
            assert_int_equal(veche_dkg_share_seal(&m, &liar, &c->tr[3].key), VECHE_OK);
            veche_dkg_trustee_wipe(&liar);
            publish_shares_with(w, 2, 3, &m);
        } else {        /* a box that does not open */
            assert_int_equal(veche_dkg_share_seal(&m, &w->st[4].dkg, &c->tr[1].key), VECHE_OK);
            m.box[5] ^= 1;
            publish_shares_with(w, 4, 1, &m);
        }
    }
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_CHECKS);
    assert_int_equal(c->nqual, 4);   /* nobody has complained yet */
    open_all(w, (const uint32_t[MAXN + 1]){[1] = 4, [3] = 2});
    complain(w, 3, 2);
    complain(w, 1, 4);
    c = evaluate(w);
    assert_non_null(k = find_complaint(c, 3, 2));
    assert_int_equal(k->verdict, VECHE_DKG_VERDICT_SENDER);
    assert_non_null(k = find_complaint(c, 1, 4));
    assert_int_equal(k->verdict, VECHE_DKG_VERDICT_SENDER);
    assert_false(c->tr[2].qualified);
    assert_non_null(strstr(c->tr[2].why, "complaint by trustee 3"));
    assert_false(c->tr[4].qualified);
    expect_key(w, c, q13, 2);
    /* the victims have every share they need from Q */
    assert_int_equal(veche_trustee_secret_share(&w->st[1], c, NULL), VECHE_OK);
    assert_int_equal(veche_trustee_secret_share(&w->st[3], c, NULL), VECHE_OK);
    /* a disqualified trustee cannot decrypt */
    assert_int_equal(veche_trustee_secret_share(&w->st[2], c, NULL), VECHE_EINVALID);
    world_free(w);
}

/* A complaint against an honest dealer blames the complainer and changes nothing. */
static void test_false_complaint(void **state)
{
    world *w = world_new(2, 3);
    uint32_t all[] = {1, 2, 3};
    const veche_ceremony_complaint *k;
    veche_ceremony *c;
    (void)state;

    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    complain(w, 3, 1);
    complain(w, 3, 1);   /* once per pair: the second is refused */
    c = evaluate(w);
    assert_non_null(k = find_complaint(c, 3, 1));
    assert_int_equal(k->verdict, VECHE_DKG_VERDICT_COMPLAINER);
    assert_non_null(strstr(k->why, "false complaint"));
    assert_int_equal(c->nrefused, 1);
    assert_non_null(strstr(c->refused[0].why, "second complaint by trustee 3 against 1"));
    expect_key(w, c, all, 3);
    world_free(w);
}

/* A complaint whose proof fails (S_ij not e_j·E_i) shows nothing: verdict NONE. */
static void test_unprovable_complaint(void **state)
{
    world *w = world_new(2, 3);
    uint32_t all[] = {1, 2, 3};
    veche_dkg_complaint cp;
    uint8_t buf[VECHE_DKG_COMPLAINT_BYTES];
    const veche_ceremony_complaint *k;
    veche_ceremony *c;
    (void)state;

    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    c = evaluate(w);
    assert_int_equal(veche_dkg_complain(&cp, &w->st[2].dkg, &c->tr[3].key, NULL), VECHE_OK);
    veche_dkg_complaint_encode(buf, &cp);
    buf[100] ^= 1;   /* a byte of the proof's scalar */
    append_body(w, "trustee.complaint",
                json_pack("{s:s, s:i, s:o}", "election", ID, "trustee", 2, "complaint",
                          veche_b64_json(buf, sizeof buf)), &w->tk[2]);
    c = evaluate(w);
    assert_non_null(k = find_complaint(c, 2, 3));
    assert_int_equal(k->verdict, VECHE_DKG_VERDICT_NONE);
    expect_key(w, c, all, 3);
    world_free(w);
}

/* Entries by the wrong Ed25519 key are refused and change nothing. */
static void test_wrong_author_refused(void **state)
{
    world *w = world_new(2, 3);
    uint8_t buf[VECHE_DKG_KEY_BYTES];
    veche_ceremony *c;
    json_t *body;
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    (void)state;

    /* trustee 2's KEY signed by trustee 1, then by an outsider */
    veche_dkg_key_encode(buf, &w->st[2].dkg.key);
    append_body(w, "trustee.key", json_pack("{s:s, s:i, s:o}", "election", ID, "trustee", 2, "key",
                                            veche_b64_json(buf, sizeof buf)), &w->tk[1]);
    append_body(w, "trustee.key", json_pack("{s:s, s:i, s:o}", "election", ID, "trustee", 2, "key",
                                            veche_b64_json(buf, sizeof buf)), &w->outsider);
    /* the builder will not sign with a key that is not the state's */
    assert_int_equal(veche_trustee_key_entry(&entry, &len, &w->st[2], &w->tk[1], &d),
                     VECHE_EINVALID);
    c = evaluate(w);
    assert_int_equal(c->nrefused, 2);
    assert_true(refused_with(c, 2, "wrong author: not signed by trustee 2's key"));
    assert_true(refused_with(c, 3, "wrong author"));
    assert_int_equal(c->tr[2].step[VECHE_ROUND_KEY].state, VECHE_STEP_MISSING);
    /* the real ones still count */
    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    /* an election.key by a trustee, not the administrator, is refused */
    c = evaluate(w);
    assert_int_equal(veche_ceremony_election_key_body(&body, c, &d), VECHE_OK);
    append_body(w, "election.key", body, &w->tk[1]);
    /* another election's entry is refused */
    veche_dkg_key_encode(buf, &w->st[1].dkg.key);
    append_body(w, "trustee.key", json_pack("{s:s, s:i, s:o}", "election", "other", "trustee", 1,
                                            "key", veche_b64_json(buf, sizeof buf)), &w->tk[1]);
    c = evaluate(w);
    assert_true(refused_with(c, veche_board_size(w->b) - 2,
                             "election.key must be signed by the administrator"));
    assert_true(refused_with(c, veche_board_size(w->b) - 1, "not this election"));
    assert_int_equal(c->phase, VECHE_PHASE_CHECKS);
    assert_int_equal(c->nqual, 3);
    world_free(w);
}

/* The first entry of a kind counts: a second key is refused; a commit before the key fails. */
static void test_order_and_duplicates(void **state)
{
    world *w = world_new(2, 3);
    veche_ceremony *c;
    (void)state;

    publish_commit(w, 1);     /* before its key: BAD, and the ceremony can never complete */
    publish_key(w, 1);
    publish_key(w, 1);
    c = evaluate(w);
    assert_int_equal(c->tr[1].step[VECHE_ROUND_COMMIT].state, VECHE_STEP_BAD);
    assert_non_null(strstr(c->tr[1].step[VECHE_ROUND_COMMIT].why,
                           "before the trustee's trustee.key"));
    assert_true(refused_with(c, 4, "trustee 1's second trustee.key; the first (entry 3) counts"));
    assert_int_equal(c->phase, VECHE_PHASE_FAILED);
    assert_non_null(strstr(c->why, "trustee 1's trustee.commit (entry 2) is invalid"));
    world_free(w);
}

/* Commitments that are not what the hash committed to disqualify their dealer. */
static void test_commitments_must_match_hash(void **state)
{
    world *w = world_new(2, 3);
    uint32_t q12[] = {1, 2};
    veche_dkg_trustee real;
    veche_ceremony *c;
    (void)state;

    keys_and_commits(w);
    real = w->st[3].dkg;
    veche_scalar_add(&w->st[3].dkg.a[0], &w->st[3].dkg.a[0], &veche_scalar_one_c);
    publish_commitments_raw(w, 3);   /* another polynomial than the one committed */
    w->st[3].dkg = real;
    veche_dkg_trustee_wipe(&real);
    publish_reveal(w, 1);
    publish_reveal(w, 2);
    c = evaluate(w);
    assert_int_equal(c->tr[3].step[VECHE_ROUND_COMMITMENTS].state, VECHE_STEP_BAD);
    assert_non_null(strstr(c->tr[3].step[VECHE_ROUND_COMMITMENTS].why,
                           "do not match the trustee's commit"));
    assert_int_equal(c->phase, VECHE_PHASE_CHECKS);   /* nothing more to wait for from 3 */
    assert_true(c->have_K);
    assert_false(c->tr[3].pending);
    publish_election_key(w);
    c = evaluate(w);
    assert_true(c->key_ok);
    expect_key(w, c, q12, 2);
    assert_non_null(strstr(c->tr[3].why, "trustee.commitments"));
    world_free(w);
}

/* A wrong election.key is detected, with what is wrong. */
static void test_wrong_election_key(void **state)
{
    world *w = world_new(2, 3);
    uint8_t other[32];
    veche_ceremony *c;
    json_t *body;
    veche_diag d = {{0}};
    (void)state;

    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    c = evaluate(w);
    assert_int_equal(veche_ceremony_election_key_body(&body, c, &d), VECHE_OK);
    assert_int_equal(veche_ceremony_check_election_key(c, body, &d), VECHE_OK);

    /* a Q without trustee 3 */
    json_array_remove(json_object_get(body, "qualified"), 2);
    assert_int_equal(veche_ceremony_check_election_key(c, body, &d), VECHE_EVERIFY);
    assert_non_null(strstr(d.msg, "Q = [1, 2, 3]"));
    json_array_append_new(json_object_get(body, "qualified"), json_integer(3));
    /* another key */
    memcpy(other, c->K_enc, 32);
    other[0] ^= 2;
    json_object_set_new(body, "key", veche_b64_json(other, 32));
    assert_int_equal(veche_ceremony_check_election_key(c, body, &d), VECHE_EVERIFY);
    assert_non_null(strstr(d.msg, "not the joint key"));

    /* through the board: the first election.key by the administrator is judged */
    append_body(w, "election.key", body, &w->admin);
    publish_election_key(w);   /* a second one, right, but too late */
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_KEYED);
    assert_false(c->key_ok);
    assert_non_null(strstr(c->key_why, "not the joint key"));
    assert_true(refused_with(c, veche_board_size(w->b) - 1, "a second election.key"));
    world_free(w);
}

/* An election.key before enough trustees qualified: no joint key to match. */
static void test_election_key_too_early(void **state)
{
    world *w = world_new(2, 3);
    veche_ceremony *c;
    uint8_t fake[32] = {1};
    (void)state;

    keys_and_commits(w);
    publish_reveal(w, 1);
    append_body(w, "election.key", json_pack("{s:s, s:[i], s:o}", "election", ID, "qualified", 1,
                                             "key", veche_b64_json(fake, 32)), &w->admin);
    publish_commitments_raw(w, 2);   /* after the key: refused */
    c = evaluate(w);
    assert_int_equal(c->phase, VECHE_PHASE_KEYED);
    assert_false(c->key_ok);
    assert_non_null(strstr(c->key_why, "no joint key"));
    assert_true(refused_with(c, veche_board_size(w->b) - 1, "the ceremony is closed"));
    assert_int_equal(c->nqual, 1);
    assert_false(c->tr[2].pending);
    world_free(w);
}

/* ---- decryption refusals --------------------------------------------------------------- */

static void test_decryption_refusals(void **state)
{
    world *w = world_new(2, 3);
    veche_ceremony_tally *tally;
    veche_decryption dec;
    veche_point (*M)[VECHE_MAX_SELECTIONS] = calloc(VECHE_MAX_CONTESTS, sizeof *M);
    veche_ceremony *c;
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    veche_entry e;
    uint32_t one[] = {2}, dup[] = {2, 2}, with3[] = {1, 3};
    json_t *body;
    uint8_t buf[VECHE_DSHARE_BYTES];
    veche_ceremony_item it;
    (void)state;

    assert_non_null(M);
    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    open_all(w, (const uint32_t[MAXN + 1]){0});
    c = evaluate(w);
    tally = make_tally(w, c);
    /* no decryption before election.key */
    assert_int_equal(veche_trustee_decryption_entry(&entry, &len, &w->st[1], c, tally, fingerprint,
                                                    &w->tk[1], NULL, &d), VECHE_EINVALID);
    publish_election_key(w);
    c = evaluate(w);
    assert_int_equal(veche_decryption_init(&dec, c, tally, fingerprint, &d), VECHE_OK);

    for (uint32_t j = 1; j <= 2; j++) {
        assert_int_equal(veche_trustee_decryption_entry(&entry, &len, &w->st[j], c, tally,
                                                        fingerprint, &w->tk[j], NULL, &d),
                         VECHE_OK);
        assert_int_equal(veche_entry_decode(&e, (uint8_t *)entry, len, NULL), VECHE_OK);
        it = (veche_ceremony_item){10 + j, e.type, e.author, e.body};
        assert_int_equal(veche_decryption_add(&dec, &it, &d), VECHE_OK);
        /* the same again: a second one */
        assert_int_equal(veche_decryption_add(&dec, &it, &d), VECHE_EINVALID);
        assert_non_null(strstr(d.msg, "a second decryption"));
        /* by another key */
        it.author = w->tk[3].pk;
        assert_int_equal(veche_decryption_add(&dec, &it, &d), VECHE_EINVALID);
        assert_non_null(strstr(d.msg, "wrong author"));
        veche_entry_free(&e);
        free(entry);
    }
    /* trustee 3's share for contest 1, selection 2 replaced by one for another ciphertext */
    assert_int_equal(veche_trustee_decryption_entry(&entry, &len, &w->st[3], c, tally, fingerprint,
                                                    &w->tk[3], NULL, &d), VECHE_OK);
    assert_int_equal(veche_entry_decode(&e, (uint8_t *)entry, len, NULL), VECHE_OK);
    body = json_deep_copy(e.body);
    json_array_set(json_array_get(json_object_get(body, "shares"), 1), 2,
                   json_array_get(json_array_get(json_object_get(body, "shares"), 1), 1));
    it = (veche_ceremony_item){20, "trustee.decryption", w->tk[3].pk, body};
    assert_int_equal(veche_decryption_add(&dec, &it, &d), VECHE_EVERIFY);
    assert_non_null(strstr(d.msg, "body.shares[1][2]: trustee 3's share does not verify"));
    /* a share with a flipped proof byte */
    json_decref(body);
    body = json_deep_copy(e.body);
    assert_int_equal(veche_b64_get(buf, sizeof buf, json_array_get(json_array_get(
                         json_object_get(body, "shares"), 0), 0), "share", &d), VECHE_OK);
    buf[100] ^= 1;
    json_array_set_new(json_array_get(json_object_get(body, "shares"), 0), 0,
                       veche_b64_json(buf, sizeof buf));
    it.body = body;
    assert_int_equal(veche_decryption_add(&dec, &it, &d) == VECHE_OK, 0);
    assert_non_null(strstr(d.msg, "body.shares[0][0]"));
    json_decref(body);
    veche_entry_free(&e);
    free(entry);

    /* fewer than t, a repeated trustee, one with no accepted decryption */
    assert_int_equal(veche_decryption_combine(M, &dec, one, 1, &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "1 decryptions given; 2 to 3 needed"));
    assert_int_equal(veche_decryption_combine(M, &dec, dup, 2, &d), VECHE_EINVALID);
    assert_int_equal(veche_decryption_combine(M, &dec, with3, 2, &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "trustee 3 has no accepted decryption"));
    combine_every_subset(&dec, tally, 2, 2);   /* {1, 2} */
    veche_decryption_free(&dec);
    free(tally);
    free(M);
    world_free(w);
}

/* ---- the state file ------------------------------------------------------------------- */

static void expect_same_state(const veche_trustee_state *a, const veche_trustee_state *b)
{
    assert_string_equal(a->election, b->election);
    assert_memory_equal(a->manifest_hash, b->manifest_hash, 32);
    assert_memory_equal(a->author, b->author, 32);
    assert_int_equal(a->dkg.key.i, b->dkg.key.i);
    assert_memory_equal(a->dkg.key.E_enc, b->dkg.key.E_enc, 32);
    assert_int_equal(a->dkg.params.t, b->dkg.params.t);
    assert_int_equal(a->dkg.params.n, b->dkg.params.n);
    assert_memory_equal(a->dkg.params.fingerprint, b->dkg.params.fingerprint, 32);
    assert_true(veche_scalar_eq(&a->dkg.e, &b->dkg.e));
    for (uint32_t k = 0; k < a->dkg.params.t; k++)
        assert_true(veche_scalar_eq(&a->dkg.a[k], &b->dkg.a[k]));
    for (uint32_t j = 1; j <= a->dkg.params.n; j++) {
        assert_int_equal(a->have_share[j], b->have_share[j]);
        if (a->have_share[j])
            assert_true(veche_scalar_eq(&a->share[j], &b->share[j]));
    }
    assert_int_equal(a->have_x, b->have_x);
    if (a->have_x) {
        assert_int_equal(a->x_nqual, b->x_nqual);
        assert_memory_equal(a->x_qual, b->x_qual, a->x_nqual * sizeof a->x_qual[0]);
        assert_true(veche_scalar_eq(&a->x, &b->x));
    }
}

static void test_state_file(void **state)
{
    world *w = world_new(2, 3);
    veche_trustee_state back;
    veche_ceremony *c;
    struct stat sb;
    char path[160];
    veche_diag d = {{0}};
    (void)state;

    snprintf(path, sizeof path, "%s/trustee1.state", w->dir);
    assert_int_equal(veche_trustee_state_save(&w->st[1], path, 1, &d), VECHE_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* creating never replaces */
    assert_int_equal(veche_trustee_state_save(&w->st[2], path, 1, &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "never replaced"));
    assert_int_equal(veche_trustee_state_load(&back, path, &d), VECHE_OK);
    expect_same_state(&w->st[1], &back);
    /* the reloaded state still builds a valid key (its proof made anew) */
    assert_int_equal(veche_dkg_key_verify(&back.dkg.key, &back.dkg.params), VECHE_OK);
    veche_trustee_state_wipe(&back);

    /* with shares and x, through a whole ceremony */
    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    open_all(w, (const uint32_t[MAXN + 1]){0});
    c = evaluate(w);
    assert_int_equal(veche_trustee_secret_share(&w->st[1], c, &d), VECHE_OK);
    assert_int_equal(veche_trustee_state_save(&w->st[1], path, 0, &d), VECHE_OK);
    assert_int_equal(veche_trustee_state_load(&back, path, &d), VECHE_OK);
    expect_same_state(&w->st[1], &back);
    assert_int_equal(veche_trustee_state_check(&back, &w->m, w->mh, c, &d), VECHE_OK);
    /* the state of another trustee 1 (made anew) does not match the record */
    veche_trustee_state_wipe(&back);
    assert_int_equal(veche_trustee_state_new(&back, &w->m, w->mh, w->tk[1].pk, NULL, &d), VECHE_OK);
    assert_int_equal(veche_trustee_state_check(&back, &w->m, w->mh, c, &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "was the state made anew"));
    veche_trustee_state_wipe(&back);

    /* readable by others: refused */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(veche_trustee_state_load(&back, path, &d), VECHE_EINVALID);
    assert_non_null(strstr(d.msg, "chmod 600"));
    world_free(w);
}

/* Each line of a good state, changed, is refused with its line number. */
static void test_state_parse_refusals(void **state)
{
    world *w = world_new(2, 3);
    char text[VECHE_TRUSTEE_STATE_MAX], bad[VECHE_TRUSTEE_STATE_MAX + 64];
    veche_trustee_state back;
    size_t len;
    veche_diag d = {{0}};
    struct { const char *from, *to; const char *says; } cases[] = {
        {"veche-trustee-state v1", "veche-trustee-state v2", "line 1:"},
        {"election " ID, "election Council", "line 2:"},
        {"manifest ", "manifest x", "line 3:"},
        {"trustee 1 of 3 threshold 2", "trustee 4 of 3 threshold 2", "line 4:"},
        {"trustee 1 of 3 threshold 2", "trustee 1 of 3 threshold 4", "line 4:"},
        {"trustee 1 of 3 threshold 2", "trustee 01 of 3 threshold 2", "line 4:"},
        {"trustee 1 of 3 threshold 2", "trustee 1  of 3 threshold 2", "line 4:"},
        {"author ", "author  ", "line 5:"},
        {"\ne ", "\ne AAAA", "line 6:"},
        {"\na ", "\nb ", "line 7:"},
        {"share 2 ", "share 1 ", "line 10:"},
        {"share 3 ", "share 2 ", "line 11:"},
        {"\nx 1,2,3 ", "\nx 1,3,2 ", "line 12:"},
        {"\nx 1,2,3 ", "\nx 1,2,3, ", "line 12:"},
        {"\nx 1,2,3 ", "\nz 1,2,3 ", "line 12:"},
    };
    (void)state;

    keys_and_commits(w);
    for (uint32_t i = 1; i <= 3; i++)
        publish_reveal(w, i);
    open_all(w, (const uint32_t[MAXN + 1]){0});
    assert_int_equal(veche_trustee_secret_share(&w->st[1], evaluate(w), &d), VECHE_OK);
    assert_int_equal(veche_trustee_state_format(text, sizeof text, &len, &w->st[1], &d), VECHE_OK);
    assert_int_equal(veche_trustee_state_parse(&back, text, len, &d), VECHE_OK);
    expect_same_state(&w->st[1], &back);
    veche_trustee_state_wipe(&back);

    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *at = strstr(text, cases[k].from);
        size_t pre, flen = strlen(cases[k].from);
        assert_non_null(at);
        pre = (size_t)(at - text);
        memcpy(bad, text, pre);
        strcpy(bad + pre, cases[k].to);
        strcpy(bad + pre + strlen(cases[k].to), at + flen);
        if (veche_trustee_state_parse(&back, bad, strlen(bad), &d) == VECHE_OK)
            fail_msg("case %zu accepted", k);
        if (strstr(d.msg, cases[k].says) == NULL)
            fail_msg("case %zu: \"%s\" does not say %s", k, d.msg, cases[k].says);
    }
    /* a byte >= 0x80 in place of a base64 digit (libsodium 1.0.18 would decode it) */
    memcpy(bad, text, len + 1);
    bad[strstr(bad, "\ne ") - bad + 3] = (char)0xd3;
    assert_int_equal(veche_trustee_state_parse(&back, bad, len, &d), VECHE_EENCODING);
    assert_non_null(strstr(d.msg, "line 6:"));
    /* truncated: no final newline; a line after x; empty */
    assert_int_not_equal(veche_trustee_state_parse(&back, text, len - 1, &d), VECHE_OK);
    memcpy(bad, text, len);
    strcpy(bad + len, "x 1 AAAA\n");
    assert_int_not_equal(veche_trustee_state_parse(&back, bad, strlen(bad), &d), VECHE_OK);
    assert_int_not_equal(veche_trustee_state_parse(&back, "", 0, &d), VECHE_OK);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_of_three),
        cmocka_unit_test(test_three_of_five),
        cmocka_unit_test(test_one_of_one),
        cmocka_unit_test(test_reveal_before_every_commit),
        cmocka_unit_test(test_close_without_a_silent_trustee),
        cmocka_unit_test(test_bad_shares_caught_by_complaints),
        cmocka_unit_test(test_false_complaint),
        cmocka_unit_test(test_unprovable_complaint),
        cmocka_unit_test(test_wrong_author_refused),
        cmocka_unit_test(test_order_and_duplicates),
        cmocka_unit_test(test_commitments_must_match_hash),
        cmocka_unit_test(test_wrong_election_key),
        cmocka_unit_test(test_election_key_too_early),
        cmocka_unit_test(test_decryption_refusals),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_state_parse_refusals),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
