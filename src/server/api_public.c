/*
 * api_public.c — what anyone may read: the public record (entries, signed
 * checkpoints, proofs, receipts) and the elections' public facts
 * (docs/API.md, "The public record" and "Elections, for everyone").
 *
 * Everything here is read-only. Answers that can never change (an entry, a
 * proof between two given sizes, a range of entries with an explicit end)
 * are marked immutable, so a cache or a trustee's client may keep them
 * forever; the rest is no-store. The board is shared: every read holds
 * board_lock for as short as one entry or one proof takes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "election/tally.h"
#include "server/internal.h"
#include "version.h"

#define RANGE_MAX 1000   /* entries per /record/entries answer */

/* ---- helpers -------------------------------------------------------------------------------- */

static uint64_t board_size(srv_state *st)
{
    uint64_t n;
    pthread_mutex_lock(&st->board_lock);
    n = veche_board_size(st->board);
    pthread_mutex_unlock(&st->board_lock);
    return n;
}

/* A path segment as an entry index below the size: 0, or -1 with the error set. */
static int path_index(srv_req *r, srv_resp *resp, const char *s, uint64_t *index)
{
    uint64_t v = 0, size = board_size(r->st);
    size_t n = strlen(s);
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0') || strspn(s, "0123456789") != n) {
        srv_error(resp, 400, "bad_parameter", "index",
                  "'%.40s' is not an entry index (a decimal integer)", s);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    if (v >= size) {
        srv_error(resp, 404, "not_found", "index",
                  "no entry %" PRIu64 ": the record has %" PRIu64 " entries", v, size);
        return -1;
    }
    *index = v;
    return 0;
}

static json_t *proof_json(const veche_hash *proof, size_t len)
{
    json_t *a = json_array();
    for (size_t i = 0; i < len; i++)
        json_array_append_new(a, veche_b64_json(proof[i], VECHE_HASH_BYTES));
    return a;
}

/* An error for a failed board read: 500 with the reason. */
static int storage_error(srv_resp *resp, veche_err e, const char *what)
{
    return srv_error(resp, 500, "internal", NULL, "reading %s failed: %s", what,
                     veche_strerror(e));
}

/* ---- the record ----------------------------------------------------------------------------- */

static int h_info(srv_req *r, srv_resp *resp)
{
    srv_state *st = r->st;
    char vkey[512];
    uint64_t size;

    pthread_mutex_lock(&st->board_lock);
    veche_note_key_format(vkey, sizeof vkey, veche_board_key(st->board));
    size = veche_board_size(st->board);
    pthread_mutex_unlock(&st->board_lock);
    return srv_json(resp, 200, json_pack("{s:s, s:s, s:I, s:s, s:o, s:o}", "origin",
                                         veche_board_origin(st->board), "vkey", vkey, "size",
                                         (json_int_t)size, "version", VECHE_VERSION,
                                         "administrator", veche_b64_json(st->admin.pk, 32),
                                         "credential_authority",
                                         veche_b64_json(st->authority.pk, 32)));
}

static int h_checkpoint(srv_req *r, srv_resp *resp)
{
    veche_diag d = {{0}};
    char *note = NULL;
    veche_err e;

    pthread_mutex_lock(&r->st->board_lock);
    e = veche_board_checkpoint(r->st->board, &note, &d);
    pthread_mutex_unlock(&r->st->board_lock);
    if (e != VECHE_OK)
        return srv_error(resp, 500, "internal", NULL, "no checkpoint: %s", d.msg);
    srv_text(resp, 200, "text/plain; charset=utf-8", note, strlen(note));
    free(note);
    return 0;
}

typedef struct range_buf {
    char  *p;
    size_t len, cap;
} range_buf;

static veche_err range_line(void *arg, uint64_t index, const uint8_t *entry, size_t len,
                            const veche_hash leaf)
{
    range_buf *b = arg;
    (void)index;
    (void)leaf;
    if (b->len + len + 2 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len + 2)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return VECHE_ENOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, entry, len);   /* canonical JSON: no raw newline inside */
    b->len += len;
    b->p[b->len++] = '\n';
    b->p[b->len] = 0;
    return VECHE_OK;
}

