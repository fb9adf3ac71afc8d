/*
 * bench/load.c — a load generator for `veche serve`: real, valid ballots
 * cast over HTTP/1.1 keep-alive from many connections at once, to measure
 * what the server sustains with full verification and durable appends.
 *
 * The run, in order:
 *   1. the election is read from the server's own database, read-only
 *      (SQLite's WAL lets a reader in while the server writes): manifest,
 *      joint key, fingerprint (veche_election_load);
 *   2. the voters' credentials are derived from their codes (a CSV
 *      name,code,weight as `veche serve --demo` writes to DB.demo/);
 *   3. every ballot is built BEFORE the clock starts, on every core
 *      (veche_ballot_build, choices random and valid: for a referendum,
 *      yes or no), each with its whole HTTP request ready; ballot i is
 *      voter i mod V's, so more ballots than voters means re-votes;
 *   4. then C connections fire them in a closed loop: each connection sends
 *      its next ballot only after the answer to the previous one, so C is
 *      the number of voters casting at the same moment. One thread drives
 *      every connection with epoll, so the generator itself costs little of
 *      the two cores it shares with the server;
 *   5. the report: ballots/s acknowledged (201 or 200) over the steady
 *      window (between the 10th and the 90th percentile of acknowledgement
 *      times, which leaves out the ramp-up and the tail), latency p50 / p90 /
 *      p99 / max (from the first byte sent to the last byte of the answer),
 *      every non-2xx status with the first answer of its kind, and, as scale,
 *      V = one libsodium crypto_scalarmult_ristretto255 and one ballot
 *      verify in V, measured in the same run as bench/ballot.c does.
 *
 * Every acknowledgement is checked: its tracking code must be the one
 * computed here from the ballot's bytes. With --acked FILE each
 * acknowledged code is appended to FILE and flushed before the next answer
 * is read: tests/e2e/serve_crash.sh kills the server mid-stream and then
 * requires every code in FILE on the record.
 *
 * A connection that breaks (reset, refused, closed mid-answer, timeout)
 * reconnects and sends the same bytes again — the API answers 200 to a
 * ballot already on the record, so a retry never counts twice — until it
 * has failed for --patience seconds in a row; then it gives up and its
 * ballot is counted as unanswered.
 *
 * --serve BIN starts the server itself on a fresh database in
 * $VECHE_BENCH_DIR (default $TMPDIR or /tmp; its filesystem is printed:
 * fsync on tmpfs proves nothing):
 *     BIN serve --db DIR/load.db --listen 127.0.0.1:0 --demo --voters N
 *               --cast-rate 0
 * waits for its "listening on" line, runs, then stops it with SIGTERM.
 *
 * Performance is measured, not asserted. Exit status: 0 every ballot was
 * acknowledged; 1 some were refused or unanswered, or an answer was wrong
 * (the figures are printed either way); 2 usage or setup failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include <sodium.h>

#include "board/board.h"
#include "council/council.h"
#include "election/ballot.h"
#include "election/credentials.h"
#include "election/election.h"

#define MAX_CONNECTIONS 4096
#define MAX_HEADER      (64 * 1024)
#define MAX_ANSWER      (16 * 1024 * 1024)
#define MAX_STATUS      600

/* ---- options ------------------------------------------------------------------ */

static struct {
    const char *url, *db, *codes, *election, *acked, *serve;
    size_t      ballots;
    unsigned    connections, voters;
    double      patience, timeout;
    int         keep, quiet, use_demo;
} opt = {NULL, NULL, NULL, NULL, NULL, NULL, 20000, 100, 0, 10.0, 30.0, 0, 0, 0};

static const char usage[] =
    "usage: load (--url http://HOST:PORT --db DB | --serve VECHE) [options]\n"
    "\n"
    "Casts real ballots at a running `veche serve` from many keep-alive connections\n"
    "(each sends its next ballot after the answer to the last) and reports the\n"
    "ballots/s acknowledged and the latency.\n"
    "\n"
    "  --url URL           the server (http only)\n"
    "  --db DB             the server's database, read (read-only) for the election\n"
    "  --codes FILE        the voters' codes, CSV name,code,weight (default DB.demo/credentials.csv)\n"
    "  --election ID       the election (default: the only open one, asked of the server)\n"
    "  --ballots N         ballots to cast (default 20000)\n"
    "  --connections C     concurrent connections (default 100)\n"
    "  --acked FILE        append each acknowledged tracking code to FILE, flushed at once\n"
    "  --patience S        a connection failing S seconds in a row gives up (default 10)\n"
    "  --timeout S         an answer not complete after S seconds is a failure (default 30)\n"
    "  --serve VECHE       start VECHE serve --demo on a fresh database, make a referendum\n"
    "                      election through its API, cast into it, stop the server after\n"
    "  --voters N          with --serve: the election's voters (default: the ballots, at\n"
    "                      most 100000)\n"
    "  --demo-election     with --serve: cast into the demo's own election instead (two\n"
    "                      contests: a referendum and a 2-of-5 committee)\n"
    "  --keep              with --serve: keep the database directory\n"
    "  --quiet             print only the summary line\n";

/* ---- small helpers --------------------------------------------------------------- */

static int broken;    /* an answer contradicted what was sent */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int setup_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("bench/load: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static int parse_count(const char *s, const char *name, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != 0 || s[0] == '-' || v == 0 || v > max)
        return setup_fail("%s: \"%s\" is not a number in 1..%" PRIu64, name, s, max);
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, const char *name, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != 0 || !(v > 0.0) || v > 86400.0)
        return setup_fail("%s: \"%s\" is not a number of seconds in (0, 86400]", name, s);
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    enum { O_URL = 256, O_DB, O_CODES, O_ELECTION, O_BALLOTS, O_CONN, O_ACKED, O_PATIENCE,
           O_TIMEOUT, O_SERVE, O_VOTERS, O_KEEP, O_QUIET, O_DEMO, O_HELP };
    static const struct option lo[] = {
        {"url", 1, 0, O_URL}, {"db", 1, 0, O_DB}, {"codes", 1, 0, O_CODES},
        {"election", 1, 0, O_ELECTION}, {"ballots", 1, 0, O_BALLOTS},
        {"connections", 1, 0, O_CONN}, {"acked", 1, 0, O_ACKED},
        {"patience", 1, 0, O_PATIENCE}, {"timeout", 1, 0, O_TIMEOUT},
        {"serve", 1, 0, O_SERVE}, {"voters", 1, 0, O_VOTERS}, {"keep", 0, 0, O_KEEP},
        {"quiet", 0, 0, O_QUIET}, {"demo-election", 0, 0, O_DEMO}, {"help", 0, 0, O_HELP},
        {0, 0, 0, 0}};
    uint64_t v;
    int c;

    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case O_URL: opt.url = optarg; break;
        case O_DB: opt.db = optarg; break;
        case O_CODES: opt.codes = optarg; break;
        case O_ELECTION: opt.election = optarg; break;
        case O_ACKED: opt.acked = optarg; break;
        case O_SERVE: opt.serve = optarg; break;
        case O_KEEP: opt.keep = 1; break;
        case O_QUIET: opt.quiet = 1; break;
        case O_DEMO: opt.use_demo = 1; break;
        case O_BALLOTS:
            if (parse_count(optarg, "--ballots", 10000000, &v) != 0) return -1;
            opt.ballots = (size_t)v;
            break;
        case O_CONN:
            if (parse_count(optarg, "--connections", MAX_CONNECTIONS, &v) != 0) return -1;
            opt.connections = (unsigned)v;
            break;
        case O_VOTERS:
            if (parse_count(optarg, "--voters", 1000000, &v) != 0) return -1;
            opt.voters = (unsigned)v;
            break;
        case O_PATIENCE:
            if (parse_seconds(optarg, "--patience", &opt.patience) != 0) return -1;
            break;
        case O_TIMEOUT:
            if (parse_seconds(optarg, "--timeout", &opt.timeout) != 0) return -1;
            break;
        case O_HELP: fputs(usage, stdout); exit(0);
        default: return -1;
        }
    }
    if (optind != argc)
        return setup_fail("unexpected argument \"%s\"", argv[optind]);
    if (opt.serve == NULL && (opt.url == NULL || opt.db == NULL))
        return setup_fail("give --url and --db of a running server, or --serve VECHE");
    if (opt.serve != NULL && (opt.url != NULL || opt.db != NULL))
        return setup_fail("--serve starts its own server: no --url or --db with it");
    if (opt.serve == NULL && (opt.voters != 0 || opt.use_demo || opt.keep))
        return setup_fail("--voters, --demo-election and --keep go with --serve");
    if (opt.serve != NULL && !opt.use_demo && opt.election != NULL)
        return setup_fail("--serve makes its own election: --election only with --demo-election");
    if (opt.election != NULL && !veche_election_id_valid(opt.election, strlen(opt.election)))
        return setup_fail("--election: \"%s\" is not an election id", opt.election);
    return 0;
}

