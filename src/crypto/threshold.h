/*
 * threshold.h — t-of-n threshold election keys: a verifiable key ceremony
 * (distributed key generation), decryption shares with proofs, and their
 * Lagrange combination.
 *
 * No single trustee ever holds the election's secret key. Each of n trustees
 * deals a random polynomial; the election key is the sum of their constant
 * terms; each trustee ends with a share of it, and any t trustees together can
 * decrypt a tally, while t-1 learn nothing. Every step leaves a public message
 * that anyone can check, and a trustee who cheats is identified by a proof,
 * not by anyone's word.
 *
 * ==== Parameters and numbering ==========================================
 *
 * 1 <= t <= n <= VECHE_DKG_MAX_TRUSTEES (64). Trustees are numbered 1..n;
 * on the wire an index is one byte. The ceremony fingerprint (32 bytes) names
 * the ceremony; the layer above derives it (it should bind t, n and the
 * trustees' identities) and must use a fresh one for every ceremony: the
 * share encryption below relies on it (see round 2).
 *
 * In what follows G is the ristretto255 generator, L the group order, points
 * are 32-byte RFC 9496 encodings, scalars 32-byte little-endian canonical
 * (< L), le32(v) is v as 4 bytes little-endian, NONE = 0xFFFFFFFF, and
 * ctx(P, a, b) is the transcript context (transcript.h) with the ceremony
 * fingerprint, party P (a point encoding) and indices {a, b}. "pok" is the
 * Schnorr proof of knowledge of schnorr.h (domain "schnorr-pok"), "dleq" the
 * Chaum–Pedersen proof of dleq.h (domain "dleq").
 *
 * ==== The ceremony =======================================================
 *
 * Round 0 — keys. Trustee i has a key pair (e_i, E_i = e_i·G), E_i not the
 *   identity, used only to receive shares. It publishes KEY:
 *       pok_i = pok(x = e_i, X = E_i, ctx(E_i, i, NONE))
 *
 * Round 1 — commit. Trustee i picks its polynomial
 *       f_i(x) = a_i0 + a_i1·x + ... + a_i,t-1·x^(t-1)
 *   with uniformly random non-zero coefficients, and its Feldman commitments
 *   C_ik = a_ik·G (k = 0..t-1). It publishes only their hash, HASH:
 *       h_i = the first 32 bytes of SHA-512 over the transcript fields
 *             (transcript.h framing: le32(len label) || label || le64(len) || value)
 *               "protocol"    = "veche-v1"
 *               "domain"      = "dkg-commit"
 *               "fingerprint" = ceremony fingerprint
 *               "party"       = E_i
 *               "index"       = le32(i) || le32(NONE)
 *               "C"           = C_i0, then "C" = C_i1, ..., "C" = C_i,t-1
 *   Why: with every commitment fixed before any is revealed, a trustee who
 *   speaks last cannot choose its polynomial after seeing the others' (a
 *   "rushing" trustee could otherwise steer or cancel the joint key).
 *
 * Round 2 — reveal and deal, once every HASH is on the record. Trustee i
 *   publishes COMMITMENTS: every C_ik with
 *       pok_ik = pok(x = a_ik, X = C_ik, ctx(E_i, i, k))
 *   Anyone checks that the C_ik hash to h_i and that every pok_ik verifies.
 *   For every j != i, trustee i publishes SHARE, s_ij = f_i(j) encrypted to j:
 *       S_ij    = e_i·E_j  (= e_j·E_i: static Diffie–Hellman)
 *       d       = SHA-512 over the transcript fields
 *                   "protocol" = "veche-v1", "domain" = "dkg-share-key",
 *                   "fingerprint", "party" = E_i, "index" = le32(i) || le32(j),
 *                   "recipient" = E_j, "dh" = S_ij
 *       key     = d[0..32),  nonce = d[32..56)
 *       box     = crypto_aead_xchacha20poly1305_ietf_encrypt(
 *                     message = the 32-byte encoding of s_ij,
 *                     ad = le32(i) || le32(j), nonce, key)      (48 bytes)
 *   The key and nonce are fixed by (fingerprint, i, j), so each key seals one
 *   message only: a dealer re-sending produces the same box, never a second
 *   message under the same nonce, as long as each ceremony has its own
 *   fingerprint. Trustee j keeps s_ii = f_i(i) for itself (i = j: no SHARE).
 *
 * Round 3 — check and complain. Trustee j opens each SHARE and checks
 *       s_ij·G == sum_{k<t} j^k·C_ik
 *   If the box does not open, or the share is not a canonical scalar, or it
 *   does not match, j publishes COMPLAINT against i, revealing S_ij with
 *       proof = dleq(x = e_j, X = E_j, H = E_i, Y = S_ij, ctx(E_j, j, i))
 *   Anyone then re-derives the key from S_ij, opens the published box and
 *   checks the share; the verdict names who is at fault (veche_dkg_verdict):
 *   the dealer i if the box does not open, the share is not canonical or it
 *   does not match; the complainer j if the share was good. Revealing S_ij
 *   reveals only s_ij, which j knew anyway.
 *
 * Result. The layer above disqualifies a dealer whose KEY pok fails, whose
 *   COMMITMENTS are missing, malformed, do not match its HASH or carry a
 *   failing pok, who publishes no SHARE for some j, or against whom a
 *   complaint yields VECHE_DKG_VERDICT_SENDER. (An honest dealer can never
 *   be disqualified: every check is on public data.) With Q the qualified
 *   dealers:
 *       election key            K   = sum_{i in Q} C_i0
 *       j's verification key    K_j = sum_{i in Q} sum_{k<t} j^k·C_ik
 *       j's secret key share    x_j = sum_{i in Q} s_ij,   x_j·G == K_j
 *   K and every K_j are computed by anyone from the COMMITMENTS alone.
 *   Known limit (Gennaro, Jarecki, Krawczyk and Rabin, "Secure distributed
 *   key generation for discrete-log based cryptosystems", 1999): after the
 *   reveal, c colluding dealers can still choose to get some of themselves
 *   disqualified, and so choose among 2^c keys. The same authors showed
 *   ("Secure applications of Pedersen's distributed key generation
 *   protocol", CT-RSA 2003) that threshold ElGamal stays secure under such a
 *   key; it is the accepted price of a ceremony with few rounds.
 *
 * ==== Decryption ==========================================================
 *
 * For a ciphertext (a, b) (elgamal.h) at position `item` of the tally (a
 * number the layer above assigns; VECHE_INDEX_NONE when there is only one),
 * under the *election* fingerprint (not the ceremony's), trustee j
 * publishes DSHARE:
 *       D_j   = x_j·a
 *       proof = dleq(x = x_j, X = K_j, H = a, Y = D_j, ctx'(K_j, j, item))
 *   where ctx' has the election fingerprint and party K_j's encoding. Given
 *   verified shares from any set S of at least t distinct trustees,
 *       lambda_j = prod_{l in S, l != j} l / (l - j)   mod L
 *       M        = b - sum_{j in S} lambda_j·D_j  = m·G
 *   and dlog.h finds m.
 *
 * ==== Byte layouts of the public messages =================================
 *
 *   KEY          97 bytes   i (1) || E_i (32) || pok_i (64)
 *   HASH         33 bytes   i (1) || h_i (32)
 *   COMMITMENTS  2 + 96·t   i (1) || t (1) || for k = 0..t-1:
 *                                              C_ik (32) || pok_ik (64)
 *   SHARE        50 bytes   i (1, dealer) || j (1, recipient) || box (48)
 *   COMPLAINT   130 bytes   j (1, complainer) || i (1, accused dealer)
 *                           || S_ij (32) || proof (96)
 *   DSHARE      129 bytes   j (1) || D_j (32) || proof (96)
 *
 * Decoders check the length, that every index is in 1..n (and i != j where
 * two appear), that t matches the ceremony, that every point is a canonical
 * encoding (E_i, C_ik, S_ij: not the identity; D_j: the identity allowed),
 * and that every proof is well formed (its points canonical, its scalar
 * < L). Whether proofs verify is checked by the *_verify / *_check
 * functions, which need the context.
 *
 * ==== Conventions =========================================================
 *
 * Every function is total: it returns a veche_err and never aborts (the
 * encoders, given structures this module made or decoded, cannot fail and
 * return nothing). Secrets (e_i, the coefficients, shares, S_ij, x_j) are
 * handled in constant time and wiped after use; verification works on
 * public data in variable time. No function allocates except through
 * veche_msm_vartime (scratch of 8 points a term). Structures hold decoded
 * points next to their encodings so each is decoded once.
 * veche_dkg_trustee holds secrets: wipe it with veche_dkg_trustee_wipe.
 */