static int h_entries(srv_req *r, srv_resp *resp)
{
    uint64_t size = board_size(r->st), start = 0, end = 0;
    range_buf b = {NULL, 0, 0};
    veche_store *store;
    veche_err e;
    int explicit_end = srv_query(r, "end") != NULL;

    if (srv_query_u64(r, resp, "start", size, 0, &start) != 0 ||
        srv_query_u64(r, resp, "end", UINT64_MAX, 0, &end) != 0)
        return 0;
    if (!explicit_end)
        end = start + RANGE_MAX < size ? start + RANGE_MAX : size;
    if (end > size)
        return srv_error(resp, 400, "bad_parameter", "end",
                         "end (%" PRIu64 ") is past the size of the record (%" PRIu64 ")", end,
                         size);
    if (end < start)
        return srv_error(resp, 400, "bad_parameter", "end",
                         "end (%" PRIu64 ") is before start (%" PRIu64 ")", end, start);
    if (end - start > RANGE_MAX)
        return srv_error(resp, 400, "bad_parameter", "end",
                         "at most %d entries at once (asked for %" PRIu64 ")", RANGE_MAX,
                         end - start);
    pthread_mutex_lock(&r->st->board_lock);
    store = veche_board_store(r->st->board);
    e = store->ops->range(store, start, end, range_line, &b);
    pthread_mutex_unlock(&r->st->board_lock);
    if (e != VECHE_OK) {
        free(b.p);
        return storage_error(resp, e, "the entries");
    }
    srv_text(resp, 200, "application/x-ndjson", b.p ? b.p : "", b.len);
    free(b.p);
    resp->immutable = explicit_end;
    return 0;
}

static int h_entry(srv_req *r, srv_resp *resp)
{
    veche_diag d = {{0}};
    uint64_t index;
    uint8_t *entry = NULL;
    size_t len;
    veche_err e;

    if (path_index(r, resp, r->params[0], &index) != 0)
        return 0;
    pthread_mutex_lock(&r->st->board_lock);
    e = veche_board_get(r->st->board, index, &entry, &len, &d);
    pthread_mutex_unlock(&r->st->board_lock);
    if (e != VECHE_OK)
        return storage_error(resp, e, "the entry");
    srv_text(resp, 200, "application/json", (const char *)entry, len);
    free(entry);
    resp->immutable = 1;
    return 0;
}

/*
 * The two proofs' queries: first (index or old) and size, which may not
 * pass the record's size. -1 with the refusal in resp.
 */
static int proof_query(srv_req *r, srv_resp *resp, const char *first, uint64_t *v,
                       uint64_t *size)
{
    uint64_t bsize = board_size(r->st);

    if (srv_query_u64(r, resp, first, UINT64_MAX, 1, v) != 0 ||
        srv_query_u64(r, resp, "size", UINT64_MAX, 1, size) != 0)
        return -1;
    if (*size > bsize) {
        srv_error(resp, 400, "bad_parameter", "size",
                  "size %" PRIu64 " is past the size of the record (%" PRIu64 ")", *size, bsize);
        return -1;
    }
    return 0;
}

/* The two proofs' answer, {first, size, proof}: immutable, as the record below size is. */
static int proof_answer(srv_resp *resp, veche_err e, const char *what, const char *first,
                        uint64_t v, uint64_t size, const veche_hash *proof, size_t len)
{
    if (e != VECHE_OK)
        return storage_error(resp, e, what);
    srv_json(resp, 200, json_pack("{s:I, s:I, s:o}", first, (json_int_t)v, "size",
                                  (json_int_t)size, "proof", proof_json(proof, len)));
    resp->immutable = 1;
    return 0;
}

static int h_inclusion(srv_req *r, srv_resp *resp)
{
    uint64_t index = 0, size = 0;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t len;
    veche_err e;

    if (proof_query(r, resp, "index", &index, &size) != 0)
        return 0;
    if (index >= size)
        return srv_error(resp, 400, "bad_parameter", "index",
                         "index %" PRIu64 " is not below size %" PRIu64, index, size);
    pthread_mutex_lock(&r->st->board_lock);
    e = veche_board_inclusion(r->st->board, index, size, proof, &len);
    pthread_mutex_unlock(&r->st->board_lock);
    return proof_answer(resp, e, "the inclusion proof", "index", index, size, proof, len);
}

