/*
 * election.c — an election on the record: the hashes that bind it, the
 * shapes of its entry types, and the loader (see election.h).
 *
 * Body shapes are checked by a small table per type (member name, kind,
 * bounds) so that every type says in one place what its body holds; the
 * manifest, credentials and ballot bodies have their own modules' checks.
 * The board runs these checks on every entry it decodes, on many threads
 * at once: they touch nothing but their arguments.
 *
 * The loader makes one pass over the record. Ballots are by far the most
 * numerous entries, so for them it keeps only the index and hands the
 * bytes to the caller's callback; everything else of the election is kept.
 * Decoding an entry (canonical JSON, body shape, signature) costs far more
 * than what the loader then does with it, and entries are independent, so
 * they are decoded a batch at a time on every core and then taken one by
 * one in index order.
 */
#include "election/election.h"
#include "election/ballot.h"
#include "board/export.h"
#include "crypto/threshold.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#define MAX_SELECTIONS (VECHE_MAX_OPTIONS + 1)   /* options + blank */
#define MAX_JSON_INT   ((json_int_t)9007199254740991)   /* 2^53 - 1 */

/* ---- base64 ------------------------------------------------------------------ */

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* The decoded length of canonical padded base64, or -1: no decoding needed. */
static long b64_canonical_len(const char *s, size_t len)
{
    size_t pad = 0;
    int last;

    if (s == NULL || len % 4 != 0)
        return -1;
    if (len > 0 && s[len - 1] == '=')
        pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
    for (size_t i = 0; i < len - pad; i++)
        if (b64_value(s[i]) < 0)
            return -1;
    if (pad > 0) {
        /* the unused low bits of the last character must be zero */
        last = b64_value(s[len - pad - 1]);
        if ((pad == 1 && (last & 0x3) != 0) || (pad == 2 && (last & 0xf) != 0))
            return -1;
    }
    return (long)(len / 4 * 3 - pad);
}

veche_err veche_b64_len(size_t *n, const json_t *v, const char *what, veche_diag *d)
{
    long got = json_is_string(v) ? b64_canonical_len(json_string_value(v), json_string_length(v))
                                 : -1;
    if (got < 0)
        return veche_diag_set(d, VECHE_EENCODING, "%s: must be canonical base64", what);
    *n = (size_t)got;
    return VECHE_OK;
}

/* Shared by the election and council body checks, so both refuse alike. */
veche_err veche_b64_check(const json_t *v, size_t n, const char *what, veche_diag *d)
{
    size_t len;
    if (veche_b64_len(&len, v, what, NULL) != VECHE_OK || len != n)
        return veche_diag_set(d, VECHE_EENCODING, "%s: must be canonical base64 of %zu bytes",
                              what, n);
    return VECHE_OK;
}

veche_err veche_b64_get(uint8_t *out, size_t n, const json_t *v, const char *what,
                        veche_diag *d)
{
    size_t got = 0;
    veche_err e = veche_b64_check(v, n, what, d);

    if (e != VECHE_OK)
        return e;
    if (sodium_base642bin(out, n, json_string_value(v), json_string_length(v), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != n)
        return veche_diag_set(d, VECHE_EENCODING, "%s: must be canonical base64 of %zu bytes",
                              what, n);
    return VECHE_OK;
}

json_t *veche_b64_json(const uint8_t *in, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    json_t *j;
    if (s == NULL)
        return NULL;
    sodium_bin2base64(s, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
    j = json_string(s);
    free(s);
    return j;
}

/* ---- hashes -------------------------------------------------------------------- */

void veche_election_manifest_hash(uint8_t out[32], const uint8_t *entry, size_t len)
{
    crypto_hash_sha256(out, entry, len);
}

void veche_election_ceremony_id(uint8_t out[32], const uint8_t manifest_hash[32])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)VECHE_CEREMONY_TAG, strlen(VECHE_CEREMONY_TAG));
    crypto_hash_sha256_update(&h, manifest_hash, 32);
    crypto_hash_sha256_final(&h, out);
}

void veche_election_credentials_hash(uint8_t out[32], const uint8_t *const parts[],
                                     const size_t lens[], size_t nparts)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t k = 0; k < nparts; k++)
        crypto_hash_sha256_update(&h, parts[k], lens[k]);
    crypto_hash_sha256_final(&h, out);
}

