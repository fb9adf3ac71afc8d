/*
 * group.c — ristretto255 scalars and points over libdecaf, randomness, and the
 * variable-time multi-scalar multiplication that verification is built on.
 *
 * Invariants: a veche_point always holds a valid group element (only
 * veche_point_decode creates one from bytes, and it rejects non-canonical
 * input); a veche_scalar is always reduced mod L.
 */
#include "crypto/group.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

const veche_scalar veche_scalar_zero_c = {{{{0}}}};
const veche_scalar veche_scalar_one_c  = {{{{1}}}};

static const char *const err_text[] = {
    [0] = "success",
    [1] = "not a canonical encoding",
    [2] = "the identity element is not allowed here",
    [3] = "verification failed",
    [4] = "value out of range",
    [5] = "invalid argument",
    [6] = "out of memory",
    [7] = "not found within the bound",
    [8] = "authenticated decryption failed",
    [9] = "internal error",
};

const char *veche_strerror(veche_err e)
{
    int i = -(int)e;
    if (i < 0 || i >= (int)(sizeof err_text / sizeof err_text[0]))
        return "unknown error";
    return err_text[i];
}

veche_err veche_crypto_init(void)
{
    return sodium_init() < 0 ? VECHE_EINTERNAL : VECHE_OK;
}

/* ---- randomness ------------------------------------------------------- */

void veche_rng_seed(veche_rng *rng, const uint8_t seed[32])
{
    memcpy(rng->seed, seed, 32);
    rng->counter = 0;
}

static void rng_block(veche_rng *rng, uint8_t out[64])
{
    static const char tag[] = "veche-v1/rng";
    uint8_t ctr[8];
    crypto_hash_sha512_state h;

    for (int i = 0; i < 8; i++)
        ctr[i] = (uint8_t)(rng->counter >> (8 * i));
    rng->counter++;
    crypto_hash_sha512_init(&h);
    crypto_hash_sha512_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_hash_sha512_update(&h, rng->seed, 32);
    crypto_hash_sha512_update(&h, ctr, 8);
    crypto_hash_sha512_final(&h, out);
}

void veche_rng_bytes(veche_rng *rng, uint8_t *out, size_t n)
{
    uint8_t block[64];

    if (rng == NULL) {
        randombytes_buf(out, n);
        return;
    }
    while (n > 0) {
        size_t k = n < 64 ? n : 64;
        rng_block(rng, block);
        memcpy(out, block, k);
        out += k;
        n -= k;
    }
    sodium_memzero(block, sizeof block);
}

/* ---- scalars ---------------------------------------------------------- */

veche_err veche_scalar_decode(veche_scalar *s, const uint8_t in[VECHE_SCALAR_BYTES])
{
    if (decaf_255_scalar_decode(s->s, in) != DECAF_SUCCESS) {
        decaf_255_scalar_copy(s->s, decaf_255_scalar_zero);
        return VECHE_EENCODING;
    }
    return VECHE_OK;
}

void veche_scalar_encode(uint8_t out[VECHE_SCALAR_BYTES], const veche_scalar *s)
{
    decaf_255_scalar_encode(out, s->s);
}

void veche_scalar_reduce64(veche_scalar *s, const uint8_t in[64])
{
    decaf_255_scalar_decode_long(s->s, in, 64);
}

void veche_scalar_random(veche_scalar *s, veche_rng *rng)
{
    uint8_t wide[64];
    veche_rng_bytes(rng, wide, sizeof wide);
    veche_scalar_reduce64(s, wide);
    sodium_memzero(wide, sizeof wide);
}

void veche_scalar_random_128(veche_scalar *s)
{
    uint8_t b[32] = {0};
    randombytes_buf(b, 16);
    /* < 2^128 < L, so always canonical */
    if (veche_scalar_decode(s, b) != VECHE_OK)
        veche_scalar_from_u64(s, 1);
}

void veche_scalar_from_u64(veche_scalar *s, uint64_t v)
{
    decaf_255_scalar_set_unsigned(s->s, v);
}

void veche_scalar_add(veche_scalar *r, const veche_scalar *a, const veche_scalar *b)
{
    decaf_255_scalar_add(r->s, a->s, b->s);
}

void veche_scalar_sub(veche_scalar *r, const veche_scalar *a, const veche_scalar *b)
{
    decaf_255_scalar_sub(r->s, a->s, b->s);
}

void veche_scalar_mul(veche_scalar *r, const veche_scalar *a, const veche_scalar *b)
{
    decaf_255_scalar_mul(r->s, a->s, b->s);
}

void veche_scalar_neg(veche_scalar *r, const veche_scalar *a)
{
    decaf_255_scalar_sub(r->s, decaf_255_scalar_zero, a->s);
}

