/*
 * sqlite.c — the SQLite backend of the store interface (store/store.h).
 *
 * One database file holds one log. Schema version 1 (PRAGMA user_version),
 * marked as ours by PRAGMA application_id = 'vech':
 *
 *   entries(idx, body, leaf)    entry idx of the log: its bytes, its leaf hash
 *   nodes(level, idx, hash)     complete subtrees of level >= 1; level 0 is
 *                               entries.leaf and is not stored twice
 *   checkpoints(size, note)     signed checkpoints, at most one per tree size
 *   cosignatures(size, line)    witnesses' cosignature lines for a stored checkpoint
 *   meta(key, value)            settings written once (origin, board key)
 *
 * Invariants. The schema enforces them itself (CHECKs and triggers), so that
 * no writer — this file, a later tool, raw SQL in a shell — can break them:
 *   - the entries are 0..n-1 with no gap: an insert must carry idx = n;
 *   - node (l, i) can be stored only once its leaves [i·2^l, (i+1)·2^l) are;
 *   - a checkpoint's size is at most n;
 *   - no row of entries, nodes, checkpoints or meta is ever updated, deleted
 *     or replaced (INSERT OR REPLACE included: every insert first checks
 *     that its key is new, because REPLACE does not fire delete triggers).
 * Hence the log size is max(idx)+1, one seek to the end of a B-tree, and it
 * is right after a reopen or another process's commit with no cache to keep
 * coherent. A missing trigger (someone dropped it) makes open refuse.
 *
 * Durability. WAL with synchronous=FULL: COMMIT returns only after the WAL
 * is fsync'd, so an acknowledged batch survives kill -9 and power loss, and
 * an unacknowledged one vanishes whole (SQLite's atomic commit).
 *
 * Concurrency. WAL lets readers in other processes go on while one writer
 * appends. begin takes the write lock at once (BEGIN IMMEDIATE), so a batch
 * never fails halfway for want of a lock; busy_timeout makes a second writer
 * wait its turn instead of failing. Reads outside a batch are each their own
 * snapshot, and that is enough: whatever a reader once saw stays true, since
 * nothing visible ever changes. One store handle serves one thread at a time.
 *
 * Statements are prepared once, at open, and reset after every use, so that
 * no read transaction outlives the call that began it (a forgotten one
 * would hold back WAL checkpoints and let the WAL grow without bound).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"

#define SCHEMA_VERSION  1
#define APPLICATION_ID  0x76656368          /* "vech" */
#define BUSY_TIMEOUT_MS 10000
#define MAX_LEVEL       63                  /* a tree of < 2^63 leaves */
#define ERRMSG_BYTES    512

