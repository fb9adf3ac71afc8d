/*
 * manifest.c — parsing and validating an election manifest (see manifest.h
 * and docs/ELECTION-DESIGN.md §1), and the derived counts of each contest.
 *
 * The parser is total: it checks every member of the body before using it,
 * and its messages name the member by path ("manifest.contests[1].max").
 * Strings are borrowed from the body, which the manifest keeps a reference
 * to, so a parsed manifest costs no copies.
 *
 * Narrowings of the design's shapes, each to refuse a manifest that could
 * only be a mistake: every string is non-empty; trustee keys are distinct
 * (a board key names one trustee); max >= 1 (a contest where nothing can be
 * chosen asks nothing); a contest may not leave no choice at all (one
 * selection and min == max); with "blank": true, no option may be called
 * "blank" (the results would show two).
 */
#include "election/manifest.h"
#include "election/election.h"

#include <stdio.h>
#include <string.h>

#define MAX_TITLE     256
#define MAX_ORG       256
#define MAX_NAME      64
#define MAX_CONTEST_ID 64
#define MAX_QUESTION  1024
#define MAX_OPTION    256

int veche_election_id_valid(const char *id, size_t len)
{
    if (id == NULL || len == 0 || len > VECHE_ELECTION_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
            return 0;
    return 1;
}

/* ---- members ---------------------------------------------------------------- */

/* Every member of obj must be one of keys (NULL-terminated). */
static veche_err only_members(const json_t *obj, const char *const *keys, const char *path,
                              veche_diag *d)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        size_t i = 0;
        while (keys[i] != NULL && strcmp(k, keys[i]) != 0)
            i++;
        if (keys[i] == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "%s: unknown member \"%.64s\"", path, k);
    }
    return VECHE_OK;
}

/* A string member of 1..max bytes. */
static veche_err get_string(const char **out, const json_t *obj, const char *key, size_t max,
                            const char *path, veche_diag *d)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: missing \"%s\"", path, key);
    if (!json_is_string(v))
        return veche_diag_set(d, VECHE_EINVALID, "%s.%s: must be a string", path, key);
    if (json_string_length(v) == 0 || json_string_length(v) > max)
        return veche_diag_set(d, VECHE_ERANGE, "%s.%s: %zu bytes, must be 1..%zu", path, key,
                              json_string_length(v), max);
    *out = json_string_value(v);
    return VECHE_OK;
}

/* An integer member in [lo, hi]. */
static veche_err get_int(json_int_t *out, const json_t *obj, const char *key, json_int_t lo,
                         json_int_t hi, const char *path, veche_diag *d)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: missing \"%s\"", path, key);
    if (!json_is_integer(v))
        return veche_diag_set(d, VECHE_EINVALID, "%s.%s: must be an integer", path, key);
    *out = json_integer_value(v);
    if (*out < lo || *out > hi)
        return veche_diag_set(d, VECHE_ERANGE, "%s.%s: %lld is outside %lld..%lld", path, key,
                              (long long)*out, (long long)lo, (long long)hi);
    return VECHE_OK;
}

/* An array member of lo..hi elements. */
static veche_err get_array(const json_t **out, const json_t *obj, const char *key, size_t lo,
                           size_t hi, const char *path, veche_diag *d)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: missing \"%s\"", path, key);
    if (!json_is_array(v))
        return veche_diag_set(d, VECHE_EINVALID, "%s.%s: must be an array", path, key);
    if (json_array_size(v) < lo || json_array_size(v) > hi)
        return veche_diag_set(d, VECHE_ERANGE, "%s.%s: %zu elements, must be %zu..%zu", path,
                              key, json_array_size(v), lo, hi);
    *out = v;
    return VECHE_OK;
}

/* ---- parts of the manifest ---------------------------------------------------- */

