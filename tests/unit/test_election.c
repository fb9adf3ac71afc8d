/*
 * test_election.c — the election layer's foundations: the hashes (against
 * an independent recomputation with libsodium from the design's text), the
 * entry types and their body shapes, credential codes and lists, and the
 * loader on a real board and on its export.
 */
#include "testutil.h"

#include <unistd.h>
#include <sodium.h>

#include "board/board.h"
#include "board/export.h"
#include "crypto/elgamal.h"
#include "crypto/schnorr.h"
#include "election/credentials.h"
#include "election/election.h"

#define ID "branch-7-2026"

/* ---- helpers ------------------------------------------------------------------ */

/* A canonical base64 string of n bytes of value v. */
static json_t *b64_of(size_t n, uint8_t v)
{
    uint8_t buf[8192];
    assert_true(n <= sizeof buf);
    memset(buf, v, n);
    return veche_b64_json(buf, n);
}

/* A manifest body for ID: admin-independent; trustees and authority given. */
static json_t *manifest_body(const char *id, const uint8_t authority[32],
                             const uint8_t trustee[][32], size_t n, uint32_t t)
{
    json_t *m = json_pack("{s:s, s:s, s:s, s:i, s:i, s:[], s:i, s:o, s:[{s:s, s:s, s:[s,s], "
                          "s:i, s:i, s:b}, {s:s, s:s, s:[s,s,s,s,s], s:i, s:i, s:b}]}",
                          "election", id, "title", "Annual election", "organisation", "Branch 7",
                          "opens", 1000, "closes", 2000, "trustees", "threshold", (int)t,
                          "credential_authority", veche_b64_json(authority, 32), "contests",
                          "id", "strike", "question", "Do we strike?", "options", "yes", "no",
                          "min", 1, "max", 1, "blank", 1, "id", "council", "question",
                          "Two delegates", "options", "A", "B", "C", "D", "E", "min", 0, "max",
                          2, "blank", 0);
    assert_non_null(m);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(json_object_get(m, "trustees"),
                              json_pack("{s:s, s:o}", "name", "trustee", "key",
                                        veche_b64_json(trustee[i], 32)));
    return m;
}

/* Builds an entry (signed when sk) and returns its bytes; the body is consumed. */
static char *entry(size_t *len, const char *type, json_t *body, const uint8_t *sk)
{
    char *out = NULL;
    veche_diag d = {{0}};
    if (veche_entry_build(&out, len, type, body, sk, &d) != VECHE_OK)
        fail_msg("build %s: %s", type, d.msg);
    json_decref(body);
    return out;
}

/* Decodes an entry of type/body (consumed), signed when sk; returns the error and message. */
static veche_err decode_as(const char *type, json_t *body, const uint8_t *sk, veche_diag *d)
{
    size_t len;
    char *e = entry(&len, type, body, sk);
    veche_entry ent;
    veche_err err = veche_entry_decode(&ent, (const uint8_t *)e, len, d);
    if (err == VECHE_OK)
        veche_entry_free(&ent);
    free(e);
    return err;
}

/* ---- hashes ------------------------------------------------------------------------ */

/* Each hash computed by hand from the design's formulas, with libsodium only. */
static void test_hashes(void **state)
{
    uint8_t entry_bytes[300], mh[32], K[32], ch[32], want[32], got[32], buf[256];
    const uint8_t *parts[3];
    size_t lens[3];
    (void)state;

    randombytes_buf(entry_bytes, sizeof entry_bytes);
    randombytes_buf(K, sizeof K);
    crypto_hash_sha256(want, entry_bytes, sizeof entry_bytes);
    veche_election_manifest_hash(mh, entry_bytes, sizeof entry_bytes);
    assert_memory_equal(mh, want, 32);

    memcpy(buf, "veche-v1/ceremony", 17);
    memcpy(buf + 17, mh, 32);
    crypto_hash_sha256(want, buf, 17 + 32);
    veche_election_ceremony_id(got, mh);
    assert_memory_equal(got, want, 32);

    parts[0] = entry_bytes;       lens[0] = 100;
    parts[1] = entry_bytes + 100; lens[1] = 150;
    parts[2] = entry_bytes + 250; lens[2] = 50;
    crypto_hash_sha256(want, entry_bytes, 300);   /* the parts are contiguous here */
    veche_election_credentials_hash(ch, parts, lens, 3);
    assert_memory_equal(ch, want, 32);

    memcpy(buf, "veche-v1/election", 17);
    memcpy(buf + 17, mh, 32);
    memcpy(buf + 49, K, 32);
    memcpy(buf + 81, ch, 32);
    crypto_hash_sha256(want, buf, 17 + 96);
    veche_election_fingerprint(got, mh, K, ch);
    assert_memory_equal(got, want, 32);
}

