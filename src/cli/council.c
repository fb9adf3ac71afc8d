/*
 * council.c — `veche council ...`: a council's life from the command line:
 * its creation, the roll and the members' standing credentials, groupings
 * and their publications, tombstones, recall petitions, council elections
 * and the mandates they give, delegations, an excluded member's appeal,
 * the council's status and the actions that are due.
 *
 * Thin, as every subcommand: the council library (council/council.h) builds
 * every entry and decides what counts. This file reads files and keys, asks
 * the library to judge the entries it means to append (veche_council_judge:
 * they would all count, or nothing is appended), appends them as one batch
 * and prints what happened. No council rule lives here: where the CLI must
 * choose (which candidates won), it proposes and the library judges.
 *
 * Secrets. A member's standing code and the salt of their name's commitment
 * go to DIR/MID.member (mode 0600, created O_EXCL, never overwritten) before
 * their public credential reaches the record; codes are never printed and
 * are wiped from memory once written. The credential authority keeps a map
 * member id -> public credential X (DIR/standing.map, 0600) so that a later
 * leave or exclusion removes the right credential: the map links members to
 * their participations, so it never leaves the authority.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "board/board.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "council/council.h"
#include "election/admin.h"
#include "election/election.h"

static const char council_usage[] =
    "usage: veche council <command> [options]     (every command takes --db PATH --council ID)\n"
    "\n"
    "  create   --key ADMIN.key --name NAME --seats N (--term SECONDS | --term-days N)\n"
    "           --recall-threshold PERMILLE --recall-majority PERMILLE\n"
    "           --roll-keeper KEY --authority KEY --trustee NAME=KEY... --threshold T\n"
    "           [--exclusion-vote]\n"
    "           a new council, signed by its administrator. KEY is a key file or the\n"
    "           base64 public key. Recall: a petition needs THRESHOLD permille of the\n"
    "           roll's signatures; the recall vote needs MAJORITY permille of yes+no\n"
    "  roll add --key ROLL.key --authority-key CA.key --member MID --name NAME --out DIR\n"
    "           [--reason TEXT] [--map FILE]\n"
    "           a member joins: a roll entry (MID and a salted commitment to NAME) and\n"
    "           their standing credential, in one batch. DIR/MID.member (mode 0600)\n"
    "           gets the member's id, name, salt and standing code: give it to the\n"
    "           member alone. The authority's map MID -> credential goes to --map\n"
    "           (default DIR/standing.map, 0600)\n"
    "  roll add-csv --key ROLL.key --authority-key CA.key --roll FILE --out DIR [--map FILE]\n"
    "           the same for every \"member,name\" line of FILE, in one batch\n"
    "  roll leave|exclude --key ROLL.key --authority-key CA.key --member MID --reason TEXT\n"
    "           --map FILE [--election EID]\n"
    "           a member leaves or is excluded (EID: the exclusion vote, when the council\n"
    "           requires one), and their credential is removed, in one batch\n"
    "  roll prove --member-file FILE\n"
    "           check that the member's roll entry opens with their name and salt\n"
    "  grouping add --key GROUPING.key --grouping GID --name NAME [--members m1,m2,...]\n"
    "           register a grouping (or update it, with the same key)\n"
    "  publish  (--key GROUPING.key --grouping GID | --member-file FILE)\n"
    "           --kind statement|platform|minutes|reply --title T --body FILE.md --bodies DIR\n"
    "           [--reply-to INDEX] [--election EID --option CANDIDATE]\n"
    "           publish: the body (Markdown, 1..65536 bytes) is stored as DIR/<hex of its\n"
    "           SHA-256> first, then its hash and metadata go on the record\n"
    "  tombstone --key ADMIN.key --publication INDEX --reason TEXT --bodies DIR\n"
    "           remove a publication's body: the tombstone (hash, author, date and reason\n"
    "           stay on the record) is appended, then the body is deleted from DIR\n"
    "  petition open --member-file FILE --mandate INDEX --text TEXT\n"
    "  petition sign --member-file FILE --petition INDEX\n"
    "           a recall petition against a mandate, and a member's signature of it,\n"
    "           signed anonymously with the member's standing credential\n"
    "  election --key ADMIN.key --authority-key CA.key --election EID\n"
    "           --purpose seats|by-election|recall|exclusion|question [--candidates a,b,c]\n"
    "           [--mandate INDEX] [--petition INDEX] [--member MID] [--title T]\n"
    "           [--opens UNIX] [--closes UNIX]\n"
    "           a council election: its manifest (the council's trustees), the link to\n"
    "           the council and its credentials (the standing list), in one batch; then\n"
    "           run the trustees' ceremony and `veche election key|open` as usual\n"
    "  mandates --key ADMIN.key --election EID [--delegates a,b,...] [--start UNIX]\n"
    "           mandates for the winners of a seats election or by-election with a\n"
    "           published result (--delegates: choose among candidates tied at the last seat)\n"
    "  mandate-end --key ADMIN.key --mandate INDEX --reason recalled|resigned\n"
    "           [--election EID] [--statement TEXT]\n"
    "  delegation add --key ADMIN.key --delegation DID --to BODY --delegates a,b --text MANDATE\n"
    "  delegation end --key ADMIN.key --delegation DID --reason returned|recalled\n"
    "           [--statement TEXT]\n"
    "  appeal   --key ANY.key --member-file FILE [--exclusion INDEX] --text TEXT\n"
    "           an excluded member appeals their exclusion (INDEX: the roll entry that\n"
    "           excluded them; default: the member's). Signed by any key you hold; it\n"
    "           carries the name and salt of FILE, so everyone can see it opens the\n"
    "           commitment of your roll entry (\"proven\"): your name becomes public\n"
    "  status   [--code CODE | --member-file FILE]\n"
    "           seats and delegates, groupings, the publications, petitions and their\n"
    "           progress, elections, delegations, appeals (proven or not), the roll's\n"
    "           size and what is due; with a code: whether that standing credential\n"
    "           is on the standing list\n"
    "  due      [--key ADMIN.key --authority-key CA.key]\n"
    "           the actions due now; with the keys, performs the automatic ones: a\n"
    "           recall election for every petition that succeeded, and the end of a\n"
    "           mandate whose recall vote carried\n"
    "\n"
    "  --now UNIX   the clock to judge by (default: this machine's)\n"
    "Exit status: 0 done; 1 refused or failed (nothing appended unless it says so); 2 usage.\n";

/* ---- options ---------------------------------------------------------------------------- */

typedef struct opts {
    const char *db, *key, *council, *name, *roll_keeper, *authority, *authority_key;
    const char *member, *reason, *out, *map, *roll, *election, *member_file, *grouping;
    const char *members, *kind, *title, *body, *option, *bodies, *purpose, *candidates;
    const char *statement, *delegation, *to, *delegates, *text, *code, *exclusion;
    const char *seats, *term, *term_days, *recall_threshold, *recall_majority, *threshold;
    const char *reply_to, *publication, *mandate, *petition, *now, *start, *opens, *closes;
    const char *trustee[VECHE_MAX_TRUSTEES];
    size_t      ntrustees;
    int         exclusion_vote;
    int         nargs;
} opts;

enum {
    O_DB = 256, O_KEY, O_COUNCIL, O_NAME, O_ROLL_KEEPER, O_AUTHORITY, O_AUTHORITY_KEY,
    O_MEMBER, O_REASON, O_OUT, O_MAP, O_ROLL, O_ELECTION, O_MEMBER_FILE, O_GROUPING,
    O_MEMBERS, O_KIND, O_TITLE, O_BODY, O_OPTION, O_BODIES, O_PURPOSE, O_CANDIDATES,
    O_STATEMENT, O_DELEGATION, O_TO, O_DELEGATES, O_TEXT, O_CODE, O_SEATS, O_TERM,
    O_TERM_DAYS, O_RECALL_THRESHOLD, O_RECALL_MAJORITY, O_THRESHOLD, O_REPLY_TO,
    O_PUBLICATION, O_MANDATE, O_PETITION, O_NOW, O_START, O_OPENS, O_CLOSES, O_TRUSTEE,
    O_EXCLUSION_VOTE, O_EXCLUSION, O_HELP
};

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"key", 1, 0, O_KEY}, {"council", 1, 0, O_COUNCIL},
    {"name", 1, 0, O_NAME}, {"roll-keeper", 1, 0, O_ROLL_KEEPER},
    {"authority", 1, 0, O_AUTHORITY}, {"authority-key", 1, 0, O_AUTHORITY_KEY},
    {"member", 1, 0, O_MEMBER}, {"reason", 1, 0, O_REASON}, {"out", 1, 0, O_OUT},
    {"map", 1, 0, O_MAP}, {"roll", 1, 0, O_ROLL}, {"election", 1, 0, O_ELECTION},
    {"member-file", 1, 0, O_MEMBER_FILE}, {"grouping", 1, 0, O_GROUPING},
    {"members", 1, 0, O_MEMBERS}, {"kind", 1, 0, O_KIND}, {"title", 1, 0, O_TITLE},
    {"body", 1, 0, O_BODY}, {"option", 1, 0, O_OPTION}, {"bodies", 1, 0, O_BODIES},
    {"purpose", 1, 0, O_PURPOSE}, {"candidates", 1, 0, O_CANDIDATES},
    {"statement", 1, 0, O_STATEMENT}, {"delegation", 1, 0, O_DELEGATION},
    {"to", 1, 0, O_TO}, {"delegates", 1, 0, O_DELEGATES}, {"text", 1, 0, O_TEXT},
    {"code", 1, 0, O_CODE}, {"seats", 1, 0, O_SEATS}, {"term", 1, 0, O_TERM},
    {"term-days", 1, 0, O_TERM_DAYS}, {"recall-threshold", 1, 0, O_RECALL_THRESHOLD},
    {"recall-majority", 1, 0, O_RECALL_MAJORITY}, {"threshold", 1, 0, O_THRESHOLD},
    {"reply-to", 1, 0, O_REPLY_TO}, {"publication", 1, 0, O_PUBLICATION},
    {"mandate", 1, 0, O_MANDATE}, {"petition", 1, 0, O_PETITION}, {"now", 1, 0, O_NOW},
    {"start", 1, 0, O_START}, {"opens", 1, 0, O_OPENS}, {"closes", 1, 0, O_CLOSES},
    {"trustee", 1, 0, O_TRUSTEE}, {"exclusion-vote", 0, 0, O_EXCLUSION_VOTE},
    {"exclusion", 1, 0, O_EXCLUSION},
    {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
};

/* Where each string option lands, by its code (the flags and --trustee apart). */
static const char **opt_slot(opts *o, int c)
{
    switch (c) {
    case O_DB: return &o->db;                 case O_KEY: return &o->key;
    case O_COUNCIL: return &o->council;       case O_NAME: return &o->name;
    case O_ROLL_KEEPER: return &o->roll_keeper;
    case O_AUTHORITY: return &o->authority;   case O_AUTHORITY_KEY: return &o->authority_key;
    case O_MEMBER: return &o->member;         case O_REASON: return &o->reason;
    case O_OUT: return &o->out;               case O_MAP: return &o->map;
    case O_ROLL: return &o->roll;             case O_ELECTION: return &o->election;
    case O_MEMBER_FILE: return &o->member_file;
    case O_GROUPING: return &o->grouping;     case O_MEMBERS: return &o->members;
    case O_KIND: return &o->kind;             case O_TITLE: return &o->title;
    case O_BODY: return &o->body;             case O_OPTION: return &o->option;
    case O_BODIES: return &o->bodies;         case O_PURPOSE: return &o->purpose;
    case O_CANDIDATES: return &o->candidates; case O_STATEMENT: return &o->statement;
    case O_DELEGATION: return &o->delegation; case O_TO: return &o->to;
    case O_DELEGATES: return &o->delegates;   case O_TEXT: return &o->text;
    case O_CODE: return &o->code;             case O_SEATS: return &o->seats;
    case O_TERM: return &o->term;             case O_TERM_DAYS: return &o->term_days;
    case O_RECALL_THRESHOLD: return &o->recall_threshold;
    case O_RECALL_MAJORITY: return &o->recall_majority;
    case O_THRESHOLD: return &o->threshold;   case O_REPLY_TO: return &o->reply_to;
    case O_PUBLICATION: return &o->publication;
    case O_MANDATE: return &o->mandate;       case O_PETITION: return &o->petition;
    case O_NOW: return &o->now;               case O_START: return &o->start;
    case O_OPENS: return &o->opens;           case O_CLOSES: return &o->closes;
    case O_EXCLUSION: return &o->exclusion;
    default: return NULL;
    }
}

/* 0, 1 for --help, -1 for a bad option (getopt has said which). */
static int parse_opts(opts *o, int argc, char **argv)
{
    int c;
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        const char **slot = opt_slot(o, c);
        if (slot != NULL)
            *slot = optarg;
        else if (c == O_TRUSTEE && o->ntrustees < VECHE_MAX_TRUSTEES)
            o->trustee[o->ntrustees++] = optarg;
        else if (c == O_TRUSTEE) {
            fprintf(stderr, "veche council: at most %d --trustee\n", VECHE_MAX_TRUSTEES);
            return -1;
        } else if (c == O_EXCLUSION_VOTE)
            o->exclusion_vote = 1;
        else if (c == O_HELP)
            return 1;
        else
            return -1;
    }
    o->nargs = argc - optind;
    return 0;
}

