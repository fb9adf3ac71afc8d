/*
 * store.h — the one storage interface the board is written against.
 *
 * A store keeps, for one log: the entries (index -> bytes and leaf hash), the
 * hashes of complete Merkle subtrees (see board/merkle.h), the signed
 * checkpoints the board has issued, and a few named settings (origin, the
 * board's public key). SQLite is the default backend (store/sqlite.c); a
 * PostgreSQL backend implements the same operations, so no caller changes.
 *
 * Batches: writes happen between veche_store_begin and veche_store_commit.
 * commit returns only after the batch is durable (SQLite: WAL with
 * synchronous=FULL); a batch is all or nothing — after a crash, either every
 * entry of a committed batch is present or, for an uncommitted one, none.
 * Nothing is ever updated or deleted: entries, nodes and checkpoints are
 * append-only (the backends enforce it too, e.g. with triggers).
 *
 * Every function returns VECHE_OK or an error; VECHE_ENOTFOUND for an absent
 * key, VECHE_EINVALID for a write the log forbids (see below), VECHE_EINTERNAL
 * for a backend failure (I/O, corruption, a lock held too long). The reason
 * is in veche_store_errmsg. A refused write inside a batch leaves the batch
 * open and the rest of it intact; the caller commits or rolls back.
 *
 * The operations (indices are 0-based; sizes count entries):
 *   begin/commit    open and durably close a batch; commit with no batch, or
 *                   begin inside one, is VECHE_EINVALID. A failed commit
 *                   leaves nothing of the batch. rollback with no batch open
 *                   does nothing (cleanup paths may call it freely); close
 *                   with one open discards it. A write outside any batch
 *                   is a batch of its own (durable when it returns).
 *   size            the number of entries, from the backend (not a cache):
 *                   right after a reopen or another process's commit.
 *   put_entry       appends entry `index`, which must equal the current size
 *                   (no gap, no overwrite), else VECHE_EINVALID. Empty
 *                   entries are allowed. The store does not check the leaf.
 *   get_entry       *entry is a malloc'd copy (free() it; non-NULL even when
 *                   *len is 0). entry/len or leaf may be NULL to skip them.
 *   range           calls cb for every entry with from <= index < to, in
 *                   index order (to may exceed the size; from >= to calls
 *                   nothing). cb may call other store functions, not range.
 *   put_node        node(level, i) of board/merkle.h, once its leaves
 *                   [i·2^level, (i+1)·2^level) are all appended (earlier is
 *                   VECHE_EINVALID: entries first, then their nodes). The
 *                   same hash again is accepted, a different one refused.
 *                   Level 0 is the entry's leaf hash, which the store already
 *                   has: put_node(0, ...) only checks agreement and may be
 *                   skipped; get_node(0, i) returns the leaf of entry i.
 *   get_node        VECHE_ENOTFOUND for a node never stored.
 *   put_checkpoint  a signed checkpoint note for tree size `size` <= the
 *                   log size; one per size (the same note again is accepted,
 *                   another refused).
 *   latest_checkpoint  the one of the highest size; VECHE_ENOTFOUND if none.
 *                   *note is malloc'd (free() it); size or note may be NULL.
 *   get_checkpoint  *note is malloc'd.
 *   put_cosignature a witness's signature line (without its newline) for the
 *                   stored checkpoint of that size; the same line again is a
 *                   no-op. The caller verifies it first.
 *   get_cosignatures every line stored for size, each ending in '\n', in one
 *                   malloc'd string ("" if none).
 *   set_meta        a named setting, set once: the same value again is
 *                   accepted, a different one refused (VECHE_EINVALID).
 *   get_meta        *value is malloc'd.
 *
 * Readers in other processes may use the same store while one process
 * writes (SQLite: WAL). A store handle serves one thread at a time.
 */
#ifndef VECHE_STORE_STORE_H
#define VECHE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "board/merkle.h"
#include "crypto/err.h"

typedef struct veche_store veche_store;

/* Called once per entry by veche_store_range, in index order; non-OK stops
 * the walk and range returns it. entry and leaf are valid during the call only. */
typedef veche_err (*veche_entry_cb)(void *arg, uint64_t index, const uint8_t *entry,
                                    size_t len, const veche_hash leaf);

typedef struct veche_store_ops {
    veche_err (*begin)(veche_store *s);
    veche_err (*commit)(veche_store *s);
    veche_err (*rollback)(veche_store *s);
    veche_err (*size)(veche_store *s, uint64_t *n);
    veche_err (*put_entry)(veche_store *s, uint64_t index, const uint8_t *entry, size_t len,
                           const veche_hash leaf);
    veche_err (*get_entry)(veche_store *s, uint64_t index, uint8_t **entry, size_t *len,
                           veche_hash leaf);
    veche_err (*range)(veche_store *s, uint64_t from, uint64_t to, veche_entry_cb cb, void *arg);
    veche_err (*put_node)(veche_store *s, unsigned level, uint64_t index, const veche_hash h);
    veche_err (*get_node)(veche_store *s, unsigned level, uint64_t index, veche_hash h);
    veche_err (*put_checkpoint)(veche_store *s, uint64_t size, const char *note);
    veche_err (*latest_checkpoint)(veche_store *s, uint64_t *size, char **note);
    veche_err (*get_checkpoint)(veche_store *s, uint64_t size, char **note);
    veche_err (*put_cosignature)(veche_store *s, uint64_t size, const char *line);
    veche_err (*get_cosignatures)(veche_store *s, uint64_t size, char **lines);
    veche_err (*set_meta)(veche_store *s, const char *key, const char *value);
    veche_err (*get_meta)(veche_store *s, const char *key, char **value);
    const char *(*errmsg)(veche_store *s);
    void (*close)(veche_store *s);
} veche_store_ops;

struct veche_store {
    const veche_store_ops *ops;
};

/*
 * Opens (creating if needed) an SQLite store at path. On failure *s is NULL
 * and veche_store_errmsg(NULL) says why: VECHE_EINTERNAL when the file cannot
 * be opened or is not an SQLite database, VECHE_EINVALID when it is one but
 * not a veche store, of an unknown schema version, or missing a trigger.
 */
veche_err veche_store_open_sqlite(veche_store **s, const char *path);

/* Why the last failed open on this thread failed ("no error" if none did). */
const char *veche_store_open_errmsg(void);

/* Thin wrappers so callers read as sentences. */
static inline veche_err veche_store_begin(veche_store *s) { return s->ops->begin(s); }
static inline veche_err veche_store_commit(veche_store *s) { return s->ops->commit(s); }
static inline veche_err veche_store_rollback(veche_store *s) { return s->ops->rollback(s); }
static inline veche_err veche_store_size(veche_store *s, uint64_t *n) { return s->ops->size(s, n); }
static inline const char *veche_store_errmsg(veche_store *s)
{
    return s != NULL ? s->ops->errmsg(s) : veche_store_open_errmsg();
}
static inline void veche_store_close(veche_store *s) { if (s) s->ops->close(s); }

#endif
