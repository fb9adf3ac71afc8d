/*
 * bench/store.c — what the SQLite store costs on this machine: durable
 * appends per second, and read latency at 10^6 entries.
 *
 * 1. Durable appends. A fresh store; batches of 1, 100 and 1,000 entries of
 *    ~200 bytes, each entry written as the board writes it: put_entry, then
 *    the Merkle nodes it completes (veche_merkle_completed), each computed
 *    with veche_merkle_node_hash from its left sibling read back from the
 *    store. A batch is acknowledged when commit returns, i.e. after the WAL
 *    is fsync'd (synchronous=FULL). Reported: the median batch time (begin
 *    to commit) and entries/s at that median. Target: >= 5,000 entries/s.
 * 2. A 10^6-entry store, built once in batches of 10,000 (time reported).
 * 3. Reads at 10^6 entries, warm cache: get_entry and get_node (a random
 *    stored node) one call each, and a whole inclusion proof (RFC 9162 PATH
 *    from stored nodes: ~20 get_node calls) and consistency proof, for random
 *    indices/sizes; medians over many calls. Target: proof < 1 ms.
 *
 * Performance is measured, not asserted; a missed target prints OVER and the
 * exit status stays 0. Non-zero only if the store fails or a proof made here
 * does not verify. The store lives in $VECHE_BENCH_DIR (default $TMPDIR or
 * /tmp), whose filesystem type is printed: fsync on tmpfs proves nothing.
 *
 * Usage: bench/store [--quick]   (--quick: 10^4 entries, few samples)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "board/merkle.h"
#include "store/store.h"

static int quick;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* xorshift64*: reproducible indices without libc rand's small range. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rnd(uint64_t bound)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 0x2545F4914F6CDD1Du) % bound;
}

static void die(veche_store *s, const char *what)
{
    fprintf(stderr, "bench/store: %s: %s\n", what, veche_store_errmsg(s));
    exit(1);
}

/* ---- appending as the board does -------------------------------------- */

static size_t make_entry(uint8_t *buf, uint64_t i)
{
    size_t len = 180 + (size_t)(i % 41);   /* ~200 bytes */
    for (size_t j = 0; j < len; j++)
        buf[j] = (uint8_t)(i * 131 + j * 7 + (i >> 8));
    return len;
}

static void append(veche_store *s, uint64_t i)
{
    uint8_t buf[256];
    size_t len = make_entry(buf, i);
    veche_hash h, left;
    veche_merkle_leaf_hash(h, buf, len);
    if (s->ops->put_entry(s, i, buf, len, h) != VECHE_OK)
        die(s, "put_entry");
    for (unsigned l = 1; l < veche_merkle_completed(i); l++) {
        uint64_t j = i >> l;
        if (s->ops->get_node(s, l - 1, 2 * j, left) != VECHE_OK)
            die(s, "get_node");
        veche_merkle_node_hash(h, left, h);
        if (s->ops->put_node(s, l, j, h) != VECHE_OK)
            die(s, "put_node");
    }
}

static void append_batch(veche_store *s, uint64_t from, uint64_t n)
{
    if (veche_store_begin(s) != VECHE_OK)
        die(s, "begin");
    for (uint64_t i = from; i < from + n; i++)
        append(s, i);
    if (veche_store_commit(s) != VECHE_OK)
        die(s, "commit");
}

static veche_store *open_store(const char *path)
{
    veche_store *s = NULL;
    if (veche_store_open_sqlite(&s, path) != VECHE_OK)
        die(NULL, "open");
    return s;
}

static void remove_store(const char *path)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* ---- 1. durable appends ------------------------------------------------ */

static void bench_appends(const char *dir, uint64_t batch, int batches)
{
    char path[512];
    double *t = malloc((size_t)batches * sizeof *t), med, total = 0;
    veche_store *s;
    snprintf(path, sizeof path, "%s/append-%llu.db", dir, (unsigned long long)batch);
    remove_store(path);
    s = open_store(path);
    append_batch(s, 0, batch);   /* warm-up: creates the file's first pages */
    for (int b = 0; b < batches; b++) {
        double t0 = now_s();
        append_batch(s, (uint64_t)(b + 1) * batch, batch);
        t[b] = now_s() - t0;
        total += t[b];
    }
    med = median(t, (size_t)batches);
    printf("  batch %5llu: %4d batches, median %8.3f ms/batch = %9.0f entries/s"
           " (mean %9.0f/s)%s\n", (unsigned long long)batch, batches, med * 1e3,
           (double)batch / med, (double)batch * batches / total,
           batch >= 100 ? ((double)batch / med >= 5000 ? "  ok" : "  OVER") : "");
    veche_store_close(s);
    remove_store(path);
    free(t);
}

/* ---- 2 and 3. reads at 10^6 entries ------------------------------------ */

static veche_err read_node(void *arg, unsigned level, uint64_t index, veche_hash out)
{
    veche_store *s = arg;
    return s->ops->get_node(s, level, index, out);
}