/* ---- small helpers ------------------------------------------------------------------------ */

static void b64(char out[45], const uint8_t in[32])
{
    sodium_bin2base64(out, 45, in, 32, sodium_base64_VARIANT_ORIGINAL);
}

static const char *date_of(char buf[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(buf, 32, "%" PRId64, t);
    return buf;
}

/* A number option in lo..hi; 0, or a usage error (status 2) said on stderr. */
static int num_opt(const char *cmd, const char *name, const char *s, uint64_t lo, uint64_t hi,
                   uint64_t *out)
{
    if (cli_parse_u64(s, out) != 0 || *out < lo || *out > hi)
        return cli_usage(cmd, council_usage, "--%s: not a whole number in %" PRIu64 "..%" PRIu64
                         ": %s", name, lo, hi, s);
    return 0;
}

/* An entry index option. */
static int index_opt(const char *cmd, const char *name, const char *s, uint64_t *out)
{
    return num_opt(cmd, name, s, 0, UINT64_MAX - 1, out);
}

/* A public key: a key file's, or 32 bytes of base64. */
static int pub_opt(uint8_t out[32], const char *arg, const char *what, const char *cmd)
{
    veche_key k;
    veche_diag d = {{0}};
    size_t n = 0;

    if (access(arg, F_OK) == 0) {
        if (veche_key_read(&k, arg, &d) != VECHE_OK)
            return cli_fail(cmd, "%s: %s", what, d.msg);
        memcpy(out, k.pk, 32);
        veche_key_wipe(&k);
        return 0;
    }
    if (sodium_base642bin(out, 32, arg, strlen(arg), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || n != 32)
        return cli_usage(cmd, council_usage, "%s: neither a key file nor the base64 of 32 "
                         "bytes: %s", what, arg);
    return 0;
}

static int read_key(veche_key *k, const char *path, const char *cmd)
{
    veche_diag d = {{0}};
    if (veche_key_read(k, path, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    return 0;
}

/* A key file whose public key must be `want` (the role named in council.create). */
static int role_key(veche_key *k, const char *path, const uint8_t want[32], const char *role,
                    const char *cmd)
{
    int rc = read_key(k, path, cmd);
    if (rc == 0 && sodium_memcmp(k->pk, want, 32) != 0) {
        veche_key_wipe(k);
        return cli_fail(cmd, "%s is not the %s named in council.create; nothing was appended",
                        path, role);
    }
    return rc;
}

/* A comma-separated list: *items point into *copy (malloc'd). Empty items refused. */
static int split_list(const char *s, char **copy, const char ***items, size_t *n,
                      const char *what, const char *cmd)
{
    size_t cap = 1;
    *n = 0;
    *items = NULL;
    if ((*copy = strdup(s)) == NULL)
        return cli_fail(cmd, "out of memory");
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    if ((*items = calloc(cap, sizeof **items)) == NULL)
        return cli_fail(cmd, "out of memory");
    for (char *tok = *copy, *next; tok != NULL; tok = next) {
        next = strchr(tok, ',');
        if (next != NULL)
            *next++ = 0;
        if (*tok == 0)
            return cli_usage(cmd, council_usage, "%s: an empty name in \"%s\"", what, s);
        (*items)[(*n)++] = tok;
    }
    return 0;
}

/* ---- the run: board, council, clock --------------------------------------------------------- */

typedef struct run {
    const opts   *o;
    const char   *cmd;
    int64_t       now;
    veche_board  *b;
    veche_council c;
    int           loaded;
} run;

static int open_board(run *r)
{
    veche_diag d = {{0}};
    if (r->o->db == NULL)
        return cli_usage(r->cmd, council_usage, "--db PATH is required");
    if (veche_board_open(&r->b, r->o->db, NULL, &d) != VECHE_OK)
        return cli_fail(r->cmd, "%s", d.msg);
    return 0;
}

/* (Re)loads the council from the board. */
static int load_council(run *r)
{
    veche_diag d = {{0}};
    veche_err e;
    if (r->loaded)
        veche_council_free(&r->c);
    r->loaded = 0;
    memset(&r->c, 0, sizeof r->c);
    e = veche_council_load(&r->c, r->b, r->o->council, r->now, &d);
    if (e == VECHE_ENOTFOUND)
        return cli_fail(r->cmd, "no council \"%s\" on this record", r->o->council);
    if (e != VECHE_OK)
        return cli_fail(r->cmd, "%s", d.msg);
    r->loaded = 1;
    return 0;
}

/* Opens the board and, unless creating, loads the council. */
static int begin(run *r, const opts *o, const char *cmd, int load)
{
    uint64_t now;
    int rc;
    memset(r, 0, sizeof *r);
    r->o = o;
    r->cmd = cmd;
    r->now = (int64_t)time(NULL);
    if (o->nargs != 0)
        return cli_usage(cmd, council_usage, "unexpected argument(s): give options only");
    if (o->council == NULL)
        return cli_usage(cmd, council_usage, "--council ID is required");
    if (o->now != NULL) {
        if ((rc = num_opt(cmd, "now", o->now, 0, 253402300799ull, &now)) != 0)
            return rc;
        r->now = (int64_t)now;
    }
    if ((rc = open_board(r)) != 0)
        return rc;
    return load ? load_council(r) : 0;
}

static void end(run *r)
{
    if (r->loaded)
        veche_council_free(&r->c);
    veche_board_close(r->b);
    memset(r, 0, sizeof *r);
}

/* ---- batches: judged, then appended --------------------------------------------------------- */

typedef struct batch {
    char  **e;
    size_t *len;
    size_t  n, cap;
} batch;

static int batch_add(batch *bt, char *entry, size_t len)
{
    if (bt->n == bt->cap) {
        size_t cap = bt->cap ? 2 * bt->cap : 16;
        char **e = realloc(bt->e, cap * sizeof *e);
        size_t *l = e ? realloc(bt->len, cap * sizeof *l) : NULL;
        if (e != NULL)
            bt->e = e;
        if (l == NULL) {
            free(entry);
            return -1;
        }
        bt->len = l;
        bt->cap = cap;
    }
    bt->e[bt->n] = entry;
    bt->len[bt->n++] = len;
    return 0;
}

static void batch_free(batch *bt)
{
    for (size_t i = 0; i < bt->n; i++)
        free(bt->e[i]);
    free(bt->e);
    free(bt->len);
    memset(bt, 0, sizeof *bt);
}

/* Adds a built entry, or says why it could not be built (e, d from the builder). */
static int batch_take(batch *bt, veche_err e, char *entry, size_t len, const veche_diag *d,
                      const char *cmd)
{
    if (e != VECHE_OK)
        return cli_fail(cmd, "%s; nothing was appended", d->msg);
    if (batch_add(bt, entry, len) != 0)
        return cli_fail(cmd, "out of memory");
    return 0;
}

/* The library judges the batch as it would be read at the end of the record. */
static int judge(run *r, const batch *bt)
{
    veche_record_src src = {r->b, NULL};
    veche_diag d = {{0}};
    if (veche_council_judge(&src, r->o->council, r->now, (const uint8_t *const *)bt->e,
                            bt->len, bt->n, &d) != VECHE_OK)
        return cli_fail(r->cmd, "refused: %s; nothing was appended", d.msg);
    return 0;
}

/*
 * Appends a judged batch. Entries may name the indices of earlier entries of
 * the same batch, computed from the board's size when they were built: if
 * another writer appended meanwhile, say so (the verifier will judge).
 */
static int append_batch(run *r, const batch *bt, uint64_t expected, uint64_t *first)
{
    veche_diag d = {{0}};
    if (veche_board_append(r->b, (const uint8_t *const *)bt->e, bt->len, bt->n, first, &d) !=
        VECHE_OK)
        return cli_fail(r->cmd, "%s; nothing was appended", d.msg);
    if (*first != expected)
        return cli_fail(r->cmd, "appended at entry %" PRIu64 ", not %" PRIu64 " as built: "
                        "another writer appended meanwhile; check with `veche council status`",
                        *first, expected);
    return 0;
}

static int judge_append(run *r, const batch *bt, uint64_t *first)
{
    uint64_t expected = veche_board_size(r->b);
    int rc = judge(r, bt);
    return rc != 0 ? rc : append_batch(r, bt, expected, first);
}

/* ---- member files --------------------------------------------------------------------------- */

/* What a member holds (SECRET: the code signs and votes for them). */
typedef struct member_file {
    char    council[VECHE_COUNCIL_ID_MAX + 1];
    char    member[VECHE_COUNCIL_ID_MAX + 1];
    char    name[VECHE_COUNCIL_NAME_MAX + 1];
    uint8_t salt[32];
    char    code[VECHE_CODE_CHARS + 1];
} member_file;

#define MEMBER_FILE_MAX 2048

/* A member name: 1..256 bytes, no control characters (it is one line of a file). */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > VECHE_COUNCIL_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static void member_path(char *out, size_t cap, const char *dir, const char *member)
{
    snprintf(out, cap, "%s/%s.member", dir, member);
}

/* Writes dir/MID.member: created, never replaced, mode 0600, synced. */
static int member_write(const char *dir, const member_file *m, const char *cmd)
{
    char path[4096], text[MEMBER_FILE_MAX], s64[45];
    int fd, n, bad;

    member_path(path, sizeof path, dir, m->member);
    b64(s64, m->salt);
    n = snprintf(text, sizeof text,
                 "# veche council member file: SECRET. The code signs petitions and votes for\n"
                 "# you in council %s; keep it to yourself. `veche council roll prove` shows\n"
                 "# your roll entry opens with your name and salt.\n"
                 "council: %s\nmember: %s\nname: %s\nsalt: %s\ncode: %s\n",
                 m->council, m->council, m->member, m->name, s64, m->code);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
        sodium_memzero(text, sizeof text);
        return cli_fail(cmd, "%s: %s (member files are never overwritten)", path,
                        strerror(errno));
    }
    bad = write(fd, text, (size_t)n) != n || fsync(fd) != 0;
    bad |= close(fd) != 0;
    sodium_memzero(text, sizeof text);
    if (bad) {
        unlink(path);
        return cli_fail(cmd, "%s: cannot write it", path);
    }
    return 0;
}

/* One "key: value" line of a member file into its field. */
static int member_field(member_file *m, const char *key, const char *val)
{
    size_t n = 0;
    if (strcmp(key, "council") == 0 && strlen(val) < sizeof m->council)
        snprintf(m->council, sizeof m->council, "%s", val);
    else if (strcmp(key, "member") == 0 && strlen(val) < sizeof m->member)
        snprintf(m->member, sizeof m->member, "%s", val);
    else if (strcmp(key, "name") == 0 && strlen(val) < sizeof m->name)
        snprintf(m->name, sizeof m->name, "%s", val);
    else if (strcmp(key, "code") == 0 && strlen(val) < sizeof m->code)
        snprintf(m->code, sizeof m->code, "%s", val);
    else if (strcmp(key, "salt") == 0)
        return sodium_base642bin(m->salt, 32, val, strlen(val), NULL, &n, NULL,
                                 sodium_base64_VARIANT_ORIGINAL) == 0 && n == 32 ? 0 : -1;
    else
        return -1;
    return 0;
}

/* Reads a member file; the text is wiped once parsed. */
static int member_read(member_file *m, const char *path, const char *cmd)
{
    size_t len = 0;
    char *text = cli_read_file(path, &len, MEMBER_FILE_MAX);
    int bad = 0, line = 0;

    memset(m, 0, sizeof *m);
    if (text == NULL)
        return EXIT_FAIL;
    for (char *p = text, *next; p != NULL && *p && !bad; p = next) {
        char *colon;
        next = strchr(p, '\n');
        if (next != NULL)
            *next++ = 0;
        line++;
        if (*p == '#' || *p == 0)
            continue;
        colon = strstr(p, ": ");
        if (colon == NULL)
            bad = line;
        else {
            *colon = 0;
            bad = member_field(m, p, colon + 2) != 0 ? line : 0;
        }
    }
    sodium_memzero(text, len);
    free(text);
    if (bad) {
        sodium_memzero(m, sizeof *m);
        return cli_fail(cmd, "%s: line %d is not a member file's", path, bad);
    }
    if (!veche_council_id_valid(m->council, strlen(m->council)) ||
        !veche_council_id_valid(m->member, strlen(m->member)) || !name_ok(m->name) ||
        m->code[0] == 0) {
        sodium_memzero(m, sizeof *m);
        return cli_fail(cmd, "%s: not a complete member file (council, member, name, salt, "
                        "code)", path);
    }
    return 0;
}

/* The member's standing credential from their file, for council `council`. */
static int member_credential(veche_scalar *x, uint8_t X[32], const member_file *m,
                             const char *council, const char *cmd)
{
    veche_diag d = {{0}};
    if (strcmp(m->council, council) != 0)
        return cli_fail(cmd, "the member file is for council \"%s\", not \"%s\"", m->council,
                        council);
    if (veche_council_credential(x, X, council, m->code, &d) != VECHE_OK)
        return cli_fail(cmd, "the member file's code: %s", d.msg);
    return 0;
}

/* ---- the authority's map: member id -> X ---------------------------------------------------- */

/* Appends "MID X" lines to the map (created 0600; refused if others may read it). */
static int map_append(const char *path, char *const *members, const uint8_t (*X)[32], size_t n,
                      const char *cmd)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600), bad = 0;

    if (fd < 0)
        return cli_fail(cmd, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
        close(fd);
        return cli_fail(cmd, "%s: readable by others (mode %03o): the map links members to "
                        "their credentials; chmod 600 it", path, (unsigned)(st.st_mode & 0777));
    }
    for (size_t i = 0; i < n && !bad; i++) {
        char line[VECHE_COUNCIL_ID_MAX + 48], x64[45];
        int len;
        b64(x64, X[i]);
        len = snprintf(line, sizeof line, "%s %s\n", members[i], x64);
        bad = write(fd, line, (size_t)len) != len;
    }
    bad |= fsync(fd) != 0;
    bad |= close(fd) != 0;
    return bad ? cli_fail(cmd, "%s: cannot write it", path) : 0;
}

/* The credential the map gives member (its last line for member). */
static int map_lookup(uint8_t X[32], const char *path, const char *member, const char *cmd)
{
    size_t len = 0, mlen = strlen(member), n = 0;
    char *text = cli_read_file(path, &len, (size_t)1 << 28);
    int found = 0;

    if (text == NULL)
        return EXIT_FAIL;
    for (char *p = text, *next; p != NULL && *p; p = next) {
        next = strchr(p, '\n');
        if (next != NULL)
            *next++ = 0;
        if (strncmp(p, member, mlen) == 0 && p[mlen] == ' ' &&
            sodium_base642bin(X, 32, p + mlen + 1, strlen(p + mlen + 1), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) == 0 && n == 32)
            found = 1;
    }
    free(text);
    return found ? 0 : cli_fail(cmd, "%s: no credential for member \"%s\"", path, member);
}

/* ---- council create ------------------------------------------------------------------------- */

/* --trustee NAME=KEY, each into p. */
static int trustees_opt(veche_council_params *p, const opts *o, const char *cmd)
{
    int rc;
    p->ntrustees = o->ntrustees;
    for (size_t i = 0; i < o->ntrustees; i++) {
        const char *eq = strchr(o->trustee[i], '=');
        if (eq == NULL || eq == o->trustee[i])
            return cli_usage(cmd, council_usage, "--trustee NAME=KEY: %s", o->trustee[i]);
        if ((rc = pub_opt(p->trustee_key[i], eq + 1, "--trustee", cmd)) != 0)
            return rc;
    }
    return 0;
}

static int create_params(veche_council_params *p, char (*names)[VECHE_COUNCIL_NAME_MAX + 1],
                         const opts *o, const char *cmd)
{
    uint64_t seats, term, thr, maj, t;
    int rc;

    if (o->name == NULL || o->seats == NULL || (o->term == NULL) == (o->term_days == NULL) ||
        o->recall_threshold == NULL || o->recall_majority == NULL || o->roll_keeper == NULL ||
        o->authority == NULL || o->ntrustees == 0 || o->threshold == NULL || o->key == NULL)
        return cli_usage(cmd, council_usage, "give --key, --name, --seats, --term or "
                         "--term-days, --recall-threshold, --recall-majority, --roll-keeper, "
                         "--authority, --trustee (one or more) and --threshold");
    if ((rc = num_opt(cmd, "seats", o->seats, 1, VECHE_COUNCIL_MAX_SEATS, &seats)) != 0 ||
        (rc = o->term ? num_opt(cmd, "term", o->term, VECHE_COUNCIL_TERM_MIN,
                                VECHE_COUNCIL_TERM_MAX, &term)
                      : num_opt(cmd, "term-days", o->term_days, VECHE_COUNCIL_TERM_MIN / 86400,
                                VECHE_COUNCIL_TERM_MAX / 86400, &term)) != 0 ||
        (rc = num_opt(cmd, "recall-threshold", o->recall_threshold, 1, 1000, &thr)) != 0 ||
        (rc = num_opt(cmd, "recall-majority", o->recall_majority, 501, 1000, &maj)) != 0 ||
        (rc = num_opt(cmd, "threshold", o->threshold, 1, o->ntrustees, &t)) != 0)
        return rc;
    memset(p, 0, sizeof *p);
    p->id = o->council;
    p->name = o->name;
    p->seats = (uint32_t)seats;
    p->term = (int64_t)(o->term ? term : term * 86400);
    p->recall_threshold = (uint32_t)thr;
    p->recall_majority = (uint32_t)maj;
    p->threshold = (uint32_t)t;
    p->exclusion_vote = o->exclusion_vote;
    if ((rc = pub_opt(p->roll_keeper, o->roll_keeper, "--roll-keeper", cmd)) != 0 ||
        (rc = pub_opt(p->credential_authority, o->authority, "--authority", cmd)) != 0 ||
        (rc = trustees_opt(p, o, cmd)) != 0)
        return rc;
    for (size_t i = 0; i < o->ntrustees; i++) {
        size_t n = (size_t)(strchr(o->trustee[i], '=') - o->trustee[i]);
        if (n > VECHE_COUNCIL_NAME_MAX)
            return cli_usage(cmd, council_usage, "--trustee: a name over %d bytes",
                             VECHE_COUNCIL_NAME_MAX);
        memcpy(names[i], o->trustee[i], n);
        names[i][n] = 0;
        p->trustee_name[i] = names[i];
    }
    return 0;
}

static int cmd_create(const opts *o)
{
    char names[VECHE_MAX_TRUSTEES][VECHE_COUNCIL_NAME_MAX + 1];
    const char *cmd = "council create";
    veche_council_params p;
    veche_key admin;
    veche_diag d = {{0}};
    batch bt = {0};
    char *entry = NULL, h64[45];
    size_t len = 0;
    uint64_t at;
    uint8_t hash[32];
    veche_err e;
    run r;
    int rc;

    memset(&admin, 0, sizeof admin);
    if ((rc = begin(&r, o, cmd, 0)) != 0 || (rc = create_params(&p, names, o, cmd)) != 0 ||
        (rc = read_key(&admin, o->key, cmd)) != 0)
        goto done;
    if (veche_council_load(&r.c, r.b, o->council, r.now, NULL) == VECHE_OK) {
        r.loaded = 1;
        rc = cli_fail(cmd, "a council \"%s\" already exists on this record (entry %" PRIu64
                      "); nothing was appended", o->council, r.c.create_index);
        goto done;
    }
    e = veche_council_create_entry(&entry, &len, &p, &admin, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    veche_council_hash(hash, (const uint8_t *)bt.e[0], bt.len[0]);
    b64(h64, hash);
    printf("council %s created: entry %" PRIu64 "\ncouncil hash: %s\n", o->council, at, h64);
done:
    batch_free(&bt);
    veche_key_wipe(&admin);
    end(&r);
    return rc;
}

/* ---- roll add, roll add-csv ----------------------------------------------------------------- */

/* The members to admit: ids and names (borrowed), and what is made for them. */
typedef struct joiners {
    char        **member;
    char        **name;
    size_t       *line;       /* in the CSV, for messages; 0 for --member */
    size_t        n;
    member_file  *files;      /* SECRET */
    uint8_t     (*X)[32];
    char         *text;       /* the CSV's text, owning member and name */
} joiners;

static void joiners_free(joiners *j)
{
    if (j->files != NULL)
        sodium_memzero(j->files, j->n * sizeof *j->files);
    free(j->files);
    free(j->X);
    free(j->member);
    free(j->name);
    free(j->line);
    free(j->text);
    memset(j, 0, sizeof *j);
}

static int joiners_alloc(joiners *j, size_t n)
{
    j->member = calloc(n ? n : 1, sizeof *j->member);
    j->name = calloc(n ? n : 1, sizeof *j->name);
    j->line = calloc(n ? n : 1, sizeof *j->line);
    return j->member && j->name && j->line ? 0 : -1;
}

static int cmp_str_at(const void *a, const void *b)
{
    return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* Every id valid and new in the file, every name valid. */
static int joiners_check(const joiners *j, const char *what, const char *cmd)
{
    char ***sorted;
    int rc = 0;

    for (size_t i = 0; i < j->n; i++) {
        if (!veche_council_id_valid(j->member[i], strlen(j->member[i])))
            return cli_fail(cmd, "%s line %zu: the member id \"%s\" is not 1..%d of a-z, 0-9 "
                            "and -", what, j->line[i], j->member[i], VECHE_COUNCIL_ID_MAX);
        if (!name_ok(j->name[i]))
            return cli_fail(cmd, "%s line %zu: the name must be 1..%d bytes without control "
                            "characters", what, j->line[i], VECHE_COUNCIL_NAME_MAX);
    }
    if ((sorted = calloc(j->n ? j->n : 1, sizeof *sorted)) == NULL)
        return cli_fail(cmd, "out of memory");
    for (size_t i = 0; i < j->n; i++)
        sorted[i] = &j->member[i];
    qsort(sorted, j->n, sizeof *sorted, cmp_str_at);
    for (size_t i = 1; i < j->n && rc == 0; i++)
        if (strcmp(*sorted[i - 1], *sorted[i]) == 0)
            rc = cli_fail(cmd, "%s lines %zu and %zu: the same member \"%s\"", what,
                          j->line[sorted[i - 1] - j->member], j->line[sorted[i] - j->member],
                          *sorted[i]);
    free(sorted);
    return rc;
}

/* The CSV: "member,name" per line (the name may hold commas), an optional header. */
static int joiners_csv(joiners *j, const char *path, const char *cmd)
{
    size_t len = 0, lines = 1, line = 0;
    if ((j->text = cli_read_file(path, &len, (size_t)1 << 26)) == NULL)
        return EXIT_FAIL;
    for (size_t i = 0; i < len; i++)
        lines += j->text[i] == '\n';
    if (joiners_alloc(j, lines) != 0)
        return cli_fail(cmd, "out of memory");
    for (char *p = j->text, *next; p != NULL; p = next) {
        char *comma;
        size_t n;
        next = strchr(p, '\n');
        if (next != NULL)
            *next++ = 0;
        line++;
        n = strlen(p);
        if (n > 0 && p[n - 1] == '\r')
            p[--n] = 0;
        if (n == 0 || (line == 1 && strcasecmp(p, "member,name") == 0))
            continue;
        if ((comma = strchr(p, ',')) == NULL)
            return cli_fail(cmd, "%s line %zu: not \"member,name\"", path, line);
        *comma = 0;
        j->member[j->n] = p;
        j->name[j->n] = comma + 1;
        j->line[j->n++] = line;
    }
    if (j->n == 0)
        return cli_fail(cmd, "%s: no members", path);
    return joiners_check(j, path, cmd);
}

/* Salts, codes and credentials for every joiner (secrets in j->files). */
static int joiners_make(joiners *j, const char *council, const char *cmd)
{
    veche_diag d = {{0}};
    if ((j->files = calloc(j->n, sizeof *j->files)) == NULL ||
        (j->X = calloc(j->n, sizeof *j->X)) == NULL)
        return cli_fail(cmd, "out of memory");
    for (size_t i = 0; i < j->n; i++) {
        member_file *m = &j->files[i];
        veche_scalar x;
        veche_err e;
        snprintf(m->council, sizeof m->council, "%s", council);
        snprintf(m->member, sizeof m->member, "%s", j->member[i]);
        snprintf(m->name, sizeof m->name, "%s", j->name[i]);
        randombytes_buf(m->salt, sizeof m->salt);
        veche_code_generate(m->code, NULL);
        e = veche_council_credential(&x, j->X[i], council, m->code, &d);
        veche_scalar_wipe(&x);
        if (e != VECHE_OK)
            return cli_fail(cmd, "a standing credential: %s", d.msg);
    }
    return 0;
}

/* The roll entries (joins) at base.., then the credentials entries accounting for them. */
static int joiners_entries(batch *bt, const joiners *j, uint64_t base, const veche_key *keeper,
                           const veche_key *authority, const char *reason, const char *cmd)
{
    veche_diag d = {{0}};
    uint64_t *roll = calloc(j->n, sizeof *roll);
    int rc = roll == NULL ? cli_fail(cmd, "out of memory") : 0;
    char *entry;
    size_t len;

    for (size_t i = 0; i < j->n && rc == 0; i++) {
        uint8_t commitment[32];
        veche_council_commitment(commitment, j->files[i].salt, j->files[i].name);
        veche_err e = veche_council_roll_entry(&entry, &len, j->files[i].council,
                                               VECHE_ROLL_JOIN, j->member[i], commitment,
                                               reason, NULL, keeper, &d);
        rc = batch_take(bt, e, entry, len, &d, cmd);
        roll[i] = base + i;
    }
    for (size_t from = 0; from < j->n && rc == 0; from += VECHE_COUNCIL_CRED_MAX) {
        size_t k = j->n - from < VECHE_COUNCIL_CRED_MAX ? j->n - from : VECHE_COUNCIL_CRED_MAX;
        veche_err e = veche_council_credentials_entry(&entry, &len, j->files[0].council,
                                                      roll + from, k,
                                                      (const uint8_t (*)[32])j->X + from, k,
                                                      NULL, 0, authority, &d);
        rc = batch_take(bt, e, entry, len, &d, cmd);
    }
    free(roll);
    return rc;
}

/* The member files must not exist yet: checked for all before any is written. */
static int joiners_files_free(const joiners *j, const char *dir, const char *cmd)
{
    struct stat st;
    char path[4096];
    for (size_t i = 0; i < j->n; i++) {
        member_path(path, sizeof path, dir, j->member[i]);
        if (stat(path, &st) == 0)
            return cli_fail(cmd, "%s already exists: member files are never overwritten; "
                            "nothing was appended", path);
    }
    return 0;
}

static void joiners_unlink(const joiners *j, size_t n, const char *dir)
{
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        member_path(path, sizeof path, dir, j->member[i]);
        unlink(path);
    }
}

/* Member files and the map first (secrets reach the disk before keys reach the record). */
static int joiners_write(const joiners *j, const char *dir, const char *map, const char *cmd)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail(cmd, "%s: %s; nothing was appended", dir, strerror(errno));
    for (size_t i = 0; i < j->n; i++)
        if (member_write(dir, &j->files[i], cmd) != 0) {
            joiners_unlink(j, i, dir);
            return cli_fail(cmd, "nothing was appended");
        }
    if (map_append(map, j->member, (const uint8_t (*)[32])j->X, j->n, cmd) != 0) {
        joiners_unlink(j, j->n, dir);
        return cli_fail(cmd, "nothing was appended");
    }
    return 0;
}

/* Admits the joiners: judged, files written, appended. */
static int admit(run *r, joiners *j)
{
    const opts *o = r->o;
    veche_key keeper, authority;
    char map[4096];
    batch bt = {0};
    uint64_t base, at;
    int rc;

    memset(&keeper, 0, sizeof keeper);
    memset(&authority, 0, sizeof authority);
    snprintf(map, sizeof map, "%s", o->map ? o->map : "");
    if (o->map == NULL)
        snprintf(map, sizeof map, "%s/standing.map", o->out);
    if ((rc = role_key(&keeper, o->key, r->c.params.roll_keeper, "roll keeper", r->cmd)) != 0 ||
        (rc = role_key(&authority, o->authority_key, r->c.params.credential_authority,
                       "credential authority", r->cmd)) != 0 ||
        (rc = joiners_files_free(j, o->out, r->cmd)) != 0 ||
        (rc = joiners_make(j, o->council, r->cmd)) != 0)
        goto done;
    base = veche_board_size(r->b);
    if ((rc = joiners_entries(&bt, j, base, &keeper, &authority, o->reason ? o->reason : "",
                              r->cmd)) != 0 ||
        (rc = judge(r, &bt)) != 0 || (rc = joiners_write(j, o->out, map, r->cmd)) != 0)
        goto done;
    if ((rc = append_batch(r, &bt, base, &at)) != 0) {
        if (veche_board_size(r->b) == base)
            joiners_unlink(j, j->n, o->out);
        goto done;
    }
    if (j->n == 1)
        printf("member %s joined council %s: roll entry %" PRIu64 ", standing credential "
               "added by entry %" PRIu64 "\n", j->member[0], o->council, at, at + 1);
    else if (bt.n - j->n == 1)
        printf("%zu members joined council %s: roll entries %" PRIu64 "..%" PRIu64 ", standing "
               "credentials added by entry %" PRIu64 "\n", j->n, o->council, at,
               at + j->n - 1, at + j->n);
    else
        printf("%zu members joined council %s: roll entries %" PRIu64 "..%" PRIu64 ", standing "
               "credentials added by entries %" PRIu64 "..%" PRIu64 "\n", j->n, o->council, at,
               at + j->n - 1, at + j->n, at + bt.n - 1);
    printf("member files: %s/MID.member (mode 0600: give each member their own, then destroy "
           "it)\nthe authority's map: %s (keep it: leave/exclude need it)\n", o->out, map);
done:
    batch_free(&bt);
    veche_key_wipe(&keeper);
    veche_key_wipe(&authority);
    return rc;
}

static int cmd_roll_add(const opts *o, int csv)
{
    const char *cmd = csv ? "council roll add-csv" : "council roll add";
    joiners j;
    run r;
    int rc;

    memset(&j, 0, sizeof j);
    if (o->key == NULL || o->authority_key == NULL || o->out == NULL ||
        (csv ? o->roll == NULL || o->member || o->name
             : o->member == NULL || o->name == NULL || o->roll))
        return cli_usage(cmd, council_usage, csv ? "give --key, --authority-key, --roll and "
                         "--out" : "give --key, --authority-key, --member, --name and --out");
    if ((rc = begin(&r, o, cmd, 1)) != 0)
        goto done;
    if (csv)
        rc = joiners_csv(&j, o->roll, cmd);
    else if (joiners_alloc(&j, 1) != 0)
        rc = cli_fail(cmd, "out of memory");
    else {
        j.member[0] = (char *)o->member;
        j.name[0] = (char *)o->name;
        j.n = 1;
        rc = joiners_check(&j, "--member", cmd);
    }
    if (rc == 0)
        rc = admit(&r, &j);
done:
    joiners_free(&j);
    end(&r);
    return rc;
}

/* ---- roll leave, roll exclude --------------------------------------------------------------- */

static int cmd_roll_remove(const opts *o, veche_roll_action action)
{
    const char *cmd = action == VECHE_ROLL_LEAVE ? "council roll leave" : "council roll exclude";
    const veche_council_member *m;
    veche_key keeper, authority;
    veche_diag d = {{0}};
    batch bt = {0};
    char *entry = NULL;
    size_t len = 0;
    uint64_t base, at;
    uint8_t X[32];
    run r;
    int rc;

    memset(&keeper, 0, sizeof keeper);
    memset(&authority, 0, sizeof authority);
    if (o->key == NULL || o->authority_key == NULL || o->member == NULL || o->reason == NULL ||
        o->reason[0] == 0 || o->map == NULL)
        return cli_usage(cmd, council_usage, "give --key, --authority-key, --member, --reason "
                         "(not empty) and --map");
    if ((rc = begin(&r, o, cmd, 1)) != 0)
        goto done;
    if ((m = veche_council_member_find(&r.c, o->member)) == NULL ||
        m->status != VECHE_MEMBER_ACTIVE) {
        rc = cli_fail(cmd, "\"%s\" is not an active member of council %s; nothing was appended",
                      o->member, o->council);
        goto done;
    }
    if ((rc = role_key(&keeper, o->key, r.c.params.roll_keeper, "roll keeper", cmd)) != 0 ||
        (rc = role_key(&authority, o->authority_key, r.c.params.credential_authority,
                       "credential authority", cmd)) != 0 ||
        (rc = map_lookup(X, o->map, o->member, cmd)) != 0)
        goto done;
    if (!veche_council_standing_has(&r.c, X)) {
        rc = cli_fail(cmd, "%s: the credential of \"%s\" is not on the standing list (the "
                      "authority's map of this council?); nothing was appended", o->map,
                      o->member);
        goto done;
    }
    base = veche_board_size(r.b);
    veche_err e = veche_council_roll_entry(&entry, &len, o->council, action, o->member, NULL,
                                           o->reason, o->election, &keeper, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0)
        goto done;
    e = veche_council_credentials_entry(&entry, &len, o->council, &base, 1, NULL, 0,
                                        (const uint8_t (*)[32])X, 1, &authority, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    printf("member %s %s council %s: roll entry %" PRIu64 ", credential removed by entry %"
           PRIu64 "\n", o->member, action == VECHE_ROLL_LEAVE ? "left" : "was excluded from",
           o->council, at, at + 1);
done:
    batch_free(&bt);
    veche_key_wipe(&keeper);
    veche_key_wipe(&authority);
    end(&r);
    return rc;
}

/* ---- roll prove ----------------------------------------------------------------------------- */

static const char *member_status_name(veche_member_status s)
{
    return s == VECHE_MEMBER_ACTIVE ? "active" : s == VECHE_MEMBER_LEFT ? "left" : "excluded";
}

static int cmd_roll_prove(const opts *o)
{
    const char *cmd = "council roll prove";
    const veche_council_member *m;
    member_file mf;
    opts oo = *o;
    char s64[45];
    veche_scalar x;
    uint8_t X[32];
    run r;
    int rc;

    memset(&r, 0, sizeof r);
    if (o->member_file == NULL)
        return cli_usage(cmd, council_usage, "give --member-file");
    if ((rc = member_read(&mf, o->member_file, cmd)) != 0)
        return rc;
    if (oo.council == NULL)
        oo.council = mf.council;
    if ((rc = begin(&r, &oo, cmd, 1)) != 0 ||
        (rc = member_credential(&x, X, &mf, oo.council, cmd)) != 0)
        goto done;
    veche_scalar_wipe(&x);
    if ((m = veche_council_member_find(&r.c, mf.member)) == NULL) {
        rc = cli_fail(cmd, "no member \"%s\" on the roll of council %s", mf.member, oo.council);
        goto done;
    }
    if (!veche_council_commitment_check(m->commitment, mf.salt, mf.name)) {
        rc = cli_fail(cmd, "FAILED: the roll entry of \"%s\" (entry %" PRIu64 ") does not open "
                      "with the name and salt of %s", mf.member, m->join_index, o->member_file);
        goto done;
    }
    b64(s64, mf.salt);
    printf("member %s of council %s: joined at entry %" PRIu64 ", %s\n", mf.member, oo.council,
           m->join_index, member_status_name(m->status));
    printf("proof: the commitment of entry %" PRIu64 " opens with name \"%s\" and salt %s\n",
           m->join_index, mf.name, s64);
    printf("standing credential: %s\n", veche_council_standing_has(&r.c, X)
               ? "on the standing list" : "NOT on the standing list");
done:
    sodium_memzero(&mf, sizeof mf);
    end(&r);
    return rc;
}

/* ---- grouping add --------------------------------------------------------------------------- */

static int cmd_grouping_add(const opts *o)
{
    const char *cmd = "council grouping add";
    const char **members = NULL;
    char *copy = NULL, *entry = NULL;
    size_t nmembers = 0, len = 0;
    veche_key g;
    veche_diag d = {{0}};
    batch bt = {0};
    uint64_t at;
    run r;
    int rc;

    memset(&g, 0, sizeof g);
    memset(&r, 0, sizeof r);
    if (o->key == NULL || o->grouping == NULL || o->name == NULL)
        return cli_usage(cmd, council_usage, "give --key, --grouping and --name");
    if ((o->members != NULL && o->members[0] != 0 &&
         (rc = split_list(o->members, &copy, &members, &nmembers, "--members", cmd)) != 0) ||
        (rc = begin(&r, o, cmd, 1)) != 0 || (rc = read_key(&g, o->key, cmd)) != 0)
        goto done;
    veche_err e = veche_council_grouping_entry(&entry, &len, o->council, o->grouping, o->name,
                                               members, nmembers, &g, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    printf("grouping %s (%s) of council %s: entry %" PRIu64 ", %zu member%s listed\n",
           o->grouping, o->name, o->council, at, nmembers, nmembers == 1 ? "" : "s");
done:
    free(copy);
    free(members);
    batch_free(&bt);
    veche_key_wipe(&g);
    end(&r);
    return rc;
}

/* ---- publish -------------------------------------------------------------------------------- */

/* The publication's metadata from the options and the body. */
static int publication_meta(veche_publication_meta *m, const opts *o, const uint8_t *body,
                            size_t len, const char *cmd)
{
    veche_diag d = {{0}};
    int rc;

    memset(m, 0, sizeof *m);
    m->council = o->council;
    m->grouping = o->member_file == NULL ? o->grouping : NULL;
    m->title = o->title;
    m->reply_to = VECHE_COUNCIL_NO_INDEX;
    if ((m->kind = veche_pub_kind_parse(o->kind)) == VECHE_PUB_KINDS)
        return cli_usage(cmd, council_usage, "--kind: statement, platform, minutes or reply, "
                         "not %s", o->kind);
    if ((m->kind == VECHE_PUB_REPLY) != (o->reply_to != NULL))
        return cli_usage(cmd, council_usage, "--reply-to INDEX goes with --kind reply, and "
                         "only with it");
    if ((m->kind == VECHE_PUB_PLATFORM) != (o->election != NULL && o->option != NULL) ||
        (m->kind != VECHE_PUB_PLATFORM && (o->election || o->option)))
        return cli_usage(cmd, council_usage, "--election EID --option CANDIDATE go with --kind "
                         "platform, and only with it");
    if (o->reply_to != NULL && (rc = index_opt(cmd, "reply-to", o->reply_to, &m->reply_to)) != 0)
        return rc;
    m->election = o->election;
    m->option = o->option;
    if (veche_council_body_meta(m, body, len, &d) != VECHE_OK)
        return cli_fail(cmd, "%s: %s; nothing was appended", o->body, d.msg);
    return 0;
}

/* The publication entry, signed by the grouping's key or the member's credential. */
static int publication_entry(batch *bt, run *r, const veche_publication_meta *m)
{
    const opts *o = r->o;
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len = 0;
    veche_err e;
    int rc;

    if (o->member_file != NULL) {
        member_file mf;
        veche_scalar x;
        uint8_t X[32];
        if ((rc = member_read(&mf, o->member_file, r->cmd)) != 0)
            return rc;
        rc = member_credential(&x, X, &mf, o->council, r->cmd);
        sodium_memzero(&mf, sizeof mf);
        if (rc != 0)
            return rc;
        e = veche_council_publication_member(&entry, &len, m, &x, X, r->c.council_fp, NULL, &d);
        veche_scalar_wipe(&x);
    } else {
        veche_key g;
        if ((rc = read_key(&g, o->key, r->cmd)) != 0)
            return rc;
        e = veche_council_publication_grouping(&entry, &len, m, &g, &d);
        veche_key_wipe(&g);
    }
    return batch_take(bt, e, entry, len, &d, r->cmd);
}

static int cmd_publish(const opts *o)
{
    const char *cmd = "council publish";
    veche_publication_meta m;
    veche_diag d = {{0}};
    batch bt = {0};
    char *body = NULL, name[65];
    size_t len = 0;
    uint64_t at;
    run r;
    int rc;

    memset(&r, 0, sizeof r);
    if ((o->member_file == NULL) == (o->key == NULL || o->grouping == NULL) ||
        (o->member_file != NULL && (o->key || o->grouping)) || o->kind == NULL ||
        o->title == NULL || o->body == NULL || o->bodies == NULL)
        return cli_usage(cmd, council_usage, "give --kind, --title, --body, --bodies, and "
                         "either --key with --grouping or --member-file");
    if ((body = cli_read_file(o->body, &len, VECHE_COUNCIL_BODY_MAX)) == NULL)
        return EXIT_FAIL;
    if ((rc = publication_meta(&m, o, (const uint8_t *)body, len, cmd)) != 0 ||
        (rc = begin(&r, o, cmd, 1)) != 0 || (rc = publication_entry(&bt, &r, &m)) != 0 ||
        (rc = judge(&r, &bt)) != 0)
        goto done;
    if (mkdir(o->bodies, 0755) != 0 && errno != EEXIST) {
        rc = cli_fail(cmd, "%s: %s; nothing was appended", o->bodies, strerror(errno));
        goto done;
    }
    if (veche_council_body_write(o->bodies, (const uint8_t *)body, len, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "%s; nothing was appended", d.msg);
        goto done;
    }
    if ((rc = append_batch(&r, &bt, veche_board_size(r.b), &at)) != 0)
        goto done;
    veche_council_body_name(name, m.hash);
    printf("publication of council %s: entry %" PRIu64 ", %s \"%s\" by %s%s\nbody: %s/%s "
           "(%zu bytes)\n", o->council, at, veche_pub_kind_name(m.kind), o->title,
           m.grouping ? "grouping " : "a member", m.grouping ? m.grouping : "", o->bodies, name,
           len);
done:
    free(body);
    batch_free(&bt);
    end(&r);
    return rc;
}

/* ---- tombstone ------------------------------------------------------------------------------ */

/* Whether another publication still showing its body has this hash. */
static int body_shared(const veche_council *c, const veche_council_publication *p)
{
    for (size_t i = 0; i < c->npublications; i++) {
        const veche_council_publication *q = &c->publications[i];
        if (q != p && !q->tombstoned && memcmp(q->hash, p->hash, 32) == 0)
            return 1;
    }
    return 0;
}

static int cmd_tombstone(const opts *o)
{
    const char *cmd = "council tombstone";
    const veche_council_publication *p;
    veche_key admin;
    veche_diag d = {{0}};
    batch bt = {0};
    char *entry = NULL, name[65], path[4200];
    size_t len = 0;
    uint64_t idx, at;
    run r;
    int rc;

    memset(&admin, 0, sizeof admin);
    memset(&r, 0, sizeof r);
    if (o->key == NULL || o->publication == NULL || o->reason == NULL || o->reason[0] == 0 ||
        o->bodies == NULL)
        return cli_usage(cmd, council_usage, "give --key, --publication, --reason (not empty) "
                         "and --bodies");
    if ((rc = index_opt(cmd, "publication", o->publication, &idx)) != 0 ||
        (rc = begin(&r, o, cmd, 1)) != 0)
        goto done;
    if ((p = veche_council_publication_at(&r.c, idx)) == NULL) {
        rc = cli_fail(cmd, "entry %" PRIu64 " is not a publication of council %s; nothing was "
                      "appended", idx, o->council);
        goto done;
    }
    if ((rc = role_key(&admin, o->key, r.c.admin, "administrator", cmd)) != 0)
        goto done;
    veche_err e = veche_council_tombstone_entry(&entry, &len, o->council, idx, o->reason,
                                                &admin, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    printf("publication %" PRIu64 " tombstoned: entry %" PRIu64 " (its hash, author, date and "
           "the reason stay on the record)\n", idx, at);
    veche_council_body_name(name, p->hash);
    snprintf(path, sizeof path, "%s/%s", o->bodies, name);
    if (body_shared(&r.c, p))
        printf("body %s kept: another publication has the same body\n", path);
    else if (unlink(path) == 0)
        printf("body %s deleted\n", path);
    else if (errno == ENOENT)
        printf("body %s was not there\n", path);
    else
        rc = cli_fail(cmd, "the tombstone IS on the record, but %s could not be deleted: %s",
                      path, strerror(errno));
done:
    batch_free(&bt);
    veche_key_wipe(&admin);
    end(&r);
    return rc;
}

/* ---- petitions ------------------------------------------------------------------------------ */

/* After a petition or signature: its progress, read back from the record. */
static void print_petition_progress(run *r, uint64_t petition)
{
    const veche_council_petition *p;
    if (load_council(r) != 0 || (p = veche_council_petition_at(&r->c, petition)) == NULL)
        return;
    printf("petition %" PRIu64 ": %zu of %zu signatures needed (%zu members at its opening)",
           petition, p->nvalid, p->threshold_count, p->members_at_open);
    if (p->succeeded_at != VECHE_COUNCIL_NO_INDEX)
        printf("; SUCCEEDED at entry %" PRIu64 ": a recall vote is due", p->succeeded_at);
    printf("\n");
}

static int cmd_petition(const opts *o, int open)
{
    const char *cmd = open ? "council petition open" : "council petition sign";
    member_file mf;
    veche_scalar x;
    veche_diag d = {{0}};
    batch bt = {0};
    char *entry = NULL;
    size_t len = 0;
    uint64_t idx, at;
    uint8_t X[32];
    veche_err e;
    run r;
    int rc, have_x = 0;

    memset(&r, 0, sizeof r);
    memset(&mf, 0, sizeof mf);
    if (o->member_file == NULL || (open ? o->mandate == NULL || o->text == NULL || o->petition
                                        : o->petition == NULL || o->mandate || o->text))
        return cli_usage(cmd, council_usage, open ? "give --member-file, --mandate and --text"
                                                  : "give --member-file and --petition");
    if ((rc = index_opt(cmd, open ? "mandate" : "petition", open ? o->mandate : o->petition,
                        &idx)) != 0 ||
        (rc = member_read(&mf, o->member_file, cmd)) != 0 || (rc = begin(&r, o, cmd, 1)) != 0 ||
        (rc = member_credential(&x, X, &mf, o->council, cmd)) != 0)
        goto done;
    have_x = 1;
    if (open)
        e = veche_council_petition_entry(&entry, &len, o->council, idx, o->text, &x, X,
                                         r.c.council_fp, NULL, &d);
    else
        e = veche_council_signature_entry(&entry, &len, o->council, idx, &x, X, r.c.council_fp,
                                          NULL, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    if (open)
        printf("petition to recall mandate %" PRIu64 " opened: entry %" PRIu64 " (your "
               "signature is its first)\n", idx, at);
    else
        printf("signature of petition %" PRIu64 ": entry %" PRIu64 "\n", idx, at);
    print_petition_progress(&r, open ? at : idx);
done:
    if (have_x)
        veche_scalar_wipe(&x);
    sodium_memzero(&mf, sizeof mf);
    batch_free(&bt);
    end(&r);
    return rc;
}

/* ---- council election ----------------------------------------------------------------------- */

/* What a council election is about. */
typedef struct election_req {
    const char   *id;
    veche_purpose purpose;
    const char  **candidates;
    size_t        ncandidates;
    uint64_t      mandate, petition;
    const char   *member;
    const char   *title;
    int64_t       opens, closes;
} election_req;

/* The one contest of a council election of this purpose. */
static json_t *election_contest(const veche_council *c, const election_req *q)
{
    static const char *const yes_no[] = {"yes", "no"};
    const char *const *options = q->candidates;
    size_t n = q->ncandidates;
    json_t *opts_arr = json_array();
    char question[600];
    int min = 1, max = 1;

    switch (q->purpose) {
    case VECHE_PURPOSE_SEATS:
        snprintf(question, sizeof question, "Elect %u delegate%s to %.256s", c->params.seats,
                 c->params.seats == 1 ? "" : "s", c->params.name);
        min = 0;
        max = (int)c->params.seats;
        break;
    case VECHE_PURPOSE_BY_ELECTION:
        snprintf(question, sizeof question, "Elect a delegate to the seat of mandate %" PRIu64,
                 q->mandate);
        min = 0;
        break;
    case VECHE_PURPOSE_RECALL:
        snprintf(question, sizeof question, "Recall the delegate of mandate %" PRIu64 "?",
                 q->mandate);
        options = yes_no;
        n = 2;
        break;
    case VECHE_PURPOSE_EXCLUSION:
        snprintf(question, sizeof question, "Exclude member %s?", q->member);
        options = yes_no;
        n = 2;
        break;
    default:
        snprintf(question, sizeof question, "%.256s", q->title);
        break;
    }
    for (size_t i = 0; opts_arr != NULL && i < n; i++)
        json_array_append_new(opts_arr, json_string(options[i]));
    return json_pack("{s:s, s:s, s:o, s:i, s:i, s:b}", "id", veche_purpose_name(q->purpose),
                     "question", question, "options", opts_arr, "min", min, "max", max,
                     "blank", 0);
}

/* The election's manifest: the council's trustees, threshold and credential authority. */
static json_t *election_manifest(const veche_council *c, const election_req *q)
{
    json_t *trustees = json_array(), *contests = json_array();
    char k64[45];

    for (size_t i = 0; trustees != NULL && i < c->params.ntrustees; i++) {
        b64(k64, c->params.trustee_key[i]);
        json_array_append_new(trustees, json_pack("{s:s, s:s}", "name", c->params.trustee_name[i],
                                                  "key", k64));
    }
    if (contests != NULL)
        json_array_append_new(contests, election_contest(c, q));
    b64(k64, c->params.credential_authority);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:i, s:s, s:o}", "election", q->id,
                     "title", q->title, "organisation", c->params.name, "opens",
                     (json_int_t)q->opens, "closes", (json_int_t)q->closes, "trustees", trustees,
                     "threshold", (int)c->params.threshold, "credential_authority", k64,
                     "contests", contests);
}

/* The election's credentials: the standing list now, every weight 1. */
static int standing_credentials(batch *bt, const veche_council *c, const char *election,
                                const veche_key *authority, const char *cmd)
{
    veche_credential_list l = {0};
    veche_diag d = {{0}};
    char **parts = NULL;
    size_t *lens = NULL, nparts = 0;
    int rc = 0;

    if (c->nstanding == 0)
        return cli_fail(cmd, "council %s has no standing members: nobody could vote; nothing "
                        "was appended", c->id);
    if ((l.v = calloc(c->nstanding, sizeof *l.v)) == NULL)
        return cli_fail(cmd, "out of memory");
    for (size_t i = 0; i < c->nstanding && rc == 0; i++) {
        memcpy(l.v[i].key, c->standing[i], 32);
        l.v[i].weight = 1;
        if (veche_point_decode(&l.v[i].X, c->standing[i], VECHE_NO_IDENTITY) != VECHE_OK)
            rc = cli_fail(cmd, "a standing credential does not decode");
    }
    l.n = c->nstanding;
    l.total_weight = c->nstanding;
    if (rc == 0 && veche_credentials_build(&parts, &lens, &nparts, election, &l, authority->sk,
                                           &d) != VECHE_OK)
        rc = cli_fail(cmd, "%s; nothing was appended", d.msg);
    for (size_t i = 0; i < nparts; i++) {
        if (rc == 0)
            rc = batch_add(bt, parts[i], lens[i]) != 0 ? cli_fail(cmd, "out of memory") : 0;
        else
            free(parts[i]);
    }
    free(parts);
    free(lens);
    free(l.v);
    return rc;
}

/*
 * Manifest, link and credentials of a new council election, judged and
 * appended in one batch. The caller has loaded the council.
 */
static int council_election(run *r, const election_req *q, const veche_key *admin,
                            const veche_key *authority)
{
    veche_election *el = NULL;
    veche_admin_err ae;
    veche_diag d = {{0}};
    batch bt = {0};
    char id[VECHE_ELECTION_ID_MAX + 1], *entry = NULL;
    size_t len = 0;
    uint64_t at;
    json_t *m;
    int rc;

    if (veche_election_load(&el, r->b, q->id, NULL, NULL, NULL) == VECHE_OK) {
        veche_election_free(el);
        return cli_fail(r->cmd, "an election \"%s\" already exists on this record; nothing was "
                        "appended", q->id);
    }
    if ((m = election_manifest(&r->c, q)) == NULL)
        return cli_fail(r->cmd, "out of memory");
    if (veche_admin_create(&entry, &len, id, m, admin, &ae) != VECHE_ADMIN_OK) {
        json_decref(m);
        return cli_fail(r->cmd, "the election's manifest: %s; nothing was appended", ae.msg);
    }
    json_decref(m);
    if ((rc = batch_take(&bt, VECHE_OK, entry, len, &d, r->cmd)) != 0)
        goto done;
    veche_err e = veche_council_election_entry(&entry, &len, r->c.id, q->id, q->purpose,
                                               q->mandate, q->petition, q->member, admin, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, r->cmd)) != 0 ||
        (rc = standing_credentials(&bt, &r->c, q->id, authority, r->cmd)) != 0 ||
        (rc = judge_append(r, &bt, &at)) != 0)
        goto done;
    printf("%s election %s of council %s: manifest entry %" PRIu64 ", link entry %" PRIu64
           ", %zu credentials (entries %" PRIu64 "..%" PRIu64 ")\n",
           veche_purpose_name(q->purpose), q->id, r->c.id, at, at + 1, r->c.nstanding, at + 2,
           at + bt.n - 1);
    printf("next: the trustees' ceremony (veche trustee init|commit|reveal|check --election %s),"
           " then veche election key|open %s\n", q->id, q->id);
done:
    batch_free(&bt);
    return rc;
}

/* The request from the options. */
static int election_req_opts(election_req *q, const opts *o, int64_t now, const char *cmd)
{
    uint64_t v;
    int rc;

    memset(q, 0, sizeof *q);
    q->id = o->election;
    q->mandate = q->petition = VECHE_COUNCIL_NO_INDEX;
    q->member = o->member;
    q->opens = now;
    q->closes = now + 7 * 86400;
    if ((q->purpose = veche_purpose_parse(o->purpose)) == VECHE_PURPOSES)
        return cli_usage(cmd, council_usage, "--purpose: seats, by-election, recall, exclusion "
                         "or question, not %s", o->purpose);
    if (o->mandate && (rc = index_opt(cmd, "mandate", o->mandate, &q->mandate)) != 0)
        return rc;
    if (o->petition && (rc = index_opt(cmd, "petition", o->petition, &q->petition)) != 0)
        return rc;
    if (o->opens && (rc = num_opt(cmd, "opens", o->opens, 0, 253402300799ull, &v)) == 0)
        q->opens = (int64_t)v;
    if (o->closes && (rc = num_opt(cmd, "closes", o->closes, 0, 253402300799ull, &v)) == 0)
        q->closes = (int64_t)v;
    return o->opens || o->closes ? rc : 0;
}

/* Which options each purpose needs (the library judges the rest). */
static int election_req_check(const election_req *q, const char *cmd)
{
    int choose = q->purpose == VECHE_PURPOSE_SEATS || q->purpose == VECHE_PURPOSE_BY_ELECTION ||
                 q->purpose == VECHE_PURPOSE_QUESTION;
    if (choose != (q->ncandidates > 0))
        return cli_usage(cmd, council_usage, "--candidates goes with seats, by-election and "
                         "question (the options), and only with them");
    if ((q->purpose == VECHE_PURPOSE_RECALL || q->purpose == VECHE_PURPOSE_BY_ELECTION) !=
        (q->mandate != VECHE_COUNCIL_NO_INDEX))
        return cli_usage(cmd, council_usage, "--mandate INDEX goes with recall and by-election, "
                         "and only with them");
    if ((q->purpose == VECHE_PURPOSE_RECALL) != (q->petition != VECHE_COUNCIL_NO_INDEX))
        return cli_usage(cmd, council_usage, "--petition INDEX goes with recall, and only with "
                         "it");
    if ((q->purpose == VECHE_PURPOSE_EXCLUSION) != (q->member != NULL))
        return cli_usage(cmd, council_usage, "--member MID goes with exclusion, and only with "
                         "it");
    if (q->purpose == VECHE_PURPOSE_QUESTION && q->title == NULL)
        return cli_usage(cmd, council_usage, "a question needs --title (the question)");
    return 0;
}

static void default_title(char *out, size_t cap, const veche_council *c, const election_req *q)
{
    switch (q->purpose) {
    case VECHE_PURPOSE_SEATS:
        snprintf(out, cap, "%.200s: seats", c->params.name);
        break;
    case VECHE_PURPOSE_BY_ELECTION:
        snprintf(out, cap, "%.200s: by-election", c->params.name);
        break;
    case VECHE_PURPOSE_RECALL:
        snprintf(out, cap, "%.200s: recall vote", c->params.name);
        break;
    default:
        snprintf(out, cap, "%.200s: exclusion vote", c->params.name);
        break;
    }
}

/* The administrator's and the credential authority's keys, checked against the council. */
static int admin_and_authority(veche_key *admin, veche_key *authority, run *r)
{
    int rc = role_key(admin, r->o->key, r->c.admin, "administrator", r->cmd);
    if (rc == 0)
        rc = role_key(authority, r->o->authority_key, r->c.params.credential_authority,
                      "credential authority", r->cmd);
    return rc;
}

static int cmd_election(const opts *o)
{
    const char *cmd = "council election";
    veche_key admin, authority;
    election_req q;
    char *copy = NULL, title[300];
    run r;
    int rc;

    memset(&admin, 0, sizeof admin);
    memset(&authority, 0, sizeof authority);
    memset(&r, 0, sizeof r);
    memset(&q, 0, sizeof q);
    if (o->key == NULL || o->authority_key == NULL || o->election == NULL || o->purpose == NULL)
        return cli_usage(cmd, council_usage, "give --key, --authority-key, --election and "
                         "--purpose");
    if ((rc = begin(&r, o, cmd, 1)) != 0 || (rc = election_req_opts(&q, o, r.now, cmd)) != 0 ||
        (o->candidates != NULL &&
         (rc = split_list(o->candidates, &copy, &q.candidates, &q.ncandidates, "--candidates",
                          cmd)) != 0))
        goto done;
    q.title = o->title;
    if ((rc = election_req_check(&q, cmd)) != 0 ||
        (rc = admin_and_authority(&admin, &authority, &r)) != 0)
        goto done;
    if (q.title == NULL) {
        default_title(title, sizeof title, &r.c, &q);
        q.title = title;
    }
    rc = council_election(&r, &q, &admin, &authority);
done:
    free(copy);
    free(q.candidates);
    veche_key_wipe(&admin);
    veche_key_wipe(&authority);
    end(&r);
    return rc;
}

/* ---- mandates ------------------------------------------------------------------------------- */

/* Option indices by count, highest first (ties: ballot order). */
static void rank_options(size_t *order, const veche_council_election *ce)
{
    for (size_t i = 0; i < ce->noptions; i++)
        order[i] = i;
    for (size_t i = 1; i < ce->noptions; i++)   /* insertion sort: stable, <= 64 options */
        for (size_t j = i; j > 0 && ce->counts[order[j]] > ce->counts[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/*
 * The delegates to mandate: --delegates if given, else the k options with the
 * most votes — refused when a tie at the last seat leaves the choice open.
 */
static int pick_delegates(const char **out, size_t *n, const veche_council_election *ce,
                          size_t k, const char **given, size_t ngiven, const char *cmd)
{
    size_t order[VECHE_MAX_OPTIONS];

    if (ngiven > 0) {
        for (size_t i = 0; i < ngiven; i++)
            out[i] = given[i];
        *n = ngiven;
        return 0;
    }
    rank_options(order, ce);
    if (k > ce->noptions)
        k = ce->noptions;
    if (k < ce->noptions && ce->counts[order[k - 1]] == ce->counts[order[k]]) {
        char tied[1024] = "";
        size_t used = 0;
        for (size_t i = 0; i < ce->noptions; i++)
            if (ce->counts[order[i]] == ce->counts[order[k - 1]] && used < sizeof tied)
                used += (size_t)snprintf(tied + used, sizeof tied - used, "%s%s",
                                         used ? ", " : "", ce->options[order[i]]);
        return cli_fail(cmd, "a tie at the last seat (%" PRIu64 " votes each: %s): choose with "
                        "--delegates; nothing was appended", ce->counts[order[k - 1]], tied);
    }
    for (size_t i = 0; i < k; i++)
        out[i] = ce->options[order[i]];
    *n = k;
    return 0;
}

/* The linked election, with a result, and no mandates yet. */
static int mandates_election(const veche_council_election **out, const veche_council *c,
                             const char *election, const char *cmd)
{
    const veche_council_election *ce = veche_council_election_find(c, election);
    if (ce == NULL)
        return cli_fail(cmd, "election \"%s\" is not linked to council %s", election, c->id);
    if (ce->purpose != VECHE_PURPOSE_SEATS && ce->purpose != VECHE_PURPOSE_BY_ELECTION)
        return cli_fail(cmd, "election \"%s\" is a %s election: mandates come from seats "
                        "elections and by-elections", election, veche_purpose_name(ce->purpose));
    if (ce->result_index == VECHE_COUNCIL_NO_INDEX || ce->counts == NULL)
        return cli_fail(cmd, "election \"%s\" has no published result yet (%s)", election,
                        veche_stage_name(ce->stage));
    for (size_t i = 0; i < c->nmandates; i++)
        if (strcmp(c->mandates[i].election, election) == 0)
            return cli_fail(cmd, "election \"%s\" already gave mandates (entry %" PRIu64 ")",
                            election, c->mandates[i].index);
    *out = ce;
    return 0;
}

static int cmd_mandates(const opts *o)
{
    const char *cmd = "council mandates";
    const veche_council_election *ce = NULL;
    const char *chosen[VECHE_MAX_OPTIONS], **given = NULL;
    char *copy = NULL;
    size_t nchosen = 0, ngiven = 0, k;
    veche_key admin;
    veche_diag d = {{0}};
    batch bt = {0};
    int64_t start, stop;
    uint64_t v, at;
    run r;
    int rc;

    memset(&admin, 0, sizeof admin);
    memset(&r, 0, sizeof r);
    if (o->key == NULL || o->election == NULL)
        return cli_usage(cmd, council_usage, "give --key and --election");
    if ((o->delegates != NULL &&
         (rc = split_list(o->delegates, &copy, &given, &ngiven, "--delegates", cmd)) != 0) ||
        (rc = begin(&r, o, cmd, 1)) != 0 ||
        (rc = mandates_election(&ce, &r.c, o->election, cmd)) != 0 ||
        (rc = role_key(&admin, o->key, r.c.admin, "administrator", cmd)) != 0)
        goto done;
    start = r.now;
    if (o->start != NULL) {
        if ((rc = num_opt(cmd, "start", o->start, 0, 253402300799ull, &v)) != 0)
            goto done;
        start = (int64_t)v;
    }
    k = ce->purpose == VECHE_PURPOSE_SEATS ? r.c.params.seats : 1;
    if (ngiven > VECHE_MAX_OPTIONS) {
        rc = cli_usage(cmd, council_usage, "--delegates: at most %d", VECHE_MAX_OPTIONS);
        goto done;
    }
    if ((rc = pick_delegates(chosen, &nchosen, ce, k, given, ngiven, cmd)) != 0)
        goto done;
    if (ce->purpose == VECHE_PURPOSE_SEATS)
        stop = start + r.c.params.term;
    else {
        const veche_council_mandate *vac = veche_council_mandate_at(&r.c, ce->mandate);
        stop = vac != NULL ? vac->end : start + r.c.params.term;
    }
    for (size_t i = 0; i < nchosen && rc == 0; i++) {
        char *entry = NULL;
        size_t len = 0;
        veche_err e = veche_council_mandate_entry(&entry, &len, o->council, o->election,
                                                  chosen[i], start, stop, &admin, &d);
        rc = batch_take(&bt, e, entry, len, &d, cmd);
    }
    if (rc != 0 || (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    for (size_t i = 0; i < nchosen; i++) {
        char s[32], t[32];
        printf("mandate %" PRIu64 ": %s, %s to %s\n", at + i, chosen[i], date_of(s, start),
               date_of(t, stop));
    }
done:
    free(copy);
    free(given);
    batch_free(&bt);
    veche_key_wipe(&admin);
    end(&r);
    return rc;
}

/* ---- mandate-end ---------------------------------------------------------------------------- */

/* The latest linked recall election for the mandate with a result, or NULL. */
static const char *recall_election_of(const veche_council *c, uint64_t mandate)
{
    const char *found = NULL;
    for (size_t i = 0; i < c->nelections; i++) {
        const veche_council_election *ce = &c->elections[i];
        if (ce->purpose == VECHE_PURPOSE_RECALL && ce->mandate == mandate &&
            ce->result_index != VECHE_COUNCIL_NO_INDEX)
            found = ce->election;
    }
    return found;
}

/* What is now due about a mandate (read back from the record), e.g. its by-election. */
static void print_due_for(run *r, uint64_t mandate)
{
    veche_council_due *due = NULL;
    size_t n = 0;
    if (load_council(r) != 0 || veche_council_due_list(&due, &n, &r->c) != VECHE_OK)
        return;
    for (size_t i = 0; i < n; i++)
        if (due[i].mandate == mandate)
            printf("due: %s\n", due[i].what);
    free(due);
}

/* Appends council.mandate-end (the council loaded, admin checked). */
static int end_mandate(run *r, uint64_t mandate, const char *reason, const char *election,
                       const char *statement, const veche_key *admin)
{
    veche_diag d = {{0}};
    batch bt = {0};
    char *entry = NULL;
    size_t len = 0;
    uint64_t at;
    int rc;

    veche_err e = veche_council_mandate_end_entry(&entry, &len, r->c.id, mandate, reason,
                                                  election, statement ? statement : "", admin,
                                                  &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, r->cmd)) == 0 &&
        (rc = judge_append(r, &bt, &at)) == 0) {
        printf("mandate %" PRIu64 " ended (%s%s%s): entry %" PRIu64 "\n", mandate, reason,
               election ? ", election " : "", election ? election : "", at);
        print_due_for(r, mandate);
    }
    batch_free(&bt);
    return rc;
}

static int cmd_mandate_end(const opts *o)
{
    const char *cmd = "council mandate-end";
    const char *election = o->election;
    veche_key admin;
    uint64_t idx;
    run r;
    int rc;

    memset(&admin, 0, sizeof admin);
    memset(&r, 0, sizeof r);
    if (o->key == NULL || o->mandate == NULL || o->reason == NULL ||
        (strcmp(o->reason, "recalled") != 0 && strcmp(o->reason, "resigned") != 0))
        return cli_usage(cmd, council_usage, "give --key, --mandate and --reason recalled or "
                         "resigned");
    if ((rc = index_opt(cmd, "mandate", o->mandate, &idx)) != 0 ||
        (rc = begin(&r, o, cmd, 1)) != 0 ||
        (rc = role_key(&admin, o->key, r.c.admin, "administrator", cmd)) != 0)
        goto done;
    if (veche_council_mandate_at(&r.c, idx) == NULL) {
        rc = cli_fail(cmd, "entry %" PRIu64 " is not a mandate of council %s; nothing was "
                      "appended", idx, o->council);
        goto done;
    }
    if (strcmp(o->reason, "recalled") == 0 && election == NULL &&
        (election = recall_election_of(&r.c, idx)) == NULL) {
        rc = cli_fail(cmd, "no recall election of mandate %" PRIu64 " has a result; nothing "
                      "was appended", idx);
        goto done;
    }
    if (strcmp(o->reason, "resigned") == 0 && election != NULL) {
        rc = cli_usage(cmd, council_usage, "--election goes with --reason recalled");
        goto done;
    }
    rc = end_mandate(&r, idx, o->reason, election, o->statement, &admin);
done:
    veche_key_wipe(&admin);
    end(&r);
    return rc;
}

/* ---- delegations ---------------------------------------------------------------------------- */

static int cmd_delegation(const opts *o, int add)
{
    const char *cmd = add ? "council delegation add" : "council delegation end";
    const char **names = NULL;
    char *copy = NULL, *entry = NULL;
    size_t n = 0, len = 0;
    veche_key admin;
    veche_diag d = {{0}};
    batch bt = {0};
    uint64_t at;
    veche_err e;
    run r;
    int rc;

    memset(&admin, 0, sizeof admin);
    memset(&r, 0, sizeof r);
    if (o->key == NULL || o->delegation == NULL ||
        (add ? o->to == NULL || o->delegates == NULL || o->text == NULL
             : o->reason == NULL || (strcmp(o->reason, "returned") != 0 &&
                                     strcmp(o->reason, "recalled") != 0)))
        return cli_usage(cmd, council_usage, add ? "give --key, --delegation, --to, --delegates "
                         "and --text (the mandate)" : "give --key, --delegation and --reason "
                         "returned or recalled");
    if ((add && (rc = split_list(o->delegates, &copy, &names, &n, "--delegates", cmd)) != 0) ||
        (rc = begin(&r, o, cmd, 1)) != 0 ||
        (rc = role_key(&admin, o->key, r.c.admin, "administrator", cmd)) != 0)
        goto done;
    if (add)
        e = veche_council_delegation_entry(&entry, &len, o->council, o->delegation, o->to, names,
                                           n, o->text, &admin, &d);
    else
        e = veche_council_delegation_end_entry(&entry, &len, o->council, o->delegation,
                                               o->reason, o->statement ? o->statement : "",
                                               &admin, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    if (add)
        printf("delegation %s to %s (%zu delegate%s): entry %" PRIu64 "\n", o->delegation, o->to,
               n, n == 1 ? "" : "s", at);
    else
        printf("delegation %s ended (%s): entry %" PRIu64 "\n", o->delegation, o->reason, at);
done:
    free(copy);
    free(names);
    batch_free(&bt);
    veche_key_wipe(&admin);
    end(&r);
    return rc;
}

/* ---- appeal --------------------------------------------------------------------------------- */

/*
 * The exclusion an appeal answers: --exclusion, or the member's own (the
 * library judges either way; this only gives a clear word when the member
 * was never excluded and no index was given).
 */
static int appeal_exclusion(uint64_t *out, const run *r, const veche_council_member *m)
{
    if (r->o->exclusion != NULL)
        return index_opt(r->cmd, "exclusion", r->o->exclusion, out);
    if (m->status != VECHE_MEMBER_EXCLUDED)
        return cli_fail(r->cmd, "\"%s\" was not excluded from council %s (%s): an appeal answers "
                        "an exclusion; nothing was appended", m->id, r->o->council,
                        member_status_name(m->status));
    *out = m->leave_index;
    return 0;
}

/*
 * An excluded member's appeal, signed by any key they hold. It opens their
 * commitment with the member file's (salt, name); if these do not open it
 * the appeal is still theirs to make, but readers will see it "unproven",
 * so say so before appending.
 */
static int cmd_appeal(const opts *o)
{
    const char *cmd = "council appeal";
    const veche_council_member *m;
    member_file mf;
    veche_key key;
    veche_diag d = {{0}};
    batch bt = {0};
    char *entry = NULL;
    size_t len = 0;
    uint64_t exclusion, at;
    opts oo = *o;
    run r;
    int rc, proven;

    memset(&r, 0, sizeof r);
    memset(&key, 0, sizeof key);
    memset(&mf, 0, sizeof mf);
    if (o->key == NULL || o->member_file == NULL || o->text == NULL)
        return cli_usage(cmd, council_usage, "give --key, --member-file and --text");
    if ((rc = member_read(&mf, o->member_file, cmd)) != 0)
        return rc;
    if (oo.council == NULL)
        oo.council = mf.council;
    if ((rc = begin(&r, &oo, cmd, 1)) != 0 || (rc = read_key(&key, o->key, cmd)) != 0)
        goto done;
    if (strcmp(mf.council, oo.council) != 0) {
        rc = cli_fail(cmd, "the member file is for council \"%s\", not \"%s\"", mf.council,
                      oo.council);
        goto done;
    }
    if ((m = veche_council_member_find(&r.c, mf.member)) == NULL) {
        rc = cli_fail(cmd, "no member \"%s\" on the roll of council %s", mf.member, oo.council);
        goto done;
    }
    if ((rc = appeal_exclusion(&exclusion, &r, m)) != 0)
        goto done;
    proven = veche_council_commitment_check(m->commitment, mf.salt, mf.name);
    if (!proven)
        fprintf(stderr, "veche %s: warning: the name and salt of %s do not open the commitment "
                "of the roll entry of \"%s\" (entry %" PRIu64 "): the appeal will be shown "
                "unproven\n", cmd, o->member_file, mf.member, m->join_index);
    veche_err e = veche_council_appeal_entry(&entry, &len, oo.council, mf.member, exclusion,
                                             mf.salt, mf.name, o->text, &key, &d);
    if ((rc = batch_take(&bt, e, entry, len, &d, cmd)) != 0 ||
        (rc = judge_append(&r, &bt, &at)) != 0)
        goto done;
    printf("appeal of member %s against the exclusion at entry %" PRIu64 ": entry %" PRIu64
           ", %s\n", mf.member, exclusion, at, proven
               ? "proven (it opens the commitment of the member's roll entry)"
               : "UNPROVEN (it does not open the commitment of the member's roll entry)");
done:
    sodium_memzero(&mf, sizeof mf);
    batch_free(&bt);
    veche_key_wipe(&key);
    end(&r);
    return rc;
}

/* ---- status --------------------------------------------------------------------------------- */

static void status_council(const veche_council *c)
{
    const veche_council_params *p = &c->params;
    char a64[45], r64[45], c64[45], h64[45];
    size_t left = 0, excluded = 0;

    b64(a64, c->admin);
    b64(r64, p->roll_keeper);
    b64(c64, p->credential_authority);
    b64(h64, c->council_hash);
    printf("council %s: %s (entry %" PRIu64 ", hash %s)\n", c->id, p->name, c->create_index, h64);
    printf("administrator %s\nroll keeper %s\ncredential authority %s\n", a64, r64, c64);
    printf("seats %u, term %" PRId64 " s (%" PRId64 " days); recall: a petition of %u permille "
           "of the roll, a vote of %u permille; exclusion %s\n", p->seats, p->term,
           p->term / 86400, p->recall_threshold, p->recall_majority,
           p->exclusion_vote ? "by the members' vote" : "by the roll keeper");
    printf("trustees (%u needed):", p->threshold);
    for (size_t i = 0; i < p->ntrustees; i++)
        printf("%s %s", i ? "," : "", p->trustee_name[i]);
    printf("\n");
    for (size_t i = 0; i < c->nmembers; i++) {
        left += c->members[i].status == VECHE_MEMBER_LEFT;
        excluded += c->members[i].status == VECHE_MEMBER_EXCLUDED;
    }
    printf("roll: %zu active members (%zu joined, %zu left, %zu excluded); %zu standing "
           "credentials; %zu roll entr%s pending\n", c->active, c->nmembers, left, excluded,
           c->nstanding, c->nroll - c->pending_from, c->nroll - c->pending_from == 1 ? "y" : "ies");
}

static void status_mandates(const veche_council *c)
{
    printf("mandates: %zu\n", c->nmandates);
    for (size_t i = 0; i < c->nmandates; i++) {
        const veche_council_mandate *m = &c->mandates[i];
        char s[32], t[32];
        printf("  %" PRIu64 ": %s (election %s), %s to %s: %s", m->index, m->delegate,
               m->election, date_of(s, m->start), date_of(t, m->end),
               veche_council_mandate_status(c, m));
        if (m->end_index != VECHE_COUNCIL_NO_INDEX)
            printf(" at entry %" PRIu64, m->end_index);
        if (m->vacated != VECHE_COUNCIL_NO_INDEX)
            printf("; fills the seat of mandate %" PRIu64, m->vacated);
        printf("\n");
    }
}

static void status_groupings(const veche_council *c)
{
    printf("groupings: %zu\n", c->ngroupings);
    for (size_t i = 0; i < c->ngroupings; i++) {
        const veche_council_grouping *g = &c->groupings[i];
        char k64[45];
        b64(k64, g->key);
        printf("  %s: %s, key %s, %zu member%s listed (entry %" PRIu64 ")", g->id, g->name, k64,
               g->nmembers, g->nmembers == 1 ? "" : "s", g->first_index);
        if (g->nimpostors > 0)
            printf("; %zu impostor registration%s (first: entry %" PRIu64 ")", g->nimpostors,
                   g->nimpostors == 1 ? "" : "s", g->first_impostor);
        printf("\n");
    }
}

static const char *body_state_name(veche_body_state s)
{
    switch (s) {
    case VECHE_BODY_OK: return "body ok";
    case VECHE_BODY_MISSING: return "body MISSING";
    case VECHE_BODY_MISMATCH: return "body DOES NOT MATCH its hash";
    default: return "body not checked";
    }
}

static void status_publications(const veche_council *c)
{
    printf("publications: %zu\n", c->npublications);
    for (size_t i = 0; i < c->npublications; i++) {
        const veche_council_publication *p = &c->publications[i];
        printf("  %" PRIu64 ": %s \"%s\" by %s%s", p->index, veche_pub_kind_name(p->kind),
               p->title, p->grouping ? "grouping " : "a member",
               p->grouping ? p->grouping : "");
        if (p->impostor)
            printf(" (IMPOSTOR: not signed by the grouping's key; not shown as its)");
        else if (!p->counted)
            printf(" (not counted)");
        if (p->reply_to != VECHE_COUNCIL_NO_INDEX)
            printf(", reply to %" PRIu64, p->reply_to);
        if (p->election != NULL)
            printf(", platform of %s in %s", p->option, p->election);
        if (p->tombstoned)
            printf("; TOMBSTONED at entry %" PRIu64 ": %s", p->tombstone_index,
                   p->tombstone_reason);
        else
            printf("; %s", body_state_name(p->body));
        printf("\n");
    }
}

static void status_petitions(const veche_council *c)
{
    printf("petitions: %zu\n", c->npetitions);
    for (size_t i = 0; i < c->npetitions; i++) {
        const veche_council_petition *p = &c->petitions[i];
        printf("  %" PRIu64 ": recall of mandate %" PRIu64 ": %zu of %zu signatures "
               "(%zu members at its opening)", p->index, p->mandate, p->nvalid,
               p->threshold_count, p->members_at_open);
        if (p->nduplicate || p->ninvalid)
            printf("; not counted: %zu duplicate, %zu invalid", p->nduplicate, p->ninvalid);
        if (p->succeeded_at != VECHE_COUNCIL_NO_INDEX)
            printf("; succeeded at entry %" PRIu64, p->succeeded_at);
        if (p->recall_election_link != VECHE_COUNCIL_NO_INDEX)
            printf("; recall election linked at entry %" PRIu64, p->recall_election_link);
        printf("\n");
    }
}

static void status_elections(const veche_council *c)
{
    printf("elections: %zu\n", c->nelections);
    for (size_t i = 0; i < c->nelections; i++) {
        const veche_council_election *e = &c->elections[i];
        printf("  %s: %s, %s, %zu voters (link entry %" PRIu64 ")", e->election,
               veche_purpose_name(e->purpose), veche_stage_name(e->stage), e->nstanding,
               e->link_index);
        if (e->mandate != VECHE_COUNCIL_NO_INDEX)
            printf(", mandate %" PRIu64, e->mandate);
        if (e->counts != NULL) {
            printf(":");
            for (size_t k = 0; k < e->noptions; k++)
                printf("%s %s %" PRIu64, k ? "," : "", e->options[k], e->counts[k]);
        }
        printf("\n");
    }
}

static void status_delegations(const veche_council *c)
{
    printf("delegations: %zu\n", c->ndelegations);
    for (size_t i = 0; i < c->ndelegations; i++) {
        const veche_council_delegation *g = &c->delegations[i];
        printf("  %s: to %s,", g->id, g->to);
        for (size_t k = 0; k < g->ndelegates; k++)
            printf("%s %s", k ? "," : "", g->delegates[k]);
        if (g->end_index == VECHE_COUNCIL_NO_INDEX)
            printf("; out (entry %" PRIu64 ")\n", g->index);
        else
            printf("; %s at entry %" PRIu64 "\n", g->end_reason, g->end_index);
    }
}

/* Appeals, with whether each opens the member's commitment (the name is public by then). */
static void status_appeals(const veche_council *c)
{
    printf("appeals: %zu\n", c->nappeals);
    for (size_t i = 0; i < c->nappeals; i++) {
        const veche_council_appeal *a = &c->appeals[i];
        char k64[45];
        b64(k64, a->author);
        printf("  %" PRIu64 ": %s against the exclusion at entry %" PRIu64 ", signed by %s: ",
               a->index, a->member, a->exclusion, k64);
        if (a->proven)
            printf("proven (the name \"%s\" and its salt open the member's roll entry)", a->name);
        else
            printf("unproven (the name and salt given do not open the member's roll entry)");
        printf(": %s\n", a->text);
    }
}

static void status_due_and_problems(const veche_council *c)
{
    veche_council_due *due = NULL;
    size_t n = 0;

    if (veche_council_due_list(&due, &n, c) == VECHE_OK) {
        printf("due: %zu\n", n);
        for (size_t i = 0; i < n; i++)
            printf("  %s\n", due[i].what);
    }
    free(due);
    printf("reported entries: %zu (%zu breaking a rule)\n", c->nproblems, c->nfatal);
    for (size_t i = 0; i < c->nproblems; i++) {
        const veche_council_problem *p = &c->problems[i];
        if (p->index == VECHE_COUNCIL_NO_INDEX)
            printf("  check %d%s: %s\n", p->check, p->fatal ? " FAIL" : "", p->msg);
        else
            printf("  entry %" PRIu64 ", check %d%s: %s\n", p->index, p->check,
                   p->fatal ? " FAIL" : "", p->msg);
    }
}

/* --code or --member-file: the standing credential X they give (x wiped). */
static int status_credential(uint8_t X[32], const run *r)
{
    const opts *o = r->o;
    veche_diag d = {{0}};
    veche_scalar x;
    int rc = 0;

    if (o->member_file != NULL) {
        member_file mf;
        if ((rc = member_read(&mf, o->member_file, r->cmd)) != 0)
            return rc;
        rc = member_credential(&x, X, &mf, o->council, r->cmd);
        sodium_memzero(&mf, sizeof mf);
    } else if (veche_council_credential(&x, X, o->council, o->code, &d) != VECHE_OK)
        rc = cli_fail(r->cmd, "--code: %s", d.msg);
    if (rc == 0)
        veche_scalar_wipe(&x);
    return rc;
}

static int cmd_status(const opts *o)
{
    int rc, mine = o->code != NULL || o->member_file != NULL;
    uint8_t X[32];
    char x64[45];
    run r;

    if (o->code != NULL && o->member_file != NULL)
        return cli_usage("council status", council_usage, "give --code or --member-file, not "
                         "both");
    if ((rc = begin(&r, o, "council status", 1)) == 0 &&
        (!mine || (rc = status_credential(X, &r)) == 0)) {
        status_council(&r.c);
        status_mandates(&r.c);
        status_groupings(&r.c);
        status_publications(&r.c);
        status_petitions(&r.c);
        status_elections(&r.c);
        status_delegations(&r.c);
        status_appeals(&r.c);
        status_due_and_problems(&r.c);
        if (mine) {
            b64(x64, X);
            printf("your standing credential %s is %son the standing list\n", x64,
                   veche_council_standing_has(&r.c, X) ? "" : "NOT ");
        }
    }
    end(&r);
    return rc;
}

/* ---- due ------------------------------------------------------------------------------------ */

/* The recall election a succeeded petition calls for. */
static int due_recall(run *r, const veche_council_due *due, const veche_key *admin,
                      const veche_key *authority)
{
    char id[VECHE_ELECTION_ID_MAX + 1], title[300];
    election_req q;

    memset(&q, 0, sizeof q);
    if (snprintf(id, sizeof id, "%s-recall-%" PRIu64, r->c.id, due->petition) >=
        (int)sizeof id)
        snprintf(id, sizeof id, "recall-%" PRIu64, due->petition);
    q.id = id;
    q.purpose = VECHE_PURPOSE_RECALL;
    q.mandate = due->mandate;
    q.petition = due->petition;
    q.opens = r->now;
    q.closes = r->now + 7 * 86400;
    default_title(title, sizeof title, &r->c, &q);
    q.title = title;
    return council_election(r, &q, admin, authority);
}

/* One automatic action, if any is due; *done = 0 when none is left. */
static int due_step(run *r, const veche_key *admin, const veche_key *authority, int *done)
{
    veche_council_due *due = NULL;
    size_t n = 0;
    int rc = 0;

    *done = 1;
    if (veche_council_due_list(&due, &n, &r->c) != VECHE_OK)
        return cli_fail(r->cmd, "out of memory");
    for (size_t i = 0; i < n && *done; i++) {
        if (due[i].kind == VECHE_DUE_RECALL) {
            printf("due: %s\n", due[i].what);
            rc = due_recall(r, &due[i], admin, authority);
            *done = 0;
        } else if (due[i].kind == VECHE_DUE_MANDATE_END) {
            printf("due: %s\n", due[i].what);
            rc = end_mandate(r, due[i].mandate, "recalled", due[i].election,
                             "the members voted to recall this mandate", admin);
            *done = 0;
        }
    }
    free(due);
    return rc;
}

/* Performs the automatic actions one by one (each changes what is due), then lists the rest. */
static int cmd_due(const opts *o)
{
    const char *cmd = "council due";
    veche_key admin, authority;
    veche_council_due *due = NULL;
    size_t n = 0, steps = 0;
    int rc, done = 0;
    run r;

    memset(&admin, 0, sizeof admin);
    memset(&authority, 0, sizeof authority);
    if ((o->key == NULL) != (o->authority_key == NULL))
        return cli_usage(cmd, council_usage, "give both --key and --authority-key (to act), or "
                         "neither (to list)");
    if ((rc = begin(&r, o, cmd, 1)) != 0 ||
        (o->key != NULL && (rc = admin_and_authority(&admin, &authority, &r)) != 0))
        goto done;
    while (o->key != NULL && !done && rc == 0 && steps++ < 1000)
        if ((rc = due_step(&r, &admin, &authority, &done)) == 0 && !done)
            rc = load_council(&r);
    if (rc != 0)
        goto done;
    if (veche_council_due_list(&due, &n, &r.c) != VECHE_OK) {
        rc = cli_fail(cmd, "out of memory");
        goto done;
    }
    printf("%zu action%s due%s\n", n, n == 1 ? "" : "s",
           n > 0 && o->key != NULL ? " (for people: run the step it names)" : "");
    for (size_t i = 0; i < n; i++)
        printf("  %s\n", due[i].what);
done:
    free(due);
    veche_key_wipe(&admin);
    veche_key_wipe(&authority);
    end(&r);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

typedef struct subcommand {
    const char *word, *second;
    int       (*run)(const opts *o, int arg);
    int         arg;
} subcommand;

static int run_create(const opts *o, int a) { (void)a; return cmd_create(o); }
static int run_roll_add(const opts *o, int csv) { return cmd_roll_add(o, csv); }
static int run_roll_remove(const opts *o, int a)
{
    return cmd_roll_remove(o, (veche_roll_action)a);
}
static int run_roll_prove(const opts *o, int a) { (void)a; return cmd_roll_prove(o); }
static int run_grouping_add(const opts *o, int a) { (void)a; return cmd_grouping_add(o); }
static int run_publish(const opts *o, int a) { (void)a; return cmd_publish(o); }
static int run_tombstone(const opts *o, int a) { (void)a; return cmd_tombstone(o); }
static int run_petition(const opts *o, int open) { return cmd_petition(o, open); }
static int run_election(const opts *o, int a) { (void)a; return cmd_election(o); }
static int run_mandates(const opts *o, int a) { (void)a; return cmd_mandates(o); }
static int run_mandate_end(const opts *o, int a) { (void)a; return cmd_mandate_end(o); }
static int run_delegation(const opts *o, int add) { return cmd_delegation(o, add); }
static int run_status(const opts *o, int a) { (void)a; return cmd_status(o); }
static int run_appeal(const opts *o, int a) { (void)a; return cmd_appeal(o); }
static int run_due(const opts *o, int a) { (void)a; return cmd_due(o); }

static const subcommand subcommands[] = {
    {"create", NULL, run_create, 0},
    {"roll", "add", run_roll_add, 0},
    {"roll", "add-csv", run_roll_add, 1},
    {"roll", "leave", run_roll_remove, VECHE_ROLL_LEAVE},
    {"roll", "exclude", run_roll_remove, VECHE_ROLL_EXCLUDE},
    {"roll", "prove", run_roll_prove, 0},
    {"grouping", "add", run_grouping_add, 0},
    {"publish", NULL, run_publish, 0},
    {"tombstone", NULL, run_tombstone, 0},
    {"petition", "open", run_petition, 1},
    {"petition", "sign", run_petition, 0},
    {"election", NULL, run_election, 0},
    {"mandates", NULL, run_mandates, 0},
    {"mandate-end", NULL, run_mandate_end, 0},
    {"delegation", "add", run_delegation, 1},
    {"delegation", "end", run_delegation, 0},
    {"appeal", NULL, run_appeal, 0},
    {"status", NULL, run_status, 0},
    {"due", NULL, run_due, 0},
};

int veche_cmd_council(int argc, char **argv)
{
    const subcommand *s = NULL;
    veche_err e;
    opts o;
    int skip, r;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(council_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0] && s == NULL; i++)
        if (strcmp(argv[1], subcommands[i].word) == 0 &&
            (subcommands[i].second == NULL ||
             (argc > 2 && strcmp(argv[2], subcommands[i].second) == 0)))
            s = &subcommands[i];
    if (s == NULL)
        return cli_usage("council", council_usage, "unknown command '%s%s%s'", argv[1],
                         argc > 2 && argv[2][0] != '-' ? " " : "",
                         argc > 2 && argv[2][0] != '-' ? argv[2] : "");
    skip = s->second == NULL ? 1 : 2;
    if ((r = parse_opts(&o, argc - skip, argv + skip)) != 0) {
        fputs(council_usage, r > 0 ? stdout : stderr);
        return r > 0 ? 0 : EXIT_USAGE;
    }
    if ((e = veche_council_register_types()) != VECHE_OK)
        return cli_fail("council", "cannot register the council entry types: %s",
                        veche_strerror(e));
    return s->run(&o, s->arg);
}
