/*
 * merkle.h — RFC 9162 Merkle tree hashing, inclusion and consistency proofs.
 *
 * Hashes are SHA-256: a leaf is SHA-256(0x00 || entry bytes), an interior
 * node SHA-256(0x01 || left || right), the empty tree SHA-256("") (§2.1.1).
 *
 * Proof generation never reads the whole log. The store keeps the hash of
 * every *complete* subtree — node(level, i) covers leaves
 * [i·2^level, (i+1)·2^level) — written once, when its last leaf is appended
 * (about 2n nodes for n leaves). Every subtree RFC 9162 asks for is either
 * complete (one read) or the right edge of the tree, which folds from at
 * most log2(n) complete ones; an inclusion proof therefore costs O(log n)
 * reads, a consistency proof O(log^2 n) in the worst case.
 *
 * Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency) step by step. Sizes equal: proof empty and roots equal.
 * Old size 0: RFC 9162 defines no proof; we accept it only with an empty
 * proof and old root SHA-256("") (the empty tree is a prefix of every tree).
 */
#ifndef VECHE_BOARD_MERKLE_H
#define VECHE_BOARD_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/err.h"

#define VECHE_HASH_BYTES   32
#define VECHE_MERKLE_MAX_PROOF 64   /* hashes in any proof of a tree < 2^63 */

typedef uint8_t veche_hash[VECHE_HASH_BYTES];

void veche_merkle_leaf_hash(veche_hash out, const uint8_t *data, size_t len);
void veche_merkle_node_hash(veche_hash out, const veche_hash left, const veche_hash right);
void veche_merkle_empty_root(veche_hash out);

/*
 * Reads the stored hash of the complete subtree at (level, index). Returns
 * VECHE_OK, or an error that the proof functions pass back unchanged.
 */
typedef veche_err (*veche_node_reader)(void *arg, unsigned level, uint64_t index,
                                       veche_hash out);

/* MTH(D[0:size]). */
veche_err veche_merkle_root(veche_hash out, uint64_t size, veche_node_reader rd, void *arg);

/* PATH(index, D[0:size]) into proof[0..*len-1]; VECHE_EINVALID unless index < size. */
veche_err veche_merkle_inclusion_proof(veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len,
                                       uint64_t index, uint64_t size,
                                       veche_node_reader rd, void *arg);

/* PROOF(old_size, D[0:size]); VECHE_EINVALID unless old_size <= size. Empty for 0 or equal. */
veche_err veche_merkle_consistency_proof(veche_hash proof[VECHE_MERKLE_MAX_PROOF], size_t *len,
                                         uint64_t old_size, uint64_t size,
                                         veche_node_reader rd, void *arg);

/* VECHE_OK or VECHE_EVERIFY (VECHE_EINVALID for index >= size). */
veche_err veche_merkle_verify_inclusion(uint64_t index, uint64_t size, const veche_hash leaf,
                                        const veche_hash *proof, size_t len,
                                        const veche_hash root);
veche_err veche_merkle_verify_consistency(uint64_t old_size, uint64_t size,
                                          const veche_hash old_root, const veche_hash root,
                                          const veche_hash *proof, size_t len);

/*
 * A tree computed leaf by leaf without storage, for verifiers reading an
 * export: the frontier holds the complete subtrees of the binary
 * decomposition of size (largest first), folded right to left for the root.
 */
typedef struct veche_merkle_stack {
    veche_hash frontier[64];
    unsigned   depth[64];     /* log2 of each frontier subtree's size */
    unsigned   n;
    uint64_t   size;
} veche_merkle_stack;

void veche_merkle_stack_init(veche_merkle_stack *st);
void veche_merkle_stack_push(veche_merkle_stack *st, const veche_hash leaf);
void veche_merkle_stack_root(const veche_merkle_stack *st, veche_hash out);

/*
 * Appending leaf number `index` (0-based) completes the subtrees at levels
 * 0..veche_merkle_completed(index)-1 ending at that leaf: level 0 is the leaf
 * itself, level l covers leaves [index+1-2^l, index]. Callers store them.
 */
unsigned veche_merkle_completed(uint64_t index);

#endif
