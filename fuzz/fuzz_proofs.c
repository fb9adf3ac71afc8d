/*
 * fuzz/fuzz_proofs.c — libFuzzer target for the proof verifiers: Schnorr
 * proofs of knowledge and signatures (schnorr.h), Chaum–Pedersen proofs
 * (dleq.h) and range proofs (range.h).
 *
 * Each input is one verification. Its first byte picks the kind (mod 4:
 * 0 pok, 1 signature, 2 DLEQ, 3 range), its second byte holds flags, and
 * the rest is read field by field (missing bytes read as zeros):
 *
 *   flag 1  the statement comes from the input (key X; message; X, H, Y;
 *           range: lo (le64), width byte (hi = lo + width % 8, which may
 *           wrap below lo), election key K, ciphertext), else a fixed valid one
 *   flag 2  the context comes from the input (fingerprint, party, two le32
 *           indices), else the fixed one
 *   flag 4  range only: the proof length comes from the input (le16), not
 *           veche_range_proof_size(lo, hi)
 *   then    the proof bytes, copied into a buffer of exactly their length
 *           (so AddressSanitizer sees any read past it)
 *
 * Without flag 1, range proofs pick one of three fixed ranges ([0, 1],
 * [0, 5], [1, 3]) with one more byte. Ranges have at most 8 branches, so
 * each input is fast.
 *
 * The verifier must return VECHE_OK or one of its error codes, never crash,
 * and must agree with a plain reference verifier written here from the
 * headers' equations (each equation checked on its own, no batching, no
 * random weights): a proof the library accepts and the reference rejects,
 * or the reverse, aborts. So does an unexpected error code.
 *
 * The fixed statements and their valid proofs come from a seeded rng.
 * VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_proofs writes valid inputs of every
 * kind into <dir> and exits (how fuzz/corpus/fuzz_proofs/ was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "crypto/dleq.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"
#include "crypto/transcript.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { KIND_POK, KIND_SIG, KIND_DLEQ, KIND_RANGE };
enum { F_STATEMENT = 1, F_CTX = 2, F_LENGTH = 4 };
enum { MAX_WIDTH = 8, NRANGES = 3 };

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz_proofs: check failed at line %d: %s\n", __LINE__,   \
                    #cond);                                                           \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* ---- the fixed statements ------------------------------------------------ */

static const uint64_t range_lo[NRANGES] = {0, 0, 1}, range_hi[NRANGES] = {1, 5, 3};

static struct {
    veche_ctx    ctx;
    uint8_t      X[32];                 /* Schnorr key */
    uint8_t      pok[VECHE_SCHNORR_BYTES];
    uint8_t      msg[24];
    uint8_t      sig[VECHE_SCHNORR_BYTES];
    veche_point  dX, dH, dY;            /* DLEQ statement */
    uint8_t      dleq[VECHE_DLEQ_BYTES];
    veche_pubkey pk;                    /* election key */
    uint8_t      ct[VECHE_CIPHERTEXT_BYTES];   /* encrypts 1 */
    uint8_t      range[NRANGES][MAX_WIDTH * VECHE_RANGE_BRANCH_BYTES];
} fx;

static void make_fixture(void)
{
    static const uint8_t seed[32] = "fuzz_proofs fixture";
    veche_scalar x, r;
    veche_ciphertext ct;
    veche_rng rng;
    uint8_t h[64] = "fuzz_proofs H";

    veche_rng_seed(&rng, seed);
    memset(&fx.ctx, 0, sizeof fx.ctx);
    memcpy(fx.ctx.fingerprint, "fuzz_proofs election fingerprint", 32);
    memcpy(fx.ctx.party, "fuzz_proofs voter credential key", 32);
    fx.ctx.index[0] = 2;
    fx.ctx.index[1] = 7;

    veche_schnorr_keygen(&x, fx.X, &rng);
    memcpy(fx.msg, "fuzz_proofs ballot bytes", sizeof fx.msg);
    CHECK(veche_pok_prove(fx.pok, &x, fx.X, &fx.ctx, &rng) == VECHE_OK);
    CHECK(veche_sign(fx.sig, &x, fx.X, fx.msg, sizeof fx.msg, &fx.ctx, &rng) == VECHE_OK);

    veche_scalar_random(&x, &rng);
    veche_point_mul_base(&fx.dX, &x);
    veche_point_from_hash(&fx.dH, h);
    veche_point_mul(&fx.dY, &fx.dH, &x);
    CHECK(veche_dleq_prove(fx.dleq, &x, &fx.dX, &fx.dH, &fx.dY, &fx.ctx, &rng) == VECHE_OK);

    CHECK(veche_keypair_generate(&x, &fx.pk, &rng) == VECHE_OK);
    veche_encrypt_random(&ct, &r, &fx.pk, 1, &rng);
    veche_ciphertext_encode(fx.ct, &ct);
    for (int i = 0; i < NRANGES; i++) {
        size_t len = veche_range_proof_size(range_lo[i], range_hi[i]);
        CHECK(veche_range_prove(fx.range[i], len, &fx.pk, &ct, 1, &r, range_lo[i], range_hi[i],
                                &fx.ctx, &rng) == VECHE_OK);
    }
    veche_scalar_wipe(&x);
    veche_scalar_wipe(&r);
}

