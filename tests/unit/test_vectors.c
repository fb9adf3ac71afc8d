/*
 * test_vectors.c — the known-answer vectors of tests/vectors/crypto.json.
 *
 * The file is made by this program from fixed seeds (docs/SPEC.md §1.4 and
 * §1.17 say how every value follows from its seed). Run from the repository
 * root (as tests/run.sh does), it:
 *   (a) recomputes every vector with libveche and compares the result with
 *       the file, value by value (a difference is reported by its JSON path);
 *   (b) verifies every proof and signature in the file with libveche;
 *   (c) checks that tampered copies fail: every byte of every proof, every
 *       byte of the statement and of the context, the other domain, a point
 *       with its top bit set, a scalar plus L;
 *   (d) checks the file against an independent implementation written from
 *       SPEC.md using only libsodium (ristretto255 encodings, scalar
 *       arithmetic, SHA-512, XChaCha20-Poly1305): the rng, hashing to
 *       scalars, transcripts, ElGamal, proving (from the seeds) and
 *       verifying every proof type, and the whole 2-of-3 key ceremony with
 *       its complaints and decryption. That code (the functions named
 *       ind_*) calls no libveche function — it borrows only the veche_ctx
 *       struct to hold four fields: this is what shows the specification is
 *       enough to write a verifier;
 *   (e) checks that the worked examples quoted in docs/SPEC.md are the
 *       file's.
 *
 * To regenerate the file after a deliberate change of the protocol (never to
 * make a failing test pass), run from the repository root:
 *
 *     make build/asan/tests/test_vectors
 *     VECHE_WRITE_VECTORS=1 ./build/asan/tests/test_vectors
 *
 * then review the diff of tests/vectors/crypto.json and the worked examples
 * quoted in docs/SPEC.md.
 */
#include "testutil.h"

#include <sodium.h>
#include "crypto/dleq.h"
#include "crypto/elgamal.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"

#define VECTORS_FILE "crypto.json"

/* ======================================================================
 * JSON helpers
 * ====================================================================== */

static json_t *jhex(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    json_t *j;
    assert_non_null(s);
    s[0] = '\0';
    to_hex(s, b, n);
    j = json_string(s);
    free(s);
    return j;
}

static void set_hex(json_t *o, const char *k, const uint8_t *b, size_t n)
{
    json_object_set_new(o, k, jhex(b, n));
}

static void set_scalar(json_t *o, const char *k, const veche_scalar *s)
{
    uint8_t b[32];
    veche_scalar_encode(b, s);
    set_hex(o, k, b, 32);
}

static void set_point(json_t *o, const char *k, const veche_point *p)
{
    uint8_t b[32];
    veche_point_encode(b, p);
    set_hex(o, k, b, 32);
}

static void set_int(json_t *o, const char *k, uint64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *jctx(const veche_ctx *ctx)
{
    json_t *o = json_object(), *idx = json_array();
    set_hex(o, "fingerprint", ctx->fingerprint, 32);
    set_hex(o, "party", ctx->party, 32);
    json_array_append_new(idx, json_integer(ctx->index[0]));
    json_array_append_new(idx, json_integer(ctx->index[1]));
    json_object_set_new(o, "index", idx);
    return o;
}

static json_t *need(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (v == NULL)
        fail_msg("vector field \"%s\" missing", k);
    return v;
}

static void get_hex(json_t *o, const char *k, uint8_t *out, size_t n)
{
    const char *s = json_string_value(need(o, k));
    assert_non_null(s);
    hex_to(out, n, s);
}

/* A hex field of any length up to cap; returns its length. */
static size_t get_hexv(json_t *o, const char *k, uint8_t *out, size_t cap)
{
    const char *s = json_string_value(need(o, k));
    size_t n;
    assert_non_null(s);
    n = strlen(s) / 2;
    assert_true(n <= cap);
    hex_to(out, n, s);
    return n;
}

static uint64_t get_u64(json_t *o, const char *k)
{
    json_t *v = need(o, k);
    assert_true(json_is_integer(v));
    assert_true(json_integer_value(v) >= 0);
    return (uint64_t)json_integer_value(v);
}

static void get_ctx(json_t *o, veche_ctx *ctx)
{
    json_t *c = need(o, "context"), *idx = need(c, "index");
    get_hex(c, "fingerprint", ctx->fingerprint, 32);
    get_hex(c, "party", ctx->party, 32);
    assert_int_equal(json_array_size(idx), 2);
    for (int i = 0; i < 2; i++)
        ctx->index[i] = (uint32_t)json_integer_value(json_array_get(idx, (size_t)i));
}

static json_t *section_cases(json_t *root, const char *name)
{
    json_t *cases = need(need(root, name), "cases");
    assert_true(json_array_size(cases) > 0);
    return cases;
}

/* First difference between two JSON trees, as a path; NULL when equal. */
static int json_diff(const json_t *a, const json_t *b, char *path, size_t cap)
{
    size_t len = strlen(path);

    if (json_typeof(a) != json_typeof(b))
        return 1;
    if (json_is_object(a)) {
        const char *k;
        json_t *va;
        if (json_object_size(a) != json_object_size(b))
            return 1;
        json_object_foreach((json_t *)a, k, va) {
            json_t *vb = json_object_get(b, k);
            snprintf(path + len, cap - len, ".%s", k);
            if (vb == NULL || json_diff(va, vb, path, cap))
                return 1;
            path[len] = '\0';
        }
        return 0;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return 1;
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(path + len, cap - len, "[%zu]", i);
            if (json_diff(json_array_get(a, i), json_array_get(b, i), path, cap))
                return 1;
            path[len] = '\0';
        }
        return 0;
    }
    return !json_equal((json_t *)a, (json_t *)b);
}

/* ======================================================================
 * Seeds and fixed inputs
 * ====================================================================== */

/* seed = SHA-256("veche-v1/vector/" || name): recorded next to the name. */
static void seed_of(uint8_t seed[32], const char *name)
{
    char buf[128];
    snprintf(buf, sizeof buf, "veche-v1/vector/%s", name);
    crypto_hash_sha256(seed, (const uint8_t *)buf, strlen(buf));
}

/* The example election fingerprint: bytes 0x00, 0x01, ..., 0x1f. */
static void example_ctx(veche_ctx *ctx, const uint8_t party[32], uint32_t i0, uint32_t i1)
{
    uint8_t fp[32];
    for (int i = 0; i < 32; i++)
        fp[i] = (uint8_t)i;
    veche_ctx_init(ctx, fp);
    if (party != NULL)
        memcpy(ctx->party, party, 32);
    ctx->index[0] = i0;
    ctx->index[1] = i1;
}

static json_t *new_case(const char *name, uint8_t seed[32])
{
    json_t *c = json_object();
    json_object_set_new(c, "name", json_string(name));
    seed_of(seed, name);
    set_hex(c, "seed", seed, 32);
    return c;
}

static json_t *new_section(json_t *root, const char *name, const char *about)
{
    json_t *s = json_object();
    json_object_set_new(s, "about", json_string(about));
    json_object_set_new(s, "cases", json_array());
    json_object_set_new(root, name, s);
    return json_object_get(s, "cases");
}

/* ======================================================================
 * (a) Generation with libveche
 * ====================================================================== */

static void gen_rng(json_t *root)
{
    static const size_t req[] = {64, 32, 100};
    json_t *cases = new_section(root, "rng",
        "veche_rng (SPEC 1.4): requests of the given sizes, in order, from a fresh rng");
    uint8_t seed[32], out[128];
    json_t *c = json_object(), *arr = json_array();
    veche_rng rng;

    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    json_object_set_new(c, "name", json_string("rng/1"));
    set_hex(c, "seed", seed, 32);
    veche_rng_seed(&rng, seed);
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        json_t *r = json_object();
        veche_rng_bytes(&rng, out, req[i]);
        set_int(r, "bytes", req[i]);
        set_hex(r, "output", out, req[i]);
        json_array_append_new(arr, r);
    }
    json_object_set_new(c, "requests", arr);
    json_array_append_new(cases, c);
}

static void gen_hash_to_scalar(json_t *root)
{
    static const char *const inputs[] = {"", "abc", "veche-v1"};
    json_t *cases = new_section(root, "hash_to_scalar",
        "SPEC 1.3: scalar = SHA-512(input) read little-endian, mod L");
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        json_t *c = json_object();
        uint8_t d[64];
        veche_scalar s;
        crypto_hash_sha512(d, (const uint8_t *)inputs[i], strlen(inputs[i]));
        veche_scalar_reduce64(&s, d);
        set_hex(c, "input", (const uint8_t *)inputs[i], strlen(inputs[i]));
        set_hex(c, "sha512", d, 64);
        set_scalar(c, "scalar", &s);
        json_array_append_new(cases, c);
    }
    {   /* the largest 64-byte integer: reduction must be of all 512 bits */
        json_t *c = json_object();
        uint8_t in[64];
        veche_scalar s;
        memset(in, 0xff, sizeof in);
        veche_scalar_reduce64(&s, in);
        set_hex(c, "reduce64_input", in, 64);
        set_scalar(c, "scalar", &s);
        json_array_append_new(cases, c);
    }
}

