/*
 * ceremony.h — the trustees' key ceremony and their decryption shares on the
 * public record: each trustee's entries built from its secret state, and the
 * whole ceremony judged from the record alone.
 *
 * threshold.h is the cryptography (KEY, HASH, COMMITMENTS, SHARE, COMPLAINT,
 * DSHARE and their checks); docs/ELECTION-DESIGN.md entries 2–7 and 13 are
 * the entries that carry them. This module joins the two:
 *
 *   trustee side   veche_trustee_state holds a trustee's secrets (e_i, its
 *                  polynomial, the shares it received, x_i); it lives in a
 *                  state file on the trustee's machine and never leaves it.
 *                  veche_trustee_*_entry build the trustee's signed entries.
 *   public side    veche_ceremony_evaluate judges the ceremony entries of
 *                  one election in board order: every trustee's status,
 *                  the qualified set Q, the election key K, every K_j, and a
 *                  reason for each disqualification and each refused entry;
 *                  it also checks the election.key entry. veche_decryption
 *                  judges trustee.decryption entries against the K_j and
 *                  combines any t of them (Lagrange) into m·G per selection.
 *
 * ==== Identifiers ==========================================================
 *
 *   ceremony_id = SHA-256("veche-v1/ceremony" || manifest_hash)
 * is the ceremony fingerprint of threshold.h (params: t = manifest
 * threshold, n = number of trustees). Decryption shares use the *election*
 * fingerprint, which the caller passes in, and for selection s of contest c
 *   item = VECHE_DECRYPTION_ITEM(c, s) = 256·c + s.
 *
 * ==== How the record is judged (ELECTION-DESIGN, "Judging entries 2–7") ======
 *
 * Items are the election's entries in board order (strictly increasing
 * index): trustee.key, .commit, .commitments, .shares, .complaint and
 * election.key (trustee.decryption is ignored here; veche_decryption judges
 * it; any other type is refused). Each item is either
 *
 *   refused  — it changes nothing and is listed with its reason: a body
 *              that does not name this election or a trustee 1..n; an
 *              author that is not that trustee's key in the manifest (or, for
 *              election.key, not the administrator); a second entry of a kind
 *              (the first one counts, valid or not); a second complaint by j
 *              against i; a ceremony entry after the first election.key;
 *   judged   — it is trustee i's entry of that kind, and its step is OK or
 *              BAD with what is wrong: undecodable, an index byte that is not
 *              i, out of order (a commit before a valid key; commitments or
 *              shares before every trustee's valid commit), a hash that does
 *              not match, a proof that fails.
 *
 * A complaint is judged by veche_dkg_complaint_check against the accused
 * dealer's commitments and shares (which must be valid and earlier): its
 * verdict SENDER disqualifies the dealer; COMPLAINER (a false complaint) or
 * NONE (unprovable, or nothing to judge) is reported against the complainer
 * but disqualifies nobody.
 *
 * Q = the trustees whose key, commit, commitments and shares are all OK and
 * against whom no complaint has verdict SENDER. While the ceremony runs, Q
 * is "so far": a trustee whose reveal is still to come is `pending`, not in
 * Q; election.key closes the ceremony (phase KEYED) and then a missing
 * reveal disqualifies. K and the K_j are those of the current Q whenever
 * |Q| >= t (have_K), so the administrator may close the ceremony without a
 * trustee who never reveals; they are final only in phase KEYED. A BAD key
 * or commit can never be repaired (its first entry counts), and without
 * every commit no reveal is valid: phase FAILED, the election must be made
 * anew.
 *
 * ==== The trustee's state file =============================================
 *
 * Text, one field per line, in this order, nothing else (at most
 * VECHE_TRUSTEE_STATE_MAX bytes; b64 is canonical padded base64 of 32 bytes):
 *
 *   veche-trustee-state v1
 *   election <id>
 *   manifest <b64 manifest_hash>
 *   trustee <i> of <n> threshold <t>
 *   author <b64 the trustee's Ed25519 board key (public)>
 *   e <b64 e_i>
 *   a <b64 a_ik>                 t lines, k = 0..t-1
 *   share <d> <b64 s_d,i>        0..n lines, d increasing: the share dealer d
 *                                dealt to i, opened and checked (d = i: own)
 *   x <q1,q2,...> <b64 x_i>      optional: x_i for the qualified set listed
 *
 * It is written with mode 0600 atomically and durably (a temporary file in
 * the same directory, fsync, rename — or link, so that creating never
 * replaces an existing state — then fsync of the directory); a state
 * readable by group or others is refused. It is NOT encrypted: there is no
 * passphrase (out of scope for now); the file is the trustee's secret, and
 * protecting it is the machine's job (disk encryption, access control).
 * Losing it before decryption loses that trustee's share.
 *
 * ==== Conventions ============================================================
 *
 * Every function is total and says what is wrong and where in its
 * veche_diag. Secrets (e_i, a_ik, the shares, x_i) meet only constant-time
 * operations, and the state's buffers are wiped after use; judging works
 * on public data. Entries are built with veche_entry_build and signed with
 * the trustee's board key, which must be the state's `author`.
 */
