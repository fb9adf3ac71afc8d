/*
 * dleq.c — Chaum–Pedersen proofs of equal discrete logs (see dleq.h).
 */
#include "crypto/dleq.h"

#include <string.h>
#include <sodium.h>

static void challenge(veche_scalar *c, const uint8_t enc[5][32], const veche_ctx *ctx)
{
    static const char *const label[5] = {"X", "H", "Y", "A", "B"};
    veche_transcript t;

    veche_transcript_init(&t, VECHE_DOMAIN_DLEQ, ctx);
    for (int i = 0; i < 5; i++)
        veche_transcript_point(&t, label[i], enc[i]);
    veche_transcript_challenge(&t, c);
}

veche_err veche_dleq_prove(uint8_t proof[VECHE_DLEQ_BYTES], const veche_scalar *x,
                           const veche_point *X, const veche_point *H, const veche_point *Y,
                           const veche_ctx *ctx, veche_rng *rng)
{
    uint8_t enc[5][32];
    veche_scalar k, c, s;
    veche_point A, B;

    if (veche_point_is_identity(X))
        return VECHE_EIDENTITY;
    veche_scalar_random(&k, rng);
    veche_point_mul_base(&A, &k);
    veche_point_mul(&B, H, &k);
    veche_point_encode(enc[0], X);
    veche_point_encode(enc[1], H);
    veche_point_encode(enc[2], Y);
    veche_point_encode(enc[3], &A);
    veche_point_encode(enc[4], &B);
    challenge(&c, (const uint8_t (*)[32])enc, ctx);
    veche_scalar_mul(&s, &c, x);
    veche_scalar_add(&s, &s, &k);
    memcpy(proof, enc[3], 32);
    memcpy(proof + 32, enc[4], 32);
    veche_scalar_encode(proof + 64, &s);
    veche_scalar_wipe(&k);
    veche_scalar_wipe(&s);
    return VECHE_OK;
}

/*
 * Both equations at once: with a random 128-bit z, accept iff
 *   s·G - c·X - A + z·(s·H - c·Y - B) == identity.
 * A false proof passes with probability at most 2^-128.
 */
veche_err veche_dleq_verify(const uint8_t proof[VECHE_DLEQ_BYTES], const veche_point *X,
                            const veche_point *H, const veche_point *Y, const veche_ctx *ctx)
{
    uint8_t enc[5][32];
    veche_point P[6];
    veche_scalar S[6], c, s, z;
    veche_point sum;
    veche_err e;

    if (veche_point_is_identity(X))
        return VECHE_EIDENTITY;
    if ((e = veche_point_decode(&P[2], proof, VECHE_ALLOW_IDENTITY)) != VECHE_OK ||
        (e = veche_point_decode(&P[5], proof + 32, VECHE_ALLOW_IDENTITY)) != VECHE_OK ||
        (e = veche_scalar_decode(&s, proof + 64)) != VECHE_OK)
        return e;
    veche_point_encode(enc[0], X);
    veche_point_encode(enc[1], H);
    veche_point_encode(enc[2], Y);
    memcpy(enc[3], proof, 32);
    memcpy(enc[4], proof + 32, 32);
    challenge(&c, (const uint8_t (*)[32])enc, ctx);

    veche_scalar_random_128(&z);
    veche_point_generator(&P[0]);
    P[1] = *X;
    P[3] = *H;
    P[4] = *Y;
    S[0] = s;
    veche_scalar_neg(&S[1], &c);
    veche_scalar_neg(&S[2], &veche_scalar_one_c);
    veche_scalar_mul(&S[3], &z, &s);
    veche_scalar_mul(&S[4], &z, &S[1]);
    veche_scalar_neg(&S[5], &z);
    if ((e = veche_msm_vartime(&sum, S, P, 6)) != VECHE_OK)
        return e;
    return veche_point_is_identity(&sum) ? VECHE_OK : VECHE_EVERIFY;
}
