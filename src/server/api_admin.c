/*
 * api_admin.c — the administrator's routes of `veche serve` (docs/API.md,
 * "Administration") and the door for trustees' entries (POST
 * /api/v1/record/entries).
 *
 * Each route is the same step as its `veche election ...` command: the
 * checks and the entries come from election/admin.h, signed with the
 * server's administrator key (election.*) or credential authority key
 * (election.credentials). What differs is concurrency: many requests run at
 * once, so each step is checked twice — once here on the election as the
 * cache has it, and again by the writer thread, just before the append,
 * with the state current (srv_append's check). Two racing "open"s thus
 * give one 201 and one 409, never two election.open entries. The
 * expensive parts (verifying and counting ballots, discrete logs,
 * generating credentials) happen here in the request's thread, before
 * srv_append, so the writer is never held up by them.
 *
 * Credential codes are answered once and kept nowhere: the server's copies
 * are wiped as soon as the answer is written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "board/entry.h"
#include "board/merkle.h"
#include "election/admin.h"
#include "election/tally.h"
#include "server/internal.h"

#define KIB              ((size_t)1024)
#define MIB              (KIB * KIB)
#define ROLL_MAX_LINES   100000
#define ADMIN_KEY_NAME   "the server's administrator key"
#define AUTH_KEY_NAME    "the server's credential authority key"

/* ---- shared ------------------------------------------------------------------------- */

/* An admin.h refusal as the API's error: 400, 403, 409 or 500 with its code. */
static int admin_error(srv_resp *resp, const veche_admin_err *e)
{
    unsigned status = e->kind == VECHE_ADMIN_BAD_INPUT ? 400
                    : e->kind == VECHE_ADMIN_WRONG_KEY ? 403
                    : e->kind == VECHE_ADMIN_CONFLICT  ? 409 : 500;
    return srv_error(resp, status, e->code ? e->code : "internal", e->field[0] ? e->field : NULL,
                     "%s", e->msg);
}

static int no_election(srv_resp *resp, const char *id)
{
    return srv_error(resp, 404, "not_found", NULL, "no election \"%.64s\" on this board", id);
}

/* The election's DETAIL as it is now, with status. */
static int answer_detail(srv_state *st, const char *id, srv_resp *resp, unsigned status)
{
    srv_election *h = srv_election_acquire(st, id);
    json_t *j;
    if (h == NULL)
        return srv_error(resp, 500, "internal", NULL, "election \"%.64s\" was appended but is "
                         "not in the server's state", id);
    j = srv_election_json(st, h, 1);
    srv_election_release(st, h);
    if (j == NULL)
        return srv_error(resp, 500, "internal", NULL, "out of memory");
    return srv_json(resp, status, j);
}

/* A step's _allowed check of admin.h, run again by the writer just before appending. */
typedef veche_admin_kind (*allowed_fn)(const veche_election *el, const veche_key *key,
                                       const char *key_name, veche_admin_err *e);

typedef struct step_check {
    const char      *id;
    allowed_fn       allowed;
    const veche_key *key;
    const char      *key_name;
} step_check;

/* srv_check: the writer's recheck of the step against the current state. */
static int check_step(srv_state *st, void *arg, srv_resp *resp)
{
    const step_check *c = arg;
    srv_election *h = srv_election_acquire(st, c->id);
    veche_admin_err e;
    int rc = 0;

    if (h == NULL) {
        no_election(resp, c->id);
        return -1;
    }
    if (c->allowed(h->el, c->key, c->key_name, &e) != VECHE_ADMIN_OK) {
        admin_error(resp, &e);
        rc = -1;
    }
    srv_election_release(st, h);
    return rc;
}

/* Appends the entries of a step (rechecked by the writer); 201 DETAIL, or the refusal. */
static int append_step(srv_req *r, srv_resp *resp, char *const *entries, const size_t *lens,
                       size_t n, step_check *chk)
{
    uint64_t first;
    if (srv_append(r->st, (const uint8_t *const *)entries, lens, n, check_step, chk, &first,
                   resp) != 0)
        return 0;   /* resp holds the refusal */
    return answer_detail(r->st, chk->id, resp, 201);
}