/* L - 1, L, L + 1 (mod 2^256), 2^255 - 1, and G with the top bit set. */
static const uint8_t L_BYTES[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

static void gen_encodings(json_t *root)
{
    json_t *sec = json_object(), *sc = json_array(), *pt = json_array();
    uint8_t b[32];
    veche_scalar s;
    veche_point P;

    json_object_set_new(sec, "about", json_string(
        "SPEC 1.2: canonical checks. Scalars: canonical iff < L. Points: valid iff the "
        "RFC 9496 decoding succeeds AND the top bit of byte 31 is clear (libsodium 1.0.18 "
        "ignores that bit); the identity is 32 zero bytes."));
    for (int k = 0; k < 5; k++) {
        json_t *c = json_object();
        const char *note = NULL;
        memcpy(b, L_BYTES, 32);
        switch (k) {
        case 0: memset(b, 0, 32); note = "zero"; break;
        case 1: b[0] -= 1; note = "L - 1"; break;
        case 2: note = "L"; break;
        case 3: b[0] += 1; note = "L + 1"; break;
        case 4: memset(b, 0xff, 32); b[31] = 0x7f; note = "2^255 - 1"; break;
        }
        set_hex(c, "scalar", b, 32);
        json_object_set_new(c, "note", json_string(note));
        json_object_set_new(c, "canonical", json_boolean(veche_scalar_decode(&s, b) == VECHE_OK));
        json_array_append_new(sc, c);
    }
    for (int k = 0; k < 4; k++) {
        json_t *c = json_object();
        const char *note = NULL;
        veche_err e;
        veche_point_generator(&P);
        veche_point_encode(b, &P);
        switch (k) {
        case 0: memset(b, 0, 32); note = "the identity"; break;
        case 1: note = "G"; break;
        case 2: b[31] |= 0x80; note = "G with bit 255 set: MUST be rejected"; break;
        case 3: b[0] |= 1; note = "G with bit 0 set (negative s)"; break;
        }
        e = veche_point_decode(&P, b, VECHE_ALLOW_IDENTITY);
        set_hex(c, "point", b, 32);
        json_object_set_new(c, "note", json_string(note));
        json_object_set_new(c, "valid", json_boolean(e == VECHE_OK));
        json_object_set_new(c, "valid_as_public_key",
                            json_boolean(veche_point_decode(&P, b, VECHE_NO_IDENTITY) == VECHE_OK));
        json_array_append_new(pt, c);
    }
    json_object_set_new(sec, "scalars", sc);
    json_object_set_new(sec, "points", pt);
    json_object_set_new(root, "encodings", sec);
}

/* The transcript example of SPEC 1.5: the framed bytes are built here by hand. */
static void put_field(json_t *arr, uint8_t **p, const char *label, const uint8_t *v, size_t n)
{
    json_t *f = json_object();
    uint8_t *start = *p;
    size_t l = strlen(label);
    for (int i = 0; i < 4; i++) *(*p)++ = (uint8_t)(l >> (8 * i));
    memcpy(*p, label, l);
    *p += l;
    for (int i = 0; i < 8; i++) *(*p)++ = (uint8_t)((uint64_t)n >> (8 * i));
    if (n > 0)
        memcpy(*p, v, n);
    *p += n;
    json_object_set_new(f, "label", json_string(label));
    set_hex(f, "value", v, n);
    set_hex(f, "framed", start, (size_t)(*p - start));
    json_array_append_new(arr, f);
}

static void gen_transcript(json_t *root)
{
    json_t *cases = new_section(root, "transcript",
        "SPEC 1.5: fields framed as le32(len label) || label || le64(len value) || value; "
        "challenge = SHA-512(framed) mod L");
    json_t *c = json_object(), *fields = json_array();
    uint8_t buf[512], *p = buf, G[32], idx[8], n5[8] = {5}, d[64];
    veche_ctx ctx;
    veche_transcript t;
    veche_scalar ch;
    veche_point P;

    example_ctx(&ctx, NULL, 1, VECHE_INDEX_NONE);
    veche_point_generator(&P);
    veche_point_encode(G, &P);
    veche_transcript_init(&t, "example", &ctx);
    veche_transcript_point(&t, "X", G);
    veche_transcript_u64(&t, "n", 5);
    veche_transcript_challenge(&t, &ch);

    for (int i = 0; i < 4; i++) {
        idx[i] = (uint8_t)(ctx.index[0] >> (8 * i));
        idx[4 + i] = (uint8_t)(ctx.index[1] >> (8 * i));
    }
    put_field(fields, &p, "protocol", (const uint8_t *)VECHE_PROTOCOL_TAG, 8);
    put_field(fields, &p, "domain", (const uint8_t *)"example", 7);
    put_field(fields, &p, "fingerprint", ctx.fingerprint, 32);
    put_field(fields, &p, "party", ctx.party, 32);
    put_field(fields, &p, "index", idx, 8);
    put_field(fields, &p, "X", G, 32);
    put_field(fields, &p, "n", n5, 8);
    crypto_hash_sha512(d, buf, (size_t)(p - buf));

    json_object_set_new(c, "name", json_string("transcript/example"));
    json_object_set_new(c, "domain", json_string("example"));
    json_object_set_new(c, "context", jctx(&ctx));
    json_object_set_new(c, "fields", fields);
    set_hex(c, "framed", buf, (size_t)(p - buf));
    set_hex(c, "sha512", d, 64);
    set_scalar(c, "challenge", &ch);
    json_array_append_new(cases, c);
}

static void gen_elgamal(json_t *root)
{
    json_t *cases = new_section(root, "elgamal",
        "SPEC 1.7. rng draws: x = keygen; r1, r2, s = one 64-byte block each. "
        "ct_i = Enc(m_i; r_i); sum = ct1 + ct2; weighted1 = w*ct1; "
        "reencrypted1 = ct1 + Enc(0; s); decrypted_sum = b - x*a of sum = (m1+m2)*G");
    json_t *c;
    uint8_t seed[32], enc[64];
    veche_rng rng;
    veche_scalar x, r1, r2, s;
    veche_pubkey pk;
    veche_ciphertext ct1, ct2, sum, w1, re;
    veche_point M;
    const uint64_t m1 = 3, m2 = 4, w = 5;

    c = new_case("elgamal/1", seed);
    veche_rng_seed(&rng, seed);
    assert_int_equal(veche_keypair_generate(&x, &pk, &rng), VECHE_OK);
    veche_encrypt_random(&ct1, &r1, &pk, m1, &rng);
    veche_encrypt_random(&ct2, &r2, &pk, m2, &rng);
    veche_scalar_random(&s, &rng);
    veche_ciphertext_add(&sum, &ct1, &ct2);
    veche_ciphertext_scale(&w1, &ct1, w);
    veche_reencrypt(&re, &ct1, &pk, &s);
    veche_decrypt_point(&M, &x, &sum);

    set_scalar(c, "secret_key", &x);
    set_hex(c, "public_key", pk.enc, 32);
    set_int(c, "m1", m1);
    set_scalar(c, "nonce1", &r1);
    veche_ciphertext_encode(enc, &ct1);
    set_hex(c, "ciphertext1", enc, 64);
    set_int(c, "m2", m2);
    set_scalar(c, "nonce2", &r2);
    veche_ciphertext_encode(enc, &ct2);
    set_hex(c, "ciphertext2", enc, 64);
    veche_ciphertext_encode(enc, &sum);
    set_hex(c, "sum", enc, 64);
    set_int(c, "weight", w);
    veche_ciphertext_encode(enc, &w1);
    set_hex(c, "weighted1", enc, 64);
    set_scalar(c, "reencryption_nonce", &s);
    veche_ciphertext_encode(enc, &re);
    set_hex(c, "reencrypted1", enc, 64);
    set_point(c, "decrypted_sum", &M);
    json_array_append_new(cases, c);
    veche_pubkey_free(&pk);
}

static void gen_schnorr(json_t *root, int is_sig)
{
    static const char *const msgs[] = {"ballot 42: 0x0123", ""};
    json_t *cases = new_section(root, is_sig ? "schnorr_sig" : "schnorr_pok", is_sig
        ? "SPEC 1.9. rng draws: x = keygen; then 32 bytes (one block) for the hedged nonce. "
          "Context: example fingerprint, party = X, no indices"
        : "SPEC 1.8. rng draws: x = keygen; then 32 bytes (one block) for the hedged nonce. "
          "Context: example fingerprint, party = X, index = [i, k]");
    for (int n = 0; n < 2; n++) {
        char name[32];
        uint8_t seed[32], X[32], proof[64];
        const uint8_t *msg = is_sig ? (const uint8_t *)msgs[n] : NULL;
        size_t msg_len = is_sig ? strlen(msgs[n]) : 0;
        veche_rng rng;
        veche_scalar x;
        veche_ctx ctx;
        json_t *c;

        snprintf(name, sizeof name, "%s/%d", is_sig ? "schnorr-sig" : "schnorr-pok", n + 1);
        c = new_case(name, seed);
        veche_rng_seed(&rng, seed);
        veche_schnorr_keygen(&x, X, &rng);
        if (is_sig) {
            example_ctx(&ctx, X, VECHE_INDEX_NONE, VECHE_INDEX_NONE);
            assert_int_equal(veche_sign(proof, &x, X, msg, msg_len, &ctx, &rng), VECHE_OK);
        } else {
            example_ctx(&ctx, X, (uint32_t)n + 1, (uint32_t)n);
            assert_int_equal(veche_pok_prove(proof, &x, X, &ctx, &rng), VECHE_OK);
        }
        set_scalar(c, "x", &x);
        set_hex(c, "X", X, 32);
        if (is_sig)
            set_hex(c, "message", msg, msg_len);
        json_object_set_new(c, "context", jctx(&ctx));
        set_hex(c, is_sig ? "signature" : "proof", proof, 64);
        json_array_append_new(cases, c);
    }
}

static void gen_dleq(json_t *root)
{
    json_t *cases = new_section(root, "dleq",
        "SPEC 1.10. rng draws: x = keygen; H = hash-to-group of the next 64-byte block; "
        "then k = one block. X = x*G, Y = x*H. Context: example fingerprint, party = X, "
        "index = [2, 7]");
    uint8_t seed[32], wide[64], proof[96], enc[32];
    veche_rng rng;
    veche_scalar x;
    veche_point X, H, Y;
    veche_ctx ctx;
    json_t *c = new_case("dleq/1", seed);

    veche_rng_seed(&rng, seed);
    veche_schnorr_keygen(&x, enc, &rng);
    assert_int_equal(veche_point_decode(&X, enc, VECHE_NO_IDENTITY), VECHE_OK);
    veche_rng_bytes(&rng, wide, 64);
    veche_point_from_hash(&H, wide);
    veche_point_mul(&Y, &H, &x);
    example_ctx(&ctx, enc, 2, 7);
    assert_int_equal(veche_dleq_prove(proof, &x, &X, &H, &Y, &ctx, &rng), VECHE_OK);
    set_scalar(c, "x", &x);
    set_hex(c, "H_hash_input", wide, 64);
    set_point(c, "X", &X);
    set_point(c, "H", &H);
    set_point(c, "Y", &Y);
    json_object_set_new(c, "context", jctx(&ctx));
    set_hex(c, "proof", proof, 96);
    json_array_append_new(cases, c);
}

static void gen_range(json_t *root)
{
    static const struct { uint64_t lo, hi, m; uint32_t i0, i1; } rc[] = {
        {0, 1, 0, 0, 0}, {0, 1, 1, 0, 1}, {1, 3, 2, 0, VECHE_INDEX_NONE}};
    json_t *cases = new_section(root, "range",
        "SPEC 1.11. rng draws: x = keygen (election key K = x*G); r = one block "
        "(ciphertext = Enc(m; r)); then for j = lo..hi: u_j = one block, e_j = one block. "
        "Context: example fingerprint, party = 7*G (a voter credential), index = "
        "[contest, option]");
    for (size_t n = 0; n < sizeof rc / sizeof rc[0]; n++) {
        char name[32];
        uint8_t seed[32], enc[64], party[32], proof[512];
        size_t len = veche_range_proof_size(rc[n].lo, rc[n].hi);
        veche_rng rng;
        veche_scalar x, r;
        veche_pubkey pk;
        veche_ciphertext ct;
        veche_point P;
        veche_ctx ctx;
        json_t *c;

        assert_true(len > 0 && len <= sizeof proof);
        snprintf(name, sizeof name, "range/%zu", n + 1);
        c = new_case(name, seed);
        veche_rng_seed(&rng, seed);
        assert_int_equal(veche_keypair_generate(&x, &pk, &rng), VECHE_OK);
        veche_encrypt_random(&ct, &r, &pk, rc[n].m, &rng);
        veche_point_mul_base_u64(&P, 7);
        veche_point_encode(party, &P);
        example_ctx(&ctx, party, rc[n].i0, rc[n].i1);
        assert_int_equal(veche_range_prove(proof, len, &pk, &ct, rc[n].m, &r, rc[n].lo, rc[n].hi,
                                           &ctx, &rng), VECHE_OK);
        set_scalar(c, "secret_key", &x);
        set_hex(c, "K", pk.enc, 32);
        set_int(c, "lo", rc[n].lo);
        set_int(c, "hi", rc[n].hi);
        set_int(c, "m", rc[n].m);
        set_scalar(c, "r", &r);
        veche_ciphertext_encode(enc, &ct);
        set_hex(c, "ciphertext", enc, 64);
        json_object_set_new(c, "context", jctx(&ctx));
        set_hex(c, "proof", proof, len);
        json_array_append_new(cases, c);
        veche_pubkey_free(&pk);
    }
}

/*
 * A 2-of-3 key ceremony (SPEC 1.12-1.14), all from one rng, in this order:
 * trustee_init for i = 1, 2, 3 (e_i = keygen; pok_i; a_i0, a_i1, each
 * drawn until non-zero); commitments for i = 1, 2, 3 (pok_i0, pok_i1); the
 * two complaints (one DLEQ nonce each); the ciphertext nonce r; DSHAREs of
 * j = 1, 2, 3 (one DLEQ nonce each). Shares need no randomness.
 */
#define THR_T 2
#define THR_N 3

static void thr_fingerprints(uint8_t ceremony[32], uint8_t election[32])
{
    for (int i = 0; i < 32; i++) {
        ceremony[i] = (uint8_t)(0x20 + i);
        election[i] = (uint8_t)i;
    }
}

static void gen_threshold(json_t *root)
{
    json_t *cases = new_section(root, "threshold",
        "SPEC 1.12-1.14: a 2-of-3 ceremony. rng draws, in order: for i = 1..3: e_i = keygen, "
        "pok_i nonce (32 bytes), a_i0, a_i1 (blocks until non-zero); for i = 1..3: pok_i0, "
        "pok_i1 nonces; complaint 1 then complaint 2 (one DLEQ nonce block each); r (one "
        "block); DSHARE nonce for j = 1..3 (one block each). Ceremony fingerprint "
        "0x20..0x3f, election fingerprint 0x00..0x1f. The bad share of complaint 1 is dealer "
        "2's polynomial with a_21 + 1, sealed to trustee 3.");
    static veche_dkg_trustee tr[THR_N + 1];   /* static: large, and wiped at the end */
    static veche_dkg_commitments cm[THR_N + 1];
    static veche_dkg_trustee bad;
    const veche_dkg_commitments *qual[THR_N];
    uint8_t seed[32], fp[32], efp[32], buf[VECHE_DKG_COMMITMENTS_MAX_BYTES], enc[64];
    veche_dkg_params p;
    veche_rng rng;
    veche_scalar x[THR_N + 1], r;
    veche_point K, Kj[THR_N + 1], M;
    veche_pubkey pk;
    veche_ciphertext ct;
    veche_dshare ds[THR_N + 1];
    json_t *c = new_case("dkg/2-of-3", seed), *arr, *shares = json_array();
    const uint64_t m = 5;
    const uint32_t item = 0;

    thr_fingerprints(fp, efp);
    assert_int_equal(veche_dkg_params_init(&p, fp, THR_T, THR_N), VECHE_OK);
    veche_rng_seed(&rng, seed);
    set_int(c, "t", THR_T);
    set_int(c, "n", THR_N);
    set_hex(c, "ceremony_fingerprint", fp, 32);
    set_hex(c, "election_fingerprint", efp, 32);

    for (uint32_t i = 1; i <= THR_N; i++)
        assert_int_equal(veche_dkg_trustee_init(&tr[i], &p, i, NULL, &rng), VECHE_OK);
    for (uint32_t i = 1; i <= THR_N; i++) {
        assert_int_equal(veche_dkg_commitments_make(&cm[i], &tr[i], &rng), VECHE_OK);
        qual[i - 1] = &cm[i];
    }

    /* the shares, and each trustee's secret share x_j */
    for (uint32_t j = 1; j <= THR_N; j++) {
        veche_scalar s[THR_N];
        for (uint32_t i = 1; i <= THR_N; i++) {
            veche_scalar_wipe(&s[i - 1]);
            assert_int_equal(veche_dkg_share_eval(&s[i - 1], &tr[i], j), VECHE_OK);
        }
        assert_int_equal(veche_dkg_verification_key(&Kj[j], j, qual, THR_N, &p), VECHE_OK);
        assert_int_equal(veche_dkg_secret_share(&x[j], s, THR_N, &Kj[j]), VECHE_OK);
    }
    for (uint32_t i = 1; i <= THR_N; i++)
        for (uint32_t j = 1; j <= THR_N; j++) {
            veche_dkg_share sh;
            veche_scalar s;
            json_t *o;
            if (i == j)
                continue;
            o = json_object();
            assert_int_equal(veche_dkg_share_seal(&sh, &tr[i], &tr[j].key), VECHE_OK);
            veche_dkg_share_encode(buf, &sh);
            assert_int_equal(veche_dkg_share_eval(&s, &tr[i], j), VECHE_OK);
            set_int(o, "i", i);
            set_int(o, "j", j);
            set_scalar(o, "s", &s);
            set_hex(o, "SHARE", buf, VECHE_DKG_SHARE_BYTES);
            json_array_append_new(shares, o);
        }

    arr = json_array();
    for (uint32_t i = 1; i <= THR_N; i++) {
        json_t *o = json_object(), *coef = json_array();
        veche_dkg_hash h;
        set_int(o, "i", i);
        set_scalar(o, "e", &tr[i].e);
        for (uint32_t k = 0; k < THR_T; k++) {
            uint8_t b[32];
            veche_scalar_encode(b, &tr[i].a[k]);
            json_array_append_new(coef, jhex(b, 32));
        }
        json_object_set_new(o, "a", coef);
        veche_dkg_key_encode(buf, &tr[i].key);
        set_hex(o, "KEY", buf, VECHE_DKG_KEY_BYTES);
        assert_int_equal(veche_dkg_hash_make(&h, &cm[i], &tr[i].key, &p), VECHE_OK);
        veche_dkg_hash_encode(buf, &h);
        set_hex(o, "HASH", buf, VECHE_DKG_HASH_BYTES);
        assert_int_equal(veche_dkg_commitments_encode(buf, VECHE_DKG_COMMITMENTS_BYTES(THR_T),
                                                      &cm[i]), VECHE_OK);
        set_hex(o, "COMMITMENTS", buf, VECHE_DKG_COMMITMENTS_BYTES(THR_T));
        set_scalar(o, "x", &x[i]);
        set_point(o, "K_j", &Kj[i]);
        json_array_append_new(arr, o);
    }
    json_object_set_new(c, "trustees", arr);
    json_object_set_new(c, "shares", shares);

    /* complaint 1: trustee 3 against dealer 2's bad share; 2: 3 against 1's good one */
    arr = json_array();
    {
        veche_dkg_share sh;
        veche_dkg_complaint cp;
        json_t *o = json_object();
        bad = tr[2];
        veche_scalar_add(&bad.a[1], &bad.a[1], &veche_scalar_one_c);
        assert_int_equal(veche_dkg_share_seal(&sh, &bad, &tr[3].key), VECHE_OK);
        veche_dkg_share_encode(buf, &sh);
        set_hex(o, "SHARE", buf, VECHE_DKG_SHARE_BYTES);
        assert_int_equal(veche_dkg_complain(&cp, &tr[3], &tr[2].key, &rng), VECHE_OK);
        veche_dkg_complaint_encode(buf, &cp);
        set_hex(o, "COMPLAINT", buf, VECHE_DKG_COMPLAINT_BYTES);
        json_object_set_new(o, "verdict", json_string("sender"));
        json_array_append_new(arr, o);

        o = json_object();
        assert_int_equal(veche_dkg_share_seal(&sh, &tr[1], &tr[3].key), VECHE_OK);
        veche_dkg_share_encode(buf, &sh);
        set_hex(o, "SHARE", buf, VECHE_DKG_SHARE_BYTES);
        assert_int_equal(veche_dkg_complain(&cp, &tr[3], &tr[1].key, &rng), VECHE_OK);
        veche_dkg_complaint_encode(buf, &cp);
        set_hex(o, "COMPLAINT", buf, VECHE_DKG_COMPLAINT_BYTES);
        json_object_set_new(o, "verdict", json_string("complainer"));
        json_array_append_new(arr, o);
    }
    json_object_set_new(c, "complaints", arr);

    /* the joint key; a ciphertext of m under it; the decryption shares */
    assert_int_equal(veche_dkg_joint_key(&K, qual, THR_N, &p), VECHE_OK);
    set_point(c, "joint_key", &K);
    assert_int_equal(veche_pubkey_from_point(&pk, &K), VECHE_OK);
    veche_encrypt_random(&ct, &r, &pk, m, &rng);
    {
        json_t *d = json_object(), *dsh = json_array(), *comb = json_array();
        static const uint32_t sets[3][2] = {{1, 3}, {2, 3}, {1, 2}};
        set_int(d, "m", m);
        set_scalar(d, "r", &r);
        veche_ciphertext_encode(enc, &ct);
        set_hex(d, "ciphertext", enc, 64);
        set_int(d, "item", item);
        for (uint32_t j = 1; j <= THR_N; j++) {
            assert_int_equal(veche_dshare_make(&ds[j], j, &x[j], &Kj[j], &ct, efp, item, &rng),
                             VECHE_OK);
            veche_dshare_encode(buf, &ds[j]);
            json_array_append_new(dsh, jhex(buf, VECHE_DSHARE_BYTES));
        }
        json_object_set_new(d, "DSHARE", dsh);
        for (int q = 0; q < 3; q++) {
            json_t *o = json_object(), *set = json_array(), *lam = json_array();
            veche_dshare two[2] = {ds[sets[q][0]], ds[sets[q][1]]};
            for (int k = 0; k < 2; k++) {
                veche_scalar l;
                uint8_t b[32];
                json_array_append_new(set, json_integer(sets[q][k]));
                assert_int_equal(veche_lagrange_at_zero(&l, sets[q][k], sets[q], 2), VECHE_OK);
                veche_scalar_encode(b, &l);
                json_array_append_new(lam, jhex(b, 32));
            }
            assert_int_equal(veche_dshare_combine(&M, &ct, two, 2, &p), VECHE_OK);
            json_object_set_new(o, "set", set);
            json_object_set_new(o, "lambda", lam);
            set_point(o, "M", &M);
            json_array_append_new(comb, o);
        }
        json_object_set_new(d, "combinations", comb);
        json_object_set_new(c, "decryption", d);
    }
    json_array_append_new(cases, c);

    veche_pubkey_free(&pk);
    for (uint32_t i = 0; i <= THR_N; i++) {
        veche_dkg_trustee_wipe(&tr[i]);
        veche_scalar_wipe(&x[i]);
    }
    veche_dkg_trustee_wipe(&bad);
    veche_scalar_wipe(&r);
}

static json_t *generate(void)
{
    json_t *root = json_object(), *about = json_array();

    json_array_append_new(about, json_string(
        "veche known-answer vectors for the crypto chapter of docs/SPEC.md."));
    json_array_append_new(about, json_string(
        "Every value follows from the case's seed, SHA-256(\"veche-v1/vector/\" || name), "
        "through the deterministic rng of SPEC 1.4, drawn in the order each section's "
        "\"about\" gives. Byte strings are lowercase hex; integers are JSON numbers."));
    json_array_append_new(about, json_string(
        "Made and checked by tests/unit/test_vectors.c; regenerate with "
        "VECHE_WRITE_VECTORS=1 ./build/asan/tests/test_vectors (from the repository root)."));
    json_object_set_new(root, "about", about);
    json_object_set_new(root, "protocol", json_string(VECHE_PROTOCOL_TAG));
    gen_rng(root);
    gen_hash_to_scalar(root);
    gen_encodings(root);
    gen_transcript(root);
    gen_elgamal(root);
    gen_schnorr(root, 0);
    gen_schnorr(root, 1);
    gen_dleq(root);
    gen_range(root);
    gen_threshold(root);
    return root;
}

static int write_mode(void)
{
    const char *w = getenv("VECHE_WRITE_VECTORS");
    return w != NULL && w[0] == '1';
}

static void test_vectors_match_library(void **state)
{
    json_t *made = generate(), *file;
    char path[512] = "$";
    (void)state;

    if (write_mode()) {
        char out[512];
        const char *dir = getenv("VECHE_VECTORS");
        snprintf(out, sizeof out, "%s/%s", dir ? dir : "tests/vectors", VECTORS_FILE);
        assert_int_equal(json_dump_file(made, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
        print_message("wrote %s\n", out);
    }
    file = load_vectors(VECTORS_FILE);
    if (json_diff(made, file, path, sizeof path))
        fail_msg("%s differs from what the library computes, first at %s", VECTORS_FILE, path);
    json_decref(made);
    json_decref(file);
}

/* ======================================================================
 * (b), (c) Every proof in the file verifies; tampered copies do not.
 * ====================================================================== */

enum kind { POK, SIG, DLEQ, RANGE };

typedef struct pcase {
    enum kind kind;
    veche_ctx ctx;
    uint8_t   X[32];           /* POK, SIG, DLEQ: X; RANGE: K */
    uint8_t   H[32], Y[32];    /* DLEQ */
    uint8_t   ct[64];          /* RANGE */
    uint64_t  lo, hi;          /* RANGE */
    uint8_t   msg[64];         /* SIG */
    size_t    msg_len;
    uint8_t   proof[512];
    size_t    proof_len;
} pcase;

static veche_err pcase_verify(const pcase *p)
{
    veche_point X, H, Y;
    veche_pubkey pk;
    veche_err e;

    switch (p->kind) {
    case POK:
        return veche_pok_verify(p->proof, p->X, &p->ctx);
    case SIG:
        return veche_sign_verify(p->proof, p->X, p->msg, p->msg_len, &p->ctx);
    case DLEQ:
        if ((e = veche_point_decode(&X, p->X, VECHE_NO_IDENTITY)) != VECHE_OK ||
            (e = veche_point_decode(&H, p->H, VECHE_ALLOW_IDENTITY)) != VECHE_OK ||
            (e = veche_point_decode(&Y, p->Y, VECHE_ALLOW_IDENTITY)) != VECHE_OK)
            return e;
        return veche_dleq_verify(p->proof, &X, &H, &Y, &p->ctx);
    case RANGE:
        if ((e = veche_pubkey_decode(&pk, p->X)) != VECHE_OK)
            return e;
        e = veche_range_verify(p->proof, p->proof_len, &pk, p->ct, p->lo, p->hi, &p->ctx);
        veche_pubkey_free(&pk);
        return e;
    }
    return VECHE_EINVALID;
}

/* Every proof of the file, parsed. Returns the count; *out is malloc'd. */
static size_t load_pcases(json_t *root, pcase **out)
{
    static const struct { const char *sec; enum kind kind; } secs[] = {
        {"schnorr_pok", POK}, {"schnorr_sig", SIG}, {"dleq", DLEQ}, {"range", RANGE}};
    size_t n = 0, cap = 16;
    pcase *v = calloc(cap, sizeof *v);

    assert_non_null(v);
    for (size_t s = 0; s < sizeof secs / sizeof secs[0]; s++) {
        json_t *cases = section_cases(root, secs[s].sec);
        for (size_t i = 0; i < json_array_size(cases); i++) {
            json_t *c = json_array_get(cases, i);
            pcase *p = &v[n++];
            assert_true(n <= cap);
            p->kind = secs[s].kind;
            get_ctx(c, &p->ctx);
            switch (p->kind) {
            case POK:
                get_hex(c, "X", p->X, 32);
                p->proof_len = get_hexv(c, "proof", p->proof, 64);
                break;
            case SIG:
                get_hex(c, "X", p->X, 32);
                p->msg_len = get_hexv(c, "message", p->msg, sizeof p->msg);
                p->proof_len = get_hexv(c, "signature", p->proof, 64);
                break;
            case DLEQ:
                get_hex(c, "X", p->X, 32);
                get_hex(c, "H", p->H, 32);
                get_hex(c, "Y", p->Y, 32);
                p->proof_len = get_hexv(c, "proof", p->proof, 96);
                break;
            case RANGE:
                get_hex(c, "K", p->X, 32);
                get_hex(c, "ciphertext", p->ct, 64);
                p->lo = get_u64(c, "lo");
                p->hi = get_u64(c, "hi");
                p->proof_len = get_hexv(c, "proof", p->proof, sizeof p->proof);
                assert_int_equal(p->proof_len, veche_range_proof_size(p->lo, p->hi));
                break;
            }
        }
    }
    *out = v;
    return n;
}

static void test_vectors_verify(void **state)
{
    json_t *root = load_vectors(VECTORS_FILE), *c;
    pcase *v;
    size_t n = load_pcases(root, &v);
    (void)state;

    for (size_t i = 0; i < n; i++)
        assert_int_equal(pcase_verify(&v[i]), VECHE_OK);

    /* ElGamal: the Benaloh check of both ciphertexts, and decryption. */
    c = json_array_get(section_cases(root, "elgamal"), 0);
    {
        uint8_t K[32], e1[64], xb[32], rb[32], Mb[32], got[32];
        veche_pubkey pk;
        veche_ciphertext ct;
        veche_scalar x, r;
        veche_point M;
        get_hex(c, "public_key", K, 32);
        get_hex(c, "ciphertext1", e1, 64);
        get_hex(c, "nonce1", rb, 32);
        get_hex(c, "secret_key", xb, 32);
        get_hex(c, "decrypted_sum", Mb, 32);
        assert_int_equal(veche_pubkey_decode(&pk, K), VECHE_OK);
        assert_int_equal(veche_ciphertext_decode(&ct, e1), VECHE_OK);
        assert_int_equal(veche_scalar_decode(&r, rb), VECHE_OK);
        assert_int_equal(veche_benaloh_check(&ct, &pk, get_u64(c, "m1"), &r), VECHE_OK);
        assert_int_equal(veche_benaloh_check(&ct, &pk, get_u64(c, "m1") + 1, &r), VECHE_EVERIFY);
        get_hex(c, "sum", e1, 64);
        assert_int_equal(veche_ciphertext_decode(&ct, e1), VECHE_OK);
        assert_int_equal(veche_scalar_decode(&x, xb), VECHE_OK);
        veche_decrypt_point(&M, &x, &ct);
        veche_point_encode(got, &M);
        assert_memory_equal(got, Mb, 32);
        veche_point_mul_base_u64(&M, get_u64(c, "m1") + get_u64(c, "m2"));
        veche_point_encode(got, &M);
        assert_memory_equal(got, Mb, 32);
        veche_pubkey_free(&pk);
    }
    free(v);
    json_decref(root);
}

/* Asserts that a tampered copy fails (with `want`, unless want is VECHE_OK). */
static void must_fail(const pcase *p, veche_err want, const char *what, size_t at)
{
    veche_err e = pcase_verify(p);
    if (e == VECHE_OK)
        fail_msg("tampered %s (byte %zu) still verifies", what, at);
    if (want != VECHE_OK && e != want)
        fail_msg("tampered %s (byte %zu): error %d, expected %d", what, at, e, want);
}

/* s := s + L, the same residue as a non-canonical 32-byte integer. */
static void add_L(uint8_t s[32])
{
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned v = s[i] + L_BYTES[i] + carry;
        s[i] = (uint8_t)v;
        carry = v >> 8;
    }
}

static void tamper_one(const pcase *orig)
{
    pcase p;
    size_t stmt_len = orig->kind == RANGE ? 64 : 32;
    int tested_top_bit = 0;

    assert_int_equal(pcase_verify(orig), VECHE_OK);

    /* every byte of the proof */
    for (size_t i = 0; i < orig->proof_len; i++) {
        p = *orig;
        p.proof[i] ^= (uint8_t)(1u << (i % 8));
        must_fail(&p, VECHE_OK, "proof", i);
    }
    /* a point of the proof with bit 255 set; a scalar of the proof plus L */
    for (size_t off = 0; off < orig->proof_len; off += 32) {
        int is_scalar;
        switch (orig->kind) {
        case POK: case SIG: is_scalar = off == 32; break;
        case DLEQ:          is_scalar = off == 64; break;
        default:            is_scalar = (off % 128) >= 64; break;
        }
        p = *orig;
        if (is_scalar)
            add_L(p.proof + off);
        else
            p.proof[off + 31] |= 0x80;
        must_fail(&p, VECHE_EENCODING, is_scalar ? "scalar + L" : "point top bit", off);
        tested_top_bit = 1;
    }
    assert_true(tested_top_bit);

    /* every byte of the statement */
    for (size_t i = 0; i < 32; i++) {
        p = *orig;
        p.X[i] ^= (uint8_t)(1u << (i % 8));
        must_fail(&p, VECHE_OK, "X/K", i);
    }
    p = *orig;
    p.X[31] |= 0x80;
    must_fail(&p, VECHE_EENCODING, "X/K top bit", 31);
    if (orig->kind == DLEQ)
        for (size_t i = 0; i < 32; i++) {
            p = *orig;
            p.H[i] ^= (uint8_t)(1u << (i % 8));
            must_fail(&p, VECHE_OK, "H", i);
            p = *orig;
            p.Y[i] ^= (uint8_t)(1u << (i % 8));
            must_fail(&p, VECHE_OK, "Y", i);
        }
    if (orig->kind == RANGE) {
        for (size_t i = 0; i < stmt_len; i++) {
            p = *orig;
            p.ct[i] ^= (uint8_t)(1u << (i % 8));
            must_fail(&p, VECHE_OK, "ciphertext", i);
        }
        p = *orig;
        p.lo++, p.hi++;
        must_fail(&p, VECHE_OK, "bounds + 1", 0);
        if (orig->lo > 0) {
            p = *orig;
            p.lo--, p.hi--;
            must_fail(&p, VECHE_OK, "bounds - 1", 0);
        }
    }
    if (orig->kind == SIG) {
        for (size_t i = 0; i < orig->msg_len; i++) {
            p = *orig;
            p.msg[i] ^= 1;
            must_fail(&p, VECHE_OK, "message", i);
        }
        p = *orig;
        p.msg[p.msg_len++] = 0;
        must_fail(&p, VECHE_OK, "message + 1 byte", orig->msg_len);
    }
    /* every byte and index of the context */
    for (size_t i = 0; i < 32; i++) {
        p = *orig;
        p.ctx.fingerprint[i] ^= 0x01;
        must_fail(&p, VECHE_OK, "fingerprint", i);
        p = *orig;
        p.ctx.party[i] ^= 0x01;
        must_fail(&p, VECHE_OK, "party", i);
    }
    for (size_t k = 0; k < 2; k++) {
        p = *orig;
        p.ctx.index[k] ^= 1;
        must_fail(&p, VECHE_OK, "index", k);
    }
    /* the other domain: a proof of knowledge is no signature, and back */
    if (orig->kind == POK || (orig->kind == SIG && orig->msg_len == 0)) {
        p = *orig;
        p.kind = orig->kind == POK ? SIG : POK;
        p.msg_len = 0;
        must_fail(&p, VECHE_OK, "domain", 0);
    }
}

static void test_vectors_tampered_fail(void **state)
{
    json_t *root = load_vectors(VECTORS_FILE);
    pcase *v;
    size_t n = load_pcases(root, &v);
    (void)state;

    for (size_t i = 0; i < n; i++)
        tamper_one(&v[i]);
    free(v);
    json_decref(root);
}

/* ======================================================================
 * (d) An independent implementation from SPEC.md, libsodium only.
 *
 * Nothing below calls libveche. Points are handled as 32-byte encodings
 * through libsodium's ristretto255 API; scalars through its
 * crypto_core_ristretto255_scalar_* functions.
 * ====================================================================== */

/* SPEC 1.2: a scalar is canonical iff its little-endian integer is < L. */
static int ind_scalar_ok(const uint8_t s[32])
{
    for (int i = 31; i >= 0; i--) {
        if (s[i] < L_BYTES[i])
            return 1;
        if (s[i] > L_BYTES[i])
            return 0;
    }
    return 0;   /* equal to L */
}

static int ind_is_identity(const uint8_t p[32])
{
    static const uint8_t zero[32];
    return memcmp(p, zero, 32) == 0;
}

/* SPEC 1.2: bit 255 clear (libsodium 1.0.18 does not check it), then RFC 9496 decoding. */
static int ind_point_ok(const uint8_t p[32], int allow_identity)
{
    if (p[31] & 0x80)
        return 0;
    if (ind_is_identity(p))
        return allow_identity;
    return crypto_core_ristretto255_is_valid_point(p);
}

/* q = n·P; libsodium reports an identity result as -1 with q zeroed. */
static void ind_mul(uint8_t q[32], const uint8_t n[32], const uint8_t P[32])
{
    if (ind_is_identity(P) || crypto_scalarmult_ristretto255(q, n, P) != 0)
        memset(q, 0, 32);
}

static void ind_mul_base(uint8_t q[32], const uint8_t n[32])
{
    if (crypto_scalarmult_ristretto255_base(q, n) != 0)
        memset(q, 0, 32);
}

static void ind_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
    assert_int_equal(crypto_core_ristretto255_add(r, a, b), 0);
}

static void ind_sub(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
    assert_int_equal(crypto_core_ristretto255_sub(r, a, b), 0);
}

static void ind_u64_scalar(uint8_t s[32], uint64_t v)
{
    memset(s, 0, 32);
    for (int i = 0; i < 8; i++)
        s[i] = (uint8_t)(v >> (8 * i));
}

/* SPEC 1.4: block i = SHA-512("veche-v1/rng" || seed || le64(i)). */
typedef struct { uint8_t seed[32]; uint64_t counter; } ind_rng;

static void ind_rng_bytes(ind_rng *g, uint8_t *out, size_t n)
{
    while (n > 0) {
        uint8_t in[12 + 32 + 8], block[64];
        size_t k = n < 64 ? n : 64;
        memcpy(in, "veche-v1/rng", 12);
        memcpy(in + 12, g->seed, 32);
        for (int i = 0; i < 8; i++)
            in[44 + i] = (uint8_t)(g->counter >> (8 * i));
        g->counter++;
        crypto_hash_sha512(block, in, sizeof in);
        memcpy(out, block, k);
        out += k;
        n -= k;
    }
}

static void ind_scalar_random(ind_rng *g, uint8_t s[32])
{
    uint8_t wide[64];
    ind_rng_bytes(g, wide, 64);
    crypto_core_ristretto255_scalar_reduce(s, wide);
}

static void ind_keygen(ind_rng *g, uint8_t x[32], uint8_t X[32])
{
    static const uint8_t zero[32];
    do
        ind_scalar_random(g, x);
    while (memcmp(x, zero, 32) == 0);
    ind_mul_base(X, x);
}

/* SPEC 1.5: the transcript. */
static void ind_field(crypto_hash_sha512_state *h, const char *label, const uint8_t *v, size_t n)
{
    uint8_t len[8];
    size_t l = strlen(label);
    for (int i = 0; i < 4; i++) len[i] = (uint8_t)(l >> (8 * i));
    crypto_hash_sha512_update(h, len, 4);
    crypto_hash_sha512_update(h, (const uint8_t *)label, l);
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)((uint64_t)n >> (8 * i));
    crypto_hash_sha512_update(h, len, 8);
    crypto_hash_sha512_update(h, v, n);
}

