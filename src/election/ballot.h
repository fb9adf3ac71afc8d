/*
 * ballot.h — a voter's ballot: build it (encrypt, prove, sign), verify it,
 * its tracking code, and the Benaloh cast-or-audit check.
 *
 * A ballot is the board entry (docs/ELECTION-DESIGN.md §10, unsigned at
 * board level: no "author", no "sig")
 *
 *   {"body":{"contests":[C_0, C_1, ...],        one per manifest contest, in order
 *            "credential":b64(enc(X)),
 *            "election":<manifest id>,
 *            "signature":b64(R || s)},
 *    "type":"election.ballot","v":1}
 *
 *   C_c = {"ciphertexts":[b64(enc(a) || enc(b)) per explicit selection],
 *          "proofs":[b64(range proof over [0,1]) per explicit selection],
 *          "sum_proof":b64(range proof over [sum_lo, sum_hi])}
 *
 * in canonical JSON (SPEC §2.2; members sorted as shown). For contest c:
 *   - its selections are its options, then "blank" when the contest has
 *     one; the explicit ones are all of them, or all but the last when
 *     min == max (the last is then k − the sum of the others);
 *   - ciphertexts[s] = Enc(m_s; r_s) under K, m_s in {0, 1};
 *   - proofs[s] = veche_range_prove over [0, 1], context (fingerprint,
 *     party = enc(X), index = (c, s)): 256 bytes, 344 base64 characters;
 *   - sum_proof = veche_range_prove of the sum of the ciphertexts (the sum
 *     of the m_s under the sum of the r_s) over the manifest's
 *     [sum_lo, sum_hi], context (fingerprint, enc(X), (c, NONE)); the member
 *     is absent exactly when contest->sum_proof is 0;
 *   - signature = veche_sign by x over the canonical JSON of the body
 *     without "signature", context (fingerprint, enc(X), (NONE, NONE)).
 *
 * Tracking code: b64 of the entry's Merkle leaf hash SHA-256(0x00 || entry),
 * 44 characters. It is what a receipt proves included (SPEC §2.9).
 *
 * Choices are a 0/1 mark per selection (veche_choices), implicit selection
 * included, so what the voter chose is one value whatever the contest kind.
 * They are the vote: the builder runs in constant time in them (it only
 * branches on whether they are valid at all), and callers wipe them.
 *
 * Benaloh audit document (canonical JSON; the design's "Benaloh audit"):
 *
 *   {"ballot":<the ballot entry, as a JSON object>,
 *    "contests":[{"nonces":[b64(enc(r_s)) per explicit selection],
 *                 "plaintexts":[m_s per explicit selection]} per contest]}
 *
 * The entry's bytes are the canonical serialization of "ballot", so its
 * tracking code can be recomputed from the document. A spoiled ballot must
 * never be cast: its nonces reveal the vote.
 *
 * Thread safety: every function works only on its arguments; verifying
 * many ballots on many threads at once is the intended use.
 */
#ifndef VECHE_ELECTION_BALLOT_H
#define VECHE_ELECTION_BALLOT_H

#include <stddef.h>
#include <stdint.h>

#include "board/canon.h"
#include "crypto/elgamal.h"
#include "election/manifest.h"

#define VECHE_BALLOT_TYPE            "election.ballot"
#define VECHE_MAX_SELECTIONS         (VECHE_MAX_OPTIONS + 1)    /* options + blank */
#define VECHE_TRACKING_CODE_CHARS    44                         /* b64 of 32 bytes */

/*
 * What a voter chose: mark[c][s] is 1 if selection s of contest c is chosen,
 * else 0. Selections are numbered as in the manifest: options 0..noptions-1,
 * then blank (index noptions) if the contest has one. Every mark past a
 * contest's nsel, and every mark of a contest past ncontests, must be 0.
 */
typedef struct veche_choices {
    uint8_t mark[VECHE_MAX_CONTESTS][VECHE_MAX_SELECTIONS];
} veche_choices;

