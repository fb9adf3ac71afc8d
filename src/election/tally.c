/*
 * tally.c — which ballots count, their homomorphic tally on every core, and
 * the result from the trustees' decryption shares (see tally.h).
 *
 * The count is a pipeline: the calling thread reads the record (pass 2) and
 * hands the bytes of the ballots that could count, in batches, to a bounded
 * queue; worker threads verify them and add the counted ones into their own
 * accumulators, so no lock is taken per ballot except the queue's. Fates are
 * written by the one thread that owns the ballot (one byte each, distinct
 * slots) and read only after the workers are joined.
 */
#include "election/tally.h"
#include "election/ballot.h"
#include "board/export.h"
#include "crypto/dlog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#define BATCH        32             /* ballots per queue job */
#define MAX_THREADS  256
#define FATE_PENDING 0xFE           /* valid, not its credential's last: settled at the end */
#define NOT_CANDIDATE UINT32_MAX

static veche_err oom(veche_diag *d)
{
    return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
}

/* ---- pass 1 --------------------------------------------------------------------- */

typedef struct votes_acc {
    veche_votes *v;
    size_t       cap;
} votes_acc;

static veche_err keep_ballot(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                             const veche_entry *entry)
{
    votes_acc *a = arg;
    veche_votes *v = a->v;
    (void)bytes;
    (void)len;

    if (v->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 1024;
        uint64_t *ix = realloc(v->index, cap * sizeof *ix);
        if (ix != NULL)
            v->index = ix;
        uint8_t (*cr)[32] = realloc(v->credential, cap * sizeof *cr);
        if (ix == NULL || cr == NULL)
            return VECHE_ENOMEM;
        v->credential = cr;
        a->cap = cap;
    }
    /* The board's body check made "credential" canonical base64 of 32 bytes. */
    if (veche_b64_get(v->credential[v->n], 32, json_object_get(entry->body, "credential"),
                      "credential", NULL) != VECHE_OK)
        return VECHE_EENCODING;
    v->index[v->n++] = index;
    return VECHE_OK;
}

veche_err veche_votes_load(veche_votes **out, const veche_record_src *src, const char *id,
                           veche_diag *d)
{
    veche_votes *v = calloc(1, sizeof *v);
    votes_acc a = {v, 0};
    veche_err e;

    *out = NULL;
    if (v == NULL)
        return oom(d);
    v->src = *src;
    if (src->board != NULL)
        e = veche_election_load(&v->el, src->board, id, keep_ballot, &a, d);
    else if (src->dir != NULL)
        e = veche_election_load_export(&v->el, src->dir, id, keep_ballot, &a, d);
    else
        e = veche_diag_set(d, VECHE_EINVALID, "no record given (a board or an export directory)");
    if (e == VECHE_OK && v->n != v->el->nballots)
        e = veche_diag_set(d, VECHE_EINTERNAL, "the loader saw %zu ballots, the callback %zu",
                           v->el->nballots, v->n);
    if (e != VECHE_OK) {
        veche_votes_free(v);
        return e;
    }
    *out = v;
    return VECHE_OK;
}

void veche_votes_free(veche_votes *v)
{
    if (v == NULL)
        return;
    veche_election_free(v->el);
    free(v->index);
    free(v->credential);
    free(v);
}

/* ---- fates ------------------------------------------------------------------------ */

const char *veche_fate_name(veche_fate f)
{
    switch (f) {
    case VECHE_FATE_COUNTED:    return "counted";
    case VECHE_FATE_SUPERSEDED: return "superseded";
    case VECHE_FATE_EARLY:      return "before election.open";
    case VECHE_FATE_LATE:       return "after election.close";
    case VECHE_FATE_UNLISTED:   return "credential not on the list";
    case VECHE_FATE_INVALID:    return "invalid";
    default:                    return "none";
    }
}

veche_fate veche_count_fate(const veche_count *c, uint64_t index)
{
    size_t lo = 0, hi = c->nballots;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->index[mid] == index)
            return (veche_fate)c->fate[mid];
        if (c->index[mid] < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return VECHE_FATES;
}

/* ---- the counting state ------------------------------------------------------------- */

/*
 * One worker's sums: row[k][s] adds the ballots whose weight has bit k set.
 * A row is allocated when first touched (a point is 256 bytes decoded, so a
 * full set for 2080 selections would be 21 MiB a thread; weight 1 needs one).
 */
typedef struct accum {
    veche_ciphertext *row[VECHE_WEIGHT_BITS];   /* [nsel] each, or NULL */
    uint64_t          weight;
    int               oom;
} accum;

typedef struct job {
    size_t   count, cap;          /* ballots; bytes allocated in buf */
    size_t   ord[BATCH];          /* ballot ordinals */
    size_t   off[BATCH + 1];      /* bytes of ballot k: buf[off[k] .. off[k+1]) */
    uint8_t *buf;
} job;