static const char schema_sql[] =
    "CREATE TABLE entries("
    "  idx  INTEGER PRIMARY KEY,"
    "  body BLOB NOT NULL CHECK(typeof(body) = 'blob'),"
    "  leaf BLOB NOT NULL CHECK(typeof(leaf) = 'blob' AND length(leaf) = 32));"
    "CREATE TABLE nodes("
    "  level INTEGER NOT NULL CHECK(typeof(level) = 'integer' AND level BETWEEN 1 AND 63),"
    "  idx   INTEGER NOT NULL CHECK(typeof(idx) = 'integer' AND idx >= 0),"
    "  hash  BLOB NOT NULL CHECK(typeof(hash) = 'blob' AND length(hash) = 32),"
    "  PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TABLE checkpoints("
    "  size INTEGER PRIMARY KEY CHECK(size >= 0),"
    "  note TEXT NOT NULL CHECK(typeof(note) = 'text'));"
    "CREATE TABLE cosignatures("
    "  size INTEGER NOT NULL,"
    "  line TEXT NOT NULL CHECK(typeof(line) = 'text'),"
    "  PRIMARY KEY(size, line)) WITHOUT ROWID;"
    "CREATE TABLE meta("
    "  key   TEXT PRIMARY KEY NOT NULL CHECK(typeof(key) = 'text'),"
    "  value TEXT NOT NULL CHECK(typeof(value) = 'text'));"

    "CREATE TRIGGER entries_in_order BEFORE INSERT ON entries"
    "  WHEN NEW.idx IS NOT (SELECT coalesce(max(idx) + 1, 0) FROM entries)"
    "  BEGIN SELECT RAISE(ABORT, 'entries: the index must equal the log size"
    " (no gap, no overwrite)'); END;"
    "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
    "  BEGIN SELECT RAISE(ABORT, 'entries are append-only: no update'); END;"
    "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries"
    "  BEGIN SELECT RAISE(ABORT, 'entries are append-only: no delete'); END;"

    "CREATE TRIGGER nodes_once BEFORE INSERT ON nodes"
    "  WHEN EXISTS (SELECT 1 FROM nodes WHERE level = NEW.level AND idx = NEW.idx)"
    "  BEGIN SELECT RAISE(ABORT, 'nodes: this node is already stored'); END;"
    "CREATE TRIGGER nodes_complete BEFORE INSERT ON nodes"
    "  WHEN NEW.idx + 1 > ((SELECT coalesce(max(idx) + 1, 0) FROM entries) >> NEW.level)"
    "  BEGIN SELECT RAISE(ABORT, 'nodes: the subtree is not complete"
    " (append its entries first)'); END;"
    "CREATE TRIGGER nodes_no_update BEFORE UPDATE ON nodes"
    "  BEGIN SELECT RAISE(ABORT, 'nodes are append-only: no update'); END;"
    "CREATE TRIGGER nodes_no_delete BEFORE DELETE ON nodes"
    "  BEGIN SELECT RAISE(ABORT, 'nodes are append-only: no delete'); END;"

    "CREATE TRIGGER checkpoints_once BEFORE INSERT ON checkpoints"
    "  WHEN EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size)"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints: a checkpoint of this size is already"
    " stored'); END;"
    "CREATE TRIGGER checkpoints_within_log BEFORE INSERT ON checkpoints"
    "  WHEN NEW.size > (SELECT coalesce(max(idx) + 1, 0) FROM entries)"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints: the size exceeds the log size'); END;"
    "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: no update'); END;"
    "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: no delete'); END;"

    "CREATE TRIGGER cosignatures_of_checkpoint BEFORE INSERT ON cosignatures"
    "  WHEN NOT EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size)"
    "  BEGIN SELECT RAISE(ABORT, 'cosignatures: no checkpoint of this size'); END;"
    "CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures"
    "  BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only: no update'); END;"
    "CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures"
    "  BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only: no delete'); END;"

    "CREATE TRIGGER meta_once BEFORE INSERT ON meta"
    "  WHEN EXISTS (SELECT 1 FROM meta WHERE key = NEW.key)"
    "  BEGIN SELECT RAISE(ABORT, 'meta: this key is already set'); END;"
    "CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta"
    "  BEGIN SELECT RAISE(ABORT, 'meta is write-once: no update'); END;"
    "CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta"
    "  BEGIN SELECT RAISE(ABORT, 'meta is write-once: no delete'); END;";

/* Every trigger above; open refuses a store that lacks one of them. */
static const char triggers_present_sql[] =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name IN ("
    "'entries_in_order', 'entries_no_update', 'entries_no_delete',"
    "'nodes_once', 'nodes_complete', 'nodes_no_update', 'nodes_no_delete',"
    "'checkpoints_once', 'checkpoints_within_log', 'checkpoints_no_update',"
    "'checkpoints_no_delete', 'cosignatures_of_checkpoint', 'cosignatures_no_update',"
    "'cosignatures_no_delete', 'meta_once', 'meta_no_update', 'meta_no_delete')";
#define TRIGGER_COUNT 17

/* The cached statements, prepared at open in this order. */
enum {
    S_BEGIN, S_COMMIT, S_ROLLBACK, S_SIZE,
    S_PUT_ENTRY, S_GET_ENTRY, S_RANGE,
    S_PUT_NODE, S_GET_NODE,
    S_PUT_CKPT, S_LATEST_CKPT, S_GET_CKPT,
    S_PUT_COSIG, S_GET_COSIGS,
    S_SET_META, S_GET_META,
    S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN]       = "BEGIN IMMEDIATE",
    [S_COMMIT]      = "COMMIT",
    [S_ROLLBACK]    = "ROLLBACK",
    [S_SIZE]        = "SELECT coalesce(max(idx) + 1, 0) FROM entries",
    [S_PUT_ENTRY]   = "INSERT INTO entries(idx, body, leaf) VALUES(?1, ?2, ?3)",
    [S_GET_ENTRY]   = "SELECT body, leaf FROM entries WHERE idx = ?1",
    [S_RANGE]       = ("SELECT idx, body, leaf FROM entries WHERE idx >= ?1 AND idx < ?2"
                       " ORDER BY idx"),
    [S_PUT_NODE]    = "INSERT INTO nodes(level, idx, hash) VALUES(?1, ?2, ?3)",
    [S_GET_NODE]    = "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
    [S_PUT_CKPT]    = "INSERT INTO checkpoints(size, note) VALUES(?1, ?2)",
    [S_LATEST_CKPT] = "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
    [S_GET_CKPT]    = "SELECT note FROM checkpoints WHERE size = ?1",
    /* the same line again is a no-op: a witness may answer twice */
    [S_PUT_COSIG]   = "INSERT OR IGNORE INTO cosignatures(size, line) VALUES(?1, ?2)",
    [S_GET_COSIGS]  = "SELECT line FROM cosignatures WHERE size = ?1 ORDER BY line",
    [S_SET_META]    = "INSERT INTO meta(key, value) VALUES(?1, ?2)",
    [S_GET_META]    = "SELECT value FROM meta WHERE key = ?1",
};

