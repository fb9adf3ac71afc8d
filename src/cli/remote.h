/*
 * remote.h — the command line against a running `veche serve`, over HTTP
 * (docs/API.md), so that a trustee's secret and a voter's code never leave
 * their own machine.
 *
 * Two parts:
 *
 *   HTTP      GET and POST with libcurl: http and https only, no redirects,
 *             connect and transfer timeouts, a cap on every answer's size.
 *             A refusal by the server is reported with its own error
 *             {"error": {"code", "message", "field"}}; text from the server
 *             is printed only after its control characters are replaced.
 *
 *   mirror    a local SQLite copy of the server's board (board.h), kept in
 *             step with it and checked, so that every command runs its usual
 *             logic on a record it has verified rather than on what a server
 *             says. A sync:
 *               1. GET /api/v1/info: the board's verifier key. The first sync
 *                  trusts it (or the key given with --vkey, which it must
 *                  equal); afterwards it must never change.
 *               2. GET /api/v1/record/checkpoint: signed by that key, for its
 *                  origin.
 *               3. against the last checkpoint the mirror accepted: never a
 *                  smaller tree, and a consistency proof
 *                  (/api/v1/record/consistency) that the new tree extends the
 *                  old one. A server that rewrote its history is refused,
 *                  showing both checkpoints.
 *               4. GET /api/v1/record/entries in pages of up to 1,000 (ndjson)
 *                  for what the mirror lacks; each page's leaves are hashed
 *                  onto the mirror's tree while the entries wait in a
 *                  temporary file, and only when the root equals the signed
 *                  checkpoint's are they appended (the board checks each
 *                  entry again) and the checkpoint stored. So a mirror only
 *                  ever holds entries covered by a checkpoint it verified.
 *
 *   bodies    council publication bodies, which are not on the record: each
 *             fetched by the hash a verified entry holds and kept only if it
 *             matches it.
 */
#ifndef VECHE_CLI_REMOTE_H
#define VECHE_CLI_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/board.h"

/* The largest answer accepted for anything but a page of entries. */
#define CLI_REMOTE_MAX_ANSWER (4u << 20)

/*
 * GET url+path. On VECHE_OK the answer was 2xx: *body is malloc'd and
 * NUL-terminated (len bytes before the NUL), at most max bytes. A transport
 * failure, a non-2xx status or a larger answer is an error whose message says
 * which (with the server's own error when it sent one); *status gets the
 * HTTP status, 0 when none came.
 */
veche_err cli_remote_get(const char *url, const char *path, size_t max, char **body,
                         size_t *len, long *status, veche_diag *d);

/*
 * POST bytes (Content-Type content_type) to url+path. *status gets the HTTP
 * status (0: no answer, e.g. connection refused or a timeout), *json the
 * parsed JSON answer (a new reference) or NULL. VECHE_OK for a 2xx answer
 * with a JSON object; otherwise an error that d explains: VECHE_EINVALID for
 * a refusal (4xx), VECHE_EINTERNAL for no answer or a server failure (5xx),
 * which a caller may retry with the very same bytes.
 */
veche_err cli_remote_post(const char *url, const char *path, const void *bytes, size_t len,
                          const char *content_type, long *status, json_t **json,
                          veche_diag *d);

/*
 * Opens (creating it the first time) the mirror in the SQLite file
 * cache_db_path and brings it up to the server's latest checkpoint as the
 * header says. pin, if not NULL, is the board key the caller expects (--vkey).
 * On success *board is the open mirror (veche_board_close it). Evidence of a
 * misbehaving server (both checkpoints) is printed on stderr; d says what
 * was refused.
 */
veche_err cli_remote_mirror(const char *url, const char *cache_db_path, const veche_note_key *pin,
                            veche_board **board, veche_diag *d);

/* Brings an open mirror up to the server's latest checkpoint again (after posting). */
veche_err cli_remote_sync(const char *url, veche_board *board, veche_diag *d);

/*
 * A council publication's body: GET /api/v1/bodies/{hex of hash} (at most
 * a body's 65536 bytes and a margin), checked against hash and kept as
 * dir/<hex> (council.h: veche_council_body_write), so the bodies a mirror
 * holds were each checked against the record. VECHE_OK kept; *status the
 * HTTP status (0: no answer). A refusal (404 not kept, 410 tombstoned) is
 * VECHE_EINVALID, no answer or a server failure VECHE_EINTERNAL, an answer
 * that is not the body whose hash the record holds VECHE_EVERIFY (not
 * kept), a larger one VECHE_ERANGE.
 */
veche_err cli_remote_get_body(const char *url, const uint8_t hash[32], const char *dir,
                              long *status, veche_diag *d);

/* "a/b c" -> "a%2Fb%20c": one path segment for a URL. malloc'd, NULL if out of memory. */
char *cli_remote_escape(const char *segment);

/*
 * The default cache file of a command with no state file: under
 * $XDG_CACHE_HOME/veche/ (or ~/.cache/veche/), named after the server's
 * host and port, created with mode 0700. 0 on success.
 */
int cli_remote_default_cache(char *out, size_t cap, const char *url);

#endif
