/*
 * demo.h — the two demonstrations behind `veche demo` (src/cli/demo.c).
 *
 * `veche demo` runs a complete election on a real record (demo.c);
 * `veche demo --crypto` runs the cryptographic core alone, without the
 * election layer or a board (demo_crypto.c). demo.c dispatches: it hands
 * the crypto demo the command line without "--crypto", with the calling
 * convention of commands.h (argv[0] is "demo"; returns the exit status).
 */
#ifndef VECHE_CLI_DEMO_H
#define VECHE_CLI_DEMO_H

/* Encrypts, tallies and threshold-decrypts N yes/no votes with the crypto core. */
int veche_demo_crypto(int argc, char **argv);

#endif
