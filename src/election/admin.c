/*
 * admin.c — the administrator's and the credential authority's steps
 * (admin.h): the checks each step makes of the election's state, and the
 * signed entries it produces. The CLI and the server share it, so a step
 * refuses the same things with the same words wherever it is run.
 */
#include "election/admin.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sodium.h>

#include "board/entry.h"
#include "election/verify.h"

/* ---- errors ------------------------------------------------------------------------- */

static void err_reset(veche_admin_err *e)
{
    e->kind = VECHE_ADMIN_OK;
    e->code = NULL;
    e->field[0] = 0;
    e->msg[0] = 0;
}

static veche_admin_kind fail(veche_admin_err *e, veche_admin_kind kind, const char *code,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static veche_admin_kind fail(veche_admin_err *e, veche_admin_kind kind, const char *code,
                             const char *fmt, ...)
{
    va_list ap;
    e->kind = kind;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return kind;
}

static veche_admin_kind oom(veche_admin_err *e)
{
    return fail(e, VECHE_ADMIN_FAILED, "internal", "out of memory");
}

/* The administrator is the manifest's author: any other key is refused. */
static veche_admin_kind check_admin(const veche_election *el, const veche_key *admin,
                                    const char *key_name, veche_admin_err *e)
{
    err_reset(e);
    if (sodium_memcmp(admin->pk, el->admin, 32) != 0)
        return fail(e, VECHE_ADMIN_WRONG_KEY, "forbidden",
                    "%s is not the administrator's key (the author of the manifest, entry %"
                    PRIu64 ")", key_name, el->manifest_entry.index);
    return VECHE_ADMIN_OK;
}

/* Builds one entry of type with body (borrowed), signed by k. */
static veche_admin_kind build(char **entry, size_t *len, const char *type, json_t *body,
                              const veche_key *k, veche_admin_err *e)
{
    veche_diag d = {{0}};
    *entry = NULL;
    if (body == NULL)
        return oom(e);
    if (veche_entry_build(entry, len, type, body, k->sk, &d) != VECHE_OK)
        return fail(e, VECHE_ADMIN_FAILED, "internal", "%s", d.msg);
    return VECHE_ADMIN_OK;
}

/* ---- create ------------------------------------------------------------------------- */

veche_admin_kind veche_admin_manifest_text(json_t **body, const char *text, size_t len,
                                           veche_admin_err *e)
{
    json_error_t jerr;
    err_reset(e);
    *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (json_is_object(*body))
        return VECHE_ADMIN_OK;
    json_decref(*body);
    *body = NULL;
    return fail(e, VECHE_ADMIN_BAD_INPUT, "bad_manifest",
                "not a JSON object (%s, line %d column %d)", jerr.text, jerr.line, jerr.column);
}

/* "manifest.contests[0].min: ..." names the member "contests[0].min". */
static void manifest_field(char *field, size_t cap, const char *msg)
{
    const char *colon = strstr(msg, ": ");
    size_t n;
    field[0] = 0;
    if (strncmp(msg, "manifest", 8) != 0 || colon == NULL)
        return;
    msg += 8;
    if (*msg == '.')
        msg++;
    n = (size_t)(colon - msg);
    if (n >= cap)
        n = cap - 1;
    memcpy(field, msg, n);
    field[n] = 0;
}

veche_admin_kind veche_admin_create(char **entry, size_t *len,
                                    char id[VECHE_ELECTION_ID_MAX + 1], json_t *body,
                                    const veche_key *admin, veche_admin_err *e)
{
    veche_diag d = {{0}};
    veche_manifest m;
    veche_admin_kind k;

    err_reset(e);
    *entry = NULL;
    if (veche_manifest_parse(&m, body, &d) != VECHE_OK) {
        manifest_field(e->field, sizeof e->field, d.msg);
        return fail(e, VECHE_ADMIN_BAD_INPUT, "bad_manifest", "%s", d.msg);
    }
    snprintf(id, VECHE_ELECTION_ID_MAX + 1, "%s", m.id);
    veche_manifest_free(&m);
    /* The board checks the manifest again on append; building first catches what it would. */
    if ((k = build(entry, len, VECHE_ETYPE_MANIFEST, body, admin, e)) != VECHE_ADMIN_OK)
        return k;
    return VECHE_ADMIN_OK;
}

veche_admin_kind veche_admin_exists(const veche_election *el, veche_admin_err *e)
{
    err_reset(e);
    return fail(e, VECHE_ADMIN_CONFLICT, "election_exists",
                "an election \"%s\" already exists on this board (entry %" PRIu64
                "); choose another id", el->id, el->manifest_entry.index);
}

/* ---- the roll ------------------------------------------------------------------------ */

void veche_roll_free(veche_roll *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->name[i]);
    free(r->name);
    free(r->weight);
    free(r->line);
    memset(r, 0, sizeof *r);
}

