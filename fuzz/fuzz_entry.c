/*
 * fuzz/fuzz_entry.c — libFuzzer target for what the board reads from
 * outside: entries (canonical JSON, members, types, signatures) and witness
 * requests (the consistency-proof lines and the checkpoint note).
 *
 * For every input:
 *   - veche_canon_parse either refuses it with a message, or accepts it and
 *     then re-serializing the value gives exactly the input bytes;
 *   - veche_entry_decode either refuses it with a message, or accepts it
 *     and then it is canonical JSON, of a known type, and if signed its
 *     signature verifies under the author key it names (rechecked here with
 *     libsodium over the message built by removing "sig" with jansson);
 *   - veche_witness_cosign on the input as a request, against a fixed log
 *     key, refuses it with a message — or, when the request carries a
 *     checkpoint the log key really signed (the seed's), answers with a
 *     valid cosignature.
 * Any violation aborts (a finding).
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_entry writes a few valid
 * inputs into <dir> and exits (how fuzz/corpus/fuzz_entry/ was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "board/canon.h"
#include "board/entry.h"
#include "board/witness.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "violated: %s\n", #cond); abort(); } } while (0)

static veche_key log_key, witness_key;
static veche_note_key log_vkey;
static char state_dir[] = "/tmp/veche-fuzz-entry-XXXXXX";

static void write_seed(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void make_seeds(const char *dir)
{
    json_t *body = json_pack("{s:s,s:s}", "text", "Minutes of the meeting.\nAll present.",
                             "title", "Minutes");
    char *entry, *note, *req, *cp;
    size_t len;
    veche_checkpoint c = {{0}, 0, {0}};

    CHECK(veche_entry_build(&entry, &len, "statement", body, witness_key.sk, NULL) == VECHE_OK);
    write_seed(dir, "statement", entry);
    free(entry);
    CHECK(veche_entry_build(&entry, &len, "statement", body, NULL, NULL) == VECHE_OK);
    write_seed(dir, "unsigned", entry);
    free(entry);
    json_decref(body);
    snprintf(c.origin, sizeof c.origin, "%s", log_key.name);
    veche_merkle_empty_root(c.root);
    CHECK(veche_checkpoint_format(&cp, &c) == VECHE_OK);
    CHECK(veche_note_sign(&note, cp, &log_vkey, log_key.sk) == VECHE_OK);
    CHECK(veche_witness_request_format(&req, 0, NULL, 0, note) == VECHE_OK);
    write_seed(dir, "request", req);
    free(req);
    free(note);
    free(cp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint8_t seed1[32] = {1}, seed2[32] = {2};
    const char *seeds = getenv("VECHE_FUZZ_SEEDS");
    (void)argc;
    (void)argv;
    CHECK(sodium_init() >= 0);
    snprintf(log_key.name, sizeof log_key.name, "fuzz.example/log");
    crypto_sign_seed_keypair(log_key.pk, log_key.sk, seed1);
    snprintf(witness_key.name, sizeof witness_key.name, "fuzz-witness");
    crypto_sign_seed_keypair(witness_key.pk, witness_key.sk, seed2);
    CHECK(veche_key_note_key(&log_vkey, &log_key, VECHE_SIGTYPE_ED25519) == VECHE_OK);
    CHECK(mkdtemp(state_dir) != NULL);
    if (seeds != NULL) {
        make_seeds(seeds);
        exit(0);
    }
    return 0;
}

static void fuzz_canon(const char *text, size_t size)
{
    json_t *v;
    veche_diag d = {{0}};
    char *again;
    size_t len;

    if (veche_canon_parse(&v, text, size, &d) != VECHE_OK) {
        CHECK(v == NULL && d.msg[0] != 0);
        return;
    }
    CHECK(veche_canon_dump(&again, &len, v, NULL) == VECHE_OK);
    CHECK(len == size && memcmp(again, text, size) == 0);
    free(again);
    json_decref(v);
}

/* An accepted signed entry's signature, rechecked the slow, obvious way. */
static void recheck_signature(const veche_entry *e)
{
    json_t *copy = json_copy(e->json);
    char *text;
    size_t len, plen = strlen(VECHE_ENTRY_SIG_PREFIX);
    uint8_t *msg;

    json_object_del(copy, "sig");
    CHECK(veche_canon_dump(&text, &len, copy, NULL) == VECHE_OK);
    msg = malloc(plen + len);
    CHECK(msg != NULL);
    memcpy(msg, VECHE_ENTRY_SIG_PREFIX, plen);
    memcpy(msg + plen, text, len);
    CHECK(crypto_sign_verify_detached(e->sig, msg, plen + len, e->author) == 0);
    free(msg);
    free(text);
    json_decref(copy);
}

static void fuzz_decode(const uint8_t *data, size_t size)
{
    veche_entry e;
    veche_diag d = {{0}};

    if (veche_entry_decode(&e, data, size, &d) != VECHE_OK) {
        CHECK(e.json == NULL && d.msg[0] != 0);
        return;
    }
    CHECK(json_is_object(e.json) && veche_entry_type_find(e.type) != NULL);
    if (e.is_signed)
        recheck_signature(&e);
    else
        CHECK(!veche_entry_type_find(e.type)->signed_required);
    veche_entry_free(&e);
}

/*
 * A request is refused with a message, unless it carries a checkpoint
 * really signed by the log key (the seed's, of the empty tree, and its
 * mutations that keep the note intact): then the answer must carry a valid
 * cosignature by the witness.
 */
static void fuzz_request(const char *text, size_t size)
{
    char *out = NULL;
    veche_diag d = {{0}};
    veche_note note;
    veche_note_key wk;
    int ok = 0;
    veche_err e = veche_witness_cosign(state_dir, &witness_key, &log_vkey, text, size, 1, &out, &d);

    if (e != VECHE_OK) {
        CHECK(out == NULL && d.msg[0] != 0);
        return;
    }
    CHECK(veche_key_note_key(&wk, &witness_key, VECHE_SIGTYPE_COSIGNATURE) == VECHE_OK);
    CHECK(veche_note_parse(&note, out, strlen(out)) == VECHE_OK);
    CHECK(veche_note_verify(&note, &wk, 1, &ok) == VECHE_OK && ok);
    veche_note_free(&note);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > VECHE_ENTRY_MAX_BYTES + 16)
        return 0;
    fuzz_canon((const char *)data, size);
    fuzz_decode(data, size);
    fuzz_request((const char *)data, size);
    return 0;
}
