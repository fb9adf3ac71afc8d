/*
 * api_council.c — the councils' routes of `veche serve` (docs/API.md,
 * "Councils"): reading a council's state, the administrator's steps, and
 * the members' and groupings' door for entries they sign themselves.
 *
 * The server holds three council roles: the administrator A (its admin
 * key), the credential authority C (its authority key) and the roll keeper
 * R (DB.keys/roll.key). Every step builds its entries with the council
 * library's builders and hands them to the writer as one batch; the writer
 * judges them against the state as it is right then (veche_council_judge:
 * the record with the batch added at its end, the loader's rules), so two
 * racing requests can never both pass a rule that only one may. Entries
 * that name their own index (a council.credentials entry accounts for the
 * roll entry just before it) are built in the writer, once that index is
 * known.
 *
 * The members' door takes entries signed by a member's standing credential
 * (petitions, signatures, member publications) or by a grouping's key, and
 * refuses what would not count: 403 for a key that is not entitled, 409 for
 * a second signature by one credential, 422 for anything else. A
 * publication's body is written to DB.bodies/ (fsync) before its entry is
 * appended. When a signature makes a petition succeed, the server creates
 * the recall election at once: manifest, council.election link and the
 * election's credentials from the standing list, in one batch.
 *
 * Secrets: a joining member's code and salt are in the answer only (its
 * body is wiped when freed) and every other copy is wiped here.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "board/entry.h"
#include "board/merkle.h"
#include "council/council.h"
#include "election/admin.h"
#include "server/internal.h"

#define KIB              ((size_t)1024)
#define ADMIN_MAX_BODY   (64 * KIB)
#define DOOR_MAX_BODY    ((size_t)VECHE_ENTRY_MAX_BYTES + 512 * KIB)
#define RECALL_SECONDS   (7 * 86400)
#define NO_INDEX         VECHE_COUNCIL_NO_INDEX
#define B64_32           sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)

/* ---- small helpers --------------------------------------------------------------------- */

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static json_t *index_or_null(uint64_t i)
{
    return i == NO_INDEX ? json_null() : json_integer((json_int_t)i);
}

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static int oom(srv_resp *resp)
{
    return srv_error(resp, 500, "internal", NULL, "out of memory");
}

/* The council by reference, or a 404 (500 for a load that failed) in resp. */
static const veche_council *council_get(srv_state *st, const char *id, srv_resp *resp)
{
    veche_diag d = {{0}};
    veche_err e;
    const veche_council *c = srv_council_acquire(st, id, &e, &d);
    if (c != NULL)
        return c;
    if (e == VECHE_ENOTFOUND || e == VECHE_EINVALID)
        srv_error(resp, 404, "not_found", NULL, "no council \"%.64s\" on this board", id);
    else
        srv_error(resp, 500, "internal", NULL, "loading council \"%.64s\": %s", id, d.msg);
    return NULL;
}

/* Member k of o as a string of min..max bytes; absent is NULL when !required. -1 and 400. */
static int get_str(const json_t *o, const char *k, size_t min, size_t max, int required,
                   const char **out, srv_resp *resp)
{
    const json_t *v = json_object_get(o, k);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (!required)
            return 0;
        return srv_error(resp, 400, "bad_request", k, "\"%s\" is required", k), -1;
    }
    if (!json_is_string(v) || json_string_length(v) < min || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return srv_error(resp, 400, "bad_request", k, "\"%s\" must be a string of %zu to %zu "
                         "bytes", k, min, max), -1;
    *out = json_string_value(v);
    return 0;
}

/* Member k as an id (1..64 of a-z 0-9 -). */
static int get_id(const json_t *o, const char *k, int required, const char **out,
                  srv_resp *resp)
{
    if (get_str(o, k, 0, VECHE_COUNCIL_ID_MAX, required, out, resp) != 0)
        return -1;
    if (*out != NULL && !veche_council_id_valid(*out, strlen(*out)))
        return srv_error(resp, 400, "bad_request", k, "\"%s\" must be 1 to 64 of a-z, 0-9 and "
                         "-", k), -1;
    return 0;
}

/* Member k as an integer in [min, max]; absent leaves *out when !required. */
static int get_int(const json_t *o, const char *k, json_int_t min, json_int_t max, int required,
                   json_int_t *out, srv_resp *resp)
{
    const json_t *v = json_object_get(o, k);
    if (v == NULL || json_is_null(v)) {
        if (!required)
            return 0;
        return srv_error(resp, 400, "bad_request", k, "\"%s\" is required", k), -1;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return srv_error(resp, 400, "bad_request", k, "\"%s\" must be an integer from %lld to "
                         "%lld", k, (long long)min, (long long)max), -1;
    *out = json_integer_value(v);
    return 0;
}

static int get_index(const json_t *o, const char *k, int required, uint64_t *out,
                     srv_resp *resp)
{
    json_int_t v = -1;
    if (get_int(o, k, 0, (json_int_t)1 << 53, required, &v, resp) != 0)
        return -1;
    *out = v < 0 ? NO_INDEX : (uint64_t)v;
    return 0;
}

/* The strings of array member k (1..max of 1..each bytes), borrowed; *n = count. */
static int get_strings(const json_t *o, const char *k, size_t max, size_t each,
                       const char ***out, size_t *n, srv_resp *resp)
{
    const json_t *a = json_object_get(o, k), *v;
    size_t i;
    *out = NULL;
    *n = 0;
    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > max)
        return srv_error(resp, 400, "bad_request", k, "\"%s\" must be an array of 1 to %zu "
                         "strings", k, max), -1;
    if ((*out = calloc(json_array_size(a), sizeof **out)) == NULL)
        return oom(resp), -1;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v) || json_string_length(v) < 1 || json_string_length(v) > each ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            free(*out);
            *out = NULL;
            return srv_error(resp, 400, "bad_request", k, "\"%s\"[%zu] must be a string of 1 "
                             "to %zu bytes", k, i, each), -1;
        }
        (*out)[i] = json_string_value(v);
    }
    *n = json_array_size(a);
    return 0;
}

static void b64_of(char out[B64_32], const uint8_t in[32])
{
    sodium_bin2base64(out, B64_32, in, 32, sodium_base64_VARIANT_ORIGINAL);
}

/* {"index","tracking_code"} of an entry appended at index. */
static json_t *tracked(uint64_t index, const uint8_t *bytes, size_t len)
{
    veche_hash leaf;
    char code[B64_32];
    veche_merkle_leaf_hash(leaf, bytes, len);
    b64_of(code, leaf);
    return json_pack("{s:I, s:s}", "index", (json_int_t)index, "tracking_code", code);
}

/* ---- the council as JSON ------------------------------------------------------------------ */

static json_t *trustees_json(const veche_council_params *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < p->ntrustees; i++)
        json_array_append_new(a, json_pack("{s:s, s:o}", "name", p->trustee_name[i], "key",
                                           veche_b64_json(p->trustee_key[i], 32)));
    return a;
}

static json_t *roll_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->nroll; i++) {
        const veche_council_roll_item *r = &c->roll[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:b}",
                                           "index", (json_int_t)r->index,
                                           "action", veche_roll_action_name(r->action),
                                           "member", r->member,
                                           "count", (json_int_t)r->members_after,
                                           "reason", r->reason ? r->reason : "",
                                           "election", str_or_null(r->election),
                                           "pending", r->credentials == NO_INDEX));
    }
    return a;
}

static json_t *mandates_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->nmandates; i++) {
        const veche_council_mandate *m = &c->mandates[i];
        json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:s}", "index", (json_int_t)m->index,
                              "election", m->election, "delegate", m->delegate,
                              "start", (json_int_t)m->start, "end", (json_int_t)m->end,
                              "status", veche_council_mandate_status(c, m));
        json_object_set_new(o, "end_reason", str_or_null(m->end_reason));
        json_object_set_new(o, "end_index", index_or_null(m->end_index));
        json_object_set_new(o, "end_statement", str_or_null(m->end_statement));
        json_object_set_new(o, "end_election", str_or_null(m->end_election));
        json_object_set_new(o, "vacated", index_or_null(m->vacated));
        json_array_append_new(a, o);
    }
    return a;
}

/* Contest 0's published result, {"options","counts"}, or null. */
static json_t *result_json(const veche_council_election *e)
{
    json_t *opts, *counts;
    if (e->counts == NULL)
        return json_null();
    opts = json_array();
    counts = json_array();
    for (size_t i = 0; i < e->noptions; i++) {
        json_array_append_new(opts, json_string(e->options[i]));
        json_array_append_new(counts, json_integer((json_int_t)e->counts[i]));
    }
    return json_pack("{s:o, s:o}", "options", opts, "counts", counts);
}

/* The stage as the election routes say it (docs/API.md), else the library's word. */
static const char *stage_of(srv_state *st, const veche_council_election *e, char buf[16])
{
    srv_election *h = srv_election_acquire(st, e->election);
    if (h == NULL)
        return veche_stage_name(e->stage);
    snprintf(buf, 16, "%s", srv_election_stage(h->el));
    srv_election_release(st, h);
    return buf;
}

static json_t *elections_json(srv_state *st, const veche_council *c)
{
    json_t *a = json_array();
    char buf[16];
    for (size_t i = 0; a != NULL && i < c->nelections; i++) {
        const veche_council_election *e = &c->elections[i];
        json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "election", e->election, "purpose",
                              veche_purpose_name(e->purpose), "index",
                              (json_int_t)e->link_index, "stage", stage_of(st, e, buf));
        json_object_set_new(o, "mandate", index_or_null(e->mandate));
        json_object_set_new(o, "petition", index_or_null(e->petition));
        json_object_set_new(o, "member", str_or_null(e->member));
        json_object_set_new(o, "voters", json_integer((json_int_t)e->nstanding));
        json_object_set_new(o, "result", result_json(e));
        json_array_append_new(a, o);
    }
    return a;
}

/* The election whose link is at index, or NULL. */
static const veche_council_election *election_at(const veche_council *c, uint64_t index)
{
    for (size_t i = 0; i < c->nelections; i++)
        if (c->elections[i].link_index == index)
            return &c->elections[i];
    return NULL;
}

