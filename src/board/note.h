/*
 * note.h — C2SP signed notes, tlog-checkpoints, tlog-cosignatures and
 * tlog-proofs (offline receipts): the text formats the board publishes.
 *
 * Signed note (c2sp.org/signed-note): UTF-8 text ending in '\n', one blank
 * line, then signature lines "— <name> <base64(keyID || signature)>\n"
 * (U+2014, U+0020). For an Ed25519 key (type 0x01), keyID is
 * SHA-256(name || "\n" || 0x01 || pubkey)[0:4] and the signature is over the
 * text exactly. A verifier key is written "<name>+<8 hex keyID>+<base64(type || pubkey)>".
 *
 * Checkpoint (c2sp.org/tlog-checkpoint): the note text
 *   "<origin>\n<tree size, decimal>\n<base64 root hash>\n".
 *
 * Cosignature (c2sp.org/tlog-cosignature, type 0x04): a witness signs
 *   "cosignature/v1\ntime <T>\n" || checkpoint text
 * with Ed25519; the line carries keyID(type 0x04) || be64(T) || signature.
 *
 * Receipt (c2sp.org/tlog-proof@v1):
 *   "c2sp.org/tlog-proof@v1\n" ["extra <base64>\n"] "index <N>\n"
 *   one base64 inclusion-proof hash per line, a blank line, then the signed
 *   (cosigned) checkpoint verbatim.
 *
 * base64 is RFC 4648 §4 with padding; decoders refuse non-canonical forms.
 * Every parser is total and bounded (VECHE_NOTE_MAX_BYTES, at most
 * VECHE_NOTE_MAX_SIGS signature lines) and says what is wrong via veche_err:
 *
 *   VECHE_EENCODING  the bytes break the grammar: not UTF-8, a control
 *                    character other than '\n', no final newline or blank
 *                    line, a bad signature line or key name, non-canonical
 *                    base64, a decimal with a sign or leading zero, a hash
 *                    that is not 32 bytes, a vkey whose ID does not match
 *   VECHE_ERANGE     a bound is exceeded: more than VECHE_NOTE_MAX_BYTES,
 *                    more than VECHE_NOTE_MAX_SIGS lines, a number past
 *                    2^64-1, a name or origin past VECHE_KEYNAME_MAX bytes,
 *                    a proof past VECHE_MERKLE_MAX_PROOF hashes, a
 *                    cosignature time past 2^63-1
 *   VECHE_EVERIFY    a signature does not verify, or no known key signed
 *   VECHE_EINVALID   the caller's arguments are wrong (NULL, a bad key)
 *   VECHE_ENOMEM     out of memory
 *
 * Key names are non-empty, at most VECHE_KEYNAME_MAX bytes of UTF-8, with no
 * '+', no Unicode white space and (stricter than signed-note) no control
 * character (C0, DEL, C1). Note text may not hold ASCII controls below
 * U+0020 other than '\n' (as in signed-note; DEL is allowed in text).
 *
 * Where veche is narrower than the standards, on purpose:
 *   - checkpoints have exactly three lines: "extension" lines (allowed but
 *     NOT RECOMMENDED by tlog-checkpoint) are refused, so that a parsed
 *     checkpoint always formats back to the same bytes;
 *   - a signature line whose name is longer than VECHE_KEYNAME_MAX is
 *     refused (VECHE_ERANGE) rather than ignored;
 *   - a receipt's "extra" line holds, in receipts veche writes, the entry
 *     itself (so a receipt is self-contained); it is unauthenticated on its
 *     own and trusted only once its leaf hash is proven included. A receipt
 *     may be up to VECHE_RECEIPT_MAX_BYTES, its extra data up to
 *     VECHE_RECEIPT_MAX_EXTRA bytes (an entry's limit).
 */
#ifndef VECHE_BOARD_NOTE_H
#define VECHE_BOARD_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "board/merkle.h"
#include "crypto/err.h"

#define VECHE_NOTE_MAX_BYTES  65536
#define VECHE_NOTE_MAX_SIGS   100
#define VECHE_RECEIPT_MAX_EXTRA  (1u << 20)
#define VECHE_RECEIPT_MAX_BYTES  (VECHE_NOTE_MAX_BYTES + 4 * VECHE_RECEIPT_MAX_EXTRA / 3 + 8192)
#define VECHE_KEYNAME_MAX     128
#define VECHE_SIGTYPE_ED25519     0x01
#define VECHE_SIGTYPE_COSIGNATURE 0x04

/* An Ed25519 key for notes: name, type (0x01 log, 0x04 witness), public key. */
typedef struct veche_note_key {
    char     name[VECHE_KEYNAME_MAX + 1];
    uint8_t  type;
    uint8_t  pub[32];
    uint8_t  id[4];
} veche_note_key;

/* Fills key->id from name, type and pub. VECHE_EINVALID for a bad name or type. */
veche_err veche_note_key_init(veche_note_key *key, const char *name, uint8_t type,
                              const uint8_t pub[32]);
