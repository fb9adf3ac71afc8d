/*
 * board.c — `veche board ...`: the public record from the command line.
 *
 * Every subcommand is a thin translation: parse options, call libveche's
 * board API, print the result. Errors go to stderr as one line that says
 * what and where; exit status 0 success, 1 failure, 2 usage.
 *
 * `export` also copies the council publication bodies kept beside the
 * database (DB.bodies/, where `veche serve` keeps them, or --bodies DIR)
 * into DIR/bodies/: they are not on the record, but a reader needs them to
 * check that every publication's body is the one whose hash the record
 * holds (council check 9). A body whose SHA-256 is not its name is refused
 * before anything is written, so an export never carries a body the record
 * cannot vouch for.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

#include "board/board.h"
#include "board/export.h"
#include "board/witness.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "council/council.h"

#define MAX_WITNESSES 16

static const char board_usage[] =
    "usage: veche board <command> [options]\n"
    "  init       --db PATH --key KEYFILE [--origin NAME]  create a board (and its key)\n"
    "  append     --db PATH [--author KEYFILE] --type TYPE --body FILE|-\n"
    "             --db PATH --entries FILE|-   (one entry per line, appended as one batch)\n"
    "  get        --db PATH INDEX              print an entry\n"
    "  list       --db PATH [--from N] [--to N] one line per entry\n"
    "  checkpoint --db PATH --key KEYFILE      sign and print a checkpoint for the current size\n"
    "  proof      --db PATH --index I [--size N] | --old M [--size N]\n"
    "  receipt    --db PATH INDEX [--out FILE] a self-contained receipt (C2SP tlog-proof)\n"
    "  check-receipt RECEIPT --key VKEY [--witness VKEY]... [--quorum K]\n"
    "  export     --db PATH DIR [--bodies DIR] the whole record as a directory, with the\n"
    "                                          publication bodies (default DB.bodies) in DIR/bodies\n"
    "  import     --db PATH DIR                a mirror from a verified export\n"
    "  verify     DIR [--key VKEY] [--witness VKEY]... [--quorum K]\n"
    "  verify-consistency OLD NEW --key VKEY (--db PATH | --proof FILE)\n"
    "  witness-request --db PATH --old N       a request for a witness (tlog-witness)\n"
    "  add-cosignatures --db PATH NOTE --witness VKEY...\n"
    "  vkey       --db PATH                    print the board's verifier key\n"
    "A VKEY is name+hexid+base64, or @FILE holding one.\n";

/* The options every subcommand may take; each uses what it needs. */
typedef struct opts {
    const char *db, *key, *origin, *author, *type, *body, *entries, *out, *proof_file, *bodies;
    veche_note_key log_key;
    int have_log_key;
    veche_note_key witnesses[MAX_WITNESSES];
    size_t nwitnesses;
    uint64_t from, to, index, size, old, quorum;
    int have_index, have_size, have_old, have_quorum, have_to;
    char **args;
    int nargs;
} opts;

enum { O_DB = 256, O_KEY, O_ORIGIN, O_AUTHOR, O_TYPE, O_BODY, O_ENTRIES, O_OUT, O_PROOF,
       O_WITNESS, O_FROM, O_TO, O_INDEX, O_SIZE, O_OLD, O_QUORUM, O_BODIES, O_HELP };

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"key", 1, 0, O_KEY}, {"origin", 1, 0, O_ORIGIN},
    {"author", 1, 0, O_AUTHOR}, {"type", 1, 0, O_TYPE}, {"body", 1, 0, O_BODY},
    {"entries", 1, 0, O_ENTRIES}, {"out", 1, 0, O_OUT}, {"proof", 1, 0, O_PROOF},
    {"witness", 1, 0, O_WITNESS}, {"from", 1, 0, O_FROM}, {"to", 1, 0, O_TO},
    {"index", 1, 0, O_INDEX}, {"size", 1, 0, O_SIZE}, {"old", 1, 0, O_OLD},
    {"quorum", 1, 0, O_QUORUM}, {"bodies", 1, 0, O_BODIES}, {"help", 0, 0, O_HELP},
    {0, 0, 0, 0},
};