static json_t *petitions_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->npetitions; i++) {
        const veche_council_petition *p = &c->petitions[i];
        const veche_council_mandate *m = veche_council_mandate_at(c, p->mandate);
        const veche_council_election *e = election_at(c, p->recall_election_link);
        json_t *o = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I}",
                              "index", (json_int_t)p->index, "mandate", (json_int_t)p->mandate,
                              "text", p->text, "members_at_open", (json_int_t)p->members_at_open,
                              "threshold_count", (json_int_t)p->threshold_count,
                              "count", (json_int_t)p->nvalid,
                              "duplicates", (json_int_t)p->nduplicate,
                              "invalid", (json_int_t)p->ninvalid);
        json_object_set_new(o, "delegate", str_or_null(m ? m->delegate : NULL));
        json_object_set_new(o, "succeeded_at", index_or_null(p->succeeded_at));
        json_object_set_new(o, "recall_election", str_or_null(e ? e->election : NULL));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *names_json(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *groupings_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->ngroupings; i++) {
        const veche_council_grouping *g = &c->groupings[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I}",
                                           "id", g->id, "name", g->name,
                                           "key", veche_b64_json(g->key, 32),
                                           "members", names_json(g->members, g->nmembers),
                                           "index", (json_int_t)g->first_index,
                                           "last_index", (json_int_t)g->last_index,
                                           "impostors", (json_int_t)g->nimpostors));
    }
    return a;
}

/* Who a publication is by, as shown: the grouping's name only if it truly is the grouping's. */
static const char *author_of(const veche_council *c, const veche_council_publication *p)
{
    const veche_council_grouping *g;
    if (p->grouping == NULL)
        return "member";
    if (p->counted && !p->impostor && (g = veche_council_grouping_find(c, p->grouping)) != NULL)
        return g->name;
    return "unverified";
}

static json_t *publications_json(const veche_council *c)
{
    json_t *a = json_array();
    char hex[65];
    for (size_t k = c->npublications; a != NULL && k-- > 0;) {   /* newest first */
        const veche_council_publication *p = &c->publications[k];
        json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:s, s:I, s:b, s:b}",
                              "index", (json_int_t)p->index, "author", author_of(c, p),
                              "key", veche_b64_json(p->author, 32),
                              "kind", veche_pub_kind_name(p->kind), "title", p->title,
                              "length", (json_int_t)p->length, "impostor", p->impostor,
                              "counted", p->counted);
        veche_council_body_name(hex, p->hash);
        json_object_set_new(o, "hash", json_string(hex));
        json_object_set_new(o, "grouping", str_or_null(p->grouping));
        json_object_set_new(o, "reply_to", index_or_null(p->reply_to));
        json_object_set_new(o, "election", str_or_null(p->election));
        json_object_set_new(o, "option", str_or_null(p->option));
        json_object_set_new(o, "tombstone", p->tombstoned
            ? json_pack("{s:I, s:s}", "index", (json_int_t)p->tombstone_index, "reason",
                        p->tombstone_reason ? p->tombstone_reason : "")
            : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *delegations_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->ndelegations; i++) {
        const veche_council_delegation *g = &c->delegations[i];
        json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:I}", "delegation", g->id, "to", g->to,
                              "delegates", names_json(g->delegates, g->ndelegates),
                              "mandate", g->mandate, "index", (json_int_t)g->index);
        json_object_set_new(o, "ended", g->end_index == NO_INDEX ? json_null()
            : json_pack("{s:s, s:s, s:I}", "reason", g->end_reason ? g->end_reason : "",
                        "statement", g->end_statement ? g->end_statement : "",
                        "index", (json_int_t)g->end_index));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *appeals_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->nappeals; i++) {
        const veche_council_appeal *p = &c->appeals[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:I, s:b, s:s}",
                                           "index", (json_int_t)p->index, "member", p->member,
                                           "exclusion", (json_int_t)p->exclusion,
                                           "proven", p->proven, "text", p->text));
    }
    return a;
}

static const char *due_kind_name(veche_due_kind k)
{
    switch (k) {
    case VECHE_DUE_FIRST_ELECTION: return "first-election";
    case VECHE_DUE_RECALL:         return "recall-election";
    case VECHE_DUE_MANDATE_END:    return "mandate-end";
    case VECHE_DUE_REELECTION:     return "re-election";
    case VECHE_DUE_BY_ELECTION:    return "by-election";
    case VECHE_DUE_CREDENTIALS:    return "credentials";
    }
    return "";
}

static json_t *due_json(const veche_council *c)
{
    veche_council_due *due = NULL;
    size_t n = 0;
    json_t *a = json_array();
    if (veche_council_due_list(&due, &n, c) != VECHE_OK)
        return a;
    for (size_t i = 0; a != NULL && i < n; i++) {
        json_t *o = json_pack("{s:s, s:s}", "kind", due_kind_name(due[i].kind), "detail",
                              due[i].what);
        json_object_set_new(o, "mandate", index_or_null(due[i].mandate));
        json_object_set_new(o, "petition", index_or_null(due[i].petition));
        json_object_set_new(o, "election", str_or_null(due[i].election));
        json_array_append_new(a, o);
    }
    free(due);
    return a;
}

static json_t *problems_json(const veche_council *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < c->nproblems; i++) {
        const veche_council_problem *p = &c->problems[i];
        json_t *o = json_pack("{s:I, s:b, s:s}", "check", (json_int_t)p->check, "fatal",
                              p->fatal, "message", p->msg);
        json_object_set_new(o, "index", index_or_null(p->index));
        json_array_append_new(a, o);
    }
    return a;
}

static size_t delegates_active(const veche_council *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nmandates; i++)
        if (strcmp(veche_council_mandate_status(c, &c->mandates[i]), "active") == 0)
            n++;
    return n;
}

/*
 * The load with the clock of now: statuses and due actions are derived from
 * c->now, and a cached load may be some seconds old (a shallow copy: the
 * loaded data is shared, read-only).
 */
static veche_council at_now(const veche_council *c)
{
    veche_council v = *c;
    v.now = now_s();
    return v;
}

/* COUNCIL (docs/API.md). */
static json_t *council_json(srv_state *st, const veche_council *c0)
{
    veche_council v = at_now(c0);
    const veche_council *c = &v;
    const veche_council_params *p = &c->params;
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:{s:I, s:I}, s:b, s:o, s:I, s:o, s:I}",
                          "id", c->id, "name", p->name, "seats", (json_int_t)p->seats,
                          "term", (json_int_t)p->term, "recall", "threshold",
                          (json_int_t)p->recall_threshold, "majority",
                          (json_int_t)p->recall_majority, "exclusion_vote", p->exclusion_vote,
                          "trustees", trustees_json(p), "threshold", (json_int_t)p->threshold,
                          "fingerprint", veche_b64_json(c->council_fp, 32),
                          "create_index", (json_int_t)c->create_index);
    if (o == NULL)
        return NULL;
    json_object_set_new(o, "administrator", veche_b64_json(c->admin, 32));
    json_object_set_new(o, "roll_keeper", veche_b64_json(p->roll_keeper, 32));
    json_object_set_new(o, "credential_authority", veche_b64_json(p->credential_authority, 32));
    json_object_set_new(o, "members", json_integer((json_int_t)c->active));
    json_object_set_new(o, "pending", json_integer((json_int_t)(c->nroll - c->pending_from)));
    json_object_set_new(o, "standing", json_integer((json_int_t)c->nstanding));
    json_object_set_new(o, "roll_history", roll_json(c));
    json_object_set_new(o, "mandates", mandates_json(c));
    json_object_set_new(o, "delegates_active", json_integer((json_int_t)delegates_active(c)));
    json_object_set_new(o, "elections", elections_json(st, c));
    json_object_set_new(o, "petitions", petitions_json(c));
    json_object_set_new(o, "groupings", groupings_json(c));
    json_object_set_new(o, "publications", publications_json(c));
    json_object_set_new(o, "delegations", delegations_json(c));
    json_object_set_new(o, "appeals", appeals_json(c));
    json_object_set_new(o, "due", due_json(c));
    json_object_set_new(o, "problems", problems_json(c));
    return o;
}

/* 201/200 COUNCIL as it is now. */
static int answer_council(srv_state *st, const char *id, srv_resp *resp, unsigned status)
{
    const veche_council *c = council_get(st, id, resp);
    json_t *j;
    if (c == NULL)
        return 0;
    j = council_json(st, c);
    srv_council_release(st, c);
    return j ? srv_json(resp, status, j) : oom(resp);
}

/* ---- reading ---------------------------------------------------------------------------------- */

static int h_list(srv_req *r, srv_resp *resp)
{
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    size_t n = srv_council_ids(r->st, &ids);
    json_t *a = json_array();

    if (ids == NULL || a == NULL) {
        free(ids);
        json_decref(a);
        return oom(resp);
    }
    for (size_t i = 0; i < n; i++) {
        veche_diag d = {{0}};
        veche_err e;
        const veche_council *c0 = srv_council_acquire(r->st, ids[i], &e, &d);
        if (c0 == NULL)
            continue;    /* a council whose create is not counted (never made by this server) */
        veche_council v = at_now(c0);
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "id", v.id,
                                           "name", v.params.name,
                                           "seats", (json_int_t)v.params.seats,
                                           "members", (json_int_t)v.active,
                                           "delegates_active", (json_int_t)delegates_active(&v),
                                           "due", due_json(&v)));
        srv_council_release(r->st, c0);
    }
    free(ids);
    return srv_json(resp, 200, json_pack("{s:o}", "councils", a));
}

static int h_get(srv_req *r, srv_resp *resp)
{
    return answer_council(r->st, r->params[0], resp, 200);
}