typedef struct sq_store {
    veche_store base;               /* first, so a veche_store * is a sq_store * */
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    char err[ERRMSG_BYTES];         /* why the last failing call failed */
} sq_store;

/* Why the last veche_store_open_sqlite on this thread failed. */
static _Thread_local char open_err[1024];

const char *veche_store_open_errmsg(void)
{
    return open_err[0] ? open_err : "no error";
}

static sq_store *sq(veche_store *s) { return (sq_store *)s; }

/* ---- errors ----------------------------------------------------------- */

static veche_err map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: case SQLITE_ROW: case SQLITE_DONE:
        return VECHE_OK;
    case SQLITE_CONSTRAINT: case SQLITE_TOOBIG: case SQLITE_MISMATCH: case SQLITE_RANGE:
        return VECHE_EINVALID;   /* the caller asked for something the log forbids */
    case SQLITE_NOMEM:
        return VECHE_ENOMEM;
    default:
        return VECHE_EINTERNAL;  /* I/O, corruption, locks, not a database, ... */
    }
}

__attribute__((format(printf, 3, 4)))
static veche_err fail(sq_store *q, veche_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->err, sizeof q->err, fmt, ap);
    va_end(ap);
    return e;
}

/* Records SQLite's own message for rc; call it before the statement is reset. */
static veche_err fail_sqlite(sq_store *q, int rc)
{
    veche_err e = map_rc(rc);
    if (e == VECHE_OK)
        e = VECHE_EINTERNAL;     /* a step returned a row where none was expected */
    return fail(q, e, "sqlite: %s", sqlite3_errmsg(q->db));
}

/* ---- statement helpers ------------------------------------------------ */

/* Readies cached statement i for a new use. Reset after every use anyway;
 * this also drops bindings that pointed into a previous caller's memory. */