/* ---- the server's address --------------------------------------------------------- */

static struct {
    char                    host[256];   /* as in the URL, for the Host header */
    struct sockaddr_storage addr;
    socklen_t               addrlen;
} server;

/* http://HOST:PORT[/]; HOST a name, an IPv4 address or [IPv6]. */
static int parse_url(const char *url)
{
    const char *p = url, *colon, *end;
    char name[256], port[16];
    struct addrinfo hints, *ai = NULL;
    int rc;

    if (strncmp(p, "http://", 7) != 0)
        return setup_fail("--url: \"%s\" does not start with http://", url);
    p += 7;
    end = p + strcspn(p, "/");
    if (*end != 0 && strcmp(end, "/") != 0)
        return setup_fail("--url: \"%s\": give the server's root, without a path", url);
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (rb == NULL || rb[1] != ':')
            return setup_fail("--url: \"%s\": [IPv6]:PORT expected", url);
        snprintf(name, sizeof name, "%.*s", (int)(rb - p - 1), p + 1);
        colon = rb + 1;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        if (colon == NULL)
            return setup_fail("--url: \"%s\": no port", url);
        snprintf(name, sizeof name, "%.*s", (int)(colon - p), p);
    }
    if ((size_t)(end - colon - 1) >= sizeof port || end - colon - 1 < 1)
        return setup_fail("--url: \"%s\": bad port", url);
    snprintf(port, sizeof port, "%.*s", (int)(end - colon - 1), colon + 1);
    snprintf(server.host, sizeof server.host, "%.*s", (int)(end - p), p);
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if ((rc = getaddrinfo(name, port, &hints, &ai)) != 0)
        return setup_fail("--url: %s: %s", name, gai_strerror(rc));
    memcpy(&server.addr, ai->ai_addr, ai->ai_addrlen);
    server.addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static int tcp_socket(int nonblock)
{
    int one = 1;
    int fd = socket(server.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
                    0);
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* ---- HTTP/1.1 answers --------------------------------------------------------------- */

typedef struct answer {
    unsigned    status;
    const char *body;
    size_t      body_len;
    size_t      total;       /* bytes of the whole answer */
    int         close;       /* Connection: close */
} answer;

/* The value of header `name` in head[0..len) (after the status line), or NULL. */
static const char *header(const char *head, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    const char *p = memchr(head, '\n', len), *end = head + len;
    while (p != NULL && p + 1 < end) {
        const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - line) > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
            const char *v = line + n + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            *vlen = (size_t)(eol - v);
            while (*vlen > 0 && (v[*vlen - 1] == '\r' || v[*vlen - 1] == ' '))
                (*vlen)--;
            return v;
        }
        p = eol < end ? eol : NULL;
    }
    return NULL;
}

/*
 * 1: buf holds a whole answer (a); 0: not yet; -1: malformed (why says so).
 * Only Content-Length framing: the server answers from buffers.
 */
static int parse_answer(const char *buf, size_t len, answer *a, const char **why)
{
    const char *eoh = memmem(buf, len, "\r\n\r\n", 4), *v;
    size_t head, vlen;
    unsigned long long cl;
    char num[24];

    if (eoh == NULL)
        return len > MAX_HEADER ? (*why = "headers over 64 KiB", -1) : 0;
    head = (size_t)(eoh - buf) + 4;
    if (head < 13 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
        buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
        buf[11] < '0' || buf[11] > '9')
        return *why = "not an HTTP/1.x status line", -1;
    a->status = (unsigned)(buf[9] - '0') * 100 + (unsigned)(buf[10] - '0') * 10 +
                (unsigned)(buf[11] - '0');
    if (header(buf, head, "Transfer-Encoding", &vlen) != NULL)
        return *why = "a Transfer-Encoding answer (only Content-Length is read)", -1;
    if ((v = header(buf, head, "Content-Length", &vlen)) == NULL || vlen == 0 ||
        vlen >= sizeof num || strspn(v, "0123456789") < vlen)
        return *why = "no valid Content-Length", -1;
    memcpy(num, v, vlen);
    num[vlen] = 0;
    cl = strtoull(num, NULL, 10);
    if (cl > MAX_ANSWER)
        return *why = "an answer over 16 MiB", -1;
    if (len < head + cl)
        return 0;
    v = header(buf, head, "Connection", &vlen);
    a->close = v != NULL && vlen == 5 && strncasecmp(v, "close", 5) == 0;
    if (buf[7] == '0')
        a->close = 1;       /* HTTP/1.0 closes unless asked otherwise */
    a->body = buf + head;
    a->body_len = (size_t)cl;
    a->total = head + (size_t)cl;
    return 1;
}

/*
 * A blocking connection to the server, or -1 (errno set). A server that has
 * just said it listens may still be binding: refusals are retried for 5 s.
 */
static int connect_blocking(void)
{
    for (int tries = 0;; tries++) {
        int fd = tcp_socket(0), err;
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&server.addr, server.addrlen) == 0)
            return fd;
        err = errno;
        close(fd);
        errno = err;
        if (err != ECONNREFUSED || tries == 50)
            return -1;
        usleep(100000);
    }
}

/*
 * One blocking request with Connection: close (setup only): method path,
 * with a body of content type ctype if body is not NULL, and a bearer token
 * if token is not NULL. Returns the malloc'd answer body (any status, in
 * *status), or NULL with a message.
 */
