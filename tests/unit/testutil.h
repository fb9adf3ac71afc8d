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
#include <sodium.h>

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

/*
 * The SPEC tests (test_spec_*.c) check that docs/SPEC.md quotes each value
 * they recompute, verbatim: as text, as lower-case hex, or as base64.
 */
static inline void spec_quoted(const char *spec, const char *value, const char *what)
{
    if (strstr(spec, value) == NULL)
        fail_msg("docs/SPEC.md does not quote %s: %s", what, value);
}

static inline void spec_quoted_hex(const char *spec, const uint8_t *b, size_t n, const char *what)
{
    char *hex = malloc(2 * n + 1);
    assert_non_null(hex);
    to_hex(hex, b, n);
    spec_quoted(spec, hex, what);
    free(hex);
}

static inline void spec_quoted_b64(const char *spec, const uint8_t *b, size_t n, const char *what)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    assert_non_null(s);
    sodium_bin2base64(s, cap, b, n, sodium_base64_VARIANT_ORIGINAL);
    spec_quoted(spec, s, what);
    free(s);
}

#endif
