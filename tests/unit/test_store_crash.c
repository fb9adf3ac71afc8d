/*
 * test_store_crash.c — kill -9 during a stream of appends loses nothing that
 * was acknowledged and leaves no half-written batch (store/store.h's promise).
 *
 * Each round forks a writer that creates a fresh store and appends batches
 * forever: begin, BATCH entries whose bytes derive from their index, the
 * Merkle nodes they complete, commit — and only then writes the committed
 * size to a pipe: the acknowledgement. Meanwhile the parent, as a second
 * process, reads the store while it grows (every size it sees is a whole
 * number of batches, at least the last acknowledgement). After a while the
 * parent SIGKILLs the writer, wherever it is (usually inside a batch or its
 * fsync), collects every acknowledgement still in the pipe, reopens the
 * store — the first connection after the crash, so SQLite's WAL recovery
 * runs — and checks:
 *   - size >= the last acknowledged size, and size is a multiple of BATCH;
 *   - every entry 0..size-1 holds exactly its bytes and leaf hash;
 *   - every complete subtree's node is stored and right; nothing beyond;
 *   - the store accepts the next batch.
 * VECHE_TEST_QUICK=1 (the valgrind run) does one short round.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "board/merkle.h"
#include "store/store.h"

enum { BATCH = 40 };

static size_t make_entry(uint8_t *buf, uint64_t i)
{
    size_t len = 150 + (size_t)(i * 37 % 100);
    for (size_t j = 0; j < len; j++)
        buf[j] = (uint8_t)(i * 131 + j * 7 + (i >> 8));
    return len;
}

/* put_entry, then the nodes the entry completes, as the board does. */
static veche_err append(veche_store *s, uint64_t i)
{
    uint8_t buf[256];
    size_t len = make_entry(buf, i);
    veche_hash h, left;
    veche_err e;
    veche_merkle_leaf_hash(h, buf, len);
    if ((e = s->ops->put_entry(s, i, buf, len, h)) != VECHE_OK)
        return e;
    for (unsigned l = 1; l < veche_merkle_completed(i); l++) {
        uint64_t j = i >> l;
        if ((e = s->ops->get_node(s, l - 1, 2 * j, left)) != VECHE_OK)
            return e;
        veche_merkle_node_hash(h, left, h);
        if ((e = s->ops->put_node(s, l, j, h)) != VECHE_OK)
            return e;
    }
    return VECHE_OK;
}

static veche_err append_batch(veche_store *s, uint64_t from)
{
    veche_err e = veche_store_begin(s);
    for (uint64_t i = from; e == VECHE_OK && i < from + BATCH; i++)
        e = append(s, i);
    if (e == VECHE_OK)
        return veche_store_commit(s);
    veche_store_rollback(s);
    return e;
}

