/*
 * writer.c — the one thread that appends to the board (group commit).
 *
 * A request hands its entries to srv_append, which queues them as a group
 * and sleeps until the writer has answered it. The writer takes everything
 * queued (up to BATCH_MAX entries), runs each group's check against the
 * state as it is now, and appends the groups that pass as one
 * veche_board_append: one transaction, one fsync for many ballots. Only
 * after that does it index the new entries and wake the requests, so an
 * acknowledged entry is durable and visible.
 *
 * Two rules keep "checked against the current state" true inside a batch:
 *   - a group holding anything but ballots (a close, a tally...) changes
 *     what later checks would see, so it is appended in a batch of its own;
 *   - a group whose bytes repeat an entry already taken into this batch
 *     waits for the next batch, where its check sees the first on the
 *     record (a retried ballot is then answered with the first's index).
 * If the batch is refused as a whole, the groups are appended one by one,
 * so one bad group does not sink the others.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/internal.h"

#define BATCH_MAX 2000   /* entries per batch */

typedef struct wjob {
    const uint8_t *const *entries;
    const size_t   *lens;
    size_t          n;
    srv_entry_info *info;
    srv_check       check;
    srv_after       after;       /* NULL, or run once the group is on the record */
    void           *arg;
    srv_resp       *resp;
    uint64_t        first;
    int             rc;
    int             done;
    pthread_cond_t  cv;          /* its request sleeps on it: one wake-up per answer */
    struct wjob    *next;
} wjob;

typedef struct writer {
    pthread_t       thread;
    pthread_mutex_t mu;
    pthread_cond_t  work;
    wjob           *head, *tail;
    int             stop;
} writer;

#define W(st) ((writer *)(st)->writer)

/* ---- one batch ------------------------------------------------------------------------ */

typedef struct batch {
    wjob          **jobs;      /* taken from the queue, in order */
    size_t          njobs;
    const uint8_t **entries;   /* of the jobs that passed their check */
    size_t         *lens;
    size_t          n;
    srv_map         leaves;    /* leaf hashes taken into this batch */
} batch;

static int all_ballots(const wjob *j)
{
    for (size_t i = 0; i < j->n; i++)
        if (!j->info[i].is_ballot)
            return 0;
    return 1;
}

/*
 * Takes jobs off the queue (under w->mu) into b: as many as fit in
 * BATCH_MAX entries; a job that is not only ballots goes alone.
 */
static void take(writer *w, batch *b, size_t cap)
{
    size_t entries = 0;
    while (w->head != NULL && b->njobs < cap) {
        wjob *j = w->head;
        int solo = !all_ballots(j);
        if (b->njobs > 0 && (solo || entries + j->n > BATCH_MAX))
            break;
        w->head = j->next;
        if (w->head == NULL)
            w->tail = NULL;
        b->jobs[b->njobs++] = j;
        entries += j->n;
        if (solo)
            break;
    }
}

/* Puts jobs back at the head of the queue, in order (under w->mu). */
static void put_back(writer *w, wjob **jobs, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        jobs[i]->next = w->head;
        w->head = jobs[i];
        if (w->tail == NULL)
            w->tail = jobs[i];
    }
}

static int repeats(batch *b, const wjob *j)
{
    uint64_t v;
    for (size_t i = 0; i < j->n; i++)
        if (srv_map_get(&b->leaves, j->info[i].leaf, &v))
            return 1;
    return 0;
}

/* Adds the group's leaves to the batch's map; -1 out of memory. */
static int remember(batch *b, const wjob *j)
{
    for (size_t i = 0; i < j->n; i++)
        if (srv_map_put(&b->leaves, j->info[i].leaf, 0) < 0)
            return -1;
    return 0;
}

static void status_of(srv_resp *resp, veche_err e, const char *msg)
{
    if (e == VECHE_EINTERNAL || e == VECHE_ENOMEM)
        srv_error(resp, 500, "internal", NULL, "storage failure, nothing was stored: %s", msg);
    else
        srv_error(resp, 422, "invalid_entry", NULL, "the record refuses the entry: %s", msg);
}

