/*
 * server.h — `veche serve`: the HTTP face of one board (docs/API.md).
 *
 * ==== Shape ====================================================================
 *
 *   http.c       libmicrohttpd glue: one thread per connection; reads the
 *                request (body capped per route), finds the route in the
 *                route tables below, checks auth and rate limits, calls the
 *                handler, adds the security headers, logs one line.
 *                Static files of the web/ directory for every other GET.
 *   auth.c       the administrator: Argon2id password hash (crypto_pwhash),
 *                sessions (cookie or bearer token), login/logout routes.
 *   ratelimit.c  token buckets per client address (casting, login).
 *   state.c      the server's state: the board, the server's keys, a cache
 *                of each election's public facts, the tracking-code index.
 *   writer.c     the one thread that appends: it takes queued groups of
 *                entries, checks each group against the current state (an
 *                election still open...), appends everything waiting as one
 *                durable batch (group commit: one fsync for many ballots),
 *                then wakes the requests. A request is answered only after
 *                its entries are durable: an acknowledged ballot survives
 *                kill -9.
 *   api_public.c the public record and the elections' public pages' data.
 *   api_ballot.c casting and looking up ballots.
 *   api_admin.c  the administrator's routes and the trustees' entries.
 *   seed.c       `veche serve --demo`: a demonstration election.
 *
 * Concurrency: handlers run on many connection threads at once. The board
 * handle is shared and guarded by state->board_lock (reads are short: one
 * entry, one proof). Only the writer thread appends. The election cache is
 * guarded by state->lock; the writer refreshes an election's entry after it
 * appends a non-ballot entry of that election.
 */
#ifndef VECHE_SERVER_H
#define VECHE_SERVER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/board.h"
#include "board/keyfile.h"
#include "council/council.h"
#include "election/election.h"

/* ---- requests and responses ---------------------------------------------------- */

#define SRV_MAX_PARAMS 3

typedef struct srv_state srv_state;

typedef struct srv_req {
    const char    *method;                 /* "GET", "POST", ... */
    const char    *path;                   /* without the query string */
    const char    *params[SRV_MAX_PARAMS]; /* the {captures} of the route's pattern, in order */
    const uint8_t *body;                   /* the request body (NUL-terminated copy) */
    size_t         body_len;
    const char    *content_type;           /* NULL if absent */
    const char    *remote;                 /* the client's address, as text */
    int            is_admin;               /* a valid administrator session came with it */
    void          *conn;                   /* struct MHD_Connection *, for srv_query */
    srv_state     *st;
} srv_req;

typedef struct srv_resp {
    unsigned    status;
    char       *body;            /* malloc'd; owned by the response */
    size_t      len;
    const char *content_type;    /* static string */
    int         immutable;       /* Cache-Control: public, max-age=31536000, immutable */
    char        etag[72];        /* "" or an ETag: sent with Cache-Control: no-cache */
    char       *set_cookie;      /* malloc'd or NULL */
    char       *disposition;     /* malloc'd Content-Disposition or NULL */
    int         secret;          /* the body holds secrets (credential codes): wiped when freed */
} srv_resp;

/* The value of query argument `name`, or NULL. */
const char *srv_query(const srv_req *r, const char *name);

/*
 * Query argument `name` as an unsigned integer in [0, max]; *v untouched
 * and 0 returned when absent (if !required); on a malformed value sets a 400
 * "bad_parameter" error naming `name` in resp and returns -1.
 */
int srv_query_u64(const srv_req *r, srv_resp *resp, const char *name, uint64_t max,
                  int required, uint64_t *v);

/* resp = status + the compact JSON of v (steals the reference). Returns 0. */
int srv_json(srv_resp *resp, unsigned status, json_t *v);

/* resp = status + text (copied) of the given content type. Returns 0. */
int srv_text(srv_resp *resp, unsigned status, const char *content_type, const char *text,
             size_t len);

/*
 * resp = {"error": {"code": code, "message": message, "field": field}} with
 * status; field may be NULL (then the member is null). message is printf-style.
 * Returns 0 (so handlers may `return srv_error(...)`).
 */