veche_err veche_scalar_invert(veche_scalar *r, const veche_scalar *a)
{
    return decaf_255_scalar_invert(r->s, a->s) == DECAF_SUCCESS ? VECHE_OK : VECHE_EINVALID;
}

int veche_scalar_eq(const veche_scalar *a, const veche_scalar *b)
{
    return decaf_255_scalar_eq(a->s, b->s) ? 1 : 0;
}

int veche_scalar_is_zero(const veche_scalar *a)
{
    return veche_scalar_eq(a, &veche_scalar_zero_c);
}

void veche_scalar_select(veche_scalar *r, const veche_scalar *a, const veche_scalar *b, int pick)
{
    /* decaf wants an all-ones mask, not 1: spread the bit without branching. */
    decaf_word_t mask = (decaf_word_t)0 - (decaf_word_t)(pick & 1);
    decaf_255_scalar_cond_sel(r->s, a->s, b->s, mask);
}

void veche_scalar_wipe(veche_scalar *s)
{
    sodium_memzero(s, sizeof *s);
}

/* ---- points ----------------------------------------------------------- */

veche_err veche_point_decode(veche_point *p, const uint8_t in[VECHE_POINT_BYTES],
                             veche_identity_rule rule)
{
    static const uint8_t zero[VECHE_POINT_BYTES];

    if (decaf_255_point_decode(p->p, in, DECAF_TRUE) != DECAF_SUCCESS) {
        decaf_255_point_copy(p->p, decaf_255_point_identity);
        return VECHE_EENCODING;
    }
    /* The identity's only encoding is 32 zero bytes. */
    if (rule == VECHE_NO_IDENTITY && sodium_memcmp(in, zero, sizeof zero) == 0)
        return VECHE_EIDENTITY;
    return VECHE_OK;
}

void veche_point_encode(uint8_t out[VECHE_POINT_BYTES], const veche_point *p)
{
    decaf_255_point_encode(out, p->p);
}

void veche_point_add(veche_point *r, const veche_point *a, const veche_point *b)
{
    decaf_255_point_add(r->p, a->p, b->p);
}

void veche_point_sub(veche_point *r, const veche_point *a, const veche_point *b)
{
    decaf_255_point_sub(r->p, a->p, b->p);
}

void veche_point_neg(veche_point *r, const veche_point *a)
{
    decaf_255_point_negate(r->p, a->p);
}

int veche_point_eq(const veche_point *a, const veche_point *b)
{
    return decaf_255_point_eq(a->p, b->p) ? 1 : 0;
}

int veche_point_is_identity(const veche_point *a)
{
    return decaf_255_point_eq(a->p, decaf_255_point_identity) ? 1 : 0;
}

void veche_point_identity(veche_point *r)
{
    decaf_255_point_copy(r->p, decaf_255_point_identity);
}

void veche_point_generator(veche_point *r)
{
    decaf_255_point_copy(r->p, decaf_255_point_base);
}

void veche_point_mul(veche_point *r, const veche_point *p, const veche_scalar *s)
{
    decaf_255_point_scalarmul(r->p, p->p, s->s);
}

void veche_point_mul_base(veche_point *r, const veche_scalar *s)
{
    decaf_255_precomputed_scalarmul(r->p, decaf_255_precomputed_base, s->s);
}

void veche_point_mul_base_u64(veche_point *r, uint64_t v)
{
    veche_scalar s;
    veche_scalar_from_u64(&s, v);
    veche_point_mul_base(r, &s);
}

void veche_point_base_double_vartime(veche_point *r, const veche_scalar *a, const veche_point *p,
                                     const veche_scalar *b)
{
    /*
     * libdecaf 1.0.2 returns the identity from its base double
     * multiplication when the second scalar is zero (found by fuzz_group);
     * the zero cases take the single multiplications instead.
     */
    if (veche_scalar_is_zero(b))
        veche_point_mul_base(r, a);
    else if (veche_scalar_is_zero(a))
        veche_point_mul(r, p, b);
    else
        decaf_255_base_double_scalarmul_non_secret(r->p, a->s, p->p, b->s);
}

void veche_point_from_hash(veche_point *r, const uint8_t in[64])
{
    /*
     * libsodium implements RFC 9496's one-way map exactly (and so does
     * libsodium.js in the browser); go through its encoding to be certain the
     * two sides agree. The result is a valid encoding by construction.
     */
    uint8_t enc[VECHE_POINT_BYTES];
    crypto_core_ristretto255_from_hash(enc, in);
    if (veche_point_decode(r, enc, VECHE_ALLOW_IDENTITY) != VECHE_OK)
        veche_point_identity(r);   /* unreachable: libsodium's output is canonical */
}