/* ---- reading the input ----------------------------------------------------- */

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

/* Copies n bytes; what the input lacks reads as zeros. */
static void take(reader *rd, uint8_t *out, size_t n)
{
    size_t k = n < rd->left ? n : rd->left;
    memcpy(out, rd->p, k);
    memset(out + k, 0, n - k);
    rd->p += k;
    rd->left -= k;
}

static uint64_t take_le(reader *rd, int bytes)
{
    uint8_t b[8];
    uint64_t v = 0;
    take(rd, b, (size_t)bytes);
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static void take_ctx(reader *rd, veche_ctx *ctx)
{
    take(rd, ctx->fingerprint, 32);
    take(rd, ctx->party, 32);
    ctx->index[0] = (uint32_t)take_le(rd, 4);
    ctx->index[1] = (uint32_t)take_le(rd, 4);
}

/* The proof: n bytes in a heap buffer of exactly that size (n may be 0). */
static uint8_t *take_proof(reader *rd, size_t n)
{
    uint8_t *b = malloc(n == 0 ? 1 : n);
    CHECK(b != NULL);
    take(rd, b, n);
    return b;
}

/* ---- reference verifiers: the headers' equations, one by one ---------------- */

/* a·P + b·Q (constant-time multiplications: slow, but independent of the MSM). */
static void lin2(veche_point *r, const veche_scalar *a, const veche_point *P,
                 const veche_scalar *b, const veche_point *Q)
{
    veche_point t;
    veche_point_mul(r, P, a);
    veche_point_mul(&t, Q, b);
    veche_point_add(r, r, &t);
}

/* Schnorr: s·G == A + c·X, c over ("X", ["message"], "A"|"R"). */
static int ref_schnorr(const uint8_t proof[64], int is_sig, const uint8_t X[32],
                       const uint8_t *msg, size_t msg_len, const veche_ctx *ctx)
{
    veche_point Xp, A, G, lhs, rhs, cX;
    veche_scalar s, c;
    veche_transcript t;

    if (veche_point_decode(&Xp, X, VECHE_NO_IDENTITY) != VECHE_OK ||
        veche_point_decode(&A, proof, VECHE_ALLOW_IDENTITY) != VECHE_OK ||
        veche_scalar_decode(&s, proof + 32) != VECHE_OK)
        return 0;
    veche_transcript_init(&t, is_sig ? VECHE_DOMAIN_SIG : VECHE_DOMAIN_POK, ctx);
    veche_transcript_point(&t, "X", X);
    if (is_sig)
        veche_transcript_bytes(&t, "message", msg, msg_len);
    veche_transcript_point(&t, is_sig ? "R" : "A", proof);
    veche_transcript_challenge(&t, &c);
    veche_point_generator(&G);
    veche_point_mul(&lhs, &G, &s);
    veche_point_mul(&cX, &Xp, &c);
    veche_point_add(&rhs, &A, &cX);
    return veche_point_eq(&lhs, &rhs);
}

/* DLEQ: s·G == A + c·X and s·H == B + c·Y. */
static int ref_dleq(const uint8_t proof[96], const veche_point *X, const veche_point *H,
                    const veche_point *Y, const veche_ctx *ctx)
{
    static const char *const label[5] = {"X", "H", "Y", "A", "B"};
    uint8_t enc[5][32];
    veche_point A, B, G, l, r, t;
    veche_scalar s, c;
    veche_transcript tr;

    if (veche_point_is_identity(X) ||
        veche_point_decode(&A, proof, VECHE_ALLOW_IDENTITY) != VECHE_OK ||
        veche_point_decode(&B, proof + 32, VECHE_ALLOW_IDENTITY) != VECHE_OK ||
        veche_scalar_decode(&s, proof + 64) != VECHE_OK)
        return 0;
    veche_point_encode(enc[0], X);
    veche_point_encode(enc[1], H);
    veche_point_encode(enc[2], Y);
    memcpy(enc[3], proof, 32);
    memcpy(enc[4], proof + 32, 32);
    veche_transcript_init(&tr, VECHE_DOMAIN_DLEQ, ctx);
    for (int i = 0; i < 5; i++)
        veche_transcript_point(&tr, label[i], enc[i]);
    veche_transcript_challenge(&tr, &c);
    veche_point_generator(&G);
    veche_point_mul(&l, &G, &s);
    veche_point_mul(&t, X, &c);
    veche_point_add(&r, &A, &t);
    if (!veche_point_eq(&l, &r))
        return 0;
    veche_point_mul(&l, H, &s);
    veche_point_mul(&t, Y, &c);
    veche_point_add(&r, &B, &t);
    return veche_point_eq(&l, &r);
}

/* Range: sum c_j == c, and for each j s_j·G == A_j + c_j·a, s_j·K == B_j + c_j·(b - j·G). */
static int ref_range(const uint8_t *proof, size_t len, const veche_pubkey *pk,
                     const uint8_t ct_enc[64], uint64_t lo, uint64_t hi, const veche_ctx *ctx)
{
    veche_ciphertext ct;
    veche_transcript tr;
    veche_scalar c, total = veche_scalar_zero_c, one = veche_scalar_one_c;
    size_t n;

    if (hi < lo || hi - lo >= VECHE_RANGE_MAX_BRANCHES)
        return 0;
    n = (size_t)(hi - lo + 1);
    if (len != n * VECHE_RANGE_BRANCH_BYTES)
        return 0;
    if (veche_ciphertext_decode(&ct, ct_enc) != VECHE_OK)
        return 0;
    veche_transcript_init(&tr, VECHE_DOMAIN_RANGE, ctx);
    veche_transcript_point(&tr, "K", pk->enc);
    veche_transcript_bytes(&tr, "ciphertext", ct_enc, 64);
    veche_transcript_u64(&tr, "lo", lo);
    veche_transcript_u64(&tr, "hi", hi);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *br = proof + i * VECHE_RANGE_BRANCH_BYTES;
        veche_transcript_point(&tr, "A", br);
        veche_transcript_point(&tr, "B", br + 32);
    }
    veche_transcript_challenge(&tr, &c);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *br = proof + i * VECHE_RANGE_BRANCH_BYTES;
        veche_point A, B, G, jG, bj, l, r;
        veche_scalar cj, sj;

        if (veche_point_decode(&A, br, VECHE_ALLOW_IDENTITY) != VECHE_OK ||
            veche_point_decode(&B, br + 32, VECHE_ALLOW_IDENTITY) != VECHE_OK ||
            veche_scalar_decode(&cj, br + 64) != VECHE_OK ||
            veche_scalar_decode(&sj, br + 96) != VECHE_OK)
            return 0;
        veche_scalar_add(&total, &total, &cj);
        veche_point_generator(&G);
        veche_point_mul(&l, &G, &sj);
        lin2(&r, &one, &A, &cj, &ct.a);
        if (!veche_point_eq(&l, &r))
            return 0;
        veche_point_mul_base_u64(&jG, lo + i);
        veche_point_sub(&bj, &ct.b, &jG);
        veche_point_mul(&l, &pk->K, &sj);
        lin2(&r, &one, &B, &cj, &bj);
        if (!veche_point_eq(&l, &r))
            return 0;
    }
    return veche_scalar_eq(&c, &total);
}

