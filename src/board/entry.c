/*
 * entry.c — decoding, validating and building record entries (see entry.h).
 */
#include "board/entry.h"
#include "board/note.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* ---- the types this layer knows --------------------------------------- */

static veche_err need_string(const json_t *body, const char *key, size_t max, int required,
                             veche_diag *d)
{
    const json_t *v = json_object_get(body, key);
    if (v == NULL)
        return required ? veche_diag_set(d, VECHE_EINVALID, "body: missing \"%s\"", key)
                        : VECHE_OK;
    if (!json_is_string(v))
        return veche_diag_set(d, VECHE_EINVALID, "body.%s: must be a string", key);
    if (json_string_length(v) > max)
        return veche_diag_set(d, VECHE_ERANGE, "body.%s: %zu bytes, at most %zu allowed", key,
                              json_string_length(v), max);
    return VECHE_OK;
}

/* Every member must be one of the listed keys. */
static veche_err only_keys(const json_t *body, const char *const *keys, veche_diag *d)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)body, k, v) {
        int known = 0;
        for (size_t i = 0; keys[i] != NULL; i++)
            known |= strcmp(k, keys[i]) == 0;
        if (!known)
            return veche_diag_set(d, VECHE_EINVALID, "body: unknown member \"%.64s\"", k);
    }
    return VECHE_OK;
}

static veche_err check_init(const json_t *body, veche_diag *d)
{
    static const char *const keys[] = {"origin", "vkey", NULL};
    veche_err e;
    if ((e = only_keys(body, keys, d)) != VECHE_OK ||
        (e = need_string(body, "origin", 128, 1, d)) != VECHE_OK ||
        (e = need_string(body, "vkey", 256, 1, d)) != VECHE_OK)
        return e;
    return VECHE_OK;
}

static veche_err check_statement(const json_t *body, veche_diag *d)
{
    static const char *const keys[] = {"text", "title", NULL};
    veche_err e;
    if ((e = only_keys(body, keys, d)) != VECHE_OK ||
        (e = need_string(body, "text", 65536, 1, d)) != VECHE_OK ||
        (e = need_string(body, "title", 256, 0, d)) != VECHE_OK)
        return e;
    return VECHE_OK;
}

static const veche_entry_type known_types[] = {
    {"board.init", 1, check_init},
    {"statement",  1, check_statement},
};

static const veche_entry_type *registered[VECHE_ENTRY_MAX_TYPES];
static size_t nregistered;

const veche_entry_type *veche_entry_type_find(const char *name)
{
    for (size_t i = 0; i < sizeof known_types / sizeof known_types[0]; i++)
        if (strcmp(known_types[i].name, name) == 0)
            return &known_types[i];
    for (size_t i = 0; i < nregistered; i++)
        if (strcmp(registered[i]->name, name) == 0)
            return registered[i];
    return NULL;
}

static int type_tag_ok(const char *t);

veche_err veche_entry_types_register(const veche_entry_type *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const veche_entry_type *known = veche_entry_type_find(types[i].name);
        if (known == &types[i])
            continue;   /* registering the same table twice is harmless */
        if (known != NULL || !type_tag_ok(types[i].name))
            return VECHE_EINVALID;
        if (nregistered == VECHE_ENTRY_MAX_TYPES)
            return VECHE_ERANGE;
        registered[nregistered++] = &types[i];
    }
    return VECHE_OK;
}

/* ---- decoding ---------------------------------------------------------- */

static int type_tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > VECHE_ENTRY_TYPE_MAX || t[0] < 'a' || t[0] > 'z')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '.' ||
              t[i] == '-'))
            return 0;
    return 1;
}

