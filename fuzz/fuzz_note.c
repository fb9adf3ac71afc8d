/*
 * fuzz/fuzz_note.c — libFuzzer target for the text formats of board/note.h:
 * signed notes, checkpoints, verifier keys and tlog-proof receipts.
 *
 * Every input is fed to all four parsers. They must return only documented
 * codes and never crash, and what they accept must be canonical:
 *   - a checkpoint that parses formats back to exactly the input bytes;
 *   - a verifier key that parses formats back to exactly the input string;
 *   - a receipt that parses (with or without its "extra" line, which the
 *     parser keeps) formats back to exactly the input bytes, and its
 *     checkpoint part parses as a signed note over a checkpoint;
 *   - a note that parses has text ending in '\n', within the input, with 1 to
 *     VECHE_NOTE_MAX_SIGS lines; it is verified against two fixed keys (a
 *     log key and a witness), which must give OK, EVERIFY or nothing else,
 *     and OK only if a key really signed.
 * Any violation aborts (a finding).
 *
 * The fixed keys are the ones the seeds are signed with, so mutations of a
 * seed reach the signature and cosignature checks.
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_note writes a few valid
 * inputs into <dir> and exits (how fuzz/corpus/fuzz_note/ was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "board/merkle.h"
#include "board/note.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "fuzz_note: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                          \
        }                                                                     \
    } while (0)

#define LOG_NAME     "fuzz.example/log"
#define WITNESS_NAME "fuzz.example/witness"

static veche_note_key keys[2];          /* log (0x01), witness (0x04) */
static uint8_t log_sk[64], wit_sk[64];

static int code_ok(veche_err e)
{
    return e == VECHE_OK || e == VECHE_EENCODING || e == VECHE_ERANGE || e == VECHE_EINVALID ||
           e == VECHE_EVERIFY || e == VECHE_ENOMEM;
}

static void make_key(veche_note_key *k, uint8_t sk[64], const char *name, uint8_t type,
                     uint8_t seed_byte)
{
    uint8_t seed[32], pk[32];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    CHECK(veche_note_key_init(k, name, type, pk) == VECHE_OK);
}

