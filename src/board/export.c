/*
 * export.c — writing an export directory and verifying one (see export.h).
 */
#include "board/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- writing -------------------------------------------------------------- */

static veche_err write_text(const char *dir, const char *name, const char *text, veche_diag *d)
{
    char path[4096];
    FILE *f;
    int bad;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    return bad ? veche_diag_set(d, VECHE_EINTERNAL, "%s: write error", path) : VECHE_OK;
}

static veche_err write_line(void *arg, uint64_t index, const uint8_t *entry, size_t len,
                            const veche_hash leaf)
{
    FILE *f = arg;
    (void)index;
    (void)leaf;
    if (fwrite(entry, 1, len, f) != len || fputc('\n', f) == EOF)
        return VECHE_EINTERNAL;
    return VECHE_OK;
}

veche_err veche_board_export(veche_board *b, const char *dir, veche_diag *d)
{
    char path[4096], vkey[VECHE_KEYNAME_MAX + 80], *note = NULL;
    veche_store *s;
    FILE *f;
    veche_err e;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", dir, strerror(errno));
    /* The checkpoint first: the entries written must cover it. */
    if ((e = veche_board_checkpoint(b, &note, d)) != VECHE_OK)
        return e;
    veche_note_key_format(vkey, sizeof vkey - 1, veche_board_key(b));
    strcat(vkey, "\n");
    if ((e = write_text(dir, "board.vkey", vkey, d)) != VECHE_OK ||
        (e = write_text(dir, "checkpoint", note, d)) != VECHE_OK) {
        free(note);
        return e;
    }
    free(note);
    snprintf(path, sizeof path, "%s/entries.jsonl", dir);
    if ((f = fopen(path, "w")) == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    s = veche_board_store(b);
    e = s->ops->range(s, 0, veche_board_size(b), write_line, f);
    if (fclose(f) != 0 && e == VECHE_OK)
        e = VECHE_EINTERNAL;
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "%s: cannot write the entries", path);
    return VECHE_OK;
}

/* ---- reading ------------------------------------------------------------- */

static char *read_small(const char *dir, const char *name, size_t max, size_t *len)
{
    char path[4096];
    FILE *f;
    char *buf;
    size_t n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "rb")) == NULL)
        return NULL;
    buf = malloc(max + 1);
    n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

veche_err veche_export_entries(const char *dir, veche_entry_cb cb, void *arg, veche_diag *d)
{
    char path[4096];
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t index = 0;
    veche_hash leaf;
    veche_err e = VECHE_OK;

    snprintf(path, sizeof path, "%s/entries.jsonl", dir);
    if ((f = fopen(path, "r")) == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n') {
            e = veche_diag_set(d, VECHE_EENCODING, "entries.jsonl: line %llu has no final newline",
                               (unsigned long long)index + 1);
            break;
        }
        veche_merkle_leaf_hash(leaf, (const uint8_t *)line, (size_t)n - 1);
        if ((e = cb(arg, index, (const uint8_t *)line, (size_t)n - 1, leaf)) != VECHE_OK)
            break;
        index++;
    }
    free(line);
    fclose(f);
    return e;
}

/* ---- verifying ----------------------------------------------------------- */

typedef struct verify_state {
    veche_note_key     key;
    veche_merkle_stack tree;
    uint64_t           limit;     /* entries covered by the checkpoint */
    veche_hash         root_at_limit;
    uint64_t           signed_entries;
    veche_diag         why;
    uint64_t           bad_index;
    int                genesis_ok;
    size_t             witnesses;  /* valid cosignatures from the given keys */
} verify_state;

static veche_err verify_entry(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                              const veche_hash leaf)
{
    verify_state *st = arg;
    veche_entry e;
    veche_err err;

    st->bad_index = index;
    if ((err = veche_entry_decode(&e, bytes, len, &st->why)) != VECHE_OK)
        return err;
    if (index == 0) {
        st->genesis_ok = veche_entry_is_genesis_of(&e, &st->key);
    } else if (strcmp(e.type, "board.init") == 0) {
        veche_entry_free(&e);
        return veche_diag_set(&st->why, VECHE_EINVALID, "board.init may only be entry 0");
    }
    st->signed_entries += e.is_signed ? 1 : 0;
    veche_entry_free(&e);
    veche_merkle_stack_push(&st->tree, leaf);
    if (st->tree.size == st->limit)
        veche_merkle_stack_root(&st->tree, st->root_at_limit);
    return VECHE_OK;
}