static int h_consistency(srv_req *r, srv_resp *resp)
{
    uint64_t old = 0, size = 0;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t len;
    veche_err e;

    if (proof_query(r, resp, "old", &old, &size) != 0)
        return 0;
    if (old == 0 || old > size)
        return srv_error(resp, 400, "bad_parameter", "old",
                         "old must be from 1 to size (%" PRIu64 "), not %" PRIu64, size, old);
    pthread_mutex_lock(&r->st->board_lock);
    e = veche_board_consistency(r->st->board, old, size, proof, &len);
    pthread_mutex_unlock(&r->st->board_lock);
    return proof_answer(resp, e, "the consistency proof", "old", old, size, proof, len);
}

/*
 * A receipt for index against the latest checkpoint (the writer makes one
 * per batch; if it still does not cover index, one is made now). NULL and
 * d set on failure.
 */
static char *receipt_for(srv_state *st, uint64_t index, veche_diag *d)
{
    char *receipt = NULL, *note = NULL;
    pthread_mutex_lock(&st->board_lock);
    if (veche_board_receipt(st->board, index, &receipt, d) != VECHE_OK &&
        veche_board_checkpoint(st->board, &note, d) == VECHE_OK)
        veche_board_receipt(st->board, index, &receipt, d);
    pthread_mutex_unlock(&st->board_lock);
    free(note);
    return receipt;
}

static int h_receipt(srv_req *r, srv_resp *resp)
{
    veche_diag d = {{0}};
    uint64_t index;
    char *receipt;

    if (path_index(r, resp, r->params[0], &index) != 0)
        return 0;
    if ((receipt = receipt_for(r->st, index, &d)) == NULL)
        return srv_error(resp, 500, "internal", NULL, "no receipt: %s", d.msg);
    srv_text(resp, 200, "text/plain; charset=utf-8", receipt, strlen(receipt));
    free(receipt);
    return 0;
}

/* ---- elections ----------------------------------------------------------------------------- */

static int h_elections(srv_req *r, srv_resp *resp)
{
    char (*ids)[VECHE_ELECTION_ID_MAX + 1] = NULL;
    size_t n = srv_election_ids(r->st, &ids);
    json_t *a = json_array();

    if (ids == NULL)
        return srv_error(resp, 500, "internal", NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        srv_election *h = srv_election_acquire(r->st, ids[i]);
        if (h == NULL)
            continue;
        json_array_append_new(a, srv_election_json(r->st, h, 0));
        srv_election_release(r->st, h);
    }
    free(ids);
    return srv_json(resp, 200, json_pack("{s:o}", "elections", a));
}

/* The election named by the first capture, or NULL with a 404 set. */
static srv_election *election_of(srv_req *r, srv_resp *resp)
{
    srv_election *h = srv_election_acquire(r->st, r->params[0]);
    if (h == NULL)
        srv_error(resp, 404, "not_found", "id", "no election '%.64s' on this board",
                  r->params[0]);
    return h;
}

static int h_election(srv_req *r, srv_resp *resp)
{
    srv_election *h = election_of(r, resp);
    if (h == NULL)
        return 0;
    srv_json(resp, 200, srv_election_json(r->st, h, 1));
    srv_election_release(r->st, h);
    return 0;
}

static json_t *bytes_json(const veche_election_entry *e)
{
    return json_stringn((const char *)e->bytes, e->len);
}

/* The credential authority's parts, in part order (the first of each part). */
static json_t *credential_parts(const veche_election *el)
{
    const veche_election_list *l = &el->credentials;
    json_t *a = json_array();
    for (uint64_t part = 0; part < el->nparts && part < VECHE_CREDENTIALS_MAX_PARTS; part++) {
        for (size_t i = 0; i < l->n; i++) {
            const veche_election_entry *e = &l->v[i];
            json_t *p = json_object_get(e->body, "part");
            if (e->is_signed && memcmp(e->author, el->manifest.authority_key, 32) == 0 &&
                json_is_integer(p) && (uint64_t)json_integer_value(p) == part) {
                json_array_append_new(a, bytes_json(e));
                break;
            }
        }
    }
    return a;
}