typedef struct counter {
    const veche_votes     *v;
    const veche_election  *el;
    veche_count           *c;
    veche_pubkey           K;
    size_t                 nsel;          /* explicit selections, all contests */
    uint32_t              *cred;          /* [n] credential ordinal, or NOT_CANDIDATE */
    uint8_t               *final;         /* [n] the last candidate of its credential */
    veche_ciphertext     **pending;       /* [n] ciphertexts of FATE_PENDING ballots */
    size_t                *cands;         /* candidate ordinals, increasing */
    size_t                 ncands, next;  /* the reader's cursor in cands */
    /* the queue */
    pthread_mutex_t        mu;
    pthread_cond_t         not_empty, not_full;
    job                  **q;
    size_t                 qcap, qhead, qlen;
    int                    closed;        /* no more jobs will come */
    job                   *filling;       /* the reader's batch being filled */
    /* errors, under mu */
    veche_err              err;
    veche_diag             why;
    int                    done_reading;
} counter;

/* The first error wins: "entry INDEX: WHAT". */
static void set_error(counter *k, veche_err e, uint64_t index, const char *what)
{
    pthread_mutex_lock(&k->mu);
    if (k->err == VECHE_OK) {
        k->err = e;
        veche_diag_set(&k->why, e, "entry %llu: %s", (unsigned long long)index, what);
    }
    pthread_mutex_unlock(&k->mu);
}

static int failed(counter *k)
{
    pthread_mutex_lock(&k->mu);
    int f = k->err != VECHE_OK;
    pthread_mutex_unlock(&k->mu);
    return f;
}

/* Keeps the first VECHE_SKIPPED_KEEP skipped ballots, by index. Caller holds mu. */
static void skipped_add_locked(veche_count *c, uint64_t index, veche_fate f, const char *why)
{
    size_t at = c->nskipped;
    while (at > 0 && c->skipped[at - 1].index > index)
        at--;
    if (at >= VECHE_SKIPPED_KEEP)
        return;
    if (c->nskipped == VECHE_SKIPPED_KEEP)
        c->nskipped--;
    memmove(&c->skipped[at + 1], &c->skipped[at], (c->nskipped - at) * sizeof c->skipped[0]);
    c->skipped[at].index = index;
    c->skipped[at].fate = f;
    snprintf(c->skipped[at].why, sizeof c->skipped[at].why, "%s", why);
    c->nskipped++;
}

static void skip(counter *k, size_t ord, veche_fate f, const char *why)
{
    k->c->fate[ord] = (uint8_t)f;
    pthread_mutex_lock(&k->mu);
    skipped_add_locked(k->c, k->v->index[ord], f, why);
    pthread_mutex_unlock(&k->mu);
}

/* ---- what needs no cryptography ------------------------------------------------------- */

/* EARLY, LATE, UNLISTED, or a candidate (cred[] set). */
static void classify(counter *k, size_t ord)
{
    const veche_election *el = k->el;
    uint64_t ix = k->v->index[ord];
    const veche_credential *cr;
    char why[VECHE_SKIPPED_WHY], b64[45];

    k->cred[ord] = NOT_CANDIDATE;
    if (el->open_index == VECHE_ELECTION_NO_INDEX || ix < el->open_index) {
        if (el->open_index == VECHE_ELECTION_NO_INDEX)
            snprintf(why, sizeof why, "the election has no election.open");
        else
            snprintf(why, sizeof why, "before election.open (entry %llu)",
                     (unsigned long long)el->open_index);
        skip(k, ord, VECHE_FATE_EARLY, why);
    } else if (el->close_index != VECHE_ELECTION_NO_INDEX && ix > el->close_index) {
        snprintf(why, sizeof why, "after election.close (entry %llu)",
                 (unsigned long long)el->close_index);
        skip(k, ord, VECHE_FATE_LATE, why);
    } else if ((cr = veche_credentials_find(&el->creds, k->v->credential[ord])) == NULL) {
        sodium_bin2base64(b64, sizeof b64, k->v->credential[ord], 32,
                          sodium_base64_VARIANT_ORIGINAL);
        snprintf(why, sizeof why, "credential %s is not on the list", b64);
        skip(k, ord, VECHE_FATE_UNLISTED, why);
    } else {
        k->cred[ord] = (uint32_t)(cr - el->creds.v);
    }
}

/* Classifies every ballot; marks each credential's last candidate; lists the candidates. */
static veche_err plan(counter *k)
{
    size_t n = k->v->n, ncred = k->el->creds.n;
    uint8_t *seen = calloc(ncred ? ncred : 1, 1);

    if (seen == NULL)
        return VECHE_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        classify(k, i);
        if (k->cred[i] != NOT_CANDIDATE)
            k->cands[k->ncands++] = i;
    }
    for (size_t j = k->ncands; j-- > 0;) {
        size_t i = k->cands[j];
        k->final[i] = !seen[k->cred[i]];
        seen[k->cred[i]] = 1;
    }
    free(seen);
    return VECHE_OK;
}

/* ---- the queue ------------------------------------------------------------------------ */

static void push(counter *k, job *j)
{
    pthread_mutex_lock(&k->mu);
    while (k->qlen == k->qcap && k->err == VECHE_OK)
        pthread_cond_wait(&k->not_full, &k->mu);
    if (k->err != VECHE_OK) {
        pthread_mutex_unlock(&k->mu);
        free(j->buf);
        free(j);
        return;
    }
    k->q[(k->qhead + k->qlen++) % k->qcap] = j;
    pthread_cond_signal(&k->not_empty);
    pthread_mutex_unlock(&k->mu);
}