static void ind_start(crypto_hash_sha512_state *h, const char *domain, const veche_ctx *ctx)
{
    uint8_t idx[8];
    for (int i = 0; i < 4; i++) {
        idx[i] = (uint8_t)(ctx->index[0] >> (8 * i));
        idx[4 + i] = (uint8_t)(ctx->index[1] >> (8 * i));
    }
    crypto_hash_sha512_init(h);
    ind_field(h, "protocol", (const uint8_t *)"veche-v1", 8);
    ind_field(h, "domain", (const uint8_t *)domain, strlen(domain));
    ind_field(h, "fingerprint", ctx->fingerprint, 32);
    ind_field(h, "party", ctx->party, 32);
    ind_field(h, "index", idx, 8);
}

static void ind_challenge(crypto_hash_sha512_state *h, uint8_t c[32])
{
    uint8_t d[64];
    crypto_hash_sha512_final(h, d);
    crypto_core_ristretto255_scalar_reduce(c, d);
}

/* SPEC 1.8 / 1.9: c for a Schnorr proof (msg == NULL) or signature. */
static void ind_schnorr_c(uint8_t c[32], const uint8_t X[32], const uint8_t *msg, size_t msg_len,
                          const uint8_t A[32], const veche_ctx *ctx)
{
    crypto_hash_sha512_state h;
    ind_start(&h, msg ? "schnorr-sig" : "schnorr-pok", ctx);
    ind_field(&h, "X", X, 32);
    if (msg)
        ind_field(&h, "message", msg, msg_len);
    ind_field(&h, msg ? "R" : "A", A, 32);
    ind_challenge(&h, c);
}

