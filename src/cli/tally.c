/*
 * tally.c — `veche election tally` and `veche election result`: the
 * administrator's last two steps, from the command line (src/cli/election.c
 * hands these two subcommands over).
 *
 *   tally   after the close: check the record (verify.h checks 2–8), verify
 *           every ballot on every core, count the last valid ballot of each
 *           listed credential, and append election.tally — the weighted
 *           homomorphic sum per explicit selection (tally.h);
 *   result  once at least t trustees have published valid decryptions of
 *           that tally: combine them, find every count (discrete log within
 *           W), and append election.result.
 *
 * Thin, as every subcommand: election/admin.h (which `veche serve` shares)
 * checks the step and builds the entry; every refusal comes before anything
 * is appended, with one line on stderr saying what and where.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "election/admin.h"
#include "election/tally.h"

static const char tally_usage[] =
    "usage: veche election tally  ID --db PATH --key ADMIN_KEYFILE [--threads N]\n"
    "       veche election result ID --db PATH --key ADMIN_KEYFILE\n"
    "  tally   after election.close: check the record, verify every ballot, count the\n"
    "          last valid ballot of each credential (weighted) and publish\n"
    "          election.tally, the encrypted sums the trustees will decrypt\n"
    "  result  once at least t trustees have decrypted the tally (veche trustee\n"
    "          decrypt): combine their shares and publish election.result\n"
    "  --threads N  threads verifying ballots (default: every core)\n";

typedef struct opts {
    const char *id, *db, *key;
    unsigned    threads;
} opts;

enum { O_DB = 256, O_KEY, O_THREADS, O_HELP };

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"key", 1, 0, O_KEY}, {"threads", 1, 0, O_THREADS},
    {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
};

/* 0 to go on, -1 after --help, else a usage error's exit status. */
static int parse(opts *o, const char *cmd, int argc, char **argv)
{
    uint64_t n;
    int c;

    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_DB: o->db = optarg; break;
        case O_KEY: o->key = optarg; break;
        case O_THREADS:
            if (cli_parse_u64(optarg, &n) != 0 || n < 1 || n > 256)
                return cli_usage(cmd, tally_usage, "--threads: not a number 1..256: %s", optarg);
            o->threads = (unsigned)n;
            break;
        case O_HELP: fputs(tally_usage, stdout); return -1;
        default: return cli_usage(cmd, tally_usage, "unknown option");
        }
    }
    if (argc - optind != 1 || o->db == NULL || o->key == NULL)
        return cli_usage(cmd, tally_usage, "give ID, --db and --key");
    o->id = argv[optind];
    return 0;
}

/* ---- shared ---------------------------------------------------------------------------- */

typedef struct session {
    veche_board *b;
    veche_key    admin;
    veche_votes *v;
} session;

static void session_end(session *s)
{
    veche_votes_free(s->v);
    veche_board_close(s->b);
    veche_key_wipe(&s->admin);
}