#ifndef VECHE_CRYPTO_THRESHOLD_H
#define VECHE_CRYPTO_THRESHOLD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/dleq.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/schnorr.h"
#include "crypto/transcript.h"

#define VECHE_DKG_MAX_TRUSTEES      64
#define VECHE_DOMAIN_DKG_COMMIT     "dkg-commit"
#define VECHE_DOMAIN_DKG_SHARE_KEY  "dkg-share-key"

#define VECHE_DKG_HASH_LEN          32   /* h_i */
#define VECHE_DKG_BOX_BYTES         48   /* sealed share: 32 + 16-byte tag */

#define VECHE_DKG_KEY_BYTES         97
#define VECHE_DKG_HASH_BYTES        33
#define VECHE_DKG_COMMITMENTS_BYTES(t) (2 + 96 * (size_t)(t))
#define VECHE_DKG_COMMITMENTS_MAX_BYTES VECHE_DKG_COMMITMENTS_BYTES(VECHE_DKG_MAX_TRUSTEES)
#define VECHE_DKG_SHARE_BYTES       50
#define VECHE_DKG_COMPLAINT_BYTES   130
#define VECHE_DSHARE_BYTES          129

/* The ceremony: its fingerprint and the threshold t of n. */
typedef struct veche_dkg_params {
    uint8_t  fingerprint[32];
    uint32_t t, n;
} veche_dkg_params;

