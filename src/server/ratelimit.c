/*
 * ratelimit.c — token buckets per client address: casting and logging in.
 *
 * A bucket holds up to N tokens (N = the route's rate a minute, so a burst
 * of N is allowed) and refills at N a minute; each request takes one. The
 * buckets live in a fixed table (bounded memory whatever the number of
 * addresses): an address is hashed with a secret SipHash key to a short run
 * of slots, and when the run is full the bucket used least recently is
 * evicted. An evicted address starts again with a full bucket, which only
 * someone with many addresses can exploit, and they could anyway.
 *
 * A token can be given back (srv_limit_refund): a successful login does, so
 * the login limit counts failed attempts only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "server/internal.h"

#define SLOTS 8192   /* power of two */
#define PROBE 8

typedef struct bucket {
    int    used;
    int    kind;
    char   addr[48];
    double tokens;
    double last;     /* monotonic seconds of the last refill */
} bucket;

typedef struct limits {
    pthread_mutex_t mu;
    uint8_t         key[crypto_shorthash_KEYBYTES];
    bucket          b[SLOTS];
} limits;

#define L(st) ((limits *)(st)->limits)

int srv_limits_init(srv_state *st)
{
    limits *l = calloc(1, sizeof *l);
    if (l == NULL)
        return -1;
    pthread_mutex_init(&l->mu, NULL);
    randombytes_buf(l->key, sizeof l->key);
    st->limits = l;
    return 0;
}

void srv_limits_free(srv_state *st)
{
    limits *l = L(st);
    if (l == NULL)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l);
    st->limits = NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bucket of (kind, addr): found, or a fresh one in the run's free or stalest slot. */
static bucket *find(limits *l, int kind, const char *addr, double cap, double now)
{
    uint8_t h[crypto_shorthash_BYTES];
    char keyin[64];
    uint64_t v;
    bucket *stalest = NULL;
    size_t n = (size_t)snprintf(keyin, sizeof keyin, "%d %s", kind, addr);

    crypto_shorthash(h, (const uint8_t *)keyin, n < sizeof keyin ? n : sizeof keyin - 1, l->key);
    memcpy(&v, h, sizeof v);
    for (size_t i = 0; i < PROBE; i++) {
        bucket *b = &l->b[(v + i) & (SLOTS - 1)];
        if (b->used && b->kind == kind && strcmp(b->addr, addr) == 0)
            return b;
        if (stalest == NULL || !b->used || (stalest->used && b->last < stalest->last))
            stalest = b;
    }
    stalest->used = 1;
    stalest->kind = kind;
    snprintf(stalest->addr, sizeof stalest->addr, "%s", addr);
    stalest->tokens = cap;
    stalest->last = now;
    return stalest;
}

void srv_limit_refund(srv_state *st, int kind, const char *addr, unsigned per_minute)
{
    limits *l = L(st);
    bucket *b;
    if (per_minute == 0)
        return;
    pthread_mutex_lock(&l->mu);
    b = find(l, kind, addr, per_minute, now_seconds());
    b->tokens = fmin((double)per_minute, b->tokens + 1.0);
    pthread_mutex_unlock(&l->mu);
}

int srv_limit_take(srv_state *st, int kind, const char *addr, unsigned per_minute,
                   unsigned *retry_after)
{
    limits *l = L(st);
    double cap = per_minute, rate = per_minute / 60.0, now = now_seconds();
    int rc = 0;
    bucket *b;

    *retry_after = 0;
    if (per_minute == 0)
        return 0;
    pthread_mutex_lock(&l->mu);
    b = find(l, kind, addr, cap, now);
    b->tokens = fmin(cap, b->tokens + (now - b->last) * rate);
    b->last = now;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
    } else {
        *retry_after = (unsigned)ceil((1.0 - b->tokens) / rate);
        if (*retry_after == 0)
            *retry_after = 1;
        rc = -1;
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}
