/*
 * vote.c — `veche vote` (cast a ballot, or spoil one for a Benaloh audit)
 * and `veche audit` (check a spoiled ballot), from the command line.
 *
 * Thin, as every subcommand: find the election on the record
 * (veche_election_load), derive the credential from the voter's code
 * (credentials.h) — under the election's id, or under its council's id when
 * the election is a council's (council.h: the standing credential votes) —
 * parse the choices and build the ballot (ballot.h),
 * check it as any verifier would, then append it (durable when the call
 * returns) and print its tracking code. The secret code, the key derived
 * from it and the choices are wiped before the command returns.
 *
 * With --server URL the record is a running `veche serve`: the election is
 * read from a local mirror of its board, checked against the server's signed
 * checkpoint (remote.h); the ballot is built here and sent with POST
 * /api/v1/elections/ID/ballots. When no answer comes (network, 5xx, 429) the
 * very same bytes are sent again — never a new ballot, which would be a
 * second vote if the first had arrived — and the server answers a repeat
 * with the index of the first. The receipt it returns is checked offline
 * against the board key before the command says the ballot is cast.
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
#include "council/council.h"
#include "election/ballot.h"
#include "election/credentials.h"
#include "election/election.h"

static const char vote_usage[] =
    "usage: veche vote --db PATH --election ID --credential CODE --choices CHOICES\n"
    "                  [--receipt FILE [--key KEYFILE]]\n"
    "       veche vote --server URL --election ID --credential CODE --choices CHOICES\n"
    "                  [--receipt FILE] [--ballot-out FILE] [--cache PATH] [--vkey VKEY]\n"
    "       veche vote --server URL --election ID --resend FILE [--receipt FILE]\n"
    "       veche vote --audit (--db PATH | --server URL) --election ID --credential CODE\n"
    "                  --choices CHOICES [--out FILE]\n"
    "\n"
    "Encrypts your choices on this machine, proves they are valid, signs the ballot\n"
    "with your credential and appends it to the record. Prints its tracking code:\n"
    "look it up on the record at any time to see your ballot is there.\n"
    "\n"
    "  --credential CODE  the code you were given (dashes and case do not matter);\n"
    "                     @FILE reads it from a file, - from standard input (keeps\n"
    "                     it out of your shell history and the process list)\n"
    "  --choices CHOICES  one group per contest, every contest once, separated by ';':\n"
    "                       CONTEST:SELECTION,SELECTION,...\n"
    "                     CONTEST is the contest's id or its number (0, 1, ...);\n"
    "                     SELECTION an option's text, \"blank\" (if the contest has a\n"
    "                     blank vote) or its number (options 0, 1, ..., then blank).\n"
    "                     \"CONTEST:\" chooses nothing (where the contest allows it).\n"
    "                     Examples: \"ref:yes\"   \"0:1;1:0,3\"   \"seats:Ana,Chen;ref:no\"\n"
    "  --receipt FILE     also write a receipt: the ballot, its inclusion proof and a\n"
    "                     signed checkpoint, checkable offline (veche board\n"
    "                     check-receipt). It needs a checkpoint that covers the\n"
    "                     ballot: with --key KEYFILE (the board's key, if you run the\n"
    "                     board) one is made now; otherwise the latest must cover it,\n"
    "                     or ask the board for one and run `veche board receipt`.\n"
    "  --audit            do NOT cast: print the ballot with its secret nonces (to\n"
    "                     --out FILE or standard output), so that anyone can check\n"
    "                     with `veche audit` that it encrypts your choices. A spoiled\n"
    "                     ballot must never be cast; then vote again normally.\n"
    "\n"
    "  --server URL       vote at a running `veche serve`: the record is mirrored in\n"
    "                     --cache PATH (default: a file under ~/.cache/veche) and\n"
    "                     checked against the server's signed checkpoint; the first\n"
    "                     time, the server's board key is trusted (or must equal\n"
    "                     --vkey VKEY: name+hexid+base64, or @FILE), and it may\n"
    "                     never change after. Without an answer the same ballot is\n"
    "                     sent again (a repeat never counts twice). The server's\n"
    "                     receipt is checked here; --receipt FILE keeps it.\n"
    "  --ballot-out FILE  (with --server) write the ballot's bytes to FILE before\n"
    "                     sending them: if no answer ever comes, send the SAME\n"
    "                     ballot later with --resend FILE, never a new one\n"
    "  --resend FILE      send again the ballot saved with --ballot-out\n"
    "\n"
    "Re-voting: you may vote again with the same credential while the election is\n"
    "open; the last ballot counts, and the record shows the earlier ones superseded.\n"
    "Exit status: 0 done; 1 failed (if the ballot was cast but the receipt could not\n"
    "be written, the message says so: do not vote again for that); 2 usage.\n";

static const char audit_usage[] =
    "usage: veche audit FILE (--db PATH | --record DIR) --election ID\n"
    "\n"
    "Checks a spoiled ballot (from `veche vote --audit`): its proofs and signature\n"
    "verify for the election, and each ciphertext is exactly the encryption of the\n"
    "plaintext given with the nonce given. Prints the choices the ballot encrypts,\n"
    "so the voter can compare them with what they chose. FILE - is standard input.\n";

typedef struct opts {
    const char *db, *record, *election, *credential, *choices, *receipt, *key, *out;
    const char *server, *cache, *vkey, *ballot_out, *resend;
    int audit;
    char **args;
    int nargs;
} opts;

enum { O_DB = 256, O_RECORD, O_ELECTION, O_CREDENTIAL, O_CHOICES, O_RECEIPT, O_KEY, O_OUT,
       O_AUDIT, O_SERVER, O_CACHE, O_VKEY, O_BALLOT_OUT, O_RESEND, O_HELP };

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"record", 1, 0, O_RECORD}, {"election", 1, 0, O_ELECTION},
    {"credential", 1, 0, O_CREDENTIAL}, {"choices", 1, 0, O_CHOICES},
    {"receipt", 1, 0, O_RECEIPT}, {"key", 1, 0, O_KEY}, {"out", 1, 0, O_OUT},
    {"audit", 0, 0, O_AUDIT}, {"server", 1, 0, O_SERVER}, {"cache", 1, 0, O_CACHE},
    {"vkey", 1, 0, O_VKEY}, {"ballot-out", 1, 0, O_BALLOT_OUT}, {"resend", 1, 0, O_RESEND},
    {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
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
        case O_RECORD: o->record = optarg; break;
        case O_ELECTION: o->election = optarg; break;
        case O_CREDENTIAL: o->credential = optarg; break;
        case O_CHOICES: o->choices = optarg; break;
        case O_RECEIPT: o->receipt = optarg; break;
        case O_KEY: o->key = optarg; break;
        case O_OUT: o->out = optarg; break;
        case O_AUDIT: o->audit = 1; break;
        case O_SERVER: o->server = optarg; break;
        case O_CACHE: o->cache = optarg; break;
        case O_VKEY: o->vkey = optarg; break;
        case O_BALLOT_OUT: o->ballot_out = optarg; break;
        case O_RESEND: o->resend = optarg; break;
        case O_HELP: return 1;
        default: return -1;
        }
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    return 0;
}

/* ---- the election ------------------------------------------------------------ */

