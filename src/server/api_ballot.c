/*
 * api_ballot.c — casting a ballot: POST /api/v1/elections/{id}/ballots.
 *
 * The ballot arrives as its canonical bytes. The expensive part, checking
 * its proofs and signature (veche_ballot_verify), runs here on the
 * request's own thread, so many ballots are verified in parallel; only the
 * cheap part runs in the writer, just before the append: the election is
 * still open, and the same bytes are not already on the record. So an
 * acknowledged ballot is inside the window (the close cannot overtake it),
 * and a retry of a ballot already recorded is answered 200 with the index
 * it already has instead of being counted twice.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/internal.h"

#define BALLOT_MAX_BODY (1u << 20)

/* What the writer's check needs and tells back. */
typedef struct cast {
    const char *id;
    uint8_t     leaf[32];
    int         duplicate;   /* the bytes were already on the record */
    uint64_t    index;       /* ... at this index */
} cast;

/* 409 unless the election is open: the reason depends on how far it is. */
static int not_open(srv_resp *resp, const char *stage)
{
    if (strcmp(stage, "setup") == 0 || strcmp(stage, "ready") == 0)
        return srv_error(resp, 409, "election_not_open", NULL,
                         "the election is not open yet (stage: %s)", stage);
    return srv_error(resp, 409, "election_closed", NULL,
                     "the election is closed (stage: %s); no more ballots", stage);
}

/* In the writer: the state as it is right before the append. */
static int check_cast(srv_state *st, void *arg, srv_resp *resp)
{
    cast *c = arg;
    srv_ballot_info info;
    srv_election *h;
    const char *stage;

    if (srv_ballot_lookup(st, c->leaf, &info)) {
        c->duplicate = 1;
        c->index = info.index;
        srv_error(resp, 200, "duplicate", NULL, "already on the record");
        return -1;
    }
    if ((h = srv_election_acquire(st, c->id)) == NULL)
        return srv_error(resp, 404, "not_found", "id", "no election '%s'", c->id), -1;
    stage = srv_election_stage(h->el);
    int open = strcmp(stage, "open") == 0;
    if (!open)
        not_open(resp, stage);
    srv_election_release(st, h);
    return open ? 0 : -1;
}

/*
 * {"index":N,"tracking_code":"...","receipt":"..."} written directly: the
 * receipt is a few KiB of ASCII lines (and the signature's em dash), and
 * this is every cast's answer, so it is escaped here rather than through
 * a JSON tree. NULL if out of memory.
 */
static char *answer_json(uint64_t index, const char *code, const char *receipt, size_t *len)
{
    size_t rl = receipt ? strlen(receipt) : 0, n = 0;
    char *out = malloc(96 + VECHE_TRACKING_CODE_CHARS + 6 * rl + 16);
    if (out == NULL)
        return NULL;
    n = (size_t)sprintf(out, "{\"index\":%" PRIu64 ",\"tracking_code\":\"%s\",\"receipt\":",
                        index, code);
    if (receipt == NULL) {
        n += (size_t)sprintf(out + n, "null}");
    } else {
        out[n++] = '"';
        for (size_t i = 0; i < rl; i++) {
            unsigned char c = (unsigned char)receipt[i];
            if (c == '"' || c == '\\') {
                out[n++] = '\\';
                out[n++] = (char)c;
            } else if (c == '\n') {
                out[n++] = '\\';
                out[n++] = 'n';
            } else if (c < 0x20) {
                n += (size_t)sprintf(out + n, "\\u%04x", c);
            } else {
                out[n++] = (char)c;
            }
        }
        out[n++] = '"';
        out[n++] = '}';
        out[n] = 0;
    }
    *len = n;
    return out;
}

/* 200/201 {index, tracking_code, receipt}. */
static int answer(srv_req *r, srv_resp *resp, unsigned status, uint64_t index,
                  const uint8_t *bytes, size_t len)
{
    char code[VECHE_TRACKING_CODE_CHARS + 1], *receipt, *body;
    veche_diag d = {{0}};
    size_t blen;

    veche_ballot_tracking_code(code, bytes, len);
    receipt = srv_receipt(r->st, index, bytes, len, &d);
    /* The ballot is recorded either way; a missing receipt can be fetched again. */
    body = answer_json(index, code, receipt, &blen);
    free(receipt);
    if (body == NULL)
        return srv_error(resp, 500, "internal", NULL, "out of memory (the ballot is recorded "
                         "at entry %" PRIu64 ")", index);
    free(resp->body);
    resp->body = body;
    resp->len = blen;
    resp->status = status;
    resp->content_type = "application/json";
    return 0;
}

