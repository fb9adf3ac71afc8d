/*
 * util.c — helpers shared by the subcommands (see util.h).
 */
#include "cli/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_read_file(const char *path, size_t *len, size_t max)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 4096, n = 0;
    char *buf;

    if (f == NULL) {
        fprintf(stderr, "veche: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            fprintf(stderr, "veche: %s: larger than %zu bytes\n", path, max);
            free(buf);
            buf = NULL;
            break;
        }
        if (got == 0)
            break;
        if (n == cap) {
            char *bigger = realloc(buf, 2 * cap + 1);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf != NULL && ferror(f)) {
        fprintf(stderr, "veche: %s: read error\n", path);
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

int cli_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    int bad;
    if (f == NULL) {
        fprintf(stderr, "veche: %s: %s\n", path, strerror(errno));
        return -1;
    }
    bad = fwrite(data, 1, len, f) != len;
    bad |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
    if (bad)
        fprintf(stderr, "veche: %s: write error\n", path);
    return bad ? -1 : 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != 0)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_vkey(veche_note_key *key, const char *text)
{
    char *file = NULL;
    size_t len;
    int rc;

    if (text[0] == '@') {
        if ((file = cli_read_file(text + 1, &len, 1024)) == NULL)
            return -1;
        while (len > 0 && (file[len - 1] == '\n' || file[len - 1] == '\r'))
            file[--len] = 0;
        text = file;
    }
    rc = veche_note_key_parse(key, text) == VECHE_OK ? 0 : -1;
    if (rc != 0)
        fprintf(stderr, "veche: not a verifier key (name+hexid+base64): %.80s\n", text);
    free(file);
    return rc;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "veche %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_FAIL;
}

int cli_usage(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "veche %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}