static char *http_call(const char *method, const char *path, const char *ctype, const char *token,
                       const char *body, size_t body_len, unsigned *status, size_t *out_len)
{
    char head[1024], *buf = NULL, *out = NULL;
    size_t len = 0, cap = 0;
    const char *why = NULL;
    answer a;
    int fd = connect_blocking(), n, done = 0;

    if (fd < 0) {
        setup_fail("cannot connect to %s: %s", server.host, strerror(errno));
        goto out;
    }
    n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                 "%s%s%s" "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", method, path,
                 server.host, token ? "Authorization: Bearer " : "", token ? token : "",
                 token ? "\r\n" : "", ctype ? ctype : "application/json", body ? body_len : 0);
    if (n < 0 || (size_t)n >= sizeof head || send(fd, head, (size_t)n, MSG_NOSIGNAL) != n ||
        (body != NULL && send(fd, body, body_len, MSG_NOSIGNAL) != (ssize_t)body_len)) {
        setup_fail("%s %s: cannot send: %s", method, path, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t r;
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap * 2 + 8192);
            if (nb == NULL) {
                setup_fail("%s %s: out of memory", method, path);
                goto out;
            }
            buf = nb;
            cap = cap * 2 + 8192;
        }
        if ((r = recv(fd, buf + len, cap - len, 0)) <= 0)
            break;
        len += (size_t)r;
        if ((done = parse_answer(buf, len, &a, &why)) != 0)
            break;
    }
    if (done != 1) {
        setup_fail("%s %s: %s", method, path, done < 0 ? why : "the connection closed mid-answer");
    } else if ((out = malloc(a.body_len + 1)) != NULL) {
        memcpy(out, a.body, a.body_len);
        out[a.body_len] = 0;
        *out_len = a.body_len;
        *status = a.status;
    }
out:
    if (fd >= 0)
        close(fd);
    if (buf != NULL)
        sodium_memzero(buf, len);   /* a credentials answer holds codes */
    free(buf);
    return out;
}

/* A call whose answer must have status `want` and be JSON: the parsed answer, or NULL. */
static json_t *http_json(const char *method, const char *path, const char *ctype,
                         const char *token, const char *body, size_t body_len, unsigned want)
{
    unsigned status = 0;
    size_t len = 0;
    char *ans = http_call(method, path, ctype, token, body, body_len, &status, &len);
    json_t *j = NULL;
    json_error_t je;

    if (ans == NULL)
        return NULL;
    if (status != want)
        setup_fail("%s %s: status %u, not %u: %.*s", method, path, status, want,
                   (int)(len > 400 ? 400 : len), ans);
    else if ((j = json_loadb(ans, len, 0, &je)) == NULL)
        setup_fail("%s %s: the answer is not JSON: %s", method, path, je.text);
    sodium_memzero(ans, len);
    free(ans);
    return j;
}

/* The id of the only election whose stage is "open" (GET /api/v1/elections). */
static int find_open_election(char id[VECHE_ELECTION_ID_MAX + 1])
{
    size_t i, found = 0;
    json_t *j = http_json("GET", "/api/v1/elections", NULL, NULL, NULL, 0, 200), *list, *e;

    if (j == NULL)
        return -1;
    list = json_object_get(j, "elections");
    if (!json_is_array(list)) {
        json_decref(j);
        return setup_fail("GET /api/v1/elections: no \"elections\" array in the answer");
    }
    json_array_foreach(list, i, e) {
        const char *s = json_string_value(json_object_get(e, "stage"));
        const char *eid = json_string_value(json_object_get(e, "id"));
        if (s != NULL && strcmp(s, "open") == 0 && eid != NULL && strlen(eid) <= VECHE_ELECTION_ID_MAX) {
            if (found++ == 0)
                strcpy(id, eid);
        }
    }
    json_decref(j);
    if (found != 1)
        return setup_fail("the server has %zu open elections: name one with --election", found);
    return 0;
}

/* ---- the election and its voters ----------------------------------------------------- */

static struct {
    veche_election *el;
    veche_pubkey    K;
    int             have_K;
    size_t          nvoters;
    veche_scalar   *x;           /* secret: wiped at exit */
    uint8_t       (*X)[32];
} E;

static int load_election(const char *db, const char *id)
{
    veche_board *b = NULL;
    veche_diag d = {{0}};
    veche_err e;

    /* The server's record may hold councils' entries too (the demo has one). */
    if ((e = veche_council_register_types()) != VECHE_OK)
        return setup_fail("cannot register the entry types: %s", veche_strerror(e));
    if (veche_board_open(&b, db, NULL, &d) != VECHE_OK)
        return setup_fail("%s: %s", db, d.msg);
    e = veche_election_load(&E.el, b, id, NULL, NULL, &d);
    veche_board_close(b);
    if (e != VECHE_OK)
        return setup_fail("%s: election \"%s\": %s", db, id, d.msg);
    if (!E.el->has_fingerprint)
        return setup_fail("election \"%s\" has no joint key or no complete list of credentials", id);
    if (veche_pubkey_decode(&E.K, E.el->K) != VECHE_OK)
        return setup_fail("election \"%s\": its key does not decode", id);
    E.have_K = 1;
    return 0;
}

/*
 * The code of a CSV line "name,code,weight" (the demo's) or "name,code"
 * (`veche credentials generate`'s), in place: the last field, or the one
 * before it when the last is a weight (all digits; a printed code has
 * dashes). Counting from the end keeps a name with commas harmless.
 */
static char *csv_code(char *line)
{
    char *last = strrchr(line, ','), *prev;
    if (last == NULL)
        return NULL;
    if (last[1] == 0 || strspn(last + 1, "0123456789") != strlen(last + 1))
        return last + 1;
    *last = 0;
    prev = strrchr(line, ',');
    return prev != NULL ? prev + 1 : NULL;
}

/* Lines in f (then rewound): an upper bound on the voters, to allocate once. */
static size_t count_lines(FILE *f)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF)
        n += c == '\n';
    rewind(f);
    return n + 1;
}

/* Derives the credential of every code in the CSV (a header line is skipped). */
static int read_codes(const char *path, const char *id)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t cap, lineno = 0;
    veche_diag d = {{0}};
    int rc = -1;

    if (f == NULL)
        return setup_fail("--codes %s: %s", path, strerror(errno));
    cap = count_lines(f);
    E.x = calloc(cap, sizeof *E.x);
    E.X = calloc(cap, sizeof *E.X);
    if (E.x == NULL || E.X == NULL) {
        setup_fail("out of memory for %zu voters", cap);
        goto out;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *code;
        veche_err e;
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == 0 || (lineno == 1 && strncasecmp(line, "name,", 5) == 0))
            continue;
        if ((code = csv_code(line)) == NULL || E.nvoters == cap) {
            setup_fail("%s:%zu: not name,code,weight", path, lineno);
            goto out;
        }
        e = veche_credential_derive(&E.x[E.nvoters], E.X[E.nvoters], id, code, &d);
        sodium_memzero(line, sizeof line);
        if (e != VECHE_OK) {
            setup_fail("%s:%zu: %s", path, lineno, d.msg);
            goto out;
        }
        if (veche_credentials_find(&E.el->creds, E.X[E.nvoters]) == NULL) {
            setup_fail("%s:%zu: this code's credential is not on election \"%s\"'s list", path,
                       lineno, id);
            goto out;
        }
        E.nvoters++;
    }
    if (E.nvoters == 0)
        setup_fail("%s: no codes", path);
    else
        rc = 0;
