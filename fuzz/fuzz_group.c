/*
 * fuzz/fuzz_group.c — libFuzzer target for the group's decoders (group.h,
 * elgamal.h) and, while it has valid elements in hand, the arithmetic built
 * on them, checked against libsodium's independent ristretto255.
 *
 * The input is read as up to MAX_CHUNKS 32-byte chunks (the last one padded
 * with zeros). For every chunk:
 *   - veche_scalar_decode succeeds iff the bytes are < L (checked by a plain
 *     byte comparison here), and then re-encoding gives the chunk back;
 *   - veche_point_decode with VECHE_ALLOW_IDENTITY succeeds iff libsodium's
 *     crypto_core_ristretto255_is_valid_point says the encoding is valid (and
 *     bit 255 is clear: see valid_point), and
 *     then re-encoding gives the chunk back; with VECHE_NO_IDENTITY it gives
 *     the same answer except VECHE_EIDENTITY for the identity (32 zeros);
 * for every pair of neighbouring chunks (64 bytes):
 *   - veche_ciphertext_decode succeeds iff both halves are valid points, and
 *     re-encodes to the 64 bytes;
 *   - point + point, s·P, and the scalar operations agree with libsodium;
 *     veche_scalar_reduce64 agrees with crypto_core_ristretto255_scalar_reduce;
 * for the first chunk:
 *   - veche_pubkey_decode succeeds iff it is a valid point and not the
 *     identity; then pk.enc is the chunk and the key's table multiplies like
 *     veche_point_mul;
 * and over all chunks, as scalars below 2^252 (top 4 bits cleared) with
 * fixed points, veche_msm_vartime and veche_point_base_double_vartime agree
 * with sums of constant-time single multiplications.
 *
 * Any disagreement aborts (a finding). Decoders must never crash and must
 * return only their documented error codes.
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_group writes a few valid
 * inputs into <dir> and exits (how fuzz/corpus/fuzz_group/ was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_CHUNKS = 8 };

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_group: check failed at line %d: %s\n", __LINE__,   \
                    #cond);                                                          \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* L, the group order, little-endian. */
static const uint8_t L_bytes[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};
static const uint8_t zero32[32];

static veche_point fixed_P[MAX_CHUNKS];   /* fixed points for the MSM check */

/* Reference: a 32-byte little-endian integer is canonical iff it is < L. */
static int below_L(const uint8_t b[32])
{
    for (int i = 31; i >= 0; i--) {
        if (b[i] != L_bytes[i])
            return b[i] < L_bytes[i];
    }
    return 0;   /* equal to L */
}

/*
 * Reference: a valid ristretto255 encoding per RFC 9496 §4.3.1. libsodium's
 * crypto_core_ristretto255_is_valid_point does the work, but the 1.0.18 of
 * Debian 12 ignores bit 255 (it accepts G's encoding with the top bit set,
 * as G): the RFC reads the 32 bytes as an integer that must be < p, so such
 * an encoding is not canonical, and libdecaf (rightly) rejects it. This target
 * found that difference; an independent verifier built on an old libsodium
 * must add the same top-bit test.
 */
static int valid_point(const uint8_t c[32])
{
    return (c[31] & 0x80) == 0 && crypto_core_ristretto255_is_valid_point(c) == 1;
}

/* ---- seeds ---------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_group: cannot write %s\n", path);
        exit(1);
    }
}

static void write_seeds(const char *dir)
{
    static const uint8_t seed[32] = "fuzz_group seeds";
    uint8_t buf[4 * 32], Lm1[32];
    veche_rng rng;
    veche_scalar s, r;
    veche_point P;
    veche_pubkey pk;
    veche_ciphertext ct;

    veche_rng_seed(&rng, seed);
    veche_point_generator(&P);
    veche_point_encode(buf, &P);
    write_seed(dir, "generator", buf, 32);
    write_seed(dir, "identity", zero32, 32);
    memcpy(Lm1, L_bytes, 32);
    Lm1[0] -= 1;
    write_seed(dir, "scalar-L-minus-1", Lm1, 32);
    write_seed(dir, "scalar-L", L_bytes, 32);

    /* A point, then a scalar: exercises s·P, the table and the MSM. */
    veche_scalar_random(&s, &rng);
    veche_point_mul_base(&P, &s);
    veche_point_encode(buf, &P);
    veche_scalar_random(&s, &rng);
    veche_scalar_encode(buf + 32, &s);
    write_seed(dir, "point-scalar", buf, 64);

    /* A ciphertext, then two scalars. */
    if (veche_keypair_generate(&s, &pk, &rng) != VECHE_OK)
        exit(1);
    veche_encrypt_random(&ct, &r, &pk, 1, &rng);
    veche_ciphertext_encode(buf, &ct);
    veche_scalar_encode(buf + 64, &s);
    veche_scalar_encode(buf + 96, &r);
    write_seed(dir, "ciphertext-scalars", buf, 128);
    veche_pubkey_free(&pk);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");

    (void)argc;
    (void)argv;
    if (veche_crypto_init() != VECHE_OK)
        abort();
    for (int i = 0; i < MAX_CHUNKS; i++) {
        uint8_t h[64] = "fuzz_group fixed point";
        h[63] = (uint8_t)i;
        veche_point_from_hash(&fixed_P[i], h);
    }
    if (dir != NULL)
        write_seeds(dir);
    return 0;
}

