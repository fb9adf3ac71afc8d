/*
 * remote.c — HTTP with libcurl and the verified mirror of a server's board
 * (see remote.h for what a sync checks and in which order).
 *
 * Everything a server sends is input from the network: sizes are capped
 * before the bytes are kept, JSON is parsed and every member checked, and
 * the server's own words are printed only with control characters replaced
 * (a message is not allowed to drive the terminal).
 */
#include "cli/remote.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <sodium.h>

#include "council/council.h"
#include "version.h"

enum {
    CONNECT_TIMEOUT_S = 10,   /* a server that does not answer at all */
    TRANSFER_TIMEOUT_S = 600, /* a whole exchange, even a large page of entries */
    STALL_TIME_S = 30,        /* no byte at all for this long: give up */
    PAGE_ENTRIES = 1000,      /* docs/API.md: at most 1,000 entries an answer */
    APPEND_BATCH = 1000
};

/* A page of entries may be large; past this it is asked for again in halves. */
#define PAGE_MAX_BYTES ((size_t)64 << 20)

/* ---- HTTP ------------------------------------------------------------------------------ */

typedef struct answer {
    char  *p;
    size_t len, cap, max;
    int    over;          /* the answer exceeded max: the transfer was stopped */
} answer;

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    answer *a = arg;
    size_t k = size * n;

    if (k > a->max - a->len) {
        a->over = 1;
        return 0;                   /* stops the transfer */
    }
    if (a->len + k + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        char *p;
        while (cap < a->len + k + 1)
            cap *= 2;
        if ((p = realloc(a->p, cap)) == NULL)
            return 0;
        a->p = p;
        a->cap = cap;
    }
    memcpy(a->p + a->len, data, k);
    a->len += k;
    a->p[a->len] = 0;
    return k;
}

static void curl_cleanup_at_exit(void) { curl_global_cleanup(); }

static veche_err curl_ready(veche_diag *d)
{
    static int done;
    if (done)
        return VECHE_OK;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return veche_diag_set(d, VECHE_EINTERNAL, "cannot initialise libcurl");
    atexit(curl_cleanup_at_exit);
    done = 1;
    return VECHE_OK;
}

/* url (without a trailing '/') + path, malloc'd; only http:// and https:// servers. */
static char *join_url(const char *url, const char *path, veche_diag *d)
{
    size_t n = strlen(url);
    char *out;

    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        veche_diag_set(d, VECHE_EINVALID, "--server %.100s: give an http:// or https:// URL",
                       url);
        return NULL;
    }
    while (n > 0 && url[n - 1] == '/')
        n--;
    if ((out = malloc(n + strlen(path) + 1)) == NULL) {
        veche_diag_set(d, VECHE_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(out, url, n);
    strcpy(out + n, path);
    return out;
}

/* Copies text for printing: at most cap-1 bytes, control characters as '?'. */
static void printable(char *out, size_t cap, const char *text)
{
    size_t i = 0;
    for (; text != NULL && text[i] != 0 && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[i] = 0;
}

/* "HTTP 409 election_closed: the message (field: x)", from the server's error answer. */
static veche_err server_error(veche_diag *d, long status, const char *full, const char *body)
{
    json_t *j = body != NULL ? json_loads(body, 0, NULL) : NULL;
    json_t *err = json_object_get(j, "error");
    char code[48], msg[160], field[48];
    veche_err e = status >= 500 ? VECHE_EINTERNAL : VECHE_EINVALID;

    if (json_is_object(err) && json_is_string(json_object_get(err, "code"))) {
        printable(code, sizeof code, json_string_value(json_object_get(err, "code")));
        printable(msg, sizeof msg, json_string_value(json_object_get(err, "message")));
        printable(field, sizeof field, json_string_value(json_object_get(err, "field")));
        veche_diag_set(d, e, "the server refused (HTTP %ld %s): %s%s%s%s", status, code, msg,
                       field[0] ? " (field: " : "", field, field[0] ? ")" : "");
    } else {
        printable(msg, sizeof msg, full);
        veche_diag_set(d, e, "%s: HTTP %ld%s", msg, status,
                       status >= 500 ? " (a failure of the server)" : "");
    }
    json_decref(j);
    return e;
}

/*
 * One exchange: GET (bytes NULL) or POST. *status is the HTTP status (0 if
 * none); a, the answer so far. VECHE_ERANGE when the answer passed a->max.
 */
static veche_err exchange(const char *url, const char *path, const void *bytes, size_t len,
                          const char *content_type, answer *a, long *status, veche_diag *d)
{
    char errbuf[CURL_ERROR_SIZE] = "", ctype[128], where[160];
    struct curl_slist *headers = NULL;
    char *full;
    CURL *c;
    CURLcode rc;
    veche_err e = VECHE_OK;

    *status = 0;
    if ((e = curl_ready(d)) != VECHE_OK || (full = join_url(url, path, d)) == NULL)
        return e != VECHE_OK ? e : VECHE_EINVALID;
    if ((c = curl_easy_init()) == NULL) {
        free(full);
        return veche_diag_set(d, VECHE_EINTERNAL, "cannot start libcurl");
    }
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)TRANSFER_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)STALL_TIME_S);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)a->max);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "veche/" VECHE_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    if (bytes != NULL) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, ctype);
        headers = curl_slist_append(headers, "Expect:");  /* no 100-continue round trip */
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, bytes);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    printable(where, sizeof where, full);
    if (a->over || rc == CURLE_FILESIZE_EXCEEDED) {
        e = veche_diag_set(d, VECHE_ERANGE, "%s: the answer is larger than %zu bytes", where,
                           a->max);
    } else if (rc != CURLE_OK) {
        e = veche_diag_set(d, VECHE_EINTERNAL, "%s: no answer: %s", where,
                           errbuf[0] ? errbuf : curl_easy_strerror(rc));
        *status = 0;               /* no complete answer: nothing the server decided */
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    free(full);
    return e;
}

