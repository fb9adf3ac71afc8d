/*
 * test_store.c — the SQLite store (store/sqlite.c) against store/store.h:
 * creation and reopening, appends read back, the append-only rules (gaps,
 * overwrites, raw UPDATE/DELETE/REPLACE through a second connection), set-once
 * settings, rollback, range order, checkpoints, concurrent handles, and
 * files that are not a store (no crash, a clear message, *s left NULL).
 *
 * Every test works in its own temporary directory, removed at the end.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/merkle.h"
#include "store/store.h"

/* ---- fixture: a temporary directory and a store path in it ------------ */

typedef struct {
    char dir[256];
    char path[300];
} tmp_db;

static int setup(void **state)
{
    tmp_db *t = calloc(1, sizeof *t);
    const char *base = getenv("TMPDIR");
    if (t == NULL)
        return -1;
    snprintf(t->dir, sizeof t->dir, "%s/veche-store.XXXXXX", base ? base : "/tmp");
    if (mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    snprintf(t->path, sizeof t->path, "%s/log.db", t->dir);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tmp_db *t = *state;
    DIR *d = opendir(t->dir);
    struct dirent *de;
    char p[600];
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", t->dir, de->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(t->dir);
    free(t);
    return 0;
}

static veche_store *open_ok(const char *path)
{
    veche_store *s = NULL;
    veche_err e = veche_store_open_sqlite(&s, path);
    if (e != VECHE_OK)
        fail_msg("open %s: %s", path, veche_store_errmsg(NULL));
    assert_non_null(s);
    return s;
}

/* ---- deterministic entries, appended the way the board appends -------- */

static size_t make_entry(uint8_t *buf, uint64_t i)
{
    size_t len = 150 + (size_t)(i * 37 % 100);
    for (size_t j = 0; j < len; j++)
        buf[j] = (uint8_t)(i * 131 + j * 7 + (i >> 8));
    return len;
}

/* put_entry, then every node the entry completes (merkle.h's model). */
static veche_err append(veche_store *s, uint64_t i)
{
    uint8_t buf[256];
    size_t len = make_entry(buf, i);
    veche_hash h, left;
    veche_err e;
    veche_merkle_leaf_hash(h, buf, len);
    if ((e = s->ops->put_entry(s, i, buf, len, h)) != VECHE_OK)
        return e;
    for (unsigned l = 1; l < veche_merkle_completed(i); l++) {
        uint64_t j = i >> l;
        if ((e = s->ops->get_node(s, l - 1, 2 * j, left)) != VECHE_OK)
            return e;
        veche_merkle_node_hash(h, left, h);
        if ((e = s->ops->put_node(s, l, j, h)) != VECHE_OK)
            return e;
    }
    return VECHE_OK;
}

static void append_batch(veche_store *s, uint64_t from, uint64_t n)
{
    assert_int_equal(veche_store_begin(s), VECHE_OK);
    for (uint64_t i = from; i < from + n; i++)
        assert_int_equal(append(s, i), VECHE_OK);
    assert_int_equal(veche_store_commit(s), VECHE_OK);
}

static void check_entry(veche_store *s, uint64_t i)
{
    uint8_t want[256], *got = NULL;
    size_t wlen = make_entry(want, i), glen = 0;
    veche_hash leaf, wleaf;
    assert_int_equal(s->ops->get_entry(s, i, &got, &glen, leaf), VECHE_OK);
    assert_int_equal(glen, wlen);
    assert_memory_equal(got, want, wlen);
    veche_merkle_leaf_hash(wleaf, want, wlen);
    assert_memory_equal(leaf, wleaf, 32);
    free(got);
}

static veche_err read_node(void *arg, unsigned level, uint64_t index, veche_hash out)
{
    veche_store *s = arg;
    return s->ops->get_node(s, level, index, out);
}

/* MTH of entries [lo, hi), from the entries alone (RFC 9162 §2.1.1). */
static void ref_root(veche_hash out, uint64_t lo, uint64_t hi)
{
    veche_hash a, b;
    uint64_t k = 1;
    if (hi - lo == 1) {
        uint8_t buf[256];
        size_t len = make_entry(buf, lo);
        veche_merkle_leaf_hash(out, buf, len);
        return;
    }
    while (2 * k < hi - lo)
        k *= 2;
    ref_root(a, lo, lo + k);
    ref_root(b, lo + k, hi);
    veche_merkle_node_hash(out, a, b);
}

/* Runs raw SQL through a second, independent connection; returns SQLite's code. */
static int raw_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* ---- tests ------------------------------------------------------------ */

static void test_create_reopen(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    uint64_t n = 99;
    char *v = NULL;
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 0);
    append_batch(s, 0, 5);
    append_batch(s, 5, 6);
    assert_int_equal(s->ops->set_meta(s, "origin", "example.org/log"), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 11, "note 11\n"), VECHE_OK);
    veche_store_close(s);

    s = open_ok(t->path);
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 11);
    for (uint64_t i = 0; i < 11; i++)
        check_entry(s, i);
    assert_int_equal(s->ops->get_meta(s, "origin", &v), VECHE_OK);
    assert_string_equal(v, "example.org/log");
    free(v);
    assert_int_equal(s->ops->get_checkpoint(s, 11, &v), VECHE_OK);
    assert_string_equal(v, "note 11\n");
    free(v);
    /* Appending continues where the last process stopped. */
    append_batch(s, 11, 2);
    veche_store_close(s);
    veche_store_close(NULL);   /* harmless */
}

