/*
 * keyfile.c — reading and writing Ed25519 key files (see keyfile.h).
 */
#include "board/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#define KEY_MAGIC "veche-ed25519-v1"

veche_err veche_key_generate(veche_key *k, const char *name, veche_diag *d)
{
    veche_note_key probe;
    memset(k, 0, sizeof *k);
    if (veche_note_key_init(&probe, name, VECHE_SIGTYPE_ED25519, k->pk) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINVALID,
                              "key name \"%.64s\": must be 1..%d characters, no spaces or '+'",
                              name, VECHE_KEYNAME_MAX);
    snprintf(k->name, sizeof k->name, "%s", name);
    crypto_sign_keypair(k->pk, k->sk);
    return VECHE_OK;
}

veche_err veche_key_write(const char *path, const veche_key *k, veche_diag *d)
{
    char seed64[64], line[VECHE_KEYNAME_MAX + 128];
    int fd, n;
    ssize_t w;

    sodium_bin2base64(seed64, sizeof seed64, k->sk, 32, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(line, sizeof line, "%s %s %s\n", KEY_MAGIC, k->name, seed64);
    sodium_memzero(seed64, sizeof seed64);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        sodium_memzero(line, sizeof line);
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    }
    w = write(fd, line, (size_t)n);
    sodium_memzero(line, sizeof line);
    if (w != n || fsync(fd) != 0) {
        close(fd);
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: write failed", path);
    }
    close(fd);
    return VECHE_OK;
}

veche_err veche_key_read(veche_key *k, const char *path, veche_diag *d)
{
    char buf[VECHE_KEYNAME_MAX + 128], magic[32], name[VECHE_KEYNAME_MAX + 2], seed64[64];
    uint8_t seed[32];
    size_t got = 0;
    FILE *f = fopen(path, "r");
    veche_err e = VECHE_OK;

    memset(k, 0, sizeof *k);
    if (f == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    if (fgets(buf, sizeof buf, f) == NULL ||
        sscanf(buf, "%31s %129s %63s", magic, name, seed64) != 3 ||
        strcmp(magic, KEY_MAGIC) != 0 || strlen(name) > VECHE_KEYNAME_MAX)
        e = veche_diag_set(d, VECHE_EENCODING, "%s: not a veche key file", path);
    else if (sodium_base642bin(seed, sizeof seed, seed64, strlen(seed64), NULL, &got, NULL,
                               sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32)
        e = veche_diag_set(d, VECHE_EENCODING, "%s: the seed is not base64 of 32 bytes", path);
    fclose(f);
    if (e == VECHE_OK) {
        memcpy(k->name, name, strlen(name) + 1);   /* length checked above */
        crypto_sign_seed_keypair(k->pk, k->sk, seed);
    }
    sodium_memzero(buf, sizeof buf);
    sodium_memzero(seed64, sizeof seed64);
    sodium_memzero(seed, sizeof seed);
    return e;
}

veche_err veche_key_note_key(veche_note_key *out, const veche_key *k, uint8_t type)
{
    return veche_note_key_init(out, k->name, type, k->pk);
}

void veche_key_wipe(veche_key *k)
{
    sodium_memzero(k, sizeof *k);
}