/* The next job, or NULL when the queue is closed and empty (or the count failed). */
static job *pop(counter *k)
{
    job *j = NULL;
    pthread_mutex_lock(&k->mu);
    while (k->qlen == 0 && !k->closed && k->err == VECHE_OK)
        pthread_cond_wait(&k->not_empty, &k->mu);
    if (k->qlen > 0 && k->err == VECHE_OK) {
        j = k->q[k->qhead];
        k->qhead = (k->qhead + 1) % k->qcap;
        k->qlen--;
        pthread_cond_signal(&k->not_full);
    }
    pthread_mutex_unlock(&k->mu);
    return j;
}

static void close_queue(counter *k)
{
    pthread_mutex_lock(&k->mu);
    k->closed = 1;
    pthread_cond_broadcast(&k->not_empty);
    pthread_cond_broadcast(&k->not_full);
    pthread_mutex_unlock(&k->mu);
}

static void free_queue(counter *k)
{
    for (size_t i = 0; i < k->qlen; i++) {
        job *j = k->q[(k->qhead + i) % k->qcap];
        free(j->buf);
        free(j);
    }
    k->qlen = 0;
    if (k->filling != NULL) {
        free(k->filling->buf);
        free(k->filling);
        k->filling = NULL;
    }
}

/* ---- the workers ------------------------------------------------------------------------ */

typedef struct worker {
    counter   *k;
    accum      a;
    pthread_t  tid;
    int        started;
} worker;

static veche_ciphertext *accum_row(accum *a, unsigned bit, size_t nsel)
{
    if (a->row[bit] == NULL && (a->row[bit] = malloc((nsel ? nsel : 1) * sizeof(veche_ciphertext))) != NULL)
        for (size_t s = 0; s < nsel; s++)
            veche_ciphertext_zero(&a->row[bit][s]);
    return a->row[bit];
}

static void accum_add(accum *a, size_t nsel, const veche_ciphertext *ct, uint32_t w)
{
    for (unsigned bit = 0; bit < VECHE_WEIGHT_BITS; bit++) {
        veche_ciphertext *row;
        if (!(w & (1u << bit)))
            continue;
        if ((row = accum_row(a, bit, nsel)) == NULL) {
            a->oom = 1;
            return;
        }
        for (size_t s = 0; s < nsel; s++)
            veche_ciphertext_add(&row[s], &row[s], &ct[s]);
    }
    a->weight += w;
}

static void accum_free(accum *a)
{
    for (unsigned bit = 0; bit < VECHE_WEIGHT_BITS; bit++)
        free(a->row[bit]);
    memset(a, 0, sizeof *a);
}

static void verify_one(worker *wk, size_t ord, const uint8_t *bytes, size_t len)
{
    counter *k = wk->k;
    const veche_election *el = k->el;
    veche_ballot b;
    veche_diag why = {{0}};

    if (veche_ballot_verify(&b, bytes, len, &el->manifest, &k->K, el->fingerprint, &why) !=
        VECHE_OK) {
        skip(k, ord, VECHE_FATE_INVALID, why.msg);
        return;
    }
    if (memcmp(b.credential, k->v->credential[ord], 32) != 0) {
        set_error(k, VECHE_EINVALID, k->v->index[ord], "changed while the record was read");
    } else if (k->final[ord]) {
        accum_add(&wk->a, k->nsel, b.ct, el->creds.v[k->cred[ord]].weight);
        k->c->fate[ord] = VECHE_FATE_COUNTED;
    } else {
        k->pending[ord] = b.ct;   /* kept until the end: its successor may be invalid */
        b.ct = NULL;
        k->c->fate[ord] = FATE_PENDING;
    }
    veche_ballot_free(&b);
}

static void *work(void *arg)
{
    worker *wk = arg;
    job *j;
    while ((j = pop(wk->k)) != NULL) {
        for (size_t i = 0; i < j->count; i++)
            verify_one(wk, j->ord[i], j->buf + j->off[i], j->off[i + 1] - j->off[i]);
        free(j->buf);
        free(j);
    }
    return NULL;
}

/* ---- the reader (pass 2) ---------------------------------------------------------------- */

static veche_err flush(counter *k)
{
    if (k->filling != NULL && k->filling->count > 0)
        push(k, k->filling);
    else if (k->filling != NULL) {
        free(k->filling->buf);
        free(k->filling);
    }
    k->filling = NULL;
    return VECHE_OK;
}

static veche_err batch_add(counter *k, size_t ord, const uint8_t *bytes, size_t len)
{
    job *j = k->filling;
    size_t need;

    if (j == NULL) {
        if ((j = calloc(1, sizeof *j)) == NULL)
            return VECHE_ENOMEM;
        k->filling = j;
    }
    if ((need = j->off[j->count] + len) > j->cap) {
        size_t cap = need > 2 * j->cap ? need : 2 * j->cap;
        uint8_t *buf = realloc(j->buf, cap < 16384 ? 16384 : cap);
        if (buf == NULL)
            return VECHE_ENOMEM;
        j->buf = buf;
        j->cap = cap < 16384 ? 16384 : cap;
    }
    memcpy(j->buf + j->off[j->count], bytes, len);
    j->ord[j->count] = ord;
    j->off[j->count + 1] = j->off[j->count] + len;
    j->count++;
    if (j->count == BATCH)
        return flush(k);
    return VECHE_OK;
}

