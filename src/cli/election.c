/*
 * election.c — `veche election ...` (the administrator's steps: create,
 * publish the joint key, open, close, and show an election's state) and `veche credentials
 * generate` (the credential authority's step), from the command line.
 *
 * Thin, as every subcommand: read the files, find the election on the
 * record (veche_election_load), check what the step needs, build the
 * entry with libveche and append it. Every refusal happens before anything
 * is appended, with one line on stderr saying what and where.
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

/* Appends one entry: type and body (borrowed), signed by k; prints nothing. */
static int append_one(veche_board *b, const char *type, json_t *body, const veche_key *k,
                      uint64_t *at, const char *cmd)
{
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len;
    int rc = 0;

    if (veche_entry_build(&entry, &len, type, body, k->sk, &d) != VECHE_OK)
        return cli_fail(cmd, "%s; nothing was appended", d.msg);
    const uint8_t *one = (const uint8_t *)entry;
    if (veche_board_append(b, &one, &len, 1, at, &d) != VECHE_OK)
        rc = cli_fail(cmd, "%s; nothing was appended", d.msg);
    free(entry);
    return rc;
}

/* ---- election create ------------------------------------------------------------ */

static json_t *read_manifest(const char *path, const char *cmd)
{
    json_error_t jerr;
    size_t len;
    json_t *body;
    char *text = cli_read_file(path, &len, VECHE_ENTRY_MAX_BYTES);

    if (text == NULL)
        return NULL;
    body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!json_is_object(body)) {
        json_decref(body);
        cli_fail(cmd, "%s: not a JSON object (%s, line %d column %d); nothing was appended",
                 path, jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    return body;
}

static int cmd_create(const opts *o)
{
    const char *cmd = "election create";
    veche_diag d = {{0}};
    veche_manifest m;
    veche_election *el = NULL;
    veche_board *b = NULL;
    veche_key admin;
    json_t *body;
    uint64_t at;
    uint8_t hash[32];
    char h64[45];
    int rc;

    if (o->nargs != 1 || o->db == NULL || o->key == NULL)
        return cli_usage(cmd, election_usage, "give MANIFEST.json, --db and --key");
    if ((body = read_manifest(o->args[0], cmd)) == NULL)
        return EXIT_FAIL;
    if (veche_manifest_parse(&m, body, &d) != VECHE_OK) {
        json_decref(body);
        return cli_fail(cmd, "%s: %s; nothing was appended", o->args[0], d.msg);
    }
    if ((rc = read_key(&admin, o->key, cmd)) != 0 || (rc = open_board(&b, o->db, cmd)) != 0)
        goto done;
    /* The design: an id is unique on a board, so a second manifest is refused. */
    if (veche_election_load(&el, b, m.id, NULL, NULL, &d) == VECHE_OK) {
        rc = cli_fail(cmd, "an election \"%s\" already exists on this board (entry %" PRIu64
                      "); choose another id; nothing was appended", m.id,
                      el->manifest_entry.index);
        goto done;
    }
    if ((rc = append_one(b, VECHE_ETYPE_MANIFEST, body, &admin, &at, cmd)) != 0)
        goto done;
    /* The hash of the entry as stored: read it back rather than rebuild it. */
    uint8_t *bytes;
    size_t len;
    if (veche_board_get(b, at, &bytes, &len, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "appended as entry %" PRIu64 ", but cannot read it back: %s", at, d.msg);
        goto done;
    }
    veche_election_manifest_hash(hash, bytes, len);
    free(bytes);
    b64(h64, hash);
    printf("election %s created: entry %" PRIu64 "\nmanifest hash: %s\n", m.id, at, h64);
done:
    veche_election_free(el);
    veche_board_close(b);
    veche_key_wipe(&admin);
    veche_manifest_free(&m);
    json_decref(body);
    return rc;
}

/* The ceremony as judged from the record; 0 or an exit status. */
static int judge(veche_ceremony **c, const veche_election *el, const char *cmd)
{
    veche_diag d = {{0}};
    if (veche_ceremony_evaluate_election(c, el, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    return 0;
}

/* Trustees not (yet) in Q, as "2 (why), 3 (why)". */
static void list_unqualified(const veche_ceremony *c, const veche_manifest *m, char *out,
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

/* ---- election open / close -------------------------------------------------------- */

/* The election and the administrator's key, which must be the manifest's author. */
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
    if (memcmp(admin->pk, (*el)->admin, 32) != 0)
        return cli_fail(cmd, "%s is not the administrator's key (the author of the manifest, "
                        "entry %" PRIu64 ")", o->key, (*el)->manifest_entry.index);
    return 0;
}

static int cmd_key(const opts *o)
{
    const char *cmd = "election key";
    veche_board *b;
    veche_election *el;
    veche_ceremony *c = NULL;
    veche_key admin;
    veche_diag d = {{0}};
    json_t *body = NULL;
    uint64_t at;
    char k64[45], others[1024];
    int rc;

    if ((rc = admin_step(&b, &el, &admin, o, cmd)) != 0)
        goto done;
    if (el->key_index != VECHE_ELECTION_NO_INDEX) {
        rc = cli_fail(cmd, "election \"%s\" already has its election.key (entry %" PRIu64 ")",
                      el->id, el->key_index);
        goto done;
    }
    if ((rc = judge(&c, el, cmd)) != 0)
        goto done;
    list_unqualified(c, &el->manifest, others, sizeof others);
    if (c->phase == VECHE_PHASE_FAILED || !c->have_K) {
        rc = cli_fail(cmd, "the ceremony cannot give a key now: %s%s%s", c->why,
                      others[0] ? "; not qualified: " : "", others);
        goto done;
    }
    if (c->phase != VECHE_PHASE_CHECKS && !o->without_pending) {
        rc = cli_fail(cmd, "some trustees have not revealed yet (%s): wait, or give "
                      "--without-pending to disqualify them", others);
        goto done;
    }
    if (veche_ceremony_election_key_body(&body, c, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "%s", d.msg);
        goto done;
    }
    if ((rc = append_one(b, VECHE_ETYPE_KEY, body, &admin, &at, cmd)) != 0)
        goto done;
    b64(k64, c->K_enc);
    printf("election %s: joint key %s (entry %" PRIu64 "), %zu of %zu trustees qualified, "
           "%u needed to decrypt\n", el->id, k64, at, c->nqual, el->manifest.ntrustees,
           el->manifest.threshold);
    if (others[0])
        printf("not qualified: %s\n", others);
done:
    json_decref(body);
    veche_ceremony_free(c);
    veche_election_free(el);
    veche_board_close(b);
    veche_key_wipe(&admin);
    return rc;
}

/* Why the election cannot open yet, or NULL. */
static const char *not_ready(const veche_election *el, char *why, size_t cap)
{
    if (el->open_index != VECHE_ELECTION_NO_INDEX)
        snprintf(why, cap, "it is already open (entry %" PRIu64 ")", el->open_index);
    else if (el->key_index == VECHE_ELECTION_NO_INDEX)
        snprintf(why, cap, "the joint key is not on the record yet (the trustees' ceremony "
                 "ends with election.key)");
    else if (!el->has_key)
        snprintf(why, cap, "the election.key at entry %" PRIu64 " holds no valid key",
                 el->key_index);
    else if (el->cred_state == VECHE_CRED_NONE)
        snprintf(why, cap, "no credentials are on the record yet (veche credentials generate)");
    else if (el->cred_state == VECHE_CRED_INCOMPLETE)
        snprintf(why, cap, "the credentials are incomplete: not all of their %" PRIu64
                 " parts are on the record", el->nparts);
    else if (el->cred_state == VECHE_CRED_INVALID)
        snprintf(why, cap, "the credentials on the record are invalid: %s", el->cred_problem.msg);
    else
        return NULL;
    return why;
}

static int cmd_open(const opts *o)
{
    const char *cmd = "election open";
    veche_board *b;
    veche_election *el;
    veche_ceremony *c = NULL;
    veche_key admin;
    json_t *body = NULL;
    uint64_t at;
    char why[512], f64[45];
    int rc;

    if ((rc = admin_step(&b, &el, &admin, o, cmd)) != 0)
        goto done;
    if (not_ready(el, why, sizeof why) != NULL) {
        rc = cli_fail(cmd, "election \"%s\" cannot open: %s", el->id, why);
        goto done;
    }
    /* An election.key that the ceremony does not give would make every ballot undecryptable. */
    if ((rc = judge(&c, el, cmd)) != 0)
        goto done;
    if (!c->key_ok) {
        rc = cli_fail(cmd, "election \"%s\" cannot open: the election.key at entry %" PRIu64
                      " is not the ceremony's: %s", el->id, el->key_index, c->key_why);
        goto done;
    }
    body = json_pack("{s:s, s:o}", "election", el->id, "fingerprint",
                     veche_b64_json(el->fingerprint, 32));
    if (body == NULL) {
        rc = cli_fail(cmd, "out of memory");
        goto done;
    }
    if ((rc = append_one(b, VECHE_ETYPE_OPEN, body, &admin, &at, cmd)) != 0)
        goto done;
    b64(f64, el->fingerprint);
    printf("election %s open: entry %" PRIu64 "\nfingerprint: %s\n", el->id, at, f64);
done:
    veche_ceremony_free(c);
    json_decref(body);
    veche_election_free(el);
    veche_board_close(b);
    veche_key_wipe(&admin);
    return rc;
}

static int cmd_close(const opts *o)
{
    const char *cmd = "election close";
    veche_board *b;
    veche_election *el;
    veche_key admin;
    json_t *body = NULL;
    uint64_t at;
    int rc;

    if ((rc = admin_step(&b, &el, &admin, o, cmd)) != 0)
        goto done;
    if (el->open_index == VECHE_ELECTION_NO_INDEX) {
        rc = cli_fail(cmd, "election \"%s\" is not open", el->id);
        goto done;
    }
    if (el->close_index != VECHE_ELECTION_NO_INDEX) {
        rc = cli_fail(cmd, "election \"%s\" is already closed (entry %" PRIu64 ")", el->id,
                      el->close_index);
        goto done;
    }
    if ((body = json_pack("{s:s}", "election", el->id)) == NULL) {
        rc = cli_fail(cmd, "out of memory");
        goto done;
    }
    if ((rc = append_one(b, VECHE_ETYPE_CLOSE, body, &admin, &at, cmd)) != 0)
        goto done;
    printf("election %s closed: entry %" PRIu64 "; %zu ballots on the record\n", el->id, at,
           el->nballots);
done:
    json_decref(body);
    veche_election_free(el);
    veche_board_close(b);
    veche_key_wipe(&admin);
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
        list_unqualified(c, &el->manifest, unq, sizeof unq);
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

/* ---- credentials generate: the roll ----------------------------------------------------- */

#define MAX_NAME 256

typedef struct roll {
    char    **name;      /* malloc'd, one per voter */
    uint32_t *weight;
    size_t   *line;      /* where each voter is in the file, for messages */
    size_t    n, cap;
} roll;

static void roll_free(roll *r)
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
 * (spaces around it dropped). Writes it to out (cap bytes, NUL-terminated).
 * Returns 0, or -1 with a reason in why.
 */
static int csv_field(const char **p, const char *end, char *out, size_t cap, const char **why)
{
    const char *s = *p;
    size_t n = 0;

    while (s < end && *s == ' ')
        s++;
    if (s < end && *s == '"') {
        for (s++;; s++) {
            if (s == end) {
                *why = "a quoted name has no closing quote";
                return -1;
            }
            if (*s == '"' && (s + 1 == end || s[1] != '"'))
                break;
            if (*s == '"')
                s++;
            if (n + 1 >= cap) {
                *why = "a name longer than 256 bytes";
                return -1;
            }
            out[n++] = *s;
        }
        s++;
        while (s < end && *s == ' ')
            s++;
        if (s < end && *s != ',') {
            *why = "text after a closing quote";
            return -1;
        }
    } else {
        const char *start = s;
        while (s < end && *s != ',')
            s++;
        const char *stop = s;
        while (stop > start && stop[-1] == ' ')
            stop--;
        if ((size_t)(stop - start) + 1 > cap) {
            *why = "a name longer than 256 bytes";
            return -1;
        }
        memcpy(out, start, (size_t)(stop - start));
        n = (size_t)(stop - start);
    }
    out[n] = 0;
    *p = s;
    return 0;
}

static int roll_add(roll *r, const char *name, uint32_t w, size_t line)
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
    return 0;
}

static int is_header(const char *name, const char *weight, int has_weight)
{
    return strcasecmp(name, "name") == 0 && (!has_weight || strcasecmp(weight, "weight") == 0);
}

/* One line of the roll (first: the first non-empty one); -1 with a message on stderr. */
static int roll_line(roll *r, const char *s, const char *end, size_t line, int first,
                     const char *path)
{
    const char *cmd = "credentials generate", *why = NULL;
    char name[MAX_NAME + 1], weight[32] = "";
    uint64_t w = 1;
    int has_weight = 0;

    if (csv_field(&s, end, name, sizeof name, &why) != 0)
        return cli_fail(cmd, "%s: line %zu: %s", path, line, why), -1;
    if (s < end) {   /* a comma */
        s++;
        has_weight = 1;
        if (csv_field(&s, end, weight, sizeof weight, &why) != 0 || s < end)
            return cli_fail(cmd, "%s: line %zu: %s", path, line,
                            why ? why : "more than two fields (quote a name that holds a "
                            "comma)"), -1;
    }
    if (first && is_header(name, weight, has_weight))
        return 0;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return cli_fail(cmd, "%s: line %zu: a control character in the name", path, line), -1;
    if (name[0] == 0)
        return cli_fail(cmd, "%s: line %zu: no name", path, line), -1;
    if (has_weight && (cli_parse_u64(weight, &w) != 0 || w < 1 || w > VECHE_MAX_WEIGHT))
        return cli_fail(cmd, "%s: line %zu: the weight \"%s\" is not a whole number in 1..%u",
                        path, line, weight, VECHE_MAX_WEIGHT), -1;
    if (roll_add(r, name, (uint32_t)w, line) != 0)
        return cli_fail(cmd, "out of memory"), -1;
    return 0;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
    char **names = arg;
    return strcmp(names[*(const size_t *)a], names[*(const size_t *)b]);
}

/* Two voters with one name would make the mail-merge ambiguous. */
static int roll_distinct(const roll *r, const char *path)
{
    size_t *ix = malloc(r->n * sizeof *ix);
    int rc = 0;
    if (ix == NULL)
        return cli_fail("credentials generate", "out of memory"), -1;
    for (size_t i = 0; i < r->n; i++)
        ix[i] = i;
    qsort_r(ix, r->n, sizeof *ix, cmp_name, r->name);
    for (size_t i = 1; i < r->n && rc == 0; i++)
        if (strcmp(r->name[ix[i - 1]], r->name[ix[i]]) == 0) {
            size_t a = r->line[ix[i - 1]], b = r->line[ix[i]];
            cli_fail("credentials generate", "%s: lines %zu and %zu: the same name \"%s\" "
                     "(tell the voters apart, e.g. by a member number)", path,
                     a < b ? a : b, a < b ? b : a, r->name[ix[i]]);
            rc = -1;
        }
    free(ix);
    return rc;
}

static int read_roll(roll *r, const char *path)
{
    size_t len, line = 0;
    uint64_t total = 0;
    int first = 1;
    char *text = cli_read_file(path, &len, (size_t)1 << 30);

    memset(r, 0, sizeof *r);
    if (text == NULL)
        return -1;
    for (const char *p = text; p < text + len;) {
        const char *nl = memchr(p, '\n', (size_t)(text + len - p));
        const char *end = nl ? nl : text + len;
        line++;
        if (end > p && end[-1] == '\r')
            end--;
        if (end > p && roll_line(r, p, end, line, first, path) != 0) {
            free(text);
            roll_free(r);
            return -1;
        }
        first &= end == p;
        p = nl ? nl + 1 : text + len;
    }
    free(text);
    for (size_t i = 0; i < r->n; i++)
        total += r->weight[i];
    if (r->n == 0)
        return cli_fail("credentials generate", "%s: no voters", path), roll_free(r), -1;
    if (total > VECHE_MAX_TOTAL_WEIGHT)
        return cli_fail("credentials generate", "%s: the total weight %" PRIu64 " exceeds %u",
                        path, total, VECHE_MAX_TOTAL_WEIGHT), roll_free(r), -1;
    if (roll_distinct(r, path) != 0)
        return roll_free(r), -1;
    return 0;
}

/* ---- credentials generate: the codes file -------------------------------------------- */

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

/*
 * Writes "name,code" lines to a new file at tmp (mode 0600, O_EXCL), synced
 * to disk. The stdio buffer that held codes is wiped before it is freed.
 */
static int write_codes(const char *tmp, const roll *r, char (*codes)[VECHE_CODE_CHARS + 1])
{
    static char buf[BUFSIZ];
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f;
    int bad = 0;

    if (fd < 0)
        return cli_fail("credentials generate", "%s: %s", tmp, strerror(errno)), -1;
    if ((f = fdopen(fd, "w")) == NULL) {
        close(fd);
        return cli_fail("credentials generate", "%s: %s", tmp, strerror(errno)), -1;
    }
    setvbuf(f, buf, _IOFBF, sizeof buf);
    bad |= fputs("name,code\n", f) < 0;
    for (size_t i = 0; i < r->n && !bad; i++)
        bad |= write_field(f, r->name[i]) != 0 || fprintf(f, ",%s\n", codes[i]) < 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    sodium_memzero(buf, sizeof buf);
    if (bad) {
        unlink(tmp);
        return cli_fail("credentials generate", "%s: write error", tmp), -1;
    }
    return 0;
}

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
    roll                  r;
    char                (*codes)[VECHE_CODE_CHARS + 1];
    veche_credential_list pub;
    char                **entries;
    size_t               *lens, nparts;
    veche_key             authority;
    veche_board          *b;
    veche_election       *el;
} gen;

static void gen_free(gen *g)
{
    if (g->codes != NULL)
        sodium_memzero(g->codes, g->r.n * sizeof *g->codes);
    free(g->codes);
    roll_free(&g->r);
    veche_credentials_free(&g->pub);
    veche_credentials_entries_free(g->entries, g->lens, g->nparts);
    veche_key_wipe(&g->authority);
    veche_election_free(g->el);
    veche_board_close(g->b);
}

/* The election must exist, accept this authority, and have no credentials yet. */
static int check_election(gen *g, const opts *o)
{
    const char *cmd = "credentials generate";
    int rc;
    if ((rc = read_key(&g->authority, o->key, cmd)) != 0 || (rc = open_board(&g->b, o->db, cmd)) != 0)
        return rc;
    if ((rc = load(&g->el, g->b, o->election, NULL, NULL, cmd)) != 0)
        return rc;
    if (memcmp(g->authority.pk, g->el->manifest.authority_key, 32) != 0)
        return cli_fail(cmd, "%s is not the credential authority named in the manifest of "
                        "\"%s\"", o->key, o->election);
    if (g->el->cred_state != VECHE_CRED_NONE)
        return cli_fail(cmd, "credentials for \"%s\" are already on the record", o->election);
    if (g->el->open_index != VECHE_ELECTION_NO_INDEX)
        return cli_fail(cmd, "election \"%s\" is already open", o->election);
    return 0;
}

static int make_and_append(gen *g, const opts *o, const char *tmp)
{
    const char *cmd = "credentials generate";
    veche_diag d = {{0}};
    uint64_t first;

    if ((g->codes = calloc(g->r.n, sizeof *g->codes)) == NULL)
        return cli_fail(cmd, "out of memory");
    if (veche_credentials_generate(g->codes, &g->pub, o->election, g->r.weight, g->r.n, NULL,
                                   &d) != VECHE_OK ||
        veche_credentials_build(&g->entries, &g->lens, &g->nparts, o->election, &g->pub,
                                g->authority.sk, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    /* The codes reach the disk before their public keys reach the record. */
    if (write_codes(tmp, &g->r, g->codes) != 0)
        return EXIT_FAIL;
    sodium_memzero(g->codes, g->r.n * sizeof *g->codes);
    if (veche_board_append(g->b, (const uint8_t *const *)g->entries, g->lens, g->nparts, &first,
                           &d) != VECHE_OK) {
        unlink(tmp);
        return cli_fail(cmd, "%s; nothing was appended and no codes were kept", d.msg);
    }
    printf("%zu credentials (total weight %" PRIu64 ") appended for %s: entries %" PRIu64
           "..%" PRIu64 " (%zu part%s)\n", g->pub.n, g->pub.total_weight, o->election, first,
           first + g->nparts - 1, g->nparts, g->nparts == 1 ? "" : "s");
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
    if ((rc = check_election(&g, o)) != 0 || (rc = read_roll(&g.r, o->voters) ? EXIT_FAIL : 0) ||
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