veche_err cli_remote_get(const char *url, const char *path, size_t max, char **body,
                         size_t *len, long *status, veche_diag *d)
{
    answer a = {NULL, 0, 0, max, 0};
    char *full;
    veche_err e = exchange(url, path, NULL, 0, NULL, &a, status, d);

    *body = NULL;
    *len = 0;
    if (e == VECHE_OK && (*status < 200 || *status > 299)) {
        full = join_url(url, path, NULL);
        e = server_error(d, *status, full != NULL ? full : path, a.p);
        free(full);
    }
    if (e != VECHE_OK) {
        free(a.p);
        return e;
    }
    if (a.p == NULL && (a.p = calloc(1, 1)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    *body = a.p;
    *len = a.len;
    return VECHE_OK;
}

veche_err cli_remote_post(const char *url, const char *path, const void *bytes, size_t len,
                          const char *content_type, long *status, json_t **json,
                          veche_diag *d)
{
    answer a = {NULL, 0, 0, CLI_REMOTE_MAX_ANSWER, 0};
    char *full;
    veche_err e = exchange(url, path, bytes, len, content_type, &a, status, d);

    *json = NULL;
    if (e == VECHE_OK && a.p != NULL)
        *json = json_loadb(a.p, a.len, 0, NULL);
    if (e == VECHE_OK && (*status < 200 || *status > 299)) {
        full = join_url(url, path, NULL);
        e = server_error(d, *status, full != NULL ? full : path, a.p);
        free(full);
    } else if (e == VECHE_OK && !json_is_object(*json)) {
        e = veche_diag_set(d, VECHE_EINTERNAL, "%s: HTTP %ld but the answer is not a JSON "
                           "object", path, *status);
    }
    free(a.p);
    return e;
}

char *cli_remote_escape(const char *segment)
{
    char *esc, *out;
    if (curl_ready(NULL) != VECHE_OK || (esc = curl_easy_escape(NULL, segment, 0)) == NULL)
        return NULL;
    out = strdup(esc);
    curl_free(esc);
    return out;
}

/* A JSON GET: the answer must be an object (a new reference in *out). */
static veche_err get_json(const char *url, const char *path, json_t **out, veche_diag *d)
{
    char *body;
    size_t len;
    long status;
    veche_err e = cli_remote_get(url, path, CLI_REMOTE_MAX_ANSWER, &body, &len, &status, d);

    *out = NULL;
    if (e != VECHE_OK)
        return e;
    *out = json_loadb(body, len, 0, NULL);
    free(body);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return veche_diag_set(d, VECHE_EENCODING, "%s: the answer is not a JSON object", path);
    }
    return VECHE_OK;
}

/* ---- publication bodies --------------------------------------------------------------------- */

/* A body's answer: the body and room for a server that sends a little more (then refused). */
#define BODY_MAX_ANSWER ((size_t)VECHE_COUNCIL_BODY_MAX + 4096)

veche_err cli_remote_get_body(const char *url, const uint8_t hash[32], const char *dir,
                              long *status, veche_diag *d)
{
    char name[65], path[16 + 64], *body;
    uint8_t got[32];
    size_t len;
    veche_err e;

    veche_council_body_name(name, hash);
    snprintf(path, sizeof path, "/api/v1/bodies/%s", name);
    if ((e = cli_remote_get(url, path, BODY_MAX_ANSWER, &body, &len, status, d)) != VECHE_OK)
        return e;
    crypto_hash_sha256(got, (const uint8_t *)body, len);
    if (len > VECHE_COUNCIL_BODY_MAX || sodium_memcmp(got, hash, 32) != 0) {
        free(body);
        return veche_diag_set(d, VECHE_EVERIFY, "%s: the server sent %zu bytes that are not "
                              "the body whose SHA-256 the record holds; not kept", path, len);
    }
    e = veche_council_body_write(dir, (const uint8_t *)body, len, d);
    free(body);
    return e;
}

/* ---- evidence ------------------------------------------------------------------------------ */

static void print_indented(const char *label, const char *note)
{
    char line[512];
    const char *p = note, *nl;

    fprintf(stderr, "  %s\n", label);
    while (p != NULL && *p != 0) {
        size_t n;
        nl = strchr(p, '\n');
        n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = 0;
        printable(line, sizeof line, line);
        fprintf(stderr, "    %s\n", line);
        p = nl != NULL ? nl + 1 : NULL;
    }
}

/* The server's word against what the mirror verified before: both, on stderr. */
static void print_fork(const char *url, const char *why, const char *old_note,
                       const char *new_note)
{
    char where[160];
    printable(where, sizeof where, url);
    fprintf(stderr, "veche: REFUSED: the server at %s %s\n", where, why);
    if (old_note != NULL)
        print_indented("checkpoint verified before (kept in the mirror):", old_note);
    if (new_note != NULL)
        print_indented("checkpoint the server signs now:", new_note);
    fprintf(stderr, "  keep both as evidence; nothing was added to the mirror\n");
}

static void print_keys(const char *url, const veche_note_key *had, const veche_note_key *now,
                       const char *had_what)
{
    char a[VECHE_KEYNAME_MAX + 64], b[VECHE_KEYNAME_MAX + 64], where[160];
    veche_note_key_format(a, sizeof a, had);
    veche_note_key_format(b, sizeof b, now);
    printable(where, sizeof where, url);
    printable(b, sizeof b, b);
    fprintf(stderr, "veche: REFUSED: the server at %s is not the board %s\n"
            "  board key %s: %s\n  board key the server gives now: %s\n", where, had_what,
            had_what, a, b);
}

static int same_key(const veche_note_key *a, const veche_note_key *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0 &&
           memcmp(a->pub, b->pub, sizeof a->pub) == 0;
}

/* ---- the mirror: the server's key and checkpoint ---------------------------------------------- */

static veche_err fetch_key(const char *url, veche_note_key *key, veche_diag *d)
{
    json_t *info;
    const char *vkey;
    veche_err e;

    if ((e = get_json(url, "/api/v1/info", &info, d)) != VECHE_OK)
        return e;
    vkey = json_string_value(json_object_get(info, "vkey"));
    e = vkey != NULL && veche_note_key_parse(key, vkey) == VECHE_OK &&
                key->type == VECHE_SIGTYPE_ED25519
            ? VECHE_OK
            : veche_diag_set(d, VECHE_EENCODING, "/api/v1/info: \"vkey\" is not a board's "
                             "verifier key (name+hexid+base64 of an Ed25519 key)");
    json_decref(info);
    return e;
}

/* A checkpoint note: parsed, signed by key for key's origin. *note malloc'd. */
static veche_err fetch_checkpoint(const char *url, const veche_note_key *key, char **note,
                                  veche_checkpoint *cp, veche_diag *d)
{
    veche_note n;
    size_t len;
    long status;
    int ok = 0;
    veche_err e = cli_remote_get(url, "/api/v1/record/checkpoint", VECHE_NOTE_MAX_BYTES, note,
                                 &len, &status, d);

    if (e != VECHE_OK)
        return e;
    if (strlen(*note) != len || veche_note_parse(&n, *note, len) != VECHE_OK)
        e = veche_diag_set(d, VECHE_EENCODING, "/api/v1/record/checkpoint: not a signed note");
    else if (veche_checkpoint_parse(cp, n.text, n.text_len) != VECHE_OK)
        e = veche_diag_set(d, VECHE_EENCODING, "/api/v1/record/checkpoint: not a checkpoint");
    else if (veche_note_verify(&n, key, 1, &ok) != VECHE_OK || !ok)
        e = veche_diag_set(d, VECHE_EVERIFY, "/api/v1/record/checkpoint: not signed by the "
                           "board key %s", key->name);
    else if (strcmp(cp->origin, key->name) != 0)
        e = veche_diag_set(d, VECHE_EVERIFY, "/api/v1/record/checkpoint: origin is not the "
                           "board's (%s)", key->name);
    veche_note_free(&n);
    if (e != VECHE_OK) {
        free(*note);
        *note = NULL;
    }
    return e;
}

/* ---- the mirror: its history against the server's ------------------------------------------------ */

typedef struct mirror_sync {
    const char     *url;
    veche_board    *b;
    char           *note;       /* the server's checkpoint, verified */
    veche_checkpoint cp;
    char           *old_note;   /* the last one the mirror accepted, or NULL */
    veche_checkpoint old;
    uint64_t        have;       /* entries in the mirror before this sync */
    uint64_t        fetched;
} mirror_sync;

static veche_err load_old(mirror_sync *m, veche_diag *d)
{
    veche_store *s = veche_board_store(m->b);
    veche_note n;
    uint64_t size;
    veche_err e = s->ops->latest_checkpoint(s, &size, &m->old_note);

    if (e == VECHE_ENOTFOUND) {
        m->old_note = NULL;
        return VECHE_OK;
    }
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "the mirror's checkpoint: %s", veche_store_errmsg(s));
    if ((e = veche_note_parse(&n, m->old_note, strlen(m->old_note))) == VECHE_OK) {
        e = veche_checkpoint_parse(&m->old, n.text, n.text_len);
        veche_note_free(&n);
    }
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "the mirror's stored checkpoint does not parse");
    return VECHE_OK;
}

