/*
 * test_group.c — the group against RFC 9496, libsodium, and itself; the
 * transcript against an independent byte-by-byte construction; the rng.
 */
#include "testutil.h"

#include <sodium.h>
#include "crypto/group.h"
#include "crypto/transcript.h"

static void test_rfc9496_multiples(void **state)
{
    json_t *v = load_vectors("rfc9496.json"), *arr = json_object_get(v, "multiples_of_generator");
    (void)state;
    assert_int_equal(json_array_size(arr), 16);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        uint8_t want[32], got[32];
        veche_point P, Q;
        hex_to(want, 32, json_string_value(json_array_get(arr, i)));
        veche_point_mul_base_u64(&P, i);
        veche_point_encode(got, &P);
        assert_memory_equal(got, want, 32);
        assert_int_equal(veche_point_decode(&Q, want, VECHE_ALLOW_IDENTITY), VECHE_OK);
        assert_true(veche_point_eq(&P, &Q));
        /* identity is rejected where the caller forbids it */
        assert_int_equal(veche_point_decode(&Q, want, VECHE_NO_IDENTITY),
                         i == 0 ? VECHE_EIDENTITY : VECHE_OK);
    }
    json_decref(v);
}

static void test_rfc9496_invalid(void **state)
{
    json_t *v = load_vectors("rfc9496.json"), *arr = json_object_get(v, "invalid_encodings");
    (void)state;
    assert_true(json_array_size(arr) >= 29);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        uint8_t enc[32];
        veche_point P;
        hex_to(enc, 32, json_string_value(json_array_get(arr, i)));
        assert_int_equal(veche_point_decode(&P, enc, VECHE_ALLOW_IDENTITY), VECHE_EENCODING);
        assert_false(crypto_core_ristretto255_is_valid_point(enc));
    }
    json_decref(v);
}

static void test_rfc9496_hash_to_group(void **state)
{
    json_t *v = load_vectors("rfc9496.json"), *arr = json_object_get(v, "hash_to_group");
    (void)state;
    assert_true(json_array_size(arr) >= 7);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        uint8_t in[64], want[32], got[32];
        veche_point P;
        hex_to(in, 64, json_string_value(json_object_get(e, "input")));
        hex_to(want, 32, json_string_value(json_object_get(e, "output")));
        veche_point_from_hash(&P, in);
        veche_point_encode(got, &P);
        assert_memory_equal(got, want, 32);
    }
    json_decref(v);
}

/*
 * Random 32-byte strings: decaf and libsodium agree on which are points,
 * except that libsodium 1.0.18 ignores the top bit of the last byte, where
 * RFC 9496 §4.3.1 requires rejection (the integer is then >= p). We reject.
 */
static void test_decode_agrees_with_libsodium(void **state)
{
    (void)state;
    for (int i = 0; i < 2000; i++) {
        uint8_t enc[32];
        veche_point P;
        randombytes_buf(enc, sizeof enc);
        if (i % 2)   /* half of them valid points */
            crypto_core_ristretto255_random(enc);
        if (i % 4 == 3)
            enc[31] |= 0x80;
        if (enc[31] & 0x80) {
            assert_int_equal(veche_point_decode(&P, enc, VECHE_ALLOW_IDENTITY), VECHE_EENCODING);
            continue;
        }
        assert_int_equal(veche_point_decode(&P, enc, VECHE_ALLOW_IDENTITY) == VECHE_OK,
                         crypto_core_ristretto255_is_valid_point(enc) != 0);
    }
}

static void test_scalarmult_agrees_with_libsodium(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        uint8_t s[32], p[32], want[32], got[32];
        veche_scalar S;
        veche_point P, R;
        crypto_core_ristretto255_scalar_random(s);
        crypto_core_ristretto255_random(p);
        assert_int_equal(crypto_scalarmult_ristretto255(want, s, p), 0);
        assert_int_equal(veche_scalar_decode(&S, s), VECHE_OK);
        assert_int_equal(veche_point_decode(&P, p, VECHE_NO_IDENTITY), VECHE_OK);
        veche_point_mul(&R, &P, &S);
        veche_point_encode(got, &R);
        assert_memory_equal(got, want, 32);
        assert_int_equal(crypto_scalarmult_ristretto255_base(want, s), 0);
        veche_point_mul_base(&R, &S);
        veche_point_encode(got, &R);
        assert_memory_equal(got, want, 32);
    }
}

