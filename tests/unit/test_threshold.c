/*
 * test_threshold.c — the t-of-n key ceremony and threshold decryption.
 *
 * Whole ceremonies (3-of-5, 2-of-3) with every message passed through its
 * encoding, then every quorum decrypting; a dealer who cheats (bad share,
 * unreadable box, commitments that do not match their hash) is caught and
 * its complaint is verifiable, a false complaint blames the complainer; fewer
 * than t shares cannot decrypt; any single changed byte of a message, or a
 * changed context, is rejected. Two hashes of threshold.h (h_i and the share
 * key) are recomputed here byte by byte from the header's description.
 */
#include "testutil.h"

#include <sodium.h>
#include "crypto/elgamal.h"
#include "crypto/threshold.h"

#define MAXN 5

/* Everything a ceremony leaves: the trustees' states and the public record. */
typedef struct ceremony {
    veche_dkg_params      p;
    veche_dkg_trustee     tr[MAXN + 1];           /* 1-based */
    veche_dkg_key         key[MAXN + 1];          /* as decoded from the record */
    veche_dkg_hash        h[MAXN + 1];
    veche_dkg_commitments c[MAXN + 1];
    veche_dkg_share       sh[MAXN + 1][MAXN + 1]; /* sh[i][j]: from i to j */
    veche_scalar          s[MAXN + 1][MAXN + 1];  /* s[i][j] as opened by j */
    const veche_dkg_commitments *qual[MAXN];
    size_t                nqual;
    veche_point           K, Kj[MAXN + 1];
    veche_scalar          x[MAXN + 1];
} ceremony;

static const uint8_t fp_ceremony[32] = "veche test ceremony fingerprint";
static const uint8_t fp_election[32] = "veche test election fingerprint";

static veche_rng *test_rng(veche_rng *rng, uint8_t tag)
{
    uint8_t seed[32] = {tag};
    veche_rng_seed(rng, seed);
    return rng;
}

/* ---- running the ceremony, every message through its encoding ------------ */

static void round0_keys(ceremony *cr, veche_rng *rng)
{
    for (uint32_t i = 1; i <= cr->p.n; i++) {
        uint8_t buf[VECHE_DKG_KEY_BYTES];
        assert_int_equal(veche_dkg_trustee_init(&cr->tr[i], &cr->p, i, NULL, rng), VECHE_OK);
        veche_dkg_key_encode(buf, &cr->tr[i].key);
        assert_int_equal(veche_dkg_key_decode(&cr->key[i], buf, &cr->p), VECHE_OK);
        assert_int_equal(veche_dkg_key_verify(&cr->key[i], &cr->p), VECHE_OK);
        assert_true(veche_point_eq(&cr->key[i].E, &cr->tr[i].key.E));
    }
}

/* Commit (HASH) and reveal (COMMITMENTS); everyone checks every dealer. */
static void round1_commit_reveal(ceremony *cr, veche_rng *rng)
{
    for (uint32_t i = 1; i <= cr->p.n; i++) {
        veche_dkg_commitments mine;
        veche_dkg_hash h;
        uint8_t hb[VECHE_DKG_HASH_BYTES], cb[VECHE_DKG_COMMITMENTS_MAX_BYTES];
        size_t clen = VECHE_DKG_COMMITMENTS_BYTES(cr->p.t);

        assert_int_equal(veche_dkg_commitments_make(&mine, &cr->tr[i], rng), VECHE_OK);
        assert_int_equal(veche_dkg_hash_make(&h, &mine, &cr->key[i], &cr->p), VECHE_OK);
        veche_dkg_hash_encode(hb, &h);
        assert_int_equal(veche_dkg_hash_decode(&cr->h[i], hb, &cr->p), VECHE_OK);
        assert_int_equal(veche_dkg_commitments_encode(cb, clen, &mine), VECHE_OK);
        assert_int_equal(veche_dkg_commitments_decode(&cr->c[i], cb, clen, &cr->p), VECHE_OK);
        assert_int_equal(veche_dkg_commitments_verify(&cr->c[i], &cr->h[i], &cr->key[i], &cr->p),
                         VECHE_OK);
    }
}

/* Every dealer seals a share to every other trustee; each recipient opens it. */
static void round2_shares(ceremony *cr)
{
    for (uint32_t i = 1; i <= cr->p.n; i++) {
        for (uint32_t j = 1; j <= cr->p.n; j++) {
            veche_dkg_share m;
            uint8_t buf[VECHE_DKG_SHARE_BYTES];
            if (i == j) {
                assert_int_equal(veche_dkg_share_eval(&cr->s[i][i], &cr->tr[i], i), VECHE_OK);
                continue;
            }
            assert_int_equal(veche_dkg_share_seal(&m, &cr->tr[i], &cr->key[j]), VECHE_OK);
            veche_dkg_share_encode(buf, &m);
            assert_int_equal(veche_dkg_share_decode(&cr->sh[i][j], buf, &cr->p), VECHE_OK);
            assert_int_equal(veche_dkg_share_open(&cr->s[i][j], &cr->sh[i][j], &cr->tr[j],
                                                  &cr->key[i], &cr->c[i]),
                             VECHE_OK);
        }
    }
}