/* The consistency proof from the old tree to the new one, checked. */
static veche_err check_consistency(mirror_sync *m, veche_diag *d)
{
    char path[128];
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    json_t *j, *arr;
    size_t n = 0;
    veche_err e;

    snprintf(path, sizeof path, "/api/v1/record/consistency?old=%" PRIu64 "&size=%" PRIu64,
             m->old.size, m->cp.size);
    if ((e = get_json(m->url, path, &j, d)) != VECHE_OK)
        return e;
    arr = json_object_get(j, "proof");
    e = json_is_array(arr) && json_array_size(arr) <= VECHE_MERKLE_MAX_PROOF ? VECHE_OK
                                                                             : VECHE_EENCODING;
    for (size_t i = 0; e == VECHE_OK && i < json_array_size(arr); i++, n++) {
        const char *h = json_string_value(json_array_get(arr, i));
        size_t hl = 0;
        if (h == NULL || sodium_base642bin(proof[i], VECHE_HASH_BYTES, h, strlen(h), NULL, &hl,
                                           NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            hl != VECHE_HASH_BYTES)
            e = VECHE_EENCODING;
    }
    json_decref(j);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "%s: \"proof\" is not an array of base64 hashes", path);
    if (veche_merkle_verify_consistency(m->old.size, m->cp.size, m->old.root, m->cp.root,
                                        (const veche_hash *)proof, n) != VECHE_OK) {
        print_fork(m->url, "signs a tree that does not extend the one it signed before "
                   "(its consistency proof fails): it rewrote its history", m->old_note, m->note);
        return veche_diag_set(d, VECHE_EVERIFY, "the server rewrote its history (see above); "
                              "refusing to use it");
    }
    return VECHE_OK;
}