/* veche_entry_cb: hands the candidates' bytes over; stops once all are read. */
static veche_err read_entry(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                            const veche_hash leaf)
{
    counter *k = arg;
    (void)leaf;

    if (k->next == k->ncands) {
        k->done_reading = 1;
        return VECHE_ENOTFOUND;   /* stop the walk: nothing more is needed */
    }
    size_t ord = k->cands[k->next];
    if (index < k->v->index[ord])
        return VECHE_OK;
    if (index > k->v->index[ord]) {
        set_error(k, VECHE_EINVALID, k->v->index[ord],
                  "a ballot on the first reading, missing on the second");
        return VECHE_EINVALID;
    }
    k->next++;
    if (failed(k))
        return VECHE_EINVALID;
    veche_err e = batch_add(k, ord, bytes, len);
    if (e != VECHE_OK)
        set_error(k, e, index, "out of memory");
    return e;
}

static veche_err read_record(counter *k, veche_diag *d)
{
    const veche_record_src *src = &k->v->src;
    veche_err e;

    if (k->ncands == 0)
        return VECHE_OK;
    if (src->board != NULL) {
        veche_store *s = veche_board_store(src->board);
        uint64_t from = k->v->index[k->cands[0]], to = k->v->index[k->cands[k->ncands - 1]] + 1;
        e = s->ops->range(s, from, to, read_entry, k);
        if (e != VECHE_OK && !k->done_reading && !failed(k))
            veche_diag_set(d, e, "reading the board: %s", veche_store_errmsg(s));
    } else {
        e = veche_export_entries(src->dir, read_entry, k, d);
    }
    if (e == VECHE_ENOTFOUND && k->done_reading)
        e = VECHE_OK;
    if (e == VECHE_OK && k->next != k->ncands)
        e = veche_diag_set(d, VECHE_EINVALID, "the record ended before entry %llu, a ballot",
                           (unsigned long long)k->v->index[k->cands[k->next]]);
    if (e == VECHE_OK)
        e = flush(k);
    return e;
}

/* ---- the end: settle pending ballots, add up the workers' sums ------------------------------ */

/*
 * Walks the candidates from the last: a credential's highest valid ballot
 * counts, its earlier valid ones are superseded.
 */
static veche_err settle(counter *k, accum *main_acc)
{
    size_t ncred = k->el->creds.n;
    uint8_t *settled = calloc(ncred ? ncred : 1, 1);

    if (settled == NULL)
        return VECHE_ENOMEM;
    for (size_t j = k->ncands; j-- > 0;) {
        size_t i = k->cands[j];
        uint32_t cr = k->cred[i];
        if (k->c->fate[i] == VECHE_FATE_COUNTED) {
            settled[cr] = 1;
        } else if (k->c->fate[i] == FATE_PENDING) {
            if (settled[cr]) {
                k->c->fate[i] = VECHE_FATE_SUPERSEDED;
            } else {
                accum_add(main_acc, k->nsel, k->pending[i], k->el->creds.v[cr].weight);
                k->c->fate[i] = VECHE_FATE_COUNTED;
                settled[cr] = 1;
            }
            free(k->pending[i]);
            k->pending[i] = NULL;
        }
    }
    free(settled);
    return VECHE_OK;
}

/* tally[s] = Σ_k 2^k · Σ_workers row[k][s], by Horner from the highest bit (wk[nwk-1]: settling). */
static veche_err combine(counter *k, const worker *wk, size_t nwk)
{
    const veche_manifest *m = &k->el->manifest;
    veche_count *c = k->c;
    size_t flat = 0;

    for (size_t w = 0; w < nwk; w++) {
        if (wk[w].a.oom)
            return VECHE_ENOMEM;
        c->weight += wk[w].a.weight;
    }
    c->tally.ncontests = m->ncontests;
    for (size_t cc = 0; cc < m->ncontests; cc++) {
        c->tally.nsel[cc] = m->contests[cc].nexplicit;
        for (size_t s = 0; s < c->tally.nsel[cc]; s++, flat++) {
            veche_ciphertext *t = &c->tally.ct[cc][s];
            veche_ciphertext_zero(t);
            for (int bit = VECHE_WEIGHT_BITS - 1; bit >= 0; bit--) {
                veche_ciphertext_add(t, t, t);
                for (size_t w = 0; w < nwk; w++)
                    if (wk[w].a.row[bit] != NULL)
                        veche_ciphertext_add(t, t, &wk[w].a.row[bit][flat]);
            }
        }
    }
    return VECHE_OK;
}

static void tally_fates(veche_count *c)
{
    for (size_t i = 0; i < c->nballots; i++)
        if (c->fate[i] < VECHE_FATES)
            c->n[c->fate[i]]++;
}

/* ---- veche_count_ballots ---------------------------------------------------------------- */