/* What a voter needs from the record, and the earlier ballots of one credential. */
typedef struct ctx {
    veche_election *el;
    veche_pubkey    K;
    int             have_K;
    char            cred_b64[VECHE_TRACKING_CODE_CHARS + 1];   /* b64(enc(X)): 44 too */
    uint64_t        earlier[8];     /* the last few earlier ballots of the credential */
    size_t          nearlier;
} ctx;

/* Loader callback: notes the ballots already cast with this credential. */
static veche_err note_earlier(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                              const veche_entry *entry)
{
    ctx *c = arg;
    const char *cred = json_string_value(json_object_get(entry->body, "credential"));
    (void)bytes;
    (void)len;
    if (c->cred_b64[0] != 0 && cred != NULL && strcmp(cred, c->cred_b64) == 0) {
        if (c->nearlier == sizeof c->earlier / sizeof c->earlier[0])
            memmove(c->earlier, c->earlier + 1, sizeof c->earlier - sizeof c->earlier[0]);
        else
            c->nearlier++;
        c->earlier[c->nearlier - 1] = index;
    }
    return VECHE_OK;
}

/* Loads election `id` from the board b (or the export dir) and its key. */
static int load_election(ctx *c, veche_board *b, const char *dir, const char *id,
                         const char *cmd)
{
    veche_diag d = {{0}};
    veche_err e;

    if ((e = veche_election_register_types()) != VECHE_OK)
        return cli_fail(cmd, "cannot register the election entry types: %s", veche_strerror(e));
    e = b != NULL ? veche_election_load(&c->el, b, id, note_earlier, c, &d)
                  : veche_election_load_export(&c->el, dir, id, note_earlier, c, &d);
    if (e != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    if (!c->el->has_key)
        return cli_fail(cmd, "election \"%s\" has no joint key yet: the trustees' ceremony is "
                        "not finished", id);
    if (!c->el->has_fingerprint)
        return cli_fail(cmd, "election \"%s\" has no complete list of credentials yet", id);
    if (veche_pubkey_decode(&c->K, c->el->K) != VECHE_OK)
        return cli_fail(cmd, "election \"%s\": its key does not decode", id);
    c->have_K = 1;
    return 0;
}

static void ctx_free(ctx *c)
{
    if (c->have_K)
        veche_pubkey_free(&c->K);
    if (c->el != NULL)
        veche_election_free(c->el);
}

/* ---- the credential ------------------------------------------------------------ */

/* The code from --credential: itself, @FILE, or - (standard input). Secret. */
static char *read_code(const char *arg)
{
    size_t len = 0;
    char *text;

    if (arg[0] != '@' && strcmp(arg, "-") != 0)
        return strdup(arg);
    text = cli_read_file(arg[0] == '@' ? arg + 1 : "-", &len, 1024);
    if (text != NULL)
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = 0;
    return text;
}

/*
 * The credential scope (SPEC §3.6): the election's id, or — when the election
 * is linked to a council — the council's id, since a council's members vote
 * with the one standing credential they hold for the council. Says which.
 */
static int credential_scope(char scope[VECHE_COUNCIL_ID_MAX + 1], veche_board *b,
                            const opts *o, const char *cmd)
{
    veche_record_src src = {b, NULL};
    veche_diag d = {{0}};
    int linked = 0;

    if (veche_council_scope_of(&src, o->election, &linked, scope, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    if (!linked) {
        snprintf(scope, VECHE_COUNCIL_ID_MAX + 1, "%s", o->election);
        return 0;
    }
    /* --audit may print its document on standard output: keep that clean. */
    fprintf(o->audit ? stderr : stdout, "credential scope: council %s (election \"%s\" is "
            "one of its elections: your standing code for the council votes)\n", scope,
            o->election);
    return 0;
}

/* x, X from the code under the scope (credential_scope); X must be on the election's list. */
static int derive_credential(veche_scalar *x, uint8_t X[32], const char *scope, const opts *o,
                             const char *cmd)
{
    veche_diag d = {{0}};
    char *code = read_code(o->credential);
    veche_err e;

    if (code == NULL)
        return cli_fail(cmd, "cannot read the credential");
    e = veche_credential_derive(x, X, scope, code, &d);
    sodium_memzero(code, strlen(code));
    free(code);
    return e == VECHE_OK ? 0 : cli_fail(cmd, "credential: %s", d.msg);
}

/* ---- casting -------------------------------------------------------------------- */

static int write_receipt(veche_board *b, uint64_t index, const opts *o)
{
    veche_diag d = {{0}};
    char *note = NULL, *receipt = NULL;
    int rc;

    if (o->key != NULL && veche_board_checkpoint(b, &note, &d) != VECHE_OK)
        return cli_fail("vote", "the ballot IS cast (entry %" PRIu64 "), but no checkpoint "
                        "could be made for its receipt: %s", index, d.msg);
    free(note);
    if (veche_board_receipt(b, index, &receipt, &d) != VECHE_OK)
        return cli_fail("vote", "the ballot IS cast (entry %" PRIu64 ", do not vote again for "
                        "this), but there is no receipt yet: %s", index, d.msg);
    rc = cli_write_file(o->receipt, receipt, strlen(receipt));
    free(receipt);
    if (rc != 0)
        return cli_fail("vote", "the ballot IS cast (entry %" PRIu64 "), but the receipt could "
                        "not be written; `veche board receipt --db %s %" PRIu64 "` makes it again",
                        index, o->db, index);
    printf("receipt written to %s\n", o->receipt);
    return 0;
}

/* ---- casting at a server ------------------------------------------------------------- */

enum { SEND_ATTEMPTS = 6, SEND_FIRST_WAIT_S = 1, SEND_MAX_WAIT_S = 16 };

/* The server's answer to a cast, checked. */
typedef struct cast_answer {
    long     status;
    uint64_t index;
    char    *receipt;       /* malloc'd */
} cast_answer;

/* Whether an unanswered or failed request may be sent again as it is. */
static int may_retry(long status)
{
    return status == 0 || status == 408 || status == 429 || status >= 500;
}

/* Sends the ballot's bytes, again and again (the same bytes) while no answer decides. */
static int send_ballot(const char *entry, size_t len, const opts *o, cast_answer *a)
{
    veche_diag d = {{0}};
    char *id = cli_remote_escape(o->election), path[512];
    json_t *ans = NULL;
    unsigned wait = SEND_FIRST_WAIT_S;
    veche_err e = VECHE_EINTERNAL;

    if (id == NULL)
        return cli_fail("vote", "out of memory");
    snprintf(path, sizeof path, "/api/v1/elections/%s/ballots", id);
    free(id);
    for (int k = 1; k <= SEND_ATTEMPTS; k++) {
        json_decref(ans);
        ans = NULL;
        e = cli_remote_post(o->server, path, entry, len, "application/json", &a->status, &ans,
                            &d);
        if (e == VECHE_OK || !may_retry(a->status) || k == SEND_ATTEMPTS)
            break;
        fprintf(stderr, "veche vote: %s; sending the same ballot again in %u s (attempt %d of "
                "%d)\n", d.msg, wait, k + 1, SEND_ATTEMPTS);
        sleep(wait);
        wait = wait * 2 > SEND_MAX_WAIT_S ? SEND_MAX_WAIT_S : wait * 2;
    }
    if (e == VECHE_OK) {
        json_t *index = json_object_get(ans, "index");
        const char *receipt = json_string_value(json_object_get(ans, "receipt"));
        if (json_is_integer(index) && json_integer_value(index) >= 0 && receipt != NULL &&
            (a->receipt = strdup(receipt)) != NULL)
            a->index = (uint64_t)json_integer_value(index);
        else
            e = veche_diag_set(&d, VECHE_EENCODING, "the server's answer (HTTP %ld) lacks "
                               "\"index\" or \"receipt\"", a->status);
    }
    json_decref(ans);
    if (e == VECHE_OK)
        return 0;
    if (may_retry(a->status) || a->status / 100 == 2)
        return cli_fail("vote", "%s. The ballot may or may not have arrived: send the SAME "
                        "ballot again (--resend, if you kept it with --ballot-out), never a new "
                        "one, or look up its tracking code", d.msg);
    return cli_fail("vote", "%s; nothing was cast", d.msg);
}

/*
 * The receipt must verify offline with the board key of the mirror, and hold
 * exactly this ballot at the index the server gave.
 */
static int check_receipt(veche_board *b, const char *entry, size_t len, const cast_answer *a)
{
    veche_receipt r;
    veche_diag d = {{0}};
    size_t rlen = strlen(a->receipt);
    int same;

    if (veche_receipt_check(a->receipt, rlen, veche_board_key(b), NULL, 0, 0, &d) != VECHE_OK)
        return cli_fail("vote", "the server says the ballot is entry %" PRIu64 ", but its "
                        "receipt does not verify with the board key: %s", a->index, d.msg);
    if (veche_receipt_parse(&r, a->receipt, rlen) != VECHE_OK)
        return cli_fail("vote", "the server's receipt does not parse");
    same = r.index == a->index && r.extra_len == len && memcmp(r.extra, entry, len) == 0;
    veche_receipt_free(&r);
    if (!same)
        return cli_fail("vote", "the server's receipt is not for this ballot at entry %" PRIu64,
                        a->index);
    return 0;
}

/* What the server did with the ballot, and its receipt, checked and kept. */
static int report_cast(veche_board *b, const ctx *c, const char *entry, size_t len,
                       const opts *o, const cast_answer *a)
{
    char code[VECHE_TRACKING_CODE_CHARS + 1];
    int rc;

    if ((rc = check_receipt(b, entry, len, a)) != 0)
        return rc;
    veche_ballot_tracking_code(code, (const uint8_t *)entry, len);
    printf("ballot cast in election \"%s\": entry %" PRIu64 "%s\ntracking code: %s\n",
           o->election, a->index, a->status == 200 ? " (it was already on the record: a "
           "repeat never counts twice)" : "", code);
    for (size_t i = 0; c != NULL && i < c->nearlier; i++)
        printf("supersedes your earlier ballot at entry %" PRIu64 " (the last ballot counts)\n",
               c->earlier[i]);
    printf("receipt checked with the board key %s\n", veche_board_key(b)->name);
    if (o->receipt == NULL)
        return 0;
    if (cli_write_file(o->receipt, a->receipt, strlen(a->receipt)) != 0)
        return cli_fail("vote", "the ballot IS cast (entry %" PRIu64 "), but the receipt could "
                        "not be written; GET /api/v1/record/receipt/%" PRIu64 " gives it again",
                        a->index, a->index);
    printf("receipt written to %s\n", o->receipt);
    return 0;
}

/* Sends a built and verified ballot to the server. */
static int cast_remote(veche_board *b, const ctx *c, const char *entry, size_t len,
                       const opts *o)
{
    cast_answer a = {0, 0, NULL};
    int rc;

    if (o->ballot_out != NULL && cli_write_file(o->ballot_out, entry, len) != 0)
        return cli_fail("vote", "cannot write %s; nothing was cast", o->ballot_out);
    if ((rc = send_ballot(entry, len, o, &a)) == 0)
        rc = report_cast(b, c, entry, len, o, &a);
    free(a.receipt);
    return rc;
}

/* Verifies the ballot as a verifier will, appends it, prints what happened. */
static int cast(veche_board *b, const ctx *c, const char *entry, size_t len, const opts *o)
{
    const veche_election *el = c->el;
    char code[VECHE_TRACKING_CODE_CHARS + 1];
    const uint8_t *one = (const uint8_t *)entry;
    veche_ballot check;
    veche_diag d = {{0}};
    uint64_t index;

    if (veche_ballot_verify(&check, one, len, &el->manifest, &c->K, el->fingerprint, &d)
            != VECHE_OK)
        return cli_fail("vote", "the ballot built here does not verify (%s); nothing was cast",
                        d.msg);
    veche_ballot_free(&check);
    if (o->server != NULL)
        return cast_remote(b, c, entry, len, o);
    if (veche_board_append(b, &one, &len, 1, &index, &d) != VECHE_OK)
        return cli_fail("vote", "%s; nothing was cast", d.msg);
    veche_ballot_tracking_code(code, one, len);
    printf("ballot cast in election \"%s\": entry %" PRIu64 "\ntracking code: %s\n", el->id,
           index, code);
    for (size_t i = 0; i < c->nearlier; i++)
        printf("supersedes your earlier ballot at entry %" PRIu64 " (the last ballot counts)\n",
               c->earlier[i]);
    return o->receipt != NULL ? write_receipt(b, index, o) : 0;
}

static int spoil(const ctx *c, const char *entry, size_t len, const veche_ballot_secrets *s,
                 const opts *o)
{
    char *doc, code[VECHE_TRACKING_CODE_CHARS + 1];
    size_t dlen;
    veche_diag d = {{0}};
    int rc;

    if (veche_ballot_audit_format(&doc, &dlen, (const uint8_t *)entry, len, &c->el->manifest, s,
                                  &d) != VECHE_OK)
        return cli_fail("vote", "%s", d.msg);
    doc[dlen] = '\n';           /* canon_dump leaves room for the NUL: now a line */
    rc = cli_write_file(o->out != NULL ? o->out : "-", doc, dlen + 1);
    free(doc);
    if (rc != 0)
        return EXIT_FAIL;
    veche_ballot_tracking_code(code, (const uint8_t *)entry, len);
    fprintf(stderr, "veche vote: audit ballot %s NOT cast; check it with `veche audit`, then "
            "vote again normally\n", code);
    return 0;
}

/* The election must be open, the credential listed. */
static int may_vote(const ctx *c, const uint8_t X[32], int audit)
{
    const veche_election *el = c->el;

    if (!audit && el->open_index == VECHE_ELECTION_NO_INDEX)
        return cli_fail("vote", "election \"%s\" is not open yet", el->id);
    if (!audit && el->close_index != VECHE_ELECTION_NO_INDEX)
        return cli_fail("vote", "election \"%s\" is closed (entry %" PRIu64 ")", el->id,
                        el->close_index);
    if (el->cred_state != VECHE_CRED_COMPLETE || veche_credentials_find(&el->creds, X) == NULL)
        return cli_fail("vote", "this credential is not on the list of election \"%s\" (a "
                        "code for another election?)", el->id);
    return 0;
}

static int build_and_go(veche_board *b, ctx *c, const veche_scalar *x, const uint8_t X[32],
                        const opts *o)
{
    const veche_election *el = c->el;
    veche_choices ch;
    veche_ballot_secrets s;
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len = 0;
    int rc;

    if ((rc = may_vote(c, X, o->audit)) != 0)
        return rc;
    if (veche_choices_parse(&ch, o->choices, &el->manifest, &d) != VECHE_OK)
        return cli_fail("vote", "%s", d.msg);
    rc = veche_ballot_build(&entry, &len, &el->manifest, &c->K, el->fingerprint, x, X, &ch,
                            o->audit ? &s : NULL, NULL, &d) == VECHE_OK ? 0 : -1;
    sodium_memzero(&ch, sizeof ch);
    if (rc != 0)
        return cli_fail("vote", "%s", d.msg);
    rc = o->audit ? spoil(c, entry, len, &s, o) : cast(b, c, entry, len, o);
    if (o->audit)
        veche_ballot_secrets_free(&s);
    free(entry);
    return rc;
}

/* The combinations of options that make sense; 0 or a usage error. */
static int check_opts(const opts *o)
{
    if ((o->db == NULL) == (o->server == NULL) || o->election == NULL || o->nargs != 0 ||
        o->record != NULL)
        return cli_usage("vote", vote_usage, "give --election and one of --db or --server, and "
                         "nothing else");
    if (o->resend != NULL)
        return o->server == NULL || o->credential || o->choices || o->audit || o->ballot_out ||
                       o->key
                   ? cli_usage("vote", vote_usage, "--resend FILE goes with --server, "
                               "--election and at most --receipt, --cache, --vkey")
                   : 0;
    if (o->credential == NULL || o->choices == NULL)
        return cli_usage("vote", vote_usage, "--credential and --choices are required");
    if ((o->audit && (o->receipt || o->key || o->ballot_out)) || (!o->audit && o->out) ||
        (o->key && !o->receipt))
        return cli_usage("vote", vote_usage, "--receipt/--key/--ballot-out go with casting, "
                         "--out with --audit; --key only with --receipt");
    if (o->server == NULL && (o->cache || o->vkey || o->ballot_out))
        return cli_usage("vote", vote_usage, "--cache, --vkey and --ballot-out go with --server");
    if (o->server != NULL && o->key != NULL)
        return cli_usage("vote", vote_usage, "--key is the board's key: with --server, the "
                         "server makes the receipt");
    return 0;
}

/* The server's board, mirrored in --cache (or the default) and checked. */
static int open_mirror(veche_board **b, const opts *o)
{
    veche_note_key pin;
    veche_diag d = {{0}};
    char cache[4096];

    if (o->vkey != NULL && cli_parse_vkey(&pin, o->vkey) != 0)
        return cli_usage("vote", vote_usage, "--vkey: not a board's verifier key");
    if (o->cache != NULL)
        snprintf(cache, sizeof cache, "%s", o->cache);
    else if (cli_remote_default_cache(cache, sizeof cache, o->server) != 0)
        return cli_fail("vote", "no place for the mirror of the record: give --cache PATH");
    if (cli_remote_mirror(o->server, cache, o->vkey != NULL ? &pin : NULL, b, &d) != VECHE_OK)
        return cli_fail("vote", "%s", d.msg);
    return 0;
}

/* --resend FILE: the very bytes of a ballot built before, checked and sent again. */
static int resend(const opts *o)
{
    veche_board *b = NULL;
    veche_ballot check;
    veche_diag d = {{0}};
    cast_answer a = {0, 0, NULL};
    size_t len = 0;
    char *entry;
    ctx c;
    int rc;

    if ((entry = cli_read_file(o->resend, &len, VECHE_ENTRY_MAX_BYTES + 1)) == NULL)
        return EXIT_FAIL;
    if (len > 0 && entry[len - 1] == '\n')
        len--;
    memset(&c, 0, sizeof c);
    if ((rc = open_mirror(&b, o)) == 0 && (rc = load_election(&c, b, NULL, o->election,
                                                               "vote")) == 0) {
        if (veche_ballot_verify(&check, (const uint8_t *)entry, len, &c.el->manifest, &c.K,
                                c.el->fingerprint, &d) != VECHE_OK)
            rc = cli_fail("vote", "%s is not a valid ballot of election \"%s\": %s; nothing "
                          "was sent", o->resend, o->election, d.msg);
        else {
            veche_ballot_free(&check);
            if ((rc = send_ballot(entry, len, o, &a)) == 0)
                rc = report_cast(b, NULL, entry, len, o, &a);
        }
    }
    free(a.receipt);
    free(entry);
    ctx_free(&c);
    veche_board_close(b);
    return rc;
}

int veche_cmd_vote(int argc, char **argv)
{
    opts o;
    ctx c;
    veche_board *b = NULL;
    veche_key key;
    veche_scalar x;
    uint8_t X[32];
    char scope[VECHE_COUNCIL_ID_MAX + 1];
    veche_diag d = {{0}};
    veche_err e;
    int rc = parse_opts(&o, argc, argv);

    if (rc != 0) {
        fputs(vote_usage, rc > 0 ? stdout : stderr);
        return rc > 0 ? 0 : EXIT_USAGE;
    }
    if ((rc = check_opts(&o)) != 0)
        return rc;
    if (o.resend != NULL)
        return resend(&o);
    if (o.server != NULL) {
        if ((rc = open_mirror(&b, &o)) != 0)
            return rc;
    } else {
        if (o.key != NULL && veche_key_read(&key, o.key, &d) != VECHE_OK)
            return cli_fail("vote", "%s", d.msg);
        e = veche_board_open(&b, o.db, o.key != NULL ? &key : NULL, &d);
        if (o.key != NULL)
            veche_key_wipe(&key);
        if (e != VECHE_OK)
            return cli_fail("vote", "%s", d.msg);
    }
    memset(&c, 0, sizeof c);
    memset(&x, 0, sizeof x);
    if ((rc = credential_scope(scope, b, &o, "vote")) == 0 &&
        (rc = derive_credential(&x, X, scope, &o, "vote")) == 0) {
        sodium_bin2base64(c.cred_b64, sizeof c.cred_b64, X, 32, sodium_base64_VARIANT_ORIGINAL);
        if ((rc = load_election(&c, b, NULL, o.election, "vote")) == 0)
            rc = build_and_go(b, &c, &x, X, &o);
    }
    veche_scalar_wipe(&x);
    ctx_free(&c);
    veche_board_close(b);
    return rc;
}

/* ---- veche audit ------------------------------------------------------------------- */

/* "contest: option, option" per contest, from what the audit found. */
static void print_choices(const veche_manifest *m, const veche_choices *ch)
{
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        int any = 0;
        printf("  %s:", ct->id);
        for (size_t s = 0; s < ct->nsel; s++)
            if (ch->mark[c][s]) {
                printf("%s %s", any ? "," : "", s < ct->noptions ? ct->options[s] : "blank");
                any = 1;
            }
        printf("%s\n", any ? "" : " (nothing)");
    }
}

int veche_cmd_audit(int argc, char **argv)
{
    opts o;
    ctx c;
    veche_board *b = NULL;
    veche_choices ch;
    veche_diag d = {{0}};
    char code[VECHE_TRACKING_CODE_CHARS + 1], *doc;
    size_t len = 0;
    int rc = parse_opts(&o, argc, argv);

    if (rc != 0) {
        fputs(audit_usage, rc > 0 ? stdout : stderr);
        return rc > 0 ? 0 : EXIT_USAGE;
    }
    if (o.nargs != 1 || o.election == NULL || (o.db == NULL) == (o.record == NULL) ||
        o.credential || o.choices || o.receipt || o.key || o.out || o.audit || o.server ||
        o.cache || o.vkey || o.ballot_out || o.resend)
        return cli_usage("audit", audit_usage, "give one FILE, --election, and one of --db or "
                         "--record");
    if ((doc = cli_read_file(o.args[0], &len, 2 * VECHE_ENTRY_MAX_BYTES)) == NULL)
        return EXIT_FAIL;
    if (len > 0 && doc[len - 1] == '\n')
        len--;                  /* as `veche vote --audit` writes it: one line */
    memset(&c, 0, sizeof c);
    if (o.db != NULL && veche_board_open(&b, o.db, NULL, &d) != VECHE_OK)
        rc = cli_fail("audit", "%s", d.msg);
    if (rc == 0)
        rc = load_election(&c, b, o.record, o.election, "audit");
    if (rc == 0 && veche_ballot_audit_check(&ch, code, (const uint8_t *)doc, len, &c.el->manifest,
                                            &c.K, c.el->fingerprint, &d) != VECHE_OK)
        rc = cli_fail("audit", "%s: FAILED: %s", o.args[0], d.msg);
    if (rc == 0) {
        printf("audit OK: the ballot verifies and encrypts exactly these choices:\n");
        print_choices(&c.el->manifest, &ch);
        printf("tracking code %s (spoiled: it must not be on the record as a cast ballot)\n",
               code);
    }
    free(doc);
    ctx_free(&c);
    if (b != NULL)
        veche_board_close(b);
    return rc;
}
