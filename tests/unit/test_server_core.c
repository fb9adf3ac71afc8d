/*
 * test_server_core.c — the server's plumbing without HTTP: the 32-byte-key
 * map, percent-decoding, the token buckets, and the state with its writer
 * on a real database: first run (keys, modes, password), many threads
 * appending at once (every group answered, indices distinct, the record
 * complete), checks that refuse, entries the board refuses next to good
 * ones, and a reopen that keeps everything.
 */
#include "testutil.h"

#include <pthread.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/group.h"
#include "server/internal.h"

/* ---- the map ------------------------------------------------------------------------ */

static void test_map(void **state)
{
    srv_map m;
    uint8_t k[32];
    uint64_t v;
    size_t n = test_quick() ? 2000 : 20000;
    (void)state;

    assert_int_equal(srv_map_init(&m), 0);
    for (size_t i = 0; i < n; i++) {
        memset(k, 0, sizeof k);
        memcpy(k, &i, sizeof i);
        assert_int_equal(srv_map_put(&m, k, i * 3), 1);
    }
    assert_int_equal(m.n, n);
    for (size_t i = 0; i < n; i++) {
        memset(k, 0, sizeof k);
        memcpy(k, &i, sizeof i);
        assert_int_equal(srv_map_get(&m, k, &v), 1);
        assert_int_equal(v, i * 3);
    }
    memset(k, 0, sizeof k);
    assert_int_equal(srv_map_put(&m, k, 77), 0);   /* replaced, not added */
    assert_int_equal(srv_map_get(&m, k, &v), 1);
    assert_int_equal(v, 77);
    assert_int_equal(m.n, n);
    memset(k, 0xee, sizeof k);
    assert_int_equal(srv_map_get(&m, k, &v), 0);
    srv_map_free(&m);
    assert_int_equal(srv_map_get(&m, k, &v), 0);   /* a freed map is empty, not broken */
}

/* ---- percent-decoding --------------------------------------------------------------- */

static void test_percent_decode(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(srv_percent_decode(out, "abc", 3), 0);
    assert_string_equal(out, "abc");
    assert_int_equal(srv_percent_decode(out, "a%2Fb%2bc%3D", 12), 0);
    assert_string_equal(out, "a/b+c=");
    assert_int_equal(srv_percent_decode(out, "%e2%82%ac", 9), 0);
    assert_string_equal(out, "\xe2\x82\xac");
    assert_int_equal(srv_percent_decode(out, "x%2", 3), -1);      /* cut short */
    assert_int_equal(srv_percent_decode(out, "x%", 2), -1);
    assert_int_equal(srv_percent_decode(out, "%zz", 3), -1);      /* not hex */
    assert_int_equal(srv_percent_decode(out, "a%00b", 5), -1);    /* a NUL */
    assert_int_equal(srv_percent_decode(out, "ab%41", 4), -1);    /* the length counts */
    assert_int_equal(srv_percent_decode(out, "", 0), 0);
    assert_string_equal(out, "");
}

/* ---- rate limits --------------------------------------------------------------------- */

static void test_ratelimit(void **state)
{
    srv_state *st = calloc(1, sizeof *st);
    unsigned retry;
    char addr[32];
    (void)state;

    assert_non_null(st);
    assert_int_equal(srv_limits_init(st), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, "10.0.0.1", 3, &retry), 0);
    assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, "10.0.0.1", 3, &retry), -1);
    assert_true(retry >= 1 && retry <= 20);
    /* Another address, another kind: their own buckets. */
    assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, "10.0.0.2", 3, &retry), 0);
    assert_int_equal(srv_limit_take(st, SRV_BUCKET_LOGIN, "10.0.0.1", 3, &retry), 0);
    /* A refund gives one attempt back. */
    srv_limit_refund(st, SRV_BUCKET_CAST, "10.0.0.1", 3);
    assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, "10.0.0.1", 3, &retry), 0);
    assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, "10.0.0.1", 3, &retry), -1);
    /* 0 a minute: no limit. */
    for (int i = 0; i < 100; i++)
        assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, "10.0.0.3", 0, &retry), 0);
    /* Many addresses: memory stays bounded and every new address starts with a full bucket. */
    for (int i = 0; i < 50000; i++) {
        snprintf(addr, sizeof addr, "192.168.%d.%d", i / 256, i % 256);
        assert_int_equal(srv_limit_take(st, SRV_BUCKET_CAST, addr, 1, &retry), 0);
    }
    srv_limits_free(st);
    free(st);
}

/* ---- the state and the writer ------------------------------------------------------------- */