static unsigned thread_count(unsigned threads)
{
    long online;
    if (threads == 0) {
        online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online > 0 ? (unsigned)online : 1;
    }
    return threads > MAX_THREADS ? MAX_THREADS : threads;
}

static veche_err counter_init(counter *k, const veche_votes *v, veche_count *c, unsigned nthr,
                              veche_diag *d)
{
    const veche_election *el = v->el;
    size_t n = v->n ? v->n : 1;

    memset(k, 0, sizeof *k);
    k->v = v;
    k->el = el;
    k->c = c;
    for (size_t cc = 0; cc < el->manifest.ncontests; cc++)
        k->nsel += el->manifest.contests[cc].nexplicit;
    if (veche_pubkey_decode(&k->K, el->K) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINVALID, "the election key does not decode");
    k->cred = malloc(n * sizeof *k->cred);
    k->final = calloc(n, 1);
    k->pending = calloc(n, sizeof *k->pending);
    k->cands = malloc(n * sizeof *k->cands);
    k->qcap = 2 * (size_t)nthr + 2;
    k->q = calloc(k->qcap, sizeof *k->q);
    if (k->cred == NULL || k->final == NULL || k->pending == NULL || k->cands == NULL ||
        k->q == NULL)
        return oom(d);
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->not_empty, NULL);
    pthread_cond_init(&k->not_full, NULL);
    return VECHE_OK;
}

static void counter_free(counter *k, int threads_ready)
{
    free_queue(k);
    for (size_t i = 0; k->pending != NULL && i < k->v->n; i++)
        free(k->pending[i]);
    free(k->pending);
    free(k->cred);
    free(k->final);
    free(k->cands);
    free(k->q);
    veche_pubkey_free(&k->K);
    if (threads_ready) {
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->not_empty);
        pthread_cond_destroy(&k->not_full);
    }
}

static veche_count *count_new(const veche_votes *v)
{
    veche_count *c = calloc(1, sizeof *c);
    size_t n = v->n ? v->n : 1;
    if (c == NULL)
        return NULL;
    c->nballots = v->n;
    c->index = malloc(n * sizeof *c->index);
    c->fate = calloc(n, 1);
    if (c->index == NULL || c->fate == NULL) {
        veche_count_free(c);
        return NULL;
    }
    if (v->n > 0)
        memcpy(c->index, v->index, v->n * sizeof *c->index);
    return c;
}

void veche_count_free(veche_count *c)
{
    if (c == NULL)
        return;
    free(c->index);
    free(c->fate);
    free(c);
}

static veche_err ready_to_count(const veche_election *el, veche_diag *d)
{
    if (!el->has_key)
        return veche_diag_set(d, VECHE_EINVALID, "election \"%s\" has no valid election.key",
                              el->id);
    if (el->cred_state != VECHE_CRED_COMPLETE)
        return veche_diag_set(d, VECHE_EINVALID, "election \"%s\" has no complete credentials list",
                              el->id);
    if (!el->has_fingerprint)
        return veche_diag_set(d, VECHE_EINVALID, "election \"%s\" has no fingerprint", el->id);
    return VECHE_OK;
}

/* Stops the pipeline after the reader failed (its message is already in d). */
static void stop(counter *k, veche_err e)
{
    pthread_mutex_lock(&k->mu);
    if (k->err == VECHE_OK)
        k->err = e;
    pthread_mutex_unlock(&k->mu);
}

/* Starts the workers, reads the record into them, joins them; then settles and adds up. */
static veche_err run(counter *k, worker *wk, unsigned nthr, veche_diag *d)
{
    veche_diag rd = {{0}};
    unsigned started = 0;
    veche_err e = VECHE_OK;

    for (unsigned i = 0; i < nthr; i++) {
        wk[i].k = k;
        if (pthread_create(&wk[i].tid, NULL, work, &wk[i]) == 0)
            wk[i].started = 1, started++;
    }
    if (e == VECHE_OK && started == 0)
        e = veche_diag_set(d, VECHE_EINTERNAL, "cannot start a worker thread");
    if (e == VECHE_OK && (e = read_record(k, &rd)) != VECHE_OK)
        stop(k, e);
    close_queue(k);
    for (unsigned i = 0; i < nthr; i++)
        if (wk[i].started)
            pthread_join(wk[i].tid, NULL);
    if (k->why.msg[0] != 0)          /* a worker's or the reader's callback's error */
        return veche_diag_set(d, k->err, "%s", k->why.msg);
    if (e != VECHE_OK)
        return rd.msg[0] ? veche_diag_set(d, e, "%s", rd.msg)
                         : (d && d->msg[0] ? e : veche_diag_set(d, e, "reading the record: %s",
                                                                veche_strerror(e)));
    /* the last slot's sums are the settling thread's */
    if (settle(k, &wk[nthr].a) != VECHE_OK)
        return oom(d);
    if (combine(k, wk, (size_t)nthr + 1) != VECHE_OK)
        return oom(d);
    tally_fates(k->c);
    return VECHE_OK;
}