/* {"create": the council.create entry's bytes, "standing": [b64 X, ...]} */
static int h_bundle(srv_req *r, srv_resp *resp)
{
    const veche_council *c = council_get(r->st, r->params[0], resp);
    veche_diag d = {{0}};
    uint8_t *bytes = NULL;
    size_t len = 0;
    veche_err e;
    json_t *standing, *create;

    if (c == NULL)
        return 0;
    pthread_mutex_lock(&r->st->board_lock);
    e = veche_board_get(r->st->board, c->create_index, &bytes, &len, &d);
    pthread_mutex_unlock(&r->st->board_lock);
    if (e != VECHE_OK) {
        srv_council_release(r->st, c);
        return srv_error(resp, 500, "internal", NULL, "reading the council.create entry: %s",
                         d.msg);
    }
    standing = json_array();
    for (size_t i = 0; standing != NULL && i < c->nstanding; i++)
        json_array_append_new(standing, veche_b64_json(c->standing[i], 32));
    srv_council_release(r->st, c);
    create = json_stringn((const char *)bytes, len);
    free(bytes);
    return srv_json(resp, 200, json_pack("{s:o, s:o}", "create", create, "standing", standing));
}

/*
 * Whether any council's counted publications name hash: 0 none, 1 one that
 * is not tombstoned, 2 only tombstoned ones. An impostor's or an uncounted
 * publication never makes a body public (its bytes were never judged).
 */
static int body_known(srv_state *st, const uint8_t hash[32])
{
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    size_t n = srv_council_ids(st, &ids);
    int live = 0, gone = 0;

    for (size_t i = 0; ids != NULL && i < n && !live; i++) {
        veche_diag d = {{0}};
        veche_err e;
        const veche_council *c = srv_council_acquire(st, ids[i], &e, &d);
        for (size_t k = 0; c != NULL && k < c->npublications; k++) {
            const veche_council_publication *p = &c->publications[k];
            if (!p->counted || p->impostor || memcmp(p->hash, hash, 32) != 0)
                continue;
            if (p->tombstoned)
                gone = 1;
            else
                live = 1;
        }
        srv_council_release(st, c);
    }
    free(ids);
    return live ? 1 : gone ? 2 : 0;
}

static int hex_hash(const char *hex, uint8_t hash[32])
{
    size_t got;
    if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
        return -1;
    return sodium_hex2bin(hash, 32, hex, 64, NULL, &got, NULL) == 0 && got == 32 ? 0 : -1;
}

/* GET /bodies/{hex}: a publication's body, served only while a publication on the record names it. */
static int h_body(srv_req *r, srv_resp *resp)
{
    veche_diag d = {{0}};
    uint8_t hash[32], *body = NULL;
    size_t len = 0;
    const char *dir;
    int known;

    if (hex_hash(r->params[0], hash) != 0)
        return srv_error(resp, 404, "not_found", NULL, "a body is named by the 64 lower-case "
                         "hex digits of its SHA-256");
    if ((known = body_known(r->st, hash)) == 0)
        return srv_error(resp, 404, "not_found", NULL, "no publication on this board has this "
                         "body");
    if (known == 2)
        return srv_error(resp, 410, "tombstoned", NULL, "this body was removed under a "
                         "tombstone; the publication's entry and the reason stay on the record");
    if ((dir = srv_council_bodies_dir(r->st, &d)) == NULL ||
        veche_council_body_read(&body, &len, dir, hash, &d) != VECHE_OK)
        return srv_error(resp, 404, "not_found", NULL, "the body is not kept here: %s", d.msg);
    srv_text(resp, 200, "text/markdown; charset=utf-8", (const char *)body, len);
    /* The bytes for a hash never change but whether they are served does (a
       tombstone): caches revalidate, the hash is the tag. */
    snprintf(resp->etag, sizeof resp->etag, "\"%s\"", r->params[0]);
    free(body);
    return 0;
}

/* ---- appending: a batch judged by the writer ------------------------------------------------- */

typedef struct cjob cjob;
typedef int (*cjob_fn)(cjob *j, srv_resp *resp);

/*
 * A batch of council entries on its way to the writer. build (if set)
 * makes the entries in the writer, once the index of the first (j->first)
 * is known; extra (if set) checks more of the current state there; then
 * the writer judges the batch (veche_council_judge) and runs before (if
 * set: the last step, e.g. the standing map's line). A judge's refusal is
 * answered by refused (default 409 conflict).
 */
struct cjob {
    srv_state      *st;
    const char     *council;
    char          **ent;
    size_t         *len;
    size_t          n, cap;
    srv_entry_info *info;
    uint64_t        first;
    cjob_fn         build, extra, before;
    void          (*after)(cjob *j);   /* in the writer, once the batch is on the record */
    int           (*refused)(cjob *j, srv_resp *resp, const char *msg);
    void           *ctx;
};

static void job_free(cjob *j)
{
    for (size_t i = 0; i < j->n; i++)
        free(j->ent[i]);
    free(j->ent);
    free(j->len);
    free(j->info);
    j->ent = NULL;
    j->len = NULL;
    j->info = NULL;
    j->n = j->cap = 0;
}

/* Adds an entry (taken: freed with the job); -1 out of memory (the entry is freed). */
static int job_add(cjob *j, char *entry, size_t len)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 8;
        char **e = realloc(j->ent, cap * sizeof *e);
        size_t *l = e ? realloc(j->len, cap * sizeof *l) : NULL;
        if (e != NULL)
            j->ent = e;
        if (l == NULL) {
            free(entry);
            return -1;
        }
        j->len = l;
        j->cap = cap;
    }
    j->ent[j->n] = entry;
    j->len[j->n++] = len;
    return 0;
}

static int refused_conflict(cjob *j, srv_resp *resp, const char *msg)
{
    (void)j;
    return srv_error(resp, 409, "conflict", NULL, "the council's rules refuse this now: %s", msg);
}

/* srv_check: in the writer, with everything before this batch appended. */
static int job_check(srv_state *st, void *arg, srv_resp *resp)
{
    cjob *j = arg;
    veche_record_src src = {st->board, NULL};
    veche_diag d = {{0}};
    veche_err e;

    pthread_mutex_lock(&st->board_lock);
    j->first = veche_board_size(st->board);
    pthread_mutex_unlock(&st->board_lock);
    if (j->build != NULL) {
        if (j->build(j, resp) != 0)
            return -1;
        for (size_t i = 0; i < j->n; i++)
            srv_entry_classify(&j->info[i], (const uint8_t *)j->ent[i], j->len[i]);
    }
    if (j->extra != NULL && j->extra(j, resp) != 0)
        return -1;
    pthread_mutex_lock(&st->board_lock);
    e = veche_council_judge(&src, j->council, now_s(), (const uint8_t *const *)j->ent, j->len,
                            j->n, &d);
    pthread_mutex_unlock(&st->board_lock);
    if (e == VECHE_EVERIFY || e == VECHE_EINVALID || e == VECHE_ENOTFOUND) {
        (j->refused ? j->refused : refused_conflict)(j, resp, d.msg);
        return -1;
    }
    if (e != VECHE_OK) {
        srv_error(resp, 500, "internal", NULL, "judging the entries: %s", d.msg);
        return -1;
    }
    if (j->before != NULL && j->before(j, resp) != 0)
        return -1;
    return 0;
}

/* srv_after: the batch is on the record. */
static void job_after(srv_state *st, void *arg, uint64_t first)
{
    cjob *j = arg;
    (void)st;
    j->first = first;
    j->after(j);
}

/*
 * Hands the batch to the writer (judged there) and waits until it is
 * durable: 0 with j->first its first index, or -1 with the refusal in resp.
 */
static int job_run(cjob *j, srv_resp *resp)
{
    uint64_t first;
    if (j->n == 0)
        return srv_error(resp, 500, "internal", NULL, "nothing to append"), -1;
    if ((j->info = calloc(j->n, sizeof *j->info)) == NULL)
        return oom(resp), -1;
    for (size_t i = 0; i < j->n; i++)
        srv_entry_classify(&j->info[i], (const uint8_t *)j->ent[i], j->len[i]);
    if (srv_append_after(j->st, (const uint8_t *const *)j->ent, j->len, j->info, j->n,
                         job_check, j->after ? job_after : NULL, j, &first, resp) != 0)
        return -1;
    j->first = first;
    return 0;
}

/* A builder's failure (its arguments are ours or the request's): 400 with its message. */
static int build_failed(srv_resp *resp, veche_err e, const veche_diag *d)
{
    if (e == VECHE_ENOMEM)
        return oom(resp);
    return srv_error(resp, 400, "bad_request", NULL, "%s", d->msg);
}

/* ---- POST /councils ---------------------------------------------------------------------------- */

/* The trustees of the request: [{"name","key"}] into p. */
static int params_trustees(veche_council_params *p, const json_t *body, srv_resp *resp)
{
    const json_t *a = json_object_get(body, "trustees"), *t;
    size_t i;
    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > VECHE_MAX_TRUSTEES)
        return srv_error(resp, 400, "bad_request", "trustees", "\"trustees\" must be an array "
                         "of 1 to %d {\"name\", \"key\"}", VECHE_MAX_TRUSTEES), -1;
    json_array_foreach(a, i, t) {
        veche_diag d = {{0}};
        const char *name = json_string_value(json_object_get(t, "name"));
        char field[32];
        snprintf(field, sizeof field, "trustees[%zu]", i);
        if (!json_is_object(t) || json_object_size(t) != 2 || name == NULL ||
            veche_b64_get(p->trustee_key[i], 32, json_object_get(t, "key"), field, &d) != VECHE_OK)
            return srv_error(resp, 400, "bad_request", field, "each trustee is {\"name\": str, "
                             "\"key\": base64 of an Ed25519 public key}%s%s",
                             d.msg[0] ? ": " : "", d.msg), -1;
        p->trustee_name[i] = name;
    }
    p->ntrustees = json_array_size(a);
    return 0;
}

