/*
 * test_dlog.c — baby-step giant-step: every small value, the edges of the
 * bound, values just past it, points that are no small multiple of G, the
 * argument checks, and 10^9 with values near the top.
 */
#include "testutil.h"

#include <time.h>
#include <sodium.h>
#include "crypto/dlog.h"
#include "crypto/group.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Asserts that ctx finds exactly m in m·G. */
static void expect_found(const veche_dlog *ctx, uint64_t m)
{
    veche_point M;
    uint64_t got = UINT64_MAX;

    veche_point_mul_base_u64(&M, m);
    assert_int_equal(veche_dlog_solve(&got, ctx, &M), VECHE_OK);
    assert_true(got == m);
}

static void expect_not_found(const veche_dlog *ctx, uint64_t m)
{
    veche_point M;
    uint64_t got = 12345;

    veche_point_mul_base_u64(&M, m);
    assert_int_equal(veche_dlog_solve(&got, ctx, &M), VECHE_ENOTFOUND);
    assert_true(got == 0);
}

static void test_small_bound_every_value(void **state)
{
    veche_dlog *ctx;
    uint64_t step = test_quick() ? 7 : 1;
    (void)state;

    assert_int_equal(veche_dlog_new(&ctx, 1000, 0), VECHE_OK);
    assert_true(veche_dlog_bound(ctx) == 1000);
    assert_true(veche_dlog_babies(ctx) == 32);   /* ceil(sqrt(1001)) */
    for (uint64_t m = 0; m <= 1000; m += step)
        expect_found(ctx, m);
    expect_found(ctx, 1000);
    expect_not_found(ctx, 1001);
    expect_not_found(ctx, 1023);   /* inside the last giant step's reach, above bound */
    expect_not_found(ctx, 1024);   /* past every giant step */
    expect_not_found(ctx, 5000);
    veche_dlog_free(ctx);
}

/* A random point is (with overwhelming probability) no small multiple. */
static void test_random_point_not_found(void **state)
{
    veche_dlog *ctx;
    veche_scalar s;
    veche_point P;
    uint64_t got;
    (void)state;

    assert_int_equal(veche_dlog_new(&ctx, 10000, 0), VECHE_OK);
    for (int i = 0; i < 3; i++) {
        veche_scalar_random(&s, NULL);
        veche_point_mul_base(&P, &s);
        assert_int_equal(veche_dlog_solve(&got, ctx, &P), VECHE_ENOTFOUND);
    }
    /* -1·G: the largest value mod L, not a small one */
    veche_point_mul_base_u64(&P, 1);
    veche_point_neg(&P, &P);
    assert_int_equal(veche_dlog_solve(&got, ctx, &P), VECHE_ENOTFOUND);
    veche_dlog_free(ctx);
}

static void test_tiny_bounds(void **state)
{
    veche_dlog *ctx;
    (void)state;

    assert_int_equal(veche_dlog_new(&ctx, 0, 0), VECHE_OK);
    assert_true(veche_dlog_babies(ctx) == 1);
    expect_found(ctx, 0);
    expect_not_found(ctx, 1);
    veche_dlog_free(ctx);

    assert_int_equal(veche_dlog_new(&ctx, 1, 0), VECHE_OK);
    expect_found(ctx, 0);
    expect_found(ctx, 1);
    expect_not_found(ctx, 2);
    veche_dlog_free(ctx);

    /* a perfect square: bound + 1 = 16, B = 4, giants = 4 */
    assert_int_equal(veche_dlog_new(&ctx, 15, 0), VECHE_OK);
    assert_true(veche_dlog_babies(ctx) == 4);
    for (uint64_t m = 0; m <= 15; m++)
        expect_found(ctx, m);
    expect_not_found(ctx, 16);
    veche_dlog_free(ctx);
}

/* A caller-chosen table size: more babies, fewer giant steps, same answers. */
static void test_chosen_table_size(void **state)
{
    static const uint64_t babies[] = {1, 3, 100, 4096, 20000};
    veche_dlog *ctx;
    (void)state;

    for (size_t k = 0; k < sizeof babies / sizeof babies[0]; k++) {
        uint64_t bound = babies[k] < 100 ? 50 : 1000000;   /* few babies: many giants */
        assert_int_equal(veche_dlog_new(&ctx, bound, babies[k]), VECHE_OK);
        assert_true(veche_dlog_babies(ctx) == babies[k]);
        expect_found(ctx, 0);
        expect_found(ctx, bound);
        expect_found(ctx, bound / 3);
        expect_not_found(ctx, bound + 1);
        veche_dlog_free(ctx);
    }
}

static void test_arguments(void **state)
{
    veche_dlog *ctx = (veche_dlog *)&ctx;   /* must be reset to NULL on error */
    (void)state;

    assert_int_equal(veche_dlog_new(&ctx, VECHE_DLOG_MAX_BOUND + 1, 0), VECHE_ERANGE);
    assert_null(ctx);
    assert_int_equal(veche_dlog_new(&ctx, UINT64_MAX, 0), VECHE_ERANGE);
    assert_null(ctx);
    ctx = (veche_dlog *)&ctx;
    assert_int_equal(veche_dlog_new(&ctx, 10, 12), VECHE_EINVALID);   /* > bound + 1 */
    assert_null(ctx);
    assert_int_equal(veche_dlog_new(&ctx, VECHE_DLOG_MAX_BOUND, VECHE_DLOG_MAX_BABIES + 1),
                     VECHE_EINVALID);
    assert_null(ctx);
    assert_int_equal(veche_dlog_new(&ctx, 10, 11), VECHE_OK);   /* every value a baby */
    expect_found(ctx, 10);
    expect_not_found(ctx, 11);
    veche_dlog_free(ctx);
    veche_dlog_free(NULL);
}

/* 10^9: the bound issue 2 asks for, with values at and near the top. */
static void test_billion(void **state)
{
    const uint64_t bound = 1000000000;
    veche_dlog *ctx;
    double t0, t1, t2;
    (void)state;

    t0 = now_seconds();
    assert_int_equal(veche_dlog_new(&ctx, bound, 0), VECHE_OK);
    t1 = now_seconds();
    assert_true(veche_dlog_babies(ctx) == 31623);
    expect_found(ctx, bound - 1);   /* near the top: the longest search */
    t2 = now_seconds();
    print_message("dlog 10^9: build %.3f s, search near the top %.3f s\n", t1 - t0, t2 - t1);
    expect_found(ctx, bound);
    expect_found(ctx, 0);
    expect_found(ctx, 1);
    expect_found(ctx, 31623);          /* exactly one giant step */
    expect_found(ctx, 987654321);
    expect_not_found(ctx, bound + 1);
    veche_dlog_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_bound_every_value),
        cmocka_unit_test(test_random_point_not_found),
        cmocka_unit_test(test_tiny_bounds),
        cmocka_unit_test(test_chosen_table_size),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_billion),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("dlog", tests, NULL, NULL);
}
