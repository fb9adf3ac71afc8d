/*
 * board.c — the public record over a store (see board.h).
 *
 * Invariants, checked on open and kept by every append:
 *   - the store's size is the number of entries; entry 0 is board.init,
 *     signed by the board key, and no other entry is board.init;
 *   - after an append commits, every complete subtree ending at or before
 *     the last entry has its node stored (merkle.h's storage model);
 *   - stored checkpoints are signed by the board key over the root at their size.
 */
#include "board/board.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

struct veche_board {
    veche_store   *store;
    veche_note_key key;
    int            can_sign;
    uint8_t        sk[64];
    uint64_t       size;
};

static veche_err read_node(void *arg, unsigned level, uint64_t index, veche_hash out)
{
    veche_store *s = arg;
    return s->ops->get_node(s, level, index, out);
}

static veche_err store_fail(veche_board *b, veche_err e, const char *what, veche_diag *d)
{
    return veche_diag_set(d, e, "%s: %s", what, veche_store_errmsg(b->store));
}

/* ---- opening ------------------------------------------------------------ */

static veche_err board_alloc(veche_board **out, const char *db_path, const veche_key *key,
                             veche_diag *d)
{
    veche_board *b = calloc(1, sizeof *b);
    veche_err e;

    *out = NULL;
    if (b == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if ((e = veche_store_open_sqlite(&b->store, db_path)) != VECHE_OK) {
        free(b);
        return veche_diag_set(d, e, "%s: cannot open the store", db_path);
    }
    if (key != NULL) {
        memcpy(b->sk, key->sk, sizeof b->sk);
        b->can_sign = 1;
    }
    if ((e = veche_store_size(b->store, &b->size)) != VECHE_OK) {
        e = store_fail(b, e, db_path, d);
        veche_board_close(b);
        return e;
    }
    *out = b;
    return VECHE_OK;
}

void veche_board_close(veche_board *b)
{
    if (b == NULL)
        return;
    veche_store_close(b->store);
    sodium_memzero(b->sk, sizeof b->sk);
    free(b);
}

/* The board's identity from its first entry; the caller's key must match it. */
static veche_err load_identity(veche_board *b, const veche_key *key, veche_diag *d)
{
    uint8_t *bytes;
    size_t len;
    veche_entry e;
    veche_err err;

    if (b->size == 0)
        return veche_diag_set(d, VECHE_EINVALID, "the store holds no board (run veche board init)");
    if ((err = veche_board_get(b, 0, &bytes, &len, d)) != VECHE_OK)
        return err;
    err = veche_entry_decode(&e, bytes, len, d);
    free(bytes);
    if (err != VECHE_OK)
        return err;
    if (strcmp(e.type, "board.init") != 0) {
        veche_entry_free(&e);
        return veche_diag_set(d, VECHE_EINVALID, "entry 0 is not board.init");
    }
    err = veche_note_key_parse(&b->key, json_string_value(json_object_get(e.body, "vkey")));
    if (err == VECHE_OK && !veche_entry_is_genesis_of(&e, &b->key))
        err = VECHE_EINVALID;
    veche_entry_free(&e);
    if (err != VECHE_OK)
        return veche_diag_set(d, err, "entry 0 does not identify the board: its vkey, origin "
                              "and signature must name one log key");
    if (key != NULL && memcmp(key->pk, b->key.pub, 32) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "the key given is not this board's key");
    return VECHE_OK;
}

veche_err veche_board_open(veche_board **out, const char *db_path, const veche_key *key,
                           veche_diag *d)
{
    veche_board *b;
    veche_err e;

    if ((e = board_alloc(&b, db_path, key, d)) != VECHE_OK)
        return e;
    if ((e = load_identity(b, key, d)) != VECHE_OK) {
        veche_board_close(b);
        return e;
    }
    *out = b;
    return VECHE_OK;
}

veche_err veche_board_create(veche_board **out, const char *db_path, const veche_key *key,
                             veche_diag *d)
{
    veche_board *b;
    json_t *body;
    char vkey[VECHE_KEYNAME_MAX + 80], *entry;
    size_t len;
    uint64_t first;
    veche_err e;

    *out = NULL;
    if ((e = board_alloc(&b, db_path, key, d)) != VECHE_OK)
        return e;
    if (b->size != 0) {
        veche_board_close(b);
        return veche_diag_set(d, VECHE_EINVALID, "%s already holds a board", db_path);
    }
    if ((e = veche_key_note_key(&b->key, key, VECHE_SIGTYPE_ED25519)) != VECHE_OK) {
        veche_board_close(b);
        return veche_diag_set(d, e, "board key: invalid name");
    }
    veche_note_key_format(vkey, sizeof vkey, &b->key);
    body = json_pack("{s:s, s:s}", "origin", key->name, "vkey", vkey);
    e = veche_entry_build(&entry, &len, "board.init", body, key->sk, d);
    json_decref(body);
    if (e == VECHE_OK) {
        const uint8_t *one = (const uint8_t *)entry;
        e = veche_board_append(b, &one, &len, 1, &first, d);
        free(entry);
    }
    if (e != VECHE_OK) {
        veche_board_close(b);
        return e;
    }
    *out = b;
    return VECHE_OK;
}

veche_err veche_board_create_mirror(veche_board **out, const char *db_path,
                                    const veche_note_key *key, veche_diag *d)
{
    veche_board *b;
    veche_err e;

    if ((e = board_alloc(&b, db_path, NULL, d)) != VECHE_OK)
        return e;
    if (b->size != 0) {
        veche_board_close(b);
        return veche_diag_set(d, VECHE_EINVALID, "%s already holds a board", db_path);
    }
    b->key = *key;
    *out = b;
    return VECHE_OK;
}

uint64_t veche_board_size(const veche_board *b) { return b->size; }
veche_store *veche_board_store(veche_board *b) { return b->store; }
const veche_note_key *veche_board_key(const veche_board *b) { return &b->key; }
const char *veche_board_origin(const veche_board *b) { return b->key.name; }

/* ---- appending ---------------------------------------------------------- */

/* Rules that depend on the position: board.init first, and only first. */
static veche_err check_position(const veche_board *b, const veche_entry *e, uint64_t index,
                                veche_diag *d)
{
    int is_init = strcmp(e->type, "board.init") == 0;
    if (index == 0 && !is_init)
        return veche_diag_set(d, VECHE_EINVALID, "entry 0 must be board.init");
    if (index > 0 && is_init)
        return veche_diag_set(d, VECHE_EINVALID, "board.init may only be entry 0");
    if (is_init && !veche_entry_is_genesis_of(e, &b->key))
        return veche_diag_set(d, VECHE_EINVALID, "board.init must be signed by the board key "
                              "and name exactly its origin and verifier key");
    return VECHE_OK;
}

/* Stores one validated entry and the subtrees it completes. */
static veche_err store_entry(veche_board *b, uint64_t index, const uint8_t *bytes, size_t len)
{
    veche_store *s = b->store;
    veche_hash h, left;
    unsigned levels = veche_merkle_completed(index);
    veche_err e;

    veche_merkle_leaf_hash(h, bytes, len);
    if ((e = s->ops->put_entry(s, index, bytes, len, h)) != VECHE_OK ||
        (e = s->ops->put_node(s, 0, index, h)) != VECHE_OK)
        return e;
    for (unsigned l = 1; l < levels; l++) {
        uint64_t j = index >> l;
        if ((e = s->ops->get_node(s, l - 1, 2 * j, left)) != VECHE_OK)
            return e;
        veche_merkle_node_hash(h, left, h);
        if ((e = s->ops->put_node(s, l, j, h)) != VECHE_OK)
            return e;
    }
    return VECHE_OK;
}

/* ---- validating a batch, in parallel --------------------------------------- */

/*
 * Validation (canonical form, type rules, an Ed25519 verification) costs
 * more than storing, and entries are independent: a batch is checked by up
 * to one thread per core before its transaction starts.
 */
typedef struct check_job {
    const veche_board    *b;
    const uint8_t *const *entries;
    const size_t         *lens;
    size_t                from, to;   /* positions in the batch */
    veche_err             err;
    size_t                bad;        /* first failing position */
    veche_diag            why;
} check_job;

static void *check_range(void *arg)
{
    check_job *j = arg;
    for (size_t i = j->from; i < j->to; i++) {
        veche_entry e;
        j->err = veche_entry_decode(&e, j->entries[i], j->lens[i], &j->why);
        if (j->err == VECHE_OK) {
            j->err = check_position(j->b, &e, j->b->size + i, &j->why);
            veche_entry_free(&e);
        }
        if (j->err != VECHE_OK) {
            j->bad = i;
            break;
        }
    }
    return NULL;
}

enum { MAX_CHECK_THREADS = 8, MIN_PER_THREAD = 32 };

static veche_err check_batch(const veche_board *b, const uint8_t *const *entries,
                             const size_t *lens, size_t n, veche_diag *d)
{
    check_job jobs[MAX_CHECK_THREADS];
    pthread_t tid[MAX_CHECK_THREADS];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = cores > 1 ? (size_t)cores : 1, started = 0;

    if (k > MAX_CHECK_THREADS)
        k = MAX_CHECK_THREADS;
    if (k > n / MIN_PER_THREAD)
        k = n / MIN_PER_THREAD > 0 ? n / MIN_PER_THREAD : 1;
    for (size_t t = 0; t < k; t++) {
        jobs[t] = (check_job){b, entries, lens, n * t / k, n * (t + 1) / k, VECHE_OK, 0, {{0}}};
        /* job 0 runs here; a thread that cannot start runs here too */
        if (t == 0 || pthread_create(&tid[t], NULL, check_range, &jobs[t]) != 0)
            check_range(&jobs[t]);
        else
            started |= (size_t)1 << t;
    }
    for (size_t t = 1; t < k; t++)
        if (started & ((size_t)1 << t))
            pthread_join(tid[t], NULL);
    for (size_t t = 0; t < k; t++)   /* the earliest failure, in batch order */
        if (jobs[t].err != VECHE_OK)
            return veche_diag_set(d, jobs[t].err, "entry %zu of the batch: %s", jobs[t].bad + 1,
                                  jobs[t].why.msg);
    return VECHE_OK;
}

veche_err veche_board_append(veche_board *b, const uint8_t *const *entries, const size_t *lens,
                             size_t n, uint64_t *first, veche_diag *d)
{
    veche_err e = VECHE_OK;

    if ((e = check_batch(b, entries, lens, n, d)) != VECHE_OK)
        return e;
    if ((e = veche_store_begin(b->store)) != VECHE_OK)
        return store_fail(b, e, "begin", d);
    for (size_t i = 0; i < n && e == VECHE_OK; i++)
        e = store_entry(b, b->size + i, entries[i], lens[i]);
    if (e == VECHE_OK && (e = veche_store_commit(b->store)) == VECHE_OK) {
        *first = b->size;
        b->size += n;
        return VECHE_OK;
    }
    e = store_fail(b, e, "storing the batch", d);
    veche_store_rollback(b->store);
    return e;
}

veche_err veche_board_get(veche_board *b, uint64_t index, uint8_t **entry, size_t *len,
                          veche_diag *d)
{
    veche_hash leaf;
    veche_err e;

    *entry = NULL;
    if (index >= b->size)
        return veche_diag_set(d, VECHE_ENOTFOUND, "no entry %llu: the record has %llu entries",
                              (unsigned long long)index, (unsigned long long)b->size);
    if ((e = b->store->ops->get_entry(b->store, index, entry, len, leaf)) != VECHE_OK)
        return store_fail(b, e, "get entry", d);
    return VECHE_OK;
}

/* ---- tree heads and proofs ---------------------------------------------- */

veche_err veche_board_root(veche_board *b, uint64_t size, veche_hash root)
{
    if (size > b->size)
        return VECHE_EINVALID;
    return veche_merkle_root(root, size, read_node, b->store);
}

veche_err veche_board_inclusion(veche_board *b, uint64_t index, uint64_t size,
                                veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len)
{
    if (size > b->size)
        return VECHE_EINVALID;
    return veche_merkle_inclusion_proof(proof, len, index, size, read_node, b->store);
}

veche_err veche_board_consistency(veche_board *b, uint64_t old_size, uint64_t size,
                                  veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len)
{
    if (size > b->size)
        return VECHE_EINVALID;
    return veche_merkle_consistency_proof(proof, len, old_size, size, read_node, b->store);
}

/* Appends the stored cosignature lines for size to *note (a malloc'd note). */
static veche_err with_cosignatures(veche_board *b, uint64_t size, char **note, veche_diag *d)
{
    char *lines = NULL, *all;
    size_t a, l;
    veche_err e = b->store->ops->get_cosignatures(b->store, size, &lines);

    if (e != VECHE_OK)
        return store_fail(b, e, "cosignatures", d);
    a = strlen(*note);
    l = strlen(lines);
    if (l > 0) {
        if ((all = realloc(*note, a + l + 1)) == NULL) {
            free(lines);
            return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
        }
        memcpy(all + a, lines, l + 1);
        *note = all;
    }
    free(lines);
    return VECHE_OK;
}

veche_err veche_board_latest_checkpoint(veche_board *b, char **note, veche_diag *d)
{
    uint64_t size;
    veche_err e = b->store->ops->latest_checkpoint(b->store, &size, note);
    if (e == VECHE_ENOTFOUND)
        return veche_diag_set(d, e, "no checkpoint yet (run veche board checkpoint)");
    if (e != VECHE_OK)
        return store_fail(b, e, "checkpoint", d);
    if ((e = with_cosignatures(b, size, note, d)) != VECHE_OK) {
        free(*note);
        *note = NULL;
    }
    return e;
}

static veche_err sign_checkpoint(veche_board *b, char **note, veche_diag *d)
{
    veche_checkpoint cp;
    char *text;
    veche_err e;

    memset(&cp, 0, sizeof cp);
    snprintf(cp.origin, sizeof cp.origin, "%s", b->key.name);
    cp.size = b->size;
    if ((e = veche_board_root(b, cp.size, cp.root)) != VECHE_OK)
        return store_fail(b, e, "root", d);
    if ((e = veche_checkpoint_format(&text, &cp)) != VECHE_OK)
        return veche_diag_set(d, e, "cannot format the checkpoint");
    e = veche_note_sign(note, text, &b->key, b->sk);
    free(text);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "cannot sign the checkpoint");
    return VECHE_OK;
}