/* Accepts iff s·G == A + c·X, with the SPEC's encoding checks. */
static int ind_schnorr_verify(const uint8_t proof[64], const uint8_t X[32], const uint8_t *msg,
                              size_t msg_len, const veche_ctx *ctx)
{
    uint8_t c[32], lhs[32], cX[32], rhs[32];
    if (!ind_point_ok(X, 0) || !ind_point_ok(proof, 1) || !ind_scalar_ok(proof + 32))
        return 0;
    ind_schnorr_c(c, X, msg, msg_len, proof, ctx);
    ind_mul_base(lhs, proof + 32);
    ind_mul(cX, c, X);
    ind_add(rhs, proof, cX);
    return memcmp(lhs, rhs, 32) == 0;
}

/* SPEC 1.10: both equations, one by one. */
static int ind_dleq_verify(const uint8_t proof[96], const uint8_t X[32], const uint8_t H[32],
                           const uint8_t Y[32], const veche_ctx *ctx)
{
    crypto_hash_sha512_state h;
    uint8_t c[32], l1[32], r1[32], l2[32], r2[32], t[32];
    if (!ind_point_ok(X, 0) || !ind_point_ok(H, 1) || !ind_point_ok(Y, 1) ||
        !ind_point_ok(proof, 1) || !ind_point_ok(proof + 32, 1) || !ind_scalar_ok(proof + 64))
        return 0;
    ind_start(&h, "dleq", ctx);
    ind_field(&h, "X", X, 32);
    ind_field(&h, "H", H, 32);
    ind_field(&h, "Y", Y, 32);
    ind_field(&h, "A", proof, 32);
    ind_field(&h, "B", proof + 32, 32);
    ind_challenge(&h, c);
    ind_mul_base(l1, proof + 64);
    ind_mul(t, c, X);
    ind_add(r1, proof, t);
    ind_mul(l2, proof + 64, H);
    ind_mul(t, c, Y);
    ind_add(r2, proof + 32, t);
    return memcmp(l1, r1, 32) == 0 && memcmp(l2, r2, 32) == 0;
}

