/*
 * testutil.h — small helpers shared by the unit tests: hex, vectors, tampering.
 * Header-only so each test program stays one file plus libveche.
 */
#ifndef VECHE_TESTUTIL_H
#define VECHE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

/* Decodes exactly n bytes of hex; fails the test on anything else. */
static inline void hex_to(uint8_t *out, size_t n, const char *hex)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static inline void to_hex(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

/* Loads tests/vectors/NAME (or $VECHE_VECTORS/NAME). */
static inline json_t *load_vectors(const char *name)
{
    char path[512];
    const char *dir = getenv("VECHE_VECTORS");
    json_error_t err;
    json_t *j;

    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", name);
    j = json_load_file(path, 0, &err);
    if (j == NULL)
        fail_msg("cannot load %s: %s (line %d)", path, err.text, err.line);
    return j;
}

/* VECHE_TEST_QUICK=1 (set for the valgrind run) shrinks the slow loops. */
static inline int test_quick(void)
{
    const char *q = getenv("VECHE_TEST_QUICK");
    return q != NULL && q[0] == '1';
}

#endif
