/*
 * merkle.c — RFC 9162 tree hashing and proofs over stored complete subtrees
 * (see merkle.h for the storage model).
 */
#include "board/merkle.h"

#include <string.h>
#include <sodium.h>

void veche_merkle_leaf_hash(veche_hash out, const uint8_t *data, size_t len)
{
    static const uint8_t prefix = 0x00;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, &prefix, 1);
    crypto_hash_sha256_update(&h, data, len);
    crypto_hash_sha256_final(&h, out);
}

void veche_merkle_node_hash(veche_hash out, const veche_hash left, const veche_hash right)
{
    uint8_t buf[1 + 2 * VECHE_HASH_BYTES];
    buf[0] = 0x01;
    memcpy(buf + 1, left, VECHE_HASH_BYTES);
    memcpy(buf + 1 + VECHE_HASH_BYTES, right, VECHE_HASH_BYTES);
    crypto_hash_sha256(out, buf, sizeof buf);
}

void veche_merkle_empty_root(veche_hash out)
{
    crypto_hash_sha256(out, NULL, 0);
}

unsigned veche_merkle_completed(uint64_t index)
{
    unsigned levels = 1;
    uint64_t n = index + 1;
    while ((n & 1) == 0) {
        levels++;
        n >>= 1;
    }
    return levels;
}

/* The largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static unsigned log2_exact(uint64_t pow2)
{
    unsigned l = 0;
    while (pow2 > 1) {
        pow2 >>= 1;
        l++;
    }
    return l;
}

/*
 * MTH(D[lo:hi]) where lo is a multiple of the largest power of two <= hi-lo
 * (true of every subtree the RFC recursion visits). A complete power-of-two
 * range is one stored node; otherwise fold the complete blocks right to left.
 */
static veche_err subtree_hash(veche_hash out, uint64_t lo, uint64_t hi, veche_node_reader rd,
                              void *arg)
{
    uint64_t n = hi - lo;
    veche_hash left, right;
    veche_err e;

    if (n == 0) {
        veche_merkle_empty_root(out);
        return VECHE_OK;
    }
    if ((n & (n - 1)) == 0) {
        unsigned level = log2_exact(n);
        return rd(arg, level, lo >> level, out);
    }
    uint64_t k = split_point(n);
    if ((e = subtree_hash(left, lo, lo + k, rd, arg)) != VECHE_OK ||
        (e = subtree_hash(right, lo + k, hi, rd, arg)) != VECHE_OK)
        return e;
    veche_merkle_node_hash(out, left, right);
    return VECHE_OK;
}

veche_err veche_merkle_root(veche_hash out, uint64_t size, veche_node_reader rd, void *arg)
{
    return subtree_hash(out, 0, size, rd, arg);
}

/* Appends one hash; the recursion depth bounds the count, but check anyway. */
static veche_err push(veche_hash *proof, size_t *len, const veche_hash h)
{
    if (*len >= VECHE_MERKLE_MAX_PROOF)
        return VECHE_EINVALID;
    memcpy(proof[(*len)++], h, VECHE_HASH_BYTES);
    return VECHE_OK;
}

/* RFC 9162 §2.1.3.1: PATH(m, D[lo:hi]), emitted leaf-side first. */
static veche_err path(veche_hash *proof, size_t *len, uint64_t m, uint64_t lo, uint64_t hi,
                      veche_node_reader rd, void *arg)
{
    uint64_t n = hi - lo, k;
    veche_hash h;
    veche_err e;

    if (n == 1)
        return VECHE_OK;
    k = split_point(n);
    if (m < k) {
        if ((e = path(proof, len, m, lo, lo + k, rd, arg)) != VECHE_OK ||
            (e = subtree_hash(h, lo + k, hi, rd, arg)) != VECHE_OK)
            return e;
    } else {
        if ((e = path(proof, len, m - k, lo + k, hi, rd, arg)) != VECHE_OK ||
            (e = subtree_hash(h, lo, lo + k, rd, arg)) != VECHE_OK)
            return e;
    }
    return push(proof, len, h);
}

veche_err veche_merkle_inclusion_proof(veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len,
                                       uint64_t index, uint64_t size,
                                       veche_node_reader rd, void *arg)
{
    *len = 0;
    if (index >= size)
        return VECHE_EINVALID;
    return path(proof, len, index, 0, size, rd, arg);
}

