/*
 * http.c — the HTTP face of the server on libmicrohttpd.
 *
 * One thread per connection (a request may sleep while the writer makes
 * its batch durable), with an internal thread that accepts. For each
 * request: find the route (the API tables) or the static file (web/), read
 * the body up to the route's limit (413 past it), check the session, the
 * CSRF guard and the rate limits, call the handler, add the security
 * headers every answer carries (docs/API.md), and log one line:
 *
 *     ADDR METHOD PATH STATUS BYTES MSms
 *
 * Paths are matched before percent-decoding (MHD is told not to decode), so
 * a tracking code's "%2F" stays inside its segment; each segment is then
 * decoded on its own, and a decoded NUL is refused.
 *
 * Shutdown (SIGTERM/SIGINT): stop accepting, let requests in progress
 * finish (up to 30 s), stop MHD, drain the writer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <malloc.h>
#include <microhttpd.h>
#include <sodium.h>

#include "server/internal.h"

#define STATIC_MAX_BODY  0
#define MAX_SEGMENTS     16
#define DRAIN_SECONDS    30

static const char CSP[] =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

/* The server as the access handler sees it. */
typedef struct server {
    srv_state         *st;
    const srv_options *o;
    FILE              *log;
    char               web_real[PATH_MAX];   /* realpath of web_dir, "" if none */
    atomic_int         inflight;
} server;

/* One request in progress. */
typedef struct conn_req {
    srv_ctx          ctx;                   /* first: ctx.req is what handlers see */
    const srv_route *route;
    int              api;
    char            *body;
    size_t           len, cap, max;
    int              too_large;
    struct timespec  t0;
    char             remote[INET6_ADDRSTRLEN];
    char            *path;                  /* raw, as received */
    char            *segbuf;                /* decoded segments, NUL-separated */
    const char      *seg[MAX_SEGMENTS];
    size_t           nseg;
    int              seg_bad;               /* too many segments or a bad escape */
} conn_req;

/* ---- responses ------------------------------------------------------------------------ */

/* Frees a body that held secrets (resp->secret), wiping all of its allocation first. */
static void wipe_free(void *body)
{
    if (body != NULL)
        sodium_memzero(body, malloc_usable_size(body));
    free(body);
}

int srv_json(srv_resp *resp, unsigned status, json_t *v)
{
    char *text = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    free(resp->body);
    resp->body = NULL;
    if (text == NULL) {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\",\"field\":null}}";
        resp->status = 500;
        resp->body = strdup(oom);
        resp->len = resp->body ? strlen(resp->body) : 0;
        resp->content_type = "application/json";
        return 0;
    }
    resp->status = status;
    resp->body = text;
    resp->len = strlen(text);
    resp->content_type = "application/json";
    return 0;
}

int srv_text(srv_resp *resp, unsigned status, const char *content_type, const char *text,
             size_t len)
{
    free(resp->body);
    resp->body = malloc(len + 1);
    if (resp->body == NULL)
        return srv_json(resp, 500, NULL);
    memcpy(resp->body, text, len);
    resp->body[len] = 0;
    resp->len = len;
    resp->status = status;
    resp->content_type = content_type;
    return 0;
}

int srv_error(srv_resp *resp, unsigned status, const char *code, const char *field,
              const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    resp->immutable = 0;
    resp->etag[0] = 0;
    return srv_json(resp, status,
                    json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", msg,
                              "field", field ? json_string(field) : json_null()));
}