/* Appends entries under board_lock; the batch's index of the first in *first. */
static veche_err append(srv_state *st, const uint8_t *const *entries, const size_t *lens,
                        size_t n, uint64_t *first, veche_diag *d)
{
    veche_err e;
    pthread_mutex_lock(&st->board_lock);
    e = veche_board_append(st->board, entries, lens, n, first, d);
    pthread_mutex_unlock(&st->board_lock);
    return e;
}

/* The batch refused as a whole: each passed job on its own. */
static void append_one_by_one(srv_state *st, batch *b)
{
    for (size_t i = 0; i < b->njobs; i++) {
        wjob *j = b->jobs[i];
        veche_diag d = {{0}};
        veche_err e;
        if (j->rc != 0)
            continue;
        if ((e = append(st, j->entries, j->lens, j->n, &j->first, &d)) != VECHE_OK) {
            status_of(j->resp, e, d.msg);
            j->rc = -1;
            continue;
        }
        srv_state_appended(st, j->info, j->n, j->first);
    }
}

/* A signed checkpoint for the new size, so receipts cover what was appended. */
static void checkpoint(srv_state *st)
{
    veche_diag d = {{0}};
    char *note = NULL;
    uint64_t size;
    veche_err e;
    pthread_mutex_lock(&st->board_lock);
    e = veche_board_checkpoint(st->board, &note, &d);
    size = veche_board_size(st->board);
    pthread_mutex_unlock(&st->board_lock);
    if (e == VECHE_OK)
        srv_tree_checkpoint(st, note, size);
    else
        fprintf(stderr, "veche serve: cannot make a checkpoint: %s\n", d.msg);
    free(note);
}

/* Checks, appends and indexes the jobs of b; sets every job's rc. */
static void run_batch(srv_state *st, batch *b, wjob ***later, size_t *nlater)
{
    veche_diag d = {{0}};
    uint64_t first = 0;
    size_t taken = 0;
    veche_err e;

    b->n = 0;
    for (size_t i = 0; i < b->njobs; i++) {
        wjob *j = b->jobs[i];
        if (repeats(b, j)) {
            (*later)[(*nlater)++] = j;
            b->jobs[i] = NULL;
            continue;
        }
        j->rc = j->check != NULL ? j->check(st, j->arg, j->resp) : 0;
        if (j->rc != 0)
            continue;
        /* Without its leaves in the map, a repeat later in this batch would go unseen:
           refuse the group rather than lose the duplicate detection. */
        if (remember(b, j) != 0) {
            srv_error(j->resp, 500, "internal", NULL, "out of memory, nothing was stored");
            j->rc = -1;
            continue;
        }
        for (size_t k = 0; k < j->n; k++) {
            b->entries[b->n] = j->entries[k];
            b->lens[b->n++] = j->lens[k];
        }
        taken++;
    }
    /* Jobs deferred: drop their places in b so the loops below skip them. */
    size_t m = 0;
    for (size_t i = 0; i < b->njobs; i++)
        if (b->jobs[i] != NULL)
            b->jobs[m++] = b->jobs[i];
    b->njobs = m;
    if (taken == 0)
        return;
    if ((e = append(st, b->entries, b->lens, b->n, &first, &d)) != VECHE_OK) {
        if (taken == 1) {
            for (size_t i = 0; i < b->njobs; i++)
                if (b->jobs[i]->rc == 0) {
                    status_of(b->jobs[i]->resp, e, d.msg);
                    b->jobs[i]->rc = -1;
                }
        } else {
            append_one_by_one(st, b);
        }
    } else {
        for (size_t i = 0; i < b->njobs; i++) {
            wjob *j = b->jobs[i];
            if (j->rc != 0)
                continue;
            j->first = first;
            srv_state_appended(st, j->info, j->n, first);
            if (j->after != NULL)
                j->after(st, j->arg, first);
            first += j->n;
        }
    }
    checkpoint(st);
}

/* ---- the thread ----------------------------------------------------------------------- */

