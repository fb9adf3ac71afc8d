/*
 * range.h — disjunctive proofs that an ElGamal ciphertext encrypts an integer
 * in [lo, hi] (0/1 for each selection; min..max for a contest's total).
 *
 * Statement: election key K, ciphertext (a, b), bounds lo <= hi. The prover
 * knows m in [lo, hi] and r with (a, b) = (r·G, m·G + r·K). It is a
 * Cramer–Damgård–Schoenmakers OR-proof with one branch per j in [lo, hi]:
 * branch j claims "b - j·G = r·K and a = r·G". For every j the proof carries
 * commitments A_j, B_j, a challenge c_j and a response s_j; it verifies iff
 *     sum_j c_j == c  where
 *     c = challenge(domain "range", ctx; "K" = K; "ciphertext" = a || b;
 *                   "lo" = le64(lo); "hi" = le64(hi);
 *                   then for j = lo..hi: "A" = A_j; "B" = B_j)
 * and for every j
 *     s_j·G == A_j + c_j·a   and   s_j·K == B_j + c_j·(b - j·G).
 * Encoding: for j = lo..hi, A_j || B_j || c_j || s_j: 128 bytes a branch
 * (256 bytes for a 0/1 selection).
 *
 * Size trade-off: the compact form (c_j, s_j only, commitments recomputed)
 * would be 64 bytes a branch, but then each equation must be checked on its
 * own. Carrying the commitments lets the verifier check all 2·(hi-lo+1)
 * equations as one random linear combination, a single multi-scalar
 * multiplication (and, later, many ballots at once). We pay 2x in size for it.
 *
 * The prover runs in constant time in m and r: every branch is computed the
 * same way, the real one selected by masks, never by a branch.
 */
#ifndef VECHE_CRYPTO_RANGE_H
#define VECHE_CRYPTO_RANGE_H

#include "crypto/elgamal.h"
#include "crypto/transcript.h"

#define VECHE_DOMAIN_RANGE        "range"
#define VECHE_RANGE_BRANCH_BYTES  128
#define VECHE_RANGE_MAX_BRANCHES  1024

/* Bytes of a proof for [lo, hi]; 0 when hi < lo or there are too many branches. */
size_t veche_range_proof_size(uint64_t lo, uint64_t hi);

/*
 * Proves ct = Enc(m; r) with lo <= m <= hi. proof_len must equal
 * veche_range_proof_size(lo, hi). VECHE_ERANGE if m is outside [lo, hi];
 * VECHE_EINVALID for bad bounds or length.
 */
veche_err veche_range_prove(uint8_t *proof, size_t proof_len, const veche_pubkey *pk,
                            const veche_ciphertext *ct, uint64_t m, const veche_scalar *r,
                            uint64_t lo, uint64_t hi, const veche_ctx *ctx, veche_rng *rng);

/* Checks a proof against the 64-byte ciphertext encoding. */
veche_err veche_range_verify(const uint8_t *proof, size_t proof_len, const veche_pubkey *pk,
                             const uint8_t ct_enc[VECHE_CIPHERTEXT_BYTES], uint64_t lo,
                             uint64_t hi, const veche_ctx *ctx);

#endif
