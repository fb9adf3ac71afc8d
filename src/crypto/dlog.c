/*
 * dlog.c — baby-step giant-step over ristretto255 (see dlog.h).
 *
 * The table is two parallel arrays, keys (32-byte encodings) and values
 * (the baby index j), with VALUE_EMPTY marking a free slot: a marker in the
 * value, not the key, because 0·G encodes as 32 zero bytes and is a real key.
 * The slot count is a power of two at least twice the number of babies, so
 * linear probing always finds a free slot and probe runs stay short.
 */
#include "crypto/dlog.h"

#include <stdlib.h>
#include <string.h>

#define VALUE_EMPTY UINT32_MAX

struct veche_dlog {
    uint64_t bound;
    uint64_t babies;           /* B: the table holds j·G for j < B */
    uint64_t giants;           /* ceil((bound + 1) / B) */
    veche_point giant_step;    /* -B·G */
    size_t   mask;             /* slot count - 1 */
    uint8_t  (*keys)[VECHE_POINT_BYTES];
    uint32_t *values;
};

/* ceil(sqrt(v)) for v >= 1, exactly, without floating point. */
static uint64_t isqrt_ceil(uint64_t v)
{
    uint64_t lo = 1, hi = (uint64_t)1 << 32;   /* hi² >= v for every 64-bit v */

    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (mid * mid >= v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/*
 * The slot a key starts probing from. Encodings are field elements, close
 * to uniform in their low bytes except bit 0 (always 0: RFC 9496 encodes the
 * non-negative root), so mix 8 bytes by a multiplicative (Fibonacci) hash.
 */
static size_t slot_of(const uint8_t key[VECHE_POINT_BYTES], size_t mask)
{
    uint64_t h = 0;

    for (int i = 0; i < 8; i++)
        h |= (uint64_t)key[i] << (8 * i);
    h *= UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & mask;
}

static void table_insert(veche_dlog *d, const uint8_t key[VECHE_POINT_BYTES], uint32_t value)
{
    size_t s = slot_of(key, d->mask);

    while (d->values[s] != VALUE_EMPTY)
        s = (s + 1) & d->mask;
    memcpy(d->keys[s], key, VECHE_POINT_BYTES);
    d->values[s] = value;
}

/* The baby index stored under key, or VALUE_EMPTY. */
static uint32_t table_find(const veche_dlog *d, const uint8_t key[VECHE_POINT_BYTES])
{
    size_t s = slot_of(key, d->mask);

    while (d->values[s] != VALUE_EMPTY) {
        if (memcmp(d->keys[s], key, VECHE_POINT_BYTES) == 0)
            return d->values[s];
        s = (s + 1) & d->mask;
    }
    return VALUE_EMPTY;
}

static veche_err table_alloc(veche_dlog *d)
{
    size_t slots = 2;

    while (slots < 2 * d->babies)
        slots *= 2;
    d->mask = slots - 1;
    d->keys = malloc(slots * sizeof *d->keys);
    d->values = malloc(slots * sizeof *d->values);
    if (d->keys == NULL || d->values == NULL)
        return VECHE_ENOMEM;
    memset(d->values, 0xFF, slots * sizeof *d->values);   /* every slot VALUE_EMPTY */
    return VECHE_OK;
}

/* Inserts j·G for j = 0 .. B-1, and sets the giant step -B·G. */
static void table_fill(veche_dlog *d)
{
    veche_point P, G;
    uint8_t enc[VECHE_POINT_BYTES];

    veche_point_identity(&P);
    veche_point_generator(&G);
    for (uint64_t j = 0; j < d->babies; j++) {
        veche_point_encode(enc, &P);
        table_insert(d, enc, (uint32_t)j);
        veche_point_add(&P, &P, &G);
    }
    veche_point_neg(&d->giant_step, &P);   /* P = B·G now */
}

veche_err veche_dlog_new(veche_dlog **ctx, uint64_t bound, uint64_t babies)
{
    veche_dlog *d;
    veche_err e;

    *ctx = NULL;
    if (bound > VECHE_DLOG_MAX_BOUND)
        return VECHE_ERANGE;
    if (babies == 0)
        babies = isqrt_ceil(bound + 1);
    if (babies > VECHE_DLOG_MAX_BABIES || babies > bound + 1)
        return VECHE_EINVALID;
    if ((d = calloc(1, sizeof *d)) == NULL)
        return VECHE_ENOMEM;
    d->bound = bound;
    d->babies = babies;
    d->giants = bound / babies + 1;   /* = ceil((bound + 1) / babies) */
    if ((e = table_alloc(d)) != VECHE_OK) {
        veche_dlog_free(d);
        return e;
    }
    table_fill(d);
    *ctx = d;
    return VECHE_OK;
}

void veche_dlog_free(veche_dlog *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->keys);
    free(ctx->values);
    free(ctx);
}

uint64_t veche_dlog_bound(const veche_dlog *ctx)
{
    return ctx->bound;
}

uint64_t veche_dlog_babies(const veche_dlog *ctx)
{
    return ctx->babies;
}

veche_err veche_dlog_solve(uint64_t *m, const veche_dlog *ctx, const veche_point *M)
{
    veche_point P = *M;
    uint8_t enc[VECHE_POINT_BYTES];

    *m = 0;
    for (uint64_t i = 0; i < ctx->giants; i++) {
        uint32_t j;
        veche_point_encode(enc, &P);
        j = table_find(ctx, enc);
        if (j != VALUE_EMPTY) {
            uint64_t v = i * ctx->babies + j;
            if (v > ctx->bound)
                return VECHE_ENOTFOUND;   /* the unique preimage lies above bound */
            *m = v;
            return VECHE_OK;
        }
        veche_point_add(&P, &P, &ctx->giant_step);
    }
    return VECHE_ENOTFOUND;
}
