/*
 * fuzz/fuzz_dlog.c — libFuzzer target for discrete-log recovery (dlog.h):
 * the parameters of veche_dlog_new and the point given to veche_dlog_solve.
 *
 * Input layout (missing bytes read as zeros):
 *   byte 0        mode: 0 raw point, 1 small multiple, 2 any multiple,
 *                 3 wild parameters (mod 4)
 *   bytes 1-2     bound, le16, reduced to 0 .. SMALL_BOUND
 *   bytes 3-4     babies, le16, reduced to 0 .. bound + 1 (0: the default)
 *   then          mode 0: a 32-byte point encoding (skipped unless valid);
 *                 mode 1: v (le16): M = v·G;
 *                 mode 2: v (le64): M = v·G;
 *                 mode 3: bound and babies as two le64, any values at all
 *
 * Checks:
 *   - veche_dlog_new accepts exactly what dlog.h says (bound <=
 *     VECHE_DLOG_MAX_BOUND, 1 <= babies <= min(VECHE_DLOG_MAX_BABIES,
 *     bound + 1), babies 0 meaning ceil(sqrt(bound + 1))) with the documented
 *     error codes; in mode 3 a legal but large table is not built (too slow),
 *     only the rejections are exercised;
 *   - veche_dlog_bound / veche_dlog_babies report what was asked;
 *   - veche_dlog_solve finds m exactly when M = m·G with m <= bound, checked
 *     against a table of the encodings of 0·G .. SMALL_BOUND·G built here
 *     by repeated addition (and, when M was made as v·G, against v itself);
 *     on VECHE_ENOTFOUND *m is 0; no other code is returned.
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_dlog writes one input of
 * each mode into <dir> and exits (how fuzz/corpus/fuzz_dlog/ was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/dlog.h"
#include "crypto/group.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SMALL_BOUND = 1023 };

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_dlog: check failed at line %d: %s\n", __LINE__,   \
                    #cond);                                                         \
            abort();                                                                \
        }                                                                           \
    } while (0)

static uint8_t small[SMALL_BOUND + 1][32];   /* encodings of m·G, m = 0..SMALL_BOUND */

/* The m <= SMALL_BOUND with M = m·G, or -1. */
static long small_dlog(const veche_point *M)
{
    uint8_t enc[32];
    veche_point_encode(enc, M);
    for (long m = 0; m <= SMALL_BOUND; m++)
        if (memcmp(small[m], enc, 32) == 0)
            return m;
    return -1;
}

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ceil(sqrt(v)) for v >= 1, the plain way. */
static uint64_t sqrt_ceil(uint64_t v)
{
    uint64_t r = 0;
    while (r * r < v)
        r++;
    return r;
}

/* Mode 3: arbitrary parameters; only rejections (and small tables) are run. */
static void wild(uint64_t bound, uint64_t babies)
{
    veche_dlog *d = (veche_dlog *)&d;   /* not NULL: new must set *ctx = NULL on failure */
    veche_err e;

    if (bound > VECHE_DLOG_MAX_BOUND) {
        e = veche_dlog_new(&d, bound, babies);
        CHECK(e == VECHE_ERANGE && d == NULL);
        return;
    }
    /* The default table, ceil(sqrt(bound + 1)) <= 2^20, is always legal. */
    if (babies != 0 && (babies > VECHE_DLOG_MAX_BABIES || babies > bound + 1)) {
        e = veche_dlog_new(&d, bound, babies);
        CHECK(e == VECHE_EINVALID && d == NULL);
        return;
    }
    /* Legal: build it only if small (the table stays cheap). */
    if (bound > 2 * (uint64_t)SMALL_BOUND)
        return;
    e = veche_dlog_new(&d, bound, babies);
    CHECK(e == VECHE_OK && d != NULL);
    CHECK(veche_dlog_bound(d) == bound);
    CHECK(veche_dlog_babies(d) == (babies ? babies : sqrt_ceil(bound + 1)));
    veche_dlog_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t in[48] = {0};
    uint64_t bound, babies, v = 0, m = 12345;
    int mode, known = 0;
    veche_dlog *d;
    veche_point M;
    veche_err e;
    long ref;

    memcpy(in, data, size < sizeof in ? size : sizeof in);
    mode = in[0] % 4;
    if (mode == 3) {
        wild(le(in + 5, 8), le(in + 13, 8));
        return 0;
    }
    bound = le(in + 1, 2) % (SMALL_BOUND + 1);
    babies = le(in + 3, 2) % (bound + 2);
    switch (mode) {
    case 0:
        if (veche_point_decode(&M, in + 5, VECHE_ALLOW_IDENTITY) != VECHE_OK)
            return 0;
        break;
    case 1:
        v = le(in + 5, 2);
        known = 1;
        veche_point_mul_base_u64(&M, v);
        break;
    default:
        v = le(in + 5, 8);
        known = 1;
        veche_point_mul_base_u64(&M, v);
        break;
    }

    e = veche_dlog_new(&d, bound, babies);
    CHECK(e == VECHE_OK && d != NULL);
    CHECK(veche_dlog_bound(d) == bound);
    CHECK(veche_dlog_babies(d) == (babies ? babies : sqrt_ceil(bound + 1)));

    e = veche_dlog_solve(&m, d, &M);
    CHECK(e == VECHE_OK || e == VECHE_ENOTFOUND);
    ref = small_dlog(&M);
    if (e == VECHE_OK) {
        veche_point P;
        CHECK(m <= bound);
        veche_point_mul_base_u64(&P, m);
        CHECK(veche_point_eq(&P, &M));
        CHECK(ref == (long)m);
    } else {
        CHECK(m == 0);
        CHECK(ref < 0 || (uint64_t)ref > bound);
    }
    if (known)
        CHECK((e == VECHE_OK) == (v <= bound) && (e != VECHE_OK || m == v));
    veche_dlog_free(d);
    return 0;
}

static void save(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[4096];
    FILE *f;

    LLVMFuzzerTestOneInput(b, n);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_dlog: cannot write %s\n", path);
        exit(1);
    }
}

static void write_seeds(const char *dir)
{
    /* bound 1000, default table, the point 777·G */
    uint8_t raw[37] = {0, 0xe8, 0x03, 0, 0};
    uint8_t small_v[7] = {1, 0xe8, 0x03, 0x07, 0, 0xe8, 0x03};   /* babies 7, v = 1000 */
    uint8_t any_v[13] = {2, 0x64, 0, 0x0a, 0, 0x65, 0, 0, 0, 0, 0, 0, 0}; /* v = 101 > 100 */
    uint8_t wild_p[21] = {3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0x40};

    memcpy(raw + 5, small[777], 32);
    save(dir, "raw-point", raw, sizeof raw);
    save(dir, "small-multiple", small_v, sizeof small_v);
    save(dir, "any-multiple", any_v, sizeof any_v);
    save(dir, "wild-params", wild_p, sizeof wild_p);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");
    veche_point P, G;

    (void)argc;
    (void)argv;
    if (veche_crypto_init() != VECHE_OK)
        abort();
    veche_point_identity(&P);
    veche_point_generator(&G);
    for (int m = 0; m <= SMALL_BOUND; m++) {
        veche_point_encode(small[m], &P);
        veche_point_add(&P, &P, &G);
    }
    if (dir != NULL)
        write_seeds(dir);
    return 0;
}
