/*
 * bench/board.c — the public record's throughput through the full board
 * path: every entry decoded, checked for canonical form and its Ed25519
 * signature verified, then stored with its Merkle nodes in one durable
 * batch (acknowledged when veche_board_append returns, after the commit's
 * fsync). Also receipt and proof latency on the resulting record.
 *
 * Prints the core count and medians; compares entry validation with
 * libsodium's own Ed25519 verification measured in the same run, since
 * that is the floor for a signed entry. Store-level figures at 10^6 entries
 * are in bench/store.c.
 *
 *   make build/release/bench/board && build/release/bench/board
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "board/board.h"

enum { REPS = 7, MAX_BATCH = 1000 };

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static char *statement(const veche_key *k, int i)
{
    char text[200], *out;
    size_t len;
    json_t *body;
    snprintf(text, sizeof text, "Statement %d: the branch meeting is moved to Thursday, "
             "7 pm, in the hall on Station Road; all members welcome.", i);
    body = json_pack("{s:s}", "text", text);
    if (veche_entry_build(&out, &len, "statement", body, k->sk, NULL) != VECHE_OK)
        out = NULL;
    json_decref(body);
    return out;
}

/* Median microseconds per durable batch of n pre-signed entries. */
static double batch_us(veche_board *b, char **entries, int n)
{
    const uint8_t *e[MAX_BATCH];
    size_t len[MAX_BATCH];
    double t[REPS];
    uint64_t first;
    veche_diag d = {{0}};

    for (int i = 0; i < n; i++) {
        e[i] = (const uint8_t *)entries[i];
        len[i] = strlen(entries[i]);
    }
    for (int r = 0; r < REPS; r++) {
        double t0 = now_us();
        if (veche_board_append(b, e, len, (size_t)n, &first, &d) != VECHE_OK) {
            fprintf(stderr, "append failed: %s\n", d.msg);
            exit(1);
        }
        t[r] = now_us() - t0;
    }
    return median(t, REPS);
}

static double ed25519_verify_us(const veche_key *k)
{
    uint8_t sig[64], msg[300];
    double t[REPS];
    memset(msg, 'x', sizeof msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, k->sk);
    for (int r = 0; r < REPS; r++) {
        double t0 = now_us();
        for (int i = 0; i < 200; i++)
            if (crypto_sign_verify_detached(sig, msg, sizeof msg, k->pk) != 0)
                exit(1);
        t[r] = (now_us() - t0) / 200;
    }
    return median(t, REPS);
}

static double decode_us(char **entries, int n)
{
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = now_us();
        for (int i = 0; i < n; i++) {
            veche_entry e;
            if (veche_entry_decode(&e, (const uint8_t *)entries[i], strlen(entries[i]), NULL) != VECHE_OK)
                exit(1);
            veche_entry_free(&e);
        }
        t[r] = (now_us() - t0) / n;
    }
    return median(t, REPS);
}

static double receipt_us(veche_board *b)
{
    double t[REPS];
    veche_diag d = {{0}};
    for (int r = 0; r < REPS; r++) {
        double t0 = now_us();
        for (int i = 0; i < 100; i++) {
            char *out;
            uint64_t idx = (uint64_t)(i * 7919) % veche_board_size(b);
            if (veche_board_receipt(b, idx, &out, &d) != VECHE_OK) {
                fprintf(stderr, "receipt: %s\n", d.msg);
                exit(1);
            }
            free(out);
        }
        t[r] = (now_us() - t0) / 100;
    }
    return median(t, REPS);
}

int main(void)
{
    char dir[] = "/tmp/veche-bench-board-XXXXXX", db[128], cmd[160], *note;
    static char *entries[MAX_BATCH];
    veche_key key, author;
    veche_board *b;
    veche_diag d = {{0}};
    double v, dec, per1, per100, per1000;

    if (sodium_init() < 0 || mkdtemp(dir) == NULL)
        return 1;
    snprintf(db, sizeof db, "%s/b.db", dir);
    if (veche_key_generate(&key, "bench.example/board", &d) != VECHE_OK ||
        veche_key_generate(&author, "author", &d) != VECHE_OK ||
        veche_board_create(&b, db, &key, &d) != VECHE_OK) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return 1;
    }
    for (int i = 0; i < MAX_BATCH; i++)
        if ((entries[i] = statement(&author, i)) == NULL)
            return 1;

    printf("veche bench/board — %ld cores online, entries of %zu bytes, signed (Ed25519)\n",
           sysconf(_SC_NPROCESSORS_ONLN), strlen(entries[0]));
    v = ed25519_verify_us(&author);
    dec = decode_us(entries, 200);
    printf("  libsodium Ed25519 verify        %8.1f us  (the floor for a signed entry)\n", v);
    printf("  entry decode+validate+verify    %8.1f us  = %.2f x Ed25519 verify\n", dec, dec / v);
    per1 = batch_us(b, entries, 1);
    per100 = batch_us(b, entries, 100);
    per1000 = batch_us(b, entries, 1000);
    printf("durable appends (acknowledged after the batch's commit and fsync), medians of %d:\n",
           REPS);
    printf("  batch of    1: %9.0f us/batch  %8.0f entries/s\n", per1, 1e6 / per1);
    printf("  batch of  100: %9.0f us/batch  %8.0f entries/s\n", per100, 100e6 / per100);
    printf("  batch of 1000: %9.0f us/batch  %8.0f entries/s  (target >= 5,000/s: %s)\n",
           per1000, 1000e6 / per1000, 1000e6 / per1000 >= 5000 ? "met" : "NOT met");
    if (veche_board_checkpoint(b, &note, &d) != VECHE_OK)
        return 1;
    free(note);
    printf("record of %llu entries: receipt (proof + entry + checkpoint) %.1f us median\n",
           (unsigned long long)veche_board_size(b), receipt_us(b));
    veche_board_close(b);
    for (int i = 0; i < MAX_BATCH; i++)
        free(entries[i]);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