#ifndef VECHE_ELECTION_CEREMONY_H
#define VECHE_ELECTION_CEREMONY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/canon.h"
#include "board/entry.h"
#include "board/keyfile.h"
#include "crypto/threshold.h"
#include "election/election.h"
#include "election/manifest.h"

#define VECHE_MAX_SELECTIONS        (VECHE_MAX_OPTIONS + 1)
#define VECHE_DECRYPTION_ITEM(c, s) (256u * (uint32_t)(c) + (uint32_t)(s))
#define VECHE_CEREMONY_WHY          256
#define VECHE_TRUSTEE_STATE_MAX     16384

/* ---- the record as this module reads it ------------------------------------ */

/* One entry of the election, decoded (board/entry.h); everything borrowed. */
typedef struct veche_ceremony_item {
    uint64_t       index;     /* board index */
    const char    *type;
    const uint8_t *author;    /* 32-byte Ed25519 key; NULL if unsigned */
    const json_t  *body;
} veche_ceremony_item;

/* ---- judging a ceremony ------------------------------------------------------- */

typedef enum veche_step_state {
    VECHE_STEP_MISSING = 0,   /* no entry judged yet */
    VECHE_STEP_OK      = 1,
    VECHE_STEP_BAD     = 2    /* judged and failed; why says what */
} veche_step_state;

/* A trustee's four rounds, in order. */
enum { VECHE_ROUND_KEY, VECHE_ROUND_COMMIT, VECHE_ROUND_COMMITMENTS, VECHE_ROUND_SHARES,
       VECHE_ROUNDS };

typedef struct veche_ceremony_step {
    veche_step_state state;
    uint64_t         index;                     /* the judged entry's board index */
    char             why[VECHE_CEREMONY_WHY];   /* BAD: what is wrong */
} veche_ceremony_step;

typedef struct veche_ceremony_trustee {
    uint32_t              i;
    veche_ceremony_step   step[VECHE_ROUNDS];
    veche_dkg_key         key;           /* valid when step[KEY] is OK */
    veche_dkg_hash        hash;          /* step[COMMIT] */
    veche_dkg_commitments commitments;   /* step[COMMITMENTS]: verified */
    veche_dkg_share       share[VECHE_DKG_MAX_TRUSTEES + 1];   /* step[SHARES]: [j], i to j */
    int                   qualified;     /* in Q (so far, before phase KEYED) */
    int                   pending;       /* not in Q only because a step is still to come */
    char                  why[VECHE_CEREMONY_WHY];   /* not qualified: why */
} veche_ceremony_trustee;

typedef struct veche_ceremony_complaint {
    uint64_t          index;
    uint32_t          j, i;              /* complainer, accused dealer */
    veche_dkg_verdict verdict;
    char              why[VECHE_CEREMONY_WHY];
} veche_ceremony_complaint;

