/*
 * dlog.h — recovering a tally m from M = m·G by baby-step giant-step.
 *
 * Exponential ElGamal decrypts to the point M = m·G, not to m. For a tally,
 * m is known to lie in [0, bound] (bound = the total weight of the ballots
 * counted), so m can be found by search:
 *
 *   babies   B = the table size, by default ceil(sqrt(bound + 1))
 *   giants   ceil((bound + 1) / B)
 *   table    the encodings of j·G for j = 0 .. B-1, each with its j
 *   search   for i = 0, 1, ..., giants-1: if M - i·B·G is in the table as
 *            j·G, then m = i·B + j (reported only when m <= bound)
 *
 * Every value in [0, giants·B) has exactly one such (i, j), and the group
 * order is far larger than any bound, so a hit is the answer; a value above
 * bound, or a point that is no small multiple of G at all, gives
 * VECHE_ENOTFOUND.
 *
 * The table is keyed by full 32-byte ristretto255 encodings (RFC 9496), in
 * an open-addressing hash table (linear probing, at most half full); a key is
 * compared by all 32 bytes, so there are no false hits.
 *
 * Costs. Each baby and each giant step is one point addition (~0.2 µs) and
 * one encoding (~5.5 µs: an inverse square root): the encodings dominate.
 * Building costs B encodings; one search at most `giants` encodings, on
 * average half that for values spread over the range. Memory: 36 bytes a
 * slot, the slot count the power of two >= 2·B. With the default B
 * (times measured on the development machine, release build):
 *   bound 10^6:  B = 1001,   72 KiB,  ~6 ms to build,    <= ~6 ms a search
 *   bound 10^9:  B = 31623,  2.3 MiB, 0.19 s to build,   <= 0.19 s a search
 *   bound 2^40:  B = 2^20,   72 MiB,  ~6 s to build,     <= ~6 s a search
 * A tally decrypts many options with one context, so a caller that searches
 * often may choose a larger B: searches get cheaper in proportion.
 *
 * A built context is read-only: threads may search it concurrently. The
 * search runs in variable time, which is fine: M is a public tally.
 */
#ifndef VECHE_CRYPTO_DLOG_H
#define VECHE_CRYPTO_DLOG_H

#include <stdint.h>

#include "crypto/group.h"

/* The largest bound accepted: 2^40 - 1 (about 1.1·10^12). */
#define VECHE_DLOG_MAX_BOUND  ((((uint64_t)1) << 40) - 1)
/* The largest table accepted: 2^22 babies (288 MiB). */
#define VECHE_DLOG_MAX_BABIES (((uint64_t)1) << 22)

typedef struct veche_dlog veche_dlog;

/*
 * Builds the baby table for values in [0, bound]. babies = 0 chooses
 * ceil(sqrt(bound + 1)); otherwise babies is the table size, 1 ..
 * VECHE_DLOG_MAX_BABIES, at most bound + 1. VECHE_ERANGE if bound exceeds
 * VECHE_DLOG_MAX_BOUND; VECHE_EINVALID for a bad table size; VECHE_ENOMEM.
 * *ctx is NULL on any error.
 */
veche_err veche_dlog_new(veche_dlog **ctx, uint64_t bound, uint64_t babies);

/* Frees a context (NULL is allowed). */
void veche_dlog_free(veche_dlog *ctx);

/* The bound and table size the context was built for. */
uint64_t veche_dlog_bound(const veche_dlog *ctx);
uint64_t veche_dlog_babies(const veche_dlog *ctx);

/*
 * Finds m in [0, bound] with M = m·G. VECHE_ENOTFOUND if there is none
 * (*m is then 0). Variable time: for public tallies only.
 */
veche_err veche_dlog_solve(uint64_t *m, const veche_dlog *ctx, const veche_point *M);

#endif