/* ---- requests --------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int srv_percent_decode(char *out, const char *in, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == 0)
            return -1;
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(in[i + 1])) < 0 || (lo = hexval(in[i + 2])) < 0)
                return -1;
            c = (char)(hi << 4 | lo);
            if (c == 0)
                return -1;
            i += 2;
        }
        out[o++] = c;
    }
    out[o] = 0;
    return 0;
}

const char *srv_query(const srv_req *r, const char *name)
{
    const srv_ctx *c = (const srv_ctx *)r;
    for (size_t i = 0; i < c->nquery; i++)
        if (strcmp(c->query[i].name, name) == 0)
            return c->query[i].value;
    return NULL;
}

int srv_query_u64(const srv_req *r, srv_resp *resp, const char *name, uint64_t max,
                  int required, uint64_t *v)
{
    const char *s = srv_query(r, name);
    uint64_t x = 0;
    size_t n;

    if (s == NULL) {
        if (!required)
            return 0;
        srv_error(resp, 400, "bad_parameter", name, "query argument '%s' is required", name);
        return -1;
    }
    n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || n > 20 || x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10) {
            x = UINT64_MAX;
            n = 0;
            break;
        }
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (n == 0 || x > max || (n > 1 && s[0] == '0')) {
        srv_error(resp, 400, "bad_parameter", name,
                  "query argument '%s' must be a decimal integer from 0 to %" PRIu64, name, max);
        return -1;
    }
    *v = x;
    return 0;
}

/* 1 iff the content type is `want`, ignoring parameters (charset) and case. */
static int content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (ct == NULL || strncasecmp(ct, want, n) != 0)
        return 0;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

json_t *srv_body_json(const srv_req *r, srv_resp *resp)
{
    json_error_t err;
    json_t *v;

    if (!content_type_is(r->content_type, "application/json")) {
        srv_error(resp, 415, "bad_content_type", NULL,
                  "the request body must be JSON (Content-Type: application/json), not %s",
                  r->content_type ? r->content_type : "nothing");
        return NULL;
    }
    if (r->body_len == 0) {
        srv_error(resp, 400, "bad_json", NULL, "the request body is empty; JSON expected");
        return NULL;
    }
    v = json_loadb((const char *)r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
    if (v == NULL)
        srv_error(resp, 400, "bad_json", NULL, "the body is not JSON: %s (line %d, column %d)",
                  err.text, err.line, err.column);
    return v;
}

/* ---- paths and routes ---------------------------------------------------------------------- */

/* Splits the raw path into decoded segments ("/a/b%2Fc" -> "a", "b/c"). */
static void split_path(conn_req *c)
{
    const char *p = c->path;
    size_t len = strlen(p);
    char *out;

    c->nseg = 0;
    if ((c->segbuf = malloc(len + 2)) == NULL) {
        c->seg_bad = 1;
        return;
    }
    out = c->segbuf;
    if (*p == '/')
        p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (c->nseg == MAX_SEGMENTS || srv_percent_decode(out, p, n) != 0) {
            c->seg_bad = 1;
            return;
        }
        c->seg[c->nseg++] = out;
        out += strlen(out) + 1;
        p += n;
        if (*p == '/') {
            p++;
            if (*p == 0) {       /* a trailing slash: an empty last segment */
                *out = 0;
                if (c->nseg == MAX_SEGMENTS) {
                    c->seg_bad = 1;
                    return;
                }
                c->seg[c->nseg++] = out++;
            }
        }
    }
}

/* 1 iff the pattern matches the segments; fills params. */
static int pattern_match(const char *pattern, conn_req *c, const char **params)
{
    const char *p = pattern;
    size_t i = 0, np = 0;
    if (*p == '/')
        p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (i == c->nseg)
            return 0;
        if (n == 2 && p[0] == '{' && p[1] == '}') {
            if (c->seg[i][0] == 0 || np == SRV_MAX_PARAMS)
                return 0;
            if (params)
                params[np] = c->seg[i];
            np++;
        } else if (strlen(c->seg[i]) != n || strncmp(c->seg[i], p, n) != 0) {
            return 0;
        }
        i++;
        p += n;
        if (*p == '/')
            p++;
    }
    return i == c->nseg;
}

static const srv_route *const *route_tables(void)
{
    static const srv_route *const tables[] = {srv_routes_auth, srv_routes_public,
                                              srv_routes_ballot, srv_routes_admin,
                                              srv_routes_council, NULL};
    return tables;
}

