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
 * Thin, as every subcommand: every refusal comes before anything is
 * appended, with one line on stderr saying what and where.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "election/tally.h"
#include "election/verify.h"

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

/* Opens the board, loads the election, checks the key is the administrator's. */
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
    if (memcmp(s->admin.pk, s->v->el->admin, 32) != 0)
        return cli_fail(cmd, "%s is not the administrator's key (the author of the manifest, "
                        "entry %" PRIu64 ")", o->key, s->v->el->manifest_entry.index);
    return 0;
}

static int append(session *s, const char *type, json_t *body, uint64_t *at, const char *cmd)
{
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len;
    const uint8_t *one;
    int rc = 0;

    if (veche_entry_build(&entry, &len, type, body, s->admin.sk, &d) != VECHE_OK)
        return cli_fail(cmd, "%s; nothing was appended", d.msg);
    one = (const uint8_t *)entry;
    if (veche_board_append(s->b, &one, &len, 1, at, &d) != VECHE_OK)
        rc = cli_fail(cmd, "%s; nothing was appended", d.msg);
    free(entry);
    return rc;
}

/* ---- tally -------------------------------------------------------------------------------- */

typedef struct first_failure {
    int  number;
    char line[1200];
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
static int record_sound(const session *s, const char *cmd)
{
    veche_verify_opts vo = {0};
    veche_verify_report rep;
    first_failure f = {0, ""};

    vo.last = 8;
    if (veche_verify_votes(s->v, &vo, note_failure, &f, &rep) != VECHE_OK)
        return cli_fail(cmd, "the record does not verify: %s; nothing was appended",
                        f.number ? f.line : "out of memory");
    return 0;
}

static int tally_ready(const veche_election *el, const char *cmd)
{
    const veche_election_entry *t = veche_admin_first(el, &el->tallies);
    if (el->close_index == VECHE_ELECTION_NO_INDEX)
        return cli_fail(cmd, "election \"%s\" is not closed: run `veche election close` first",
                        el->id);
    if (t != NULL)
        return cli_fail(cmd, "election \"%s\" is already tallied (entry %" PRIu64 ")", el->id,
                        t->index);
    return 0;
}

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
    json_t *body = NULL;
    veche_diag d = {{0}};
    uint64_t at;
    int rc;

    if ((rc = session_begin(&s, o, cmd)) != 0 || (rc = tally_ready(s.v->el, cmd)) != 0 ||
        (rc = record_sound(&s, cmd)) != 0)
        goto done;
    if (veche_count_ballots(&c, s.v, o->threads, &d) != VECHE_OK ||
        veche_tally_body(&body, s.v->el, c, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "%s; nothing was appended", d.msg);
        goto done;
    }
    if ((rc = append(&s, VECHE_ETYPE_TALLY, body, &at, cmd)) == 0)
        print_count(c, s.v->el->id, at);
done:
    json_decref(body);
    veche_count_free(c);
    session_end(&s);
    return rc;
}

/* ---- result -------------------------------------------------------------------------------- */

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
static int gather(decrypting *x, const veche_election *el, const char *cmd)
{
    const veche_election_entry *t = veche_admin_first(el, &el->tallies);
    veche_diag d = {{0}};
    size_t ignored;
    uint64_t bad;

    memset(x, 0, sizeof *x);
    if (t == NULL)
        return cli_fail(cmd, "election \"%s\" has no tally yet: run `veche election tally`",
                        el->id);
    if ((t = veche_admin_first(el, &el->results)) != NULL)
        return cli_fail(cmd, "election \"%s\" already has a result (entry %" PRIu64 ")", el->id,
                        t->index);
    t = veche_admin_first(el, &el->tallies);
    x->W = (uint64_t)json_integer_value(json_object_get(t->body, "weight"));
    if ((x->tally = malloc(sizeof *x->tally)) == NULL)
        return cli_fail(cmd, "out of memory");
    if (veche_ceremony_evaluate_election(&x->cer, el, &d) != VECHE_OK ||
        veche_ceremony_tally_parse(x->tally, t->body, &el->manifest, &d) != VECHE_OK ||
        veche_decryption_init(&x->dec, x->cer, x->tally, el->fingerprint, &d) != VECHE_OK)
        return cli_fail(cmd, "the tally (entry %" PRIu64 "): %s", t->index, d.msg);
    x->dec_ready = 1;
    if (veche_decryptions_judge(&x->dec, el, &ignored, &bad, &d) != VECHE_OK)
        return cli_fail(cmd, "a trustee's decryption is invalid: %s; the record cannot verify "
                        "(check 12); nothing was appended", d.msg);
    return 0;
}

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
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    session s;
    decrypting x;
    veche_result r;
    json_t *body = NULL;
    veche_diag d = {{0}};
    size_t n;
    uint64_t at;
    int rc;

    memset(&x, 0, sizeof x);
    if ((rc = session_begin(&s, o, cmd)) != 0 || (rc = gather(&x, s.v->el, cmd)) != 0)
        goto done;
    if ((n = veche_decryption_set(&x.dec, set)) < x.cer->params.t) {
        rc = cli_fail(cmd, "%zu valid decryption(s) on the record, %u needed: wait for the "
                      "trustees (veche trustee decrypt)", n, x.cer->params.t);
        goto done;
    }
    if (veche_result_compute(&r, &x.dec, set, n, x.W, &d) != VECHE_OK ||
        veche_result_body(&body, s.v->el, &r, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "%s; nothing was appended", d.msg);
        goto done;
    }
    if ((rc = append(&s, VECHE_ETYPE_RESULT, body, &at, cmd)) == 0)
        print_result(s.v->el, &r, at);
done:
    json_decref(body);
    decrypting_end(&x);
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
