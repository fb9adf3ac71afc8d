/*
 * test_ballot.c — ballots (src/election/ballot.h): built and verified for
 * every contest kind; refused when any byte changes, when checked under
 * another election, key, credential or manifest, when a choice is over the
 * limit or a ciphertext encrypts 2, when an option does not exist, when a
 * ballot is replayed under another credential; the Benaloh audit round trip
 * and its tampering; the voter's choices syntax.
 *
 * Manifests are built by hand (make_contest follows the design's rules for
 * the derived counts), so these tests depend on nothing but ballot.c.
 */
#include "testutil.h"

#include <sodium.h>
#include "board/entry.h"
#include "board/merkle.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"
#include "election/ballot.h"

/* ---- fixture ------------------------------------------------------------ */

static struct {
    veche_scalar k;              /* the election's secret key (single holder) */
    veche_pubkey K, K2;          /* the key, and another */
    uint8_t      fp[32], fp2[32];
    veche_scalar x, x2;          /* two voters' credentials */
    uint8_t      X[32], X2[32];
} fx;

static const char *const yes_no[] = {"yes", "no"};
static const char *const five[] = {"Ana", "Boris", "Chen", "Dana", "Emil"};
static const char *const three[] = {"north", "south", "east"};

/* A contest with the design's derived counts (ELECTION-DESIGN.md §10). */
static void make_contest(veche_contest *ct, const char *id, const char *const *opts, size_t n,
                         int blank, uint32_t min, uint32_t max)
{
    memset(ct, 0, sizeof *ct);
    ct->id = id;
    ct->question = "?";
    for (size_t i = 0; i < n; i++)
        ct->options[i] = opts[i];
    ct->noptions = n;
    ct->blank = blank;
    ct->min = min;
    ct->max = max;
    ct->nsel = n + (blank ? 1 : 0);
    if (min == max) {
        ct->nexplicit = ct->nsel - 1;
        ct->sum_lo = max > 0 ? max - 1 : 0;
        ct->sum_hi = max < ct->nexplicit ? max : ct->nexplicit;
    } else {
        ct->nexplicit = ct->nsel;
        ct->sum_lo = min;
        ct->sum_hi = max;
    }
    ct->sum_proof = !(ct->nexplicit == 1 && ct->sum_lo == 0 && ct->sum_hi == 1);
}

static void make_manifest(veche_manifest *m, const char *id)
{
    memset(m, 0, sizeof *m);
    m->id = id;
    m->title = "test";
    m->organisation = "test";
}

static veche_manifest referendum(void)
{
    veche_manifest m;
    make_manifest(&m, "ref-2025");
    m.ncontests = 1;
    make_contest(&m.contests[0], "ref", yes_no, 2, 0, 1, 1);
    return m;
}

static veche_manifest referendum_blank(void)
{
    veche_manifest m;
    make_manifest(&m, "ref-2025");
    m.ncontests = 1;
    make_contest(&m.contests[0], "ref", yes_no, 2, 1, 1, 1);
    return m;
}

static veche_manifest council(void)
{
    veche_manifest m;
    make_manifest(&m, "council-2025");
    m.ncontests = 1;
    make_contest(&m.contests[0], "seats", five, 5, 0, 0, 2);
    return m;
}

static veche_manifest exact_two(void)
{
    veche_manifest m;
    make_manifest(&m, "exact");
    m.ncontests = 1;
    make_contest(&m.contests[0], "pick2", three, 3, 0, 2, 2);
    return m;
}

