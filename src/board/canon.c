/*
 * canon.c — canonical JSON (see canon.h) on top of jansson.
 *
 * jansson's compact, key-sorted output is exactly the profile's
 * serialization once the profile's restrictions hold (no control characters
 * that jansson would escape as \u00XX, no reals), so dumping is jansson's
 * and the work here is checking the restrictions and comparing bytes.
 */
#include "board/canon.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAFE_INT ((json_int_t)9007199254740991LL)   /* 2^53 - 1 */

veche_err veche_diag_set(veche_diag *d, veche_err e, const char *fmt, ...)
{
    va_list ap;
    if (d == NULL)
        return e;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return e;
}

static veche_err check_string(const char *s, size_t len, const char *path, veche_diag *d)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            return veche_diag_set(d, VECHE_EENCODING,
                                  "%s: control character 0x%02x at offset %zu of a string",
                                  path, c, i);
    }
    return VECHE_OK;
}

static veche_err check_key(const char *k, const char *path, veche_diag *d)
{
    size_t n = strlen(k);
    if (n == 0 || n > VECHE_CANON_MAX_KEY)
        return veche_diag_set(d, VECHE_EENCODING, "%s: object key of length %zu (1..%d allowed)",
                              path, n, VECHE_CANON_MAX_KEY);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7e)
            return veche_diag_set(d, VECHE_EENCODING,
                                  "%s: object key \"%.32s\" is not printable ASCII", path, k);
    return VECHE_OK;
}

static veche_err check_value(const json_t *v, int depth, const char *path, veche_diag *d)
{
    char sub[192];
    veche_err e;

    if (depth > VECHE_CANON_MAX_DEPTH)
        return veche_diag_set(d, VECHE_EENCODING, "%s: nested deeper than %d levels", path,
                              VECHE_CANON_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_REAL:
        return veche_diag_set(d, VECHE_EENCODING, "%s: fractional numbers are not allowed", path);
    case JSON_INTEGER:
        if (json_integer_value(v) > SAFE_INT || json_integer_value(v) < -SAFE_INT)
            return veche_diag_set(d, VECHE_ERANGE, "%s: integer beyond +-(2^53-1)", path);
        return VECHE_OK;
    case JSON_STRING:
        return check_string(json_string_value(v), json_string_length(v), path, d);
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(sub, sizeof sub, "%.150s[%zu]", path, i);
            if ((e = check_value(json_array_get(v, i), depth + 1, sub, d)) != VECHE_OK)
                return e;
        }
        return VECHE_OK;
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) {
            if ((e = check_key(key, path, d)) != VECHE_OK)
                return e;
            snprintf(sub, sizeof sub, "%.150s.%.32s", path, key);
            if ((e = check_value(val, depth + 1, sub, d)) != VECHE_OK)
                return e;
        }
        return VECHE_OK;
    }
    default:   /* true, false, null */
        return VECHE_OK;
    }
}

veche_err veche_canon_check(const json_t *v, veche_diag *d)
{
    return check_value(v, 1, "$", d);
}

veche_err veche_canon_dump(char **out, size_t *len, const json_t *v, veche_diag *d)
{
    veche_err e;

    *out = NULL;
    if ((e = veche_canon_check(v, d)) != VECHE_OK)
        return e;
    *out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (*out == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory serializing JSON");
    if (len)
        *len = strlen(*out);
    return VECHE_OK;
}

/* The first byte at which two byte strings differ. */
static size_t first_difference(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0;
    while (i < alen && i < blen && a[i] == b[i])
        i++;
    return i;
}

veche_err veche_canon_parse(json_t **out, const char *text, size_t len, veche_diag *d)
{
    json_error_t jerr;
    json_t *v;
    char *again;
    size_t again_len;
    veche_err e;

    *out = NULL;
    v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (v == NULL)
        return veche_diag_set(d, VECHE_EENCODING, "not JSON: %s at byte %d", jerr.text,
                              jerr.position);
    if ((e = veche_canon_dump(&again, &again_len, v, d)) != VECHE_OK) {
        json_decref(v);
        return e;
    }
    if (again_len != len || memcmp(again, text, len) != 0) {
        size_t at = first_difference(text, len, again, again_len);
        free(again);
        json_decref(v);
        return veche_diag_set(d, VECHE_EENCODING,
                              "JSON is not in canonical form (first difference at byte %zu: "
                              "keys sorted, no spaces, minimal escapes)", at);
    }
    free(again);
    *out = v;
    return VECHE_OK;
}