static void ind_range_start(crypto_hash_sha512_state *h, const uint8_t K[32], const uint8_t ct[64],
                            uint64_t lo, uint64_t hi, const veche_ctx *ctx)
{
    uint8_t b[8];
    ind_start(h, "range", ctx);
    ind_field(h, "K", K, 32);
    ind_field(h, "ciphertext", ct, 64);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(lo >> (8 * i));
    ind_field(h, "lo", b, 8);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(hi >> (8 * i));
    ind_field(h, "hi", b, 8);
}

/* SPEC 1.11: sum of c_j == c, and each branch's two equations, one by one. */
static int ind_range_verify(const uint8_t *proof, size_t len, const uint8_t K[32],
                            const uint8_t ct[64], uint64_t lo, uint64_t hi, const veche_ctx *ctx)
{
    crypto_hash_sha512_state h;
    uint8_t c[32], sum[32] = {0};
    size_t n;

    if (hi < lo || hi - lo >= 1024 || len != (size_t)(hi - lo + 1) * 128)
        return 0;
    if (!ind_point_ok(K, 0) || !ind_point_ok(ct, 1) || !ind_point_ok(ct + 32, 1))
        return 0;
    n = (size_t)(hi - lo + 1);
    ind_range_start(&h, K, ct, lo, hi, ctx);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *br = proof + 128 * i;
        if (!ind_point_ok(br, 1) || !ind_point_ok(br + 32, 1) || !ind_scalar_ok(br + 64) ||
            !ind_scalar_ok(br + 96))
            return 0;
        ind_field(&h, "A", br, 32);
        ind_field(&h, "B", br + 32, 32);
        crypto_core_ristretto255_scalar_add(sum, sum, br + 64);
    }
    ind_challenge(&h, c);
    if (memcmp(c, sum, 32) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *br = proof + 128 * i, *A = br, *B = br + 32, *cj = br + 64, *sj = br + 96;
        uint8_t js[32], jG[32], bj[32], l[32], r[32], t[32];
        ind_u64_scalar(js, lo + i);
        ind_mul_base(jG, js);
        ind_sub(bj, ct + 32, jG);               /* b - j·G */
        ind_mul_base(l, sj);                    /* s_j·G == A_j + c_j·a */
        ind_mul(t, cj, ct);
        ind_add(r, A, t);
        if (memcmp(l, r, 32) != 0)
            return 0;
        ind_mul(l, sj, K);                      /* s_j·K == B_j + c_j·(b - j·G) */
        ind_mul(t, cj, bj);
        ind_add(r, B, t);
        if (memcmp(l, r, 32) != 0)
            return 0;
    }
    return 1;
}

/*
 * SPEC 1.8: the hedged nonce k = SHA-512("veche-v1/nonce" || x || rnd || D) mod L,
 * D = SHA-512 of the transcript up to the commitment (opening fields, X, [message]).
 */
static void ind_schnorr_prove(uint8_t proof[64], const uint8_t x[32], const uint8_t X[32],
                              const uint8_t *msg, size_t msg_len, const veche_ctx *ctx,
                              ind_rng *g)
{
    crypto_hash_sha512_state h;
    uint8_t rnd[32], stmt[64], d[64], k[32], c[32], cx[32];
    ind_rng_bytes(g, rnd, 32);
    ind_start(&h, msg ? "schnorr-sig" : "schnorr-pok", ctx);
    ind_field(&h, "X", X, 32);
    if (msg)
        ind_field(&h, "message", msg, msg_len);
    crypto_hash_sha512_final(&h, stmt);
    crypto_hash_sha512_init(&h);
    crypto_hash_sha512_update(&h, (const uint8_t *)"veche-v1/nonce", 14);
    crypto_hash_sha512_update(&h, x, 32);
    crypto_hash_sha512_update(&h, rnd, 32);
    crypto_hash_sha512_update(&h, stmt, 64);
    crypto_hash_sha512_final(&h, d);
    crypto_core_ristretto255_scalar_reduce(k, d);
    ind_mul_base(proof, k);
    ind_schnorr_c(c, X, msg, msg_len, proof, ctx);
    crypto_core_ristretto255_scalar_mul(cx, c, x);
    crypto_core_ristretto255_scalar_add(proof + 32, k, cx);
}

static void test_independent_basics(void **state)
{
    json_t *root = load_vectors(VECTORS_FILE), *cases, *c;
    (void)state;

    /* the rng */
    c = json_array_get(section_cases(root, "rng"), 0);
    {
        ind_rng g = {{0}, 0};
        json_t *req = need(c, "requests");
        get_hex(c, "seed", g.seed, 32);
        for (size_t i = 0; i < json_array_size(req); i++) {
            json_t *r = json_array_get(req, i);
            size_t n = get_u64(r, "bytes");
            uint8_t want[256], got[256];
            assert_true(n <= sizeof got);
            get_hex(r, "output", want, n);
            ind_rng_bytes(&g, got, n);
            assert_memory_equal(got, want, n);
        }
    }
    /* hashing to scalars */
    cases = section_cases(root, "hash_to_scalar");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        uint8_t in[64], d[64], want[32], got[32];
        size_t n;
        c = json_array_get(cases, i);
        get_hex(c, "scalar", want, 32);
        if (json_object_get(c, "input") != NULL) {
            n = get_hexv(c, "input", in, sizeof in);
            crypto_hash_sha512(d, in, n);
        } else {
            get_hex(c, "reduce64_input", d, 64);
        }
        crypto_core_ristretto255_scalar_reduce(got, d);
        assert_memory_equal(got, want, 32);
    }
    /* encodings */
    c = need(root, "encodings");
    for (size_t i = 0; i < json_array_size(need(c, "scalars")); i++) {
        json_t *e = json_array_get(need(c, "scalars"), i);
        uint8_t s[32];
        get_hex(e, "scalar", s, 32);
        assert_int_equal(ind_scalar_ok(s), json_is_true(need(e, "canonical")));
    }
    for (size_t i = 0; i < json_array_size(need(c, "points")); i++) {
        json_t *e = json_array_get(need(c, "points"), i);
        uint8_t p[32];
        get_hex(e, "point", p, 32);
        assert_int_equal(ind_point_ok(p, 1), json_is_true(need(e, "valid")));
        assert_int_equal(ind_point_ok(p, 0), json_is_true(need(e, "valid_as_public_key")));
    }
    /* the transcript example: fields framed, hashed, reduced */
    c = json_array_get(section_cases(root, "transcript"), 0);
    {
        json_t *fields = need(c, "fields");
        crypto_hash_sha512_state h, h2;
        uint8_t want[32], got[32], framed[512], all[1024];
        size_t total = 0;
        veche_ctx ctx;
        get_ctx(c, &ctx);
        crypto_hash_sha512_init(&h);
        for (size_t i = 0; i < json_array_size(fields); i++) {
            json_t *f = json_array_get(fields, i);
            uint8_t v[256];
            size_t n = get_hexv(f, "value", v, sizeof v), fn;
            ind_field(&h, json_string_value(need(f, "label")), v, n);
            fn = get_hexv(f, "framed", framed, sizeof framed);
            assert_true(total + fn <= sizeof all);
            memcpy(all + total, framed, fn);
            total += fn;
        }
        ind_challenge(&h, got);
        get_hex(c, "challenge", want, 32);
        assert_memory_equal(got, want, 32);
        /* "framed" is the concatenation, and the context fields are as SPEC 1.5 says */
        assert_int_equal(get_hexv(c, "framed", framed, sizeof framed), total);
        assert_memory_equal(framed, all, total);
        ind_start(&h2, json_string_value(need(c, "domain")), &ctx);
        {
            uint8_t G[32], n5[8] = {5}, one[32] = {1};
            ind_mul_base(G, one);
            ind_field(&h2, "X", G, 32);
            ind_field(&h2, "n", n5, 8);
        }
        ind_challenge(&h2, got);
        assert_memory_equal(got, want, 32);
    }
    /* ElGamal from the seed */
    c = json_array_get(section_cases(root, "elgamal"), 0);
    {
        ind_rng g = {{0}, 0};
        uint8_t x[32], K[32], r1[32], r2[32], s[32], ct1[64], ct2[64], sum[64], w1[64], re[64];
        uint8_t t[32], m[32], want[64], M[32], ws[32];
        uint64_t m1 = get_u64(c, "m1"), m2 = get_u64(c, "m2"), w = get_u64(c, "weight");
        get_hex(c, "seed", g.seed, 32);
        ind_keygen(&g, x, K);
        ind_scalar_random(&g, r1);
        ind_scalar_random(&g, r2);
        ind_scalar_random(&g, s);
        get_hex(c, "public_key", want, 32);
        assert_memory_equal(K, want, 32);
        /* (r·G, m·G + r·K) */
        ind_mul_base(ct1, r1);
        ind_u64_scalar(m, m1);
        ind_mul_base(t, m);
        ind_mul(ct1 + 32, r1, K);
        ind_add(ct1 + 32, ct1 + 32, t);
        get_hex(c, "ciphertext1", want, 64);
        assert_memory_equal(ct1, want, 64);
        ind_mul_base(ct2, r2);
        ind_u64_scalar(m, m2);
        ind_mul_base(t, m);
        ind_mul(ct2 + 32, r2, K);
        ind_add(ct2 + 32, ct2 + 32, t);
        get_hex(c, "ciphertext2", want, 64);
        assert_memory_equal(ct2, want, 64);
        ind_add(sum, ct1, ct2);
        ind_add(sum + 32, ct1 + 32, ct2 + 32);
        get_hex(c, "sum", want, 64);
        assert_memory_equal(sum, want, 64);
        ind_u64_scalar(ws, w);
        ind_mul(w1, ws, ct1);
        ind_mul(w1 + 32, ws, ct1 + 32);
        get_hex(c, "weighted1", want, 64);
        assert_memory_equal(w1, want, 64);
        ind_mul_base(t, s);
        ind_add(re, ct1, t);
        ind_mul(t, s, K);
        ind_add(re + 32, ct1 + 32, t);
        get_hex(c, "reencrypted1", want, 64);
        assert_memory_equal(re, want, 64);
        ind_mul(t, x, sum);
        ind_sub(M, sum + 32, t);
        get_hex(c, "decrypted_sum", want, 32);
        assert_memory_equal(M, want, 32);
        ind_u64_scalar(m, m1 + m2);
        ind_mul_base(t, m);
        assert_memory_equal(M, t, 32);
    }
    json_decref(root);
}