/*
 * One CSV field from *p (up to end): quoted ("" is a quote inside) or not
 * (spaces around it dropped). Writes it to out (cap bytes, NUL-terminated)
 * and its length to *n. Returns 0, or -1 with a reason in why.
 */
static int csv_field(const char **p, const char *end, char *out, size_t cap, size_t *n,
                     const char *too_long, const char **why)
{
    const char *s = *p;

    *n = 0;
    while (s < end && *s == ' ')
        s++;
    if (s < end && *s == '"') {
        for (s++;; s++) {
            if (s == end)
                return *why = "a quoted name has no closing quote", -1;
            if (*s == '"' && (s + 1 == end || s[1] != '"'))
                break;
            if (*s == '"')
                s++;
            if (*n + 1 >= cap)
                return *why = too_long, -1;
            out[(*n)++] = *s;
        }
        s++;
        while (s < end && *s == ' ')
            s++;
        if (s < end && *s != ',')
            return *why = "text after a closing quote", -1;
    } else {
        const char *start = s;
        while (s < end && *s != ',')
            s++;
        const char *stop = s;
        while (stop > start && stop[-1] == ' ')
            stop--;
        if ((size_t)(stop - start) + 1 > cap)
            return *why = too_long, -1;
        memcpy(out, start, (size_t)(stop - start));
        *n = (size_t)(stop - start);
    }
    out[*n] = 0;
    *p = s;
    return 0;
}

static int roll_add(veche_roll *r, const char *name, uint32_t w, size_t line)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        char **nn = realloc(r->name, cap * sizeof *nn);
        if (nn != NULL) r->name = nn;
        uint32_t *nw = realloc(r->weight, cap * sizeof *nw);
        if (nw != NULL) r->weight = nw;
        size_t *nl = realloc(r->line, cap * sizeof *nl);
        if (nl != NULL) r->line = nl;
        if (nn == NULL || nw == NULL || nl == NULL)
            return -1;
        r->cap = cap;
    }
    if ((r->name[r->n] = strdup(name)) == NULL)
        return -1;
    r->weight[r->n] = w;
    r->line[r->n++] = line;
    r->total += w;
    return 0;
}

/* Exactly "name" or "name,weight" (any case); lengths first, so a NUL inside a field is not a match. */
static int is_header(const char *name, size_t nlen, const char *weight, size_t wlen,
                     int has_weight)
{
    return nlen == 4 && strcasecmp(name, "name") == 0 &&
           (!has_weight || (wlen == 6 && strcasecmp(weight, "weight") == 0));
}

/* Decimal 1..VECHE_MAX_WEIGHT, nothing else. */
static int parse_weight(const char *s, uint32_t *w)
{
    uint64_t v = 0;
    if (*s == 0)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > VECHE_MAX_WEIGHT)
            return -1;
    }
    if (v < 1)
        return -1;
    *w = (uint32_t)v;
    return 0;
}

static veche_admin_kind line_fail(veche_admin_err *e, size_t line, const char *why)
{
    snprintf(e->field, sizeof e->field, "line %zu", line);
    return fail(e, VECHE_ADMIN_BAD_INPUT, "bad_roll", "line %zu: %s", line, why);
}