typedef struct veche_ceremony_refusal {
    uint64_t index;
    char     type[VECHE_ENTRY_TYPE_MAX + 1];
    char     why[VECHE_CEREMONY_WHY];
} veche_ceremony_refusal;

typedef enum veche_ceremony_phase {
    VECHE_PHASE_KEYS,      /* waiting for a trustee.key */
    VECHE_PHASE_COMMITS,   /* waiting for a trustee.commit */
    VECHE_PHASE_REVEALS,   /* every commit in; waiting for commitments or shares */
    VECHE_PHASE_CHECKS,    /* every reveal judged: complaints, then election.key */
    VECHE_PHASE_KEYED,     /* election.key is on the record: Q is final */
    VECHE_PHASE_FAILED     /* a key or commit is BAD: the ceremony cannot complete */
} veche_ceremony_phase;

typedef struct veche_ceremony {
    const veche_manifest    *manifest;   /* borrowed */
    veche_dkg_params         params;     /* ceremony_id, t, n */
    veche_ceremony_phase     phase;
    char                     why[VECHE_CEREMONY_WHY];   /* what the phase waits for */
    int                      commits_closed;   /* every trustee's valid commit is in */
    uint64_t                 commits_closed_at;
    veche_ceremony_trustee   tr[VECHE_DKG_MAX_TRUSTEES + 1];   /* [1..n] */
    veche_ceremony_complaint *complaints;
    size_t                   ncomplaints;
    veche_ceremony_refusal  *refused;
    size_t                   nrefused;
    /* the result */
    uint32_t                 qual[VECHE_DKG_MAX_TRUSTEES];   /* Q, increasing */
    size_t                   nqual;
    int                      have_K;     /* |Q| >= t: K, Kj of the current Q */
    veche_point              K;
    uint8_t                  K_enc[VECHE_POINT_BYTES];
    veche_point              Kj[VECHE_DKG_MAX_TRUSTEES + 1];  /* [1..n] */
    /* the first election.key by the administrator */
    int                      key_present;
    uint64_t                 key_index;
    int                      key_ok;
    char                     key_why[VECHE_CEREMONY_WHY];   /* !key_ok: what is wrong */
} veche_ceremony;

/*
 * Judges items[0..count) (see the top of this file) for the election of
 * manifest m, whose entry hashes to manifest_hash and was signed by admin
 * (the administrator, who alone may publish election.key). *out is
 * allocated; free it with veche_ceremony_free. Fails only on bad arguments
 * (items out of order: VECHE_EINVALID) or out of memory: whatever is wrong
 * with the record is in the result.
 */
veche_err veche_ceremony_evaluate(veche_ceremony **out, const veche_manifest *m,
                                  const uint8_t manifest_hash[32], const uint8_t admin[32],
                                  const veche_ceremony_item *items, size_t count,
                                  veche_diag *d);
void veche_ceremony_free(veche_ceremony *c);

/*
 * The same over a loaded election (election.h): its trustee.* entries and
 * election.key entries merged in board order, with its manifest, manifest
 * hash and administrator.
 */
veche_err veche_ceremony_evaluate_election(veche_ceremony **out, const veche_election *el,
                                           veche_diag *d);
/* A loaded entry as an item (borrowing from it). */
veche_ceremony_item veche_ceremony_item_of(const veche_election_entry *e);

/* Whether an election.key body states exactly this ceremony's Q and K. */
veche_err veche_ceremony_check_election_key(const veche_ceremony *c, const json_t *body,
                                            veche_diag *d);
/* The election.key body for this ceremony (the administrator's): needs have_K. */
veche_err veche_ceremony_election_key_body(json_t **body, const veche_ceremony *c,
                                           veche_diag *d);

/* ---- decryption ------------------------------------------------------------------ */