static void test_append_read_back(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    veche_hash h, leaf, root, want;
    uint8_t *got = NULL;
    size_t len = 1;

    /* An empty entry is an entry (its blob must not become NULL). */
    veche_merkle_leaf_hash(h, NULL, 0);
    assert_int_equal(veche_store_begin(s), VECHE_OK);
    assert_int_equal(s->ops->put_entry(s, 0, NULL, 0, h), VECHE_OK);
    assert_int_equal(veche_store_commit(s), VECHE_OK);
    assert_int_equal(s->ops->get_entry(s, 0, &got, &len, leaf), VECHE_OK);
    assert_non_null(got);
    assert_int_equal(len, 0);
    assert_memory_equal(leaf, h, 32);
    free(got);
    veche_store_close(s);

    /* A fresh store of 37 entries: entries, nodes and the root all agree. */
    assert_int_equal(unlink(t->path), 0);
    s = open_ok(t->path);
    append_batch(s, 0, 20);
    append_batch(s, 20, 17);
    for (uint64_t i = 0; i < 37; i++)
        check_entry(s, i);
    /* Optional outputs. */
    assert_int_equal(s->ops->get_entry(s, 3, NULL, NULL, leaf), VECHE_OK);
    assert_int_equal(s->ops->get_node(s, 0, 3, h), VECHE_OK);
    assert_memory_equal(h, leaf, 32);
    assert_int_equal(s->ops->get_entry(s, 3, &got, &len, NULL), VECHE_OK);
    free(got);
    /* Absent keys. */
    assert_int_equal(s->ops->get_entry(s, 37, &got, &len, leaf), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_entry(s, UINT64_MAX, &got, &len, leaf), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_node(s, 0, 37, h), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_node(s, 1, 18, h), VECHE_ENOTFOUND);   /* leaves 36, 37 */
    assert_int_equal(s->ops->get_node(s, 6, 0, h), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_node(s, 64, 0, h), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_node(s, 5, 0, h), VECHE_OK);           /* leaves 0..31 */
    assert_non_null(strstr(veche_store_errmsg(s), "no node"));
    /* The root over stored nodes is the root over the entries. */
    for (uint64_t n = 1; n <= 37; n++) {
        assert_int_equal(veche_merkle_root(root, n, read_node, s), VECHE_OK);
        ref_root(want, 0, n);
        assert_memory_equal(root, want, 32);
    }
    veche_store_close(s);
}

static void test_gap_and_overwrite_refused(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    uint8_t buf[256];
    size_t len = make_entry(buf, 0);
    veche_hash h;
    uint64_t n;
    veche_merkle_leaf_hash(h, buf, len);

    assert_int_equal(veche_store_begin(s), VECHE_OK);
    assert_int_equal(s->ops->put_entry(s, 1, buf, len, h), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "index must equal the log size"));
    assert_int_equal(append(s, 0), VECHE_OK);
    assert_int_equal(s->ops->put_entry(s, 0, buf, len, h), VECHE_EINVALID);   /* overwrite */
    assert_int_equal(s->ops->put_entry(s, 5, buf, len, h), VECHE_EINVALID);   /* gap */
    assert_int_equal(s->ops->put_entry(s, UINT64_MAX, buf, len, h), VECHE_EINVALID);
    assert_int_equal(s->ops->put_entry(s, 1, NULL, 5, h), VECHE_EINVALID);
    /* A refused write leaves the batch open and the rest of it intact. */
    assert_int_equal(append(s, 1), VECHE_OK);
    assert_int_equal(veche_store_commit(s), VECHE_OK);
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 2);
    /* Outside a batch too (each write its own transaction). */
    assert_int_equal(s->ops->put_entry(s, 0, buf, len, h), VECHE_EINVALID);
    assert_int_equal(append(s, 2), VECHE_OK);
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 3);
    check_entry(s, 0);
    check_entry(s, 2);
    veche_store_close(s);
}