/* The request's council.create parameters; strings borrow from body. */
static int params_parse(veche_council_params *p, const json_t *body, srv_resp *resp)
{
    const json_t *recall = json_object_get(body, "recall"), *ev;
    json_int_t seats = 0, term = 0, th = 0, maj = 0, thr = 0;

    memset(p, 0, sizeof *p);
    if (get_id(body, "council", 1, &p->id, resp) != 0 ||
        get_str(body, "name", 1, VECHE_COUNCIL_NAME_MAX, 1, &p->name, resp) != 0 ||
        get_int(body, "seats", 1, VECHE_COUNCIL_MAX_SEATS, 1, &seats, resp) != 0 ||
        get_int(body, "term", VECHE_COUNCIL_TERM_MIN, VECHE_COUNCIL_TERM_MAX, 1, &term, resp) ||
        params_trustees(p, body, resp) != 0 ||
        get_int(body, "threshold", 1, (json_int_t)p->ntrustees, 1, &th, resp) != 0)
        return -1;
    if (!json_is_object(recall) || json_object_size(recall) != 2)
        return srv_error(resp, 400, "bad_request", "recall", "\"recall\" must be {\"threshold\": "
                         "permille 1..1000, \"majority\": permille 501..1000}"), -1;
    if (get_int(recall, "threshold", 1, 1000, 1, &thr, resp) != 0 ||
        get_int(recall, "majority", 501, 1000, 1, &maj, resp) != 0)
        return -1;
    ev = json_object_get(body, "exclusion_vote");
    if (ev != NULL && !json_is_boolean(ev))
        return srv_error(resp, 400, "bad_request", "exclusion_vote", "\"exclusion_vote\" must be "
                         "true or false"), -1;
    p->seats = (uint32_t)seats;
    p->term = (int64_t)term;
    p->threshold = (uint32_t)th;
    p->recall_threshold = (uint32_t)thr;
    p->recall_majority = (uint32_t)maj;
    p->exclusion_vote = json_is_true(ev);
    return 0;
}

/* In the writer: the id is still free. */
static int create_free(cjob *j, srv_resp *resp)
{
    veche_council c;
    veche_diag d = {{0}};
    veche_err e;
    pthread_mutex_lock(&j->st->board_lock);
    e = veche_council_load(&c, j->st->board, j->council, now_s(), &d);
    pthread_mutex_unlock(&j->st->board_lock);
    if (e == VECHE_ENOTFOUND)
        return 0;
    if (e == VECHE_OK) {
        veche_council_free(&c);
        return srv_error(resp, 409, "council_exists", "council", "council \"%.64s\" already "
                         "exists", j->council), -1;
    }
    return srv_error(resp, 500, "internal", NULL, "reading the record: %s", d.msg), -1;
}

static int h_create(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"council", "name", "seats", "term", "recall", "trustees",
                                        "threshold", "exclusion_vote", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    veche_council_params p;
    const veche_key *roll;
    veche_diag d = {{0}};
    cjob j;
    char *entry = NULL;
    size_t len;
    veche_err e;

    memset(&j, 0, sizeof j);
    if (body == NULL)
        return 0;
    if (params_parse(&p, body, resp) != 0)
        goto done;
    if ((roll = srv_council_roll_key(r->st, &d)) == NULL) {
        srv_error(resp, 500, "internal", NULL, "the roll keeper's key: %s", d.msg);
        goto done;
    }
    memcpy(p.roll_keeper, roll->pk, 32);
    memcpy(p.credential_authority, r->st->authority.pk, 32);
    if ((e = veche_council_create_entry(&entry, &len, &p, &r->st->admin, &d)) != VECHE_OK) {
        build_failed(resp, e, &d);
        goto done;
    }
    j.st = r->st;
    j.council = p.id;
    j.extra = create_free;
    if (job_add(&j, entry, len) != 0) {
        oom(resp);
        goto done;
    }
    if (job_run(&j, resp) == 0) {
        srv_council_add_id(r->st, p.id);
        answer_council(r->st, p.id, resp, 201);
    }
done:
    job_free(&j);
    json_decref(body);
    return 0;
}

/* ---- POST /councils/{id}/roll -------------------------------------------------------------------- */

/* What a roll step builds in the writer. */
typedef struct roll_step {
    veche_roll_action action;
    const char       *member, *reason, *election;
    uint8_t           commitment[32];     /* join */
    uint8_t           X[32];              /* the credential added or removed */
    const veche_key  *keeper;
} roll_step;

/* In the writer: the roll entry at j->first and the credentials entry accounting for it. */
static int roll_build(cjob *j, srv_resp *resp)
{
    roll_step *s = j->ctx;
    veche_diag d = {{0}};
    char *roll = NULL, *cred = NULL;
    size_t rlen, clen;
    uint64_t at = j->first;
    int join = s->action == VECHE_ROLL_JOIN;
    veche_err e;

    if ((e = veche_council_roll_entry(&roll, &rlen, j->council, s->action, s->member,
                                      join ? s->commitment : NULL, s->reason, s->election,
                                      s->keeper, &d)) != VECHE_OK ||
        (e = veche_council_credentials_entry(&cred, &clen, j->council, &at, 1,
                                             join ? (const uint8_t (*)[32])s->X : NULL, join,
                                             join ? NULL : (const uint8_t (*)[32])s->X, !join,
                                             &j->st->authority, &d)) != VECHE_OK) {
        free(roll);
        return build_failed(resp, e, &d), -1;
    }
    for (size_t i = 0; i < j->n; i++)
        free(j->ent[i]);
    j->ent[0] = roll;
    j->len[0] = rlen;
    j->ent[1] = cred;
    j->len[1] = clen;
    return 0;
}

/* In the writer, after the judge: the member's credential goes into the standing map. */
static int roll_remember(cjob *j, srv_resp *resp)
{
    roll_step *s = j->ctx;
    veche_diag d = {{0}};
    if (s->action != VECHE_ROLL_JOIN)
        return 0;
    if (srv_council_map_add(j->st, j->council, s->member, s->X, &d) != VECHE_OK)
        return srv_error(resp, 500, "internal", NULL, "the standing map: %s", d.msg), -1;
    return 0;
}

/* A roll step through the writer; 0 with j->first = the roll entry's index. */
static int roll_append(srv_req *r, cjob *j, roll_step *s, srv_resp *resp)
{
    j->st = r->st;
    j->council = r->params[0];
    j->ctx = s;
    j->build = roll_build;
    j->before = roll_remember;
    /* Two places, filled by roll_build in the writer. */
    if (job_add(j, strdup("{}"), 2) != 0 || job_add(j, strdup("{}"), 2) != 0 ||
        j->ent[0] == NULL || j->ent[1] == NULL)
        return oom(resp), -1;
    return job_run(j, resp);
}

/* {"member","salt","code","index"} written by hand, so no copy of the code escapes wiping. */
static int join_answer(srv_resp *resp, const char *member, const uint8_t salt[32],
                       const char *code, uint64_t index)
{
    char salt64[B64_32];
    size_t cap = strlen(member) + sizeof salt64 + VECHE_CODE_CHARS + 96;
    char *out = malloc(cap);
    int n;
    if (out == NULL)
        return oom(resp);
    b64_of(salt64, salt);
    n = snprintf(out, cap, "{\"member\":\"%s\",\"salt\":\"%s\",\"code\":\"%s\",\"index\":%" PRIu64
                 "}", member, salt64, code, index);
    sodium_memzero(salt64, sizeof salt64);
    free(resp->body);
    resp->status = 201;
    resp->secret = 1;            /* wiped when the answer is freed */
    resp->body = out;
    resp->len = (size_t)n;
    resp->content_type = "application/json";
    return 0;
}

static int roll_join(srv_req *r, srv_resp *resp, const json_t *body, roll_step *s)
{
    char codes[1][VECHE_CODE_CHARS + 1];
    veche_credential_list pub = {NULL, 0, 0};
    veche_diag d = {{0}};
    uint8_t salt[32];
    const char *name;
    cjob j;
    veche_err e;

    memset(&j, 0, sizeof j);
    if (get_str(body, "name", 1, VECHE_COUNCIL_NAME_MAX, 1, &name, resp) != 0)
        return 0;
    if (json_object_get(body, "election") != NULL)
        return srv_error(resp, 400, "bad_request", "election", "a join names no election");
    randombytes_buf(salt, sizeof salt);
    veche_council_commitment(s->commitment, salt, name);
    if ((e = veche_council_codes_generate(codes, &pub, r->params[0], 1, NULL, &d)) != VECHE_OK) {
        sodium_memzero(salt, sizeof salt);
        return build_failed(resp, e, &d);
    }
    memcpy(s->X, pub.v[0].key, 32);
    veche_credentials_free(&pub);
    if (roll_append(r, &j, s, resp) == 0)
        join_answer(resp, s->member, salt, codes[0], j.first);
    sodium_memzero(codes, sizeof codes);
    sodium_memzero(salt, sizeof salt);
    job_free(&j);
    return 0;
}

static int roll_leave(srv_req *r, srv_resp *resp, const json_t *body, roll_step *s)
{
    cjob j;
    memset(&j, 0, sizeof j);
    if (json_object_get(body, "name") != NULL)
        return srv_error(resp, 400, "bad_request", "name", "only a join takes a name");
    if (get_id(body, "election", 0, &s->election, resp) != 0)
        return 0;
    if (!srv_council_map_find(r->st, r->params[0], s->member, s->X))
        return srv_error(resp, 409, "no_credential", "member", "this server holds no standing "
                         "credential for member \"%s\" of council \"%s\" (not joined here, or "
                         "not a member)", s->member, r->params[0]);
    if (roll_append(r, &j, s, resp) == 0)
        srv_json(resp, 201, json_pack("{s:s, s:I}", "member", s->member, "index",
                                      (json_int_t)j.first));
    job_free(&j);
    return 0;
}

static int h_roll(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"action", "member", "name", "reason", "election", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    const veche_council *c;
    veche_diag d = {{0}};
    const char *action;
    roll_step s;

    memset(&s, 0, sizeof s);
    if (body == NULL)
        return 0;
    if ((c = council_get(r->st, r->params[0], resp)) == NULL)
        goto done;
    srv_council_release(r->st, c);
    if (get_str(body, "action", 1, 16, 1, &action, resp) != 0 ||
        get_id(body, "member", 1, &s.member, resp) != 0 ||
        get_str(body, "reason", 0, VECHE_COUNCIL_REASON_MAX, 1, &s.reason, resp) != 0)
        goto done;
    if ((s.keeper = srv_council_roll_key(r->st, &d)) == NULL) {
        srv_error(resp, 500, "internal", NULL, "the roll keeper's key: %s", d.msg);
        goto done;
    }
    if (strcmp(action, "join") == 0) {
        s.action = VECHE_ROLL_JOIN;
        roll_join(r, resp, body, &s);
    } else if (strcmp(action, "leave") == 0 || strcmp(action, "exclude") == 0) {
        s.action = action[0] == 'l' ? VECHE_ROLL_LEAVE : VECHE_ROLL_EXCLUDE;
        roll_leave(r, resp, body, &s);
    } else {
        srv_error(resp, 400, "bad_request", "action", "\"action\" must be join, leave or exclude");
    }
done:
    sodium_memzero(&s, sizeof s);
    json_decref(body);
    return 0;
}