static sqlite3_stmt *stmt(sq_store *q, int i)
{
    sqlite3_stmt *st = q->st[i];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Steps a statement that returns no row, then resets it. */
static veche_err step_done(sq_store *q, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    veche_err e = rc == SQLITE_DONE ? VECHE_OK : fail_sqlite(q, rc);
    sqlite3_reset(st);
    return e;
}

/* Steps a one-row query: VECHE_OK with the row current (the caller reads it,
 * then resets), VECHE_ENOTFOUND (reset), or an error (reset). */
static veche_err step_row(sq_store *q, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return VECHE_OK;
    veche_err e = rc == SQLITE_DONE ? VECHE_ENOTFOUND : fail_sqlite(q, rc);
    sqlite3_reset(st);
    return e;
}

/* SQLite integers are signed 64-bit; larger indices cannot exist. */
static int fits_i64(uint64_t v) { return v <= (uint64_t)INT64_MAX; }

/* Copies a 32-byte hash column; a wrong length means the file was altered
 * behind the schema's back (the CHECKs forbid it), so it is reported. */
static veche_err column_hash(sq_store *q, sqlite3_stmt *st, int col, veche_hash out)
{
    if (sqlite3_column_bytes(st, col) != VECHE_HASH_BYTES)
        return fail(q, VECHE_EINTERNAL, "store corrupt: a stored hash is not 32 bytes");
    if (out != NULL)
        memcpy(out, sqlite3_column_blob(st, col), VECHE_HASH_BYTES);
    return VECHE_OK;
}

/* A malloc'd copy of a blob column (never NULL on success, even if empty). */
static veche_err column_blob_copy(sq_store *q, sqlite3_stmt *st, int col,
                                  uint8_t **out, size_t *len)
{
    int n = sqlite3_column_bytes(st, col);
    const void *p = sqlite3_column_blob(st, col);
    uint8_t *copy = malloc(n > 0 ? (size_t)n : 1);
    if (copy == NULL)
        return fail(q, VECHE_ENOMEM, "out of memory");
    if (n > 0)
        memcpy(copy, p, (size_t)n);
    *out = copy;
    if (len != NULL)
        *len = (size_t)n;
    return VECHE_OK;
}

/* A malloc'd NUL-terminated copy of a text column. */
static veche_err column_text_copy(sq_store *q, sqlite3_stmt *st, int col, char **out)
{
    const unsigned char *p = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    char *copy;
    if (p == NULL && sqlite3_errcode(q->db) == SQLITE_NOMEM)
        return fail(q, VECHE_ENOMEM, "out of memory");
    copy = malloc((size_t)n + 1);
    if (copy == NULL)
        return fail(q, VECHE_ENOMEM, "out of memory");
    if (n > 0)
        memcpy(copy, p, (size_t)n);
    copy[n] = '\0';
    *out = copy;
    return VECHE_OK;
}

/* ---- batches ---------------------------------------------------------- */

static veche_err sq_begin(veche_store *s)
{
    sq_store *q = sq(s);
    if (!sqlite3_get_autocommit(q->db))
        return fail(q, VECHE_EINVALID, "a batch is already open");
    return step_done(q, stmt(q, S_BEGIN));
}

/* A COMMIT that fails (I/O error, disk full) may leave the transaction
 * open; it is rolled back so that the batch is all or nothing. */
static veche_err sq_commit(veche_store *s)
{
    sq_store *q = sq(s);
    veche_err e;
    if (sqlite3_get_autocommit(q->db))
        return fail(q, VECHE_EINVALID, "commit without an open batch");
    e = step_done(q, stmt(q, S_COMMIT));
    if (e != VECHE_OK && !sqlite3_get_autocommit(q->db)) {
        sqlite3_reset(q->st[S_ROLLBACK]);
        sqlite3_step(q->st[S_ROLLBACK]);
        sqlite3_reset(q->st[S_ROLLBACK]);
    }
    return e;
}

/* Rolling back with no batch open does nothing: cleanup paths may call it freely. */
static veche_err sq_rollback(veche_store *s)
{
    sq_store *q = sq(s);
    if (sqlite3_get_autocommit(q->db))
        return VECHE_OK;
    return step_done(q, stmt(q, S_ROLLBACK));
}

/* ---- entries ---------------------------------------------------------- */

static veche_err sq_size(veche_store *s, uint64_t *n)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_SIZE);
    veche_err e = step_row(q, st);
    if (e == VECHE_ENOTFOUND)
        e = fail(q, VECHE_EINTERNAL, "sqlite: the size query returned no row");
    if (e != VECHE_OK)
        return e;
    *n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return VECHE_OK;
}

/* The trigger entries_in_order refuses any index but the current size, in
 * the same statement as the insert, so no other writer can slip between. */
static veche_err sq_put_entry(veche_store *s, uint64_t index, const uint8_t *entry, size_t len,
                              const veche_hash leaf)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_PUT_ENTRY);
    veche_err e;
    if ((entry == NULL && len > 0) || leaf == NULL)
        return fail(q, VECHE_EINVALID, "put_entry: missing entry bytes or leaf hash");
    if (!fits_i64(index) || len > INT_MAX)
        return fail(q, VECHE_EINVALID, "put_entry: index or length out of range");
    /* A zero-length blob needs a non-NULL pointer, or SQLite binds NULL. */
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 2, len > 0 ? (const void *)entry : "", (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, leaf, VECHE_HASH_BYTES, SQLITE_STATIC);
    e = step_done(q, st);
    sqlite3_clear_bindings(st);
    return e;
}