/* The new checkpoint must extend what the mirror holds and verified. */
static veche_err check_history(mirror_sync *m, veche_diag *d)
{
    if (m->old_note != NULL && m->cp.size < m->old.size) {
        print_fork(m->url, "signs a smaller tree than it signed before: it went back in "
                   "its history", m->old_note, m->note);
        return veche_diag_set(d, VECHE_EVERIFY, "the server's checkpoint (size %" PRIu64
                              ") is older than the mirror's (size %" PRIu64 "); refusing",
                              m->cp.size, m->old.size);
    }
    if (m->have > m->cp.size) {
        print_fork(m->url, "signs a smaller tree than the mirror already holds", m->old_note,
                   m->note);
        return veche_diag_set(d, VECHE_EVERIFY, "the mirror holds %" PRIu64 " entries, the "
                              "server's checkpoint only %" PRIu64 "; refusing", m->have,
                              m->cp.size);
    }
    if (m->old_note == NULL || m->old.size == 0)
        return VECHE_OK;
    if (m->cp.size == m->old.size) {
        if (memcmp(m->cp.root, m->old.root, VECHE_HASH_BYTES) == 0)
            return VECHE_OK;
        print_fork(m->url, "signs two different trees of the same size: it rewrote its "
                   "history", m->old_note, m->note);
        return veche_diag_set(d, VECHE_EVERIFY, "the server rewrote its history (see above); "
                              "refusing to use it");
    }
    return check_consistency(m, d);
}

