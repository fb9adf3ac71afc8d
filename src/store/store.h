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
 * key, VECHE_EINTERNAL for a backend failure (the message is in
 * veche_store_errmsg).
 */
#ifndef VECHE_STORE_STORE_H
#define VECHE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "board/merkle.h"
#include "crypto/err.h"

typedef struct veche_store veche_store;

/* Called once per entry by veche_store_range, in index order; non-OK stops. */
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
    veche_err (*set_meta)(veche_store *s, const char *key, const char *value);
    veche_err (*get_meta)(veche_store *s, const char *key, char **value);
    const char *(*errmsg)(veche_store *s);
    void (*close)(veche_store *s);
} veche_store_ops;

struct veche_store {
    const veche_store_ops *ops;
};

/* Opens (creating if needed) an SQLite store at path. */
veche_err veche_store_open_sqlite(veche_store **s, const char *path);

/* Thin wrappers so callers read as sentences. */
static inline veche_err veche_store_begin(veche_store *s) { return s->ops->begin(s); }
static inline veche_err veche_store_commit(veche_store *s) { return s->ops->commit(s); }
static inline veche_err veche_store_rollback(veche_store *s) { return s->ops->rollback(s); }
static inline veche_err veche_store_size(veche_store *s, uint64_t *n) { return s->ops->size(s, n); }
static inline const char *veche_store_errmsg(veche_store *s) { return s->ops->errmsg(s); }
static inline void veche_store_close(veche_store *s) { if (s) s->ops->close(s); }

#endif