static void test_node_rules(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    veche_hash h, other, got;
    append_batch(s, 0, 3);
    assert_int_equal(s->ops->get_node(s, 1, 0, h), VECHE_OK);
    memcpy(other, h, 32);
    other[0] ^= 1;
    /* The same node again (a retried write) is fine; another hash is not. */
    assert_int_equal(s->ops->put_node(s, 1, 0, h), VECHE_OK);
    assert_int_equal(s->ops->put_node(s, 1, 0, other), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "already stored"));
    /* A subtree that is not complete yet: leaves 2..3 of 3, 0..3 of 3. */
    assert_int_equal(s->ops->put_node(s, 1, 1, h), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "not complete"));
    assert_int_equal(s->ops->put_node(s, 2, 0, h), VECHE_EINVALID);
    assert_int_equal(s->ops->put_node(s, 64, 0, h), VECHE_EINVALID);
    assert_int_equal(s->ops->put_node(s, 1, UINT64_MAX, h), VECHE_EINVALID);
    /* Level 0 is the leaf: agreement accepted, disagreement and absence refused. */
    assert_int_equal(s->ops->get_node(s, 0, 2, got), VECHE_OK);
    assert_int_equal(s->ops->put_node(s, 0, 2, got), VECHE_OK);
    got[31] ^= 0x80;
    assert_int_equal(s->ops->put_node(s, 0, 2, got), VECHE_EINVALID);
    assert_int_equal(s->ops->put_node(s, 0, 3, got), VECHE_EINVALID);
    /* Nothing changed. */
    assert_int_equal(s->ops->get_node(s, 1, 0, got), VECHE_OK);
    assert_memory_equal(got, h, 32);
    veche_store_close(s);
}

static void test_raw_sql_cannot_rewrite(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    veche_hash root, want;
    char *v = NULL;
    append_batch(s, 0, 8);
    assert_int_equal(s->ops->set_meta(s, "origin", "o"), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 8, "n8"), VECHE_OK);
    assert_int_equal(veche_merkle_root(want, 8, read_node, s), VECHE_OK);

    static const char *const attacks[] = {
        "UPDATE entries SET body = x'00' WHERE idx = 3",
        "DELETE FROM entries WHERE idx = 7",
        "DELETE FROM entries",
        "INSERT OR REPLACE INTO entries(idx, body, leaf) VALUES(3, x'00', zeroblob(32))",
        "INSERT INTO entries(idx, body, leaf) VALUES(9, x'00', zeroblob(32))",
        "INSERT INTO entries(body, leaf) VALUES(x'00', zeroblob(32))",
        "UPDATE nodes SET hash = zeroblob(32)",
        "DELETE FROM nodes WHERE level = 3",
        "INSERT OR REPLACE INTO nodes(level, idx, hash) VALUES(1, 0, zeroblob(32))",
        "INSERT INTO nodes(level, idx, hash) VALUES(1, 4, zeroblob(32))",
        "INSERT INTO nodes(level, idx, hash) VALUES(0, 8, zeroblob(32))",
        "UPDATE checkpoints SET note = 'forged'",
        "DELETE FROM checkpoints",
        "INSERT OR REPLACE INTO checkpoints(size, note) VALUES(8, 'forged')",
        "INSERT INTO checkpoints(size, note) VALUES(9, 'beyond')",
        "UPDATE meta SET value = 'other'",
        "DELETE FROM meta",
        "INSERT OR REPLACE INTO meta(key, value) VALUES('origin', 'other')",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        int rc = raw_sql(t->path, attacks[i]);
        if ((rc & 0xff) != SQLITE_CONSTRAINT)
            fail_msg("not refused (rc %d): %s", rc, attacks[i]);
    }
    /* What the raw connection may do: read. */
    assert_int_equal(raw_sql(t->path, "SELECT count(*) FROM entries"), SQLITE_OK);

    assert_int_equal(veche_merkle_root(root, 8, read_node, s), VECHE_OK);
    assert_memory_equal(root, want, 32);
    for (uint64_t i = 0; i < 8; i++)
        check_entry(s, i);
    assert_int_equal(s->ops->get_meta(s, "origin", &v), VECHE_OK);
    assert_string_equal(v, "o");
    free(v);
    assert_int_equal(s->ops->get_checkpoint(s, 8, &v), VECHE_OK);
    assert_string_equal(v, "n8");
    free(v);
    veche_store_close(s);
}

