/*
 * dleq.h — Chaum–Pedersen proofs of equal discrete logarithms.
 *
 * Statement: X = x·G and Y = x·H for public X, H, Y (a trustee's public
 * share X, a ciphertext's first component H, its decryption share Y). The
 * prover picks k, sends A = k·G, B = k·H, answers s = k + c·x where
 *   c = challenge(domain "dleq", ctx; "X" = X; "H" = H; "Y" = Y; "A" = A; "B" = B).
 * The verifier accepts iff s·G == A + c·X and s·H == B + c·Y.
 * Encoding: A || B || s (96 bytes). The commitments are carried (not only
 * c, s), so many proofs can be checked in one random linear combination; the
 * verifier here already checks its two equations that way.
 *
 * X must not be the identity; H and Y may be anything valid. Proving is
 * constant time in x.
 */
#ifndef VECHE_CRYPTO_DLEQ_H
#define VECHE_CRYPTO_DLEQ_H

#include "crypto/group.h"
#include "crypto/transcript.h"

#define VECHE_DLEQ_BYTES 96
#define VECHE_DOMAIN_DLEQ "dleq"

veche_err veche_dleq_prove(uint8_t proof[VECHE_DLEQ_BYTES], const veche_scalar *x,
                           const veche_point *X, const veche_point *H, const veche_point *Y,
                           const veche_ctx *ctx, veche_rng *rng);
veche_err veche_dleq_verify(const uint8_t proof[VECHE_DLEQ_BYTES], const veche_point *X,
                            const veche_point *H, const veche_point *Y, const veche_ctx *ctx);

#endif