/* ---- seeds ---------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const char *b, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_note: cannot write %s\n", path);
        exit(1);
    }
}

static void write_str_seed(const char *dir, const char *name, const char *s)
{
    write_seed(dir, name, s, strlen(s));
}

/* A 3-leaf tree's checkpoint, signed and cosigned; a receipt for leaf 1; both vkeys. */
static void write_seeds(const char *dir)
{
    veche_hash leaf[3], left;
    veche_checkpoint cp;
    veche_receipt r;
    char *text, *signed_cp, *cosigned, *receipt, vkey[VECHE_KEYNAME_MAX + 64];

    for (int i = 0; i < 3; i++) {
        uint8_t entry = (uint8_t)i;
        veche_merkle_leaf_hash(leaf[i], &entry, 1);
    }
    memset(&cp, 0, sizeof cp);
    strcpy(cp.origin, LOG_NAME);
    cp.size = 3;
    veche_merkle_node_hash(left, leaf[0], leaf[1]);
    veche_merkle_node_hash(cp.root, left, leaf[2]);
    CHECK(veche_checkpoint_format(&text, &cp) == VECHE_OK);
    CHECK(veche_note_sign(&signed_cp, text, &keys[0], log_sk) == VECHE_OK);
    CHECK(veche_note_cosign(&cosigned, signed_cp, &keys[1], wit_sk, 1700000000) == VECHE_OK);
    memset(&r, 0, sizeof r);
    r.index = 1;
    memcpy(r.proof[0], leaf[0], VECHE_HASH_BYTES);
    memcpy(r.proof[1], leaf[2], VECHE_HASH_BYTES);
    r.proof_len = 2;
    r.checkpoint = cosigned;
    r.checkpoint_len = strlen(cosigned);
    CHECK(veche_receipt_format(&receipt, &r) == VECHE_OK);

    write_str_seed(dir, "checkpoint-text", text);
    write_str_seed(dir, "signed-checkpoint", signed_cp);
    write_str_seed(dir, "cosigned-checkpoint", cosigned);
    write_str_seed(dir, "receipt", receipt);
    veche_note_key_format(vkey, sizeof vkey, &keys[0]);
    write_str_seed(dir, "vkey-log", vkey);
    veche_note_key_format(vkey, sizeof vkey, &keys[1]);
    write_str_seed(dir, "vkey-witness", vkey);
    free(text);
    free(signed_cp);
    free(cosigned);
    free(receipt);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");

    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    make_key(&keys[0], log_sk, LOG_NAME, VECHE_SIGTYPE_ED25519, 0x11);
    make_key(&keys[1], wit_sk, WITNESS_NAME, VECHE_SIGTYPE_COSIGNATURE, 0x22);
    if (dir != NULL) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

/* ---- checks ----------------------------------------------------------------- */

static void fuzz_checkpoint(const char *data, size_t size)
{
    veche_checkpoint cp;
    char *text;
    veche_err e = veche_checkpoint_parse(&cp, data, size);

    CHECK(code_ok(e));
    if (e != VECHE_OK)
        return;
    CHECK(veche_checkpoint_format(&text, &cp) == VECHE_OK);
    CHECK(strlen(text) == size && memcmp(text, data, size) == 0);
    free(text);
}

static void fuzz_note(const char *data, size_t size)
{
    veche_note *note = malloc(sizeof *note);
    int verified[2];
    veche_err e;

    CHECK(note != NULL);
    e = veche_note_parse(note, data, size);
    CHECK(code_ok(e));
    if (e == VECHE_OK) {
        CHECK(note->text_len >= 1 && note->text_len < size);
        CHECK(strlen(note->text) == note->text_len && note->text[note->text_len - 1] == '\n');
        CHECK(memcmp(note->text, data, note->text_len) == 0);
        CHECK(note->nsigs >= 1 && note->nsigs <= VECHE_NOTE_MAX_SIGS);
        for (size_t i = 0; i < note->nsigs; i++)
            CHECK(note->sigs[i].sig_len <= sizeof note->sigs[i].sig);
        e = veche_note_verify(note, keys, 2, verified);
        CHECK(e == VECHE_OK || e == VECHE_EVERIFY || e == VECHE_ENOMEM);
        CHECK(e != VECHE_OK || verified[0] || verified[1]);
        fuzz_checkpoint(note->text, note->text_len);
    } else {
        CHECK(note->text == NULL);
    }
    veche_note_free(note);
    free(note);
}

static void fuzz_key(const char *data, size_t size)
{
    char *s = malloc(size + 1), out[VECHE_KEYNAME_MAX + 64];
    veche_note_key k;
    veche_err e;

    CHECK(s != NULL);
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    e = veche_note_key_parse(&k, s);
    CHECK(code_ok(e));
    if (e == VECHE_OK) {
        veche_note_key_format(out, sizeof out, &k);
        CHECK(strcmp(out, s) == 0);
    }
    free(s);
}

static void fuzz_receipt(const char *data, size_t size)
{
    veche_receipt r;
    char *out;
    veche_err e = veche_receipt_parse(&r, data, size);

    CHECK(code_ok(e));
    if (e != VECHE_OK) {
        CHECK(r.checkpoint == NULL);
        return;
    }
    CHECK(r.proof_len <= VECHE_MERKLE_MAX_PROOF && r.checkpoint_len < size);
    CHECK(veche_receipt_format(&out, &r) == VECHE_OK);
    CHECK(strlen(out) == size && memcmp(out, data, size) == 0);
    free(out);
    fuzz_note(r.checkpoint, r.checkpoint_len);
    veche_receipt_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    fuzz_checkpoint(text, size);
    fuzz_note(text, size);
    fuzz_key(text, size);
    fuzz_receipt(text, size);
    return 0;
}