/* A name goes into JSON and mail-merge files: no control characters, valid UTF-8. */
static const char *name_problem(const char *name, size_t n)
{
    json_t *s;
    if (n == 0)
        return "no name";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return "a control character in the name";
    if ((s = json_stringn(name, n)) == NULL)
        return "the name is not valid UTF-8";
    json_decref(s);
    return NULL;
}

/* One line of the roll (first: the first non-empty one). */
static veche_admin_kind roll_line(veche_roll *r, const char *s, const char *end, size_t line,
                                  int first, veche_admin_err *e)
{
    const char *why = NULL;
    char name[VECHE_ROLL_NAME_MAX + 1], weight[32] = "";
    size_t nlen, wlen = 0;
    uint32_t w = 1;
    int has_weight = 0;

    if (csv_field(&s, end, name, sizeof name, &nlen, "a name longer than 256 bytes", &why) != 0)
        return line_fail(e, line, why);
    if (s < end) {   /* a comma */
        s++;
        has_weight = 1;
        if (csv_field(&s, end, weight, sizeof weight, &wlen, "a weight that is not a number "
                      "from 1 to 1000000", &why) != 0 || s < end)
            return line_fail(e, line, why ? why : "more than two fields (quote a name that "
                                                   "holds a comma)");
    }
    if (first && is_header(name, nlen, weight, wlen, has_weight))
        return VECHE_ADMIN_OK;
    if ((why = name_problem(name, nlen)) != NULL)
        return line_fail(e, line, why);
    if (has_weight && (strlen(weight) != wlen || parse_weight(weight, &w) != 0)) {
        char msg[128];
        snprintf(msg, sizeof msg, "the weight \"%s\" is not a whole number in 1..%u", weight,
                 VECHE_MAX_WEIGHT);
        return line_fail(e, line, msg);
    }
    if (roll_add(r, name, w, line) != 0)
        return oom(e);
    return VECHE_ADMIN_OK;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
    char **names = arg;
    return strcmp(names[*(const size_t *)a], names[*(const size_t *)b]);
}

/* Two voters with one name would make the mail-merge ambiguous. */
static veche_admin_kind roll_distinct(const veche_roll *r, veche_admin_err *e)
{
    size_t *ix = malloc(r->n * sizeof *ix);
    if (ix == NULL)
        return oom(e);
    for (size_t i = 0; i < r->n; i++)
        ix[i] = i;
    qsort_r(ix, r->n, sizeof *ix, cmp_name, r->name);
    for (size_t i = 1; i < r->n; i++)
        if (strcmp(r->name[ix[i - 1]], r->name[ix[i]]) == 0) {
            size_t a = r->line[ix[i - 1]], b = r->line[ix[i]];
            const char *name = r->name[ix[i]];
            if (a > b) { size_t t = a; a = b; b = t; }
            free(ix);
            snprintf(e->field, sizeof e->field, "line %zu", b);
            return fail(e, VECHE_ADMIN_BAD_INPUT, "bad_roll", "lines %zu and %zu: the same "
                        "name \"%s\" (tell the voters apart, e.g. by a member number)", a, b,
                        name);
        }
    free(ix);
    return VECHE_ADMIN_OK;
}

static veche_admin_kind roll_lines(veche_roll *r, const char *text, size_t len,
                                   size_t max_lines, veche_admin_err *e)
{
    size_t line = 0;
    int first = 1;

    for (const char *p = text; p < text + len;) {
        const char *nl = memchr(p, '\n', (size_t)(text + len - p));
        const char *end = nl ? nl : text + len;
        if (++line > max_lines && max_lines != 0)
            return line_fail(e, line, "too many lines (the limit is the roll's size)");
        if (end > p && end[-1] == '\r')
            end--;
        if (end > p && roll_line(r, p, end, line, first, e) != VECHE_ADMIN_OK)
            return e->kind;
        first &= end == p;
        p = nl ? nl + 1 : text + len;
    }
    return VECHE_ADMIN_OK;
}

