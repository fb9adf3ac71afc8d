/*
 * keyfile.h — Ed25519 key files for the board, witnesses and authors.
 *
 * A key file is one line of text:
 *   "veche-ed25519-v1 <name> <base64 of the 32-byte seed>\n"
 * The name is the key's name in signed notes (for a board, its origin). The
 * file is created with mode 0600 and never overwritten. Secrets are wiped
 * from memory with veche_key_wipe.
 */
#ifndef VECHE_BOARD_KEYFILE_H
#define VECHE_BOARD_KEYFILE_H

#include <stdint.h>

#include "board/canon.h"
#include "board/note.h"

typedef struct veche_key {
    char    name[VECHE_KEYNAME_MAX + 1];
    uint8_t sk[64];     /* libsodium secret key: seed || public key */
    uint8_t pk[32];
} veche_key;

veche_err veche_key_generate(veche_key *k, const char *name, veche_diag *d);
veche_err veche_key_write(const char *path, const veche_key *k, veche_diag *d);
veche_err veche_key_read(veche_key *k, const char *path, veche_diag *d);
/* The note key (type 0x01 for a log, 0x04 for a witness) of k. */
veche_err veche_key_note_key(veche_note_key *out, const veche_key *k, uint8_t type);
void veche_key_wipe(veche_key *k);

#endif