/* ---- checks ----------------------------------------------------------------- */

/* Scalar and point decoding of one chunk; sets *ps / *pp when they decode. */
static void check_chunk(const uint8_t c[32], veche_scalar *s, int *ps, veche_point *p, int *pp)
{
    uint8_t out[32];
    veche_point q;
    veche_err e, e2;

    e = veche_scalar_decode(s, c);
    CHECK(e == VECHE_OK || e == VECHE_EENCODING);
    CHECK((e == VECHE_OK) == below_L(c));
    if (e == VECHE_OK) {
        veche_scalar_encode(out, s);
        CHECK(memcmp(out, c, 32) == 0);
    }
    *ps = e == VECHE_OK;

    e = veche_point_decode(p, c, VECHE_ALLOW_IDENTITY);
    CHECK(e == VECHE_OK || e == VECHE_EENCODING);
    CHECK((e == VECHE_OK) == valid_point(c));
    if (e == VECHE_OK) {
        veche_point_encode(out, p);
        CHECK(memcmp(out, c, 32) == 0);
        CHECK(veche_point_is_identity(p) == (memcmp(c, zero32, 32) == 0));
    }
    *pp = e == VECHE_OK;

    e2 = veche_point_decode(&q, c, VECHE_NO_IDENTITY);
    if (e != VECHE_OK)
        CHECK(e2 == e);
    else if (memcmp(c, zero32, 32) == 0)
        CHECK(e2 == VECHE_EIDENTITY);
    else
        CHECK(e2 == VECHE_OK && veche_point_eq(&q, p));
}

/* Two neighbouring chunks: the ciphertext decoder and libsodium agreement. */
static void check_pair(const uint8_t c[64], const veche_scalar s[2], const int ps[2],
                       const veche_point p[2], const int pp[2])
{
    uint8_t out[64], ref[32];
    veche_ciphertext ct;
    veche_scalar t;
    veche_point r;
    veche_err e;

    e = veche_ciphertext_decode(&ct, c);
    CHECK(e == VECHE_OK || e == VECHE_EENCODING);
    CHECK((e == VECHE_OK) == (pp[0] && pp[1]));
    if (e == VECHE_OK) {
        veche_ciphertext_encode(out, &ct);
        CHECK(memcmp(out, c, 64) == 0);
    }

    if (pp[0] && pp[1]) {
        veche_point_add(&r, &p[0], &p[1]);
        veche_point_encode(out, &r);
        CHECK(crypto_core_ristretto255_add(ref, c, c + 32) == 0);
        CHECK(memcmp(out, ref, 32) == 0);
        veche_point_sub(&r, &p[0], &p[1]);
        veche_point_encode(out, &r);
        CHECK(crypto_core_ristretto255_sub(ref, c, c + 32) == 0);
        CHECK(memcmp(out, ref, 32) == 0);
    }
    if (pp[0] && ps[1]) {
        /* libsodium refuses (returns -1) exactly when s·P is the identity. */
        int rc = crypto_scalarmult_ristretto255(ref, c + 32, c);
        veche_point_mul(&r, &p[0], &s[1]);
        veche_point_encode(out, &r);
        if (rc != 0)
            CHECK(veche_point_is_identity(&r));
        else
            CHECK(memcmp(out, ref, 32) == 0);
    }
    if (ps[0] && ps[1]) {
        veche_scalar_add(&t, &s[0], &s[1]);
        veche_scalar_encode(out, &t);
        crypto_core_ristretto255_scalar_add(ref, c, c + 32);
        CHECK(memcmp(out, ref, 32) == 0);
        veche_scalar_sub(&t, &s[0], &s[1]);
        veche_scalar_encode(out, &t);
        crypto_core_ristretto255_scalar_sub(ref, c, c + 32);
        CHECK(memcmp(out, ref, 32) == 0);
        veche_scalar_mul(&t, &s[0], &s[1]);
        veche_scalar_encode(out, &t);
        crypto_core_ristretto255_scalar_mul(ref, c, c + 32);
        CHECK(memcmp(out, ref, 32) == 0);
        veche_scalar_neg(&t, &s[0]);
        veche_scalar_encode(out, &t);
        crypto_core_ristretto255_scalar_negate(ref, c);
        CHECK(memcmp(out, ref, 32) == 0);
        e = veche_scalar_invert(&t, &s[0]);
        if (memcmp(c, zero32, 32) == 0) {
            CHECK(e == VECHE_EINVALID);
        } else {
            CHECK(e == VECHE_OK);
            veche_scalar_encode(out, &t);
            CHECK(crypto_core_ristretto255_scalar_invert(ref, c) == 0);
            CHECK(memcmp(out, ref, 32) == 0);
        }
    }
    /* Any 64 bytes reduce mod L the same way in both libraries. */
    {
        uint8_t wide[64];
        memcpy(wide, c, 64);
        veche_scalar_reduce64(&t, wide);
        veche_scalar_encode(out, &t);
        crypto_core_ristretto255_scalar_reduce(ref, wide);
        CHECK(memcmp(out, ref, 32) == 0);
    }
}