static int number(const char *name, const char *s, uint64_t *v, int *have)
{
    if (cli_parse_u64(s, v) != 0) {
        fprintf(stderr, "veche board: --%s: not a number: %s\n", name, s);
        return -1;
    }
    if (have)
        *have = 1;
    return 0;
}

/* One option; -1 on a bad value, 1 for --help. */
static int take(opts *o, int c, const char *arg)
{
    switch (c) {
    case O_DB: o->db = arg; return 0;
    case O_ORIGIN: o->origin = arg; return 0;
    case O_AUTHOR: o->author = arg; return 0;
    case O_TYPE: o->type = arg; return 0;
    case O_BODY: o->body = arg; return 0;
    case O_ENTRIES: o->entries = arg; return 0;
    case O_OUT: o->out = arg; return 0;
    case O_PROOF: o->proof_file = arg; return 0;
    case O_BODIES: o->bodies = arg; return 0;
    case O_KEY:
        o->key = arg;   /* a key file or a verifier key: the subcommand decides */
        return 0;
    case O_WITNESS:
        if (o->nwitnesses == MAX_WITNESSES) {
            fprintf(stderr, "veche board: at most %d --witness keys\n", MAX_WITNESSES);
            return -1;
        }
        return cli_parse_vkey(&o->witnesses[o->nwitnesses++], arg);
    case O_FROM: return number("from", arg, &o->from, NULL);
    case O_TO: return number("to", arg, &o->to, &o->have_to);
    case O_INDEX: return number("index", arg, &o->index, &o->have_index);
    case O_SIZE: return number("size", arg, &o->size, &o->have_size);
    case O_OLD: return number("old", arg, &o->old, &o->have_old);
    case O_QUORUM: return number("quorum", arg, &o->quorum, &o->have_quorum);
    case O_HELP: return 1;
    default: return -1;
    }
}

static int parse_opts(opts *o, int argc, char **argv)
{
    int c, r;
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if ((r = take(o, c, optarg)) != 0)
            return r;
    o->args = argv + optind;
    o->nargs = argc - optind;
    return 0;
}

/* The verifier key from --key when it names one (for the checking commands). */
static int need_vkey(opts *o, const char *cmd)
{
    if (o->key == NULL)
        return cli_usage(cmd, board_usage, "--key VKEY is required");
    if (cli_parse_vkey(&o->log_key, o->key) != 0)
        return EXIT_USAGE;
    o->have_log_key = 1;
    return 0;
}

static int open_board(veche_board **b, const opts *o, int with_key, const char *cmd)
{
    veche_diag d = {{0}};
    veche_key key;
    veche_err e;

    if (o->db == NULL)
        return cli_usage(cmd, board_usage, "--db PATH is required");
    if (with_key) {
        if (o->key == NULL)
            return cli_usage(cmd, board_usage, "--key KEYFILE (the board's key) is required");
        if (veche_key_read(&key, o->key, &d) != VECHE_OK)
            return cli_fail(cmd, "%s", d.msg);
    }
    e = veche_board_open(b, o->db, with_key ? &key : NULL, &d);
    if (with_key)
        veche_key_wipe(&key);
    return e == VECHE_OK ? 0 : cli_fail(cmd, "%s", d.msg);
}

/* ---- init, vkey ----------------------------------------------------------- */

static int load_or_make_key(veche_key *key, const opts *o, veche_diag *d)
{
    FILE *f = fopen(o->key, "r");
    if (f != NULL) {
        fclose(f);
        return veche_key_read(key, o->key, d) == VECHE_OK ? 0 : -1;
    }
    if (o->origin == NULL) {
        veche_diag_set(d, VECHE_EINVALID, "%s does not exist: give --origin to create it", o->key);
        return -1;
    }
    if (veche_key_generate(key, o->origin, d) != VECHE_OK || veche_key_write(o->key, key, d) != VECHE_OK)
        return -1;
    return 0;
}