/* ---- elections ------------------------------------------------------------------------------------ */

/* What a council election is made of. */
typedef struct elec_req {
    veche_purpose purpose;
    char          id[VECHE_ELECTION_ID_MAX + 1];
    const char   *title, *question;
    const char  **options;
    size_t        noptions;
    int           own_options;     /* options malloc'd (the candidates), else static */
    uint32_t      min, max;
    int64_t       opens, closes;
    uint64_t      mandate, petition;
    const char   *member;
} elec_req;

/* The election.manifest body: the council's trustees and threshold, the server as authority. */
static json_t *manifest_json(const veche_council *c, const elec_req *q, const veche_key *authority)
{
    json_t *opts = json_array(), *m;
    for (size_t i = 0; opts != NULL && i < q->noptions; i++)
        json_array_append_new(opts, json_string(q->options[i]));
    m = json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:o, s:[{s:s, s:s, s:o, s:I, s:I, s:b}]}",
                  "election", q->id, "title", q->title, "organisation", c->params.name,
                  "opens", (json_int_t)q->opens, "closes", (json_int_t)q->closes,
                  "trustees", trustees_json(&c->params),
                  "threshold", (json_int_t)c->params.threshold,
                  "credential_authority", veche_b64_json(authority->pk, 32),
                  "contests", "id", veche_purpose_name(q->purpose), "question", q->question,
                  "options", opts, "min", (json_int_t)q->min, "max", (json_int_t)q->max,
                  "blank", 0);
    return m;
}

/* In the writer: the election id is still free. */
static int election_free_check(cjob *j, srv_resp *resp)
{
    const elec_req *q = j->ctx;
    srv_election *h = srv_election_acquire(j->st, q->id);
    if (h == NULL)
        return 0;
    srv_election_release(j->st, h);
    return srv_error(resp, 409, "election_exists", "election", "election \"%s\" already exists",
                     q->id), -1;
}

static int refused_election(cjob *j, srv_resp *resp, const char *msg)
{
    (void)j;
    return srv_error(resp, 409, "conflict", NULL, "the council's rules refuse this election now "
                     "(has the roll changed? try again): %s", msg);
}

/* The election's credentials: the standing list, weight 1 each, signed by the authority. */
static int election_creds(cjob *j, const veche_council *c, const elec_req *q, srv_resp *resp)
{
    veche_credential_list l = {NULL, 0, 0};
    veche_diag d = {{0}};
    char **parts = NULL;
    size_t *lens = NULL, np = 0;
    veche_err e;

    if (c->nstanding == 0)
        return srv_error(resp, 409, "no_members", NULL, "council \"%s\" has no standing "
                         "credentials: nobody could vote", c->id), -1;
    if ((l.v = calloc(c->nstanding, sizeof *l.v)) == NULL)
        return oom(resp), -1;
    for (size_t i = 0; i < c->nstanding; i++) {
        memcpy(l.v[i].key, c->standing[i], 32);
        l.v[i].weight = 1;
    }
    l.n = c->nstanding;
    l.total_weight = c->nstanding;
    e = veche_credentials_build(&parts, &lens, &np, q->id, &l, j->st->authority.sk, &d);
    free(l.v);
    if (e != VECHE_OK)
        return build_failed(resp, e, &d), -1;
    for (size_t i = 0; i < np; i++) {
        if (job_add(j, parts[i], lens[i]) != 0) {
            for (size_t k = i + 1; k < np; k++)
                free(parts[k]);
            free(parts);
            free(lens);
            return oom(resp), -1;
        }
    }
    free(parts);
    free(lens);
    return 0;
}

/*
 * Creates council election q: the manifest (A), the council.election link
 * (A) and the credentials (C) in one batch, judged by the writer. 0 on
 * success (201 not yet answered), -1 with the refusal in resp.
 */
static int election_make(srv_state *st, const veche_council *c, elec_req *q, srv_resp *resp)
{
    veche_admin_err ae;
    veche_diag d = {{0}};
    char id[VECHE_ELECTION_ID_MAX + 1], *entry = NULL;
    json_t *m = manifest_json(c, q, &st->authority);
    size_t len;
    cjob j;
    int rc = -1;
    veche_err e;

    memset(&j, 0, sizeof j);
    j.st = st;
    j.council = c->id;
    j.ctx = q;
    j.extra = election_free_check;
    j.refused = refused_election;
    if (m == NULL)
        return oom(resp), -1;
    if (veche_admin_create(&entry, &len, id, m, &st->admin, &ae) != VECHE_ADMIN_OK) {
        srv_error(resp, ae.kind == VECHE_ADMIN_FAILED ? 500 : 400,
                  ae.kind == VECHE_ADMIN_FAILED ? "internal" : "bad_manifest",
                  ae.field[0] ? ae.field : NULL, "%s", ae.msg);
        goto done;
    }
    if (job_add(&j, entry, len) != 0) {
        oom(resp);
        goto done;
    }
    if ((e = veche_council_election_entry(&entry, &len, c->id, q->id, q->purpose, q->mandate,
                                          q->petition, q->member, &st->admin, &d)) != VECHE_OK) {
        build_failed(resp, e, &d);
        goto done;
    }
    if (job_add(&j, entry, len) != 0) {
        oom(resp);
        goto done;
    }
    if (election_creds(&j, c, q, resp) != 0)
        goto done;
    rc = job_run(&j, resp);
done:
    json_decref(m);
    job_free(&j);
    return rc;
}

/* An election id made from the council's: "<council>-<what>-<n>", the council's part cut to fit. */
static void election_id(char out[VECHE_ELECTION_ID_MAX + 1], const char *council,
                        const char *what, uint64_t n)
{
    char tail[48];
    int tl = snprintf(tail, sizeof tail, "-%s-%" PRIu64, what, n);
    int room = VECHE_ELECTION_ID_MAX - tl;
    snprintf(out, VECHE_ELECTION_ID_MAX + 1, "%.*s%s", room, council, tail);
    /* a cut may leave a '-' before the tail ("a--recall-3"): still a valid id */
}

/* The recall election of petition at index: "Recall <delegate>?" yes/no, for 7 days from now. */
static int recall_create(srv_state *st, const veche_council *c, uint64_t petition,
                         char id_out[VECHE_ELECTION_ID_MAX + 1], srv_resp *resp)
{
    static const char *const yesno[] = {"yes", "no"};
    const veche_council_petition *p = veche_council_petition_at(c, petition);
    const veche_council_mandate *m;
    char title[VECHE_COUNCIL_NAME_MAX + 1];
    elec_req q;

    if (p == NULL)
        return srv_error(resp, 422, "invalid_entry", "petition", "no counted petition at index "
                         "%" PRIu64, petition), -1;
    if (p->succeeded_at == NO_INDEX)
        return srv_error(resp, 409, "not_ready", "petition", "petition %" PRIu64 " has %zu of the "
                         "%zu signatures it needs", petition, p->nvalid, p->threshold_count), -1;
    if ((m = veche_council_mandate_at(c, p->mandate)) == NULL)
        return srv_error(resp, 422, "invalid_entry", "petition", "the petition's mandate is not "
                         "a counted mandate"), -1;
    memset(&q, 0, sizeof q);
    q.purpose = VECHE_PURPOSE_RECALL;
    election_id(q.id, c->id, "recall", petition);
    /* "Recall " + "?" leave 248 bytes of the name; cut at a UTF-8 boundary. */
    size_t room = sizeof title - 9, n = strlen(m->delegate);
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)m->delegate[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(title, sizeof title, "Recall %.*s?", (int)n, m->delegate);
    q.title = q.question = title;
    q.options = (const char **)yesno;
    q.noptions = 2;
    q.min = q.max = 1;
    q.opens = now_s();
    q.closes = q.opens + RECALL_SECONDS;
    q.mandate = p->mandate;
    q.petition = petition;
    if (election_make(st, c, &q, resp) != 0)
        return -1;
    memcpy(id_out, q.id, sizeof q.id);
    return 0;
}

/* The request's purpose-specific members into q. */
static int elec_purpose(const veche_council *c, const json_t *body, elec_req *q,
                        char title[VECHE_COUNCIL_NAME_MAX + 64], srv_resp *resp)
{
    static const char *const yesno[] = {"yes", "no"};
    const veche_council_mandate *m;

    switch (q->purpose) {
    case VECHE_PURPOSE_SEATS:
    case VECHE_PURPOSE_BY_ELECTION:
        if (get_strings(body, "candidates", VECHE_MAX_OPTIONS, 256, &q->options, &q->noptions,
                        resp) != 0)
            return -1;
        q->own_options = 1;
        q->min = 0;
        q->max = q->purpose == VECHE_PURPOSE_SEATS ? c->params.seats : 1;
        if (q->max > q->noptions)
            q->max = (uint32_t)q->noptions;
        if (q->purpose == VECHE_PURPOSE_BY_ELECTION) {
            if (get_index(body, "mandate", 1, &q->mandate, resp) != 0)
                return -1;
            if ((m = veche_council_mandate_at(c, q->mandate)) == NULL)
                return srv_error(resp, 422, "invalid_entry", "mandate", "no counted mandate at "
                                 "index %" PRIu64, q->mandate), -1;
            snprintf(title, VECHE_COUNCIL_NAME_MAX + 64, "By-election for the seat of %.200s",
                     m->delegate);
        } else {
            snprintf(title, VECHE_COUNCIL_NAME_MAX + 64, "Elect %u delegate%s", q->max,
                     q->max == 1 ? "" : "s");
        }
        return 0;
    case VECHE_PURPOSE_EXCLUSION:
        if (get_id(body, "member", 1, &q->member, resp) != 0)
            return -1;
        snprintf(title, VECHE_COUNCIL_NAME_MAX + 64, "Exclude member %s?", q->member);
        break;
    case VECHE_PURPOSE_QUESTION:
        if (get_str(body, "question", 1, 1024, 1, &q->question, resp) != 0)
            return -1;
        snprintf(title, VECHE_COUNCIL_NAME_MAX + 64, "%.200s", q->question);
        break;
    default:
        return srv_error(resp, 400, "bad_request", "purpose", "\"purpose\" must be seats, "
                         "by-election, recall, exclusion or question"), -1;
    }
    q->options = (const char **)yesno;
    q->noptions = 2;
    q->min = q->max = 1;
    return 0;
}

