/*
 * entries.c — the council's entry types: their body shapes (registered with
 * the board), the hashes and the member commitment, standing credentials,
 * the credential signature, and a builder per type (see council.h).
 *
 * Every body shape is a small table of members (name, kind, bounds,
 * optional) plus, for the types whose members depend on each other (a
 * roll join carries a commitment, a leave does not...), a rule function.
 * The board runs these checks on many threads at once: they touch nothing
 * but their arguments. Builders run the same check on what they build, so
 * a face can never build an entry the board would refuse.
 */
#include "council/internal.h"
#include "crypto/schnorr.h"
#include "election/election.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

/* ---- ids ----------------------------------------------------------------------------- */

int veche_council_id_valid(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > VECHE_COUNCIL_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static int id_ok(const char *s)
{
    return s != NULL && veche_council_id_valid(s, strnlen(s, VECHE_COUNCIL_ID_MAX + 1));
}

/* ---- names of enumerations ------------------------------------------------------------ */

static const char *const roll_actions[] = {"join", "leave", "exclude", NULL};
static const char *const purposes[] = {"seats", "by-election", "recall", "exclusion",
                                       "question", NULL};
static const char *const pub_kinds[] = {"statement", "platform", "minutes", "reply", NULL};
static const char *const end_reasons[] = {"recalled", "resigned", NULL};
static const char *const del_end_reasons[] = {"returned", "recalled", NULL};
static const char *const petition_kinds[] = {"recall", NULL};

static size_t enum_find(const char *const *names, const char *s)
{
    size_t i = 0;
    for (; names[i] != NULL; i++)
        if (s != NULL && strcmp(names[i], s) == 0)
            return i;
    return i;
}

const char *veche_roll_action_name(veche_roll_action a)
{
    return (unsigned)a <= VECHE_ROLL_EXCLUDE ? roll_actions[a] : "";
}

const char *veche_purpose_name(veche_purpose p)
{
    return (unsigned)p < VECHE_PURPOSES ? purposes[p] : "";
}

veche_purpose veche_purpose_parse(const char *s)
{
    return (veche_purpose)enum_find(purposes, s);
}

const char *veche_pub_kind_name(veche_pub_kind k)
{
    return (unsigned)k < VECHE_PUB_KINDS ? pub_kinds[k] : "";
}

veche_pub_kind veche_pub_kind_parse(const char *s)
{
    return (veche_pub_kind)enum_find(pub_kinds, s);
}

/* ---- body shapes ------------------------------------------------------------------------ */

typedef enum skind {
    S_ID,        /* council/member/grouping/delegation id */
    S_EID,       /* an election id */
    S_STR,       /* a string of a..b bytes */
    S_INT,       /* an integer in a..b */
    S_B64,       /* canonical base64 of exactly a bytes */
    S_BOOL,
    S_ENUM,      /* one of en[] */
    S_IDS,       /* 0..b ids, strictly increasing */
    S_KEYS,      /* 0..b base64 of 32 bytes, strictly increasing bytewise */
    S_INDICES,   /* 1..b indices, strictly increasing */
    S_NAMES,     /* 1..b distinct strings of 1..256 bytes */
    S_TRUSTEES,  /* 1..64 {"key": b64(32), "name": 1..256 bytes}, keys distinct */
    S_RECALL     /* {"majority": 501..1000, "threshold": 1..1000} */
} skind;

typedef struct field {
    const char        *name;
    skind              k;
    int                opt;     /* may be absent (the type's rule says when) */
    json_int_t         a, b;
    const char *const *en;
} field;

#define SHAPE_MAX 11
typedef struct shape {
    const char *type;
    field       f[SHAPE_MAX];
    size_t      n;
    veche_err (*rule)(const json_t *body, veche_diag *d);
} shape;

static int int_in(const json_t *v, json_int_t lo, json_int_t hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

static veche_err check_str(const json_t *v, size_t lo, size_t hi, const char *path,
                           veche_diag *d)
{
    if (!json_is_string(v))
        return veche_diag_set(d, VECHE_EINVALID, "%s: must be a string", path);
    if (json_string_length(v) < lo || json_string_length(v) > hi)
        return veche_diag_set(d, VECHE_ERANGE, "%s: %zu bytes, must be %zu..%zu", path,
                              json_string_length(v), lo, hi);
    return VECHE_OK;
}

static veche_err check_id(const json_t *v, int election, const char *path, veche_diag *d)
{
    if (!json_is_string(v) || !veche_council_id_valid(json_string_value(v), json_string_length(v)))
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s must be 1..64 characters of a-z, 0-9 "
                              "and -", path, election ? "an election id" : "an id");
    return VECHE_OK;
}

/* Ids, keys or indices in strictly increasing order (bytewise for strings). */
static veche_err check_increasing(const json_t *v, const field *f, const char *path,
                                  veche_diag *d)
{
    char p[128];
    uint8_t prev[32], cur[32];
    veche_err e;

    e = veche_json_array_check(v, f->k == S_INDICES ? 1 : 0, (size_t)f->b, path, d);
    if (e != VECHE_OK)
        return e;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *x = json_array_get(v, i), *w = i ? json_array_get(v, i - 1) : NULL;
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if (f->k == S_INDICES) {
            if (!int_in(x, w ? json_integer_value(w) + 1 : 0, COUNCIL_MAX_JSON))
                return veche_diag_set(d, VECHE_EINVALID, "%s: indices must be integers >= 0 in "
                                      "strictly increasing order", p);
        } else if (f->k == S_IDS) {
            if ((e = check_id(x, 0, p, d)) != VECHE_OK)
                return e;
            if (w && strcmp(json_string_value(w), json_string_value(x)) >= 0)
                return veche_diag_set(d, VECHE_EINVALID, "%s: ids must be in strictly "
                                      "increasing order", p);
        } else {
            if ((e = veche_b64_get(cur, 32, x, p, d)) != VECHE_OK)
                return e;
            if (w && memcmp(prev, cur, 32) >= 0)
                return veche_diag_set(d, VECHE_EINVALID, "%s: keys must be in strictly "
                                      "increasing byte order", p);
            memcpy(prev, cur, 32);
        }
    }
    return VECHE_OK;
}