/* ---- the mirror: fetching and appending ------------------------------------------------------ */

/* The frontier of the mirror's tree of `size` leaves, from its stored subtrees. */
static veche_err frontier(veche_board *b, uint64_t size, veche_merkle_stack *st, veche_diag *d)
{
    veche_store *s = veche_board_store(b);
    uint64_t start = 0;

    veche_merkle_stack_init(st);
    for (unsigned l = 64; l-- > 0;) {
        if (!(size >> l & 1))
            continue;
        if (s->ops->get_node(s, l, start >> l, st->frontier[st->n]) != VECHE_OK)
            return veche_diag_set(d, VECHE_EINTERNAL, "the mirror lacks its tree node (%u, %"
                                  PRIu64 "): %s", l, start >> l, veche_store_errmsg(s));
        st->depth[st->n++] = l;
        start += (uint64_t)1 << l;
    }
    st->size = size;
    return VECHE_OK;
}

/* One page of ndjson: exactly `count` lines; hashed onto st and written to spool. */
static veche_err take_page(const char *path, const char *body, size_t len, uint64_t count,
                           veche_merkle_stack *st, FILE *spool, veche_diag *d)
{
    const char *p = body, *end = body + len;
    veche_hash leaf;

    for (uint64_t i = 0; i < count; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        if (p >= end)
            return veche_diag_set(d, VECHE_EENCODING, "%s: %" PRIu64 " entries, %" PRIu64
                                  " asked for", path, i, count);
        if (n == 0 || n > VECHE_ENTRY_MAX_BYTES || memchr(p, 0, n) != NULL)
            return veche_diag_set(d, VECHE_EENCODING, "%s: line %" PRIu64 " is not an entry",
                                  path, i + 1);
        veche_merkle_leaf_hash(leaf, (const uint8_t *)p, n);
        veche_merkle_stack_push(st, leaf);
        if (fwrite(p, 1, n, spool) != n || fputc('\n', spool) == EOF)
            return veche_diag_set(d, VECHE_EINTERNAL, "cannot write the temporary file: %s",
                                  strerror(errno));
        p += n + (nl != NULL);
    }
    if (p != end)
        return veche_diag_set(d, VECHE_EENCODING, "%s: more than the %" PRIu64 " entries "
                              "asked for", path, count);
    return VECHE_OK;
}

/* Fetches entries [have, cp.size) into spool, hashing them onto the mirror's tree. */
static veche_err fetch_entries(mirror_sync *m, veche_merkle_stack *st, FILE *spool,
                               veche_diag *d)
{
    uint64_t at = m->have, page = PAGE_ENTRIES;
    char path[128], *body;
    size_t len;
    long status;
    veche_err e;

    while (at < m->cp.size) {
        uint64_t count = m->cp.size - at < page ? m->cp.size - at : page;
        snprintf(path, sizeof path, "/api/v1/record/entries?start=%" PRIu64 "&end=%" PRIu64, at,
                 at + count);
        e = cli_remote_get(m->url, path, PAGE_MAX_BYTES, &body, &len, &status, d);
        if (e == VECHE_ERANGE && page > 1) {
            page /= 2;              /* large entries: ask for fewer at a time */
            continue;
        }
        if (e != VECHE_OK)
            return e;
        e = take_page(path, body, len, count, st, spool, d);
        free(body);
        if (e != VECHE_OK)
            return e;
        at += count;
        m->fetched += count;
    }
    return VECHE_OK;
}