static veche_err parse_trustees(veche_manifest *m, const json_t *body, veche_diag *d)
{
    static const char *const keys[] = {"name", "key", NULL};
    const json_t *arr, *t;
    json_int_t th;
    char path[64];
    veche_err e;

    if ((e = get_array(&arr, body, "trustees", 1, VECHE_MAX_TRUSTEES, "manifest", d)) != VECHE_OK)
        return e;
    m->ntrustees = json_array_size(arr);
    for (size_t i = 0; i < m->ntrustees; i++) {
        t = json_array_get(arr, i);
        snprintf(path, sizeof path, "manifest.trustees[%zu]", i);
        if (!json_is_object(t))
            return veche_diag_set(d, VECHE_EINVALID, "%s: must be an object", path);
        if ((e = only_members(t, keys, path, d)) != VECHE_OK ||
            (e = get_string(&m->trustee_name[i], t, "name", MAX_NAME, path, d)) != VECHE_OK)
            return e;
        snprintf(path, sizeof path, "manifest.trustees[%zu].key", i);
        if (json_object_get(t, "key") == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "manifest.trustees[%zu]: missing \"key\"", i);
        if ((e = veche_b64_get(m->trustee_key[i], 32, json_object_get(t, "key"), path, d)))
            return e;
        for (size_t j = 0; j < i; j++)
            if (memcmp(m->trustee_key[j], m->trustee_key[i], 32) == 0)
                return veche_diag_set(d, VECHE_EINVALID,
                                      "%s: the same key as trustees[%zu]", path, j);
    }
    if ((e = get_int(&th, body, "threshold", 1, (json_int_t)m->ntrustees, "manifest", d)))
        return e;
    m->threshold = (uint32_t)th;
    return VECHE_OK;
}

/*
 * The design's ballot rules: the last selection is implicit when exactly k
 * = min = max are chosen; the sum of the explicit ones then lies in
 * [max(k-1, 0), min(k, nexplicit)], else in [min, max]; a sum proof is
 * needed unless the one explicit selection's own [0,1] proof says it all.
 */
static void derive_counts(veche_contest *c)
{
    c->nsel = c->noptions + (c->blank ? 1 : 0);
    if (c->min == c->max) {
        uint64_t k = c->max;
        c->nexplicit = c->nsel - 1;
        c->sum_lo = k > 0 ? k - 1 : 0;
        c->sum_hi = k < c->nexplicit ? k : c->nexplicit;
    } else {
        c->nexplicit = c->nsel;
        c->sum_lo = c->min;
        c->sum_hi = c->max;
    }
    c->sum_proof = !(c->nexplicit == 1 && c->sum_lo == 0 && c->sum_hi == 1);
}

static veche_err parse_options(veche_contest *c, const json_t *obj, const char *path,
                               veche_diag *d)
{
    const json_t *arr;
    char opath[96];
    veche_err e;

    if ((e = get_array(&arr, obj, "options", 1, VECHE_MAX_OPTIONS, path, d)) != VECHE_OK)
        return e;
    c->noptions = json_array_size(arr);
    for (size_t i = 0; i < c->noptions; i++) {
        const json_t *o = json_array_get(arr, i);
        snprintf(opath, sizeof opath, "%s.options[%zu]", path, i);
        if (!json_is_string(o))
            return veche_diag_set(d, VECHE_EINVALID, "%s: must be a string", opath);
        if (json_string_length(o) == 0 || json_string_length(o) > MAX_OPTION)
            return veche_diag_set(d, VECHE_ERANGE, "%s: %zu bytes, must be 1..%d", opath,
                                  json_string_length(o), MAX_OPTION);
        c->options[i] = json_string_value(o);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->options[j], c->options[i]) == 0)
                return veche_diag_set(d, VECHE_EINVALID, "%s: the same as options[%zu]", opath, j);
    }
    return VECHE_OK;
}

static veche_err parse_contest(veche_contest *c, const json_t *obj, const char *path,
                               veche_diag *d)
{
    static const char *const keys[] = {"id", "question", "options", "min", "max", "blank", NULL};
    const json_t *blank;
    json_int_t min, max;
    veche_err e;

    if (!json_is_object(obj))
        return veche_diag_set(d, VECHE_EINVALID, "%s: must be an object", path);
    if ((e = only_members(obj, keys, path, d)) != VECHE_OK ||
        (e = get_string(&c->id, obj, "id", MAX_CONTEST_ID, path, d)) != VECHE_OK ||
        (e = get_string(&c->question, obj, "question", MAX_QUESTION, path, d)) != VECHE_OK ||
        (e = parse_options(c, obj, path, d)) != VECHE_OK)
        return e;
    if ((blank = json_object_get(obj, "blank")) == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: missing \"blank\"", path);
    if (!json_is_boolean(blank))
        return veche_diag_set(d, VECHE_EINVALID, "%s.blank: must be true or false", path);
    c->blank = json_is_true(blank);
    for (size_t i = 0; c->blank && i < c->noptions; i++)
        if (strcmp(c->options[i], "blank") == 0)
            return veche_diag_set(d, VECHE_EINVALID, "%s.options[%zu]: \"blank\" is the name of "
                                  "the blank selection; rename the option", path, i);
    if ((e = get_int(&max, obj, "max", 1, (json_int_t)c->noptions, path, d)) != VECHE_OK ||
        (e = get_int(&min, obj, "min", 0, max, path, d)) != VECHE_OK)
        return e;
    c->min = (uint32_t)min;
    c->max = (uint32_t)max;
    derive_counts(c);
    if (c->nexplicit == 0)
        return veche_diag_set(d, VECHE_EINVALID, "%s: one selection that must be chosen leaves "
                              "no choice (add \"blank\" or allow min 0)", path);
    return VECHE_OK;
}