/* The tally ciphertexts: contest c's explicit selection s is ct[c][s]. */
typedef struct veche_ceremony_tally {
    size_t           ncontests;
    size_t           nsel[VECHE_MAX_CONTESTS];     /* explicit selections */
    veche_ciphertext ct[VECHE_MAX_CONTESTS][VECHE_MAX_SELECTIONS];
} veche_ceremony_tally;

/*
 * Reads "election" and "tally" of an election.tally body against the
 * manifest (one array per contest of its explicit selections' ciphertexts).
 * Whether the tally is the right sum is the tally module's to check.
 */
veche_err veche_ceremony_tally_parse(veche_ceremony_tally *t, const json_t *body,
                                     const veche_manifest *m, veche_diag *d);

/* The verified decryption shares of one tally. */
typedef struct veche_decryption {
    const veche_ceremony       *cer;                          /* borrowed */
    const veche_ceremony_tally *tally;                        /* borrowed */
    uint8_t                     fingerprint[32];              /* the election's */
    uint8_t                     have[VECHE_DKG_MAX_TRUSTEES + 1];
    uint64_t                    index[VECHE_DKG_MAX_TRUSTEES + 1];
    uint8_t                    *D[VECHE_DKG_MAX_TRUSTEES + 1];   /* [c][s][32] encodings */
} veche_decryption;

/* Needs cer->have_K. Free with veche_decryption_free. */
veche_err veche_decryption_init(veche_decryption *dec, const veche_ceremony *cer,
                                const veche_ceremony_tally *tally,
                                const uint8_t fingerprint[32], veche_diag *d);
void veche_decryption_free(veche_decryption *dec);

/*
 * Judges one trustee.decryption entry: by trustee j's key, j in Q, the
 * first valid one of j, one DSHARE of index j per explicit selection, each
 * verifying against K_j. VECHE_OK: accepted. Otherwise it is refused and d
 * says why (VECHE_EVERIFY for a share whose proof fails).
 */
veche_err veche_decryption_add(veche_decryption *dec, const veche_ceremony_item *it,
                               veche_diag *d);

/*
 * M[c][s] = b − Σ λ_j·D_j = m·G for every explicit selection, over the
 * accepted trustees in set[0..count): at least t, distinct, each accepted
 * (else VECHE_EINVALID, d says which). Finding m is the tally module's.
 */
veche_err veche_decryption_combine(veche_point (*M)[VECHE_MAX_SELECTIONS],
                                   const veche_decryption *dec, const uint32_t set[],
                                   size_t count, veche_diag *d);

/* ---- the trustee's secret state ------------------------------------------------------ */

typedef struct veche_trustee_state {
    char              election[VECHE_ELECTION_ID_MAX + 1];
    uint8_t           manifest_hash[32];
    uint8_t           author[32];          /* the trustee's Ed25519 board key */
    veche_dkg_trustee dkg;                 /* params, key (i, E_i, pok_i), e_i, a_ik */
    uint8_t           have_share[VECHE_DKG_MAX_TRUSTEES + 1];
    veche_scalar      share[VECHE_DKG_MAX_TRUSTEES + 1];     /* [d]: s_d,i */
    int               have_x;
    uint32_t          x_qual[VECHE_DKG_MAX_TRUSTEES];
    size_t            x_nqual;
    veche_scalar      x;                   /* x_i for the set x_qual */
} veche_trustee_state;

/*
 * A fresh state for the trustee whose board key is author (it must be in
 * the manifest): a new e_i and polynomial from rng (NULL: the system's).
 */
veche_err veche_trustee_state_new(veche_trustee_state *st, const veche_manifest *m,
                                  const uint8_t manifest_hash[32], const uint8_t author[32],
                                  veche_rng *rng, veche_diag *d);
void veche_trustee_state_wipe(veche_trustee_state *st);

/* The file format above, into out (cap >= VECHE_TRUSTEE_STATE_MAX). Wipe out after use. */
veche_err veche_trustee_state_format(char *out, size_t cap, size_t *len,
                                     const veche_trustee_state *st, veche_diag *d);
