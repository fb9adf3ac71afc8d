/*
 * range.c — disjunctive (CDS) range proofs for ElGamal ciphertexts (see range.h).
 *
 * Prover, for branch j with the real value m:
 *   simulated (j != m): pick s_j = u_j and c_j = e_j at random; the
 *     commitments must satisfy the verification equations, so
 *     A_j = u_j·G - e_j·a = (u_j - r e_j)·G                 (a = r·G)
 *     B_j = u_j·K - e_j·(b - j·G) = (u_j - r e_j)·K - (m - j) e_j·G
 *   real (j == m): e_j = 0, u_j = k, so A_j = k·G, B_j = k·K, and after
 *     the challenge c_j = c - sum of the others, s_j = k + c_j·r.
 * Because the prover knows r and m, every commitment needs only fixed-base
 * table multiplications (G's and K's), and both kinds of branch run the
 * same instructions: the real one is chosen by masks (veche_scalar_select),
 * so timing does not reveal the vote.
 */
#include "crypto/range.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

size_t veche_range_proof_size(uint64_t lo, uint64_t hi)
{
    if (hi < lo || hi - lo >= VECHE_RANGE_MAX_BRANCHES)
        return 0;
    return (size_t)(hi - lo + 1) * VECHE_RANGE_BRANCH_BYTES;
}

/* 1 if a == b, else 0, without a data-dependent branch. */
static int ct_eq_u64(uint64_t a, uint64_t b)
{
    uint64_t d = a ^ b;
    return (int)((((d | (0 - d)) >> 63) ^ 1) & 1);
}

static void transcript_start(veche_transcript *t, const veche_pubkey *pk,
                             const uint8_t ct_enc[64], uint64_t lo, uint64_t hi,
                             const veche_ctx *ctx)
{
    veche_transcript_init(t, VECHE_DOMAIN_RANGE, ctx);
    veche_transcript_point(t, "K", pk->enc);
    veche_transcript_bytes(t, "ciphertext", ct_enc, VECHE_CIPHERTEXT_BYTES);
    veche_transcript_u64(t, "lo", lo);
    veche_transcript_u64(t, "hi", hi);
}

/* Branch j's commitments into out[0..63]; u, e are the branch's secrets. */
static void commit_branch(uint8_t out[64], const veche_pubkey *pk, const veche_scalar *u,
                          const veche_scalar *e, const veche_scalar *r, const veche_scalar *mj)
{
    veche_scalar x, y;
    veche_point A, B, yG;

    veche_scalar_mul(&x, r, e);
    veche_scalar_sub(&x, u, &x);            /* x = u - r e      */
    veche_scalar_mul(&y, mj, e);
    veche_scalar_neg(&y, &y);               /* y = -(m - j) e   */
    veche_point_mul_base(&A, &x);
    veche_table_mul(&B, pk->table, &x);
    veche_point_mul_base(&yG, &y);
    veche_point_add(&B, &B, &yG);
    veche_point_encode(out, &A);
    veche_point_encode(out + 32, &B);
    veche_scalar_wipe(&x);
    veche_scalar_wipe(&y);
}

veche_err veche_range_prove(uint8_t *proof, size_t proof_len, const veche_pubkey *pk,
                            const veche_ciphertext *ct, uint64_t m, const veche_scalar *r,
                            uint64_t lo, uint64_t hi, const veche_ctx *ctx, veche_rng *rng)
{
    size_t n, size = veche_range_proof_size(lo, hi);
    uint8_t ct_enc[VECHE_CIPHERTEXT_BYTES];
    veche_scalar *u, *e, ms, c, sum, cr, t;
    veche_transcript tr;

    if (size == 0 || proof_len != size)
        return VECHE_EINVALID;
    if (m < lo || m > hi)
        return VECHE_ERANGE;
    n = (size_t)(hi - lo + 1);
    u = malloc(2 * n * sizeof *u);
    if (u == NULL)
        return VECHE_ENOMEM;
    e = u + n;

    veche_ciphertext_encode(ct_enc, ct);
    transcript_start(&tr, pk, ct_enc, lo, hi, ctx);
    veche_scalar_from_u64(&ms, m);
    sum = veche_scalar_zero_c;
    for (size_t i = 0; i < n; i++) {
        uint8_t *br = proof + i * VECHE_RANGE_BRANCH_BYTES;
        int real = ct_eq_u64(m, lo + i);
        veche_scalar j, mj;

        veche_scalar_random(&u[i], rng);
        veche_scalar_random(&e[i], rng);
        veche_scalar_select(&e[i], &e[i], &veche_scalar_zero_c, real);
        veche_scalar_add(&sum, &sum, &e[i]);
        veche_scalar_from_u64(&j, lo + i);
        veche_scalar_sub(&mj, &ms, &j);
        commit_branch(br, pk, &u[i], &e[i], r, &mj);
        veche_transcript_point(&tr, "A", br);
        veche_transcript_point(&tr, "B", br + 32);
        veche_scalar_wipe(&mj);
    }
    veche_transcript_challenge(&tr, &c);

    veche_scalar_sub(&cr, &c, &sum);        /* the real branch's challenge */
    veche_scalar_mul(&t, &cr, r);
    for (size_t i = 0; i < n; i++) {
        uint8_t *br = proof + i * VECHE_RANGE_BRANCH_BYTES;
        int real = ct_eq_u64(m, lo + i);
        veche_scalar ci, si, add;

        veche_scalar_select(&ci, &e[i], &cr, real);
        veche_scalar_select(&add, &veche_scalar_zero_c, &t, real);
        veche_scalar_add(&si, &u[i], &add);
        veche_scalar_encode(br + 64, &ci);
        veche_scalar_encode(br + 96, &si);
        veche_scalar_wipe(&si);
        veche_scalar_wipe(&add);
    }
    sodium_memzero(u, 2 * n * sizeof *u);
    free(u);
    veche_scalar_wipe(&ms);
    veche_scalar_wipe(&cr);
    veche_scalar_wipe(&t);
    veche_scalar_wipe(&sum);
    return VECHE_OK;
}