veche_admin_kind veche_roll_parse(veche_roll *r, const char *text, size_t len, size_t max_lines,
                                  veche_admin_err *e)
{
    err_reset(e);
    memset(r, 0, sizeof *r);
    if (roll_lines(r, text, len, max_lines, e) != VECHE_ADMIN_OK)
        goto bad;
    if (r->n == 0) {
        fail(e, VECHE_ADMIN_BAD_INPUT, "bad_roll", "no voters");
        goto bad;
    }
    if (r->total > VECHE_MAX_TOTAL_WEIGHT) {
        fail(e, VECHE_ADMIN_BAD_INPUT, "bad_roll", "the total weight %" PRIu64 " exceeds %u",
             r->total, VECHE_MAX_TOTAL_WEIGHT);
        goto bad;
    }
    if (roll_distinct(r, e) != VECHE_ADMIN_OK)
        goto bad;
    return VECHE_ADMIN_OK;
bad:
    veche_roll_free(r);
    return e->kind;
}

/* ---- credentials ------------------------------------------------------------------------ */

veche_admin_kind veche_admin_credentials_allowed(const veche_election *el,
                                                 const veche_key *authority,
                                                 const char *key_name, veche_admin_err *e)
{
    err_reset(e);
    if (sodium_memcmp(authority->pk, el->manifest.authority_key, 32) != 0)
        return fail(e, VECHE_ADMIN_WRONG_KEY, "forbidden", "%s is not the credential "
                    "authority named in the manifest of \"%s\"", key_name, el->id);
    if (el->cred_state != VECHE_CRED_NONE)
        return fail(e, VECHE_ADMIN_CONFLICT, "credentials_exist",
                    "credentials for \"%s\" are already on the record", el->id);
    if (el->open_index != VECHE_ELECTION_NO_INDEX)
        return fail(e, VECHE_ADMIN_CONFLICT, "already_open", "election \"%s\" is already open",
                    el->id);
    return VECHE_ADMIN_OK;
}

void veche_admin_creds_wipe_codes(veche_admin_creds *c)
{
    if (c->codes != NULL)
        sodium_memzero(c->codes, c->n * sizeof *c->codes);
}

void veche_admin_creds_free(veche_admin_creds *c)
{
    veche_admin_creds_wipe_codes(c);
    free(c->codes);
    veche_credentials_free(&c->pub);
    veche_credentials_entries_free(c->entries, c->lens, c->nparts);
    memset(c, 0, sizeof *c);
}

veche_admin_kind veche_admin_credentials(veche_admin_creds *c, const veche_election *el,
                                         const veche_roll *r, const veche_key *authority,
                                         const char *key_name, veche_admin_err *e)
{
    veche_diag d = {{0}};

    memset(c, 0, sizeof *c);
    if (veche_admin_credentials_allowed(el, authority, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    if ((c->codes = calloc(r->n, sizeof *c->codes)) == NULL)
        return oom(e);
    c->n = r->n;
    if (veche_credentials_generate(c->codes, &c->pub, el->id, r->weight, r->n, NULL, &d) !=
            VECHE_OK ||
        veche_credentials_build(&c->entries, &c->lens, &c->nparts, el->id, &c->pub,
                                authority->sk, &d) != VECHE_OK) {
        veche_admin_creds_free(c);
        return fail(e, VECHE_ADMIN_FAILED, "internal", "%s", d.msg);
    }
    return VECHE_ADMIN_OK;
}

/* A CSV field: quoted when it holds a comma, a quote or edge spaces. */
static int write_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    if (strpbrk(s, ",\"") == NULL && (n == 0 || (s[0] != ' ' && s[n - 1] != ' ')))
        return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (; *s; s++)
        if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF)
            return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}

static int write_lines(FILE *f, const veche_roll *r, char (*const codes)[VECHE_CODE_CHARS + 1],
                       int with_weight)
{
    int bad = fputs(with_weight ? "name,code,weight\n" : "name,code\n", f) < 0;
    for (size_t i = 0; i < r->n && !bad; i++) {
        bad |= write_field(f, r->name[i]) != 0 || fprintf(f, ",%s", codes[i]) < 0;
        if (with_weight)
            bad |= fprintf(f, ",%" PRIu32, r->weight[i]) < 0;
        bad |= fputc('\n', f) == EOF;
    }
    return bad;
}