static int cmd_init(opts *o)
{
    veche_diag d = {{0}};
    veche_key key;
    veche_board *b;
    char vkey[VECHE_KEYNAME_MAX + 80];
    veche_err e;

    if (o->db == NULL || o->key == NULL)
        return cli_usage("board init", board_usage, "--db and --key are required");
    if (load_or_make_key(&key, o, &d) != 0)
        return cli_fail("board init", "%s", d.msg);
    if (o->origin != NULL && strcmp(o->origin, key.name) != 0) {
        veche_key_wipe(&key);
        return cli_fail("board init", "the key's name is \"%s\", not the origin \"%s\"", key.name,
                        o->origin);
    }
    e = veche_board_create(&b, o->db, &key, &d);
    veche_key_wipe(&key);
    if (e != VECHE_OK)
        return cli_fail("board init", "%s", d.msg);
    veche_note_key_format(vkey, sizeof vkey, veche_board_key(b));
    printf("board %s created in %s\nverifier key: %s\n", veche_board_origin(b), o->db, vkey);
    veche_board_close(b);
    return 0;
}

static int cmd_vkey(opts *o)
{
    veche_board *b;
    char vkey[VECHE_KEYNAME_MAX + 80];
    int rc = open_board(&b, o, 0, "board vkey");
    if (rc != 0)
        return rc;
    veche_note_key_format(vkey, sizeof vkey, veche_board_key(b));
    printf("%s\n", vkey);
    veche_board_close(b);
    return 0;
}

/* ---- append --------------------------------------------------------------- */

/* The entry built from --type, --body (a JSON object) and --author. */
static int build_entry(char **entry, size_t *len, const opts *o)
{
    veche_diag d = {{0}};
    veche_key author;
    json_t *body;
    char *text;
    size_t tlen;
    json_error_t jerr;
    veche_err e;

    if ((text = cli_read_file(o->body, &tlen, VECHE_ENTRY_MAX_BYTES)) == NULL)
        return EXIT_FAIL;
    body = json_loadb(text, tlen, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!json_is_object(body)) {
        json_decref(body);
        return cli_fail("board append", "%s: not a JSON object (%s, line %d column %d)", o->body,
                        jerr.text, jerr.line, jerr.column);
    }
    if (o->author != NULL && veche_key_read(&author, o->author, &d) != VECHE_OK) {
        json_decref(body);
        return cli_fail("board append", "%s", d.msg);
    }
    e = veche_entry_build(entry, len, o->type, body, o->author ? author.sk : NULL, &d);
    if (o->author != NULL)
        veche_key_wipe(&author);
    json_decref(body);
    return e == VECHE_OK ? 0 : cli_fail("board append", "%s", d.msg);
}

/* Splits a JSONL buffer into lines (in place); returns the count, or -1. */
static long split_lines(char *buf, size_t len, uint8_t ***lines, size_t **lens)
{
    size_t n = 0, cap = 64;
    *lines = malloc(cap * sizeof **lines);
    *lens = malloc(cap * sizeof **lens);
    for (char *p = buf; *lines && *lens && p < buf + len;) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(buf + len - p);
        if (n == cap) {
            cap *= 2;
            uint8_t **nlines = realloc(*lines, cap * sizeof **lines);
            size_t *nlens = nlines ? realloc(*lens, cap * sizeof **lens) : NULL;
            if (nlines) *lines = nlines;
            if (nlens) *lens = nlens;
            if (!nlines || !nlens) return -1;
        }
        (*lines)[n] = (uint8_t *)p;
        (*lens)[n++] = l;
        p += l + 1;
    }
    return *lines && *lens ? (long)n : -1;
}

static int append_entries(veche_board *b, const opts *o)
{
    veche_diag d = {{0}};
    size_t len, *lens = NULL;
    uint8_t **lines = NULL;
    uint64_t first;
    long n;
    int rc = 0;
    char *buf = cli_read_file(o->entries, &len, (size_t)1 << 30);

    if (buf == NULL)
        return EXIT_FAIL;
    n = split_lines(buf, len, &lines, &lens);
    if (n <= 0)
        rc = cli_fail("board append", "%s: no entries", o->entries);
    else if (veche_board_append(b, (const uint8_t *const *)lines, lens, (size_t)n, &first, &d) != VECHE_OK)
        rc = cli_fail("board append", "%s: %s; nothing was appended", o->entries, d.msg);
    else
        printf("appended %ld entries: %" PRIu64 "..%" PRIu64 "\n", n, first, first + (uint64_t)n - 1);
    free(lines);
    free(lens);
    free(buf);
    return rc;
}