/* The result over the dealers whose bit is set in `qualified` (bit i). */
static void finish(ceremony *cr, unsigned qualified)
{
    cr->nqual = 0;
    for (uint32_t i = 1; i <= cr->p.n; i++)
        if (qualified & (1u << i))
            cr->qual[cr->nqual++] = &cr->c[i];
    assert_int_equal(veche_dkg_joint_key(&cr->K, cr->qual, cr->nqual, &cr->p), VECHE_OK);
    for (uint32_t j = 1; j <= cr->p.n; j++) {
        veche_scalar mine[MAXN];
        size_t k = 0;
        for (uint32_t i = 1; i <= cr->p.n; i++)
            if (qualified & (1u << i))
                mine[k++] = cr->s[i][j];
        assert_int_equal(veche_dkg_verification_key(&cr->Kj[j], j, cr->qual, cr->nqual, &cr->p),
                         VECHE_OK);
        assert_int_equal(veche_dkg_secret_share(&cr->x[j], mine, k, &cr->Kj[j]), VECHE_OK);
    }
}

static unsigned all_trustees(uint32_t n)
{
    return ((1u << (n + 1)) - 1) & ~1u;
}

static ceremony *ceremony_run(uint32_t t, uint32_t n, uint8_t seed)
{
    ceremony *cr = calloc(1, sizeof *cr);
    veche_rng rng;

    assert_non_null(cr);
    assert_int_equal(veche_dkg_params_init(&cr->p, fp_ceremony, t, n), VECHE_OK);
    test_rng(&rng, seed);
    round0_keys(cr, &rng);
    round1_commit_reveal(cr, &rng);
    round2_shares(cr);
    finish(cr, all_trustees(n));
    return cr;
}

static void ceremony_free(ceremony *cr)
{
    for (uint32_t i = 1; i <= MAXN; i++)
        veche_dkg_trustee_wipe(&cr->tr[i]);
    free(cr);
}

/* ---- decryption by quorums ------------------------------------------------- */

/* Trustee j's share of ct, passed through its encoding and verified. */
static void make_dshare(veche_dshare *out, const ceremony *cr, uint32_t j,
                        const veche_ciphertext *ct, uint32_t item)
{
    veche_dshare sh;
    uint8_t buf[VECHE_DSHARE_BYTES];

    assert_int_equal(veche_dshare_make(&sh, j, &cr->x[j], &cr->Kj[j], ct, fp_election, item,
                                       NULL),
                     VECHE_OK);
    veche_dshare_encode(buf, &sh);
    assert_int_equal(veche_dshare_decode(out, buf, cr->p.n), VECHE_OK);
    assert_int_equal(veche_dshare_verify(out, &cr->Kj[j], ct, fp_election, item), VECHE_OK);
}

/* The trustees whose bits are set in `set` decrypt ct; the result is M. */
static veche_err quorum_decrypt(veche_point *M, const ceremony *cr, unsigned set,
                                const veche_ciphertext *ct)
{
    veche_dshare shares[MAXN];
    size_t k = 0;

    for (uint32_t j = 1; j <= cr->p.n; j++)
        if (set & (1u << j))
            make_dshare(&shares[k++], cr, j, ct, 7);
    return veche_dshare_combine(M, ct, shares, k, &cr->p);
}

/* A ciphertext of m under the ceremony's joint key. */
static void encrypt_under(veche_ciphertext *ct, const ceremony *cr, uint64_t m)
{
    veche_pubkey pk;
    assert_int_equal(veche_pubkey_from_point(&pk, &cr->K), VECHE_OK);
    veche_encrypt_random(ct, NULL, &pk, m, NULL);
    veche_pubkey_free(&pk);
}

/* Every subset of the n trustees: those of t or more decrypt, the rest cannot. */
static void every_quorum(const ceremony *cr)
{
    veche_ciphertext ct;
    veche_point M, want;
    int quorums = 0;

    encrypt_under(&ct, cr, 4242);
    veche_point_mul_base_u64(&want, 4242);
    for (unsigned set = 2; set <= all_trustees(cr->p.n); set += 2) {
        veche_err e = quorum_decrypt(&M, cr, set, &ct);
        if ((uint32_t)__builtin_popcount(set) >= cr->p.t) {
            assert_int_equal(e, VECHE_OK);
            assert_true(veche_point_eq(&M, &want));
            quorums++;
        } else {
            assert_int_equal(e, VECHE_EINVALID);
        }
    }
    assert_true(quorums > 0);
}

/* The joint key's secret is the sum of the constant terms. */
static void check_joint_key(const ceremony *cr)
{
    veche_scalar sum = veche_scalar_zero_c;
    veche_point K;
    for (size_t q = 0; q < cr->nqual; q++)
        veche_scalar_add(&sum, &sum, &cr->tr[cr->qual[q]->i].a[0]);
    veche_point_mul_base(&K, &sum);
    assert_true(veche_point_eq(&K, &cr->K));
}

static void test_ceremony_3_of_5(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 1);
    (void)state;
    check_joint_key(cr);
    every_quorum(cr);
    ceremony_free(cr);
}

static void test_ceremony_2_of_3(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 2);
    (void)state;
    check_joint_key(cr);
    every_quorum(cr);
    ceremony_free(cr);
}

static void test_ceremony_edges(void **state)
{
    ceremony *cr;
    (void)state;
    cr = ceremony_run(1, 1, 3);   /* a single trustee */
    every_quorum(cr);
    ceremony_free(cr);
    cr = ceremony_run(5, 5, 4);   /* everyone needed */
    every_quorum(cr);
    ceremony_free(cr);
}

/*
 * t-1 shares: combine refuses, and forcing the Lagrange combination over
 * them by hand gives the wrong point (t-1 points do not fix the polynomial).
 */