veche_admin_kind veche_admin_codes_write(const char *path, const veche_roll *r,
                                         char (*const codes)[VECHE_CODE_CHARS + 1],
                                         int with_weight, veche_admin_err *e)
{
    char *buf = malloc(BUFSIZ);
    int fd, bad = 0;
    FILE *f;

    err_reset(e);
    if (buf == NULL)
        return oom(e);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
        free(buf);
        return fail(e, VECHE_ADMIN_FAILED, "internal", "%s: %s", path, strerror(errno));
    }
    if ((f = fdopen(fd, "w")) == NULL) {
        close(fd);
        free(buf);
        unlink(path);
        return fail(e, VECHE_ADMIN_FAILED, "internal", "%s: %s", path, strerror(errno));
    }
    setvbuf(f, buf, _IOFBF, BUFSIZ);
    bad |= write_lines(f, r, codes, with_weight);
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    sodium_memzero(buf, BUFSIZ);   /* it held codes */
    free(buf);
    if (bad) {
        unlink(path);
        return fail(e, VECHE_ADMIN_FAILED, "internal", "%s: write error", path);
    }
    return VECHE_ADMIN_OK;
}

/* ---- key ------------------------------------------------------------------------------ */

/* The ceremony as judged from the record. */
static veche_admin_kind judge(veche_ceremony **c, const veche_election *el, veche_admin_err *e)
{
    veche_diag d = {{0}};
    *c = NULL;
    if (veche_ceremony_evaluate_election(c, el, &d) != VECHE_OK)
        return fail(e, VECHE_ADMIN_FAILED, "internal", "%s", d.msg);
    return VECHE_ADMIN_OK;
}

void veche_admin_unqualified(const veche_ceremony *c, const veche_manifest *m, char *out,
                             size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (uint32_t i = 1; i <= m->ntrustees && o < cap; i++)
        if (!c->tr[i].qualified) {
            int n = snprintf(out + o, cap - o, "%s%u (%s)", o ? "; " : "", i,
                             c->tr[i].why[0] ? c->tr[i].why : "pending");
            o += n > 0 ? (size_t)n : 0;
        }
}