static int cmd_append(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    char *entry = NULL;
    size_t len;
    uint64_t index;
    int rc;

    if ((o->entries == NULL) == (o->type == NULL || o->body == NULL))
        return cli_usage("board append", board_usage,
                         "give either --type and --body, or --entries");
    if ((rc = open_board(&b, o, 0, "board append")) != 0)
        return rc;
    if (o->entries != NULL) {
        rc = append_entries(b, o);
    } else if ((rc = build_entry(&entry, &len, o)) == 0) {
        const uint8_t *one = (const uint8_t *)entry;
        if (veche_board_append(b, &one, &len, 1, &index, &d) != VECHE_OK)
            rc = cli_fail("board append", "%s; nothing was appended", d.msg);
        else
            printf("appended entry %" PRIu64 "\n", index);
    }
    free(entry);
    veche_board_close(b);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

static int cmd_get(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    uint8_t *entry;
    size_t len;
    uint64_t index;
    int rc;

    if (o->nargs != 1 || cli_parse_u64(o->args[0], &index) != 0)
        return cli_usage("board get", board_usage, "give one entry INDEX");
    if ((rc = open_board(&b, o, 0, "board get")) != 0)
        return rc;
    if (veche_board_get(b, index, &entry, &len, &d) != VECHE_OK) {
        rc = cli_fail("board get", "%s", d.msg);
    } else {
        fwrite(entry, 1, len, stdout);
        putchar('\n');
        free(entry);
    }
    veche_board_close(b);
    return rc;
}

static veche_err list_one(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                          const veche_hash leaf)
{
    veche_entry e;
    char author[16] = "-";
    (void)arg;
    (void)leaf;
    if (veche_entry_decode(&e, bytes, len, NULL) != VECHE_OK) {
        printf("%" PRIu64 "\t(invalid entry)\n", index);
        return VECHE_OK;
    }
    if (e.is_signed)
        sodium_bin2hex(author, sizeof author, e.author, 6);
    printf("%" PRIu64 "\t%s\t%s\t%zu bytes\n", index, e.type, author, len);
    veche_entry_free(&e);
    return VECHE_OK;
}

static int cmd_list(opts *o)
{
    veche_board *b;
    veche_store *s;
    uint64_t to;
    int rc;

    if ((rc = open_board(&b, o, 0, "board list")) != 0)
        return rc;
    to = o->have_to && o->to < veche_board_size(b) ? o->to : veche_board_size(b);
    s = veche_board_store(b);
    if (o->from < to && s->ops->range(s, o->from, to, list_one, NULL) != VECHE_OK)
        rc = cli_fail("board list", "%s", veche_store_errmsg(s));
    veche_board_close(b);
    return rc;
}

static int cmd_checkpoint(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    char *note;
    int rc = open_board(&b, o, 1, "board checkpoint");
    if (rc != 0)
        return rc;
    if (veche_board_checkpoint(b, &note, &d) != VECHE_OK) {
        rc = cli_fail("board checkpoint", "%s", d.msg);
    } else {
        fputs(note, stdout);
        free(note);
    }
    veche_board_close(b);
    return rc;
}

static void print_hashes(const veche_hash *h, size_t n)
{
    char b64[64];
    for (size_t i = 0; i < n; i++) {
        sodium_bin2base64(b64, sizeof b64, h[i], 32, sodium_base64_VARIANT_ORIGINAL);
        printf("%s\n", b64);
    }
}

/* Inclusion (--index) or consistency (--old) proof, as text lines. */
static int cmd_proof(opts *o)
{
    veche_board *b;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF], root;
    char b64[64];
    size_t len;
    uint64_t size;
    veche_err e;
    int rc;

    if (o->have_index == o->have_old)
        return cli_usage("board proof", board_usage, "give --index I or --old M");
    if ((rc = open_board(&b, o, 0, "board proof")) != 0)
        return rc;
    size = o->have_size ? o->size : veche_board_size(b);
    e = o->have_index ? veche_board_inclusion(b, o->index, size, proof, &len)
                      : veche_board_consistency(b, o->old, size, proof, &len);
    if (e == VECHE_OK)
        e = veche_board_root(b, size, root);
    if (e != VECHE_OK) {
        rc = cli_fail("board proof", "no such proof for the record of %" PRIu64 " entries: %s",
                      veche_board_size(b), veche_strerror(e));
    } else {
        sodium_bin2base64(b64, sizeof b64, root, 32, sodium_base64_VARIANT_ORIGINAL);
        if (o->have_index)
            printf("index %" PRIu64 "\n", o->index);
        else
            printf("old %" PRIu64 "\n", o->old);
        printf("size %" PRIu64 "\nroot %s\n", size, b64);
        print_hashes((const veche_hash *)proof, len);
    }
    veche_board_close(b);
    return rc;
}