/*
 * A verified ballot, decoded once so that a tally adds its ciphertexts
 * without touching bytes again. Contest c's explicit selections are
 * ct[first[c]] .. ct[first[c + 1] - 1]; first[ncontests] is the total.
 */
typedef struct veche_ballot {
    uint8_t           credential[32];  /* enc(X), the voter's public credential */
    uint8_t           tracking[32];    /* the entry's Merkle leaf hash */
    size_t            ncontests;
    size_t            first[VECHE_MAX_CONTESTS + 1];
    veche_ciphertext *ct;              /* first[ncontests] ciphertexts, decoded */
} veche_ballot;

/*
 * What a Benaloh audit reveals: per explicit selection (laid out as in
 * veche_ballot) its plaintext and nonce. Secret until the ballot is
 * spoiled; veche_ballot_secrets_free wipes it.
 */
typedef struct veche_ballot_secrets {
    size_t        ncontests;
    size_t        first[VECHE_MAX_CONTESTS + 1];
    uint8_t      *plaintext;           /* 0 or 1 */
    veche_scalar *nonce;               /* r with ciphertext = Enc(plaintext; r) */
} veche_ballot_secrets;

/*
 * Builds the ballot entry for `choices` (see above) in election m under key
 * K and fingerprint, signed by the credential (x, X = enc(x·G)). On success
 * *entry is the malloc'd canonical entry (NUL-terminated, *len bytes
 * without the NUL). When audit_out is not NULL it receives the plaintexts
 * and nonces (free with veche_ballot_secrets_free).
 *
 * Refused, with a message naming the contest, before anything is encrypted:
 * a mark other than 0/1 (VECHE_EINVALID), a mark on a selection the contest
 * does not have (VECHE_EINVALID), a number of marks outside the contest's
 * [min, max] (VECHE_ERANGE); an x that does not match X (VECHE_EINVALID);
 * a manifest whose derived counts are inconsistent (VECHE_EINVALID); a
 * ballot over the board's 1 MiB entry limit (VECHE_ERANGE).
 *
 * Randomness, in this order (so a seeded rng reproduces a ballot): for each
 * contest, for each explicit selection: its nonce r_s (one random scalar),
 * then its [0,1] proof's draws; then the contest's sum proof's draws, if it
 * has one; finally the signature's hedge bytes. rng NULL = the system's.
 */
veche_err veche_ballot_build(char **entry, size_t *len, const veche_manifest *m,
                             const veche_pubkey *K, const uint8_t fingerprint[32],
                             const veche_scalar *x, const uint8_t X[32],
                             const veche_choices *choices, veche_ballot_secrets *audit_out,
                             veche_rng *rng, veche_diag *d);

/*
 * Verifies a ballot entry for election m (key K, fingerprint) and, on
 * success, fills out (free with veche_ballot_free; on failure out holds
 * nothing to free). The steps, in order; the first that fails is reported
 * by the path of the offending member (e.g. "body.contests[1].proofs[3]"):
 *
 *   1. at most 1 MiB; canonical JSON; exactly the members "body", "type"
 *      ("election.ballot"), "v" (1) — a board signature is not allowed;
 *   2. body: exactly "contests", "credential", "election", "signature";
 *      "election" is m's id; credential canonical base64 of 32 bytes,
 *      signature of 64;
 *   3. contests: one object per manifest contest, with exactly
 *      "ciphertexts" and "proofs" (arrays of nexplicit canonical base64
 *      strings of 64 and 256 bytes) and "sum_proof" iff contest->sum_proof
 *      (base64 of the range proof's size for [sum_lo, sum_hi]);
 *   4. every ciphertext is two canonical point encodings;
 *   5. the signature verifies for the credential (which must be a valid,
 *      non-identity point) over the body without "signature";
 *   6. every selection's [0,1] proof, contest by contest;
 *   7. every contest's sum proof, over the sum of its ciphertexts.
 *
 * Whether the credential is on the roll, the ballot inside the voting
 * window, or superseded by a later one is the caller's business (tally,
 * verify): this checks the ballot on its own.
 */
