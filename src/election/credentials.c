/*
 * credentials.c — voters' secret codes, their public credentials, and the
 * election.credentials parts (see credentials.h for the exact formats).
 *
 * Secrets here are the codes and the scalars derived from them: both are
 * wiped as soon as they are used. Everything that reads the record (the
 * body check, the parser) is total and names the part and credential that
 * is wrong.
 */
#include "election/credentials.h"
#include "election/election.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#define CODE_RANDOM   (VECHE_CODE_SYMBOLS - 1)
#define CODE_MAX_TYPED 256           /* a longer input cannot be a code */

/* ---- codes -------------------------------------------------------------------- */

/* The weighted sum of the check; 0 for a valid code. */
static unsigned code_sum(const uint8_t v[VECHE_CODE_SYMBOLS], size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s = (s + (unsigned)(i + 1) * v[i]) % VECHE_CODE_RADIX;
    return s;
}

/* Symbols in printed form: 7 groups of 3 joined by '-'. */
static void code_print(char out[VECHE_CODE_CHARS + 1], const uint8_t v[VECHE_CODE_SYMBOLS])
{
    size_t o = 0;
    for (size_t i = 0; i < VECHE_CODE_SYMBOLS; i++) {
        if (i > 0 && i % 3 == 0)
            out[o++] = '-';
        out[o++] = VECHE_CODE_ALPHABET[v[i]];
    }
    out[o] = 0;
}

void veche_code_generate(char out[VECHE_CODE_CHARS + 1], veche_rng *rng)
{
    uint8_t v[VECHE_CODE_SYMBOLS], buf[64];
    size_t n = 0;

    /* Rejection sampling keeps the symbols uniform: 248 = 8 · 31. */
    while (n < CODE_RANDOM) {
        veche_rng_bytes(rng, buf, sizeof buf);
        for (size_t i = 0; i < sizeof buf && n < CODE_RANDOM; i++)
            if (buf[i] < 248)
                v[n++] = buf[i] % VECHE_CODE_RADIX;
    }
    /* 21 · 3 = 63 ≡ 1 (mod 31): 3 is the inverse of the check symbol's weight. */
    v[CODE_RANDOM] = (uint8_t)((VECHE_CODE_RADIX - code_sum(v, CODE_RANDOM)) * 3 %
                               VECHE_CODE_RADIX);
    code_print(out, v);
    sodium_memzero(v, sizeof v);
    sodium_memzero(buf, sizeof buf);
}

static int symbol_value(char c)
{
    const char *p;
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == 0 || (p = strchr(VECHE_CODE_ALPHABET, c)) == NULL)
        return -1;
    return (int)(p - VECHE_CODE_ALPHABET);
}

veche_err veche_code_read(char out[VECHE_CODE_SYMBOLS + 1], const char *in, veche_diag *d)
{
    uint8_t v[VECHE_CODE_SYMBOLS];
    size_t n = 0, len = strnlen(in, CODE_MAX_TYPED + 1);
    veche_err e = VECHE_OK;

    /* out is written only at the end, so it may be the same buffer as in */
    if (len > CODE_MAX_TYPED)
        e = veche_diag_set(d, VECHE_EENCODING, "credential code: too long");
    for (size_t i = 0; i < len && e == VECHE_OK; i++) {
        int s;
        if (in[i] == '-' || in[i] == ' ')
            continue;
        if ((s = symbol_value(in[i])) < 0)
            e = veche_diag_set(d, VECHE_EENCODING, "credential code: character %zu is not used "
                               "in codes (they have no 0, 1, I, L or O)", i + 1);
        else if (n == VECHE_CODE_SYMBOLS)
            e = veche_diag_set(d, VECHE_EENCODING, "credential code: more than %d symbols",
                               VECHE_CODE_SYMBOLS);
        else
            v[n++] = (uint8_t)s;
    }
    if (e == VECHE_OK && n < VECHE_CODE_SYMBOLS)
        e = veche_diag_set(d, VECHE_EENCODING, "credential code: %zu symbols, a code has %d", n,
                           VECHE_CODE_SYMBOLS);
    if (e == VECHE_OK && code_sum(v, VECHE_CODE_SYMBOLS) != 0)
        e = veche_diag_set(d, VECHE_EVERIFY, "credential code: the check symbol does not match "
                           "(a character is mistyped or two are swapped)");
    if (e == VECHE_OK) {
        for (size_t i = 0; i < VECHE_CODE_SYMBOLS; i++)
            out[i] = VECHE_CODE_ALPHABET[v[i]];
        out[VECHE_CODE_SYMBOLS] = 0;
    } else {
        out[0] = 0;
    }
    sodium_memzero(v, sizeof v);
    return e;
}