/* ---- precomputed tables ----------------------------------------------- */

struct veche_table {
    decaf_255_precomputed_s *pre;
};

veche_err veche_table_new(veche_table **out, const veche_point *p)
{
    size_t align = decaf_255_alignof_precomputed_s;
    size_t size = (decaf_255_sizeof_precomputed_s + align - 1) / align * align;
    veche_table *t = malloc(sizeof *t);

    *out = NULL;
    if (t == NULL)
        return VECHE_ENOMEM;
    t->pre = aligned_alloc(align, size);
    if (t->pre == NULL) {
        free(t);
        return VECHE_ENOMEM;
    }
    decaf_255_precompute(t->pre, p->p);
    *out = t;
    return VECHE_OK;
}

void veche_table_free(veche_table *t)
{
    if (t == NULL)
        return;
    decaf_255_precomputed_destroy(t->pre);
    free(t->pre);
    free(t);
}

void veche_table_mul(veche_point *r, const veche_table *t, const veche_scalar *s)
{
    decaf_255_precomputed_scalarmul(r->p, t->pre, s->s);
}

/* ---- variable-time multi-scalar multiplication ------------------------ */

enum { NAF_W = 5, NAF_TABLE = 1 << (NAF_W - 2), NAF_LEN = 257 };

/* k += d for a small signed d, over five 64-bit limbs (two's complement). */
static void limbs_add_small(uint64_t k[5], int d)
{
    uint64_t ext = d < 0 ? ~(uint64_t)0 : 0;
    unsigned __int128 carry = 0;

    for (int j = 0; j < 5; j++) {
        unsigned __int128 sum = (unsigned __int128)k[j] + (j == 0 ? (uint64_t)(int64_t)d : ext)
                                + carry;
        k[j] = (uint64_t)sum;
        carry = sum >> 64;
    }
}

/*
 * Width-5 non-adjacent form of a scalar: digits odd in [-15, 15] or zero, at
 * most one non-zero digit in any 5 consecutive. Returns the length used.
 */
static int naf_digits(int8_t naf[NAF_LEN], const veche_scalar *s)
{
    uint8_t bytes[32];
    uint64_t k[5] = {0};
    int len = 0;

    veche_scalar_encode(bytes, s);
    for (int i = 0; i < 32; i++)
        k[i / 8] |= (uint64_t)bytes[i] << (8 * (i % 8));
    memset(naf, 0, NAF_LEN);
    for (int i = 0; i < NAF_LEN && (k[0] | k[1] | k[2] | k[3] | k[4]); i++) {
        if (k[0] & 1) {
            int d = (int)(k[0] & ((1u << NAF_W) - 1));
            if (d >= 1 << (NAF_W - 1))
                d -= 1 << NAF_W;
            naf[i] = (int8_t)d;
            limbs_add_small(k, -d);
        }
        for (int j = 0; j < 4; j++)
            k[j] = (k[j] >> 1) | (k[j + 1] << 63);
        k[4] >>= 1;
        len = i + 1;
    }
    return len;
}

veche_err veche_msm_vartime(veche_point *r, const veche_scalar *s, const veche_point *p,
                            size_t n)
{
    veche_point *tab;
    int8_t *naf;
    int top = 0;

    veche_point_identity(r);
    if (n == 0)
        return VECHE_OK;
    if (n > SIZE_MAX / (NAF_TABLE * sizeof *tab + NAF_LEN))
        return VECHE_ENOMEM;
    tab = malloc(n * NAF_TABLE * sizeof *tab);
    naf = malloc(n * NAF_LEN);
    if (tab == NULL || naf == NULL) {
        free(tab);
        free(naf);
        return VECHE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        veche_point twice, *t = &tab[i * NAF_TABLE];
        int len = naf_digits(&naf[i * NAF_LEN], &s[i]);
        if (len > top)
            top = len;
        /* t[j] = (2j+1)·P */
        decaf_255_point_copy(t[0].p, p[i].p);
        decaf_255_point_double(twice.p, p[i].p);
        for (int j = 1; j < NAF_TABLE; j++)
            veche_point_add(&t[j], &t[j - 1], &twice);
    }
    for (int bit = top - 1; bit >= 0; bit--) {
        decaf_255_point_double(r->p, r->p);
        for (size_t i = 0; i < n; i++) {
            int d = naf[i * NAF_LEN + bit];
            if (d > 0)
                veche_point_add(r, r, &tab[i * NAF_TABLE + (d - 1) / 2]);
            else if (d < 0)
                veche_point_sub(r, r, &tab[i * NAF_TABLE + (-d - 1) / 2]);
        }
    }
    free(tab);
    free(naf);
    return VECHE_OK;
}