typedef struct fixture {
    char dir[64], db[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/veche-srv-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/s.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* A statement entry, signed by the administrator (or not signed, which the board refuses). */
static char *statement(srv_state *st, const char *text, int sign, size_t *len)
{
    veche_diag d = {{0}};
    json_t *body = json_pack("{s:s}", "text", text);
    char *out = NULL;
    veche_err e = sign ? srv_sign_entry(&out, len, "statement", body, &st->admin, &d)
                       : veche_entry_build(&out, len, "statement", body, NULL, &d);
    json_decref(body);
    if (e != VECHE_OK)
        fail_msg("building a statement: %s", d.msg);
    return out;
}

#define THREADS 8

typedef struct worker {
    srv_state *st;
    int        id, rounds;
    uint64_t   index[64];       /* of each good group's first entry */
    int        good, bad_ok;    /* appended; refused as they should be */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int r = 0; r < w->rounds; r++) {
        char text[64];
        size_t lens[2];
        srv_resp resp;
        uint64_t first;
        int sign = r % 3 != 2;      /* every third group holds an unsigned statement */
        snprintf(text, sizeof text, "thread %d round %d a", w->id, r);
        char *a = statement(w->st, text, 1, &lens[0]);
        snprintf(text, sizeof text, "thread %d round %d b", w->id, r);
        char *b = statement(w->st, text, sign, &lens[1]);
        const uint8_t *e[2] = {(const uint8_t *)a, (const uint8_t *)b};
        memset(&resp, 0, sizeof resp);
        int rc = srv_append(w->st, e, lens, 2, NULL, NULL, &first, &resp);
        if (sign && rc == 0)
            w->index[w->good++] = first;
        else if (!sign && rc == -1 && resp.status == 422 && strstr(resp.body, "invalid_entry"))
            w->bad_ok++;
        free(resp.body);
        free(a);
        free(b);
    }
    return NULL;
}

static int refuse(srv_state *st, void *arg, srv_resp *resp)
{
    (void)st;
    *(int *)arg += 1;
    return srv_error(resp, 409, "conflict", "x", "refused by the check"), -1;
}

static void test_state_and_writer(void **state)
{
    fixture *f = *state;
    veche_diag d = {{0}};
    srv_state *st = NULL;
    char pw[64], path[1100];
    struct stat sb;
    uint8_t admin_pk[32];
    worker w[THREADS];
    pthread_t t[THREADS];
    int rounds = test_quick() ? 6 : 30, good = 0, calls = 0;

    /* First run: keys in DB.keys/ (0700, files 0600), a password, an empty board. */
    if (srv_state_open(&st, f->db, "", pw, &d) != VECHE_OK)
        fail_msg("open: %s", d.msg);
    assert_int_equal(strlen(pw), 20);
    assert_int_equal(crypto_pwhash_str_verify(st->password_hash, pw, strlen(pw)), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(st->password_hash, "wrong", 5), 0);
    assert_int_equal(stat(st->keys_dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    for (const char *const *k = (const char *const[]){"board.key", "admin.key", "authority.key",
                                                       "password", NULL}; *k; k++) {
        snprintf(path, sizeof path, "%s/%s", st->keys_dir, *k);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0600);
    }
    memcpy(admin_pk, st->admin.pk, 32);
    assert_int_equal(veche_board_size(st->board), 1);

    /* Many threads at once: group commit, one-by-one retry for the bad groups. */
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].st = st;
        w[i].id = i;
        w[i].rounds = rounds;
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        int bad = rounds / 3;
        assert_int_equal(w[i].bad_ok, bad);
        assert_int_equal(w[i].good, rounds - bad);
        good += w[i].good;
    }
    assert_int_equal(veche_board_size(st->board), 1 + 2 * (uint64_t)good);
    /* Every group got its own two indices, and they hold its entries. */
    for (int i = 0; i < THREADS; i++)
        for (int g = 0; g < w[i].good; g++) {
            uint8_t *bytes = NULL;
            size_t len;
            assert_true(w[i].index[g] >= 1 && w[i].index[g] + 1 < 1 + 2 * (uint64_t)good + 1);
            assert_int_equal(veche_board_get(st->board, w[i].index[g], &bytes, &len, &d), VECHE_OK);
            char want[64];
            snprintf(want, sizeof want, "\"thread %d round ", i);
            assert_non_null(strstr((char *)bytes, want));
            free(bytes);
        }

    /* A check that refuses: its answer comes back, nothing is appended. */
    {
        size_t len;
        char *a = statement(st, "refused", 1, &len);
        const uint8_t *e = (const uint8_t *)a;
        uint64_t size = veche_board_size(st->board), first;
        srv_resp resp;
        memset(&resp, 0, sizeof resp);
        assert_int_equal(srv_append(st, &e, &len, 1, refuse, &calls, &first, &resp), -1);
        assert_int_equal(resp.status, 409);
        assert_int_equal(calls, 1);
        assert_int_equal(veche_board_size(st->board), size);
        free(resp.body);
        free(a);
    }
    /* Receipts are covered (the writer made a checkpoint for the last batch), and the
     * server's, from its tree in memory, are the board's byte for byte. */
    for (uint64_t i = 0; i < veche_board_size(st->board); i++) {
        char *receipt = NULL, *mine;
        uint8_t *bytes = NULL;
        size_t len;
        assert_int_equal(veche_board_receipt(st->board, i, &receipt, &d), VECHE_OK);
        assert_int_equal(veche_board_get(st->board, i, &bytes, &len, &d), VECHE_OK);
        mine = srv_receipt(st, i, bytes, len, &d);
        assert_non_null(mine);
        assert_string_equal(mine, receipt);
        free(mine);
        free(receipt);
        free(bytes);
    }
    uint64_t size = veche_board_size(st->board);
    srv_state_close(st);

    /* Reopened: no new password, the same keys, the same record. */
    if (srv_state_open(&st, f->db, "", pw, &d) != VECHE_OK)
        fail_msg("reopen: %s", d.msg);
    assert_string_equal(pw, "");
    assert_memory_equal(st->admin.pk, admin_pk, 32);
    assert_int_equal(veche_board_size(st->board), size);
    srv_state_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test_setup_teardown(test_state_and_writer, setup, teardown),
    };
    if (veche_crypto_init() != VECHE_OK || veche_election_register_types() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("server_core", tests, NULL, NULL);
}