/* Opens the board and loads the election (admin.h checks the key is the administrator's). */
static int session_begin(session *s, const opts *o, const char *cmd)
{
    veche_record_src src = {NULL, NULL};
    veche_diag d = {{0}};

    memset(s, 0, sizeof *s);
    if (veche_key_read(&s->admin, o->key, &d) != VECHE_OK ||
        veche_board_open(&s->b, o->db, NULL, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    src.board = s->b;
    if (veche_votes_load(&s->v, &src, o->id, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    return 0;
}

/* A step refused by election/admin.h: one line; nothing is appended. */
static int refused(const veche_admin_err *e, const char *cmd)
{
    return cli_fail(cmd, "%s%s", e->msg,
                    e->kind == VECHE_ADMIN_FAILED || strcmp(e->code, "conflict") == 0 ?
                        "; nothing was appended" : "");
}

static int append(session *s, char *entry, size_t len, uint64_t *at, const char *cmd)
{
    veche_diag d = {{0}};
    const uint8_t *one = (const uint8_t *)entry;
    if (veche_board_append(s->b, &one, &len, 1, at, &d) != VECHE_OK)
        return cli_fail(cmd, "%s; nothing was appended", d.msg);
    return 0;
}

/* ---- tally -------------------------------------------------------------------------------- */

static void print_count(const veche_count *c, const char *id, uint64_t at)
{
    uint64_t skipped = c->n[VECHE_FATE_EARLY] + c->n[VECHE_FATE_LATE] +
                       c->n[VECHE_FATE_UNLISTED] + c->n[VECHE_FATE_INVALID];
    printf("election %s tallied: entry %" PRIu64 "\n", id, at);
    printf("ballots: %zu on the record; %" PRIu64 " counted (total weight %" PRIu64 "), %" PRIu64
           " superseded, %" PRIu64 " skipped\n", c->nballots, c->n[VECHE_FATE_COUNTED], c->weight,
           c->n[VECHE_FATE_SUPERSEDED], skipped);
    for (size_t k = 0; k < c->nskipped; k++)
        printf("  skipped: entry %" PRIu64 ": %s\n", c->skipped[k].index, c->skipped[k].why);
    if (skipped > c->nskipped)
        printf("  ... and %" PRIu64 " more\n", skipped - c->nskipped);
}

static int cmd_tally(const opts *o)
{
    const char *cmd = "election tally";
    session s;
    veche_count *c = NULL;
    veche_admin_err e;
    char *entry = NULL;
    size_t len;
    uint64_t at;
    int rc;

    if ((rc = session_begin(&s, o, cmd)) != 0)
        goto done;
    if (veche_admin_tally(&entry, &len, &c, s.v, &s.admin, o->key, o->threads, &e) !=
        VECHE_ADMIN_OK) {
        rc = refused(&e, cmd);
        goto done;
    }
    if ((rc = append(&s, entry, len, &at, cmd)) == 0)
        print_count(c, s.v->el->id, at);
done:
    free(entry);
    veche_count_free(c);
    session_end(&s);
    return rc;
}

/* ---- result -------------------------------------------------------------------------------- */

static void print_result(const veche_election *el, const veche_result *r, uint64_t at)
{
    const veche_manifest *m = &el->manifest;
    printf("election %s result: entry %" PRIu64 "; decrypted by trustees", el->id, at);
    for (size_t k = 0; k < r->ntrustees; k++)
        printf("%s %u", k ? "," : "", r->trustees[k]);
    printf("; total weight %" PRIu64 "\n", r->weight);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        printf("%s: %s\n", ct->id, ct->question);
        for (size_t s = 0; s < ct->nsel; s++)
            printf("  %-30s %10" PRIu64 "\n", s < ct->noptions ? ct->options[s] : "blank",
                   r->counts[c][s]);
    }
}

static int cmd_result(const opts *o)
{
    const char *cmd = "election result";
    session s;
    veche_result r;
    veche_admin_err e;
    char *entry = NULL;
    size_t len;
    uint64_t at;
    int rc;

    if ((rc = session_begin(&s, o, cmd)) != 0)
        goto done;
    if (veche_admin_result(&entry, &len, &r, s.v->el, &s.admin, o->key, &e) != VECHE_ADMIN_OK) {
        rc = refused(&e, cmd);
        goto done;
    }
    if ((rc = append(&s, entry, len, &at, cmd)) == 0)
        print_result(s.v->el, &r, at);
done:
    free(entry);
    session_end(&s);
    return rc;
}

/* `veche election tally|result ...`: argv[0] is "tally" or "result". */
int veche_cmd_election_count(int argc, char **argv)
{
    const char *cmd = strcmp(argv[0], "tally") == 0 ? "election tally" : "election result";
    opts o;
    int rc;

    if ((rc = parse(&o, cmd, argc, argv)) != 0)
        return rc < 0 ? 0 : rc;
    return strcmp(argv[0], "tally") == 0 ? cmd_tally(&o) : cmd_result(&o);
}