out:
    sodium_memzero(line, sizeof line);
    fclose(f);
    return rc;
}

/* ---- the ballots, built before the clock starts ----------------------------------------- */

typedef struct ballot {
    char   *req;          /* the whole HTTP request: headers, then the entry */
    size_t  req_len, body_off;
    char    tracking[VECHE_TRACKING_CODE_CHARS + 1];
} ballot;

static ballot       *B;
static size_t        nB;
static atomic_size_t next_build;
static atomic_int    build_failed;

/* Valid random choices: k in [min, max] distinct selections per contest. */
static void random_choices(veche_choices *ch, const veche_manifest *m)
{
    memset(ch, 0, sizeof *ch);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        size_t perm[VECHE_MAX_SELECTIONS], k;
        for (size_t s = 0; s < ct->nsel; s++)
            perm[s] = s;
        k = ct->min + randombytes_uniform(ct->max - ct->min + 1);
        for (size_t i = 0; i < k && i < ct->nsel; i++) {
            size_t j = i + randombytes_uniform((uint32_t)(ct->nsel - i)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
            ch->mark[c][perm[i]] = 1;
        }
    }
}

static int build_one(size_t i)
{
    const veche_election *el = E.el;
    size_t v = i % E.nvoters, len = 0;
    veche_choices ch;
    veche_diag d = {{0}};
    char *entry = NULL, head[512];
    veche_err e;
    int hlen;

    random_choices(&ch, &el->manifest);
    e = veche_ballot_build(&entry, &len, &el->manifest, &E.K, el->fingerprint, &E.x[v], E.X[v],
                           &ch, NULL, NULL, &d);
    sodium_memzero(&ch, sizeof ch);
    if (e != VECHE_OK)
        return setup_fail("ballot %zu (voter %zu) cannot be built: %s", i, v, d.msg);
    veche_ballot_tracking_code(B[i].tracking, (const uint8_t *)entry, len);
    hlen = snprintf(head, sizeof head,
                    "POST /api/v1/elections/%s/ballots HTTP/1.1\r\nHost: %s\r\n"
                    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                    el->id, server.host, len);
    if (hlen < 0 || (size_t)hlen >= sizeof head || (B[i].req = malloc((size_t)hlen + len)) == NULL) {
        free(entry);
        return setup_fail("out of memory for ballot %zu", i);
    }
    memcpy(B[i].req, head, (size_t)hlen);
    memcpy(B[i].req + hlen, entry, len);
    B[i].req_len = (size_t)hlen + len;
    B[i].body_off = (size_t)hlen;
    free(entry);
    return 0;
}

static void *build_worker(void *arg)
{
    (void)arg;
    for (;;) {
        size_t i = atomic_fetch_add(&next_build, 1);
        if (i >= nB || atomic_load(&build_failed))
            return NULL;
        if (build_one(i) != 0)
            atomic_store(&build_failed, 1);
    }
}

/* Builds nB ballots on `threads` threads; the seconds it took, or -1. */
static double build_all(unsigned threads)
{
    pthread_t t[256];
    unsigned started = 0;
    double t0 = now_s();

    if ((B = calloc(nB, sizeof *B)) == NULL)
        return setup_fail("out of memory for %zu ballots", nB);
    for (unsigned i = 0; i < threads && i < 256; i++)
        if (pthread_create(&t[started], NULL, build_worker, NULL) == 0)
            started++;
    if (started == 0)
        build_worker(NULL);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    return atomic_load(&build_failed) ? -1.0 : now_s() - t0;
}

static void free_ballots(void)
{
    for (size_t i = 0; B != NULL && i < nB; i++)
        free(B[i].req);
    free(B);
    B = NULL;
}

/* ---- the scale: V and a ballot's verification, in this run ---------------------------- */

enum { SCALE_REPS = 7, SCALE_POOL = 16 };
static uint8_t s_enc[SCALE_POOL][32], P_enc[SCALE_POOL][32];
static volatile uint8_t sink;

static void op_V(size_t n)
{
    uint8_t q[32];
    for (size_t i = 0; i < n; i++) {
        if (crypto_scalarmult_ristretto255(q, s_enc[i % SCALE_POOL], P_enc[(i + 1) % SCALE_POOL]) != 0)
            broken = 1;
        sink ^= q[0];
    }
}

static void op_verify(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const ballot *b = &B[i % (nB < SCALE_POOL ? nB : SCALE_POOL)];
        veche_ballot out;
        veche_diag d = {{0}};
        if (veche_ballot_verify(&out, (const uint8_t *)b->req + b->body_off, b->req_len - b->body_off,
                                &E.el->manifest, &E.K, E.el->fingerprint, &d) != VECHE_OK) {
            if (!broken)
                fprintf(stderr, "bench/load: BROKEN: a ballot built here does not verify: %s\n", d.msg);
            broken = 1;
            continue;
        }
        veche_ballot_free(&out);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Calls of fn that take about 20 ms. */
static size_t calibrate(void (*fn)(size_t))
{
    double t = now_s();
    fn(4);
    t = (now_s() - t) / 4;
    return t > 0 ? (size_t)(0.02 / t) + 1 : 1000;
}

static double batch_us(void (*fn)(size_t), size_t n)
{
    double t = now_s();
    fn(n);
    return (now_s() - t) * 1e6 / (double)n;
}

/*
 * V and verify's median per-call microseconds over SCALE_REPS rounds of
 * ~20 ms each, the two interleaved so that a neighbour's burst of work
 * (the machine is shared) hits both alike and their ratio stays fair.
 */
static void measure_scale(double *V, double *verify)
{
    double v[SCALE_REPS], b[SCALE_REPS];
    size_t nv, nb;

    for (int i = 0; i < SCALE_POOL; i++) {
        uint8_t s[32];
        crypto_core_ristretto255_scalar_random(s);
        memcpy(s_enc[i], s, 32);
        crypto_core_ristretto255_scalar_random(s);
        crypto_scalarmult_ristretto255_base(P_enc[i], s);
    }
    nv = calibrate(op_V);
    nb = calibrate(op_verify);
    for (int r = 0; r < SCALE_REPS; r++) {
        v[r] = batch_us(op_V, nv);
        b[r] = batch_us(op_verify, nb);
    }
    qsort(v, SCALE_REPS, sizeof v[0], cmp_double);
    qsort(b, SCALE_REPS, sizeof b[0], cmp_double);
    *V = v[SCALE_REPS / 2];
    *verify = b[SCALE_REPS / 2];
}

/* ---- firing: C connections, closed loop, one epoll thread --------------------------------- */

enum cstate { C_WAIT, C_CONNECTING, C_SENDING, C_READING, C_DONE };

typedef struct conn {
    int         fd;
    enum cstate state;
    size_t      ballot;        /* in flight, or SIZE_MAX */
    size_t      sent;
    char       *in;
    size_t      in_len, in_cap;
    double      t_first;       /* first byte of the ballot's first attempt */
    double      t_attempt;     /* start of this attempt (timeout) */
    double      retry_at;
    double      failing_since; /* 0 while healthy */
} conn;

static struct {
    conn     *c;
    int       ep;
    size_t    next, active;
    double    t0;
    FILE     *acked;
    /* results */
    double   *lat, *ack_t;     /* per acknowledged ballot: seconds */
    size_t    nack, n200, n201, nwrong, nrefused, nunanswered, nconn_err, nreconnect;
    size_t    status[MAX_STATUS];
    char     *first_body[MAX_STATUS];
    char      first_conn_err[256];
} F;

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);    /* also leaves the epoll set */
    c->fd = -1;
    c->in_len = 0;
}