veche_err veche_count_ballots(veche_count **out, const veche_votes *v, unsigned threads,
                              veche_diag *d)
{
    unsigned nthr = thread_count(threads);
    veche_count *c;
    worker *wk;
    counter k;
    veche_err e;
    int ready;

    *out = NULL;
    if ((e = ready_to_count(v->el, d)) != VECHE_OK)
        return e;
    if ((c = count_new(v)) == NULL)
        return oom(d);
    if ((wk = calloc((size_t)nthr + 1, sizeof *wk)) == NULL) {
        veche_count_free(c);
        return oom(d);
    }
    e = counter_init(&k, v, c, nthr, d);
    ready = e == VECHE_OK;
    if (e == VECHE_OK && plan(&k) != VECHE_OK)
        e = oom(d);
    if (e == VECHE_OK)
        e = run(&k, wk, nthr, d);
    for (unsigned i = 0; i <= nthr; i++)
        accum_free(&wk[i].a);
    free(wk);
    counter_free(&k, ready);
    if (e != VECHE_OK) {
        veche_count_free(c);
        return e;
    }
    *out = c;
    return VECHE_OK;
}

/* ---- election.tally ------------------------------------------------------------------------ */

const veche_election_entry *veche_admin_first(const veche_election *el,
                                              const veche_election_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].is_signed && memcmp(l->v[i].author, el->admin, 32) == 0)
            return &l->v[i];
    return NULL;
}

static json_t *ciphertext_json(const veche_ciphertext *ct)
{
    uint8_t buf[VECHE_CIPHERTEXT_BYTES];
    veche_ciphertext_encode(buf, ct);
    return veche_b64_json(buf, sizeof buf);
}

veche_err veche_tally_body(json_t **body, const veche_election *el, const veche_count *c,
                           veche_diag *d)
{
    json_t *rows = json_array();

    *body = NULL;
    for (size_t cc = 0; rows != NULL && cc < c->tally.ncontests; cc++) {
        json_t *row = json_array();
        if (row == NULL || json_array_append_new(rows, row) != 0) {
            json_decref(rows);
            return oom(d);
        }
        for (size_t s = 0; s < c->tally.nsel[cc]; s++)
            if (json_array_append_new(row, ciphertext_json(&c->tally.ct[cc][s])) != 0) {
                json_decref(rows);
                return oom(d);
            }
    }
    *body = json_pack("{s:s, s:I, s:I, s:o}", "election", el->id, "ballots",
                      (json_int_t)c->n[VECHE_FATE_COUNTED], "weight", (json_int_t)c->weight,
                      "tally", rows);
    return *body ? VECHE_OK : oom(d);
}

/* A member of the body that must be the integer `want`. */
static veche_err check_int(const json_t *body, const char *key, uint64_t want, const char *what,
                           veche_diag *d)
{
    const json_t *v = json_object_get(body, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) != want)
        return veche_diag_set(d, VECHE_EVERIFY, "body.%s is %lld, but %s is %llu", key,
                              json_is_integer(v) ? (long long)json_integer_value(v) : -1LL, what,
                              (unsigned long long)want);
    return VECHE_OK;
}

veche_err veche_tally_check(const json_t *body, const veche_election *el, const veche_count *c,
                            veche_diag *d)
{
    veche_ceremony_tally *t = malloc(sizeof *t);
    veche_diag why = {{0}};
    veche_err e;

    if (t == NULL)
        return oom(d);
    if (veche_ceremony_tally_parse(t, body, &el->manifest, &why) != VECHE_OK)
        e = veche_diag_set(d, VECHE_EVERIFY, "%s", why.msg);
    else if ((e = check_int(body, "ballots", c->n[VECHE_FATE_COUNTED],
                            "the number of counted ballots", d)) == VECHE_OK)
        e = check_int(body, "weight", c->weight, "their total weight", d);
    for (size_t cc = 0; e == VECHE_OK && cc < t->ncontests; cc++)
        for (size_t s = 0; e == VECHE_OK && s < t->nsel[cc]; s++)
            if (!veche_ciphertext_eq(&t->ct[cc][s], &c->tally.ct[cc][s]))
                e = veche_diag_set(d, VECHE_EVERIFY, "body.tally[%zu][%zu] (contest \"%s\", "
                                   "selection %zu) is not the sum of the counted ballots", cc, s,
                                   el->manifest.contests[cc].id, s);
    free(t);
    return e;
}

/* ---- decryptions ---------------------------------------------------------------------------- */

veche_err veche_decryptions_judge(veche_decryption *dec, const veche_election *el,
                                  size_t *ignored, uint64_t *bad, veche_diag *d)
{
    veche_diag why = {{0}};
    veche_err e;

    *ignored = 0;
    *bad = VECHE_ELECTION_NO_INDEX;
    for (size_t i = 0; i < el->decryptions.n; i++) {
        const veche_election_entry *it = &el->decryptions.v[i];
        veche_ceremony_item item = veche_ceremony_item_of(it);
        if (!it->is_signed || veche_manifest_trustee(&el->manifest, it->author) == 0) {
            (*ignored)++;   /* no trustee's: anyone may append one, it changes nothing */
            continue;
        }
        if ((e = veche_decryption_add(dec, &item, &why)) != VECHE_OK) {
            *bad = it->index;
            return veche_diag_set(d, e, "entry %llu: %s", (unsigned long long)it->index,
                                  why.msg);
        }
    }
    return VECHE_OK;
}