veche_err veche_board_checkpoint(veche_board *b, char **note, veche_diag *d)
{
    uint64_t size;
    veche_err e;

    *note = NULL;
    e = b->store->ops->latest_checkpoint(b->store, &size, note);
    if (e == VECHE_OK && size == b->size) {
        free(*note);
        *note = NULL;
        return veche_board_latest_checkpoint(b, note, d);
    }
    free(*note);
    *note = NULL;
    if (e != VECHE_OK && e != VECHE_ENOTFOUND)
        return store_fail(b, e, "checkpoint", d);
    if (!b->can_sign)
        return veche_diag_set(d, VECHE_EINVALID, "a new checkpoint needs the board key");
    if ((e = sign_checkpoint(b, note, d)) != VECHE_OK)
        return e;
    if ((e = veche_store_begin(b->store)) != VECHE_OK ||
        (e = b->store->ops->put_checkpoint(b->store, b->size, *note)) != VECHE_OK ||
        (e = veche_store_commit(b->store)) != VECHE_OK) {
        veche_store_rollback(b->store);
        free(*note);
        *note = NULL;
        return store_fail(b, e, "storing the checkpoint", d);
    }
    return VECHE_OK;
}

/* ---- receipts ----------------------------------------------------------- */

veche_err veche_board_receipt(veche_board *b, uint64_t index, char **out, veche_diag *d)
{
    veche_receipt r;
    veche_note note;
    veche_checkpoint cp;
    size_t len;
    veche_err e;

    memset(&r, 0, sizeof r);
    *out = NULL;
    if ((e = veche_board_latest_checkpoint(b, &r.checkpoint, d)) != VECHE_OK)
        return e;
    r.checkpoint_len = strlen(r.checkpoint);
    if ((e = veche_note_parse(&note, r.checkpoint, r.checkpoint_len)) != VECHE_OK)
        goto done;
    e = veche_checkpoint_parse(&cp, note.text, note.text_len);
    veche_note_free(&note);
    if (e != VECHE_OK)
        goto done;
    if (index >= cp.size) {
        e = veche_diag_set(d, VECHE_EINVALID,
                           "entry %llu is not covered by the latest checkpoint (size %llu); "
                           "make a new checkpoint first",
                           (unsigned long long)index, (unsigned long long)cp.size);
        goto done;
    }
    r.index = index;
    if ((e = veche_board_get(b, index, &r.extra, &len, d)) != VECHE_OK)
        goto done;
    r.extra_len = len;
    if ((e = veche_board_inclusion(b, index, cp.size, r.proof, &r.proof_len)) != VECHE_OK)
        goto done;
    e = veche_receipt_format(out, &r);
done:
    if (e != VECHE_OK && d != NULL && d->msg[0] == 0)
        veche_diag_set(d, e, "receipt: %s", veche_strerror(e));
    veche_receipt_free(&r);
    return e;
}

