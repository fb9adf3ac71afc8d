/*
 * state.c — the server's state: its board and keys, a cache of each
 * election's public facts, and an index of every ballot.
 *
 * The keys live beside the database in DB.keys/ (mode 0700; each file 0600,
 * keyfile.h's format): board.key, admin.key, authority.key and password
 * (one crypto_pwhash_str line). They are made on the first run, with a
 * fresh administrator password that is returned once and never stored.
 *
 * Elections: one slot per election.manifest, in board order; each holds a
 * load of the election without ballot bytes (veche_election_load, cb NULL),
 * swapped for a new one whenever a non-ballot entry of the election is
 * appended. Readers take a reference (srv_election_acquire) so a swap never
 * frees what a request is reading.
 *
 * Ballots: for every election.ballot, its index and credential, per
 * election in index order, and a map from tracking code (leaf hash) to it.
 * Fates follow tally.h's rules without cryptography (every ballot the
 * server appends was verified first): early, late, unlisted, superseded,
 * counted. The count of distinct credentials with a ballot in the window
 * ("voted") is the size of a map credential -> its last such ballot.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "election/tally.h"
#include "server/internal.h"

/* ---- the map ------------------------------------------------------------------------ */

int srv_map_init(srv_map *m)
{
    memset(m, 0, sizeof *m);
    randombytes_buf(m->sipkey, sizeof m->sipkey);
    m->cap = 64;
    m->keys = malloc(m->cap * sizeof *m->keys);
    m->vals = malloc(m->cap * sizeof *m->vals);
    m->used = calloc(m->cap, 1);
    if (m->keys == NULL || m->vals == NULL || m->used == NULL) {
        srv_map_free(m);
        return -1;
    }
    return 0;
}

void srv_map_free(srv_map *m)
{
    free(m->keys);
    free(m->vals);
    free(m->used);
    memset(m, 0, sizeof *m);
}

static size_t map_slot(const srv_map *m, const uint8_t key[32])
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t v;
    crypto_shorthash(h, key, 32, m->sipkey);
    memcpy(&v, h, sizeof v);
    return (size_t)(v & (m->cap - 1));
}

int srv_map_get(const srv_map *m, const uint8_t key[32], uint64_t *val)
{
    if (m->cap == 0)
        return 0;
    for (size_t i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (!m->used[i])
            return 0;
        if (memcmp(m->keys[i], key, 32) == 0) {
            *val = m->vals[i];
            return 1;
        }
    }
}

/* Doubles the table (load factor stays at most 1/2). */
static int map_grow(srv_map *m)
{
    srv_map n = *m;
    n.cap = m->cap * 2;
    n.n = 0;
    n.keys = malloc(n.cap * sizeof *n.keys);
    n.vals = malloc(n.cap * sizeof *n.vals);
    n.used = calloc(n.cap, 1);
    if (n.keys == NULL || n.vals == NULL || n.used == NULL) {
        free(n.keys);
        free(n.vals);
        free(n.used);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->used[i])
            srv_map_put(&n, m->keys[i], m->vals[i]);
    free(m->keys);
    free(m->vals);
    free(m->used);
    *m = n;
    return 0;
}

int srv_map_put(srv_map *m, const uint8_t key[32], uint64_t val)
{
    if (m->cap == 0 || 2 * (m->n + 1) > m->cap) {
        if (m->cap == 0 && srv_map_init(m) != 0)
            return -1;
        if (2 * (m->n + 1) > m->cap && map_grow(m) != 0)
            return -1;
    }
    for (size_t i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (!m->used[i]) {
            m->used[i] = 1;
            memcpy(m->keys[i], key, 32);
            m->vals[i] = val;
            m->n++;
            return 1;
        }
        if (memcmp(m->keys[i], key, 32) == 0) {
            m->vals[i] = val;
            return 0;
        }
    }
}

/* ---- the ballot index ------------------------------------------------------------------- */

/* The ballots of one election (parallel to st->elections). */
typedef struct bset {
    srv_ballot_rec *v;
    size_t          n, cap;
    srv_map         last;     /* credential -> position of its last ballot in the window */
} bset;

/*
 * The record's Merkle tree in memory: every complete subtree's hash, by
 * level (merkle.h's node(level, index)), and the latest checkpoint. Every
 * cast is answered with a receipt; computing its inclusion proof from
 * here, instead of ~log2(size) queries of the store under board_lock, keeps
 * the readers out of the writer's way. 64 bytes an entry.
 */
#define TREE_LEVELS 64

typedef struct tree {
    pthread_rwlock_t lock;
    veche_hash      *level[TREE_LEVELS];
    size_t           n[TREE_LEVELS], cap[TREE_LEVELS];
    char            *checkpoint;   /* the latest signed checkpoint (cosignatures included) */
    uint64_t         cp_size;
    int              broken;       /* out of memory once: the board answers instead */
} tree;