static void test_too_few_shares(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 5);
    veche_ciphertext ct;
    veche_dshare sh[2];
    veche_scalar lambda[2];
    veche_point M, D[2], sum, want;
    uint32_t set[2] = {2, 5};
    (void)state;

    encrypt_under(&ct, cr, 99);
    for (int k = 0; k < 2; k++)
        make_dshare(&sh[k], cr, set[k], &ct, 7);
    assert_int_equal(veche_dshare_combine(&M, &ct, sh, 2, &cr->p), VECHE_EINVALID);
    assert_int_equal(veche_dshare_combine(&M, &ct, sh, 0, &cr->p), VECHE_EINVALID);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(veche_lagrange_at_zero(&lambda[k], set[k], set, 2), VECHE_OK);
        D[k] = sh[k].D;
    }
    assert_int_equal(veche_msm_vartime(&sum, lambda, D, 2), VECHE_OK);
    veche_point_sub(&M, &ct.b, &sum);
    veche_point_mul_base_u64(&want, 99);
    assert_false(veche_point_eq(&M, &want));
    ceremony_free(cr);
}

static void test_combine_rejects_bad_sets(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 6);
    veche_ciphertext ct;
    veche_dshare sh[3];
    veche_point M;
    (void)state;

    encrypt_under(&ct, cr, 1);
    make_dshare(&sh[0], cr, 1, &ct, 7);
    sh[1] = sh[0];   /* the same trustee twice */
    assert_int_equal(veche_dshare_combine(&M, &ct, sh, 2, &cr->p), VECHE_EINVALID);
    make_dshare(&sh[1], cr, 2, &ct, 7);
    make_dshare(&sh[2], cr, 3, &ct, 7);
    assert_int_equal(veche_dshare_combine(&M, &ct, sh, 3, &cr->p), VECHE_OK);
    sh[2].j = 4;   /* out of 1..n */
    assert_int_equal(veche_dshare_combine(&M, &ct, sh, 3, &cr->p), VECHE_EINVALID);
    sh[2].j = 0;
    assert_int_equal(veche_dshare_combine(&M, &ct, sh, 3, &cr->p), VECHE_EINVALID);
    ceremony_free(cr);
}

static void test_lagrange(void **state)
{
    veche_scalar l, want;
    const uint32_t set[] = {1, 2}, dup[] = {1, 1}, zero[] = {0, 2};
    (void)state;

    assert_int_equal(veche_lagrange_at_zero(&l, 1, set, 2), VECHE_OK);   /* 2/(2-1) */
    veche_scalar_from_u64(&want, 2);
    assert_true(veche_scalar_eq(&l, &want));
    assert_int_equal(veche_lagrange_at_zero(&l, 2, set, 2), VECHE_OK);   /* 1/(1-2) */
    veche_scalar_neg(&want, &veche_scalar_one_c);
    assert_true(veche_scalar_eq(&l, &want));
    assert_int_equal(veche_lagrange_at_zero(&l, 3, set, 2), VECHE_EINVALID);
    assert_int_equal(veche_lagrange_at_zero(&l, 1, dup, 2), VECHE_EINVALID);
    assert_int_equal(veche_lagrange_at_zero(&l, 2, zero, 2), VECHE_EINVALID);
    assert_int_equal(veche_lagrange_at_zero(&l, 1, set, 1), VECHE_OK);    /* {1}: 1 */
    assert_true(veche_scalar_eq(&l, &veche_scalar_one_c));
}

/* ---- cheating dealers and complaints ---------------------------------------- */

/* Trustee j complains against dealer i; the complaint goes through its encoding. */
static veche_dkg_verdict complain_and_judge(const ceremony *cr, uint32_t j, uint32_t i,
                                            veche_dkg_complaint *out)
{
    veche_dkg_complaint cp;
    veche_dkg_verdict v = VECHE_DKG_VERDICT_NONE;
    uint8_t buf[VECHE_DKG_COMPLAINT_BYTES];

    assert_int_equal(veche_dkg_complain(&cp, &cr->tr[j], &cr->key[i], NULL), VECHE_OK);
    veche_dkg_complaint_encode(buf, &cp);
    assert_int_equal(veche_dkg_complaint_decode(out, buf, &cr->p), VECHE_OK);
    assert_int_equal(veche_dkg_complaint_check(&v, out, &cr->sh[i][j], &cr->key[i],
                                               &cr->key[j], &cr->c[i], &cr->p),
                     VECHE_OK);
    return v;
}

/*
 * Dealer 2 sends trustee 4 a share off its polynomial. Trustee 4 sees it,
 * complains, and anyone can check the complaint: dealer 2 is at fault. With
 * dealer 2 disqualified the others finish, and every quorum still decrypts.
 */
static void test_bad_share_is_caught(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 7);
    veche_dkg_trustee evil = cr->tr[2];
    veche_dkg_complaint cp;
    veche_scalar s;
    (void)state;

    veche_scalar_add(&evil.a[1], &evil.a[1], &veche_scalar_one_c);
    assert_int_equal(veche_dkg_share_seal(&cr->sh[2][4], &evil, &cr->key[4]), VECHE_OK);
    assert_int_equal(veche_dkg_share_open(&s, &cr->sh[2][4], &cr->tr[4], &cr->key[2], &cr->c[2]),
                     VECHE_EVERIFY);
    assert_true(veche_scalar_is_zero(&s));
    assert_int_equal(complain_and_judge(cr, 4, 2, &cp), VECHE_DKG_VERDICT_SENDER);
    veche_dkg_trustee_wipe(&evil);

    finish(cr, all_trustees(5) & ~(1u << 2));
    assert_int_equal(cr->nqual, 4);
    check_joint_key(cr);
    every_quorum(cr);
    ceremony_free(cr);
}