static veche_err sq_get_entry(veche_store *s, uint64_t index, uint8_t **entry, size_t *len,
                              veche_hash leaf)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_GET_ENTRY);
    veche_err e;
    if (!fits_i64(index))
        return fail(q, VECHE_ENOTFOUND, "no entry %llu", (unsigned long long)index);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    e = step_row(q, st);
    if (e == VECHE_ENOTFOUND)
        return fail(q, e, "no entry %llu", (unsigned long long)index);
    if (e != VECHE_OK)
        return e;
    e = column_hash(q, st, 1, leaf);
    if (e == VECHE_OK && entry != NULL)
        e = column_blob_copy(q, st, 0, entry, len);
    sqlite3_reset(st);
    return e;
}

/* Visits the rows of one statement in index order; the callback may use the
 * store (other statements), but a nested range would find this one busy. */
static veche_err sq_range(veche_store *s, uint64_t from, uint64_t to, veche_entry_cb cb,
                          void *arg)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    veche_err e = VECHE_OK;
    int rc;
    if (cb == NULL)
        return fail(q, VECHE_EINVALID, "range: no callback");
    if (sqlite3_stmt_busy(q->st[S_RANGE]))
        return fail(q, VECHE_EINVALID, "range: called from inside a range callback");
    if (from >= to || !fits_i64(from))
        return VECHE_OK;
    st = stmt(q, S_RANGE);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(fits_i64(to) ? to : (uint64_t)INT64_MAX));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        veche_hash leaf;
        uint64_t index = (uint64_t)sqlite3_column_int64(st, 0);
        const uint8_t *body = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        e = column_hash(q, st, 2, leaf);
        if (e == VECHE_OK)
            e = cb(arg, index, body != NULL ? body : (const uint8_t *)"", len, leaf);
        if (e != VECHE_OK)
            break;
    }
    if (e == VECHE_OK && rc != SQLITE_DONE)
        e = fail_sqlite(q, rc);
    sqlite3_reset(st);
    return e;
}

/* ---- nodes ------------------------------------------------------------ */

/* get_node for a level whose hash lives in the nodes table (level >= 1). */
static veche_err get_stored_node(sq_store *q, unsigned level, uint64_t index, veche_hash h)
{
    sqlite3_stmt *st = stmt(q, S_GET_NODE);
    veche_err e;
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    e = step_row(q, st);
    if (e == VECHE_ENOTFOUND)
        return fail(q, e, "no node (%u, %llu)", level, (unsigned long long)index);
    if (e != VECHE_OK)
        return e;
    e = column_hash(q, st, 0, h);
    sqlite3_reset(st);
    return e;
}

/* Level 0 is the leaf hash of the entry, read from entries. */
static veche_err sq_get_node(veche_store *s, unsigned level, uint64_t index, veche_hash h)
{
    sq_store *q = sq(s);
    if (level > MAX_LEVEL || !fits_i64(index))
        return fail(q, VECHE_ENOTFOUND, "no node (%u, %llu)", level,
                    (unsigned long long)index);
    if (level == 0) {
        veche_err e = sq_get_entry(s, index, NULL, NULL, h);
        if (e == VECHE_ENOTFOUND)
            fail(q, e, "no node (0, %llu)", (unsigned long long)index);
        return e;
    }
    return get_stored_node(q, level, index, h);
}

/* Storing a node that is already there with the same hash is harmless (a
 * retried write); with a different hash it is refused. Level 0 is never
 * stored: it is checked against the entry's leaf. */