size_t veche_decryption_set(const veche_decryption *dec, uint32_t set[VECHE_DKG_MAX_TRUSTEES])
{
    size_t count = 0;
    for (uint32_t j = 1; j <= dec->cer->params.n && j <= VECHE_DKG_MAX_TRUSTEES; j++)
        if (dec->have[j])
            set[count++] = j;
    return count;
}

/* ---- the result ----------------------------------------------------------------------------- */

typedef veche_point point_row[VECHE_MAX_SELECTIONS];

/* Combines set's shares into M (allocated): m·G per explicit selection. */
static veche_err combine_shares(point_row **M, const veche_decryption *dec, const uint32_t set[],
                                size_t count, veche_diag *d)
{
    veche_err e;
    if ((*M = calloc(VECHE_MAX_CONTESTS, sizeof **M)) == NULL)
        return oom(d);
    if ((e = veche_decryption_combine(*M, dec, set, count, d)) != VECHE_OK) {
        free(*M);
        *M = NULL;
    }
    return e;
}

/*
 * Baby steps that balance building the table (B encodings) against the
 * searches (on average (W+1)/(2B) each): B = sqrt(S·(W+1)/2) for S searches.
 */
static uint64_t table_size(uint64_t W, size_t searches)
{
    double want = (double)(W + 1) * (double)(searches ? searches : 1) / 2.0;
    uint64_t b = 1;
    while ((double)b * (double)b < want && b < VECHE_DLOG_MAX_BABIES)
        b *= 2;
    if (b > W + 1)
        b = W + 1;
    return searches <= 2 ? 0 : b;
}

static void result_shape(veche_result *r, const veche_manifest *m, const uint32_t set[],
                         size_t count, uint64_t W)
{
    memset(r, 0, sizeof *r);
    memcpy(r->trustees, set, count * sizeof set[0]);
    r->ntrustees = count;
    r->weight = W;
    r->ncontests = m->ncontests;
    for (size_t c = 0; c < m->ncontests; c++)
        r->nsel[c] = m->contests[c].nsel;
}

/* The implicit last selection of an exact-k contest: k·W − Σ others; -1 if negative. */
static int implicit_count(uint64_t *out, const veche_contest *ct, const uint64_t *counts,
                          uint64_t W)
{
    uint64_t sum = 0, all = (uint64_t)ct->max * W;
    for (size_t s = 0; s < ct->nexplicit; s++)
        sum += counts[s];
    if (sum > all)
        return -1;
    *out = all - sum;
    return 0;
}

static veche_err solve_all(veche_result *r, const veche_manifest *m, const point_row *M,
                           veche_dlog *ctx, veche_diag *d)
{
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        for (size_t s = 0; s < ct->nexplicit; s++)
            if (veche_dlog_solve(&r->counts[c][s], ctx, &M[c][s]) != VECHE_OK)
                return veche_diag_set(d, VECHE_ENOTFOUND, "contest \"%s\" selection %zu decrypts "
                                      "to no count in [0, %llu]: the tally or a share is wrong",
                                      ct->id, s, (unsigned long long)r->weight);
        if (ct->nexplicit < ct->nsel &&
            implicit_count(&r->counts[c][ct->nexplicit], ct, r->counts[c], r->weight) != 0)
            return veche_diag_set(d, VECHE_EVERIFY, "contest \"%s\": the explicit counts exceed "
                                  "%u·W", ct->id, ct->max);
    }
    return VECHE_OK;
}

veche_err veche_result_compute(veche_result *r, const veche_decryption *dec,
                               const uint32_t set[], size_t count, uint64_t W,
                               veche_diag *d)
{
    const veche_manifest *m = dec->cer->manifest;
    point_row *M;
    veche_dlog *ctx = NULL;
    size_t searches = 0;
    veche_err e;

    if (count > VECHE_DKG_MAX_TRUSTEES)
        return veche_diag_set(d, VECHE_EINVALID, "%zu trustees given", count);
    result_shape(r, m, set, count, W);
    if ((e = combine_shares(&M, dec, set, count, d)) != VECHE_OK)
        return e;
    for (size_t c = 0; c < m->ncontests; c++)
        searches += m->contests[c].nexplicit;
    if ((e = veche_dlog_new(&ctx, W, table_size(W, searches))) != VECHE_OK)
        e = veche_diag_set(d, e, "the discrete-log table for W = %llu: %s",
                           (unsigned long long)W, veche_strerror(e));
    else
        e = solve_all(r, m, M, ctx, d);
    veche_dlog_free(ctx);
    free(M);
    return e;
}

veche_err veche_result_body(json_t **body, const veche_election *el, const veche_result *r,
                            veche_diag *d)
{
    json_t *tr = json_array(), *counts = json_array();
    int bad = tr == NULL || counts == NULL;

    *body = NULL;
    for (size_t k = 0; !bad && k < r->ntrustees; k++)
        bad = json_array_append_new(tr, json_integer(r->trustees[k])) != 0;
    for (size_t c = 0; !bad && c < r->ncontests; c++) {
        json_t *row = json_array();
        bad = row == NULL || json_array_append_new(counts, row) != 0;
        for (size_t s = 0; !bad && s < r->nsel[c]; s++)
            bad = json_array_append_new(row, json_integer((json_int_t)r->counts[c][s])) != 0;
    }
    if (!bad)
        *body = json_pack("{s:s, s:O, s:O}", "election", el->id, "trustees", tr, "counts", counts);
    json_decref(tr);
    json_decref(counts);
    return *body ? VECHE_OK : oom(d);
}