/* VECHE_EINVALID unless 1 <= t <= n <= VECHE_DKG_MAX_TRUSTEES. */
veche_err veche_dkg_params_init(veche_dkg_params *p, const uint8_t fingerprint[32], uint32_t t,
                                uint32_t n);

/* ---- round 0: KEY -------------------------------------------------------- */

typedef struct veche_dkg_key {
    uint32_t    i;
    veche_point E;
    uint8_t     E_enc[VECHE_POINT_BYTES];
    uint8_t     pok[VECHE_SCHNORR_BYTES];
} veche_dkg_key;

void      veche_dkg_key_encode(uint8_t out[VECHE_DKG_KEY_BYTES], const veche_dkg_key *k);
veche_err veche_dkg_key_decode(veche_dkg_key *k, const uint8_t in[VECHE_DKG_KEY_BYTES],
                               const veche_dkg_params *p);
/* Checks pok_i. VECHE_EVERIFY if it fails. */
veche_err veche_dkg_key_verify(const veche_dkg_key *k, const veche_dkg_params *p);

/* ---- a trustee's private state --------------------------------------------- */

typedef struct veche_dkg_trustee {
    veche_dkg_params params;
    veche_dkg_key    key;                          /* public: i, E_i, pok_i */
    veche_scalar     e;                            /* secret: e_i */
    veche_scalar     a[VECHE_DKG_MAX_TRUSTEES];    /* secret: a_i0 .. a_i,t-1 */
} veche_dkg_trustee;

/*
 * Sets up trustee i (1..n) for the ceremony: its key pair (e = NULL makes a
 * fresh one; otherwise e is the trustee's long-term secret, non-zero), the
 * proof pok_i, and a fresh polynomial from rng. On error *tr is wiped.
 */
veche_err veche_dkg_trustee_init(veche_dkg_trustee *tr, const veche_dkg_params *p, uint32_t i,
                                 const veche_scalar *e, veche_rng *rng);
void veche_dkg_trustee_wipe(veche_dkg_trustee *tr);

/* s = f_i(j) for 1 <= j <= n: the share trustee i deals to j (j = i: its own). */
veche_err veche_dkg_share_eval(veche_scalar *s, const veche_dkg_trustee *tr, uint32_t j);

/* ---- rounds 1 and 2: HASH and COMMITMENTS ---------------------------------- */

typedef struct veche_dkg_commitments {
    uint32_t    i, t;
    veche_point C[VECHE_DKG_MAX_TRUSTEES];
    uint8_t     C_enc[VECHE_DKG_MAX_TRUSTEES][VECHE_POINT_BYTES];
    uint8_t     pok[VECHE_DKG_MAX_TRUSTEES][VECHE_SCHNORR_BYTES];
} veche_dkg_commitments;

typedef struct veche_dkg_hash {
    uint32_t i;
    uint8_t  h[VECHE_DKG_HASH_LEN];
} veche_dkg_hash;

/* Trustee i's commitments C_ik with their proofs. */
veche_err veche_dkg_commitments_make(veche_dkg_commitments *c, const veche_dkg_trustee *tr,
                                     veche_rng *rng);
