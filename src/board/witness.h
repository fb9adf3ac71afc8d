/*
 * witness.h — a witness: it cosigns a log's checkpoints, and never two
 * views of the same log.
 *
 * For each origin the witness keeps the last checkpoint it cosigned (in
 * <state dir>/<hex SHA-256 of the origin>). It cosigns a new checkpoint only
 * when it is signed by the log's key and a consistency proof shows it extends
 * the stored one; it records the new checkpoint durably *before* returning
 * the cosignature. A checkpoint that does not extend what it cosigned is a
 * fork: refused, and reported as evidence.
 *
 * Request (the body of C2SP tlog-witness add-checkpoint):
 *   "old <size>\n" then one base64 consistency-proof hash per line, then a
 *   blank line, then the signed checkpoint note.
 * <size> must be the size the witness last cosigned for that origin (0 if
 * none); otherwise VECHE_ERANGE with the witness's size in the message, so the
 * log can retry with the right proof.
 */
#ifndef VECHE_BOARD_WITNESS_H
#define VECHE_BOARD_WITNESS_H

#include "board/canon.h"
#include "board/keyfile.h"
#include "board/merkle.h"
#include "board/note.h"

veche_err veche_witness_request_format(char **out, uint64_t old_size, const veche_hash *proof,
                                       size_t len, const char *note);

/*
 * Checks the request against the state and, if it extends it, stores the new
 * checkpoint and returns the note with this witness's cosignature added.
 * VECHE_EVERIFY for a bad signature or a fork (d->msg says which).
 */
veche_err veche_witness_cosign(const char *state_dir, const veche_key *witness,
                               const veche_note_key *log_key, const char *request, size_t len,
                               uint64_t now, char **cosigned, veche_diag *d);

/* The size the witness last cosigned for origin (0 if none). */
veche_err veche_witness_state(const char *state_dir, const char *origin,
                              veche_checkpoint *last, veche_diag *d);

#endif
