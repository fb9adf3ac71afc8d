/*
 * bodies.c — publication bodies beside the record: one file per body, named
 * by the lower-case hex of its SHA-256, so a tombstone can drop a body
 * while the record keeps its hash, and a mirror can check every body it
 * holds against the record without trusting whoever sent it.
 */
#include "council/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

void veche_council_body_name(char out[65], const uint8_t hash[32])
{
    sodium_bin2hex(out, 65, hash, 32);
}

static veche_err path_of(char *path, size_t cap, const char *dir, const char *name,
                         veche_diag *d)
{
    int n = snprintf(path, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return veche_diag_set(d, VECHE_EINVALID, "bodies: the directory's path is too long");
    return VECHE_OK;
}

/* Reads at most VECHE_COUNCIL_BODY_MAX + 1 bytes, so an oversized file is seen as such. */
static veche_err read_capped(uint8_t **body, size_t *len, FILE *f, const char *name,
                             veche_diag *d)
{
    uint8_t *buf = malloc(VECHE_COUNCIL_BODY_MAX + 1);
    size_t n;
    if (buf == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    n = fread(buf, 1, VECHE_COUNCIL_BODY_MAX + 1, f);
    if (ferror(f)) {
        free(buf);
        return veche_diag_set(d, VECHE_EINTERNAL, "bodies/%s: cannot be read", name);
    }
    *body = buf;
    *len = n;
    return VECHE_OK;
}

veche_err veche_council_body_read(uint8_t **body, size_t *len, const char *dir,
                                  const uint8_t hash[32], veche_diag *d)
{
    char name[65], path[4096];
    uint8_t got[32];
    FILE *f;
    veche_err e;

    *body = NULL;
    *len = 0;
    veche_council_body_name(name, hash);
    if ((e = path_of(path, sizeof path, dir, name, d)) != VECHE_OK)
        return e;
    if ((f = fopen(path, "rb")) == NULL)
        return veche_diag_set(d, errno == ENOENT ? VECHE_ENOTFOUND : VECHE_EINTERNAL,
                              "bodies/%s: %s", name, strerror(errno));
    e = read_capped(body, len, f, name, d);
    fclose(f);
    if (e != VECHE_OK)
        return e;
    crypto_hash_sha256(got, *body, *len);
    if (*len > VECHE_COUNCIL_BODY_MAX || sodium_memcmp(got, hash, 32) != 0) {
        free(*body);
        *body = NULL;
        *len = 0;
        return veche_diag_set(d, VECHE_EVERIFY, "bodies/%s: the file's SHA-256 is not its name",
                              name);
    }
    return VECHE_OK;
}

static veche_err write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return VECHE_EINTERNAL;
        p += w;
        n -= (size_t)w;
    }
    return VECHE_OK;
}

veche_err veche_council_body_write(const char *dir, const uint8_t *body, size_t len,
                                   veche_diag *d)
{
    veche_publication_meta m;
    char name[65], path[4096], tmp[4096 + 16];
    int fd;
    veche_err e;

    if ((e = veche_council_body_meta(&m, body, len, d)) != VECHE_OK)
        return e;
    veche_council_body_name(name, m.hash);
    if ((e = path_of(path, sizeof path, dir, name, d)) != VECHE_OK)
        return e;
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    /* a temp file renamed into place: a reader never sees half a body */
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return veche_diag_set(d, VECHE_EINTERNAL, "bodies: cannot create %s: %s", tmp,
                              strerror(errno));
    e = write_all(fd, body, len);
    if (e == VECHE_OK && fsync(fd) != 0)
        e = VECHE_EINTERNAL;
    if (close(fd) != 0)
        e = VECHE_EINTERNAL;
    if (e == VECHE_OK && rename(tmp, path) != 0)
        e = VECHE_EINTERNAL;
    if (e != VECHE_OK) {
        unlink(tmp);
        return veche_diag_set(d, e, "bodies: cannot write %s: %s", path, strerror(errno));
    }
    return VECHE_OK;
}