/*
 * The route for method and c's path: NULL with *path_found set if only the
 * method is wrong (allow lists the methods that would do).
 */
static const srv_route *route_find(conn_req *c, const char *method, int *path_found,
                                   char *allow, size_t allow_cap)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_found = 0;
    allow[0] = 0;
    for (const srv_route *const *t = route_tables(); *t != NULL; t++)
        for (const srv_route *r = *t; r->method != NULL; r++) {
            if (!pattern_match(r->pattern, c, NULL))
                continue;
            if (strcmp(r->method, m) == 0)
                return r;
            *path_found = 1;
            if (strstr(allow, r->method) == NULL) {
                size_t l = strlen(allow);
                snprintf(allow + l, allow_cap - l, "%s%s", l ? ", " : "", r->method);
            }
        }
    return NULL;
}

/* ---- static files --------------------------------------------------------------------------- */

static const char *content_type_of(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"}, {".png", "image/png"}, {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"}, {".wasm", "application/wasm"},
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/*
 * Opens the file of web_dir the segments name: no hidden or "." ".."
 * segment, no '/' or '\\' inside a decoded segment, and the real path
 * (symlinks resolved) inside web_dir. -1 if there is none to serve.
 */
static int static_open(const server *s, conn_req *c, char *path, size_t cap, off_t *size)
{
    struct stat sb;
    char real[PATH_MAX];
    size_t l, wl = strlen(s->web_real);
    int fd;

    if (c->seg_bad || s->web_real[0] == 0)
        return -1;
    l = (size_t)snprintf(path, cap, "%s", s->web_real);
    for (size_t i = 0; i < c->nseg; i++) {
        const char *g = c->seg[i];
        int last = i + 1 == c->nseg;
        if (g[0] == 0 && last)
            g = "index.html";
        if (g[0] == '.' || g[0] == 0 || strchr(g, '/') || strchr(g, '\\'))
            return -1;
        l += (size_t)snprintf(path + l, l < cap ? cap - l : 0, "/%s", g);
    }
    if (c->nseg == 0)
        l += (size_t)snprintf(path + l, l < cap ? cap - l : 0, "/index.html");
    if (l >= cap || realpath(path, real) == NULL || strncmp(real, s->web_real, wl) != 0 ||
        real[wl] != '/')
        return -1;
    if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    *size = sb.st_size;
    return fd;
}

/* ---- answering ------------------------------------------------------------------------------- */

static void add_common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void log_line(const server *s, const conn_req *c, const char *method, unsigned status,
                     uint64_t bytes)
{
    char path[512];
    size_t i;
    for (i = 0; c->path[i] && i + 1 < sizeof path; i++)   /* nothing that could forge a line */
        path[i] = (c->path[i] > 0x20 && c->path[i] < 0x7f) ? c->path[i] : '?';
    path[i] = 0;
    fprintf(s->log, "%s %s %s %u %" PRIu64 " %.1fms\n", c->remote, method, path, status, bytes,
            ms_since(&c->t0));
    fflush(s->log);
}

static enum MHD_Result queue(const server *s, struct MHD_Connection *conn, conn_req *c,
                             const char *method, unsigned status, struct MHD_Response *r,
                             uint64_t bytes)
{
    enum MHD_Result ret;
    if (r == NULL)
        return MHD_NO;
    add_common_headers(r);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    log_line(s, c, method, status, bytes);
    return ret;
}