/* x from the 21 symbols (already read) and the id; VECHE_EINVALID if x = 0. */
static veche_err derive_from_symbols(veche_scalar *x, const char *id,
                                     const char symbols[VECHE_CODE_SYMBOLS])
{
    crypto_hash_sha512_state h;
    uint8_t digest[64];

    crypto_hash_sha512_init(&h);
    crypto_hash_sha512_update(&h, (const uint8_t *)VECHE_CREDENTIAL_TAG,
                              strlen(VECHE_CREDENTIAL_TAG));
    crypto_hash_sha512_update(&h, (const uint8_t *)id, strlen(id));
    crypto_hash_sha512_update(&h, (const uint8_t *)symbols, VECHE_CODE_SYMBOLS);
    crypto_hash_sha512_final(&h, digest);
    veche_scalar_reduce64(x, digest);
    sodium_memzero(digest, sizeof digest);
    sodium_memzero(&h, sizeof h);
    return veche_scalar_is_zero(x) ? VECHE_EINVALID : VECHE_OK;
}

veche_err veche_credential_derive(veche_scalar *x, uint8_t X[32], const char *election_id,
                                  const char *code, veche_diag *d)
{
    char symbols[VECHE_CODE_SYMBOLS + 1];
    veche_point P;
    veche_err e;

    *x = veche_scalar_zero_c;
    if (election_id == NULL ||
        !veche_election_id_valid(election_id, strnlen(election_id, VECHE_ELECTION_ID_MAX + 1)))
        return veche_diag_set(d, VECHE_EINVALID, "credential: not an election id");
    if ((e = veche_code_read(symbols, code, d)) != VECHE_OK)
        return e;
    e = derive_from_symbols(x, election_id, symbols);
    sodium_memzero(symbols, sizeof symbols);
    if (e != VECHE_OK) {
        veche_scalar_wipe(x);
        return veche_diag_set(d, e, "credential: this code gives the key 0; it is never issued");
    }
    veche_point_mul_base(&P, x);
    veche_point_encode(X, &P);
    return VECHE_OK;
}

/* ---- generating ----------------------------------------------------------------- */

static int cmp_credential(const void *a, const void *b)
{
    return memcmp(((const veche_credential *)a)->key, ((const veche_credential *)b)->key, 32);
}

static veche_err check_weights(const uint32_t *w, size_t n, uint64_t *total, veche_diag *d)
{
    *total = 0;
    if (n == 0)
        return veche_diag_set(d, VECHE_EINVALID, "credentials: no voters");
    for (size_t i = 0; i < n; i++) {
        if (w[i] < 1 || w[i] > VECHE_MAX_WEIGHT)
            return veche_diag_set(d, VECHE_ERANGE, "credentials: voter %zu has weight %u, "
                                  "must be 1..%u", i + 1, w[i], VECHE_MAX_WEIGHT);
        *total += w[i];
        if (*total > VECHE_MAX_TOTAL_WEIGHT)
            return veche_diag_set(d, VECHE_ERANGE, "credentials: the total weight exceeds %u",
                                  VECHE_MAX_TOTAL_WEIGHT);
    }
    return VECHE_OK;
}

