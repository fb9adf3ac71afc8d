/*
 * credentials.h — voters' credentials: the secret code a voter holds, the
 * public credential the record lists, and the election.credentials entries.
 *
 * A voter's credential is a Schnorr key pair (schnorr.h): the ballot is
 * signed inside its body with x, and the record lists only X = x·G with the
 * voter's weight. The server never sees x, so it cannot cast for anyone;
 * the list is sorted bytewise, so its order says nothing about the roll.
 *
 * ==== The secret code =====================================================
 *
 * The voter holds only a short printable code; x is derived from it.
 *
 *   alphabet   VECHE_CODE_ALPHABET, 31 symbols: the digits 2-9 and the
 *              capital letters without I, L and O (no 0/O or 1/I/L to
 *              confuse). Symbol values are positions 0..30 in the alphabet.
 *   symbols    v_0 .. v_19 uniformly random (20 · log2(31) = 99.1 bits),
 *              then one check symbol v_20 such that
 *                  sum_{i=0..20} (i + 1) · v_i  ≡ 0   (mod 31).
 *              31 is prime and the weights 1..21 are distinct and non-zero
 *              mod 31, so every change of one symbol (weight · difference
 *              ≠ 0) and every swap of two adjacent different symbols
 *              (difference of weights = ±1) changes the sum: both are
 *              always caught, the check symbol included.
 *   printed    the 21 symbols in 7 groups of 3 joined by '-':
 *              "ABC-DEF-GHJ-KMN-PQR-STU-VWX" (27 characters).
 *   read       a typed code is read by dropping '-' and spaces and
 *              upper-casing letters; what remains must be 21 symbols of
 *              the alphabet with a valid check symbol (the message names
 *              the first bad character, or says the checksum fails).
 *   key        with id the election id (ASCII) and code the 21 symbols
 *              (ASCII, upper case, no separators):
 *                  x = LE(SHA-512("veche-v1/credential" || id || code)) mod L
 *              (the code has a fixed length, so the concatenation is
 *              injective); X = x·G. A code whose x is 0 (probability
 *              2^-252) is never issued. The same code in another election
 *              gives an unrelated key.
 *
 * ==== election.credentials (docs/ELECTION-DESIGN.md §8) ===================
 *
 *   {"election": id, "part": k, "parts": N,
 *    "credentials": [{"key": b64(enc(X)), "weight": w}, ...]}
 *
 * signed by the credential authority. Across parts 0..N-1 (in part order)
 * the keys are strictly increasing bytewise (so distinct), every key a
 * canonical non-identity point, 1 <= w <= 10^6, total weight <= 10^9; a part
 * holds 1..VECHE_CREDENTIALS_PER_PART credentials.
 *
 * Known limit: a weight is public with its credential, so a voter whose
 * weight no one else has is recognisable as that credential's holder (which
 * ballot is theirs, never what it says).
 */
#ifndef VECHE_ELECTION_CREDENTIALS_H
#define VECHE_ELECTION_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/canon.h"
#include "crypto/group.h"

#define VECHE_CODE_ALPHABET        "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define VECHE_CODE_RADIX           31
#define VECHE_CODE_SYMBOLS         21     /* 20 random + 1 check */
#define VECHE_CODE_CHARS           27     /* printed, with the dashes */
#define VECHE_CREDENTIAL_TAG       "veche-v1/credential"
#define VECHE_CREDENTIALS_PER_PART 5000
#define VECHE_CREDENTIALS_TYPE     "election.credentials"
/* At most this many parts: total weight <= 10^9 and every weight >= 1. */
#define VECHE_CREDENTIALS_MAX_PARTS 200000

/* One public credential: enc(X), X decoded, and its weight. */
typedef struct veche_credential {
    uint8_t     key[32];
    veche_point X;
    uint32_t    weight;
} veche_credential;

/* A list sorted bytewise by key, keys distinct. Free with veche_credentials_free. */
typedef struct veche_credential_list {
    veche_credential *v;
    size_t            n;
    uint64_t          total_weight;
} veche_credential_list;

/* ---- codes ----------------------------------------------------------------- */

/* A fresh code, printed form, NUL-terminated. rng NULL = the system's. Secret. */
void veche_code_generate(char out[VECHE_CODE_CHARS + 1], veche_rng *rng);

/*
 * Reads a code as typed (see above) into its 21 symbols, NUL-terminated.
 * VECHE_EENCODING: a character outside the alphabet (named, with its
 * position) or not 21 symbols; VECHE_EVERIFY: the check symbol is wrong.
 */
veche_err veche_code_read(char out[VECHE_CODE_SYMBOLS + 1], const char *in, veche_diag *d);

/*
 * x and X = enc(x·G) from a code (any form veche_code_read accepts) for the
 * election id. VECHE_EINVALID for a bad id or an x of 0. x is secret:
 * wipe it (veche_scalar_wipe); it is zero on failure.
 */
veche_err veche_credential_derive(veche_scalar *x, uint8_t X[32], const char *election_id,
                                  const char *code, veche_diag *d);

/* ---- generating -------------------------------------------------------------- */

/*
 * Makes n credentials for election_id: codes[i] (printed form) for the
 * voter of weights[i], and the public list `pub`, sorted by key — so not in
 * the order of the codes. Weights 1..10^6, total <= 10^9, n >= 1. The codes
 * are secret: the caller wipes them (sodium_memzero). rng NULL = system.
 */
veche_err veche_credentials_generate(char (*codes)[VECHE_CODE_CHARS + 1],
                                     veche_credential_list *pub, const char *election_id,
                                     const uint32_t *weights, size_t n, veche_rng *rng,
                                     veche_diag *d);

/*
 * The election.credentials entries of a sorted list: ceil(n / 5000) parts
 * in part order, each signed with sk (libsodium Ed25519, 64 bytes). Free
 * with veche_credentials_entries_free.
 */
veche_err veche_credentials_build(char ***entries, size_t **lens, size_t *nparts,
                                  const char *election_id, const veche_credential_list *l,
                                  const uint8_t sk[64], veche_diag *d);
void veche_credentials_entries_free(char **entries, size_t *lens, size_t nparts);

/* ---- reading ----------------------------------------------------------------- */

/*
 * The body check of election.credentials (registered with the board): the
 * members, the election id, part < parts <= VECHE_CREDENTIALS_MAX_PARTS,
 * 1..5000 credentials of exactly {"key": canonical base64 of 32 bytes,
 * "weight": 1..10^6}, keys strictly increasing within the part. (Whether a
 * key is a valid point is left to veche_credentials_parse, which decodes
 * every key once.)
 */
veche_err veche_credentials_check_body(const json_t *body, veche_diag *d);

/*
 * The list from the bodies of parts 0..nparts-1, in part order: each body
 * passes the check above, says "part": its position and "parts": nparts,
 * and all are for one election; keys strictly increasing across parts,
 * each a canonical non-identity point; total weight <= 10^9. Errors name
 * the part and the credential.
 */
veche_err veche_credentials_parse(veche_credential_list *out, const json_t *const *bodies,
                                  size_t nparts, veche_diag *d);
void veche_credentials_free(veche_credential_list *l);

/* The credential with this key (binary search), or NULL. */
const veche_credential *veche_credentials_find(const veche_credential_list *l,
                                               const uint8_t key[32]);

#endif