/* Sends resp (and frees what it owns). */
static enum MHD_Result send_resp(const server *s, struct MHD_Connection *conn, conn_req *c,
                                 const char *method, srv_resp *resp, unsigned retry_after)
{
    struct MHD_Response *r;
    size_t len = resp->body ? resp->len : 0;
    unsigned status;
    char ra[32];

    if (resp->status == 0) {
        srv_error(resp, 500, "internal", NULL, "the handler gave no answer");
        len = resp->len;
    }
    if (resp->body != NULL) {
        r = resp->secret
            ? MHD_create_response_from_buffer_with_free_callback(len, resp->body, wipe_free)
            : MHD_create_response_from_buffer(len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (r != NULL)
            resp->body = NULL;
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (r != NULL) {
        MHD_add_response_header(r, "Content-Type",
                                resp->content_type ? resp->content_type : "application/json");
        MHD_add_response_header(r, "Cache-Control", resp->immutable
                                    ? "public, max-age=31536000, immutable"
                                    : resp->etag[0] ? "no-cache" : "no-store");
        if (resp->etag[0])
            MHD_add_response_header(r, "ETag", resp->etag);
        if (resp->set_cookie)
            MHD_add_response_header(r, "Set-Cookie", resp->set_cookie);
        if (resp->disposition)
            MHD_add_response_header(r, "Content-Disposition", resp->disposition);
        if (retry_after > 0) {
            snprintf(ra, sizeof ra, "%u", retry_after);
            MHD_add_response_header(r, "Retry-After", ra);
        }
    }
    status = resp->status;
    if (resp->secret)
        wipe_free(resp->body);
    else
        free(resp->body);
    free(resp->set_cookie);
    free(resp->disposition);
    memset(resp, 0, sizeof *resp);
    return queue(s, conn, c, method, status, r, len);
}

static enum MHD_Result send_error(const server *s, struct MHD_Connection *conn, conn_req *c,
                                  const char *method, unsigned status, const char *code,
                                  const char *allow, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static enum MHD_Result send_error(const server *s, struct MHD_Connection *conn, conn_req *c,
                                  const char *method, unsigned status, const char *code,
                                  const char *allow, const char *fmt, ...)
{
    srv_resp resp;
    char msg[512];
    va_list ap;
    struct MHD_Response *r;
    size_t len;

    memset(&resp, 0, sizeof resp);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_error(&resp, status, code, NULL, "%s", msg);
    len = resp.len;
    r = MHD_create_response_from_buffer(len, resp.body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(resp.body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (allow != NULL)
        MHD_add_response_header(r, "Allow", allow);
    return queue(s, conn, c, method, status, r, len);
}

static enum MHD_Result send_static(const server *s, struct MHD_Connection *conn, conn_req *c,
                                   const char *method)
{
    char path[PATH_MAX + 64];
    off_t size;
    int fd = static_open(s, c, path, sizeof path, &size);
    struct MHD_Response *r;
    const char *type;

    if (fd < 0)
        return send_error(s, conn, c, method, 404, "not_found", NULL, "no such page");
    type = content_type_of(path);
    r = MHD_create_response_from_fd((uint64_t)size, fd);
    if (r == NULL) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    /* No hashed file names: the browser revalidates every time. */
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    return queue(s, conn, c, method, 200, r, (uint64_t)size);
}

/* ---- the API pipeline ------------------------------------------------------------------------- */

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    srv_ctx *c = cls;
    (void)kind;
    if (c->nquery == SRV_MAX_QUERY) {
        c->query_bad = 1;
        return MHD_NO;
    }
    size_t kl = strlen(key), vl = value ? strlen(value) : 0;
    char *k = malloc(kl + 1), *v = malloc(vl + 1);
    if (k == NULL || v == NULL || srv_percent_decode(k, key, kl) != 0 ||
        srv_percent_decode(v, value ? value : "", vl) != 0) {
        free(k);
        free(v);
        c->query_bad = 1;
        return MHD_YES;
    }
    c->query[c->nquery].name = k;
    c->query[c->nquery++].value = v;
    return MHD_YES;
}

/* The session token of the request: the cookie, else "Authorization: Bearer". */
static const char *session_token(struct MHD_Connection *conn)
{
    const char *t = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "veche_session");
    const char *a;
    if (t != NULL && t[0])
        return t;
    a = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (a != NULL && strncasecmp(a, "Bearer ", 7) == 0)
        return a + 7;
    return NULL;
}

const char *srv_req_token(const srv_req *r)
{
    return session_token(r->conn);
}

/* A content type a cross-site HTML form can send (the CSRF guard refuses these). */
static int form_content_type(const char *ct)
{
    return ct == NULL || content_type_is(ct, "application/x-www-form-urlencoded") ||
           content_type_is(ct, "multipart/form-data") || content_type_is(ct, "text/plain");
}

static enum MHD_Result run_api(server *s, struct MHD_Connection *conn, conn_req *c,
                               const char *method)
{
    srv_req *r = &c->ctx.req;
    srv_resp resp;
    unsigned retry = 0;
    const srv_route *rt = c->route;
    const char *token;

    memset(&resp, 0, sizeof resp);
    pattern_match(rt->pattern, c, r->params);
    r->method = method;
    r->path = c->path;
    r->body = (const uint8_t *)(c->body ? c->body : "");
    r->body_len = c->len;
    r->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE);
    r->remote = c->remote;
    r->conn = conn;
    r->st = s->st;
    token = session_token(conn);
    r->is_admin = token != NULL && srv_session_valid(s->st, token);

    if ((rt->flags & SRV_ADMIN) && !r->is_admin)
        return send_error(s, conn, c, method, 401, "unauthorized", NULL,
                          "this needs an administrator session: log in first");
    if ((rt->flags & SRV_ADMIN) && strcmp(rt->method, "GET") != 0 &&
        form_content_type(r->content_type))
        return send_error(s, conn, c, method, 415, "bad_content_type", NULL,
                          "an administrator's request must say its Content-Type "
                          "(application/json), which a cross-site form cannot");
    if ((rt->flags & SRV_RATE_CAST) && s->o->cast_rate > 0 &&
        srv_limit_take(s->st, SRV_BUCKET_CAST, c->remote, s->o->cast_rate, &retry) != 0) {
        srv_error(&resp, 429, "rate_limited", NULL,
                  "too many ballots from this address; try again in %u s", retry);
        return send_resp(s, conn, c, method, &resp, retry);
    }
    if ((rt->flags & SRV_RATE_DOOR) && s->o->cast_rate > 0 &&
        srv_limit_take(s->st, SRV_BUCKET_DOOR, c->remote, s->o->cast_rate, &retry) != 0) {
        srv_error(&resp, 429, "rate_limited", NULL,
                  "too many entries from this address; try again in %u s", retry);
        return send_resp(s, conn, c, method, &resp, retry);
    }
    if ((rt->flags & SRV_RATE_LOGIN) &&
        srv_limit_take(s->st, SRV_BUCKET_LOGIN, c->remote, SRV_LOGIN_PER_MINUTE, &retry) != 0) {
        srv_error(&resp, 429, "rate_limited", NULL,
                  "too many login attempts from this address; try again in %u s", retry);
        return send_resp(s, conn, c, method, &resp, retry);
    }
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, &c->ctx);
    if (c->ctx.query_bad)
        return send_error(s, conn, c, method, 400, "bad_parameter", NULL,
                          "the query string is malformed (bad escape or too many arguments)");
    if (rt->handler(r, &resp) != 0 && resp.status == 0)
        srv_error(&resp, 500, "internal", NULL, "the request failed");
    return send_resp(s, conn, c, method, &resp, 0);
}

/* ---- libmicrohttpd's callbacks ------------------------------------------------------------------ */

static void client_address(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, INET6_ADDRSTRLEN, "-");
    if (ci == NULL || ci->client_addr == NULL)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  INET6_ADDRSTRLEN);
}