/* A box that does not open (a byte changed in transit, or sealed to the wrong key). */
static void test_unreadable_box_is_caught(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 8);
    veche_dkg_complaint cp;
    veche_scalar s;
    (void)state;

    cr->sh[1][3].box[5] ^= 0x20;
    assert_int_equal(veche_dkg_share_open(&s, &cr->sh[1][3], &cr->tr[3], &cr->key[1], &cr->c[1]),
                     VECHE_EDECRYPT);
    assert_int_equal(complain_and_judge(cr, 3, 1, &cp), VECHE_DKG_VERDICT_SENDER);

    /* sealed for trustee 2, relabelled as for trustee 3 */
    cr->sh[1][3] = cr->sh[1][2];
    cr->sh[1][3].j = 3;
    assert_int_equal(veche_dkg_share_open(&s, &cr->sh[1][3], &cr->tr[3], &cr->key[1], &cr->c[1]),
                     VECHE_EDECRYPT);
    assert_int_equal(complain_and_judge(cr, 3, 1, &cp), VECHE_DKG_VERDICT_SENDER);
    ceremony_free(cr);
}

/* A complaint about a good share blames the complainer. */
static void test_false_complaint_blames_complainer(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 9);
    veche_dkg_complaint cp;
    (void)state;

    for (uint32_t j = 1; j <= 5; j++)
        for (uint32_t i = 1; i <= 5; i++)
            if (i != j)
                assert_int_equal(complain_and_judge(cr, j, i, &cp),
                                 VECHE_DKG_VERDICT_COMPLAINER);
    ceremony_free(cr);
}

/* A complaint by someone else, or about another dealer, does not fit. */
static void test_complaint_must_fit(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 10);
    veche_dkg_complaint cp;
    veche_dkg_verdict v;
    veche_dkg_params other;
    veche_dkg_key k2, k4;
    (void)state;

    assert_int_equal(complain_and_judge(cr, 4, 2, &cp), VECHE_DKG_VERDICT_COMPLAINER);
    /* the wrong share message, keys or commitments */
    assert_int_equal(veche_dkg_complaint_check(&v, &cp, &cr->sh[3][4], &cr->key[2], &cr->key[4],
                                               &cr->c[2], &cr->p),
                     VECHE_EINVALID);
    assert_int_equal(veche_dkg_complaint_check(&v, &cp, &cr->sh[2][4], &cr->key[3], &cr->key[4],
                                               &cr->c[2], &cr->p),
                     VECHE_EINVALID);
    assert_int_equal(veche_dkg_complaint_check(&v, &cp, &cr->sh[2][4], &cr->key[2], &cr->key[4],
                                               &cr->c[3], &cr->p),
                     VECHE_EINVALID);
    assert_int_equal(v, VECHE_DKG_VERDICT_NONE);
    /* another ceremony's context */
    other = cr->p;
    other.fingerprint[0] ^= 1;
    assert_int_equal(veche_dkg_complaint_check(&v, &cp, &cr->sh[2][4], &cr->key[2], &cr->key[4],
                                               &cr->c[2], &other),
                     VECHE_EVERIFY);
    assert_int_equal(v, VECHE_DKG_VERDICT_NONE);
    /* the same indices, but another complainer's or dealer's key: the proof fails */
    k4 = cr->key[4];
    k4.E = cr->key[5].E;
    memcpy(k4.E_enc, cr->key[5].E_enc, 32);
    assert_int_equal(veche_dkg_complaint_check(&v, &cp, &cr->sh[2][4], &cr->key[2], &k4,
                                               &cr->c[2], &cr->p),
                     VECHE_EVERIFY);
    k2 = cr->key[2];
    k2.E = cr->key[1].E;
    memcpy(k2.E_enc, cr->key[1].E_enc, 32);
    assert_int_equal(veche_dkg_complaint_check(&v, &cp, &cr->sh[2][4], &k2, &cr->key[4],
                                               &cr->c[2], &cr->p),
                     VECHE_EVERIFY);
    /* one cannot complain against oneself */
    assert_int_equal(veche_dkg_complain(&cp, &cr->tr[2], &cr->key[2], NULL), VECHE_EINVALID);
    ceremony_free(cr);
}

/* Dealer 3 hashes one polynomial and reveals another: caught by the hash. */
static void test_commitment_hash_mismatch(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 11);
    veche_dkg_trustee other = cr->tr[3];
    veche_dkg_commitments swapped;
    veche_dkg_hash h;
    (void)state;

    veche_scalar_add(&other.a[0], &other.a[0], &veche_scalar_one_c);
    assert_int_equal(veche_dkg_commitments_make(&swapped, &other, NULL), VECHE_OK);
    assert_int_equal(veche_dkg_commitments_verify(&swapped, &cr->h[3], &cr->key[3], &cr->p),
                     VECHE_EVERIFY);
    /* it checks out against its own hash: the proofs are good, only the hash differs */
    assert_int_equal(veche_dkg_hash_make(&h, &swapped, &cr->key[3], &cr->p), VECHE_OK);
    assert_int_equal(veche_dkg_commitments_verify(&swapped, &h, &cr->key[3], &cr->p), VECHE_OK);
    /* another dealer's hash, key or index does not fit */
    assert_int_equal(veche_dkg_commitments_verify(&cr->c[3], &cr->h[2], &cr->key[3], &cr->p),
                     VECHE_EINVALID);
    assert_int_equal(veche_dkg_commitments_verify(&cr->c[3], &cr->h[3], &cr->key[2], &cr->p),
                     VECHE_EINVALID);
    veche_dkg_trustee_wipe(&other);
    ceremony_free(cr);
}

/* ---- the hashes of threshold.h, recomputed byte by byte --------------------- */