static int cmd_receipt(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    char *out;
    uint64_t index;
    int rc;

    if (o->nargs != 1 || cli_parse_u64(o->args[0], &index) != 0)
        return cli_usage("board receipt", board_usage, "give one entry INDEX");
    if ((rc = open_board(&b, o, 0, "board receipt")) != 0)
        return rc;
    if (veche_board_receipt(b, index, &out, &d) != VECHE_OK) {
        rc = cli_fail("board receipt", "%s", d.msg);
    } else {
        rc = cli_write_file(o->out ? o->out : "-", out, strlen(out)) == 0 ? 0 : EXIT_FAIL;
        free(out);
    }
    veche_board_close(b);
    return rc;
}

static int cmd_check_receipt(opts *o)
{
    veche_diag d = {{0}};
    char *text;
    size_t len;
    int rc;

    if (o->nargs != 1)
        return cli_usage("board check-receipt", board_usage, "give one RECEIPT file");
    if ((rc = need_vkey(o, "board check-receipt")) != 0)
        return rc;
    if ((text = cli_read_file(o->args[0], &len, VECHE_ENTRY_MAX_BYTES * 2)) == NULL)
        return EXIT_FAIL;
    if (veche_receipt_check(text, len, &o->log_key, o->witnesses, o->nwitnesses,
                            o->have_quorum ? o->quorum : o->nwitnesses, &d) != VECHE_OK) {
        rc = cli_fail("board check-receipt", "%s: %s", o->args[0], d.msg);
    } else {
        printf("receipt OK: the entry is in the record of %s", o->log_key.name);
        if (o->nwitnesses)
            printf(", cosigned by at least %" PRIu64 " of %zu witnesses",
                   o->have_quorum ? o->quorum : (uint64_t)o->nwitnesses, o->nwitnesses);
        printf("\n");
    }
    free(text);
    return rc;
}

/* ---- export, import, verify ------------------------------------------------ */

/* ---- export: the publication bodies beside the record ---------------------------------- */