/* Appends a batch of spooled lines; frees them. */
static veche_err append_batch(mirror_sync *m, char **lines, size_t *lens, size_t n,
                              veche_diag *d)
{
    veche_diag why = {{0}};
    uint64_t first, at = veche_board_size(m->b);
    veche_err e = veche_board_append(m->b, (const uint8_t *const *)lines, lens, n, &first, &why);

    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "the server's entries %" PRIu64 "..%" PRIu64 " (covered by "
                              "its signed checkpoint) are refused: %s", at, at + n - 1, why.msg);
    return VECHE_OK;
}

/* Appends every spooled entry to the mirror, in batches. */
static veche_err append_spool(mirror_sync *m, FILE *spool, veche_diag *d)
{
    char **lines = calloc(APPEND_BATCH, sizeof *lines);
    size_t *lens = calloc(APPEND_BATCH, sizeof *lens), n = 0, cap = 0;
    ssize_t got;
    char *line = NULL;
    veche_err e = VECHE_OK;

    if (lines == NULL || lens == NULL) {
        free(lines);
        free(lens);
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    }
    rewind(spool);
    while (e == VECHE_OK && (got = getline(&line, &cap, spool)) > 0) {
        lines[n] = line;
        lens[n++] = (size_t)got - 1;    /* without its '\n' */
        line = NULL;
        cap = 0;
        if (n == APPEND_BATCH) {
            e = append_batch(m, lines, lens, n, d);
            n = 0;
        }
    }
    free(line);
    if (e == VECHE_OK && n > 0)
        e = append_batch(m, lines, lens, n, d);
    else
        for (size_t i = 0; i < n; i++)
            free(lines[i]);
    free(lines);
    free(lens);
    return e;
}

/* Stores the server's checkpoint once the mirror holds exactly its tree. */
static veche_err store_checkpoint(mirror_sync *m, veche_diag *d)
{
    veche_store *s = veche_board_store(m->b);
    veche_err e;

    if (m->old_note != NULL && m->old.size == m->cp.size)
        return VECHE_OK;            /* the same tree: nothing new to keep */
    if ((e = veche_store_begin(s)) != VECHE_OK ||
        (e = s->ops->put_checkpoint(s, m->cp.size, m->note)) != VECHE_OK ||
        (e = veche_store_commit(s)) != VECHE_OK) {
        veche_diag_set(d, e, "storing the checkpoint in the mirror: %s", veche_store_errmsg(s));
        veche_store_rollback(s);
    }
    return e;
}

