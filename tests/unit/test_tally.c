/*
 * test_tally.c — the counted set, the homomorphic tally and the result
 * (tally.h), on real records built through the library (election_world.h).
 *
 * Fates: before the open, after the close, a credential not on the list, an
 * invalid ballot, a re-vote (the earlier superseded), a re-vote that is
 * invalid (the earlier valid one still counts). The tally is the same on 1
 * or 3 threads and from the board or its export. Weights with high bits
 * (10^6, 2^16 + 1) decrypt to the weighted counts; an election nobody voted
 * in decrypts to zeros; the implicit selection is k·W − Σ. Published
 * tallies and results that differ anywhere are refused, naming the member.
 */
#include "election_world.h"

/* A world up to the open, with n voters of the given weights (NULL: 1 + i % 4). */
static world *opened(size_t n, const uint32_t *weights)
{
    world *w = world_new();
    world_ceremony(w);
    world_credentials(w, n, weights, &w->authority);
    world_open(w);
    return w;
}

static uint64_t append_altered(world *w, uint64_t index)
{
    uint8_t *b;
    size_t len;
    uint64_t at;
    char *p;
    veche_diag d = {{0}};

    assert_int_equal(veche_board_get(w->b, index, &b, &len, &d), VECHE_OK);
    p = strstr((char *)b, "\"proofs\":[\"");
    assert_non_null(p);
    p += 20;
    *p = *p == 'A' ? 'B' : 'A';   /* in a proof: the signature over the body fails */
    at = world_append(w, (char *)b, len);
    free(b);
    return at;
}

static uint64_t append_unlisted(world *w)
{
    veche_scalar x;
    uint8_t X[32];
    veche_choices ch = world_choices(0, 0);
    size_t len;
    char *e;
    uint64_t at;

    veche_schnorr_keygen(&x, X, NULL);
    e = world_ballot_for(w, &w->el->manifest, w->el->fingerprint, &x, X, &ch, &len);
    at = world_append(w, e, len);
    free(e);
    veche_scalar_wipe(&x);
    return at;
}

/* ---- fates ------------------------------------------------------------------------------- */

static void test_fates(void **state)
{
    world *w = world_new();
    veche_election *el;
    veche_pubkey K;
    veche_choices ch = world_choices(0, 0);
    veche_count *c;
    uint64_t early, v1, v2a, v2b, v3, v3bad, unl, v4a, v4b, v4bad, late;
    size_t len;
    char *e;
    veche_diag d = {{0}};
    (void)state;

    world_ceremony(w);
    world_credentials(w, 6, NULL, &w->authority);
    /* a ballot before the open: valid in itself (the fingerprint is already fixed) */
    el = world_load(w);
    assert_true(el->has_fingerprint);
    assert_int_equal(veche_pubkey_decode(&K, el->K), VECHE_OK);
    assert_int_equal(veche_ballot_build(&e, &len, &el->manifest, &K, el->fingerprint, &w->x[0],
                                        w->X[0], &ch, NULL, NULL, &d), VECHE_OK);
    early = world_append(w, e, len);
    free(e);
    veche_pubkey_free(&K);
    veche_election_free(el);
    world_open(w);

    ch = world_choices(1, 0);
    v1 = world_vote(w, 1, &ch);
    v2a = world_vote(w, 2, &ch);
    ch = world_choices(2, 1);
    v2b = world_vote(w, 2, &ch);
    v3 = world_vote(w, 3, &ch);
    v3bad = append_altered(w, v3);           /* a later, invalid re-vote: v3 still counts */
    unl = append_unlisted(w);
    v4a = world_vote(w, 4, &ch);
    v4b = world_vote(w, 4, &ch);
    v4bad = append_altered(w, v4b);
    world_close(w);
    late = world_vote(w, 5, &ch);

    c = world_count(w, 2);
    assert_int_equal(c->nballots, 11);
    assert_int_equal(veche_count_fate(c, early), VECHE_FATE_EARLY);
    assert_int_equal(veche_count_fate(c, v1), VECHE_FATE_COUNTED);
    assert_int_equal(veche_count_fate(c, v2a), VECHE_FATE_SUPERSEDED);
    assert_int_equal(veche_count_fate(c, v2b), VECHE_FATE_COUNTED);
    assert_int_equal(veche_count_fate(c, v3), VECHE_FATE_COUNTED);
    assert_int_equal(veche_count_fate(c, v3bad), VECHE_FATE_INVALID);
    assert_int_equal(veche_count_fate(c, unl), VECHE_FATE_UNLISTED);
    assert_int_equal(veche_count_fate(c, v4a), VECHE_FATE_SUPERSEDED);
    assert_int_equal(veche_count_fate(c, v4b), VECHE_FATE_COUNTED);
    assert_int_equal(veche_count_fate(c, v4bad), VECHE_FATE_INVALID);
    assert_int_equal(veche_count_fate(c, late), VECHE_FATE_LATE);
    assert_int_equal(veche_count_fate(c, 1), VECHE_FATES);   /* the manifest: no ballot */
    assert_int_equal(c->n[VECHE_FATE_COUNTED], 4);
    assert_int_equal(c->n[VECHE_FATE_SUPERSEDED], 2);
    assert_int_equal(c->n[VECHE_FATE_INVALID], 2);
    assert_int_equal(c->n[VECHE_FATE_EARLY] + c->n[VECHE_FATE_LATE] + c->n[VECHE_FATE_UNLISTED],
                     3);
    assert_int_equal(c->weight, w->weight[1] + w->weight[2] + w->weight[3] + w->weight[4]);
    /* the skipped, by index, with their reasons */
    assert_int_equal(c->nskipped, 5);
    assert_int_equal(c->skipped[0].index, early);
    assert_non_null(strstr(c->skipped[0].why, "before election.open (entry"));
    assert_int_equal(c->skipped[1].index, v3bad);
    if (strstr(c->skipped[1].why, "body.signature: does not verify") == NULL)
        fail_msg("why: %s", c->skipped[1].why);
    assert_int_equal(c->skipped[2].index, unl);
    assert_non_null(strstr(c->skipped[2].why, "is not on the list"));
    assert_int_equal(c->skipped[4].index, late);
    assert_non_null(strstr(c->skipped[4].why, "after election.close"));
    veche_count_free(c);
    world_free(w);
}

