/*
 * fuzz/fuzz_ballot.c — libFuzzer target for what a voter, a server or a
 * verifier reads about ballots (election/ballot.h): ballot entries
 * (veche_ballot_verify, veche_ballot_verify_decoded), Benaloh audit
 * documents (veche_ballot_audit_check) and typed choices
 * (veche_choices_parse).
 *
 * The world is fixed: an election key K whose secret s this file knows, a
 * fingerprint, one voter's credential code (so one credential (x, X) per
 * election id), and three manifests, each with its own election id:
 *   "fuzz-ref"      a referendum: yes/no, exactly 1 (one explicit selection);
 *   "fuzz-council"  a 2-of-5 council seat contest: 5 options, min 0, max 2;
 *   "fuzz-mixed"    a referendum with blank (2 explicit, a sum proof over
 *                   [0,1]) and an exactly-2-of-3-plus-blank contest (3
 *                   explicit, sum proof over [1,2]).
 *
 * For every input, against every manifest:
 *   - veche_ballot_verify returns OK or one of the documented error codes
 *     (EENCODING, EIDENTITY, EVERIFY, ERANGE, EINVALID, ENOMEM), with a
 *     message and nothing to free on refusal; on canonical JSON,
 *     veche_ballot_verify_decoded refuses it with the same code and message.
 *   - a ballot it accepts is rechecked by other paths: every base64 string
 *     in it is canonical (re-encoding its bytes gives it back); the decoded
 *     ciphertexts re-encode to exactly the body's base64; the layout, the
 *     credential and the tracking code (SHA-256(0x00 || entry), computed
 *     here) are right; the signature verifies over the body re-serialized
 *     without "signature" (not cut from the bytes as the library does); the
 *     board accepts the entry (veche_entry_decode) and its body shape; and,
 *     decrypting with s, every explicit selection is 0 or 1 and every
 *     contest's choices (the implicit selection included) are within
 *     min..max — what the proofs are there to guarantee.
 *   - when no manifest accepts the input and it is a ballot-shaped object
 *     with the fixed voter's credential, its body is signed again with x
 *     (so that mutated ciphertexts and proofs get past the signature, the
 *     one part a mutation never keeps valid, and reach the proofs) and the
 *     re-signed entry goes through the same checks.
 *   - veche_ballot_audit_check returns OK or a documented code with a
 *     message; when it accepts, read without the library's ballot code (and
 *     its base64, nonces included, must be canonical): the
 *     choices it reports are exactly what the ballot's ciphertexts (decoded
 *     here from its base64) decrypt to under s, and satisfy min..max; every
 *     ciphertext is Enc(plaintext; nonce) recomputed with veche_encrypt; the
 *     signature verifies over the re-serialized body; the tracking code is
 *     SHA-256(0x00 || canonical "ballot").
 *   - veche_choices_parse returns OK or EINVALID with a message and zeroed
 *     choices; accepted choices are 0/1 marks on existing selections only,
 *     and writing them back as "INDEX:SEL,...;..." and by names parses to
 *     the same marks.
 * Any violation aborts (a finding).
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_ballot writes valid ballots
 * and audit documents for every manifest (several choices each) and some
 * choices strings into <dir> and exits (how fuzz/corpus/fuzz_ballot/ was
 * made). The world comes from a seeded rng, so the seeds stay valid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "board/canon.h"
#include "board/entry.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"
#include "crypto/transcript.h"
#include "election/ballot.h"
#include "election/credentials.h"
#include "election/election.h"
#include "election/manifest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "fuzz_ballot: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#define NMAN      3
#define INPUT_MAX (256 * 1024)
#define CODE      "ABC-DEF-GHJ-KMN-PQR-STU-VW"   /* + the check symbol, computed */

/* ---- the fixed world ------------------------------------------------------------ */

static veche_scalar  s_key;              /* the election secret: K = s·G */
static veche_pubkey  K;
static uint8_t       fp[32];
static char          code[VECHE_CODE_CHARS + 1];
static veche_scalar  x_cred[NMAN];     /* the code's credential under man[k]'s id */
static uint8_t       X_cred[NMAN][32];
static veche_manifest man[NMAN];
static veche_point   G, ID;