static int check(veche_check_cb report, void *arg, int number, const char *name, int pass,
                 const char *detail)
{
    report(arg, number, name, pass, detail);
    return pass;
}

/* Check 2 on the checkpoint note; fills cp and counts the witnesses for check 7. */
static int verify_checkpoint(const char *dir, verify_state *st, const veche_note_key *w,
                             size_t nw, veche_checkpoint *cp, veche_check_cb report, void *arg)
{
    char detail[300];
    size_t len;
    char *text = read_small(dir, "checkpoint", VECHE_NOTE_MAX_BYTES, &len);
    veche_note note;
    int ok = 0, wv[VECHE_NOTE_MAX_SIGS] = {0};

    if (text == NULL || veche_note_parse(&note, text, len) != VECHE_OK) {
        free(text);
        return check(report, arg, 2, "checkpoint", 0, "checkpoint: missing or not a signed note");
    }
    free(text);
    if (veche_checkpoint_parse(cp, note.text, note.text_len) != VECHE_OK ||
        veche_note_verify(&note, &st->key, 1, &ok) != VECHE_OK || !ok ||
        strcmp(cp->origin, st->key.name) != 0) {
        veche_note_free(&note);
        return check(report, arg, 2, "checkpoint", 0,
                     "not a checkpoint signed by the board key for its origin");
    }
    snprintf(detail, sizeof detail, "size %llu, signed by %s", (unsigned long long)cp->size,
             st->key.name);
    check(report, arg, 2, "checkpoint", 1, detail);
    if (nw > 0 && nw <= VECHE_NOTE_MAX_SIGS && veche_note_verify(&note, w, nw, wv) == VECHE_OK)
        for (size_t i = 0; i < nw; i++)
            st->witnesses += wv[i] ? 1 : 0;
    veche_note_free(&note);
    return 1;
}