typedef struct srv_index {
    srv_map tracking;         /* leaf hash -> (slot << 32) | position */
    bset   *sets;
    size_t  cap;              /* of sets and of st->elections */
    tree    t;
} srv_index;

#define IDX(st) ((srv_index *)(st)->tracking)

/* ---- the tree ---------------------------------------------------------------------------- */

static int tree_push(tree *t, unsigned l, const veche_hash h)
{
    if (t->n[l] == t->cap[l]) {
        size_t cap = t->cap[l] ? 2 * t->cap[l] : 1024;
        veche_hash *v = realloc(t->level[l], cap * sizeof *v);
        if (v == NULL)
            return -1;
        t->level[l] = v;
        t->cap[l] = cap;
    }
    memcpy(t->level[l][t->n[l]++], h, sizeof(veche_hash));
    return 0;
}

/* Appends leaf number t->n[0] and the subtrees it completes (under the write lock). */
static void tree_add(tree *t, const uint8_t leaf[32])
{
    uint64_t i = t->n[0];
    unsigned c = veche_merkle_completed(i);
    if (t->broken || tree_push(t, 0, leaf) != 0) {
        t->broken = 1;
        return;
    }
    for (unsigned l = 1; l < c && l < TREE_LEVELS; l++) {
        uint64_t k = i >> l;
        veche_hash h;
        veche_merkle_node_hash(h, t->level[l - 1][2 * k], t->level[l - 1][2 * k + 1]);
        if (tree_push(t, l, h) != 0) {
            t->broken = 1;
            return;
        }
    }
}

static veche_err tree_node(void *arg, unsigned level, uint64_t index, veche_hash out)
{
    const tree *t = arg;
    if (level >= TREE_LEVELS || index >= t->n[level])
        return VECHE_ENOTFOUND;
    memcpy(out, t->level[level][index], sizeof(veche_hash));
    return VECHE_OK;
}

static void tree_free(tree *t)
{
    for (unsigned l = 0; l < TREE_LEVELS; l++)
        free(t->level[l]);
    free(t->checkpoint);
    pthread_rwlock_destroy(&t->lock);
}

void srv_tree_checkpoint(srv_state *st, const char *note, uint64_t size)
{
    tree *t = &IDX(st)->t;
    char *copy = strdup(note);
    pthread_rwlock_wrlock(&t->lock);
    free(t->checkpoint);
    t->checkpoint = copy;
    t->cp_size = copy ? size : 0;
    pthread_rwlock_unlock(&t->lock);
}

/* The receipt from memory; NULL if the tree cannot give it (the caller asks the board). */
static char *tree_receipt(srv_state *st, uint64_t index, const uint8_t *entry, size_t len)
{
    tree *t = &IDX(st)->t;
    veche_receipt r;
    char *out = NULL;
    veche_err e = VECHE_EINVALID;

    memset(&r, 0, sizeof r);
    pthread_rwlock_rdlock(&t->lock);
    if (!t->broken && t->checkpoint != NULL && index < t->cp_size && t->cp_size <= t->n[0] &&
        (r.checkpoint = strdup(t->checkpoint)) != NULL)
        e = veche_merkle_inclusion_proof(r.proof, &r.proof_len, index, t->cp_size, tree_node, t);
    pthread_rwlock_unlock(&t->lock);
    if (e == VECHE_OK && (r.extra = malloc(len ? len : 1)) != NULL) {
        memcpy(r.extra, entry, len);
        r.extra_len = len;
        r.index = index;
        r.checkpoint_len = strlen(r.checkpoint);
        if (veche_receipt_format(&out, &r) != VECHE_OK)
            out = NULL;
    }
    veche_receipt_free(&r);
    return out;
}

char *srv_receipt(srv_state *st, uint64_t index, const uint8_t *entry, size_t len,
                  veche_diag *d)
{
    char *receipt = tree_receipt(st, index, entry, len), *note = NULL;
    if (receipt != NULL)
        return receipt;
    pthread_mutex_lock(&st->board_lock);
    if (veche_board_receipt(st->board, index, &receipt, d) != VECHE_OK &&
        veche_board_checkpoint(st->board, &note, d) == VECHE_OK)
        veche_board_receipt(st->board, index, &receipt, d);
    pthread_mutex_unlock(&st->board_lock);
    free(note);
    return receipt;
}