static veche_err parse_contests(veche_manifest *m, const json_t *body, veche_diag *d)
{
    const json_t *arr;
    char path[64];
    veche_err e;

    if ((e = get_array(&arr, body, "contests", 1, VECHE_MAX_CONTESTS, "manifest", d)) != VECHE_OK)
        return e;
    m->ncontests = json_array_size(arr);
    for (size_t i = 0; i < m->ncontests; i++) {
        snprintf(path, sizeof path, "manifest.contests[%zu]", i);
        if ((e = parse_contest(&m->contests[i], json_array_get(arr, i), path, d)) != VECHE_OK)
            return e;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->contests[j].id, m->contests[i].id) == 0)
                return veche_diag_set(d, VECHE_EINVALID, "%s.id: \"%s\" is also contests[%zu]'s",
                                      path, m->contests[i].id, j);
    }
    return VECHE_OK;
}

static veche_err parse_header(veche_manifest *m, const json_t *body, veche_diag *d)
{
    static const char *const keys[] = {"election", "title", "organisation", "opens", "closes",
                                       "trustees", "threshold", "credential_authority",
                                       "contests", NULL};
    const json_t *id = json_object_get(body, "election"), *ca;
    json_int_t opens, closes;
    veche_err e;

    if ((e = only_members(body, keys, "manifest", d)) != VECHE_OK)
        return e;
    if (id == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "manifest: missing \"election\"");
    if (!json_is_string(id) || !veche_election_id_valid(json_string_value(id), json_string_length(id)))
        return veche_diag_set(d, VECHE_EINVALID, "manifest.election: the id must be 1..%d "
                              "characters of a-z, 0-9 and -", VECHE_ELECTION_ID_MAX);
    m->id = json_string_value(id);
    if ((e = get_string(&m->title, body, "title", MAX_TITLE, "manifest", d)) != VECHE_OK ||
        (e = get_string(&m->organisation, body, "organisation", MAX_ORG, "manifest", d)) ||
        (e = get_int(&opens, body, "opens", 0, ((json_int_t)1 << 53) - 2, "manifest", d)) ||
        (e = get_int(&closes, body, "closes", 0, ((json_int_t)1 << 53) - 1, "manifest", d)))
        return e;
    if (closes <= opens)
        return veche_diag_set(d, VECHE_ERANGE, "manifest.closes: %lld is not after opens (%lld)",
                              (long long)closes, (long long)opens);
    m->opens = opens;
    m->closes = closes;
    if ((ca = json_object_get(body, "credential_authority")) == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "manifest: missing \"credential_authority\"");
    return veche_b64_get(m->authority_key, 32, ca, "manifest.credential_authority", d);
}

/* ---- the API ------------------------------------------------------------------- */

veche_err veche_manifest_parse(veche_manifest *m, json_t *body, veche_diag *d)
{
    veche_err e;

    memset(m, 0, sizeof *m);
    if (!json_is_object(body))
        return veche_diag_set(d, VECHE_EINVALID, "manifest: must be a JSON object");
    if ((e = parse_header(m, body, d)) != VECHE_OK ||
        (e = parse_trustees(m, body, d)) != VECHE_OK ||
        (e = parse_contests(m, body, d)) != VECHE_OK) {
        memset(m, 0, sizeof *m);
        return e;
    }
    m->json = json_incref(body);
    return VECHE_OK;
}

void veche_manifest_free(veche_manifest *m)
{
    if (m == NULL)
        return;
    json_decref(m->json);
    memset(m, 0, sizeof *m);
}

uint32_t veche_manifest_trustee(const veche_manifest *m, const uint8_t key[32])
{
    for (size_t i = 0; i < m->ntrustees; i++)
        if (memcmp(m->trustee_key[i], key, 32) == 0)
            return (uint32_t)i + 1;
    return 0;
}
