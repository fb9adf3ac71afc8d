/*
 * fuzz/fuzz_roll.c — libFuzzer target for the voter roll reader
 * (veche_roll_parse, election/admin.h): the one piece of `veche credentials
 * generate` and of the server's credentials step (POST body) that reads
 * text an administrator pasted or uploaded.
 *
 * Every input is a roll's text, parsed three times: with no line limit,
 * with a small limit (1..16, from the first byte) and with the limit equal
 * to its own number of lines. Each parse is compared with a model written
 * here from admin.h's documentation alone:
 *
 *   - lines end at '\n' (one '\r' before it dropped), numbered from 1,
 *     empty ones counted and skipped; more than max_lines lines (when not
 *     0) is a fault of line max_lines + 1;
 *   - a line is NAME or NAME,WEIGHT in CSV: a field is quoted ("" a quote
 *     inside, spaces around the quotes allowed, nothing else after them) or
 *     not (spaces around it dropped, quotes in it plain characters); more
 *     than two fields, an unclosed quote or text after a closing quote is a
 *     fault of the line;
 *   - the first non-empty line is a header, and skipped, when its fields
 *     are "name" or "name","weight" (case aside);
 *   - a name is 1..256 bytes of UTF-8 (RFC 3629: no overlong forms, no
 *     surrogates, nothing above U+10FFFF) without control characters
 *     (C0 and DEL, as admin.c reads "control"); a weight is decimal digits
 *     worth 1..10^6 (default 1), in at most 31 bytes (admin.c's buffer: a
 *     narrowing admin.h does not state, since "0…01" with 40 zeros is 1);
 *   - then: no voter, a total above 10^9, or two voters of one name refuse
 *     the roll.
 *
 * On accept, the roll must be exactly the model's (names byte for byte,
 * weights, the line of each voter, the total). On refusal: kind
 * BAD_INPUT, code "bad_roll", a message, the roll zeroed; when a line is
 * at fault the field is "line N" for the model's first faulty line N and
 * the message names N; "no voters" and the total have no field; a
 * duplicate's field names a line whose name came before (which of several
 * duplicates is reported is the parser's choice).
 *
 * Round trip: an accepted roll written back as CSV two ways — minimal
 * quoting with a "name,weight" header and LF (the rule of admin.c's
 * codes file: quote a name with a comma, a quote or an edge space), and
 * every name quoted, spaces around the comma, weight 1 left out, a quoted
 * header, an empty line and CRLF — parses to the same roll at the lines
 * the writer put it on.
 *
 * Any violation aborts (a finding). (Its first finding: a header line with a
 * NUL inside a field, "name<NUL>x", was skipped as a header; fixed in admin.c.)
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_roll writes a set of small
 * rolls (headers, quotes, CRLF, weights, and each kind of fault), names of
 * 256 and 257 bytes, and rolls of 1000 and 1001 voters of weight 10^6 (the
 * total's edge) into <dir> and exits (how fuzz/corpus/fuzz_roll/ was made).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "election/admin.h"
#include "election/manifest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "fuzz_roll: %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#define WEIGHT_FIELD_MAX 31   /* admin.c's weight buffer, less its NUL */


/* ---- the model ------------------------------------------------------------------ */

/* A growable byte string: the model keeps whole fields, whatever their length. */
typedef struct buf {
    char  *p;
    size_t n, cap;
} buf;

static void buf_put(buf *b, char c)
{
    if (b->n + 1 >= b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        CHECK((b->p = realloc(b->p, b->cap)) != NULL);
    }
    b->p[b->n++] = c;
    b->p[b->n] = 0;
}

/* Empties b, which then reads as "" (never NULL). */
static void buf_clear(buf *b)
{
    buf_put(b, 0);
    b->n = 0;
}

static void buf_set(buf *b, const char *s, size_t n)
{
    buf_clear(b);
    for (size_t i = 0; i < n; i++)
        buf_put(b, s[i]);
}

typedef enum verdict { M_OK, M_LINE, M_NO_VOTERS, M_TOTAL, M_DUP } verdict;

typedef struct mvoter {
    char    *name;   /* NUL-terminated; no NUL inside (a control character) */
    size_t   len;
    uint32_t weight;
    size_t   line;
    int      repeat;  /* its name is on an earlier voter's line */
} mvoter;

