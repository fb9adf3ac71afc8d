/*
 * main.c — the veche command: one binary, one subcommand per job.
 *
 * Thin by design (DESIGN.md, "curl" split): it initialises the library, finds
 * the subcommand in the table below and hands it the rest of the command line
 * (see commands.h for the calling convention). Everything the subcommands do
 * lives in libveche; this file only dispatches and prints.
 *
 * Exit status: 0 success, 1 the job failed, 2 the command line was wrong.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "cli/commands.h"
#include "crypto/group.h"
#include "crypto/transcript.h"
#include "council/council.h"
#include "version.h"

#define EXIT_USAGE 2

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;   /* one line, shown by `veche help` */
} command;

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const command commands[] = {
    { "demo",    veche_cmd_demo,
      "a complete election on a SQLite record, verified from the record (--crypto: the core alone)" },
    { "board",   veche_cmd_board,
      "the public record: append, checkpoint, prove, receipt, export, verify" },
    { "witness", veche_cmd_witness,
      "cosign a board's checkpoints, refusing any fork of what was cosigned" },
    { "keygen",  veche_cmd_keygen, "make an author's signing key" },
    { "election", veche_cmd_election,
      "an election: create, key, open, close, show (the administrator's steps)" },
    { "credentials", veche_cmd_credentials,
      "generate the voters' secret codes and publish their public credentials" },
    { "trustee", veche_cmd_trustee,
      "a trustee's key ceremony and decryption steps; the ceremony's status" },
    { "vote",    veche_cmd_vote,   "cast a ballot with your credential (or spoil one: --audit)" },
    { "audit",   veche_cmd_audit,  "check a spoiled ballot: it encrypts what the voter chose" },
    { "verify",  veche_cmd_verify,
      "check an election record end to end: the 13 numbered checks" },
    { "council", veche_cmd_council,
      "a council: roll, credentials, groupings, publications, petitions, mandates, recall" },
    { "serve",   veche_cmd_serve,
      "serve the board over HTTP: the voters' booth, the public record, administration" },
    { "version", cmd_version, "print the versions of veche, its protocol and libsodium" },
    { "help",    cmd_help,    "print this help" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out,
            "veche %s — verifiable secret-ballot elections\n"
            "\n"
            "usage: veche <command> [options]\n"
            "\n"
            "commands:\n", VECHE_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\nRun `veche <command> --help` for a command's options.\n");
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    usage(stdout);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "veche version: takes no arguments\n");
        return EXIT_USAGE;
    }
    printf("veche %s\n", VECHE_VERSION);
    printf("protocol %s\n", VECHE_PROTOCOL_TAG);
    printf("libsodium %s\n", sodium_version_string());
    return 0;
}

static const command *command_find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    veche_err e = veche_crypto_init();
    if (e != VECHE_OK) {
        fprintf(stderr, "veche: cannot initialise the crypto library: %s\n",
                veche_strerror(e));
        return 1;
    }
    /* The board refuses unknown types: every layer's (elections, councils) first. */
    if ((e = veche_council_register_types()) != VECHE_OK) {
        fprintf(stderr, "veche: cannot register the entry types: %s\n", veche_strerror(e));
        return 1;
    }

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    else if (strcmp(name, "--version") == 0)
        name = "version";

    const command *cmd = command_find(name);
    if (cmd == NULL) {
        fprintf(stderr, "veche: unknown command '%s'; run `veche --help` for the list\n",
                argv[1]);
        return EXIT_USAGE;
    }

    return cmd->run(argc - 1, argv + 1);
}