/* 1 iff name is a body's file name (64 lower-case hex digits); hash gets its value. */
static int body_file_name(const char *name, uint8_t hash[32])
{
    size_t got = 0;
    return strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64 &&
           sodium_hex2bin(hash, 32, name, 64, NULL, &got, NULL) == 0 && got == 32;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The bodies directory to export from, in out: --bodies (which must be a
 * directory), else DB.bodies when it exists. 1 found, 0 none, else the exit
 * status of the error.
 */
static int source_bodies(const opts *o, char *out, size_t cap)
{
    int n;
    if (o->bodies != NULL) {
        if (!is_dir(o->bodies))
            return -cli_fail("board export", "--bodies %s: not a directory", o->bodies);
        snprintf(out, cap, "%s", o->bodies);
        return 1;
    }
    if (o->db == NULL)
        return 0;
    n = snprintf(out, cap, "%s.bodies", o->db);
    return n > 0 && (size_t)n < cap && is_dir(out);
}

/*
 * Every body file of src (other files are not bodies: skipped), each read
 * and checked against its name; copied into dst when dst is not NULL.
 * *n counts them. 0, or EXIT_FAIL having said which body and why.
 */
static int walk_bodies(const char *src, const char *dst, size_t *n)
{
    veche_diag d = {{0}};
    struct dirent *de;
    uint8_t hash[32], *body;
    size_t len;
    DIR *dir;
    veche_err e;
    int rc = 0;

    *n = 0;
    if ((dir = opendir(src)) == NULL)
        return cli_fail("board export", "%s: %s", src, strerror(errno));
    while (rc == 0 && (de = readdir(dir)) != NULL) {
        if (!body_file_name(de->d_name, hash))
            continue;
        e = veche_council_body_read(&body, &len, src, hash, &d);
        if (e == VECHE_EVERIFY)
            rc = cli_fail("board export", "%s/%s: a corrupt body (its SHA-256 is not its name, "
                          "or it is over %d bytes); refusing to export: restore it from a "
                          "backup (the record holds its hash)", src, de->d_name,
                          VECHE_COUNCIL_BODY_MAX);
        else if (e != VECHE_OK)
            rc = cli_fail("board export", "%s/%s: %s", src, de->d_name, d.msg);
        else if (dst != NULL && veche_council_body_write(dst, body, len, &d) != VECHE_OK)
            rc = cli_fail("board export", "%s/%s: %s", src, de->d_name, d.msg);
        if (e == VECHE_OK)
            free(body);
        *n += rc == 0;
    }
    closedir(dir);
    return rc;
}

/* dir/name in out; -1 if it does not fit. */
static int join_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/*
 * Bodies in dst that src no longer holds (deleted under a tombstone since
 * an earlier export into the same DIR) are removed: the export is the
 * database's copy, and a tombstoned body must be able to disappear.
 */
static void drop_stale_bodies(const char *src, const char *dst)
{
    char path[4200];
    struct dirent *de;
    uint8_t hash[32];
    DIR *dir = opendir(dst);

    while (dir != NULL && (de = readdir(dir)) != NULL) {
        if (!body_file_name(de->d_name, hash))
            continue;
        if (join_path(path, sizeof path, src, de->d_name) != 0 || access(path, F_OK) == 0 ||
            join_path(path, sizeof path, dst, de->d_name) != 0)
            continue;
        if (unlink(path) == 0)
            printf("removed %s (no longer kept beside the database)\n", path);
    }
    if (dir != NULL)
        closedir(dir);
}

/* Copies the bodies of src into dir/bodies (made if absent). */
static int export_bodies(const char *src, const char *dir)
{
    char dst[4200];
    size_t n;
    int rc;

    if (join_path(dst, sizeof dst, dir, "bodies") != 0)
        return cli_fail("board export", "%s: the path is too long", dir);
    if (mkdir(dst, 0755) != 0 && errno != EEXIST)
        return cli_fail("board export", "%s: %s", dst, strerror(errno));
    if ((rc = walk_bodies(src, dst, &n)) != 0)
        return rc;
    drop_stale_bodies(src, dst);
    printf("exported %zu publication bod%s from %s to %s\n", n, n == 1 ? "y" : "ies", src, dst);
    return 0;
}

static int cmd_export(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    char bodies[4200];
    size_t n;
    int rc, have_bodies;

    if (o->nargs != 1)
        return cli_usage("board export", board_usage, "give the export DIR");
    if ((have_bodies = source_bodies(o, bodies, sizeof bodies)) < 0)
        return -have_bodies;
    /* every body checked before anything is written: a corrupt one stops the export */
    if (have_bodies && (rc = walk_bodies(bodies, NULL, &n)) != 0)
        return rc;
    if ((rc = open_board(&b, o, 0, "board export")) != 0)
        return rc;
    if (veche_board_export(b, o->args[0], &d) != VECHE_OK)
        rc = cli_fail("board export", "%s", d.msg);
    else
        printf("exported %" PRIu64 " entries to %s\n", veche_board_size(b), o->args[0]);
    veche_board_close(b);
    if (rc == 0 && have_bodies)
        rc = export_bodies(bodies, o->args[0]);
    return rc;
}

static int cmd_import(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;

    if (o->nargs != 1 || o->db == NULL)
        return cli_usage("board import", board_usage, "give --db PATH and the export DIR");
    if (veche_board_import(&b, o->db, o->args[0], &d) != VECHE_OK)
        return cli_fail("board import", "%s", d.msg);
    printf("imported %" PRIu64 " entries into %s\n", veche_board_size(b), o->db);
    veche_board_close(b);
    return 0;
}

static void print_check(void *arg, int number, const char *name, int pass, const char *detail)
{
    (void)arg;
    printf("%d. %-13s %s  %s\n", number, name, pass ? "PASS" : "FAIL", detail);
}

static int cmd_verify(opts *o)
{
    int rc;
    veche_err e;

    if (o->nargs != 1)
        return cli_usage("board verify", board_usage, "give the export DIR");
    if (o->key != NULL && (rc = need_vkey(o, "board verify")) != 0)
        return rc;
    e = veche_export_verify(o->args[0], o->have_log_key ? &o->log_key : NULL, o->witnesses,
                            o->nwitnesses, o->have_quorum ? o->quorum : o->nwitnesses,
                            print_check, NULL);
    if (e != VECHE_OK)
        return cli_fail("board verify", "%s does not verify", o->args[0]);
    printf("the record in %s verifies\n", o->args[0]);
    return 0;
}

/* ---- consistency, witnesses --------------------------------------------- */

/* A signed checkpoint file, checked against the board key. */
static int load_checkpoint(const char *path, const veche_note_key *key, veche_checkpoint *cp,
                           char **text)
{
    veche_note note;
    size_t len;
    int ok = 0;

    if ((*text = cli_read_file(path, &len, VECHE_NOTE_MAX_BYTES)) == NULL)
        return -1;
    if (veche_note_parse(&note, *text, len) != VECHE_OK) {
        fprintf(stderr, "veche: %s: not a signed note\n", path);
        return -1;
    }
    if (veche_checkpoint_parse(cp, note.text, note.text_len) != VECHE_OK ||
        veche_note_verify(&note, key, 1, &ok) != VECHE_OK || !ok ||
        strcmp(cp->origin, key->name) != 0) {
        fprintf(stderr, "veche: %s: not a checkpoint signed by %s\n", path, key->name);
        veche_note_free(&note);
        return -1;
    }
    veche_note_free(&note);
    return 0;
}

/* Proof hashes from a `veche board proof --old` output (or bare base64 lines). */
static int read_proof_file(const char *path, veche_hash *proof, size_t *len)
{
    size_t n;
    char *buf = cli_read_file(path, &n, 65536), *line, *save = NULL;
    *len = 0;
    if (buf == NULL)
        return -1;
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t got = 0;
        if (strncmp(line, "old ", 4) == 0 || strncmp(line, "size ", 5) == 0 ||
            strncmp(line, "root ", 5) == 0 || strncmp(line, "index ", 6) == 0)
            continue;
        if (*len == VECHE_MERKLE_MAX_PROOF ||
            sodium_base642bin(proof[*len], 32, line, strlen(line), NULL, &got, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32) {
            fprintf(stderr, "veche: %s: not a proof hash: %.60s\n", path, line);
            free(buf);
            return -1;
        }
        (*len)++;
    }
    free(buf);
    return 0;
}

static int cmd_verify_consistency(opts *o)
{
    veche_checkpoint a, c;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t len = 0;
    char *ta = NULL, *tc = NULL;
    veche_board *b = NULL;
    int rc;

    if (o->nargs != 2 || (o->db == NULL) == (o->proof_file == NULL))
        return cli_usage("board verify-consistency", board_usage,
                         "give OLD and NEW checkpoint files and --db or --proof");
    if ((rc = need_vkey(o, "board verify-consistency")) != 0)
        return rc;
    rc = EXIT_FAIL;
    if (load_checkpoint(o->args[0], &o->log_key, &a, &ta) != 0 ||
        load_checkpoint(o->args[1], &o->log_key, &c, &tc) != 0)
        goto done;
    if (a.size > c.size) {
        rc = cli_fail("board verify-consistency", "OLD (size %" PRIu64 ") is newer than NEW (size %"
                      PRIu64 ")", a.size, c.size);
        goto done;
    }
    if (o->db != NULL) {
        if (open_board(&b, o, 0, "board verify-consistency") != 0 ||
            veche_board_consistency(b, a.size, c.size, proof, &len) != VECHE_OK) {
            rc = cli_fail("board verify-consistency", "the store cannot prove sizes %" PRIu64
                          " -> %" PRIu64, a.size, c.size);
            goto done;
        }
    } else if (read_proof_file(o->proof_file, proof, &len) != 0) {
        goto done;
    }
    if (veche_merkle_verify_consistency(a.size, c.size, a.root, c.root,
                                        (const veche_hash *)proof, len) == VECHE_OK) {
        printf("consistent: the record of size %" PRIu64 " extends the record of size %" PRIu64
               "\n", c.size, a.size);
        rc = 0;
    } else {
        printf("EVIDENCE OF MISBEHAVIOUR: two checkpoints validly signed by %s that no single "
               "append-only record can have produced (or a wrong proof).\n--- %s\n%s--- %s\n%s",
               o->log_key.name, o->args[0], ta, o->args[1], tc);
        rc = EXIT_FAIL;
    }
done:
    veche_board_close(b);
    free(ta);
    free(tc);
    return rc;
}

static int cmd_witness_request(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    veche_checkpoint cp;
    veche_note note;
    char *cpnote = NULL, *req = NULL;
    size_t len;
    int rc;

    if (!o->have_old)
        return cli_usage("board witness-request", board_usage,
                         "--old N (the size the witness last cosigned; 0 at first) is required");
    if ((rc = open_board(&b, o, 0, "board witness-request")) != 0)
        return rc;
    rc = EXIT_FAIL;
    if (veche_board_latest_checkpoint(b, &cpnote, &d) != VECHE_OK) {
        rc = cli_fail("board witness-request", "%s", d.msg);
    } else if (veche_note_parse(&note, cpnote, strlen(cpnote)) == VECHE_OK) {
        veche_err e = veche_checkpoint_parse(&cp, note.text, note.text_len);
        veche_note_free(&note);
        if (e == VECHE_OK && veche_board_consistency(b, o->old, cp.size, proof, &len) == VECHE_OK &&
            veche_witness_request_format(&req, o->old, (const veche_hash *)proof, len, cpnote) == VECHE_OK) {
            fputs(req, stdout);
            rc = 0;
        } else {
            rc = cli_fail("board witness-request", "no consistency proof from %" PRIu64, o->old);
        }
    }
    free(req);
    free(cpnote);
    veche_board_close(b);
    return rc;
}

static int cmd_add_cosignatures(opts *o)
{
    veche_diag d = {{0}};
    veche_board *b;
    char *note;
    size_t len;
    int rc;

    if (o->nargs != 1 || o->nwitnesses == 0)
        return cli_usage("board add-cosignatures", board_usage,
                         "give the cosigned NOTE and the --witness keys to accept");
    if ((note = cli_read_file(o->args[0], &len, VECHE_NOTE_MAX_BYTES)) == NULL)
        return EXIT_FAIL;
    if ((rc = open_board(&b, o, 0, "board add-cosignatures")) == 0) {
        if (veche_board_add_cosignatures(b, note, o->witnesses, o->nwitnesses, &d) != VECHE_OK)
            rc = cli_fail("board add-cosignatures", "%s", d.msg);
        else
            printf("cosignatures stored\n");
        veche_board_close(b);
    }
    free(note);
    return rc;
}

/* ---- dispatch -------------------------------------------------------------- */

static const struct {
    const char *name;
    int (*run)(opts *o);
} subcommands[] = {
    {"init", cmd_init}, {"append", cmd_append}, {"get", cmd_get}, {"list", cmd_list},
    {"checkpoint", cmd_checkpoint}, {"proof", cmd_proof}, {"receipt", cmd_receipt},
    {"check-receipt", cmd_check_receipt}, {"export", cmd_export}, {"import", cmd_import},
    {"verify", cmd_verify}, {"verify-consistency", cmd_verify_consistency},
    {"witness-request", cmd_witness_request}, {"add-cosignatures", cmd_add_cosignatures},
    {"vkey", cmd_vkey},
};

int veche_cmd_board(int argc, char **argv)
{
    opts o;
    int r;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(board_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
        if (strcmp(argv[1], subcommands[i].name) != 0)
            continue;
        r = parse_opts(&o, argc - 1, argv + 1);
        if (r == 1) {
            fputs(board_usage, stdout);
            return 0;
        }
        if (r != 0)
            return EXIT_USAGE;
        return subcommands[i].run(&o);
    }
    return cli_usage("board", board_usage, "unknown command '%s'", argv[1]);
}