/* ---- one input --------------------------------------------------------------- */

static veche_err last_err;   /* the library's verdict on the last input (for the seeds) */

static int allowed(veche_err e)
{
    return e == VECHE_OK || e == VECHE_EENCODING || e == VECHE_EIDENTITY ||
           e == VECHE_EVERIFY || e == VECHE_EINVALID;
}

static void fuzz_schnorr(reader *rd, int flags, const veche_ctx *ctx, int is_sig)
{
    uint8_t X[32], msg[255], *proof;
    size_t msg_len = sizeof fx.msg;
    veche_err e;

    memcpy(X, fx.X, 32);
    memcpy(msg, fx.msg, sizeof fx.msg);
    if (flags & F_STATEMENT) {
        take(rd, X, 32);
        if (is_sig) {
            msg_len = (size_t)take_le(rd, 1);
            take(rd, msg, msg_len);
        }
    }
    proof = take_proof(rd, VECHE_SCHNORR_BYTES);
    if (is_sig) {
        /* The message in a buffer of exactly its length, too. */
        uint8_t *m = malloc(msg_len == 0 ? 1 : msg_len);
        CHECK(m != NULL);
        memcpy(m, msg, msg_len);
        e = veche_sign_verify(proof, X, m, msg_len, ctx);
        free(m);
    } else {
        e = veche_pok_verify(proof, X, ctx);
    }
    CHECK(allowed(e));
    last_err = e;
    CHECK((e == VECHE_OK) == ref_schnorr(proof, is_sig, X, msg, msg_len, ctx));
    free(proof);
}

