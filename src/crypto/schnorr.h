/*
 * schnorr.h — Schnorr proofs of knowledge and Schnorr signatures on ristretto255.
 *
 * Proof of knowledge of x with X = x·G (trustee keys, polynomial
 * coefficients): the prover picks k, sends A = k·G, and answers
 * s = k + c·x where
 *   c = challenge(domain "schnorr-pok", ctx; "X" = X; "A" = A).
 * The verifier accepts iff s·G == A + c·X. Encoding: A || s (64 bytes).
 *
 * Signature on a message (a voter's credential signs the ballot, so a ballot
 * cannot be replayed under another credential and the server cannot cast for
 * anyone): the same with the message bound into the challenge:
 *   c = challenge(domain "schnorr-sig", ctx; "X" = X; "message" = msg; "R" = R).
 * Encoding: R || s (64 bytes).
 *
 * For both, the prover's nonce is hedged: derived from the secret key, 32
 * fresh random bytes and the digest of the whole statement (domain, context,
 * X, message), so neither a weak nor a repeating random source leaks the key.
 *
 * A public key X may not be the identity. Proving is constant time in x.
 */
#ifndef VECHE_CRYPTO_SCHNORR_H
#define VECHE_CRYPTO_SCHNORR_H

#include "crypto/group.h"
#include "crypto/transcript.h"

#define VECHE_SCHNORR_BYTES 64
#define VECHE_DOMAIN_POK "schnorr-pok"
#define VECHE_DOMAIN_SIG "schnorr-sig"

/* A key pair: x random non-zero, X = x·G encoded. */
void veche_schnorr_keygen(veche_scalar *x, uint8_t X[VECHE_POINT_BYTES], veche_rng *rng);

veche_err veche_pok_prove(uint8_t proof[VECHE_SCHNORR_BYTES], const veche_scalar *x,
                          const uint8_t X[VECHE_POINT_BYTES], const veche_ctx *ctx,
                          veche_rng *rng);
veche_err veche_pok_verify(const uint8_t proof[VECHE_SCHNORR_BYTES],
                           const uint8_t X[VECHE_POINT_BYTES], const veche_ctx *ctx);

veche_err veche_sign(uint8_t sig[VECHE_SCHNORR_BYTES], const veche_scalar *x,
                     const uint8_t X[VECHE_POINT_BYTES], const uint8_t *msg, size_t msg_len,
                     const veche_ctx *ctx, veche_rng *rng);
veche_err veche_sign_verify(const uint8_t sig[VECHE_SCHNORR_BYTES],
                            const uint8_t X[VECHE_POINT_BYTES], const uint8_t *msg,
                            size_t msg_len, const veche_ctx *ctx);

#endif