/* 1 iff the ballot (index, cred) is inside el's window with a listed credential. */
static int in_window(const veche_election *el, uint64_t index, const uint8_t cred[32])
{
    if (el->open_index == VECHE_ELECTION_NO_INDEX || index <= el->open_index)
        return 0;
    if (el->close_index != VECHE_ELECTION_NO_INDEX && index > el->close_index)
        return 0;
    return el->cred_state == VECHE_CRED_COMPLETE && veche_credentials_find(&el->creds, cred);
}

/* Recomputes a set's "last ballot in the window" map from the ballots and el;
 * -1 out of memory (the map is then incomplete: "superseded" may be missed). */
static int bset_rewindow(bset *s, const veche_election *el)
{
    int rc = 0;
    srv_map_free(&s->last);
    for (size_t p = 0; p < s->n; p++)
        if (el != NULL && in_window(el, s->v[p].index, s->v[p].cred) &&
            srv_map_put(&s->last, s->v[p].cred, p) < 0)
            rc = -1;
    return rc;
}

/* Adds a ballot to slot k (under st->lock). */
static int index_add(srv_state *st, size_t k, uint64_t index, const uint8_t cred[32],
                     const uint8_t leaf[32])
{
    srv_index *ix = IDX(st);
    bset *s = &ix->sets[k];
    uint64_t old;
    int rc = 0;

    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        srv_ballot_rec *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].index = index;
    memcpy(s->v[s->n].cred, cred, 32);
    memcpy(s->v[s->n].leaf, leaf, 32);
    /* The same bytes twice on a record: the code names the first. */
    if (!srv_map_get(&ix->tracking, leaf, &old) &&
        srv_map_put(&ix->tracking, leaf, ((uint64_t)k << 32) | s->n) < 0)
        return -1;
    st->elections[k].nballots++;
    /* The ballot is indexed either way (the tracking map already names slot s->n);
       a failure here is reported so it is not silently lost. */
    if (st->elections[k].cur != NULL && in_window(st->elections[k].cur->el, index, cred) &&
        srv_map_put(&s->last, cred, s->n) < 0)
        rc = -1;
    s->n++;
    return rc;
}