static veche_err check_names(const json_t *v, const field *f, const char *path, veche_diag *d)
{
    char p[128];
    veche_err e;
    if ((e = veche_json_array_check(v, 1, (size_t)f->b, path, d)) != VECHE_OK)
        return e;
    for (size_t i = 0; i < json_array_size(v); i++) {
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if ((e = check_str(json_array_get(v, i), 1, VECHE_COUNCIL_NAME_MAX, p, d)) != VECHE_OK)
            return e;
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_array_get(v, j), json_array_get(v, i)))
                return veche_diag_set(d, VECHE_EINVALID, "%s: the same name as [%zu]", p, j);
    }
    return VECHE_OK;
}

/* Exactly the listed members of an object, each checked by its own function. */
static veche_err exact_members(const json_t *o, const char *const *names, const char *path,
                               veche_diag *d)
{
    const char *k;
    json_t *v;

    if (!json_is_object(o))
        return veche_diag_set(d, VECHE_EINVALID, "%s: must be an object", path);
    json_object_foreach((json_t *)o, k, v) {
        if (names[enum_find(names, k)] == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "%s: unknown member \"%.64s\"", path, k);
    }
    for (size_t i = 0; names[i] != NULL; i++)
        if (json_object_get(o, names[i]) == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "%s: missing \"%s\"", path, names[i]);
    return VECHE_OK;
}

static veche_err check_trustees(const json_t *v, const char *path, veche_diag *d)
{
    static const char *const names[] = {"key", "name", NULL};
    char p[128];
    uint8_t keys[VECHE_MAX_TRUSTEES][32];
    veche_err e;

    if ((e = veche_json_array_check(v, 1, VECHE_MAX_TRUSTEES, path, d)) != VECHE_OK)
        return e;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *t = json_array_get(v, i);
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        if ((e = exact_members(t, names, p, d)) != VECHE_OK)
            return e;
        snprintf(p, sizeof p, "%s[%zu].name", path, i);
        if ((e = check_str(json_object_get(t, "name"), 1, VECHE_COUNCIL_NAME_MAX, p, d)))
            return e;
        snprintf(p, sizeof p, "%s[%zu].key", path, i);
        if ((e = veche_b64_get(keys[i], 32, json_object_get(t, "key"), p, d)) != VECHE_OK)
            return e;
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys[j], keys[i], 32) == 0)
                return veche_diag_set(d, VECHE_EINVALID, "%s: the same key as trustees[%zu]",
                                      p, j);
    }
    return VECHE_OK;
}

static veche_err check_recall(const json_t *v, const char *path, veche_diag *d)
{
    static const char *const names[] = {"majority", "threshold", NULL};
    veche_err e;
    if ((e = exact_members(v, names, path, d)) != VECHE_OK)
        return e;
    if (!int_in(json_object_get(v, "majority"), 501, 1000))
        return veche_diag_set(d, VECHE_ERANGE, "%s.majority: must be an integer in 501..1000 "
                              "(permille of the votes cast)", path);
    if (!int_in(json_object_get(v, "threshold"), 1, 1000))
        return veche_diag_set(d, VECHE_ERANGE, "%s.threshold: must be an integer in 1..1000 "
                              "(permille of the roll)", path);
    return VECHE_OK;
}

static veche_err check_field(const json_t *v, const field *f, veche_diag *d)
{
    char path[80];
    snprintf(path, sizeof path, "body.%s", f->name);
    switch (f->k) {
    case S_ID:      return check_id(v, 0, path, d);
    case S_EID:     return check_id(v, 1, path, d);
    case S_STR:     return check_str(v, (size_t)f->a, (size_t)f->b, path, d);
    case S_B64:     return veche_b64_check(v, (size_t)f->a, path, d);
    case S_IDS:
    case S_KEYS:
    case S_INDICES: return check_increasing(v, f, path, d);
    case S_NAMES:   return check_names(v, f, path, d);
    case S_TRUSTEES: return check_trustees(v, path, d);
    case S_RECALL:  return check_recall(v, path, d);
    case S_INT:
        if (!int_in(v, f->a, f->b))
            return veche_diag_set(d, VECHE_ERANGE, "%s: must be an integer in %lld..%lld", path,
                                  (long long)f->a, (long long)f->b);
        return VECHE_OK;
    case S_BOOL:
        if (!json_is_boolean(v))
            return veche_diag_set(d, VECHE_EINVALID, "%s: must be true or false", path);
        return VECHE_OK;
    case S_ENUM:
        if (!json_is_string(v) || f->en[enum_find(f->en, json_string_value(v))] == NULL)
            return veche_diag_set(d, VECHE_EINVALID, "%s: must be one of the names the "
                                  "specification lists", path);
        return VECHE_OK;
    }
    return veche_diag_set(d, VECHE_EINTERNAL, "%s: unknown kind", path);
}

static veche_err check_shape(const shape *s, const json_t *body, veche_diag *d)
{
    const char *k;
    json_t *v;
    veche_err e;

    if (!json_is_object(body))
        return veche_diag_set(d, VECHE_EINVALID, "body: must be an object");
    json_object_foreach((json_t *)body, k, v) {
        size_t i = 0;
        while (i < s->n && strcmp(k, s->f[i].name) != 0)
            i++;
        if (i == s->n)
            return veche_diag_set(d, VECHE_EINVALID, "body: unknown member \"%.64s\"", k);
    }
    for (size_t i = 0; i < s->n; i++) {
        if ((v = json_object_get(body, s->f[i].name)) == NULL) {
            if (s->f[i].opt)
                continue;
            return veche_diag_set(d, VECHE_EINVALID, "body: missing \"%s\"", s->f[i].name);
        }
        if ((e = check_field(v, &s->f[i], d)) != VECHE_OK)
            return e;
    }
    return s->rule ? s->rule(body, d) : VECHE_OK;
}

/* ---- rules between members ---------------------------------------------------------------- */

static int has(const json_t *body, const char *name)
{
    return json_object_get(body, name) != NULL;
}