/* internal.h: a JSON object body; the election steps' and the council handlers'. */
json_t *srv_object_body(const srv_req *r, srv_resp *resp, const char *const *known,
                        const char *example)
{
    json_t *body = srv_body_json(r, resp), *v;
    const char *k;

    if (body == NULL)
        return NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        srv_error(resp, 400, "bad_request", NULL, "the body must be a JSON object (%s)", example);
        return NULL;
    }
    json_object_foreach(body, k, v) {
        size_t i = 0;
        while (known != NULL && known[i] != NULL && strcmp(known[i], k) != 0)
            i++;
        if (known == NULL || known[i] == NULL) {
            srv_error(resp, 400, "bad_request", k, "unknown member \"%.64s\"", k);
            json_decref(body);
            return NULL;
        }
    }
    return body;
}

/* ---- POST /api/v1/elections ------------------------------------------------------------ */

/* The server is the credential authority: its key goes in, another is refused. */
static int put_authority(json_t *body, const veche_key *authority, srv_resp *resp)
{
    json_t *mine = veche_b64_json(authority->pk, 32), *given;
    if (mine == NULL)
        return srv_error(resp, 500, "internal", NULL, "out of memory"), -1;
    given = json_object_get(body, "credential_authority");
    if (given != NULL && !json_equal(given, mine)) {
        json_decref(mine);
        srv_error(resp, 400, "bad_manifest", "credential_authority", "credential_authority "
                  "must be absent (the server's is put in) or the server's own (GET "
                  "/api/v1/info)");
        return -1;
    }
    if (json_object_set_new(body, "credential_authority", mine) != 0)
        return srv_error(resp, 500, "internal", NULL, "out of memory"), -1;
    return 0;
}

/* srv_check: the id must still be free when the manifest is appended. */
static int check_new(srv_state *st, void *arg, srv_resp *resp)
{
    srv_election *h = srv_election_acquire(st, arg);
    veche_admin_err e;
    if (h == NULL)
        return 0;
    veche_admin_exists(h->el, &e);
    srv_election_release(st, h);
    admin_error(resp, &e);
    return -1;
}

static int h_create(srv_req *r, srv_resp *resp)
{
    char id[VECHE_ELECTION_ID_MAX + 1], *entry = NULL;
    veche_admin_err e;
    json_t *body = srv_body_json(r, resp);
    size_t len;
    uint64_t first;

    if (body == NULL)
        return 0;
    if (!json_is_object(body)) {
        json_decref(body);
        return srv_error(resp, 400, "bad_manifest", NULL, "the manifest must be a JSON object");
    }
    if (put_authority(body, &r->st->authority, resp) != 0)
        goto done;
    if (veche_admin_create(&entry, &len, id, body, &r->st->admin, &e) != VECHE_ADMIN_OK) {
        admin_error(resp, &e);
        goto done;
    }
    if (check_new(r->st, id, resp) != 0)
        goto done;
    const uint8_t *one = (const uint8_t *)entry;
    if (srv_append(r->st, &one, &len, 1, check_new, id, &first, resp) == 0)
        answer_detail(r->st, id, resp, 201);
done:
    free(entry);
    json_decref(body);
    return 0;
}

/* ---- POST /api/v1/elections/{id}/credentials --------------------------------------------- */

static int is_csv(const char *content_type)
{
    size_t n = strlen("text/csv");
    return content_type != NULL && strncasecmp(content_type, "text/csv", n) == 0 &&
           (content_type[n] == 0 || content_type[n] == ';' || content_type[n] == ' ');
}

/* Appends s to the growing buffer; -1 if out of memory. */
typedef struct sbuf {
    char  *p;
    size_t len, cap;
} sbuf;

