/*
 * bench/cast.c — what casting a ballot costs on this machine: verify a
 * referendum ballot and append it durably to a SQLite board.
 *
 * Casting is what a server does for each ballot it accepts:
 *   verify   veche_ballot_verify from the entry's bytes (canonical JSON,
 *            the credential's signature, the [0,1] proof) and the
 *            credential looked up in the election's list;
 *   append   veche_board_append: the board checks the entry's shape, writes
 *            it and the Merkle nodes it completes, and returns once the
 *            batch is durable (the SQLite commit, after fsync).
 * The ballots are real referendum ballots (yes/no, one of two: one
 * ciphertext, one [0,1] proof, no sum proof, the signature) of an election
 * whose manifest is parsed as the record's would be, by voters whose
 * credentials come from veche_credentials_generate. Every ballot is
 * distinct and cast once.
 *
 * Reported, in one run:
 *   V        one libsodium variable-base scalar multiplication
 *            (crypto_scalarmult_ristretto255), the unit of issue 4's targets,
 *            and verify's per-call cost in V (median of interleaved rounds,
 *            as bench/ballot.c);
 *   single   one ballot per append: verify, then append(1), per ballot —
 *            each ballot pays a whole commit;
 *   batched  B ballots (100, 1,000) verified — on one thread, then on every
 *            core (one pthread per online core, ballots handed out by an
 *            atomic counter) — then appended as one durable batch.
 * For each: ballots/s, ballots/s per core (divided by the verifying
 * threads), and the time split between verifying and appending.
 *
 * Performance is measured, not asserted: the exit status is non-zero only
 * if the benchmark is broken (a ballot made here fails to verify, a
 * tampered one passes, or an append fails). The board lives in
 * $VECHE_BENCH_DIR (default $TMPDIR or /tmp), whose filesystem is printed:
 * fsync on tmpfs proves nothing.
 *
 * Usage: bench/cast [--quick]   (--quick: a smoke run with few ballots)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "board/board.h"
#include "election/ballot.h"
#include "election/credentials.h"
#include "election/election.h"

#define BENCH_ID    "bench-cast"
#define MAX_THREADS 64
#define REPS        7

static int    quick;
static int    broken;
static unsigned cores;

static void fail(const char *what, const char *why)
{
    if (!broken)
        fprintf(stderr, "bench/cast: BROKEN: %s%s%s\n", what, why ? ": " : "", why ? why : "");
    broken = 1;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* ---- the fixture: an election, its voters, their ballots, a board -------------------- */

static struct {
    veche_manifest        m;
    veche_pubkey          K;
    uint8_t               fp[32];
    veche_credential_list creds;
    char                (*codes)[VECHE_CODE_CHARS + 1];
    char                **entry;     /* [n] built ballots, cast in order */
    size_t               *len;
    size_t                n, next;   /* next: the first ballot not cast yet */
    veche_board          *b;
    char                  dir[256], db[300];
} fx;

static json_t *manifest_body(void)
{
    uint8_t key[32];
    json_t *k1, *k2;

    randombytes_buf(key, sizeof key);
    k1 = veche_b64_json(key, 32);
    randombytes_buf(key, sizeof key);
    k2 = veche_b64_json(key, 32);
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:o}], s:i, s:o, s:[{s:s, s:s, "
                     "s:[s,s], s:i, s:i, s:b}]}",
                     "election", BENCH_ID, "title", "bench", "organisation", "bench",
                     "opens", 1, "closes", 2, "trustees", "name", "t1", "key", k1,
                     "threshold", 1, "credential_authority", k2, "contests",
                     "id", "ref", "question", "Yes or no?", "options", "yes", "no",
                     "min", 1, "max", 1, "blank", 0);
}