void veche_election_fingerprint(uint8_t out[32], const uint8_t manifest_hash[32],
                                const uint8_t key[32], const uint8_t credentials_hash[32])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)VECHE_ELECTION_TAG, strlen(VECHE_ELECTION_TAG));
    crypto_hash_sha256_update(&h, manifest_hash, 32);
    crypto_hash_sha256_update(&h, key, 32);
    crypto_hash_sha256_update(&h, credentials_hash, 32);
    crypto_hash_sha256_final(&h, out);
}

/* ---- body shapes ------------------------------------------------------------------ */

typedef enum kind {
    K_ID,           /* the election id */
    K_TRUSTEE,      /* an integer 1..64 */
    K_INT,          /* an integer in [a, b] */
    K_B64,          /* base64 of exactly a bytes */
    K_B64_COMMIT,   /* base64 of 2 + 96·t bytes, 1 <= t <= 64 */
    K_B64_LIST,     /* an array of 0..b base64 strings of a bytes */
    K_B64_MATRIX,   /* 1..32 arrays of 1..65 base64 strings of a bytes */
    K_INDEX_SET,    /* 1..64 strictly increasing integers in 1..64 */
    K_INT_MATRIX    /* 1..32 arrays of 1..65 integers in 0..2^53-1 */
} kind;

typedef struct member {
    const char *name;
    kind        k;
    json_int_t  a, b;
} member;

#define SHAPE_MAX 5
typedef struct shape {
    member m[SHAPE_MAX];
    size_t n;
} shape;

/* Shared by the election and council body checks (election.h). */
veche_err veche_json_array_check(const json_t *v, size_t lo, size_t hi, const char *what,
                                 veche_diag *d)
{
    if (!json_is_array(v))
        return veche_diag_set(d, VECHE_EINVALID, "%s: must be an array", what);
    if (json_array_size(v) < lo || json_array_size(v) > hi)
        return veche_diag_set(d, VECHE_ERANGE, "%s: %zu elements, must be %zu..%zu", what,
                              json_array_size(v), lo, hi);
    return VECHE_OK;
}

static int int_in(const json_t *v, json_int_t lo, json_int_t hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

/* An array of arrays: 1..32 rows of 1..65 cells, each checked by cell(). */
static veche_err check_matrix(const json_t *v, const member *m, const char *path, veche_diag *d)
{
    char p[160];
    veche_err e;

    if ((e = veche_json_array_check(v, 1, VECHE_MAX_CONTESTS, path, d)) != VECHE_OK)
        return e;
    for (size_t c = 0; c < json_array_size(v); c++) {
        const json_t *row = json_array_get(v, c);
        snprintf(p, sizeof p, "%s[%zu]", path, c);
        if ((e = veche_json_array_check(row, 1, MAX_SELECTIONS, p, d)) != VECHE_OK)
            return e;
        for (size_t s = 0; s < json_array_size(row); s++) {
            const json_t *cell = json_array_get(row, s);
            snprintf(p, sizeof p, "%s[%zu][%zu]", path, c, s);
            if (m->k == K_B64_MATRIX && (e = veche_b64_check(cell, (size_t)m->a, p, d)) != VECHE_OK)
                return e;
            if (m->k == K_INT_MATRIX && !int_in(cell, 0, MAX_JSON_INT))
                return veche_diag_set(d, VECHE_ERANGE, "%s: must be an integer >= 0", p);
        }
    }
    return VECHE_OK;
}

static veche_err check_index_set(const json_t *v, const char *path, veche_diag *d)
{
    veche_err e;
    if ((e = veche_json_array_check(v, 1, VECHE_MAX_TRUSTEES, path, d)) != VECHE_OK)
        return e;
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_int_t lo = i == 0 ? 1 : json_integer_value(json_array_get(v, i - 1)) + 1;
        if (!int_in(json_array_get(v, i), lo, VECHE_MAX_TRUSTEES))
            return veche_diag_set(d, VECHE_EINVALID, "%s[%zu]: trustees are listed as integers "
                                  "1..%d in increasing order", path, i, VECHE_MAX_TRUSTEES);
    }
    return VECHE_OK;
}