static json_t *manifest_body(int k)
{
    uint8_t tkey[32], ca[32];
    json_t *contests;

    memset(tkey, 0x11, 32);
    memset(ca, 0x22, 32);
    switch (k) {
    case 0:
        contests = json_pack("[{s:s, s:s, s:[s,s], s:i, s:i, s:b}]", "id", "ref", "question",
                             "Shall the statutes change?", "options", "yes", "no", "min", 1,
                             "max", 1, "blank", 0);
        break;
    case 1:
        contests = json_pack("[{s:s, s:s, s:[s,s,s,s,s], s:i, s:i, s:b}]", "id", "seats",
                             "question", "Elect two council members", "options", "Ana", "Ben",
                             "Cai", "Dora", "Emil", "min", 0, "max", 2, "blank", 0);
        break;
    default:
        contests = json_pack("[{s:s, s:s, s:[s,s], s:i, s:i, s:b},"
                             " {s:s, s:s, s:[s,s,s], s:i, s:i, s:b}]",
                             "id", "ref", "question", "Shall we?", "options", "yes", "no",
                             "min", 1, "max", 1, "blank", 1,
                             "id", "pick", "question", "Pick exactly two", "options", "x", "y",
                             "z", "min", 2, "max", 2, "blank", 1);
        break;
    }
    CHECK(contests != NULL);
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:o}], s:i, s:o, s:o}",
                     "election", k == 0 ? "fuzz-ref" : k == 1 ? "fuzz-council" : "fuzz-mixed",
                     "title", "Fuzz election", "organisation", "veche fuzzing", "opens", 1000,
                     "closes", 2000, "trustees", "name", "t1", "key", veche_b64_json(tkey, 32),
                     "threshold", 1, "credential_authority", veche_b64_json(ca, 32),
                     "contests", contests);
}

/* The code "ABCDEFGHJKMNPQRSTUVW" + its check symbol, printed. */
static void make_code(void)
{
    const char *alpha = VECHE_CODE_ALPHABET;
    char sym[VECHE_CODE_SYMBOLS + 1];
    unsigned sum = 0, o = 0;

    for (size_t i = 0, n = 0; CODE[i] != 0; i++)
        if (CODE[i] != '-')
            sym[n++] = CODE[i];
    for (unsigned i = 0; i < VECHE_CODE_SYMBOLS - 1; i++)
        sum += (i + 1) * (unsigned)(strchr(alpha, sym[i]) - alpha);
    /* (21·v20 + sum) ≡ 0 (mod 31): 21·3 = 63 ≡ 1, so v20 = -3·sum */
    sym[VECHE_CODE_SYMBOLS - 1] = alpha[(31 - (3 * sum) % 31) % 31];
    sym[VECHE_CODE_SYMBOLS] = 0;
    for (unsigned i = 0; i < VECHE_CODE_SYMBOLS; i++) {
        if (i > 0 && i % 3 == 0)
            code[o++] = '-';
        code[o++] = sym[i];
    }
    code[o] = 0;
}

static void make_world(void)
{
    static const uint8_t seed[32] = "veche fuzz_ballot world";
    veche_rng rng;
    veche_point Kp;
    veche_diag d = {{0}};

    veche_rng_seed(&rng, seed);
    veche_scalar_random(&s_key, &rng);
    veche_point_mul_base(&Kp, &s_key);
    CHECK(veche_pubkey_from_point(&K, &Kp) == VECHE_OK);
    veche_rng_bytes(&rng, fp, sizeof fp);
    make_code();
    for (int k = 0; k < NMAN; k++) {
        json_t *body = manifest_body(k);
        CHECK(body != NULL);
        if (veche_manifest_parse(&man[k], body, &d) != VECHE_OK) {
            fprintf(stderr, "fuzz_ballot: manifest %d: %s\n", k, d.msg);
            abort();
        }
        json_decref(body);
        if (veche_credential_derive(&x_cred[k], X_cred[k], man[k].id, code, &d) != VECHE_OK) {
            fprintf(stderr, "fuzz_ballot: credential: %s\n", d.msg);
            abort();
        }
    }
    CHECK(man[0].contests[0].nexplicit == 1 && !man[0].contests[0].sum_proof);
    CHECK(man[1].contests[0].nexplicit == 5 && man[1].contests[0].sum_proof);
    CHECK(man[2].contests[0].nexplicit == 2 && man[2].contests[1].nexplicit == 3);
    veche_point_generator(&G);
    veche_point_identity(&ID);
}

