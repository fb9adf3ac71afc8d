/*
 * util.h — small helpers the subcommands share: files, numbers, keys, errors.
 */
#ifndef VECHE_CLI_UTIL_H
#define VECHE_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "board/note.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2

/* Reads a whole file ("-" = stdin), NUL-terminated; NULL and a message on error. */
char *cli_read_file(const char *path, size_t *len, size_t max);
/* Writes a whole file, replacing it ("-" = stdout). 0 on success. */
int cli_write_file(const char *path, const void *data, size_t len);
/* Parses a decimal uint64 with nothing after it. 0 on success. */
int cli_parse_u64(const char *s, uint64_t *out);
/* A verifier key from its text, or from a file holding it when text starts with '@'. */
int cli_parse_vkey(veche_note_key *key, const char *text);
/* Prints "veche <cmd>: <message>" to stderr and returns EXIT_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "veche <cmd>: <message>\n<usage>" to stderr and returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