static veche_err check_member(const json_t *v, const member *m, veche_diag *d)
{
    char path[80];
    size_t n;
    veche_err e;

    snprintf(path, sizeof path, "body.%s", m->name);
    switch (m->k) {
    case K_ID:
        if (!json_is_string(v) || !veche_election_id_valid(json_string_value(v), json_string_length(v)))
            return veche_diag_set(d, VECHE_EINVALID, "%s: the id must be 1..%d characters of "
                                  "a-z, 0-9 and -", path, VECHE_ELECTION_ID_MAX);
        return VECHE_OK;
    case K_TRUSTEE:
        if (!int_in(v, 1, VECHE_MAX_TRUSTEES))
            return veche_diag_set(d, VECHE_ERANGE, "%s: must be an integer in 1..%d", path,
                                  VECHE_MAX_TRUSTEES);
        return VECHE_OK;
    case K_INT:
        if (!int_in(v, m->a, m->b))
            return veche_diag_set(d, VECHE_ERANGE, "%s: must be an integer in %lld..%lld", path,
                                  (long long)m->a, (long long)m->b);
        return VECHE_OK;
    case K_B64:
        return veche_b64_check(v, (size_t)m->a, path, d);
    case K_B64_COMMIT:
        if (veche_b64_len(&n, v, path, NULL) != VECHE_OK || n < 98 || (n - 2) % 96 != 0 ||
            (n - 2) / 96 > VECHE_MAX_TRUSTEES)
            return veche_diag_set(d, VECHE_EENCODING, "%s: must be canonical base64 of 2 + 96·t "
                                  "bytes, 1 <= t <= %d", path, VECHE_MAX_TRUSTEES);
        return VECHE_OK;
    case K_B64_LIST:
        if ((e = veche_json_array_check(v, 0, (size_t)m->b, path, d)) != VECHE_OK)
            return e;
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(path, sizeof path, "body.%s[%zu]", m->name, i);
            if ((e = veche_b64_check(json_array_get(v, i), (size_t)m->a, path, d)) != VECHE_OK)
                return e;
        }
        return VECHE_OK;
    case K_B64_MATRIX:
    case K_INT_MATRIX:
        return check_matrix(v, m, path, d);
    case K_INDEX_SET:
        return check_index_set(v, path, d);
    }
    return veche_diag_set(d, VECHE_EINTERNAL, "%s: unknown kind", path);
}

/* Exactly the members of the shape, each of its kind. */
static veche_err check_shape(const shape *s, const json_t *body, veche_diag *d)
{
    const char *k;
    json_t *v;
    veche_err e;

    json_object_foreach((json_t *)body, k, v) {
        size_t i = 0;
        while (i < s->n && strcmp(k, s->m[i].name) != 0)
            i++;
        if (i == s->n)
            return veche_diag_set(d, VECHE_EINVALID, "body: unknown member \"%.64s\"", k);
    }
    for (size_t i = 0; i < s->n; i++) {
        if ((v = json_object_get(body, s->m[i].name)) == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "body: missing \"%s\"", s->m[i].name);
        if ((e = check_member(v, &s->m[i], d)) != VECHE_OK)
            return e;
    }
    return VECHE_OK;
}

#define ID {"election", K_ID, 0, 0}
#define TRUSTEE {"trustee", K_TRUSTEE, 0, 0}

static const shape shape_tkey = {{ID, TRUSTEE, {"key", K_B64, VECHE_DKG_KEY_BYTES, 0}}, 3};
static const shape shape_tcommit = {{ID, TRUSTEE, {"hash", K_B64, VECHE_DKG_HASH_BYTES, 0}}, 3};
static const shape shape_tcommitments = {{ID, TRUSTEE, {"commitments", K_B64_COMMIT, 0, 0}}, 3};
static const shape shape_tshares = {
    {ID, TRUSTEE, {"shares", K_B64_LIST, VECHE_DKG_SHARE_BYTES, VECHE_MAX_TRUSTEES - 1}}, 3};
static const shape shape_tcomplaint = {
    {ID, TRUSTEE, {"complaint", K_B64, VECHE_DKG_COMPLAINT_BYTES, 0}}, 3};
static const shape shape_tdecryption = {
    {ID, TRUSTEE, {"shares", K_B64_MATRIX, VECHE_DSHARE_BYTES, 0}}, 3};
