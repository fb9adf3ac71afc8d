/*
 * verify.c — `veche verify RECORD`: the independent check of an election
 * record, from an export directory alone (`veche board export`).
 *
 * Thin: parse the options, call veche_verify (election/verify.h) and print
 * each numbered check as it is reported, one line each:
 *
 *    N. name                   PASS|FAIL|SKIP  detail
 *
 * then one summary line per election. The first failure names the entry
 * (board index) and ends that election's checks. Exit status: 0 when no
 * check failed (an election still running passes with SKIPs and says it
 * has no verified result yet), 1 when one did, 2 for a usage error.
 *
 * `veche verify RECORD --council ID [--bodies DIR]` checks a council instead
 * (council/council.h): check 1 of the record, then the council's ten
 * numbered checks, each linked election's checks summed up on one line under
 * check 4. Without --election or --council, every council of the record is
 * checked after the elections. Publication bodies are read from --bodies, or
 * from RECORD/bodies when it exists (else check 9 is skipped).
 *
 * `veche verify --server URL` checks a running `veche serve`: its board is
 * mirrored locally (remote.h: the board key trusted on first use or given
 * with --key, the signed checkpoint, consistency with the last one seen),
 * exported to a temporary directory and checked from there exactly as
 * above, against the mirror's board key. The publication bodies the
 * councils' checks need (check 9) are not on the record: each one not
 * tombstoned is fetched by the hash its verified entry holds
 * (GET /api/v1/bodies/{hex}), kept beside the mirror (CACHE.bodies/) only
 * if it matches, and one the server does not give stays missing, for
 * check 9 to report.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/export.h"
#include "cli/commands.h"
#include "cli/remote.h"
#include "cli/util.h"
#include "council/council.h"
#include "election/verify.h"

#define MAX_WITNESSES 16

static const char verify_usage[] =
    "usage: veche verify RECORD [--election ID] [--key VKEY] [--witness VKEY]... [--quorum K]\n"
    "                    [--threads N]\n"
    "       veche verify RECORD --council ID [--bodies DIR] [--key VKEY] [--threads N] ...\n"
    "       veche verify --server URL [--cache PATH] [same options]\n"
    "\n"
    "Checks an election record end to end from an export directory (veche board\n"
    "export): the board (check 1), then for each election — or only ID — the\n"
    "manifest, the trustees' key ceremony, the credentials, the fingerprint, every\n"
    "ballot, which ballots count, the tally, every decryption share and the result\n"
    "(checks 2-13). Prints each check with PASS, FAIL or SKIP (a step the election\n"
    "has not reached yet) and stops an election at its first failure, naming the\n"
    "entry.\n"
    "  --key VKEY      the board's verifier key you expect (else the export's own)\n"
    "  --witness VKEY  a witness whose cosignature counts; --quorum K of them needed\n"
    "  --threads N     threads verifying ballots (default: every core)\n"
    "  --council ID    check council ID instead of the elections: check 1 of the record,\n"
    "                  then the council's 10 checks (create, roll, credentials, elections\n"
    "                  — each linked election's checks 2-13 —, mandates, petitions,\n"
    "                  recalls, publications, bodies, delegations). Without --election\n"
    "                  or --council, every council is checked after the elections\n"
    "  --bodies DIR    the publications' bodies (files named by the hex SHA-256 of each);\n"
    "                  default RECORD/bodies if it exists, else check 9 is skipped\n"
    "  --server URL    check the record of a running `veche serve`: it is mirrored in\n"
    "                  --cache PATH (default: a file under ~/.cache/veche), checked\n"
    "                  against the server's signed checkpoint and the last one seen\n"
    "                  (the board key is trusted the first time, unless --key gives it);\n"
    "                  the councils' publication bodies are fetched into PATH.bodies\n"
    "                  (each checked against its hash on the record), unless --bodies\n"
    "                  names a directory that holds them\n"
    "A VKEY is name+hexid+base64, or @FILE holding one.\n"
    "Exit status: 0 no check failed; 1 a check failed; 2 usage.\n";

typedef struct opts {
    const char        *record, *election, *server, *cache, *council, *bodies;
    char               fetched[4200];   /* --server: CACHE.bodies, the bodies fetched */
    veche_note_key     key, witnesses[MAX_WITNESSES];
    int                have_key;
    veche_verify_opts  v;
} opts;

