/*
 * test_board.c — the board over a real SQLite store: appends all or nothing,
 * roots and proofs against a storage-free recomputation, checkpoints,
 * receipts checked offline and refused when tampered, export, verify,
 * import, and a witness that refuses a fork.
 */
#include "testutil.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include "board/board.h"
#include "board/export.h"
#include "board/witness.h"

typedef struct fixture {
    char dir[64];
    char db[128];
    veche_key key, alice;
    veche_board *b;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    veche_diag d = {{0}};
    strcpy(f->dir, "/tmp/veche-board-XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/b.db", f->dir);
    if (veche_key_generate(&f->key, "test.example/board", &d) != VECHE_OK ||
        veche_key_generate(&f->alice, "alice", &d) != VECHE_OK ||
        veche_board_create(&f->b, f->db, &f->key, &d) != VECHE_OK) {
        fprintf(stderr, "setup: %s\n", d.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[200];
    veche_board_close(f->b);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static char *statement(const veche_key *author, int i)
{
    char text[64], *out;
    size_t len;
    json_t *body;
    snprintf(text, sizeof text, "statement number %d", i);
    body = json_pack("{s:s}", "text", text);
    assert_int_equal(veche_entry_build(&out, &len, "statement", body, author->sk, NULL), VECHE_OK);
    json_decref(body);
    return out;
}

static void append_n(fixture *f, int n)
{
    uint8_t *e[64];
    size_t len[64];
    uint64_t first;
    veche_diag d = {{0}};
    assert_true(n <= 64);
    for (int i = 0; i < n; i++) {
        e[i] = (uint8_t *)statement(&f->alice, (int)veche_board_size(f->b) + i);
        len[i] = strlen((char *)e[i]);
    }
    if (veche_board_append(f->b, (const uint8_t *const *)e, len, (size_t)n, &first, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    for (int i = 0; i < n; i++)
        free(e[i]);
}

static void test_batch_all_or_nothing(void **state)
{
    fixture *f = *state;
    uint8_t *e[3];
    size_t len[3];
    uint64_t first, before;
    veche_diag d = {{0}};

    append_n(f, 5);
    before = veche_board_size(f->b);
    assert_int_equal(before, 6);
    e[0] = (uint8_t *)statement(&f->alice, 100);
    e[1] = (uint8_t *)strdup("{\"body\":{\"text\":\"x\"},\"type\":\"statement\",\"v\":1}");
    e[2] = (uint8_t *)statement(&f->alice, 101);
    for (int i = 0; i < 3; i++)
        len[i] = strlen((char *)e[i]);
    assert_int_not_equal(veche_board_append(f->b, (const uint8_t *const *)e, len, 3, &first, &d),
                         VECHE_OK);
    assert_non_null(strstr(d.msg, "entry 2 of the batch"));
    assert_int_equal(veche_board_size(f->b), before);
    /* a second board.init is refused too */
    free(e[1]);
    e[1] = NULL;
    {
        json_t *body = json_pack("{s:s,s:s}", "origin", f->key.name, "vkey", "x+00000000+AA==");
        size_t l;
        assert_int_equal(veche_entry_build((char **)&e[1], &l, "board.init", body, f->key.sk, NULL),
                         VECHE_OK);
        json_decref(body);
        len[1] = l;
    }
    assert_int_not_equal(veche_board_append(f->b, (const uint8_t *const *)e, len, 3, &first, &d),
                         VECHE_OK);
    assert_non_null(strstr(d.msg, "board.init may only be entry 0"));
    assert_int_equal(veche_board_size(f->b), before);
    for (int i = 0; i < 3; i++)
        free(e[i]);
    /* the good entries alone go in */
    append_n(f, 2);
    assert_int_equal(veche_board_size(f->b), before + 2);
}

/* The stored tree agrees with a storage-free recomputation at every size. */
static void test_roots_and_proofs(void **state)
{
    fixture *f = *state;
    veche_merkle_stack st;
    veche_hash root, want, proof[VECHE_MERKLE_MAX_PROOF], leaf, old_root;
    size_t len;

    for (int i = 0; i < 3; i++)
        append_n(f, 33);
    veche_merkle_stack_init(&st);
    for (uint64_t n = 0; n <= veche_board_size(f->b); n++) {
        veche_merkle_stack_root(&st, want);
        assert_int_equal(veche_board_root(f->b, n, root), VECHE_OK);
        assert_memory_equal(root, want, 32);
        if (n > 0 && n % 7 == 0) {
            /* inclusion of every 5th entry, consistency from every 9th size */
            for (uint64_t i = 0; i < n; i += 5) {
                uint8_t *e;
                size_t elen;
                assert_int_equal(veche_board_get(f->b, i, &e, &elen, NULL), VECHE_OK);
                veche_merkle_leaf_hash(leaf, e, elen);
                free(e);
                assert_int_equal(veche_board_inclusion(f->b, i, n, proof, &len), VECHE_OK);
                assert_int_equal(veche_merkle_verify_inclusion(i, n, leaf, (const veche_hash *)proof,
                                                               len, root), VECHE_OK);
            }
            for (uint64_t m = 0; m <= n; m += 9) {
                assert_int_equal(veche_board_root(f->b, m, old_root), VECHE_OK);
                assert_int_equal(veche_board_consistency(f->b, m, n, proof, &len), VECHE_OK);
                assert_int_equal(veche_merkle_verify_consistency(m, n, old_root, root,
                                 (const veche_hash *)proof, len), VECHE_OK);
            }
        }
        if (n < veche_board_size(f->b)) {
            uint8_t *e;
            size_t elen;
            assert_int_equal(veche_board_get(f->b, n, &e, &elen, NULL), VECHE_OK);
            veche_merkle_leaf_hash(leaf, e, elen);
            free(e);
            veche_merkle_stack_push(&st, leaf);
        }
    }
    assert_int_equal(veche_board_inclusion(f->b, 0, veche_board_size(f->b) + 1, proof, &len),
                     VECHE_EINVALID);
}

static void test_receipts(void **state)
{
    fixture *f = *state;
    veche_diag d = {{0}};
    char *note, *receipt;
    veche_note_key other;
    veche_key okey;

    append_n(f, 10);
    assert_int_equal(veche_board_receipt(f->b, 3, &receipt, &d), VECHE_ENOTFOUND);
    assert_int_equal(veche_board_checkpoint(f->b, &note, &d), VECHE_OK);
    free(note);
    for (uint64_t i = 0; i < veche_board_size(f->b); i++) {
        assert_int_equal(veche_board_receipt(f->b, i, &receipt, &d), VECHE_OK);
        if (veche_receipt_check(receipt, strlen(receipt), veche_board_key(f->b), NULL, 0, 0, &d) != VECHE_OK)
            fail_msg("receipt %llu: %s", (unsigned long long)i, d.msg);
        if (i == 4) {
            /* every byte of the receipt matters */
            for (size_t k = 0; k < strlen(receipt); k++) {
                char saved = receipt[k];
                receipt[k] = (char)(saved == 'A' ? 'B' : saved == '\n' ? ' ' : 'A');
                assert_int_not_equal(veche_receipt_check(receipt, strlen(receipt),
                                     veche_board_key(f->b), NULL, 0, 0, NULL), VECHE_OK);
                receipt[k] = saved;
            }
            /* another board's key, or a witness quorum that is not met, fails */
            assert_int_equal(veche_key_generate(&okey, f->key.name, NULL), VECHE_OK);
            assert_int_equal(veche_key_note_key(&other, &okey, VECHE_SIGTYPE_ED25519), VECHE_OK);
            assert_int_not_equal(veche_receipt_check(receipt, strlen(receipt), &other, NULL, 0, 0,
                                                     NULL), VECHE_OK);
            assert_int_not_equal(veche_receipt_check(receipt, strlen(receipt),
                                 veche_board_key(f->b), &other, 1, 1, NULL), VECHE_OK);
        }
        free(receipt);
    }
    /* entries after the checkpoint get no receipt until the next one */
    append_n(f, 1);
    assert_int_equal(veche_board_receipt(f->b, veche_board_size(f->b) - 1, &receipt, &d),
                     VECHE_EINVALID);
}

static void count_pass(void *arg, int number, const char *name, int pass, const char *detail)
{
    int *n = arg;
    (void)number;
    (void)name;
    (void)detail;
    *n += pass ? 1 : -100;
}

static void test_export_verify_import(void **state)
{
    fixture *f = *state;
    veche_diag d = {{0}};
    char dir[200], db2[200], path[260];
    veche_board *m;
    int passes = 0;
    FILE *fp;

    append_n(f, 20);
    snprintf(dir, sizeof dir, "%s/export", f->dir);
    assert_int_equal(veche_board_export(f->b, dir, &d), VECHE_OK);
    assert_int_equal(veche_export_verify(dir, veche_board_key(f->b), NULL, 0, 0, count_pass,
                                         &passes), VECHE_OK);
    assert_int_equal(passes, 7);
    snprintf(db2, sizeof db2, "%s/mirror.db", f->dir);
    if (veche_board_import(&m, db2, dir, &d) != VECHE_OK)
        fail_msg("import: %s", d.msg);
    assert_int_equal(veche_board_size(m), veche_board_size(f->b));
    veche_board_close(m);
    /* an extra line at the end: completeness fails */
    snprintf(path, sizeof path, "%s/entries.jsonl", dir);
    fp = fopen(path, "a");
    char *extra = statement(&f->alice, 999);
    fprintf(fp, "%s\n", extra);
    fclose(fp);
    free(extra);
    passes = 0;
    assert_int_not_equal(veche_export_verify(dir, NULL, NULL, 0, 0, count_pass, &passes), VECHE_OK);
    assert_true(passes < 0);
    /* importing a bad export is refused and leaves no board behind */
    snprintf(db2, sizeof db2, "%s/mirror2.db", f->dir);
    assert_int_not_equal(veche_board_import(&m, db2, dir, &d), VECHE_OK);
}

static void test_witness_refuses_fork(void **state)
{
    fixture *f = *state;
    veche_diag d = {{0}};
    veche_key w, fkey;
    veche_board *fork;
    char wdir[200], fdb[200], *note, *req, *cos;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t len;

    snprintf(wdir, sizeof wdir, "%s/witness", f->dir);
    assert_int_equal(mkdir(wdir, 0700), 0);
    assert_int_equal(veche_key_generate(&w, "witness", &d), VECHE_OK);
    append_n(f, 4);
    assert_int_equal(veche_board_checkpoint(f->b, &note, &d), VECHE_OK);
    assert_int_equal(veche_witness_request_format(&req, 0, NULL, 0, note), VECHE_OK);
    assert_int_equal(veche_witness_cosign(wdir, &w, veche_board_key(f->b), req, strlen(req), 1000,
                                          &cos, &d), VECHE_OK);
    free(req);
    free(cos);
    free(note);
    /* the same key, another history, one entry longer: a fork */
    fkey = f->key;
    snprintf(fdb, sizeof fdb, "%s/fork.db", f->dir);
    assert_int_equal(veche_board_create(&fork, fdb, &fkey, &d), VECHE_OK);
    for (int i = 0; i < 6; i++) {
        char *e = statement(&w, i);   /* a different author: different entries */
        const uint8_t *one = (const uint8_t *)e;
        size_t l = strlen(e);
        uint64_t first;
        assert_int_equal(veche_board_append(fork, &one, &l, 1, &first, &d), VECHE_OK);
        free(e);
    }
    assert_int_equal(veche_board_checkpoint(fork, &note, &d), VECHE_OK);
    assert_int_equal(veche_board_consistency(fork, 5, 7, proof, &len), VECHE_OK);
    assert_int_equal(veche_witness_request_format(&req, 5, (const veche_hash *)proof, len, note),
                     VECHE_OK);
    d.msg[0] = 0;
    assert_int_equal(veche_witness_cosign(wdir, &w, veche_board_key(f->b), req, strlen(req), 1001,
                                          &cos, &d), VECHE_EVERIFY);
    assert_non_null(strstr(d.msg, "fork"));
    free(req);
    free(note);
    veche_board_close(fork);
    veche_key_wipe(&w);
}

/* Entry 0 must name exactly the key that signs it (vkey, origin, author). */
static void test_genesis_must_name_its_key(void **state)
{
    fixture *f = *state;
    veche_diag d = {{0}};
    veche_board *m;
    veche_note_key other;
    char db[200], vkey[VECHE_KEYNAME_MAX + 80], *entry;
    size_t len;
    uint64_t first;
    json_t *body;

    snprintf(db, sizeof db, "%s/m.db", f->dir);
    assert_int_equal(veche_board_create_mirror(&m, db, veche_board_key(f->b), &d), VECHE_OK);
    assert_int_equal(veche_key_note_key(&other, &f->alice, VECHE_SIGTYPE_ED25519), VECHE_OK);
    veche_note_key_format(vkey, sizeof vkey, &other);   /* signed by the board, naming alice */
    body = json_pack("{s:s,s:s}", "origin", f->key.name, "vkey", vkey);
    assert_int_equal(veche_entry_build(&entry, &len, "board.init", body, f->key.sk, &d), VECHE_OK);
    json_decref(body);
    const uint8_t *one = (const uint8_t *)entry;
    assert_int_not_equal(veche_board_append(m, &one, &len, 1, &first, &d), VECHE_OK);
    assert_non_null(strstr(d.msg, "verifier key"));
    assert_int_equal(veche_board_size(m), 0);
    free(entry);
    veche_board_close(m);
}

/* A witness asked twice signs two times; the board keeps one line per witness. */
static void test_one_cosignature_per_witness(void **state)
{
    fixture *f = *state;
    veche_diag d = {{0}};
    veche_key w;
    veche_note_key wk;
    veche_note n;
    char wdir[200], *note, *req, *c1, *c2, *latest;
    size_t lines = 0;

    snprintf(wdir, sizeof wdir, "%s/w", f->dir);
    assert_int_equal(mkdir(wdir, 0700), 0);
    assert_int_equal(veche_key_generate(&w, "w", &d), VECHE_OK);
    assert_int_equal(veche_key_note_key(&wk, &w, VECHE_SIGTYPE_COSIGNATURE), VECHE_OK);
    append_n(f, 3);
    assert_int_equal(veche_board_checkpoint(f->b, &note, &d), VECHE_OK);
    assert_int_equal(veche_witness_request_format(&req, 0, NULL, 0, note), VECHE_OK);
    assert_int_equal(veche_witness_cosign(wdir, &w, veche_board_key(f->b), req, strlen(req), 100, &c1, &d), VECHE_OK);
    free(req);
    assert_int_equal(veche_witness_request_format(&req, 4, NULL, 0, note), VECHE_OK);
    assert_int_equal(veche_witness_cosign(wdir, &w, veche_board_key(f->b), req, strlen(req), 200, &c2, &d), VECHE_OK);
    assert_int_equal(veche_board_add_cosignatures(f->b, c1, &wk, 1, &d), VECHE_OK);
    assert_int_equal(veche_board_add_cosignatures(f->b, c2, &wk, 1, &d), VECHE_OK);
    free(c2);
    assert_int_equal(veche_board_latest_checkpoint(f->b, &latest, &d), VECHE_OK);
    assert_int_equal(veche_note_parse(&n, latest, strlen(latest)), VECHE_OK);
    for (size_t i = 0; i < n.nsigs; i++)
        lines += strcmp(n.sigs[i].name, "w") == 0;
    assert_int_equal(lines, 1);
    veche_note_free(&n);
    /* a request with 64 proof hashes, or an old size past 2^64-1, is refused */
    free(req);
    {
        veche_hash many[64];
        memset(many, 7, sizeof many);
        assert_int_equal(veche_witness_request_format(&req, 4, (const veche_hash *)many, 64, note), VECHE_OK);
        assert_int_equal(veche_witness_cosign(wdir, &w, veche_board_key(f->b), req, strlen(req), 300,
                                              &c2 /* untouched */, &d), VECHE_EENCODING);
        free(req);
        const char *big = "old 18446744073709551616\n\n";
        assert_int_equal(veche_witness_cosign(wdir, &w, veche_board_key(f->b), big, strlen(big), 300,
                                              &req, &d), VECHE_EENCODING);
    }
    free(latest);
    free(c1);
    free(note);
    veche_key_wipe(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roots_and_proofs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_verify_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_witness_refuses_fork, setup, teardown),
        cmocka_unit_test_setup_teardown(test_genesis_must_name_its_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_cosignature_per_witness, setup, teardown),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests_name("board", tests, NULL, NULL);
}