static const shape shape_key = {{ID, {"qualified", K_INDEX_SET, 0, 0}, {"key", K_B64, 32, 0}}, 3};
static const shape shape_open = {{ID, {"fingerprint", K_B64, 32, 0}}, 2};
static const shape shape_close = {{ID}, 1};
static const shape shape_tally = {
    {ID, {"ballots", K_INT, 0, MAX_JSON_INT}, {"weight", K_INT, 0, VECHE_MAX_TOTAL_WEIGHT},
     {"tally", K_B64_MATRIX, VECHE_CIPHERTEXT_BYTES, 0}}, 4};
static const shape shape_result = {
    {ID, {"trustees", K_INDEX_SET, 0, 0}, {"counts", K_INT_MATRIX, 0, 0}}, 3};

#define SHAPE_CHECK(fn, s) \
    static veche_err fn(const json_t *body, veche_diag *d) { return check_shape(&s, body, d); }
SHAPE_CHECK(check_tkey, shape_tkey)
SHAPE_CHECK(check_tcommit, shape_tcommit)
SHAPE_CHECK(check_tcommitments, shape_tcommitments)
SHAPE_CHECK(check_tshares, shape_tshares)
SHAPE_CHECK(check_tcomplaint, shape_tcomplaint)
SHAPE_CHECK(check_tdecryption, shape_tdecryption)
SHAPE_CHECK(check_key, shape_key)
SHAPE_CHECK(check_open, shape_open)
SHAPE_CHECK(check_close, shape_close)
SHAPE_CHECK(check_tally, shape_tally)
SHAPE_CHECK(check_result, shape_result)