/* ---- the same tally however it is computed ------------------------------------------------- */

static void same_count(const veche_count *a, const veche_count *b)
{
    assert_int_equal(a->nballots, b->nballots);
    assert_int_equal(a->weight, b->weight);
    assert_memory_equal(a->n, b->n, sizeof a->n);
    assert_memory_equal(a->fate, b->fate, a->nballots);
    assert_int_equal(a->tally.ncontests, b->tally.ncontests);
    for (size_t c = 0; c < a->tally.ncontests; c++)
        for (size_t s = 0; s < a->tally.nsel[c]; s++)
            assert_true(veche_ciphertext_eq(&a->tally.ct[c][s], &b->tally.ct[c][s]));
}

static void test_threads_and_sources_agree(void **state)
{
    world *w = opened(test_quick() ? 6 : 12, NULL);
    veche_record_src src;
    veche_votes *v;
    veche_count *one, *three, *exp;
    veche_diag d = {{0}};
    (void)state;

    world_honest_votes(w);
    append_altered(w, w->ballot_index[1]);
    world_close(w);
    world_export(w);
    one = world_count(w, 1);
    three = world_count(w, 3);
    src = (veche_record_src){NULL, w->exp};
    assert_int_equal(veche_votes_load(&v, &src, WORLD_ID, &d), VECHE_OK);
    assert_int_equal(veche_count_ballots(&exp, v, 0, &d), VECHE_OK);
    same_count(one, three);
    same_count(one, exp);
    assert_int_equal(one->n[VECHE_FATE_COUNTED], w->nvoters);
    veche_count_free(one);
    veche_count_free(three);
    veche_count_free(exp);
    veche_votes_free(v);
    world_free(w);
}

/* ---- weights and the result ---------------------------------------------------------------- */

static void expect_counts(const world *w, const veche_result *r)
{
    uint64_t want[2][5], W;
    world_expected(w, want, &W);
    assert_int_equal(r->weight, W);
    assert_int_equal(r->ncontests, 2);
    assert_int_equal(r->nsel[0], 2);
    assert_int_equal(r->nsel[1], 5);
    for (size_t c = 0; c < 2; c++)
        for (size_t s = 0; s < r->nsel[c]; s++)
            assert_int_equal(r->counts[c][s], want[c][s]);
}

/* Weights whose bits reach 2^19: every accumulator row is used. */
static void test_weights_decrypt(void **state)
{
    static const uint32_t weights[] = {1, 2, 3, 5, 1000000, 65537, 7, 524288, 999999};
    world *w = opened(9, weights);
    veche_result r;
    json_t *body;
    (void)state;

    world_honest_votes(w);
    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 1);
    world_decrypt(w, 2);
    body = world_result_body(w, &r);
    expect_counts(w, &r);
    assert_int_equal(r.ntrustees, 2);
    assert_int_equal(r.trustees[0], 1);
    assert_int_equal(r.trustees[1], 2);
    /* the implicit "no" is 1·W − yes */
    assert_int_equal(r.counts[0][1], r.weight - r.counts[0][0]);
    json_decref(body);
    world_free(w);
}