/*
 * Behind a TLS proxy (--behind-tls) every connection comes from the proxy, so
 * the client's address — for the rate limits and the log — is the last
 * X-Forwarded-For entry, which the proxy itself appended (README: nginx sets
 * it to $remote_addr). It is believed only from a loopback peer, and only if
 * it is an IP address.
 */
static void forwarded_address(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
    const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    const char *last;
    char cand[INET6_ADDRSTRLEN];
    unsigned char bin[sizeof(struct in6_addr)];
    size_t n;

    if (xff == NULL || (strncmp(out, "127.", 4) != 0 && strcmp(out, "::1") != 0))
        return;
    last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    n = strcspn(last, " ");
    if (n == 0 || n >= sizeof cand)
        return;
    memcpy(cand, last, n);
    cand[n] = 0;
    if (inet_pton(AF_INET, cand, bin) == 1 || inet_pton(AF_INET6, cand, bin) == 1)
        memcpy(out, cand, n + 1);
}

/* The first call of a request: find what it is for; may answer at once. */
static enum MHD_Result first_call(server *s, struct MHD_Connection *conn, const char *url,
                                  const char *method, conn_req *c)
{
    char allow[64];
    int path_found;
    const char *cl;

    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    client_address(conn, c->remote);
    if (s->st->behind_tls)
        forwarded_address(conn, c->remote);
    if ((c->path = strdup(url)) == NULL)
        return MHD_NO;
    split_path(c);
    c->api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
    if (!c->api) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return send_error(s, conn, c, method, 405, "method_not_allowed", "GET, HEAD",
                              "%s is not allowed here: pages are read with GET", method);
        c->max = STATIC_MAX_BODY;
        return MHD_YES;
    }
    if (c->seg_bad)
        return send_error(s, conn, c, method, 400, "bad_request", NULL,
                          "the path is malformed (a bad %%-escape, or too many segments)");
    if ((c->route = route_find(c, method, &path_found, allow, sizeof allow)) == NULL) {
        if (path_found)
            return send_error(s, conn, c, method, 405, "method_not_allowed", allow,
                              "%s is not allowed on %s (allowed: %s)", method, url, allow);
        return send_error(s, conn, c, method, 404, "not_found", NULL, "no route %s", url);
    }
    c->max = c->route->max_body;
    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > c->max)
        return send_error(s, conn, c, method, 413, "too_large", NULL,
                          "the body is over this route's limit of %zu bytes", c->max);
    return MHD_YES;
}

