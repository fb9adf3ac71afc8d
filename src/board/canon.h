/*
 * canon.h — canonical JSON: the one byte form every JSON object on the
 * record has, so that hashes and signatures over JSON are well defined and
 * reproducible in the browser (JSON.stringify with sorted keys gives the
 * same bytes for every value this profile allows).
 *
 * The profile (SPEC.md, "Canonical JSON"):
 *   - UTF-8, no byte order mark; at most VECHE_CANON_MAX_DEPTH levels of nesting;
 *   - values: object, array, string, integer in [-(2^53-1), 2^53-1], true,
 *     false, null; no fractions or exponents;
 *   - object keys: 1..64 printable ASCII characters (0x20..0x7E), no duplicates;
 *   - strings: no control character (U+0000..U+001F, U+007F) except
 *     U+0009 (tab) and U+000A (line feed);
 *   - serialization: no whitespace outside strings; object members sorted by
 *     key (bytewise = by code point, keys being ASCII); in strings only '"',
 *     '\\', tab and line feed are escaped, as \", \\, \t, \n; everything else is
 *     written as itself (so U+2028, "/", non-ASCII appear raw);
 *     integers in shortest decimal form.
 * A text is canonical iff it parses under the profile and re-serializes to
 * exactly the same bytes.
 */
#ifndef VECHE_BOARD_CANON_H
#define VECHE_BOARD_CANON_H

#include <stddef.h>
#include <jansson.h>

#include "crypto/err.h"

#define VECHE_CANON_MAX_DEPTH 16
#define VECHE_CANON_MAX_KEY   64

/* A human-readable reason for a rejection: what and where. */
typedef struct veche_diag {
    char msg[256];
} veche_diag;

/* Sets d->msg (printf-style) when d is not NULL; returns e, for `return diag(...)`. */
veche_err veche_diag_set(veche_diag *d, veche_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Parses text as a canonical JSON value of the profile. On success *out is a
 * new reference. Errors (VECHE_EENCODING) say what and at which byte or path.
 */
veche_err veche_canon_parse(json_t **out, const char *text, size_t len, veche_diag *d);

/* Checks a value against the profile (types, integer range, keys, strings, depth). */
veche_err veche_canon_check(const json_t *v, veche_diag *d);

/* Serializes a value that passes veche_canon_check; malloc'd, NUL-terminated. */
veche_err veche_canon_dump(char **out, size_t *len, const json_t *v, veche_diag *d);

#endif
