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
 * Hedged nonce: k = SHA-512("veche-v1/nonce" || x || 32 random bytes || D)
 * mod L, where D is the SHA-512 digest of the transcript up to (not
 * including) the commitment: protocol, domain, context, X, message. The
 * random part keeps k unpredictable; x and D keep it distinct for every
 * statement even if the random source repeats (a trustee using one key in
 * two ceremonies gets two nonces), and secret even if the source is weak.
 */
static void hedged_nonce(veche_scalar *k, const veche_scalar *x, const veche_transcript *t,
                         veche_rng *rng)
{
    static const char tag[] = "veche-v1/nonce";
    crypto_hash_sha512_state h, copy = t->h;
    uint8_t xb[32], rnd[32], stmt[64], digest[64];

    crypto_hash_sha512_final(&copy, stmt);
    veche_scalar_encode(xb, x);
    veche_rng_bytes(rng, rnd, sizeof rnd);
    crypto_hash_sha512_init(&h);
    crypto_hash_sha512_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_hash_sha512_update(&h, xb, sizeof xb);
    crypto_hash_sha512_update(&h, rnd, sizeof rnd);
    crypto_hash_sha512_update(&h, stmt, sizeof stmt);
    crypto_hash_sha512_final(&h, digest);
    veche_scalar_reduce64(k, digest);
    sodium_memzero(xb, sizeof xb);
    sodium_memzero(digest, sizeof digest);
    sodium_memzero(&h, sizeof h);
}

/* The transcript up to the commitment: domain, context, "X", ["message"]. */
static void statement(veche_transcript *t, int is_sig, const uint8_t X[32], const uint8_t *msg,
                      size_t msg_len, const veche_ctx *ctx)
{
    veche_transcript_init(t, is_sig ? VECHE_DOMAIN_SIG : VECHE_DOMAIN_POK, ctx);
    veche_transcript_point(t, "X", X);
    if (is_sig)
        veche_transcript_bytes(t, "message", msg, msg_len);
}

/* The challenge: the statement, then the commitment. */
static void challenge(veche_scalar *c, veche_transcript *t, int is_sig, const uint8_t A[32])
{
    veche_transcript_point(t, is_sig ? "R" : "A", A);
    veche_transcript_challenge(t, c);
}

static veche_err prove(uint8_t out[64], int is_sig, const veche_scalar *x, const uint8_t X[32],
                       const uint8_t *msg, size_t msg_len, const veche_ctx *ctx, veche_rng *rng)
{
    veche_scalar k, c, s;
    veche_point A;
    veche_transcript t;

    if (veche_scalar_is_zero(x))
        return VECHE_EINVALID;
    statement(&t, is_sig, X, msg, msg_len, ctx);
    hedged_nonce(&k, x, &t, rng);
    veche_point_mul_base(&A, &k);
    veche_point_encode(out, &A);
    challenge(&c, &t, is_sig, out);
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
    veche_transcript t;
    veche_err e;

    if ((e = veche_point_decode(&Xp, X, VECHE_NO_IDENTITY)) != VECHE_OK)
        return e;
    if ((e = veche_point_decode(&A, in, VECHE_ALLOW_IDENTITY)) != VECHE_OK)
        return e;
    if ((e = veche_scalar_decode(&s, in + 32)) != VECHE_OK)
        return e;
    statement(&t, is_sig, X, msg, msg_len, ctx);
    challenge(&c, &t, is_sig, in);
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
