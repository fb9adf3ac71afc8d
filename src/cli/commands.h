/*
 * commands.h — the subcommands of the veche binary.
 *
 * Each subcommand is one function in its own file in src/cli/, called by
 * main.c with the command line from the subcommand's name onwards:
 * `veche demo --votes 40` arrives as argc = 3, argv = {"demo", "--votes", "40"},
 * so getopt() works on it as it would in a program of its own. The function
 * returns the process exit status: 0 on success, 1 when the job failed,
 * 2 on a usage error. It prints its own messages; it must honour --help.
 *
 * veche_crypto_init() has already been called when a subcommand runs.
 */
#ifndef VECHE_CLI_COMMANDS_H
#define VECHE_CLI_COMMANDS_H

/* A complete election on a fresh SQLite record — ceremony, credentials,
 * votes, tally, decryption, result — then the verifier on its export
 * (src/cli/demo.c); `--crypto` runs the crypto core alone (demo_crypto.c). */
int veche_cmd_demo(int argc, char **argv);

/* The public record: init, append, proofs, receipts, export, verify (src/cli/board.c). */
int veche_cmd_board(int argc, char **argv);
/* A witness's key and cosigning (src/cli/witness.c). */
int veche_cmd_witness(int argc, char **argv);
/* An author's signing key (src/cli/witness.c). */
int veche_cmd_keygen(int argc, char **argv);
/* Cast a ballot, or spoil one for a Benaloh audit (src/cli/vote.c). */
int veche_cmd_vote(int argc, char **argv);
/* Check a spoiled ballot's audit document (src/cli/vote.c). */
int veche_cmd_audit(int argc, char **argv);
/* The administrator's steps: create, key, open, close, show (src/cli/election.c). */
int veche_cmd_election(int argc, char **argv);
/* The credential authority's step: generate (src/cli/election.c). */
int veche_cmd_credentials(int argc, char **argv);
/* `veche election tally|result`, handed over by veche_cmd_election (src/cli/tally.c). */
int veche_cmd_election_count(int argc, char **argv);
/* Check an election record end to end: the numbered checks (src/cli/verify.c). */
int veche_cmd_verify(int argc, char **argv);
/* A trustee's key ceremony and decryption steps, and the ceremony's status (src/cli/trustee.c). */
int veche_cmd_trustee(int argc, char **argv);
/* A council: roll, standing credentials, groupings and publications, petitions,
 * elections, mandates, delegations, status and due actions (src/cli/council.c). */
int veche_cmd_council(int argc, char **argv);
/* The board as a web service: the API, the booth, the record and admin pages (src/cli/serve.c). */
int veche_cmd_serve(int argc, char **argv);

#endif