static void bench_reads(veche_store *s, uint64_t n, int samples)
{
    double *t = malloc((size_t)samples * sizeof *t);
    veche_hash h, root, old_root, proof[VECHE_MERKLE_MAX_PROOF];
    uint8_t *body;
    size_t len, plen;
    int max_len = 0;

    for (int k = 0; k < samples; k++) {
        uint64_t i = rnd(n);
        double t0 = now_s();
        if (s->ops->get_entry(s, i, &body, &len, h) != VECHE_OK)
            die(s, "get_entry");
        t[k] = now_s() - t0;
        free(body);
    }
    printf("  get_entry            median %7.2f us\n", median(t, (size_t)samples) * 1e6);

    for (int k = 0; k < samples; k++) {
        unsigned level = (unsigned)rnd((uint64_t)(64 - __builtin_clzll(n)));
        uint64_t j = rnd(n >> level);                 /* level <= log2(n): n >> level >= 1 */
        double t0 = now_s();
        if (s->ops->get_node(s, level, j, h) != VECHE_OK)
            die(s, "get_node");
        t[k] = now_s() - t0;
    }
    printf("  get_node             median %7.2f us\n", median(t, (size_t)samples) * 1e6);

    if (veche_merkle_root(root, n, read_node, s) != VECHE_OK)
        die(s, "root");
    for (int k = 0; k < samples; k++) {
        uint64_t i = rnd(n);
        double t0 = now_s();
        if (veche_merkle_inclusion_proof(proof, &plen, i, n, read_node, s) != VECHE_OK)
            die(s, "inclusion proof");
        t[k] = now_s() - t0;
        if ((int)plen > max_len)
            max_len = (int)plen;
        if (k < 200) {   /* the proofs are real: a sample verifies */
            uint8_t buf[256];
            size_t blen = make_entry(buf, i);
            veche_merkle_leaf_hash(h, buf, blen);
            if (veche_merkle_verify_inclusion(i, n, h, (const veche_hash *)proof, plen,
                                              root) != VECHE_OK) {
                fprintf(stderr, "bench/store: inclusion proof of %llu does not verify\n",
                        (unsigned long long)i);
                exit(1);
            }
        }
    }
    double med = median(t, (size_t)samples);
    printf("  inclusion proof      median %7.2f us (%d hashes)%s\n", med * 1e6, max_len,
           med < 1e-3 ? "  ok" : "  OVER");

    for (int k = 0; k < samples; k++) {
        uint64_t m = 1 + rnd(n - 1);
        double t0 = now_s();
        if (veche_merkle_consistency_proof(proof, &plen, m, n, read_node, s) != VECHE_OK)
            die(s, "consistency proof");
        t[k] = now_s() - t0;
        if (k < 50) {
            if (veche_merkle_root(old_root, m, read_node, s) != VECHE_OK)
                die(s, "old root");
            if (veche_merkle_verify_consistency(m, n, old_root, root,
                                                (const veche_hash *)proof, plen) != VECHE_OK) {
                fprintf(stderr, "bench/store: consistency proof %llu -> %llu does not verify\n",
                        (unsigned long long)m, (unsigned long long)n);
                exit(1);
            }
        }
    }
    printf("  consistency proof    median %7.2f us\n", median(t, (size_t)samples) * 1e6);
    free(t);
}

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

/* The database and its WAL, which holds the latest pages until a checkpoint. */
static double file_mb(const char *path)
{
    struct stat st;
    char wal[600];
    double total = 0;
    if (stat(path, &st) == 0)
        total += (double)st.st_size;
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &st) == 0)
        total += (double)st.st_size;
    return total / 1e6;
}

int main(int argc, char **argv)
{
    const char *base = getenv("VECHE_BENCH_DIR");
    char dir[256], path[512];
    uint64_t n;
    double t0, built;
    veche_store *s;

    quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    if (base == NULL)
        base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/veche-bench-store.XXXXXX", base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("bench/store: mkdtemp");
        return 1;
    }
    printf("bench/store: SQLite %s, %ld cores, store in %s (%s)\n", sqlite3_libversion(),
           sysconf(_SC_NPROCESSORS_ONLN), dir, fs_name(dir));

    printf("durable appends (entries ~200 B + their Merkle nodes; ack = commit after fsync):\n");
    bench_appends(dir, 1, quick ? 20 : 200);
    bench_appends(dir, 100, quick ? 5 : 50);
    bench_appends(dir, 1000, quick ? 3 : 20);

    n = quick ? 10000 : 1000000;
    snprintf(path, sizeof path, "%s/big.db", dir);
    s = open_store(path);
    t0 = now_s();
    for (uint64_t i = 0; i < n; i += 10000)
        append_batch(s, i, n - i < 10000 ? n - i : 10000);
    built = now_s() - t0;
    printf("built a %llu-entry store in %.1f s (%.0f entries/s, batches of 10,000); "
           "file %.0f MB\n", (unsigned long long)n, built, (double)n / built,
           file_mb(path));
    if (veche_store_size(s, &n) != VECHE_OK)
        die(s, "size");
    printf("reads at %llu entries (warm cache, one thread):\n", (unsigned long long)n);
    bench_reads(s, n, quick ? 1000 : 20000);
    veche_store_close(s);
    remove_store(path);
    rmdir(dir);
    return 0;
}
