/*
 * election.c — `veche election ...` (the administrator's steps: create,
 * publish the joint key, open, close, and show an election's state) and `veche credentials
 * generate` (the credential authority's step), from the command line.
 *
 * Thin, as every subcommand: read the files, find the election on the
 * record (veche_election_load), let election/admin.h (which `veche serve`
 * shares) check what the step needs and build the entry, and append it.
 * Every refusal happens before anything is appended, with one line on
 * stderr saying what and where.
 *
 * Credentials: the roll (names and weights) goes in, the voters' secret
 * codes go to DIR/credentials.csv (mode 0600, never overwritten) — the
 * only place names and codes meet — and only the public credentials,
 * sorted so that their order says nothing about the roll, go on the
 * record. Codes are never printed, and are wiped from memory once written.
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
#include "election/admin.h"
#include "election/ceremony.h"
#include "election/credentials.h"
#include "election/election.h"

static const char election_usage[] =
    "usage: veche election <command> [options]\n"
    "  create MANIFEST.json --db PATH --key ADMIN_KEYFILE\n"
    "         validate the manifest and append it, signed by the administrator's key;\n"
    "         prints the election id and the manifest hash\n"
    "  key    ID --db PATH --key ADMIN_KEYFILE [--without-pending]\n"
    "         end the trustees' ceremony: publish election.key, the qualified\n"
    "         trustees and the joint key, as judged from the record. It waits for\n"
    "         every trustee's reveal unless --without-pending (then those still\n"
    "         missing are disqualified); run it once the trustees have checked\n"
    "         their shares (complaints come before it, never after)\n"
    "  open   ID --db PATH --key ADMIN_KEYFILE\n"
    "         once the joint key (matching the ceremony) and every credentials\n"
    "         part are on the record: publish the election fingerprint; ballots\n"
    "         count from here\n"
    "  close  ID --db PATH --key ADMIN_KEYFILE\n"
    "         end the voting; ballots after this do not count\n"
    "  show   ID --db PATH\n"
    "         the manifest, the trustees' ceremony, credentials, state and ballots\n"
    "  tally  ID --db PATH --key ADMIN_KEYFILE [--threads N]\n"
    "         after the close: verify every ballot, count the last valid one of each\n"
    "         credential and publish election.tally (see `veche election tally --help`)\n"
    "  result ID --db PATH --key ADMIN_KEYFILE\n"
    "         once t trustees have decrypted the tally: publish election.result\n";

static const char credentials_usage[] =
    "usage: veche credentials generate --voters ROLL.csv --election ID --db PATH\n"
    "                                  --key AUTHORITY_KEYFILE --out-dir DIR\n"
    "\n"
    "Makes one secret credential code per voter and appends only the public\n"
    "credentials (sorted, so unlinkable to the roll) to the record, signed by the\n"
    "credential authority named in the manifest.\n"
    "  ROLL.csv  one voter per line: NAME or NAME,WEIGHT (weight 1..1000000, default 1;\n"
    "            total at most 10^9). Quote a name that holds a comma: \"Lee, Ann\",2.\n"
    "            An optional first line \"name\" or \"name,weight\" is a header.\n"
    "  DIR       receives credentials.csv (\"name,code\", mode 0600) for mail-merge:\n"
    "            the only copy of the codes. It must not exist yet. Keep it secret,\n"
    "            deliver each code to its voter, then destroy it.\n";

typedef struct opts {
    const char *db, *key, *voters, *election, *out_dir;
    int without_pending;
    char **args;
    int nargs;
} opts;

enum { O_DB = 256, O_KEY, O_VOTERS, O_ELECTION, O_OUT_DIR, O_WITHOUT_PENDING, O_HELP };

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"key", 1, 0, O_KEY}, {"voters", 1, 0, O_VOTERS},
    {"election", 1, 0, O_ELECTION}, {"out-dir", 1, 0, O_OUT_DIR},
    {"without-pending", 0, 0, O_WITHOUT_PENDING}, {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
};

/* 0, 1 for --help, -1 for a bad option. */
static int parse_opts(opts *o, int argc, char **argv)
{
    int c;
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_DB: o->db = optarg; break;
        case O_KEY: o->key = optarg; break;
        case O_VOTERS: o->voters = optarg; break;
        case O_ELECTION: o->election = optarg; break;
        case O_OUT_DIR: o->out_dir = optarg; break;
        case O_WITHOUT_PENDING: o->without_pending = 1; break;
        case O_HELP: return 1;
        default: return -1;
        }
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    return 0;
}