static void *writer_main(void *arg)
{
    srv_state *st = arg;
    writer *w = W(st);
    batch b;
    wjob **later = NULL;

    memset(&b, 0, sizeof b);
    b.jobs = malloc(BATCH_MAX * sizeof *b.jobs);
    later = malloc(BATCH_MAX * sizeof *later);
    b.entries = malloc(BATCH_MAX * sizeof *b.entries);
    b.lens = malloc(BATCH_MAX * sizeof *b.lens);
    if (b.jobs == NULL || later == NULL || b.entries == NULL || b.lens == NULL ||
        srv_map_init(&b.leaves) != 0) {
        fprintf(stderr, "veche serve: the writer is out of memory\n");
        abort();
    }
    for (;;) {
        size_t nlater = 0;
        pthread_mutex_lock(&w->mu);
        while (w->head == NULL && !w->stop)
            pthread_cond_wait(&w->work, &w->mu);
        if (w->head == NULL && w->stop) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        b.njobs = 0;
        take(w, &b, BATCH_MAX);
        pthread_mutex_unlock(&w->mu);

        run_batch(st, &b, &later, &nlater);
        srv_map_free(&b.leaves);

        pthread_mutex_lock(&w->mu);
        for (size_t i = 0; i < b.njobs; i++) {
            b.jobs[i]->done = 1;
            pthread_cond_signal(&b.jobs[i]->cv);
        }
        put_back(w, later, nlater);
        pthread_mutex_unlock(&w->mu);
    }
    free(b.jobs);
    free(later);
    free((void *)b.entries);
    free(b.lens);
    srv_map_free(&b.leaves);
    return NULL;
}

int srv_writer_start(srv_state *st)
{
    writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    st->writer = w;
    if (pthread_create(&w->thread, NULL, writer_main, st) != 0) {
        st->writer = NULL;
        free(w);
        return -1;
    }
    return 0;
}

void srv_writer_stop(srv_state *st)
{
    writer *w = W(st);
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    free(w);
    st->writer = NULL;
}

/* ---- the requests' side ------------------------------------------------------------------ */

/* Queues the job and sleeps until the writer has answered it. */
static int submit(srv_state *st, wjob *j, uint64_t *first)
{
    writer *w = W(st);
    pthread_cond_init(&j->cv, NULL);
    pthread_mutex_lock(&w->mu);
    if (w->tail != NULL)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->work);
    while (!j->done)
        pthread_cond_wait(&j->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&j->cv);
    if (j->rc == 0 && first != NULL)
        *first = j->first;
    return j->rc;
}

static int refuse_now(srv_state *st, size_t n, srv_resp *resp)
{
    if (n == 0 || n > BATCH_MAX)
        return srv_error(resp, 500, "internal", NULL, "%zu entries cannot be appended at once",
                         n), -1;
    if (W(st) == NULL)
        return srv_error(resp, 503, "unavailable", NULL, "the server is shutting down and "
                         "appends nothing more; nothing was stored: retry when it is back"), -1;
    return 0;
}

int srv_append_classified(srv_state *st, const uint8_t *const *entries, const size_t *lens,
                          srv_entry_info *info, size_t n, srv_check check, void *arg,
                          uint64_t *first, srv_resp *resp)
{
    return srv_append_after(st, entries, lens, info, n, check, NULL, arg, first, resp);
}

int srv_append_after(srv_state *st, const uint8_t *const *entries, const size_t *lens,
                     srv_entry_info *info, size_t n, srv_check check, srv_after after,
                     void *arg, uint64_t *first, srv_resp *resp)
{
    wjob j;
    if (refuse_now(st, n, resp) != 0)
        return -1;
    memset(&j, 0, sizeof j);
    j.entries = entries;
    j.lens = lens;
    j.info = info;
    j.n = n;
    j.check = check;
    j.after = after;
    j.arg = arg;
    j.resp = resp;
    return submit(st, &j, first);
}

int srv_append(srv_state *st, const uint8_t *const *entries, const size_t *lens, size_t n,
               srv_check check, void *arg, uint64_t *first, srv_resp *resp)
{
    srv_entry_info *info;
    int rc;

    if (refuse_now(st, n, resp) != 0)
        return -1;
    if ((info = calloc(n, sizeof *info)) == NULL)
        return srv_error(resp, 500, "internal", NULL, "out of memory"), -1;
    /* Parsed here, on the request's thread, so the writer only appends. */
    for (size_t i = 0; i < n; i++)
        srv_entry_classify(&info[i], entries[i], lens[i]);
    rc = srv_append_classified(st, entries, lens, info, n, check, arg, first, resp);
    free(info);
    return rc;
}