/* Canonical base64 of exactly n bytes (RFC 4648 §4 with padding). */
static veche_err b64_exact(uint8_t *out, size_t n, const json_t *v, const char *what,
                           veche_diag *d)
{
    size_t got = 0;
    const char *s = json_string_value(v);
    char again[128];

    if (s == NULL)
        return veche_diag_set(d, VECHE_EENCODING, "%s: must be a base64 string", what);
    if (sodium_base642bin(out, n, s, json_string_length(v), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != n)
        return veche_diag_set(d, VECHE_EENCODING, "%s: not base64 of %zu bytes", what, n);
    sodium_bin2base64(again, sizeof again, out, n, sodium_base64_VARIANT_ORIGINAL);
    if (strcmp(again, s) != 0)
        return veche_diag_set(d, VECHE_EENCODING, "%s: non-canonical base64", what);
    return VECHE_OK;
}

static veche_err check_members(const json_t *obj, veche_diag *d)
{
    static const char *const allowed[] = {"v", "type", "body", "author", "sig", NULL};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        int known = 0;
        for (size_t i = 0; allowed[i] != NULL; i++)
            known |= strcmp(k, allowed[i]) == 0;
        if (!known)
            return veche_diag_set(d, VECHE_EINVALID, "entry: unknown member \"%.64s\"", k);
    }
    if (!json_is_integer(json_object_get(obj, "v")) ||
        json_integer_value(json_object_get(obj, "v")) != 1)
        return veche_diag_set(d, VECHE_EINVALID, "entry.v: must be 1");
    if (!json_is_string(json_object_get(obj, "type")))
        return veche_diag_set(d, VECHE_EINVALID, "entry.type: missing or not a string");
    if (!json_is_object(json_object_get(obj, "body")))
        return veche_diag_set(d, VECHE_EINVALID, "entry.body: missing or not an object");
    if ((json_object_get(obj, "author") == NULL) != (json_object_get(obj, "sig") == NULL))
        return veche_diag_set(d, VECHE_EINVALID, "entry: \"author\" and \"sig\" go together");
    return VECHE_OK;
}

