/*
 * trustee.c — `veche trustee ...`: one trustee's part in the key ceremony
 * and the decryption, from the command line.
 *
 * Thin, as every subcommand: find the election on the record
 * (veche_election_load), judge the ceremony so far
 * (veche_ceremony_evaluate_election), check that this trustee's secret state
 * file and board key fit it, then build the step's entries (ceremony.h) and
 * append them. Every refusal happens before anything is appended, with one
 * line on stderr saying what and where; a step already on the record is
 * reported and not repeated, so re-running a command after a failure is
 * safe.
 *
 * The state file (ceremony.h) holds this trustee's secrets. It is created by
 * `init` before anything is published (so a failed append can be resumed),
 * rewritten atomically when shares are opened or x_i is computed, and never
 * leaves this machine.
 *
 * With --server URL instead of --db, the record is a running `veche serve`:
 * the step runs on a local mirror of its board, synced and checked against
 * the server's signed checkpoint first (remote.h), and each entry the step
 * would have appended is sent with POST /api/v1/record/entries, then looked
 * for in the mirror at the index the server gave. Only entries leave this
 * machine, never the state file.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "board/board.h"
#include "cli/commands.h"
#include "cli/remote.h"
#include "cli/util.h"
#include "election/ceremony.h"
#include "election/election.h"
#include "election/tally.h"

static const char trustee_usage[] =
    "usage: veche trustee <command> [options]\n"
    "  init    --state FILE --election ID RECORD --key KEYFILE\n"
    "          make this trustee's secret state (its ceremony key e_i and polynomial)\n"
    "          in FILE (mode 0600, never replaced) and publish trustee.key\n"
    "  commit  --state FILE RECORD --key KEYFILE\n"
    "          publish trustee.commit: the hash of this trustee's commitments\n"
    "  reveal  --state FILE RECORD --key KEYFILE\n"
    "          once every trustee's commit is on the record: publish the commitments\n"
    "          and the shares (each sealed to its trustee)\n"
    "  check   --state FILE RECORD --key KEYFILE\n"
    "          open the shares dealt to this trustee, publish a complaint against each\n"
    "          dealer whose share is bad, and once every reveal is in compute this\n"
    "          trustee's key share x_i and check it against K_i\n"
    "  decrypt --state FILE RECORD --key KEYFILE\n"
    "          once election.tally is on the record: recompute the tally from the\n"
    "          ballots and, if it is the one published, publish this trustee's\n"
    "          decryption shares of it, with their proofs\n"
    "  status  RECORD (--election ID | --state FILE)\n"
    "          the ceremony as judged from the record: each trustee's steps, complaints,\n"
    "          refused entries, the qualified set, the joint key\n"
    "RECORD is --db PATH (the board's SQLite file), or --server URL for a running\n"
    "`veche serve`: the record is then mirrored in a local file (--cache PATH; by\n"
    "default FILE.mirror.db, or a file under ~/.cache/veche for status without\n"
    "--state), checked against the server's signed checkpoint, and each entry is\n"
    "sent to the server. The first sync trusts the server's board key (or the one\n"
    "given with --vkey VKEY, name+hexid+base64 or @FILE); it may never change.\n"
    "KEYFILE is this trustee's board key (veche keygen), listed in the manifest.\n"
    "FILE is this trustee's secret: it is not encrypted; keep it on this machine,\n"
    "readable only by you, and back it up safely until the election is decrypted.\n";

typedef struct opts {
    const char *state, *election, *db, *key, *server, *cache, *vkey;
    int nargs;
} opts;

enum { O_STATE = 256, O_ELECTION, O_DB, O_KEY, O_SERVER, O_CACHE, O_VKEY, O_HELP };

static const struct option longopts[] = {
    {"state", 1, 0, O_STATE}, {"election", 1, 0, O_ELECTION}, {"db", 1, 0, O_DB},
    {"key", 1, 0, O_KEY}, {"server", 1, 0, O_SERVER}, {"cache", 1, 0, O_CACHE},
    {"vkey", 1, 0, O_VKEY}, {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
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
        case O_STATE: o->state = optarg; break;
        case O_ELECTION: o->election = optarg; break;
        case O_DB: o->db = optarg; break;
        case O_KEY: o->key = optarg; break;
        case O_SERVER: o->server = optarg; break;
        case O_CACHE: o->cache = optarg; break;
        case O_VKEY: o->vkey = optarg; break;
        case O_HELP: return 1;
        default: return -1;
        }
    }
    o->nargs = argc - optind;
    return 0;
}

/* ---- one step: the record, the ceremony, this trustee's state and key ----------- */