static void test_base64(void **state)
{
    size_t n;
    uint8_t out[3];
    json_t *v;
    static const struct { const char *s; long len; } cases[] = {
        {"", 0}, {"AA==", 1}, {"AAA=", 2}, {"AAAA", 3}, {"/+/+", 3},
        {"AB==", -1},   /* padding bits set */
        {"AAB=", -1}, {"AA=", -1}, {"AA", -1}, {"A===", -1}, {"AA=A", -1},
        {"AA-_", -1}, {"AA A", -1}, {"=AAA", -1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = json_string(cases[i].s);
        veche_err e = veche_b64_len(&n, v, "x", NULL);
        if (cases[i].len < 0)
            assert_int_not_equal(e, VECHE_OK);
        else {
            assert_int_equal(e, VECHE_OK);
            assert_int_equal(n, (size_t)cases[i].len);
        }
        json_decref(v);
    }
    v = json_string("AQID");
    assert_int_equal(veche_b64_get(out, 3, v, "x", NULL), VECHE_OK);
    assert_int_equal(out[2], 3);
    assert_int_not_equal(veche_b64_get(out, 2, v, "x", NULL), VECHE_OK);
    json_decref(v);
    v = json_integer(1);
    assert_int_not_equal(veche_b64_len(&n, v, "x", NULL), VECHE_OK);
    json_decref(v);
}

/* ---- entry types ----------------------------------------------------------------------- */

/* One valid body per type, as text with B64(n) placeholders filled in by hand. */
static json_t *valid_body(const char *type)
{
    json_t *b = json_pack("{s:s}", "election", ID);
    if (strncmp(type, "trustee.", 8) == 0)
        json_object_set_new(b, "trustee", json_integer(2));
    if (strcmp(type, "trustee.key") == 0)
        json_object_set_new(b, "key", b64_of(97, 1));
    else if (strcmp(type, "trustee.commit") == 0)
        json_object_set_new(b, "hash", b64_of(33, 1));
    else if (strcmp(type, "trustee.commitments") == 0)
        json_object_set_new(b, "commitments", b64_of(2 + 96 * 2, 1));
    else if (strcmp(type, "trustee.shares") == 0)
        json_object_set_new(b, "shares", json_pack("[o,o]", b64_of(50, 1), b64_of(50, 2)));
    else if (strcmp(type, "trustee.complaint") == 0)
        json_object_set_new(b, "complaint", b64_of(130, 1));
    else if (strcmp(type, "trustee.decryption") == 0)
        json_object_set_new(b, "shares", json_pack("[[o],[o,o]]", b64_of(129, 1), b64_of(129, 2),
                                                   b64_of(129, 3)));
    else if (strcmp(type, "election.key") == 0) {
        json_object_set_new(b, "qualified", json_pack("[i,i,i]", 1, 2, 3));
        json_object_set_new(b, "key", b64_of(32, 1));
    } else if (strcmp(type, "election.open") == 0)
        json_object_set_new(b, "fingerprint", b64_of(32, 1));
    else if (strcmp(type, "election.tally") == 0) {
        json_object_set_new(b, "ballots", json_integer(10));
        json_object_set_new(b, "weight", json_integer(12));
        json_object_set_new(b, "tally", json_pack("[[o],[o,o]]", b64_of(64, 0), b64_of(64, 1),
                                                  b64_of(64, 2)));
    } else if (strcmp(type, "election.result") == 0) {
        json_object_set_new(b, "trustees", json_pack("[i,i]", 1, 3));
        json_object_set_new(b, "counts", json_pack("[[i,i],[i,i,i]]", 4, 6, 0, 1, 9));
    } else if (strcmp(type, "election.credentials") == 0) {
        json_object_set_new(b, "part", json_integer(0));
        json_object_set_new(b, "parts", json_integer(1));
        json_object_set_new(b, "credentials", json_pack("[{s:o,s:i},{s:o,s:i}]", "key",
                                                        b64_of(32, 1), "weight", 1, "key",
                                                        b64_of(32, 2), "weight", 1000000));
    } else if (strcmp(type, "election.ballot") == 0) {
        json_object_set_new(b, "credential", b64_of(32, 1));
        json_object_set_new(b, "signature", b64_of(64, 1));
        json_object_set_new(b, "contests", json_pack("[{s:[o],s:[o]}]", "ciphertexts",
                                                     b64_of(64, 0), "proofs", b64_of(256, 0)));
    }
    return b;   /* election.close: just the id */
}

static const char *const all_types[] = {
    "trustee.key", "trustee.commit", "trustee.commitments", "trustee.shares",
    "trustee.complaint", "trustee.decryption", "election.key", "election.open",
    "election.close", "election.tally", "election.result", "election.credentials",
    "election.ballot",
};

static void expect_type_refused(const char *type, json_t *body, const char *want)
{
    uint8_t pk[32], sk[64];
    veche_diag d = {{0}};
    crypto_sign_keypair(pk, sk);
    if (decode_as(type, body, sk, &d) == VECHE_OK)
        fail_msg("%s accepted; expected \"%s\"", type, want);
    if (strstr(d.msg, want) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", type, d.msg, want);
}

static void test_types_accept(void **state)
{
    uint8_t pk[32], sk[64];
    veche_diag d = {{0}};
    (void)state;

    crypto_sign_keypair(pk, sk);
    for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++) {
        if (decode_as(all_types[i], valid_body(all_types[i]), sk, &d) != VECHE_OK)
            fail_msg("%s refused: %s", all_types[i], d.msg);
        /* every type but the ballot must carry a board signature */
        veche_err e = decode_as(all_types[i], valid_body(all_types[i]), NULL, &d);
        if (strcmp(all_types[i], "election.ballot") == 0)
            assert_int_equal(e, VECHE_OK);
        else {
            assert_int_not_equal(e, VECHE_OK);
            assert_non_null(strstr(d.msg, "must be signed"));
        }
        /* a bad election id, an unknown member, a missing id: refused */
        json_t *b = valid_body(all_types[i]);
        json_object_set_new(b, "election", json_string("Branch 7"));
        expect_type_refused(all_types[i], b, "body.election");
        b = valid_body(all_types[i]);
        json_object_set_new(b, "zzz", json_true());
        expect_type_refused(all_types[i], b, "body");
        b = valid_body(all_types[i]);
        json_object_del(b, "election");
        expect_type_refused(all_types[i], b, "election");
    }
    assert_int_equal(veche_election_register_types(), VECHE_OK);   /* idempotent */
}

static void test_types_refuse(void **state)
{
    json_t *b;
    (void)state;

#define WITH(type, key, value, want) \
    do { b = valid_body(type); json_object_set_new(b, key, value); \
         expect_type_refused(type, b, want); } while (0)

    WITH("trustee.key", "trustee", json_integer(0), "body.trustee: must be an integer in 1..64");
    WITH("trustee.key", "trustee", json_integer(65), "body.trustee: must be an integer in 1..64");
    WITH("trustee.key", "trustee", json_string("1"), "body.trustee");
    WITH("trustee.key", "key", b64_of(96, 1), "body.key: must be canonical base64 of 97 bytes");
    WITH("trustee.key", "key", json_string("AQ=="), "body.key");
    WITH("trustee.commit", "hash", b64_of(32, 1), "body.hash: must be canonical base64 of 33 bytes");
    WITH("trustee.commitments", "commitments", b64_of(97, 1), "body.commitments: must be canonical base64 of 2 + 96");
    WITH("trustee.commitments", "commitments", b64_of(2, 1), "body.commitments");
    WITH("trustee.commitments", "commitments", b64_of(2 + 96 * 65, 1), "body.commitments");
    WITH("trustee.shares", "shares", json_pack("[o,o]", b64_of(50, 1), b64_of(49, 1)),
         "body.shares[1]: must be canonical base64 of 50 bytes");
    WITH("trustee.shares", "shares", b64_of(50, 1), "body.shares: must be an array");
    WITH("trustee.complaint", "complaint", b64_of(131, 1), "body.complaint");
    WITH("trustee.decryption", "shares", json_array(), "body.shares: 0 elements, must be 1..32");
    WITH("trustee.decryption", "shares", json_pack("[[o],[]]", b64_of(129, 1)),
         "body.shares[1]: 0 elements, must be 1..65");
    WITH("trustee.decryption", "shares", json_pack("[[o],[o]]", b64_of(129, 1), b64_of(128, 1)),
         "body.shares[1][0]: must be canonical base64 of 129 bytes");
    WITH("election.key", "qualified", json_pack("[i,i]", 2, 1), "body.qualified[1]: trustees are listed");
    WITH("election.key", "qualified", json_pack("[i,i]", 2, 2), "body.qualified[1]");
    WITH("election.key", "qualified", json_pack("[i]", 0), "body.qualified[0]");
    WITH("election.key", "qualified", json_pack("[i]", 65), "body.qualified[0]");
    WITH("election.key", "qualified", json_array(), "body.qualified: 0 elements");
    WITH("election.key", "key", b64_of(33, 1), "body.key: must be canonical base64 of 32 bytes");
    WITH("election.open", "fingerprint", b64_of(31, 1), "body.fingerprint");
    WITH("election.close", "fingerprint", b64_of(32, 1), "body: unknown member \"fingerprint\"");
    WITH("election.tally", "ballots", json_integer(-1), "body.ballots: must be an integer in 0..");
    WITH("election.tally", "weight", json_integer(1000000001), "body.weight: must be an integer in 0..1000000000");
    WITH("election.tally", "tally", json_pack("[[o]]", b64_of(63, 1)), "body.tally[0][0]");
    WITH("election.result", "counts", json_pack("[[i,i]]", 1, -1), "body.counts[0][1]: must be an integer >= 0");
    WITH("election.result", "counts", json_pack("[[i,s]]", 1, "2"), "body.counts[0][1]");
    WITH("election.result", "trustees", json_pack("[i,i]", 3, 1), "body.trustees[1]");
    WITH("election.credentials", "part", json_integer(1), "body.part: must be an integer in 0..parts-1");
    WITH("election.credentials", "parts", json_integer(0), "body.parts");
    WITH("election.credentials", "credentials", json_array(), "body.credentials: must be an array of 1..5000");
    WITH("election.credentials", "credentials",
         json_pack("[{s:o,s:i},{s:o,s:i}]", "key", b64_of(32, 2), "weight", 1, "key",
                   b64_of(32, 1), "weight", 1),
         "body.credentials[1].key: not after the previous key");
    WITH("election.credentials", "credentials",
         json_pack("[{s:o,s:i},{s:o,s:i}]", "key", b64_of(32, 1), "weight", 1, "key",
                   b64_of(32, 1), "weight", 1),
         "body.credentials[1].key: not after the previous key");
    WITH("election.credentials", "credentials", json_pack("[{s:o,s:i}]", "key", b64_of(32, 1), "weight", 0),
         "body.credentials[0].weight: must be an integer in 1..1000000");
    WITH("election.credentials", "credentials", json_pack("[{s:o,s:i}]", "key", b64_of(32, 1), "weight", 1000001),
         "body.credentials[0].weight");
    WITH("election.credentials", "credentials", json_pack("[{s:o}]", "key", b64_of(32, 1)),
         "body.credentials[0]: missing \"weight\"");
    WITH("election.credentials", "credentials", json_pack("[{s:o,s:i,s:i}]", "key", b64_of(32, 1), "weight", 1, "x", 1),
         "body.credentials[0]: unknown member \"x\"");
    WITH("election.credentials", "credentials", json_pack("[{s:o,s:i}]", "key", b64_of(31, 1), "weight", 1),
         "body.credentials[0].key: must be canonical base64 of 32 bytes");
    WITH("election.ballot", "credential", b64_of(31, 1), "body.credential");
#undef WITH
}

/* ---- credential codes --------------------------------------------------------------------- */

static void test_code_format(void **state)
{
    char code[VECHE_CODE_CHARS + 1], sym[VECHE_CODE_SYMBOLS + 1], typed[64];
    veche_diag d = {{0}};
    (void)state;

    for (int round = 0; round < 50; round++) {
        veche_code_generate(code, NULL);
        assert_int_equal(strlen(code), VECHE_CODE_CHARS);
        for (int i = 0; i < VECHE_CODE_CHARS; i++) {
            if (i % 4 == 3)
                assert_int_equal(code[i], '-');
            else
                assert_non_null(strchr(VECHE_CODE_ALPHABET, code[i]));
        }
        assert_int_equal(veche_code_read(sym, code, &d), VECHE_OK);
        /* lower case, spaces, no dashes: the same code */
        size_t o = 0;
        for (int i = 0; code[i]; i++) {
            if (code[i] == '-') {
                typed[o++] = ' ';
                continue;
            }
            typed[o++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
        }
        typed[o] = 0;
        char sym2[VECHE_CODE_SYMBOLS + 1];
        assert_int_equal(veche_code_read(sym2, typed, &d), VECHE_OK);
        assert_string_equal(sym, sym2);
    }
    assert_int_equal(veche_code_read(sym, "ABC", &d), VECHE_EENCODING);
    assert_non_null(strstr(d.msg, "3 symbols, a code has 21"));
    assert_int_equal(veche_code_read(sym, "ABC-DEF-GHJ-KMN-PQR-STU-VWO", &d), VECHE_EENCODING);
    assert_non_null(strstr(d.msg, "character 27 is not used in codes"));
    assert_int_equal(veche_code_read(sym, "ABC-DEF-GHJ-KMN-PQR-STU-VWX-Y", &d), VECHE_EENCODING);
    assert_non_null(strstr(d.msg, "more than 21 symbols"));
}

/* The check symbol catches every single change and every adjacent swap. */
static void test_code_checksum(void **state)
{
    char code[VECHE_CODE_CHARS + 1], sym[VECHE_CODE_SYMBOLS + 1], bad[VECHE_CODE_SYMBOLS + 1];
    veche_diag d = {{0}};
    int rounds = test_quick() ? 3 : 40;
    (void)state;

    for (int round = 0; round < rounds; round++) {
        veche_code_generate(code, NULL);
        assert_int_equal(veche_code_read(sym, code, &d), VECHE_OK);
        for (int i = 0; i < VECHE_CODE_SYMBOLS; i++)
            for (int v = 0; v < VECHE_CODE_RADIX; v++) {
                if (VECHE_CODE_ALPHABET[v] == sym[i])
                    continue;
                memcpy(bad, sym, sizeof bad);
                bad[i] = VECHE_CODE_ALPHABET[v];
                assert_int_equal(veche_code_read(bad, bad, &d), VECHE_EVERIFY);
            }
        for (int i = 0; i + 1 < VECHE_CODE_SYMBOLS; i++) {
            if (sym[i] == sym[i + 1])
                continue;
            memcpy(bad, sym, sizeof bad);
            bad[i] = sym[i + 1];
            bad[i + 1] = sym[i];
            assert_int_equal(veche_code_read(bad, bad, &d), VECHE_EVERIFY);
            assert_non_null(strstr(d.msg, "check symbol does not match"));
        }
    }
}

/* x = SHA-512("veche-v1/credential" || id || 21 symbols) mod L, X = x·G: by hand. */
static void test_code_derivation(void **state)
{
    char code[VECHE_CODE_CHARS + 1], sym[VECHE_CODE_SYMBOLS + 1];
    uint8_t X[32], X2[32], buf[128], digest[64], want_x[32], want_X[32], got_x[32];
    veche_scalar x, x2;
    veche_diag d = {{0}};
    veche_rng rng;
    uint8_t seed[32] = {7};
    size_t n = 0;
    (void)state;

    veche_code_generate(code, NULL);
    assert_int_equal(veche_credential_derive(&x, X, ID, code, &d), VECHE_OK);
    assert_int_equal(veche_code_read(sym, code, &d), VECHE_OK);
    memcpy(buf, "veche-v1/credential", 19);
    n = 19;
    memcpy(buf + n, ID, strlen(ID));
    n += strlen(ID);
    memcpy(buf + n, sym, 21);
    n += 21;
    crypto_hash_sha512(digest, buf, n);
    crypto_core_ristretto255_scalar_reduce(want_x, digest);
    assert_int_equal(crypto_scalarmult_ristretto255_base(want_X, want_x), 0);
    veche_scalar_encode(got_x, &x);
    assert_memory_equal(got_x, want_x, 32);
    assert_memory_equal(X, want_X, 32);

    /* reproducible, whatever the spelling */
    for (char *p = code; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    assert_int_equal(veche_credential_derive(&x2, X2, ID, code, &d), VECHE_OK);
    assert_memory_equal(X, X2, 32);
    assert_true(veche_scalar_eq(&x, &x2));
    /* another election: another key */
    assert_int_equal(veche_credential_derive(&x2, X2, "another-election", code, &d), VECHE_OK);
    assert_memory_not_equal(X, X2, 32);
    /* refusals */
    assert_int_equal(veche_credential_derive(&x2, X2, "Bad Id", code, &d), VECHE_EINVALID);
    code[0] = code[0] == '2' ? '3' : '2';
    assert_int_equal(veche_credential_derive(&x2, X2, ID, code, &d), VECHE_EVERIFY);
    assert_true(veche_scalar_is_zero(&x2));
    veche_scalar_wipe(&x);
    veche_scalar_wipe(&x2);

    /* a seeded generator gives the same code twice */
    char c1[VECHE_CODE_CHARS + 1], c2[VECHE_CODE_CHARS + 1];
    veche_rng_seed(&rng, seed);
    veche_code_generate(c1, &rng);
    veche_rng_seed(&rng, seed);
    veche_code_generate(c2, &rng);
    assert_string_equal(c1, c2);
}

/* ---- credential lists ----------------------------------------------------------------------- */

static void test_credentials_generate(void **state)
{
    size_t n = 5001;   /* two parts */
    uint32_t *w = calloc(n, sizeof *w);
    char (*codes)[VECHE_CODE_CHARS + 1] = calloc(n, sizeof *codes);
    veche_credential_list pub, back;
    char **entries;
    size_t *lens, nparts;
    uint8_t pk[32], sk[64], X[32];
    veche_scalar x;
    veche_diag d = {{0}};
    json_t *bodies[2];
    (void)state;

    for (size_t i = 0; i < n; i++)
        w[i] = (uint32_t)(i % 7 + 1);
    assert_int_equal(veche_credentials_generate(codes, &pub, ID, w, n, NULL, &d), VECHE_OK);
    assert_int_equal(pub.n, n);
    for (size_t i = 1; i < n; i++)
        assert_true(memcmp(pub.v[i - 1].key, pub.v[i].key, 32) < 0);
    /* every code's key is on the list with its voter's weight */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i += test_quick() ? 97 : 1) {
        assert_int_equal(veche_credential_derive(&x, X, ID, codes[i], &d), VECHE_OK);
        const veche_credential *c = veche_credentials_find(&pub, X);
        assert_non_null(c);
        assert_int_equal(c->weight, w[i]);
    }
    for (size_t i = 0; i < n; i++)
        total += w[i];
    assert_int_equal(pub.total_weight, total);
    memset(X, 0, 32);
    assert_null(veche_credentials_find(&pub, X));

    crypto_sign_keypair(pk, sk);
    assert_int_equal(veche_credentials_build(&entries, &lens, &nparts, ID, &pub, sk, &d), VECHE_OK);
    assert_int_equal(nparts, 2);
    for (size_t k = 0; k < 2; k++) {
        veche_entry e;
        assert_int_equal(veche_entry_decode(&e, (uint8_t *)entries[k], lens[k], &d), VECHE_OK);
        assert_memory_equal(e.author, pk, 32);
        bodies[k] = json_incref(e.body);
        veche_entry_free(&e);
    }
    assert_int_equal(json_array_size(json_object_get(bodies[0], "credentials")), 5000);
    assert_int_equal(json_array_size(json_object_get(bodies[1], "credentials")), 1);
    assert_int_equal(veche_credentials_parse(&back, (const json_t *const *)bodies, 2, &d), VECHE_OK);
    assert_int_equal(back.n, n);
    assert_int_equal(back.total_weight, total);
    for (size_t i = 0; i < n; i++) {
        assert_memory_equal(back.v[i].key, pub.v[i].key, 32);
        assert_int_equal(back.v[i].weight, pub.v[i].weight);
        assert_true(veche_point_eq(&back.v[i].X, &pub.v[i].X));
    }
    veche_credentials_free(&back);
    /* parts out of order */
    json_t *swapped[2] = {bodies[1], bodies[0]};
    assert_int_not_equal(veche_credentials_parse(&back, (const json_t *const *)swapped, 2, &d), VECHE_OK);
    assert_non_null(strstr(d.msg, "credentials part 0: says part 1 of 2"));
    assert_null(back.v);
    /* one part missing */
    assert_int_not_equal(veche_credentials_parse(&back, (const json_t *const *)bodies, 1, &d), VECHE_OK);
    assert_non_null(strstr(d.msg, "says part 0 of 2"));

    veche_credentials_free(&back);
    veche_credentials_entries_free(entries, lens, nparts);
    json_decref(bodies[0]);
    json_decref(bodies[1]);
    sodium_memzero(codes, n * sizeof *codes);
    free(codes);
    free(w);
    veche_credentials_free(&pub);
}

static json_t *one_part(size_t k, size_t n, json_t *list)
{
    return json_pack("{s:s, s:I, s:I, s:o}", "election", ID, "part", (json_int_t)k, "parts",
                     (json_int_t)n, "credentials", list);
}

static json_t *cred(const uint8_t key[32], int w)
{
    return json_pack("{s:o, s:i}", "key", veche_b64_json(key, 32), "weight", w);
}

static void expect_parse_refused(json_t *p0, json_t *p1, const char *want)
{
    json_t *bodies[2] = {p0, p1};
    veche_credential_list l;
    veche_diag d = {{0}};
    if (veche_credentials_parse(&l, (const json_t *const *)bodies, p1 ? 2 : 1, &d) == VECHE_OK)
        fail_msg("accepted; expected \"%s\"", want);
    if (strstr(d.msg, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", d.msg, want);
    json_decref(p0);
    json_decref(p1);
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, 32);   /* the key is the first member */
}

static void test_credentials_refused(void **state)
{
    uint8_t k[4][32], big[32];
    veche_scalar x;
    veche_point P;
    (void)state;

    for (int i = 0; i < 4; i++) {
        veche_schnorr_keygen(&x, k[i], NULL);
        veche_scalar_wipe(&x);
    }
    for (int i = 0; i < 4; i++)   /* sort them */
        for (int j = i + 1; j < 4; j++)
            if (memcmp(k[i], k[j], 32) > 0) {
                uint8_t t[32];
                memcpy(t, k[i], 32); memcpy(k[i], k[j], 32); memcpy(k[j], t, 32);
            }
    /* valid two parts, for reference */
    {
        json_t *bodies[2] = {one_part(0, 2, json_pack("[o,o]", cred(k[0], 1), cred(k[1], 2))),
                             one_part(1, 2, json_pack("[o]", cred(k[2], 3)))};
        veche_credential_list l;
        veche_diag d = {{0}};
        assert_int_equal(veche_credentials_parse(&l, (const json_t *const *)bodies, 2, &d), VECHE_OK);
        assert_int_equal(l.n, 3);
        assert_int_equal(l.total_weight, 6);
        veche_credentials_free(&l);
        json_decref(bodies[0]);
        json_decref(bodies[1]);
    }
    expect_parse_refused(one_part(0, 2, json_pack("[o,o]", cred(k[0], 1), cred(k[2], 2))),
                         one_part(1, 2, json_pack("[o]", cred(k[1], 3))),
                         "credentials part 1, credentials[0]: not after the last key");
    expect_parse_refused(one_part(0, 2, json_pack("[o,o]", cred(k[0], 1), cred(k[2], 2))),
                         one_part(1, 2, json_pack("[o]", cred(k[2], 3))),
                         "credentials part 1, credentials[0]: not after the last key");
    memset(big, 0, 32);   /* the identity */
    expect_parse_refused(one_part(0, 1, json_pack("[o,o]", cred(big, 1), cred(k[0], 2))), NULL,
                         "credentials part 0, credentials[0]: the key is not a valid point");
    memset(big, 0xff, 32);   /* not a canonical encoding */
    expect_parse_refused(one_part(0, 1, json_pack("[o,o]", cred(k[0], 1), cred(big, 2))), NULL,
                         "credentials part 0, credentials[1]: the key is not a valid point");
    veche_point_generator(&P);
    veche_point_encode(big, &P);
    big[31] |= 0x80;   /* G with the top bit set: RFC 9496 refuses it */
    expect_parse_refused(one_part(0, 1, json_pack("[o,o]", cred(k[0], 1), cred(big, 2))), NULL,
                         "credentials part 0, credentials[1]: the key is not a valid point");
    expect_parse_refused(one_part(0, 1, json_pack("[o]", cred(k[0], 0))), NULL,
                         "credentials part 0: body.credentials[0].weight");
    {   /* total weight above 10^9: 1001 credentials of 10^6 */
        json_t *l1 = json_array();
        uint8_t key[32];
        for (int i = 0; i < 1001; i++) {
            veche_scalar_from_u64(&x, (uint64_t)i + 1);
            veche_point_mul_base(&P, &x);
            veche_point_encode(key, &P);
            json_array_append_new(l1, cred(key, 1000000));
        }
        /* sort by key through a list */
        veche_credential_list tmp = {0};
        tmp.v = calloc(1001, sizeof *tmp.v);
        for (size_t i = 0; i < 1001; i++)
            veche_b64_get(tmp.v[i].key, 32, json_object_get(json_array_get(l1, i), "key"), "k", NULL);
        json_decref(l1);
        qsort(tmp.v, 1001, sizeof *tmp.v, cmp_key);
        l1 = json_array();
        for (size_t i = 0; i < 1001; i++)
            json_array_append_new(l1, cred(tmp.v[i].key, 1000000));
        free(tmp.v);
        expect_parse_refused(one_part(0, 1, l1), NULL,
                             "credentials part 0, credentials[1000]: the total weight exceeds 1000000000");
    }
    expect_parse_refused(one_part(0, 1, json_pack("[o]", cred(k[0], 1))),
                         one_part(1, 2, json_pack("[o]", cred(k[1], 1))),
                         "credentials part 0: says part 0 of 1");
    {
        json_t *other = one_part(1, 2, json_pack("[o]", cred(k[1], 1)));
        json_object_set_new(other, "election", json_string("another"));
        expect_parse_refused(one_part(0, 2, json_pack("[o]", cred(k[0], 1))), other,
                             "credentials part 1: for another election");
    }
}

static void test_generate_refused(void **state)
{
    uint32_t w[3] = {1, 0, 1};
    char codes[3][VECHE_CODE_CHARS + 1];
    veche_credential_list pub;
    veche_diag d = {{0}};
    (void)state;
    assert_int_equal(veche_credentials_generate(codes, &pub, ID, w, 3, NULL, &d), VECHE_ERANGE);
    assert_non_null(strstr(d.msg, "voter 2 has weight 0"));
    w[1] = 1000001;
    assert_int_equal(veche_credentials_generate(codes, &pub, ID, w, 3, NULL, &d), VECHE_ERANGE);
    assert_int_equal(veche_credentials_generate(codes, &pub, ID, w, 0, NULL, &d), VECHE_EINVALID);
    w[1] = 1;
    assert_int_equal(veche_credentials_generate(codes, &pub, "Bad", w, 3, NULL, &d), VECHE_EINVALID);
    assert_null(pub.v);
}

/* ---- the loader on a real board ---------------------------------------------------------------- */

typedef struct fixture {
    char dir[64], db[128], exp[128];
    veche_key board, admin, authority, trustee[3], other;
    veche_board *b;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    veche_diag d = {{0}};
    const char *names[] = {"t1", "t2", "t3"};
    if (f == NULL)
        return -1;
    strcpy(f->dir, "/tmp/veche-election-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof f->db, "%s/b.db", f->dir);
    snprintf(f->exp, sizeof f->exp, "%s/export", f->dir);
    if (veche_key_generate(&f->board, "test.example/board", &d) != VECHE_OK ||
        veche_key_generate(&f->admin, "admin", &d) != VECHE_OK ||
        veche_key_generate(&f->authority, "authority", &d) != VECHE_OK ||
        veche_key_generate(&f->other, "other", &d) != VECHE_OK ||
        veche_board_create(&f->b, f->db, &f->board, &d) != VECHE_OK)
        return -1;
    for (int i = 0; i < 3; i++)
        if (veche_key_generate(&f->trustee[i], names[i], &d) != VECHE_OK)
            return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[200];
    veche_board_close(f->b);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static uint64_t append(fixture *f, const char *e, size_t len)
{
    uint64_t at;
    veche_diag d = {{0}};
    const uint8_t *one = (const uint8_t *)e;
    if (veche_board_append(f->b, &one, &len, 1, &at, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    return at;
}

/* Appends type/body (consumed) signed by k (NULL: unsigned); returns the index, keeps bytes. */
static uint64_t put(fixture *f, const char *type, json_t *body, const veche_key *k, char **keep,
                    size_t *klen)
{
    size_t len;
    char *e = entry(&len, type, body, k ? k->sk : NULL);
    uint64_t at = append(f, e, len);
    if (keep) {
        *keep = e;
        *klen = len;
    } else
        free(e);
    return at;
}

static json_t *ballot_body(const char *id, uint8_t cred_byte)
{
    json_t *b = valid_body("election.ballot");
    json_object_set_new(b, "election", json_string(id));
    json_object_set_new(b, "credential", b64_of(32, cred_byte));
    return b;
}

typedef struct seen {
    uint64_t index[16];
    size_t   n;
    int      stop_at;   /* stop the load at this ballot (1-based), 0 never */
} seen;

static veche_err on_ballot(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                           const veche_entry *e)
{
    seen *s = arg;
    assert_string_equal(e->type, "election.ballot");
    assert_true(len > 0 && bytes[0] == '{');
    s->index[s->n++] = index;
    return (int)s->n == s->stop_at ? VECHE_EINVALID : VECHE_OK;
}

static void check_loaded(const veche_election *el, const uint8_t *mbytes, size_t mlen,
                         const char *const *parts, const size_t *plens, const uint8_t K[32],
                         const fixture *f)
{
    uint8_t mh[32], ch[32], fp[32], buf[256];
    crypto_hash_sha256_state h;

    crypto_hash_sha256(mh, mbytes, mlen);
    assert_memory_equal(el->manifest_hash, mh, 32);
    memcpy(buf, "veche-v1/ceremony", 17);
    memcpy(buf + 17, mh, 32);
    crypto_hash_sha256(ch, buf, 49);
    assert_memory_equal(el->ceremony_id, ch, 32);
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)parts[0], plens[0]);
    crypto_hash_sha256_update(&h, (const uint8_t *)parts[1], plens[1]);
    crypto_hash_sha256_final(&h, ch);
    assert_memory_equal(el->credentials_hash, ch, 32);
    memcpy(buf, "veche-v1/election", 17);
    memcpy(buf + 17, mh, 32);
    memcpy(buf + 49, K, 32);
    memcpy(buf + 81, ch, 32);
    crypto_hash_sha256(fp, buf, 113);
    assert_true(el->has_fingerprint);
    assert_memory_equal(el->fingerprint, fp, 32);
    assert_memory_equal(el->admin, f->admin.pk, 32);
    assert_string_equal(el->manifest.id, ID);
    assert_int_equal(el->manifest.ntrustees, 3);
}

static void test_loader(void **state)
{
    fixture *f = *state;
    uint8_t tk[3][32], K[32];
    char *mbytes, *parts[2], *scratch;
    size_t mlen, plens[2], slen;
    veche_election *el = NULL;
    veche_diag d = {{0}};
    veche_scalar x;
    seen s = {0};
    uint64_t at_manifest, at_second, at_key, at_open, at_close, at_wrong_open, at_cp[2];
    veche_credential_list pub;
    (void)scratch;
    (void)slen;

    for (int i = 0; i < 3; i++)
        memcpy(tk[i], f->trustee[i].pk, 32);
    veche_schnorr_keygen(&x, K, NULL);
    veche_scalar_wipe(&x);

    /* before the manifest: no election, and what names it is stray */
    assert_int_equal(veche_election_load(&el, f->b, ID, NULL, NULL, &d), VECHE_ENOTFOUND);
    assert_non_null(strstr(d.msg, "no election \"" ID "\" on the record"));
    assert_null(el);
    uint64_t at_stray = put(f, "election.close", json_pack("{s:s}", "election", ID), &f->admin, NULL, NULL);
    put(f, "election.ballot", ballot_body(ID, 9), NULL, NULL, NULL);

    at_manifest = put(f, "election.manifest", manifest_body(ID, f->authority.pk, tk, 3, 2),
                      &f->admin, &mbytes, &mlen);
    /* another election on the same board, interleaved */
    put(f, "election.manifest", manifest_body("other-election", f->authority.pk, tk, 3, 2),
        &f->other, NULL, NULL);
    put(f, "election.open", json_pack("{s:s, s:o}", "election", "other-election", "fingerprint",
                                      b64_of(32, 5)), &f->other, NULL, NULL);
    at_second = put(f, "election.manifest", manifest_body(ID, f->other.pk, tk, 3, 1), &f->other,
                    NULL, NULL);

    /* trustee entries (shapes only: the ceremony is ceremony.c's) */
    put(f, "trustee.key", json_pack("{s:s, s:i, s:o}", "election", ID, "trustee", 1, "key",
                                    b64_of(97, 1)), &f->trustee[0], NULL, NULL);
    put(f, "trustee.commit", json_pack("{s:s, s:i, s:o}", "election", ID, "trustee", 2, "hash",
                                       b64_of(33, 1)), &f->trustee[1], NULL, NULL);

    /* the key, credentials (2 parts, the second first), a rogue part, open */
    at_key = put(f, "election.key", json_pack("{s:s, s:[i,i,i], s:o}", "election", ID,
                                              "qualified", 1, 2, 3, "key",
                                              veche_b64_json(K, 32)), &f->admin, NULL, NULL);
    put(f, "election.key", json_pack("{s:s, s:[i], s:o}", "election", ID, "qualified", 1,
                                     "key", b64_of(32, 7)), &f->admin, NULL, NULL);
    {
        uint32_t w[5001];
        char (*codes)[VECHE_CODE_CHARS + 1] = calloc(5001, sizeof *codes);
        char **entries;
        size_t *lens, np;
        for (int i = 0; i < 5001; i++)
            w[i] = 2;
        assert_int_equal(veche_credentials_generate(codes, &pub, ID, w, 5001, NULL, &d), VECHE_OK);
        assert_int_equal(veche_credentials_build(&entries, &lens, &np, ID, &pub, f->authority.sk, &d),
                         VECHE_OK);
        assert_int_equal(np, 2);
        /* a part by someone else: kept in the list, never used */
        put(f, "election.credentials", json_pack("{s:s, s:i, s:i, s:[{s:o, s:i}]}", "election",
                                                 ID, "part", 0, "parts", 1, "credentials",
                                                 "key", b64_of(32, 1), "weight", 5),
            &f->other, NULL, NULL);
        at_cp[1] = append(f, entries[1], lens[1]);
        /* after one of two parts: incomplete */
        assert_int_equal(veche_election_load(&el, f->b, ID, NULL, NULL, &d), VECHE_OK);
        assert_int_equal(el->cred_state, VECHE_CRED_INCOMPLETE);
        assert_false(el->has_fingerprint);
        veche_election_free(el);
        at_cp[0] = append(f, entries[0], lens[0]);
        parts[0] = entries[0];
        parts[1] = entries[1];
        plens[0] = lens[0];
        plens[1] = lens[1];
        free(entries);
        free(lens);
        sodium_memzero(codes, 5001 * sizeof *codes);
        free(codes);
    }
    at_wrong_open = put(f, "election.open", json_pack("{s:s, s:o}", "election", ID,
                                                      "fingerprint", b64_of(32, 3)),
                        &f->other, NULL, NULL);
    at_open = put(f, "election.open", json_pack("{s:s, s:o}", "election", ID, "fingerprint",
                                                b64_of(32, 4)), &f->admin, NULL, NULL);
    uint64_t b1 = put(f, "election.ballot", ballot_body(ID, 1), NULL, NULL, NULL);
    put(f, "election.ballot", ballot_body("other-election", 1), NULL, NULL, NULL);
    uint64_t b2 = put(f, "election.ballot", ballot_body(ID, 2), NULL, NULL, NULL);
    at_close = put(f, "election.close", json_pack("{s:s}", "election", ID), &f->admin, NULL, NULL);
    put(f, "statement", json_pack("{s:s}", "text", "the count is on Friday"), &f->other, NULL, NULL);
    put(f, "trustee.decryption", json_pack("{s:s, s:i, s:[[o]]}", "election", ID, "trustee", 3,
                                           "shares", b64_of(129, 1)), &f->trustee[2], NULL, NULL);

    assert_int_equal(veche_election_load(&el, f->b, ID, on_ballot, &s, &d), VECHE_OK);
    check_loaded(el, (uint8_t *)mbytes, mlen, (const char *const *)parts, plens, K, f);
    assert_int_equal(el->manifest_entry.index, at_manifest);
    assert_int_equal(el->second_manifest, at_second);
    assert_int_equal(el->nstray, 2);
    assert_int_equal(el->first_stray, at_stray);
    assert_int_equal(el->trustee.n, 2);
    assert_string_equal(el->trustee.v[0].type, "trustee.key");
    assert_memory_equal(el->trustee.v[1].author, f->trustee[1].pk, 32);
    assert_int_equal(el->keys.n, 2);
    assert_true(el->has_key);
    assert_int_equal(el->key_index, at_key);
    assert_memory_equal(el->K, K, 32);
    assert_int_equal(el->credentials.n, 3);
    assert_int_equal(el->cred_state, VECHE_CRED_COMPLETE);
    assert_int_equal(el->nparts, 2);
    assert_int_equal(el->cred_last_index, at_cp[0]);
    assert_true(at_cp[0] > at_cp[1]);
    assert_int_equal(el->creds.n, 5001);
    assert_int_equal(el->creds.total_weight, 10002);
    assert_int_equal(el->opens.n, 2);
    assert_int_equal(el->open_index, at_open);
    assert_int_equal(el->opens.v[0].index, at_wrong_open);
    assert_int_equal(el->close_index, at_close);
    assert_int_equal(el->nballots, 2);
    assert_int_equal(el->ballots[0], b1);
    assert_int_equal(el->ballots[1], b2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.index[1], b2);
    assert_int_equal(el->decryptions.n, 1);
    assert_int_equal(el->tallies.n + el->results.n, 0);
    assert_memory_equal(el->creds.v[17].key, pub.v[17].key, 32);

    /* the export gives the same election */
    veche_election *ex = NULL;
    seen s2 = {0};
    assert_int_equal(veche_board_export(f->b, f->exp, &d), VECHE_OK);
    assert_int_equal(veche_election_load_export(&ex, f->exp, ID, on_ballot, &s2, &d), VECHE_OK);
    check_loaded(ex, (uint8_t *)mbytes, mlen, (const char *const *)parts, plens, K, f);
    assert_int_equal(ex->nballots, 2);
    assert_int_equal(s2.n, 2);
    assert_memory_equal(ex->fingerprint, el->fingerprint, 32);
    assert_int_equal(ex->second_manifest, at_second);
    veche_election_free(ex);
    veche_election_free(el);

    /* the callback can stop the load */
    seen s3 = {.stop_at = 2};
    assert_int_equal(veche_election_load(&el, f->b, ID, on_ballot, &s3, &d), VECHE_EINVALID);
    assert_null(el);
    assert_non_null(strstr(d.msg, "ballot callback"));

    /* a bad id, a missing export */
    assert_int_equal(veche_election_load(&el, f->b, "Not An Id", NULL, NULL, &d), VECHE_EINVALID);
    assert_int_not_equal(veche_election_load_export(&el, "/nonexistent", ID, NULL, NULL, &d), VECHE_OK);
    assert_null(el);

    /* a second credentials part 1 by the authority: the list is invalid */
    append(f, parts[1], plens[1]);
    assert_int_equal(veche_election_load(&el, f->b, ID, NULL, NULL, &d), VECHE_OK);
    assert_int_equal(el->cred_state, VECHE_CRED_INVALID);
    assert_non_null(strstr(el->cred_problem.msg, "part 1 again"));
    assert_false(el->has_fingerprint);
    assert_int_equal(el->creds.n, 0);
    veche_election_free(el);

    veche_credentials_free(&pub);
    free(parts[0]);
    free(parts[1]);
    free(mbytes);
}

/* A tampered export entry stops the load and names the entry. */
static void test_loader_bad_entry(void **state)
{
    fixture *f = *state;
    uint8_t tk[1][32];
    veche_election *el = NULL;
    veche_diag d = {{0}};
    char path[256], cmd[512];

    memcpy(tk[0], f->trustee[0].pk, 32);
    put(f, "election.manifest", manifest_body(ID, f->authority.pk, tk, 1, 1), &f->admin, NULL, NULL);
    put(f, "election.close", json_pack("{s:s}", "election", ID), &f->admin, NULL, NULL);
    assert_int_equal(veche_board_export(f->b, f->exp, &d), VECHE_OK);
    assert_int_equal(veche_election_load_export(&el, f->exp, ID, NULL, NULL, &d), VECHE_OK);
    assert_false(el->has_key);
    assert_int_equal(el->cred_state, VECHE_CRED_NONE);
    assert_int_equal(el->key_index, VECHE_ELECTION_NO_INDEX);
    assert_int_equal(el->open_index, VECHE_ELECTION_NO_INDEX);
    assert_int_equal(el->second_manifest, VECHE_ELECTION_NO_INDEX);
    assert_int_equal(el->nstray, 0);
    veche_election_free(el);
    snprintf(path, sizeof path, "%s/entries.jsonl", f->exp);
    snprintf(cmd, sizeof cmd, "sed -i '2s/\"Annual election\"/\"Annual elections\"/' %s", path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(veche_election_load_export(&el, f->exp, ID, NULL, NULL, &d), VECHE_EVERIFY);
    assert_non_null(strstr(d.msg, "entry 1: entry.sig"));
    assert_null(el);
}

/* More entries than one decoding batch: every ballot is seen once, in index order. */
typedef struct order {
    uint64_t last, n;
    int      bad;
} order;

static veche_err in_order(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                          const veche_entry *e)
{
    order *o = arg;
    (void)bytes;
    (void)len;
    (void)e;
    o->bad |= o->n > 0 && index <= o->last;
    o->last = index;
    o->n++;
    return VECHE_OK;
}

static void test_loader_batches(void **state)
{
    fixture *f = *state;
    uint8_t tk[1][32];
    size_t n = test_quick() ? 4200 : 9000;
    char **entries = calloc(n, sizeof *entries);
    size_t *lens = calloc(n, sizeof *lens), nballots = 0;
    veche_election *el = NULL;
    veche_diag d = {{0}};
    order o = {0};
    uint64_t first;

    memcpy(tk[0], f->trustee[0].pk, 32);
    put(f, "election.manifest", manifest_body(ID, f->authority.pk, tk, 1, 1), &f->admin, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (i % 3 == 2)
            entries[i] = entry(&lens[i], "statement", json_pack("{s:s}", "text", "x"), f->other.sk);
        else {
            entries[i] = entry(&lens[i], "election.ballot", ballot_body(ID, (uint8_t)i), NULL);
            nballots++;
        }
    }
    assert_int_equal(veche_board_append(f->b, (const uint8_t *const *)entries, lens, n, &first, &d),
                     VECHE_OK);
    assert_int_equal(veche_election_load(&el, f->b, ID, in_order, &o, &d), VECHE_OK);
    assert_int_equal(el->nballots, nballots);
    assert_int_equal(o.n, nballots);
    assert_false(o.bad);
    assert_int_equal(el->ballots[0], first);
    assert_int_equal(el->ballots[nballots - 1], first + n - (n % 3 == 0 ? 2 : 1));
    veche_election_free(el);
    for (size_t i = 0; i < n; i++)
        free(entries[i]);
    free(entries);
    free(lens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_types_accept),
        cmocka_unit_test(test_types_refuse),
        cmocka_unit_test(test_code_format),
        cmocka_unit_test(test_code_checksum),
        cmocka_unit_test(test_code_derivation),
        cmocka_unit_test(test_credentials_generate),
        cmocka_unit_test(test_credentials_refused),
        cmocka_unit_test(test_generate_refused),
        cmocka_unit_test_setup_teardown(test_loader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loader_bad_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loader_batches, setup, teardown),
    };
    if (veche_crypto_init() != VECHE_OK || veche_election_register_types() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("election", tests, NULL, NULL);
}