static int verify_key(const char *dir, const veche_note_key *expected, verify_state *st,
                      veche_check_cb report, void *arg)
{
    size_t len;
    char *text = read_small(dir, "board.vkey", 1024, &len);
    int ok;

    while (text != NULL && len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = 0;
    ok = text != NULL && veche_note_key_parse(&st->key, text) == VECHE_OK &&
         st->key.type == VECHE_SIGTYPE_ED25519;
    free(text);
    if (!ok)
        return check(report, arg, 1, "board key", 0,
                     "board.vkey: missing, or not an Ed25519 (0x01) verifier key");
    if (expected != NULL && (memcmp(expected->pub, st->key.pub, 32) != 0 ||
                             strcmp(expected->name, st->key.name) != 0))
        return check(report, arg, 1, "board key", 0, "board.vkey is not the expected key");
    return check(report, arg, 1, "board key", 1, st->key.name);
}

veche_err veche_export_verify(const char *dir, const veche_note_key *expected_key,
                              const veche_note_key *witnesses, size_t nwitnesses, size_t quorum,
                              veche_check_cb report, void *arg)
{
    verify_state *st = calloc(1, sizeof *st);
    veche_checkpoint cp;
    char detail[400];
    veche_err e = VECHE_EVERIFY;

    if (st == NULL)
        return VECHE_ENOMEM;
    veche_merkle_stack_init(&st->tree);
    if (!verify_key(dir, expected_key, st, report, arg) ||
        !verify_checkpoint(dir, st, witnesses, nwitnesses, &cp, report, arg))
        goto done;
    st->limit = cp.size;
    if (cp.size == 0)
        veche_merkle_empty_root(st->root_at_limit);
    if (veche_export_entries(dir, verify_entry, st, &st->why) != VECHE_OK) {
        snprintf(detail, sizeof detail, "entry %llu: %s", (unsigned long long)st->bad_index,
                 st->why.msg);
        check(report, arg, 3, "entries", 0, detail);
        goto done;
    }
    snprintf(detail, sizeof detail, "%llu entries, %llu signed, all valid",
             (unsigned long long)st->tree.size, (unsigned long long)st->signed_entries);
    check(report, arg, 3, "entries", 1, detail);
    if (!check(report, arg, 4, "genesis", st->genesis_ok,
               st->genesis_ok ? "entry 0 is board.init by the board key"
                              : "entry 0 is not board.init naming and signed by the board key"))
        goto done;
    if (!check(report, arg, 5, "tree", st->tree.size >= cp.size &&
               memcmp(st->root_at_limit, cp.root, 32) == 0,
               "root of the entries covered by the checkpoint vs the checkpoint's root"))
        goto done;
    snprintf(detail, sizeof detail, "%llu entries, checkpoint size %llu",
             (unsigned long long)st->tree.size, (unsigned long long)cp.size);
    if (!check(report, arg, 6, "completeness", st->tree.size == cp.size, detail))
        goto done;
    snprintf(detail, sizeof detail, "%zu of %zu witnesses cosigned, %zu required",
             st->witnesses, nwitnesses, quorum);
    if (!check(report, arg, 7, "witnesses", st->witnesses >= quorum, detail))
        goto done;
    e = VECHE_OK;
done:
    free(st);
    return e;
}

/* ---- importing ------------------------------------------------------------ */

enum { IMPORT_BATCH = 1000 };

typedef struct import_state {
    veche_board   *b;
    uint8_t       *entry[IMPORT_BATCH];
    size_t         len[IMPORT_BATCH];
    size_t         n;
    veche_diag    *d;
} import_state;

static veche_err import_flush(import_state *st)
{
    uint64_t first;
    veche_err e = VECHE_OK;

    if (st->n > 0)
        e = veche_board_append(st->b, (const uint8_t *const *)st->entry, st->len, st->n, &first,
                               st->d);
    for (size_t i = 0; i < st->n; i++)
        free(st->entry[i]);
    st->n = 0;
    return e;
}

static veche_err import_entry(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                              const veche_hash leaf)
{
    import_state *st = arg;
    (void)index;
    (void)leaf;
    if ((st->entry[st->n] = malloc(len ? len : 1)) == NULL)
        return VECHE_ENOMEM;
    memcpy(st->entry[st->n], bytes, len);
    st->len[st->n++] = len;
    return st->n == IMPORT_BATCH ? import_flush(st) : VECHE_OK;
}

static void first_failure(void *arg, int number, const char *name, int pass, const char *detail)
{
    veche_diag *d = arg;
    if (!pass && d != NULL && d->msg[0] == 0)
        veche_diag_set(d, VECHE_EVERIFY, "check %d (%s) failed: %s", number, name, detail);
}

veche_err veche_board_import(veche_board **out, const char *db_path, const char *dir,
                             veche_diag *d)
{
    import_state *st;
    veche_note_key key;
    veche_checkpoint cp;
    veche_note note;
    char *text, *vkey;
    size_t len;
    veche_store *s;
    veche_err e;

    *out = NULL;
    if (d != NULL)
        d->msg[0] = 0;
    if ((e = veche_export_verify(dir, NULL, NULL, 0, 0, first_failure, d)) != VECHE_OK)
        return e;
    vkey = read_small(dir, "board.vkey", 1024, &len);
    while (vkey != NULL && len > 0 && (vkey[len - 1] == '\n' || vkey[len - 1] == '\r'))
        vkey[--len] = 0;
    e = vkey && veche_note_key_parse(&key, vkey) == VECHE_OK ? VECHE_OK : VECHE_EINVALID;
    free(vkey);
    text = read_small(dir, "checkpoint", VECHE_NOTE_MAX_BYTES, &len);
    if (e != VECHE_OK || text == NULL || veche_note_parse(&note, text, len) != VECHE_OK) {
        free(text);
        return veche_diag_set(d, VECHE_EINVALID, "%s: unreadable after verification", dir);
    }
    e = veche_checkpoint_parse(&cp, note.text, note.text_len);
    veche_note_free(&note);
    if (e == VECHE_OK)
        e = veche_board_create_mirror(out, db_path, &key, d);
    if (e != VECHE_OK || (st = calloc(1, sizeof *st)) == NULL) {
        free(text);
        veche_board_close(*out);
        *out = NULL;
        return e != VECHE_OK ? e : VECHE_ENOMEM;
    }
    st->b = *out;
    st->d = d;
    e = veche_export_entries(dir, import_entry, st, d);
    if (e == VECHE_OK)
        e = import_flush(st);
    for (size_t i = 0; i < st->n; i++)
        free(st->entry[i]);
    free(st);
    s = veche_board_store(*out);
    if (e == VECHE_OK && ((e = veche_store_begin(s)) != VECHE_OK ||
                          (e = s->ops->put_checkpoint(s, cp.size, text)) != VECHE_OK ||
                          (e = veche_store_commit(s)) != VECHE_OK))
        veche_diag_set(d, e, "storing the checkpoint: %s", veche_store_errmsg(s));
    free(text);
    if (e != VECHE_OK) {
        veche_board_close(*out);
        *out = NULL;
    }
    return e;
}