static void test_scalar_canonical(void **state)
{
    static const char *L = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    uint8_t b[32], out[32];
    veche_scalar s;
    (void)state;

    hex_to(b, 32, L);
    assert_int_equal(veche_scalar_decode(&s, b), VECHE_EENCODING);   /* L itself */
    b[0]--;                                                          /* L - 1    */
    assert_int_equal(veche_scalar_decode(&s, b), VECHE_OK);
    veche_scalar_encode(out, &s);
    assert_memory_equal(out, b, 32);
    memset(b, 0xff, 32);
    assert_int_equal(veche_scalar_decode(&s, b), VECHE_EENCODING);
    b[31] = 0x7f;
    assert_int_equal(veche_scalar_decode(&s, b), VECHE_EENCODING);
}

static void test_reduce64_agrees_with_libsodium(void **state)
{
    (void)state;
    for (int i = 0; i < 500; i++) {
        uint8_t wide[64], want[32], got[32];
        veche_scalar s;
        randombytes_buf(wide, sizeof wide);
        if (i == 0)
            memset(wide, 0xff, sizeof wide);
        crypto_core_ristretto255_scalar_reduce(want, wide);
        veche_scalar_reduce64(&s, wide);
        veche_scalar_encode(got, &s);
        assert_memory_equal(got, want, 32);
    }
}

static void test_scalar_arith_and_select(void **state)
{
    veche_scalar a, b, c, inv, r;
    uint8_t x[32], y[32];
    (void)state;

    veche_scalar_random(&a, NULL);
    veche_scalar_random(&b, NULL);
    veche_scalar_add(&c, &a, &b);
    veche_scalar_sub(&c, &c, &b);
    assert_true(veche_scalar_eq(&c, &a));
    assert_int_equal(veche_scalar_invert(&inv, &a), VECHE_OK);
    veche_scalar_mul(&c, &a, &inv);
    assert_true(veche_scalar_eq(&c, &veche_scalar_one_c));
    assert_int_equal(veche_scalar_invert(&inv, &veche_scalar_zero_c), VECHE_EINVALID);
    veche_scalar_neg(&c, &a);
    veche_scalar_add(&c, &c, &a);
    assert_true(veche_scalar_is_zero(&c));
    veche_scalar_select(&r, &a, &b, 0);
    assert_true(veche_scalar_eq(&r, &a));
    veche_scalar_select(&r, &a, &b, 1);
    assert_true(veche_scalar_eq(&r, &b));
    veche_scalar_encode(x, &a);
    veche_scalar_wipe(&a);
    veche_scalar_encode(y, &a);
    assert_memory_not_equal(x, y, 32);
}

/* The MSM against the sum of single multiplications, all shapes of input. */
static void test_msm_matches_naive(void **state)
{
    enum { MAX = 24 };
    veche_scalar s[MAX];
    veche_point p[MAX], got, want, t;
    (void)state;

    for (size_t n = 0; n <= MAX; n++) {
        veche_point_identity(&want);
        for (size_t i = 0; i < n; i++) {
            switch (i % 5) {
            case 0: veche_scalar_random(&s[i], NULL); break;
            case 1: veche_scalar_random_128(&s[i]); break;
            case 2: veche_scalar_from_u64(&s[i], i); break;
            case 3: veche_scalar_neg(&s[i], &veche_scalar_one_c); break;  /* L - 1 */
            default: s[i] = veche_scalar_zero_c;
            }
            if (i % 7 == 6)
                veche_point_identity(&p[i]);
            else {
                veche_scalar k;
                veche_scalar_random(&k, NULL);
                veche_point_mul_base(&p[i], &k);
            }
            veche_point_mul(&t, &p[i], &s[i]);
            veche_point_add(&want, &want, &t);
        }
        assert_int_equal(veche_msm_vartime(&got, s, p, n), VECHE_OK);
        assert_true(veche_point_eq(&got, &want));
    }
}

static void test_table_and_double_mul(void **state)
{
    veche_scalar k, a, b;
    veche_point P, r1, r2, t;
    veche_table *tab;
    (void)state;

    veche_scalar_random(&k, NULL);
    veche_point_mul_base(&P, &k);
    assert_int_equal(veche_table_new(&tab, &P), VECHE_OK);
    for (int i = 0; i < 10; i++) {
        veche_scalar_random(&a, NULL);
        veche_scalar_random(&b, NULL);
        veche_table_mul(&r1, tab, &a);
        veche_point_mul(&r2, &P, &a);
        assert_true(veche_point_eq(&r1, &r2));
        veche_point_base_double_vartime(&r1, &a, &P, &b);
        veche_point_mul_base(&r2, &a);
        veche_point_mul(&t, &P, &b);
        veche_point_add(&r2, &r2, &t);
        assert_true(veche_point_eq(&r1, &r2));
    }
    /* a zero scalar on either side (libdecaf's base double multiplication
     * returns the identity for b == 0; group.c must not) */
    veche_scalar_random(&a, NULL);
    veche_point_base_double_vartime(&r1, &a, &P, &veche_scalar_zero_c);
    veche_point_mul_base(&r2, &a);
    assert_true(veche_point_eq(&r1, &r2));
    veche_point_base_double_vartime(&r1, &veche_scalar_zero_c, &P, &a);
    veche_point_mul(&r2, &P, &a);
    assert_true(veche_point_eq(&r1, &r2));
    veche_table_free(tab);
}