static void test_nobody_voted(void **state)
{
    world *w = opened(3, NULL);
    veche_result r;
    json_t *body;
    (void)state;

    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 2);
    world_decrypt(w, 3);
    body = world_result_body(w, &r);
    assert_int_equal(r.weight, 0);
    for (size_t c = 0; c < 2; c++)
        for (size_t s = 0; s < r.nsel[c]; s++)
            assert_int_equal(r.counts[c][s], 0);
    json_decref(body);
    world_free(w);
}

/* ---- published tallies and results, checked --------------------------------------------------- */

static void expect_refused(veche_err e, const veche_diag *d, const char *words)
{
    assert_int_equal(e, VECHE_EVERIFY);
    if (strstr(d->msg, words) == NULL)
        fail_msg("\"%s\" not in: %s", words, d->msg);
}

static void test_tally_check(void **state)
{
    world *w = opened(5, NULL);
    veche_count *c;
    json_t *body, *row;
    veche_diag d = {{0}};
    (void)state;

    world_honest_votes(w);
    world_close(w);
    c = world_count(w, 0);
    assert_int_equal(veche_tally_body(&body, w->el, c, &d), VECHE_OK);
    assert_int_equal(veche_tally_check(body, w->el, c, &d), VECHE_OK);

    json_object_set_new(body, "ballots", json_integer(4));
    expect_refused(veche_tally_check(body, w->el, c, &d), &d, "body.ballots is 4");
    json_object_set_new(body, "ballots", json_integer((json_int_t)c->n[VECHE_FATE_COUNTED]));
    json_object_set_new(body, "weight", json_integer((json_int_t)c->weight + 1));
    expect_refused(veche_tally_check(body, w->el, c, &d), &d, "body.weight");
    json_object_set_new(body, "weight", json_integer((json_int_t)c->weight));
    row = json_array_get(json_object_get(body, "tally"), 1);
    json_array_set(row, 4, json_array_get(row, 3));
    expect_refused(veche_tally_check(body, w->el, c, &d), &d, "body.tally[1][4]");
    json_array_remove(row, 4);
    expect_refused(veche_tally_check(body, w->el, c, &d), &d, "body.tally[1]: must hold 5");
    json_decref(body);
    veche_count_free(c);
    world_free(w);
}

/* Judges the world's decryptions against its tally (dec to free by the caller). */
static void judged(world *w, veche_election **el, veche_ceremony **cer, veche_ceremony_tally *t,
                   veche_decryption *dec)
{
    veche_diag d = {{0}};
    size_t ignored;
    uint64_t bad;
    *cer = world_ceremony_now(w, el);
    assert_int_equal(veche_ceremony_tally_parse(t, veche_admin_first(*el, &(*el)->tallies)->body,
                                                &(*el)->manifest, &d), VECHE_OK);
    assert_int_equal(veche_decryption_init(dec, *cer, t, (*el)->fingerprint, &d), VECHE_OK);
    if (veche_decryptions_judge(dec, *el, &ignored, &bad, &d) != VECHE_OK)
        fail_msg("judge: %s", d.msg);
}

