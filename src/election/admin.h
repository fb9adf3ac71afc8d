/*
 * admin.h — the administrator's and the credential authority's steps of an
 * election as a library: each builds the signed entry (or entries) its step
 * appends, or says, in words and with a stable code, why the election's
 * state refuses it.
 *
 * One implementation for every front end: `veche election ...` and `veche
 * credentials generate` (src/cli/election.c, tally.c) and `veche serve`
 * (src/server/api_admin.c, seed.c) call these and only add their own
 * input, output and appending. Nothing here appends: the caller does (the
 * CLI with veche_board_append, the server through its writer). That is why
 * every step has a cheap veche_admin_*_allowed twin: the server runs it
 * again in the writer, just before the append, so that two requests racing
 * cannot both open, close or tally an election.
 *
 *   step          key          refusals (code)
 *   create        any          bad_manifest (field: the member), election_exists
 *   credentials   authority    bad_roll (field: "line N"), credentials_exist, already_open
 *   key           admin        conflict (already keyed), ceremony_incomplete
 *   open          admin        already_open, not_ready (says why)
 *   close         admin        election_not_open, already_closed
 *   tally         admin        not_ready (not closed), already_tallied, conflict (the
 *                              record up to the open does not verify)
 *   result        admin        not_ready (no tally), conflict (already published, or a
 *                              trustee's decryption is invalid), not_enough_decryptions
 *
 * A key that is not the role's in this election is refused with kind
 * VECHE_ADMIN_WRONG_KEY (code "forbidden"); `key_name` names the key in that
 * message (the CLI passes the key file's path).
 *
 * Secrets: credential codes exist only in veche_admin_creds.codes until the
 * caller has handed them out; veche_admin_creds_free wipes them.
 */
#ifndef VECHE_ELECTION_ADMIN_H
#define VECHE_ELECTION_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/keyfile.h"
#include "election/ceremony.h"
#include "election/credentials.h"
#include "election/election.h"
#include "election/tally.h"

/* What kind of refusal: a front end maps it to its status (HTTP 400/403/409/500). */
typedef enum veche_admin_kind {
    VECHE_ADMIN_OK = 0,
    VECHE_ADMIN_BAD_INPUT,   /* the manifest or roll given is wrong (400) */
    VECHE_ADMIN_WRONG_KEY,   /* the key is not the role's in this election (403) */
    VECHE_ADMIN_CONFLICT,    /* the election's state refuses the step now (409) */
    VECHE_ADMIN_FAILED       /* out of memory, or an entry could not be built (500) */
} veche_admin_kind;

#define VECHE_ADMIN_MSG 1024

typedef struct veche_admin_err {
    veche_admin_kind kind;
    const char      *code;       /* docs/API.md's stable code, e.g. "already_open"; static */
    char             field[64];  /* the member or line at fault ("contests[0].min", "line 3"), or "" */
    char             msg[VECHE_ADMIN_MSG];   /* one line for people: what and where */
} veche_admin_err;

/* ---- create ------------------------------------------------------------------------ */

/* Parses a manifest file's text: *body is a new JSON object (bad_manifest otherwise). */
veche_admin_kind veche_admin_manifest_text(json_t **body, const char *text, size_t len,
                                           veche_admin_err *e);

/*
 * Validates body as a manifest (manifest.h), copies its id, and builds the
 * election.manifest entry signed by admin (*entry malloc'd). Whether the id
 * is free on the board is veche_admin_exists's.
 */
veche_admin_kind veche_admin_create(char **entry, size_t *len,
                                    char id[VECHE_ELECTION_ID_MAX + 1], json_t *body,
                                    const veche_key *admin, veche_admin_err *e);

/* The refusal for an id already taken by el (election_exists); returns its kind. */
veche_admin_kind veche_admin_exists(const veche_election *el, veche_admin_err *e);

/* ---- credentials: the roll --------------------------------------------------------- */

#define VECHE_ROLL_NAME_MAX 256

/*
 * The roll: one voter per line, NAME or NAME,WEIGHT (CSV: a quoted name may
 * hold commas, "" is a quote), weight 1..10^6 (default 1), total <= 10^9, an
 * optional first line "name" or "name,weight" as a header, empty lines
 * skipped, CRLF accepted. Names are 1..256 bytes of UTF-8 without control
 * characters, and distinct (two voters with one name would make the
 * mail-merge ambiguous).
 */
typedef struct veche_roll {
    char    **name;      /* [n] malloc'd */
    uint32_t *weight;    /* [n] */
    size_t   *line;      /* [n] where each voter is in the text, for messages */
    size_t    n, cap;
    uint64_t  total;     /* total weight */
} veche_roll;

/* Parses text; at most max_lines lines (0: no limit). Errors: bad_roll, field "line N". */
veche_admin_kind veche_roll_parse(veche_roll *r, const char *text, size_t len, size_t max_lines,
                                  veche_admin_err *e);