/* The first chunk as an election key; s1 (if any) to test its table. */
static void check_pubkey(const uint8_t c[32], const veche_scalar *s1, int has_s1)
{
    veche_pubkey pk;
    veche_err e = veche_pubkey_decode(&pk, c);
    int valid = valid_point(c);

    CHECK(e == VECHE_OK || e == VECHE_EENCODING || e == VECHE_EIDENTITY);
    CHECK((e == VECHE_OK) == (valid && memcmp(c, zero32, 32) != 0));
    if (e == VECHE_OK) {
        uint8_t out[32];
        veche_point a, b;
        CHECK(memcmp(pk.enc, c, 32) == 0);
        veche_point_encode(out, &pk.K);
        CHECK(memcmp(out, c, 32) == 0);
        if (has_s1) {
            veche_table_mul(&a, pk.table, s1);
            veche_point_mul(&b, &pk.K, s1);
            CHECK(veche_point_eq(&a, &b));
        }
    } else {
        CHECK(pk.table == NULL);
    }
    veche_pubkey_free(&pk);
}

/* MSM and double multiplication against single constant-time ones. */
static void check_msm(uint8_t chunks[][32], size_t n)
{
    veche_scalar s[MAX_CHUNKS];
    veche_point sum, t, r;

    veche_point_identity(&sum);
    for (size_t i = 0; i < n; i++) {
        uint8_t b[32];
        memcpy(b, chunks[i], 32);
        b[31] &= 0x0f;                      /* < 2^252 < L: always canonical */
        CHECK(veche_scalar_decode(&s[i], b) == VECHE_OK);
        veche_point_mul(&t, &fixed_P[i], &s[i]);
        veche_point_add(&sum, &sum, &t);
    }
    CHECK(veche_msm_vartime(&r, s, fixed_P, n) == VECHE_OK);
    CHECK(veche_point_eq(&r, &sum));
    /* b == 0 once returned the identity (libdecaf 1.0.2; group.c now avoids it) */
    if (n >= 2) {
        veche_point G;
        veche_point_generator(&G);
        veche_point_mul(&t, &G, &s[0]);
        veche_point_mul(&sum, &fixed_P[1], &s[1]);
        veche_point_add(&sum, &sum, &t);
        veche_point_base_double_vartime(&r, &s[0], &fixed_P[1], &s[1]);
        CHECK(veche_point_eq(&r, &sum));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t chunks[MAX_CHUNKS][32];
    veche_scalar s[MAX_CHUNKS];
    veche_point p[MAX_CHUNKS];
    int ps[MAX_CHUNKS], pp[MAX_CHUNKS];
    size_t n = (size + 31) / 32;

    if (n == 0)
        return 0;
    if (n > MAX_CHUNKS)
        n = MAX_CHUNKS;
    memset(chunks, 0, sizeof chunks);
    memcpy(chunks, data, size < sizeof chunks ? size : sizeof chunks);

    for (size_t i = 0; i < n; i++)
        check_chunk(chunks[i], &s[i], &ps[i], &p[i], &pp[i]);
    for (size_t i = 0; i + 1 < n; i++)
        check_pair(&chunks[0][0] + 32 * i, &s[i], &ps[i], &p[i], &pp[i]);
    check_pubkey(chunks[0], &s[1 % n], n > 1 && ps[1]);
    check_msm(chunks, n);
    return 0;
}