veche_admin_kind veche_admin_key_allowed(const veche_election *el, const veche_key *admin,
                                         const char *key_name, veche_admin_err *e)
{
    if (check_admin(el, admin, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    if (el->key_index != VECHE_ELECTION_NO_INDEX)
        return fail(e, VECHE_ADMIN_CONFLICT, "conflict", "election \"%s\" already has its "
                    "election.key (entry %" PRIu64 ")", el->id, el->key_index);
    return VECHE_ADMIN_OK;
}

/* Whether the ceremony c can give its key now. */
static veche_admin_kind key_ready(const veche_ceremony *c, const veche_admin_keyinfo *info,
                                  int without_pending, const char *pending_hint,
                                  veche_admin_err *e)
{
    if (c->phase == VECHE_PHASE_FAILED || !c->have_K)
        return fail(e, VECHE_ADMIN_CONFLICT, "ceremony_incomplete",
                    "the ceremony cannot give a key now: %s%s%s", c->why,
                    info->unqualified[0] ? "; not qualified: " : "", info->unqualified);
    if (c->phase != VECHE_PHASE_CHECKS && !without_pending)
        return fail(e, VECHE_ADMIN_CONFLICT, "ceremony_incomplete",
                    "some trustees have not revealed yet (%s): wait, or %s to disqualify them",
                    info->unqualified, pending_hint);
    return VECHE_ADMIN_OK;
}

veche_admin_kind veche_admin_key(char **entry, size_t *len, veche_admin_keyinfo *info,
                                 const veche_election *el, const veche_key *admin,
                                 const char *key_name, int without_pending,
                                 const char *pending_hint, veche_admin_err *e)
{
    veche_ceremony *c = NULL;
    veche_diag d = {{0}};
    json_t *body = NULL;

    *entry = NULL;
    memset(info, 0, sizeof *info);
    if (veche_admin_key_allowed(el, admin, key_name, e) != VECHE_ADMIN_OK ||
        judge(&c, el, e) != VECHE_ADMIN_OK)
        return e->kind;
    veche_admin_unqualified(c, &el->manifest, info->unqualified, sizeof info->unqualified);
    if (key_ready(c, info, without_pending, pending_hint, e) != VECHE_ADMIN_OK)
        goto done;
    if (veche_ceremony_election_key_body(&body, c, &d) != VECHE_OK) {
        fail(e, VECHE_ADMIN_FAILED, "internal", "%s", d.msg);
        goto done;
    }
    if (build(entry, len, VECHE_ETYPE_KEY, body, admin, e) != VECHE_ADMIN_OK)
        goto done;
    memcpy(info->K, c->K_enc, 32);
    info->nqual = c->nqual;
done:
    json_decref(body);
    veche_ceremony_free(c);
    return e->kind;
}

/* ---- open, close ---------------------------------------------------------------------------- */

veche_admin_kind veche_admin_open_allowed(const veche_election *el, const veche_key *admin,
                                          const char *key_name, veche_admin_err *e)
{
    char why[512];

    if (check_admin(el, admin, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    if (el->open_index != VECHE_ELECTION_NO_INDEX) {
        snprintf(why, sizeof why, "it is already open (entry %" PRIu64 ")", el->open_index);
        return fail(e, VECHE_ADMIN_CONFLICT, "already_open", "election \"%s\" cannot open: %s",
                    el->id, why);
    }
    if (el->key_index == VECHE_ELECTION_NO_INDEX)
        snprintf(why, sizeof why, "the joint key is not on the record yet (the trustees' "
                 "ceremony ends with election.key)");
    else if (!el->has_key)
        snprintf(why, sizeof why, "the election.key at entry %" PRIu64 " holds no valid key",
                 el->key_index);
    else if (el->cred_state == VECHE_CRED_NONE)
        snprintf(why, sizeof why, "no credentials are on the record yet (veche credentials "
                 "generate)");
    else if (el->cred_state == VECHE_CRED_INCOMPLETE)
        snprintf(why, sizeof why, "the credentials are incomplete: not all of their %" PRIu64
                 " parts are on the record", el->nparts);
    else if (el->cred_state == VECHE_CRED_INVALID)
        snprintf(why, sizeof why, "the credentials on the record are invalid: %s",
                 el->cred_problem.msg);
    else
        return VECHE_ADMIN_OK;
    return fail(e, VECHE_ADMIN_CONFLICT, "not_ready", "election \"%s\" cannot open: %s", el->id,
                why);
}

veche_admin_kind veche_admin_open(char **entry, size_t *len, const veche_election *el,
                                  const veche_key *admin, const char *key_name,
                                  veche_admin_err *e)
{
    veche_ceremony *c = NULL;
    json_t *body;

    *entry = NULL;
    if (veche_admin_open_allowed(el, admin, key_name, e) != VECHE_ADMIN_OK ||
        judge(&c, el, e) != VECHE_ADMIN_OK)
        return e->kind;
    /* An election.key that the ceremony does not give would make every ballot undecryptable. */
    if (!c->key_ok) {
        fail(e, VECHE_ADMIN_CONFLICT, "not_ready", "election \"%s\" cannot open: the "
             "election.key at entry %" PRIu64 " is not the ceremony's: %s", el->id,
             el->key_index, c->key_why);
        veche_ceremony_free(c);
        return e->kind;
    }
    veche_ceremony_free(c);
    body = json_pack("{s:s, s:o}", "election", el->id, "fingerprint",
                     veche_b64_json(el->fingerprint, 32));
    build(entry, len, VECHE_ETYPE_OPEN, body, admin, e);
    json_decref(body);
    return e->kind;
}

veche_admin_kind veche_admin_close_allowed(const veche_election *el, const veche_key *admin,
                                           const char *key_name, veche_admin_err *e)
{
    if (check_admin(el, admin, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    if (el->open_index == VECHE_ELECTION_NO_INDEX)
        return fail(e, VECHE_ADMIN_CONFLICT, "election_not_open", "election \"%s\" is not open",
                    el->id);
    if (el->close_index != VECHE_ELECTION_NO_INDEX)
        return fail(e, VECHE_ADMIN_CONFLICT, "already_closed", "election \"%s\" is already "
                    "closed (entry %" PRIu64 ")", el->id, el->close_index);
    return VECHE_ADMIN_OK;
}

veche_admin_kind veche_admin_close(char **entry, size_t *len, const veche_election *el,
                                   const veche_key *admin, const char *key_name,
                                   veche_admin_err *e)
{
    json_t *body;
    *entry = NULL;
    if (veche_admin_close_allowed(el, admin, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    body = json_pack("{s:s}", "election", el->id);
    build(entry, len, VECHE_ETYPE_CLOSE, body, admin, e);
    json_decref(body);
    return e->kind;
}

/* ---- tally ---------------------------------------------------------------------------------- */

veche_admin_kind veche_admin_tally_allowed(const veche_election *el, const veche_key *admin,
                                           const char *key_name, veche_admin_err *e)
{
    const veche_election_entry *t = veche_admin_first(el, &el->tallies);
    if (check_admin(el, admin, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    if (el->close_index == VECHE_ELECTION_NO_INDEX)
        return fail(e, VECHE_ADMIN_CONFLICT, "not_ready", "election \"%s\" is not closed: "
                    "close it first", el->id);
    if (t != NULL)
        return fail(e, VECHE_ADMIN_CONFLICT, "already_tallied", "election \"%s\" is already "
                    "tallied (entry %" PRIu64 ")", el->id, t->index);
    return VECHE_ADMIN_OK;
}

typedef struct first_failure {
    int  number;
    char line[VECHE_ADMIN_MSG / 2];
} first_failure;

static void note_failure(void *arg, const char *election, int number, const char *name,
                         int status, const char *detail)
{
    first_failure *f = arg;
    (void)election;
    if (status == VECHE_CHECK_FAIL && f->number == 0) {
        f->number = number;
        snprintf(f->line, sizeof f->line, "check %d (%s): %s", number, name, detail);
    }
}

/* The record up to the open must verify before anything is counted (checks 2–8). */
static veche_admin_kind record_sound(const veche_votes *v, veche_admin_err *e)
{
    veche_verify_opts vo;
    veche_verify_report rep;
    first_failure f = {0, ""};

    memset(&vo, 0, sizeof vo);
    vo.last = 8;
    if (veche_verify_votes(v, &vo, note_failure, &f, &rep) == VECHE_OK)
        return VECHE_ADMIN_OK;
    if (f.number == 0)
        return oom(e);
    return fail(e, VECHE_ADMIN_CONFLICT, "conflict", "the record does not verify: %s", f.line);
}

veche_admin_kind veche_admin_tally(char **entry, size_t *len, veche_count **count,
                                   const veche_votes *v, const veche_key *admin,
                                   const char *key_name, unsigned threads, veche_admin_err *e)
{
    veche_diag d = {{0}};
    json_t *body = NULL;

    *entry = NULL;
    *count = NULL;
    if (veche_admin_tally_allowed(v->el, admin, key_name, e) != VECHE_ADMIN_OK ||
        record_sound(v, e) != VECHE_ADMIN_OK)
        return e->kind;
    if (veche_count_ballots(count, v, threads, &d) != VECHE_OK ||
        veche_tally_body(&body, v->el, *count, &d) != VECHE_OK) {
        fail(e, VECHE_ADMIN_FAILED, "internal", "%s", d.msg);
    } else {
        build(entry, len, VECHE_ETYPE_TALLY, body, admin, e);
    }
    json_decref(body);
    if (e->kind != VECHE_ADMIN_OK) {
        veche_count_free(*count);
        *count = NULL;
    }
    return e->kind;
}

/* ---- result ----------------------------------------------------------------------------------- */

veche_admin_kind veche_admin_result_allowed(const veche_election *el, const veche_key *admin,
                                            const char *key_name, veche_admin_err *e)
{
    const veche_election_entry *r = veche_admin_first(el, &el->results);
    if (check_admin(el, admin, key_name, e) != VECHE_ADMIN_OK)
        return e->kind;
    if (veche_admin_first(el, &el->tallies) == NULL)
        return fail(e, VECHE_ADMIN_CONFLICT, "not_ready", "election \"%s\" has no tally yet: "
                    "tally it first", el->id);
    if (r != NULL)
        return fail(e, VECHE_ADMIN_CONFLICT, "conflict", "election \"%s\" already has a result "
                    "(entry %" PRIu64 ")", el->id, r->index);
    return VECHE_ADMIN_OK;
}

typedef struct decrypting {
    veche_ceremony       *cer;
    veche_ceremony_tally *tally;
    veche_decryption      dec;
    int                   dec_ready;
    uint64_t              W;
} decrypting;

static void decrypting_end(decrypting *x)
{
    if (x->dec_ready)
        veche_decryption_free(&x->dec);
    free(x->tally);
    veche_ceremony_free(x->cer);
}

/* The tally, the ceremony's K_j and the trustees' decryptions, all judged. */
static veche_admin_kind gather(decrypting *x, const veche_election *el, veche_admin_err *e)
{
    const veche_election_entry *t = veche_admin_first(el, &el->tallies);
    veche_diag d = {{0}};
    size_t ignored;
    uint64_t bad;

    x->W = (uint64_t)json_integer_value(json_object_get(t->body, "weight"));
    if ((x->tally = malloc(sizeof *x->tally)) == NULL)
        return oom(e);
    if (veche_ceremony_evaluate_election(&x->cer, el, &d) != VECHE_OK ||
        veche_ceremony_tally_parse(x->tally, t->body, &el->manifest, &d) != VECHE_OK ||
        veche_decryption_init(&x->dec, x->cer, x->tally, el->fingerprint, &d) != VECHE_OK)
        return fail(e, VECHE_ADMIN_CONFLICT, "conflict", "the tally (entry %" PRIu64 "): %s",
                    t->index, d.msg);
    x->dec_ready = 1;
    if (veche_decryptions_judge(&x->dec, el, &ignored, &bad, &d) != VECHE_OK)
        return fail(e, VECHE_ADMIN_CONFLICT, "conflict", "a trustee's decryption is invalid: "
                    "%s; the record cannot verify (check 12)", d.msg);
    return VECHE_ADMIN_OK;
}

veche_admin_kind veche_admin_result(char **entry, size_t *len, veche_result *r,
                                    const veche_election *el, const veche_key *admin,
                                    const char *key_name, veche_admin_err *e)
{
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    veche_diag d = {{0}};
    json_t *body = NULL;
    decrypting x;
    size_t n;

    *entry = NULL;
    memset(&x, 0, sizeof x);
    memset(r, 0, sizeof *r);
    if (veche_admin_result_allowed(el, admin, key_name, e) != VECHE_ADMIN_OK ||
        gather(&x, el, e) != VECHE_ADMIN_OK)
        goto done;
    if ((n = veche_decryption_set(&x.dec, set)) < x.cer->params.t) {
        fail(e, VECHE_ADMIN_CONFLICT, "not_enough_decryptions", "%zu valid decryption(s) on "
             "the record, %u needed: wait for the trustees (veche trustee decrypt)", n,
             x.cer->params.t);
        goto done;
    }
    /* The discrete logs: the expensive part, done before anything is appended. */
    if (veche_result_compute(r, &x.dec, set, n, x.W, &d) != VECHE_OK ||
        veche_result_body(&body, el, r, &d) != VECHE_OK) {
        fail(e, VECHE_ADMIN_FAILED, "internal", "%s", d.msg);
        goto done;
    }
    build(entry, len, VECHE_ETYPE_RESULT, body, admin, e);
done:
    json_decref(body);
    decrypting_end(&x);
    return e->kind;
}