/* Parses the format above; errors name the line. */
veche_err veche_trustee_state_parse(veche_trustee_state *st, const char *text, size_t len,
                                    veche_diag *d);
/*
 * Writes the state to path, mode 0600, atomically and durably. create = 1
 * refuses to replace an existing file (VECHE_EINVALID); create = 0 replaces.
 */
veche_err veche_trustee_state_save(const veche_trustee_state *st, const char *path, int create,
                                   veche_diag *d);
/* Reads a state file; refuses one that group or others may read. */
veche_err veche_trustee_state_load(veche_trustee_state *st, const char *path, veche_diag *d);

/* Whether the state belongs to this election and agrees with the record's key for it. */
veche_err veche_trustee_state_check(const veche_trustee_state *st, const veche_manifest *m,
                                    const uint8_t manifest_hash[32], const veche_ceremony *c,
                                    veche_diag *d);

/* ---- the trustee's entries --------------------------------------------------------------- */

/*
 * Each builds the canonical bytes of one signed entry (*entry malloc'd) with
 * the trustee's board key `author` (its public key must be st->author).
 * Those that take the ceremony refuse to run before their round: the
 * commitments and shares before every commit is in (the commit-then-reveal
 * rule), a complaint before the dealer's reveal is judged, a decryption
 * before election.key is on the record and correct, or for a trustee not
 * in Q.
 */
veche_err veche_trustee_key_entry(char **entry, size_t *len, const veche_trustee_state *st,
                                  const veche_key *author, veche_diag *d);
veche_err veche_trustee_commit_entry(char **entry, size_t *len, const veche_trustee_state *st,
                                     const veche_key *author, veche_diag *d);
veche_err veche_trustee_commitments_entry(char **entry, size_t *len,
                                          const veche_trustee_state *st,
                                          const veche_ceremony *c, const veche_key *author,
                                          veche_rng *rng, veche_diag *d);
veche_err veche_trustee_shares_entry(char **entry, size_t *len, const veche_trustee_state *st,
                                     const veche_ceremony *c, const veche_key *author,
                                     veche_diag *d);
/* A complaint against dealer (whose share to this trustee does not open or check). */
veche_err veche_trustee_complaint_entry(char **entry, size_t *len,
                                        const veche_trustee_state *st,
                                        const veche_ceremony *c, uint32_t dealer,
                                        const veche_key *author, veche_rng *rng,
                                        veche_diag *d);

/*
 * Round 3: opens the share of every dealer whose commitments and shares are
 * OK on the record, checks it, and keeps the good ones in st (with its own
 * share). Dealers whose share fails go to bad[0..*nbad) (bad has room for
 * VECHE_DKG_MAX_TRUSTEES): each deserves a complaint.
 */
veche_err veche_trustee_open_shares(veche_trustee_state *st, const veche_ceremony *c,
                                    uint32_t bad[], size_t *nbad, veche_diag *d);
/*
 * x_i = Σ_{d in Q} s_d,i from the kept shares, checked against K_i
 * (VECHE_EVERIFY if x_i·G != K_i), kept in st with Q. Needs c->have_K, i in
 * Q and a kept share from every dealer in Q.
 */
veche_err veche_trustee_secret_share(veche_trustee_state *st, const veche_ceremony *c,
                                     veche_diag *d);

/*
 * trustee.decryption for the tally: a DSHARE per explicit selection under
 * the election fingerprint, item VECHE_DECRYPTION_ITEM(c, s). Computes x_i
 * (veche_trustee_secret_share) first.
 */
veche_err veche_trustee_decryption_entry(char **entry, size_t *len, veche_trustee_state *st,
                                         const veche_ceremony *c,
                                         const veche_ceremony_tally *tally,
                                         const uint8_t fingerprint[32],
                                         const veche_key *author, veche_rng *rng,
                                         veche_diag *d);

#endif