static const char *str(const json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

/* Present iff `want`; says which member is wrong and why. */
static veche_err present_iff(const json_t *body, const char *name, int want, const char *when,
                             veche_diag *d)
{
    if (has(body, name) && !want)
        return veche_diag_set(d, VECHE_EINVALID, "body.%s: only %s", name, when);
    if (!has(body, name) && want)
        return veche_diag_set(d, VECHE_EINVALID, "body: missing \"%s\" (required %s)", name, when);
    return VECHE_OK;
}

static veche_err rule_create(const json_t *body, veche_diag *d)
{
    json_int_t t = json_integer_value(json_object_get(body, "threshold"));
    size_t n = json_array_size(json_object_get(body, "trustees"));
    if (t < 1 || (size_t)t > n)
        return veche_diag_set(d, VECHE_ERANGE, "body.threshold: must be 1..%zu (the trustees)", n);
    return VECHE_OK;
}

static veche_err rule_roll(const json_t *body, veche_diag *d)
{
    size_t a = enum_find(roll_actions, str(body, "action"));
    veche_err e;
    if ((e = present_iff(body, "commitment", a == VECHE_ROLL_JOIN, "for a join", d)) != VECHE_OK)
        return e;
    if (a != VECHE_ROLL_EXCLUDE && has(body, "election"))
        return veche_diag_set(d, VECHE_EINVALID, "body.election: only for an exclusion");
    if (a != VECHE_ROLL_JOIN && json_string_length(json_object_get(body, "reason")) == 0)
        return veche_diag_set(d, VECHE_EINVALID, "body.reason: a %s must state a reason",
                              roll_actions[a]);
    return VECHE_OK;
}

static veche_err rule_election(const json_t *body, veche_diag *d)
{
    veche_purpose p = veche_purpose_parse(str(body, "purpose"));
    veche_err e;
    if ((e = present_iff(body, "mandate", p == VECHE_PURPOSE_RECALL ||
                         p == VECHE_PURPOSE_BY_ELECTION, "for a recall or a by-election", d)) ||
        (e = present_iff(body, "petition", p == VECHE_PURPOSE_RECALL, "for a recall", d)) ||
        (e = present_iff(body, "member", p == VECHE_PURPOSE_EXCLUSION, "for an exclusion", d)))
        return e;
    return VECHE_OK;
}

static veche_err rule_mandate(const json_t *body, veche_diag *d)
{
    if (json_integer_value(json_object_get(body, "start")) >=
        json_integer_value(json_object_get(body, "end")))
        return veche_diag_set(d, VECHE_EINVALID, "body.end: must be after body.start");
    return VECHE_OK;
}

static veche_err rule_mandate_end(const json_t *body, veche_diag *d)
{
    return present_iff(body, "election", strcmp(str(body, "reason"), "recalled") == 0,
                       "for a recall (the recall election)", d);
}

static veche_err rule_publication(const json_t *body, veche_diag *d)
{
    veche_pub_kind k = veche_pub_kind_parse(str(body, "kind"));
    int member = !has(body, "grouping");
    veche_err e;
    if ((e = present_iff(body, "reply_to", k == VECHE_PUB_REPLY, "for a reply", d)) ||
        (e = present_iff(body, "election", k == VECHE_PUB_PLATFORM, "for a platform", d)) ||
        (e = present_iff(body, "option", k == VECHE_PUB_PLATFORM, "for a platform", d)) ||
        (e = present_iff(body, "credential", member, "for a member's publication (no "
                         "grouping)", d)) ||
        (e = present_iff(body, "signature", member, "for a member's publication (no "
                         "grouping)", d)))
        return e;
    return VECHE_OK;
}

/* ---- the shapes ------------------------------------------------------------------------------ */

#define COUNCIL   {"council", S_ID, 0, 0, 0, NULL}
#define INDEX(n)  {n, S_INT, 0, 0, COUNCIL_MAX_JSON, NULL}
#define STR(n, lo, hi) {n, S_STR, 0, lo, hi, NULL}
#define B64(n, len) {n, S_B64, 0, len, 0, NULL}
#define ENUM(n, en) {n, S_ENUM, 0, 0, 0, en}

static const shape shapes[] = {
    {VECHE_CTYPE_CREATE,
     {COUNCIL, STR("name", 1, VECHE_COUNCIL_NAME_MAX),
      {"seats", S_INT, 0, 1, VECHE_COUNCIL_MAX_SEATS, NULL},
      {"term", S_INT, 0, VECHE_COUNCIL_TERM_MIN, VECHE_COUNCIL_TERM_MAX, NULL},
      {"recall", S_RECALL, 0, 0, 0, NULL}, B64("roll_keeper", 32),
      B64("credential_authority", 32), {"trustees", S_TRUSTEES, 0, 0, 0, NULL},
      {"threshold", S_INT, 0, 1, VECHE_MAX_TRUSTEES, NULL},
      {"exclusion_vote", S_BOOL, 0, 0, 0, NULL}}, 10, rule_create},
    {VECHE_CTYPE_ROLL,
     {COUNCIL, ENUM("action", roll_actions), {"member", S_ID, 0, 0, 0, NULL},
      {"commitment", S_B64, 1, 32, 0, NULL}, STR("reason", 0, VECHE_COUNCIL_REASON_MAX),
      {"election", S_EID, 1, 0, 0, NULL}}, 6, rule_roll},
    {VECHE_CTYPE_CREDENTIALS,
     {COUNCIL, {"roll", S_INDICES, 0, 0, VECHE_COUNCIL_CRED_MAX, NULL},
      {"add", S_KEYS, 0, 0, VECHE_COUNCIL_CRED_MAX, NULL},
      {"remove", S_KEYS, 0, 0, VECHE_COUNCIL_CRED_MAX, NULL}}, 4, NULL},
    {VECHE_CTYPE_ELECTION,
     {COUNCIL, {"election", S_EID, 0, 0, 0, NULL}, ENUM("purpose", purposes),
      {"mandate", S_INT, 1, 0, COUNCIL_MAX_JSON, NULL},
      {"petition", S_INT, 1, 0, COUNCIL_MAX_JSON, NULL}, {"member", S_ID, 1, 0, 0, NULL}},
     6, rule_election},
    {VECHE_CTYPE_MANDATE,
     {COUNCIL, {"election", S_EID, 0, 0, 0, NULL}, STR("delegate", 1, VECHE_COUNCIL_NAME_MAX),
      {"start", S_INT, 0, 0, COUNCIL_MAX_UNIX, NULL}, {"end", S_INT, 0, 0, COUNCIL_MAX_UNIX, NULL}},
     5, rule_mandate},
    {VECHE_CTYPE_MANDATE_END,
     {COUNCIL, INDEX("mandate"), ENUM("reason", end_reasons),
      {"election", S_EID, 1, 0, 0, NULL}, STR("statement", 0, VECHE_COUNCIL_REASON_MAX)},
     5, rule_mandate_end},
    {VECHE_CTYPE_PETITION,
     {COUNCIL, ENUM("kind", petition_kinds), INDEX("mandate"),
      STR("text", 1, VECHE_COUNCIL_TEXT_MAX), B64("credential", 32), B64("signature", 64)},
     6, NULL},
    {VECHE_CTYPE_SIGNATURE,
     {COUNCIL, INDEX("petition"), B64("credential", 32), B64("signature", 64)}, 4, NULL},
    {VECHE_CTYPE_GROUPING,
     {COUNCIL, {"grouping", S_ID, 0, 0, 0, NULL}, STR("name", 1, VECHE_COUNCIL_NAME_MAX),
      {"members", S_IDS, 0, 0, VECHE_COUNCIL_GROUP_MEMBERS, NULL}}, 4, NULL},
    {VECHE_CTYPE_PUBLICATION,
     {COUNCIL, {"grouping", S_ID, 1, 0, 0, NULL}, ENUM("kind", pub_kinds),
      STR("title", 1, VECHE_COUNCIL_NAME_MAX), B64("hash", 32),
      {"length", S_INT, 0, 1, VECHE_COUNCIL_BODY_MAX, NULL},
      {"reply_to", S_INT, 1, 0, COUNCIL_MAX_JSON, NULL}, {"election", S_EID, 1, 0, 0, NULL},
      {"option", S_STR, 1, 1, VECHE_COUNCIL_NAME_MAX, NULL},
      {"credential", S_B64, 1, 32, 0, NULL}, {"signature", S_B64, 1, 64, 0, NULL}},
     11, rule_publication},
    {VECHE_CTYPE_TOMBSTONE,
     {COUNCIL, INDEX("publication"), STR("reason", 1, VECHE_COUNCIL_REASON_MAX)}, 3, NULL},
    {VECHE_CTYPE_DELEGATION,
     {COUNCIL, {"delegation", S_ID, 0, 0, 0, NULL}, STR("to", 1, VECHE_COUNCIL_NAME_MAX),
      {"delegates", S_NAMES, 0, 0, VECHE_COUNCIL_MAX_DELEGATES, NULL},
      STR("mandate", 1, VECHE_COUNCIL_TEXT_MAX)}, 5, NULL},
    {VECHE_CTYPE_DELEGATION_END,
     {COUNCIL, {"delegation", S_ID, 0, 0, 0, NULL}, ENUM("reason", del_end_reasons),
      STR("statement", 0, VECHE_COUNCIL_REASON_MAX)}, 4, NULL},
    {VECHE_CTYPE_APPEAL,
     {COUNCIL, {"member", S_ID, 0, 0, 0, NULL}, INDEX("exclusion"), B64("salt", 32),
      STR("name", 1, VECHE_COUNCIL_NAME_MAX), STR("text", 1, VECHE_COUNCIL_TEXT_MAX)},
     6, NULL},
};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

static const shape *shape_of(const char *type)
{
    for (size_t i = 0; i < N_SHAPES; i++)
        if (type != NULL && strcmp(shapes[i].type, type) == 0)
            return &shapes[i];
    return NULL;
}

veche_err veche_council_check_body(const char *type, const json_t *body, veche_diag *d)
{
    const shape *s = shape_of(type);
    if (s == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "\"%.64s\" is not a council entry type",
                              type ? type : "");
    return check_shape(s, body, d);
}

#define CHECK_FN(fn, i) \
    static veche_err fn(const json_t *body, veche_diag *d) { return check_shape(&shapes[i], body, d); }
CHECK_FN(check_create, 0)
CHECK_FN(check_roll, 1)
CHECK_FN(check_credentials, 2)
CHECK_FN(check_election, 3)
CHECK_FN(check_mandate, 4)
CHECK_FN(check_mandate_end, 5)
CHECK_FN(check_petition, 6)
CHECK_FN(check_signature, 7)
CHECK_FN(check_grouping, 8)
CHECK_FN(check_publication, 9)
CHECK_FN(check_tombstone, 10)
CHECK_FN(check_delegation, 11)
CHECK_FN(check_delegation_end, 12)
CHECK_FN(check_appeal, 13)

/*
 * Unsigned: petition and signature (the credential signs inside), and
 * publication (a grouping's is signed, a member's is not: the loader
 * judges which it is).
 */
static const veche_entry_type council_types[] = {
    {VECHE_CTYPE_CREATE,         1, check_create},
    {VECHE_CTYPE_ROLL,           1, check_roll},
    {VECHE_CTYPE_CREDENTIALS,    1, check_credentials},
    {VECHE_CTYPE_ELECTION,       1, check_election},
    {VECHE_CTYPE_MANDATE,        1, check_mandate},
    {VECHE_CTYPE_MANDATE_END,    1, check_mandate_end},
    {VECHE_CTYPE_PETITION,       0, check_petition},
    {VECHE_CTYPE_SIGNATURE,      0, check_signature},
    {VECHE_CTYPE_GROUPING,       1, check_grouping},
    {VECHE_CTYPE_PUBLICATION,    0, check_publication},
    {VECHE_CTYPE_TOMBSTONE,      1, check_tombstone},
    {VECHE_CTYPE_DELEGATION,     1, check_delegation},
    {VECHE_CTYPE_DELEGATION_END, 1, check_delegation_end},
    {VECHE_CTYPE_APPEAL,         1, check_appeal},
};

veche_err veche_council_register_types(void)
{
    _Static_assert(sizeof council_types / sizeof council_types[0] == N_SHAPES,
                   "one registered type per shape");
    veche_err e = veche_election_register_types();
    return e != VECHE_OK ? e : veche_entry_types_register(council_types, N_SHAPES);
}

/* ---- hashes, commitment, credentials ------------------------------------------------------- */

void veche_council_hash(uint8_t out[32], const uint8_t *create_entry, size_t len)
{
    crypto_hash_sha256(out, create_entry, len);
}

void veche_council_fp(uint8_t out[32], const uint8_t council_hash[32])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)VECHE_COUNCIL_TAG, strlen(VECHE_COUNCIL_TAG));
    crypto_hash_sha256_update(&h, council_hash, 32);
    crypto_hash_sha256_final(&h, out);
}