/* ---- helpers ---------------------------------------------------------------------- */

static int code_ok(veche_err e)
{
    return e == VECHE_OK || e == VECHE_EENCODING || e == VECHE_EIDENTITY || e == VECHE_EVERIFY ||
           e == VECHE_ERANGE || e == VECHE_EINVALID || e == VECHE_ENOMEM;
}

/* Plain base64 decoding (libsodium, no canonicity check of its own): 1 if exactly n bytes. */
static int b64_plain(uint8_t *out, size_t n, const json_t *v)
{
    size_t got = 0;
    const char *s = json_string_value(v);
    if (s == NULL)
        return 0;
    return sodium_base642bin(out, n, s, json_string_length(v), NULL, &got, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 && got == n;
}

/*
 * Canonical base64 of exactly n bytes (SPEC §2.1): the string is what
 * encoding its bytes gives, character for character. (libsodium 1.0.18's
 * decoder alone is not enough: it takes any byte >= 0x80 for '/'.)
 */
static int b64_canonical(const json_t *v, size_t n)
{
    uint8_t *buf = malloc(n + 1);
    char *again = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL));
    int ok;

    CHECK(buf != NULL && again != NULL);
    ok = b64_plain(buf, n, v);
    if (ok) {
        sodium_bin2base64(again, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), buf,
                          n, sodium_base64_VARIANT_ORIGINAL);
        ok = strlen(again) == json_string_length(v) && strcmp(again, json_string_value(v)) == 0;
    }
    free(buf);
    free(again);
    return ok;
}

static void ctx_for(veche_ctx *ctx, const uint8_t X[32], uint32_t i0, uint32_t i1)
{
    veche_ctx_init(ctx, fp);
    memcpy(ctx->party, X, 32);
    ctx->index[0] = i0;
    ctx->index[1] = i1;
}

/* m·G from M = b − s·a: 0, 1, or -1 for anything else. */
static int decrypt_bit(const veche_ciphertext *ct)
{
    veche_point M;
    veche_decrypt_point(&M, &s_key, ct);
    if (veche_point_eq(&M, &ID))
        return 0;
    if (veche_point_eq(&M, &G))
        return 1;
    return -1;
}

/* ---- an accepted ballot, rechecked ------------------------------------------------- */