/* Counts witnesses with a valid cosignature; fails on any invalid known line. */
static veche_err count_witnesses(const veche_note *note, const veche_note_key *w, size_t nw,
                                 size_t *count)
{
    int verified[VECHE_NOTE_MAX_SIGS] = {0};
    veche_err e;

    *count = 0;
    if (nw == 0)
        return VECHE_OK;
    if (nw > VECHE_NOTE_MAX_SIGS)
        return VECHE_EINVALID;
    e = veche_note_verify(note, w, nw, verified);
    if (e != VECHE_OK && e != VECHE_EVERIFY)
        return e;
    for (size_t i = 0; i < nw; i++)
        *count += verified[i] ? 1 : 0;
    /* EVERIFY with a zero count only means "none of them signed" */
    return e == VECHE_EVERIFY && *count > 0 ? e : VECHE_OK;
}

static veche_err check_signed_checkpoint(const char *text, size_t len,
                                         const veche_note_key *log_key,
                                         const veche_note_key *w, size_t nw, size_t quorum,
                                         veche_checkpoint *cp, veche_diag *d)
{
    veche_note note;
    int ok = 0;
    size_t count;
    veche_err e;

    if ((e = veche_note_parse(&note, text, len)) != VECHE_OK)
        return veche_diag_set(d, e, "checkpoint: not a signed note");
    if ((e = veche_checkpoint_parse(cp, note.text, note.text_len)) != VECHE_OK) {
        veche_note_free(&note);
        return veche_diag_set(d, e, "checkpoint: malformed");
    }
    if ((e = veche_note_verify(&note, log_key, 1, &ok)) != VECHE_OK || !ok) {
        veche_note_free(&note);
        return veche_diag_set(d, VECHE_EVERIFY, "checkpoint: no valid signature by the board key");
    }
    if (strcmp(cp->origin, log_key->name) != 0) {
        veche_note_free(&note);
        return veche_diag_set(d, VECHE_EVERIFY, "checkpoint: origin \"%.64s\" is not the board's",
                              cp->origin);
    }
    e = count_witnesses(&note, w, nw, &count);
    veche_note_free(&note);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "checkpoint: a witness cosignature does not verify");
    if (count < quorum)
        return veche_diag_set(d, VECHE_EVERIFY,
                              "checkpoint: %zu valid witness cosignatures, %zu required", count,
                              quorum);
    return VECHE_OK;
}