static void fuzz_dleq(reader *rd, int flags, const veche_ctx *ctx)
{
    veche_point X = fx.dX, H = fx.dH, Y = fx.dY;
    uint8_t enc[3][32], *proof;
    veche_err e;

    if (flags & F_STATEMENT) {
        take(rd, enc[0], 32);
        take(rd, enc[1], 32);
        take(rd, enc[2], 32);
        /* dleq_verify takes decoded points; X may be the identity (it must refuse). */
        if (veche_point_decode(&X, enc[0], VECHE_ALLOW_IDENTITY) != VECHE_OK ||
            veche_point_decode(&H, enc[1], VECHE_ALLOW_IDENTITY) != VECHE_OK ||
            veche_point_decode(&Y, enc[2], VECHE_ALLOW_IDENTITY) != VECHE_OK)
            return;
    }
    proof = take_proof(rd, VECHE_DLEQ_BYTES);
    e = veche_dleq_verify(proof, &X, &H, &Y, ctx);
    CHECK(allowed(e));
    if (veche_point_is_identity(&X))
        CHECK(e == VECHE_EIDENTITY);
    last_err = e;
    CHECK((e == VECHE_OK) == ref_dleq(proof, &X, &H, &Y, ctx));
    free(proof);
}

static void fuzz_range(reader *rd, int flags, const veche_ctx *ctx)
{
    const veche_pubkey *pk = &fx.pk;
    veche_pubkey own = {0};
    uint8_t ct[64], K[32], *proof;
    uint64_t lo, hi;
    size_t len;
    veche_err e;

    memcpy(ct, fx.ct, 64);
    if (flags & F_STATEMENT) {
        lo = take_le(rd, 8);
        hi = lo + take_le(rd, 1) % MAX_WIDTH;   /* may wrap: hi < lo */
        take(rd, K, 32);
        take(rd, ct, 64);
        if (veche_pubkey_decode(&own, K) != VECHE_OK) {
            veche_pubkey_free(&own);
            return;
        }
        pk = &own;
    } else {
        int which = (int)(take_le(rd, 1) % NRANGES);
        lo = range_lo[which];
        hi = range_hi[which];
    }
    if (flags & F_LENGTH)
        len = (size_t)(take_le(rd, 2) % ((MAX_WIDTH + 1) * VECHE_RANGE_BRANCH_BYTES + 1));
    else
        len = veche_range_proof_size(lo, hi);
    proof = take_proof(rd, len);

    e = veche_range_verify(proof, len, pk, ct, lo, hi, ctx);
    CHECK(allowed(e));
    if (len != veche_range_proof_size(lo, hi) || len == 0)
        CHECK(e == VECHE_EINVALID);
    last_err = e;
    CHECK((e == VECHE_OK) == ref_range(proof, len, pk, ct, lo, hi, ctx));
    free(proof);
    veche_pubkey_free(&own);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader rd = {data, size};
    veche_ctx ctx = fx.ctx;
    int kind, flags;

    if (size < 2)
        return 0;
    kind = data[0] % 4;
    flags = data[1];
    rd.p += 2;
    rd.left -= 2;
    if (flags & F_CTX)
        take_ctx(&rd, &ctx);
    switch (kind) {
    case KIND_POK:   fuzz_schnorr(&rd, flags, &ctx, 0); break;
    case KIND_SIG:   fuzz_schnorr(&rd, flags, &ctx, 1); break;
    case KIND_DLEQ:  fuzz_dleq(&rd, flags, &ctx); break;
    default:         fuzz_range(&rd, flags, &ctx); break;
    }
    return 0;
}

/* ---- seeds ------------------------------------------------------------------- */