/* One fresh code and its public credential; retries the (2^-252) zero key. */
static void make_one(char code[VECHE_CODE_CHARS + 1], veche_credential *c, const char *id,
                     veche_rng *rng)
{
    char symbols[VECHE_CODE_SYMBOLS + 1];
    veche_scalar x;

    do {
        veche_code_generate(code, rng);
        (void)veche_code_read(symbols, code, NULL);   /* cannot fail on a fresh code */
    } while (derive_from_symbols(&x, id, symbols) != VECHE_OK);
    veche_point_mul_base(&c->X, &x);
    veche_point_encode(c->key, &c->X);
    veche_scalar_wipe(&x);
    sodium_memzero(symbols, sizeof symbols);
}

veche_err veche_credentials_generate(char (*codes)[VECHE_CODE_CHARS + 1],
                                     veche_credential_list *pub, const char *election_id,
                                     const uint32_t *weights, size_t n, veche_rng *rng,
                                     veche_diag *d)
{
    veche_err e;

    memset(pub, 0, sizeof *pub);
    if (election_id == NULL ||
        !veche_election_id_valid(election_id, strnlen(election_id, VECHE_ELECTION_ID_MAX + 1)))
        return veche_diag_set(d, VECHE_EINVALID, "credentials: not an election id");
    if ((e = check_weights(weights, n, &pub->total_weight, d)) != VECHE_OK)
        return e;
    if ((pub->v = calloc(n, sizeof *pub->v)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    pub->n = n;
    for (size_t i = 0; i < n; i++) {
        make_one(codes[i], &pub->v[i], election_id, rng);
        pub->v[i].weight = weights[i];
    }
    /* Sorted by key, the list no longer follows the roll (or the codes). */
    qsort(pub->v, n, sizeof *pub->v, cmp_credential);
    for (size_t i = 1; i < n; i++)
        if (memcmp(pub->v[i - 1].key, pub->v[i].key, 32) == 0) {
            /* 2^-99 per pair: a broken random source, not bad luck. */
            sodium_memzero(codes, n * sizeof *codes);
            veche_credentials_free(pub);
            return veche_diag_set(d, VECHE_EINTERNAL, "credentials: two codes collide; "
                                  "is the random source broken?");
        }
    return VECHE_OK;
}

/* ---- building the parts ------------------------------------------------------------ */

static json_t *part_body(const char *id, size_t k, size_t nparts, const veche_credential *v,
                         size_t n)
{
    json_t *list = json_array(), *body;
    for (size_t i = 0; list != NULL && i < n; i++) {
        json_t *one = json_object();
        if (one == NULL || json_array_append_new(list, one) != 0 ||
            json_object_set_new(one, "key", veche_b64_json(v[i].key, 32)) != 0 ||
            json_object_set_new(one, "weight", json_integer(v[i].weight)) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    body = json_pack("{s:s, s:I, s:I, s:o}", "election", id, "part", (json_int_t)k, "parts",
                     (json_int_t)nparts, "credentials", list);
    return body;
}

veche_err veche_credentials_build(char ***entries, size_t **lens, size_t *nparts,
                                  const char *election_id, const veche_credential_list *l,
                                  const uint8_t sk[64], veche_diag *d)
{
    size_t np = (l->n + VECHE_CREDENTIALS_PER_PART - 1) / VECHE_CREDENTIALS_PER_PART;
    veche_err e = VECHE_OK;

    *entries = NULL;
    *lens = NULL;
    *nparts = 0;
    if (l->n == 0)
        return veche_diag_set(d, VECHE_EINVALID, "credentials: the list is empty");
    if ((*entries = calloc(np, sizeof **entries)) == NULL ||
        (*lens = calloc(np, sizeof **lens)) == NULL) {
        free(*entries);
        *entries = NULL;
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    }
    *nparts = np;
    for (size_t k = 0; k < np && e == VECHE_OK; k++) {
        size_t from = k * VECHE_CREDENTIALS_PER_PART;
        size_t count = l->n - from < VECHE_CREDENTIALS_PER_PART ? l->n - from
                                                                : VECHE_CREDENTIALS_PER_PART;
        json_t *body = part_body(election_id, k, np, l->v + from, count);
        if (body == NULL)
            e = veche_diag_set(d, VECHE_ENOMEM, "out of memory");
        else
            e = veche_entry_build(&(*entries)[k], &(*lens)[k], VECHE_CREDENTIALS_TYPE, body, sk, d);
        json_decref(body);
    }
    if (e != VECHE_OK) {
        veche_credentials_entries_free(*entries, *lens, np);
        *entries = NULL;
        *lens = NULL;
        *nparts = 0;
    }
    return e;
}

void veche_credentials_entries_free(char **entries, size_t *lens, size_t nparts)
{
    for (size_t k = 0; entries != NULL && k < nparts; k++)
        free(entries[k]);
    free(entries);
    free(lens);
}

/* ---- reading ---------------------------------------------------------------------- */

static veche_err check_members(const json_t *obj, const char *const *keys, const char *path,
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
    for (size_t i = 0; keys[i] != NULL; i++)
        if (json_object_get(obj, keys[i]) == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "%s: missing \"%s\"", path, keys[i]);
    return VECHE_OK;
}

static int int_in(const json_t *v, json_int_t lo, json_int_t hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

/* One {"key","weight"}; key decoded into key. */
static veche_err check_one(uint8_t key[32], uint32_t *weight, const json_t *c, size_t i,
                           veche_diag *d)
{
    static const char *const keys[] = {"key", "weight", NULL};
    char path[64];
    veche_err e;

    snprintf(path, sizeof path, "body.credentials[%zu]", i);
    if (!json_is_object(c))
        return veche_diag_set(d, VECHE_EINVALID, "%s: must be an object", path);
    if ((e = check_members(c, keys, path, d)) != VECHE_OK)
        return e;
    snprintf(path, sizeof path, "body.credentials[%zu].key", i);
    if ((e = veche_b64_get(key, 32, json_object_get(c, "key"), path, d)) != VECHE_OK)
        return e;
    if (!int_in(json_object_get(c, "weight"), 1, VECHE_MAX_WEIGHT))
        return veche_diag_set(d, VECHE_ERANGE, "body.credentials[%zu].weight: must be an integer "
                              "in 1..%u", i, VECHE_MAX_WEIGHT);
    *weight = (uint32_t)json_integer_value(json_object_get(c, "weight"));
    return VECHE_OK;
}

veche_err veche_credentials_check_body(const json_t *body, veche_diag *d)
{
    static const char *const keys[] = {"election", "part", "parts", "credentials", NULL};
    const json_t *id, *list;
    uint8_t prev[32], key[32];
    uint32_t w;
    veche_err e;

    if ((e = check_members(body, keys, "body", d)) != VECHE_OK)
        return e;
    id = json_object_get(body, "election");
    if (!json_is_string(id) || !veche_election_id_valid(json_string_value(id), json_string_length(id)))
        return veche_diag_set(d, VECHE_EINVALID, "body.election: not an election id");
    if (!int_in(json_object_get(body, "parts"), 1, VECHE_CREDENTIALS_MAX_PARTS))
        return veche_diag_set(d, VECHE_ERANGE, "body.parts: must be an integer in 1..%d",
                              VECHE_CREDENTIALS_MAX_PARTS);
    if (!int_in(json_object_get(body, "part"), 0, json_integer_value(json_object_get(body, "parts")) - 1))
        return veche_diag_set(d, VECHE_ERANGE, "body.part: must be an integer in 0..parts-1");
    list = json_object_get(body, "credentials");
    if (!json_is_array(list) || json_array_size(list) < 1 ||
        json_array_size(list) > VECHE_CREDENTIALS_PER_PART)
        return veche_diag_set(d, VECHE_ERANGE, "body.credentials: must be an array of 1..%d",
                              VECHE_CREDENTIALS_PER_PART);
    for (size_t i = 0; i < json_array_size(list); i++) {
        if ((e = check_one(key, &w, json_array_get(list, i), i, d)) != VECHE_OK)
            return e;
        if (i > 0 && memcmp(prev, key, 32) >= 0)
            return veche_diag_set(d, VECHE_EINVALID, "body.credentials[%zu].key: not after the "
                                  "previous key (keys are sorted bytewise and distinct)", i);
        memcpy(prev, key, 32);
    }
    return VECHE_OK;
}

/* Appends part k's credentials to out (which has room), checking across parts. */
static veche_err parse_part(veche_credential_list *out, const json_t *body, size_t k,
                            size_t nparts, const char *id, veche_diag *d)
{
    const json_t *list = json_object_get(body, "credentials");
    veche_diag why = {{0}};
    veche_err e;

    if ((e = veche_credentials_check_body(body, &why)) != VECHE_OK)
        return veche_diag_set(d, e, "credentials part %zu: %s", k, why.msg);
    if ((size_t)json_integer_value(json_object_get(body, "part")) != k ||
        (size_t)json_integer_value(json_object_get(body, "parts")) != nparts)
        return veche_diag_set(d, VECHE_EINVALID, "credentials part %zu: says part %lld of %lld",
                              k, (long long)json_integer_value(json_object_get(body, "part")),
                              (long long)json_integer_value(json_object_get(body, "parts")));
    if (strcmp(json_string_value(json_object_get(body, "election")), id) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "credentials part %zu: for another election", k);
    for (size_t i = 0; i < json_array_size(list); i++) {
        veche_credential *c = &out->v[out->n];
        const json_t *one = json_array_get(list, i);
        (void)veche_b64_get(c->key, 32, json_object_get(one, "key"), "key", NULL);
        c->weight = (uint32_t)json_integer_value(json_object_get(one, "weight"));
        if (out->n > 0 && memcmp(out->v[out->n - 1].key, c->key, 32) >= 0)
            return veche_diag_set(d, VECHE_EINVALID, "credentials part %zu, credentials[%zu]: "
                                  "not after the last key of the part before", k, i);
        if (veche_point_decode(&c->X, c->key, VECHE_NO_IDENTITY) != VECHE_OK)
            return veche_diag_set(d, VECHE_EENCODING, "credentials part %zu, credentials[%zu]: "
                                  "the key is not a valid point (or is the identity)", k, i);
        out->total_weight += c->weight;
        if (out->total_weight > VECHE_MAX_TOTAL_WEIGHT)
            return veche_diag_set(d, VECHE_ERANGE, "credentials part %zu, credentials[%zu]: "
                                  "the total weight exceeds %u", k, i, VECHE_MAX_TOTAL_WEIGHT);
        out->n++;
    }
    return VECHE_OK;
}

veche_err veche_credentials_parse(veche_credential_list *out, const json_t *const *bodies,
                                  size_t nparts, veche_diag *d)
{
    size_t total = 0;
    const char *id;
    veche_err e = VECHE_OK;

    memset(out, 0, sizeof *out);
    if (nparts == 0 || nparts > VECHE_CREDENTIALS_MAX_PARTS)
        return veche_diag_set(d, VECHE_EINVALID, "credentials: %zu parts", nparts);
    for (size_t k = 0; k < nparts; k++) {
        const json_t *list = json_object_get(bodies[k], "credentials");
        if (!json_is_object(bodies[k]) || !json_is_array(list))
            return veche_diag_set(d, VECHE_EINVALID, "credentials part %zu: not a part", k);
        total += json_array_size(list);
    }
    id = json_string_value(json_object_get(bodies[0], "election"));
    if (id == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "credentials part 0: no election id");
    if ((out->v = calloc(total ? total : 1, sizeof *out->v)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    for (size_t k = 0; k < nparts && e == VECHE_OK; k++)
        e = parse_part(out, bodies[k], k, nparts, id, d);
    if (e != VECHE_OK)
        veche_credentials_free(out);
    return e;
}

void veche_credentials_free(veche_credential_list *l)
{
    if (l == NULL)
        return;
    free(l->v);
    memset(l, 0, sizeof *l);
}

const veche_credential *veche_credentials_find(const veche_credential_list *l,
                                               const uint8_t key[32])
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(l->v[mid].key, key, 32);
        if (c == 0)
            return &l->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