/* h_i for commitments c of the dealer whose KEY is `dealer` (same index). */
veche_err veche_dkg_hash_make(veche_dkg_hash *h, const veche_dkg_commitments *c,
                              const veche_dkg_key *dealer, const veche_dkg_params *p);
/*
 * Checks COMMITMENTS against the dealer's KEY and HASH: same index i, t as
 * the ceremony, the hash matches, every pok_ik verifies. VECHE_EINVALID for
 * mismatched indices or t, VECHE_EVERIFY for a wrong hash or proof.
 */
veche_err veche_dkg_commitments_verify(const veche_dkg_commitments *c, const veche_dkg_hash *h,
                                       const veche_dkg_key *dealer, const veche_dkg_params *p);

void      veche_dkg_hash_encode(uint8_t out[VECHE_DKG_HASH_BYTES], const veche_dkg_hash *h);
veche_err veche_dkg_hash_decode(veche_dkg_hash *h, const uint8_t in[VECHE_DKG_HASH_BYTES],
                                const veche_dkg_params *p);
/* out_len must be VECHE_DKG_COMMITMENTS_BYTES(c->t), else VECHE_EINVALID. */
veche_err veche_dkg_commitments_encode(uint8_t *out, size_t out_len,
                                       const veche_dkg_commitments *c);
/* in_len must be VECHE_DKG_COMMITMENTS_BYTES(p->t), else VECHE_EINVALID. */
veche_err veche_dkg_commitments_decode(veche_dkg_commitments *c, const uint8_t *in,
                                       size_t in_len, const veche_dkg_params *p);

/* ---- round 2: SHARE --------------------------------------------------------- */

typedef struct veche_dkg_share {
    uint32_t i, j;                        /* dealer, recipient */
    uint8_t  box[VECHE_DKG_BOX_BYTES];
} veche_dkg_share;

/* Trustee tr seals f_i(j) to the trustee whose KEY is `recipient` (j != i). */
veche_err veche_dkg_share_seal(veche_dkg_share *out, const veche_dkg_trustee *tr,
                               const veche_dkg_key *recipient);
/*
 * Trustee `me` (j) opens a SHARE from `sender` (i) and checks it against the
 * sender's COMMITMENTS (already verified). On success *s = s_ij. Failures
 * that call for a COMPLAINT: VECHE_EDECRYPT (the box does not open),
 * VECHE_EENCODING (not a canonical scalar), VECHE_EVERIFY (does not match
 * the commitments). VECHE_EINVALID: the message is not from i to j, or the
 * commitments are not i's. *s is zero on any failure.
 */
veche_err veche_dkg_share_open(veche_scalar *s, const veche_dkg_share *m,
                               const veche_dkg_trustee *me, const veche_dkg_key *sender,
                               const veche_dkg_commitments *c);
/* VECHE_OK iff s·G == sum_k j^k·C_ik: the check behind share_open. */
veche_err veche_dkg_share_check(const veche_scalar *s, uint32_t j,
                                const veche_dkg_commitments *c);

void      veche_dkg_share_encode(uint8_t out[VECHE_DKG_SHARE_BYTES], const veche_dkg_share *m);
veche_err veche_dkg_share_decode(veche_dkg_share *m, const uint8_t in[VECHE_DKG_SHARE_BYTES],
                                 const veche_dkg_params *p);

/* ---- round 3: COMPLAINT ------------------------------------------------------ */

typedef struct veche_dkg_complaint {
    uint32_t    j, i;                     /* complainer, accused dealer */
    veche_point S;                        /* S_ij */
    uint8_t     S_enc[VECHE_POINT_BYTES];
    uint8_t     proof[VECHE_DLEQ_BYTES];
} veche_dkg_complaint;

/* Who a checked complaint shows to be at fault. */
typedef enum veche_dkg_verdict {
    VECHE_DKG_VERDICT_NONE       = 0,   /* no verdict: the complaint proves nothing */
    VECHE_DKG_VERDICT_SENDER     = 1,   /* the dealer's share is bad: disqualify it */
    VECHE_DKG_VERDICT_COMPLAINER = 2    /* the share is good: the complaint is false */
} veche_dkg_verdict;

/* Trustee `me` (j) complains against the dealer whose KEY is `sender`. */
veche_err veche_dkg_complain(veche_dkg_complaint *out, const veche_dkg_trustee *me,
                             const veche_dkg_key *sender, veche_rng *rng);