static int h_elections(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"purpose", "election", "candidates", "mandate", "member",
                                        "question", "title", "opens", "closes", "petition", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    char title[VECHE_COUNCIL_NAME_MAX + 64];
    const veche_council *c = NULL;
    const char *purpose, *id = NULL;
    json_int_t opens = -1, closes = -1;
    elec_req q;

    memset(&q, 0, sizeof q);
    q.mandate = q.petition = NO_INDEX;
    if (body == NULL || (c = council_get(r->st, r->params[0], resp)) == NULL)
        goto done;
    if (get_str(body, "purpose", 1, 16, 1, &purpose, resp) != 0 ||
        get_id(body, "election", 0, &id, resp) != 0)
        goto done;
    if ((q.purpose = veche_purpose_parse(purpose)) == VECHE_PURPOSE_RECALL) {
        char made[VECHE_ELECTION_ID_MAX + 1];
        uint64_t petition;
        if (get_index(body, "petition", 1, &petition, resp) == 0 &&
            recall_create(r->st, c, petition, made, resp) == 0)
            srv_json(resp, 201, json_pack("{s:s}", "election", made));
        goto done;
    }
    if (elec_purpose(c, body, &q, title, resp) != 0 ||
        get_str(body, "title", 1, 256, 0, &q.title, resp) != 0 ||
        get_int(body, "opens", 0, ((json_int_t)1 << 53) - 2, 0, &opens, resp) != 0 ||
        get_int(body, "closes", 1, ((json_int_t)1 << 53) - 1, 0, &closes, resp) != 0)
        goto done;
    if (q.title == NULL)
        q.title = title;
    if (q.question == NULL)
        q.question = q.title;
    q.opens = opens >= 0 ? opens : now_s();
    q.closes = closes >= 0 ? closes : q.opens + RECALL_SECONDS;
    if (id != NULL)
        snprintf(q.id, sizeof q.id, "%s", id);
    else
        election_id(q.id, c->id, veche_purpose_name(q.purpose), c->nelections + 1);
    if (election_make(r->st, c, &q, resp) == 0)
        srv_json(resp, 201, json_pack("{s:s, s:s}", "election", q.id, "purpose",
                                      veche_purpose_name(q.purpose)));
done:
    if (q.own_options)
        free(q.options);
    srv_council_release(r->st, c);
    json_decref(body);
    return 0;
}

/* ---- mandates ---------------------------------------------------------------------------------- */

/* The options of e in order of their counts (highest first; ties in option order): k of them. */
static size_t winners(const veche_council_election *e, size_t k, size_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < e->noptions; i++) {
        size_t p = n;
        while (p > 0 && e->counts[out[p - 1]] < e->counts[i]) {
            out[p] = out[p - 1];
            p--;
        }
        out[p] = i;
        n++;
    }
    return n < k ? n : k;
}

static int mandates_exist(const veche_council *c, const char *election)
{
    for (size_t i = 0; i < c->nmandates; i++)
        if (strcmp(c->mandates[i].election, election) == 0)
            return 1;
    return 0;
}

static int h_mandates(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"election", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}"), *out;
    const veche_council *c = NULL;
    const veche_council_election *e;
    size_t order[VECHE_MAX_OPTIONS], k;
    veche_diag d = {{0}};
    const char *id;
    int64_t start = now_s(), end;
    cjob j;

    memset(&j, 0, sizeof j);
    if (body == NULL || (c = council_get(r->st, r->params[0], resp)) == NULL ||
        get_id(body, "election", 1, &id, resp) != 0)
        goto done;
    if ((e = veche_council_election_find(c, id)) == NULL ||
        (e->purpose != VECHE_PURPOSE_SEATS && e->purpose != VECHE_PURPOSE_BY_ELECTION)) {
        srv_error(resp, 422, "invalid_entry", "election", "\"%s\" is not a seats election or "
                  "by-election of council \"%s\"", id, c->id);
        goto done;
    }
    if (e->counts == NULL) {
        srv_error(resp, 409, "not_ready", "election", "election \"%s\" has no published result "
                  "yet", id);
        goto done;
    }
    if (mandates_exist(c, id)) {
        srv_error(resp, 409, "conflict", "election", "the mandates of election \"%s\" are "
                  "already on the record", id);
        goto done;
    }
    end = start + c->params.term;
    if (e->purpose == VECHE_PURPOSE_BY_ELECTION) {
        const veche_council_mandate *v = veche_council_mandate_at(c, e->mandate);
        end = v != NULL ? v->end : start;
        if (end <= start) {
            srv_error(resp, 409, "conflict", "election", "the vacated mandate's term is over; "
                      "no seat is left to fill");
            goto done;
        }
    }
    k = winners(e, e->purpose == VECHE_PURPOSE_SEATS ? c->params.seats : 1, order);
    out = json_array();
    for (size_t i = 0; i < k; i++) {
        char *entry = NULL;
        size_t len;
        veche_err err = veche_council_mandate_entry(&entry, &len, c->id, id,
                                                    e->options[order[i]], start, end,
                                                    &r->st->admin, &d);
        if (err != VECHE_OK || job_add(&j, entry, len) != 0) {
            json_decref(out);
            err != VECHE_OK ? build_failed(resp, err, &d) : oom(resp);
            goto done;
        }
        json_array_append_new(out, json_pack("{s:s, s:I, s:I}", "delegate",
                                             e->options[order[i]], "start", (json_int_t)start,
                                             "end", (json_int_t)end));
    }
    j.st = r->st;
    j.council = c->id;
    if (job_run(&j, resp) != 0) {
        json_decref(out);
        goto done;
    }
    for (size_t i = 0; i < k; i++)
        json_object_set_new(json_array_get(out, i), "index", json_integer((json_int_t)(j.first + i)));
    srv_json(resp, 201, json_pack("{s:o}", "mandates", out));
done:
    job_free(&j);
    srv_council_release(r->st, c);
    json_decref(body);
    return 0;
}

/* The linked recall election of mandate with a published result (the latest), or NULL. */
static const veche_council_election *recall_of(const veche_council *c, uint64_t mandate)
{
    const veche_council_election *found = NULL;
    for (size_t i = 0; i < c->nelections; i++)
        if (c->elections[i].purpose == VECHE_PURPOSE_RECALL &&
            c->elections[i].mandate == mandate && c->elections[i].counts != NULL)
            found = &c->elections[i];
    return found;
}

/* 1 iff the recall's published result carries: yes*1000 >= majority*(yes+no), yes+no > 0. */
static int recall_carried(const veche_council *c, const veche_council_election *e)
{
    uint64_t yes = 0, no = 0;
    for (size_t i = 0; i < e->noptions; i++) {
        if (strcmp(e->options[i], "yes") == 0)
            yes = e->counts[i];
        else if (strcmp(e->options[i], "no") == 0)
            no = e->counts[i];
    }
    return yes + no > 0 && yes * 1000 >= (uint64_t)c->params.recall_majority * (yes + no);
}

/* One entry by A, judged and appended: 201 {"index", "tracking_code"}. */
static int append_one_after(srv_req *r, srv_resp *resp, const char *council, char *entry,
                            size_t len, void (*after)(cjob *j), void *ctx)
{
    cjob j;
    memset(&j, 0, sizeof j);
    j.st = r->st;
    j.council = council;
    j.after = after;
    j.ctx = ctx;
    if (job_add(&j, entry, len) != 0)
        return oom(resp);
    if (job_run(&j, resp) == 0)
        srv_json(resp, 201, tracked(j.first, (const uint8_t *)j.ent[0], j.len[0]));
    job_free(&j);
    return 0;
}

static int append_one(srv_req *r, srv_resp *resp, const char *council, char *entry, size_t len)
{
    return append_one_after(r, resp, council, entry, len, NULL, NULL);
}

static int h_mandate_end(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"mandate", "reason", "election", "statement", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    const veche_council *c = NULL;
    const veche_council_mandate *m;
    const char *reason, *election = NULL, *statement;
    veche_diag d = {{0}};
    uint64_t mandate;
    char *entry = NULL;
    size_t len;
    veche_err e;

    if (body == NULL || (c = council_get(r->st, r->params[0], resp)) == NULL)
        goto done;
    if (get_index(body, "mandate", 1, &mandate, resp) != 0 ||
        get_str(body, "reason", 1, 16, 1, &reason, resp) != 0 ||
        get_id(body, "election", 0, &election, resp) != 0 ||
        get_str(body, "statement", 0, VECHE_COUNCIL_REASON_MAX, 1, &statement, resp) != 0)
        goto done;
    if ((m = veche_council_mandate_at(c, mandate)) == NULL) {
        srv_error(resp, 422, "invalid_entry", "mandate", "no counted mandate at index %" PRIu64,
                  mandate);
        goto done;
    }
    if (m->end_index != NO_INDEX) {
        srv_error(resp, 409, "conflict", "mandate", "mandate %" PRIu64 " already ended (%s)",
                  mandate, m->end_reason ? m->end_reason : "");
        goto done;
    }
    if (strcmp(reason, "recalled") == 0) {
        const veche_council_election *re = election ? veche_council_election_find(c, election)
                                                    : recall_of(c, mandate);
        if (re == NULL || re->purpose != VECHE_PURPOSE_RECALL || re->mandate != mandate ||
            re->counts == NULL) {
            srv_error(resp, 409, "not_ready", "election", "no recall election of mandate %"
                      PRIu64 " with a published result", mandate);
            goto done;
        }
        if (!recall_carried(c, re)) {
            srv_error(resp, 409, "recall_not_carried", "election", "the members did not vote "
                      "to recall (\"%s\": yes short of %u permille of the votes cast)",
                      re->election, c->params.recall_majority);
            goto done;
        }
        election = re->election;
    } else if (strcmp(reason, "resigned") == 0) {
        if (election != NULL) {
            srv_error(resp, 400, "bad_request", "election", "a resignation names no election");
            goto done;
        }
    } else {
        srv_error(resp, 400, "bad_request", "reason", "\"reason\" must be recalled or resigned");
        goto done;
    }
    if ((e = veche_council_mandate_end_entry(&entry, &len, c->id, mandate, reason, election,
                                             statement, &r->st->admin, &d)) != VECHE_OK)
        build_failed(resp, e, &d);
    else
        append_one(r, resp, c->id, entry, len);
done:
    srv_council_release(r->st, c);
    json_decref(body);
    return 0;
}

