/*
 * test_note.c — signed notes, checkpoints, cosignatures and receipts
 * (board/note.h): key IDs and vkeys against values computed here and
 * published vectors, sign/verify policy, every single-byte change of every
 * artefact refused, each malformed input refused with its error code.
 *
 * Hidden mode: with VECHE_NOTE_EMIT_DIR=<dir> set, the program writes a
 * signed checkpoint, a cosigned checkpoint, both vkeys and a receipt for a
 * small known tree into <dir> and exits; tests/e2e/note_tlogcheck.sh then
 * checks them with the independent checker (shared/tools/tlogcheck.py).
 */
#include "testutil.h"

#include <sodium.h>
#include "board/merkle.h"
#include "board/note.h"

#define LOG_NAME     "veche.example/board"
#define WITNESS_NAME "witness.example/w1"
#define EMDASH       "\xe2\x80\x94"

/* ---- helpers ----------------------------------------------------------- */

/* A key pair from a fixed seed, so failures reproduce. */
static void make_key(veche_note_key *k, uint8_t sk[64], const char *name, uint8_t type,
                     uint8_t seed_byte)
{
    uint8_t seed[32], pk[32];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    assert_int_equal(veche_note_key_init(k, name, type, pk), VECHE_OK);
}

static void sample_checkpoint(veche_checkpoint *cp, uint64_t size)
{
    memset(cp, 0, sizeof *cp);
    strcpy(cp->origin, LOG_NAME);
    cp->size = size;
    for (int i = 0; i < VECHE_HASH_BYTES; i++)
        cp->root[i] = (uint8_t)(7 * i + 1);
}