veche_err veche_receipt_check(const char *receipt, size_t len, const veche_note_key *log_key,
                              const veche_note_key *witnesses, size_t nwitnesses, size_t quorum,
                              veche_diag *d)
{
    veche_receipt r;
    veche_checkpoint cp;
    veche_entry entry;
    veche_hash leaf;
    veche_err e;

    if ((e = veche_receipt_parse(&r, receipt, len)) != VECHE_OK)
        return veche_diag_set(d, e, "receipt: malformed (%s)", veche_strerror(e));
    if (r.extra == NULL) {
        veche_receipt_free(&r);
        return veche_diag_set(d, VECHE_EINVALID, "receipt: no entry in the extra line");
    }
    e = check_signed_checkpoint(r.checkpoint, r.checkpoint_len, log_key, witnesses, nwitnesses,
                                quorum, &cp, d);
    if (e == VECHE_OK && (e = veche_entry_decode(&entry, r.extra, r.extra_len, d)) == VECHE_OK)
        veche_entry_free(&entry);
    if (e == VECHE_OK) {
        veche_merkle_leaf_hash(leaf, r.extra, r.extra_len);
        e = veche_merkle_verify_inclusion(r.index, cp.size, leaf, (const veche_hash *)r.proof,
                                          r.proof_len, cp.root);
        if (e != VECHE_OK)
            veche_diag_set(d, VECHE_EVERIFY,
                           "receipt: entry %llu is not included in the checkpoint's tree",
                           (unsigned long long)r.index);
        e = e == VECHE_OK ? VECHE_OK : VECHE_EVERIFY;
    }
    veche_receipt_free(&r);
    return e;
}

