/*
 * internal.h — what the files of the server core share and nobody else
 * needs: a hash map of 32-byte keys, the per-request context behind a
 * srv_req, the per-election ballot index, and the entry points of the
 * writer, the sessions and the rate limiter, and the JSON body reader the
 * election and council handlers share. server.h is the contract with
 * the route handlers; this is the plumbing under it.
 */
#ifndef VECHE_SERVER_INTERNAL_H
#define VECHE_SERVER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/elgamal.h"
#include "election/ballot.h"
#include "server/server.h"

/* ---- a map from 32-byte keys (hashes, points) to 64-bit values ------------------- */

/*
 * Open addressing, keyed SipHash (a random key per map), so a client who
 * chooses the keys (a ballot's bytes decide its leaf hash) cannot aim them
 * at one slot. Not thread-safe: its owner locks.
 */
typedef struct srv_map {
    uint8_t  (*keys)[32];
    uint64_t  *vals;
    uint8_t   *used;
    size_t     cap, n;
    uint8_t    sipkey[16];
} srv_map;

int srv_map_init(srv_map *m);
void srv_map_free(srv_map *m);
/* *val and 1 if key is present, else 0. */
int srv_map_get(const srv_map *m, const uint8_t key[32], uint64_t *val);
/* Sets key -> val (replacing); 1 if the key is new, 0 if replaced, -1 out of memory. */
int srv_map_put(srv_map *m, const uint8_t key[32], uint64_t val);

/* ---- the request behind a srv_req (http.c) ------------------------------------------- */

#define SRV_MAX_QUERY 16

typedef struct srv_query_arg {
    char *name, *value;   /* percent-decoded, malloc'd */
} srv_query_arg;

typedef struct srv_ctx {
    srv_req       req;               /* first: handlers get &ctx->req */
    srv_query_arg query[SRV_MAX_QUERY];
    size_t        nquery;
    int           query_bad;         /* a query argument did not decode */
} srv_ctx;

/* The session token the request carries (cookie veche_session, else a bearer token), or NULL. */
const char *srv_req_token(const srv_req *r);

/* Decodes %XX escapes of in[0..len) into out (NUL-terminated, at most len + 1
 * bytes); -1 on a bad escape or a decoded NUL. */
int srv_percent_decode(char *out, const char *in, size_t len);

/* ---- elections: the cached load and the ballots' index (state.c) ---------------------- */

/* What srv_election_acquire hands out, with the decoded key a booth's ballot
 * is verified against (built once per load: it has a table). */
typedef struct srv_election_x {
    srv_election h;                  /* first */
    veche_pubkey K;
    int          has_K;
} srv_election_x;

static inline const srv_election_x *srv_election_ext(const srv_election *h)
{
    return (const srv_election_x *)h;
}

/* One ballot of an election, as the index keeps it. */
typedef struct srv_ballot_rec {
    uint64_t index;
    uint8_t  cred[32];
    uint8_t  leaf[32];       /* the tracking code, decoded */
} srv_ballot_rec;

/* The fate of a ballot without cryptography (docs/API.md), or NULL if code is unknown. */
typedef struct srv_ballot_info {
    uint64_t index;
    char     election[VECHE_ELECTION_ID_MAX + 1];
    const char *fate;                /* static string */
} srv_ballot_info;

int srv_ballot_lookup(srv_state *st, const uint8_t leaf[32], srv_ballot_info *out);

/*
 * Every ballot of election id with its fate, in index order: calls cb for
 * each under the state's lock (cb must not call back into the state).
 * -1 if there is no such election.
 */
int srv_ballots_each(srv_state *st, const char *id,
                     void (*cb)(void *arg, const srv_ballot_rec *b, const char *fate),
                     void *arg);

/*
 * A receipt for the entry at index (entry: its bytes) against the latest
 * checkpoint: from the server's in-memory tree, else from the board (making
 * a checkpoint if none covers it). NULL and d set if neither can.
 */
char *srv_receipt(srv_state *st, uint64_t index, const uint8_t *entry, size_t len,
                  veche_diag *d);