typedef struct writer {
    uint8_t b[2048];
    size_t n;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    CHECK(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_le(writer *w, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        put(w, &b, 1);
    }
}

static void put_ctx(writer *w)
{
    put(w, fx.ctx.fingerprint, 32);
    put(w, fx.ctx.party, 32);
    put_le(w, fx.ctx.index[0], 4);
    put_le(w, fx.ctx.index[1], 4);
}

static void save(const char *dir, const char *name, const writer *w)
{
    char path[4096];
    FILE *f;

    /* A seed must be what it claims: a valid proof that passes the checks. */
    last_err = VECHE_EINTERNAL;
    LLVMFuzzerTestOneInput(w->b, w->n);
    CHECK(last_err == VECHE_OK);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(w->b, 1, w->n, f) != w->n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_proofs: cannot write %s\n", path);
        exit(1);
    }
}

static void write_seeds(const char *dir)
{
    uint8_t enc[32];
    writer w;

    /* Fixed statements: just the proofs. */
    w.n = 0; put_le(&w, KIND_POK, 1); put_le(&w, 0, 1); put(&w, fx.pok, 64);
    save(dir, "pok", &w);
    w.n = 0; put_le(&w, KIND_SIG, 1); put_le(&w, 0, 1); put(&w, fx.sig, 64);
    save(dir, "sig", &w);
    w.n = 0; put_le(&w, KIND_DLEQ, 1); put_le(&w, 0, 1); put(&w, fx.dleq, 96);
    save(dir, "dleq", &w);
    for (int i = 0; i < NRANGES; i++) {
        char name[32];
        w.n = 0; put_le(&w, KIND_RANGE, 1); put_le(&w, 0, 1); put_le(&w, (uint64_t)i, 1);
        put(&w, fx.range[i], veche_range_proof_size(range_lo[i], range_hi[i]));
        snprintf(name, sizeof name, "range-%llu-%llu", (unsigned long long)range_lo[i],
                 (unsigned long long)range_hi[i]);
        save(dir, name, &w);
    }

    /* The same statements and context spelled out in the input. */
    w.n = 0; put_le(&w, KIND_POK, 1); put_le(&w, F_STATEMENT | F_CTX, 1); put_ctx(&w);
    put(&w, fx.X, 32); put(&w, fx.pok, 64);
    save(dir, "pok-statement", &w);
    w.n = 0; put_le(&w, KIND_SIG, 1); put_le(&w, F_STATEMENT | F_CTX, 1); put_ctx(&w);
    put(&w, fx.X, 32); put_le(&w, sizeof fx.msg, 1); put(&w, fx.msg, sizeof fx.msg);
    put(&w, fx.sig, 64);
    save(dir, "sig-statement", &w);
    w.n = 0; put_le(&w, KIND_DLEQ, 1); put_le(&w, F_STATEMENT | F_CTX, 1); put_ctx(&w);
    veche_point_encode(enc, &fx.dX); put(&w, enc, 32);
    veche_point_encode(enc, &fx.dH); put(&w, enc, 32);
    veche_point_encode(enc, &fx.dY); put(&w, enc, 32);
    put(&w, fx.dleq, 96);
    save(dir, "dleq-statement", &w);
    w.n = 0; put_le(&w, KIND_RANGE, 1); put_le(&w, F_STATEMENT | F_CTX | F_LENGTH, 1);
    put_ctx(&w);
    put_le(&w, range_lo[1], 8); put_le(&w, range_hi[1] - range_lo[1], 1);
    put(&w, fx.pk.enc, 32); put(&w, fx.ct, 64);
    put_le(&w, veche_range_proof_size(range_lo[1], range_hi[1]), 2);
    put(&w, fx.range[1], veche_range_proof_size(range_lo[1], range_hi[1]));
    save(dir, "range-statement", &w);
    exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");

    (void)argc;
    (void)argv;
    if (veche_crypto_init() != VECHE_OK)
        abort();
    make_fixture();
    /* The fixture's proofs verify: otherwise every check below is vacuous. */
    CHECK(veche_pok_verify(fx.pok, fx.X, &fx.ctx) == VECHE_OK);
    CHECK(veche_sign_verify(fx.sig, fx.X, fx.msg, sizeof fx.msg, &fx.ctx) == VECHE_OK);
    CHECK(veche_dleq_verify(fx.dleq, &fx.dX, &fx.dH, &fx.dY, &fx.ctx) == VECHE_OK);
    for (int i = 0; i < NRANGES; i++)
        CHECK(veche_range_verify(fx.range[i], veche_range_proof_size(range_lo[i], range_hi[i]),
                                 &fx.pk, fx.ct, range_lo[i], range_hi[i], &fx.ctx) == VECHE_OK);
    if (dir != NULL)
        write_seeds(dir);
    return 0;
}