/* ---- tombstones ----------------------------------------------------------------------------------- */

/*
 * Deletes the body file of hash unless a counted publication not tombstoned
 * still names it. Runs in the writer right after the tombstone's append
 * (cjob.after), where door appends (which write bodies, door_store) are
 * serialized with it: a door publication of the same body is either on the
 * record already (and keeps the file) or writes it again after.
 */
static void body_drop(srv_state *st, const uint8_t hash[32])
{
    veche_diag d = {{0}};
    char path[1200], hex[65];
    const char *dir;
    if (body_known(st, hash) == 1 || (dir = srv_council_bodies_dir(st, &d)) == NULL)
        return;
    veche_council_body_name(hex, hash);
    snprintf(path, sizeof path, "%s/%s", dir, hex);
    if (unlink(path) != 0)
        fprintf(stderr, "veche serve: cannot delete the tombstoned body %s\n", path);
}

/* cjob.after of a tombstone: ctx is the tombstoned publication's hash. */
static void tombstone_after(cjob *j)
{
    body_drop(j->st, j->ctx);
}

static int h_tombstone(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"publication", "reason", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    const veche_council *c = NULL;
    const veche_council_publication *p;
    const char *reason;
    veche_diag d = {{0}};
    uint8_t hash[32];
    uint64_t index;
    char *entry = NULL;
    size_t len;
    veche_err e;

    if (body == NULL || (c = council_get(r->st, r->params[0], resp)) == NULL)
        goto done;
    if (get_index(body, "publication", 1, &index, resp) != 0 ||
        get_str(body, "reason", 1, VECHE_COUNCIL_REASON_MAX, 1, &reason, resp) != 0)
        goto done;
    if ((p = veche_council_publication_at(c, index)) == NULL) {
        srv_error(resp, 422, "invalid_entry", "publication", "no publication of council \"%s\" "
                  "at index %" PRIu64, c->id, index);
        goto done;
    }
    if (p->tombstoned) {
        srv_error(resp, 409, "conflict", "publication", "publication %" PRIu64 " is already "
                  "tombstoned", index);
        goto done;
    }
    memcpy(hash, p->hash, 32);
    if ((e = veche_council_tombstone_entry(&entry, &len, c->id, index, reason, &r->st->admin,
                                           &d)) != VECHE_OK) {
        build_failed(resp, e, &d);
        goto done;
    }
    append_one_after(r, resp, c->id, entry, len, tombstone_after, hash);
done:
    srv_council_release(r->st, c);
    json_decref(body);
    return 0;
}

/* ---- delegations ----------------------------------------------------------------------------------- */

static int h_delegation(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"delegation", "to", "delegates", "mandate", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    const char *id, *to, *mandate, **delegates = NULL;
    veche_diag d = {{0}};
    size_t n = 0, len;
    char *entry = NULL;
    const veche_council *c = NULL;
    veche_err e;

    if (body == NULL || (c = council_get(r->st, r->params[0], resp)) == NULL)
        goto done;
    if (get_id(body, "delegation", 1, &id, resp) != 0 ||
        get_str(body, "to", 1, VECHE_COUNCIL_NAME_MAX, 1, &to, resp) != 0 ||
        get_strings(body, "delegates", VECHE_COUNCIL_MAX_DELEGATES, VECHE_COUNCIL_NAME_MAX,
                    &delegates, &n, resp) != 0 ||
        get_str(body, "mandate", 1, VECHE_COUNCIL_TEXT_MAX, 1, &mandate, resp) != 0)
        goto done;
    if ((e = veche_council_delegation_entry(&entry, &len, c->id, id, to, delegates, n, mandate,
                                            &r->st->admin, &d)) != VECHE_OK)
        build_failed(resp, e, &d);
    else
        append_one(r, resp, c->id, entry, len);
done:
    free(delegates);
    srv_council_release(r->st, c);
    json_decref(body);
    return 0;
}

static int h_delegation_end(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"reason", "statement", NULL};
    json_t *body = srv_object_body(r, resp, known, "{...}");
    const char *reason, *statement;
    const veche_council *c = NULL;
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len;
    veche_err e;

    if (body == NULL || (c = council_get(r->st, r->params[0], resp)) == NULL)
        goto done;
    if (!veche_council_id_valid(r->params[1], strlen(r->params[1]))) {
        srv_error(resp, 404, "not_found", NULL, "no delegation \"%.64s\"", r->params[1]);
        goto done;
    }
    if (get_str(body, "reason", 1, 16, 1, &reason, resp) != 0 ||
        get_str(body, "statement", 0, VECHE_COUNCIL_REASON_MAX, 1, &statement, resp) != 0)
        goto done;
    if ((e = veche_council_delegation_end_entry(&entry, &len, c->id, r->params[1], reason,
                                                statement, &r->st->admin, &d)) != VECHE_OK)
        build_failed(resp, e, &d);
    else
        append_one(r, resp, c->id, entry, len);
done:
    srv_council_release(r->st, c);
    json_decref(body);
    return 0;
}

/* ---- the members' and groupings' door ------------------------------------------------------------ */

/* An entry from the door, decoded, with what the checks need. */
typedef struct door {
    veche_entry     ent;
    const char     *type;
    const json_t   *body;           /* the entry's body */
    const uint8_t  *pbody;          /* the publication's body (from the request) */
    size_t          pbody_len;
    uint8_t         X[32];          /* a credential-signed entry's X */
    int             has_X;
} door;

static const char *const door_types[] = {VECHE_CTYPE_PETITION, VECHE_CTYPE_SIGNATURE,
                                         VECHE_CTYPE_PUBLICATION, VECHE_CTYPE_GROUPING,
                                         VECHE_CTYPE_APPEAL, NULL};

/* The writer's judge refused a door entry: 409 duplicate, 403 not standing, else 422. */
static int refused_door(cjob *j, srv_resp *resp, const char *msg)
{
    const door *e = j->ctx;
    const veche_council *c;
    veche_diag d = {{0}};
    veche_err err;
    int standing = 1;

    if (strstr(msg, "duplicate") != NULL || strstr(msg, "already signed") != NULL)
        return srv_error(resp, 409, "duplicate", "credential", "%s", msg);
    if (e->has_X && (c = srv_council_acquire(j->st, j->council, &err, &d)) != NULL) {
        standing = veche_council_standing_has(c, e->X);
        srv_council_release(j->st, c);
    }
    if (!standing)
        return srv_error(resp, 403, "forbidden", "credential", "the credential is not a standing "
                         "credential of council \"%s\": %s", j->council, msg);
    return srv_error(resp, 422, "invalid_entry", NULL, "the council would not count this entry: "
                     "%s", msg);
}

/* The publication's body against its entry: present, size, hash. */
static int door_body(const door *e, srv_resp *resp)
{
    veche_publication_meta m;
    veche_diag d = {{0}};
    uint8_t hash[32];
    json_int_t length = json_integer_value(json_object_get(e->body, "length"));

    if (e->pbody == NULL)
        return srv_error(resp, 422, "invalid_entry", "body", "a publication comes with its "
                         "body (\"body\": the Markdown text)"), -1;
    if (e->pbody_len > VECHE_COUNCIL_BODY_MAX)
        return srv_error(resp, 413, "too_large", "body", "the body is %zu bytes; at most %d",
                         e->pbody_len, VECHE_COUNCIL_BODY_MAX), -1;
    memset(&m, 0, sizeof m);
    if (veche_council_body_meta(&m, e->pbody, e->pbody_len, &d) != VECHE_OK)
        return srv_error(resp, 422, "invalid_entry", "body", "%s", d.msg), -1;
    if (veche_b64_get(hash, 32, json_object_get(e->body, "hash"), "hash", &d) != VECHE_OK ||
        memcmp(hash, m.hash, 32) != 0 || length < 0 || (uint64_t)length != m.length)
        return srv_error(resp, 422, "invalid_entry", "body", "the body does not match the "
                         "entry's hash and length (SHA-256 of the %zu bytes sent)",
                         e->pbody_len), -1;
    return 0;
}