/* More of the body: kept up to the limit, then only counted. */
static void take_body(conn_req *c, const char *data, size_t n)
{
    if (c->too_large || c->len + n > c->max) {
        c->too_large = 1;
        return;
    }
    if (c->len + n + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + n + 1)
            cap *= 2;
        /* Not realloc: a body may hold the administrator's password, so the
           old buffer is wiped before it goes back to the allocator. */
        char *b = malloc(cap);
        if (b == NULL) {
            c->too_large = 1;
            return;
        }
        if (c->body != NULL) {
            memcpy(b, c->body, c->len);
            sodium_memzero(c->body, c->cap);
            free(c->body);
        }
        c->body = b;
        c->cap = cap;
    }
    memcpy(c->body + c->len, data, n);
    c->len += n;
    c->body[c->len] = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    server *s = cls;
    conn_req *c = *con_cls;
    (void)version;

    if (c == NULL) {
        if ((c = calloc(1, sizeof *c)) == NULL)
            return MHD_NO;
        *con_cls = c;
        atomic_fetch_add(&s->inflight, 1);
        return first_call(s, conn, url, method, c);
    }
    if (*upload_data_size > 0) {
        take_body(c, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->too_large)
        return send_error(s, conn, c, method, 413, "too_large", NULL,
                          "the body is over this route's limit of %zu bytes", c->max);
    if (!c->api)
        return send_static(s, conn, c, method);
    return run_api(s, conn, c, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *s = cls;
    conn_req *c = *con_cls;
    (void)conn;
    (void)toe;
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ctx.nquery; i++) {
        free(c->ctx.query[i].name);
        free(c->ctx.query[i].value);
    }
    if (c->body != NULL)
        sodium_memzero(c->body, c->cap);   /* passwords travel in bodies */
    free(c->body);
    free(c->path);
    free(c->segbuf);
    free(c);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* Paths and query arguments are decoded by us, segment by segment. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* ---- running ---------------------------------------------------------------------------------- */

static int stop_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    if (write(stop_pipe[1], &b, 1) < 0) {
        /* nothing to do: a second signal finds the pipe already written */
    }
    errno = saved;
}