int srv_error(srv_resp *resp, unsigned status, const char *code, const char *field,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Parses the request body as JSON (any JSON, not only canonical); on failure
 * sets a 400 "bad_json" error saying where and returns NULL. Requires the
 * content type application/json (415 "bad_content_type" otherwise).
 */
json_t *srv_body_json(const srv_req *r, srv_resp *resp);

/* ---- routes ---------------------------------------------------------------------- */

typedef int (*srv_handler)(srv_req *r, srv_resp *resp);

enum {
    SRV_ADMIN      = 1 << 0,  /* needs an administrator session (401 otherwise) */
    SRV_RATE_CAST  = 1 << 1,  /* counts against the address's casting bucket */
    SRV_RATE_DOOR  = 1 << 4,  /* the members' door: a bucket of its own, at the casting rate,
                                 so entries anyone may post cannot use up voters' budget */
    SRV_RATE_LOGIN = 1 << 2,  /* counts against the address's login bucket */
    SRV_IMMUTABLE  = 1 << 3   /* (documentation only; handlers set resp->immutable) */
};

typedef struct srv_route {
    const char *method;
    const char *pattern;    /* "/api/v1/elections/{}/ballots": {} captures one segment */
    srv_handler handler;
    unsigned    flags;
    size_t      max_body;   /* bytes; larger bodies get 413 before the handler runs */
} srv_route;

/* Each API file exports its table, terminated by a {NULL} entry. */
extern const srv_route srv_routes_public[];
extern const srv_route srv_routes_ballot[];
extern const srv_route srv_routes_admin[];
extern const srv_route srv_routes_auth[];
extern const srv_route srv_routes_council[];

/* ---- the server's state -------------------------------------------------------------- */

/*
 * What the server knows of one election: a load of it without ballot bytes
 * (veche_election_load with cb NULL), immutable once made. The writer makes a
 * new one after appending any non-ballot entry of the election and swaps it
 * in; readers hold a reference while they use it.
 */
typedef struct srv_election {
    veche_election *el;
    unsigned        refs;       /* under srv_state.lock; freed at 0 once replaced */
    int             replaced;
} srv_election;

typedef struct srv_election_slot {
    char          id[VECHE_ELECTION_ID_MAX + 1];
    srv_election *cur;
    uint64_t      nballots;     /* election.ballot entries appended (under lock) */
} srv_election_slot;

struct srv_state {
    char            db_path[1024];
    char            keys_dir[1024];  /* DB.keys/: board.key admin.key authority.key password */
    char            web_dir[1024];
    veche_board    *board;
    pthread_mutex_t board_lock;      /* every use of board */
    veche_key       admin;           /* signs election.* entries */
    veche_key       authority;       /* the credential authority: election.credentials */
    char            password_hash[128]; /* crypto_pwhash_str */
    int             behind_tls;      /* --behind-tls: cookies get Secure; the client's
                                        address comes from a loopback proxy's X-Forwarded-For */

    pthread_mutex_t lock;            /* the fields below */
    srv_election_slot *elections;    /* in order of their manifests */
    size_t          nelections;
    void           *tracking;        /* state.c's index: tracking code -> board index */

    void           *writer;          /* writer.c */
    void           *sessions;        /* auth.c */
    void           *limits;          /* ratelimit.c */
    void           *council;         /* council_state.c */
};

typedef struct srv_options {
    const char *db_path;     /* created on first run */
    const char *listen;      /* "127.0.0.1:8080" */
    const char *web_dir;     /* NULL: <dir of the binary>/../../web, then ./web */
    int         behind_tls;
    int         demo;        /* seed a demonstration election (fresh db only) */
    unsigned    cast_rate;   /* ballots a minute per address; 0: no limit */
    unsigned    demo_voters; /* voters of the demo (default 200) */
    FILE       *log;         /* one line per request; NULL: stderr */
} srv_options;

/*
 * Opens (or creates) the state: the board at db_path, the keys in
 * db_path.keys/ (made on first run, mode 0600; a new administrator password
 * is then generated and written to *new_password, which the caller prints
 * once; otherwise *new_password is set to "").
 */
veche_err srv_state_open(srv_state **st, const char *db_path, const char *web_dir,
                         char new_password[64], veche_diag *d);
void srv_state_close(srv_state *st);

/*
 * The current load of election id with a reference taken, or NULL if the
 * board has no such election. Release it when done; never modify it.
 */
srv_election *srv_election_acquire(srv_state *st, const char *id);
void srv_election_release(srv_state *st, srv_election *h);
/* election.ballot entries of id appended so far (0 if unknown). */
uint64_t srv_election_ballots(srv_state *st, const char *id);
/* The ids of every election, in order of their manifests (malloc'd array of ids). */
size_t srv_election_ids(srv_state *st, char (**ids)[VECHE_ELECTION_ID_MAX + 1]);

/*
 * The election's life stage from its counted entries:
 * "setup" (no election.key), "ready" (key and complete credential list),
 * "open", "closed", "tallied" (election.tally), "published" (election.result).
 */
const char *srv_election_stage(const veche_election *el);

/*
 * The election as the API shows it (docs/API.md): SUMMARY, or DETAIL when
 * detail is set. A new reference.
 */
json_t *srv_election_json(srv_state *st, const srv_election *h, int detail);

/* board index of the entry whose tracking code (b64 leaf hash) is code, or -1. */
int64_t srv_tracking_find(srv_state *st, const char *code);

/* ---- appending --------------------------------------------------------------------- */

/*
 * Called by the writer thread just before appending a group, with the state
 * current (everything before it appended): returns 0 to append, or sets an
 * error response in resp and returns -1 to refuse the group.
 */
typedef int (*srv_check)(srv_state *st, void *arg, srv_resp *resp);

/*
 * Queues n entries (canonical bytes) to be appended together, waits until
 * they are durable, and returns 0 with *first = the index of the first; or
 * returns -1 with an error response set (check refused, the board refused
 * an entry: 422 "invalid_entry" naming it, or a storage failure: 500).
 * check may be NULL.
 */
int srv_append(srv_state *st, const uint8_t *const *entries, const size_t *lens, size_t n,
               srv_check check, void *arg, uint64_t *first, srv_resp *resp);

/* Builds and signs an entry {type, body} with key: malloc'd canonical bytes. */
veche_err srv_sign_entry(char **out, size_t *len, const char *type, json_t *body,
                         const veche_key *key, veche_diag *d);

/* ---- councils (council_state.c; their routes are api_council.c's) -------------------------- */

/* At open (after the record's scan, before the writer starts) and at close. */
veche_err srv_council_open(srv_state *st, veche_diag *d);
void srv_council_close(srv_state *st);
/* A non-ballot entry was appended: every cached council load is stale. */
void srv_council_touched(srv_state *st);

/*
 * The current load of council id, with a reference taken (release it), or
 * NULL with *err (VECHE_ENOTFOUND: no such council) and d set. Read-only;
 * its clock (c->now) may be some seconds old.
 */
const veche_council *srv_council_acquire(srv_state *st, const char *id, veche_err *err,
                                         veche_diag *d);
void srv_council_release(srv_state *st, const veche_council *c);
/* The ids of the councils, in order of creation (malloc'd array). */
size_t srv_council_ids(srv_state *st, char (**ids)[VECHE_COUNCIL_ID_MAX + 1]);
/* A council just created (appended) by this server. */
void srv_council_add_id(srv_state *st, const char *id);
/* 1 and council set iff election is linked to a council (its credential scope). */
int srv_council_scope(srv_state *st, const char *election,
                      char council[VECHE_COUNCIL_ID_MAX + 1]);
/* The roll keeper's key (DB.keys/roll.key, made on first need), or NULL with d set. */
const veche_key *srv_council_roll_key(srv_state *st, veche_diag *d);
/* The standing map (DB.keys/standing.map): member -> its standing credential X. */
int srv_council_map_find(srv_state *st, const char *council, const char *member, uint8_t X[32]);
veche_err srv_council_map_add(srv_state *st, const char *council, const char *member,
                              const uint8_t X[32], veche_diag *d);
/* DB.bodies (made if absent), where publication bodies are kept; NULL with d set. */
const char *srv_council_bodies_dir(srv_state *st, veche_diag *d);

/* ---- running ---------------------------------------------------------------------------- */

/* Serves until SIGTERM/SIGINT; returns 0 after a graceful shutdown. */
int srv_run(srv_state *st, const srv_options *o);

/* Seeds a demonstration election on an empty board (seed.c); prints voter links. */
int srv_seed_demo(srv_state *st, const srv_options *o, FILE *out);

#endif
