/*
 * test_proofs.c — ElGamal, Schnorr proofs and signatures, Chaum–Pedersen and
 * range proofs: each verifies when honest, and fails when any single byte of
 * the proof, the statement or the context changes.
 */
#include "testutil.h"

#include <sodium.h>
#include "crypto/dleq.h"
#include "crypto/elgamal.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"

static veche_ctx test_ctx(void)
{
    veche_ctx ctx;
    uint8_t fp[32];
    randombytes_buf(fp, sizeof fp);
    veche_ctx_init(&ctx, fp);
    randombytes_buf(ctx.party, sizeof ctx.party);
    ctx.index[0] = 3;
    ctx.index[1] = 1;
    return ctx;
}

/*
 * Every way of changing the context by one byte or one index: calls
 * check(ctx') for each and requires failure. `arg` is the test's statement.
 */
typedef veche_err (*ctx_check)(const veche_ctx *ctx, void *arg);

static void each_context_change_fails(const veche_ctx *ctx, ctx_check check, void *arg)
{
    veche_ctx c;
    assert_int_equal(check(ctx, arg), VECHE_OK);
    for (size_t i = 0; i < 32; i++) {
        c = *ctx;
        c.fingerprint[i] ^= 0x01;
        assert_int_not_equal(check(&c, arg), VECHE_OK);
        c = *ctx;
        c.party[i] ^= 0x80;
        assert_int_not_equal(check(&c, arg), VECHE_OK);
    }
    for (int k = 0; k < 2; k++) {
        c = *ctx;
        c.index[k] ^= 1;
        assert_int_not_equal(check(&c, arg), VECHE_OK);
        c = *ctx;
        c.index[k] = VECHE_INDEX_NONE;
        assert_int_not_equal(check(&c, arg), VECHE_OK);
    }
}

/* ---- ElGamal ------------------------------------------------------------ */

static void test_elgamal_roundtrip_and_sum(void **state)
{
    veche_scalar x, r;
    veche_pubkey pk, pk2;
    veche_ciphertext ct, sum, back;
    veche_point M, want;
    uint8_t enc[64];
    uint64_t total = 0;
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    veche_ciphertext_zero(&sum);
    for (uint64_t m = 0; m < 40; m++) {
        veche_encrypt_random(&ct, &r, &pk, m % 3, NULL);
        veche_ciphertext_encode(enc, &ct);
        assert_int_equal(veche_ciphertext_decode(&back, enc), VECHE_OK);
        assert_true(veche_ciphertext_eq(&back, &ct));
        veche_decrypt_point(&M, &x, &ct);
        veche_point_mul_base_u64(&want, m % 3);
        assert_true(veche_point_eq(&M, &want));
        veche_ciphertext_add(&sum, &sum, &ct);
        total += m % 3;
    }
    veche_decrypt_point(&M, &x, &sum);
    veche_point_mul_base_u64(&want, total);
    assert_true(veche_point_eq(&M, &want));

    /* weights: 7·Enc(1) decrypts to 7 */
    veche_encrypt_random(&ct, NULL, &pk, 1, NULL);
    veche_ciphertext_scale(&ct, &ct, 7);
    veche_decrypt_point(&M, &x, &ct);
    veche_point_mul_base_u64(&want, 7);
    assert_true(veche_point_eq(&M, &want));

    /* re-encryption keeps the plaintext, changes the ciphertext */
    veche_scalar_random(&r, NULL);
    veche_reencrypt(&back, &ct, &pk, &r);
    assert_false(veche_ciphertext_eq(&back, &ct));
    veche_decrypt_point(&M, &x, &back);
    assert_true(veche_point_eq(&M, &want));

    /* the public key round-trips; the identity is refused */
    assert_int_equal(veche_pubkey_decode(&pk2, pk.enc), VECHE_OK);
    assert_true(veche_point_eq(&pk2.K, &pk.K));
    veche_pubkey_free(&pk2);
    memset(enc, 0, 32);
    assert_int_equal(veche_pubkey_decode(&pk2, enc), VECHE_EIDENTITY);
    veche_pubkey_free(&pk2);
    veche_pubkey_free(&pk);
}