/* Grows by copying, so that every old buffer (it held codes) is wiped before it is freed. */
static int sbuf_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64 * KIB;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = malloc(cap);
        if (q == NULL)
            return -1;
        if (b->p != NULL) {
            memcpy(q, b->p, b->len);
            sodium_memzero(b->p, b->cap);
            free(b->p);
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

/*
 * {"voters","parts","codes":[{"name","code","weight"},...]} written by hand
 * rather than through jansson, so that no copy of a code escapes wiping.
 */
static int codes_json(sbuf *b, const veche_roll *roll, const veche_admin_creds *c)
{
    char head[96];
    int bad = 0;
    snprintf(head, sizeof head, "{\"voters\":%zu,\"parts\":%zu,\"codes\":[", roll->n, c->nparts);
    bad |= sbuf_add(b, head, strlen(head));
    for (size_t i = 0; i < roll->n && !bad; i++) {
        json_t *name = json_string(roll->name[i]);   /* names are public; only escaping */
        char *esc = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
        char tail[64];
        json_decref(name);
        if (esc == NULL)
            return -1;
        bad |= sbuf_add(b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
        bad |= sbuf_add(b, esc, strlen(esc));
        free(esc);
        bad |= sbuf_add(b, ",\"code\":\"", 9);
        bad |= sbuf_add(b, c->codes[i], strlen(c->codes[i]));
        snprintf(tail, sizeof tail, "\",\"weight\":%" PRIu32 "}", roll->weight[i]);
        bad |= sbuf_add(b, tail, strlen(tail));
    }
    bad |= sbuf_add(b, "]}", 2);
    return bad ? -1 : 0;
}

/* Generates, appends (rechecked by the writer) and answers the codes, once. */
static int credentials_issue(srv_req *r, srv_resp *resp, const veche_election *el,
                             const veche_roll *roll)
{
    step_check chk = {el->id, veche_admin_credentials_allowed, &r->st->authority, AUTH_KEY_NAME};
    veche_admin_creds c;
    veche_admin_err e;
    sbuf b = {NULL, 0, 0};
    uint64_t first;

    if (veche_admin_credentials(&c, el, roll, &r->st->authority, AUTH_KEY_NAME, &e) !=
        VECHE_ADMIN_OK)
        return admin_error(resp, &e);
    /* The answer is made before the append, so that nothing can fail after it. */
    if (codes_json(&b, roll, &c) != 0) {
        srv_error(resp, 500, "internal", NULL, "out of memory");
    } else if (srv_append(r->st, (const uint8_t *const *)c.entries, c.lens, c.nparts,
                          check_step, &chk, &first, resp) == 0) {
        resp->status = 201;
        resp->secret = 1;            /* the codes: wiped when the answer is freed */
        resp->body = b.p;            /* the response owns it now */
        resp->len = b.len;
        resp->content_type = "application/json";
        b.p = NULL;
    }
    if (b.p != NULL)
        sodium_memzero(b.p, b.cap);
    free(b.p);
    veche_admin_creds_free(&c);      /* wipes the codes */
    return 0;
}

static int h_credentials(srv_req *r, srv_resp *resp)
{
    const char *id = r->params[0];
    srv_election *h;
    veche_admin_err e;
    veche_roll roll;

    if (!is_csv(r->content_type))
        return srv_error(resp, 415, "bad_content_type", NULL, "the roll must be sent as "
                         "text/csv: NAME or NAME,WEIGHT per line");
    if ((h = srv_election_acquire(r->st, id)) == NULL)
        return no_election(resp, id);
    if (veche_admin_credentials_allowed(h->el, &r->st->authority, AUTH_KEY_NAME, &e) !=
        VECHE_ADMIN_OK)
        admin_error(resp, &e);
    else if (veche_roll_parse(&roll, (const char *)r->body, r->body_len, ROLL_MAX_LINES, &e) !=
             VECHE_ADMIN_OK)
        admin_error(resp, &e);
    else {
        credentials_issue(r, resp, h->el, &roll);
        veche_roll_free(&roll);
    }
    srv_election_release(r->st, h);
    return 0;
}

/* ---- POST /api/v1/elections/{id}/key, /open, /close ------------------------------------- */

static int h_key(srv_req *r, srv_resp *resp)
{
    static const char *const known[] = {"without_pending", NULL};
    step_check chk = {r->params[0], veche_admin_key_allowed, &r->st->admin, ADMIN_KEY_NAME};
    veche_admin_keyinfo info;
    veche_admin_err e;
    srv_election *h;
    json_t *body = srv_object_body(r, resp, known, "{}"), *wp;
    char *entry = NULL;
    size_t len;

    if (body == NULL)
        return 0;
    wp = json_object_get(body, "without_pending");
    if (wp != NULL && !json_is_boolean(wp)) {
        json_decref(body);
        return srv_error(resp, 400, "bad_request", "without_pending", "must be true or false");
    }
    if ((h = srv_election_acquire(r->st, chk.id)) == NULL) {
        json_decref(body);
        return no_election(resp, chk.id);
    }
    if (veche_admin_key(&entry, &len, &info, h->el, &r->st->admin, ADMIN_KEY_NAME,
                        json_is_true(wp), "send {\"without_pending\": true}", &e) !=
        VECHE_ADMIN_OK)
        admin_error(resp, &e);
    srv_election_release(r->st, h);
    json_decref(body);
    if (entry != NULL)
        append_step(r, resp, &entry, &len, 1, &chk);
    free(entry);
    return 0;
}

typedef veche_admin_kind (*build_fn)(char **entry, size_t *len, const veche_election *el,
                                     const veche_key *admin, const char *key_name,
                                     veche_admin_err *e);

/* open and close: a {} body, one entry from the cached election, rechecked at append. */
static int simple_step(srv_req *r, srv_resp *resp, build_fn build, allowed_fn allowed)
{
    step_check chk = {r->params[0], allowed, &r->st->admin, ADMIN_KEY_NAME};
    veche_admin_err e;
    srv_election *h;
    json_t *body = srv_object_body(r, resp, NULL, "{}");
    char *entry = NULL;
    size_t len;

    if (body == NULL)
        return 0;
    json_decref(body);
    if ((h = srv_election_acquire(r->st, chk.id)) == NULL)
        return no_election(resp, chk.id);
    if (build(&entry, &len, h->el, &r->st->admin, ADMIN_KEY_NAME, &e) != VECHE_ADMIN_OK)
        admin_error(resp, &e);
    srv_election_release(r->st, h);
    if (entry != NULL)
        append_step(r, resp, &entry, &len, 1, &chk);
    free(entry);
    return 0;
}

static int h_open(srv_req *r, srv_resp *resp)
{
    return simple_step(r, resp, veche_admin_open, veche_admin_open_allowed);
}

static int h_close(srv_req *r, srv_resp *resp)
{
    return simple_step(r, resp, veche_admin_close, veche_admin_close_allowed);
}

/* The result's counts are on the record; here only the entry matters. */
static veche_admin_kind result_entry(char **entry, size_t *len, const veche_election *el,
                                     const veche_key *admin, const char *key_name,
                                     veche_admin_err *e)
{
    veche_result r;
    return veche_admin_result(entry, len, &r, el, admin, key_name, e);
}

/* The discrete logs (the expensive part) run here, in the request's thread. */
static int h_result(srv_req *r, srv_resp *resp)
{
    return simple_step(r, resp, result_entry, veche_admin_result_allowed);
}

/* ---- POST /api/v1/elections/{id}/tally ----------------------------------------------------- */

/*
 * The ballots are read through a board handle of this request's own (SQLite
 * lets readers run beside the writer), so counting 100,000 ballots never
 * holds the shared handle's lock.
 */
static int tally_count(srv_req *r, srv_resp *resp, const char *id, char **entry, size_t *len)
{
    veche_record_src src = {NULL, NULL};
    veche_votes *v = NULL;
    veche_count *c = NULL;
    veche_admin_err e;
    veche_diag d = {{0}};

    if (veche_board_open(&src.board, r->st->db_path, NULL, &d) != VECHE_OK ||
        veche_votes_load(&v, &src, id, &d) != VECHE_OK)
        srv_error(resp, 500, "internal", NULL, "reading the record: %s", d.msg);
    else if (veche_admin_tally(entry, len, &c, v, &r->st->admin, ADMIN_KEY_NAME, 0, &e) !=
             VECHE_ADMIN_OK)
        admin_error(resp, &e);
    veche_count_free(c);
    veche_votes_free(v);
    veche_board_close(src.board);
    return *entry != NULL ? 0 : -1;
}

static int h_tally(srv_req *r, srv_resp *resp)
{
    step_check chk = {r->params[0], veche_admin_tally_allowed, &r->st->admin, ADMIN_KEY_NAME};
    veche_admin_err e;
    srv_election *h;
    json_t *body = srv_object_body(r, resp, NULL, "{}");
    char *entry = NULL;
    size_t len;
    int ok;

    if (body == NULL)
        return 0;
    json_decref(body);
    /* The cheap refusals first: counting is the expensive part. */
    if ((h = srv_election_acquire(r->st, chk.id)) == NULL)
        return no_election(resp, chk.id);
    ok = veche_admin_tally_allowed(h->el, &r->st->admin, ADMIN_KEY_NAME, &e) == VECHE_ADMIN_OK;
    srv_election_release(r->st, h);
    if (!ok)
        return admin_error(resp, &e);
    if (tally_count(r, resp, chk.id, &entry, &len) == 0)
        append_step(r, resp, &entry, &len, 1, &chk);
    free(entry);
    return 0;
}

/* ---- POST /api/v1/record/entries: a trustee's entry ---------------------------------------- */

/* 403 unless the entry is trustee.*, for an election here, signed by a trustee it lists. */
static int trustee_allowed(srv_state *st, const veche_entry *ent, srv_resp *resp)
{
    const char *id = json_string_value(json_object_get(ent->body, "election"));
    json_int_t said = json_integer_value(json_object_get(ent->body, "trustee"));
    srv_election *h;
    uint32_t t;

    if (strncmp(ent->type, "trustee.", 8) != 0)
        return srv_error(resp, 403, "forbidden", "type", "only trustees' entries (trustee.*) "
                         "are accepted here, not %.64s", ent->type), -1;
    if (id == NULL || (h = srv_election_acquire(st, id)) == NULL)
        return no_election(resp, id ? id : ""), -1;
    t = ent->is_signed ? veche_manifest_trustee(&h->el->manifest, ent->author) : 0;
    srv_election_release(st, h);
    if (t == 0)
        return srv_error(resp, 403, "forbidden", "author", "the entry is not signed by a "
                         "trustee of election \"%.64s\"", id), -1;
    if (said != (json_int_t)t)
        return srv_error(resp, 403, "forbidden", "body.trustee", "the entry is signed by "
                         "trustee %u's key but says trustee %lld", t, (long long)said), -1;
    return 0;
}

static int h_entry(srv_req *r, srv_resp *resp)
{
    veche_diag d = {{0}};
    veche_entry ent;
    veche_hash leaf;
    json_t *canon = NULL;
    char code[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    uint64_t at;

    if (veche_canon_parse(&canon, (const char *)r->body, r->body_len, &d) != VECHE_OK)
        return srv_error(resp, 400, "bad_json", NULL, "the entry is not canonical JSON: %s",
                         d.msg);
    json_decref(canon);
    if (veche_entry_decode(&ent, r->body, r->body_len, &d) != VECHE_OK)
        return srv_error(resp, 422, "invalid_entry", NULL, "%s", d.msg);
    if (trustee_allowed(r->st, &ent, resp) != 0) {
        veche_entry_free(&ent);
        return 0;
    }
    veche_entry_free(&ent);
    if (srv_append(r->st, &r->body, &r->body_len, 1, NULL, NULL, &at, resp) != 0)
        return 0;
    veche_merkle_leaf_hash(leaf, r->body, r->body_len);
    sodium_bin2base64(code, sizeof code, leaf, sizeof leaf, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_pack("{s:I, s:s}", "index", (json_int_t)at, "tracking_code", code);
    if (j == NULL)
        return srv_error(resp, 500, "internal", NULL, "out of memory");
    return srv_json(resp, 201, j);
}

/* ---- the table ------------------------------------------------------------------------------- */

const srv_route srv_routes_admin[] = {
    {"POST", "/api/v1/elections", h_create, SRV_ADMIN, 64 * KIB},
    {"POST", "/api/v1/elections/{}/credentials", h_credentials, SRV_ADMIN, 16 * MIB},
    {"POST", "/api/v1/elections/{}/key", h_key, SRV_ADMIN, 64 * KIB},
    {"POST", "/api/v1/elections/{}/open", h_open, SRV_ADMIN, 64 * KIB},
    {"POST", "/api/v1/elections/{}/close", h_close, SRV_ADMIN, 64 * KIB},
    {"POST", "/api/v1/elections/{}/tally", h_tally, SRV_ADMIN, 64 * KIB},
    {"POST", "/api/v1/elections/{}/result", h_result, SRV_ADMIN, 64 * KIB},
    {"POST", "/api/v1/record/entries", h_entry, 0, VECHE_ENTRY_MAX_BYTES},
    {NULL, NULL, NULL, 0, 0},
};
