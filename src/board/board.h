/*
 * board.h — the public record: an append-only, verifiable log of entries.
 *
 * A board is a store (store/store.h) plus the board's Ed25519 key. Entry 0
 * is always "board.init", signed by the board key, naming the origin and the
 * board's verifier key, so an exported record describes itself. Every entry
 * is validated (board/entry.h) before it is stored; a batch is stored all or
 * nothing, and appending returns only once the batch is durable: an
 * acknowledged entry survives a crash.
 *
 * The Merkle tree (board/merkle.h) is maintained as entries arrive: each
 * append writes the leaf hash and the complete subtrees it completes.
 * Checkpoints are C2SP signed notes over (origin, size, root); witnesses add
 * cosignatures; a receipt is a C2SP tlog-proof carrying the entry itself in
 * its "extra" line, so it can be checked offline with nothing else.
 */
#ifndef VECHE_BOARD_BOARD_H
#define VECHE_BOARD_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "board/canon.h"
#include "board/entry.h"
#include "board/keyfile.h"
#include "board/merkle.h"
#include "board/note.h"
#include "store/store.h"

typedef struct veche_board veche_board;

/* Creates a new board in the store at db_path, with entry 0 signed by key. */
veche_err veche_board_create(veche_board **b, const char *db_path, const veche_key *key,
                             veche_diag *d);
/*
 * Opens an existing board. key may be NULL (read-only use: proofs, receipts
 * from existing checkpoints); appending and checkpointing need it, and it
 * must match the board's key.
 */
veche_err veche_board_open(veche_board **b, const char *db_path, const veche_key *key,
                           veche_diag *d);
void veche_board_close(veche_board *b);

/*
 * Creates a mirror at db_path from a verified export directory: the same
 * entries and checkpoint, without the board's secret key.
 */
veche_err veche_board_import(veche_board **b, const char *db_path, const char *dir,
                             veche_diag *d);
/* An empty board at db_path that will hold a copy of the board with key `key`. */
veche_err veche_board_create_mirror(veche_board **b, const char *db_path,
                                    const veche_note_key *key, veche_diag *d);

uint64_t veche_board_size(const veche_board *b);
veche_store *veche_board_store(veche_board *b);
const veche_note_key *veche_board_key(const veche_board *b);
const char *veche_board_origin(const veche_board *b);

/*
 * Appends n entries as one durable batch; *first gets the index of the first.
 * On any invalid entry nothing is stored and d says which and why.
 */
veche_err veche_board_append(veche_board *b, const uint8_t *const *entries, const size_t *lens,
                             size_t n, uint64_t *first, veche_diag *d);

/* The entry at index (malloc'd copy). */
veche_err veche_board_get(veche_board *b, uint64_t index, uint8_t **entry, size_t *len,
                          veche_diag *d);

veche_err veche_board_root(veche_board *b, uint64_t size, veche_hash root);

/*
 * Signs and stores a checkpoint for the current size (or returns the stored
 * one if the size has not changed). *note is malloc'd, with any cosignatures.
 */
veche_err veche_board_checkpoint(veche_board *b, char **note, veche_diag *d);
/* The newest stored checkpoint with its cosignatures; VECHE_ENOTFOUND if none. */
veche_err veche_board_latest_checkpoint(veche_board *b, char **note, veche_diag *d);

veche_err veche_board_inclusion(veche_board *b, uint64_t index, uint64_t size,
                                veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len);
veche_err veche_board_consistency(veche_board *b, uint64_t old_size, uint64_t size,
                                  veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len);

/* A receipt (tlog-proof with the entry in "extra") for index, against the latest checkpoint. */
veche_err veche_board_receipt(veche_board *b, uint64_t index, char **out, veche_diag *d);

/*
 * Stores a witness's cosignature for a checkpoint the board issued. `note` is
 * that checkpoint note with cosignature lines added; each new line must be a
 * valid cosignature by a key in witnesses[] (the board keeps only those).
 */
veche_err veche_board_add_cosignatures(veche_board *b, const char *note,
                                       const veche_note_key *witnesses, size_t nwitnesses,
                                       veche_diag *d);

/*
 * Checks a receipt offline: the checkpoint is signed by log_key and by at
 * least quorum of witnesses[], the entry in "extra" is well formed, and it is
 * included at the receipt's index.
 */
veche_err veche_receipt_check(const char *receipt, size_t len, const veche_note_key *log_key,
                              const veche_note_key *witnesses, size_t nwitnesses, size_t quorum,
                              veche_diag *d);

#endif