typedef struct model {
    verdict  v;
    size_t   bad_line;   /* M_LINE: the first line at fault */
    mvoter  *voter;
    size_t   n, cap;
    uint64_t total;
} model;

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->voter[i].name);
    free(m->voter);
    memset(m, 0, sizeof *m);
}

/* How many lines text has: '\n' ends one; a last one without it counts too. */
static size_t count_lines(const char *text, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n + (len > 0 && text[len - 1] != '\n');
}

/*
 * Splits one line (CR already gone) into CSV fields, at most 3 kept (a third
 * is enough to refuse). Returns the number of fields, or -1 when a quote is
 * not closed or text follows a closing quote.
 */
static int split_fields(const char *s, size_t n, buf f[3])
{
    size_t i = 0;
    int k = 0;

    for (;;) {
        buf *out = &f[k < 3 ? k : 2];
        buf_clear(out);
        while (i < n && s[i] == ' ')
            i++;
        if (i < n && s[i] == '"') {
            for (i++;; i++) {
                if (i == n)
                    return -1;
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"')
                        i++;
                    else
                        break;
                }
                buf_put(out, s[i]);
            }
            for (i++; i < n && s[i] == ' '; i++)
                ;
            if (i < n && s[i] != ',')
                return -1;
        } else {
            size_t start = i, stop;
            while (i < n && s[i] != ',')
                i++;
            for (stop = i; stop > start && s[stop - 1] == ' '; stop--)
                ;
            buf_set(out, s + start, stop - start);
        }
        k++;
        if (i == n)
            return k;
        i++;   /* the comma: another field follows, if only an empty one */
    }
}

/* RFC 3629 UTF-8. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t more;
        uint32_t cp, least;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            more = 1, cp = c & 0x1f, least = 0x80;
        else if ((c & 0xf0) == 0xe0)
            more = 2, cp = c & 0x0f, least = 0x800;
        else if ((c & 0xf8) == 0xf0)
            more = 3, cp = c & 0x07, least = 0x10000;
        else
            return 0;
        if (n - i - 1 < more)
            return 0;
        for (size_t j = 1; j <= more; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += more + 1;
    }
    return 1;
}

static int name_valid(const buf *b)
{
    if (b->n < 1 || b->n > VECHE_ROLL_NAME_MAX)
        return 0;
    for (size_t i = 0; i < b->n; i++)
        if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
            return 0;
    return utf8_valid((const unsigned char *)b->p, b->n);
}

/* Decimal digits only, 1..10^6 (leading zeros are fine), at most 31 bytes. */
static int weight_value(const buf *b, uint32_t *w)
{
    uint64_t v = 0;
    if (b->n < 1 || b->n > WEIGHT_FIELD_MAX)
        return 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->p[i] < '0' || b->p[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(b->p[i] - '0');   /* 31 digits could overflow: cap it */
        if (v > VECHE_MAX_WEIGHT)
            v = VECHE_MAX_WEIGHT + 1;
    }
    if (v < 1 || v > VECHE_MAX_WEIGHT)
        return 0;
    *w = (uint32_t)v;
    return 1;
}

/* The field b is the word w, case aside: all of its bytes (an embedded NUL is a control character, not an end). */
static int field_is(const buf *b, const char *w)
{
    return b->n == strlen(w) && strncasecmp(b->p, w, b->n) == 0;
}

static void model_add(model *m, const buf *name, uint32_t w, size_t line)
{
    mvoter *v;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        CHECK((m->voter = realloc(m->voter, m->cap * sizeof *m->voter)) != NULL);
    }
    v = &m->voter[m->n++];
    CHECK((v->name = malloc(name->n + 1)) != NULL);
    memcpy(v->name, name->p, name->n + 1);
    v->len = name->n;
    v->weight = w;
    v->line = line;
    v->repeat = 0;
    m->total += w;
}