/* The signed message: prefix || canonical JSON of the entry without "sig". */
static veche_err signed_message(uint8_t **msg, size_t *len, const json_t *obj, veche_diag *d)
{
    json_t *copy = json_copy((json_t *)obj);
    char *text;
    size_t tlen, plen = strlen(VECHE_ENTRY_SIG_PREFIX);
    veche_err e;

    if (copy == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    json_object_del(copy, "sig");
    e = veche_canon_dump(&text, &tlen, copy, d);
    json_decref(copy);
    if (e != VECHE_OK)
        return e;
    *msg = malloc(plen + tlen);
    if (*msg == NULL) {
        free(text);
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    }
    memcpy(*msg, VECHE_ENTRY_SIG_PREFIX, plen);
    memcpy(*msg + plen, text, tlen);
    *len = plen + tlen;
    free(text);
    return VECHE_OK;
}

/*
 * The signed message straight from the canonical bytes: keys are sorted
 * ("author" < "body" < "sig" < "type" < "v"), so the entry without "sig" is
 * the same bytes with the member `,"sig":"<88 base64 chars>"` cut out. It is
 * the last such text in the entry, since only "type" (a tag: no quotes) and
 * "v" follow it. Saves re-serializing the whole entry on every decode.
 */
static veche_err signed_message_from_bytes(uint8_t **msg, size_t *mlen, const uint8_t *bytes,
                                           size_t len, veche_diag *d)
{
    static const char member[] = ",\"sig\":\"";
    const size_t mlen_member = sizeof member - 1, cut = mlen_member + 88 + 1;
    size_t plen = strlen(VECHE_ENTRY_SIG_PREFIX), at = len;

    while (at-- > 0)
        if (len - at >= cut && memcmp(bytes + at, member, mlen_member) == 0)
            break;
    if (at == (size_t)-1 || bytes[at + cut - 1] != '"')
        return veche_diag_set(d, VECHE_EENCODING, "entry.sig: not found where expected");
    if ((*msg = malloc(plen + len - cut)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    memcpy(*msg, VECHE_ENTRY_SIG_PREFIX, plen);
    memcpy(*msg + plen, bytes, at);
    memcpy(*msg + plen + at, bytes + at + cut, len - at - cut);
    *mlen = plen + len - cut;
    return VECHE_OK;
}

static veche_err check_signature(veche_entry *e, const uint8_t *bytes, size_t len, veche_diag *d)
{
    uint8_t *msg = NULL;
    size_t mlen = 0;
    veche_err err;

    if ((err = b64_exact(e->author, 32, json_object_get(e->json, "author"), "entry.author", d)) ||
        (err = b64_exact(e->sig, 64, json_object_get(e->json, "sig"), "entry.sig", d)))
        return err;
    if ((err = signed_message_from_bytes(&msg, &mlen, bytes, len, d)) != VECHE_OK)
        return err;
    err = crypto_sign_verify_detached(e->sig, msg, mlen, e->author) == 0 ? VECHE_OK : VECHE_EVERIFY;
    free(msg);
    if (err != VECHE_OK)
        return veche_diag_set(d, err, "entry.sig: signature does not verify for entry.author");
    return VECHE_OK;
}

veche_err veche_entry_decode(veche_entry *e, const uint8_t *bytes, size_t len, veche_diag *d)
{
    const veche_entry_type *t;
    veche_err err;

    memset(e, 0, sizeof *e);
    if (len > VECHE_ENTRY_MAX_BYTES)
        return veche_diag_set(d, VECHE_ERANGE, "entry: %zu bytes, the limit is %u", len,
                              VECHE_ENTRY_MAX_BYTES);
    if ((err = veche_canon_parse(&e->json, (const char *)bytes, len, d)) != VECHE_OK)
        return err;
    if (!json_is_object(e->json)) {
        veche_entry_free(e);
        return veche_diag_set(d, VECHE_EINVALID, "entry: must be a JSON object");
    }
    if ((err = check_members(e->json, d)) != VECHE_OK)
        goto fail;
    e->type = json_string_value(json_object_get(e->json, "type"));
    e->body = json_object_get(e->json, "body");
    if (!type_tag_ok(e->type)) {
        err = veche_diag_set(d, VECHE_EINVALID, "entry.type: \"%.64s\" is not a valid type tag",
                             e->type);
        goto fail;
    }
    if ((t = veche_entry_type_find(e->type)) == NULL) {
        err = veche_diag_set(d, VECHE_EINVALID, "entry.type: unknown type \"%s\"", e->type);
        goto fail;
    }
    e->is_signed = json_object_get(e->json, "sig") != NULL;
    if (t->signed_required && !e->is_signed) {
        err = veche_diag_set(d, VECHE_EINVALID, "entry: type \"%s\" must be signed", e->type);
        goto fail;
    }
    if (t->check_body && (err = t->check_body(e->body, d)) != VECHE_OK)
        goto fail;
    if (e->is_signed && (err = check_signature(e, bytes, len, d)) != VECHE_OK)
        goto fail;
    return VECHE_OK;
fail:
    veche_entry_free(e);
    return err;
}

void veche_entry_free(veche_entry *e)
{
    json_decref(e->json);
    memset(e, 0, sizeof *e);
}

static veche_err sign_into(json_t *obj, const uint8_t *sk, veche_diag *d)
{
    char b64[128];
    uint8_t sig[64], *msg = NULL;
    size_t len = 0;
    veche_err e;

    /* libsodium's secret key carries the public key in its second half */
    sodium_bin2base64(b64, sizeof b64, sk + 32, 32, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(obj, "author", json_string(b64));
    if ((e = signed_message(&msg, &len, obj, d)) != VECHE_OK)
        return e;
    crypto_sign_detached(sig, NULL, msg, len, sk);
    free(msg);
    sodium_bin2base64(b64, sizeof b64, sig, 64, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(obj, "sig", json_string(b64));
    return VECHE_OK;
}

veche_err veche_entry_build(char **out, size_t *len, const char *type, json_t *body,
                            const uint8_t *sk, veche_diag *d)
{
    json_t *obj = json_object();
    veche_err e = VECHE_OK;

    *out = NULL;
    if (obj == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    json_object_set_new(obj, "v", json_integer(1));
    json_object_set_new(obj, "type", json_string(type));
    json_object_set(obj, "body", body);
    if (sk != NULL)
        e = sign_into(obj, sk, d);
    if (e == VECHE_OK)
        e = veche_canon_dump(out, len, obj, d);
    json_decref(obj);
    return e;
}

int veche_entry_is_genesis_of(const veche_entry *e, const veche_note_key *key)
{
    const char *origin, *vkey;
    veche_note_key named;

    if (e->json == NULL || strcmp(e->type, "board.init") != 0 || !e->is_signed)
        return 0;
    origin = json_string_value(json_object_get(e->body, "origin"));
    vkey = json_string_value(json_object_get(e->body, "vkey"));
    if (origin == NULL || vkey == NULL || veche_note_key_parse(&named, vkey) != VECHE_OK)
        return 0;
    return key->type == VECHE_SIGTYPE_ED25519 && named.type == VECHE_SIGTYPE_ED25519 &&
           memcmp(e->author, key->pub, 32) == 0 && memcmp(named.pub, key->pub, 32) == 0 &&
           strcmp(origin, key->name) == 0 && strcmp(named.name, key->name) == 0;
}