/* A broken connection: retry the same ballot later, or give up after --patience. */
static void conn_fail(conn *c, const char *why, int err)
{
    double t = now_s();
    conn_close(c);
    F.nconn_err++;
    if (F.first_conn_err[0] == 0)
        snprintf(F.first_conn_err, sizeof F.first_conn_err, "%s%s%s", why, err ? ": " : "",
                 err ? strerror(err) : "");
    if (c->failing_since == 0)
        c->failing_since = t;
    if (t - c->failing_since >= opt.patience) {
        if (c->ballot != SIZE_MAX)
            F.nunanswered++;
        c->state = C_DONE;
        F.active--;
        return;
    }
    c->state = C_WAIT;
    c->retry_at = t + 0.05;
}

static void conn_send(conn *c);

static void conn_connect(conn *c)
{
    struct epoll_event ev;
    c->fd = tcp_socket(1);
    if (c->fd < 0)
        return conn_fail(c, "socket", errno);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(F.ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        return conn_fail(c, "epoll_ctl", errno);
    c->t_attempt = now_s();
    if (connect(c->fd, (struct sockaddr *)&server.addr, server.addrlen) != 0) {
        if (errno != EINPROGRESS)
            return conn_fail(c, "connect", errno);
        c->state = C_CONNECTING;
        return;
    }
    conn_send(c);
}

/* Takes the next ballot, if any, and sends it. */
static void conn_next(conn *c)
{
    if (F.next >= nB) {
        conn_close(c);
        c->state = C_DONE;
        c->ballot = SIZE_MAX;
        F.active--;
        return;
    }
    c->ballot = F.next++;
    c->t_first = 0;
    if (c->fd < 0)
        return conn_connect(c);
    conn_send(c);
}

static void conn_send(conn *c)
{
    const ballot *b = &B[c->ballot];
    if (c->state != C_SENDING) {
        c->state = C_SENDING;
        c->sent = 0;
        c->in_len = 0;
        c->t_attempt = now_s();
        if (c->t_first == 0)
            c->t_first = c->t_attempt;
    }
    while (c->sent < b->req_len) {
        ssize_t n = send(c->fd, b->req + c->sent, b->req_len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;    /* EPOLLOUT will call again */
        if (n <= 0)
            return conn_fail(c, "send", errno);
        c->sent += (size_t)n;
    }
    c->state = C_READING;
}

/* The tracking code in an acknowledgement, checked against ours. */
static int check_ack(const ballot *b, const answer *a)
{
    json_error_t je;
    json_t *j = json_loadb(a->body, a->body_len, 0, &je);
    const char *code = json_string_value(json_object_get(j, "tracking_code"));
    int ok = code != NULL && strcmp(code, b->tracking) == 0;
    if (!ok && F.nwrong == 0)
        fprintf(stderr, "bench/load: WRONG ANSWER to ballot %zu (tracking code %s): %.*s\n",
                (size_t)(b - B), b->tracking, (int)(a->body_len > 300 ? 300 : a->body_len), a->body);
    json_decref(j);
    return ok;
}

static void record_answer(conn *c, const answer *a, double t)
{
    const ballot *b = &B[c->ballot];
    if (a->status == 200 || a->status == 201) {
        if (!check_ack(b, a)) {
            F.nwrong++;
            broken = 1;
            return;
        }
        if (F.acked != NULL) {
            fprintf(F.acked, "%s\n", b->tracking);
            fflush(F.acked);
        }
        F.lat[F.nack] = t - c->t_first;
        F.ack_t[F.nack++] = t - F.t0;
        *(a->status == 200 ? &F.n200 : &F.n201) += 1;
        return;
    }
    F.nrefused++;
    F.status[a->status]++;
    if (F.first_body[a->status] == NULL) {
        size_t n = a->body_len > 300 ? 300 : a->body_len;
        if ((F.first_body[a->status] = malloc(n + 1)) != NULL) {
            memcpy(F.first_body[a->status], a->body, n);
            F.first_body[a->status][n] = 0;
        }
    }
}

static void conn_read(conn *c)
{
    for (;;) {
        const char *why = NULL;
        answer a;
        ssize_t n;
        int done;
        if (c->in_cap - c->in_len < 4096) {
            size_t cap = c->in_cap * 2 + 16384;
            char *nb = realloc(c->in, cap);
            if (nb == NULL)
                return conn_fail(c, "out of memory", 0);
            c->in = nb;
            c->in_cap = cap;
        }
        n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0)
            return conn_fail(c, "recv", errno);
        if (n == 0)
            return conn_fail(c, "the server closed the connection before answering", 0);
        c->in_len += (size_t)n;
        if ((done = parse_answer(c->in, c->in_len, &a, &why)) == 0)
            continue;
        if (done < 0 || a.total != c->in_len) {
            fprintf(stderr, "bench/load: BROKEN: a malformed answer: %s\n",
                    done < 0 ? why : "bytes after the answer");
            broken = 1;
            return conn_fail(c, "a malformed answer", 0);
        }
        record_answer(c, &a, now_s());
        c->failing_since = 0;
        if (a.close) {
            conn_close(c);
            F.nreconnect++;
        }
        c->state = C_WAIT;    /* between ballots */
        return conn_next(c);
    }
}

static void conn_event(conn *c, uint32_t ev)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err != 0)
            return conn_fail(c, "connect", err);
        conn_send(c);
        if (c->state != C_READING)
            return;
    }
    if (c->state == C_SENDING && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        conn_send(c);
    if (c->state == C_READING)
        conn_read(c);
}

/* Retries due, and attempts over --timeout; the ms until the next thing to do. */
static int conn_timers(void)
{
    double t = now_s(), next = t + 0.1;
    for (unsigned i = 0; i < opt.connections; i++) {
        conn *c = &F.c[i];
        if (c->state == C_WAIT && c->retry_at <= t) {
            if (c->ballot == SIZE_MAX)
                conn_next(c);
            else
                conn_connect(c);
        } else if ((c->state == C_CONNECTING || c->state == C_SENDING || c->state == C_READING) &&
                   t - c->t_attempt > opt.timeout) {
            conn_fail(c, "no answer within --timeout", 0);
        }
        if (c->state == C_WAIT && c->retry_at < next)
            next = c->retry_at;
    }
    return next <= t ? 0 : (int)((next - t) * 1000) + 1;
}

