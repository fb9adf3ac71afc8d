/*
 * witness.c — cosigning checkpoints that extend what was cosigned before
 * (see witness.h).
 */
#include "board/witness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <sodium.h>

veche_err veche_witness_request_format(char **out, uint64_t old_size, const veche_hash *proof,
                                       size_t len, const char *note)
{
    size_t cap = 64 + len * 46 + strlen(note) + 2, n;
    char *buf = malloc(cap);

    *out = NULL;
    if (buf == NULL)
        return VECHE_ENOMEM;
    n = (size_t)snprintf(buf, cap, "old %llu\n", (unsigned long long)old_size);
    for (size_t i = 0; i < len; i++) {
        sodium_bin2base64(buf + n, cap - n, proof[i], VECHE_HASH_BYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        n += strlen(buf + n);
        buf[n++] = '\n';
    }
    buf[n++] = '\n';
    memcpy(buf + n, note, strlen(note) + 1);
    *out = buf;
    return VECHE_OK;
}

/* ---- parsing a request ---------------------------------------------------- */

typedef struct request {
    uint64_t   old_size;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t     proof_len;
    const char *note;
    size_t     note_len;
} request;

static int b64_hash(veche_hash out, const char *s, size_t len)
{
    char again[64];
    size_t got = 0;
    if (len != 44 || sodium_base642bin(out, VECHE_HASH_BYTES, s, len, NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32)
        return -1;
    sodium_bin2base64(again, sizeof again, out, VECHE_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return memcmp(again, s, len) == 0 ? 0 : -1;
}

/* A decimal uint64 without sign or leading zero; -1 on anything else or overflow. */
static int parse_decimal(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (s[0] == 0 || (s[0] == '0' && s[1] != 0))
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* tlog-witness: a consistency proof has at most 63 hashes. */
enum { REQUEST_MAX_PROOF = 63 };

static veche_err parse_request(request *r, const char *buf, size_t len, veche_diag *d)
{
    const char *p = buf, *end = buf + len, *nl;
    char num[24];

    memset(r, 0, sizeof *r);
    nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL || nl - p < 5 || nl - p > 24 || memcmp(p, "old ", 4) != 0)
        return veche_diag_set(d, VECHE_EENCODING, "request: first line must be \"old <size>\"");
    memcpy(num, p + 4, (size_t)(nl - p - 4));
    num[nl - p - 4] = 0;
    if (parse_decimal(num, &r->old_size) != 0)
        return veche_diag_set(d, VECHE_EENCODING, "request: bad old size \"%s\"", num);
    for (p = nl + 1; p < end && *p != '\n'; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL || r->proof_len == REQUEST_MAX_PROOF ||
            b64_hash(r->proof[r->proof_len], p, (size_t)(nl - p)) != 0)
            return veche_diag_set(d, VECHE_EENCODING, "request: proof line %zu is not a base64 hash",
                                  r->proof_len + 1);
        r->proof_len++;
    }
    if (p >= end)
        return veche_diag_set(d, VECHE_EENCODING, "request: no blank line before the checkpoint");
    r->note = p + 1;
    r->note_len = (size_t)(end - p - 1);
    return VECHE_OK;
}

/* ---- state -------------------------------------------------------------- */

static void state_path(char *out, size_t cap, const char *dir, const char *origin)
{
    uint8_t h[32];
    char hex[65];
    crypto_hash_sha256(h, (const uint8_t *)origin, strlen(origin));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, cap, "%s/%s", dir, hex);
}

static veche_err read_state(const char *path, veche_checkpoint *last, veche_diag *d)
{
    char buf[VECHE_KEYNAME_MAX + 128];
    FILE *f = fopen(path, "r");
    size_t n;

    memset(last, 0, sizeof *last);
    if (f == NULL)
        return errno == ENOENT ? VECHE_ENOTFOUND
                               : veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", path, strerror(errno));
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    if (veche_checkpoint_parse(last, buf, n) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: corrupt witness state", path);
    return VECHE_OK;
}

/* The rename is durable only once the directory holding it is synced. */
static veche_err sync_dir(const char *path, veche_diag *d)
{
    char dir[4096];
    char *slash;
    int fd;

    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        *slash = 0;
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: cannot sync the directory", dir);
    }
    close(fd);
    return VECHE_OK;
}

/* Replaces the state file atomically and durably: temp file, fsync, rename, sync dir. */
static veche_err write_state(const char *path, const char *text, veche_diag *d)
{
    char tmp[4200];
    int fd;
    size_t len = strlen(text);

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: cannot write witness state", tmp);
    }
    close(fd);
    if (rename(tmp, path) != 0)
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", path, strerror(errno));
    return sync_dir(path, d);
}