static void test_result_check(void **state)
{
    world *w = opened(6, NULL);
    veche_ceremony_tally *t = malloc(sizeof *t);
    veche_election *el;
    veche_ceremony *cer;
    veche_decryption dec;
    veche_result r, got;
    json_t *body, *counts;
    uint64_t W;
    veche_diag d = {{0}};
    (void)state;

    assert_non_null(t);
    world_honest_votes(w);
    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 1);
    world_decrypt(w, 3);
    body = world_result_body(w, &r);
    expect_counts(w, &r);
    W = r.weight;
    judged(w, &el, &cer, t, &dec);
    assert_int_equal(veche_result_check(&got, body, &dec, 1000, W, &d), VECHE_OK);
    assert_memory_equal(got.counts, r.counts, sizeof r.counts);

    /* a count one off, the implicit one not matching, a decryption after the result */
    counts = json_object_get(body, "counts");
    json_array_set_new(json_array_get(counts, 1), 2,
                       json_integer((json_int_t)r.counts[1][2] + 1));
    expect_refused(veche_result_check(NULL, body, &dec, 1000, W, &d), &d,
                   "body.counts[1][2] = ");
    json_array_set_new(json_array_get(counts, 1), 2, json_integer((json_int_t)r.counts[1][2]));
    json_array_set_new(json_array_get(counts, 0), 1, json_integer((json_int_t)r.counts[0][1] + 1));
    expect_refused(veche_result_check(NULL, body, &dec, 1000, W, &d), &d,
                   "body.counts[0][1]: the implicit selection");
    json_array_set_new(json_array_get(counts, 0), 1, json_integer((json_int_t)r.counts[0][1]));
    expect_refused(veche_result_check(NULL, body, &dec, dec.index[3] - 1, W, &d), &d,
                   "comes after the result");
    /* trustees: too few, one that did not decrypt */
    json_object_set_new(body, "trustees", json_pack("[i]", 1));
    expect_refused(veche_result_check(NULL, body, &dec, 1000, W, &d), &d, "2 to 3 needed");
    json_object_set_new(body, "trustees", json_pack("[i,i]", 1, 2));
    expect_refused(veche_result_check(NULL, body, &dec, 1000, W, &d), &d,
                   "trustee 2 has no valid decryption");
    /* a bound below the true count: no discrete log */
    {
        uint32_t set[] = {1, 3};
        veche_result low;
        if (r.counts[1][0] > 0) {
            assert_int_equal(veche_result_compute(&low, &dec, set, 2, r.counts[1][0] - 1, &d),
                             VECHE_ENOTFOUND);
            assert_non_null(strstr(d.msg, "decrypts to no count"));
        }
    }
    json_decref(body);
    veche_decryption_free(&dec);
    veche_ceremony_free(cer);
    veche_election_free(el);
    free(t);
    world_free(w);
}

/* Decryptions signed by no trustee are ignored; a trustee's second one is refused. */
static void test_decryptions_judged(void **state)
{
    world *w = opened(3, NULL);
    veche_ceremony_tally *t = malloc(sizeof *t);
    veche_election *el;
    veche_ceremony *cer;
    veche_decryption dec;
    json_t *j;
    char *entry;
    size_t len, ignored;
    uint64_t bad, second;
    veche_diag d = {{0}};
    (void)state;

    assert_non_null(t);
    world_honest_votes(w);
    world_close(w);
    world_publish_tally(w, world_honest_tally_body(w));
    world_decrypt(w, 1);
    entry = world_decryption_entry(w, 2, &len);
    assert_int_equal(veche_canon_parse(&j, entry, len, &d), VECHE_OK);
    free(entry);
    /* trustee 2's shares, signed by an outsider: no trustee's entry */
    world_append_body(w, VECHE_TTYPE_DECRYPTION, json_incref(json_object_get(j, "body")),
                      &w->outsider);
    json_decref(j);
    world_decrypt(w, 2);
    second = world_decrypt(w, 2);

    cer = world_ceremony_now(w, &el);
    assert_int_equal(veche_ceremony_tally_parse(t, veche_admin_first(el, &el->tallies)->body,
                                                &el->manifest, &d), VECHE_OK);
    assert_int_equal(veche_decryption_init(&dec, cer, t, el->fingerprint, &d), VECHE_OK);
    assert_int_equal(veche_decryptions_judge(&dec, el, &ignored, &bad, &d), VECHE_EINVALID);
    assert_int_equal(ignored, 1);
    assert_int_equal(bad, second);
    assert_non_null(strstr(d.msg, "a second decryption by trustee 2"));
    veche_decryption_free(&dec);
    veche_ceremony_free(cer);
    veche_election_free(el);
    free(t);
    world_free(w);
}

/* No credentials yet: nothing can be counted, and the message says why. */
static void test_not_ready(void **state)
{
    world *w = world_new();
    veche_record_src src = {NULL, NULL};
    veche_votes *v;
    veche_count *c;
    veche_diag d = {{0}};
    (void)state;

    world_ceremony(w);
    src.board = w->b;
    assert_int_equal(veche_votes_load(&v, &src, WORLD_ID, &d), VECHE_OK);
    assert_int_equal(veche_count_ballots(&c, v, 0, &d), VECHE_EINVALID);
    assert_null(c);
    assert_non_null(strstr(d.msg, "no complete credentials list"));
    veche_votes_free(v);
    assert_int_equal(veche_votes_load(&v, &src, "no-such-election", &d), VECHE_ENOTFOUND);
    assert_null(v);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fates),
        cmocka_unit_test(test_threads_and_sources_agree),
        cmocka_unit_test(test_weights_decrypt),
        cmocka_unit_test(test_nobody_voted),
        cmocka_unit_test(test_tally_check),
        cmocka_unit_test(test_result_check),
        cmocka_unit_test(test_decryptions_judged),
        cmocka_unit_test(test_not_ready),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