/* One non-empty line: 0 when it is at fault. */
static int model_line(model *m, const char *s, size_t n, size_t line, int first, buf f[3])
{
    uint32_t w = 1;
    int k = split_fields(s, n, f);

    if (k < 1 || k > 2)
        return 0;
    if (k == 2 && f[1].n > WEIGHT_FIELD_MAX)
        return 0;
    if (first && field_is(&f[0], "name") &&
        (k == 1 || field_is(&f[1], "weight")))
        return 1;
    if (!name_valid(&f[0]) || (k == 2 && !weight_value(&f[1], &w)))
        return 0;
    model_add(m, &f[0], w, line);
    return 1;
}

static int cmp_voter(const void *a, const void *b)
{
    const mvoter *x = *(const mvoter *const *)a, *y = *(const mvoter *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Marks every voter whose name an earlier voter has; returns whether any is. */
static int mark_repeats(model *m)
{
    mvoter **ix = malloc((m->n ? m->n : 1) * sizeof *ix);
    int any = 0;
    CHECK(ix != NULL);
    for (size_t i = 0; i < m->n; i++)
        ix[i] = &m->voter[i];
    qsort(ix, m->n, sizeof *ix, cmp_voter);
    for (size_t i = 1; i < m->n; i++)
        if (strcmp(ix[i - 1]->name, ix[i]->name) == 0)
            ix[i]->repeat = any = 1;
    free(ix);
    return any;
}

static void model_run(model *m, const char *text, size_t len, size_t max_lines)
{
    buf f[3] = {{0}};
    size_t line = 0, at = 0;
    int first = 1;

    memset(m, 0, sizeof *m);
    m->v = M_OK;
    while (at < len) {
        const char *s = text + at, *nl = memchr(s, '\n', len - at);
        size_t n = nl ? (size_t)(nl - s) : len - at;
        at += n + (nl != NULL);
        line++;
        if (max_lines != 0 && line > max_lines) {
            m->v = M_LINE, m->bad_line = line;
            break;
        }
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (!model_line(m, s, n, line, first, f)) {
            m->v = M_LINE, m->bad_line = line;
            break;
        }
        first = 0;
    }
    for (int i = 0; i < 3; i++)
        free(f[i].p);
    if (m->v != M_OK)
        return;
    if (m->n == 0)
        m->v = M_NO_VOTERS;
    else if (m->total > VECHE_MAX_TOTAL_WEIGHT)
        m->v = M_TOTAL;
    else if (mark_repeats(m))
        m->v = M_DUP;
}

/* ---- checking the parser against the model --------------------------------------- */

static int mentions(const char *msg, size_t number)
{
    char d[32];
    snprintf(d, sizeof d, "%zu", number);
    return strstr(msg, d) != NULL;
}

/* The line "line N" in field names, or 0. */
static size_t field_line(const char *field)
{
    char tail;
    size_t n;
    if (sscanf(field, "line %zu%c", &n, &tail) != 1)
        return 0;
    return n;
}

static void check_accepted(const veche_roll *r, const model *m)
{
    uint64_t total = 0;
    CHECK(r->n == m->n && r->n <= r->cap);
    for (size_t i = 0; i < r->n; i++) {
        CHECK(r->name[i] != NULL && strlen(r->name[i]) == m->voter[i].len);
        CHECK(memcmp(r->name[i], m->voter[i].name, m->voter[i].len) == 0);
        CHECK(r->weight[i] == m->voter[i].weight);
        CHECK(r->line[i] == m->voter[i].line);
        total += r->weight[i];
    }
    CHECK(r->total == m->total && total == m->total);
}

/* The repeated voter on line n, if the model has one. */
static int is_repeat_line(const model *m, size_t n)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->voter[i].line == n)
            return m->voter[i].repeat;
    return 0;
}

static void check_refused(const veche_roll *r, const veche_admin_err *e, const model *m)
{
    static const veche_roll zero;
    size_t at;

    CHECK(memcmp(r, &zero, sizeof zero) == 0);
    CHECK(e->kind == VECHE_ADMIN_BAD_INPUT);
    CHECK(e->code != NULL && strcmp(e->code, "bad_roll") == 0);
    CHECK(memchr(e->msg, 0, sizeof e->msg) != NULL && e->msg[0] != 0);
    CHECK(memchr(e->field, 0, sizeof e->field) != NULL);
    at = field_line(e->field);
    switch (m->v) {
    case M_LINE:
        CHECK(at == m->bad_line && mentions(e->msg, at));
        break;
    case M_NO_VOTERS:
    case M_TOTAL:
        CHECK(e->field[0] == 0);
        break;
    case M_DUP:
        CHECK(at != 0 && is_repeat_line(m, at) && mentions(e->msg, at));
        break;
    case M_OK:
        CHECK(!"refused what the model accepts");
    }
}