/*
 * Judges a complaint from public data: the SHARE m it is about, both KEYs
 * and the dealer's COMMITMENTS (already verified). VECHE_OK with *v set to
 * SENDER or COMPLAINER when the complaint's proof verifies; VECHE_EVERIFY
 * when it does not (*v = NONE: the complaint shows nothing, and the layer
 * above should hold that against the complainer); VECHE_EINVALID when the
 * pieces do not belong together (indices differ).
 */
veche_err veche_dkg_complaint_check(veche_dkg_verdict *v, const veche_dkg_complaint *cp,
                                    const veche_dkg_share *m, const veche_dkg_key *sender,
                                    const veche_dkg_key *complainer,
                                    const veche_dkg_commitments *c, const veche_dkg_params *p);

void      veche_dkg_complaint_encode(uint8_t out[VECHE_DKG_COMPLAINT_BYTES],
                                     const veche_dkg_complaint *cp);
veche_err veche_dkg_complaint_decode(veche_dkg_complaint *cp,
                                     const uint8_t in[VECHE_DKG_COMPLAINT_BYTES],
                                     const veche_dkg_params *p);

/* ---- result ------------------------------------------------------------------ */

/*
 * The qualified dealers are given as an array of pointers to their verified
 * COMMITMENTS: 1..n entries, distinct indices in 1..n, each with the
 * ceremony's t (else VECHE_EINVALID).
 */

/* K = sum C_i0: the election key. */
veche_err veche_dkg_joint_key(veche_point *K, const veche_dkg_commitments *const qual[],
                              size_t count, const veche_dkg_params *p);
/* K_j = sum_i sum_k j^k·C_ik: trustee j's verification key (1 <= j <= n). */
veche_err veche_dkg_verification_key(veche_point *Kj, uint32_t j,
                                     const veche_dkg_commitments *const qual[], size_t count,
                                     const veche_dkg_params *p);
/*
 * x_j = sum of the shares s_ij from the qualified dealers (own share
 * included), checked against K_j: VECHE_EVERIFY (and *x zero) if
 * x_j·G != K_j. count is 1..VECHE_DKG_MAX_TRUSTEES.
 */
veche_err veche_dkg_secret_share(veche_scalar *x, const veche_scalar shares[], size_t count,
                                 const veche_point *Kj);

/* ---- decryption: DSHARE ------------------------------------------------------- */

typedef struct veche_dshare {
    uint32_t    j;
    veche_point D;                        /* x_j·a */
    uint8_t     D_enc[VECHE_POINT_BYTES];
    uint8_t     proof[VECHE_DLEQ_BYTES];
} veche_dshare;

/*
 * Trustee j (1..VECHE_DKG_MAX_TRUSTEES) with secret x_j and verification key
 * K_j makes its share of ct at position item, for the election fingerprint.
 * VECHE_EINVALID for a bad j, VECHE_EIDENTITY if K_j is the identity.
 */
veche_err veche_dshare_make(veche_dshare *out, uint32_t j, const veche_scalar *x_j,
                            const veche_point *K_j, const veche_ciphertext *ct,
                            const uint8_t fingerprint[32], uint32_t item, veche_rng *rng);
/* Checks a DSHARE's proof against K_j, ct, the fingerprint and item. */
veche_err veche_dshare_verify(const veche_dshare *sh, const veche_point *K_j,
                              const veche_ciphertext *ct, const uint8_t fingerprint[32],
                              uint32_t item);

void      veche_dshare_encode(uint8_t out[VECHE_DSHARE_BYTES], const veche_dshare *sh);
/* n is the number of trustees: j must be in 1..n (n <= VECHE_DKG_MAX_TRUSTEES). */
veche_err veche_dshare_decode(veche_dshare *sh, const uint8_t in[VECHE_DSHARE_BYTES],
                              uint32_t n);

/*
 * lambda = prod_{l in set, l != j} l / (l - j) mod L: the Lagrange
 * coefficient at 0 of trustee j for the set of indices (which must contain
 * j, hold at most VECHE_DKG_MAX_TRUSTEES distinct non-zero indices: else
 * VECHE_EINVALID).
 */
veche_err veche_lagrange_at_zero(veche_scalar *lambda, uint32_t j, const uint32_t set[],
                                 size_t count);

/*
 * M = b - sum lambda_j·D_j over the given shares, which must already have
 * verified: their indices distinct, in 1..n, and at least t of them
 * (VECHE_EINVALID otherwise). All of them are used; any t suffice.
 */
veche_err veche_dshare_combine(veche_point *M, const veche_ciphertext *ct,
                               const veche_dshare shares[], size_t count,
                               const veche_dkg_params *p);

#endif