static void put_field(crypto_hash_sha512_state *h, const char *label, const uint8_t *v,
                      size_t n)
{
    uint8_t len[8];
    size_t ll = strlen(label);
    for (int k = 0; k < 4; k++)
        len[k] = (uint8_t)(ll >> (8 * k));
    crypto_hash_sha512_update(h, len, 4);
    crypto_hash_sha512_update(h, (const uint8_t *)label, ll);
    for (int k = 0; k < 8; k++)
        len[k] = (uint8_t)((uint64_t)n >> (8 * k));
    crypto_hash_sha512_update(h, len, 8);
    crypto_hash_sha512_update(h, v, n);
}

static void put_header(crypto_hash_sha512_state *h, const char *domain, const uint8_t party[32],
                       uint32_t a, uint32_t b)
{
    uint8_t idx[8];
    for (int k = 0; k < 4; k++) {
        idx[k] = (uint8_t)(a >> (8 * k));
        idx[4 + k] = (uint8_t)(b >> (8 * k));
    }
    crypto_hash_sha512_init(h);
    put_field(h, "protocol", (const uint8_t *)"veche-v1", 8);
    put_field(h, "domain", (const uint8_t *)domain, strlen(domain));
    put_field(h, "fingerprint", fp_ceremony, 32);
    put_field(h, "party", party, 32);
    put_field(h, "index", idx, 8);
}

static void test_spec_commit_hash(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 12);
    crypto_hash_sha512_state h;
    uint8_t digest[64];
    (void)state;

    for (uint32_t i = 1; i <= 5; i++) {
        put_header(&h, "dkg-commit", cr->key[i].E_enc, i, 0xFFFFFFFFu);
        for (int k = 0; k < 3; k++)
            put_field(&h, "C", cr->c[i].C_enc[k], 32);
        crypto_hash_sha512_final(&h, digest);
        assert_memory_equal(digest, cr->h[i].h, 32);
    }
    ceremony_free(cr);
}

/* The box from i to j, built from the header's recipe with libsodium alone. */
static void test_spec_share_box(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 13);
    crypto_hash_sha512_state h;
    uint8_t S[32], d[64], ad[8] = {2, 0, 0, 0, 3, 0, 0, 0}, plain[32], box[48];
    veche_point P;
    veche_scalar s;
    (void)state;

    veche_point_mul(&P, &cr->key[3].E, &cr->tr[2].e);
    veche_point_encode(S, &P);
    put_header(&h, "dkg-share-key", cr->key[2].E_enc, 2, 3);
    put_field(&h, "recipient", cr->key[3].E_enc, 32);
    put_field(&h, "dh", S, 32);
    crypto_hash_sha512_final(&h, d);
    assert_int_equal(veche_dkg_share_eval(&s, &cr->tr[2], 3), VECHE_OK);
    veche_scalar_encode(plain, &s);
    crypto_aead_xchacha20poly1305_ietf_encrypt(box, NULL, plain, 32, ad, 8, NULL, d + 32, d);
    assert_memory_equal(box, cr->sh[2][3].box, 48);
    /* and the share is f_2(3) = a0 + 3·a1 */
    veche_scalar_from_u64(&s, 3);
    veche_scalar_mul(&s, &s, &cr->tr[2].a[1]);
    veche_scalar_add(&s, &s, &cr->tr[2].a[0]);
    assert_true(veche_scalar_eq(&s, &cr->s[2][3]));
    ceremony_free(cr);
}

/* A box that opens to bytes that are no canonical scalar: the dealer's fault. */
static void test_noncanonical_share(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 14);
    crypto_hash_sha512_state h;
    uint8_t S[32], d[64], ad[8] = {1, 0, 0, 0, 2, 0, 0, 0}, plain[32];
    veche_dkg_complaint cp;
    veche_point P;
    veche_scalar s;
    (void)state;

    veche_point_mul(&P, &cr->key[2].E, &cr->tr[1].e);
    veche_point_encode(S, &P);
    put_header(&h, "dkg-share-key", cr->key[1].E_enc, 1, 2);
    put_field(&h, "recipient", cr->key[2].E_enc, 32);
    put_field(&h, "dh", S, 32);
    crypto_hash_sha512_final(&h, d);
    memset(plain, 0xFF, sizeof plain);   /* >= L */
    crypto_aead_xchacha20poly1305_ietf_encrypt(cr->sh[1][2].box, NULL, plain, 32, ad, 8, NULL,
                                               d + 32, d);
    assert_int_equal(veche_dkg_share_open(&s, &cr->sh[1][2], &cr->tr[2], &cr->key[1], &cr->c[1]),
                     VECHE_EENCODING);
    assert_int_equal(complain_and_judge(cr, 2, 1, &cp), VECHE_DKG_VERDICT_SENDER);
    ceremony_free(cr);
}

/* ---- tampering: every single byte of every message ----------------------------- */

/* Flips one bit of byte k (which bit varies with k, so all eight get used). */
static void flip(uint8_t *buf, size_t k)
{
    buf[k] ^= (uint8_t)(1u << (k % 8));
}

static void test_tamper_key(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 20);
    uint8_t buf[VECHE_DKG_KEY_BYTES];
    veche_dkg_key k;
    veche_dkg_params other = cr->p;
    (void)state;

    veche_dkg_key_encode(buf, &cr->key[2]);
    for (size_t b = 0; b < sizeof buf; b++) {
        flip(buf, b);
        assert_true(veche_dkg_key_decode(&k, buf, &cr->p) != VECHE_OK ||
                    veche_dkg_key_verify(&k, &cr->p) != VECHE_OK);
        flip(buf, b);
    }
    assert_int_equal(veche_dkg_key_decode(&k, buf, &cr->p), VECHE_OK);
    for (size_t b = 0; b < 32; b++) {
        other = cr->p;
        flip(other.fingerprint, b);
        assert_int_equal(veche_dkg_key_verify(&k, &other), VECHE_EVERIFY);
    }
    ceremony_free(cr);
}