/* The whole manifest is validated: a bad one never reaches the record. */
static veche_err check_manifest(const json_t *body, veche_diag *d)
{
    veche_manifest *m = malloc(sizeof *m);
    veche_err e;
    if (m == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    e = veche_manifest_parse(m, (json_t *)body, d);
    if (e == VECHE_OK)
        veche_manifest_free(m);
    free(m);
    return e;
}

/* ballot.h checks the ballot's own shape; the id's format is checked here as for every type. */
static veche_err check_ballot(const json_t *body, veche_diag *d)
{
    static const member id = ID;
    const json_t *v = json_object_get(body, "election");
    veche_err e;
    if (v != NULL && (e = check_member(v, &id, d)) != VECHE_OK)
        return e;
    return veche_ballot_check_body(body, d);
}

static const veche_entry_type election_types[] = {
    {VECHE_ETYPE_MANIFEST,    1, check_manifest},
    {VECHE_TTYPE_KEY,         1, check_tkey},
    {VECHE_TTYPE_COMMIT,      1, check_tcommit},
    {VECHE_TTYPE_COMMITMENTS, 1, check_tcommitments},
    {VECHE_TTYPE_SHARES,      1, check_tshares},
    {VECHE_TTYPE_COMPLAINT,   1, check_tcomplaint},
    {VECHE_ETYPE_KEY,         1, check_key},
    {VECHE_ETYPE_CREDENTIALS, 1, veche_credentials_check_body},
    {VECHE_ETYPE_OPEN,        1, check_open},
    {VECHE_ETYPE_BALLOT,      0, check_ballot},
    {VECHE_ETYPE_CLOSE,       1, check_close},
    {VECHE_ETYPE_TALLY,       1, check_tally},
    {VECHE_TTYPE_DECRYPTION,  1, check_tdecryption},
    {VECHE_ETYPE_RESULT,      1, check_result},
};
#define N_TYPES (sizeof election_types / sizeof election_types[0])

veche_err veche_election_register_types(void)
{
    return veche_entry_types_register(election_types, N_TYPES);
}

/* ---- the loader: keeping entries --------------------------------------------------- */

static void entry_clear(veche_election_entry *it)
{
    json_decref(it->json);
    free(it->bytes);
    memset(it, 0, sizeof *it);
}

static void list_free(veche_election_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        entry_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Moves the decoded entry e (its json) into `it`, with a copy of its bytes. */
static veche_err entry_keep(veche_election_entry *it, veche_entry *e, uint64_t index,
                            const uint8_t *bytes, size_t len)
{
    memset(it, 0, sizeof *it);
    if ((it->bytes = malloc(len ? len : 1)) == NULL)
        return VECHE_ENOMEM;
    memcpy(it->bytes, bytes, len);
    it->len = len;
    it->index = index;
    it->json = e->json;
    it->type = e->type;
    it->body = e->body;
    it->is_signed = e->is_signed;
    if (e->is_signed)
        memcpy(it->author, e->author, 32);
    memset(e, 0, sizeof *e);
    return VECHE_OK;
}

static veche_err list_push(veche_election_list *l, veche_entry *e, uint64_t index,
                           const uint8_t *bytes, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        veche_election_entry *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return VECHE_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (entry_keep(&l->v[l->n], e, index, bytes, len) != VECHE_OK)
        return VECHE_ENOMEM;
    l->n++;
    return VECHE_OK;
}

static veche_err ballot_push(veche_election *el, uint64_t index, size_t *cap)
{
    if (el->nballots == *cap) {
        size_t ncap = *cap ? 2 * *cap : 64;
        uint64_t *v = realloc(el->ballots, ncap * sizeof *v);
        if (v == NULL)
            return VECHE_ENOMEM;
        el->ballots = v;
        *cap = ncap;
    }
    el->ballots[el->nballots++] = index;
    return VECHE_OK;
}

/* The list an entry type goes to; NULL for the manifest and ballots. */
static veche_election_list *list_for(veche_election *el, const char *type)
{
    if (strcmp(type, VECHE_TTYPE_DECRYPTION) == 0) return &el->decryptions;
    if (strncmp(type, "trustee.", 8) == 0)        return &el->trustee;
    if (strcmp(type, VECHE_ETYPE_KEY) == 0)         return &el->keys;
    if (strcmp(type, VECHE_ETYPE_CREDENTIALS) == 0) return &el->credentials;
    if (strcmp(type, VECHE_ETYPE_OPEN) == 0)        return &el->opens;
    if (strcmp(type, VECHE_ETYPE_CLOSE) == 0)       return &el->closes;
    if (strcmp(type, VECHE_ETYPE_TALLY) == 0)       return &el->tallies;
    if (strcmp(type, VECHE_ETYPE_RESULT) == 0)      return &el->results;
    return NULL;
}

static int is_election_type(const char *type)
{
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(type, election_types[i].name) == 0)
            return 1;
    return 0;
}

/* ---- the loader: the scan ------------------------------------------------------------ */

/* One entry of a batch: a copy of its bytes, then its decoded form. */
typedef struct slot {
    uint64_t    index;
    uint8_t    *bytes;
    size_t      len;
    veche_entry e;
    veche_err   err;
    veche_diag  why;
} slot;

#define BATCH_ENTRIES  4096
#define BATCH_BYTES    ((size_t)64 << 20)   /* entries are up to 1 MiB: bound the copies */
#define MAX_THREADS    16
#define MIN_PER_THREAD 64

typedef struct load_state {
    veche_election *el;
    veche_ballot_cb cb;
    void           *arg;
    veche_diag     *d;              /* = &why: the caller's may be NULL */
    veche_diag      why;
    int             found;          /* the manifest has been seen */
    size_t          ballot_cap;
    slot           *batch;          /* BATCH_ENTRIES slots */
    size_t          nbatch, batch_bytes;
} load_state;

static veche_err take_manifest(load_state *st, veche_entry *e, uint64_t index,
                               const uint8_t *bytes, size_t len)
{
    veche_election *el = st->el;
    veche_diag why = {{0}};
    veche_err err;

    if (st->found) {
        if (el->second_manifest == VECHE_ELECTION_NO_INDEX)
            el->second_manifest = index;
        return VECHE_OK;
    }
    if ((err = veche_manifest_parse(&el->manifest, e->body, &why)) != VECHE_OK)
        return veche_diag_set(st->d, err, "entry %llu: %s", (unsigned long long)index, why.msg);
    if (entry_keep(&el->manifest_entry, e, index, bytes, len) != VECHE_OK)
        return veche_diag_set(st->d, VECHE_ENOMEM, "out of memory");
    memcpy(el->admin, el->manifest_entry.author, 32);
    veche_election_manifest_hash(el->manifest_hash, bytes, len);
    veche_election_ceremony_id(el->ceremony_id, el->manifest_hash);
    st->found = 1;
    return VECHE_OK;
}

static veche_err take(load_state *st, veche_entry *e, uint64_t index, const uint8_t *bytes,
                      size_t len)
{
    veche_election *el = st->el;
    veche_election_list *l;
    veche_err err;

    if (strcmp(e->type, VECHE_ETYPE_MANIFEST) == 0)
        return take_manifest(st, e, index, bytes, len);
    if (!st->found) {
        if (el->nstray++ == 0)
            el->first_stray = index;
        return VECHE_OK;
    }
    if (strcmp(e->type, VECHE_ETYPE_BALLOT) == 0) {
        if (ballot_push(el, index, &st->ballot_cap) != VECHE_OK)
            return veche_diag_set(st->d, VECHE_ENOMEM, "out of memory");
        if (st->cb != NULL && (err = st->cb(st->arg, index, bytes, len, e)) != VECHE_OK)
            return veche_diag_set(st->d, err, "entry %llu: the ballot callback stopped the load",
                                  (unsigned long long)index);
        return VECHE_OK;
    }
    if ((l = list_for(el, e->type)) == NULL)
        return VECHE_OK;
    if (list_push(l, e, index, bytes, len) != VECHE_OK)
        return veche_diag_set(st->d, VECHE_ENOMEM, "out of memory");
    return VECHE_OK;
}

/* A decoded entry, in index order: the first that failed to decode stops the load. */
static veche_err process(load_state *st, slot *sl)
{
    const char *id;
    veche_err err = VECHE_OK;

    if (sl->err != VECHE_OK)
        return veche_diag_set(st->d, sl->err, "entry %llu: %s", (unsigned long long)sl->index,
                              sl->why.msg);
    id = json_string_value(json_object_get(sl->e.body, "election"));
    if (is_election_type(sl->e.type) && id != NULL && strcmp(id, st->el->id) == 0)
        err = take(st, &sl->e, sl->index, sl->bytes, sl->len);
    return err;
}

typedef struct decode_job {
    slot  *batch;
    size_t from, to;
} decode_job;

static void *decode_range(void *arg)
{
    decode_job *j = arg;
    for (size_t i = j->from; i < j->to; i++)
        j->batch[i].err = veche_entry_decode(&j->batch[i].e, j->batch[i].bytes, j->batch[i].len,
                                             &j->batch[i].why);
    return NULL;
}

/* Decodes the batch on up to MAX_THREADS cores; a thread that cannot start runs here. */
static void decode_batch(slot *batch, size_t n)
{
    decode_job jobs[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = cores > 1 ? (size_t)cores : 1;

    if (k > MAX_THREADS)
        k = MAX_THREADS;
    if (k > n / MIN_PER_THREAD)
        k = n / MIN_PER_THREAD > 0 ? n / MIN_PER_THREAD : 1;
    for (size_t t = 0; t < k; t++) {
        jobs[t] = (decode_job){batch, n * t / k, n * (t + 1) / k};
        started[t] = t > 0 && pthread_create(&tid[t], NULL, decode_range, &jobs[t]) == 0;
        if (!started[t])
            decode_range(&jobs[t]);
    }
    for (size_t t = 1; t < k; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
}

/* Decodes and takes the batch in index order, then empties it (whatever happened). */
static veche_err flush(load_state *st)
{
    veche_err err = VECHE_OK;

    decode_batch(st->batch, st->nbatch);
    for (size_t i = 0; i < st->nbatch; i++) {
        if (err == VECHE_OK)
            err = process(st, &st->batch[i]);
        veche_entry_free(&st->batch[i].e);   /* a kept entry's json has moved out */
        free(st->batch[i].bytes);
    }
    st->nbatch = st->batch_bytes = 0;
    return err;
}

static veche_err on_entry(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                          const veche_hash leaf)
{
    load_state *st = arg;
    slot *sl = &st->batch[st->nbatch];

    (void)leaf;
    memset(sl, 0, sizeof *sl);
    if ((sl->bytes = malloc(len ? len : 1)) == NULL)
        return veche_diag_set(st->d, VECHE_ENOMEM, "out of memory");
    memcpy(sl->bytes, bytes, len);
    sl->len = len;
    sl->index = index;
    st->nbatch++;
    st->batch_bytes += len;
    if (st->nbatch == BATCH_ENTRIES || st->batch_bytes >= BATCH_BYTES)
        return flush(st);
    return VECHE_OK;
}

/* ---- the loader: what the entries say ---------------------------------------------- */

static int by_admin(const veche_election *el, const veche_election_entry *it)
{
    return it->is_signed && memcmp(it->author, el->admin, 32) == 0;
}

static void derive_key(veche_election *el)
{
    veche_point K;
    for (size_t i = 0; i < el->keys.n; i++) {
        const veche_election_entry *it = &el->keys.v[i];
        if (!by_admin(el, it))
            continue;
        el->key_index = it->index;
        el->has_key = veche_b64_get(el->K, 32, json_object_get(it->body, "key"), "key", NULL) ==
                          VECHE_OK &&
                      veche_point_decode(&K, el->K, VECHE_NO_IDENTITY) == VECHE_OK;
        if (!el->has_key)
            memset(el->K, 0, 32);
        return;
    }
}

/* Parses the complete list from the parts, in part order. */
static veche_err assemble_credentials(veche_election *el, veche_election_entry **part)
{
    size_t np = (size_t)el->nparts;
    const json_t **bodies = malloc(np * sizeof *bodies);
    const uint8_t **bytes = malloc(np * sizeof *bytes);
    size_t *lens = malloc(np * sizeof *lens);
    veche_err e = VECHE_ENOMEM;

    if (bodies != NULL && bytes != NULL && lens != NULL) {
        for (size_t k = 0; k < np; k++) {
            bodies[k] = part[k]->body;
            bytes[k] = part[k]->bytes;
            lens[k] = part[k]->len;
        }
        e = veche_credentials_parse(&el->creds, (const json_t *const *)bodies, np,
                                    &el->cred_problem);
        if (e == VECHE_OK) {
            veche_election_credentials_hash(el->credentials_hash, bytes, lens, np);
            el->cred_state = VECHE_CRED_COMPLETE;
        } else if (e != VECHE_ENOMEM) {
            el->cred_state = VECHE_CRED_INVALID;
        }
    }
    free(bodies);
    free(bytes);
    free(lens);
    return e == VECHE_ENOMEM ? e : VECHE_OK;
}

static veche_err derive_credentials(veche_election *el)
{
    veche_election_entry **part = NULL;
    size_t have = 0;
    veche_err e = VECHE_OK;

    for (size_t i = 0; i < el->credentials.n && el->cred_state != VECHE_CRED_INVALID; i++) {
        veche_election_entry *it = &el->credentials.v[i];
        uint64_t k = (uint64_t)json_integer_value(json_object_get(it->body, "part"));
        uint64_t n = (uint64_t)json_integer_value(json_object_get(it->body, "parts"));
        if (!it->is_signed || memcmp(it->author, el->manifest.authority_key, 32) != 0)
            continue;   /* not the credential authority's: never used */
        if (part == NULL) {
            el->nparts = n;
            if ((part = calloc((size_t)n, sizeof *part)) == NULL)
                return VECHE_ENOMEM;
        }
        if (n != el->nparts) {
            el->cred_state = VECHE_CRED_INVALID;
            veche_diag_set(&el->cred_problem, VECHE_EINVALID, "entry %llu: says %llu parts, "
                           "an earlier part said %llu", (unsigned long long)it->index,
                           (unsigned long long)n, (unsigned long long)el->nparts);
        } else if (part[k] != NULL) {
            el->cred_state = VECHE_CRED_INVALID;
            veche_diag_set(&el->cred_problem, VECHE_EINVALID, "entry %llu: part %llu again "
                           "(first at entry %llu)", (unsigned long long)it->index,
                           (unsigned long long)k, (unsigned long long)part[k]->index);
        } else {
            part[k] = it;
            have++;
            el->cred_last_index = it->index;
        }
    }
    if (part != NULL && el->cred_state != VECHE_CRED_INVALID) {
        el->cred_state = have == el->nparts ? VECHE_CRED_COMPLETE : VECHE_CRED_INCOMPLETE;
        if (el->cred_state == VECHE_CRED_COMPLETE)
            e = assemble_credentials(el, part);
    }
    free(part);
    return e;
}

static uint64_t first_by_admin(const veche_election *el, const veche_election_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (by_admin(el, &l->v[i]))
            return l->v[i].index;
    return VECHE_ELECTION_NO_INDEX;
}

static veche_err derive(veche_election *el, veche_diag *d)
{
    derive_key(el);
    if (derive_credentials(el) != VECHE_OK)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if (el->has_key && el->cred_state == VECHE_CRED_COMPLETE) {
        veche_election_fingerprint(el->fingerprint, el->manifest_hash, el->K, el->credentials_hash);
        el->has_fingerprint = 1;
    }
    el->open_index = first_by_admin(el, &el->opens);
    el->close_index = first_by_admin(el, &el->closes);
    return VECHE_OK;
}

/* ---- the loader: entry points ------------------------------------------------------- */

static veche_err load_begin(veche_election **out, load_state *st, const char *id,
                            veche_ballot_cb cb, void *arg, veche_diag *d)
{
    veche_election *el;

    *out = NULL;
    memset(st, 0, sizeof *st);
    if (id == NULL || !veche_election_id_valid(id, strnlen(id, VECHE_ELECTION_ID_MAX + 1)))
        return veche_diag_set(d, VECHE_EINVALID, "\"%.80s\" is not an election id (1..%d of "
                              "a-z, 0-9 and -)", id ? id : "", VECHE_ELECTION_ID_MAX);
    if ((el = calloc(1, sizeof *el)) == NULL ||
        (st->batch = malloc(BATCH_ENTRIES * sizeof *st->batch)) == NULL) {
        free(el);
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    }
    strcpy(el->id, id);
    el->second_manifest = el->first_stray = VECHE_ELECTION_NO_INDEX;
    el->key_index = el->cred_last_index = VECHE_ELECTION_NO_INDEX;
    el->open_index = el->close_index = VECHE_ELECTION_NO_INDEX;
    st->el = el;
    st->cb = cb;
    st->arg = arg;
    st->d = &st->why;
    return VECHE_OK;
}

static veche_err load_end(veche_election **out, load_state *st, veche_err scan, veche_diag *d)
{
    veche_election *el = st->el;

    /* the last, partial batch; after a failure, only to free it */
    veche_err rest = flush(st);
    if (scan == VECHE_OK)
        scan = rest;
    free(st->batch);
    if (scan == VECHE_OK && !st->found)
        scan = veche_diag_set(&st->why, VECHE_ENOTFOUND, "no election \"%s\" on the record",
                              el->id);
    if (scan == VECHE_OK)
        scan = derive(el, &st->why);
    if (scan != VECHE_OK) {
        if (st->why.msg[0] == 0)
            veche_diag_set(&st->why, scan, "%s", veche_strerror(scan));
        veche_diag_set(d, scan, "%s", st->why.msg);
        veche_election_free(el);
        return scan;
    }
    *out = el;
    return VECHE_OK;
}

veche_err veche_election_load(veche_election **out, veche_board *b, const char *id,
                              veche_ballot_cb cb, void *arg, veche_diag *d)
{
    load_state st;
    veche_store *s = veche_board_store(b);
    uint64_t size;
    veche_err e;

    if ((e = load_begin(out, &st, id, cb, arg, d)) != VECHE_OK)
        return e;
    if ((e = veche_store_size(s, &size)) != VECHE_OK)
        e = veche_diag_set(&st.why, e, "the store: %s", veche_store_errmsg(s));
    else if ((e = s->ops->range(s, 0, size, on_entry, &st)) != VECHE_OK && st.why.msg[0] == 0)
        e = veche_diag_set(&st.why, e, "the store: %s", veche_store_errmsg(s));
    return load_end(out, &st, e, d);
}

veche_err veche_election_load_export(veche_election **out, const char *dir, const char *id,
                                     veche_ballot_cb cb, void *arg, veche_diag *d)
{
    load_state st;
    veche_err e;

    if ((e = load_begin(out, &st, id, cb, arg, d)) != VECHE_OK)
        return e;
    e = veche_export_entries(dir, on_entry, &st, &st.why);
    return load_end(out, &st, e, d);
}

void veche_election_free(veche_election *el)
{
    if (el == NULL)
        return;
    veche_manifest_free(&el->manifest);
    entry_clear(&el->manifest_entry);
    list_free(&el->trustee);
    list_free(&el->keys);
    list_free(&el->credentials);
    list_free(&el->opens);
    list_free(&el->closes);
    list_free(&el->tallies);
    list_free(&el->results);
    list_free(&el->decryptions);
    free(el->ballots);
    veche_credentials_free(&el->creds);
    free(el);
}