static void test_meta_set_once(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    char *v = NULL;
    assert_int_equal(s->ops->get_meta(s, "origin", &v), VECHE_ENOTFOUND);
    assert_null(v);
    assert_int_equal(s->ops->set_meta(s, "origin", "a.example/log"), VECHE_OK);
    assert_int_equal(s->ops->set_meta(s, "origin", "a.example/log"), VECHE_OK);
    assert_int_equal(s->ops->set_meta(s, "origin", "b.example/log"), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "already set"));
    assert_int_equal(s->ops->set_meta(s, "key", ""), VECHE_OK);
    assert_int_equal(s->ops->set_meta(s, NULL, "x"), VECHE_EINVALID);
    assert_int_equal(s->ops->set_meta(s, "x", NULL), VECHE_EINVALID);
    veche_store_close(s);

    s = open_ok(t->path);
    assert_int_equal(s->ops->set_meta(s, "origin", "b.example/log"), VECHE_EINVALID);
    assert_int_equal(s->ops->get_meta(s, "origin", &v), VECHE_OK);
    assert_string_equal(v, "a.example/log");
    free(v);
    assert_int_equal(s->ops->get_meta(s, "key", &v), VECHE_OK);
    assert_string_equal(v, "");
    free(v);
    veche_store_close(s);
}

/* Cosignature lines belong to a stored checkpoint; repeats are no-ops; append-only. */
static void test_cosignatures(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    char *lines = NULL;
    sqlite3 *raw;

    append_batch(s, 0, 4);
    assert_int_equal(s->ops->put_cosignature(s, 4, "\xe2\x80\x94 w1 AAAA"), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "no checkpoint of this size"));
    assert_int_equal(s->ops->put_checkpoint(s, 4, "cp\n"), VECHE_OK);
    assert_int_equal(s->ops->put_cosignature(s, 4, "\xe2\x80\x94 w2 BBBB"), VECHE_OK);
    assert_int_equal(s->ops->put_cosignature(s, 4, "\xe2\x80\x94 w1 AAAA"), VECHE_OK);
    assert_int_equal(s->ops->put_cosignature(s, 4, "\xe2\x80\x94 w1 AAAA"), VECHE_OK);
    assert_int_equal(s->ops->get_cosignatures(s, 4, &lines), VECHE_OK);
    assert_string_equal(lines, "\xe2\x80\x94 w1 AAAA\n\xe2\x80\x94 w2 BBBB\n");
    free(lines);
    assert_int_equal(s->ops->get_cosignatures(s, 3, &lines), VECHE_OK);
    assert_string_equal(lines, "");
    free(lines);
    veche_store_close(s);
    assert_int_equal(sqlite3_open(t->path, &raw), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "DELETE FROM cosignatures", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "UPDATE cosignatures SET line = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(raw);
}

static void test_rollback_leaves_nothing(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    uint64_t n;
    veche_hash h;
    char *v = NULL;
    append_batch(s, 0, 4);

    assert_int_equal(veche_store_begin(s), VECHE_OK);
    for (uint64_t i = 4; i < 16; i++)
        assert_int_equal(append(s, i), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 16, "n16"), VECHE_OK);
    assert_int_equal(s->ops->set_meta(s, "m", "v"), VECHE_OK);
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 16);   /* the batch sees its own writes */
    assert_int_equal(veche_store_rollback(s), VECHE_OK);

    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 4);
    assert_int_equal(s->ops->get_entry(s, 4, NULL, NULL, h), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_node(s, 4, 0, h), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_node(s, 2, 0, h), VECHE_OK);
    assert_int_equal(s->ops->get_checkpoint(s, 16, &v), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_meta(s, "m", &v), VECHE_ENOTFOUND);
    /* The same indices can be appended again. */
    append_batch(s, 4, 12);

    /* Batch state errors; a rollback with nothing open is a no-op. */
    assert_int_equal(veche_store_commit(s), VECHE_EINVALID);
    assert_int_equal(veche_store_rollback(s), VECHE_OK);
    assert_int_equal(veche_store_begin(s), VECHE_OK);
    assert_int_equal(veche_store_begin(s), VECHE_EINVALID);
    assert_int_equal(append(s, 16), VECHE_OK);
    veche_store_close(s);   /* closing with a batch open discards it */

    s = open_ok(t->path);
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    assert_int_equal(n, 16);
    veche_store_close(s);
}