static void test_ciphertext_decode_rejects_bad(void **state)
{
    veche_ciphertext ct;
    uint8_t enc[64];
    (void)state;
    memset(enc, 0, sizeof enc);
    assert_int_equal(veche_ciphertext_decode(&ct, enc), VECHE_OK);   /* Enc(0;0) */
    enc[0] = 1;                                                      /* negative s */
    assert_int_equal(veche_ciphertext_decode(&ct, enc), VECHE_EENCODING);
    enc[0] = 0;
    memset(enc + 32, 0xff, 32);
    assert_int_equal(veche_ciphertext_decode(&ct, enc), VECHE_EENCODING);
}

static void test_benaloh(void **state)
{
    veche_scalar x, r, r2;
    veche_pubkey pk;
    veche_ciphertext ct;
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    veche_encrypt_random(&ct, &r, &pk, 1, NULL);
    assert_int_equal(veche_benaloh_check(&ct, &pk, 1, &r), VECHE_OK);
    assert_int_equal(veche_benaloh_check(&ct, &pk, 0, &r), VECHE_EVERIFY);
    veche_scalar_add(&r2, &r, &veche_scalar_one_c);
    assert_int_equal(veche_benaloh_check(&ct, &pk, 1, &r2), VECHE_EVERIFY);
    veche_pubkey_free(&pk);
}

/* ---- Schnorr ------------------------------------------------------------ */

struct schnorr_case {
    uint8_t X[32], proof[64], msg[40];
    int is_sig;
};

static veche_err schnorr_check(const veche_ctx *ctx, void *arg)
{
    struct schnorr_case *c = arg;
    return c->is_sig ? veche_sign_verify(c->proof, c->X, c->msg, sizeof c->msg, ctx)
                     : veche_pok_verify(c->proof, c->X, ctx);
}

static void schnorr_tamper(int is_sig)
{
    struct schnorr_case c;
    veche_ctx ctx = test_ctx();
    veche_scalar x;

    c.is_sig = is_sig;
    randombytes_buf(c.msg, sizeof c.msg);
    veche_schnorr_keygen(&x, c.X, NULL);
    if (is_sig)
        assert_int_equal(veche_sign(c.proof, &x, c.X, c.msg, sizeof c.msg, &ctx, NULL), VECHE_OK);
    else
        assert_int_equal(veche_pok_prove(c.proof, &x, c.X, &ctx, NULL), VECHE_OK);
    each_context_change_fails(&ctx, schnorr_check, &c);
    for (size_t i = 0; i < sizeof c.proof; i++) {
        c.proof[i] ^= 0x04;
        assert_int_not_equal(schnorr_check(&ctx, &c), VECHE_OK);
        c.proof[i] ^= 0x04;
    }
    for (size_t i = 0; i < sizeof c.X; i++) {
        c.X[i] ^= 0x02;
        assert_int_not_equal(schnorr_check(&ctx, &c), VECHE_OK);
        c.X[i] ^= 0x02;
    }
    if (is_sig)
        for (size_t i = 0; i < sizeof c.msg; i++) {
            c.msg[i] ^= 0x10;
            assert_int_not_equal(schnorr_check(&ctx, &c), VECHE_OK);
            c.msg[i] ^= 0x10;
        }
    assert_int_equal(schnorr_check(&ctx, &c), VECHE_OK);
}

static void test_pok_tamper(void **state) { (void)state; schnorr_tamper(0); }
static void test_sig_tamper(void **state) { (void)state; schnorr_tamper(1); }

/* A proof of knowledge is not a signature on the empty message, nor the reverse. */
static void test_pok_and_sig_are_separate(void **state)
{
    veche_ctx ctx = test_ctx();
    veche_scalar x;
    uint8_t X[32], p[64], zero[32] = {0};
    (void)state;

    veche_schnorr_keygen(&x, X, NULL);
    assert_int_equal(veche_pok_prove(p, &x, X, &ctx, NULL), VECHE_OK);
    assert_int_equal(veche_sign_verify(p, X, NULL, 0, &ctx), VECHE_EVERIFY);
    assert_int_equal(veche_sign(p, &x, X, NULL, 0, &ctx, NULL), VECHE_OK);
    assert_int_equal(veche_pok_verify(p, X, &ctx), VECHE_EVERIFY);
    assert_int_equal(veche_pok_verify(p, zero, &ctx), VECHE_EIDENTITY);
    /* a signature from another key does not verify */
    veche_schnorr_keygen(&x, X, NULL);
    assert_int_equal(veche_sign_verify(p, X, NULL, 0, &ctx), VECHE_EVERIFY);
}