static void recheck_ballot(const veche_ballot *b, const uint8_t *entry, size_t len,
                           const veche_manifest *m)
{
    json_t *json = NULL, *body, *copy;
    const json_t *contests;
    veche_entry ent;
    veche_diag d = {{0}};
    uint8_t buf[VECHE_CIPHERTEXT_BYTES], enc[VECHE_CIPHERTEXT_BYTES], sig[64], cred[32];
    uint8_t tracking[32];
    size_t first = 0, mlen;
    char *msg;
    veche_ctx ctx;
    crypto_hash_sha256_state h;

    CHECK(veche_canon_parse(&json, (const char *)entry, len, NULL) == VECHE_OK);
    CHECK(json_object_size(json) == 3 && json_object_get(json, "author") == NULL &&
          json_object_get(json, "sig") == NULL);
    body = json_object_get(json, "body");
    CHECK(json_is_object(body) && json_object_size(body) == 4);
    CHECK(strcmp(json_string_value(json_object_get(body, "election")), m->id) == 0);
    contests = json_object_get(body, "contests");
    CHECK(json_array_size(contests) == m->ncontests && b->ncontests == m->ncontests);
    CHECK(b->ct != NULL);

    /* the layout and every ciphertext, re-encoded */
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        const json_t *cj = json_array_get(contests, c), *cts = json_object_get(cj, "ciphertexts");
        uint32_t sum = 0;
        int bits[VECHE_MAX_SELECTIONS];

        CHECK(b->first[c] == first && json_array_size(cts) == ct->nexplicit);
        CHECK(json_array_size(json_object_get(cj, "proofs")) == ct->nexplicit);
        CHECK((json_object_get(cj, "sum_proof") != NULL) == (ct->sum_proof != 0));
        if (ct->sum_proof)
            CHECK(b64_canonical(json_object_get(cj, "sum_proof"),
                                veche_range_proof_size(ct->sum_lo, ct->sum_hi)));
        for (size_t s = 0; s < ct->nexplicit; s++) {
            /* the record's base64 is canonical: an accepted ballot has no other */
            CHECK(b64_canonical(json_array_get(cts, s), VECHE_CIPHERTEXT_BYTES));
            CHECK(b64_canonical(json_array_get(json_object_get(cj, "proofs"), s), 256));
            CHECK(b64_plain(buf, sizeof buf, json_array_get(cts, s)));
            veche_ciphertext_encode(enc, &b->ct[first + s]);
            CHECK(memcmp(buf, enc, sizeof buf) == 0);
            /* soundness: the proofs said 0 or 1, so it decrypts to 0 or 1 */
            bits[s] = decrypt_bit(&b->ct[first + s]);
            CHECK(bits[s] == 0 || bits[s] == 1);
            sum += (uint32_t)bits[s];
        }
        /* and the contest's count is within its rules */
        if (ct->nexplicit < ct->nsel) {
            CHECK(sum <= ct->max && ct->max - sum <= 1);
            sum = ct->max;
        }
        CHECK(sum >= ct->min && sum <= ct->max);
        first += ct->nexplicit;
    }
    CHECK(b->first[m->ncontests] == first);

    /* the credential and the tracking code */
    CHECK(b64_canonical(json_object_get(body, "credential"), 32));
    CHECK(b64_canonical(json_object_get(body, "signature"), 64));
    CHECK(b64_plain(cred, 32, json_object_get(body, "credential")));
    CHECK(memcmp(cred, b->credential, 32) == 0);
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)"\0", 1);
    crypto_hash_sha256_update(&h, entry, len);
    crypto_hash_sha256_final(&h, tracking);
    CHECK(memcmp(tracking, b->tracking, 32) == 0);

    /* the signature, over the body re-serialized without it */
    CHECK(b64_plain(sig, 64, json_object_get(body, "signature")));
    copy = json_deep_copy(body);
    CHECK(copy != NULL && json_object_del(copy, "signature") == 0);
    CHECK(veche_canon_dump(&msg, &mlen, copy, NULL) == VECHE_OK);
    ctx_for(&ctx, cred, VECHE_INDEX_NONE, VECHE_INDEX_NONE);
    CHECK(veche_sign_verify(sig, cred, (const uint8_t *)msg, mlen, &ctx) == VECHE_OK);
    free(msg);
    json_decref(copy);

    /* the board takes it as it is */
    CHECK(veche_ballot_check_body(body, &d) == VECHE_OK);
    if (veche_entry_decode(&ent, entry, len, &d) != VECHE_OK) {
        fprintf(stderr, "fuzz_ballot: a verified ballot the board refuses: %s\n", d.msg);
        abort();
    }
    CHECK(!ent.is_signed && strcmp(ent.type, VECHE_BALLOT_TYPE) == 0);
    veche_entry_free(&ent);
    json_decref(json);
}

/*
 * veche_ballot_verify on one manifest; 1 if it accepts. With cross_check, a
 * refusal is also what veche_ballot_verify_decoded says of the same bytes
 * (same code, same message). Accepted ballots are not verified twice: a
 * full verification is the one costly step here.
 */
static int verify_one(const uint8_t *data, size_t size, const veche_manifest *m, int cross_check)
{
    veche_ballot b, b2;
    veche_diag d = {{0}}, d2 = {{0}};
    json_t *json = NULL;
    veche_err e = veche_ballot_verify(&b, data, size, m, &K, fp, &d), e2;

    CHECK(code_ok(e));
    if (e == VECHE_OK) {
        recheck_ballot(&b, data, size, m);
        veche_ballot_free(&b);
        return 1;
    }
    CHECK(d.msg[0] != 0 && b.ct == NULL);
    if (cross_check && veche_canon_parse(&json, (const char *)data, size, NULL) == VECHE_OK) {
        e2 = veche_ballot_verify_decoded(&b2, data, size, json, m, &K, fp, &d2);
        CHECK(e2 == e && strcmp(d.msg, d2.msg) == 0 && b2.ct == NULL);
        json_decref(json);
    }
    return 0;
}

