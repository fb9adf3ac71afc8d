/*
 * tally.h — counting an election from the record: which ballots count, their
 * homomorphic tally, and the result decrypted from the trustees' shares
 * (docs/ELECTION-DESIGN.md entries 10, 12–14 and "Invalid ballots").
 *
 * ==== Which ballots count =====================================================
 *
 * Every election.ballot of the election has one fate, decided in this order:
 *
 *   EARLY       its index is not after the election.open (or there is none)
 *   LATE        its index is after the election.close
 *   UNLISTED    its credential is not on the credentials list
 *   INVALID     veche_ballot_verify refuses it (shape, signature, a proof)
 *   COUNTED     the valid ballot of its credential with the highest index
 *   SUPERSEDED  valid, but a later valid ballot of its credential counts
 *
 * The first four are "skipped": never counted, never fatal (anyone can
 * append such a ballot; it must not make an honest election unverifiable).
 * A re-vote counts only if it is valid: garbage appended under someone's
 * credential cannot cancel their vote. EARLY, LATE and UNLISTED are
 * decided from the index and credential alone, so only ballots that could
 * count cost a verification.
 *
 * ==== How it is computed =========================================================
 *
 * Two passes over the record, so memory stays bounded by what the tally
 * needs, not by the ballots' bytes:
 *
 *   1. veche_votes_load: the election loader (election.h) with a ballot
 *      callback that keeps each ballot's index and credential (40 bytes).
 *   2. veche_count_ballots: the fates that need no cryptography; then the
 *      record is read again and the candidate ballots' bytes are handed, in
 *      batches through a bounded queue, to one worker thread per core, which
 *      verifies each (veche_ballot_verify) and adds a counted one into its
 *      own accumulators. Only a valid ballot that a later ballot of its
 *      credential may supersede keeps its decoded ciphertexts until the end
 *      (re-votes are rare): if the later one turns out invalid, it counts.
 *
 * Weights never cost a scalar multiplication per ballot. Weights are below
 * 2^20 (10^6), so each worker keeps 20 accumulators per selection, A_k,
 * and adds a ballot of weight w into A_k for every bit k set in w (one
 * addition for weight 1). At the end, per selection,
 *     tally = Σ_k 2^k·A_k        (Horner: 20 doublings and additions)
 * which is Σ w·ct over the counted ballots. This is "sum the ballots of each
 * weight, then scale once per weight" with the weights' binary digits as the
 * classes: the memory and the final cost are fixed (20 classes) however
 * many distinct weights the roll has.
 *
 * The record must not change while it is counted; a ballot whose credential
 * differs between the two passes stops the count (VECHE_EINVALID).
 *
 * ==== The result ==================================================================
 *
 * veche_result_compute combines the accepted decryption shares of a set of
 * >= t trustees (ceremony.h: veche_decryption) into M = m·G per explicit
 * selection, finds every m with one baby-step giant-step table for the
 * bound W (dlog.h; the table's size chosen for the number of selections),
 * and sets the implicit last selection of an exact-k contest to k·W − Σ the
 * others. veche_result_check verifies a published result without a discrete
 * log: count·G must equal M for every explicit selection.
 *
 * Thread safety: a veche_votes and a veche_count are read-only once made;
 * veche_count_ballots starts and joins its own threads.
 */
#ifndef VECHE_ELECTION_TALLY_H
#define VECHE_ELECTION_TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/board.h"
#include "board/canon.h"
#include "election/ceremony.h"
#include "election/election.h"

#define VECHE_WEIGHT_BITS    20   /* VECHE_MAX_WEIGHT = 10^6 < 2^20 */
#define VECHE_SKIPPED_KEEP   8    /* skipped ballots kept with their reason */
#define VECHE_SKIPPED_WHY    200

/* Where a record is read: an open board, or (board NULL) an export directory. */
typedef struct veche_record_src {
    veche_board *board;
    const char  *dir;
} veche_record_src;

/* ---- pass 1: the election and its ballots' credentials ----------------------- */

typedef struct veche_votes {
    veche_election  *el;               /* owned */
    veche_record_src src;              /* borrowed: must outlive the votes */
    size_t           n;                /* = el->nballots */
    uint64_t        *index;            /* [n] board indices, increasing */
    uint8_t        (*credential)[32];  /* [n] the body's "credential" */
} veche_votes;

/* Loads election id from src and the credential of each of its ballots. */
veche_err veche_votes_load(veche_votes **out, const veche_record_src *src, const char *id,
                           veche_diag *d);
void veche_votes_free(veche_votes *v);

/* ---- pass 2: fates and the tally ---------------------------------------------- */

typedef enum veche_fate {
    VECHE_FATE_COUNTED = 0,
    VECHE_FATE_SUPERSEDED,
    VECHE_FATE_EARLY,
    VECHE_FATE_LATE,
    VECHE_FATE_UNLISTED,
    VECHE_FATE_INVALID,
    VECHE_FATES
} veche_fate;