/*
 * COMMITMENTS: any changed byte is rejected — and it is the proofs, not only
 * the hash, that reject it: the hash is recomputed over the changed message.
 */
static void test_tamper_commitments(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 21);
    size_t len = VECHE_DKG_COMMITMENTS_BYTES(3);
    uint8_t buf[VECHE_DKG_COMMITMENTS_BYTES(3)];
    veche_dkg_commitments c;
    veche_dkg_hash h;
    (void)state;

    assert_int_equal(veche_dkg_commitments_encode(buf, len, &cr->c[4]), VECHE_OK);
    for (size_t b = 0; b < len; b++) {
        flip(buf, b);
        if (veche_dkg_commitments_decode(&c, buf, len, &cr->p) == VECHE_OK) {
            assert_true(veche_dkg_commitments_verify(&c, &cr->h[4], &cr->key[4], &cr->p) !=
                        VECHE_OK);
            if (c.i == 4 && veche_dkg_hash_make(&h, &c, &cr->key[4], &cr->p) == VECHE_OK)
                assert_int_equal(veche_dkg_commitments_verify(&c, &h, &cr->key[4], &cr->p),
                                 VECHE_EVERIFY);
        }
        flip(buf, b);
    }
    /* wrong lengths and a wrong t */
    assert_int_equal(veche_dkg_commitments_decode(&c, buf, len - 1, &cr->p), VECHE_EINVALID);
    assert_int_equal(veche_dkg_commitments_encode(buf, len + 1, &cr->c[4]), VECHE_EINVALID);
    buf[1] = 2;
    assert_int_equal(veche_dkg_commitments_decode(&c, buf, len, &cr->p), VECHE_EINVALID);
    ceremony_free(cr);
}

/* Changing the context of the proofs: another ceremony, another dealer's key. */
static void test_commitments_context(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 22);
    veche_dkg_params other = cr->p;
    veche_dkg_key key = cr->key[4];
    veche_dkg_hash h;
    (void)state;

    other.fingerprint[31] ^= 0x80;
    assert_int_equal(veche_dkg_commitments_verify(&cr->c[4], &cr->h[4], &cr->key[4], &other),
                     VECHE_EVERIFY);
    assert_int_equal(veche_dkg_hash_make(&h, &cr->c[4], &cr->key[4], &other), VECHE_OK);
    assert_int_equal(veche_dkg_commitments_verify(&cr->c[4], &h, &cr->key[4], &other),
                     VECHE_EVERIFY);   /* right hash, but the proofs are for the other ceremony */
    key.E = cr->key[1].E;
    memcpy(key.E_enc, cr->key[1].E_enc, 32);
    assert_int_equal(veche_dkg_hash_make(&h, &cr->c[4], &key, &cr->p), VECHE_OK);
    assert_int_equal(veche_dkg_commitments_verify(&cr->c[4], &h, &key, &cr->p), VECHE_EVERIFY);
    ceremony_free(cr);
}

static void test_tamper_share(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 23);
    uint8_t buf[VECHE_DKG_SHARE_BYTES];
    veche_dkg_share m;
    veche_scalar s;
    (void)state;

    veche_dkg_share_encode(buf, &cr->sh[3][1]);
    for (size_t b = 0; b < sizeof buf; b++) {
        flip(buf, b);
        if (veche_dkg_share_decode(&m, buf, &cr->p) == VECHE_OK)
            assert_true(veche_dkg_share_open(&s, &m, &cr->tr[1], &cr->key[3], &cr->c[3]) !=
                        VECHE_OK);
        flip(buf, b);
    }
    ceremony_free(cr);
}

/* A complaint against a bad share, then every byte of it changed. */
static void test_tamper_complaint(void **state)
{
    ceremony *cr = ceremony_run(3, 5, 24);
    veche_dkg_trustee evil = cr->tr[5];
    veche_dkg_complaint cp, t;
    veche_dkg_verdict v;
    uint8_t buf[VECHE_DKG_COMPLAINT_BYTES];
    (void)state;

    veche_scalar_add(&evil.a[2], &evil.a[2], &veche_scalar_one_c);
    assert_int_equal(veche_dkg_share_seal(&cr->sh[5][1], &evil, &cr->key[1]), VECHE_OK);
    veche_dkg_trustee_wipe(&evil);
    assert_int_equal(complain_and_judge(cr, 1, 5, &cp), VECHE_DKG_VERDICT_SENDER);
    veche_dkg_complaint_encode(buf, &cp);
    for (size_t b = 0; b < sizeof buf; b++) {
        flip(buf, b);
        if (veche_dkg_complaint_decode(&t, buf, &cr->p) == VECHE_OK) {
            assert_true(veche_dkg_complaint_check(&v, &t, &cr->sh[5][1], &cr->key[5],
                                                  &cr->key[1], &cr->c[5], &cr->p) != VECHE_OK);
            assert_int_equal(v, VECHE_DKG_VERDICT_NONE);
        }
        flip(buf, b);
    }
    ceremony_free(cr);
}