/* All four kinds on one ballot. */
static veche_manifest combined(void)
{
    veche_manifest m;
    make_manifest(&m, "combined");
    m.ncontests = 4;
    make_contest(&m.contests[0], "ref", yes_no, 2, 0, 1, 1);
    make_contest(&m.contests[1], "ref-blank", yes_no, 2, 1, 1, 1);
    make_contest(&m.contests[2], "seats", five, 5, 0, 0, 2);
    make_contest(&m.contests[3], "pick2", three, 3, 0, 2, 2);
    return m;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(veche_crypto_init(), VECHE_OK);
    assert_int_equal(veche_keypair_generate(&fx.k, &fx.K, NULL), VECHE_OK);
    {
        veche_scalar k2;
        assert_int_equal(veche_keypair_generate(&k2, &fx.K2, NULL), VECHE_OK);
        veche_scalar_wipe(&k2);
    }
    randombytes_buf(fx.fp, 32);
    randombytes_buf(fx.fp2, 32);
    veche_schnorr_keygen(&fx.x, fx.X, NULL);
    veche_schnorr_keygen(&fx.x2, fx.X2, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    veche_pubkey_free(&fx.K);
    veche_pubkey_free(&fx.K2);
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static char *build(const veche_manifest *m, const veche_choices *ch, size_t *len)
{
    char *entry;
    veche_diag d = {{0}};
    veche_err e = veche_ballot_build(&entry, len, m, &fx.K, fx.fp, &fx.x, fx.X, ch, NULL, NULL, &d);
    if (e != VECHE_OK)
        fail_msg("build: %s", d.msg);
    return entry;
}

static void verify_ok(const veche_manifest *m, const char *entry, size_t len, veche_ballot *out)
{
    veche_diag d = {{0}};
    if (veche_ballot_verify(out, (const uint8_t *)entry, len, m, &fx.K, fx.fp, &d) != VECHE_OK)
        fail_msg("verify: %s\n%s", d.msg, entry);
}

/* Refused under (K, fp), with a message containing why. */
static void verify_refused(const veche_manifest *m, const char *entry, size_t len,
                           const veche_pubkey *K, const uint8_t *fp, const char *why)
{
    veche_ballot b;
    veche_diag d = {{0}};
    assert_int_not_equal(veche_ballot_verify(&b, (const uint8_t *)entry, len, m, K, fp, &d),
                         VECHE_OK);
    assert_null(b.ct);
    if (strstr(d.msg, why) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", d.msg, why);
}

/* Decrypts every explicit selection and compares with the choices. */
static void expect_plaintexts(const veche_manifest *m, const veche_ballot *b,
                              const veche_choices *ch)
{
    assert_int_equal(b->ncontests, m->ncontests);
    for (size_t c = 0; c < m->ncontests; c++) {
        assert_int_equal(b->first[c + 1] - b->first[c], m->contests[c].nexplicit);
        for (size_t s = 0; s < m->contests[c].nexplicit; s++) {
            veche_point M, want;
            veche_decrypt_point(&M, &fx.k, &b->ct[b->first[c] + s]);
            veche_point_mul_base_u64(&want, ch->mark[c][s]);
            assert_true(veche_point_eq(&M, &want));
        }
    }
}

/* Builds, verifies, decrypts; checks the tracking code and the body's shape. */
static void round_trip(const veche_manifest *m, const veche_choices *ch)
{
    size_t len;
    char *entry = build(m, ch, &len), code[VECHE_TRACKING_CODE_CHARS + 1], want[64];
    veche_ballot b;
    veche_hash h;
    json_t *j;
    veche_diag d = {{0}};

    verify_ok(m, entry, len, &b);
    expect_plaintexts(m, &b, ch);
    assert_memory_equal(b.credential, fx.X, 32);
    veche_merkle_leaf_hash(h, (const uint8_t *)entry, len);
    assert_memory_equal(b.tracking, h, 32);
    veche_ballot_tracking_code(code, (const uint8_t *)entry, len);
    sodium_bin2base64(want, sizeof want, h, 32, sodium_base64_VARIANT_ORIGINAL);
    assert_string_equal(code, want);
    assert_int_equal(strlen(code), VECHE_TRACKING_CODE_CHARS);
    assert_int_equal(veche_canon_parse(&j, entry, len, &d), VECHE_OK);
    {   /* the same from the parsed entry, as the loader hands it over */
        veche_ballot b2;
        assert_int_equal(veche_ballot_verify_decoded(&b2, (uint8_t *)entry, len, j, m, &fx.K,
                                                     fx.fp, &d), VECHE_OK);
        assert_memory_equal(b2.tracking, b.tracking, 32);
        assert_memory_equal(b2.first, b.first, sizeof b.first);
        veche_ballot_free(&b2);
    }
    if (veche_ballot_check_body(json_object_get(j, "body"), &d) != VECHE_OK)
        fail_msg("check_body: %s", d.msg);
    for (size_t c = 0; c < m->ncontests; c++) {
        json_t *cj = json_array_get(json_object_get(json_object_get(j, "body"), "contests"), c);
        assert_int_equal(json_object_get(cj, "sum_proof") != NULL, m->contests[c].sum_proof);
    }
    json_decref(j);
    veche_ballot_free(&b);
    assert_null(b.ct);
    free(entry);
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
    char buf[2048];
    sodium_bin2base64(buf, sizeof buf, p, n, sodium_base64_VARIANT_ORIGINAL);
    return json_string(buf);
}

/* The entry's JSON, for surgery. */
static json_t *parse(const char *entry, size_t len)
{
    json_t *j;
    veche_diag d = {{0}};
    assert_int_equal(veche_canon_parse(&j, entry, len, &d), VECHE_OK);
    return j;
}

static json_t *contest_of(json_t *entry, size_t c)
{
    return json_array_get(json_object_get(json_object_get(entry, "body"), "contests"), c);
}

/* Re-signs the body as the holder of (x, X) would, and re-serializes: what
 * a voter who forges their own ballot can do. */
static char *resign(json_t *entry, const veche_scalar *x, const uint8_t X[32], size_t *len)
{
    json_t *body = json_object_get(entry, "body");
    uint8_t sig[64];
    char *msg, *out;
    size_t mlen;
    veche_ctx ctx;
    veche_diag d = {{0}};

    json_object_del(body, "signature");
    assert_int_equal(veche_canon_dump(&msg, &mlen, body, &d), VECHE_OK);
    veche_ctx_init(&ctx, fx.fp);
    memcpy(ctx.party, X, 32);
    ctx.index[0] = ctx.index[1] = VECHE_INDEX_NONE;
    assert_int_equal(veche_sign(sig, x, X, (uint8_t *)msg, mlen, &ctx, NULL), VECHE_OK);
    free(msg);
    json_object_set_new(body, "signature", b64_json(sig, 64));
    assert_int_equal(veche_canon_dump(&out, len, entry, &d), VECHE_OK);
    return out;
}

/* A ciphertext of m and a [0,1] proof claiming `claim`, for (c, s) and credential X. */
static void forge_selection(json_t *contest, size_t c, size_t s, uint64_t m, uint64_t claim,
                            const uint8_t X[32], int append)
{
    veche_ciphertext ct;
    veche_scalar r;
    uint8_t enc[64], proof[256];
    veche_ctx ctx;

    veche_encrypt_random(&ct, &r, &fx.K, m, NULL);
    veche_ciphertext_encode(enc, &ct);
    veche_ctx_init(&ctx, fx.fp);
    memcpy(ctx.party, X, 32);
    ctx.index[0] = (uint32_t)c;
    ctx.index[1] = (uint32_t)s;
    assert_int_equal(veche_range_prove(proof, 256, &fx.K, &ct, claim, &r, 0, 1, &ctx, NULL),
                     VECHE_OK);
    if (append) {
        json_array_append_new(json_object_get(contest, "ciphertexts"), b64_json(enc, 64));
        json_array_append_new(json_object_get(contest, "proofs"), b64_json(proof, 256));
    } else {
        json_array_set_new(json_object_get(contest, "ciphertexts"), s, b64_json(enc, 64));
        json_array_set_new(json_object_get(contest, "proofs"), s, b64_json(proof, 256));
    }
}

/* ---- building and verifying every kind ---------------------------------- */

static void test_referendum(void **state)
{
    veche_manifest m = referendum();
    (void)state;
    for (int yes = 0; yes < 2; yes++) {
        veche_choices ch = {{{0}}};
        ch.mark[0][yes ? 0 : 1] = 1;
        round_trip(&m, &ch);
    }
}

static void test_referendum_blank(void **state)
{
    veche_manifest m = referendum_blank();
    (void)state;
    for (int s = 0; s < 3; s++) {        /* yes, no, blank (the implicit one) */
        veche_choices ch = {{{0}}};
        ch.mark[0][s] = 1;
        round_trip(&m, &ch);
    }
}

static void test_council(void **state)
{
    veche_manifest m = council();
    static const uint8_t picks[][5] = {
        {0, 0, 0, 0, 0}, {0, 0, 1, 0, 0}, {1, 0, 0, 0, 1}, {0, 1, 1, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
        veche_choices ch = {{{0}}};
        memcpy(ch.mark[0], picks[i], 5);
        round_trip(&m, &ch);
    }
}

static void test_exact_k_implicit(void **state)
{
    veche_manifest m = exact_two();
    static const uint8_t picks[][3] = {{1, 1, 0}, {1, 0, 1}, {0, 1, 1}};
    (void)state;
    assert_int_equal(m.contests[0].nexplicit, 2);
    for (size_t i = 0; i < 3; i++) {
        veche_choices ch = {{{0}}};
        memcpy(ch.mark[0], picks[i], 3);
        round_trip(&m, &ch);
    }
}

static void test_combined(void **state)
{
    veche_manifest m = combined();
    veche_choices ch = {{{0}}};
    (void)state;
    ch.mark[0][1] = 1;
    ch.mark[1][2] = 1;
    ch.mark[2][0] = ch.mark[2][4] = 1;
    ch.mark[3][0] = ch.mark[3][2] = 1;
    round_trip(&m, &ch);
}

/* A seeded rng gives the same bytes: the order of draws is the header's. */
static void test_deterministic(void **state)
{
    veche_manifest m = combined();
    veche_choices ch = {{{0}}};
    uint8_t seed[32] = {7};
    veche_rng r1, r2;
    char *e1, *e2;
    size_t l1, l2;
    veche_diag d = {{0}};
    (void)state;
    ch.mark[0][0] = ch.mark[1][0] = ch.mark[2][1] = ch.mark[3][0] = ch.mark[3][1] = 1;
    veche_rng_seed(&r1, seed);
    veche_rng_seed(&r2, seed);
    assert_int_equal(veche_ballot_build(&e1, &l1, &m, &fx.K, fx.fp, &fx.x, fx.X, &ch, NULL, &r1, &d),
                     VECHE_OK);
    assert_int_equal(veche_ballot_build(&e2, &l2, &m, &fx.K, fx.fp, &fx.x, fx.X, &ch, NULL, &r2, &d),
                     VECHE_OK);
    assert_int_equal(l1, l2);
    assert_memory_equal(e1, e2, l1);
    free(e1);
    free(e2);
}

/* ---- refused at build ---------------------------------------------------- */

static void build_refused(const veche_manifest *m, const veche_choices *ch, veche_err want,
                          const char *why)
{
    char *entry = (char *)1;
    size_t len = 1;
    veche_ballot_secrets s;
    veche_diag d = {{0}};
    assert_int_equal(veche_ballot_build(&entry, &len, m, &fx.K, fx.fp, &fx.x, fx.X, ch, &s, NULL,
                                        &d), want);
    assert_null(entry);
    assert_int_equal(len, 0);
    assert_null(s.nonce);
    if (strstr(d.msg, why) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", d.msg, why);
}

static void test_build_refuses(void **state)
{
    veche_manifest ref = referendum(), cou = council(), ex = exact_two();
    veche_choices ch;
    (void)state;

    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = ch.mark[0][1] = 1;
    build_refused(&ref, &ch, VECHE_ERANGE, "contest 0 (\"ref\"): 2 selections chosen; between 1 and 1");
    memset(&ch, 0, sizeof ch);
    build_refused(&ref, &ch, VECHE_ERANGE, "0 selections chosen");
    ch.mark[0][0] = ch.mark[0][1] = ch.mark[0][3] = 1;
    build_refused(&cou, &ch, VECHE_ERANGE, "3 selections chosen; between 0 and 2");
    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = 1;
    build_refused(&ex, &ch, VECHE_ERANGE, "1 selections chosen; between 2 and 2");
    ch.mark[0][1] = ch.mark[0][2] = 1;
    build_refused(&ex, &ch, VECHE_ERANGE, "3 selections chosen");
    memset(&ch, 0, sizeof ch);
    ch.mark[0][2] = 1;                   /* the referendum has no blank */
    build_refused(&ref, &ch, VECHE_EINVALID, "has 2 selections; there is no selection 2");
    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = 2;
    build_refused(&ref, &ch, VECHE_EINVALID, "a mark is 0 or 1");
    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = 1;
    ch.mark[1][0] = 1;
    build_refused(&ref, &ch, VECHE_EINVALID, "the election has 1 contests");

    /* a credential whose secret is not the public key's */
    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = 1;
    {
        char *entry;
        size_t len;
        veche_diag d = {{0}};
        assert_int_equal(veche_ballot_build(&entry, &len, &ref, &fx.K, fx.fp, &fx.x2, fx.X, &ch,
                                            NULL, NULL, &d), VECHE_EINVALID);
        assert_non_null(strstr(d.msg, "does not match"));
    }
    /* a manifest with inconsistent derived counts */
    ref.contests[0].nexplicit = 7;
    build_refused(&ref, &ch, VECHE_EINVALID, "inconsistent selection counts");
}

/* ---- refused at verification ---------------------------------------------- */

/* Every single-byte change of a ballot is refused (no two byte forms of one
 * ballot, nothing outside the signature's reach). */
static void every_byte(const veche_manifest *m, const veche_choices *ch)
{
    static const uint8_t masks[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
    size_t len, nmasks = test_quick() ? 2 : sizeof masks;
    char *entry = build(m, ch, &len);

    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < nmasks; k++) {
            veche_ballot b;
            veche_diag d = {{0}};
            char saved = entry[i];
            entry[i] = (char)(entry[i] ^ masks[k]);
            if (veche_ballot_verify(&b, (uint8_t *)entry, len, m, &fx.K, fx.fp, &d) == VECHE_OK)
                fail_msg("byte %zu ^ 0x%02x accepted: %s", i, masks[k], entry);
            assert_null(b.ct);
            entry[i] = saved;
        }
    /* and truncation / extension */
    verify_refused(m, entry, len - 1, &fx.K, fx.fp, "");
    {
        char *longer = malloc(len + 2);
        memcpy(longer, entry, len);
        longer[len] = '\n';
        verify_refused(m, longer, len + 1, &fx.K, fx.fp, "canonical");
        free(longer);
    }
    free(entry);
}

static void test_every_byte(void **state)
{
    veche_manifest ref = referendum(), cou = council();
    veche_choices ch = {{{0}}};
    (void)state;
    ch.mark[0][0] = 1;
    every_byte(&ref, &ch);
    if (!test_quick()) {
        ch.mark[0][3] = 1;
        every_byte(&cou, &ch);
    }
}

/*
 * libsodium 1.0.18 decodes every byte >= 0x80 as the base64 digit 63 ('/'):
 * "//" inside a base64 field, replaced by the two bytes of U+00E9 (same
 * length, valid UTF-8, same decoded bytes), must be refused as
 * non-canonical, or one ballot would have two encodings and two tracking
 * codes. The signature is the field where this matters (the body it signs
 * is unchanged): ballots are rebuilt until one's signature holds "//"
 * (about 1 in 47).
 */
static void test_non_alphabet_base64(void **state)
{
    veche_manifest ref = referendum();
    veche_choices ch = {{{0}}};
    veche_ballot b;
    veche_diag d = {{0}};
    size_t len;
    char *entry = NULL, *at = NULL;
    (void)state;

    ch.mark[0][0] = 1;
    for (int tries = 0; tries < 1000 && at == NULL; tries++) {
        char *sig;
        free(entry);
        entry = build(&ref, &ch, &len);
        sig = strstr(entry, "\"signature\":\"");
        assert_non_null(sig);
        at = strstr(sig, "//");
        if (at != NULL && at - sig > 13 + 86)
            at = NULL;   /* past the signature's 88 characters */
    }
    assert_non_null(at);
    verify_ok(&ref, entry, len, &b);
    veche_ballot_free(&b);
    at[0] = (char)0xc3;
    at[1] = (char)0xa9;
    assert_int_equal(veche_ballot_verify(&b, (const uint8_t *)entry, len, &ref, &fx.K, fx.fp, &d),
                     VECHE_EENCODING);
    assert_non_null(strstr(d.msg, "base64"));
    free(entry);
}

static void test_other_context(void **state)
{
    veche_manifest m = council(), other;
    veche_choices ch = {{{0}}};
    size_t len;
    char *entry;
    (void)state;
    ch.mark[0][1] = 1;
    entry = build(&m, &ch, &len);

    verify_refused(&m, entry, len, &fx.K, fx.fp2, "body.signature: does not verify");
    verify_refused(&m, entry, len, &fx.K2, fx.fp,
                   "body.contests[0].proofs[0]: the proof that the selection is 0 or 1 does not "
                   "verify");
    other = m;
    other.id = "council-2026";
    verify_refused(&other, entry, len, &fx.K, fx.fp, "body.election: not this election");
    other = referendum();
    other.id = m.id;
    verify_refused(&other, entry, len, &fx.K, fx.fp, "body.contests[0]: exactly \"ciphertexts\", "
                   "\"proofs\" (no \"sum_proof\") expected");
    other = m;                           /* 4 candidates: one ciphertext too many */
    make_contest(&other.contests[0], "seats", five, 4, 0, 0, 2);
    verify_refused(&other, entry, len, &fx.K, fx.fp, "body.contests[0]: \"ciphertexts\"");
    other = m;
    other.contests[0].min = 1;           /* [1, 3]: as many branches as [0, 2] */
    other.contests[0].max = 3;
    other.contests[0].sum_lo = 1;
    other.contests[0].sum_hi = 3;
    verify_refused(&other, entry, len, &fx.K, fx.fp, "body.contests[0].sum_proof: the proof that "
                   "the number of selections is in [1, 3] does not verify");
    other = m;
    other.ncontests = 2;
    make_contest(&other.contests[1], "ref", yes_no, 2, 0, 1, 1);
    verify_refused(&other, entry, len, &fx.K, fx.fp, "body.contests: must be an array of 2");
    free(entry);
}

static void test_replay_other_credential(void **state)
{
    veche_manifest m = referendum();
    veche_choices ch = {{{0}}};
    size_t len, len2;
    char *entry, *copy, *text;
    json_t *j;
    (void)state;
    ch.mark[0][0] = 1;
    entry = build(&m, &ch, &len);

    /* the credential swapped, signature kept: the signature fails */
    j = parse(entry, len);
    json_object_set_new(json_object_get(j, "body"), "credential", b64_json(fx.X2, 32));
    assert_int_equal(veche_canon_dump(&text, &len2, j, NULL), VECHE_OK);
    verify_refused(&m, text, len2, &fx.K, fx.fp, "body.signature: does not verify");
    free(text);
    /* and re-signed by the other credential's holder: the proofs still name
     * the first credential, so they fail */
    copy = resign(j, &fx.x2, fx.X2, &len2);
    verify_refused(&m, copy, len2, &fx.K, fx.fp, "body.contests[0].proofs[0]");
    free(copy);
    json_decref(j);

    /* an identity credential */
    j = parse(entry, len);
    {
        uint8_t zero[32] = {0};
        json_object_set_new(json_object_get(j, "body"), "credential", b64_json(zero, 32));
    }
    assert_int_equal(veche_canon_dump(&text, &len2, j, NULL), VECHE_OK);
    verify_refused(&m, text, len2, &fx.K, fx.fp, "body.credential: not a valid public key");
    free(text);
    json_decref(j);
    free(entry);
}

static void test_forged_two(void **state)
{
    veche_manifest m = referendum(), cou = council();
    veche_choices ch = {{{0}}};
    size_t len, len2;
    char *entry, *forged;
    json_t *j;
    (void)state;

    /* a referendum ciphertext of 2, its proof made as if it were 1 */
    ch.mark[0][0] = 1;
    entry = build(&m, &ch, &len);
    j = parse(entry, len);
    forge_selection(contest_of(j, 0), 0, 0, 2, 1, fx.X, 0);
    forged = resign(j, &fx.x, fx.X, &len2);
    verify_refused(&m, forged, len2, &fx.K, fx.fp,
                   "body.contests[0].proofs[0]: the proof that the selection is 0 or 1");
    free(forged);
    json_decref(j);
    free(entry);

    /* an over-limit council ballot: three valid 0/1 selections, the sum
     * proof made as if the sum were 2 */
    memset(&ch, 0, sizeof ch);
    ch.mark[0][0] = ch.mark[0][1] = 1;
    entry = build(&cou, &ch, &len);
    j = parse(entry, len);
    {
        json_t *cj = contest_of(j, 0);
        veche_ciphertext ct, sum;
        veche_scalar r, rsum = veche_scalar_zero_c;
        uint8_t enc[64], proof[256], sproof[3 * 128];
        veche_ctx ctx;

        veche_ciphertext_zero(&sum);
        veche_ctx_init(&ctx, fx.fp);
        memcpy(ctx.party, fx.X, 32);
        for (uint32_t s = 0; s < 5; s++) {
            uint64_t v = s < 3;
            veche_encrypt_random(&ct, &r, &fx.K, v, NULL);
            ctx.index[0] = 0;
            ctx.index[1] = s;
            assert_int_equal(veche_range_prove(proof, 256, &fx.K, &ct, v, &r, 0, 1, &ctx, NULL),
                             VECHE_OK);
            veche_ciphertext_encode(enc, &ct);
            json_array_set_new(json_object_get(cj, "ciphertexts"), s, b64_json(enc, 64));
            json_array_set_new(json_object_get(cj, "proofs"), s, b64_json(proof, 256));
            veche_ciphertext_add(&sum, &sum, &ct);
            veche_scalar_add(&rsum, &rsum, &r);
        }
        ctx.index[1] = VECHE_INDEX_NONE;
        assert_int_equal(veche_range_prove(sproof, sizeof sproof, &fx.K, &sum, 2, &rsum, 0, 2,
                                           &ctx, NULL), VECHE_OK);
        json_object_set_new(cj, "sum_proof", b64_json(sproof, sizeof sproof));
    }
    forged = resign(j, &fx.x, fx.X, &len2);
    verify_refused(&cou, forged, len2, &fx.K, fx.fp,
                   "body.contests[0].sum_proof: the proof that the number of selections is in "
                   "[0, 2] does not verify");
    free(forged);
    json_decref(j);
    free(entry);
}

static void test_option_that_does_not_exist(void **state)
{
    veche_manifest m = referendum(), rb = referendum_blank();
    veche_choices ch = {{{0}}};
    size_t len, len2;
    char *entry, *forged;
    json_t *j;
    uint8_t junk[3 * 128] = {0};
    (void)state;
    ch.mark[0][0] = 1;
    entry = build(&m, &ch, &len);

    /* one more ciphertext, with a proof valid for its position */
    j = parse(entry, len);
    forge_selection(contest_of(j, 0), 0, 1, 0, 0, fx.X, 1);
    forged = resign(j, &fx.x, fx.X, &len2);
    verify_refused(&m, forged, len2, &fx.K, fx.fp,
                   "\"ciphertexts\" and \"proofs\" must be arrays of 1, the explicit selections "
                   "of contest \"ref\"");
    free(forged);
    json_decref(j);

    /* a sum proof where the contest has none */
    j = parse(entry, len);
    json_object_set_new(contest_of(j, 0), "sum_proof", b64_json(junk, 256));
    forged = resign(j, &fx.x, fx.X, &len2);
    verify_refused(&m, forged, len2, &fx.K, fx.fp, "(no \"sum_proof\") expected");
    free(forged);
    json_decref(j);
    free(entry);

    /* and none where there must be one */
    memset(&ch, 0, sizeof ch);
    ch.mark[0][1] = 1;
    entry = build(&rb, &ch, &len);
    j = parse(entry, len);
    json_object_del(contest_of(j, 0), "sum_proof");
    forged = resign(j, &fx.x, fx.X, &len2);
    verify_refused(&rb, forged, len2, &fx.K, fx.fp, "and \"sum_proof\" expected");
    free(forged);
    /* one of the wrong size */
    json_object_set_new(contest_of(j, 0), "sum_proof", b64_json(junk, 3 * 128));
    forged = resign(j, &fx.x, fx.X, &len2);
    verify_refused(&rb, forged, len2, &fx.K, fx.fp,
                   "body.contests[0].sum_proof: not base64 of 256 bytes");
    free(forged);
    json_decref(j);
    free(entry);
}

/* What decoding catches before any cryptography, each with its path. */
static void test_shape_messages(void **state)
{
    veche_manifest m = referendum();
    veche_choices ch = {{{0}}};
    size_t len, len2;
    char *entry, *text;
    json_t *j;
    (void)state;
    ch.mark[0][1] = 1;
    entry = build(&m, &ch, &len);

#define MUTATE(stmt, why)                                                    \
    do {                                                                     \
        j = parse(entry, len);                                               \
        stmt;                                                                \
        assert_int_equal(veche_canon_dump(&text, &len2, j, NULL), VECHE_OK); \
        verify_refused(&m, text, len2, &fx.K, fx.fp, why);                   \
        free(text);                                                          \
        json_decref(j);                                                      \
    } while (0)

    MUTATE(json_object_set_new(j, "sig", json_string("x")), "no board signature");
    MUTATE(json_object_set_new(j, "type", json_string("statement")),
           "type: \"election.ballot\" expected");
    MUTATE(json_object_set_new(j, "v", json_integer(2)), "v: must be 1");
    MUTATE(json_object_set_new(json_object_get(j, "body"), "extra", json_true()),
           "body: exactly");
    MUTATE(json_object_set_new(json_object_get(j, "body"), "credential", json_string("AAAA")),
           "body.credential: not base64 of 32 bytes");
    MUTATE(json_object_set_new(json_object_get(j, "body"), "signature", json_integer(1)),
           "body.signature: must be a base64 string");
    MUTATE(json_array_set_new(json_object_get(contest_of(j, 0), "ciphertexts"), 0,
                              json_string("!")),
           "body.contests[0].ciphertexts[0]: not base64 of 64 bytes");
    {
        uint8_t bad[64];
        memset(bad, 0xff, sizeof bad);   /* not canonical point encodings */
        MUTATE(json_array_set_new(json_object_get(contest_of(j, 0), "ciphertexts"), 0,
                                  b64_json(bad, 64)),
               "body.contests[0].ciphertexts[0]: not two canonical point encodings");
    }
#undef MUTATE
    {
        char big[8];
        verify_refused(&m, big, (size_t)VECHE_ENTRY_MAX_BYTES + 1, &fx.K, fx.fp, "the limit is");
    }
    free(entry);
}

/* ---- the Benaloh audit --------------------------------------------------- */

static char *audit_doc(const veche_manifest *m, const veche_choices *ch, size_t *len,
                       char **entry, size_t *elen)
{
    veche_ballot_secrets s;
    veche_diag d = {{0}};
    char *doc;
    assert_int_equal(veche_ballot_build(entry, elen, m, &fx.K, fx.fp, &fx.x, fx.X, ch, &s, NULL,
                                        &d), VECHE_OK);
    {
        size_t n = 0;
        for (size_t c = 0; c < m->ncontests; c++)
            n += m->contests[c].nexplicit;
        assert_int_equal(s.first[m->ncontests], n);
    }
    if (veche_ballot_audit_format(&doc, len, (uint8_t *)*entry, *elen, m, &s, &d) != VECHE_OK)
        fail_msg("audit_format: %s", d.msg);
    veche_ballot_secrets_free(&s);
    assert_null(s.nonce);
    return doc;
}

static void audit_refused(const veche_manifest *m, json_t *doc, const char *why)
{
    char *text;
    size_t len;
    veche_choices got;
    veche_diag d = {{0}};
    assert_int_equal(veche_canon_dump(&text, &len, doc, NULL), VECHE_OK);
    assert_int_not_equal(veche_ballot_audit_check(&got, NULL, (uint8_t *)text, len, m, &fx.K,
                                                  fx.fp, &d), VECHE_OK);
    if (strstr(d.msg, why) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", d.msg, why);
    free(text);
}

static void test_audit_round_trip(void **state)
{
    veche_manifest m = combined();
    veche_choices ch = {{{0}}}, got;
    char *doc, *entry, code[VECHE_TRACKING_CODE_CHARS + 1], want[VECHE_TRACKING_CODE_CHARS + 1];
    size_t len, elen;
    veche_diag d = {{0}};
    (void)state;
    ch.mark[0][1] = 1;
    ch.mark[1][2] = 1;                   /* blank, the implicit selection */
    ch.mark[2][1] = ch.mark[2][3] = 1;
    ch.mark[3][1] = ch.mark[3][2] = 1;   /* the implicit last one among them */
    doc = audit_doc(&m, &ch, &len, &entry, &elen);
    if (veche_ballot_audit_check(&got, code, (uint8_t *)doc, len, &m, &fx.K, fx.fp, &d) != VECHE_OK)
        fail_msg("audit_check: %s\n%s", d.msg, doc);
    assert_memory_equal(&got, &ch, sizeof ch);
    veche_ballot_tracking_code(want, (uint8_t *)entry, elen);
    assert_string_equal(code, want);
    /* the document embeds the entry byte for byte */
    assert_non_null(strstr(doc, entry));
    free(doc);
    free(entry);
}

static void test_audit_tampered(void **state)
{
    veche_manifest m = council();
    veche_choices ch = {{{0}}};
    char *doc, *entry;
    size_t len, elen;
    json_t *j, *c0;
    uint8_t enc[32];
    veche_scalar r;
    (void)state;
    ch.mark[0][2] = 1;
    doc = audit_doc(&m, &ch, &len, &entry, &elen);

    /* another (valid) nonce */
    j = parse(doc, len);
    c0 = json_array_get(json_object_get(j, "contests"), 0);
    veche_scalar_random(&r, NULL);
    veche_scalar_encode(enc, &r);
    json_array_set_new(json_object_get(c0, "nonces"), 2, b64_json(enc, 32));
    audit_refused(&m, j, "contests[0]: ciphertext 2 is not the encryption of 1");
    json_decref(j);
    /* a plaintext flipped: the voter is told a different story */
    j = parse(doc, len);
    c0 = json_array_get(json_object_get(j, "contests"), 0);
    json_array_set_new(json_object_get(c0, "plaintexts"), 2, json_integer(0));
    audit_refused(&m, j, "ciphertext 2 is not the encryption of 0");
    json_decref(j);
    j = parse(doc, len);
    c0 = json_array_get(json_object_get(j, "contests"), 0);
    json_array_set_new(json_object_get(c0, "plaintexts"), 0, json_integer(1));
    audit_refused(&m, j, "ciphertext 0 is not the encryption of 1");
    json_decref(j);
    j = parse(doc, len);
    c0 = json_array_get(json_object_get(j, "contests"), 0);
    json_array_set_new(json_object_get(c0, "plaintexts"), 0, json_integer(2));
    audit_refused(&m, j, "contests[0].plaintexts[0]: 0 or 1 expected");
    json_decref(j);
    /* a non-canonical nonce (L itself) */
    j = parse(doc, len);
    c0 = json_array_get(json_object_get(j, "contests"), 0);
    hex_to(enc, 32, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    json_array_set_new(json_object_get(c0, "nonces"), 0, b64_json(enc, 32));
    audit_refused(&m, j, "contests[0].nonces[0]: not a canonical scalar");
    json_decref(j);
    /* the ballot inside changed */
    j = parse(doc, len);
    json_object_set_new(json_object_get(json_object_get(j, "ballot"), "body"), "election",
                        json_string("other"));
    audit_refused(&m, j, "ballot: body.election");
    json_decref(j);
    /* a nonce missing */
    j = parse(doc, len);
    c0 = json_array_get(json_object_get(j, "contests"), 0);
    json_array_remove(json_object_get(c0, "nonces"), 4);
    audit_refused(&m, j, "arrays of 5, expected");
    json_decref(j);
    /* a document that is not canonical */
    {
        veche_diag d = {{0}};
        char *spaced = malloc(len + 2);
        memcpy(spaced, doc, len);
        spaced[len] = ' ';
        assert_int_not_equal(veche_ballot_audit_check(NULL, NULL, (uint8_t *)spaced, len + 1, &m,
                                                      &fx.K, fx.fp, &d), VECHE_OK);
        free(spaced);
    }
    /* secrets that do not fit the manifest */
    {
        veche_ballot_secrets s = {0};
        veche_manifest other = referendum();
        char *out;
        size_t olen;
        veche_diag d = {{0}};
        assert_int_equal(veche_ballot_audit_format(&out, &olen, (uint8_t *)entry, elen, &other,
                                                   &s, &d), VECHE_EINVALID);
        assert_null(out);
    }
    free(doc);
    free(entry);
}

/* The real manifest parser derives what make_contest does, and its
 * manifest carries ballots like the hand-built one. */
static void test_parsed_manifest(void **state)
{
    static const char text[] =
        "{\"closes\":2000,\"contests\":["
        "{\"blank\":false,\"id\":\"ref\",\"max\":1,\"min\":1,\"options\":[\"yes\",\"no\"],\"question\":\"?\"},"
        "{\"blank\":true,\"id\":\"ref-blank\",\"max\":1,\"min\":1,\"options\":[\"yes\",\"no\"],\"question\":\"?\"},"
        "{\"blank\":false,\"id\":\"seats\",\"max\":2,\"min\":0,"
        "\"options\":[\"Ana\",\"Boris\",\"Chen\",\"Dana\",\"Emil\"],\"question\":\"?\"},"
        "{\"blank\":false,\"id\":\"pick2\",\"max\":2,\"min\":2,"
        "\"options\":[\"north\",\"south\",\"east\"],\"question\":\"?\"}],"
        "\"credential_authority\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
        "\"election\":\"combined\",\"opens\":1000,\"organisation\":\"test\",\"threshold\":1,"
        "\"title\":\"test\",\"trustees\":[{\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\","
        "\"name\":\"t1\"}]}";
    veche_manifest parsed, hand = combined();
    veche_choices ch;
    json_t *body;
    veche_diag d = {{0}};
    (void)state;
    assert_int_equal(veche_canon_parse(&body, text, strlen(text), &d), VECHE_OK);
    if (veche_manifest_parse(&parsed, body, &d) != VECHE_OK)
        fail_msg("manifest: %s", d.msg);
    assert_int_equal(parsed.ncontests, hand.ncontests);
    for (size_t c = 0; c < hand.ncontests; c++) {
        const veche_contest *a = &parsed.contests[c], *b = &hand.contests[c];
        assert_int_equal(a->nsel, b->nsel);
        assert_int_equal(a->nexplicit, b->nexplicit);
        assert_int_equal(a->sum_lo, b->sum_lo);
        assert_int_equal(a->sum_hi, b->sum_hi);
        assert_int_equal(a->sum_proof, b->sum_proof);
    }
    assert_int_equal(veche_choices_parse(&ch, "ref:no;ref-blank:yes;seats:Dana;pick2:south,east",
                                         &parsed, &d), VECHE_OK);
    round_trip(&parsed, &ch);
    veche_manifest_free(&parsed);
    json_decref(body);
}

/* ---- the choices syntax --------------------------------------------------- */

static void choices_ok(const veche_manifest *m, const char *text, const veche_choices *want)
{
    veche_choices got;
    veche_diag d = {{0}};
    if (veche_choices_parse(&got, text, m, &d) != VECHE_OK)
        fail_msg("\"%s\": %s", text, d.msg);
    assert_memory_equal(&got, want, sizeof got);
}

static void choices_refused(const veche_manifest *m, const char *text, const char *why)
{
    veche_choices got;
    veche_diag d = {{0}};
    assert_int_not_equal(veche_choices_parse(&got, text, m, &d), VECHE_OK);
    if (strstr(d.msg, why) == NULL)
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, d.msg, why);
}

static void test_choices_parse(void **state)
{
    veche_manifest m = combined();
    veche_choices want = {{{0}}};
    (void)state;
    want.mark[0][0] = 1;
    want.mark[1][2] = 1;
    want.mark[2][1] = want.mark[2][4] = 1;
    want.mark[3][0] = want.mark[3][2] = 1;
    choices_ok(&m, "ref:yes;ref-blank:blank;seats:Boris,Emil;pick2:north,east", &want);
    choices_ok(&m, "0:0;1:2;2:1,4;3:0,2", &want);
    choices_ok(&m, " pick2 : 2 , north ;seats:4,Boris;0:yes;ref-blank:2", &want);
    memset(want.mark[2], 0, sizeof want.mark[2]);
    choices_ok(&m, "0:0;1:2;2:;3:0,2", &want);
    choices_ok(&m, "0:0;1:2;seats: ;3:0,2", &want);

    choices_refused(&m, "0:0;1:2;3:0,2", "contest \"seats\" (index 2) is missing; write \"seats:\"");
    choices_refused(&m, "0:0;1:2;2:;3:0,2;ref:no", "contest \"ref\" given twice");
    choices_refused(&m, "0:0;1:2;2:Zoe;3:0,2", "contest \"seats\" has no selection \"Zoe\"");
    choices_refused(&m, "0:0;1:2;2:5;3:0,2", "no selection \"5\"");
    choices_refused(&m, "0:blank;1:2;2:;3:0,2", "contest \"ref\" has no selection \"blank\"");
    choices_refused(&m, "0:0;1:2;2:1,1;3:0,2", "selection 1 chosen twice");
    choices_refused(&m, "0:0;1:2;2:1,;3:0,2", "no selection \"\"");
    choices_refused(&m, "0:0;1:2;mayor:1;3:0,2", "group 3: no contest \"mayor\"");
    choices_refused(&m, "0:0;1:2;2:;3:0,2;", "group 5 (\"\") has no ':'");
    choices_refused(&m, "", "group 1");
    /* over-limit choices parse; the build refuses them */
    memset(&want, 0, sizeof want);
    want.mark[0][0] = want.mark[0][1] = 1;
    {
        veche_manifest r = referendum();
        choices_ok(&r, "ref:yes,no", &want);
        build_refused(&r, &want, VECHE_ERANGE, "2 selections chosen");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_referendum),
        cmocka_unit_test(test_referendum_blank),
        cmocka_unit_test(test_council),
        cmocka_unit_test(test_exact_k_implicit),
        cmocka_unit_test(test_combined),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_build_refuses),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_non_alphabet_base64),
        cmocka_unit_test(test_other_context),
        cmocka_unit_test(test_replay_other_credential),
        cmocka_unit_test(test_forged_two),
        cmocka_unit_test(test_option_that_does_not_exist),
        cmocka_unit_test(test_shape_messages),
        cmocka_unit_test(test_audit_round_trip),
        cmocka_unit_test(test_audit_tampered),
        cmocka_unit_test(test_parsed_manifest),
        cmocka_unit_test(test_choices_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
