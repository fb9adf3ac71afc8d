/*
 * witness.c — `veche witness ...` and `veche keygen`: keys and cosigning.
 *
 * A witness runs on its own machine with its own key and state directory;
 * `veche witness cosign` takes a request made by `veche board
 * witness-request` and prints the cosigned checkpoint, or refuses a fork.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/witness.h"
#include "cli/commands.h"
#include "cli/util.h"

static const char witness_usage[] =
    "usage: veche witness <command> [options]\n"
    "  init   --key KEYFILE --name NAME       make a witness key; prints its verifier key\n"
    "  vkey   --key KEYFILE                   print the witness's verifier key\n"
    "  cosign --key KEYFILE --state DIR --log-key VKEY REQUEST|-\n"
    "         cosign a checkpoint that extends the last one cosigned for its log\n";

static const char keygen_usage[] =
    "usage: veche keygen --name NAME --out KEYFILE\n"
    "  make an Ed25519 key for signing entries (an author key); prints its public key\n";

enum { W_KEY = 256, W_NAME, W_STATE, W_LOGKEY, W_OUT, W_HELP };
static const struct option wopts[] = {
    {"key", 1, 0, W_KEY}, {"name", 1, 0, W_NAME}, {"state", 1, 0, W_STATE},
    {"log-key", 1, 0, W_LOGKEY}, {"out", 1, 0, W_OUT}, {"help", 0, 0, W_HELP}, {0, 0, 0, 0},
};

typedef struct wopt { const char *key, *name, *state, *log_key, *out; int help; } wopt;

static int parse(wopt *o, int argc, char **argv)
{
    int c;
    memset(o, 0, sizeof *o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", wopts, NULL)) != -1) {
        switch (c) {
        case W_KEY: o->key = optarg; break;
        case W_NAME: o->name = optarg; break;
        case W_STATE: o->state = optarg; break;
        case W_LOGKEY: o->log_key = optarg; break;
        case W_OUT: o->out = optarg; break;
        case W_HELP: o->help = 1; break;
        default: return -1;
        }
    }
    return 0;
}

static int print_vkey(const veche_key *k, uint8_t type)
{
    veche_note_key nk;
    char text[VECHE_KEYNAME_MAX + 80];
    if (veche_key_note_key(&nk, k, type) != VECHE_OK)
        return EXIT_FAIL;
    veche_note_key_format(text, sizeof text, &nk);
    printf("%s\n", text);
    return 0;
}

static int make_key(const char *cmd, const char *path, const char *name, uint8_t type)
{
    veche_diag d = {{0}};
    veche_key k;
    int rc;
    if (veche_key_generate(&k, name, &d) != VECHE_OK || veche_key_write(path, &k, &d) != VECHE_OK)
        return cli_fail(cmd, "%s", d.msg);
    rc = print_vkey(&k, type);
    veche_key_wipe(&k);
    return rc;
}

static int witness_cosign(const wopt *o, const char *request_path)
{
    veche_diag d = {{0}};
    veche_note_key log_key;
    veche_key k;
    char *req, *out = NULL;
    size_t len;
    int rc = 0;

    if (cli_parse_vkey(&log_key, o->log_key) != 0)
        return EXIT_USAGE;
    if (mkdir(o->state, 0700) != 0 && access(o->state, W_OK) != 0)
        return cli_fail("witness cosign", "%s: cannot use as the state directory", o->state);
    if (veche_key_read(&k, o->key, &d) != VECHE_OK)
        return cli_fail("witness cosign", "%s", d.msg);
    if ((req = cli_read_file(request_path, &len, VECHE_NOTE_MAX_BYTES * 2)) == NULL) {
        veche_key_wipe(&k);
        return EXIT_FAIL;
    }
    if (veche_witness_cosign(o->state, &k, &log_key, req, len, (uint64_t)time(NULL), &out, &d) != VECHE_OK)
        rc = cli_fail("witness cosign", "refused: %s", d.msg);
    else
        fputs(out, stdout);
    veche_key_wipe(&k);
    free(out);
    free(req);
    return rc;
}

int veche_cmd_witness(int argc, char **argv)
{
    wopt o;
    const char *sub = argc > 1 ? argv[1] : "";

    if (argc < 2 || parse(&o, argc - 1, argv + 1) != 0)
        return cli_usage("witness", witness_usage, "missing or bad arguments");
    if (o.help || strcmp(sub, "--help") == 0) {
        fputs(witness_usage, stdout);
        return 0;
    }
    if (strcmp(sub, "init") == 0 && o.key && o.name)
        return make_key("witness init", o.key, o.name, VECHE_SIGTYPE_COSIGNATURE);
    if (strcmp(sub, "vkey") == 0 && o.key) {
        veche_diag d = {{0}};
        veche_key k;
        int rc;
        if (veche_key_read(&k, o.key, &d) != VECHE_OK)
            return cli_fail("witness vkey", "%s", d.msg);
        rc = print_vkey(&k, VECHE_SIGTYPE_COSIGNATURE);
        veche_key_wipe(&k);
        return rc;
    }
    /* parse() saw argv + 1, so its optind counts from the subcommand's name */
    if (strcmp(sub, "cosign") == 0 && o.key && o.state && o.log_key && optind == argc - 2)
        return witness_cosign(&o, argv[1 + optind]);
    return cli_usage("witness", witness_usage, "missing or bad arguments for '%s'", sub);
}

int veche_cmd_keygen(int argc, char **argv)
{
    wopt o;
    if (parse(&o, argc, argv) != 0)
        return cli_usage("keygen", keygen_usage, "bad arguments");
    if (o.help) {
        fputs(keygen_usage, stdout);
        return 0;
    }
    if (o.name == NULL || o.out == NULL)
        return cli_usage("keygen", keygen_usage, "--name and --out are required");
    return make_key("keygen", o.out, o.name, VECHE_SIGTYPE_ED25519);
}