/* DSHARE: every byte, the statement (ciphertext, key) and the context. */
static void test_tamper_dshare(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 25);
    veche_ciphertext ct, ct2;
    veche_dshare sh, t;
    uint8_t buf[VECHE_DSHARE_BYTES], fp[32];
    (void)state;

    encrypt_under(&ct, cr, 5);
    encrypt_under(&ct2, cr, 5);
    make_dshare(&sh, cr, 2, &ct, 7);
    veche_dshare_encode(buf, &sh);
    for (size_t b = 0; b < sizeof buf; b++) {
        flip(buf, b);
        if (veche_dshare_decode(&t, buf, 3) == VECHE_OK && t.j >= 1 && t.j <= 3)
            assert_true(veche_dshare_verify(&t, &cr->Kj[t.j], &ct, fp_election, 7) != VECHE_OK);
        flip(buf, b);
    }
    /* another ciphertext, another trustee's key, another item, another election */
    assert_int_equal(veche_dshare_verify(&sh, &cr->Kj[2], &ct2, fp_election, 7), VECHE_EVERIFY);
    assert_int_equal(veche_dshare_verify(&sh, &cr->Kj[1], &ct, fp_election, 7), VECHE_EVERIFY);
    assert_int_equal(veche_dshare_verify(&sh, &cr->Kj[2], &ct, fp_election, 8), VECHE_EVERIFY);
    for (size_t b = 0; b < 32; b++) {
        memcpy(fp, fp_election, 32);
        flip(fp, b);
        assert_int_equal(veche_dshare_verify(&sh, &cr->Kj[2], &ct, fp, 7), VECHE_EVERIFY);
    }
    /* the same share under another index j */
    t = sh;
    t.j = 3;
    assert_int_equal(veche_dshare_verify(&t, &cr->Kj[3], &ct, fp_election, 7), VECHE_EVERIFY);
    ceremony_free(cr);
}

/* ---- argument and decoder checks --------------------------------------------------- */

static void test_params_and_indices(void **state)
{
    veche_dkg_params p;
    veche_dkg_trustee tr;
    veche_scalar s;
    uint8_t buf[VECHE_DSHARE_BYTES] = {0};
    veche_dshare sh;
    veche_dkg_hash h;
    (void)state;

    assert_int_equal(veche_dkg_params_init(&p, fp_ceremony, 0, 3), VECHE_EINVALID);
    assert_int_equal(veche_dkg_params_init(&p, fp_ceremony, 4, 3), VECHE_EINVALID);
    assert_int_equal(veche_dkg_params_init(&p, fp_ceremony, 2, 65), VECHE_EINVALID);
    assert_int_equal(veche_dkg_params_init(&p, fp_ceremony, 64, 64), VECHE_OK);
    assert_int_equal(veche_dkg_params_init(&p, fp_ceremony, 2, 3), VECHE_OK);
    assert_int_equal(veche_dkg_trustee_init(&tr, &p, 0, NULL, NULL), VECHE_EINVALID);
    assert_int_equal(veche_dkg_trustee_init(&tr, &p, 4, NULL, NULL), VECHE_EINVALID);
    assert_int_equal(veche_dkg_trustee_init(&tr, &p, 1, &veche_scalar_zero_c, NULL),
                     VECHE_EINVALID);
    assert_int_equal(veche_dkg_trustee_init(&tr, &p, 3, &veche_scalar_one_c, NULL), VECHE_OK);
    assert_int_equal(veche_dkg_share_eval(&s, &tr, 4), VECHE_EINVALID);
    assert_int_equal(veche_dkg_share_eval(&s, &tr, 0), VECHE_EINVALID);
    veche_dkg_trustee_wipe(&tr);

    /* DSHARE index byte: 0, and above n */
    assert_int_equal(veche_dshare_decode(&sh, buf, 3), VECHE_EINVALID);
    buf[0] = 4;
    assert_int_equal(veche_dshare_decode(&sh, buf, 3), VECHE_EINVALID);
    buf[0] = 3;
    assert_int_equal(veche_dshare_decode(&sh, buf, 65), VECHE_EINVALID);
    assert_int_equal(veche_dshare_decode(&sh, buf, 3), VECHE_OK);   /* identity D, zero proof */
    buf[0] = 0;
    assert_int_equal(veche_dkg_hash_decode(&h, buf, &p), VECHE_EINVALID);
}

/* Keys and commitments may not be the identity; S_ij neither. */
static void test_decoders_reject_identity(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 26);
    uint8_t kb[VECHE_DKG_KEY_BYTES], cb[VECHE_DKG_COMMITMENTS_BYTES(2)],
        pb[VECHE_DKG_COMPLAINT_BYTES];
    veche_dkg_key k;
    veche_dkg_commitments c;
    veche_dkg_complaint cp;
    (void)state;

    veche_dkg_key_encode(kb, &cr->key[1]);
    memset(kb + 1, 0, 32);
    assert_int_equal(veche_dkg_key_decode(&k, kb, &cr->p), VECHE_EIDENTITY);
    assert_int_equal(veche_dkg_commitments_encode(cb, sizeof cb, &cr->c[1]), VECHE_OK);
    memset(cb + 2 + 96, 0, 32);
    assert_int_equal(veche_dkg_commitments_decode(&c, cb, sizeof cb, &cr->p), VECHE_EIDENTITY);
    assert_int_equal(veche_dkg_complain(&cp, &cr->tr[1], &cr->key[2], NULL), VECHE_OK);
    veche_dkg_complaint_encode(pb, &cp);
    memset(pb + 2, 0, 32);
    assert_int_equal(veche_dkg_complaint_decode(&cp, pb, &cr->p), VECHE_EIDENTITY);
    pb[0] = pb[1];   /* complaint against oneself */
    assert_int_equal(veche_dkg_complaint_decode(&cp, pb, &cr->p), VECHE_EINVALID);
    ceremony_free(cr);
}

