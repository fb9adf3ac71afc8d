/*
 * test_merkle.c — RFC 9162 proofs from stored complete subtrees, against a
 * plain recursive reference written here from the RFC's definitions, for
 * every tree size 1..300 and every index and old size; tampering fails.
 */
#include "testutil.h"

#include <sodium.h>
#include "board/merkle.h"

enum { MAXN = 300 };

/* An in-memory node store filled the way an append fills the real one. */
typedef struct {
    veche_hash leaf[MAXN];
    veche_hash node[10][MAXN];   /* node[level][index] */
    uint64_t size;
    int reads;
    veche_hash memo[MAXN + 1][MAXN + 1];   /* the reference's MTH(lo, hi) */
    uint8_t have[MAXN + 1][MAXN + 1];
} mem_tree;

static veche_err mem_read(void *arg, unsigned level, uint64_t index, veche_hash out)
{
    mem_tree *t = arg;
    t->reads++;
    if (level >= 10 || ((index + 1) << level) > t->size)
        return VECHE_ENOTFOUND;   /* never written: a bug in the caller */
    memcpy(out, t->node[level][index], VECHE_HASH_BYTES);
    return VECHE_OK;
}

static void mem_append(mem_tree *t, const uint8_t *data, size_t len)
{
    uint64_t i = t->size;
    unsigned levels = veche_merkle_completed(i);
    veche_merkle_leaf_hash(t->leaf[i], data, len);
    memcpy(t->node[0][i], t->leaf[i], VECHE_HASH_BYTES);
    for (unsigned l = 1; l < levels; l++) {
        uint64_t j = i >> l;
        veche_merkle_node_hash(t->node[l][j], t->node[l - 1][2 * j], t->node[l - 1][2 * j + 1]);
    }
    t->size++;
}

/* ---- the reference: RFC 9162 §2.1.1–2.1.4.1 read literally ------------- */

static uint64_t ref_k(uint64_t n) { uint64_t k = 1; while (2 * k < n) k *= 2; return k; }

static void ref_mth(veche_hash out, mem_tree *t, uint64_t lo, uint64_t hi)
{
    veche_hash a, b;
    if (hi == lo) { veche_merkle_empty_root(out); return; }
    if (hi - lo == 1) { memcpy(out, t->leaf[lo], 32); return; }
    if (t->have[lo][hi]) { memcpy(out, t->memo[lo][hi], 32); return; }
    uint64_t k = ref_k(hi - lo);
    ref_mth(a, t, lo, lo + k);
    ref_mth(b, t, lo + k, hi);
    veche_merkle_node_hash(out, a, b);
    memcpy(t->memo[lo][hi], out, 32);
    t->have[lo][hi] = 1;
}

static void ref_path(veche_hash *p, size_t *n, mem_tree *t, uint64_t m, uint64_t lo, uint64_t hi)
{
    if (hi - lo == 1) return;
    uint64_t k = ref_k(hi - lo);
    if (m < k) { ref_path(p, n, t, m, lo, lo + k); ref_mth(p[(*n)++], t, lo + k, hi); }
    else { ref_path(p, n, t, m - k, lo + k, hi); ref_mth(p[(*n)++], t, lo, lo + k); }
}

static void ref_subproof(veche_hash *p, size_t *n, mem_tree *t, uint64_t m, uint64_t lo,
                         uint64_t hi, int b)
{
    if (m == hi - lo) { if (!b) ref_mth(p[(*n)++], t, lo, hi); return; }
    uint64_t k = ref_k(hi - lo);
    if (m <= k) { ref_subproof(p, n, t, m, lo, lo + k, b); ref_mth(p[(*n)++], t, lo + k, hi); }
    else { ref_subproof(p, n, t, m - k, lo + k, hi, 0); ref_mth(p[(*n)++], t, lo, lo + k); }
}

static mem_tree *build(void)
{
    mem_tree *t = calloc(1, sizeof *t);
    assert_non_null(t);
    for (int i = 0; i < MAXN; i++) {
        uint8_t d[10] = {(uint8_t)i, (uint8_t)(i >> 8)};
        for (int j = 2; j < 10; j++) d[j] = (uint8_t)(i * 31 + j);
        mem_append(t, d, (size_t)(2 + i % 9));   /* distinct leaves of varied length */
    }
    return t;
}

