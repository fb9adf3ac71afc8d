/*
 * schnorr.c — Schnorr proofs of knowledge and signatures (see schnorr.h).
 *
 * Both share one prover and one verifier; a signature is a proof of
 * knowledge whose challenge also binds a message, under its own domain tag so
 * neither can be passed off as the other.
 */
#include "crypto/schnorr.h"

#include <string.h>
#include <sodium.h>

void veche_schnorr_keygen(veche_scalar *x, uint8_t X[VECHE_POINT_BYTES], veche_rng *rng)
{
    veche_point P;
    do
        veche_scalar_random(x, rng);
    while (veche_scalar_is_zero(x));
    veche_point_mul_base(&P, x);
    veche_point_encode(X, &P);
}

/*
 * Hedged nonce: k = SHA-512("veche-v1/nonce" || x || 32 random bytes || msg)
 * mod L. A fresh random part keeps nonces unpredictable; the key and message
 * part keeps them distinct even if the random source repeats.
 */
static void hedged_nonce(veche_scalar *k, const veche_scalar *x, const uint8_t *msg,
                         size_t msg_len, veche_rng *rng)
{
    static const char tag[] = "veche-v1/nonce";
    crypto_hash_sha512_state h;
    uint8_t xb[32], rnd[32], digest[64];

    veche_scalar_encode(xb, x);
    veche_rng_bytes(rng, rnd, sizeof rnd);
    crypto_hash_sha512_init(&h);
    crypto_hash_sha512_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_hash_sha512_update(&h, xb, sizeof xb);
    crypto_hash_sha512_update(&h, rnd, sizeof rnd);
    crypto_hash_sha512_update(&h, msg, msg_len);
    crypto_hash_sha512_final(&h, digest);
    veche_scalar_reduce64(k, digest);
    sodium_memzero(xb, sizeof xb);
    sodium_memzero(digest, sizeof digest);
    sodium_memzero(&h, sizeof h);
}

/* The challenge: domain, context, "X", ["message"], then the commitment. */
static void challenge(veche_scalar *c, int is_sig, const uint8_t X[32], const uint8_t *msg,
                      size_t msg_len, const uint8_t A[32], const veche_ctx *ctx)
{
    veche_transcript t;
    veche_transcript_init(&t, is_sig ? VECHE_DOMAIN_SIG : VECHE_DOMAIN_POK, ctx);
    veche_transcript_point(&t, "X", X);
    if (is_sig)
        veche_transcript_bytes(&t, "message", msg, msg_len);
    veche_transcript_point(&t, is_sig ? "R" : "A", A);
    veche_transcript_challenge(&t, c);
}

static veche_err prove(uint8_t out[64], int is_sig, const veche_scalar *x, const uint8_t X[32],
                       const uint8_t *msg, size_t msg_len, const veche_ctx *ctx, veche_rng *rng)
{
    veche_scalar k, c, s;
    veche_point A;

    if (veche_scalar_is_zero(x))
        return VECHE_EINVALID;
    hedged_nonce(&k, x, msg, msg_len, rng);
    veche_point_mul_base(&A, &k);
    veche_point_encode(out, &A);
    challenge(&c, is_sig, X, msg, msg_len, out, ctx);
    veche_scalar_mul(&s, &c, x);
    veche_scalar_add(&s, &s, &k);
    veche_scalar_encode(out + 32, &s);
    veche_scalar_wipe(&k);
    veche_scalar_wipe(&s);
    return VECHE_OK;
}

/* Accepts iff s·G - c·X == A. */
static veche_err verify(const uint8_t in[64], int is_sig, const uint8_t X[32],
                        const uint8_t *msg, size_t msg_len, const veche_ctx *ctx)
{
    veche_point Xp, A, lhs;
    veche_scalar s, c;
    veche_err e;

    if ((e = veche_point_decode(&Xp, X, VECHE_NO_IDENTITY)) != VECHE_OK)
        return e;
    if ((e = veche_point_decode(&A, in, VECHE_ALLOW_IDENTITY)) != VECHE_OK)
        return e;
    if ((e = veche_scalar_decode(&s, in + 32)) != VECHE_OK)
        return e;
    challenge(&c, is_sig, X, msg, msg_len, in, ctx);
    veche_scalar_neg(&c, &c);
    veche_point_base_double_vartime(&lhs, &s, &Xp, &c);
    return veche_point_eq(&lhs, &A) ? VECHE_OK : VECHE_EVERIFY;
}

veche_err veche_pok_prove(uint8_t proof[VECHE_SCHNORR_BYTES], const veche_scalar *x,
                          const uint8_t X[VECHE_POINT_BYTES], const veche_ctx *ctx,
                          veche_rng *rng)
{
    return prove(proof, 0, x, X, NULL, 0, ctx, rng);
}

veche_err veche_pok_verify(const uint8_t proof[VECHE_SCHNORR_BYTES],
                           const uint8_t X[VECHE_POINT_BYTES], const veche_ctx *ctx)
{
    return verify(proof, 0, X, NULL, 0, ctx);
}

veche_err veche_sign(uint8_t sig[VECHE_SCHNORR_BYTES], const veche_scalar *x,
                     const uint8_t X[VECHE_POINT_BYTES], const uint8_t *msg, size_t msg_len,
                     const veche_ctx *ctx, veche_rng *rng)
{
    return prove(sig, 1, x, X, msg, msg_len, ctx, rng);
}

veche_err veche_sign_verify(const uint8_t sig[VECHE_SCHNORR_BYTES],
                            const uint8_t X[VECHE_POINT_BYTES], const uint8_t *msg,
                            size_t msg_len, const veche_ctx *ctx)
{
    return verify(sig, 1, X, msg, msg_len, ctx);
}