veche_err veche_ballot_verify(veche_ballot *out, const uint8_t *entry, size_t len,
                              const veche_manifest *m, const veche_pubkey *K,
                              const uint8_t fingerprint[32], veche_diag *d);
/*
 * The same, for an entry already parsed from exactly these bytes (json is
 * veche_canon_parse of entry[0..len), as veche_entry_decode and the
 * election loader give it), so a verifier does not parse a ballot twice.
 * The signature is checked over the bytes and everything else read from
 * json: passing json of other bytes is a caller's bug this cannot detect.
 */
veche_err veche_ballot_verify_decoded(veche_ballot *out, const uint8_t *entry, size_t len,
                                      const json_t *json, const veche_manifest *m,
                                      const veche_pubkey *K, const uint8_t fingerprint[32],
                                      veche_diag *d);
void veche_ballot_free(veche_ballot *b);

/*
 * Checks a ballot body's shape without the manifest: members, types,
 * base64 lengths (the checks of steps 2–3 that need no manifest). Fit for
 * registering election.ballot with the board (entry.h's check_body).
 */
veche_err veche_ballot_check_body(const json_t *body, veche_diag *d);

/* The tracking code of an entry: b64 of its Merkle leaf hash, NUL-terminated. */
void veche_ballot_tracking_code(char out[VECHE_TRACKING_CODE_CHARS + 1], const uint8_t *entry,
                                size_t len);

void veche_ballot_secrets_free(veche_ballot_secrets *s);

/*
 * The Benaloh audit document (see above) of a ballot entry and the secrets
 * its build returned; *doc is malloc'd canonical JSON, NUL-terminated.
 * VECHE_EINVALID if the secrets' layout does not fit the manifest.
 */
veche_err veche_ballot_audit_format(char **doc, size_t *len, const uint8_t *entry,
                                    size_t entry_len, const veche_manifest *m,
                                    const veche_ballot_secrets *s, veche_diag *d);

/*
 * Checks an audit document: canonical JSON with exactly "ballot" and
 * "contests"; the ballot verifies (veche_ballot_verify); one
 * {"nonces","plaintexts"} object per contest with one entry per explicit
 * selection, plaintexts 0 or 1, nonces canonical scalars; every ciphertext
 * is exactly Enc(plaintext; nonce) (veche_benaloh_check); the plaintexts,
 * with the implicit selection, satisfy the contest's min..max. On success
 * `chosen` (if not NULL) holds the choices the ballot encrypts, implicit
 * selections included, and `tracking` (if not NULL) its tracking code, so
 * a voter can compare them with what they chose.
 */
veche_err veche_ballot_audit_check(veche_choices *chosen,
                                   char tracking[VECHE_TRACKING_CODE_CHARS + 1],
                                   const uint8_t *doc, size_t len, const veche_manifest *m,
                                   const veche_pubkey *K, const uint8_t fingerprint[32],
                                   veche_diag *d);

/*
 * Parses a voter's choices, "CONTEST:SEL,SEL;CONTEST:SEL...", into out:
 *   - one group per contest, every contest exactly once, in any order;
 *   - CONTEST is the contest's id or its 0-based index in decimal (an id
 *     that looks like a number wins over the index);
 *   - SEL is an option's text, "blank" for the blank selection, or the
 *     selection's 0-based index (a text wins over an index); an empty list
 *     ("c1:") chooses nothing;
 *   - spaces around a name or number are ignored; a name containing ':',
 *     ',' or ';' must be given by its index.
 * Refuses (with the group and item named) an unknown contest or selection,
 * a contest given twice or not at all, a selection chosen twice. It does
 * not check min..max: veche_ballot_build does, with its own message.
 */
veche_err veche_choices_parse(veche_choices *out, const char *text, const veche_manifest *m,
                              veche_diag *d);

#endif