typedef struct step {
    const char         *cmd;
    const opts         *o;
    veche_board        *b;
    veche_election     *el;
    veche_ceremony     *cer;
    veche_key           key;
    veche_trustee_state st;
    uint32_t            i;      /* this trustee's number */
} step;

static void step_close(step *s)
{
    veche_ceremony_free(s->cer);
    veche_election_free(s->el);
    veche_board_close(s->b);
    veche_key_wipe(&s->key);
    veche_trustee_state_wipe(&s->st);
}

/* The record: the board file, or the server's board mirrored and checked. */
static int open_record(step *s)
{
    const opts *o = s->o;
    veche_note_key pin;
    veche_diag d = {{0}};
    char cache[4096];
    int n;

    if (o->server == NULL)
        return veche_board_open(&s->b, o->db, NULL, &d) == VECHE_OK ? 0
                                                                    : cli_fail(s->cmd, "%s", d.msg);
    if (o->vkey != NULL && cli_parse_vkey(&pin, o->vkey) != 0)
        return cli_usage(s->cmd, trustee_usage, "--vkey: not a board's verifier key");
    if (o->cache != NULL)
        n = snprintf(cache, sizeof cache, "%s", o->cache);
    else if (o->state != NULL)
        n = snprintf(cache, sizeof cache, "%s.mirror.db", o->state);
    else
        n = cli_remote_default_cache(cache, sizeof cache, o->server) == 0 ? 0 : -1;
    if (n < 0 || (size_t)n >= sizeof cache)
        return cli_fail(s->cmd, "no place for the mirror: give --cache PATH");
    if (cli_remote_mirror(o->server, cache, o->vkey != NULL ? &pin : NULL, &s->b, &d) !=
        VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    return 0;
}

/* Exactly one of --db and --server. */
static int record_given(const opts *o)
{
    return (o->db == NULL) != (o->server == NULL) && (o->server != NULL || !o->cache) &&
           (o->server != NULL || !o->vkey);
}

/* (Re)reads the election from the board and judges its ceremony. */
static int judge(step *s, const char *id)
{
    veche_diag d = {{0}};
    veche_ceremony_free(s->cer);
    veche_election_free(s->el);
    s->cer = NULL;
    s->el = NULL;
    if (veche_election_load(&s->el, s->b, id, NULL, NULL, &d) != VECHE_OK ||
        veche_ceremony_evaluate_election(&s->cer, s->el, &d) != VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    return 0;
}

/* The board and the election; with the state file, it must fit the record. */
static int step_open(step *s, const opts *o, const char *cmd, int with_state)
{
    veche_diag d = {{0}};
    veche_err e;
    int rc;

    memset(s, 0, sizeof *s);
    s->cmd = cmd;
    s->o = o;
    if ((e = veche_election_register_types()) != VECHE_OK)
        return cli_fail(cmd, "cannot register the election entry types: %s", veche_strerror(e));
    if ((rc = open_record(s)) != 0)
        return rc;
    if (with_state && veche_trustee_state_load(&s->st, o->state, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    if ((rc = judge(s, with_state ? s->st.election : o->election)) != 0)
        return rc;
    if (with_state) {
        if (veche_trustee_state_check(&s->st, &s->el->manifest, s->el->manifest_hash, s->cer,
                                      &d) != VECHE_OK)
            return cli_fail(cmd, "%s: %s", o->state, d.msg);
        s->i = s->st.dkg.key.i;
    }
    return 0;
}

/* This trustee's board key: its public half must be the state's. */
static int step_key(step *s)
{
    veche_diag d = {{0}};
    if (veche_key_read(&s->key, s->o->key, &d) != VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    if (memcmp(s->key.pk, s->st.author, 32) != 0)
        return cli_fail(s->cmd, "%s is not trustee %u's board key (the one in %s)", s->o->key,
                        s->i, s->o->state);
    return 0;
}

/* Opens everything a trustee's step needs: --state, --db and --key. */
static int trustee_step(step *s, const opts *o, const char *cmd)
{
    int rc;
    memset(s, 0, sizeof *s);
    if (o->state == NULL || !record_given(o) || o->key == NULL)
        return cli_usage(cmd, trustee_usage, "give --state, --key, and --db or --server "
                         "(--cache and --vkey go with --server)");
    if ((rc = step_open(s, o, cmd, 1)) != 0)
        return rc;
    return step_key(s);
}

/* The type of an entry this command built, for messages. */
static const char *entry_type(const char *entry, size_t len)
{
    static char type[VECHE_ENTRY_TYPE_MAX + 1];
    json_t *j = json_loadb(entry, len, 0, NULL);
    snprintf(type, sizeof type, "%s", json_string_value(json_object_get(j, "type")) != NULL
             ? json_string_value(json_object_get(j, "type")) : "entry");
    json_decref(j);
    return type;
}

/* POSTs one entry; *at gets the index the server gives it. */
static int post_entry(step *s, const char *entry, size_t len, uint64_t *at)
{
    veche_diag d = {{0}};
    json_t *ans = NULL, *index;
    long status;
    int rc = 0;

    if (cli_remote_post(s->o->server, "/api/v1/record/entries", entry, len, "application/json",
                        &status, &ans, &d) != VECHE_OK)
        rc = cli_fail(s->cmd, "sending %s: %s", entry_type(entry, len), d.msg);
    else if (!json_is_integer(index = json_object_get(ans, "index")) ||
             json_integer_value(index) < 0)
        rc = cli_fail(s->cmd, "sending %s: the server's answer has no \"index\"",
                      entry_type(entry, len));
    else
        *at = (uint64_t)json_integer_value(index);
    json_decref(ans);
    return rc;
}

/* After sending: the mirror, synced again, must hold each entry where the server said. */
static int confirm_posted(step *s, char **entries, size_t *lens, size_t n, const uint64_t *at)
{
    veche_diag d = {{0}};
    uint8_t *got;
    size_t len;

    if (cli_remote_sync(s->o->server, s->b, &d) != VECHE_OK)
        return cli_fail(s->cmd, "sent, but the record cannot be checked now: %s", d.msg);
    for (size_t k = 0; k < n; k++) {
        int same = veche_board_get(s->b, at[k], &got, &len, &d) == VECHE_OK && len == lens[k] &&
                   memcmp(got, entries[k], len) == 0;
        free(got);
        if (!same)
            return cli_fail(s->cmd, "the server answered that %s is entry %" PRIu64 ", but "
                            "its signed record holds something else there",
                            entry_type(entries[k], lens[k]), at[k]);
    }
    return 0;
}

/* Sends entries[0..n) to the server, in order, one request each. */
static int post_all(step *s, char **entries, size_t *lens, size_t n, uint64_t *at)
{
    for (size_t k = 0; k < n; k++) {
        if (post_entry(s, entries[k], lens[k], &at[k]) == 0)
            continue;
        for (size_t j = 0; j < k; j++)
            fprintf(stderr, "veche %s: %s was sent (entry %" PRIu64 ")\n", s->cmd,
                    entry_type(entries[j], lens[j]), at[j]);
        fprintf(stderr, "veche %s: run the command again: it sends only what is missing\n",
                s->cmd);
        return EXIT_FAIL;
    }
    return confirm_posted(s, entries, lens, n, at);
}

/*
 * Appends entries[0..n) as one durable batch (or sends them to the server)
 * and frees them; at[k] gets entry k's index.
 */
static int append(step *s, char **entries, size_t *lens, size_t n, uint64_t *at)
{
    veche_diag d = {{0}};
    uint64_t first;
    int rc = 0;

    if (s->o->server != NULL)
        rc = post_all(s, entries, lens, n, at);
    else if (veche_board_append(s->b, (const uint8_t *const *)entries, lens, n, &first, &d) !=
             VECHE_OK)
        rc = cli_fail(s->cmd, "%s; nothing was appended", d.msg);
    else
        for (size_t k = 0; k < n; k++)
            at[k] = first + k;
    for (size_t k = 0; k < n; k++)
        free(entries[k]);
    return rc;
}

static int build_failed(step *s, const veche_diag *d)
{
    return cli_fail(s->cmd, "%s; nothing was appended", d->msg);
}

static const veche_ceremony_step *my_step(const step *s, int round)
{
    return &s->cer->tr[s->i].step[round];
}

/* A step already on the record: say where (and whether it was judged bad). */
static int already(const step *s, int round, const char *what)
{
    const veche_ceremony_step *st = my_step(s, round);
    if (st->state == VECHE_STEP_BAD)
        return cli_fail(s->cmd, "trustee %u's %s (entry %" PRIu64 ") is on the record and "
                        "invalid: %s", s->i, what, st->index, st->why);
    printf("trustee %u: %s already on the record (entry %" PRIu64 "); nothing to do\n", s->i,
           what, st->index);
    return 0;
}

/* ---- init ------------------------------------------------------------------------------ */

/* A new state for the trustee whose board key is s->key, saved before anything is published. */
static int new_state(step *s)
{
    veche_diag d = {{0}};
    const veche_election *el = s->el;
    uint32_t i = veche_manifest_trustee(&el->manifest, s->key.pk);

    if (i == 0)
        return cli_fail(s->cmd, "%s is not the board key of any trustee of election %s",
                        s->o->key, el->id);
    if (s->cer->tr[i].step[VECHE_ROUND_KEY].state != VECHE_STEP_MISSING)
        return cli_fail(s->cmd, "trustee %u already published a trustee.key (entry %" PRIu64 "), "
                        "from another state file; a new one cannot take part", i,
                        s->cer->tr[i].step[VECHE_ROUND_KEY].index);
    if (veche_trustee_state_new(&s->st, &el->manifest, el->manifest_hash, s->key.pk, NULL, &d) !=
            VECHE_OK ||
        veche_trustee_state_save(&s->st, s->o->state, 1, &d) != VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    s->i = i;
    printf("trustee %u of election %s: secret state written to %s (mode 0600)\n", i, el->id,
           s->o->state);
    return 0;
}

/* A state file already there: it must be this trustee's, for this election. */
static int old_state(step *s)
{
    veche_diag d = {{0}};
    if (veche_trustee_state_load(&s->st, s->o->state, &d) != VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    if (veche_trustee_state_check(&s->st, &s->el->manifest, s->el->manifest_hash, s->cer, &d) !=
        VECHE_OK)
        return cli_fail(s->cmd, "%s: %s", s->o->state, d.msg);
    s->i = s->st.dkg.key.i;
    return step_key(s);
}

static int cmd_init(const opts *o)
{
    const char *cmd = "trustee init";
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint64_t at;
    step s;
    int rc;

    if (o->state == NULL || o->election == NULL || !record_given(o) || o->key == NULL)
        return cli_usage(cmd, trustee_usage, "give --state, --election, --key, and --db or "
                         "--server (--cache and --vkey go with --server)");
    if ((rc = step_open(&s, o, cmd, 0)) != 0)
        goto done;
    if (access(o->state, F_OK) == 0) {
        rc = old_state(&s);
    } else {
        veche_diag kd = {{0}};
        rc = veche_key_read(&s.key, o->key, &kd) != VECHE_OK ? cli_fail(cmd, "%s", kd.msg)
                                                            : new_state(&s);
    }
    if (rc != 0)
        goto done;
    if (my_step(&s, VECHE_ROUND_KEY)->state != VECHE_STEP_MISSING) {
        rc = already(&s, VECHE_ROUND_KEY, "trustee.key");
        goto done;
    }
    if (veche_trustee_key_entry(&entry, &len, &s.st, &s.key, &d) != VECHE_OK) {
        rc = build_failed(&s, &d);
        goto done;
    }
    if ((rc = append(&s, &entry, &len, 1, &at)) == 0)
        printf("trustee.key appended: entry %" PRIu64 "\nnext: veche trustee commit\n", at);
done:
    step_close(&s);
    return rc;
}

/* ---- commit, reveal ------------------------------------------------------------------------ */

static int cmd_commit(const opts *o)
{
    const char *cmd = "trustee commit";
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint64_t at;
    step s;
    int rc;

    if ((rc = trustee_step(&s, o, cmd)) != 0)
        goto done;
    if (my_step(&s, VECHE_ROUND_KEY)->state != VECHE_STEP_OK) {
        rc = cli_fail(cmd, "trustee %u's trustee.key is not (validly) on the record: run "
                      "veche trustee init first", s.i);
        goto done;
    }
    if (my_step(&s, VECHE_ROUND_COMMIT)->state != VECHE_STEP_MISSING) {
        rc = already(&s, VECHE_ROUND_COMMIT, "trustee.commit");
        goto done;
    }
    if (veche_trustee_commit_entry(&entry, &len, &s.st, &s.key, &d) != VECHE_OK) {
        rc = build_failed(&s, &d);
        goto done;
    }
    if ((rc = append(&s, &entry, &len, 1, &at)) == 0)
        printf("trustee.commit appended: entry %" PRIu64 "\nnext: veche trustee reveal, once "
               "every trustee has committed\n", at);
done:
    step_close(&s);
    return rc;
}

static int cmd_reveal(const opts *o)
{
    const char *cmd = "trustee reveal";
    veche_diag d = {{0}};
    char *entries[2];
    size_t lens[2], n = 0;
    uint64_t at[2];
    step s;
    int rc;

    if ((rc = trustee_step(&s, o, cmd)) != 0)
        goto done;
    if (!s.cer->commits_closed) {
        rc = cli_fail(cmd, "not every trustee has committed yet (%s); revealing now would "
                      "disqualify trustee %u", s.cer->why, s.i);
        goto done;
    }
    if (my_step(&s, VECHE_ROUND_COMMITMENTS)->state == VECHE_STEP_MISSING) {
        if (veche_trustee_commitments_entry(&entries[n], &lens[n], &s.st, s.cer, &s.key, NULL,
                                            &d) != VECHE_OK) {
            rc = build_failed(&s, &d);
            goto done;
        }
        n++;
    }
    if (my_step(&s, VECHE_ROUND_SHARES)->state == VECHE_STEP_MISSING) {
        if (veche_trustee_shares_entry(&entries[n], &lens[n], &s.st, s.cer, &s.key, &d) !=
            VECHE_OK) {
            free(n ? entries[0] : NULL);
            rc = build_failed(&s, &d);
            goto done;
        }
        n++;
    }
    if (n == 0) {
        rc = already(&s, VECHE_ROUND_COMMITMENTS, "reveal (trustee.commitments)");
        goto done;
    }
    if ((rc = append(&s, entries, lens, n, at)) != 0)
        goto done;
    if (n == 2)
        printf("trustee.commitments and trustee.shares appended: entries %" PRIu64 ", %" PRIu64
               "\n", at[0], at[1]);
    else
        printf("%s appended: entry %" PRIu64 "\n", my_step(&s, VECHE_ROUND_COMMITMENTS)->state ==
               VECHE_STEP_MISSING ? "trustee.commitments" : "trustee.shares", at[0]);
    printf("next: veche trustee check, once every trustee has revealed\n");
done:
    step_close(&s);
    return rc;
}

/* ---- check ----------------------------------------------------------------------------------- */

/* A complaint against each dealer in bad[0..nbad), as one batch. */
static int complain(step *s, const uint32_t bad[], size_t nbad)
{
    veche_diag d = {{0}};
    char *entries[VECHE_DKG_MAX_TRUSTEES];
    size_t lens[VECHE_DKG_MAX_TRUSTEES];
    uint64_t at[VECHE_DKG_MAX_TRUSTEES];

    if (s->cer->key_present) {
        for (size_t k = 0; k < nbad; k++)
            printf("trustee %u's share to %u is bad, but the ceremony is closed (entry %" PRIu64
                   "): too late to complain\n", bad[k], s->i, s->cer->key_index);
        return 0;
    }
    for (size_t k = 0; k < nbad; k++) {
        if (veche_trustee_complaint_entry(&entries[k], &lens[k], &s->st, s->cer, bad[k], &s->key,
                                          NULL, &d) != VECHE_OK) {
            for (size_t l = 0; l < k; l++)
                free(entries[l]);
            return build_failed(s, &d);
        }
    }
    if (append(s, entries, lens, nbad, at) != 0)
        return EXIT_FAIL;
    for (size_t k = 0; k < nbad; k++)
        printf("complaint against trustee %u appended: entry %" PRIu64 "\n", bad[k], at[k]);
    return 0;
}

/* x_i once the record allows it; says what it waits for otherwise. */
static int secret_share(step *s)
{
    veche_diag d = {{0}};
    const veche_ceremony *c = s->cer;

    if (c->phase != VECHE_PHASE_CHECKS && c->phase != VECHE_PHASE_KEYED) {
        printf("not every reveal is in (%s): run check again later\n", c->why);
        return 0;
    }
    if (!c->tr[s->i].qualified) {
        printf("trustee %u is not qualified: %s\n", s->i, c->tr[s->i].why);
        return 0;
    }
    if (veche_trustee_secret_share(&s->st, c, &d) != VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    if (veche_trustee_state_save(&s->st, s->o->state, 0, &d) != VECHE_OK)
        return cli_fail(s->cmd, "%s", d.msg);
    printf("x_%u computed from the shares of the %zu qualified trustees and checked: "
           "x_%u·G = K_%u%s\n", s->i, c->nqual, s->i, s->i,
           c->phase == VECHE_PHASE_KEYED ? "" : " (final once election.key is on the record)");
    return 0;
}

static int cmd_check(const opts *o)
{
    const char *cmd = "trustee check";
    veche_diag d = {{0}};
    uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
    size_t nbad = 0, opened = 0;
    step s;
    int rc;

    if ((rc = trustee_step(&s, o, cmd)) != 0)
        goto done;
    if (veche_trustee_open_shares(&s.st, s.cer, bad, &nbad, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "%s", d.msg);
        goto done;
    }
    if (veche_trustee_state_save(&s.st, o->state, 0, &d) != VECHE_OK) {
        rc = cli_fail(cmd, "%s", d.msg);
        goto done;
    }
    for (uint32_t j = 1; j <= s.cer->params.n; j++)
        opened += j != s.i && s.st.have_share[j];
    printf("trustee %u: %zu share(s) opened and checked, %zu bad\n", s.i, opened, nbad);
    if (nbad > 0 && ((rc = complain(&s, bad, nbad)) != 0 || (rc = judge(&s, s.st.election)) != 0))
        goto done;
    rc = secret_share(&s);
done:
    step_close(&s);
    return rc;
}

/* ---- decrypt --------------------------------------------------------------------------------- */


/* This trustee's decryption already on the record (by its key), or NULL. */
static const veche_election_entry *my_decryption(const step *s)
{
    const veche_election_list *l = &s->el->decryptions;
    for (size_t k = 0; k < l->n; k++)
        if (l->v[k].is_signed && memcmp(l->v[k].author, s->st.author, 32) == 0)
            return &l->v[k];
    return NULL;
}

/*
 * Trustees check the record before decrypting: the tally must follow the
 * close and be exactly the sum of the counted ballots, recomputed here
 * (tally.h), or decrypting it could reveal what it should not (a "tally"
 * that is one voter's ballot).
 */
static int tally_is_right(step *s, const veche_election_entry *te)
{
    veche_record_src src = {s->b, NULL};
    veche_votes *v = NULL;
    veche_count *c = NULL;
    veche_diag d = {{0}};
    int rc = 0;

    if (s->el->close_index == VECHE_ELECTION_NO_INDEX || te->index < s->el->close_index)
        return cli_fail(s->cmd, "the election.tally (entry %" PRIu64 ") comes before "
                        "election.close; refusing to decrypt it", te->index);
    if (veche_votes_load(&v, &src, s->el->id, &d) != VECHE_OK ||
        veche_count_ballots(&c, v, 0, &d) != VECHE_OK)
        rc = cli_fail(s->cmd, "cannot recompute the tally: %s", d.msg);
    else if (veche_tally_check(te->body, s->el, c, &d) != VECHE_OK)
        rc = cli_fail(s->cmd, "the election.tally (entry %" PRIu64 ") is not the sum of the "
                      "counted ballots (%s); refusing to decrypt it", te->index, d.msg);
    veche_count_free(c);
    veche_votes_free(v);
    return rc;
}

static int decrypt(step *s, const veche_election_entry *te)
{
    veche_diag d = {{0}};
    veche_ceremony_tally *tally = malloc(sizeof *tally);
    char *entry = NULL;
    size_t len;
    uint64_t at;
    int rc;

    if (tally == NULL)
        return cli_fail(s->cmd, "out of memory");
    if (veche_ceremony_tally_parse(tally, te->body, &s->el->manifest, &d) != VECHE_OK)
        rc = cli_fail(s->cmd, "election.tally (entry %" PRIu64 "): %s", te->index, d.msg);
    else if (veche_trustee_decryption_entry(&entry, &len, &s->st, s->cer, tally,
                                            s->el->fingerprint, &s->key, NULL, &d) != VECHE_OK)
        rc = build_failed(s, &d);
    else if ((rc = append(s, &entry, &len, 1, &at)) == 0)
        printf("trustee.decryption of the tally (entry %" PRIu64 ", recomputed from the "
               "ballots and equal) appended: entry %" PRIu64 "\n", te->index, at);
    free(tally);
    return rc;
}

static int cmd_decrypt(const opts *o)
{
    const char *cmd = "trustee decrypt";
    const veche_election_entry *te, *mine;
    step s;
    int rc;

    if ((rc = trustee_step(&s, o, cmd)) != 0)
        goto done;
    if ((mine = my_decryption(&s)) != NULL) {
        printf("trustee %u: decryption already on the record (entry %" PRIu64 "); nothing to "
               "do\n", s.i, mine->index);
        goto done;
    }
    if (!s.cer->key_present || !s.cer->key_ok) {
        rc = cli_fail(cmd, "no correct election.key on the record: %s",
                      s.cer->key_present ? s.cer->key_why : s.cer->why);
        goto done;
    }
    if ((te = veche_admin_first(s.el, &s.el->tallies)) == NULL) {
        rc = cli_fail(cmd, "no election.tally by the administrator on the record yet");
        goto done;
    }
    if (!s.el->has_fingerprint) {
        rc = cli_fail(cmd, "the election has no fingerprint (its credentials are not complete)");
        goto done;
    }
    if ((rc = tally_is_right(&s, te)) == 0)
        rc = decrypt(&s, te);
done:
    step_close(&s);
    return rc;
}

/* ---- status ------------------------------------------------------------------------------------ */

static const char *const phase_name[] = {
    [VECHE_PHASE_KEYS] = "keys", [VECHE_PHASE_COMMITS] = "commits",
    [VECHE_PHASE_REVEALS] = "reveals", [VECHE_PHASE_CHECKS] = "checks",
    [VECHE_PHASE_KEYED] = "keyed", [VECHE_PHASE_FAILED] = "FAILED",
};

static const char *const step_name[VECHE_ROUNDS] = {"key", "commit", "commitments", "shares"};

static void print_point(const char *label, const veche_point *p)
{
    uint8_t enc[32];
    char b64[45];
    veche_point_encode(enc, p);
    sodium_bin2base64(b64, sizeof b64, enc, sizeof enc, sodium_base64_VARIANT_ORIGINAL);
    printf("%s%s\n", label, b64);
}

static void print_trustee(const veche_ceremony *c, const veche_ceremony_trustee *tr)
{
    printf("  trustee %u (%s):", tr->i, c->manifest->trustee_name[tr->i - 1]);
    for (int r = 0; r < VECHE_ROUNDS; r++) {
        const veche_ceremony_step *st = &tr->step[r];
        if (st->state == VECHE_STEP_MISSING)
            printf(" %s -", step_name[r]);
        else
            printf(" %s %s@%" PRIu64, step_name[r], st->state == VECHE_STEP_OK ? "ok" : "BAD",
                   st->index);
    }
    if (tr->qualified)
        printf(": qualified\n");
    else
        printf(": %s: %s\n", tr->pending ? "pending" : "disqualified", tr->why);
}

static void print_complaints(const veche_ceremony *c)
{
    static const char *const verdict_name[] = {"no verdict", "SENDER at fault",
                                               "COMPLAINER at fault"};
    if (c->ncomplaints == 0)
        return;
    printf("complaints:\n");
    for (size_t k = 0; k < c->ncomplaints; k++) {
        const veche_ceremony_complaint *cp = &c->complaints[k];
        printf("  entry %" PRIu64 ": trustee %u against %u: %s: %s\n", cp->index, cp->j, cp->i,
               verdict_name[cp->verdict], cp->why);
    }
}

static void print_refused(const veche_ceremony *c)
{
    if (c->nrefused == 0)
        return;
    printf("refused entries (they change nothing):\n");
    for (size_t k = 0; k < c->nrefused; k++)
        printf("  entry %" PRIu64 " %s: %s\n", c->refused[k].index, c->refused[k].type,
               c->refused[k].why);
}

static void print_result(const veche_ceremony *c)
{
    char label[32];
    printf("qualified: [");
    for (size_t q = 0; q < c->nqual; q++)
        printf("%s%u", q ? ", " : "", c->qual[q]);
    printf("] (%zu of %u; %u needed)%s\n", c->nqual, c->params.n, c->params.t,
           c->phase == VECHE_PHASE_KEYED ? "" : " so far");
    if (!c->have_K)
        return;
    print_point("joint key K: ", &c->K);
    for (uint32_t j = 1; j <= c->params.n; j++) {
        snprintf(label, sizeof label, "  K_%u: ", j);
        print_point(label, &c->Kj[j]);
    }
}

static void print_ceremony(const veche_ceremony *c)
{
    printf("election %s: key ceremony, %u of %u trustees needed\n", c->manifest->id, c->params.t,
           c->params.n);
    printf("phase: %s: %s\n", phase_name[c->phase], c->why);
    for (uint32_t i = 1; i <= c->params.n; i++)
        print_trustee(c, &c->tr[i]);
    print_complaints(c);
    print_refused(c);
    print_result(c);
    if (c->key_present)
        printf("election.key (entry %" PRIu64 "): %s%s\n", c->key_index,
               c->key_ok ? "correct" : "WRONG: ", c->key_ok ? "" : c->key_why);
}

/* What this trustee's state holds (never its secrets). */
static void print_state(const veche_trustee_state *st)
{
    size_t shares = 0;
    for (uint32_t j = 1; j <= st->dkg.params.n; j++)
        shares += st->have_share[j];
    printf("this state: trustee %u, %zu share(s) kept", st->dkg.key.i, shares);
    if (st->have_x) {
        printf(", x_%u computed for [", st->dkg.key.i);
        for (size_t q = 0; q < st->x_nqual; q++)
            printf("%s%u", q ? ", " : "", st->x_qual[q]);
        printf("]");
    }
    printf("\n");
}

/* The decryptions on the record, judged against the first tally by the administrator. */
static void print_decryptions(const veche_election *el, const veche_ceremony *c)
{
    const veche_election_entry *te = veche_admin_first(el, &el->tallies);
    veche_ceremony_tally *tally;
    veche_decryption dec;
    veche_diag d = {{0}};
    size_t accepted = 0;

    if (te == NULL || !c->key_ok || !el->has_fingerprint || el->decryptions.n == 0)
        return;
    if ((tally = malloc(sizeof *tally)) == NULL)
        return;
    if (veche_ceremony_tally_parse(tally, te->body, &el->manifest, &d) != VECHE_OK ||
        veche_decryption_init(&dec, c, tally, el->fingerprint, &d) != VECHE_OK) {
        printf("election.tally (entry %" PRIu64 "): %s\n", te->index, d.msg);
        free(tally);
        return;
    }
    printf("decryptions of the tally (entry %" PRIu64 "):\n", te->index);
    for (size_t k = 0; k < el->decryptions.n; k++) {
        veche_ceremony_item it = veche_ceremony_item_of(&el->decryptions.v[k]);
        int ok = veche_decryption_add(&dec, &it, &d) == VECHE_OK;
        accepted += ok;
        printf("  entry %" PRIu64 " (trustee %" JSON_INTEGER_FORMAT "): %s%s\n", it.index,
               json_integer_value(json_object_get(it.body, "trustee")), ok ? "valid" : "refused: ",
               ok ? "" : d.msg);
    }
    printf("%zu valid, %u needed to decrypt\n", accepted, c->params.t);
    veche_decryption_free(&dec);
    free(tally);
}

static int cmd_status(const opts *o)
{
    const char *cmd = "trustee status";
    step s;
    int rc;

    if (!record_given(o) || (o->election == NULL) == (o->state == NULL))
        return cli_usage(cmd, trustee_usage, "give --db or --server, and one of --election or "
                         "--state");
    if ((rc = step_open(&s, o, cmd, o->state != NULL)) == 0) {
        print_ceremony(s.cer);
        print_decryptions(s.el, s.cer);
        if (o->state != NULL)
            print_state(&s.st);
    }
    step_close(&s);
    return rc;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

int veche_cmd_trustee(int argc, char **argv)
{
    static const struct { const char *name; int (*run)(const opts *o); } subs[] = {
        {"init", cmd_init}, {"commit", cmd_commit}, {"reveal", cmd_reveal},
        {"check", cmd_check}, {"decrypt", cmd_decrypt}, {"status", cmd_status},
    };
    opts o;
    int r;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(trustee_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if ((r = parse_opts(&o, argc - 1, argv + 1)) != 0) {
        fputs(trustee_usage, r > 0 ? stdout : stderr);
        return r > 0 ? 0 : EXIT_USAGE;
    }
    if (o.nargs != 0)
        return cli_usage("trustee", trustee_usage, "unexpected argument");
    for (size_t k = 0; k < sizeof subs / sizeof subs[0]; k++)
        if (strcmp(argv[1], subs[k].name) == 0)
            return subs[k].run(&o);
    return cli_usage("trustee", trustee_usage, "unknown command '%s'", argv[1]);
}