static veche_err sq_put_node(veche_store *s, unsigned level, uint64_t index, const veche_hash h)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st;
    veche_hash old;
    char why[ERRMSG_BYTES];
    veche_err e;
    if (h == NULL || level > MAX_LEVEL || !fits_i64(index))
        return fail(q, VECHE_EINVALID, "put_node: no hash, or level/index out of range");
    if (level == 0) {
        e = sq_get_entry(s, index, NULL, NULL, old);
        if (e == VECHE_ENOTFOUND)
            return fail(q, VECHE_EINVALID, "put_node: node (0, %llu) before its entry",
                        (unsigned long long)index);
        if (e == VECHE_OK && memcmp(old, h, VECHE_HASH_BYTES) != 0)
            return fail(q, VECHE_EINVALID, "put_node: node (0, %llu) differs from the leaf",
                        (unsigned long long)index);
        return e;
    }
    st = stmt(q, S_PUT_NODE);
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_blob(st, 3, h, VECHE_HASH_BYTES, SQLITE_STATIC);
    e = step_done(q, st);
    sqlite3_clear_bindings(st);
    if (e != VECHE_EINVALID)
        return e;
    memcpy(why, q->err, sizeof why);    /* the lookup below may overwrite it */
    if (get_stored_node(q, level, index, old) == VECHE_OK &&
        memcmp(old, h, VECHE_HASH_BYTES) == 0)
        return VECHE_OK;
    memcpy(q->err, why, sizeof why);
    return e;
}

/* ---- checkpoints ------------------------------------------------------ */

static veche_err sq_get_checkpoint(veche_store *s, uint64_t size, char **note)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_GET_CKPT);
    veche_err e;
    if (note == NULL)
        return fail(q, VECHE_EINVALID, "get_checkpoint: no output");
    if (!fits_i64(size))
        return fail(q, VECHE_ENOTFOUND, "no checkpoint of size %llu",
                    (unsigned long long)size);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    e = step_row(q, st);
    if (e == VECHE_ENOTFOUND)
        return fail(q, e, "no checkpoint of size %llu", (unsigned long long)size);
    if (e != VECHE_OK)
        return e;
    e = column_text_copy(q, st, 0, note);
    sqlite3_reset(st);
    return e;
}

/* Same size and same note again is accepted; another note for a size is refused. */
static veche_err sq_put_checkpoint(veche_store *s, uint64_t size, const char *note)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_PUT_CKPT);
    char *old = NULL, why[ERRMSG_BYTES];
    veche_err e;
    if (note == NULL || !fits_i64(size))
        return fail(q, VECHE_EINVALID, "put_checkpoint: no note, or size out of range");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC);
    e = step_done(q, st);
    sqlite3_clear_bindings(st);
    if (e != VECHE_EINVALID)
        return e;
    memcpy(why, q->err, sizeof why);    /* the lookup below may overwrite it */
    if (sq_get_checkpoint(s, size, &old) == VECHE_OK && strcmp(old, note) == 0)
        e = VECHE_OK;
    else
        memcpy(q->err, why, sizeof why);
    free(old);
    return e;
}

static veche_err sq_latest_checkpoint(veche_store *s, uint64_t *size, char **note)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_LATEST_CKPT);
    veche_err e = step_row(q, st);
    if (e == VECHE_ENOTFOUND)
        return fail(q, e, "no checkpoint yet");
    if (e != VECHE_OK)
        return e;
    if (size != NULL)
        *size = (uint64_t)sqlite3_column_int64(st, 0);
    if (note != NULL)
        e = column_text_copy(q, st, 1, note);
    sqlite3_reset(st);
    return e;
}

/* ---- cosignatures ------------------------------------------------------ */

static veche_err sq_put_cosignature(veche_store *s, uint64_t size, const char *line)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_PUT_COSIG);
    veche_err e;
    if (line == NULL || !fits_i64(size))
        return fail(q, VECHE_EINVALID, "put_cosignature: no line, or size out of range");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
    sqlite3_bind_text(st, 2, line, -1, SQLITE_STATIC);
    e = step_done(q, st);
    sqlite3_clear_bindings(st);
    return e;
}

/* Every stored line for size, each followed by '\n', in one malloc'd string. */
static veche_err sq_get_cosignatures(veche_store *s, uint64_t size, char **lines)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_GET_COSIGS);
    size_t n = 0, cap = 256;
    char *buf = malloc(cap);
    int rc;

    *lines = NULL;
    if (buf == NULL)
        return fail(q, VECHE_ENOMEM, "out of memory");
    buf[0] = 0;
    sqlite3_bind_int64(st, 1, fits_i64(size) ? (sqlite3_int64)size : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        size_t l = line ? strlen(line) : 0;
        if (n + l + 2 > cap) {
            char *bigger = realloc(buf, 2 * (n + l + 2));
            if (bigger == NULL) {
                free(buf);
                sqlite3_reset(st);
                return fail(q, VECHE_ENOMEM, "out of memory");
            }
            buf = bigger;
            cap = 2 * (n + l + 2);
        }
        memcpy(buf + n, line, l);
        n += l;
        buf[n++] = '\n';
        buf[n] = 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(buf);
        return fail_sqlite(q, rc);
    }
    *lines = buf;
    return VECHE_OK;
}