typedef struct {
    uint64_t next;
    uint64_t stop_at;          /* return VECHE_EVERIFY at this index */
    veche_store *s;
    veche_err nested;
} range_walk;

static veche_err walk_cb(void *arg, uint64_t index, const uint8_t *entry, size_t len,
                         const veche_hash leaf)
{
    range_walk *w = arg;
    uint8_t want[256];
    veche_hash wl;
    size_t wlen = make_entry(want, index);
    if (index != w->next || len != wlen || memcmp(entry, want, len) != 0)
        return VECHE_EINTERNAL;
    veche_merkle_leaf_hash(wl, want, wlen);
    if (memcmp(wl, leaf, 32) != 0)
        return VECHE_EINTERNAL;
    if (w->s != NULL) {   /* other calls are fine inside; a nested range is not */
        veche_hash h;
        if (w->s->ops->get_node(w->s, 0, index, h) != VECHE_OK)
            return VECHE_EINTERNAL;
        w->nested = w->s->ops->range(w->s, 0, 1, walk_cb, w);
    }
    w->next++;
    return index == w->stop_at ? VECHE_EVERIFY : VECHE_OK;
}

static void test_range(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    range_walk w;
    append_batch(s, 0, 50);

    w = (range_walk){ .next = 0, .stop_at = UINT64_MAX };
    assert_int_equal(s->ops->range(s, 0, 50, walk_cb, &w), VECHE_OK);
    assert_int_equal(w.next, 50);
    w = (range_walk){ .next = 17, .stop_at = UINT64_MAX };
    assert_int_equal(s->ops->range(s, 17, 23, walk_cb, &w), VECHE_OK);
    assert_int_equal(w.next, 23);
    /* Past the end: what exists. Empty and reversed ranges: nothing. */
    w = (range_walk){ .next = 45, .stop_at = UINT64_MAX };
    assert_int_equal(s->ops->range(s, 45, UINT64_MAX, walk_cb, &w), VECHE_OK);
    assert_int_equal(w.next, 50);
    w = (range_walk){ .next = 10, .stop_at = UINT64_MAX };
    assert_int_equal(s->ops->range(s, 10, 10, walk_cb, &w), VECHE_OK);
    assert_int_equal(s->ops->range(s, 30, 10, walk_cb, &w), VECHE_OK);
    assert_int_equal(s->ops->range(s, UINT64_MAX - 1, UINT64_MAX, walk_cb, &w), VECHE_OK);
    assert_int_equal(w.next, 10);
    /* The callback's error stops the walk and comes back. */
    w = (range_walk){ .next = 0, .stop_at = 4 };
    assert_int_equal(s->ops->range(s, 0, 50, walk_cb, &w), VECHE_EVERIFY);
    assert_int_equal(w.next, 5);
    /* Store calls inside the callback work; a nested range is refused. */
    w = (range_walk){ .next = 0, .stop_at = UINT64_MAX, .s = s };
    assert_int_equal(s->ops->range(s, 0, 3, walk_cb, &w), VECHE_OK);
    assert_int_equal(w.next, 3);
    assert_int_equal(w.nested, VECHE_EINVALID);
    /* The statement was reset: a second walk starts afresh. */
    w = (range_walk){ .next = 0, .stop_at = UINT64_MAX };
    assert_int_equal(s->ops->range(s, 0, 50, walk_cb, &w), VECHE_OK);
    assert_int_equal(s->ops->range(s, 0, 50, NULL, &w), VECHE_EINVALID);
    veche_store_close(s);
}