/* ---- cosignatures --------------------------------------------------------- */

/* "— <name> <base64(keyID || signature)>", the signed-note line of sig. */
static void sig_line(char *out, size_t cap, const veche_note_sig *sig)
{
    uint8_t blob[4 + sizeof sig->sig];
    char b64[sizeof blob * 2];
    memcpy(blob, sig->id, 4);
    memcpy(blob + 4, sig->sig, sig->sig_len);
    sodium_bin2base64(b64, sizeof b64, blob, 4 + sig->sig_len, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, cap, "\xe2\x80\x94 %s %s", sig->name, b64);
}

/* The index in w[] of the witness that made sig, or -1. */
static int witness_of(const veche_note_sig *sig, const veche_note_key *w, size_t nw)
{
    for (size_t i = 0; i < nw; i++)
        if (strcmp(sig->name, w[i].name) == 0 && memcmp(sig->id, w[i].id, 4) == 0)
            return (int)i;
    return -1;
}

static int any_set(const int *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i])
            return 1;
    return 0;
}

/* The stored checkpoint note for cp's size must have exactly the same text. */
static veche_err same_checkpoint(veche_board *b, const veche_note *note, uint64_t size,
                                 veche_diag *d)
{
    char *stored = NULL;
    veche_note sn;
    veche_err e = b->store->ops->get_checkpoint(b->store, size, &stored);
    if (e != VECHE_OK)
        return veche_diag_set(d, VECHE_EINVALID, "the board issued no checkpoint of size %llu",
                              (unsigned long long)size);
    e = veche_note_parse(&sn, stored, strlen(stored));
    free(stored);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "stored checkpoint unreadable");
    e = sn.text_len == note->text_len && memcmp(sn.text, note->text, sn.text_len) == 0
            ? VECHE_OK
            : veche_diag_set(d, VECHE_EVERIFY, "the note is not the checkpoint the board issued");
    veche_note_free(&sn);
    return e;
}