/*
 * A ballot-shaped input for the fixed credential, signed again by x: the
 * signature is the one part a mutation can never keep valid, so without this
 * nothing past it (the selection and sum proofs, the soundness check) would
 * ever see a mutated ballot.
 */
static void resign_and_verify(const uint8_t *data, size_t size)
{
    static const uint8_t seed[32] = "veche fuzz_ballot re-sign";
    json_t *json = NULL, *body, *copy = NULL;
    uint8_t cred[32], sig[64];
    char *msg = NULL, *entry = NULL;
    size_t mlen, elen;
    veche_ctx ctx;
    veche_rng rng;
    const char *id;
    int k;

    if (veche_canon_parse(&json, (const char *)data, size, NULL) != VECHE_OK)
        return;
    body = json_object_get(json, "body");
    if (!json_is_object(body) || !b64_plain(cred, 32, json_object_get(body, "credential")) ||
        (id = json_string_value(json_object_get(body, "election"))) == NULL)
        goto done;
    for (k = 0; k < NMAN && memcmp(cred, X_cred[k], 32) != 0; k++)
        ;
    if (k == NMAN)
        goto done;   /* not the fixed voter's credential under any manifest */
    copy = json_deep_copy(body);
    CHECK(copy != NULL);
    json_object_del(copy, "signature");
    if (veche_canon_dump(&msg, &mlen, copy, NULL) != VECHE_OK)
        goto done;
    ctx_for(&ctx, X_cred[k], VECHE_INDEX_NONE, VECHE_INDEX_NONE);
    veche_rng_seed(&rng, seed);
    CHECK(veche_sign(sig, &x_cred[k], X_cred[k], (const uint8_t *)msg, mlen, &ctx, &rng) ==
          VECHE_OK);
    CHECK(json_object_set_new(copy, "signature", veche_b64_json(sig, 64)) == 0);
    if (veche_entry_build(&entry, &elen, VECHE_BALLOT_TYPE, copy, NULL, NULL) != VECHE_OK ||
        (elen == size && memcmp(entry, data, size) == 0))
        goto done;   /* not an entry, or already what was verified */
    /* against every manifest: the id in the body picks the one that can accept */
    for (int j = 0; j < NMAN; j++)
        verify_one((const uint8_t *)entry, elen, &man[j], 0);
done:
    free(entry);
    free(msg);
    json_decref(copy);
    json_decref(json);
}

/* ---- audit documents --------------------------------------------------------------- */

/*
 * What an accepted audit document says, read here without the library's
 * ballot code: the ciphertexts straight from the ballot's base64, the
 * signature over the re-serialized body, the tracking code by hand.
 */