static void test_independent_proofs(void **state)
{
    json_t *root = load_vectors(VECTORS_FILE), *cases;
    (void)state;

    for (int is_sig = 0; is_sig < 2; is_sig++) {
        cases = section_cases(root, is_sig ? "schnorr_sig" : "schnorr_pok");
        for (size_t i = 0; i < json_array_size(cases); i++) {
            json_t *c = json_array_get(cases, i);
            ind_rng g = {{0}, 0};
            uint8_t x[32], X[32], want[64], got[64], msg[64];
            size_t msg_len = 0;
            veche_ctx ctx;
            get_hex(c, "seed", g.seed, 32);
            get_ctx(c, &ctx);
            get_hex(c, is_sig ? "signature" : "proof", want, 64);
            if (is_sig)
                msg_len = get_hexv(c, "message", msg, sizeof msg);
            /* verify as the SPEC says, then tamper */
            get_hex(c, "X", X, 32);
            assert_true(ind_schnorr_verify(want, X, is_sig ? msg : NULL, msg_len, &ctx));
            want[40] ^= 1;
            assert_false(ind_schnorr_verify(want, X, is_sig ? msg : NULL, msg_len, &ctx));
            want[40] ^= 1;
            ctx.index[1] ^= 1;
            assert_false(ind_schnorr_verify(want, X, is_sig ? msg : NULL, msg_len, &ctx));
            ctx.index[1] ^= 1;
            /* prove again from the seed, as the SPEC says */
            ind_keygen(&g, x, got);
            assert_memory_equal(got, X, 32);
            get_hex(c, "x", got, 32);
            assert_memory_equal(got, x, 32);
            ind_schnorr_prove(got, x, X, is_sig ? msg : NULL, msg_len, &ctx, &g);
            assert_memory_equal(got, want, 64);
        }
    }

    cases = section_cases(root, "dleq");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        ind_rng g = {{0}, 0};
        crypto_hash_sha512_state h;
        uint8_t x[32], X[32], H[32], Y[32], wide[64], k[32], ch[32], cx[32], want[96], got[96];
        veche_ctx ctx;
        get_hex(c, "seed", g.seed, 32);
        get_ctx(c, &ctx);
        get_hex(c, "proof", want, 96);
        get_hex(c, "X", X, 32);
        get_hex(c, "H", H, 32);
        get_hex(c, "Y", Y, 32);
        assert_true(ind_dleq_verify(want, X, H, Y, &ctx));
        Y[3] ^= 4;
        assert_false(ind_dleq_verify(want, X, H, Y, &ctx));
        Y[3] ^= 4;
        /* from the seed: x, H = hash-to-group(block), k */
        ind_keygen(&g, x, got);
        assert_memory_equal(got, X, 32);
        ind_rng_bytes(&g, wide, 64);
        crypto_core_ristretto255_from_hash(got, wide);
        assert_memory_equal(got, H, 32);
        ind_mul(got, x, H);
        assert_memory_equal(got, Y, 32);
        ind_scalar_random(&g, k);
        ind_mul_base(got, k);
        ind_mul(got + 32, k, H);
        ind_start(&h, "dleq", &ctx);
        ind_field(&h, "X", X, 32);
        ind_field(&h, "H", H, 32);
        ind_field(&h, "Y", Y, 32);
        ind_field(&h, "A", got, 32);
        ind_field(&h, "B", got + 32, 32);
        ind_challenge(&h, ch);
        crypto_core_ristretto255_scalar_mul(cx, ch, x);
        crypto_core_ristretto255_scalar_add(got + 64, k, cx);
        assert_memory_equal(got, want, 96);
    }

    cases = section_cases(root, "range");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *c = json_array_get(cases, i);
        ind_rng g = {{0}, 0};
        crypto_hash_sha512_state h;
        uint8_t x[32], K[32], r[32], ct[64], want[512], got[512], t[32], ms[32], esum[32] = {0};
        uint8_t u[8][32], e[8][32], ch[32], creal[32];
        uint64_t lo = get_u64(c, "lo"), hi = get_u64(c, "hi"), m = get_u64(c, "m");
        size_t len, n = (size_t)(hi - lo + 1);
        veche_ctx ctx;
        assert_true(n <= 8);
        get_hex(c, "seed", g.seed, 32);
        get_ctx(c, &ctx);
        get_hex(c, "ciphertext", ct, 64);
        len = get_hexv(c, "proof", want, sizeof want);
        get_hex(c, "K", K, 32);
        assert_true(ind_range_verify(want, len, K, ct, lo, hi, &ctx));
        assert_false(ind_range_verify(want, len, K, ct, lo + 1, hi + 1, &ctx));
        want[len - 100] ^= 2;
        assert_false(ind_range_verify(want, len, K, ct, lo, hi, &ctx));
        want[len - 100] ^= 2;
        /* from the seed: x, r, then u_j, e_j for each branch */
        ind_keygen(&g, x, t);
        assert_memory_equal(t, K, 32);
        ind_scalar_random(&g, r);
        ind_u64_scalar(ms, m);
        ind_mul_base(got, r);
        ind_mul_base(t, ms);
        ind_mul(got + 32, r, K);
        ind_add(got + 32, got + 32, t);
        assert_memory_equal(got, ct, 64);
        ind_range_start(&h, K, ct, lo, hi, &ctx);
        for (size_t j = 0; j < n; j++) {
            uint8_t *br = got + 128 * j, w[32], y[32], js[32], mj[32];
            ind_scalar_random(&g, u[j]);
            ind_scalar_random(&g, e[j]);
            if (lo + j == m)
                memset(e[j], 0, 32);
            crypto_core_ristretto255_scalar_add(esum, esum, e[j]);
            /* w = u - r e;  A = w·G;  B = w·K - (m - j) e·G */
            crypto_core_ristretto255_scalar_mul(w, r, e[j]);
            crypto_core_ristretto255_scalar_sub(w, u[j], w);
            ind_u64_scalar(js, lo + j);
            crypto_core_ristretto255_scalar_sub(mj, ms, js);
            crypto_core_ristretto255_scalar_mul(y, mj, e[j]);
            ind_mul_base(br, w);
            ind_mul(br + 32, w, K);
            ind_mul_base(t, y);
            ind_sub(br + 32, br + 32, t);
            ind_field(&h, "A", br, 32);
            ind_field(&h, "B", br + 32, 32);
        }
        ind_challenge(&h, ch);
        crypto_core_ristretto255_scalar_sub(creal, ch, esum);
        for (size_t j = 0; j < n; j++) {
            uint8_t *br = got + 128 * j;
            if (lo + j == m) {
                memcpy(br + 64, creal, 32);
                crypto_core_ristretto255_scalar_mul(t, creal, r);
                crypto_core_ristretto255_scalar_add(br + 96, u[j], t);
            } else {
                memcpy(br + 64, e[j], 32);
                memcpy(br + 96, u[j], 32);
            }
        }
        assert_int_equal(len, 128 * n);
        assert_memory_equal(got, want, len);
    }
    json_decref(root);
}

/* ======================================================================
 * The threshold ceremony: (b) and (c) with libveche
 * ====================================================================== */

/* The ceremony's public messages, decoded; static because they are large. */
static struct thr {
    veche_dkg_params      p;
    uint8_t               efp[32];
    veche_dkg_key         key[THR_N + 1];
    veche_dkg_hash        hash[THR_N + 1];
    veche_dkg_commitments cm[THR_N + 1];
    veche_dkg_trustee     me[THR_N + 1];   /* only p, key and e are set */
    veche_point           Kj[THR_N + 1];
    uint8_t               key_b[THR_N + 1][VECHE_DKG_KEY_BYTES];
    uint8_t               hash_b[THR_N + 1][VECHE_DKG_HASH_BYTES];
    uint8_t               cm_b[THR_N + 1][VECHE_DKG_COMMITMENTS_BYTES(THR_T)];
    uint8_t               share_b[THR_N + 1][THR_N + 1][VECHE_DKG_SHARE_BYTES];
    uint8_t               cshare_b[2][VECHE_DKG_SHARE_BYTES];
    uint8_t               cp_b[2][VECHE_DKG_COMPLAINT_BYTES];
    veche_dkg_verdict     verdict[2];
    uint8_t               ct_b[64];
    uint32_t              item;
    uint64_t              m;
    uint8_t               ds_b[THR_N + 1][VECHE_DSHARE_BYTES];
} T;

static json_t *thr_load(void)
{
    json_t *root = load_vectors(VECTORS_FILE);
    json_t *c = json_array_get(section_cases(root, "threshold"), 0), *arr, *d;
    uint8_t fp[32];

    memset(&T, 0, sizeof T);
    assert_int_equal(get_u64(c, "t"), THR_T);
    assert_int_equal(get_u64(c, "n"), THR_N);
    get_hex(c, "ceremony_fingerprint", fp, 32);
    get_hex(c, "election_fingerprint", T.efp, 32);
    assert_int_equal(veche_dkg_params_init(&T.p, fp, THR_T, THR_N), VECHE_OK);
    arr = need(c, "trustees");
    assert_int_equal(json_array_size(arr), THR_N);
    for (uint32_t i = 1; i <= THR_N; i++) {
        json_t *o = json_array_get(arr, i - 1);
        uint8_t b[32];
        assert_int_equal(get_u64(o, "i"), i);
        get_hex(o, "KEY", T.key_b[i], VECHE_DKG_KEY_BYTES);
        get_hex(o, "HASH", T.hash_b[i], VECHE_DKG_HASH_BYTES);
        get_hex(o, "COMMITMENTS", T.cm_b[i], sizeof T.cm_b[i]);
        get_hex(o, "K_j", b, 32);
        assert_int_equal(veche_point_decode(&T.Kj[i], b, VECHE_NO_IDENTITY), VECHE_OK);
        get_hex(o, "e", b, 32);
        T.me[i].params = T.p;
        assert_int_equal(veche_scalar_decode(&T.me[i].e, b), VECHE_OK);
    }
    arr = need(c, "shares");
    assert_int_equal(json_array_size(arr), THR_N * (THR_N - 1));
    for (size_t q = 0; q < json_array_size(arr); q++) {
        json_t *o = json_array_get(arr, q);
        uint64_t i = get_u64(o, "i"), j = get_u64(o, "j");
        assert_true(i >= 1 && i <= THR_N && j >= 1 && j <= THR_N && i != j);
        get_hex(o, "SHARE", T.share_b[i][j], VECHE_DKG_SHARE_BYTES);
    }
    arr = need(c, "complaints");
    assert_int_equal(json_array_size(arr), 2);
    for (size_t q = 0; q < 2; q++) {
        json_t *o = json_array_get(arr, q);
        const char *v = json_string_value(need(o, "verdict"));
        get_hex(o, "SHARE", T.cshare_b[q], VECHE_DKG_SHARE_BYTES);
        get_hex(o, "COMPLAINT", T.cp_b[q], VECHE_DKG_COMPLAINT_BYTES);
        assert_non_null(v);
        T.verdict[q] = strcmp(v, "sender") == 0 ? VECHE_DKG_VERDICT_SENDER
                     : strcmp(v, "complainer") == 0 ? VECHE_DKG_VERDICT_COMPLAINER
                     : VECHE_DKG_VERDICT_NONE;
    }
    d = need(c, "decryption");
    get_hex(d, "ciphertext", T.ct_b, 64);
    T.item = (uint32_t)get_u64(d, "item");
    T.m = get_u64(d, "m");
    arr = need(d, "DSHARE");
    assert_int_equal(json_array_size(arr), THR_N);
    for (uint32_t j = 1; j <= THR_N; j++)
        hex_to(T.ds_b[j], VECHE_DSHARE_BYTES, json_string_value(json_array_get(arr, j - 1)));
    return root;
}

/* KEY, HASH and COMMITMENTS of dealer i decode and verify. */
static veche_err thr_dealer_ok(uint32_t i, const uint8_t *key_b, const uint8_t *hash_b,
                               const uint8_t *cm_b)
{
    veche_dkg_key k;
    veche_dkg_hash h;
    static veche_dkg_commitments c;
    veche_err e;

    if ((e = veche_dkg_key_decode(&k, key_b, &T.p)) != VECHE_OK ||
        (e = veche_dkg_key_verify(&k, &T.p)) != VECHE_OK ||
        (e = veche_dkg_hash_decode(&h, hash_b, &T.p)) != VECHE_OK ||
        (e = veche_dkg_commitments_decode(&c, cm_b, VECHE_DKG_COMMITMENTS_BYTES(THR_T), &T.p))
            != VECHE_OK ||
        (e = veche_dkg_commitments_verify(&c, &h, &k, &T.p)) != VECHE_OK)
        return e;
    return k.i == i ? VECHE_OK : VECHE_EINVALID;
}

/* SHARE from i to j opens for j and matches i's commitments. */
static veche_err thr_share_ok(uint32_t i, uint32_t j, const uint8_t *b)
{
    veche_dkg_share m;
    veche_scalar s;
    veche_err e;
    if ((e = veche_dkg_share_decode(&m, b, &T.p)) != VECHE_OK)
        return e;
    if (m.i != i || m.j != j)
        return VECHE_EINVALID;
    e = veche_dkg_share_open(&s, &m, &T.me[j], &T.key[i], &T.cm[i]);
    veche_scalar_wipe(&s);
    return e;
}

/* Complaint q: its verdict, or an error. */
static veche_err thr_complaint(veche_dkg_verdict *v, const uint8_t *share_b, const uint8_t *cp_b)
{
    veche_dkg_share m;
    veche_dkg_complaint cp;
    veche_err e;
    *v = VECHE_DKG_VERDICT_NONE;
    if ((e = veche_dkg_share_decode(&m, share_b, &T.p)) != VECHE_OK ||
        (e = veche_dkg_complaint_decode(&cp, cp_b, &T.p)) != VECHE_OK)
        return e;
    return veche_dkg_complaint_check(v, &cp, &m, &T.key[cp.i], &T.key[cp.j], &T.cm[cp.i], &T.p);
}