void veche_roll_free(veche_roll *r);

/* ---- credentials: the codes and the entries ------------------------------------------- */

typedef struct veche_admin_creds {
    size_t                n;
    char                (*codes)[VECHE_CODE_CHARS + 1];  /* [n] SECRET: codes[i] is roll voter i's */
    veche_credential_list pub;                           /* sorted by key */
    char                **entries;                       /* the election.credentials parts */
    size_t               *lens, nparts;
} veche_admin_creds;

/* Whether authority may publish credentials for el now. */
veche_admin_kind veche_admin_credentials_allowed(const veche_election *el,
                                                 const veche_key *authority,
                                                 const char *key_name, veche_admin_err *e);
/* A code per voter of r, and the parts signed by authority (checks _allowed first). */
veche_admin_kind veche_admin_credentials(veche_admin_creds *c, const veche_election *el,
                                         const veche_roll *r, const veche_key *authority,
                                         const char *key_name, veche_admin_err *e);
/* Wipes the codes (keeps the public parts), e.g. once they are written out. */
void veche_admin_creds_wipe_codes(veche_admin_creds *c);
/* Wipes the codes and frees everything. */
void veche_admin_creds_free(veche_admin_creds *c);

/*
 * Writes "name,code[,weight]" lines (a header first) for r and codes to a new
 * file at path (O_EXCL, mode 0600), synced to disk; the stdio buffer that
 * held codes is wiped. On failure the file is removed.
 */
veche_admin_kind veche_admin_codes_write(const char *path, const veche_roll *r,
                                         char (*const codes)[VECHE_CODE_CHARS + 1],
                                         int with_weight, veche_admin_err *e);

/* ---- key --------------------------------------------------------------------------- */

typedef struct veche_admin_keyinfo {
    uint8_t K[32];          /* enc(K) */
    size_t  nqual;          /* trustees qualified */
    char    unqualified[VECHE_ADMIN_MSG / 2];   /* "3 (pending); 4 (why)", or "" */
} veche_admin_keyinfo;

/* Trustees not (yet) qualified in c, as "2 (why); 3 (pending)", into out (cap bytes). */
void veche_admin_unqualified(const veche_ceremony *c, const veche_manifest *m, char *out,
                             size_t cap);

veche_admin_kind veche_admin_key_allowed(const veche_election *el, const veche_key *admin,
                                         const char *key_name, veche_admin_err *e);
/*
 * Judges the ceremony and builds election.key. It waits for every trustee's
 * reveal unless without_pending (then those still missing are
 * disqualified); pending_hint says, in the refusal, how to ask for that
 * ("give --without-pending").
 */
veche_admin_kind veche_admin_key(char **entry, size_t *len, veche_admin_keyinfo *info,
                                 const veche_election *el, const veche_key *admin,
                                 const char *key_name, int without_pending,
                                 const char *pending_hint, veche_admin_err *e);

/* ---- open, close --------------------------------------------------------------------- */

/* Cheap: the key and complete credentials on the record, not open yet. */
veche_admin_kind veche_admin_open_allowed(const veche_election *el, const veche_key *admin,
                                          const char *key_name, veche_admin_err *e);
/* Also judges the ceremony: the election.key must be the ceremony's. */
veche_admin_kind veche_admin_open(char **entry, size_t *len, const veche_election *el,
                                  const veche_key *admin, const char *key_name,
                                  veche_admin_err *e);

veche_admin_kind veche_admin_close_allowed(const veche_election *el, const veche_key *admin,
                                           const char *key_name, veche_admin_err *e);
veche_admin_kind veche_admin_close(char **entry, size_t *len, const veche_election *el,
                                   const veche_key *admin, const char *key_name,
                                   veche_admin_err *e);

/* ---- tally, result ---------------------------------------------------------------------- */

veche_admin_kind veche_admin_tally_allowed(const veche_election *el, const veche_key *admin,
                                           const char *key_name, veche_admin_err *e);
/*
 * Checks the record up to the open (verify.h checks 2–8), verifies every
 * ballot on `threads` threads (0: every core), counts, and builds
 * election.tally; *count (free with veche_count_free) says what was counted.
 */
veche_admin_kind veche_admin_tally(char **entry, size_t *len, veche_count **count,
                                   const veche_votes *v, const veche_key *admin,
                                   const char *key_name, unsigned threads, veche_admin_err *e);

veche_admin_kind veche_admin_result_allowed(const veche_election *el, const veche_key *admin,
                                            const char *key_name, veche_admin_err *e);
/*
 * Judges the trustees' decryptions of the tally, combines t of them, finds
 * every count (discrete log within the tally's weight) and builds
 * election.result; *r holds the result.
 */
veche_admin_kind veche_admin_result(char **entry, size_t *len, veche_result *r,
                                    const veche_election *el, const veche_key *admin,
                                    const char *key_name, veche_admin_err *e);

#endif