/* "counted", "superseded", "before election.open", ... */
const char *veche_fate_name(veche_fate f);

/* A skipped ballot and why (for INVALID: what veche_ballot_verify said). */
typedef struct veche_skipped {
    uint64_t   index;
    veche_fate fate;
    char       why[VECHE_SKIPPED_WHY];
} veche_skipped;

typedef struct veche_count {
    size_t               nballots;
    uint64_t             n[VECHE_FATES];      /* ballots of each fate */
    uint64_t             weight;              /* W: total weight of the counted */
    veche_skipped        skipped[VECHE_SKIPPED_KEEP];   /* the first skipped, by index */
    size_t               nskipped;            /* kept in skipped[] */
    veche_ceremony_tally tally;               /* Σ w·ct per explicit selection */
    uint64_t            *index;               /* [nballots], as in the votes */
    uint8_t             *fate;                /* [nballots] veche_fate */
} veche_count;

/*
 * Decides every ballot's fate and computes the tally, on `threads` worker
 * threads (0: one per online core). Needs the election's fingerprint (key
 * and complete credentials: VECHE_EINVALID otherwise). Whether the
 * election.open carries that fingerprint is the verifier's check 8, not
 * this function's. Free *out with veche_count_free.
 */
veche_err veche_count_ballots(veche_count **out, const veche_votes *v, unsigned threads,
                              veche_diag *d);
void veche_count_free(veche_count *c);

/* The fate of the ballot at board index `index`; VECHE_FATES if it is none. */
veche_fate veche_count_fate(const veche_count *c, uint64_t index);

/* ---- election.tally ---------------------------------------------------------------- */

/* The administrator's first entry of a list (el->tallies, el->results), or NULL. */
const veche_election_entry *veche_admin_first(const veche_election *el,
                                              const veche_election_list *l);

/* The election.tally body of a count: {"election","ballots","weight","tally"}. */
veche_err veche_tally_body(json_t **body, const veche_election *el, const veche_count *c,
                           veche_diag *d);

/*
 * Whether a published election.tally body states exactly the count: the
 * ballots counted, W, and every ciphertext. VECHE_EVERIFY names the first
 * member that differs (e.g. "body.tally[1][3]").
 */
veche_err veche_tally_check(const json_t *body, const veche_election *el, const veche_count *c,
                            veche_diag *d);

/* ---- the result ----------------------------------------------------------------------- */

typedef struct veche_result {
    uint32_t trustees[VECHE_DKG_MAX_TRUSTEES];   /* the set used, increasing */
    size_t   ntrustees;
    uint64_t weight;                             /* W, the dlog bound */
    size_t   ncontests;
    size_t   nsel[VECHE_MAX_CONTESTS];           /* implicit selections included */
    uint64_t counts[VECHE_MAX_CONTESTS][VECHE_MAX_SELECTIONS];
} veche_result;

/*
 * Judges the election's trustee.decryption entries against the tally: an
 * entry signed by no trustee of the manifest is no trustee's (anyone can
 * append one): it is only counted in *ignored. Every other one must be
 * accepted by veche_decryption_add; the first refused is returned
 * (VECHE_EVERIFY or VECHE_EINVALID) with its index in *bad and the reason
 * in d. dec must be initialised (veche_decryption_init) for this tally.
 */
veche_err veche_decryptions_judge(veche_decryption *dec, const veche_election *el,
                                  size_t *ignored, uint64_t *bad, veche_diag *d);

/*
 * The result from the accepted decryptions of set[0..count) (>= t,
 * increasing) with bound W: dlog per explicit selection, implicit ones as
 * k·W − Σ. VECHE_ENOTFOUND if a selection decrypts to no value in [0, W]
 * (the tally or a share is wrong), naming it.
 */
veche_err veche_result_compute(veche_result *r, const veche_decryption *dec,
                               const uint32_t set[], size_t count, uint64_t W,
                               veche_diag *d);

/* Every trustee with an accepted decryption, increasing, into set; returns how many. */
size_t veche_decryption_set(const veche_decryption *dec, uint32_t set[VECHE_DKG_MAX_TRUSTEES]);

/* The election.result body: {"election", "trustees", "counts"}. */
veche_err veche_result_body(json_t **body, const veche_election *el, const veche_result *r,
                            veche_diag *d);

/*
 * Whether a published election.result body is right: "trustees" >= t, each
 * with an accepted decryption published before the result (result_index);
 * one count per selection, implicit ones included; count·G equals the
 * combination for every explicit selection; the implicit ones are k·W − Σ.
 * On success r (if not NULL) holds the verified result. VECHE_EVERIFY names
 * the first member that is wrong.
 */
veche_err veche_result_check(veche_result *r, const json_t *body, const veche_decryption *dec,
                             uint64_t result_index, uint64_t W, veche_diag *d);

#endif