/* Who may append what, against the council's current state (before the writer's judge). */
static int door_allowed(const veche_council *c, door *e, srv_resp *resp)
{
    const json_t *b = e->body;
    const char *gid = json_string_value(json_object_get(b, "grouping"));
    const veche_council_grouping *g = gid ? veche_council_grouping_find(c, gid) : NULL;
    veche_diag d = {{0}};

    if (json_object_get(b, "credential") != NULL) {
        if (veche_b64_get(e->X, 32, json_object_get(b, "credential"), "credential", &d) != VECHE_OK)
            return srv_error(resp, 422, "invalid_entry", "credential", "%s", d.msg), -1;
        e->has_X = 1;
    }
    if (strcmp(e->type, VECHE_CTYPE_PETITION) == 0 ||
        (strcmp(e->type, VECHE_CTYPE_PUBLICATION) == 0 && gid == NULL)) {
        if (!e->has_X)
            return srv_error(resp, 422, "invalid_entry", "credential", "a member's entry carries "
                             "its credential and signature"), -1;
        if (!veche_council_standing_has(c, e->X))
            return srv_error(resp, 403, "forbidden", "credential", "the credential is not a "
                             "standing credential of council \"%s\"", c->id), -1;
    }
    if (strcmp(e->type, VECHE_CTYPE_SIGNATURE) == 0) {
        uint64_t p = (uint64_t)json_integer_value(json_object_get(b, "petition"));
        if (veche_council_petition_at(c, p) == NULL)
            return srv_error(resp, 422, "invalid_entry", "petition", "no counted petition of "
                             "council \"%s\" at index %" PRIu64, c->id, p), -1;
    }
    if (strcmp(e->type, VECHE_CTYPE_GROUPING) == 0 && g != NULL &&
        memcmp(g->key, e->ent.author, 32) != 0)
        return srv_error(resp, 403, "forbidden", "author", "grouping \"%s\" is registered with "
                         "another key; only that key may update it", gid), -1;
    if (strcmp(e->type, VECHE_CTYPE_PUBLICATION) == 0 && gid != NULL) {
        if (g == NULL)
            return srv_error(resp, 422, "invalid_entry", "grouping", "no grouping \"%s\" in "
                             "council \"%s\"", gid, c->id), -1;
        if (!e->ent.is_signed || memcmp(g->key, e->ent.author, 32) != 0)
            return srv_error(resp, 403, "forbidden", "author", "a publication of grouping \"%s\" "
                             "must be signed by the grouping's key", gid), -1;
    }
    if (strcmp(e->type, VECHE_CTYPE_PUBLICATION) == 0)
        return door_body(e, resp);
    if (e->pbody != NULL)
        return srv_error(resp, 422, "invalid_entry", "body", "only a publication comes with a "
                         "body"), -1;
    return 0;
}

/* The request: {"entry": string, "body": string | null} into e (entry decoded). */
static int door_parse(srv_req *r, json_t *req, door *e, srv_resp *resp)
{
    static const char *const known[] = {"entry", "body", NULL};
    const json_t *entry = json_object_get(req, "entry"), *pb = json_object_get(req, "body");
    const char *k, *council;
    json_t *v, *canon = NULL;
    veche_diag d = {{0}};
    size_t i;

    json_object_foreach(req, k, v) {
        for (i = 0; known[i] != NULL && strcmp(known[i], k) != 0; i++)
            ;
        if (known[i] == NULL)
            return srv_error(resp, 400, "bad_request", k, "unknown member \"%.64s\"", k), -1;
    }
    if (!json_is_string(entry))
        return srv_error(resp, 400, "bad_request", "entry", "\"entry\" must be the entry's "
                         "canonical JSON, as a string"), -1;
    if (pb != NULL && !json_is_null(pb) && !json_is_string(pb))
        return srv_error(resp, 400, "bad_request", "body", "\"body\" must be a string or null"), -1;
    if (veche_canon_parse(&canon, json_string_value(entry), json_string_length(entry), &d) !=
        VECHE_OK)
        return srv_error(resp, 400, "bad_json", "entry", "the entry is not canonical JSON: %s",
                         d.msg), -1;
    json_decref(canon);
    if (veche_entry_decode(&e->ent, (const uint8_t *)json_string_value(entry),
                           json_string_length(entry), &d) != VECHE_OK)
        return srv_error(resp, 422, "invalid_entry", "entry", "%s", d.msg), -1;
    e->type = e->ent.type;
    e->body = e->ent.body;
    for (i = 0; door_types[i] != NULL && strcmp(door_types[i], e->type) != 0; i++)
        ;
    if (door_types[i] == NULL)
        return srv_error(resp, 403, "forbidden", "type", "only council.petition, "
                         "council.signature, council.publication, council.grouping and "
                         "council.appeal are accepted here, not %.64s", e->type), -1;
    council = json_string_value(json_object_get(e->body, "council"));
    if (council == NULL || strcmp(council, r->params[0]) != 0)
        return srv_error(resp, 422, "invalid_entry", "body.council", "the entry is for council "
                         "\"%.64s\", not \"%.64s\"", council ? council : "", r->params[0]), -1;
    if (json_is_string(pb)) {
        e->pbody = (const uint8_t *)json_string_value(pb);
        e->pbody_len = json_string_length(pb);
    }
    return 0;
}

/* After a petition or signature: the recall election, if it made the petition succeed now. */
static void door_recall(srv_state *st, const char *council, uint64_t petition, uint64_t at,
                        json_t *answer)
{
    const veche_council *c;
    const veche_council_petition *p;
    veche_diag d = {{0}};
    char id[VECHE_ELECTION_ID_MAX + 1];
    srv_resp err;
    veche_err e;

    if ((c = srv_council_acquire(st, council, &e, &d)) == NULL)
        return;
    p = veche_council_petition_at(c, petition);
    if (p != NULL && p->succeeded_at == at && p->recall_election_link == NO_INDEX) {
        memset(&err, 0, sizeof err);
        if (recall_create(st, c, petition, id, &err) == 0) {
            json_object_set_new(answer, "recall_election", json_string(id));
        } else {
            /* The signature stands; the recall is due and can be made by the administrator. */
            json_object_set_new(answer, "recall_election", json_null());
            json_object_set_new(answer, "recall_error", json_stringn(err.body ? err.body : "",
                                                                     err.len));
            fprintf(stderr, "veche serve: the recall election of petition %" PRIu64 " of %s "
                    "could not be made: %.*s\n", petition, council, (int)err.len,
                    err.body ? err.body : "");
        }
        free(err.body);
    }
    srv_council_release(st, c);
}

/*
 * cjob.before of a publication: in the writer, once the judge has accepted
 * the entry and just before it is appended, the body is made durable
 * (temp file, fsync, rename, then the directory fsync'd): a refused entry
 * leaves nothing on disk, an acknowledged one always has its body.
 */
static int door_store(cjob *j, srv_resp *resp)
{
    const door *e = j->ctx;
    veche_diag d = {{0}};
    const char *dir;
    int fd;

    if ((dir = srv_council_bodies_dir(j->st, &d)) == NULL ||
        veche_council_body_write(dir, e->pbody, e->pbody_len, &d) != VECHE_OK)
        return srv_error(resp, 500, "internal", NULL, "storing the body, nothing was stored: %s",
                         d.msg), -1;
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return srv_error(resp, 500, "internal", NULL, "storing the body, nothing was stored: "
                         "cannot fsync %s: %s", dir, strerror(err)), -1;
    }
    close(fd);
    return 0;
}

static int h_door(srv_req *r, srv_resp *resp)
{
    json_t *req = srv_body_json(r, resp), *answer;
    const veche_council *c = NULL;
    door e;
    cjob j;
    uint64_t petition = NO_INDEX;

    memset(&e, 0, sizeof e);
    memset(&j, 0, sizeof j);
    if (req == NULL)
        return 0;
    if (!json_is_object(req)) {
        srv_error(resp, 400, "bad_request", NULL, "the body must be {\"entry\": string, \"body\": "
                  "string | null}");
        goto done;
    }
    if ((c = council_get(r->st, r->params[0], resp)) == NULL ||
        door_parse(r, req, &e, resp) != 0 || door_allowed(c, &e, resp) != 0)
        goto done;
    const json_t *entry = json_object_get(req, "entry");
    char *copy = malloc(json_string_length(entry) + 1);
    if (copy == NULL || job_add(&j, copy, json_string_length(entry)) != 0) {
        oom(resp);
        goto done;
    }
    memcpy(copy, json_string_value(entry), json_string_length(entry) + 1);
    j.st = r->st;
    j.council = r->params[0];
    j.ctx = &e;
    j.refused = refused_door;
    if (e.pbody != NULL)
        j.before = door_store;
    if (job_run(&j, resp) != 0)
        goto done;
    if ((answer = tracked(j.first, (const uint8_t *)j.ent[0], j.len[0])) == NULL) {
        oom(resp);
        goto done;
    }
    if (strcmp(e.type, VECHE_CTYPE_PETITION) == 0)
        petition = j.first;
    else if (strcmp(e.type, VECHE_CTYPE_SIGNATURE) == 0)
        petition = (uint64_t)json_integer_value(json_object_get(e.body, "petition"));
    srv_council_release(r->st, c);
    c = NULL;
    if (petition != NO_INDEX)
        door_recall(r->st, r->params[0], petition, j.first, answer);
    srv_json(resp, 201, answer);
done:
    job_free(&j);
    if (e.ent.json != NULL)
        veche_entry_free(&e.ent);
    srv_council_release(r->st, c);
    json_decref(req);
    return 0;
}

/* ---- the table ---------------------------------------------------------------------------------- */

const srv_route srv_routes_council[] = {
    {"GET", "/api/v1/councils", h_list, 0, 0},
    {"POST", "/api/v1/councils", h_create, SRV_ADMIN, ADMIN_MAX_BODY},
    {"GET", "/api/v1/councils/{}", h_get, 0, 0},
    {"GET", "/api/v1/councils/{}/bundle", h_bundle, 0, 0},
    {"POST", "/api/v1/councils/{}/roll", h_roll, SRV_ADMIN, ADMIN_MAX_BODY},
    {"POST", "/api/v1/councils/{}/elections", h_elections, SRV_ADMIN, ADMIN_MAX_BODY},
    {"POST", "/api/v1/councils/{}/mandates", h_mandates, SRV_ADMIN, ADMIN_MAX_BODY},
    {"POST", "/api/v1/councils/{}/mandate_end", h_mandate_end, SRV_ADMIN, ADMIN_MAX_BODY},
    {"POST", "/api/v1/councils/{}/tombstones", h_tombstone, SRV_ADMIN, ADMIN_MAX_BODY},
    {"POST", "/api/v1/councils/{}/delegations", h_delegation, SRV_ADMIN, ADMIN_MAX_BODY},
    {"POST", "/api/v1/councils/{}/delegations/{}/end", h_delegation_end, SRV_ADMIN,
     ADMIN_MAX_BODY},
    /* Anyone may knock (groupings and appeals need only some key): limited per address like
       casting. */
    {"POST", "/api/v1/councils/{}/entries", h_door, SRV_RATE_DOOR, DOOR_MAX_BODY},
    {"GET", "/api/v1/bodies/{}", h_body, SRV_IMMUTABLE, 0},
    {NULL, NULL, NULL, 0, 0},
};