static veche_err fetch_and_append(mirror_sync *m, veche_diag *d)
{
    veche_merkle_stack *st = malloc(sizeof *st);
    veche_hash root;
    char a[64], b[64];
    FILE *spool = NULL;
    veche_err e;

    if (st == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if ((e = frontier(m->b, m->have, st, d)) != VECHE_OK)
        goto done;
    if ((spool = tmpfile()) == NULL) {
        e = veche_diag_set(d, VECHE_EINTERNAL, "cannot make a temporary file: %s",
                           strerror(errno));
        goto done;
    }
    if ((e = fetch_entries(m, st, spool, d)) != VECHE_OK)
        goto done;
    veche_merkle_stack_root(st, root);
    if (memcmp(root, m->cp.root, VECHE_HASH_BYTES) != 0) {
        sodium_bin2base64(a, sizeof a, root, VECHE_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
        sodium_bin2base64(b, sizeof b, m->cp.root, VECHE_HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        print_fork(m->url, "sends entries that are not the tree it signs", m->old_note,
                   m->note);
        e = veche_diag_set(d, VECHE_EVERIFY, "the %" PRIu64 " entries hash to root %s, the "
                           "signed checkpoint says %s; refusing", m->cp.size, a, b);
        goto done;
    }
    if ((e = append_spool(m, spool, d)) == VECHE_OK)
        e = store_checkpoint(m, d);
done:
    if (spool != NULL)
        fclose(spool);
    free(st);
    return e;
}

/* The sync proper, with the server's key already checked against the mirror's. */
static veche_err sync_with(const char *url, veche_board *b, const veche_note_key *key,
                           veche_diag *d)
{
    mirror_sync m;
    char where[160];
    veche_err e;

    memset(&m, 0, sizeof m);
    m.url = url;
    m.b = b;
    m.have = veche_board_size(b);
    if ((e = fetch_checkpoint(url, key, &m.note, &m.cp, d)) == VECHE_OK &&
        (e = load_old(&m, d)) == VECHE_OK && (e = check_history(&m, d)) == VECHE_OK)
        e = fetch_and_append(&m, d);
    if (e == VECHE_OK && m.fetched > 0) {
        printable(where, sizeof where, url);
        fprintf(stderr, "veche: mirror of %s: %" PRIu64 " new entries, %" PRIu64 " in all, "
                "checked against its signed checkpoint\n", where, m.fetched, m.cp.size);
    }
    free(m.note);
    free(m.old_note);
    return e;
}

veche_err cli_remote_sync(const char *url, veche_board *b, veche_diag *d)
{
    veche_note_key key;
    veche_err e;

    if ((e = fetch_key(url, &key, d)) != VECHE_OK)
        return e;
    if (!same_key(&key, veche_board_key(b))) {
        print_keys(url, veche_board_key(b), &key, "this mirror holds");
        return veche_diag_set(d, VECHE_EVERIFY, "the server's board key changed; refusing");
    }
    return sync_with(url, b, &key, d);
}

/* ---- the mirror: opening ---------------------------------------------------------------------- */

/* The mirror at path: opened if it holds a board, else created empty for key. */
static veche_err open_cache(const char *path, const veche_note_key *key, veche_board **b,
                            veche_diag *d)
{
    veche_diag why = {{0}};
    veche_store *s;
    uint64_t size = 1;
    veche_err e;

    if (veche_board_open(b, path, NULL, &why) == VECHE_OK)
        return VECHE_OK;
    if (veche_store_open_sqlite(&s, path) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINVALID, "%s: not a mirror: %s", path,
                              veche_store_open_errmsg());
    e = veche_store_size(s, &size);
    veche_store_close(s);
    if (e != VECHE_OK || size != 0)
        return veche_diag_set(d, VECHE_EINVALID, "%s: not a usable mirror: %s", path, why.msg);
    return veche_board_create_mirror(b, path, key, d);
}

veche_err cli_remote_mirror(const char *url, const char *cache_db_path, const veche_note_key *pin,
                            veche_board **board, veche_diag *d)
{
    veche_note_key key;
    veche_board *b = NULL;
    veche_err e;

    *board = NULL;
    if ((e = fetch_key(url, &key, d)) != VECHE_OK)
        return e;
    if (pin != NULL && !same_key(pin, &key)) {
        print_keys(url, pin, &key, "you gave (--vkey)");
        return veche_diag_set(d, VECHE_EVERIFY, "the server's board key is not the one given "
                              "with --vkey; refusing");
    }
    if ((e = open_cache(cache_db_path, &key, &b, d)) != VECHE_OK)
        return e;
    if (!same_key(veche_board_key(b), &key)) {
        print_keys(url, veche_board_key(b), &key, "whose copy is kept in the mirror");
        veche_board_close(b);
        return veche_diag_set(d, VECHE_EVERIFY, "the server's board key is not the one the "
                              "mirror %s was made for; refusing (if the board was replaced "
                              "on purpose, use another --cache)", cache_db_path);
    }
    if ((e = sync_with(url, b, &key, d)) != VECHE_OK) {
        veche_board_close(b);
        return e;
    }
    *board = b;
    return VECHE_OK;
}

/* ---- the default cache ---------------------------------------------------------------------- */

static int make_dir(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int cli_remote_default_cache(char *out, size_t cap, const char *url)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"), *p;
    char dir[2048], host[256];
    size_t n = 0;
    int w;

    p = strstr(url, "://");
    for (p = p != NULL ? p + 3 : url; *p != 0 && *p != '/' && n + 1 < sizeof host; p++)
        host[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                            (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
                        ? *p
                        : '_';
    host[n] = 0;
    if (n == 0)
        return -1;
    if (xdg != NULL && xdg[0] == '/')
        w = snprintf(dir, sizeof dir, "%s/veche", xdg);
    else if (home != NULL && home[0] == '/')
        w = snprintf(dir, sizeof dir, "%s/.cache/veche", home);
    else
        return -1;
    if (w < 0 || (size_t)w >= sizeof dir)
        return -1;
    if (xdg == NULL || xdg[0] != '/') {   /* ~/.cache may not exist yet */
        char parent[2048];
        snprintf(parent, sizeof parent, "%s/.cache", home);
        if (make_dir(parent) != 0)
            return -1;
    }
    if (make_dir(dir) != 0)
        return -1;
    w = snprintf(out, cap, "%s/%s.mirror.db", dir, host);
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}