/* Fires every ballot; the seconds it took, or -1 if it could not start. */
static double fire(void)
{
    struct epoll_event ev[256];

    F.c = calloc(opt.connections, sizeof *F.c);
    F.lat = malloc(nB * sizeof *F.lat);
    F.ack_t = malloc(nB * sizeof *F.ack_t);
    if (F.c == NULL || F.lat == NULL || F.ack_t == NULL)
        return setup_fail("out of memory");
    if ((F.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        return setup_fail("epoll_create1: %s", strerror(errno));
    F.t0 = now_s();
    F.active = opt.connections;
    for (unsigned i = 0; i < opt.connections; i++) {
        F.c[i].fd = -1;
        F.c[i].ballot = SIZE_MAX;
        F.c[i].state = C_WAIT;
        conn_next(&F.c[i]);
    }
    while (F.active > 0) {
        int n = epoll_wait(F.ep, ev, 256, conn_timers());
        for (int i = 0; i < n; i++)
            conn_event(ev[i].data.ptr, ev[i].events);
    }
    close(F.ep);
    return now_s() - F.t0;
}

static void fire_free(void)
{
    for (unsigned i = 0; F.c != NULL && i < opt.connections; i++) {
        conn_close(&F.c[i]);
        free(F.c[i].in);
    }
    free(F.c);
    free(F.lat);
    free(F.ack_t);
    for (int s = 0; s < MAX_STATUS; s++)
        free(F.first_body[s]);
}

/* ---- --serve: a server of our own ------------------------------------------------------------ */

static struct {
    pid_t pid;
    char  dir[1024], db[1100], out[1100], log[1100], codes[1200], url[300];
} S = {-1, "", "", "", "", "", ""};

/* The URL in "veche serve: listening on http://HOST:PORT/" of the server's stdout, if there. */
static int listening_url(void)
{
    char line[512];
    FILE *f = fopen(S.out, "r");
    int found = 0;
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "veche serve: listening on http://");
        if (p != NULL && strchr(p, '\n') != NULL) {
            p += strlen("veche serve: listening on ");
            /* http://HOST:PORT, without the path's slash */
            snprintf(S.url, sizeof S.url, "http://%.*s", (int)strcspn(p + 7, "/\n"), p + 7);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static void show_server_output(void)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "tail -n 20 '%s' '%s' >&2", S.out, S.log);
    if (system(cmd) != 0)
        fprintf(stderr, "(see %s and %s)\n", S.out, S.log);
}

static int spawn_server(void)
{
    const char *base = getenv("VECHE_BENCH_DIR");
    char voters[16];
    double t0;

    if (base == NULL)
        base = getenv("TMPDIR");
    snprintf(S.dir, sizeof S.dir, "%s/veche-bench-load.XXXXXX", base ? base : "/tmp");
    if (mkdtemp(S.dir) == NULL)
        return setup_fail("mkdtemp %s: %s", S.dir, strerror(errno));
    snprintf(S.db, sizeof S.db, "%s/load.db", S.dir);
    snprintf(S.out, sizeof S.out, "%s/serve.out", S.dir);
    snprintf(S.log, sizeof S.log, "%s/serve.log", S.dir);
    /* the demo is seeded small unless it is the election cast into */
    snprintf(voters, sizeof voters, "%u", opt.use_demo ? opt.voters : 10);
    fflush(NULL);
    if ((S.pid = fork()) < 0)
        return setup_fail("fork: %s", strerror(errno));
    if (S.pid == 0) {
        int in = open("/dev/null", O_RDONLY), out = open(S.out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            log = open(S.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || log < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(log, 2) < 0)
            _exit(126);
        execl(opt.serve, opt.serve, "serve", "--db", S.db, "--listen", "127.0.0.1:0", "--demo",
              "--voters", voters, "--cast-rate", "0", (char *)NULL);
        fprintf(stderr, "bench/load: cannot run %s: %s\n", opt.serve, strerror(errno));
        _exit(127);
    }
    for (t0 = now_s(); !listening_url(); usleep(50000)) {
        int st;
        if (waitpid(S.pid, &st, WNOHANG) == S.pid) {
            S.pid = -1;
            setup_fail("%s serve exited (status %d) before listening:", opt.serve,
                       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            show_server_output();
            return -1;
        }
        if (now_s() - t0 > 600) {
            setup_fail("%s serve did not say it was listening within 600 s", opt.serve);
            show_server_output();
            return -1;
        }
    }
    opt.url = S.url;
    opt.db = S.db;
    if (!opt.quiet)
        printf("server: %s serve --db %s --listen 127.0.0.1:0 --demo --voters %s --cast-rate 0\n"
               "        listening on %s/ after %.1f s (seeding included)\n",
               opt.serve, S.db, voters, S.url, now_s() - t0);
    return 0;
}

/* ---- --serve: a referendum election made through the administrator's API ---------------- */

#define LOAD_ID "load"

/* The value after `prefix` on a line of the server's stdout, NUL-terminated. */
static int server_says(const char *prefix, char *out, size_t cap)
{
    char line[512];
    FILE *f = fopen(S.out, "r");
    int found = 0;
    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            snprintf(out, cap, "%.*s", (int)strcspn(line + strlen(prefix), " \r\n"),
                     line + strlen(prefix));
            found = out[0] != 0;
        }
    sodium_memzero(line, sizeof line);
    fclose(f);
    return found;
}

/* POST /api/v1/login with the password the server printed: the bearer token. */
static int admin_login(char token[128])
{
    char pw[128];
    json_t *req, *ans;
    char *body;
    const char *t;
    int rc = -1;

    if (!server_says("veche serve: administrator password: ", pw, sizeof pw))
        return setup_fail("no administrator password in %s", S.out);
    req = json_pack("{s:s}", "password", pw);
    sodium_memzero(pw, sizeof pw);
    body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL)
        return setup_fail("out of memory");
    ans = http_json("POST", "/api/v1/login", NULL, NULL, body, strlen(body), 200);
    sodium_memzero(body, strlen(body));
    free(body);
    if ((t = json_string_value(json_object_get(ans, "token"))) != NULL && strlen(t) < 128) {
        strcpy(token, t);
        rc = 0;
    } else if (ans != NULL) {
        setup_fail("POST /api/v1/login: no token in the answer");
    }
    json_decref(ans);
    return rc;
}

/* POST path with a JSON value (stolen), wanting 201; 0 or -1. */
static int admin_post(const char *token, const char *path, json_t *v)
{
    char *body = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_t *ans = NULL;
    json_decref(v);
    if (body == NULL)
        return setup_fail("out of memory");
    ans = http_json("POST", path, NULL, token, body, strlen(body), 201);
    free(body);
    json_decref(ans);
    return ans != NULL ? 0 : -1;
}

/* The referendum's manifest, one trustee (pk), open from now for a day. */
static json_t *referendum_manifest(const uint8_t pk[32])
{
    json_int_t now = (json_int_t)time(NULL);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:[{s:s, s:o}], s:i, "
                     "s:[{s:s, s:s, s:[s,s], s:i, s:i, s:b}]}",
                     "election", LOAD_ID, "title", "Load test: a referendum", "organisation",
                     "bench/load", "opens", now, "closes", now + 86400, "trustees", "name",
                     "Load trustee", "key", veche_b64_json(pk, 32), "threshold", 1, "contests",
                     "id", "referendum", "question", "Yes or no?", "options", "yes", "no",
                     "min", 1, "max", 1, "blank", 0);
}