/* Proofs inside messages must be well formed: canonical points and scalar. */
static void test_decoders_reject_malformed_proofs(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 28);
    uint8_t kb[VECHE_DKG_KEY_BYTES], cb[VECHE_DKG_COMMITMENTS_BYTES(2)],
        pb[VECHE_DKG_COMPLAINT_BYTES], db[VECHE_DSHARE_BYTES];
    veche_dkg_key k;
    veche_dkg_commitments c;
    veche_dkg_complaint cp, out;
    veche_dshare sh, got;
    veche_ciphertext ct;
    (void)state;

    veche_dkg_key_encode(kb, &cr->key[1]);
    assert_int_equal(veche_dkg_commitments_encode(cb, sizeof cb, &cr->c[1]), VECHE_OK);
    assert_int_equal(veche_dkg_complain(&cp, &cr->tr[1], &cr->key[2], NULL), VECHE_OK);
    veche_dkg_complaint_encode(pb, &cp);
    encrypt_under(&ct, cr, 3);
    make_dshare(&sh, cr, 1, &ct, 7);
    veche_dshare_encode(db, &sh);

    /* the scalar s of each proof set to 2^256 - 1 (>= L), then each point to p + 1 */
    memset(kb + 33 + 32, 0xFF, 32);
    assert_int_equal(veche_dkg_key_decode(&k, kb, &cr->p), VECHE_EENCODING);
    memset(cb + 2 + 96 + 32 + 32, 0xFF, 32);
    assert_int_equal(veche_dkg_commitments_decode(&c, cb, sizeof cb, &cr->p), VECHE_EENCODING);
    memset(pb + 34 + 64, 0xFF, 32);
    assert_int_equal(veche_dkg_complaint_decode(&out, pb, &cr->p), VECHE_EENCODING);
    memset(db + 33 + 64, 0xFF, 32);
    assert_int_equal(veche_dshare_decode(&got, db, 3), VECHE_EENCODING);

    veche_dkg_key_encode(kb, &cr->key[1]);
    memset(kb + 33, 0xFF, 32);
    assert_int_equal(veche_dkg_key_decode(&k, kb, &cr->p), VECHE_EENCODING);
    veche_dkg_complaint_encode(pb, &cp);
    memset(pb + 34 + 32, 0xFF, 32);   /* B */
    assert_int_equal(veche_dkg_complaint_decode(&out, pb, &cr->p), VECHE_EENCODING);
    veche_dshare_encode(db, &sh);
    memset(db + 33, 0xFF, 32);        /* A */
    assert_int_equal(veche_dshare_decode(&got, db, 3), VECHE_EENCODING);
    ceremony_free(cr);
}

/* A joint key over a bad qualified set; a key share that does not match K_j. */
static void test_result_checks(void **state)
{
    ceremony *cr = ceremony_run(2, 3, 27);
    const veche_dkg_commitments *dup[2] = {&cr->c[1], &cr->c[1]};
    veche_point K;
    veche_scalar x, shares[3];
    (void)state;

    assert_int_equal(veche_dkg_joint_key(&K, dup, 2, &cr->p), VECHE_EINVALID);
    assert_int_equal(veche_dkg_joint_key(&K, cr->qual, 0, &cr->p), VECHE_EINVALID);
    assert_int_equal(veche_dkg_verification_key(&K, 4, cr->qual, 3, &cr->p), VECHE_EINVALID);
    for (int i = 0; i < 3; i++)
        shares[i] = cr->s[i + 1][2];
    assert_int_equal(veche_dkg_secret_share(&x, shares, 3, &cr->Kj[2]), VECHE_OK);
    assert_int_equal(veche_dkg_secret_share(&x, shares, 3, &cr->Kj[1]), VECHE_EVERIFY);
    assert_true(veche_scalar_is_zero(&x));
    assert_int_equal(veche_dkg_secret_share(&x, shares, 2, &cr->Kj[2]), VECHE_EVERIFY);
    assert_int_equal(veche_dkg_secret_share(&x, shares, 0, &cr->Kj[2]), VECHE_EINVALID);
    ceremony_free(cr);
}

/* Deterministic from a seeded rng: the same seed gives the same record. */
static void test_deterministic(void **state)
{
    ceremony *a = ceremony_run(2, 3, 30), *b = ceremony_run(2, 3, 30);
    (void)state;
    assert_memory_equal(a->key[2].E_enc, b->key[2].E_enc, 32);
    assert_memory_equal(a->h[3].h, b->h[3].h, 32);
    assert_memory_equal(a->sh[1][2].box, b->sh[1][2].box, 48);
    assert_true(veche_point_eq(&a->K, &b->K));
    ceremony_free(a);
    ceremony_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceremony_3_of_5),
        cmocka_unit_test(test_ceremony_2_of_3),
        cmocka_unit_test(test_ceremony_edges),
        cmocka_unit_test(test_too_few_shares),
        cmocka_unit_test(test_combine_rejects_bad_sets),
        cmocka_unit_test(test_lagrange),
        cmocka_unit_test(test_bad_share_is_caught),
        cmocka_unit_test(test_unreadable_box_is_caught),
        cmocka_unit_test(test_false_complaint_blames_complainer),
        cmocka_unit_test(test_complaint_must_fit),
        cmocka_unit_test(test_commitment_hash_mismatch),
        cmocka_unit_test(test_spec_commit_hash),
        cmocka_unit_test(test_spec_share_box),
        cmocka_unit_test(test_noncanonical_share),
        cmocka_unit_test(test_tamper_key),
        cmocka_unit_test(test_tamper_commitments),
        cmocka_unit_test(test_commitments_context),
        cmocka_unit_test(test_tamper_share),
        cmocka_unit_test(test_tamper_complaint),
        cmocka_unit_test(test_tamper_dshare),
        cmocka_unit_test(test_params_and_indices),
        cmocka_unit_test(test_decoders_reject_identity),
        cmocka_unit_test(test_decoders_reject_malformed_proofs),
        cmocka_unit_test(test_result_checks),
        cmocka_unit_test(test_deterministic),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("threshold", tests, NULL, NULL);
}