veche_err veche_witness_state(const char *state_dir, const char *origin,
                              veche_checkpoint *last, veche_diag *d)
{
    char path[4096];
    veche_err e;
    state_path(path, sizeof path, state_dir, origin);
    e = read_state(path, last, d);
    if (e == VECHE_ENOTFOUND) {
        memset(last, 0, sizeof *last);
        return VECHE_OK;
    }
    return e;
}

/* ---- cosigning ------------------------------------------------------------ */

/* The checkpoint must extend the one cosigned before (or be the first). */
static veche_err check_extends(const request *r, const veche_checkpoint *last, int have_last,
                               const veche_checkpoint *cp, veche_diag *d)
{
    veche_hash empty;

    if (r->old_size != (have_last ? last->size : 0))
        return veche_diag_set(d, VECHE_ERANGE, "witness has size %llu for %s, request says old %llu",
                              (unsigned long long)(have_last ? last->size : 0), cp->origin,
                              (unsigned long long)r->old_size);
    if (!have_last) {
        veche_merkle_empty_root(empty);
        return veche_merkle_verify_consistency(0, cp->size, empty, cp->root,
                                               (const veche_hash *)r->proof, r->proof_len) == VECHE_OK
                   ? VECHE_OK
                   : veche_diag_set(d, VECHE_EVERIFY, "a first checkpoint takes no proof");
    }
    if (cp->size < last->size)
        return veche_diag_set(d, VECHE_EVERIFY,
                              "fork: size %llu is smaller than the cosigned size %llu",
                              (unsigned long long)cp->size, (unsigned long long)last->size);
    if (veche_merkle_verify_consistency(last->size, cp->size, last->root, cp->root,
                                        (const veche_hash *)r->proof, r->proof_len) != VECHE_OK)
        return veche_diag_set(d, VECHE_EVERIFY,
                              "fork: checkpoint of size %llu is not consistent with the cosigned "
                              "checkpoint of size %llu",
                              (unsigned long long)cp->size, (unsigned long long)last->size);
    return VECHE_OK;
}

static veche_err open_checkpoint(const request *r, const veche_note_key *log_key,
                                 veche_checkpoint *cp, veche_diag *d)
{
    veche_note note;
    int ok = 0;
    veche_err e;

    if ((e = veche_note_parse(&note, r->note, r->note_len)) != VECHE_OK)
        return veche_diag_set(d, e, "request: the checkpoint is not a signed note");
    e = veche_checkpoint_parse(cp, note.text, note.text_len);
    if (e == VECHE_OK && (veche_note_verify(&note, log_key, 1, &ok) != VECHE_OK || !ok))
        e = veche_diag_set(d, VECHE_EVERIFY, "request: checkpoint not signed by the log key");
    else if (e != VECHE_OK)
        veche_diag_set(d, e, "request: malformed checkpoint");
    else if (strcmp(cp->origin, log_key->name) != 0)
        e = veche_diag_set(d, VECHE_EVERIFY, "request: origin is not the log key's name");
    veche_note_free(&note);
    return e;
}

veche_err veche_witness_cosign(const char *state_dir, const veche_key *witness,
                               const veche_note_key *log_key, const char *req, size_t len,
                               uint64_t now, char **cosigned, veche_diag *d)
{
    request r;
    veche_checkpoint cp, last;
    veche_note_key wkey;
    char path[4096], *text = NULL, *note = NULL;
    int lock, have_last;
    veche_err e;

    *cosigned = NULL;
    if ((e = parse_request(&r, req, len, d)) != VECHE_OK ||
        (e = open_checkpoint(&r, log_key, &cp, d)) != VECHE_OK)
        return e;
    if ((e = veche_key_note_key(&wkey, witness, VECHE_SIGTYPE_COSIGNATURE)) != VECHE_OK)
        return veche_diag_set(d, e, "witness key: invalid name");
    state_path(path, sizeof path, state_dir, cp.origin);
    /* One cosigning at a time per witness: read, check and write under a lock. */
    snprintf(path + strlen(path), sizeof path - strlen(path), ".lock");
    if ((lock = open(path, O_RDWR | O_CREAT, 0644)) < 0 || flock(lock, LOCK_EX) != 0) {
        if (lock >= 0)
            close(lock);
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", path, strerror(errno));
    }
    path[strlen(path) - 5] = 0;
    e = read_state(path, &last, d);
    have_last = e == VECHE_OK;
    if (e == VECHE_OK || e == VECHE_ENOTFOUND)
        e = check_extends(&r, &last, have_last, &cp, d);
    if (e == VECHE_OK && (e = veche_checkpoint_format(&text, &cp)) == VECHE_OK &&
        (e = write_state(path, text, d)) == VECHE_OK) {
        note = strndup(r.note, r.note_len);
        e = note ? veche_note_cosign(cosigned, note, &wkey, witness->sk, now) : VECHE_ENOMEM;
    }
    free(note);
    free(text);
    close(lock);
    return e;
}