/* "HOST:PORT" or "[V6]:PORT" into addr; -1 if malformed. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr, char *host,
                        size_t hcap, int *v6)
{
    const char *colon = strrchr(listen, ':');
    char *end;
    unsigned long port;
    size_t hl;

    memset(addr, 0, sizeof *addr);
    if (colon == NULL || colon == listen)
        return -1;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == 0 || *end != 0 || port > 65535)
        return -1;
    hl = (size_t)(colon - listen);
    if (listen[0] == '[' && listen[hl - 1] == ']') {
        if (hl - 2 >= hcap)
            return -1;
        memcpy(host, listen + 1, hl - 2);
        host[hl - 2] = 0;
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *v6 = 1;
        return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -1;
    }
    if (hl >= hcap)
        return -1;
    memcpy(host, listen, hl);
    host[hl] = 0;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, hcap, "127.0.0.1");
    struct sockaddr_in *a = (struct sockaddr_in *)addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    *v6 = 0;
    return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

int srv_listen_check(const char *listen)
{
    struct sockaddr_storage addr;
    char host[128];
    int v6;
    return parse_listen(listen, &addr, host, sizeof host, &v6);
}

static int install_signals(void)
{
    struct sigaction sa;
    if (pipe(stop_pipe) != 0)
        return -1;
    fcntl(stop_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(stop_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static struct MHD_Daemon *start_daemon(server *s, const struct sockaddr_storage *addr, int v6)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    uint16_t port = v6 ? ntohs(((const struct sockaddr_in6 *)addr)->sin6_port)
                       : ntohs(((const struct sockaddr_in *)addr)->sin_port);
    return MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)200,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
        MHD_OPTION_END);
}

/* Waits until a signal arrives on the pipe. */
static void wait_for_signal(void)
{
    char b;
    while (read(stop_pipe[0], &b, 1) < 0 && errno == EINTR)
        ;
}

int srv_run(srv_state *st, const srv_options *o)
{
    server *s = calloc(1, sizeof *s);
    struct sockaddr_storage addr;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    char host[128];
    int v6 = 0;
    MHD_socket lsock;

    if (s == NULL)
        return 1;
    s->st = st;
    s->o = o;
    s->log = o->log ? o->log : stderr;
    if (st->web_dir[0] && realpath(st->web_dir, s->web_real) == NULL) {
        fprintf(stderr, "veche serve: the web directory %s: %s (pages will not be served)\n",
                st->web_dir, strerror(errno));
        s->web_real[0] = 0;
    }
    if (parse_listen(o->listen, &addr, host, sizeof host, &v6) != 0) {
        fprintf(stderr, "veche serve: --listen %s: expected HOST:PORT (an IP address)\n",
                o->listen);
        free(s);
        return 2;
    }
    if (install_signals() != 0 || (d = start_daemon(s, &addr, v6)) == NULL) {
        fprintf(stderr, "veche serve: cannot listen on %s: %s\n", o->listen, strerror(errno));
        free(s);
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("veche serve: listening on http://%s%s%s:%u/\n", v6 ? "[" : "", host, v6 ? "]" : "",
           info ? (unsigned)info->port : 0u);
    fflush(stdout);

    wait_for_signal();
    fprintf(s->log, "veche serve: stopping: finishing the requests in progress\n");
    fflush(s->log);
    lsock = MHD_quiesce_daemon(d);
    for (int i = 0; i < DRAIN_SECONDS * 100 && atomic_load(&s->inflight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    srv_writer_stop(st);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    fprintf(s->log, "veche serve: stopped\n");
    fflush(s->log);
    free(s);
    return 0;
}
