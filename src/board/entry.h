/*
 * entry.h — the entries of the public record: typed, canonical, signed.
 *
 * An entry is a canonical JSON object (board/canon.h) with the members
 *   "v"      1, the entry format version
 *   "type"   the type tag: 1..64 of [a-z0-9.-], starting with a letter
 *   "body"   a JSON object whose shape the type defines
 *   "author" base64 of the author's 32-byte Ed25519 public key   (signed entries)
 *   "sig"    base64 of the 64-byte Ed25519 signature              (signed entries)
 * and nothing else. Its bytes are the Merkle leaf data. The signature is over
 *   "veche-v1/entry\n" || canonical JSON of the entry without "sig"
 * (so it covers the type, the body and the author's key).
 *
 * Limits: an entry is at most VECHE_ENTRY_MAX_BYTES bytes (1 MiB); the
 * entry nests at most VECHE_CANON_MAX_DEPTH levels (so a body at most one
 * fewer).
 *
 * Types: each known type says whether it must be signed and checks its body
 * (veche_entry_type_find). Unknown types are refused, so nothing enters the
 * record that no verifier knows how to read. This types:
 *   board.init   the first entry: {"origin": string, "vkey": the board's
 *                verifier key}; signed by the board key itself
 *   statement    a signed publication: {"text": string (<= 64 KiB)} plus
 *                optional "title" (string <= 256 bytes)
 */
#ifndef VECHE_BOARD_ENTRY_H
#define VECHE_BOARD_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/canon.h"

#define VECHE_ENTRY_MAX_BYTES (1u << 20)
#define VECHE_ENTRY_TYPE_MAX  64
#define VECHE_ENTRY_SIG_PREFIX "veche-v1/entry\n"

typedef struct veche_entry_type {
    const char *name;
    int         signed_required;
    /* Checks the body's shape; NULL accepts any object. */
    veche_err (*check_body)(const json_t *body, veche_diag *d);
} veche_entry_type;

const veche_entry_type *veche_entry_type_find(const char *name);

/*
 * Adds types a higher layer defines (the election layer registers its
 * election.* and trustee.* types). Call before any thread decodes entries;
 * the array must outlive its use. VECHE_EINVALID for a bad or duplicate name,
 * VECHE_ERANGE past VECHE_ENTRY_MAX_TYPES registered types.
 */
#define VECHE_ENTRY_MAX_TYPES 64
veche_err veche_entry_types_register(const veche_entry_type *types, size_t n);

/* A decoded, validated entry. `json` owns the strings below. */
typedef struct veche_entry {
    json_t     *json;
    const char *type;
    json_t     *body;           /* borrowed from json */
    int         is_signed;
    uint8_t     author[32];
    uint8_t     sig[64];
} veche_entry;

/*
 * Decodes and validates everything an entry must satisfy on its own:
 * size, canonical form, members, type known, body shape, signature present
 * when required and valid when present. Errors say what and where.
 */
veche_err veche_entry_decode(veche_entry *e, const uint8_t *bytes, size_t len, veche_diag *d);
void veche_entry_free(veche_entry *e);

/*
 * 1 iff e is a board.init that identifies the board with log key `key`: it
 * is signed by key, its origin is key's name, and its vkey is exactly key
 * (type 0x01, same name and public key).
 */
struct veche_note_key;
int veche_entry_is_genesis_of(const veche_entry *e, const struct veche_note_key *key);

/*
 * Builds the canonical bytes of an entry from a type and body (borrowed),
 * signed with sk (libsodium Ed25519, 64 bytes) when sk is not NULL.
 */
veche_err veche_entry_build(char **out, size_t *len, const char *type, json_t *body,
                            const uint8_t *sk, veche_diag *d);

#endif