enum { O_ELECTION = 256, O_KEY, O_WITNESS, O_QUORUM, O_THREADS, O_SERVER, O_CACHE, O_COUNCIL,
       O_BODIES, O_HELP };

static const struct option longopts[] = {
    {"election", 1, 0, O_ELECTION}, {"key", 1, 0, O_KEY}, {"witness", 1, 0, O_WITNESS},
    {"quorum", 1, 0, O_QUORUM}, {"threads", 1, 0, O_THREADS}, {"server", 1, 0, O_SERVER},
    {"cache", 1, 0, O_CACHE}, {"council", 1, 0, O_COUNCIL}, {"bodies", 1, 0, O_BODIES},
    {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
};

static int one_opt(opts *o, int c, const char *arg)
{
    uint64_t n;
    switch (c) {
    case O_ELECTION: o->election = arg; return 0;
    case O_SERVER: o->server = arg; return 0;
    case O_CACHE: o->cache = arg; return 0;
    case O_COUNCIL: o->council = arg; return 0;
    case O_BODIES: o->bodies = arg; return 0;
    case O_KEY:
        o->have_key = cli_parse_vkey(&o->key, arg) == 0;
        return o->have_key ? 0 : cli_usage("verify", verify_usage, "--key: not a VKEY: %s", arg);
    case O_WITNESS:
        if (o->v.nwitnesses == MAX_WITNESSES)
            return cli_usage("verify", verify_usage, "at most %d witnesses", MAX_WITNESSES);
        if (cli_parse_vkey(&o->witnesses[o->v.nwitnesses], arg) != 0)
            return cli_usage("verify", verify_usage, "--witness: not a VKEY: %s", arg);
        o->v.nwitnesses++;
        return 0;
    case O_QUORUM:
        if (cli_parse_u64(arg, &n) != 0 || n > MAX_WITNESSES)
            return cli_usage("verify", verify_usage, "--quorum: not a number 0..%d: %s",
                             MAX_WITNESSES, arg);
        o->v.quorum = (size_t)n;
        return 0;
    case O_THREADS:
        if (cli_parse_u64(arg, &n) != 0 || n < 1 || n > 256)
            return cli_usage("verify", verify_usage, "--threads: not a number 1..256: %s", arg);
        o->v.threads = (unsigned)n;
        return 0;
    default:
        return EXIT_USAGE;
    }
}

/* 0 to go on, -1 after --help, else the exit status of a usage error. */
static int parse(opts *o, int argc, char **argv)
{
    int c, rc;
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == O_HELP) {
            fputs(verify_usage, stdout);
            return -1;
        }
        if (c == '?')
            return cli_usage("verify", verify_usage, "unknown option");
        if ((rc = one_opt(o, c, optarg)) != 0)
            return rc;
    }
    if (argc - optind != (o->server == NULL ? 1 : 0))
        return cli_usage("verify", verify_usage, "give one RECORD directory, or --server URL");
    if (o->cache != NULL && o->server == NULL)
        return cli_usage("verify", verify_usage, "--cache goes with --server");
    if (o->council != NULL && o->election != NULL)
        return cli_usage("verify", verify_usage, "give --election or --council, not both");
    if (o->bodies != NULL && o->election != NULL)
        return cli_usage("verify", verify_usage, "--bodies goes with councils");
    if (o->v.quorum > o->v.nwitnesses)
        return cli_usage("verify", verify_usage, "--quorum %zu, but %zu witness(es) given",
                         o->v.quorum, o->v.nwitnesses);
    o->record = o->server == NULL ? argv[optind] : NULL;
    o->v.board_key = o->have_key ? &o->key : NULL;
    o->v.witnesses = o->witnesses;
    return 0;
}

/* ---- printing ---------------------------------------------------------------------- */

typedef struct printer {
    char current[VECHE_ELECTION_ID_MAX + 1];
    int  started, failed_at, skipped;
    char failed_name[32];
} printer;

static void summary(const printer *p)
{
    if (!p->started)
        return;
    if (p->failed_at)
        printf("election %s: FAILED at check %d (%s)\n", p->current, p->failed_at,
               p->failed_name);
    else if (p->skipped)
        printf("election %s: valid so far; no verified result yet (the skipped steps are "
               "not on the record)\n", p->current);
    else
        printf("election %s: verified: all %d checks pass\n", p->current, VECHE_VERIFY_CHECKS);
}

