/*
 * verify.h — `veche verify`: the numbered checks of an election record
 * (docs/ELECTION-DESIGN.md, "veche verify RECORD"), from the record alone.
 *
 * ==== The checks =============================================================
 *
 *  1 record          the board export verifies (export.h, SPEC §2.10 checks
 *                    1–7: board key, checkpoint, entries, genesis, tree,
 *                    completeness, witnesses); once per record
 *  2 manifest        the first election.manifest with the id parses; a later
 *                    one and entries with the id before it are reported
 *  3 trustee keys    every trustee 1..n has a valid trustee.key by its listed
 *                    key (ceremony.h judges; refused entries are reported)
 *  4 commitments     every trustee's commit is valid; each reveal came after
 *                    every commit, matches its hash, proofs valid — a trustee
 *                    whose reveal fails is disqualified (reported), not fatal
 *  5 shares and complaints  who dealt shares to every trustee; every
 *                    complaint's verdict (reported)
 *  6 joint key       the administrator's first election.key states the Q and
 *                    K recomputed from the ceremony, |Q| >= t
 *  7 credentials     the credential authority's parts are complete and form a
 *                    valid list (sorted, distinct, valid keys, weights in
 *                    range); parts by other keys are ignored (reported)
 *  8 fingerprint     the administrator's first election.open carries the
 *                    recomputed fingerprint, after the key and every part;
 *                    the first election.close, if any, after it
 *  9 ballots         every election.ballot verified (tally.h: fates); the
 *                    skipped ones are counted by reason, the first named
 *                    with their index — never fatal (design: "Invalid ballots")
 * 10 counted         the last valid ballot per credential counts: counted,
 *                    superseded, total weight W
 * 11 tally           the administrator's first election.tally, after the
 *                    close, equals the count: ballots, W, every ciphertext
 * 12 decryption      every trustee.decryption by a trustee's key is accepted
 *                    (qualified, first of its trustee, every share's proof
 *                    against K_j and the tally); entries by other keys ignored
 * 13 result          the administrator's first election.result, after the
 *                    tally, names >= t trustees whose decryptions precede it,
 *                    and count·G equals their combination for every explicit
 *                    selection (implicit ones: k·W − Σ)
 *
 * Each check is reported through the callback with its number, name, a
 * status and a detail. The first FAIL names the offending entry (board
 * index) in its detail and in the report, and ends that election's checks.
 * SKIP means the record has not reached the step yet — an election not yet
 * open (8–13), not yet closed or without a tally (11–13), with no decryption
 * or result yet (12–13): the election is verified as far as it goes, and
 * the report says it has no verified result. A step present out of order
 * (a tally before the close, a result without a tally) is a FAIL.
 *
 * ==== Cost ====================================================================
 *
 * Ballots are verified on every core (tally.h). For an export, check 1 runs
 * on its own thread while the elections are loaded and counted, then all
 * results are reported in order; nothing after a failed check 1 is reported.
 */
#ifndef VECHE_ELECTION_VERIFY_H
#define VECHE_ELECTION_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "board/note.h"
#include "election/tally.h"

#define VECHE_VERIFY_CHECKS 13

enum { VECHE_CHECK_FAIL = 0, VECHE_CHECK_PASS = 1, VECHE_CHECK_SKIP = 2 };

/*
 * One check's outcome. election is NULL for check 1 (the whole record);
 * status is VECHE_CHECK_*; detail is one line.
 */
typedef void (*veche_verify_cb)(void *arg, const char *election, int number, const char *name,
                                int status, const char *detail);

typedef struct veche_verify_opts {
    const veche_note_key *board_key;    /* check 1: the expected board key, or NULL */
    const veche_note_key *witnesses;    /* check 1: witnesses whose cosignatures count */
    size_t                nwitnesses, quorum;
    unsigned              threads;      /* ballot verification; 0: every online core */
    int                   last;         /* run checks up to this number; 0: all 13 */
} veche_verify_opts;

typedef struct veche_verify_report {
    size_t   elections;                     /* elections examined */
    size_t   failed;                        /* of which with a failed check */
    size_t   incomplete;                    /* passed, but some check skipped: no result yet */
    int      check;                         /* the first failed check, 0 if none */
    char     election[VECHE_ELECTION_ID_MAX + 1];   /* its election; "" for check 1 */
    uint64_t index;                         /* its entry; VECHE_ELECTION_NO_INDEX if none */
    uint64_t ballots;                       /* election.ballot entries examined */
    uint64_t counted;                       /* of which counted */
} veche_verify_report;

/*
 * Verifies the export directory `dir`: check 1, then checks 2–13 of
 * election `id`, or of every election on the record when id is NULL (in
 * the order of their manifests). o may be NULL (defaults). Returns VECHE_OK
 * when no check failed, VECHE_EVERIFY when one did (rep says which); other
 * codes only for faults of this machine (out of memory), also reported.
 */
veche_err veche_verify(const char *dir, const char *id, const veche_verify_opts *o,
                       veche_verify_cb cb, void *arg, veche_verify_report *rep);

/*
 * Checks 2..o->last of an election already loaded (veche_votes_load, from a
 * board or an export); check 1 is not run. For the administrator's and the
 * trustees' tools, which check the record before they add to it.
 */
veche_err veche_verify_votes(const veche_votes *v, const veche_verify_opts *o,
                             veche_verify_cb cb, void *arg, veche_verify_report *rep);

/* The ids of the elections on a record, in the order of their manifests. */
veche_err veche_record_elections(char (**ids)[VECHE_ELECTION_ID_MAX + 1], size_t *n,
                                 const veche_record_src *src, veche_diag *d);

/* "record", "manifest", ..., "result"; "" outside 1..13. */
const char *veche_check_name(int number);

#endif