/* ---- shared steps ------------------------------------------------------------- */

static void b64(char out[45], const uint8_t in[32])
{
    sodium_bin2base64(out, 45, in, 32, sodium_base64_VARIANT_ORIGINAL);
}

static int open_board(veche_board **b, const char *db, const char *cmd)
{
    veche_diag d = {{0}};
    if (veche_board_open(b, db, NULL, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    return 0;
}

static int read_key(veche_key *k, const char *path, const char *cmd)
{
    veche_diag d = {{0}};
    if (veche_key_read(k, path, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    return 0;
}

static int load(veche_election **el, veche_board *b, const char *id, veche_ballot_cb cb,
                void *arg, const char *cmd)
{
    veche_diag d = {{0}};
    if (veche_election_load(el, b, id, cb, arg, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    return 0;
}

/* A step refused by election/admin.h, as one line on stderr. */
static int refused(const char *cmd, const veche_admin_err *e)
{
    return cli_fail(cmd, "%s%s", e->msg,
                    e->kind == VECHE_ADMIN_FAILED ? "; nothing was appended" : "");
}

/* Appends n entries built by election/admin.h; prints nothing. */
static int append_entries(veche_board *b, char *const *entries, const size_t *lens, size_t n,
                          uint64_t *at, const char *cmd)
{
    veche_diag d = {{0}};
    if (veche_board_append(b, (const uint8_t *const *)entries, lens, n, at, &d) != VECHE_OK)
        return cli_fail(cmd, "%s; nothing was appended", d.msg);
    return 0;
}

/* ---- election create ------------------------------------------------------------ */

static int cmd_create(const opts *o)
{
    const char *cmd = "election create";
    char id[VECHE_ELECTION_ID_MAX + 1], h64[45], *text, *entry = NULL;
    veche_admin_err e;
    veche_election *el = NULL;
    veche_board *b = NULL;
    veche_key admin;
    json_t *body = NULL;
    uint8_t hash[32], *bytes;
    size_t len;
    uint64_t at;
    int rc;

    memset(&admin, 0, sizeof admin);
    if (o->nargs != 1 || o->db == NULL || o->key == NULL)
        return cli_usage(cmd, election_usage, "give MANIFEST.json, --db and --key");
    if ((text = cli_read_file(o->args[0], &len, VECHE_ENTRY_MAX_BYTES)) == NULL)
        return EXIT_FAIL;
    if (veche_admin_manifest_text(&body, text, len, &e) != VECHE_ADMIN_OK) {
        free(text);
        return cli_fail(cmd, "%s: %s; nothing was appended", o->args[0], e.msg);
    }
    free(text);
    if ((rc = read_key(&admin, o->key, cmd)) != 0)
        goto done;
    if (veche_admin_create(&entry, &len, id, body, &admin, &e) != VECHE_ADMIN_OK) {
        rc = cli_fail(cmd, "%s: %s; nothing was appended", o->args[0], e.msg);
        goto done;
    }
    if ((rc = open_board(&b, o->db, cmd)) != 0)
        goto done;
    /* The design: an id is unique on a board, so a second manifest is refused. */
    if (veche_election_load(&el, b, id, NULL, NULL, NULL) == VECHE_OK) {
        veche_admin_exists(el, &e);
        rc = cli_fail(cmd, "%s; nothing was appended", e.msg);
        goto done;
    }
    if ((rc = append_entries(b, &entry, &len, 1, &at, cmd)) != 0)
        goto done;
    /* The hash of the entry as stored: read it back rather than rebuild it. */
    veche_diag d = {{0}};
    if (veche_board_get(b, at, &bytes, &len, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "appended as entry %" PRIu64 ", but cannot read it back: %s", at, d.msg);
        goto done;
    }
    veche_election_manifest_hash(hash, bytes, len);
    free(bytes);
    b64(h64, hash);
    printf("election %s created: entry %" PRIu64 "\nmanifest hash: %s\n", id, at, h64);
done:
    free(entry);
    veche_election_free(el);
    veche_board_close(b);
    veche_key_wipe(&admin);
    json_decref(body);
    return rc;
}

/* ---- election key / open / close ---------------------------------------------------- */

/* The election, and the administrator's key (admin.h checks it is the manifest's author). */
static int admin_step(veche_board **b, veche_election **el, veche_key *admin, const opts *o,
                      const char *cmd)
{
    int rc;
    *b = NULL;
    *el = NULL;
    memset(admin, 0, sizeof *admin);
    if (o->nargs != 1 || o->db == NULL || o->key == NULL)
        return cli_usage(cmd, election_usage, "give ID, --db and --key");
    if ((rc = read_key(admin, o->key, cmd)) != 0 || (rc = open_board(b, o->db, cmd)) != 0 ||
        (rc = load(el, *b, o->args[0], NULL, NULL, cmd)) != 0)
        return rc;
    return 0;
}

static void admin_step_end(veche_board *b, veche_election *el, veche_key *admin, char *entry)
{
    free(entry);
    veche_election_free(el);
    veche_board_close(b);
    veche_key_wipe(admin);
}

static int cmd_key(const opts *o)
{
    const char *cmd = "election key";
    veche_board *b;
    veche_election *el;
    veche_key admin;
    veche_admin_err e;
    veche_admin_keyinfo info;
    char *entry = NULL, k64[45];
    size_t len;
    uint64_t at;
    int rc;

    if ((rc = admin_step(&b, &el, &admin, o, cmd)) != 0)
        goto done;
    if (veche_admin_key(&entry, &len, &info, el, &admin, o->key, o->without_pending,
                        "give --without-pending", &e) != VECHE_ADMIN_OK) {
        rc = refused(cmd, &e);
        goto done;
    }
    if ((rc = append_entries(b, &entry, &len, 1, &at, cmd)) != 0)
        goto done;
    b64(k64, info.K);
    printf("election %s: joint key %s (entry %" PRIu64 "), %zu of %zu trustees qualified, "
           "%u needed to decrypt\n", el->id, k64, at, info.nqual, el->manifest.ntrustees,
           el->manifest.threshold);
    if (info.unqualified[0])
        printf("not qualified: %s\n", info.unqualified);
done:
    admin_step_end(b, el, &admin, entry);
    return rc;
}

static int cmd_open(const opts *o)
{
    const char *cmd = "election open";
    veche_board *b;
    veche_election *el;
    veche_key admin;
    veche_admin_err e;
    char *entry = NULL, f64[45];
    size_t len;
    uint64_t at;
    int rc;

    if ((rc = admin_step(&b, &el, &admin, o, cmd)) != 0)
        goto done;
    if (veche_admin_open(&entry, &len, el, &admin, o->key, &e) != VECHE_ADMIN_OK) {
        rc = refused(cmd, &e);
        goto done;
    }
    if ((rc = append_entries(b, &entry, &len, 1, &at, cmd)) != 0)
        goto done;
    b64(f64, el->fingerprint);
    printf("election %s open: entry %" PRIu64 "\nfingerprint: %s\n", el->id, at, f64);
done:
    admin_step_end(b, el, &admin, entry);
    return rc;
}

static int cmd_close(const opts *o)
{
    const char *cmd = "election close";
    veche_board *b;
    veche_election *el;
    veche_key admin;
    veche_admin_err e;
    char *entry = NULL;
    size_t len;
    uint64_t at;
    int rc;

    if ((rc = admin_step(&b, &el, &admin, o, cmd)) != 0)
        goto done;
    if (veche_admin_close(&entry, &len, el, &admin, o->key, &e) != VECHE_ADMIN_OK) {
        rc = refused(cmd, &e);
        goto done;
    }
    if ((rc = append_entries(b, &entry, &len, 1, &at, cmd)) != 0)
        goto done;
    printf("election %s closed: entry %" PRIu64 "; %zu ballots on the record\n", el->id, at,
           el->nballots);
done:
    admin_step_end(b, el, &admin, entry);
    return rc;
}

/* ---- election show ------------------------------------------------------------------ */

/* The credentials of the ballots seen, to count distinct voters. */
typedef struct ballot_keys {
    uint8_t (*key)[32];
    size_t  n, cap;
    int     oom;
} ballot_keys;

static veche_err note_ballot(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                             const veche_entry *entry)
{
    ballot_keys *k = arg;
    (void)index;
    (void)bytes;
    (void)len;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 256;
        uint8_t (*v)[32] = realloc(k->key, cap * sizeof *v);
        if (v == NULL) {
            k->oom = 1;
            return VECHE_OK;   /* only the count of distinct voters is lost */
        }
        k->key = v;
        k->cap = cap;
    }
    if (veche_b64_get(k->key[k->n], 32, json_object_get(entry->body, "credential"), "c", NULL) ==
        VECHE_OK)
        k->n++;
    return VECHE_OK;
}

static int cmp_key(const void *a, const void *b) { return memcmp(a, b, 32); }

static size_t distinct_keys(ballot_keys *k)
{
    size_t n = 0;
    if (k->n == 0)
        return 0;
    qsort(k->key, k->n, 32, cmp_key);
    for (size_t i = 0; i < k->n; i++)
        n += i == 0 || memcmp(k->key[i - 1], k->key[i], 32) != 0;
    return n;
}

static void print_time(const char *label, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[64];
    if (gmtime_r(&tt, &tm) != NULL && strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
        printf("%s %s (%" PRId64 ")\n", label, buf, t);
    else
        printf("%s %" PRId64 "\n", label, t);
}

static void show_manifest(const veche_election *el)
{
    const veche_manifest *m = &el->manifest;
    char a64[45], h64[45];

    b64(a64, el->admin);
    b64(h64, el->manifest_hash);
    printf("election %s: %s\n", m->id, m->title);
    printf("organisation: %s\n", m->organisation);
    print_time("opens: ", m->opens);
    print_time("closes:", m->closes);
    printf("manifest: entry %" PRIu64 ", hash %s\n", el->manifest_entry.index, h64);
    printf("administrator: %s\n", a64);
    printf("contests: %zu\n", m->ncontests);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *k = &m->contests[c];
        printf("  %zu. %s: %s\n     choose %u..%u of:", c, k->id, k->question, k->min, k->max);
        for (size_t i = 0; i < k->noptions; i++)
            printf("%s %s", i ? "," : "", k->options[i]);
        printf("%s\n", k->blank ? " (or blank)" : "");
    }
}

/* Per listed trustee, which ceremony steps it has published. */
static void show_trustees(const veche_election *el)
{
    static const char *const steps[] = {VECHE_TTYPE_KEY, VECHE_TTYPE_COMMIT,
                                        VECHE_TTYPE_COMMITMENTS, VECHE_TTYPE_SHARES,
                                        VECHE_TTYPE_COMPLAINT};
    const veche_manifest *m = &el->manifest;
    size_t count[VECHE_MAX_TRUSTEES][5] = {{0}}, total[5] = {0}, others = 0;

    for (size_t i = 0; i < el->trustee.n; i++) {
        const veche_election_entry *it = &el->trustee.v[i];
        uint32_t t = it->is_signed ? veche_manifest_trustee(m, it->author) : 0;
        size_t s = 0;
        while (s < 5 && strcmp(it->type, steps[s]) != 0)
            s++;
        if (t == 0 || s == 5) {
            others++;
            continue;
        }
        count[t - 1][s]++;
        total[s] += count[t - 1][s] == 1;
    }
    printf("trustees: %u of %zu needed to decrypt\n", m->threshold, m->ntrustees);
    for (size_t t = 0; t < m->ntrustees; t++) {
        char k64[45];
        b64(k64, m->trustee_key[t]);
        printf("  %zu. %s (%s): key %s, commit %s, commitments %s, shares %s, complaints %zu\n",
               t + 1, m->trustee_name[t], k64, count[t][0] ? "yes" : "no",
               count[t][1] ? "yes" : "no", count[t][2] ? "yes" : "no",
               count[t][3] ? "yes" : "no", count[t][4]);
    }
    printf("ceremony steps: keys %zu/%zu, commits %zu/%zu, commitments %zu/%zu, shares %zu/%zu, "
           "complaints %zu", total[0], m->ntrustees, total[1], m->ntrustees, total[2],
           m->ntrustees, total[3], m->ntrustees, total[4]);
    if (others > 0)
        printf("; %zu entries not by a listed trustee", others);
    printf("\n");
}

/* The ceremony as judged (ceremony.h): what it waits for, Q, and the key. */
static void show_ceremony(const veche_election *el)
{
    veche_ceremony *c = NULL;
    char unq[1024];

    if (veche_ceremony_evaluate_election(&c, el, NULL) == VECHE_OK) {
        veche_admin_unqualified(c, &el->manifest, unq, sizeof unq);
        printf("ceremony: %s\n", c->why);
        if (c->nqual > 0 || unq[0]) {
            printf("qualified:");
            for (size_t i = 0; i < c->nqual; i++)
                printf("%s %u", i ? "," : "", c->qual[i]);
            printf("%s\n", c->nqual ? "" : " none yet");
            if (unq[0])
                printf("not qualified: %s\n", unq);
        }
        if (c->key_present && !c->key_ok)
            printf("WARNING: the election.key at entry %" PRIu64 " is not the ceremony's: %s\n",
                   c->key_index, c->key_why);
        veche_ceremony_free(c);
    }
    if (el->key_index == VECHE_ELECTION_NO_INDEX)
        printf("joint key: not yet on the record\n");
    else if (!el->has_key)
        printf("joint key: entry %" PRIu64 " holds no valid key\n", el->key_index);
    else {
        char k64[45];
        b64(k64, el->K);
        printf("joint key: %s (entry %" PRIu64 ")\n", k64, el->key_index);
    }
}

static void show_credentials(const veche_election *el)
{
    char a64[45];
    b64(a64, el->manifest.authority_key);
    printf("credential authority: %s\n", a64);
    switch (el->cred_state) {
    case VECHE_CRED_NONE:
        printf("credentials: none yet\n");
        break;
    case VECHE_CRED_INCOMPLETE:
        printf("credentials: incomplete (%" PRIu64 " parts expected)\n", el->nparts);
        break;
    case VECHE_CRED_INVALID:
        printf("credentials: INVALID: %s\n", el->cred_problem.msg);
        break;
    case VECHE_CRED_COMPLETE:
        printf("credentials: %zu, total weight %" PRIu64 " (%" PRIu64 " part%s, last at entry %"
               PRIu64 ")\n", el->creds.n, el->creds.total_weight, el->nparts,
               el->nparts == 1 ? "" : "s", el->cred_last_index);
        break;
    }
    if (el->has_fingerprint) {
        char f64[45];
        b64(f64, el->fingerprint);
        printf("fingerprint: %s\n", f64);
    } else {
        printf("fingerprint: not yet (needs the joint key and every credentials part)\n");
    }
}

static void show_state(const veche_election *el, ballot_keys *k)
{
    if (el->open_index == VECHE_ELECTION_NO_INDEX)
        printf("state: not open\n");
    else if (el->close_index == VECHE_ELECTION_NO_INDEX)
        printf("state: open (entry %" PRIu64 ")\n", el->open_index);
    else
        printf("state: closed (opened at entry %" PRIu64 ", closed at entry %" PRIu64 ")\n",
               el->open_index, el->close_index);
    if (k->oom)
        printf("ballots cast: %zu\n", el->nballots);
    else
        printf("ballots cast: %zu, by %zu distinct credentials\n", el->nballots, distinct_keys(k));
    if (el->tallies.n > 0 || el->decryptions.n > 0 || el->results.n > 0)
        printf("tally entries: %zu, decryption shares: %zu, results: %zu\n", el->tallies.n,
               el->decryptions.n, el->results.n);
    if (el->second_manifest != VECHE_ELECTION_NO_INDEX)
        printf("WARNING: another election.manifest with this id at entry %" PRIu64
               " (not used: the first counts; a verifier reports it)\n", el->second_manifest);
    if (el->nstray > 0)
        printf("note: %" PRIu64 " entries with this id before the manifest (first at entry %"
               PRIu64 "), not part of the election\n", el->nstray, el->first_stray);
}

static int cmd_show(const opts *o)
{
    const char *cmd = "election show";
    veche_board *b = NULL;
    veche_election *el = NULL;
    ballot_keys k = {0};
    int rc;

    if (o->nargs != 1 || o->db == NULL)
        return cli_usage(cmd, election_usage, "give ID and --db");
    if ((rc = open_board(&b, o->db, cmd)) == 0 &&
        (rc = load(&el, b, o->args[0], note_ballot, &k, cmd)) == 0) {
        show_manifest(el);
        show_trustees(el);
        show_ceremony(el);
        show_credentials(el);
        show_state(el, &k);
    }
    free(k.key);
    veche_election_free(el);
    veche_board_close(b);
    return rc;
}

int veche_cmd_election(int argc, char **argv)
{
    opts o;
    int r;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(election_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "tally") == 0 || strcmp(argv[1], "result") == 0)
        return veche_cmd_election_count(argc - 1, argv + 1);   /* src/cli/tally.c */
    if ((r = parse_opts(&o, argc - 1, argv + 1)) != 0) {
        fputs(election_usage, r > 0 ? stdout : stderr);
        return r > 0 ? 0 : EXIT_USAGE;
    }
    if (veche_election_register_types() != VECHE_OK)
        return cli_fail("election", "cannot register the election entry types");
    if (strcmp(argv[1], "create") == 0) return cmd_create(&o);
    if (strcmp(argv[1], "key") == 0)    return cmd_key(&o);
    if (strcmp(argv[1], "open") == 0)   return cmd_open(&o);
    if (strcmp(argv[1], "close") == 0)  return cmd_close(&o);
    if (strcmp(argv[1], "show") == 0)   return cmd_show(&o);
    return cli_usage("election", election_usage, "unknown command '%s'", argv[1]);
}

/* ---- credentials generate: the codes file -------------------------------------------- */

/* Makes dir (0700) if it does not exist; the codes file must not exist. */
static int prepare_dir(const char *dir, char *final, char *tmp, size_t cap)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail("credentials generate", "%s: %s", dir, strerror(errno)), -1;
    snprintf(final, cap, "%s/credentials.csv", dir);
    snprintf(tmp, cap, "%s/.credentials.csv.tmp", dir);
    if (stat(final, &st) == 0)
        return cli_fail("credentials generate", "%s already exists: codes are never "
                        "overwritten", final), -1;
    if (stat(tmp, &st) == 0)
        return cli_fail("credentials generate", "%s exists: a run was interrupted; check "
                        "whether its credentials reached the record, then remove it", tmp), -1;
    return 0;
}

/* link() refuses an existing target, unlike rename(): codes are never overwritten. */
static int publish_codes(const char *tmp, const char *final, const char *dir)
{
    int fd;
    if (link(tmp, final) != 0)
        return -1;
    unlink(tmp);
    if ((fd = open(dir, O_RDONLY)) >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    return 0;
}

/* ---- credentials generate ------------------------------------------------------------ */

typedef struct gen {
    veche_roll        r;
    veche_admin_creds c;
    veche_key         authority;
    veche_board      *b;
    veche_election   *el;
} gen;

static void gen_free(gen *g)
{
    veche_admin_creds_free(&g->c);
    veche_roll_free(&g->r);
    veche_key_wipe(&g->authority);
    veche_election_free(g->el);
    veche_board_close(g->b);
}

/* The election must exist, accept this authority, and have no credentials yet. */
static int check_election(gen *g, const opts *o)
{
    const char *cmd = "credentials generate";
    veche_admin_err e;
    int rc;
    if ((rc = read_key(&g->authority, o->key, cmd)) != 0 || (rc = open_board(&g->b, o->db, cmd)) != 0)
        return rc;
    if ((rc = load(&g->el, g->b, o->election, NULL, NULL, cmd)) != 0)
        return rc;
    if (veche_admin_credentials_allowed(g->el, &g->authority, o->key, &e) != VECHE_ADMIN_OK)
        return refused(cmd, &e);
    return 0;
}

static int read_roll(veche_roll *r, const char *path)
{
    veche_admin_err e;
    size_t len;
    char *text = cli_read_file(path, &len, (size_t)1 << 30);

    memset(r, 0, sizeof *r);
    if (text == NULL)
        return EXIT_FAIL;
    if (veche_roll_parse(r, text, len, 0, &e) != VECHE_ADMIN_OK) {
        free(text);
        return cli_fail("credentials generate", "%s: %s", path, e.msg);
    }
    free(text);
    return 0;
}

static int make_and_append(gen *g, const opts *o, const char *tmp)
{
    const char *cmd = "credentials generate";
    veche_admin_err e;
    uint64_t first;

    if (veche_admin_credentials(&g->c, g->el, &g->r, &g->authority, o->key, &e) !=
        VECHE_ADMIN_OK)
        return refused(cmd, &e);
    /* The codes reach the disk before their public keys reach the record. */
    if (veche_admin_codes_write(tmp, &g->r, g->c.codes, 0, &e) != VECHE_ADMIN_OK)
        return cli_fail(cmd, "%s", e.msg);
    veche_admin_creds_wipe_codes(&g->c);
    if (append_entries(g->b, g->c.entries, g->c.lens, g->c.nparts, &first, cmd) != 0) {
        unlink(tmp);
        return cli_fail(cmd, "no codes were kept");
    }
    printf("%zu credentials (total weight %" PRIu64 ") appended for %s: entries %" PRIu64
           "..%" PRIu64 " (%zu part%s)\n", g->c.pub.n, g->c.pub.total_weight, o->election, first,
           first + g->c.nparts - 1, g->c.nparts, g->c.nparts == 1 ? "" : "s");
    return 0;
}

static int cmd_generate(const opts *o)
{
    const char *cmd = "credentials generate";
    char final[4096], tmp[4096];
    gen g;
    int rc;

    memset(&g, 0, sizeof g);
    if (o->voters == NULL || o->election == NULL || o->db == NULL || o->key == NULL ||
        o->out_dir == NULL || o->nargs != 0)
        return cli_usage(cmd, credentials_usage,
                         "give --voters, --election, --db, --key and --out-dir");
    if ((rc = check_election(&g, o)) != 0 || (rc = read_roll(&g.r, o->voters)) != 0 ||
        (rc = prepare_dir(o->out_dir, final, tmp, sizeof final) ? EXIT_FAIL : 0) ||
        (rc = make_and_append(&g, o, tmp)) != 0)
        goto done;
    if (publish_codes(tmp, final, o->out_dir) != 0)
        rc = cli_fail(cmd, "the credentials are on the record, but the codes could not be "
                      "moved to %s (%s): they are in %s", final, strerror(errno), tmp);
    else
        printf("codes for mail-merge: %s (the only copy: keep it secret, deliver each code "
               "to its voter, then destroy it)\n", final);
done:
    gen_free(&g);
    return rc;
}

int veche_cmd_credentials(int argc, char **argv)
{
    opts o;
    int r;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(credentials_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if ((r = parse_opts(&o, argc - 1, argv + 1)) != 0) {
        fputs(credentials_usage, r > 0 ? stdout : stderr);
        return r > 0 ? 0 : EXIT_USAGE;
    }
    if (veche_election_register_types() != VECHE_OK)
        return cli_fail("credentials", "cannot register the election entry types");
    if (strcmp(argv[1], "generate") == 0)
        return cmd_generate(&o);
    return cli_usage("credentials", credentials_usage, "unknown command '%s'", argv[1]);
}