/* Runs `VECHE trustee STEP ...` against the server, output appended to DIR/trustee.log. */
static int trustee_step(const char *step, const char *key, const char *state)
{
    char logp[1200];
    pid_t pid;
    int st;

    snprintf(logp, sizeof logp, "%s/trustee.log", S.dir);
    fflush(NULL);
    if ((pid = fork()) < 0)
        return setup_fail("fork: %s", strerror(errno));
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY), log = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in < 0 || log < 0 || dup2(in, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
            _exit(126);
        if (strcmp(step, "init") == 0)
            execl(opt.serve, opt.serve, "trustee", step, "--state", state, "--election", LOAD_ID,
                  "--server", S.url, "--key", key, (char *)NULL);
        else
            execl(opt.serve, opt.serve, "trustee", step, "--state", state, "--server", S.url,
                  "--key", key, (char *)NULL);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return setup_fail("%s trustee %s failed: see %s", opt.serve, step, logp);
    return 0;
}

/* The key ceremony of the referendum's one trustee, from its own key file. */
static int referendum_trustee(uint8_t pk[32], int ceremony)
{
    static const char *const steps[] = {"init", "commit", "reveal", "check"};
    char key[1200], state[1200];
    veche_diag d = {{0}};
    veche_key k;

    snprintf(key, sizeof key, "%s/trustee.key", S.dir);
    snprintf(state, sizeof state, "%s/trustee.state", S.dir);
    if (!ceremony) {
        if (veche_key_generate(&k, "load-trustee", &d) != VECHE_OK ||
            veche_key_write(key, &k, &d) != VECHE_OK) {
            veche_key_wipe(&k);
            return setup_fail("the trustee's key: %s", d.msg);
        }
        memcpy(pk, k.pk, 32);
        veche_key_wipe(&k);
        return 0;
    }
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (trustee_step(steps[i], key, state) != 0)
            return -1;
    return 0;
}

/* POST the roll of opt.voters; writes the codes to S.codes (name,code,weight, mode 0600). */
static int referendum_codes(const char *token)
{
    size_t cap = 16 + (size_t)opt.voters * 24, len = 0, i;
    char *roll = malloc(cap);
    json_t *ans, *codes, *c;
    FILE *f;
    int fd, rc = 0;

    if (roll == NULL)
        return setup_fail("out of memory");
    len = (size_t)snprintf(roll, cap, "name\n");
    for (unsigned v = 1; v <= opt.voters; v++)
        len += (size_t)snprintf(roll + len, cap - len, "Voter %u\n", v);
    ans = http_json("POST", "/api/v1/elections/" LOAD_ID "/credentials", "text/csv", token, roll,
                    len, 201);
    free(roll);
    if (ans == NULL)
        return -1;
    snprintf(S.codes, sizeof S.codes, "%s/load-codes.csv", S.dir);
    fd = open(S.codes, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        json_decref(ans);
        return setup_fail("%s: %s", S.codes, strerror(errno));
    }
    codes = json_object_get(ans, "codes");
    fprintf(f, "name,code,weight\n");
    json_array_foreach(codes, i, c) {
        const char *code = json_string_value(json_object_get(c, "code"));
        if (code == NULL) {
            rc = setup_fail("the credentials' answer: codes[%zu] has no code", i);
            break;
        }
        fprintf(f, "Voter %zu,%s,1\n", i + 1, code);
        sodium_memzero((char *)code, strlen(code));   /* jansson's own copy: wiped in place */
    }
    if (fclose(f) != 0 || json_array_size(codes) != opt.voters)
        rc = setup_fail("%s: %zu codes written for %u voters", S.codes, json_array_size(codes),
                        opt.voters);
    json_decref(ans);
    return rc;
}

/*
 * The election the load casts into, made as an organisation would through
 * the API: login, the manifest, the trustee's ceremony (veche trustee
 * --server), the roll and its codes, election.key, election.open.
 */
static int make_referendum(void)
{
    char token[128];
    uint8_t pk[32];
    double t0 = now_s();
    int rc = -1;

    if (admin_login(token) != 0 || referendum_trustee(pk, 0) != 0 ||
        admin_post(token, "/api/v1/elections", referendum_manifest(pk)) != 0 ||
        referendum_trustee(pk, 1) != 0 || referendum_codes(token) != 0 ||
        admin_post(token, "/api/v1/elections/" LOAD_ID "/key", json_object()) != 0 ||
        admin_post(token, "/api/v1/elections/" LOAD_ID "/open", json_object()) != 0)
        goto out;
    opt.election = LOAD_ID;
    if (opt.codes == NULL)
        opt.codes = S.codes;
    if (!opt.quiet)
        printf("election \"%s\": a referendum made through the administrator's API (login, "
               "manifest, 1 trustee's ceremony, %u voters' codes, key, open) in %.1f s\n",
               LOAD_ID, opt.voters, now_s() - t0);
    rc = 0;
out:
    sodium_memzero(token, sizeof token);
    return rc;
}