/* ---- Chaum–Pedersen ----------------------------------------------------- */

struct dleq_case {
    veche_point X, H, Y;
    uint8_t proof[96];
};

static veche_err dleq_check(const veche_ctx *ctx, void *arg)
{
    struct dleq_case *c = arg;
    return veche_dleq_verify(c->proof, &c->X, &c->H, &c->Y, ctx);
}

/* Replaces one statement point by the point whose encoding differs in one byte. */
static void tamper_point_fails(struct dleq_case *c, veche_point *p, const veche_ctx *ctx)
{
    veche_point saved = *p;
    uint8_t enc[32];
    veche_point_encode(enc, p);
    for (size_t i = 0; i < 32; i++) {
        enc[i] ^= 0x01;
        if (veche_point_decode(p, enc, VECHE_ALLOW_IDENTITY) == VECHE_OK)
            assert_int_not_equal(dleq_check(ctx, c), VECHE_OK);
        enc[i] ^= 0x01;
        *p = saved;
    }
    veche_point_add(p, p, &saved);   /* 2P: a valid, different point */
    assert_int_not_equal(dleq_check(ctx, c), VECHE_OK);
    *p = saved;
}

static void test_dleq_tamper(void **state)
{
    struct dleq_case c;
    veche_ctx ctx = test_ctx();
    veche_scalar x, h;
    (void)state;

    veche_scalar_random(&x, NULL);
    veche_scalar_random(&h, NULL);
    veche_point_mul_base(&c.X, &x);
    veche_point_mul_base(&c.H, &h);
    veche_point_mul(&c.Y, &c.H, &x);
    assert_int_equal(veche_dleq_prove(c.proof, &x, &c.X, &c.H, &c.Y, &ctx, NULL), VECHE_OK);
    each_context_change_fails(&ctx, dleq_check, &c);
    for (size_t i = 0; i < sizeof c.proof; i++) {
        c.proof[i] ^= 0x20;
        assert_int_not_equal(dleq_check(&ctx, &c), VECHE_OK);
        c.proof[i] ^= 0x20;
    }
    tamper_point_fails(&c, &c.X, &ctx);
    tamper_point_fails(&c, &c.H, &ctx);
    tamper_point_fails(&c, &c.Y, &ctx);
    assert_int_equal(dleq_check(&ctx, &c), VECHE_OK);
}

/* A false statement (Y = x'·H for x' != x) cannot be proven with x. */
static void test_dleq_false_statement(void **state)
{
    struct dleq_case c;
    veche_ctx ctx = test_ctx();
    veche_scalar x, x2;
    (void)state;

    veche_scalar_random(&x, NULL);
    veche_scalar_random(&x2, NULL);
    veche_point_mul_base(&c.X, &x);
    veche_point_generator(&c.H);
    veche_point_mul_base(&c.Y, &x2);
    assert_int_equal(veche_dleq_prove(c.proof, &x, &c.X, &c.H, &c.Y, &ctx, NULL), VECHE_OK);
    assert_int_equal(dleq_check(&ctx, &c), VECHE_EVERIFY);
    veche_point_identity(&c.X);
    assert_int_equal(veche_dleq_prove(c.proof, &x, &c.X, &c.H, &c.Y, &ctx, NULL), VECHE_EIDENTITY);
}

/* ---- range proofs ------------------------------------------------------- */

struct range_case {
    veche_pubkey *pk;
    uint8_t ct[64];
    uint8_t *proof;
    size_t len;
    uint64_t lo, hi;
};

static veche_err range_check(const veche_ctx *ctx, void *arg)
{
    struct range_case *c = arg;
    return veche_range_verify(c->proof, c->len, c->pk, c->ct, c->lo, c->hi, ctx);
}

static void make_range(struct range_case *c, veche_pubkey *pk, uint64_t m, uint64_t lo,
                       uint64_t hi, const veche_ctx *ctx)
{
    veche_ciphertext ct;
    veche_scalar r;

    c->pk = pk;
    c->lo = lo;
    c->hi = hi;
    c->len = veche_range_proof_size(lo, hi);
    assert_int_equal(c->len, (hi - lo + 1) * 128);
    c->proof = malloc(c->len);
    assert_non_null(c->proof);
    veche_encrypt_random(&ct, &r, pk, m, NULL);
    veche_ciphertext_encode(c->ct, &ct);
    assert_int_equal(veche_range_prove(c->proof, c->len, pk, &ct, m, &r, lo, hi, ctx, NULL),
                     VECHE_OK);
}