static void test_checkpoints(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    uint64_t size = 99;
    char *note = NULL;
    assert_int_equal(s->ops->latest_checkpoint(s, &size, &note), VECHE_ENOTFOUND);
    assert_null(note);
    assert_int_equal(s->ops->put_checkpoint(s, 0, "empty"), VECHE_OK);
    append_batch(s, 0, 10);
    assert_int_equal(s->ops->put_checkpoint(s, 3, "n3"), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 10, "n10"), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 7, "n7"), VECHE_OK);
    /* Highest size, not the latest written. */
    assert_int_equal(s->ops->latest_checkpoint(s, &size, &note), VECHE_OK);
    assert_int_equal(size, 10);
    assert_string_equal(note, "n10");
    free(note);
    assert_int_equal(s->ops->latest_checkpoint(s, &size, NULL), VECHE_OK);
    assert_int_equal(s->ops->latest_checkpoint(s, NULL, &note), VECHE_OK);
    free(note);
    assert_int_equal(s->ops->get_checkpoint(s, 7, &note), VECHE_OK);
    assert_string_equal(note, "n7");
    free(note);
    assert_int_equal(s->ops->get_checkpoint(s, 0, &note), VECHE_OK);
    assert_string_equal(note, "empty");
    free(note);
    assert_int_equal(s->ops->get_checkpoint(s, 5, &note), VECHE_ENOTFOUND);
    assert_int_equal(s->ops->get_checkpoint(s, UINT64_MAX, &note), VECHE_ENOTFOUND);
    /* One note per size; none beyond the log. */
    assert_int_equal(s->ops->put_checkpoint(s, 7, "n7"), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 7, "other"), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "already"));
    assert_int_equal(s->ops->put_checkpoint(s, 11, "n11"), VECHE_EINVALID);
    assert_non_null(strstr(veche_store_errmsg(s), "exceeds the log"));
    assert_int_equal(s->ops->put_checkpoint(s, 5, NULL), VECHE_EINVALID);
    /* A checkpoint may follow its entries in the same batch. */
    assert_int_equal(veche_store_begin(s), VECHE_OK);
    assert_int_equal(append(s, 10), VECHE_OK);
    assert_int_equal(s->ops->put_checkpoint(s, 11, "n11"), VECHE_OK);
    assert_int_equal(veche_store_commit(s), VECHE_OK);
    veche_store_close(s);

    s = open_ok(t->path);
    assert_int_equal(s->ops->latest_checkpoint(s, &size, &note), VECHE_OK);
    assert_int_equal(size, 11);
    assert_string_equal(note, "n11");
    free(note);
    veche_store_close(s);
}

/* One writer and two readers on one file, as three processes would be:
 * readers see committed batches only, and never wait for the writer. */
static void test_readers_and_writer(void **state)
{
    tmp_db *t = *state;
    veche_store *w = open_ok(t->path), *r1 = open_ok(t->path), *r2 = open_ok(t->path);
    uint64_t n;
    veche_hash root, want;
    append_batch(w, 0, 10);
    assert_int_equal(veche_store_size(r1, &n), VECHE_OK);
    assert_int_equal(n, 10);

    assert_int_equal(veche_store_begin(w), VECHE_OK);
    for (uint64_t i = 10; i < 20; i++)
        assert_int_equal(append(w, i), VECHE_OK);
    /* Mid-batch: the readers see the last commit, and may read it all. */
    assert_int_equal(veche_store_size(r1, &n), VECHE_OK);
    assert_int_equal(n, 10);
    assert_int_equal(veche_merkle_root(root, 10, read_node, r2), VECHE_OK);
    ref_root(want, 0, 10);
    assert_memory_equal(root, want, 32);
    check_entry(r1, 9);
    assert_int_equal(r2->ops->get_entry(r2, 10, NULL, NULL, root), VECHE_ENOTFOUND);
    assert_int_equal(veche_store_commit(w), VECHE_OK);

    assert_int_equal(veche_store_size(r2, &n), VECHE_OK);
    assert_int_equal(n, 20);
    assert_int_equal(veche_merkle_root(root, 20, read_node, r1), VECHE_OK);
    ref_root(want, 0, 20);
    assert_memory_equal(root, want, 32);
    /* A reader's refused write does not disturb the writer's log. */
    assert_int_equal(append(r1, 3), VECHE_EINVALID);
    append_batch(w, 20, 1);
    veche_store_close(r2);
    veche_store_close(r1);
    veche_store_close(w);
}