/*
 * "<name>+<hex id>+<base64(type||pub)>", NUL-terminated; out should hold
 * VECHE_KEYNAME_MAX + 64 bytes (if cap is too small, out gets "").
 */
void veche_note_key_format(char *out, size_t cap, const veche_note_key *key);
/*
 * Parses a verifier key (a C string, no newline): 8 lowercase hex digits, type
 * 0x01 or 0x04, a 32-byte key, and the ID must match name, type and key.
 */
veche_err veche_note_key_parse(veche_note_key *key, const char *text);

typedef struct veche_checkpoint {
    char       origin[VECHE_KEYNAME_MAX + 1];
    uint64_t   size;
    veche_hash root;
} veche_checkpoint;

/* Checkpoint text, NUL-terminated, in a malloc'd buffer; VECHE_EINVALID for a bad origin. */
veche_err veche_checkpoint_format(char **text, const veche_checkpoint *cp);
/*
 * Parses a checkpoint note *text* (not the signatures): a non-empty origin of
 * at most VECHE_KEYNAME_MAX bytes, the size, the root; nothing else.
 */
veche_err veche_checkpoint_parse(veche_checkpoint *cp, const char *text, size_t len);

/*
 * Signs `text` as a note: returns text + "\n" + signature line, malloc'd.
 * sk is a libsodium Ed25519 secret key (64 bytes). The key must be type 0x01
 * and match sk (else VECHE_EINVALID); text must be valid note text ending in
 * '\n' (VECHE_EENCODING) and the note must fit VECHE_NOTE_MAX_BYTES.
 */
veche_err veche_note_sign(char **note, const char *text, const veche_note_key *key,
                          const uint8_t sk[64]);
/*
 * Adds a cosignature line (type 0x04, timestamp <= 2^63-1) to an already-signed
 * checkpoint note. It signs whatever checkpoint it is given: deciding whether
 * to cosign (log signature, consistency) is the witness's job.
 */
veche_err veche_note_cosign(char **out, const char *note, const veche_note_key *witness,
                            const uint8_t sk[64], uint64_t timestamp);

/* One parsed signature line. */
typedef struct veche_note_sig {
    char     name[VECHE_KEYNAME_MAX + 1];
    uint8_t  id[4];
    uint8_t  sig[72];     /* 64 (Ed25519) or 72 (cosignature: be64 time || 64) */
    size_t   sig_len;     /* 0..72; 0 also when the line's signature is longer than
                             72 bytes (a type veche does not support): such a line
                             is ignored if its key is unknown and fails if known */
} veche_note_sig;

typedef struct veche_note {
    char          *text;     /* the signed text (ends in '\n'), malloc'd, NUL-terminated */
    size_t         text_len;
    veche_note_sig sigs[VECHE_NOTE_MAX_SIGS];
    size_t         nsigs;
} veche_note;

/*
 * Splits a note at its last blank line and parses the signature lines (at
 * least one). On failure *note is left empty, so veche_note_free is safe.
 */
veche_err veche_note_parse(veche_note *note, const char *data, size_t len);
void veche_note_free(veche_note *note);

/*
 * Verifies a note against known keys: every line from a known key must
 * verify (else VECHE_EVERIFY); lines from unknown keys are ignored. *verified
 * gets, per key in keys[], 1 if a valid line from it was found. Returns
 * VECHE_EVERIFY if none of keys[] signed. A type-0x04 line verifies only
 * over a text that parses as a checkpoint. VECHE_EINVALID if two different
 * keys in keys[] share a name and ID, or a key's type is not 0x01/0x04.
 * verified may be NULL.
 */
veche_err veche_note_verify(const veche_note *note, const veche_note_key *keys, size_t nkeys,
                            int *verified);

/*
 * A receipt: optional extra data (veche puts the entry itself there, so the
 * receipt is self-contained), index, inclusion proof, the signed checkpoint
 * note verbatim. extra == NULL means no "extra" line.
 */
typedef struct veche_receipt {
    uint8_t   *extra;        /* malloc'd, or NULL */
    size_t     extra_len;
    uint64_t   index;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t     proof_len;
    char      *checkpoint;   /* malloc'd signed note */
    size_t     checkpoint_len;
} veche_receipt;

/*
 * The checkpoint must parse as a signed note over a checkpoint (else its
 * parse error); the whole receipt must fit VECHE_RECEIPT_MAX_BYTES (VECHE_ERANGE).
 */
veche_err veche_receipt_format(char **out, const veche_receipt *r);
/*
 * Parses the layout only (the checkpoint part must be one signed note over a
 * checkpoint); signatures and the inclusion proof are for the caller to check
 * with veche_note_verify and veche_merkle_verify_inclusion.
 */
veche_err veche_receipt_parse(veche_receipt *r, const char *data, size_t len);
void veche_receipt_free(veche_receipt *r);

#endif