static void test_roots(void **state)
{
    mem_tree *t = build();
    veche_hash got, want;
    (void)state;
    for (uint64_t n = 0; n <= MAXN; n++) {
        uint64_t full = t->size;
        ref_mth(want, t, 0, n);
        t->size = n;   /* the store as it was at size n */
        assert_int_equal(veche_merkle_root(got, n, mem_read, t), VECHE_OK);
        t->size = full;
        assert_memory_equal(got, want, 32);
    }
    free(t);
}

/* The storage-free computation agrees with the reference at every size. */
static void test_stack_roots(void **state)
{
    mem_tree *t = build();
    veche_merkle_stack st;
    veche_hash got, want;
    (void)state;
    veche_merkle_stack_init(&st);
    for (uint64_t n = 0; n <= MAXN; n++) {
        veche_merkle_stack_root(&st, got);
        ref_mth(want, t, 0, n);
        assert_memory_equal(got, want, 32);
        if (n < MAXN)
            veche_merkle_stack_push(&st, t->leaf[n]);
    }
    assert_int_equal(st.size, MAXN);
    free(t);
}

static void test_inclusion_all(void **state)
{
    mem_tree *t = build();
    veche_hash proof[VECHE_MERKLE_MAX_PROOF], ref[VECHE_MERKLE_MAX_PROOF], root;
    size_t len, rlen;
    int step = test_quick() ? 7 : 1;
    (void)state;

    for (uint64_t n = 1; n <= MAXN; n += (uint64_t)step) {
        ref_mth(root, t, 0, n);
        for (uint64_t m = 0; m < n; m++) {
            t->reads = 0;
            assert_int_equal(veche_merkle_inclusion_proof(proof, &len, m, n, mem_read, t), VECHE_OK);
            assert_true(t->reads <= 2 * 9 + 2);   /* O(log n), not O(n) */
            rlen = 0;
            ref_path(ref, &rlen, t, m, 0, n);
            assert_int_equal(len, rlen);
            assert_memory_equal(proof, ref, len * 32);
            assert_int_equal(veche_merkle_verify_inclusion(m, n, t->leaf[m], (const veche_hash *)proof,
                                                           len, root), VECHE_OK);
            /* any one flipped bit anywhere fails */
            for (size_t i = 0; i < len; i++) {
                proof[i][i % 32] ^= 1;
                assert_int_equal(veche_merkle_verify_inclusion(m, n, t->leaf[m],
                                 (const veche_hash *)proof, len, root), VECHE_EVERIFY);
                proof[i][i % 32] ^= 1;
            }
            /* wrong leaf, wrong index, wrong size, short or long proof */
            assert_int_not_equal(veche_merkle_verify_inclusion(m, n, t->leaf[(m + 1) % MAXN],
                                 (const veche_hash *)proof, len, root), VECHE_OK);
            if (n > 1)
                assert_int_not_equal(veche_merkle_verify_inclusion((m + 1) % n, n, t->leaf[m],
                                     (const veche_hash *)proof, len, root), VECHE_OK);
            /* the proof for size n does not prove inclusion in the tree of size n+1 */
            if (n < MAXN) {
                veche_hash next;
                ref_mth(next, t, 0, n + 1);
                assert_int_not_equal(veche_merkle_verify_inclusion(m, n + 1, t->leaf[m],
                                     (const veche_hash *)proof, len, next), VECHE_OK);
            }
            if (len > 0)
                assert_int_not_equal(veche_merkle_verify_inclusion(m, n, t->leaf[m],
                                     (const veche_hash *)proof, len - 1, root), VECHE_OK);
            memcpy(proof[len], root, 32);
            assert_int_not_equal(veche_merkle_verify_inclusion(m, n, t->leaf[m],
                                 (const veche_hash *)proof, len + 1, root), VECHE_OK);
        }
    }
    assert_int_equal(veche_merkle_inclusion_proof(proof, &len, 5, 5, mem_read, t), VECHE_EINVALID);
    assert_int_equal(veche_merkle_verify_inclusion(5, 5, t->leaf[0], NULL, 0, root), VECHE_EINVALID);
    free(t);
}