/* SIGTERM, then up to 30 s for a graceful exit (SIGKILL after). */
static int stop_server(void)
{
    int st = 0;
    double t0 = now_s();
    if (S.pid <= 0)
        return 0;
    kill(S.pid, SIGTERM);
    while (waitpid(S.pid, &st, WNOHANG) != S.pid) {
        if (now_s() - t0 > 30) {
            fprintf(stderr, "bench/load: the server ignored SIGTERM for 30 s: SIGKILL\n");
            kill(S.pid, SIGKILL);
            waitpid(S.pid, &st, 0);
            break;
        }
        usleep(20000);
    }
    S.pid = -1;
    if (!opt.quiet)
        printf("server stopped by SIGTERM in %.2f s: %s %d\n", now_s() - t0,
               WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_server_dir(void)
{
    if (S.dir[0] == 0)
        return;
    if (opt.keep)
        printf("kept: %s (the server's database, its keys and the demo's codes)\n", S.dir);
    else
        nftw(S.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* CPU seconds (user + system) used so far by process pid, from /proc; -1 if unknown. */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut, stt;
    FILE *f;
    size_t n;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* after the ")" that ends the command name: state is field 3, utime 14, stime 15 */
    if ((p = strrchr(buf, ')')) == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) != 2)
        return -1;
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

static const char *fs_name(const char *path)
{
    char dir[1100];
    struct statfs f;
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (statfs(dir[0] ? dir : "/", &f) != 0)
        return "unknown";
    switch ((unsigned long)f.f_type) {
    case 0xEF53:     return "ext2/3/4";
    case 0x01021994: return "tmpfs (fsync is a no-op: durability figures mean nothing)";
    case 0x9123683E: return "btrfs";
    case 0x58465342: return "xfs";
    case 0x794C7630: return "overlayfs";
    default:         return "other";
    }
}

/* ---- the report --------------------------------------------------------------------------- */

/* Nearest-rank percentile q of the sorted v[0..n), in ms. */
static double pct_ms(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k == 0)
        k = 1;
    return v[(k > n ? n : k) - 1] * 1e3;
}

/* Acknowledgements per second between the 10th and 90th percentile of their times. */
static double steady_rate(double *window)
{
    size_t lo, hi;
    *window = 0;
    if (F.nack < 20)
        return 0;
    lo = F.nack / 10;
    hi = F.nack - F.nack / 10 - 1;
    *window = F.ack_t[hi] - F.ack_t[lo];
    return *window > 0 ? (double)(hi - lo) / *window : 0;
}

static void report(double wall, double V, double verify, double srv_cpu, double gen_cpu)
{
    double window, rate = steady_rate(&window), p50 = 0, p90 = 0, p99 = 0, max = 0;

    qsort(F.lat, F.nack, sizeof F.lat[0], cmp_double);
    if (F.nack > 0) {
        p50 = pct_ms(F.lat, F.nack, 0.50);
        p90 = pct_ms(F.lat, F.nack, 0.90);
        p99 = pct_ms(F.lat, F.nack, 0.99);
        max = F.lat[F.nack - 1] * 1e3;
    }
    if (!opt.quiet) {
        printf("\nsent %zu of %zu ballots from %u connections in %.2f s (closed loop: each "
               "connection sends its next ballot after the answer to the last)\n", F.next, nB,
               opt.connections, wall);
        printf("acknowledged: %zu (201 new: %zu, 200 already on the record: %zu)\n", F.nack,
               F.n201, F.n200);
        for (int s = 0; s < MAX_STATUS; s++)
            if (F.status[s] > 0)
                printf("refused: status %d x %zu; first: %s\n", s, F.status[s],
                       F.first_body[s] ? F.first_body[s] : "");
        if (F.nwrong > 0)
            printf("WRONG acknowledgements (tracking code not the ballot's): %zu\n", F.nwrong);
        if (F.nconn_err > 0)
            printf("connection failures: %zu (each retried with the same bytes); first: %s\n",
                   F.nconn_err, F.first_conn_err);
        if (F.nunanswered > 0)
            printf("unanswered: %zu ballots (their connection gave up after %.0f s of failures)\n",
                   F.nunanswered, opt.patience);
        if (F.next < nB)
            printf("never sent: %zu ballots (every connection had given up)\n", nB - F.next);
        if (F.nreconnect > 0)
            printf("reconnections asked by the server (Connection: close): %zu\n", F.nreconnect);
        printf("\nthroughput: %.0f ballots/s sustained (acknowledgements 10%%..90%%, over %.2f s); "
               "%.0f ballots/s over the whole run\n", rate, window, (double)F.nack / wall);
        printf("latency, acknowledged ballots (first byte sent .. last byte of the answer):\n"
               "  p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   max %.1f ms\n", p50, p90, p99, max);
        if (srv_cpu >= 0 && F.nack > 0)
            printf("server CPU: %.2f s (user + system) = %.0f us per acknowledged ballot = %.1f V\n",
                   srv_cpu, srv_cpu * 1e6 / (double)F.nack, srv_cpu * 1e6 / (double)F.nack / V);
        if (gen_cpu >= 0)
            printf("this generator's CPU while firing: %.2f s (%.0f%% of one core)\n", gen_cpu,
                   100.0 * gen_cpu / wall);
        printf("scale: V = %.2f us; ballot verify (veche_ballot_verify, from bytes) = %.1f us = "
               "%.2f V\n", V, verify, verify / V);
        printf("target (issue 5, %u concurrent voters): >= 1000 ballots/s sustained: %s; "
               "p99 < 100 ms: %s\n", opt.connections,
               rate >= 1000 ? "PASS" : "MISSED", F.nack > 0 && p99 < 100 ? "PASS" : "MISSED");
    }
    printf("summary: %.0f ballots/s sustained, p50 %.1f ms, p99 %.1f ms, max %.1f ms, "
           "%zu/%zu acknowledged, %u connections\n", rate, p50, p99, max, F.nack, nB,
           opt.connections);
}

/* ---- main ------------------------------------------------------------------------------------- */

static void cleanup(void)
{
    fire_free();
    free_ballots();
    if (E.x != NULL)
        sodium_memzero(E.x, E.nvoters * sizeof *E.x);
    free(E.x);
    free(E.X);
    if (E.have_K)
        veche_pubkey_free(&E.K);
    if (E.el != NULL)
        veche_election_free(E.el);
    if (F.acked != NULL)
        fclose(F.acked);
}

/* Everything before the clock: server, election, voters, ballots. */
static int prepare(unsigned cores, char id[VECHE_ELECTION_ID_MAX + 1])
{
    char codes[1200];
    double t;

    if (opt.serve != NULL && spawn_server() != 0)
        return -1;
    if (parse_url(opt.url) != 0)
        return -1;
    if (opt.serve != NULL && !opt.use_demo && make_referendum() != 0)
        return -1;
    if (opt.election != NULL)
        snprintf(id, VECHE_ELECTION_ID_MAX + 1, "%s", opt.election);
    else if (find_open_election(id) != 0)
        return -1;
    if (load_election(opt.db, id) != 0)
        return -1;
    snprintf(codes, sizeof codes, "%s.demo/credentials.csv", opt.db);
    if (read_codes(opt.codes ? opt.codes : codes, id) != 0)
        return -1;
    if (opt.acked != NULL && (F.acked = fopen(opt.acked, "a")) == NULL)
        return setup_fail("--acked %s: %s", opt.acked, strerror(errno));
    nB = opt.ballots;
    if ((t = build_all(cores)) < 0)
        return -1;
    if (!opt.quiet)
        printf("election \"%s\" from %s (%s): %zu contest(s), %zu voters' codes; built %zu "
               "ballots of %zu bytes on %u threads in %.1f s\n", id, opt.db, fs_name(opt.db),
               E.el->manifest.ncontests, E.nvoters, nB, B[0].req_len - B[0].body_off, cores, t);
    return 0;
}

int main(int argc, char **argv)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cores = online > 0 ? (unsigned)online : 1;
    double load[3], V = 0, verify = 0, wall, srv0 = -1, gen0, srv_cpu = -1, gen_cpu;
    char id[VECHE_ELECTION_ID_MAX + 1];
    int rc = 2;

    if (parse_args(argc, argv) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    if (opt.voters == 0)
        opt.voters = opt.ballots < 100000 ? (unsigned)opt.ballots : 100000;
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);    /* progress shows as it happens, even in a file */
    if (veche_crypto_init() != VECHE_OK)
        return setup_fail("veche_crypto_init failed"), 2;
    if (!opt.quiet) {
        printf("veche bench/load: libsodium %s; cores: %ld online\n", sodium_version_string(),
               online);
        if (getloadavg(load, 3) == 3)
            printf("load average at start: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    }
    if (prepare(cores, id) != 0)
        goto out;
    measure_scale(&V, &verify);
    if (broken)
        goto out;
    if (S.pid > 0)
        srv0 = cpu_seconds(S.pid);
    gen0 = cpu_seconds(getpid());
    if ((wall = fire()) < 0)
        goto out;
    if (srv0 >= 0)
        srv_cpu = cpu_seconds(S.pid) - srv0;
    gen_cpu = gen0 >= 0 ? cpu_seconds(getpid()) - gen0 : -1;
    report(wall, V, verify, srv_cpu, gen_cpu);
    rc = broken || F.nack != nB ? 1 : 0;
out:
    if (S.pid > 0 && stop_server() != 0 && rc == 0)
        rc = 1;
    remove_server_dir();
    cleanup();
    return rc;
}
