/*
 * elgamal.h — exponential ElGamal over ristretto255.
 *
 * A vote m (a small integer) under election key K = x·G with nonce r is the
 * ciphertext (a, b) = (r·G, m·G + r·K). Ciphertexts add component-wise, and
 * the sum encrypts the sum of the votes: that is how a tally is made without
 * decrypting any ballot. Decryption yields m·G; the integer m is then found
 * by a bounded discrete-log search (dlog.h).
 *
 * Encoding: a ciphertext is a || b, 64 bytes, each a ristretto255 encoding;
 * either may be the identity (a sum can be). A public key may not.
 *
 * Benaloh audit: a voter who spoils a ballot reveals (m, r) for each
 * ciphertext; veche_benaloh_check lets anyone confirm it encrypted m.
 */
#ifndef VECHE_CRYPTO_ELGAMAL_H
#define VECHE_CRYPTO_ELGAMAL_H

#include "crypto/group.h"

#define VECHE_CIPHERTEXT_BYTES 64

typedef struct veche_ciphertext {
    veche_point a;   /* r·G */
    veche_point b;   /* m·G + r·K */
} veche_ciphertext;

/* An election public key with its table for fast encryption. */
typedef struct veche_pubkey {
    veche_point  K;
    uint8_t      enc[VECHE_POINT_BYTES];
    veche_table *table;
} veche_pubkey;

/* Decodes K (not the identity) and builds its table. Free with veche_pubkey_free. */
veche_err veche_pubkey_decode(veche_pubkey *pk, const uint8_t enc[VECHE_POINT_BYTES]);
veche_err veche_pubkey_from_point(veche_pubkey *pk, const veche_point *K);
void veche_pubkey_free(veche_pubkey *pk);

/* A single-holder key pair (tests, demos); elections use threshold.h. */
veche_err veche_keypair_generate(veche_scalar *x, veche_pubkey *pk, veche_rng *rng);

veche_err veche_ciphertext_decode(veche_ciphertext *ct, const uint8_t in[VECHE_CIPHERTEXT_BYTES]);
void veche_ciphertext_encode(uint8_t out[VECHE_CIPHERTEXT_BYTES], const veche_ciphertext *ct);

/* ct = (r·G, m·G + r·K); constant time in m and r. */
void veche_encrypt(veche_ciphertext *ct, const veche_pubkey *pk, uint64_t m, const veche_scalar *r);
/* As veche_encrypt with a fresh nonce from rng, returned in r_out when not NULL. */
void veche_encrypt_random(veche_ciphertext *ct, veche_scalar *r_out, const veche_pubkey *pk,
                          uint64_t m, veche_rng *rng);
/* The encryption of 0 with nonce 0: the neutral element of addition. */
void veche_ciphertext_zero(veche_ciphertext *ct);
void veche_ciphertext_add(veche_ciphertext *r, const veche_ciphertext *x, const veche_ciphertext *y);
/* r = w·ct: the ciphertext of w·m, for a voter of (public) weight w. */
void veche_ciphertext_scale(veche_ciphertext *r, const veche_ciphertext *ct, uint64_t w);
/* r = ct + Enc(0; s): the same plaintext, unlinkable to ct. */
void veche_reencrypt(veche_ciphertext *r, const veche_ciphertext *ct, const veche_pubkey *pk,
                     const veche_scalar *s);
int veche_ciphertext_eq(const veche_ciphertext *x, const veche_ciphertext *y);

/* M = b - x·a = m·G, for a single-holder key. */
void veche_decrypt_point(veche_point *M, const veche_scalar *x, const veche_ciphertext *ct);

/* VECHE_OK if ct is exactly the encryption of m under pk with nonce r, else VECHE_EVERIFY. */
veche_err veche_benaloh_check(const veche_ciphertext *ct, const veche_pubkey *pk, uint64_t m,
                              const veche_scalar *r);

#endif