static char *b64(const uint8_t *in, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(cap);
    assert_non_null(out);
    sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* Log key, witness key, a checkpoint signed by the log and cosigned at time T. */
typedef struct fixture {
    veche_note_key log, wit;
    uint8_t log_sk[64], wit_sk[64];
    char *cp_text, *signed_cp, *cosigned;
} fixture;

#define COSIG_TIME UINT64_C(1700000000)

static void fixture_make(fixture *f)
{
    veche_checkpoint cp;
    make_key(&f->log, f->log_sk, LOG_NAME, VECHE_SIGTYPE_ED25519, 1);
    make_key(&f->wit, f->wit_sk, WITNESS_NAME, VECHE_SIGTYPE_COSIGNATURE, 2);
    sample_checkpoint(&cp, 12345);
    assert_int_equal(veche_checkpoint_format(&f->cp_text, &cp), VECHE_OK);
    assert_int_equal(veche_note_sign(&f->signed_cp, f->cp_text, &f->log, f->log_sk), VECHE_OK);
    assert_int_equal(veche_note_cosign(&f->cosigned, f->signed_cp, &f->wit, f->wit_sk, COSIG_TIME),
                     VECHE_OK);
}

static void fixture_free(fixture *f)
{
    free(f->cp_text);
    free(f->signed_cp);
    free(f->cosigned);
}

/* Parses and verifies; returns the verify result (or the parse error). */
static veche_err open_note(const char *data, size_t len, const veche_note_key *keys, size_t n,
                           int *verified)
{
    veche_note *note = malloc(sizeof *note);
    veche_err e;
    assert_non_null(note);
    e = veche_note_parse(note, data, len);
    if (e == VECHE_OK)
        e = veche_note_verify(note, keys, n, verified);
    veche_note_free(note);
    free(note);
    return e;
}

static veche_err parse_err(const char *data)
{
    veche_note *note = malloc(sizeof *note);
    veche_err e;
    assert_non_null(note);
    e = veche_note_parse(note, data, strlen(data));
    veche_note_free(note);
    free(note);
    return e;
}

static veche_err cp_err(const char *text)
{
    veche_checkpoint cp;
    return veche_checkpoint_parse(&cp, text, strlen(text));
}

/*
 * Every single-byte change of data[0..len) must make ok() false. Each
 * position gets every value in full mode, a few bit flips in quick mode (the
 * valgrind run) or when `cheap` is 0 (artefacts whose check costs signature
 * verifications: there, 8 bit flips per byte).
 */
typedef int (*accept_fn)(const char *data, size_t len, void *ctx);

static void every_byte_change(const char *data, size_t len, accept_fn ok, void *ctx, int cheap)
{
    static const uint8_t quick[] = { 0x01, 0x80 };
    static const uint8_t flips[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80 };
    char *m = malloc(len);
    size_t changes = 0;

    assert_non_null(m);
    assert_true(ok(data, len, ctx));
    memcpy(m, data, len);
    for (size_t i = 0; i < len; i++) {
        if (cheap && !test_quick()) {
            for (unsigned v = 0; v < 256; v++) {
                if (v == (uint8_t)data[i])
                    continue;
                m[i] = (char)v;
                if (ok(m, len, ctx))
                    fail_msg("byte %zu set to 0x%02x accepted", i, v);
                changes++;
            }
        } else {
            const uint8_t *mask = test_quick() ? quick : flips;
            size_t n = test_quick() ? sizeof quick : sizeof flips;
            for (size_t j = 0; j < n; j++) {
                m[i] = (char)(data[i] ^ mask[j]);
                if (ok(m, len, ctx))
                    fail_msg("byte %zu ^ 0x%02x accepted", i, mask[j]);
                changes++;
            }
        }
        m[i] = data[i];
    }
    assert_true(changes >= len);
    free(m);
}

/* ---- keys ------------------------------------------------------------- */

/* The vkey and ID, computed here straight from signed-note's definition. */
static void expected_vkey(char *out, size_t cap, const char *name, uint8_t type,
                          const uint8_t pub[32])
{
    uint8_t buf[VECHE_KEYNAME_MAX + 1 + 33], digest[32], raw[33];
    size_t n = strlen(name);
    char hex[9], *enc;

    memcpy(buf, name, n);
    buf[n] = 0x0a;
    buf[n + 1] = type;
    memcpy(buf + n + 2, pub, 32);
    crypto_hash_sha256(digest, buf, n + 2 + 32);
    to_hex(hex, digest, 4);
    raw[0] = type;
    memcpy(raw + 1, pub, 32);
    enc = b64(raw, 33);
    snprintf(out, cap, "%s+%s+%s", name, hex, enc);
    free(enc);
}

static void test_vkey_round_trip(void **state)
{
    static const uint8_t types[] = { VECHE_SIGTYPE_ED25519, VECHE_SIGTYPE_COSIGNATURE };
    (void)state;
    for (size_t t = 0; t < sizeof types; t++) {
        veche_note_key k, back;
        uint8_t sk[64];
        char text[VECHE_KEYNAME_MAX + 64], want[VECHE_KEYNAME_MAX + 64];

        make_key(&k, sk, "example.org/ключ", types[t], (uint8_t)(3 + t));
        veche_note_key_format(text, sizeof text, &k);
        expected_vkey(want, sizeof want, "example.org/ключ", types[t], k.pub);
        assert_string_equal(text, want);
        assert_int_equal(veche_note_key_parse(&back, text), VECHE_OK);
        assert_memory_equal(&back, &k, sizeof k);
    }
}

/* golang.org/x/mod sumdb/note's example key (note_test.go / example_test.go). */
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SEED_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_TEXT "If you think cryptography is the answer to your problem,\n" \
                   "then you don't know what your problem is.\n"
#define PETER_SIG  EMDASH " PeterNeumann " \
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
/* c2sp.org/signed-note's example. */
#define C2SP_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define C2SP_NOTE "This is an example message.\n\n" EMDASH " example.com/foo " \
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

static void test_published_vectors(void **state)
{
    veche_note_key peter, mine, foo;
    uint8_t raw[33], pk[32], sk[64];
    size_t n;
    char *note, vk[VECHE_KEYNAME_MAX + 64];
    int verified[1];
    (void)state;

    assert_int_equal(veche_note_key_parse(&peter, PETER_VKEY), VECHE_OK);
    assert_int_equal(peter.type, VECHE_SIGTYPE_ED25519);
    veche_note_key_format(vk, sizeof vk, &peter);
    assert_string_equal(vk, PETER_VKEY);
    /* The published secret key is type || seed: the same key must come out. */
    assert_int_equal(sodium_base642bin(raw, sizeof raw, PETER_SEED_B64, strlen(PETER_SEED_B64),
                                       NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
    assert_int_equal(n, 33);
    crypto_sign_seed_keypair(pk, sk, raw + 1);
    assert_int_equal(veche_note_key_init(&mine, "PeterNeumann", VECHE_SIGTYPE_ED25519, pk),
                     VECHE_OK);
    assert_memory_equal(&mine, &peter, sizeof mine);
    /* Ed25519 is deterministic: signing gives the published note byte for byte. */
    assert_int_equal(veche_note_sign(&note, PETER_TEXT, &mine, sk), VECHE_OK);
    assert_string_equal(note, PETER_TEXT "\n" PETER_SIG);
    assert_int_equal(open_note(note, strlen(note), &peter, 1, verified), VECHE_OK);
    assert_int_equal(verified[0], 1);
    free(note);

    assert_int_equal(veche_note_key_parse(&foo, C2SP_VKEY), VECHE_OK);
    assert_int_equal(open_note(C2SP_NOTE, strlen(C2SP_NOTE), &foo, 1, verified), VECHE_OK);
    assert_int_equal(open_note(C2SP_NOTE, strlen(C2SP_NOTE), &peter, 1, verified), VECHE_EVERIFY);
}

static void test_vkey_errors(void **state)
{
    static const struct { const char *text; veche_err want; } bad[] = {
        { "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VECHE_EENCODING },
        { "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VECHE_EENCODING },
        { "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VECHE_EENCODING },
        { "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
          VECHE_EENCODING },
        { "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n", VECHE_EENCODING },
        { "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", VECHE_EENCODING },
        { "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VECHE_EENCODING },
        { "PeterNeumann+c74f20a3", VECHE_EENCODING },
        { "PeterNeumann", VECHE_EENCODING },
        { "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VECHE_EENCODING },
        { "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", VECHE_EENCODING },
        { "Peter\xc2\xa0Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
          VECHE_EENCODING },
        { "", VECHE_EENCODING },
    };
    veche_note_key k;
    char longname[VECHE_KEYNAME_MAX + 64];
    uint8_t pub[32] = { 0 };
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (veche_note_key_parse(&k, bad[i].text) != bad[i].want)
            fail_msg("vkey %zu: %s", i, bad[i].text);
    memset(longname, 'a', VECHE_KEYNAME_MAX + 1);
    strcpy(longname + VECHE_KEYNAME_MAX + 1, "+00000000+AA==");
    assert_int_equal(veche_note_key_parse(&k, longname), VECHE_ERANGE);
    longname[VECHE_KEYNAME_MAX + 1] = '\0';
    assert_int_equal(veche_note_key_init(&k, longname, VECHE_SIGTYPE_ED25519, pub), VECHE_EINVALID);
    longname[VECHE_KEYNAME_MAX] = '\0';
    assert_int_equal(veche_note_key_init(&k, longname, VECHE_SIGTYPE_ED25519, pub), VECHE_OK);
    assert_int_equal(veche_note_key_init(&k, "", VECHE_SIGTYPE_ED25519, pub), VECHE_EINVALID);
    assert_int_equal(veche_note_key_init(&k, "a+b", VECHE_SIGTYPE_ED25519, pub), VECHE_EINVALID);
    assert_int_equal(veche_note_key_init(&k, "a\tb", VECHE_SIGTYPE_ED25519, pub), VECHE_EINVALID);
    assert_int_equal(veche_note_key_init(&k, "a\x7f", VECHE_SIGTYPE_ED25519, pub), VECHE_EINVALID);
    assert_int_equal(veche_note_key_init(&k, "a\xe2\x80\x83", VECHE_SIGTYPE_ED25519, pub),
                     VECHE_EINVALID);
    assert_int_equal(veche_note_key_init(&k, "a\xff", VECHE_SIGTYPE_ED25519, pub), VECHE_EINVALID);
    assert_int_equal(veche_note_key_init(&k, "a", 0x02, pub), VECHE_EINVALID);
}

/* ---- signing and verifying ------------------------------------------------ */

static void test_sign_verify(void **state)
{
    fixture f;
    veche_note_key other, keys[2];
    uint8_t other_sk[64];
    veche_note note;
    veche_checkpoint cp, want;
    int verified[2];
    (void)state;

    fixture_make(&f);
    make_key(&other, other_sk, "other.example", VECHE_SIGTYPE_ED25519, 9);
    assert_int_equal(veche_note_parse(&note, f.signed_cp, strlen(f.signed_cp)), VECHE_OK);
    assert_int_equal(note.nsigs, 1);
    assert_string_equal(note.text, f.cp_text);
    assert_int_equal(note.text_len, strlen(f.cp_text));
    assert_string_equal(note.sigs[0].name, LOG_NAME);
    assert_int_equal(note.sigs[0].sig_len, 64);
    assert_memory_equal(note.sigs[0].id, f.log.id, 4);
    assert_int_equal(veche_checkpoint_parse(&cp, note.text, note.text_len), VECHE_OK);
    sample_checkpoint(&want, 12345);
    assert_memory_equal(&cp, &want, sizeof cp);

    assert_int_equal(veche_note_verify(&note, &f.log, 1, verified), VECHE_OK);
    assert_int_equal(verified[0], 1);
    /* Unknown keys are ignored; with no known key at all the note is rejected. */
    keys[0] = other;
    keys[1] = f.log;
    assert_int_equal(veche_note_verify(&note, keys, 2, verified), VECHE_OK);
    assert_int_equal(verified[0], 0);
    assert_int_equal(verified[1], 1);
    assert_int_equal(veche_note_verify(&note, &other, 1, verified), VECHE_EVERIFY);
    assert_int_equal(veche_note_verify(&note, NULL, 0, NULL), VECHE_EVERIFY);
    /* The same name and ID with another key: ambiguous, refused. */
    keys[0] = f.log;
    keys[0].pub[0] ^= 1;
    assert_int_equal(veche_note_verify(&note, keys, 2, NULL), VECHE_EINVALID);
    veche_note_free(&note);
    fixture_free(&f);
}

/* A line from a second key, made over some other text, spliced onto a note. */
static char *splice(const char *note, const char *other_note)
{
    const char *line = strstr(other_note, "\n\n") + 2;
    char *out = malloc(strlen(note) + strlen(line) + 1);
    assert_non_null(out);
    strcpy(out, note);
    strcat(out, line);
    return out;
}

static void test_known_key_must_verify(void **state)
{
    fixture f;
    veche_note_key b, keys[2];
    uint8_t b_sk[64];
    char *good_b, *bad_b, *both, *tainted, *twice;
    int verified[2];
    (void)state;

    fixture_make(&f);
    make_key(&b, b_sk, "second.example", VECHE_SIGTYPE_ED25519, 5);
    assert_int_equal(veche_note_sign(&good_b, f.cp_text, &b, b_sk), VECHE_OK);
    assert_int_equal(veche_note_sign(&bad_b, "some other text\n", &b, b_sk), VECHE_OK);
    both = splice(f.signed_cp, good_b);
    tainted = splice(f.signed_cp, bad_b);
    keys[0] = f.log;
    keys[1] = b;

    assert_int_equal(open_note(both, strlen(both), keys, 2, verified), VECHE_OK);
    assert_true(verified[0] && verified[1]);
    /* B's line fails: with B known the note is rejected, with B unknown it is ignored. */
    assert_int_equal(open_note(tainted, strlen(tainted), keys, 2, verified), VECHE_EVERIFY);
    assert_int_equal(open_note(tainted, strlen(tainted), keys, 1, verified), VECHE_OK);
    assert_int_equal(verified[0], 1);
    /* A duplicated good line is fine; a bad duplicate of a known key is not. */
    twice = splice(both, good_b);
    assert_int_equal(open_note(twice, strlen(twice), keys, 2, NULL), VECHE_OK);
    free(twice);
    twice = splice(both, bad_b);
    assert_int_equal(open_note(twice, strlen(twice), keys, 2, NULL), VECHE_EVERIFY);
    free(twice);

    free(good_b);
    free(bad_b);
    free(both);
    free(tainted);
    fixture_free(&f);
}

/* A line "— <name> <base64(id || n bytes)>" appended to note. */
static char *with_line(const char *note, const char *name, const uint8_t id[4], size_t n)
{
    uint8_t blob[4 + 200];
    char *enc, *out;
    size_t cap;

    assert_true(n <= 200);
    memcpy(blob, id, 4);
    for (size_t i = 0; i < n; i++)
        blob[4 + i] = (uint8_t)i;
    enc = b64(blob, 4 + n);
    cap = strlen(note) + strlen(name) + strlen(enc) + 8;
    out = malloc(cap);
    assert_non_null(out);
    snprintf(out, cap, "%s" EMDASH " %s %s\n", note, name, enc);
    free(enc);
    return out;
}

static void test_unsupported_signatures(void **state)
{
    fixture f;
    veche_note note;
    char *n;
    (void)state;

    fixture_make(&f);
    /* Too long for any type veche knows: kept with sig_len 0. */
    n = with_line(f.signed_cp, "big.example", f.log.id, 150);
    assert_int_equal(veche_note_parse(&note, n, strlen(n)), VECHE_OK);
    assert_int_equal(note.nsigs, 2);
    assert_int_equal(note.sigs[1].sig_len, 0);
    assert_int_equal(veche_note_verify(&note, &f.log, 1, NULL), VECHE_OK);
    veche_note_free(&note);
    free(n);
    /* The same under the log's name and ID: a known key's line that cannot verify. */
    n = with_line(f.signed_cp, LOG_NAME, f.log.id, 150);
    assert_int_equal(open_note(n, strlen(n), &f.log, 1, NULL), VECHE_EVERIFY);
    free(n);
    /* Only the key ID (4 bytes): parses, fails for a known key. */
    n = with_line(f.signed_cp, LOG_NAME, f.log.id, 0);
    assert_int_equal(open_note(n, strlen(n), &f.log, 1, NULL), VECHE_EVERIFY);
    free(n);
    n = with_line(f.signed_cp, "short.example", f.log.id, 0);
    assert_int_equal(open_note(n, strlen(n), &f.log, 1, NULL), VECHE_OK);
    free(n);
    fixture_free(&f);
}

static void test_sign_errors(void **state)
{
    fixture f;
    char *out = (char *)1;
    char big[VECHE_NOTE_MAX_BYTES + 2];
    (void)state;

    fixture_make(&f);
    assert_int_equal(veche_note_sign(&out, "no newline", &f.log, f.log_sk), VECHE_EENCODING);
    assert_null(out);
    assert_int_equal(veche_note_sign(&out, "", &f.log, f.log_sk), VECHE_EENCODING);
    assert_int_equal(veche_note_sign(&out, "tab\there\n", &f.log, f.log_sk), VECHE_EENCODING);
    assert_int_equal(veche_note_sign(&out, "bad \xc0\x80 utf8\n", &f.log, f.log_sk),
                     VECHE_EENCODING);
    assert_int_equal(veche_note_sign(&out, "text\n", &f.wit, f.wit_sk), VECHE_EINVALID);
    assert_int_equal(veche_note_sign(&out, "text\n", &f.log, f.wit_sk), VECHE_EINVALID);
    /* Text that fits but whose note would not. */
    memset(big, 'x', VECHE_NOTE_MAX_BYTES - 10);
    strcpy(big + VECHE_NOTE_MAX_BYTES - 10, "\n");
    assert_int_equal(veche_note_sign(&out, big, &f.log, f.log_sk), VECHE_ERANGE);
    memset(big, 'x', VECHE_NOTE_MAX_BYTES + 1);
    big[VECHE_NOTE_MAX_BYTES + 1] = '\0';
    assert_int_equal(veche_note_sign(&out, big, &f.log, f.log_sk), VECHE_ERANGE);
    fixture_free(&f);
}

/* ---- cosignatures ---------------------------------------------------------- */

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void test_cosign_round_trip(void **state)
{
    fixture f;
    veche_note note;
    veche_note_key keys[2];
    uint8_t digest[32], wid[4], buf[VECHE_KEYNAME_MAX + 2 + 32];
    int verified[2];
    char *max_t, *out = NULL;
    (void)state;

    fixture_make(&f);
    /* tlog-cosignature's key ID is over type 0x04. */
    memcpy(buf, WITNESS_NAME, strlen(WITNESS_NAME));
    buf[strlen(WITNESS_NAME)] = 0x0a;
    buf[strlen(WITNESS_NAME) + 1] = 0x04;
    memcpy(buf + strlen(WITNESS_NAME) + 2, f.wit.pub, 32);
    crypto_hash_sha256(digest, buf, strlen(WITNESS_NAME) + 2 + 32);
    memcpy(wid, digest, 4);
    assert_memory_equal(f.wit.id, wid, 4);

    assert_int_equal(strncmp(f.cosigned, f.signed_cp, strlen(f.signed_cp)), 0);
    assert_int_equal(veche_note_parse(&note, f.cosigned, strlen(f.cosigned)), VECHE_OK);
    assert_int_equal(note.nsigs, 2);
    assert_string_equal(note.sigs[1].name, WITNESS_NAME);
    assert_memory_equal(note.sigs[1].id, wid, 4);
    assert_int_equal(note.sigs[1].sig_len, 72);
    assert_true(be64(note.sigs[1].sig) == COSIG_TIME);
    keys[0] = f.log;
    keys[1] = f.wit;
    assert_int_equal(veche_note_verify(&note, keys, 2, verified), VECHE_OK);
    assert_true(verified[0] && verified[1]);
    /* The witness's line alone verifies the note for a witness-only policy. */
    assert_int_equal(veche_note_verify(&note, &f.wit, 1, verified), VECHE_OK);
    veche_note_free(&note);

    /* 2^63-1 is the last time allowed. */
    assert_int_equal(veche_note_cosign(&max_t, f.signed_cp, &f.wit, f.wit_sk,
                                       UINT64_C(0x7fffffffffffffff)), VECHE_OK);
    assert_int_equal(open_note(max_t, strlen(max_t), keys, 2, verified), VECHE_OK);
    assert_true(verified[1]);
    free(max_t);
    assert_int_equal(veche_note_cosign(&out, f.signed_cp, &f.wit, f.wit_sk,
                                       UINT64_C(0x8000000000000000)), VECHE_ERANGE);
    assert_null(out);
    assert_int_equal(veche_note_cosign(&out, f.signed_cp, &f.log, f.log_sk, 1), VECHE_EINVALID);
    assert_int_equal(veche_note_cosign(&out, f.signed_cp, &f.wit, f.log_sk, 1), VECHE_EINVALID);
    assert_int_equal(veche_note_cosign(&out, f.cp_text, &f.wit, f.wit_sk, 1), VECHE_EENCODING);
    fixture_free(&f);
}

/* A cosignature made the honest way but over a text that is not a checkpoint,
 * or carrying a time past 2^63-1, must not verify. */
static char *forged_cosig(const fixture *f, const char *signed_note, const char *text,
                          uint64_t t)
{
    uint8_t blob[4 + 8 + 64];
    char msg[256], *enc, *out;
    size_t mlen, cap;

    mlen = (size_t)snprintf(msg, sizeof msg, "cosignature/v1\ntime %llu\n%s",
                            (unsigned long long)t, text);
    memcpy(blob, f->wit.id, 4);
    for (int i = 0; i < 8; i++)
        blob[4 + i] = (uint8_t)(t >> (56 - 8 * i));
    crypto_sign_detached(blob + 12, NULL, (const uint8_t *)msg, mlen, f->wit_sk);
    enc = b64(blob, sizeof blob);
    cap = strlen(signed_note) + strlen(enc) + 64;
    out = malloc(cap);
    assert_non_null(out);
    snprintf(out, cap, "%s" EMDASH " " WITNESS_NAME " %s\n", signed_note, enc);
    free(enc);
    return out;
}

static void test_cosign_rules(void **state)
{
    fixture f;
    veche_note_key keys[2];
    char *plain, *n;
    (void)state;

    fixture_make(&f);
    keys[0] = f.log;
    keys[1] = f.wit;
    /* Sanity: the forging helper makes a valid cosignature when nothing is wrong. */
    n = forged_cosig(&f, f.signed_cp, f.cp_text, 77);
    assert_int_equal(open_note(n, strlen(n), keys, 2, NULL), VECHE_OK);
    free(n);
    n = forged_cosig(&f, f.signed_cp, f.cp_text, UINT64_C(0x8000000000000000));
    assert_int_equal(open_note(n, strlen(n), keys, 2, NULL), VECHE_EVERIFY);
    free(n);
    assert_int_equal(veche_note_sign(&plain, "not a checkpoint\n", &f.log, f.log_sk), VECHE_OK);
    n = forged_cosig(&f, plain, "not a checkpoint\n", 77);
    assert_int_equal(open_note(n, strlen(n), &f.log, 1, NULL), VECHE_OK);
    assert_int_equal(open_note(n, strlen(n), keys, 2, NULL), VECHE_EVERIFY);
    assert_int_equal(open_note(n, strlen(n), &f.wit, 1, NULL), VECHE_EVERIFY);
    free(n);
    free(plain);
    fixture_free(&f);
}

/* ---- receipts ----------------------------------------------------------------- */

enum { TREE_MAX = 16 };

/* An in-memory node store, filled as an append fills the real one. */
typedef struct mem_tree {
    veche_hash node[5][TREE_MAX];
    uint64_t size;
} mem_tree;

static veche_err mem_read(void *arg, unsigned level, uint64_t index, veche_hash out)
{
    mem_tree *t = arg;
    if (level >= 5 || ((index + 1) << level) > t->size)
        return VECHE_ENOTFOUND;
    memcpy(out, t->node[level][index], VECHE_HASH_BYTES);
    return VECHE_OK;
}

static void mem_append(mem_tree *t, const char *entry)
{
    uint64_t i = t->size;
    unsigned levels = veche_merkle_completed(i);
    veche_merkle_leaf_hash(t->node[0][i], (const uint8_t *)entry, strlen(entry));
    for (unsigned l = 1; l < levels; l++) {
        uint64_t j = i >> l;
        veche_merkle_node_hash(t->node[l][j], t->node[l - 1][2 * j], t->node[l - 1][2 * j + 1]);
    }
    t->size++;
}

#define TREE_SIZE  7
#define TREE_INDEX 5

/* A 7-entry tree, its checkpoint signed and cosigned, and a receipt for entry 5. */
typedef struct receipt_fixture {
    fixture f;
    mem_tree tree;
    veche_hash leaf;
    char *cosigned, *receipt;
} receipt_fixture;

static void receipt_make(receipt_fixture *rf)
{
    veche_checkpoint cp;
    veche_receipt r;
    char *text, *signed_cp, entry[32];

    memset(rf, 0, sizeof *rf);
    fixture_make(&rf->f);
    for (int i = 0; i < TREE_SIZE; i++) {
        snprintf(entry, sizeof entry, "entry %d", i);
        mem_append(&rf->tree, entry);
    }
    memcpy(rf->leaf, rf->tree.node[0][TREE_INDEX], VECHE_HASH_BYTES);
    memset(&cp, 0, sizeof cp);
    strcpy(cp.origin, LOG_NAME);
    cp.size = TREE_SIZE;
    assert_int_equal(veche_merkle_root(cp.root, TREE_SIZE, mem_read, &rf->tree), VECHE_OK);
    assert_int_equal(veche_checkpoint_format(&text, &cp), VECHE_OK);
    assert_int_equal(veche_note_sign(&signed_cp, text, &rf->f.log, rf->f.log_sk), VECHE_OK);
    assert_int_equal(veche_note_cosign(&rf->cosigned, signed_cp, &rf->f.wit, rf->f.wit_sk,
                                       COSIG_TIME), VECHE_OK);
    memset(&r, 0, sizeof r);
    r.index = TREE_INDEX;
    assert_int_equal(veche_merkle_inclusion_proof(r.proof, &r.proof_len, TREE_INDEX, TREE_SIZE,
                                                  mem_read, &rf->tree), VECHE_OK);
    r.checkpoint = rf->cosigned;
    r.checkpoint_len = strlen(rf->cosigned);
    assert_int_equal(veche_receipt_format(&rf->receipt, &r), VECHE_OK);
    free(text);
    free(signed_cp);
}

static void receipt_free(receipt_fixture *rf)
{
    fixture_free(&rf->f);
    free(rf->cosigned);
    free(rf->receipt);
}

/* What check-receipt does: layout, both signatures, checkpoint, inclusion of leaf. */
static int receipt_ok(const char *data, size_t len, void *ctx)
{
    receipt_fixture *rf = ctx;
    veche_note_key keys[2] = { rf->f.log, rf->f.wit };
    veche_receipt r;
    veche_note *note = malloc(sizeof *note);
    veche_checkpoint cp;
    int verified[2] = { 0, 0 }, ok = 0;

    assert_non_null(note);
    if (veche_receipt_parse(&r, data, len) != VECHE_OK) {
        free(note);
        return 0;
    }
    if (veche_note_parse(note, r.checkpoint, r.checkpoint_len) == VECHE_OK &&
        veche_note_verify(note, keys, 2, verified) == VECHE_OK && verified[0] && verified[1] &&
        veche_checkpoint_parse(&cp, note->text, note->text_len) == VECHE_OK &&
        veche_merkle_verify_inclusion(r.index, cp.size, rf->leaf, r.proof, r.proof_len,
                                      cp.root) == VECHE_OK)
        ok = 1;
    veche_note_free(note);
    free(note);
    veche_receipt_free(&r);
    return ok;
}

static void test_receipt_round_trip(void **state)
{
    receipt_fixture rf;
    veche_receipt r;
    veche_hash proof[VECHE_MERKLE_MAX_PROOF];
    size_t plen;
    char *again, *extra;
    const char *after_header;
    (void)state;

    receipt_make(&rf);
    assert_int_equal(strncmp(rf.receipt, "c2sp.org/tlog-proof@v1\nindex 5\n", 31), 0);
    assert_int_equal(veche_receipt_parse(&r, rf.receipt, strlen(rf.receipt)), VECHE_OK);
    assert_true(r.index == TREE_INDEX);
    assert_int_equal(veche_merkle_inclusion_proof(proof, &plen, TREE_INDEX, TREE_SIZE, mem_read,
                                                  &rf.tree), VECHE_OK);
    assert_int_equal(r.proof_len, plen);
    assert_memory_equal(r.proof, proof, plen * VECHE_HASH_BYTES);
    assert_int_equal(r.checkpoint_len, strlen(rf.cosigned));
    assert_string_equal(r.checkpoint, rf.cosigned);
    assert_int_equal(veche_receipt_format(&again, &r), VECHE_OK);
    assert_string_equal(again, rf.receipt);
    free(again);
    veche_receipt_free(&r);
    assert_true(receipt_ok(rf.receipt, strlen(rf.receipt), &rf));

    /* An "extra" line is decoded and kept: it formats back the same. */
    after_header = rf.receipt + strlen("c2sp.org/tlog-proof@v1\n");
    extra = malloc(strlen(rf.receipt) + 32);
    assert_non_null(extra);
    sprintf(extra, "c2sp.org/tlog-proof@v1\nextra AAEC\n%s", after_header);
    assert_int_equal(veche_receipt_parse(&r, extra, strlen(extra)), VECHE_OK);
    assert_int_equal(r.extra_len, 3);
    assert_memory_equal(r.extra, "\x00\x01\x02", 3);
    assert_int_equal(veche_receipt_format(&again, &r), VECHE_OK);
    assert_string_equal(again, extra);
    free(again);
    veche_receipt_free(&r);
    sprintf(extra, "c2sp.org/tlog-proof@v1\nextra AAF=\n%s", after_header);
    assert_int_equal(veche_receipt_parse(&r, extra, strlen(extra)), VECHE_EENCODING);
    free(extra);
    receipt_free(&rf);
}

static void test_receipt_errors(void **state)
{
    receipt_fixture rf;
    veche_receipt r;
    char *buf, *p, *hashes;
    const char *body;
    size_t cap;
    (void)state;

    receipt_make(&rf);
    cap = strlen(rf.receipt) + 80 * 45 + 256;
    buf = malloc(cap);
    hashes = malloc(80 * 45 + 1);
    assert_non_null(buf);
    assert_non_null(hashes);
    body = strstr(rf.receipt, "\n\n") + 2;   /* the signed checkpoint */

#define RECEIPT(want, ...) do {                                   \
        snprintf(buf, cap, __VA_ARGS__);                          \
        assert_int_equal(veche_receipt_parse(&r, buf, strlen(buf)), want); \
        veche_receipt_free(&r);                                   \
    } while (0)
    RECEIPT(VECHE_OK, "c2sp.org/tlog-proof@v1\nindex 0\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v2\nindex 0\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 05\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex -5\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex  5\n\n%s", body);
    RECEIPT(VECHE_ERANGE, "c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n%s", body);
    RECEIPT(VECHE_OK, "c2sp.org/tlog-proof@v1\nindex 18446744073709551615\n\n%s", body);
    /* A 31-byte hash, a non-canonical one, one without padding. */
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n\n%s", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n%s", body);
    RECEIPT(VECHE_OK, "c2sp.org/tlog-proof@v1\nindex 5\n"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n%s", body);
    /* No blank line, nothing after it, something after the note, a checkpoint with no note. */
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n");
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n\n");
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n\n%sjunk\n", body);
    RECEIPT(VECHE_EENCODING, "c2sp.org/tlog-proof@v1\nindex 5\n\n%s", rf.f.cp_text);
    /* 64 hashes are allowed, 65 are not. */
    p = hashes;
    for (int i = 0; i < 64; i++)
        p += sprintf(p, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    RECEIPT(VECHE_OK, "c2sp.org/tlog-proof@v1\nindex 5\n%s\n%s", hashes, body);
    RECEIPT(VECHE_ERANGE, "c2sp.org/tlog-proof@v1\nindex 5\n%s"
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n%s", hashes, body);
#undef RECEIPT
    free(buf);
    free(hashes);

    /* Oversize. */
    buf = calloc(1, VECHE_RECEIPT_MAX_BYTES + 1);
    assert_non_null(buf);
    assert_int_equal(veche_receipt_parse(&r, buf, VECHE_RECEIPT_MAX_BYTES + 1), VECHE_ERANGE);
    free(buf);
    /* Formatting refuses what it could not read back. */
    memset(&r, 0, sizeof r);
    r.checkpoint = rf.f.cp_text;
    r.checkpoint_len = strlen(rf.f.cp_text);
    assert_int_equal(veche_receipt_format(&buf, &r), VECHE_EENCODING);
    r.checkpoint = rf.cosigned;
    r.checkpoint_len = strlen(rf.cosigned);
    r.proof_len = VECHE_MERKLE_MAX_PROOF + 1;
    assert_int_equal(veche_receipt_format(&buf, &r), VECHE_EINVALID);
    receipt_free(&rf);
}

/* ---- every byte ---------------------------------------------------------------- */

static int checkpoint_same(const char *data, size_t len, void *ctx)
{
    veche_checkpoint cp;
    return veche_checkpoint_parse(&cp, data, len) == VECHE_OK &&
           memcmp(&cp, ctx, sizeof cp) == 0;
}

typedef struct note_policy {
    const veche_note_key *keys;
    size_t n;
} note_policy;

/* Every key of the policy must have signed. */
static int note_ok(const char *data, size_t len, void *ctx)
{
    note_policy *p = ctx;
    int verified[2] = { 0, 0 };
    if (open_note(data, len, p->keys, p->n, verified) != VECHE_OK)
        return 0;
    for (size_t i = 0; i < p->n; i++)
        if (!verified[i])
            return 0;
    return 1;
}

static void test_every_byte(void **state)
{
    fixture f;
    receipt_fixture rf;
    veche_checkpoint cp;
    veche_note_key keys[2];
    note_policy log_only = { keys, 1 }, both = { keys, 2 };
    (void)state;

    fixture_make(&f);
    keys[0] = f.log;
    keys[1] = f.wit;
    sample_checkpoint(&cp, 12345);
    /* A checkpoint text: no other bytes may mean the same checkpoint. */
    every_byte_change(f.cp_text, strlen(f.cp_text), checkpoint_same, &cp, 1);
    every_byte_change(f.signed_cp, strlen(f.signed_cp), note_ok, &log_only, 0);
    every_byte_change(f.cosigned, strlen(f.cosigned), note_ok, &both, 0);
    fixture_free(&f);

    receipt_make(&rf);
    every_byte_change(rf.receipt, strlen(rf.receipt), receipt_ok, &rf, 0);
    receipt_free(&rf);
}

/* ---- malformed input, one fault at a time -------------------------------------- */

static void test_checkpoint_errors(void **state)
{
    static const struct { const char *text; veche_err want; } cases[] = {
        { "o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_OK },
        { "o\n18446744073709551615\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_OK },
        { "o w\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_OK },
        /* decimal: leading zero, signs, space, hex, empty, overflow */
        { "o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n00\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n+1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n0x1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\n18446744073709551616\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_ERANGE },
        { "o\n99999999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
          VECHE_ERANGE },
        /* root: 31 and 33 bytes, pad bits set, padding missing, URL alphabet, empty */
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n", VECHE_EENCODING },
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", VECHE_EENCODING },
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n", VECHE_EENCODING },
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", VECHE_EENCODING },
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=\n", VECHE_EENCODING },
        { "o\n1\n\n", VECHE_EENCODING },
        /* lines: missing final newline, too few, an extension line, empty origin */
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", VECHE_EENCODING },
        { "o\n1\n", VECHE_EENCODING },
        { "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\next\n", VECHE_EENCODING },
        { "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "", VECHE_EENCODING },
        /* control characters, bad UTF-8 */
        { "o\r\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\t\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\xff\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\xed\xa0\x80\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\xe0\x80\xaf\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\xf4\x90\x80\x80\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
        { "o\xe2\x80\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", VECHE_EENCODING },
    };
    veche_checkpoint cp;
    char *text, *big;
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cp_err(cases[i].text) != cases[i].want)
            fail_msg("checkpoint case %zu: got %d, want %d", i, cp_err(cases[i].text),
                     cases[i].want);
    /* A NUL inside is a control character, not an end. */
    assert_int_equal(veche_checkpoint_parse(&cp,
                                            "o\0\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
                                            50), VECHE_EENCODING);
    /* Origins up to VECHE_KEYNAME_MAX bytes. */
    big = malloc(VECHE_NOTE_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, 'o', VECHE_KEYNAME_MAX + 1);
    strcpy(big + VECHE_KEYNAME_MAX + 1, "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    assert_int_equal(cp_err(big), VECHE_ERANGE);
    assert_int_equal(cp_err(big + 1), VECHE_OK);
    memset(big, 'o', VECHE_NOTE_MAX_BYTES + 1);
    assert_int_equal(veche_checkpoint_parse(&cp, big, VECHE_NOTE_MAX_BYTES + 1), VECHE_ERANGE);
    free(big);

    /* Formatting refuses an origin it could not read back. */
    sample_checkpoint(&cp, 1);
    strcpy(cp.origin, "a\nb");
    assert_int_equal(veche_checkpoint_format(&text, &cp), VECHE_EINVALID);
    cp.origin[0] = '\0';
    assert_int_equal(veche_checkpoint_format(&text, &cp), VECHE_EINVALID);
    memset(cp.origin, 'o', sizeof cp.origin);
    assert_int_equal(veche_checkpoint_format(&text, &cp), VECHE_EINVALID);
}

static void test_note_errors(void **state)
{
    fixture f;
    char *buf, *p, *line;
    size_t cap, llen;
    (void)state;

    fixture_make(&f);
    line = strstr(f.signed_cp, "\n\n") + 2;   /* the log's signature line, with '\n' */
    llen = strlen(line);
    cap = VECHE_NOTE_MAX_BYTES + 4096;
    buf = malloc(cap);
    assert_non_null(buf);

    assert_int_equal(parse_err(f.signed_cp), VECHE_OK);
    /* Missing final newline; no blank line; nothing after it. */
    snprintf(buf, cap, "%s", f.signed_cp);
    buf[strlen(buf) - 1] = '\0';
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "%s%s", f.cp_text, line);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "%s\n", f.cp_text);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    /* Control characters in text or signature lines. */
    snprintf(buf, cap, "a\tb\n\n%s", line);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\rb\n\n%s", line);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\x1b[0m\n\n%s", line);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\xc0\xaf\n\n%s", line);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\x7f\n\n%s", line);   /* DEL is not a control in signed-note text */
    assert_int_equal(parse_err(buf), VECHE_OK);
    /* Signature lines: wrong dash, no space, bad name, short blob, spaces in base64. */
    snprintf(buf, cap, "a\n\n- x AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH "x AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " xAAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " x+y AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH "  AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " x\xe3\x80\x80y AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " x AAAA\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " x AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_OK);
    snprintf(buf, cap, "a\n\n" EMDASH " x AAAA AA==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " x AAAAAA==\n\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    /* Non-canonical base64 in the signature: pad bits set; padding missing. */
    snprintf(buf, cap, "a\n\n" EMDASH " x AAAAAB==\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    snprintf(buf, cap, "a\n\n" EMDASH " x AAAAAA\n");
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    /* The real line (68-byte blob: one '=' and two pad bits) with a pad bit set. */
    snprintf(buf, cap, "%s", f.signed_cp);
    p = strrchr(buf, '=');   /* the signature's, not the root's */
    assert_non_null(p);
    p[-1] = (char)(strchr("AEIMQUYcgkosw048", p[-1]) ? p[-1] + 1 : p[-1] - 1);
    assert_int_equal(parse_err(buf), VECHE_EENCODING);
    /* A name longer than VECHE_KEYNAME_MAX. */
    p = buf + sprintf(buf, "a\n\n" EMDASH " ");
    memset(p, 'n', VECHE_KEYNAME_MAX + 1);
    strcpy(p + VECHE_KEYNAME_MAX + 1, " AAAAAA==\n");
    assert_int_equal(parse_err(buf), VECHE_ERANGE);

    /* VECHE_NOTE_MAX_SIGS lines parse; one more does not. */
    p = buf + sprintf(buf, "%s", f.signed_cp);
    for (int i = 1; i < VECHE_NOTE_MAX_SIGS; i++)
        p += sprintf(p, "%s", line);
    assert_int_equal(parse_err(buf), VECHE_OK);
    assert_int_equal(open_note(buf, strlen(buf), &f.log, 1, NULL), VECHE_OK);
    assert_int_equal(veche_note_cosign(&p, buf, &f.wit, f.wit_sk, 1), VECHE_ERANGE);
    strcat(buf, line);
    assert_int_equal(parse_err(buf), VECHE_ERANGE);

    /* Oversize: one byte past the bound, in text that is otherwise fine. */
    memset(buf, 'x', VECHE_NOTE_MAX_BYTES);
    buf[VECHE_NOTE_MAX_BYTES - llen - 1] = '\n';
    buf[VECHE_NOTE_MAX_BYTES - llen] = '\n';
    memcpy(buf + VECHE_NOTE_MAX_BYTES - llen + 1, line, llen + 1);
    assert_int_equal(strlen(buf), VECHE_NOTE_MAX_BYTES + 1);
    assert_int_equal(parse_err(buf), VECHE_ERANGE);
    assert_int_equal(parse_err(buf + 1), VECHE_OK);

    free(buf);
    fixture_free(&f);
}

/* ---- the hidden mode for tests/e2e/note_tlogcheck.sh ----------------------- */

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1024];
    FILE *fp;
    int ok;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "wb");
    if (fp == NULL)
        return 0;
    ok = fwrite(data, 1, len, fp) == len;
    return fclose(fp) == 0 && ok;
}

static int write_str(const char *dir, const char *name, const char *s)
{
    return write_file(dir, name, s, strlen(s));
}

/*
 * checkpoint.note (log only), cosigned.note, receipt (tlog-proof), log.vkey,
 * witness.vkey, leaf.hex (the hash of the entry the receipt proves) and
 * the tree's entries entry-0 .. entry-6 (so the root can be recomputed).
 */
static int emit(const char *dir)
{
    receipt_fixture rf;
    char vk[VECHE_KEYNAME_MAX + 64], hex[2 * VECHE_HASH_BYTES + 2], *signed_cp;
    veche_checkpoint cp;
    char *text;
    int ok = 1;

    receipt_make(&rf);
    memset(&cp, 0, sizeof cp);
    strcpy(cp.origin, LOG_NAME);
    cp.size = TREE_SIZE;
    veche_merkle_root(cp.root, TREE_SIZE, mem_read, &rf.tree);
    veche_checkpoint_format(&text, &cp);
    veche_note_sign(&signed_cp, text, &rf.f.log, rf.f.log_sk);

    veche_note_key_format(vk, sizeof vk, &rf.f.log);
    ok &= write_str(dir, "log.vkey", vk);
    veche_note_key_format(vk, sizeof vk, &rf.f.wit);
    ok &= write_str(dir, "witness.vkey", vk);
    to_hex(hex, rf.leaf, VECHE_HASH_BYTES);
    ok &= write_str(dir, "leaf.hex", hex);
    ok &= write_str(dir, "checkpoint.note", signed_cp);
    ok &= write_str(dir, "cosigned.note", rf.cosigned);
    ok &= write_str(dir, "receipt", rf.receipt);
    for (int i = 0; i < TREE_SIZE; i++) {
        char name[32], entry[32];
        snprintf(name, sizeof name, "entry-%d", i);
        snprintf(entry, sizeof entry, "entry %d", i);
        ok &= write_str(dir, name, entry);
    }

    free(text);
    free(signed_cp);
    receipt_free(&rf);
    return ok;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vkey_round_trip),
        cmocka_unit_test(test_published_vectors),
        cmocka_unit_test(test_vkey_errors),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_known_key_must_verify),
        cmocka_unit_test(test_unsupported_signatures),
        cmocka_unit_test(test_sign_errors),
        cmocka_unit_test(test_cosign_round_trip),
        cmocka_unit_test(test_cosign_rules),
        cmocka_unit_test(test_receipt_round_trip),
        cmocka_unit_test(test_receipt_errors),
        cmocka_unit_test(test_checkpoint_errors),
        cmocka_unit_test(test_note_errors),
        cmocka_unit_test(test_every_byte),
    };
    const char *dir = getenv("VECHE_NOTE_EMIT_DIR");

    if (sodium_init() < 0)
        return 1;
    if (dir != NULL && dir[0] != '\0')
        return emit(dir) ? 0 : 1;
    return cmocka_run_group_tests_name("note", tests, NULL, NULL);
}