/* Writes bytes at an offset of a file (to damage it). */
static void write_at(const char *path, off_t off, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* open must fail without crashing, leave *s NULL, and say why. */
static void expect_open_fails(const char *path, const char *why)
{
    veche_store *s = (veche_store *)&s;   /* not NULL: open must clear it */
    veche_err e = veche_store_open_sqlite(&s, path);
    assert_int_not_equal(e, VECHE_OK);
    assert_null(s);
    if (strstr(veche_store_errmsg(NULL), why) == NULL)
        fail_msg("open %s: expected '%s' in: %s", path, why, veche_store_errmsg(NULL));
}

static void test_bad_files(void **state)
{
    tmp_db *t = *state;
    char p[400];
    veche_store *s;

    /* Not a database at all. */
    snprintf(p, sizeof p, "%s/text.db", t->dir);
    write_file(p, "This is a text file, long enough to have a header of sorts.......\n"
                  "..................................................................\n");
    expect_open_fails(p, "not a database");
    /* Missing directory; a directory in place of the file. */
    snprintf(p, sizeof p, "%s/no/such/dir/log.db", t->dir);
    expect_open_fails(p, "unable to open");
    expect_open_fails(t->dir, "unable to open");
    /* An SQLite database that is someone else's. */
    snprintf(p, sizeof p, "%s/other.db", t->dir);
    assert_int_equal(raw_sql(p, "CREATE TABLE t(x); INSERT INTO t VALUES(1);"), SQLITE_OK);
    expect_open_fails(p, "not a veche store");
    snprintf(p, sizeof p, "%s/appid.db", t->dir);
    assert_int_equal(raw_sql(p, "PRAGMA user_version=1; PRAGMA application_id=7;"), SQLITE_OK);
    expect_open_fails(p, "not a veche store");
    /* A store from a future version; a store whose trigger was dropped. */
    s = open_ok(t->path);
    veche_store_close(s);
    assert_int_equal(raw_sql(t->path, "PRAGMA user_version=2"), SQLITE_OK);
    expect_open_fails(t->path, "schema version 2");
    assert_int_equal(raw_sql(t->path, "PRAGMA user_version=1"), SQLITE_OK);
    s = open_ok(t->path);
    veche_store_close(s);
    assert_int_equal(raw_sql(t->path, "DROP TRIGGER entries_no_delete"), SQLITE_OK);
    expect_open_fails(t->path, "triggers are missing");
    assert_int_equal(veche_store_open_sqlite(NULL, t->path), VECHE_EINVALID);
    assert_int_equal(veche_store_open_sqlite(&s, NULL), VECHE_EINVALID);
}

static void test_corrupt_store(void **state)
{
    tmp_db *t = *state;
    veche_store *s = open_ok(t->path);
    uint8_t junk[4096];
    struct stat st;
    veche_hash h;
    veche_err e;
    range_walk w = { .next = 0, .stop_at = UINT64_MAX };
    append_batch(s, 0, 300);
    veche_store_close(s);   /* the last close checkpoints the WAL into the file */

    /* Open first (the schema is read and checked at open, and may span more
     * than page 1), then damage every page but the first underneath: the
     * damage shows when the data is read, as an error with SQLite's reason. */
    s = open_ok(t->path);
    assert_int_equal(stat(t->path, &st), 0);
    assert_true(st.st_size > 8192);
    memset(junk, 0xA5, sizeof junk);
    for (off_t off = 4096; off < st.st_size; off += sizeof junk)
        write_at(t->path, off, junk, sizeof junk);
    e = s->ops->range(s, 0, 300, walk_cb, &w);
    assert_int_equal(e, VECHE_EINTERNAL);
    assert_non_null(strstr(veche_store_errmsg(s), "malformed"));
    assert_int_equal(s->ops->get_entry(s, 299, NULL, NULL, h), VECHE_EINTERNAL);
    assert_int_equal(s->ops->get_node(s, 8, 0, h), VECHE_EINTERNAL);
    assert_int_equal(veche_store_begin(s), VECHE_OK);
    assert_int_not_equal(append(s, 300), VECHE_OK);
    assert_int_equal(veche_store_rollback(s), VECHE_OK);
    veche_store_close(s);

    /* Damage the header: no longer a database. */
    write_at(t->path, 0, junk, 100);
    expect_open_fails(t->path, "not a database");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_and_overwrite_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_node_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_sql_cannot_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_set_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cosignatures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readers_and_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