/* RFC 9162 §2.1.4.1: SUBPROOF(m, D[lo:hi], b). */
static veche_err subproof(veche_hash *proof, size_t *len, uint64_t m, uint64_t lo, uint64_t hi,
                          int b, veche_node_reader rd, void *arg)
{
    uint64_t n = hi - lo, k;
    veche_hash h;
    veche_err e;

    if (m == n) {
        if (b)
            return VECHE_OK;
        if ((e = subtree_hash(h, lo, hi, rd, arg)) != VECHE_OK)
            return e;
        return push(proof, len, h);
    }
    k = split_point(n);
    if (m <= k) {
        if ((e = subproof(proof, len, m, lo, lo + k, b, rd, arg)) != VECHE_OK ||
            (e = subtree_hash(h, lo + k, hi, rd, arg)) != VECHE_OK)
            return e;
    } else {
        if ((e = subproof(proof, len, m - k, lo + k, hi, 0, rd, arg)) != VECHE_OK ||
            (e = subtree_hash(h, lo, lo + k, rd, arg)) != VECHE_OK)
            return e;
    }
    return push(proof, len, h);
}

veche_err veche_merkle_consistency_proof(veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len,
                                         uint64_t old_size, uint64_t size,
                                         veche_node_reader rd, void *arg)
{
    *len = 0;
    if (old_size > size)
        return VECHE_EINVALID;
    if (old_size == 0 || old_size == size)
        return VECHE_OK;
    return subproof(proof, len, old_size, 0, size, 1, rd, arg);
}

/* RFC 9162 §2.1.3.2, steps 1-5. */
veche_err veche_merkle_verify_inclusion(uint64_t index, uint64_t size, const veche_hash leaf,
                                        const veche_hash *proof, size_t len,
                                        const veche_hash root)
{
    uint64_t fn = index, sn;
    veche_hash r;

    if (index >= size)
        return VECHE_EINVALID;
    sn = size - 1;
    memcpy(r, leaf, VECHE_HASH_BYTES);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return VECHE_EVERIFY;
        if ((fn & 1) || fn == sn) {
            veche_merkle_node_hash(r, proof[i], r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            veche_merkle_node_hash(r, r, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || sodium_memcmp(r, root, VECHE_HASH_BYTES) != 0)
        return VECHE_EVERIFY;
    return VECHE_OK;
}

static int hash_eq(const veche_hash a, const veche_hash b)
{
    return sodium_memcmp(a, b, VECHE_HASH_BYTES) == 0;
}

/* RFC 9162 §2.1.4.2, steps 1-8, after the edge cases of merkle.h. */
veche_err veche_merkle_verify_consistency(uint64_t old_size, uint64_t size,
                                          const veche_hash old_root, const veche_hash root,
                                          const veche_hash *proof, size_t len)
{
    uint64_t fn, sn;
    veche_hash fr, sr, empty;
    size_t i = 0;

    if (old_size > size)
        return VECHE_EINVALID;
    if (old_size == size)
        return len == 0 && hash_eq(old_root, root) ? VECHE_OK : VECHE_EVERIFY;
    if (old_size == 0) {
        veche_merkle_empty_root(empty);
        return len == 0 && hash_eq(old_root, empty) ? VECHE_OK : VECHE_EVERIFY;
    }
    if (len == 0)
        return VECHE_EVERIFY;
    /* Step 2: for a power-of-two old size, old_root is the implicit first element. */
    if ((old_size & (old_size - 1)) == 0) {
        memcpy(fr, old_root, VECHE_HASH_BYTES);
    } else {
        memcpy(fr, proof[0], VECHE_HASH_BYTES);
        i = 1;
    }
    memcpy(sr, fr, VECHE_HASH_BYTES);
    fn = old_size - 1;
    sn = size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < len; i++) {
        if (sn == 0)
            return VECHE_EVERIFY;
        if ((fn & 1) || fn == sn) {
            veche_merkle_node_hash(fr, proof[i], fr);
            veche_merkle_node_hash(sr, proof[i], sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            veche_merkle_node_hash(sr, sr, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || !hash_eq(fr, old_root) || !hash_eq(sr, root))
        return VECHE_EVERIFY;
    return VECHE_OK;
}

/* ---- leaf-by-leaf computation ------------------------------------------- */

void veche_merkle_stack_init(veche_merkle_stack *st)
{
    memset(st, 0, sizeof *st);
}

/* Merge equal-sized subtrees as a binary counter carries. */
void veche_merkle_stack_push(veche_merkle_stack *st, const veche_hash leaf)
{
    veche_hash cur;
    unsigned depth = 0;

    memcpy(cur, leaf, VECHE_HASH_BYTES);
    while (st->n > 0 && st->depth[st->n - 1] == depth) {
        veche_merkle_node_hash(cur, st->frontier[st->n - 1], cur);
        st->n--;
        depth++;
    }
    memcpy(st->frontier[st->n], cur, VECHE_HASH_BYTES);
    st->depth[st->n++] = depth;
    st->size++;
}

void veche_merkle_stack_root(const veche_merkle_stack *st, veche_hash out)
{
    if (st->n == 0) {
        veche_merkle_empty_root(out);
        return;
    }
    memcpy(out, st->frontier[st->n - 1], VECHE_HASH_BYTES);
    for (unsigned i = st->n - 1; i-- > 0;)
        veche_merkle_node_hash(out, st->frontier[i], out);
}