static int has_signer(const veche_note *n, const veche_note_sig *sig)
{
    for (size_t i = 0; i < n->nsigs; i++)
        if (strcmp(n->sigs[i].name, sig->name) == 0 && memcmp(n->sigs[i].id, sig->id, 4) == 0)
            return 1;
    return 0;
}

/*
 * Stores the given witnesses' lines that the board does not hold yet: one
 * cosignature per witness per checkpoint (a witness asked again signs a new
 * time; keeping every answer would grow receipts without bound).
 */
static veche_err store_cosignatures(veche_board *b, const veche_note *note, uint64_t size,
                                    const veche_note_key *w, size_t nw, veche_diag *d)
{
    char line[VECHE_KEYNAME_MAX + 160], *held = NULL;
    veche_note have;
    size_t found = 0;
    veche_err e;

    if ((e = b->store->ops->get_checkpoint(b->store, size, &held)) != VECHE_OK ||
        (e = with_cosignatures(b, size, &held, d)) != VECHE_OK ||
        (e = veche_note_parse(&have, held, strlen(held))) != VECHE_OK) {
        free(held);
        return store_fail(b, e, "stored checkpoint", d);
    }
    free(held);
    if ((e = veche_store_begin(b->store)) != VECHE_OK) {
        veche_note_free(&have);
        return store_fail(b, e, "begin", d);
    }
    for (size_t i = 0; i < note->nsigs && e == VECHE_OK; i++) {
        if (witness_of(&note->sigs[i], w, nw) < 0)
            continue;
        found++;
        if (has_signer(&have, &note->sigs[i]))
            continue;
        sig_line(line, sizeof line, &note->sigs[i]);
        e = b->store->ops->put_cosignature(b->store, size, line);
    }
    veche_note_free(&have);
    if (e == VECHE_OK && found == 0)
        e = veche_diag_set(d, VECHE_EVERIFY, "no cosignature by the given witnesses");
    else if (e == VECHE_OK && (e = veche_store_commit(b->store)) != VECHE_OK)
        store_fail(b, e, "commit", d);
    else if (e != VECHE_OK && d != NULL && d->msg[0] == 0)
        store_fail(b, e, "storing a cosignature", d);
    if (e != VECHE_OK)
        veche_store_rollback(b->store);
    return e;
}