/* The manifest, a joint key, a fingerprint and n voters' credentials. */
static int setup_election(size_t n)
{
    veche_diag d = {{0}};
    uint32_t *w = malloc(n * sizeof *w);
    veche_scalar k;
    json_t *body = manifest_body();

    fx.codes = calloc(n, sizeof *fx.codes);
    if (w == NULL || fx.codes == NULL || body == NULL)
        return fail("setup", "out of memory"), 0;
    for (size_t i = 0; i < n; i++)
        w[i] = 1;
    if (veche_manifest_parse(&fx.m, body, &d) != VECHE_OK ||
        veche_keypair_generate(&k, &fx.K, NULL) != VECHE_OK ||
        veche_credentials_generate(fx.codes, &fx.creds, BENCH_ID, w, n, NULL, &d) != VECHE_OK)
        fail("setup", d.msg);
    veche_scalar_wipe(&k);
    json_decref(body);   /* the manifest keeps its own reference */
    randombytes_buf(fx.fp, sizeof fx.fp);
    free(w);
    return !broken;
}

/* ---- running on every core ------------------------------------------------------------- */

typedef struct pool {
    size_t        first, n;
    atomic_size_t next;
    void        (*fn)(size_t i);
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        p->fn(p->first + i);
    }
}

/* fn(first .. first + n - 1) on `threads` threads. */
static void run_parallel(void (*fn)(size_t), size_t first, size_t n, unsigned threads)
{
    pthread_t t[MAX_THREADS];
    pool p = {.first = first, .n = n, .fn = fn};
    unsigned started = 0;

    atomic_init(&p.next, 0);
    for (unsigned k = 0; k < threads && threads > 1; k++)
        if (pthread_create(&t[started], NULL, pool_worker, &p) == 0)
            started++;
    if (started == 0)
        pool_worker(&p);
    for (unsigned k = 0; k < started; k++)
        pthread_join(t[k], NULL);
}

/* Voter i's ballot: yes for even i, no for odd. */
static void build_one(size_t i)
{
    veche_diag d = {{0}};
    veche_choices ch;
    veche_scalar x;
    uint8_t X[32];

    memset(&ch, 0, sizeof ch);
    ch.mark[0][i & 1] = 1;
    if (veche_credential_derive(&x, X, BENCH_ID, fx.codes[i], &d) != VECHE_OK ||
        veche_ballot_build(&fx.entry[i], &fx.len[i], &fx.m, &fx.K, fx.fp, &x, X, &ch, NULL,
                           NULL, &d) != VECHE_OK)
        fail("building a ballot", d.msg);
    veche_scalar_wipe(&x);
}

/* A ballot with one byte changed must not verify. */
static void check_tamper(void)
{
    veche_diag d = {{0}};
    veche_ballot b;
    char *copy = malloc(fx.len[0]);

    if (copy == NULL)
        return fail("setup", "out of memory");
    memcpy(copy, fx.entry[0], fx.len[0]);
    copy[fx.len[0] / 2] ^= 1;
    if (veche_ballot_verify(&b, (const uint8_t *)copy, fx.len[0], &fx.m, &fx.K, fx.fp, &d) ==
        VECHE_OK) {
        veche_ballot_free(&b);
        fail("a tampered ballot verifies", NULL);
    }
    free(copy);
}

static int setup_ballots(size_t n)
{
    fx.n = n;
    fx.entry = calloc(n, sizeof *fx.entry);
    fx.len = calloc(n, sizeof *fx.len);
    if (fx.entry == NULL || fx.len == NULL)
        return fail("setup", "out of memory"), 0;
    run_parallel(build_one, 0, n, cores);
    if (!broken)
        check_tamper();
    return !broken;
}

static int setup_board(void)
{
    const char *base = getenv("VECHE_BENCH_DIR");
    veche_diag d = {{0}};
    veche_key key;

    if (base == NULL)
        base = getenv("TMPDIR");
    snprintf(fx.dir, sizeof fx.dir, "%s/veche-bench-cast.XXXXXX", base ? base : "/tmp");
    if (mkdtemp(fx.dir) == NULL)
        return fail("mkdtemp", fx.dir), 0;
    snprintf(fx.db, sizeof fx.db, "%s/board.db", fx.dir);
    if (veche_key_generate(&key, "bench.example/cast", &d) != VECHE_OK ||
        veche_board_create(&fx.b, fx.db, &key, &d) != VECHE_OK)
        fail("creating the board", d.msg);
    veche_key_wipe(&key);
    return !broken;
}