static void test_consistency_all(void **state)
{
    mem_tree *t = build();
    veche_hash proof[VECHE_MERKLE_MAX_PROOF], ref[VECHE_MERKLE_MAX_PROOF], r1, r2, empty;
    size_t len, rlen;
    int step = test_quick() ? 11 : 1;
    (void)state;

    veche_merkle_empty_root(empty);
    for (uint64_t n = 1; n <= MAXN; n += (uint64_t)step) {
        ref_mth(r2, t, 0, n);
        for (uint64_t m = 0; m <= n; m++) {
            ref_mth(r1, t, 0, m);
            assert_int_equal(veche_merkle_consistency_proof(proof, &len, m, n, mem_read, t), VECHE_OK);
            rlen = 0;
            if (m > 0 && m < n)
                ref_subproof(ref, &rlen, t, m, 0, n, 1);
            assert_int_equal(len, rlen);
            assert_memory_equal(proof, ref, len * 32);
            assert_int_equal(veche_merkle_verify_consistency(m, n, r1, r2,
                             (const veche_hash *)proof, len), VECHE_OK);
            for (size_t i = 0; i < len; i++) {
                proof[i][31 - i % 32] ^= 0x80;
                assert_int_equal(veche_merkle_verify_consistency(m, n, r1, r2,
                                 (const veche_hash *)proof, len), VECHE_EVERIFY);
                proof[i][31 - i % 32] ^= 0x80;
            }
            if (m > 0 && m < n) {
                assert_int_not_equal(veche_merkle_verify_consistency(m, n, r2, r2,
                                     (const veche_hash *)proof, len), VECHE_OK);
                assert_int_not_equal(veche_merkle_verify_consistency(m, n, r1, r1,
                                     (const veche_hash *)proof, len), VECHE_OK);
                assert_int_not_equal(veche_merkle_verify_consistency(m, n, r1, r2,
                                     (const veche_hash *)proof, len - 1), VECHE_OK);
            }
        }
    }
    free(t);
}

/* The edge cases RFC 9162 leaves to the verifier. */
static void test_consistency_edges(void **state)
{
    mem_tree *t = build();
    veche_hash r, r8, r16, empty, proof[VECHE_MERKLE_MAX_PROOF];
    size_t len;
    (void)state;

    veche_merkle_empty_root(empty);
    ref_mth(r, t, 0, 7);
    /* equal sizes: empty proof, equal roots */
    assert_int_equal(veche_merkle_verify_consistency(7, 7, r, r, NULL, 0), VECHE_OK);
    assert_int_equal(veche_merkle_verify_consistency(7, 7, r, empty, NULL, 0), VECHE_EVERIFY);
    assert_int_equal(veche_merkle_verify_consistency(7, 7, r, r, (const veche_hash *)&r, 1), VECHE_EVERIFY);
    /* old size 0: only from the empty root, with no proof */
    assert_int_equal(veche_merkle_verify_consistency(0, 7, empty, r, NULL, 0), VECHE_OK);
    assert_int_equal(veche_merkle_verify_consistency(0, 7, r, r, NULL, 0), VECHE_EVERIFY);
    assert_int_equal(veche_merkle_verify_consistency(0, 0, empty, empty, NULL, 0), VECHE_OK);
    /* shrinking is never consistent */
    assert_int_equal(veche_merkle_verify_consistency(8, 7, r, r, NULL, 0), VECHE_EINVALID);
    assert_int_equal(veche_merkle_consistency_proof(proof, &len, 8, 7, mem_read, t), VECHE_EINVALID);
    /* powers of two: the old root is implicit, 8 -> 16 is one hash */
    ref_mth(r8, t, 0, 8);
    ref_mth(r16, t, 0, 16);
    assert_int_equal(veche_merkle_consistency_proof(proof, &len, 8, 16, mem_read, t), VECHE_OK);
    assert_int_equal(len, 1);
    assert_int_equal(veche_merkle_verify_consistency(8, 16, r8, r16, (const veche_hash *)proof, len), VECHE_OK);
    /* empty proof for a real extension fails */
    assert_int_equal(veche_merkle_verify_consistency(8, 16, r8, r16, NULL, 0), VECHE_EVERIFY);
    free(t);
}

/* RFC 9162's known values: the empty root and a one-leaf tree. */
static void test_known_hashes(void **state)
{
    veche_hash h, want;
    (void)state;
    veche_merkle_empty_root(h);
    hex_to(want, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_memory_equal(h, want, 32);
    veche_merkle_leaf_hash(h, NULL, 0);
    hex_to(want, 32, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assert_memory_equal(h, want, 32);
    assert_int_equal(veche_merkle_completed(0), 1);
    assert_int_equal(veche_merkle_completed(1), 2);
    assert_int_equal(veche_merkle_completed(7), 4);
    assert_int_equal(veche_merkle_completed(8), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_hashes),
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_stack_roots),
        cmocka_unit_test(test_inclusion_all),
        cmocka_unit_test(test_consistency_all),
        cmocka_unit_test(test_consistency_edges),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}