/* Whether the parser's outcome (k, e) is, in outline, the one m predicts. */
static int outline_is(const model *m, veche_admin_kind k, const veche_admin_err *e)
{
    if ((k == VECHE_ADMIN_OK) != (m->v == M_OK))
        return 0;
    return m->v != M_LINE || field_line(e->field) == m->bad_line;
}

/*
 * Parses text with max_lines and compares it with the model, which stays in
 * *m for the caller to free.
 */
static veche_admin_kind parse_and_check(veche_roll *r, model *m, const char *text, size_t len,
                                        size_t max_lines)
{
    veche_admin_err e;
    veche_admin_kind k;

    model_run(m, text, len, max_lines);
    k = veche_roll_parse(r, text, len, max_lines, &e);
    CHECK(k == e.kind);
    if (m->v == M_OK) {
        if (k != VECHE_ADMIN_OK)
            fprintf(stderr, "fuzz_roll: refused (%s: %s) what the model accepts\n", e.field,
                    e.msg);
        CHECK(k == VECHE_ADMIN_OK);
        check_accepted(r, m);
    } else {
        if (k != VECHE_ADMIN_OK && !outline_is(m, k, &e))
            fprintf(stderr, "fuzz_roll: refused (%s: %s), the model at line %zu\n", e.field,
                    e.msg, m->bad_line);
        if (k == VECHE_ADMIN_OK)
            fprintf(stderr, "fuzz_roll: accepted what the model refuses (verdict %d, line "
                    "%zu)\n", (int)m->v, m->bad_line);
        CHECK(k != VECHE_ADMIN_OK);
        check_refused(r, &e, m);
    }
    return k;
}

/* ---- writing a roll back ------------------------------------------------------------ */

static void put_str(buf *b, const char *s)
{
    for (; *s; s++)
        buf_put(b, *s);
}

static void put_quoted(buf *b, const char *s)
{
    buf_put(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_put(b, '"');
        buf_put(b, *s);
    }
    buf_put(b, '"');
}

/* As admin.c writes the codes file: quoted only when it must be. */
static void put_minimal(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (strpbrk(s, ",\"") == NULL && n > 0 && s[0] != ' ' && s[n - 1] != ' ')
        put_str(b, s);
    else
        put_quoted(b, s);
}

/* The roll in CSV; each voter i lands on line i + 2 (plain) or i + 3 (quoted). */
static void write_roll(buf *b, const veche_roll *r, int quoted)
{
    char w[16];
    buf_clear(b);
    put_str(b, quoted ? "\"Name\" , \"WEIGHT\"\r\n\r\n" : "name,weight\n");
    for (size_t i = 0; i < r->n; i++) {
        snprintf(w, sizeof w, "%" PRIu32, r->weight[i]);
        if (quoted) {
            put_quoted(b, r->name[i]);
            if (r->weight[i] != 1)
                put_str(b, " , "), put_str(b, w);
            put_str(b, "\r\n");
        } else {
            put_minimal(b, r->name[i]);
            buf_put(b, ',');
            put_str(b, w);
            buf_put(b, '\n');
        }
    }
}

static void check_round_trip(const veche_roll *r)
{
    buf b = {0};
    for (int quoted = 0; quoted <= 1; quoted++) {
        veche_roll again;
        model m;
        write_roll(&b, r, quoted);
        CHECK(parse_and_check(&again, &m, b.p, b.n, 0) == VECHE_ADMIN_OK);
        CHECK(again.n == r->n && again.total == r->total);
        for (size_t i = 0; i < r->n; i++) {
            CHECK(strcmp(again.name[i], r->name[i]) == 0);
            CHECK(again.weight[i] == r->weight[i]);
            CHECK(again.line[i] == i + 2 + (size_t)quoted);
        }
        veche_roll_free(&again);
        model_free(&m);
    }
    free(b.p);
}

