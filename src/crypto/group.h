/*
 * group.h — the prime-order group veche computes in: ristretto255 (RFC 9496).
 *
 * Scalars are integers mod L = 2^252 + 27742317777372353535851937790883648493,
 * encoded as 32 bytes little-endian, canonical (< L) only. Points are
 * ristretto255 elements, encoded as RFC 9496 §4.3.2 (32 bytes); decoding
 * accepts only canonical encodings (§4.3.1) and says whether the identity is
 * allowed. The arithmetic is libdecaf's decaf_255, whose encodings are exactly
 * ristretto255's (checked against the RFC 9496 vectors in tests/unit/test_group.c);
 * points stay decoded between operations, so an addition costs ~0.2 µs.
 *
 * Randomness comes from a veche_rng: NULL means the operating system's
 * (libsodium's randombytes); a seeded rng is deterministic and is how the
 * known-answer vectors in tests/vectors/ are made (SPEC.md §"Deterministic
 * randomness" defines it so other implementations can reproduce them).
 *
 * Every function is total: decoders return an error code on bad input, never
 * abort. Functions whose inputs may be secret are constant time; functions
 * named *_vartime are for public data only (verification).
 */
#ifndef VECHE_CRYPTO_GROUP_H
#define VECHE_CRYPTO_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include <decaf.h>

#include "crypto/err.h"

#define VECHE_SCALAR_BYTES 32
#define VECHE_POINT_BYTES  32

typedef struct veche_scalar { decaf_255_scalar_t s; } veche_scalar;
typedef struct veche_point  { decaf_255_point_t  p; } veche_point;

/* Whether a decoded point may be the identity element. Public keys may not. */
typedef enum { VECHE_NO_IDENTITY = 0, VECHE_ALLOW_IDENTITY = 1 } veche_identity_rule;

/* ---- randomness ------------------------------------------------------- */

/*
 * A deterministic generator for test vectors, or the system's when NULL.
 * Seeded: block i = SHA-512("veche-v1/rng" || seed || le64(i)); output is the
 * concatenation of blocks, each request starting at a fresh block.
 */
typedef struct veche_rng {
    uint8_t  seed[32];
    uint64_t counter;
} veche_rng;

void veche_rng_seed(veche_rng *rng, const uint8_t seed[32]);
/* Fills out with n bytes; rng == NULL uses randombytes_buf. */
void veche_rng_bytes(veche_rng *rng, uint8_t *out, size_t n);

/* ---- scalars ---------------------------------------------------------- */

/* Canonical decoding: VECHE_EENCODING unless bytes encode an integer < L. */
veche_err veche_scalar_decode(veche_scalar *s, const uint8_t in[VECHE_SCALAR_BYTES]);
void veche_scalar_encode(uint8_t out[VECHE_SCALAR_BYTES], const veche_scalar *s);
/* Uniform scalar: 64 bytes from rng, read little-endian, reduced mod L. */
void veche_scalar_random(veche_scalar *s, veche_rng *rng);
/* A random scalar below 2^128, from the system: weights for batch verification. */
void veche_scalar_random_128(veche_scalar *s);
/* Reduce a 64-byte little-endian integer mod L (no bias for hash output). */
void veche_scalar_reduce64(veche_scalar *s, const uint8_t in[64]);
void veche_scalar_from_u64(veche_scalar *s, uint64_t v);
void veche_scalar_add(veche_scalar *r, const veche_scalar *a, const veche_scalar *b);
void veche_scalar_sub(veche_scalar *r, const veche_scalar *a, const veche_scalar *b);
void veche_scalar_mul(veche_scalar *r, const veche_scalar *a, const veche_scalar *b);
void veche_scalar_neg(veche_scalar *r, const veche_scalar *a);
/* r = 1/a; VECHE_EINVALID when a is zero. */
veche_err veche_scalar_invert(veche_scalar *r, const veche_scalar *a);
int  veche_scalar_eq(const veche_scalar *a, const veche_scalar *b);   /* constant time */
int  veche_scalar_is_zero(const veche_scalar *a);                     /* constant time */
/* r = pick ? b : a, in constant time. */
void veche_scalar_select(veche_scalar *r, const veche_scalar *a, const veche_scalar *b, int pick);
void veche_scalar_wipe(veche_scalar *s);
extern const veche_scalar veche_scalar_zero_c, veche_scalar_one_c;

/* ---- points ----------------------------------------------------------- */

veche_err veche_point_decode(veche_point *p, const uint8_t in[VECHE_POINT_BYTES],
                             veche_identity_rule rule);
void veche_point_encode(uint8_t out[VECHE_POINT_BYTES], const veche_point *p);
void veche_point_add(veche_point *r, const veche_point *a, const veche_point *b);
void veche_point_sub(veche_point *r, const veche_point *a, const veche_point *b);
void veche_point_neg(veche_point *r, const veche_point *a);
int  veche_point_eq(const veche_point *a, const veche_point *b);
int  veche_point_is_identity(const veche_point *a);
void veche_point_identity(veche_point *r);
void veche_point_generator(veche_point *r);
/* r = s·P, constant time in s. */
void veche_point_mul(veche_point *r, const veche_point *p, const veche_scalar *s);
/* r = s·G for the generator G, constant time, from libdecaf's table. */
void veche_point_mul_base(veche_point *r, const veche_scalar *s);
/* r = v·G for a small public integer v (tallies, range branches). */
void veche_point_mul_base_u64(veche_point *r, uint64_t v);

/* r = a·G + b·P, variable time: public data only (signature verification). */
void veche_point_base_double_vartime(veche_point *r, const veche_scalar *a, const veche_point *p,
                                     const veche_scalar *b);

/*
 * A precomputed table of multiples of a fixed point (an election key), so
 * s·P costs a third of a plain multiplication. Heap-allocated: 9 KiB.
 */
typedef struct veche_table veche_table;
veche_err veche_table_new(veche_table **t, const veche_point *p);
void veche_table_free(veche_table *t);
/* r = s·P for the table's point, constant time in s. */
void veche_table_mul(veche_point *r, const veche_table *t, const veche_scalar *s);

/*
 * r = sum s[i]·P[i], variable time (Straus with width-5 NAF): public data only.
 * VECHE_ENOMEM if the scratch table (n·8 points) cannot be allocated.
 */
veche_err veche_msm_vartime(veche_point *r, const veche_scalar *s, const veche_point *p,
                            size_t n);

/* Hash-to-group (RFC 9496 §4.3.4) of a 64-byte uniform string. */
void veche_point_from_hash(veche_point *r, const uint8_t in[64]);

/* Must be called once before anything else (initialises libsodium). */
veche_err veche_crypto_init(void);

#endif