static int h_bundle(srv_req *r, srv_resp *resp)
{
    srv_election *h = election_of(r, resp);
    const veche_election *el;
    const veche_election_entry *key, *open;

    if (h == NULL)
        return 0;
    el = h->el;
    key = veche_admin_first(el, &el->keys);
    open = veche_admin_first(el, &el->opens);
    srv_json(resp, 200, json_pack("{s:o, s:o, s:o, s:o}", "manifest",
                                  bytes_json(&el->manifest_entry), "key",
                                  key ? bytes_json(key) : json_null(), "credentials",
                                  credential_parts(el), "open",
                                  open ? bytes_json(open) : json_null()));
    srv_election_release(r->st, h);
    return 0;
}

static void tracking_code(char out[VECHE_TRACKING_CODE_CHARS + 1], const uint8_t leaf[32])
{
    sodium_bin2base64(out, VECHE_TRACKING_CODE_CHARS + 1, leaf, 32,
                      sodium_base64_VARIANT_ORIGINAL);
}

static void ballot_item(void *arg, const srv_ballot_rec *b, const char *fate)
{
    char code[VECHE_TRACKING_CODE_CHARS + 1];
    tracking_code(code, b->leaf);
    json_array_append_new(arg, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)b->index,
                                         "tracking_code", code, "fate", fate));
}

static int h_ballots(srv_req *r, srv_resp *resp)
{
    json_t *a = json_array();
    if (srv_ballots_each(r->st, r->params[0], ballot_item, a) != 0) {
        json_decref(a);
        return srv_error(resp, 404, "not_found", "id", "no election '%.64s' on this board",
                         r->params[0]);
    }
    return srv_json(resp, 200, json_pack("{s:o}", "ballots", a));
}

static int h_ballot(srv_req *r, srv_resp *resp)
{
    const char *code = r->params[0];
    uint8_t leaf[32];
    size_t got;
    srv_ballot_info info;
    veche_diag d = {{0}};
    char *receipt;
    uint8_t *entry = NULL;
    size_t len;
    veche_err e;

    if (strlen(code) != VECHE_TRACKING_CODE_CHARS ||
        sodium_base642bin(leaf, sizeof leaf, code, strlen(code), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32)
        return srv_error(resp, 400, "bad_parameter", "tracking_code",
                         "a tracking code is 44 characters of base64 (escape + / = in the URL)");
    if (!srv_ballot_lookup(r->st, leaf, &info))
        return srv_error(resp, 404, "not_found", "tracking_code",
                         "no ballot with this tracking code on the record");
    pthread_mutex_lock(&r->st->board_lock);
    e = veche_board_get(r->st->board, info.index, &entry, &len, &d);
    pthread_mutex_unlock(&r->st->board_lock);
    if (e != VECHE_OK)
        return storage_error(resp, e, "the ballot");
    receipt = srv_receipt(r->st, info.index, entry, len, &d);
    free(entry);
    if (receipt == NULL)
        return srv_error(resp, 500, "internal", NULL, "no receipt: %s", d.msg);
    srv_json(resp, 200, json_pack("{s:I, s:s, s:s, s:s, s:s}", "index", (json_int_t)info.index,
                                  "election", info.election, "tracking_code", code, "fate",
                                  info.fate, "receipt", receipt));
    free(receipt);
    return 0;
}

const srv_route srv_routes_public[] = {
    { "GET", "/api/v1/info",                   h_info,        0,             0 },
    { "GET", "/api/v1/record/checkpoint",      h_checkpoint,  0,             0 },
    { "GET", "/api/v1/record/entries",         h_entries,     SRV_IMMUTABLE, 0 },
    { "GET", "/api/v1/record/entries/{}",      h_entry,       SRV_IMMUTABLE, 0 },
    { "GET", "/api/v1/record/inclusion",       h_inclusion,   SRV_IMMUTABLE, 0 },
    { "GET", "/api/v1/record/consistency",     h_consistency, SRV_IMMUTABLE, 0 },
    { "GET", "/api/v1/record/receipt/{}",      h_receipt,     0,             0 },
    { "GET", "/api/v1/elections",              h_elections,   0,             0 },
    { "GET", "/api/v1/elections/{}",           h_election,    0,             0 },
    { "GET", "/api/v1/elections/{}/bundle",    h_bundle,      0,             0 },
    { "GET", "/api/v1/elections/{}/ballots",   h_ballots,     0,             0 },
    { "GET", "/api/v1/ballots/{}",             h_ballot,      0,             0 },
    { NULL, NULL, NULL, 0, 0 },
};