static void test_range_all_values(void **state)
{
    veche_ctx ctx = test_ctx();
    veche_scalar x;
    veche_pubkey pk;
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    for (uint64_t lo = 0; lo <= 2; lo++)
        for (uint64_t hi = lo; hi <= lo + 4; hi++)
            for (uint64_t m = lo; m <= hi; m++) {
                struct range_case c;
                make_range(&c, &pk, m, lo, hi, &ctx);
                assert_int_equal(range_check(&ctx, &c), VECHE_OK);
                /* the same proof claims nothing about a narrower range */
                if (hi > lo)
                    assert_int_not_equal(veche_range_verify(c.proof, c.len - 128, &pk, c.ct, lo,
                                                            hi - 1, &ctx), VECHE_OK);
                free(c.proof);
            }
    veche_pubkey_free(&pk);
}

static void test_range_tamper(void **state)
{
    veche_ctx ctx = test_ctx();
    veche_scalar x;
    veche_pubkey pk, other;
    struct range_case c;
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    make_range(&c, &pk, 1, 0, 1, &ctx);
    each_context_change_fails(&ctx, range_check, &c);
    for (size_t i = 0; i < c.len; i++) {
        c.proof[i] ^= 0x08;
        assert_int_not_equal(range_check(&ctx, &c), VECHE_OK);
        c.proof[i] ^= 0x08;
    }
    for (size_t i = 0; i < sizeof c.ct; i++) {
        c.ct[i] ^= 0x01;
        assert_int_not_equal(range_check(&ctx, &c), VECHE_OK);
        c.ct[i] ^= 0x01;
    }
    c.lo = 1; c.hi = 2;          /* other bounds, same length */
    assert_int_not_equal(range_check(&ctx, &c), VECHE_OK);
    c.lo = 0; c.hi = 1;
    assert_int_equal(veche_keypair_generate(&x, &other, NULL), VECHE_OK);
    c.pk = &other;               /* another election key */
    assert_int_not_equal(range_check(&ctx, &c), VECHE_OK);
    c.pk = &pk;
    assert_int_equal(range_check(&ctx, &c), VECHE_OK);
    free(c.proof);
    veche_pubkey_free(&other);
    veche_pubkey_free(&pk);
}

/* A proof for one ciphertext does not carry over to another of the same vote. */
static void test_range_bound_to_ciphertext(void **state)
{
    veche_ctx ctx = test_ctx();
    veche_scalar x;
    veche_pubkey pk;
    struct range_case a, b;
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    make_range(&a, &pk, 0, 0, 1, &ctx);
    make_range(&b, &pk, 0, 0, 1, &ctx);
    memcpy(a.ct, b.ct, 64);
    assert_int_equal(range_check(&ctx, &a), VECHE_EVERIFY);
    free(a.proof);
    free(b.proof);
    veche_pubkey_free(&pk);
}