/*
 * Decodes every branch, recomputes c, checks sum c_j == c, then checks all
 * 2n equations as one random linear combination (weights z_j, w_j < 2^128):
 *   (sum z_j s_j + sum w_j j c_j)·G + (sum w_j s_j)·K - (sum z_j c_j)·a
 *   - (sum w_j c_j)·b - sum z_j·A_j - sum w_j·B_j == identity.
 */
struct msm_buf {
    veche_point  *P;
    veche_scalar *S;
};

static veche_err verify_equations(const uint8_t *proof, size_t n, const veche_pubkey *pk,
                                  const veche_ciphertext *ct, uint64_t lo, struct msm_buf *m)
{
    veche_scalar gs = veche_scalar_zero_c, ks = veche_scalar_zero_c;
    veche_scalar as = veche_scalar_zero_c, bs = veche_scalar_zero_c;
    veche_point sum;
    veche_err err;

    for (size_t i = 0; i < n; i++) {
        const uint8_t *br = proof + i * VECHE_RANGE_BRANCH_BYTES;
        veche_scalar c, s, z, w, j, tmp;

        if (veche_scalar_decode(&c, br + 64) != VECHE_OK ||
            veche_scalar_decode(&s, br + 96) != VECHE_OK)
            return VECHE_EENCODING;
        veche_scalar_random_128(&z);
        veche_scalar_random_128(&w);
        veche_scalar_from_u64(&j, lo + i);
        veche_scalar_mul(&tmp, &z, &s);  veche_scalar_add(&gs, &gs, &tmp);
        veche_scalar_mul(&tmp, &w, &c);  veche_scalar_add(&bs, &bs, &tmp);
        veche_scalar_mul(&tmp, &tmp, &j); veche_scalar_add(&gs, &gs, &tmp);
        veche_scalar_mul(&tmp, &w, &s);  veche_scalar_add(&ks, &ks, &tmp);
        veche_scalar_mul(&tmp, &z, &c);  veche_scalar_add(&as, &as, &tmp);
        veche_scalar_neg(&m->S[4 + 2 * i], &z);
        veche_scalar_neg(&m->S[5 + 2 * i], &w);
    }
    veche_point_generator(&m->P[0]);  m->S[0] = gs;
    m->P[1] = pk->K;                   m->S[1] = ks;
    m->P[2] = ct->a;                   veche_scalar_neg(&m->S[2], &as);
    m->P[3] = ct->b;                   veche_scalar_neg(&m->S[3], &bs);
    if ((err = veche_msm_vartime(&sum, m->S, m->P, 4 + 2 * n)) != VECHE_OK)
        return err;
    return veche_point_is_identity(&sum) ? VECHE_OK : VECHE_EVERIFY;
}

/* Decodes the commitments into m->P[4..], absorbs them, checks the challenge sum. */
static veche_err check_challenges(const uint8_t *proof, size_t n, veche_transcript *tr,
                                  struct msm_buf *m)
{
    veche_scalar c, ci, total = veche_scalar_zero_c;
    veche_err e;

    for (size_t i = 0; i < n; i++) {
        const uint8_t *br = proof + i * VECHE_RANGE_BRANCH_BYTES;
        if ((e = veche_point_decode(&m->P[4 + 2 * i], br, VECHE_ALLOW_IDENTITY)) != VECHE_OK ||
            (e = veche_point_decode(&m->P[5 + 2 * i], br + 32, VECHE_ALLOW_IDENTITY)) != VECHE_OK)
            return e;
        if ((e = veche_scalar_decode(&ci, br + 64)) != VECHE_OK)
            return e;
        veche_scalar_add(&total, &total, &ci);
        veche_transcript_point(tr, "A", br);
        veche_transcript_point(tr, "B", br + 32);
    }
    veche_transcript_challenge(tr, &c);
    return veche_scalar_eq(&c, &total) ? VECHE_OK : VECHE_EVERIFY;
}

veche_err veche_range_verify(const uint8_t *proof, size_t proof_len, const veche_pubkey *pk,
                             const uint8_t ct_enc[VECHE_CIPHERTEXT_BYTES], uint64_t lo,
                             uint64_t hi, const veche_ctx *ctx)
{
    size_t n, size = veche_range_proof_size(lo, hi);
    veche_ciphertext ct;
    veche_transcript tr;
    struct msm_buf m;
    veche_err e;

    if (size == 0 || proof_len != size)
        return VECHE_EINVALID;
    if ((e = veche_ciphertext_decode(&ct, ct_enc)) != VECHE_OK)
        return e;
    n = (size_t)(hi - lo + 1);
    m.P = malloc((4 + 2 * n) * sizeof *m.P);
    m.S = malloc((4 + 2 * n) * sizeof *m.S);
    if (m.P == NULL || m.S == NULL) {
        free(m.P);
        free(m.S);
        return VECHE_ENOMEM;
    }
    transcript_start(&tr, pk, ct_enc, lo, hi, ctx);
    e = check_challenges(proof, n, &tr, &m);
    if (e == VECHE_OK)
        e = verify_equations(proof, n, pk, &ct, lo, &m);
    free(m.P);
    free(m.S);
    return e;
}