static void on_check(void *arg, const char *election, int number, const char *name, int status,
                     const char *detail)
{
    printer *p = arg;
    static const char *const word[] = {"FAIL", "PASS", "SKIP"};

    if (election != NULL && (!p->started || strcmp(p->current, election) != 0)) {
        summary(p);
        snprintf(p->current, sizeof p->current, "%s", election);
        p->started = 1;
        p->failed_at = p->skipped = 0;
        printf("election %s\n", election);
    }
    printf("%3d. %-22s %s  %s\n", number, name, word[status], detail);
    if (status == VECHE_CHECK_FAIL) {
        p->failed_at = number;
        snprintf(p->failed_name, sizeof p->failed_name, "%s", name);
    }
    p->skipped |= status == VECHE_CHECK_SKIP;
    fflush(stdout);
}

/* ---- a server's record ---------------------------------------------------------------- */

/* Removes the temporary export (its three files, then the directory). */
static void remove_export(const char *dir)
{
    static const char *const files[] = {"board.vkey", "checkpoint", "entries.jsonl"};
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* ---- a server's publication bodies --------------------------------------------------- */

/* What fetching the bodies came to; hashes of the tombstoned and the live ones. */
typedef struct body_fetch {
    size_t   fetched, kept, refused;
    uint8_t (*gone)[32], (*live)[32];
    size_t   ngone, nlive;
    int      broken;           /* no answer or a server failure: check 9 cannot be run */
} body_fetch;

static int hash_push(uint8_t (**v)[32], size_t *n, const uint8_t h[32])
{
    uint8_t (*p)[32] = realloc(*v, (*n + 1) * sizeof **v);
    if (p == NULL)
        return -1;
    memcpy(p[*n], h, 32);
    *v = p;
    (*n)++;
    return 0;
}

/* One publication's body, unless the bodies directory already holds it (checked). */
static void fetch_one(const opts *o, const veche_council_publication *p, body_fetch *f)
{
    veche_diag d = {{0}};
    uint8_t *body;
    size_t len;
    long status;
    veche_err e;

    if (veche_council_body_read(&body, &len, o->fetched, p->hash, &d) == VECHE_OK) {
        free(body);
        f->kept++;
        return;
    }
    e = cli_remote_get_body(o->server, p->hash, o->fetched, &status, &d);
    if (e == VECHE_OK) {
        f->fetched++;
    } else if (e == VECHE_EINTERNAL && (status == 0 || status >= 500)) {
        fprintf(stderr, "veche verify: the body of publication %" PRIu64 ": %s\n", p->index,
                d.msg);
        f->broken = 1;
    } else {
        /* kept missing: check 9 says whether the record excuses it */
        fprintf(stderr, "veche verify: publication %" PRIu64 ": the server does not give its "
                "body: %s\n", p->index, d.msg);
        f->refused++;
    }
}

/* Council id's publications: each live body fetched, each tombstoned one noted. */
static void fetch_council(const opts *o, veche_board *b, const char *id, body_fetch *f)
{
    veche_council c;
    veche_diag d = {{0}};

    memset(&c, 0, sizeof c);
    if (veche_council_load(&c, b, id, (int64_t)time(NULL), &d) != VECHE_OK)
        return;    /* the council's checks will say why */
    for (size_t i = 0; i < c.npublications && !f->broken; i++) {
        const veche_council_publication *p = &c.publications[i];
        if (hash_push(p->tombstoned ? &f->gone : &f->live, p->tombstoned ? &f->ngone
                      : &f->nlive, p->hash) != 0) {
            f->broken = 1;
            break;
        }
        if (!p->tombstoned)
            fetch_one(o, p, f);
    }
    veche_council_free(&c);
}

/*
 * A body kept from an earlier run whose every publication is now tombstoned
 * is deleted from the cache: a tombstone is how content leaves the record's
 * copies, and a verifier needs no tombstoned body.
 */
static void drop_tombstoned(const opts *o, const body_fetch *f)
{
    char name[65], path[4300];
    for (size_t i = 0; i < f->ngone; i++) {
        int live = 0;
        for (size_t j = 0; j < f->nlive && !live; j++)
            live = memcmp(f->gone[i], f->live[j], 32) == 0;
        veche_council_body_name(name, f->gone[i]);
        if (!live && snprintf(path, sizeof path, "%s/%s", o->fetched, name) < (int)sizeof path)
            unlink(path);
    }
}

/*
 * The bodies of the councils to check (--council, else every council of
 * the mirror) into CACHE.bodies; o->bodies names it after, unless the
 * server failed to answer (then check 9 is skipped, saying why).
 */
static void fetch_bodies(opts *o, veche_board *b, const char *cache)
{
    veche_record_src src = {b, NULL};
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    veche_diag d = {{0}};
    body_fetch f;
    size_t n = 0;
    int w = snprintf(o->fetched, sizeof o->fetched, "%s.bodies", cache);

    memset(&f, 0, sizeof f);
    if (w < 0 || (size_t)w >= sizeof o->fetched ||
        (mkdir(o->fetched, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, "veche verify: no place for the publication bodies beside %s: "
                "check 9 is skipped\n", cache);
        return;
    }
    if (o->council != NULL)
        fetch_council(o, b, o->council, &f);
    else if (veche_record_councils(&ids, &n, &src, &d) == VECHE_OK)
        for (size_t i = 0; i < n && !f.broken; i++)
            fetch_council(o, b, ids[i], &f);
    free(ids);
    if (!f.broken)
        drop_tombstoned(o, &f);
    free(f.gone);
    free(f.live);
    if (f.broken) {
        fprintf(stderr, "veche verify: the publication bodies could not be fetched (see "
                "above): check 9 is skipped\n");
        return;
    }
    if (f.fetched + f.kept + f.refused > 0)
        printf("publication bodies in %s: %zu fetched (each matching its hash on the "
               "record), %zu already there, %zu not given by the server\n", o->fetched,
               f.fetched, f.kept, f.refused);
    o->bodies = o->fetched;
}

/*
 * Mirrors the server's board and exports it to a new temporary directory
 * (dir, at least 4096 bytes); the board key to verify against goes to o->key.
 */
static int mirror_to_export(opts *o, char *dir)
{
    veche_board *b = NULL;
    veche_diag d = {{0}};
    const char *tmp = getenv("TMPDIR");
    char cache[4096];

    if (o->cache != NULL)
        snprintf(cache, sizeof cache, "%s", o->cache);
    else if (cli_remote_default_cache(cache, sizeof cache, o->server) != 0)
        return cli_fail("verify", "no place for the mirror of the record: give --cache PATH");
    if (cli_remote_mirror(o->server, cache, o->have_key ? &o->key : NULL, &b, &d) != VECHE_OK)
        return cli_fail("verify", "%s", d.msg);
    o->key = *veche_board_key(b);
    o->have_key = 1;
    o->v.board_key = &o->key;
    printf("record %s (mirrored in %s)\n", o->server, cache);
    if (o->bodies == NULL && o->election == NULL)
        fetch_bodies(o, b, cache);
    snprintf(dir, 4096, "%s/veche-verify.XXXXXX", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        veche_board_close(b);
        return cli_fail("verify", "cannot make a temporary directory: %s", strerror(errno));
    }
    if (veche_board_export(b, dir, &d) != VECHE_OK) {
        veche_board_close(b);
        remove_export(dir);
        return cli_fail("verify", "exporting the mirror: %s", d.msg);
    }
    veche_board_close(b);
    return 0;
}

/* ---- councils ------------------------------------------------------------------------ */

/* A council's checks as they are reported, and the linked election being summed up. */
typedef struct council_printer {
    char election[VECHE_ELECTION_ID_MAX + 1];
    int  started, failed_at, skipped;
    char failed_name[32];
} council_printer;

/* One line per linked election, under the council's check 4. */
static void election_line(council_printer *p)
{
    if (!p->started)
        return;
    if (p->failed_at)
        printf("      election %s: FAILED at check %d (%s)\n", p->election, p->failed_at,
               p->failed_name);
    else if (p->skipped)
        printf("      election %s: valid so far; no verified result yet\n", p->election);
    else
        printf("      election %s: verified: checks 2-%d pass\n", p->election,
               VECHE_VERIFY_CHECKS);
    p->started = 0;
}

static void on_council_election(void *arg, const char *election, int number, const char *name,
                                int status, const char *detail)
{
    council_printer *p = arg;
    if (election == NULL)
        election = "";
    if (!p->started || strcmp(p->election, election) != 0) {
        election_line(p);
        snprintf(p->election, sizeof p->election, "%s", election);
        p->started = 1;
        p->failed_at = p->skipped = 0;
    }
    if (status == VECHE_CHECK_FAIL) {
        printf("      election %s: %d. %s FAIL  %s\n", election, number, name, detail);
        if (!p->failed_at) {
            p->failed_at = number;
            snprintf(p->failed_name, sizeof p->failed_name, "%s", name);
        }
    }
    p->skipped |= status == VECHE_CHECK_SKIP;
}

static void on_council_check(void *arg, const char *council, int number, const char *name,
                             int status, const char *detail)
{
    static const char *const word[] = {"FAIL", "PASS", "SKIP"};
    (void)council;
    election_line(arg);
    printf("%3d. %-22s %s  %s\n", number, name, word[status], detail);
    fflush(stdout);
}

/* The bodies directory: --bodies, else RECORD/bodies if it exists, else none (NULL). */
static const char *bodies_dir(const opts *o, char *buf, size_t cap)
{
    struct stat st;
    if (o->bodies != NULL)
        return o->bodies;
    if (o->server != NULL)
        return NULL;    /* a mirror holds the record, not the bodies */
    snprintf(buf, cap, "%s/bodies", o->record);
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? buf : NULL;
}

/*
 * Every entry the council's reader reported or refused, one line each: the
 * checks name only the first of each, and a verifier wants to see them all.
 */
static void list_reported(const char *dir, const char *bodies, const char *id)
{
    enum { SHOWN = 50 };
    veche_council c;
    veche_diag d = {{0}};

    memset(&c, 0, sizeof c);
    if (veche_council_load_export(&c, dir, bodies, id, (int64_t)time(NULL), &d) != VECHE_OK)
        return;   /* the checks have said why */
    if (c.nproblems > 0)
        printf("reported entries (%zu):\n", c.nproblems);
    for (size_t i = 0; i < c.nproblems && i < SHOWN; i++) {
        const veche_council_problem *p = &c.problems[i];
        if (p->index == VECHE_COUNCIL_NO_INDEX)
            printf("    check %d%s: %s\n", p->check, p->fatal ? " (FAIL)" : "", p->msg);
        else
            printf("    entry %" PRIu64 ", check %d%s: %s\n", p->index, p->check,
                   p->fatal ? " (FAIL)" : "", p->msg);
    }
    if (c.nproblems > SHOWN)
        printf("    ... and %zu more\n", c.nproblems - SHOWN);
    veche_council_free(&c);
}

/*
 * The ten checks of council id on the export dir; with forward, each linked
 * election's checks are summed up under check 4. 0, or EXIT_FAIL.
 */
static int verify_council(const opts *o, const char *dir, const char *id, int forward)
{
    veche_record_src src = {NULL, dir};
    veche_council_verify_opts co;
    veche_council_verify_report rep;
    council_printer p;
    char buf[4200];
    veche_err e;

    memset(&co, 0, sizeof co);
    memset(&p, 0, sizeof p);
    co.bodies_dir = bodies_dir(o, buf, sizeof buf);
    co.now = (int64_t)time(NULL);
    co.threads = o->v.threads;
    co.election_cb = forward ? on_council_election : NULL;
    co.election_arg = &p;
    printf("council %s%s%s\n", id, co.bodies_dir ? ", bodies in " : " (no bodies directory: "
           "check 9 is skipped)", co.bodies_dir ? co.bodies_dir : "");
    e = veche_council_verify(&src, id, &co, on_council_check, &p, &rep);
    election_line(&p);
    if (e != VECHE_OK && e != VECHE_EVERIFY && e != VECHE_ENOTFOUND)
        return cli_fail("verify", "council %s: %s", id, veche_strerror(e));
    if (e != VECHE_ENOTFOUND)
        list_reported(dir, co.bodies_dir, id);
    if (rep.check)
        printf("council %s: FAILED at check %d (%s)\n", id, rep.check,
               veche_council_check_name(rep.check));
    else
        printf("council %s: verified: all %d checks pass (%zu linked election%s; %zu entr%s "
               "reported and not counted)\n", id, VECHE_COUNCIL_CHECKS, rep.elections,
               rep.elections == 1 ? "" : "s", rep.reported, rep.reported == 1 ? "y" : "ies");
    return rep.check ? EXIT_FAIL : 0;
}

/* Check 1 of the record alone (the board's own checks), for --council. */
typedef struct board_verdict {
    int  failed, number;
    char name[32], detail[256];
} board_verdict;

static void on_board_check(void *arg, int number, const char *name, int pass, const char *detail)
{
    board_verdict *v = arg;
    if (!pass && !v->failed) {
        v->failed = 1;
        v->number = number;
        snprintf(v->name, sizeof v->name, "%s", name);
        snprintf(v->detail, sizeof v->detail, "%s", detail);
    }
}

static int verify_record_only(const opts *o, const char *dir)
{
    board_verdict v;
    memset(&v, 0, sizeof v);
    if (veche_export_verify(dir, o->v.board_key, o->v.witnesses, o->v.nwitnesses, o->v.quorum,
                            on_board_check, &v) != VECHE_OK && !v.failed) {
        v.failed = 1;
        snprintf(v.detail, sizeof v.detail, "the export cannot be read");
    }
    if (v.failed) {
        printf("%3d. %-22s FAIL  board check %d (%s): %s\n", 1, veche_check_name(1), v.number,
               v.name, v.detail);
        printf("the record itself does not verify: nothing in it can be trusted\n");
        return EXIT_FAIL;
    }
    printf("%3d. %-22s PASS  the board's checks pass (key, checkpoint, entries, tree)\n", 1,
           veche_check_name(1));
    return 0;
}

/* Every council on the record, after its elections (already printed: not forwarded). */
static int verify_all_councils(const opts *o, const char *dir)
{
    veche_record_src src = {NULL, dir};
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    veche_diag d = {{0}};
    size_t n = 0;
    int rc = 0;

    if (veche_record_councils(&ids, &n, &src, &d) != VECHE_OK)
        return cli_fail("verify", "the councils: %s", d.msg);
    for (size_t i = 0; i < n; i++)
        rc |= verify_council(o, dir, ids[i], 0);
    free(ids);
    return rc;
}

/* ---- the command ------------------------------------------------------------------------ */

/* `veche verify RECORD --council ID`: check 1 of the record, then the council's. */
static int cmd_council(const opts *o, const char *dir)
{
    int rc = verify_record_only(o, dir);
    return rc != 0 ? rc : verify_council(o, dir, o->council, 1);
}

/* The elections (or one), then, when every election was asked for, the councils. */
static int cmd_elections(const opts *o, const char *dir)
{
    veche_verify_report rep;
    printer p;
    veche_err e;
    int rc;

    memset(&p, 0, sizeof p);
    e = veche_verify(dir, o->election, &o->v, on_check, &p, &rep);
    summary(&p);
    if (e != VECHE_OK && e != VECHE_EVERIFY)
        return cli_fail("verify", "%s", veche_strerror(e));
    if (rep.check == 1) {
        printf("the record itself does not verify: nothing in it can be trusted\n");
        return EXIT_FAIL;
    }
    if (rep.elections == 0)
        printf("no election on this record\n");
    rc = rep.check ? EXIT_FAIL : 0;
    if (o->election == NULL && verify_all_councils(o, dir) != 0)
        rc = EXIT_FAIL;
    return rc;
}

int veche_cmd_verify(int argc, char **argv)
{
    opts o;
    char dir[4096];
    int rc;

    if ((rc = parse(&o, argc, argv)) != 0)
        return rc < 0 ? 0 : rc;
    if (o.server != NULL) {
        if ((rc = mirror_to_export(&o, dir)) != 0)
            return rc;
    } else {
        snprintf(dir, sizeof dir, "%s", o.record);
        printf("record %s\n", o.record);
    }
    rc = o.council != NULL ? cmd_council(&o, dir) : cmd_elections(&o, dir);
    if (o.server != NULL)
        remove_export(dir);
    return rc;
}