/* body.trustees: >= t, each with an accepted decryption published before the result. */
static veche_err check_trustees(uint32_t set[VECHE_DKG_MAX_TRUSTEES], size_t *count,
                                const json_t *a, const veche_decryption *dec,
                                uint64_t result_index, veche_diag *d)
{
    const veche_dkg_params *p = &dec->cer->params;
    size_t n = json_array_size(a);

    if (!json_is_array(a) || n < p->t || n > p->n)
        return veche_diag_set(d, VECHE_EVERIFY, "body.trustees: %zu trustees; %u to %u needed",
                              n, p->t, p->n);
    for (size_t k = 0; k < n; k++) {
        json_int_t j = json_integer_value(json_array_get(a, k));
        if (j < 1 || j > (json_int_t)p->n || (k > 0 && (uint32_t)j <= set[k - 1]))
            return veche_diag_set(d, VECHE_EVERIFY, "body.trustees[%zu]: not a trustee 1..%u in "
                                  "increasing order", k, p->n);
        if (!dec->have[j])
            return veche_diag_set(d, VECHE_EVERIFY, "body.trustees[%zu]: trustee %lld has no "
                                  "valid decryption on the record", k, (long long)j);
        if (dec->index[j] > result_index)
            return veche_diag_set(d, VECHE_EVERIFY, "body.trustees[%zu]: trustee %lld's "
                                  "decryption (entry %llu) comes after the result", k,
                                  (long long)j, (unsigned long long)dec->index[j]);
        set[k] = (uint32_t)j;
    }
    *count = n;
    return VECHE_OK;
}

/* body.counts: one integer per selection, each explicit one's ·G equal to M. */
static veche_err check_counts(veche_result *r, const json_t *a, const veche_manifest *m,
                              const point_row *M, veche_diag *d)
{
    veche_point P;
    uint64_t want;

    if (!json_is_array(a) || json_array_size(a) != m->ncontests)
        return veche_diag_set(d, VECHE_EVERIFY, "body.counts: must hold %zu contests",
                              m->ncontests);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        const json_t *row = json_array_get(a, c);
        if (!json_is_array(row) || json_array_size(row) != ct->nsel)
            return veche_diag_set(d, VECHE_EVERIFY, "body.counts[%zu]: must hold %zu counts "
                                  "(contest \"%s\")", c, ct->nsel, ct->id);
        for (size_t s = 0; s < ct->nsel; s++) {
            json_int_t v = json_integer_value(json_array_get(row, s));
            if (!json_is_integer(json_array_get(row, s)) || v < 0 || (uint64_t)v > r->weight)
                return veche_diag_set(d, VECHE_EVERIFY, "body.counts[%zu][%zu]: not a count in "
                                      "[0, W = %llu]", c, s, (unsigned long long)r->weight);
            r->counts[c][s] = (uint64_t)v;
        }
        for (size_t s = 0; s < ct->nexplicit; s++) {
            veche_point_mul_base_u64(&P, r->counts[c][s]);
            if (!veche_point_eq(&P, &M[c][s]))
                return veche_diag_set(d, VECHE_EVERIFY, "body.counts[%zu][%zu] = %llu (contest "
                                      "\"%s\", \"%s\") is not what the shares decrypt to", c, s,
                                      (unsigned long long)r->counts[c][s], ct->id,
                                      s < ct->noptions ? ct->options[s] : "blank");
        }
        if (ct->nexplicit < ct->nsel &&
            (implicit_count(&want, ct, r->counts[c], r->weight) != 0 ||
             want != r->counts[c][ct->nexplicit]))
            return veche_diag_set(d, VECHE_EVERIFY, "body.counts[%zu][%zu]: the implicit "
                                  "selection must be %u·W minus the others", c, ct->nexplicit,
                                  ct->max);
    }
    return VECHE_OK;
}

veche_err veche_result_check(veche_result *r, const json_t *body, const veche_decryption *dec,
                             uint64_t result_index, uint64_t W, veche_diag *d)
{
    const veche_manifest *m = dec->cer->manifest;
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    veche_result *tmp = malloc(sizeof *tmp);
    point_row *M = NULL;
    size_t count = 0;
    veche_err e;

    if (tmp == NULL)
        return oom(d);
    e = check_trustees(set, &count, json_object_get(body, "trustees"), dec, result_index, d);
    if (e == VECHE_OK) {
        result_shape(tmp, m, set, count, W);
        e = combine_shares(&M, dec, set, count, d);
    }
    if (e == VECHE_OK)
        e = check_counts(tmp, json_object_get(body, "counts"), m, M, d);
    if (e == VECHE_OK && r != NULL)
        *r = *tmp;
    free(M);
    free(tmp);
    return e;
}