/* ---- meta ------------------------------------------------------------- */

static veche_err sq_get_meta(veche_store *s, const char *key, char **value)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_GET_META);
    veche_err e;
    if (key == NULL || value == NULL)
        return fail(q, VECHE_EINVALID, "get_meta: no key or no output");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    e = step_row(q, st);
    if (e == VECHE_ENOTFOUND)
        return fail(q, e, "no setting '%s'", key);
    if (e != VECHE_OK)
        return e;
    e = column_text_copy(q, st, 0, value);
    sqlite3_reset(st);
    return e;
}

/* Set once: the same value again is accepted, a different one refused. */
static veche_err sq_set_meta(veche_store *s, const char *key, const char *value)
{
    sq_store *q = sq(s);
    sqlite3_stmt *st = stmt(q, S_SET_META);
    char *old = NULL, why[ERRMSG_BYTES];
    veche_err e;
    if (key == NULL || value == NULL)
        return fail(q, VECHE_EINVALID, "set_meta: no key or no value");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    e = step_done(q, st);
    sqlite3_clear_bindings(st);
    if (e != VECHE_EINVALID)
        return e;
    memcpy(why, q->err, sizeof why);    /* the lookup below may overwrite it */
    if (sq_get_meta(s, key, &old) == VECHE_OK && strcmp(old, value) == 0)
        e = VECHE_OK;
    else
        memcpy(q->err, why, sizeof why);
    free(old);
    return e;
}

/* ---- lifetime --------------------------------------------------------- */

static const char *sq_errmsg(veche_store *s)
{
    sq_store *q = sq(s);
    return q->err[0] ? q->err : "no error";
}

/* Closing with a batch open discards the batch, as a crash would. */
static void sq_close(veche_store *s)
{
    sq_store *q = sq(s);
    if (q->db != NULL && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(q->st[i]);
    sqlite3_close(q->db);   /* every statement is finalized, so this cannot be BUSY */
    free(q);
}

static const veche_store_ops sqlite_ops = {
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .size = sq_size,
    .put_entry = sq_put_entry,
    .get_entry = sq_get_entry,
    .range = sq_range,
    .put_node = sq_put_node,
    .get_node = sq_get_node,
    .put_checkpoint = sq_put_checkpoint,
    .latest_checkpoint = sq_latest_checkpoint,
    .get_checkpoint = sq_get_checkpoint,
    .put_cosignature = sq_put_cosignature,
    .get_cosignatures = sq_get_cosignatures,
    .set_meta = sq_set_meta,
    .get_meta = sq_get_meta,
    .errmsg = sq_errmsg,
    .close = sq_close,
};

/* ---- open: settings, schema, statements -------------------------------- */

static veche_err exec(sq_store *q, const char *sql)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? VECHE_OK : fail_sqlite(q, rc);
}

/* Runs a query whose answer is one integer (a PRAGMA, a count). */
static veche_err query_int(sq_store *q, const char *sql, sqlite3_int64 *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    veche_err e;
    if (rc != SQLITE_OK)
        return fail_sqlite(q, rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        e = VECHE_OK;
    } else {
        e = fail_sqlite(q, rc);
    }
    sqlite3_finalize(st);
    return e;
}

/* WAL is a property of the file; PRAGMA journal_mode answers with the mode
 * actually in force, which is not WAL on, say, some network filesystems. */
static veche_err set_wal(sq_store *q)
{
    sqlite3_stmt *st;
    const unsigned char *mode;
    veche_err e = VECHE_OK;
    int rc = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail_sqlite(q, rc);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        e = fail_sqlite(q, rc);
    else if ((mode = sqlite3_column_text(st, 0)) == NULL ||
             strcmp((const char *)mode, "wal") != 0)
        e = fail(q, VECHE_EINTERNAL, "cannot put the database in WAL mode (mode is %s)",
                 mode ? (const char *)mode : "unknown");
    sqlite3_finalize(st);
    return e;
}

