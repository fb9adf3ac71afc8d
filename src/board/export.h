/*
 * export.h — the whole record as a directory any verifier can read without
 * a database, and the verifier for it.
 *
 * Layout of an export directory:
 *   board.vkey      the board's verifier key, one line
 *   entries.jsonl   every entry in index order, one per line (entries are
 *                   canonical JSON, which has no raw newlines)
 *   checkpoint      the latest signed checkpoint, with any cosignatures
 *
 * veche_export_verify recomputes the Merkle tree from entries.jsonl and runs
 * the numbered checks below, reporting each by number and name; it stops at
 * the first failure and names the offending entry.
 *   1 board key        board.vkey parses (and equals the expected key, if given)
 *   2 checkpoint       signed by the board key for the board's origin
 *   3 entries          every entry is canonical, of a known type, validly signed
 *   4 genesis          entry 0 is board.init by the board key, naming its origin
 *   5 tree             the root of the first <size> entries equals the checkpoint's
 *   6 completeness     the export holds exactly <size> entries
 *   7 witnesses        at least `quorum` of the given witnesses cosigned
 */
#ifndef VECHE_BOARD_EXPORT_H
#define VECHE_BOARD_EXPORT_H

#include "board/board.h"

veche_err veche_board_export(veche_board *b, const char *dir, veche_diag *d);

/* Called once per check: number, name, pass (1) or fail (0), details. */
typedef void (*veche_check_cb)(void *arg, int number, const char *name, int pass,
                               const char *detail);

veche_err veche_export_verify(const char *dir, const veche_note_key *expected_key,
                              const veche_note_key *witnesses, size_t nwitnesses, size_t quorum,
                              veche_check_cb report, void *arg);

/* Reads an export's entries one by one (for import); cb as in store.h. */
veche_err veche_export_entries(const char *dir, veche_entry_cb cb, void *arg, veche_diag *d);

#endif