static veche_err thr_dshare_ok(uint32_t j, const uint8_t *b, const uint8_t efp[32],
                               uint32_t item, const uint8_t ct_b[64])
{
    veche_dshare sh;
    veche_ciphertext ct;
    veche_err e;
    if ((e = veche_dshare_decode(&sh, b, THR_N)) != VECHE_OK ||
        (e = veche_ciphertext_decode(&ct, ct_b)) != VECHE_OK)
        return e;
    if (sh.j != j)
        return VECHE_EINVALID;
    return veche_dshare_verify(&sh, &T.Kj[j], &ct, efp, item);
}

static void test_threshold_vectors_verify(void **state)
{
    json_t *root = thr_load();
    const veche_dkg_commitments *qual[THR_N];
    veche_dshare ds[THR_N + 1];
    veche_ciphertext ct;
    veche_point K, Kj, M, mG;
    (void)state;

    for (uint32_t i = 1; i <= THR_N; i++) {
        assert_int_equal(thr_dealer_ok(i, T.key_b[i], T.hash_b[i], T.cm_b[i]), VECHE_OK);
        assert_int_equal(veche_dkg_key_decode(&T.key[i], T.key_b[i], &T.p), VECHE_OK);
        assert_int_equal(veche_dkg_hash_decode(&T.hash[i], T.hash_b[i], &T.p), VECHE_OK);
        assert_int_equal(veche_dkg_commitments_decode(&T.cm[i], T.cm_b[i], sizeof T.cm_b[i],
                                                      &T.p), VECHE_OK);
        T.me[i].key = T.key[i];
        qual[i - 1] = &T.cm[i];
    }
    for (uint32_t i = 1; i <= THR_N; i++)
        for (uint32_t j = 1; j <= THR_N; j++)
            if (i != j)
                assert_int_equal(thr_share_ok(i, j, T.share_b[i][j]), VECHE_OK);
    for (int q = 0; q < 2; q++) {
        veche_dkg_verdict v;
        assert_int_equal(thr_complaint(&v, T.cshare_b[q], T.cp_b[q]), VECHE_OK);
        assert_int_equal(v, T.verdict[q]);
        assert_int_not_equal(v, VECHE_DKG_VERDICT_NONE);
    }
    /* the bad share of complaint 1 is what trustee 3 would complain about */
    assert_int_equal(thr_share_ok(2, 3, T.cshare_b[0]), VECHE_EVERIFY);
    assert_int_equal(veche_dkg_joint_key(&K, qual, THR_N, &T.p), VECHE_OK);
    for (uint32_t j = 1; j <= THR_N; j++) {
        assert_int_equal(veche_dkg_verification_key(&Kj, j, qual, THR_N, &T.p), VECHE_OK);
        assert_true(veche_point_eq(&Kj, &T.Kj[j]));
        assert_int_equal(thr_dshare_ok(j, T.ds_b[j], T.efp, T.item, T.ct_b), VECHE_OK);
        assert_int_equal(veche_dshare_decode(&ds[j], T.ds_b[j], THR_N), VECHE_OK);
    }
    /* every pair decrypts; one share alone does not */
    assert_int_equal(veche_ciphertext_decode(&ct, T.ct_b), VECHE_OK);
    veche_point_mul_base_u64(&mG, T.m);
    for (uint32_t a = 1; a <= THR_N; a++) {
        for (uint32_t b = a + 1; b <= THR_N; b++) {
            veche_dshare two[2] = {ds[a], ds[b]};
            assert_int_equal(veche_dshare_combine(&M, &ct, two, 2, &T.p), VECHE_OK);
            assert_true(veche_point_eq(&M, &mG));
        }
        assert_int_equal(veche_dshare_combine(&M, &ct, &ds[a], 1, &T.p), VECHE_EINVALID);
    }
    json_decref(root);
}

static void test_threshold_vectors_tampered_fail(void **state)
{
    json_t *root = thr_load();
    uint8_t b[VECHE_DKG_COMMITMENTS_BYTES(THR_T)], efp[32];
    (void)state;

    for (uint32_t i = 1; i <= THR_N; i++) {
        assert_int_equal(veche_dkg_key_decode(&T.key[i], T.key_b[i], &T.p), VECHE_OK);
        assert_int_equal(veche_dkg_commitments_decode(&T.cm[i], T.cm_b[i], sizeof T.cm_b[i],
                                                      &T.p), VECHE_OK);
        T.me[i].key = T.key[i];
    }
    /* every byte of KEY, HASH and COMMITMENTS */
    for (uint32_t i = 1; i <= THR_N; i++) {
        for (size_t k = 0; k < VECHE_DKG_KEY_BYTES; k++) {
            memcpy(b, T.key_b[i], VECHE_DKG_KEY_BYTES);
            b[k] ^= (uint8_t)(1u << (k % 8));
            if (thr_dealer_ok(i, b, T.hash_b[i], T.cm_b[i]) == VECHE_OK)
                fail_msg("KEY %u byte %zu tampered still verifies", i, k);
        }
        for (size_t k = 0; k < VECHE_DKG_HASH_BYTES; k++) {
            memcpy(b, T.hash_b[i], VECHE_DKG_HASH_BYTES);
            b[k] ^= (uint8_t)(1u << (k % 8));
            if (thr_dealer_ok(i, T.key_b[i], b, T.cm_b[i]) == VECHE_OK)
                fail_msg("HASH %u byte %zu tampered still verifies", i, k);
        }
        for (size_t k = 0; k < sizeof T.cm_b[i]; k++) {
            memcpy(b, T.cm_b[i], sizeof T.cm_b[i]);
            b[k] ^= (uint8_t)(1u << (k % 8));
            if (thr_dealer_ok(i, T.key_b[i], T.hash_b[i], b) == VECHE_OK)
                fail_msg("COMMITMENTS %u byte %zu tampered still verifies", i, k);
        }
        /* another dealer's KEY with these commitments */
        assert_int_not_equal(thr_dealer_ok(i, T.key_b[i % THR_N + 1], T.hash_b[i], T.cm_b[i]),
                             VECHE_OK);
    }
    /* every byte of every SHARE */
    for (uint32_t i = 1; i <= THR_N; i++)
        for (uint32_t j = 1; j <= THR_N; j++) {
            if (i == j)
                continue;
            for (size_t k = 0; k < VECHE_DKG_SHARE_BYTES; k++) {
                memcpy(b, T.share_b[i][j], VECHE_DKG_SHARE_BYTES);
                b[k] ^= (uint8_t)(1u << (k % 8));
                if (thr_share_ok(i, j, b) == VECHE_OK)
                    fail_msg("SHARE %u->%u byte %zu tampered still opens", i, j, k);
            }
        }
    /* every byte of a COMPLAINT: no verdict (or not the same one) */
    for (int q = 0; q < 2; q++)
        for (size_t k = 0; k < VECHE_DKG_COMPLAINT_BYTES; k++) {
            veche_dkg_verdict v;
            veche_err e;
            memcpy(b, T.cp_b[q], VECHE_DKG_COMPLAINT_BYTES);
            b[k] ^= (uint8_t)(1u << (k % 8));
            e = thr_complaint(&v, T.cshare_b[q], b);
            if (e == VECHE_OK)
                fail_msg("COMPLAINT %d byte %zu tampered gives verdict %d", q, k, v);
        }
    /* every byte of every DSHARE; the other item; another election */
    memcpy(efp, T.efp, 32);
    efp[0] ^= 1;
    for (uint32_t j = 1; j <= THR_N; j++) {
        for (size_t k = 0; k < VECHE_DSHARE_BYTES; k++) {
            memcpy(b, T.ds_b[j], VECHE_DSHARE_BYTES);
            b[k] ^= (uint8_t)(1u << (k % 8));
            if (thr_dshare_ok(j, b, T.efp, T.item, T.ct_b) == VECHE_OK)
                fail_msg("DSHARE %u byte %zu tampered still verifies", j, k);
        }
        assert_int_not_equal(thr_dshare_ok(j, T.ds_b[j], efp, T.item, T.ct_b), VECHE_OK);
        assert_int_not_equal(thr_dshare_ok(j, T.ds_b[j], T.efp, T.item + 1, T.ct_b), VECHE_OK);
        for (size_t k = 0; k < 32; k++) {   /* the ciphertext's a */
            memcpy(b, T.ct_b, 64);
            b[k] ^= (uint8_t)(1u << (k % 8));
            if (thr_dshare_ok(j, T.ds_b[j], T.efp, T.item, b) == VECHE_OK)
                fail_msg("DSHARE %u verifies for another ciphertext (byte %zu)", j, k);
        }
    }
    json_decref(root);
}

/* ======================================================================
 * The threshold ceremony: (d) independently, libsodium only
 * ====================================================================== */

static void ind_dleq_prove(uint8_t proof[96], const uint8_t x[32], const uint8_t X[32],
                           const uint8_t H[32], const uint8_t Y[32], const veche_ctx *ctx,
                           ind_rng *g)
{
    crypto_hash_sha512_state h;
    uint8_t k[32], c[32], cx[32];
    ind_scalar_random(g, k);
    ind_mul_base(proof, k);
    ind_mul(proof + 32, k, H);
    ind_start(&h, "dleq", ctx);
    ind_field(&h, "X", X, 32);
    ind_field(&h, "H", H, 32);
    ind_field(&h, "Y", Y, 32);
    ind_field(&h, "A", proof, 32);
    ind_field(&h, "B", proof + 32, 32);
    ind_challenge(&h, c);
    crypto_core_ristretto255_scalar_mul(cx, c, x);
    crypto_core_ristretto255_scalar_add(proof + 64, k, cx);
}

static void ind_ctx(veche_ctx *ctx, const uint8_t fp[32], const uint8_t party[32], uint32_t a,
                    uint32_t b)
{
    memcpy(ctx->fingerprint, fp, 32);
    memcpy(ctx->party, party, 32);
    ctx->index[0] = a;
    ctx->index[1] = b;
}

/* SPEC 1.12: key and nonce of the share from i (E_i) to j (E_j), given S = DH. */
static void ind_share_key(uint8_t key[32], uint8_t nonce[24], const uint8_t fp[32], uint32_t i,
                          const uint8_t Ei[32], uint32_t j, const uint8_t Ej[32],
                          const uint8_t S[32])
{
    crypto_hash_sha512_state h;
    veche_ctx ctx;
    uint8_t d[64];
    ind_ctx(&ctx, fp, Ei, i, j);
    ind_start(&h, "dkg-share-key", &ctx);
    ind_field(&h, "recipient", Ej, 32);
    ind_field(&h, "dh", S, 32);
    crypto_hash_sha512_final(&h, d);
    memcpy(key, d, 32);
    memcpy(nonce, d + 32, 24);
}

static void ind_le32(uint8_t out[4], uint32_t v)
{
    for (int k = 0; k < 4; k++)
        out[k] = (uint8_t)(v >> (8 * k));
}

/* sum_k j^k·C[k] over t commitments given as encodings. */
static void ind_eval(uint8_t out[32], uint32_t j, const uint8_t C[][32], uint32_t t)
{
    uint8_t pw[32], js[32], term[32];
    memset(out, 0, 32);
    ind_u64_scalar(pw, 1);
    ind_u64_scalar(js, j);
    for (uint32_t k = 0; k < t; k++) {
        ind_mul(term, pw, C[k]);
        ind_add(out, out, term);
        crypto_core_ristretto255_scalar_mul(pw, pw, js);
    }
}

/* Opens a SHARE box with S and checks it: 0 good, 1 dealer at fault. */
static int ind_judge(const uint8_t share[50], const uint8_t fp[32], const uint8_t Ei[32],
                     const uint8_t Ej[32], const uint8_t S[32], const uint8_t C[][32])
{
    uint8_t key[32], nonce[24], ad[8], s[32], sG[32], want[32];
    uint32_t i = share[0], j = share[1];
    ind_share_key(key, nonce, fp, i, Ei, j, Ej, S);
    ind_le32(ad, i);
    ind_le32(ad + 4, j);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(s, NULL, NULL, share + 2, 48, ad, 8, nonce,
                                                   key) != 0)
        return 1;
    if (!ind_scalar_ok(s))
        return 1;
    ind_mul_base(sG, s);
    ind_eval(want, j, C, THR_T);
    return memcmp(sG, want, 32) != 0;
}