static void test_range_rejects_bad_input(void **state)
{
    veche_ctx ctx = test_ctx();
    veche_scalar x, r;
    veche_pubkey pk;
    veche_ciphertext ct;
    uint8_t proof[256], enc[64];
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    veche_encrypt_random(&ct, &r, &pk, 2, NULL);
    veche_ciphertext_encode(enc, &ct);
    /* an honest prover cannot prove 2 is 0 or 1 */
    assert_int_equal(veche_range_prove(proof, 256, &pk, &ct, 2, &r, 0, 1, &ctx, NULL), VECHE_ERANGE);
    /* claiming 1 for a ciphertext of 2 gives a proof that fails */
    assert_int_equal(veche_range_prove(proof, 256, &pk, &ct, 1, &r, 0, 1, &ctx, NULL), VECHE_OK);
    assert_int_equal(veche_range_verify(proof, 256, &pk, enc, 0, 1, &ctx), VECHE_EVERIFY);
    /* sizes and bounds */
    assert_int_equal(veche_range_proof_size(1, 0), 0);
    assert_int_equal(veche_range_proof_size(0, VECHE_RANGE_MAX_BRANCHES), 0);
    assert_int_equal(veche_range_proof_size(0, VECHE_RANGE_MAX_BRANCHES - 1),
                     VECHE_RANGE_MAX_BRANCHES * 128);
    assert_int_equal(veche_range_prove(proof, 255, &pk, &ct, 1, &r, 0, 1, &ctx, NULL), VECHE_EINVALID);
    assert_int_equal(veche_range_verify(proof, 255, &pk, enc, 0, 1, &ctx), VECHE_EINVALID);
    assert_int_equal(veche_range_verify(proof, 256, &pk, enc, 1, 0, &ctx), VECHE_EINVALID);
    assert_int_equal(veche_range_verify(proof, 256, &pk, enc, UINT64_MAX - 1, UINT64_MAX, &ctx),
                     VECHE_EVERIFY);
    /* a non-canonical scalar in the proof is an encoding error, not a crash */
    memset(proof + 96, 0xff, 32);
    assert_int_equal(veche_range_verify(proof, 256, &pk, enc, 0, 1, &ctx), VECHE_EENCODING);
    veche_pubkey_free(&pk);
}

/* The sum of a contest's selections proven in [min, max]. */
static void test_range_on_sum(void **state)
{
    veche_ctx ctx = test_ctx();
    veche_scalar x, r[5], rs = veche_scalar_zero_c;
    veche_pubkey pk;
    veche_ciphertext ct[5], sum;
    uint8_t enc[64], proof[3 * 128];
    const uint64_t votes[5] = {1, 0, 1, 0, 0};
    (void)state;

    assert_int_equal(veche_keypair_generate(&x, &pk, NULL), VECHE_OK);
    veche_ciphertext_zero(&sum);
    for (int i = 0; i < 5; i++) {
        veche_encrypt_random(&ct[i], &r[i], &pk, votes[i], NULL);
        veche_ciphertext_add(&sum, &sum, &ct[i]);
        veche_scalar_add(&rs, &rs, &r[i]);
    }
    assert_int_equal(veche_range_prove(proof, sizeof proof, &pk, &sum, 2, &rs, 0, 2, &ctx, NULL),
                     VECHE_OK);
    veche_ciphertext_encode(enc, &sum);
    assert_int_equal(veche_range_verify(proof, sizeof proof, &pk, enc, 0, 2, &ctx), VECHE_OK);
    veche_pubkey_free(&pk);
}

/* A deterministic rng gives identical proofs: vectors are reproducible. */
static void test_seeded_proofs_are_deterministic(void **state)
{
    uint8_t seed[32] = {9}, p1[256], p2[256];
    veche_ctx ctx;
    veche_rng rng;
    veche_scalar x, r;
    veche_pubkey pk;
    veche_ciphertext ct;
    (void)state;

    veche_ctx_init(&ctx, seed);
    for (int round = 0; round < 2; round++) {
        veche_rng_seed(&rng, seed);
        assert_int_equal(veche_keypair_generate(&x, &pk, &rng), VECHE_OK);
        veche_encrypt_random(&ct, &r, &pk, 1, &rng);
        assert_int_equal(veche_range_prove(round ? p2 : p1, 256, &pk, &ct, 1, &r, 0, 1, &ctx, &rng),
                         VECHE_OK);
        veche_pubkey_free(&pk);
    }
    assert_memory_equal(p1, p2, 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elgamal_roundtrip_and_sum),
        cmocka_unit_test(test_ciphertext_decode_rejects_bad),
        cmocka_unit_test(test_benaloh),
        cmocka_unit_test(test_pok_tamper),
        cmocka_unit_test(test_sig_tamper),
        cmocka_unit_test(test_pok_and_sig_are_separate),
        cmocka_unit_test(test_dleq_tamper),
        cmocka_unit_test(test_dleq_false_statement),
        cmocka_unit_test(test_range_all_values),
        cmocka_unit_test(test_range_tamper),
        cmocka_unit_test(test_range_bound_to_ciphertext),
        cmocka_unit_test(test_range_rejects_bad_input),
        cmocka_unit_test(test_range_on_sum),
        cmocka_unit_test(test_seeded_proofs_are_deterministic),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("proofs", tests, NULL, NULL);
}