static void teardown(void)
{
    char path[400];

    veche_board_close(fx.b);
    for (size_t i = 0; i < fx.n; i++)
        free(fx.entry[i]);
    free(fx.entry);
    free(fx.len);
    if (fx.codes != NULL)
        sodium_memzero(fx.codes, fx.n * sizeof *fx.codes);
    free(fx.codes);
    veche_credentials_free(&fx.creds);
    veche_pubkey_free(&fx.K);
    veche_manifest_free(&fx.m);
    snprintf(path, sizeof path, "%s/board.db-wal", fx.dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/board.db-shm", fx.dir);
    unlink(path);
    unlink(fx.db);
    rmdir(fx.dir);
}

/* ---- casting ----------------------------------------------------------------------------- */

/* What the server checks: the ballot verifies and its credential is listed. */
static void verify_one(size_t i)
{
    veche_diag d = {{0}};
    veche_ballot b;

    if (veche_ballot_verify(&b, (const uint8_t *)fx.entry[i], fx.len[i], &fx.m, &fx.K, fx.fp,
                            &d) != VECHE_OK)
        return fail("a ballot made here does not verify", d.msg);
    if (veche_credentials_find(&fx.creds, b.credential) == NULL)
        fail("a ballot's credential is not listed", NULL);
    veche_ballot_free(&b);
}

static void append_range(size_t first, size_t n)
{
    veche_diag d = {{0}};
    uint64_t at;

    if (veche_board_append(fx.b, (const uint8_t *const *)&fx.entry[first], &fx.len[first], n,
                           &at, &d) != VECHE_OK)
        fail("append", d.msg);
}

typedef struct mode {
    const char *name;
    size_t      batch, batches;
    unsigned    threads;        /* verifying */
    double      verify_us, append_us;
} mode;

/* Casts batches·batch fresh ballots: verify each batch, then append it. */
static void cast(mode *m)
{
    for (size_t k = 0; k < m->batches && !broken; k++) {
        size_t first = fx.next;
        double t0 = now_us();
        if (m->batch == 1)
            verify_one(first);
        else
            run_parallel(verify_one, first, m->batch, m->threads);
        double t1 = now_us();
        append_range(first, m->batch);
        m->verify_us += t1 - t0;
        m->append_us += now_us() - t1;
        fx.next += m->batch;
    }
}

/* ---- V and verify, per call ------------------------------------------------------------ */

static uint8_t s_enc[64][32], P_enc[64][32];
static volatile uint8_t sink;

static void op_V(size_t n)
{
    uint8_t q[32];
    for (size_t i = 0; i < n; i++) {
        if (crypto_scalarmult_ristretto255(q, s_enc[i % 64], P_enc[(i + 1) % 64]) != 0)
            fail("crypto_scalarmult_ristretto255", NULL);
        sink ^= q[0];
    }
}

/* Verifies the first ballots of the pool again (they are not consumed). */
static void op_verify(size_t n)
{
    for (size_t i = 0; i < n; i++)
        verify_one(i % (fx.n < 64 ? fx.n : 64));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per-call medians of V and verify, in REPS interleaved rounds of ~ms each. */
static void per_call(double *V, double *verify, double ms)
{
    void (*fn[2])(size_t) = {op_V, op_verify};
    double us[2][REPS];
    size_t n[2];

    for (int i = 0; i < 64; i++) {
        veche_scalar s;
        veche_point P;
        veche_scalar_random(&s, NULL);
        veche_scalar_encode(s_enc[i], &s);
        veche_scalar_random(&s, NULL);
        veche_point_mul_base(&P, &s);
        veche_point_encode(P_enc[i], &P);
    }
    for (int o = 0; o < 2; o++) {   /* calibrate: about ms per round */
        double t0 = now_us();
        fn[o](50);
        n[o] = (size_t)(ms * 1000.0 / ((now_us() - t0) / 50.0)) + 1;
    }
    for (int r = 0; r < REPS; r++)
        for (int o = 0; o < 2; o++) {
            double t0 = now_us();
            fn[o](n[o]);
            us[o][r] = (now_us() - t0) / (double)n[o];
        }
    qsort(us[0], REPS, sizeof us[0][0], cmp_double);
    qsort(us[1], REPS, sizeof us[1][0], cmp_double);
    *V = us[0][REPS / 2];
    *verify = us[1][REPS / 2];
}

/* ---- the report ---------------------------------------------------------------------------- */

static const char *fs_name(const char *dir)
{
    struct statfs f;
    if (statfs(dir, &f) != 0)
        return "unknown";
    switch ((unsigned long)f.f_type) {
    case 0xEF53:     return "ext2/3/4";
    case 0x01021994: return "tmpfs (fsync is a no-op: durability figures mean nothing)";
    case 0x9123683E: return "btrfs";
    case 0x58465342: return "xfs";
    case 0x794C7630: return "overlayfs";
    default:         return "other";
    }
}

static void print_mode(const mode *m, double V)
{
    size_t n = m->batch * m->batches;
    double total = m->verify_us + m->append_us, rate = (double)n / (total / 1e6);

    printf("  %-22s %7u %8zu %11.0f %10.0f %9.1f %9.1f %9.1f\n", m->name, m->threads, n, rate,
           rate / m->threads, m->verify_us / (double)n / V, m->append_us / (double)n,
           total / (double)n);
}

int main(int argc, char **argv)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0, 0, 0}, t_start = now_us(), V = 0, verify = 0, t0;
    int have_load = getloadavg(load, 3) == 3;
    size_t single, b100, b1000, total;

    if (argc > 1 && strcmp(argv[1], "--quick") == 0)
        quick = 1;
    else if (argc > 1)
        return fprintf(stderr, "usage: %s [--quick]\n", argv[0]), 2;
    cores = online < 1 ? 1 : online > MAX_THREADS ? MAX_THREADS : (unsigned)online;
    single = quick ? 10 : 200;
    b100 = quick ? 2 : 10;
    b1000 = quick ? 1 : 3;
    mode modes[] = {
        {"single (1 per append)", 1, single, 1, 0, 0},
        {"batched 100", 100, b100, 1, 0, 0},
        {"batched 1,000", 1000, b1000, 1, 0, 0},
        {"batched 100", 100, b100, cores, 0, 0},
        {"batched 1,000", 1000, b1000, cores, 0, 0},
    };
    enum { NMODES = sizeof modes / sizeof modes[0] };

    total = 0;
    for (int k = 0; k < NMODES; k++)
        total += modes[k].batch * modes[k].batches;
    if (veche_crypto_init() != VECHE_OK || veche_election_register_types() != VECHE_OK)
        return fprintf(stderr, "bench/cast: cannot initialise the library\n"), 2;
    t0 = now_us();
    if (!setup_election(total) || !setup_ballots(total) || !setup_board()) {
        teardown();
        return 1;
    }
    printf("veche bench/cast: libsodium %s, SQLite %s; cores: %ld online\n",
           sodium_version_string(), sqlite3_libversion(), online);
    if (have_load)
        printf("load average at start: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    printf("board in %s (%s)\n", fx.dir, fs_name(fx.dir));
    printf("%zu referendum ballots of %zu bytes built on %u cores in %.1f s (not timed below)\n",
           total, fx.len[0], cores, (now_us() - t0) / 1e6);
    per_call(&V, &verify, quick ? 5.0 : 40.0);
    printf("V = one libsodium variable-base scalar multiplication = %.2f us (median of %d "
           "rounds)\n", V, REPS);
    printf("verify one ballot (from bytes, credential listed): %.1f us = %.2f V, one thread\n\n",
           verify, verify / V);
    printf("casting = verify + durable append (the SQLite commit returns after fsync):\n");
    printf("  %-22s %7s %8s %11s %10s %9s %9s %9s\n", "mode", "threads", "ballots", "ballots/s",
           "per core", "verify V", "append us", "total us");
    for (int k = 0; k < NMODES && !broken; k++) {
        cast(&modes[k]);
        print_mode(&modes[k], V);
    }
    printf("(threads: verifying; per core = ballots/s / threads; verify V and append us: "
           "per ballot, wall time)\n");
    if (!broken && veche_board_size(fx.b) != 1 + total)
        fail("the board does not hold every ballot cast", NULL);
    printf("run time: %.1f s\n", (now_us() - t_start) / 1e6);
    teardown();
    if (broken) {
        fprintf(stderr, "bench/cast: a check failed: the figures above are void\n");
        return 1;
    }
    return 0;
}