void veche_council_commitment(uint8_t out[32], const uint8_t salt[32], const char *name)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)VECHE_MEMBER_TAG, strlen(VECHE_MEMBER_TAG));
    crypto_hash_sha256_update(&h, salt, 32);
    crypto_hash_sha256_update(&h, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_final(&h, out);
}

int veche_council_commitment_check(const uint8_t commitment[32], const uint8_t salt[32],
                                   const char *name)
{
    uint8_t c[32];
    int ok;
    if (name == NULL || name[0] == 0)
        return 0;
    veche_council_commitment(c, salt, name);
    ok = sodium_memcmp(c, commitment, 32) == 0;
    sodium_memzero(c, sizeof c);
    return ok;
}

veche_err veche_council_credential(veche_scalar *x, uint8_t X[32], const char *council_id,
                                   const char *code, veche_diag *d)
{
    if (!id_ok(council_id)) {
        veche_scalar_wipe(x);
        return veche_diag_set(d, VECHE_EINVALID, "credential: not a council id");
    }
    return veche_credential_derive(x, X, council_id, code, d);
}

veche_err veche_council_codes_generate(char (*codes)[VECHE_CODE_CHARS + 1],
                                       veche_credential_list *pub, const char *council_id,
                                       size_t n, veche_rng *rng, veche_diag *d)
{
    uint32_t *w;
    veche_err e;

    memset(pub, 0, sizeof *pub);
    if (!id_ok(council_id) || n == 0)
        return veche_diag_set(d, VECHE_EINVALID, "codes: a council id and n >= 1 are needed");
    if ((w = malloc(n * sizeof *w)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        w[i] = 1;
    e = veche_credentials_generate(codes, pub, council_id, w, n, rng, d);
    free(w);
    return e;
}

/* ---- the credential signature ------------------------------------------------------------- */

veche_err council_sig_message(char **msg, size_t *len, const json_t *body, veche_diag *d)
{
    json_t *copy = json_copy((json_t *)body);   /* shallow: members are shared, not changed */
    veche_err e;
    *msg = NULL;
    if (copy == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    json_object_del(copy, "signature");
    e = veche_canon_dump(msg, len, copy, d);
    json_decref(copy);
    return e;
}

static void council_ctx(veche_ctx *ctx, const uint8_t fp[32], const uint8_t X[32])
{
    veche_ctx_init(ctx, fp);
    memcpy(ctx->party, X, 32);
    ctx->index[0] = ctx->index[1] = VECHE_INDEX_NONE;
}

veche_err council_sig_verify(uint8_t X[32], const json_t *body, const uint8_t fp[32],
                             veche_diag *d)
{
    uint8_t sig[64];
    veche_point P;
    veche_ctx ctx;
    char *msg;
    size_t mlen;
    veche_err e;

    if ((e = veche_b64_get(X, 32, json_object_get(body, "credential"), "body.credential", d)) ||
        (e = veche_b64_get(sig, 64, json_object_get(body, "signature"), "body.signature", d)))
        return e;
    if (veche_point_decode(&P, X, VECHE_NO_IDENTITY) != VECHE_OK)
        return veche_diag_set(d, VECHE_EENCODING, "body.credential: not a valid public key");
    if ((e = council_sig_message(&msg, &mlen, body, d)) != VECHE_OK)
        return e;
    council_ctx(&ctx, fp, X);
    e = veche_sign_verify(sig, X, (const uint8_t *)msg, mlen, &ctx);
    free(msg);
    if (e != VECHE_OK)
        return veche_diag_set(d, VECHE_EVERIFY, "body.signature: does not verify for this "
                              "credential and council");
    return VECHE_OK;
}

/* Adds "credential" and a signature of body by x to body. */
static veche_err sign_body(json_t *body, const veche_scalar *x, const uint8_t X[32],
                           const uint8_t fp[32], veche_rng *rng, veche_diag *d)
{
    uint8_t sig[64];
    veche_ctx ctx;
    char *msg;
    size_t mlen;
    veche_err e;

    if (json_object_set_new(body, "credential", veche_b64_json(X, 32)) != 0)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if ((e = council_sig_message(&msg, &mlen, body, d)) != VECHE_OK)
        return e;
    council_ctx(&ctx, fp, X);
    e = veche_sign(sig, x, X, (const uint8_t *)msg, mlen, &ctx, rng);
    free(msg);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "signing with the credential: %s", veche_strerror(e));
    if (json_object_set_new(body, "signature", veche_b64_json(sig, 64)) != 0)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    return VECHE_OK;
}

/* ---- builders ---------------------------------------------------------------------------------- */

/* Checks body's shape, builds the entry (signed with key if not NULL); takes body's reference. */
static veche_err finish(char **out, size_t *len, const char *type, json_t *body,
                        const veche_key *key, veche_diag *d)
{
    veche_err e;
    *out = NULL;
    if (body == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory (or a NULL string)");
    e = veche_council_check_body(type, body, d);
    if (e == VECHE_OK)
        e = veche_entry_build(out, len, type, body, key ? key->sk : NULL, d);
    json_decref(body);
    return e;
}

/* Sets name to a new JSON value, keeping track of a failure in *ok. */
static void set(json_t *o, const char *name, json_t *v, int *ok)
{
    if (v == NULL || json_object_set_new(o, name, v) != 0)
        *ok = 0;
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : NULL;
}

static json_t *jidx(uint64_t i)
{
    return i <= (uint64_t)COUNCIL_MAX_JSON ? json_integer((json_int_t)i) : NULL;
}

/* A body with "council", or NULL. */
static json_t *new_body(const char *council, int *ok)
{
    json_t *b = json_object();
    *ok = b != NULL;
    if (b)
        set(b, "council", jstr(council), ok);
    return b;
}

static json_t *ok_or_null(json_t *body, int ok)
{
    if (!ok) {
        json_decref(body);
        return NULL;
    }
    return body;
}

static veche_err need_key(const veche_key *k, veche_diag *d)
{
    return k ? VECHE_OK : veche_diag_set(d, VECHE_EINVALID, "a signing key is needed");
}

/*
 * The opening every signed builder shares: no entry yet, a key to sign
 * with, and a body holding "council" (*ok tracks its allocations, as set()
 * does). Nothing is allocated when the key is missing.
 */
static veche_err signed_body(json_t **b, int *ok, char **out, const char *council,
                             const veche_key *key, veche_diag *d)
{
    veche_err e;

    *out = NULL;
    *b = NULL;
    if ((e = need_key(key, d)) != VECHE_OK)
        return e;
    *b = new_body(council, ok);
    return VECHE_OK;
}

veche_err veche_council_params_parse(veche_council_params *p, const json_t *body, veche_diag *d)
{
    const json_t *tr = json_object_get(body, "trustees"), *rc = json_object_get(body, "recall");
    veche_err e;

    memset(p, 0, sizeof *p);
    if ((e = veche_council_check_body(VECHE_CTYPE_CREATE, body, d)) != VECHE_OK)
        return e;
    p->id = str(body, "council");
    p->name = str(body, "name");
    p->seats = (uint32_t)json_integer_value(json_object_get(body, "seats"));
    p->term = json_integer_value(json_object_get(body, "term"));
    p->recall_majority = (uint32_t)json_integer_value(json_object_get(rc, "majority"));
    p->recall_threshold = (uint32_t)json_integer_value(json_object_get(rc, "threshold"));
    veche_b64_get(p->roll_keeper, 32, json_object_get(body, "roll_keeper"), "", NULL);
    veche_b64_get(p->credential_authority, 32, json_object_get(body, "credential_authority"),
                  "", NULL);
    p->ntrustees = json_array_size(tr);
    for (size_t i = 0; i < p->ntrustees; i++) {
        const json_t *t = json_array_get(tr, i);
        p->trustee_name[i] = str(t, "name");
        veche_b64_get(p->trustee_key[i], 32, json_object_get(t, "key"), "", NULL);
    }
    p->threshold = (uint32_t)json_integer_value(json_object_get(body, "threshold"));
    p->exclusion_vote = json_is_true(json_object_get(body, "exclusion_vote"));
    return VECHE_OK;
}

veche_err veche_council_create_entry(char **out, size_t *len, const veche_council_params *p,
                                     const veche_key *admin, veche_diag *d)
{
    int ok;
    json_t *b, *tr, *rc;
    veche_err e = signed_body(&b, &ok, out, p->id, admin, d);

    if (e != VECHE_OK)
        return e;
    tr = json_array();
    rc = json_object();
    set(b, "name", jstr(p->name), &ok);
    set(b, "seats", json_integer(p->seats), &ok);
    set(b, "term", json_integer(p->term), &ok);
    if (rc != NULL) {
        set(rc, "majority", json_integer(p->recall_majority), &ok);
        set(rc, "threshold", json_integer(p->recall_threshold), &ok);
    }
    set(b, "recall", rc, &ok);
    set(b, "roll_keeper", veche_b64_json(p->roll_keeper, 32), &ok);
    set(b, "credential_authority", veche_b64_json(p->credential_authority, 32), &ok);
    for (size_t i = 0; tr != NULL && i < p->ntrustees && i < VECHE_MAX_TRUSTEES; i++) {
        json_t *t = json_object();
        if (t != NULL) {
            set(t, "key", veche_b64_json(p->trustee_key[i], 32), &ok);
            set(t, "name", jstr(p->trustee_name[i]), &ok);
        }
        if (t == NULL || json_array_append_new(tr, t) != 0)
            ok = 0;
    }
    set(b, "trustees", tr, &ok);
    set(b, "threshold", json_integer(p->threshold), &ok);
    set(b, "exclusion_vote", json_boolean(p->exclusion_vote), &ok);
    return finish(out, len, VECHE_CTYPE_CREATE, ok_or_null(b, ok), admin, d);
}

veche_err veche_council_roll_entry(char **out, size_t *len, const char *council,
                                   veche_roll_action action, const char *member,
                                   const uint8_t commitment[32], const char *reason,
                                   const char *election, const veche_key *keeper, veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, keeper, d);

    if (e != VECHE_OK)
        return e;
    set(b, "action", jstr(veche_roll_action_name(action)), &ok);
    set(b, "member", jstr(member), &ok);
    set(b, "reason", jstr(reason ? reason : ""), &ok);
    if (commitment != NULL)
        set(b, "commitment", veche_b64_json(commitment, 32), &ok);
    if (election != NULL)
        set(b, "election", jstr(election), &ok);
    return finish(out, len, VECHE_CTYPE_ROLL, ok_or_null(b, ok), keeper, d);
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* A JSON array of the keys, sorted; NULL on a duplicate (*dup set) or out of memory. */
static json_t *key_array(const uint8_t (*keys)[32], size_t n, int *dup)
{
    uint8_t (*s)[32] = n ? malloc(n * 32) : NULL;
    json_t *a = json_array();

    *dup = 0;
    if (a == NULL || (n > 0 && s == NULL)) {
        free(s);
        json_decref(a);
        return NULL;
    }
    if (n > 0) {
        memcpy(s, keys, n * 32);
        qsort(s, n, 32, cmp_key);
    }
    for (size_t i = 0; i < n && a != NULL; i++) {
        if (i > 0 && memcmp(s[i - 1], s[i], 32) == 0)
            *dup = 1;
        if (*dup || json_array_append_new(a, veche_b64_json(s[i], 32)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    free(s);
    return a;
}

veche_err veche_council_credentials_entry(char **out, size_t *len, const char *council,
                                          const uint64_t *roll, size_t nroll,
                                          const uint8_t (*add)[32], size_t nadd,
                                          const uint8_t (*remove)[32], size_t nremove,
                                          const veche_key *authority, veche_diag *d)
{
    int ok, dup1 = 0, dup2 = 0;
    json_t *b, *r, *ka, *kr;
    veche_err e = signed_body(&b, &ok, out, council, authority, d);

    if (e != VECHE_OK)
        return e;
    if (nadd > VECHE_COUNCIL_CRED_MAX || nremove > VECHE_COUNCIL_CRED_MAX) {
        json_decref(b);
        return veche_diag_set(d, VECHE_ERANGE, "credentials: at most %d keys added and %d "
                              "removed per entry", VECHE_COUNCIL_CRED_MAX, VECHE_COUNCIL_CRED_MAX);
    }
    r = json_array();
    ka = key_array(add, nadd, &dup1);
    kr = key_array(remove, nremove, &dup2);
    for (size_t i = 0; r != NULL && i < nroll; i++)
        if (json_array_append_new(r, jidx(roll[i])) != 0)
            ok = 0;
    set(b, "roll", r, &ok);
    set(b, "add", ka, &ok);
    set(b, "remove", kr, &ok);
    if (dup1 || dup2) {
        json_decref(b);
        return veche_diag_set(d, VECHE_EINVALID, "credentials: a key is listed twice in %s",
                              dup1 ? "add" : "remove");
    }
    return finish(out, len, VECHE_CTYPE_CREDENTIALS, ok_or_null(b, ok), authority, d);
}

veche_err veche_council_election_entry(char **out, size_t *len, const char *council,
                                       const char *election, veche_purpose purpose,
                                       uint64_t mandate, uint64_t petition, const char *member,
                                       const veche_key *admin, veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, admin, d);

    if (e != VECHE_OK)
        return e;
    set(b, "election", jstr(election), &ok);
    set(b, "purpose", jstr(veche_purpose_name(purpose)), &ok);
    if (mandate != VECHE_COUNCIL_NO_INDEX)
        set(b, "mandate", jidx(mandate), &ok);
    if (petition != VECHE_COUNCIL_NO_INDEX)
        set(b, "petition", jidx(petition), &ok);
    if (member != NULL)
        set(b, "member", jstr(member), &ok);
    return finish(out, len, VECHE_CTYPE_ELECTION, ok_or_null(b, ok), admin, d);
}

veche_err veche_council_mandate_entry(char **out, size_t *len, const char *council,
                                      const char *election, const char *delegate, int64_t start,
                                      int64_t end, const veche_key *admin, veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, admin, d);

    if (e != VECHE_OK)
        return e;
    set(b, "election", jstr(election), &ok);
    set(b, "delegate", jstr(delegate), &ok);
    set(b, "start", json_integer(start), &ok);
    set(b, "end", json_integer(end), &ok);
    return finish(out, len, VECHE_CTYPE_MANDATE, ok_or_null(b, ok), admin, d);
}

veche_err veche_council_mandate_end_entry(char **out, size_t *len, const char *council,
                                          uint64_t mandate, const char *reason,
                                          const char *election, const char *statement,
                                          const veche_key *admin, veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, admin, d);

    if (e != VECHE_OK)
        return e;
    set(b, "mandate", jidx(mandate), &ok);
    set(b, "reason", jstr(reason), &ok);
    set(b, "statement", jstr(statement ? statement : ""), &ok);
    if (election != NULL)
        set(b, "election", jstr(election), &ok);
    return finish(out, len, VECHE_CTYPE_MANDATE_END, ok_or_null(b, ok), admin, d);
}

/* Signs the body inside with x, then checks and builds the unsigned entry. */
static veche_err finish_credential(char **out, size_t *len, const char *type, json_t *body,
                                   const veche_scalar *x, const uint8_t X[32],
                                   const uint8_t fp[32], veche_rng *rng, veche_diag *d)
{
    veche_err e;
    *out = NULL;
    if (body == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory (or a NULL string)");
    if (x == NULL || X == NULL || fp == NULL) {
        json_decref(body);
        return veche_diag_set(d, VECHE_EINVALID, "a credential and the council fingerprint "
                              "are needed");
    }
    if ((e = sign_body(body, x, X, fp, rng, d)) != VECHE_OK) {
        json_decref(body);
        return e;
    }
    return finish(out, len, type, body, NULL, d);
}

veche_err veche_council_petition_entry(char **out, size_t *len, const char *council,
                                       uint64_t mandate, const char *text,
                                       const veche_scalar *x, const uint8_t X[32],
                                       const uint8_t fp[32], veche_rng *rng, veche_diag *d)
{
    int ok;
    json_t *b = new_body(council, &ok);
    set(b, "kind", jstr("recall"), &ok);
    set(b, "mandate", jidx(mandate), &ok);
    set(b, "text", jstr(text), &ok);
    return finish_credential(out, len, VECHE_CTYPE_PETITION, ok_or_null(b, ok), x, X, fp, rng, d);
}

veche_err veche_council_signature_entry(char **out, size_t *len, const char *council,
                                        uint64_t petition, const veche_scalar *x,
                                        const uint8_t X[32], const uint8_t fp[32],
                                        veche_rng *rng, veche_diag *d)
{
    int ok;
    json_t *b = new_body(council, &ok);
    set(b, "petition", jidx(petition), &ok);
    return finish_credential(out, len, VECHE_CTYPE_SIGNATURE, ok_or_null(b, ok), x, X, fp, rng,
                             d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

veche_err veche_council_grouping_entry(char **out, size_t *len, const char *council,
                                       const char *grouping, const char *name,
                                       const char *const *members, size_t nmembers,
                                       const veche_key *gkey, veche_diag *d)
{
    int ok;
    json_t *b, *m = json_array();
    const char **s = nmembers ? malloc(nmembers * sizeof *s) : NULL;
    veche_err e;

    *out = NULL;
    if ((e = need_key(gkey, d)) != VECHE_OK || m == NULL || (nmembers && s == NULL)) {
        json_decref(m);
        free(s);
        return e ? e : veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    }
    if (nmembers > 0) {
        memcpy(s, members, nmembers * sizeof *s);
        for (size_t i = 0; i < nmembers; i++)
            if (s[i] == NULL)
                s[i] = "";   /* refused by the shape check, with its position */
        qsort(s, nmembers, sizeof *s, cmp_str);
    }
    b = new_body(council, &ok);
    for (size_t i = 0; i < nmembers; i++)
        if (json_array_append_new(m, json_string(s[i])) != 0)
            ok = 0;
    free(s);
    set(b, "grouping", jstr(grouping), &ok);
    set(b, "name", jstr(name), &ok);
    set(b, "members", m, &ok);
    return finish(out, len, VECHE_CTYPE_GROUPING, ok_or_null(b, ok), gkey, d);
}

veche_err veche_council_body_meta(veche_publication_meta *m, const uint8_t *body, size_t len,
                                  veche_diag *d)
{
    if (body == NULL || len == 0 || len > VECHE_COUNCIL_BODY_MAX)
        return veche_diag_set(d, VECHE_ERANGE, "publication: the body must be 1..%d bytes",
                              VECHE_COUNCIL_BODY_MAX);
    if (memchr(body, 0, len) != NULL)
        return veche_diag_set(d, VECHE_EENCODING, "publication: the body holds a NUL byte");
    if (!council_utf8(body, len))
        return veche_diag_set(d, VECHE_EENCODING, "publication: the body is not UTF-8");
    crypto_hash_sha256(m->hash, body, len);
    m->length = len;
    return VECHE_OK;
}

/* The publication body without the signer's members. */
static json_t *publication_body(const veche_publication_meta *m, int *ok)
{
    json_t *b = new_body(m->council, ok);
    if (m->grouping != NULL)
        set(b, "grouping", jstr(m->grouping), ok);
    set(b, "kind", jstr(veche_pub_kind_name(m->kind)), ok);
    set(b, "title", jstr(m->title), ok);
    set(b, "hash", veche_b64_json(m->hash, 32), ok);
    set(b, "length", jidx(m->length), ok);
    if (m->reply_to != VECHE_COUNCIL_NO_INDEX)
        set(b, "reply_to", jidx(m->reply_to), ok);
    if (m->election != NULL)
        set(b, "election", jstr(m->election), ok);
    if (m->option != NULL)
        set(b, "option", jstr(m->option), ok);
    return ok_or_null(b, *ok);
}

veche_err veche_council_publication_grouping(char **out, size_t *len,
                                             const veche_publication_meta *m,
                                             const veche_key *gkey, veche_diag *d)
{
    int ok;
    veche_err e;
    *out = NULL;
    if ((e = need_key(gkey, d)) != VECHE_OK)
        return e;
    if (m->grouping == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "publication: a grouping's needs its id");
    return finish(out, len, VECHE_CTYPE_PUBLICATION, publication_body(m, &ok), gkey, d);
}

veche_err veche_council_publication_member(char **out, size_t *len,
                                           const veche_publication_meta *m,
                                           const veche_scalar *x, const uint8_t X[32],
                                           const uint8_t fp[32], veche_rng *rng, veche_diag *d)
{
    int ok;
    *out = NULL;
    if (m->grouping != NULL)
        return veche_diag_set(d, VECHE_EINVALID, "publication: a member's has no grouping");
    return finish_credential(out, len, VECHE_CTYPE_PUBLICATION, publication_body(m, &ok), x, X,
                             fp, rng, d);
}

veche_err veche_council_tombstone_entry(char **out, size_t *len, const char *council,
                                        uint64_t publication, const char *reason,
                                        const veche_key *admin, veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, admin, d);

    if (e != VECHE_OK)
        return e;
    set(b, "publication", jidx(publication), &ok);
    set(b, "reason", jstr(reason), &ok);
    return finish(out, len, VECHE_CTYPE_TOMBSTONE, ok_or_null(b, ok), admin, d);
}

veche_err veche_council_delegation_entry(char **out, size_t *len, const char *council,
                                         const char *delegation, const char *to,
                                         const char *const *delegates, size_t ndelegates,
                                         const char *mandate, const veche_key *admin,
                                         veche_diag *d)
{
    int ok;
    json_t *b, *a;
    veche_err e = signed_body(&b, &ok, out, council, admin, d);

    if (e != VECHE_OK)
        return e;
    a = json_array();
    for (size_t i = 0; a != NULL && i < ndelegates; i++)
        if (json_array_append_new(a, jstr(delegates[i])) != 0)
            ok = 0;
    set(b, "delegation", jstr(delegation), &ok);
    set(b, "to", jstr(to), &ok);
    set(b, "delegates", a, &ok);
    set(b, "mandate", jstr(mandate), &ok);
    return finish(out, len, VECHE_CTYPE_DELEGATION, ok_or_null(b, ok), admin, d);
}

veche_err veche_council_delegation_end_entry(char **out, size_t *len, const char *council,
                                             const char *delegation, const char *reason,
                                             const char *statement, const veche_key *admin,
                                             veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, admin, d);

    if (e != VECHE_OK)
        return e;
    set(b, "delegation", jstr(delegation), &ok);
    set(b, "reason", jstr(reason), &ok);
    set(b, "statement", jstr(statement ? statement : ""), &ok);
    return finish(out, len, VECHE_CTYPE_DELEGATION_END, ok_or_null(b, ok), admin, d);
}

veche_err veche_council_appeal_entry(char **out, size_t *len, const char *council,
                                     const char *member, uint64_t exclusion,
                                     const uint8_t salt[32], const char *name, const char *text,
                                     const veche_key *key, veche_diag *d)
{
    int ok;
    json_t *b;
    veche_err e = signed_body(&b, &ok, out, council, key, d);

    if (e != VECHE_OK)
        return e;
    if (salt == NULL) {
        json_decref(b);
        return veche_diag_set(d, VECHE_EINVALID, "appeal: the salt is needed");
    }
    set(b, "member", jstr(member), &ok);
    set(b, "exclusion", jidx(exclusion), &ok);
    set(b, "salt", veche_b64_json(salt, 32), &ok);
    set(b, "name", jstr(name), &ok);
    set(b, "text", jstr(text), &ok);
    return finish(out, len, VECHE_CTYPE_APPEAL, ok_or_null(b, ok), key, d);
}

/* ---- small shared helpers ------------------------------------------------------------------------ */

int council_utf8(const uint8_t *s, size_t len)
{
    json_t *probe = json_stringn((const char *)s, len);   /* jansson validates UTF-8 */
    int ok = probe != NULL;
    json_decref(probe);
    return ok;
}

const char **council_strings(const json_t *arr, size_t *n)
{
    const char **v;
    *n = json_array_size(arr);
    if (*n == 0 || (v = malloc(*n * sizeof *v)) == NULL) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++)
        v[i] = json_string_value(json_array_get(arr, i));
    return v;
}