veche_err veche_board_add_cosignatures(veche_board *b, const char *note_text,
                                       const veche_note_key *witnesses, size_t nwitnesses,
                                       veche_diag *d)
{
    veche_note note;
    veche_checkpoint cp;
    int verified[VECHE_NOTE_MAX_SIGS] = {0};
    veche_err e;

    if (nwitnesses == 0 || nwitnesses > VECHE_NOTE_MAX_SIGS)
        return veche_diag_set(d, VECHE_EINVALID, "give 1..%d witness keys", VECHE_NOTE_MAX_SIGS);
    for (size_t i = 0; i < nwitnesses; i++)
        if (witnesses[i].type != VECHE_SIGTYPE_COSIGNATURE)
            return veche_diag_set(d, VECHE_EINVALID, "witness key %s is not a cosigner key (0x04)",
                                  witnesses[i].name);
    if ((e = veche_note_parse(&note, note_text, strlen(note_text))) != VECHE_OK)
        return veche_diag_set(d, e, "not a signed note");
    if ((e = veche_checkpoint_parse(&cp, note.text, note.text_len)) != VECHE_OK)
        veche_diag_set(d, e, "not a checkpoint");
    else if ((e = same_checkpoint(b, &note, cp.size, d)) != VECHE_OK)
        ;
    else if ((e = veche_note_verify(&note, witnesses, nwitnesses, verified)) != VECHE_OK)
        veche_diag_set(d, VECHE_EVERIFY, "%s", any_set(verified, nwitnesses)
                       ? "a cosignature by a given witness does not verify"
                       : "no cosignature by the given witnesses");
    else
        e = store_cosignatures(b, &note, cp.size, witnesses, nwitnesses, d);
    veche_note_free(&note);
    return e;
}