/* The slot of election id, or -1 (under st->lock). */
static long slot_find(const srv_state *st, const char *id)
{
    for (size_t i = 0; i < st->nelections; i++)
        if (strcmp(st->elections[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* Adds an empty slot for id (under st->lock); its index, or -1. */
static long slot_add(srv_state *st, const char *id)
{
    srv_index *ix = IDX(st);
    if (st->nelections == ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 8;
        srv_election_slot *e = realloc(st->elections, cap * sizeof *e);
        if (e == NULL)
            return -1;
        st->elections = e;
        bset *s = realloc(ix->sets, cap * sizeof *s);
        if (s == NULL)
            return -1;
        ix->sets = s;
        ix->cap = cap;
    }
    srv_election_slot *slot = &st->elections[st->nelections];
    memset(slot, 0, sizeof *slot);
    snprintf(slot->id, sizeof slot->id, "%s", id);
    memset(&ix->sets[st->nelections], 0, sizeof ix->sets[0]);
    return (long)st->nelections++;
}

static const char *fate_of(const srv_state *st, size_t k, size_t p)
{
    const bset *s = &IDX(st)->sets[k];
    const srv_election *h = st->elections[k].cur;
    const veche_election *el = h ? h->el : NULL;
    uint64_t index = s->v[p].index, last;

    if (el == NULL || el->open_index == VECHE_ELECTION_NO_INDEX || index <= el->open_index)
        return "early";
    if (el->close_index != VECHE_ELECTION_NO_INDEX && index > el->close_index)
        return "late";
    if (el->cred_state != VECHE_CRED_COMPLETE || !veche_credentials_find(&el->creds, s->v[p].cred))
        return "unlisted";
    if (srv_map_get(&s->last, s->v[p].cred, &last) && last != p)
        return "superseded";
    return "counted";
}

int srv_ballot_lookup(srv_state *st, const uint8_t leaf[32], srv_ballot_info *out)
{
    uint64_t v;
    int found = 0;

    pthread_mutex_lock(&st->lock);
    if (srv_map_get(&IDX(st)->tracking, leaf, &v)) {
        size_t k = (size_t)(v >> 32), p = (size_t)(v & 0xffffffffu);
        out->index = IDX(st)->sets[k].v[p].index;
        snprintf(out->election, sizeof out->election, "%s", st->elections[k].id);
        out->fate = fate_of(st, k, p);
        found = 1;
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

int srv_ballots_each(srv_state *st, const char *id,
                     void (*cb)(void *arg, const srv_ballot_rec *b, const char *fate),
                     void *arg)
{
    long k;
    pthread_mutex_lock(&st->lock);
    if ((k = slot_find(st, id)) >= 0) {
        const bset *s = &IDX(st)->sets[k];
        for (size_t p = 0; p < s->n; p++)
            cb(arg, &s->v[p], fate_of(st, (size_t)k, p));
    }
    pthread_mutex_unlock(&st->lock);
    return k >= 0 ? 0 : -1;
}

int64_t srv_tracking_find(srv_state *st, const char *code)
{
    uint8_t leaf[32];
    size_t got;
    uint64_t v;
    int64_t index = -1;

    if (code == NULL || strlen(code) != VECHE_TRACKING_CODE_CHARS ||
        sodium_base642bin(leaf, sizeof leaf, code, strlen(code), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32)
        return -1;
    pthread_mutex_lock(&st->lock);
    if (srv_map_get(&IDX(st)->tracking, leaf, &v))
        index = (int64_t)IDX(st)->sets[v >> 32].v[v & 0xffffffffu].index;
    pthread_mutex_unlock(&st->lock);
    return index;
}

/* ---- the election cache ------------------------------------------------------------------- */

static void election_free(srv_election *h)
{
    srv_election_x *x = (srv_election_x *)h;
    if (x == NULL)
        return;
    if (x->has_K)
        veche_pubkey_free(&x->K);
    veche_election_free(x->h.el);
    free(x);
}

/* Loads election id (the caller holds board_lock, or is alone). */
static srv_election *election_load(srv_state *st, const char *id, veche_diag *d)
{
    srv_election_x *x = calloc(1, sizeof *x);
    if (x == NULL) {
        veche_diag_set(d, VECHE_ENOMEM, "out of memory");
        return NULL;
    }
    if (veche_election_load(&x->h.el, st->board, id, NULL, NULL, d) != VECHE_OK) {
        free(x);
        return NULL;
    }
    x->h.refs = 1;   /* the slot's */
    if (x->h.el->has_key && veche_pubkey_decode(&x->K, x->h.el->K) == VECHE_OK)
        x->has_K = 1;
    return &x->h;
}

/* Drops one reference (under st->lock); returns what to free after unlocking. */
static srv_election *election_unref(srv_election *h)
{
    if (h == NULL || --h->refs > 0)
        return NULL;
    return h;
}

/* Installs a new load in slot k (under st->lock); returns the old one to free. */
static srv_election *slot_swap(srv_state *st, size_t k, srv_election *h)
{
    srv_election *old = st->elections[k].cur;
    st->elections[k].cur = h;
    if (bset_rewindow(&IDX(st)->sets[k], h ? h->el : NULL) != 0)
        fprintf(stderr, "veche serve: out of memory indexing the ballots of %s: superseded "
                "ballots may show as counted until the next reload\n", st->elections[k].id);
    if (old == NULL)
        return NULL;
    old->replaced = 1;
    return election_unref(old);
}

srv_election *srv_election_acquire(srv_state *st, const char *id)
{
    srv_election *h = NULL;
    long k;
    if (id == NULL)
        return NULL;
    pthread_mutex_lock(&st->lock);
    if ((k = slot_find(st, id)) >= 0 && (h = st->elections[k].cur) != NULL)
        h->refs++;
    pthread_mutex_unlock(&st->lock);
    return h;
}

void srv_election_release(srv_state *st, srv_election *h)
{
    srv_election *gone;
    if (h == NULL)
        return;
    pthread_mutex_lock(&st->lock);
    gone = election_unref(h);
    pthread_mutex_unlock(&st->lock);
    election_free(gone);
}

uint64_t srv_election_ballots(srv_state *st, const char *id)
{
    uint64_t n = 0;
    long k;
    pthread_mutex_lock(&st->lock);
    if ((k = slot_find(st, id)) >= 0)
        n = st->elections[k].nballots;
    pthread_mutex_unlock(&st->lock);
    return n;
}

/* Distinct listed credentials with a ballot in the window. */
static uint64_t election_voted(srv_state *st, const char *id)
{
    uint64_t n = 0;
    long k;
    pthread_mutex_lock(&st->lock);
    if ((k = slot_find(st, id)) >= 0)
        n = IDX(st)->sets[k].last.n;
    pthread_mutex_unlock(&st->lock);
    return n;
}

size_t srv_election_ids(srv_state *st, char (**ids)[VECHE_ELECTION_ID_MAX + 1])
{
    size_t n = 0;
    pthread_mutex_lock(&st->lock);
    *ids = malloc((st->nelections ? st->nelections : 1) * sizeof **ids);
    if (*ids != NULL)
        for (size_t i = 0; i < st->nelections; i++)
            if (st->elections[i].cur != NULL)
                memcpy((*ids)[n++], st->elections[i].id, sizeof **ids);
    pthread_mutex_unlock(&st->lock);
    return n;
}

const char *srv_election_stage(const veche_election *el)
{
    if (veche_admin_first(el, &el->results) != NULL)
        return "published";
    if (veche_admin_first(el, &el->tallies) != NULL)
        return "tallied";
    if (el->close_index != VECHE_ELECTION_NO_INDEX)
        return "closed";
    if (el->open_index != VECHE_ELECTION_NO_INDEX)
        return "open";
    if (el->has_key && el->cred_state == VECHE_CRED_COMPLETE)
        return "ready";
    return "setup";
}

/* ---- the election as JSON ---------------------------------------------------------------- */

static json_t *b64_or_null(int have, const uint8_t *v, size_t n)
{
    return have ? veche_b64_json(v, n) : json_null();
}

static json_t *index_or_null(uint64_t i)
{
    return i == VECHE_ELECTION_NO_INDEX ? json_null() : json_integer((json_int_t)i);
}

/* Adds type to the array steps unless it is there. */
static void add_step(json_t *steps, const char *type)
{
    size_t i;
    json_t *v;
    json_array_foreach(steps, i, v)
        if (strcmp(json_string_value(v), type) == 0)
            return;
    json_array_append_new(steps, json_string(type));
}

static void steps_of(json_t *steps, const veche_election_list *l, const uint8_t key[32])
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].is_signed && memcmp(l->v[i].author, key, 32) == 0)
            add_step(steps, l->v[i].type);
}

static json_t *trustees_json(const veche_election *el)
{
    const veche_manifest *m = &el->manifest;
    json_t *a = json_array();
    for (size_t t = 0; t < m->ntrustees; t++) {
        json_t *steps = json_array();
        steps_of(steps, &el->trustee, m->trustee_key[t]);
        steps_of(steps, &el->decryptions, m->trustee_key[t]);
        json_array_append_new(a, json_pack("{s:I, s:s, s:o, s:o}", "index", (json_int_t)(t + 1),
                                           "name", m->trustee_name[t], "key",
                                           veche_b64_json(m->trustee_key[t], 32), "steps",
                                           steps));
    }
    return a;
}

/* {a: body.a, b: body.b} of the administrator's first entry of l, or null. */
static json_t *admin_pick(const veche_election *el, const veche_election_list *l,
                          const char *a, const char *b)
{
    const veche_election_entry *e = veche_admin_first(el, l);
    json_t *o;
    if (e == NULL)
        return json_null();
    o = json_object();
    json_object_set_new(o, a, json_deep_copy(json_object_get(e->body, a)));
    json_object_set_new(o, b, json_deep_copy(json_object_get(e->body, b)));
    return o;
}

json_t *srv_election_json(srv_state *st, const srv_election *h, int detail)
{
    const veche_election *el = h->el;
    const veche_manifest *m = &el->manifest;
    int complete = el->cred_state == VECHE_CRED_COMPLETE;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", el->id, "title",
                          m->title, "organisation", m->organisation, "stage",
                          srv_election_stage(el), "opens", (json_int_t)m->opens, "closes",
                          (json_int_t)m->closes, "voters",
                          (json_int_t)(complete ? el->creds.n : 0), "ballots",
                          (json_int_t)srv_election_ballots(st, el->id));
    if (o == NULL || !detail)
        return o;
    json_object_set_new(o, "manifest", json_deep_copy(m->json));
    json_object_set_new(o, "manifest_index", json_integer((json_int_t)el->manifest_entry.index));
    json_object_set_new(o, "key", b64_or_null(el->has_key, el->K, 32));
    json_object_set_new(o, "fingerprint", b64_or_null(el->has_fingerprint, el->fingerprint, 32));
    json_object_set_new(o, "trustees", trustees_json(el));
    json_object_set_new(o, "threshold", json_integer(m->threshold));
    json_object_set_new(o, "weight", json_integer(complete ? (json_int_t)el->creds.total_weight : 0));
    json_object_set_new(o, "voted", json_integer((json_int_t)election_voted(st, el->id)));
    json_object_set_new(o, "tally", admin_pick(el, &el->tallies, "ballots", "weight"));
    json_object_set_new(o, "result", admin_pick(el, &el->results, "counts", "trustees"));
    json_object_set_new(o, "open_index", index_or_null(el->open_index));
    json_object_set_new(o, "close_index", index_or_null(el->close_index));
    /* The credential scope: voters of a council's election derive their credential
       with the council's id (council.h). */
    char council[VECHE_COUNCIL_ID_MAX + 1];
    json_object_set_new(o, "council", srv_council_scope(st, el->id, council)
                                          ? json_string(council) : json_null());
    return o;
}

/* ---- entries appended ---------------------------------------------------------------------- */

void srv_entry_classify(srv_entry_info *info, const uint8_t *bytes, size_t len)
{
    json_t *j = json_loadb((const char *)bytes, len, 0, NULL);
    json_t *body = json_object_get(j, "body");
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *id = json_string_value(json_object_get(body, "election"));

    memset(info, 0, sizeof *info);
    veche_merkle_leaf_hash(info->leaf, bytes, len);
    if (type != NULL && id != NULL && veche_election_id_valid(id, strlen(id))) {
        snprintf(info->election, sizeof info->election, "%s", id);
        info->is_ballot = strcmp(type, VECHE_ETYPE_BALLOT) == 0;
        info->is_manifest = strcmp(type, VECHE_ETYPE_MANIFEST) == 0;
        info->touches = !info->is_ballot && (strncmp(type, "election.", 9) == 0 ||
                                             strncmp(type, "trustee.", 8) == 0);
        if (info->is_ballot &&
            veche_b64_get(info->cred, 32, json_object_get(body, "credential"), "credential",
                          NULL) != VECHE_OK)
            info->is_ballot = 0;   /* the board refuses such a ballot anyway */
    }
    json_decref(j);
}

/* Reloads election id from the board and swaps it in. */
static void reload(srv_state *st, const char *id)
{
    veche_diag d = {{0}};
    srv_election *h, *gone = NULL;
    long k;

    pthread_mutex_lock(&st->board_lock);
    h = election_load(st, id, &d);
    pthread_mutex_unlock(&st->board_lock);
    if (h == NULL) {
        fprintf(stderr, "veche serve: cannot reload election %s: %s\n", id, d.msg);
        return;
    }
    pthread_mutex_lock(&st->lock);
    if ((k = slot_find(st, id)) >= 0)
        gone = slot_swap(st, (size_t)k, h);
    else
        gone = h;
    pthread_mutex_unlock(&st->lock);
    election_free(gone);
}

void srv_state_appended(srv_state *st, const srv_entry_info *info, size_t n, uint64_t first)
{
    const char *touched[64];
    size_t ntouched = 0, overflow = 0;
    long k;

    for (size_t i = 0; i < n; i++)
        if (!info[i].is_ballot) {      /* ballots never change a council */
            srv_council_touched(st);
            break;
        }
    pthread_rwlock_wrlock(&IDX(st)->t.lock);
    for (size_t i = 0; i < n; i++)
        tree_add(&IDX(st)->t, info[i].leaf);
    pthread_rwlock_unlock(&IDX(st)->t.lock);
    pthread_mutex_lock(&st->lock);
    for (size_t i = 0; i < n; i++) {
        const srv_entry_info *e = &info[i];
        if (e->is_manifest && slot_find(st, e->election) < 0 && slot_add(st, e->election) < 0)
            fprintf(stderr, "veche serve: out of memory adding election %s\n", e->election);
        if (e->is_ballot) {
            if ((k = slot_find(st, e->election)) >= 0 &&
                index_add(st, (size_t)k, first + i, e->cred, e->leaf) != 0)
                fprintf(stderr, "veche serve: out of memory indexing ballot %" PRIu64 "\n",
                        first + i);
            continue;
        }
        if (!e->touches)
            continue;
        size_t t = 0;
        while (t < ntouched && strcmp(touched[t], e->election) != 0)
            t++;
        if (t == ntouched) {
            if (ntouched < 64)
                touched[ntouched++] = e->election;
            else
                overflow = 1;
        }
    }
    pthread_mutex_unlock(&st->lock);
    for (size_t t = 0; t < ntouched; t++)
        reload(st, touched[t]);
    if (overflow) {   /* more than 64 elections in one batch: reload all of them */
        char (*ids)[VECHE_ELECTION_ID_MAX + 1] = NULL;
        size_t m;
        pthread_mutex_lock(&st->lock);
        m = st->nelections;
        ids = malloc((m ? m : 1) * sizeof *ids);
        for (size_t i = 0; ids != NULL && i < m; i++)
            memcpy(ids[i], st->elections[i].id, sizeof *ids);
        pthread_mutex_unlock(&st->lock);
        for (size_t i = 0; ids != NULL && i < m; i++)
            reload(st, ids[i]);
        free(ids);
    }
}

/* ---- signing ------------------------------------------------------------------------------ */

veche_err srv_sign_entry(char **out, size_t *len, const char *type, json_t *body,
                         const veche_key *key, veche_diag *d)
{
    return veche_entry_build(out, len, type, body, key->sk, d);
}

/* ---- opening: keys and password ------------------------------------------------------------ */

#define PW_ALPHABET "23456789abcdefghjkmnpqrstuvwxyz"
#define PW_CHARS    20

static void key_path(char *out, size_t cap, const srv_state *st, const char *file)
{
    snprintf(out, cap, "%s/%s", st->keys_dir, file);
}

static veche_err new_key(srv_state *st, veche_key *k, const char *file, const char *name,
                         veche_diag *d)
{
    char path[1100];
    key_path(path, sizeof path, st, file);
    veche_err e = veche_key_generate(k, name, d);
    if (e == VECHE_OK)
        e = veche_key_write(path, k, d);
    return e;
}

/* A random password from an alphabet without look-alikes; its hash written to DB.keys/password. */
static veche_err new_password(srv_state *st, char pw[64], veche_diag *d)
{
    char path[1100];
    int fd;
    size_t n;

    for (size_t i = 0; i < PW_CHARS; i++)
        pw[i] = PW_ALPHABET[randombytes_uniform(sizeof PW_ALPHABET - 1)];
    pw[PW_CHARS] = 0;
    if (crypto_pwhash_str(st->password_hash, pw, PW_CHARS, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return veche_diag_set(d, VECHE_ENOMEM, "cannot hash the password (out of memory)");
    key_path(path, sizeof path, st, "password");
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    n = strlen(st->password_hash);
    st->password_hash[n] = '\n';
    int ok = write(fd, st->password_hash, n + 1) == (ssize_t)(n + 1) && fsync(fd) == 0;
    st->password_hash[n] = 0;
    close(fd);
    return ok ? VECHE_OK : veche_diag_set(d, VECHE_EINTERNAL, "%s: write failed", path);
}

static veche_err read_password(srv_state *st, veche_diag *d)
{
    char path[1100];
    FILE *f;
    key_path(path, sizeof path, st, "password");
    if ((f = fopen(path, "r")) == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    if (fgets(st->password_hash, sizeof st->password_hash, f) == NULL)
        st->password_hash[0] = 0;
    fclose(f);
    st->password_hash[strcspn(st->password_hash, "\n")] = 0;
    if (strncmp(st->password_hash, "$argon2", 7) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "%s: not a crypto_pwhash_str hash", path);
    return VECHE_OK;
}

/* First run: the keys, the password and the board. */
static veche_err create_all(srv_state *st, char pw[64], veche_diag *d)
{
    veche_key board;
    uint8_t rnd[4];
    char origin[64];
    veche_err e;

    if (mkdir(st->keys_dir, 0700) != 0 && errno != EEXIST)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", st->keys_dir, strerror(errno));
    randombytes_buf(rnd, sizeof rnd);
    snprintf(origin, sizeof origin, "veche-board-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3]);
    if ((e = new_key(st, &board, "board.key", origin, d)) != VECHE_OK ||
        (e = new_key(st, &st->admin, "admin.key", "administrator", d)) != VECHE_OK ||
        (e = new_key(st, &st->authority, "authority.key", "credential-authority", d)) !=
            VECHE_OK ||
        (e = new_password(st, pw, d)) != VECHE_OK)
        goto done;
    e = veche_board_create(&st->board, st->db_path, &board, d);
done:
    veche_key_wipe(&board);
    return e;
}

static veche_err open_all(srv_state *st, veche_diag *d)
{
    veche_key board;
    char path[1100];
    veche_err e;

    key_path(path, sizeof path, st, "board.key");
    if ((e = veche_key_read(&board, path, d)) != VECHE_OK)
        return e;
    key_path(path, sizeof path, st, "admin.key");
    if ((e = veche_key_read(&st->admin, path, d)) == VECHE_OK) {
        key_path(path, sizeof path, st, "authority.key");
        e = veche_key_read(&st->authority, path, d);
    }
    if (e == VECHE_OK)
        e = read_password(st, d);
    if (e == VECHE_OK)
        e = veche_board_open(&st->board, st->db_path, &board, d);
    veche_key_wipe(&board);
    return e;
}

/* ---- opening: the scan of the record ------------------------------------------------------- */

typedef struct scan {
    srv_state *st;
    struct sballot { size_t k; uint64_t index; uint8_t cred[32], leaf[32]; } *v;
    size_t n, cap;
    int oom;
} scan;

static veche_err scan_entry(void *arg, uint64_t index, const uint8_t *entry, size_t len,
                            const veche_hash leaf)
{
    scan *s = arg;
    srv_entry_info info;
    long k;

    tree_add(&IDX(s->st)->t, leaf);
    srv_entry_classify(&info, entry, len);
    if (info.is_manifest && slot_find(s->st, info.election) < 0 &&
        slot_add(s->st, info.election) < 0)
        return VECHE_ENOMEM;
    /* A ballot before its election's manifest belongs to no election (election.h). */
    if (!info.is_ballot || (k = slot_find(s->st, info.election)) < 0)
        return VECHE_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        void *v = realloc(s->v, cap * sizeof *s->v);
        if (v == NULL)
            return VECHE_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].k = (size_t)k;
    s->v[s->n].index = index;
    memcpy(s->v[s->n].cred, info.cred, 32);
    memcpy(s->v[s->n].leaf, leaf, 32);
    s->n++;
    return VECHE_OK;
}

static veche_err scan_record(srv_state *st, veche_diag *d)
{
    veche_store *store = veche_board_store(st->board);
    scan s = {st, NULL, 0, 0, 0};
    veche_err e = store->ops->range(store, 0, veche_board_size(st->board), scan_entry, &s);

    if (e != VECHE_OK) {
        free(s.v);
        return veche_diag_set(d, e, "reading the record: %s", veche_strerror(e));
    }
    for (size_t k = 0; k < st->nelections && e == VECHE_OK; k++) {
        srv_election *h = election_load(st, st->elections[k].id, d);
        if (h == NULL)
            e = VECHE_EINVALID;
        else
            st->elections[k].cur = h;
    }
    for (size_t i = 0; i < s.n && e == VECHE_OK; i++)
        if (index_add(st, s.v[i].k, s.v[i].index, s.v[i].cred, s.v[i].leaf) != 0)
            e = veche_diag_set(d, VECHE_ENOMEM, "out of memory indexing the ballots");
    free(s.v);
    return e;
}

/* ---- open and close ---------------------------------------------------------------------------- */

static void state_free(srv_state *st)
{
    srv_index *ix = IDX(st);
    srv_writer_stop(st);
    srv_council_close(st);
    for (size_t k = 0; k < st->nelections; k++) {
        election_free(st->elections[k].cur);
        if (ix != NULL) {
            free(ix->sets[k].v);
            srv_map_free(&ix->sets[k].last);
        }
    }
    if (ix != NULL) {
        srv_map_free(&ix->tracking);
        tree_free(&ix->t);
        free(ix->sets);
        free(ix);
    }
    free(st->elections);
    srv_auth_free(st);
    srv_limits_free(st);
    veche_board_close(st->board);
    veche_key_wipe(&st->admin);
    veche_key_wipe(&st->authority);
    sodium_memzero(st->password_hash, sizeof st->password_hash);
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->board_lock);
    free(st);
}

static veche_err state_init(srv_state **out, const char *db_path, const char *web_dir,
                            veche_diag *d)
{
    srv_state *st = calloc(1, sizeof *st);
    *out = st;
    if (st == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    pthread_mutex_init(&st->lock, NULL);
    pthread_mutex_init(&st->board_lock, NULL);
    if (strlen(db_path) + 6 > sizeof st->db_path || (web_dir && strlen(web_dir) >= sizeof st->web_dir))
        return veche_diag_set(d, VECHE_EINVALID, "path too long: %s", db_path);
    snprintf(st->db_path, sizeof st->db_path, "%s", db_path);
    snprintf(st->keys_dir, sizeof st->keys_dir, "%s.keys", db_path);
    snprintf(st->web_dir, sizeof st->web_dir, "%s", web_dir ? web_dir : "");
    if ((st->tracking = calloc(1, sizeof(srv_index))) == NULL ||
        pthread_rwlock_init(&IDX(st)->t.lock, NULL) != 0 ||
        srv_map_init(&IDX(st)->tracking) != 0 || srv_auth_init(st) != 0 ||
        srv_limits_init(st) != 0)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    return VECHE_OK;
}

veche_err srv_state_open(srv_state **out, const char *db_path, const char *web_dir,
                         char new_pw[64], veche_diag *d)
{
    struct stat sb;
    char *note = NULL;
    srv_state *st;
    veche_err e;

    new_pw[0] = 0;
    *out = NULL;
    if ((e = state_init(&st, db_path, web_dir, d)) != VECHE_OK)
        goto fail;
    if (stat(db_path, &sb) != 0 && errno == ENOENT)
        e = create_all(st, new_pw, d);
    else
        e = open_all(st, d);
    if (e != VECHE_OK)
        goto fail;
    /* Receipts need a checkpoint that covers every entry. */
    if ((e = veche_board_checkpoint(st->board, &note, d)) != VECHE_OK ||
        (e = scan_record(st, d)) != VECHE_OK || (e = srv_council_open(st, d)) != VECHE_OK)
        goto fail;
    srv_tree_checkpoint(st, note, veche_board_size(st->board));
    free(note);
    if (srv_writer_start(st) != 0) {
        e = veche_diag_set(d, VECHE_EINTERNAL, "cannot start the writer thread");
        goto fail;
    }
    *out = st;
    return VECHE_OK;
fail:
    free(note);
    sodium_memzero(new_pw, 64);
    if (st != NULL)
        state_free(st);
    return e;
}

void srv_state_close(srv_state *st)
{
    if (st != NULL)
        state_free(st);
}