static void recheck_audit(const veche_choices *chosen, const char *tracking, const uint8_t *doc,
                          size_t len, const veche_manifest *m)
{
    json_t *top = NULL, *copy;
    const json_t *contests, *body, *bcontests;
    char *entry, *msg, want[VECHE_TRACKING_CODE_CHARS + 1];
    uint8_t h[32], sig[64], cred[32], ctb[VECHE_CIPHERTEXT_BYTES];
    size_t elen, mlen;
    veche_ctx ctx;
    crypto_hash_sha256_state hs;

    CHECK(veche_canon_parse(&top, (const char *)doc, len, NULL) == VECHE_OK);
    CHECK(veche_canon_dump(&entry, &elen, json_object_get(top, "ballot"), NULL) == VECHE_OK);
    crypto_hash_sha256_init(&hs);
    crypto_hash_sha256_update(&hs, (const uint8_t *)"\0", 1);
    crypto_hash_sha256_update(&hs, (const uint8_t *)entry, elen);
    crypto_hash_sha256_final(&hs, h);
    sodium_bin2base64(want, sizeof want, h, 32, sodium_base64_VARIANT_ORIGINAL);
    CHECK(strcmp(want, tracking) == 0);
    body = json_object_get(json_object_get(top, "ballot"), "body");
    CHECK(strcmp(json_string_value(json_object_get(body, "election")), m->id) == 0);
    CHECK(b64_plain(cred, 32, json_object_get(body, "credential")));
    CHECK(b64_plain(sig, 64, json_object_get(body, "signature")));
    copy = json_deep_copy(body);
    CHECK(copy != NULL && json_object_del(copy, "signature") == 0);
    CHECK(veche_canon_dump(&msg, &mlen, copy, NULL) == VECHE_OK);
    ctx_for(&ctx, cred, VECHE_INDEX_NONE, VECHE_INDEX_NONE);
    CHECK(veche_sign_verify(sig, cred, (const uint8_t *)msg, mlen, &ctx) == VECHE_OK);
    free(msg);
    json_decref(copy);
    bcontests = json_object_get(body, "contests");
    CHECK(json_array_size(bcontests) == m->ncontests);
    contests = json_object_get(top, "contests");
    for (size_t c = 0; c < VECHE_MAX_CONTESTS; c++) {
        const veche_contest *ct = &m->contests[c];
        const json_t *cj = json_array_get(contests, c);
        uint32_t count = 0;
        for (size_t s = 0; s < VECHE_MAX_SELECTIONS; s++) {
            uint8_t mark = chosen->mark[c][s];
            CHECK(mark <= 1);
            if (c >= m->ncontests || s >= ct->nsel) {
                CHECK(mark == 0);
                continue;
            }
            count += mark;
            if (s < ct->nexplicit) {
                /* what the ciphertext holds, and the revealed nonce re-encrypts it */
                veche_ciphertext cxv;
                const veche_ciphertext *cx = &cxv;
                const json_t *pl = json_object_get(cj, "plaintexts");
                json_int_t p = json_integer_value(json_array_get(pl, s));
                uint8_t rb[32];
                veche_scalar r;
                veche_ciphertext again;
                CHECK(b64_plain(ctb, sizeof ctb, json_array_get(json_object_get(
                    json_array_get(bcontests, c), "ciphertexts"), s)));
                CHECK(veche_ciphertext_decode(&cxv, ctb) == VECHE_OK);
                CHECK(decrypt_bit(cx) == mark && p == mark);
                CHECK(b64_canonical(json_array_get(json_object_get(cj, "nonces"), s), 32));
                CHECK(b64_plain(rb, 32, json_array_get(json_object_get(cj, "nonces"), s)));
                CHECK(veche_scalar_decode(&r, rb) == VECHE_OK);
                veche_encrypt(&again, &K, mark, &r);
                CHECK(veche_ciphertext_eq(&again, cx));
            }
        }
        if (c < m->ncontests)
            CHECK(count >= ct->min && count <= ct->max);
    }
    free(entry);
    json_decref(top);
}

static void audit_one(const uint8_t *data, size_t size, const veche_manifest *m)
{
    veche_choices chosen;
    char tracking[VECHE_TRACKING_CODE_CHARS + 1];
    veche_diag d = {{0}};
    veche_err e;

    memset(&chosen, 0xAA, sizeof chosen);
    memset(tracking, 'x', sizeof tracking);
    e = veche_ballot_audit_check(&chosen, tracking, data, size, m, &K, fp, &d);
    CHECK(code_ok(e));
    if (e != VECHE_OK) {
        CHECK(d.msg[0] != 0);
        return;
    }
    CHECK(memchr(tracking, 0, sizeof tracking) == tracking + VECHE_TRACKING_CODE_CHARS);
    recheck_audit(&chosen, tracking, data, size, m);
}

/* ---- choices ---------------------------------------------------------------------- */

/* marks as "c:s,s;c:s" with indices (by_name 0) or ids and option texts (1). */
static void format_choices(char *out, size_t cap, const veche_choices *ch, const veche_manifest *m,
                           int by_name)
{
    size_t o = 0;
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        int any = 0;
        o += by_name ? (size_t)snprintf(out + o, cap - o, "%s%s:", c ? ";" : "", ct->id)
                     : (size_t)snprintf(out + o, cap - o, "%s%zu:", c ? ";" : "", c);
        for (size_t s = 0; s < ct->nsel; s++) {
            if (!ch->mark[c][s])
                continue;
            if (by_name)
                o += (size_t)snprintf(out + o, cap - o, "%s%s", any ? "," : "",
                                      s < ct->noptions ? ct->options[s] : "blank");
            else
                o += (size_t)snprintf(out + o, cap - o, "%s%zu", any ? "," : "", s);
            any = 1;
        }
        CHECK(o < cap);
    }
}