/* The writer: never returns. Exit status 3 means the store failed it. */
static void writer(const char *path, int ack_fd)
{
    veche_store *s = NULL;
    uint64_t size = 0;
    if (veche_store_open_sqlite(&s, path) != VECHE_OK)
        _exit(3);
    for (;;) {
        if (append_batch(s, size) != VECHE_OK)
            _exit(3);
        size += BATCH;
        if (write(ack_fd, &size, sizeof size) != (ssize_t)sizeof size)
            _exit(4);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A reader in another process than the writer: what it sees is whole batches. */
static void check_live(veche_store **reader, const char *path, uint64_t acked)
{
    uint64_t n;
    veche_hash leaf;
    if (*reader == NULL && veche_store_open_sqlite(reader, path) != VECHE_OK)
        fail_msg("reader open: %s", veche_store_errmsg(NULL));
    assert_int_equal(veche_store_size(*reader, &n), VECHE_OK);
    if (n < acked || n % BATCH != 0)
        fail_msg("a reader saw size %llu (acknowledged %llu)", (unsigned long long)n,
                 (unsigned long long)acked);
    assert_int_equal((*reader)->ops->get_entry(*reader, n - 1, NULL, NULL, leaf), VECHE_OK);
}

/* Reads one acknowledgement; 1 if read, 0 on timeout, -1 at end of pipe. */
static int read_ack(int fd, int timeout_ms, uint64_t *ack)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    uint64_t v;
    ssize_t r;
    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    do
        r = read(fd, &v, sizeof v);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return -1;
    assert_int_equal(r, (ssize_t)sizeof v);   /* 8-byte writes to a pipe are atomic */
    assert_true(v > *ack);
    *ack = v;
    return 1;
}

/* Everything in the store after the crash, against what it must be. */
static void check_recovered(const char *path, uint64_t acked, int round)
{
    veche_store *s = NULL;
    uint64_t n;
    uint8_t want[256], *got;
    size_t wlen, glen;
    veche_hash leaf, wleaf, left, right, h, wh;

    if (veche_store_open_sqlite(&s, path) != VECHE_OK)
        fail_msg("reopen after kill: %s", veche_store_errmsg(NULL));
    assert_int_equal(veche_store_size(s, &n), VECHE_OK);
    if (n < acked || n % BATCH != 0)
        fail_msg("after kill: size %llu, acknowledged %llu, batch %d",
                 (unsigned long long)n, (unsigned long long)acked, BATCH);
    for (uint64_t i = 0; i < n; i++) {
        wlen = make_entry(want, i);
        assert_int_equal(s->ops->get_entry(s, i, &got, &glen, leaf), VECHE_OK);
        assert_int_equal(glen, wlen);
        assert_memory_equal(got, want, wlen);
        free(got);
        veche_merkle_leaf_hash(wleaf, want, wlen);
        assert_memory_equal(leaf, wleaf, 32);
    }
    assert_int_equal(s->ops->get_entry(s, n, NULL, NULL, leaf), VECHE_ENOTFOUND);
    /* Every complete subtree, level by level from the leaves; none beyond. */
    for (unsigned l = 1; (n >> l) > 0; l++) {
        for (uint64_t j = 0; j < (n >> l); j++) {
            assert_int_equal(s->ops->get_node(s, l - 1, 2 * j, left), VECHE_OK);
            assert_int_equal(s->ops->get_node(s, l - 1, 2 * j + 1, right), VECHE_OK);
            veche_merkle_node_hash(wh, left, right);
            assert_int_equal(s->ops->get_node(s, l, j, h), VECHE_OK);
            assert_memory_equal(h, wh, 32);
        }
        assert_int_equal(s->ops->get_node(s, l, n >> l, h), VECHE_ENOTFOUND);
    }
    printf("round %d: killed after %llu entries acknowledged; %llu recovered\n", round,
           (unsigned long long)acked, (unsigned long long)n);
    /* The log goes on from where it stopped. */
    assert_int_equal(append_batch(s, n), VECHE_OK);
    veche_store_close(s);
}

static void crash_round(const char *dir, int round, double run_s)
{
    char path[400];
    int fds[2], status;
    uint64_t acked = 0;
    veche_store *reader = NULL;
    double start = now_s();
    pid_t pid;

    snprintf(path, sizeof path, "%s/crash-%d.db", dir, round);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        writer(path, fds[1]);
    }
    close(fds[1]);

    /* Run for run_s, at least until the first acknowledgement (10 s at most). */
    while (now_s() - start < run_s || (acked == 0 && now_s() - start < 10)) {
        int r = read_ack(fds[0], 50, &acked);
        if (r < 0)
            break;             /* the writer died on its own: waitpid says why */
        if (r > 0)
            check_live(&reader, path, acked);
    }
    /* The reader goes first, so that the reopen below is the first
     * connection after the crash and SQLite recovers the WAL from disk. */
    veche_store_close(reader);
    kill(pid, SIGKILL);
    while (read_ack(fds[0], 5000, &acked) > 0)
        ;                      /* acknowledgements sent before the kill count too */
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the writer stopped by itself (status %d)", status);
    assert_true(acked > 0);
    check_recovered(path, acked, round);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[600];
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static void test_kill_during_appends(void **state)
{
    const char *base = getenv("TMPDIR");
    char dir[256];
    int rounds = test_quick() ? 1 : 4;
    (void)state;
    snprintf(dir, sizeof dir, "%s/veche-crash.XXXXXX", base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    /* Different run times, so the kill lands at different points of a batch. */
    for (int r = 0; r < rounds; r++)
        crash_round(dir, r, test_quick() ? 0.3 : 0.6 + 0.17 * r);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_appends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