/* The path of the offending member at the start of a verifier's message ("body.x[1]: ..."). */
static void diag_field(char *out, size_t cap, const char *msg)
{
    size_t n = strcspn(msg, ": ");
    if (n == 0 || n >= cap || msg[n] != ':') {
        snprintf(out, cap, "body");
        return;
    }
    memcpy(out, msg, n);
    out[n] = 0;
}

/* Verifies the ballot against the cached election: 0 and its credential, or -1 with the refusal set. */
static int verify(srv_req *r, srv_resp *resp, const srv_election *h, const json_t *j,
                  uint8_t credential[32])
{
    const srv_election_x *x = srv_election_ext(h);
    const veche_election *el = h->el;
    const char *stage = srv_election_stage(el);
    veche_ballot b;
    veche_diag d = {{0}};
    char field[128];
    int listed;

    if (strcmp(stage, "open") != 0 || !x->has_K || !el->has_fingerprint)
        return not_open(resp, stage), -1;
    if (veche_ballot_verify_decoded(&b, r->body, r->body_len, j, &el->manifest, &x->K,
                                    el->fingerprint, &d) != VECHE_OK) {
        diag_field(field, sizeof field, d.msg);
        return srv_error(resp, 422, "invalid_ballot", field, "the ballot is refused: %s", d.msg),
               -1;
    }
    listed = veche_credentials_find(&el->creds, b.credential) != NULL;
    memcpy(credential, b.credential, 32);
    veche_ballot_free(&b);
    if (!listed)
        return srv_error(resp, 403, "unlisted_credential", "body.credential",
                         "this credential is not on the election's list of voters"), -1;
    return 0;
}

static int h_cast(srv_req *r, srv_resp *resp)
{
    veche_diag d = {{0}};
    json_t *j = NULL;
    srv_election *h;
    srv_ballot_info known;
    srv_entry_info info;
    cast c;
    uint64_t index;
    const uint8_t *one = r->body;
    size_t len = r->body_len;

    memset(&c, 0, sizeof c);
    c.id = r->params[0];
    if ((h = srv_election_acquire(r->st, c.id)) == NULL)
        return srv_error(resp, 404, "not_found", "id", "no election '%.64s' on this board", c.id);
    if (veche_canon_parse(&j, (const char *)r->body, r->body_len, &d) != VECHE_OK) {
        srv_election_release(r->st, h);
        return srv_error(resp, 400, "bad_json", NULL, "the ballot is not canonical JSON: %s",
                         d.msg);
    }
    /* A retry of a recorded ballot: its index again, whatever the stage now. */
    veche_merkle_leaf_hash(c.leaf, r->body, r->body_len);
    if (srv_ballot_lookup(r->st, c.leaf, &known) && strcmp(known.election, c.id) == 0) {
        json_decref(j);
        srv_election_release(r->st, h);
        return answer(r, resp, 200, known.index, r->body, r->body_len);
    }
    /* What the writer must know of the entry, known here without parsing it again. */
    memset(&info, 0, sizeof info);
    info.is_ballot = 1;
    snprintf(info.election, sizeof info.election, "%s", h->el->id);
    memcpy(info.leaf, c.leaf, 32);
    int ok = verify(r, resp, h, j, info.cred) == 0;
    json_decref(j);
    srv_election_release(r->st, h);
    if (!ok)
        return 0;
    if (srv_append_classified(r->st, &one, &len, &info, 1, check_cast, &c, &index, resp) != 0) {
        if (!c.duplicate)
            return 0;
        free(resp->body);
        resp->body = NULL;
        return answer(r, resp, 200, c.index, r->body, r->body_len);
    }
    return answer(r, resp, 201, index, r->body, r->body_len);
}

const srv_route srv_routes_ballot[] = {
    { "POST", "/api/v1/elections/{}/ballots", h_cast, SRV_RATE_CAST, BALLOT_MAX_BODY },
    { NULL, NULL, NULL, 0, 0 },
};