static void choices_one(const char *text, const veche_manifest *m)
{
    veche_choices ch, again;
    static const veche_choices zero;
    veche_diag d = {{0}};
    char out[4096];
    veche_err e = veche_choices_parse(&ch, text, m, &d);

    CHECK(e == VECHE_OK || e == VECHE_EINVALID);
    if (e != VECHE_OK) {
        CHECK(d.msg[0] != 0 && memcmp(&ch, &zero, sizeof ch) == 0);
        return;
    }
    for (size_t c = 0; c < VECHE_MAX_CONTESTS; c++)
        for (size_t s = 0; s < VECHE_MAX_SELECTIONS; s++)
            CHECK(ch.mark[c][s] <= 1 &&
                  (ch.mark[c][s] == 0 || (c < m->ncontests && s < m->contests[c].nsel)));
    for (int by_name = 0; by_name <= 1; by_name++) {
        format_choices(out, sizeof out, &ch, m, by_name);
        if (veche_choices_parse(&again, out, m, &d) != VECHE_OK) {
            fprintf(stderr, "fuzz_ballot: \"%s\" does not parse back: %s\n", out, d.msg);
            abort();
        }
        CHECK(memcmp(&again, &ch, sizeof ch) == 0);
    }
}

/* ---- seeds -------------------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const char *b, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_ballot: cannot write %s\n", path);
        exit(1);
    }
}

/* A ballot (and its audit document) for manifest k and the choices text. */
static void seed_ballot(const char *dir, int k, const char *choices, int n)
{
    uint8_t seed[32] = "veche fuzz_ballot seed";
    veche_choices ch;
    veche_ballot_secrets sec;
    veche_diag d = {{0}};
    veche_rng rng;
    veche_scalar x;
    uint8_t X[32];
    char *entry, *doc, name[64];
    size_t len, dlen;

    seed[30] = (uint8_t)k;
    seed[31] = (uint8_t)n;
    veche_rng_seed(&rng, seed);
    /* the fixed voter's code, under this manifest's id */
    x = x_cred[k];
    memcpy(X, X_cred[k], 32);
    if (veche_choices_parse(&ch, choices, &man[k], &d) != VECHE_OK ||
        veche_ballot_build(&entry, &len, &man[k], &K, fp, &x, X, &ch, &sec, &rng, &d) != VECHE_OK) {
        fprintf(stderr, "fuzz_ballot: seed %d/%s: %s\n", k, choices, d.msg);
        exit(1);
    }
    CHECK(veche_ballot_audit_format(&doc, &dlen, (const uint8_t *)entry, len, &man[k], &sec, &d) ==
          VECHE_OK);
    snprintf(name, sizeof name, "ballot-%s-%d", man[k].id, n);
    write_seed(dir, name, entry, len);
    snprintf(name, sizeof name, "audit-%s-%d", man[k].id, n);
    write_seed(dir, name, doc, dlen);
    snprintf(name, sizeof name, "choices-%s-%d", man[k].id, n);
    write_seed(dir, name, choices, strlen(choices));
    veche_ballot_secrets_free(&sec);
    veche_scalar_wipe(&x);
    free(entry);
    free(doc);
}

static void write_seeds(const char *dir)
{
    seed_ballot(dir, 0, "ref:yes", 1);
    seed_ballot(dir, 0, "0:1", 2);
    seed_ballot(dir, 1, "seats:", 1);
    seed_ballot(dir, 1, "seats:Ana,Emil", 2);
    seed_ballot(dir, 1, "0:2", 3);
    seed_ballot(dir, 2, "ref:blank;pick:x,z", 1);
    seed_ballot(dir, 2, "pick:y, blank ; ref:no", 2);
}

/* ---- the entry point ------------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");

    (void)argc;
    (void)argv;
    CHECK(veche_crypto_init() == VECHE_OK);
    CHECK(veche_election_register_types() == VECHE_OK);
    make_world();
    if (dir != NULL) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    int accepted = 0;

    if (size > INPUT_MAX)
        return 0;
    for (int k = 0; k < NMAN; k++) {
        accepted |= verify_one(data, size, &man[k], 1);
        audit_one(data, size, &man[k]);
    }
    if (!accepted)   /* signed again, it gets as far as its proofs allow */
        resign_and_verify(data, size);
    if ((text = malloc(size + 1)) == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    for (int k = 0; k < NMAN; k++)
        choices_one(text, &man[k]);
    free(text);
    return 0;
}