/* The writer's newest checkpoint (note with cosignatures) for size entries. */
void srv_tree_checkpoint(srv_state *st, const char *note, uint64_t size);

/* What the writer knows of an entry before appending it (parsed once, in the
 * request's thread). */
typedef struct srv_entry_info {
    int     is_ballot;
    int     touches;                 /* a non-ballot entry of an election: reload it */
    char    election[VECHE_ELECTION_ID_MAX + 1];
    uint8_t cred[32];                /* ballots */
    uint8_t leaf[32];
    int     is_manifest;
} srv_entry_info;

/* Fills info from the entry's bytes (a JSON parse, no signature check). */
void srv_entry_classify(srv_entry_info *info, const uint8_t *bytes, size_t len);

/*
 * After the writer appended n entries at first..first+n-1: index the
 * ballots, add elections for new manifests, reload the elections whose
 * entries were appended. Takes board_lock and lock itself.
 */
void srv_state_appended(srv_state *st, const srv_entry_info *info, size_t n, uint64_t first);

/* 0 iff listen is "HOST:PORT" or "[V6]:PORT" with an IP address (http.c). */
int srv_listen_check(const char *listen);

/* ---- the writer (writer.c) --------------------------------------------------------------- */

int srv_writer_start(srv_state *st);
/* srv_append for a caller that already knows what the entries are (a ballot
 * verified by its handler): info[i] describes entries[i]. */
int srv_append_classified(srv_state *st, const uint8_t *const *entries, const size_t *lens,
                          srv_entry_info *info, size_t n, srv_check check, void *arg,
                          uint64_t *first, srv_resp *resp);
/*
 * Called by the writer once a group passed its check and is on the record
 * (first: its first index), before its request wakes and before the next
 * batch is checked: what must follow the append and must not race another
 * append (a tombstoned body's deletion) goes here.
 */
typedef void (*srv_after)(srv_state *st, void *arg, uint64_t first);
/* srv_append_classified with an after hook (NULL: none). */
int srv_append_after(srv_state *st, const uint8_t *const *entries, const size_t *lens,
                     srv_entry_info *info, size_t n, srv_check check, srv_after after,
                     void *arg, uint64_t *first, srv_resp *resp);
/* Appends everything still queued, then stops the thread. */
void srv_writer_stop(srv_state *st);

/* ---- sessions (auth.c) --------------------------------------------------------------------- */

int srv_auth_init(srv_state *st);
void srv_auth_free(srv_state *st);
/* How long a new session lasts (default 12 hours). */
void srv_auth_set_ttl(srv_state *st, long seconds);
/* 1 iff token is a live session. */
int srv_session_valid(srv_state *st, const char *token);

/* ---- request bodies (api_admin.c) --------------------------------------------------------- */

/*
 * The body of a POST as a JSON object with at most the members named in
 * known (NULL-terminated; NULL: none), for the election steps and the
 * council handlers alike. NULL with the 400 set in resp otherwise; example
 * ("{}", "{...}") ends the message of a body that is not an object.
 */
json_t *srv_object_body(const srv_req *r, srv_resp *resp, const char *const *known,
                        const char *example);

/* ---- rate limits (ratelimit.c) --------------------------------------------------------------- */

enum { SRV_BUCKET_CAST = 0, SRV_BUCKET_LOGIN = 1, SRV_BUCKET_DOOR = 2 };

int srv_limits_init(srv_state *st);
void srv_limits_free(srv_state *st);
/*
 * Takes one token from the address's bucket of kind (capacity and refill
 * `per_minute`); 0 if allowed, else -1 with *retry_after the seconds until
 * a token is back.
 */
int srv_limit_take(srv_state *st, int kind, const char *addr, unsigned per_minute,
                   unsigned *retry_after);
/* Gives the token back (a login that succeeded: only failures are limited). */
void srv_limit_refund(srv_state *st, int kind, const char *addr, unsigned per_minute);

#define SRV_LOGIN_PER_MINUTE 5

#endif