/* The seeded rng is SHA-512("veche-v1/rng" || seed || le64(counter)). */
static void test_rng_is_spec(void **state)
{
    uint8_t seed[32], out[100], want[128], buf[12 + 32 + 8];
    veche_rng rng;
    (void)state;

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    veche_rng_seed(&rng, seed);
    veche_rng_bytes(&rng, out, sizeof out);
    for (uint64_t c = 0; c < 2; c++) {
        memcpy(buf, "veche-v1/rng", 12);
        memcpy(buf + 12, seed, 32);
        for (int i = 0; i < 8; i++)
            buf[44 + i] = (uint8_t)(c >> (8 * i));
        crypto_hash_sha512(want + 64 * c, buf, sizeof buf);
    }
    assert_memory_equal(out, want, sizeof out);
    assert_int_equal(rng.counter, 2);
}

/* The transcript, rebuilt by hand from SPEC.md's framing. */
static void put_field(uint8_t **p, const char *label, const uint8_t *v, size_t n)
{
    size_t l = strlen(label);
    for (int i = 0; i < 4; i++) *(*p)++ = (uint8_t)(l >> (8 * i));
    memcpy(*p, label, l); *p += l;
    for (int i = 0; i < 8; i++) *(*p)++ = (uint8_t)((uint64_t)n >> (8 * i));
    if (n > 0)
        memcpy(*p, v, n);
    *p += n;
}

static void test_transcript_framing(void **state)
{
    uint8_t fp[32], party[32], pt[32], buf[1024], *p = buf, digest[64], got[32], want[32];
    uint8_t idx[8] = {7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, u[8] = {42};
    veche_ctx ctx;
    veche_transcript t;
    veche_scalar c, w;
    (void)state;

    randombytes_buf(fp, 32);
    randombytes_buf(party, 32);
    randombytes_buf(pt, 32);
    veche_ctx_init(&ctx, fp);
    memcpy(ctx.party, party, 32);
    ctx.index[0] = 7;
    veche_transcript_init(&t, "test-domain", &ctx);
    veche_transcript_point(&t, "P", pt);
    veche_transcript_u64(&t, "n", 42);
    veche_transcript_bytes(&t, "empty", NULL, 0);
    veche_transcript_challenge(&t, &c);

    put_field(&p, "protocol", (const uint8_t *)"veche-v1", 8);
    put_field(&p, "domain", (const uint8_t *)"test-domain", 11);
    put_field(&p, "fingerprint", fp, 32);
    put_field(&p, "party", party, 32);
    put_field(&p, "index", idx, 8);
    put_field(&p, "P", pt, 32);
    put_field(&p, "n", u, 8);
    put_field(&p, "empty", NULL, 0);
    crypto_hash_sha512(digest, buf, (size_t)(p - buf));
    crypto_core_ristretto255_scalar_reduce(want, digest);
    veche_scalar_encode(got, &c);
    assert_memory_equal(got, want, 32);

    /* any change in the context changes the challenge */
    ctx.index[1] = 0;
    veche_transcript_init(&t, "test-domain", &ctx);
    veche_transcript_point(&t, "P", pt);
    veche_transcript_u64(&t, "n", 42);
    veche_transcript_bytes(&t, "empty", NULL, 0);
    veche_transcript_challenge(&t, &w);
    assert_false(veche_scalar_eq(&c, &w));
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(veche_strerror(VECHE_OK), "success");
    assert_string_equal(veche_strerror(VECHE_EVERIFY), "verification failed");
    assert_string_equal(veche_strerror((veche_err)-100), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc9496_multiples),
        cmocka_unit_test(test_rfc9496_invalid),
        cmocka_unit_test(test_rfc9496_hash_to_group),
        cmocka_unit_test(test_decode_agrees_with_libsodium),
        cmocka_unit_test(test_scalarmult_agrees_with_libsodium),
        cmocka_unit_test(test_scalar_canonical),
        cmocka_unit_test(test_reduce64_agrees_with_libsodium),
        cmocka_unit_test(test_scalar_arith_and_select),
        cmocka_unit_test(test_msm_matches_naive),
        cmocka_unit_test(test_table_and_double_mul),
        cmocka_unit_test(test_rng_is_spec),
        cmocka_unit_test(test_transcript_framing),
        cmocka_unit_test(test_strerror),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("group", tests, NULL, NULL);
}