/* ---- seeds ------------------------------------------------------------------------- */

static const struct {
    const char *name, *text;
} SEEDS[] = {
    {"plain", "Ann\nBen\nChen\n"},
    {"header-weights", "name,weight\nAnn,2\nBen,1\nChen,1000000\n"},
    {"header-name", "\n\nName\n\nAnn\nBen\n"},
    {"crlf", "NAME,WEIGHT\r\n\"Lee, Ann\",2\r\n\r\n  Ben  \r\nChen , 3\r\n"},
    {"quotes", "\"Say \"\"Hi\"\"\", 7\n\"a,b\",1\n \"spaced\" ,2\nplain\"quote\n"},
    {"utf8", "Zoë\nПётр,4\n李雷\n🙂 smile,5"},
    {"bad-weight", "name,weight\nAnn,1\nBen,zero\n"},
    {"bad-weight-range", "Ann,0\nBen,1000001\n"},
    {"weight-zeros", "Ann,0000001\nBen, 0000000000000000000000001000000\n"},
    {"weight-32-bytes", "Ann,00000000000000000000000001000000\n"},
    {"dup", "Ann\nBen\n\nAnn\n"},
    {"unclosed", "Ann\n\"Ben\n"},
    {"after-quote", "\"Ann\" x,2\n"},
    {"three-fields", "Ann,1,2\n"},
    {"control", "Ann\nB\tn\n"},
    {"bad-utf8", "Ann\n\xff\xfe\n\xed\xa0\x80\n"},
    {"header-only", "name,weight\r\n"},
    {"name-as-voter", "Ann\nname\nName,weight\n"},
};

static void write_seed(const char *dir, const char *name, const char *text, size_t len)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK((f = fopen(path, "wb")) != NULL);
    CHECK(fwrite(text, 1, len, f) == len);
    CHECK(fclose(f) == 0);
}

/* Names of 256 bytes (one quoted, with a "" in it) and one of 257. */
static void write_long_seeds(const char *dir)
{
    buf b = {0};
    for (int i = 0; i < VECHE_ROLL_NAME_MAX; i++)
        buf_put(&b, 'x');
    put_str(&b, "\n\"");
    for (int i = 0; i < VECHE_ROLL_NAME_MAX - 1; i++)
        buf_put(&b, 'y');
    put_str(&b, "\"\"\",2\n");
    write_seed(dir, "name-256-bytes", b.p, b.n);
    buf_clear(&b);
    for (int i = 0; i <= VECHE_ROLL_NAME_MAX; i++)
        buf_put(&b, 'z');
    buf_put(&b, '\n');
    write_seed(dir, "name-257-bytes", b.p, b.n);
    free(b.p);
}

/* n voters of weight 10^6: 1000 is the total's limit, 1001 is over it. */
static void write_big_seed(const char *dir, const char *name, int n)
{
    buf b = {0};
    char line[32];
    for (int i = 0; i < n; i++) {
        snprintf(line, sizeof line, "v%d,1000000\n", i);
        put_str(&b, line);
    }
    write_seed(dir, name, b.p, b.n);
    free(b.p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");
    (void)argc;
    (void)argv;
    if (dir == NULL)
        return 0;
    for (size_t i = 0; i < sizeof SEEDS / sizeof SEEDS[0]; i++)
        write_seed(dir, SEEDS[i].name, SEEDS[i].text, strlen(SEEDS[i].text));
    write_long_seeds(dir);
    write_big_seed(dir, "total-at-limit", 1000);
    write_big_seed(dir, "total-over-limit", 1001);
    exit(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t limits[3] = {0, size ? 1 + data[0] % 16 : 1, count_lines(text, size)};
    veche_roll r;
    model m;

    for (int i = 0; i < 3; i++) {
        if (i == 2 && limits[2] == 0)
            break;   /* 0 would mean no limit: the first parse did that */
        if (parse_and_check(&r, &m, text, size, limits[i]) == VECHE_ADMIN_OK) {
            if (i == 0)
                check_round_trip(&r);
            veche_roll_free(&r);
        }
        model_free(&m);
    }
    return 0;
}