static void test_independent_threshold(void **state)
{
    json_t *root = load_vectors(VECTORS_FILE);
    json_t *c = json_array_get(section_cases(root, "threshold"), 0), *arr, *d;
    uint8_t fp[32], efp[32], e[THR_N + 1][32], E[THR_N + 1][32], a[THR_N + 1][THR_T][32];
    uint8_t C[THR_N + 1][THR_T][32], x[THR_N + 1][32], Kj[THR_N + 1][32], K[32] = {0};
    uint8_t buf[VECHE_DKG_COMMITMENTS_BYTES(THR_T)], want[VECHE_DKG_COMMITMENTS_BYTES(THR_T)];
    uint8_t t32[32], ct[64], r[32], ms[32], D[THR_N + 1][32];
    ind_rng g = {{0}, 0};
    veche_ctx ctx;
    (void)state;

    get_hex(c, "seed", g.seed, 32);
    get_hex(c, "ceremony_fingerprint", fp, 32);
    get_hex(c, "election_fingerprint", efp, 32);
    arr = need(c, "trustees");

    /* Round 0 and the polynomials, from the seed: KEY = i || E_i || pok_i. */
    for (uint32_t i = 1; i <= THR_N; i++) {
        static const uint8_t zero[32];
        json_t *o = json_array_get(arr, i - 1);
        ind_keygen(&g, e[i], E[i]);
        buf[0] = (uint8_t)i;
        memcpy(buf + 1, E[i], 32);
        ind_ctx(&ctx, fp, E[i], i, 0xFFFFFFFFu);
        ind_schnorr_prove(buf + 33, e[i], E[i], NULL, 0, &ctx, &g);
        get_hex(o, "KEY", want, VECHE_DKG_KEY_BYTES);
        assert_memory_equal(buf, want, VECHE_DKG_KEY_BYTES);
        assert_true(ind_schnorr_verify(want + 33, want + 1, NULL, 0, &ctx));
        for (uint32_t k = 0; k < THR_T; k++) {
            do
                ind_scalar_random(&g, a[i][k]);
            while (memcmp(a[i][k], zero, 32) == 0);
            ind_mul_base(C[i][k], a[i][k]);
        }
    }
    /* Rounds 1 and 2: COMMITMENTS = i || t || (C_ik || pok_ik)*, HASH = i || h_i. */
    for (uint32_t i = 1; i <= THR_N; i++) {
        json_t *o = json_array_get(arr, i - 1);
        crypto_hash_sha512_state h;
        uint8_t dg[64];
        buf[0] = (uint8_t)i;
        buf[1] = THR_T;
        for (uint32_t k = 0; k < THR_T; k++) {
            memcpy(buf + 2 + 96 * k, C[i][k], 32);
            ind_ctx(&ctx, fp, E[i], i, k);
            ind_schnorr_prove(buf + 2 + 96 * k + 32, a[i][k], C[i][k], NULL, 0, &ctx, &g);
        }
        get_hex(o, "COMMITMENTS", want, VECHE_DKG_COMMITMENTS_BYTES(THR_T));
        assert_memory_equal(buf, want, VECHE_DKG_COMMITMENTS_BYTES(THR_T));
        ind_ctx(&ctx, fp, E[i], i, 0xFFFFFFFFu);
        ind_start(&h, "dkg-commit", &ctx);
        for (uint32_t k = 0; k < THR_T; k++)
            ind_field(&h, "C", C[i][k], 32);
        crypto_hash_sha512_final(&h, dg);
        get_hex(o, "HASH", want, VECHE_DKG_HASH_BYTES);
        assert_int_equal(want[0], i);
        assert_memory_equal(dg, want + 1, 32);
        ind_add(K, K, C[i][0]);
    }
    /* SHARE = i || j || AEAD(f_i(j)); each opens and checks out */
    {
        json_t *sh = need(c, "shares");
        for (size_t q = 0; q < json_array_size(sh); q++) {
            json_t *o = json_array_get(sh, q);
            uint32_t i = (uint32_t)get_u64(o, "i"), j = (uint32_t)get_u64(o, "j");
            uint8_t S[32], key[32], nonce[24], ad[8], s[32], js[32];
            /* f_i(j) by Horner */
            ind_u64_scalar(js, j);
            memcpy(s, a[i][THR_T - 1], 32);
            for (uint32_t k = THR_T - 1; k > 0; k--) {
                crypto_core_ristretto255_scalar_mul(s, s, js);
                crypto_core_ristretto255_scalar_add(s, s, a[i][k - 1]);
            }
            ind_mul(S, e[i], E[j]);
            ind_share_key(key, nonce, fp, i, E[i], j, E[j], S);
            ind_le32(ad, i);
            ind_le32(ad + 4, j);
            buf[0] = (uint8_t)i;
            buf[1] = (uint8_t)j;
            crypto_aead_xchacha20poly1305_ietf_encrypt(buf + 2, NULL, s, 32, ad, 8, NULL, nonce,
                                                       key);
            get_hex(o, "SHARE", want, VECHE_DKG_SHARE_BYTES);
            assert_memory_equal(buf, want, VECHE_DKG_SHARE_BYTES);
            ind_mul(S, e[j], E[i]);   /* the recipient's side of the DH */
            assert_int_equal(ind_judge(want, fp, E[i], E[j], S, (const uint8_t (*)[32])C[i]), 0);
        }
    }
    /* COMPLAINT = j || i || S_ij || dleq; then the verdict */
    {
        json_t *cps = need(c, "complaints");
        static const uint32_t who[2][2] = {{3, 2}, {3, 1}};   /* complainer, dealer */
        for (int q = 0; q < 2; q++) {
            json_t *o = json_array_get(cps, (size_t)q);
            uint32_t j = who[q][0], i = who[q][1];
            uint8_t share[50];
            const char *verdict = json_string_value(need(o, "verdict"));
            buf[0] = (uint8_t)j;
            buf[1] = (uint8_t)i;
            ind_mul(buf + 2, e[j], E[i]);
            ind_ctx(&ctx, fp, E[j], j, i);
            ind_dleq_prove(buf + 34, e[j], E[j], E[i], buf + 2, &ctx, &g);
            get_hex(o, "COMPLAINT", want, VECHE_DKG_COMPLAINT_BYTES);
            assert_memory_equal(buf, want, VECHE_DKG_COMPLAINT_BYTES);
            assert_true(ind_point_ok(want + 2, 1));
            assert_true(ind_dleq_verify(want + 34, E[j], E[i], want + 2, &ctx));
            get_hex(o, "SHARE", share, 50);
            assert_int_equal(share[0], i);
            assert_int_equal(share[1], j);
            assert_int_equal(ind_judge(share, fp, E[i], E[j], want + 2,
                                       (const uint8_t (*)[32])C[i]),
                             strcmp(verdict, "sender") == 0);
        }
    }
    /* the joint key, the verification keys and the secret shares */
    get_hex(c, "joint_key", t32, 32);
    assert_memory_equal(K, t32, 32);
    for (uint32_t j = 1; j <= THR_N; j++) {
        json_t *o = json_array_get(arr, j - 1);
        uint8_t sum[THR_T][32], s[32], js[32];
        memset(x[j], 0, 32);
        for (uint32_t k = 0; k < THR_T; k++) {
            memset(sum[k], 0, 32);
            for (uint32_t i = 1; i <= THR_N; i++)
                ind_add(sum[k], sum[k], C[i][k]);
        }
        ind_eval(Kj[j], j, (const uint8_t (*)[32])sum, THR_T);
        get_hex(o, "K_j", t32, 32);
        assert_memory_equal(Kj[j], t32, 32);
        ind_u64_scalar(js, j);
        for (uint32_t i = 1; i <= THR_N; i++) {
            memcpy(s, a[i][THR_T - 1], 32);
            for (uint32_t k = THR_T - 1; k > 0; k--) {
                crypto_core_ristretto255_scalar_mul(s, s, js);
                crypto_core_ristretto255_scalar_add(s, s, a[i][k - 1]);
            }
            crypto_core_ristretto255_scalar_add(x[j], x[j], s);
        }
        get_hex(o, "x", t32, 32);
        assert_memory_equal(x[j], t32, 32);
        ind_mul_base(t32, x[j]);
        assert_memory_equal(t32, Kj[j], 32);
    }
    /* decryption: ciphertext, DSHARE = j || D_j || dleq, Lagrange */
    d = need(c, "decryption");
    ind_scalar_random(&g, r);
    ind_u64_scalar(ms, get_u64(d, "m"));
    ind_mul_base(ct, r);
    ind_mul_base(t32, ms);
    ind_mul(ct + 32, r, K);
    ind_add(ct + 32, ct + 32, t32);
    get_hex(d, "ciphertext", want, 64);
    assert_memory_equal(ct, want, 64);
    for (uint32_t j = 1; j <= THR_N; j++) {
        uint32_t item = (uint32_t)get_u64(d, "item");
        buf[0] = (uint8_t)j;
        ind_mul(D[j], x[j], ct);
        memcpy(buf + 1, D[j], 32);
        ind_ctx(&ctx, efp, Kj[j], j, item);
        ind_dleq_prove(buf + 33, x[j], Kj[j], ct, D[j], &ctx, &g);
        hex_to(want, VECHE_DSHARE_BYTES,
               json_string_value(json_array_get(need(d, "DSHARE"), j - 1)));
        assert_memory_equal(buf, want, VECHE_DSHARE_BYTES);
        assert_true(ind_dleq_verify(want + 33, Kj[j], ct, want + 1, &ctx));
    }
    arr = need(d, "combinations");
    for (size_t q = 0; q < json_array_size(arr); q++) {
        json_t *o = json_array_get(arr, q), *set = need(o, "set");
        uint8_t M[32], sum[32] = {0};
        size_t n = json_array_size(set);
        for (size_t u = 0; u < n; u++) {
            uint32_t j = (uint32_t)json_integer_value(json_array_get(set, u));
            uint8_t num[32], den[32], lam[32], ls[32], js[32], diff[32], term[32];
            ind_u64_scalar(num, 1);
            ind_u64_scalar(den, 1);
            ind_u64_scalar(js, j);
            for (size_t w = 0; w < n; w++) {
                uint32_t l = (uint32_t)json_integer_value(json_array_get(set, w));
                if (l == j)
                    continue;
                ind_u64_scalar(ls, l);
                crypto_core_ristretto255_scalar_sub(diff, ls, js);
                crypto_core_ristretto255_scalar_mul(num, num, ls);
                crypto_core_ristretto255_scalar_mul(den, den, diff);
            }
            assert_int_equal(crypto_core_ristretto255_scalar_invert(den, den), 0);
            crypto_core_ristretto255_scalar_mul(lam, num, den);
            hex_to(t32, 32, json_string_value(json_array_get(need(o, "lambda"), u)));
            assert_memory_equal(lam, t32, 32);
            ind_mul(term, lam, D[j]);
            ind_add(sum, sum, term);
        }
        ind_sub(M, ct + 32, sum);
        get_hex(o, "M", t32, 32);
        assert_memory_equal(M, t32, 32);
        ind_mul_base(t32, ms);
        assert_memory_equal(M, t32, 32);
    }
    json_decref(root);
}

/* ======================================================================
 * The worked examples quoted in docs/SPEC.md are the file's
 * ====================================================================== */

/* docs/SPEC.md with every "` `" (a break between two hex cells) removed. */
static char *spec_text(void)
{
    FILE *f = fopen("docs/SPEC.md", "rb");
    char *buf, *w;
    long n;

    if (f == NULL)
        fail_msg("cannot open docs/SPEC.md (run from the repository root)");
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    for (w = buf; (w = strstr(w, "` `")) != NULL;)
        memmove(w, w + 3, strlen(w + 3) + 1);
    return buf;
}

static void spec_quotes(const char *spec, const char *hex, size_t from, size_t len,
                        const char *what)
{
    char part[256];
    assert_true(len < sizeof part && from + len <= strlen(hex));
    memcpy(part, hex + from, len);
    part[len] = '\0';
    if (strstr(spec, part) == NULL)
        fail_msg("docs/SPEC.md does not quote %s as the vectors have it: %s", what, part);
}

static void test_spec_quotes_vectors(void **state)
{
    json_t *root = load_vectors(VECTORS_FILE), *c, *fields;
    char *spec = spec_text();
    const char *h;
    (void)state;

    c = json_array_get(section_cases(root, "transcript"), 0);
    fields = need(c, "fields");
    for (size_t i = 0; i < json_array_size(fields); i++) {
        h = json_string_value(need(json_array_get(fields, i), "framed"));
        spec_quotes(spec, h, 0, strlen(h), "a framed transcript field");
    }
    h = json_string_value(need(c, "sha512"));
    spec_quotes(spec, h, 0, 64, "the transcript digest");
    spec_quotes(spec, h, 64, 64, "the transcript digest");
    h = json_string_value(need(c, "challenge"));
    spec_quotes(spec, h, 0, 64, "the transcript challenge");
    c = json_array_get(need(json_array_get(section_cases(root, "rng"), 0), "requests"), 0);
    h = json_string_value(need(c, "output"));
    spec_quotes(spec, h, 0, 64, "the first rng block");
    spec_quotes(spec, h, 64, 64, "the first rng block");
    free(spec);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_match_library),
        cmocka_unit_test(test_vectors_verify),
        cmocka_unit_test(test_vectors_tampered_fail),
        cmocka_unit_test(test_independent_basics),
        cmocka_unit_test(test_independent_proofs),
        cmocka_unit_test(test_threshold_vectors_verify),
        cmocka_unit_test(test_threshold_vectors_tampered_fail),
        cmocka_unit_test(test_independent_threshold),
        cmocka_unit_test(test_spec_quotes_vectors),
    };
    if (veche_crypto_init() != VECHE_OK || sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