static veche_err set_connection(sq_store *q)
{
    veche_err e;
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    /* Defensive: no writable_schema and other ways to corrupt the file by SQL;
     * untrusted schema: a file from elsewhere cannot run functions via triggers. */
    sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    if ((e = set_wal(q)) != VECHE_OK)
        return e;
    return exec(q, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

/* Creates the schema in an empty file. Under the write lock, and checked
 * again there, so two processes creating one store at once cannot both try. */
static veche_err create_schema(sq_store *q)
{
    sqlite3_int64 version = 0, objects = 0;
    char sql[128];
    veche_err e = exec(q, "BEGIN IMMEDIATE");
    if (e != VECHE_OK)
        return e;
    if ((e = query_int(q, "PRAGMA user_version", &version)) != VECHE_OK ||
        (e = query_int(q, "SELECT count(*) FROM sqlite_schema", &objects)) != VECHE_OK)
        goto out;
    if (version != 0)
        goto out;                       /* another process was first */
    if (objects != 0) {
        e = fail(q, VECHE_EINVALID, "not a veche store: the database holds other tables");
        goto out;
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d; PRAGMA application_id=%d;",
             SCHEMA_VERSION, APPLICATION_ID);
    if ((e = exec(q, schema_sql)) != VECHE_OK || (e = exec(q, sql)) != VECHE_OK)
        goto out;
    return exec(q, "COMMIT");
out:
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return e;
}

static veche_err check_schema(sq_store *q)
{
    sqlite3_int64 version, app, triggers;
    veche_err e;
    if ((e = query_int(q, "PRAGMA user_version", &version)) != VECHE_OK)
        return e;
    if (version == 0) {
        if ((e = create_schema(q)) != VECHE_OK ||
            (e = query_int(q, "PRAGMA user_version", &version)) != VECHE_OK)
            return e;
    }
    if ((e = query_int(q, "PRAGMA application_id", &app)) != VECHE_OK)
        return e;
    if (app != APPLICATION_ID)
        return fail(q, VECHE_EINVALID, "not a veche store (application_id %lld)", (long long)app);
    if (version != SCHEMA_VERSION)
        return fail(q, VECHE_EINVALID, "store schema version %lld; this build reads only %d",
                    (long long)version, SCHEMA_VERSION);
    if ((e = query_int(q, triggers_present_sql, &triggers)) != VECHE_OK)
        return e;
    if (triggers != TRIGGER_COUNT)
        return fail(q, VECHE_EINVALID, "store damaged: %lld of its %d append-only triggers"
                    " are missing", (long long)(TRIGGER_COUNT - triggers), TRIGGER_COUNT);
    return VECHE_OK;
}

static veche_err prepare_all(sq_store *q)
{
    for (int i = 0; i < S_COUNT; i++) {
        int rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &q->st[i], NULL);
        if (rc != SQLITE_OK)
            return fail_sqlite(q, rc);
    }
    return VECHE_OK;
}

veche_err veche_store_open_sqlite(veche_store **s, const char *path)
{
    sq_store *q;
    veche_err e;
    int rc;
    open_err[0] = '\0';
    if (s == NULL || path == NULL) {
        snprintf(open_err, sizeof open_err, "open: no path or no output");
        return VECHE_EINVALID;
    }
    *s = NULL;
    if ((q = calloc(1, sizeof *q)) == NULL) {
        snprintf(open_err, sizeof open_err, "out of memory");
        return VECHE_ENOMEM;
    }
    q->base.ops = &sqlite_ops;
    rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                         SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        e = q->db != NULL ? fail_sqlite(q, rc) : fail(q, VECHE_ENOMEM, "out of memory");
    else if ((e = set_connection(q)) == VECHE_OK && (e = check_schema(q)) == VECHE_OK)
        e = prepare_all(q);
    if (e != VECHE_OK) {
        snprintf(open_err, sizeof open_err, "%.400s: %.500s", path, q->err);
        sq_close(&q->base);
        return e;
    }
    *s = &q->base;
    return VECHE_OK;
}
