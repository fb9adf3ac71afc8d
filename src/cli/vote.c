/*
 * vote.c — `veche vote` (cast a ballot, or spoil one for a Benaloh audit)
 * and `veche audit` (check a spoiled ballot), from the command line.
 *
 * Thin, as every subcommand: find the election on the record
 * (veche_election_load), derive the credential from the voter's code
 * (credentials.h), parse the choices and build the ballot (ballot.h),
 * check it as any verifier would, then append it (durable when the call
 * returns) and print its tracking code. The secret code, the key derived
 * from it and the choices are wiped before the command returns.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "board/board.h"
#include "cli/commands.h"
#include "cli/util.h"
#include "election/ballot.h"
#include "election/credentials.h"
#include "election/election.h"

static const char vote_usage[] =
    "usage: veche vote --db PATH --election ID --credential CODE --choices CHOICES\n"
    "                  [--receipt FILE [--key KEYFILE]]\n"
    "       veche vote --audit --db PATH --election ID --credential CODE --choices CHOICES\n"
    "                  [--out FILE]\n"
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
    int audit;
    char **args;
    int nargs;
} opts;

enum { O_DB = 256, O_RECORD, O_ELECTION, O_CREDENTIAL, O_CHOICES, O_RECEIPT, O_KEY, O_OUT,
       O_AUDIT, O_HELP };

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"record", 1, 0, O_RECORD}, {"election", 1, 0, O_ELECTION},
    {"credential", 1, 0, O_CREDENTIAL}, {"choices", 1, 0, O_CHOICES},
    {"receipt", 1, 0, O_RECEIPT}, {"key", 1, 0, O_KEY}, {"out", 1, 0, O_OUT},
    {"audit", 0, 0, O_AUDIT}, {"help", 0, 0, O_HELP}, {0, 0, 0, 0},
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

/* x, X from the code; X must be on the election's list. */
static int derive_credential(veche_scalar *x, uint8_t X[32], const opts *o, const char *cmd)
{
    veche_diag d = {{0}};
    char *code = read_code(o->credential);
    veche_err e;

    if (code == NULL)
        return cli_fail(cmd, "cannot read the credential");
    e = veche_credential_derive(x, X, o->election, code, &d);
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

int veche_cmd_vote(int argc, char **argv)
{
    opts o;
    ctx c;
    veche_board *b = NULL;
    veche_key key;
    veche_scalar x;
    uint8_t X[32];
    veche_diag d = {{0}};
    veche_err e;
    int rc = parse_opts(&o, argc, argv);

    if (rc != 0) {
        fputs(vote_usage, rc > 0 ? stdout : stderr);
        return rc > 0 ? 0 : EXIT_USAGE;
    }
    if (o.db == NULL || o.election == NULL || o.credential == NULL || o.choices == NULL ||
        o.nargs != 0)
        return cli_usage("vote", vote_usage, "--db, --election, --credential and --choices are "
                         "required, and nothing else");
    if ((o.audit && (o.receipt || o.key)) || (!o.audit && o.out) || (o.key && !o.receipt))
        return cli_usage("vote", vote_usage, "--receipt/--key go with casting, --out with "
                         "--audit; --key only with --receipt");
    if (o.key != NULL && veche_key_read(&key, o.key, &d) != VECHE_OK)
        return cli_fail("vote", "%s", d.msg);
    e = veche_board_open(&b, o.db, o.key != NULL ? &key : NULL, &d);
    if (o.key != NULL)
        veche_key_wipe(&key);
    if (e != VECHE_OK)
        return cli_fail("vote", "%s", d.msg);
    memset(&c, 0, sizeof c);
    if ((rc = derive_credential(&x, X, &o, "vote")) == 0) {
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
        o.credential || o.choices || o.receipt || o.key || o.out || o.audit)
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
