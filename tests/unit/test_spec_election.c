/*
 * test_spec_election.c — the worked example of docs/SPEC.md chapters 3 and 4
 * (elections and their verification), computed twice and checked against
 * the document.
 *
 * The example is a whole election, small enough to print: one trustee
 * (1 of 1), a referendum whose "no" is implicit, two voters of weights 3
 * and 2, one ballot each, the tally, the trustee's decryption and the
 * result. Every random value comes from the deterministic generator of
 * SPEC §1.4 with seed SHA-256("veche-v1/example/" || name); every Ed25519
 * key from a fixed seed.
 *
 * (a) With libveche, on a real board: the manifest, the trustee's ceremony
 *     entries from its seeded state, election.key, the credentials from
 *     seeded codes, election.open, two ballots from seeded generators,
 *     close, tally, decryption, result; then the export and `veche verify`
 *     (all 13 checks PASS, in order, by name).
 * (b) Independently, with libsodium alone (ristretto255, SHA-512, SHA-256,
 *     Ed25519, base64) and code written from the SPEC's text: the codes and
 *     their checksum, the credential keys, the canonical entry bytes, the
 *     four hashes, the joint key of a 1-of-1 ceremony, every ballot —
 *     encryption, range proofs, signature, in the documented draw order —
 *     byte for byte, for the example and for every contest kind; a verifier
 *     of ballots (signature and proofs), the Benaloh check, the weighted
 *     tally, the decryption share and its proof, the result and its
 *     implicit count. No code is shared with libveche.
 * (c) (a) and (b) agree byte for byte.
 * (d) Every value the SPEC quotes appears in docs/SPEC.md chapter 3
 *     verbatim (run from the repository root), and chapter 4's table names
 *     the 13 checks in the order and under the names `veche verify` uses.
 *
 * With VECHE_SPEC_PRINT=1 the program prints the example's values (the
 * source of the text in the SPEC) before running the tests.
 */
#include "testutil.h"

#include <sodium.h>
#include <unistd.h>
#include "board/board.h"
#include "board/export.h"
#include "board/merkle.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "election/ballot.h"
#include "election/ceremony.h"
#include "election/credentials.h"
#include "election/election.h"
#include "election/tally.h"
#include "election/verify.h"

#define EX_ID       "strike-2026"
#define EX_TITLE    "Strike ballot 2026"
#define EX_ORG      "Branch 7"
#define EX_OPENS    1767225600
#define EX_CLOSES   1767830400
#define EX_TRUSTEE  "Trustee One"
#define EX_CONTEST  "strike"
#define EX_QUESTION "Shall the branch strike?"
#define EX_W1       3u        /* voter 1 (the first code): weight 3, votes yes */
#define EX_W2       2u        /* voter 2: weight 2, votes no */
#define NONE32      0xFFFFFFFFu

/* ======================================================================
 * Small helpers (shared by both halves: bytes and strings only)
 * ====================================================================== */

typedef struct sbuf {
    char  *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *s, const void *data, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = 2 * (s->len + n + 1);
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
    if (n > 0)
        memcpy(s->p + s->len, data, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static void sb_str(sbuf *s, const char *str)
{
    sb_put(s, str, strlen(str));
}

static void sb_fmt(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sbuf *s, const char *fmt, ...)
{
    va_list ap;
    char *buf;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(s, buf, (size_t)n);
    free(buf);
}

static void sb_b64(sbuf *s, const uint8_t *in, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *tmp = malloc(cap);
    assert_non_null(tmp);
    sodium_bin2base64(tmp, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
    sb_str(s, tmp);
    free(tmp);
}

static char *b64_of(const uint8_t *in, size_t n)
{
    sbuf s = {0};
    sb_b64(&s, in, n);
    return s.p;
}

/* Exactly n bytes of canonical base64, or -1 (SPEC §2.1: decode, re-encode, compare). */
static int unb64(uint8_t *out, size_t n, const char *in, size_t inlen)
{
    size_t got = 0;
    const char *end = NULL;
    char *again;
    int ok;
    if (sodium_base642bin(out, n, in, inlen, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != n || end != in + inlen)
        return -1;
    again = b64_of(out, n);
    ok = strlen(again) == inlen && memcmp(again, in, inlen) == 0;
    free(again);
    return ok ? 0 : -1;
}

/* The value of "name":"<base64>" after `from` in a JSON text, decoded (n bytes). */
static const char *json_b64_after(const char *from, const char *name, uint8_t *out, size_t n)
{
    char key[64];
    const char *p, *q;
    snprintf(key, sizeof key, "\"%s\":\"", name);
    p = strstr(from, key);
    assert_non_null(p);
    p += strlen(key);
    q = strchr(p, '"');
    assert_non_null(q);
    assert_int_equal(unb64(out, n, p, (size_t)(q - p)), 0);
    return q;
}

static void seed_of(uint8_t seed[32], const char *name)
{
    sbuf s = {0};
    sb_str(&s, "veche-v1/example/");
    sb_str(&s, name);
    crypto_hash_sha256(seed, (const uint8_t *)s.p, s.len);
    free(s.p);
}

typedef struct ed_key {
    uint8_t seed[32], pk[32], sk[64];
} ed_key;

static void ed_key_from(ed_key *k, uint8_t first)
{
    for (int i = 0; i < 32; i++)
        k->seed[i] = (uint8_t)(first + i);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, k->seed), 0);
}

/* ======================================================================
 * (b) The independent implementation: libsodium and the SPEC's text only
 * ====================================================================== */

static void le32(uint8_t out[4], uint32_t v)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* ---- SPEC §1.4: the deterministic generator --------------------------- */

typedef struct ind_rng {
    uint8_t  seed[32];
    uint64_t ctr;
} ind_rng;

static void ind_request(ind_rng *r, uint8_t *out, size_t n)
{
    size_t done = 0;
    while (done < n) {
        uint8_t in[12 + 32 + 8], blk[64];
        size_t k = n - done < 64 ? n - done : 64;
        memcpy(in, "veche-v1/rng", 12);
        memcpy(in + 12, r->seed, 32);
        le64(in + 44, r->ctr++);
        crypto_hash_sha512(blk, in, sizeof in);
        memcpy(out + done, blk, k);
        done += k;
    }
}

/* ---- scalars and points (SPEC §1.1–§1.3) ------------------------------- */

static void sc_random(uint8_t s[32], ind_rng *r)
{
    uint8_t w[64];
    ind_request(r, w, 64);
    crypto_core_ristretto255_scalar_reduce(s, w);
}

static void sc_random_nonzero(uint8_t s[32], ind_rng *r)
{
    do
        sc_random(s, r);
    while (sodium_is_zero(s, 32));
}

static void sc_u64(uint8_t s[32], uint64_t v)
{
    memset(s, 0, 32);
    le64(s, v);
}

static void sc_hash(uint8_t s[32], const uint8_t *in, size_t n)
{
    uint8_t h[64];
    crypto_hash_sha512(h, in, n);
    crypto_core_ristretto255_scalar_reduce(s, h);
}

/* LE(b) < L, compared from byte 31 down (SPEC §1.2). */
static int sc_canonical(const uint8_t b[32])
{
    static const uint8_t L[32] = {
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
    for (int i = 31; i >= 0; i--)
        if (b[i] != L[i])
            return b[i] < L[i];
    return 0;
}

/* A canonical point encoding (the identity allowed): bit 255 clear, then libsodium. */
static int pt_ok(const uint8_t p[32])
{
    return (p[31] & 0x80) == 0 && crypto_core_ristretto255_is_valid_point(p) == 1;
}

/* s·G; the identity (32 zero bytes) when libsodium reports it (SPEC §1.2). */
static void pt_base(uint8_t out[32], const uint8_t s[32])
{
    if (crypto_scalarmult_ristretto255_base(out, s) != 0)
        memset(out, 0, 32);
}

static void pt_mul(uint8_t out[32], const uint8_t s[32], const uint8_t P[32])
{
    if (sodium_is_zero(P, 32) || crypto_scalarmult_ristretto255(out, s, P) != 0)
        memset(out, 0, 32);
}

static void pt_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    assert_int_equal(crypto_core_ristretto255_add(out, a, b), 0);
}

static void pt_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    assert_int_equal(crypto_core_ristretto255_sub(out, a, b), 0);
}

static void pt_base_u64(uint8_t out[32], uint64_t v)
{
    uint8_t s[32];
    sc_u64(s, v);
    pt_base(out, s);
}

/* ---- SPEC §1.5: transcripts ---------------------------------------------- */

static void tr_field(sbuf *t, const char *label, const uint8_t *v, size_t n)
{
    uint8_t l4[4], l8[8];
    le32(l4, (uint32_t)strlen(label));
    le64(l8, n);
    sb_put(t, l4, 4);
    sb_str(t, label);
    sb_put(t, l8, 8);
    sb_put(t, v, n);
}

static void tr_open(sbuf *t, const char *domain, const uint8_t fp[32], const uint8_t party[32],
                    uint32_t i0, uint32_t i1)
{
    uint8_t idx[8];
    le32(idx, i0);
    le32(idx + 4, i1);
    tr_field(t, "protocol", (const uint8_t *)"veche-v1", 8);
    tr_field(t, "domain", (const uint8_t *)domain, strlen(domain));
    tr_field(t, "fingerprint", fp, 32);
    tr_field(t, "party", party, 32);
    tr_field(t, "index", idx, 8);
}

static void tr_u64(sbuf *t, const char *label, uint64_t v)
{
    uint8_t b[8];
    le64(b, v);
    tr_field(t, label, b, 8);
}

static void tr_challenge(uint8_t c[32], const sbuf *t)
{
    sc_hash(c, (const uint8_t *)t->p, t->len);
}

/* ---- SPEC §1.7: encryption ------------------------------------------------ */

static void ind_encrypt(uint8_t ct[64], const uint8_t K[32], uint64_t m, const uint8_t r[32])
{
    uint8_t mG[32], rK[32];
    pt_base(ct, r);
    pt_base_u64(mG, m);
    pt_mul(rK, r, K);
    pt_add(ct + 32, mG, rK);
}

static void ct_add(uint8_t out[64], const uint8_t x[64], const uint8_t y[64])
{
    pt_add(out, x, y);
    pt_add(out + 32, x + 32, y + 32);
}

static void ct_scale(uint8_t out[64], uint64_t w, const uint8_t x[64])
{
    uint8_t s[32];
    sc_u64(s, w);
    pt_mul(out, s, x);
    pt_mul(out + 32, s, x + 32);
}

/* ---- SPEC §1.11: range proofs, prover and verifier ------------------------ */

#define MAXB 8   /* branches: enough for the contests of these tests */

static void ind_range_prove(uint8_t *proof, const uint8_t K[32], const uint8_t ct[64],
                            uint64_t m, const uint8_t r[32], uint64_t lo, uint64_t hi,
                            const uint8_t fp[32], const uint8_t party[32], uint32_t i0,
                            uint32_t i1, ind_rng *rng)
{
    size_t n = (size_t)(hi - lo + 1), real = (size_t)(m - lo);
    uint8_t u[MAXB][32], e[MAXB][32], A[MAXB][32], B[MAXB][32], c[32], sum[32], tmp[32];
    sbuf t = {0};

    assert_true(lo <= m && m <= hi && n <= MAXB);
    for (size_t j = 0; j < n; j++) {
        sc_random(u[j], rng);
        sc_random(e[j], rng);
    }
    memset(e[real], 0, 32);                       /* the draw is made, then replaced */
    for (size_t j = 0; j < n; j++) {
        uint8_t w[32], re[32], mj[32], d[32], wK[32], dG[32], ms[32], js[32];
        crypto_core_ristretto255_scalar_mul(re, r, e[j]);
        crypto_core_ristretto255_scalar_sub(w, u[j], re);
        pt_base(A[j], w);
        sc_u64(ms, m);
        sc_u64(js, lo + j);
        crypto_core_ristretto255_scalar_sub(mj, ms, js);   /* (m - j) mod L */
        crypto_core_ristretto255_scalar_mul(d, mj, e[j]);
        pt_mul(wK, w, K);
        pt_base(dG, d);
        pt_sub(B[j], wK, dG);
    }
    tr_open(&t, "range", fp, party, i0, i1);
    tr_field(&t, "K", K, 32);
    tr_field(&t, "ciphertext", ct, 64);
    tr_u64(&t, "lo", lo);
    tr_u64(&t, "hi", hi);
    for (size_t j = 0; j < n; j++) {
        tr_field(&t, "A", A[j], 32);
        tr_field(&t, "B", B[j], 32);
    }
    tr_challenge(c, &t);
    free(t.p);
    memset(sum, 0, 32);
    for (size_t j = 0; j < n; j++)
        if (j != real)
            crypto_core_ristretto255_scalar_add(sum, sum, e[j]);
    for (size_t j = 0; j < n; j++) {
        uint8_t *br = proof + 128 * j;
        memcpy(br, A[j], 32);
        memcpy(br + 32, B[j], 32);
        if (j == real) {
            crypto_core_ristretto255_scalar_sub(br + 64, c, sum);
            crypto_core_ristretto255_scalar_mul(tmp, br + 64, r);
            crypto_core_ristretto255_scalar_add(br + 96, u[j], tmp);
        } else {
            memcpy(br + 64, e[j], 32);
            memcpy(br + 96, u[j], 32);
        }
    }
}

static int ind_range_verify(const uint8_t *proof, size_t plen, const uint8_t K[32],
                            const uint8_t ct[64], uint64_t lo, uint64_t hi, const uint8_t fp[32],
                            const uint8_t party[32], uint32_t i0, uint32_t i1)
{
    size_t n;
    uint8_t c[32], sum[32];
    sbuf t = {0};
    int ok = 1;

    if (lo > hi || hi - lo >= 1024)
        return 0;
    n = (size_t)(hi - lo + 1);
    if (plen != 128 * n || !pt_ok(K) || sodium_is_zero(K, 32) || !pt_ok(ct) || !pt_ok(ct + 32))
        return 0;
    tr_open(&t, "range", fp, party, i0, i1);
    tr_field(&t, "K", K, 32);
    tr_field(&t, "ciphertext", ct, 64);
    tr_u64(&t, "lo", lo);
    tr_u64(&t, "hi", hi);
    for (size_t j = 0; j < n; j++) {
        const uint8_t *br = proof + 128 * j;
        if (!pt_ok(br) || !pt_ok(br + 32) || !sc_canonical(br + 64) || !sc_canonical(br + 96))
            ok = 0;
        tr_field(&t, "A", br, 32);
        tr_field(&t, "B", br + 32, 32);
    }
    tr_challenge(c, &t);
    free(t.p);
    if (!ok)
        return 0;
    memset(sum, 0, 32);
    for (size_t j = 0; j < n; j++)
        crypto_core_ristretto255_scalar_add(sum, sum, proof + 128 * j + 64);
    if (memcmp(sum, c, 32) != 0)
        return 0;
    for (size_t j = 0; j < n; j++) {
        const uint8_t *br = proof + 128 * j;
        uint8_t l1[32], r1[32], ca[32], l2[32], r2[32], jG[32], bj[32], cb[32];
        pt_base(l1, br + 96);
        pt_mul(ca, br + 64, ct);
        pt_add(r1, br, ca);
        pt_mul(l2, br + 96, K);
        pt_base_u64(jG, lo + j);
        pt_sub(bj, ct + 32, jG);
        pt_mul(cb, br + 64, bj);
        pt_add(r2, br + 32, cb);
        if (memcmp(l1, r1, 32) != 0 || memcmp(l2, r2, 32) != 0)
            return 0;
    }
    return 1;
}

/* ---- SPEC §1.9: the Schnorr signature, hedged nonce -------------------------------- */

static void ind_sign(uint8_t sig[64], const uint8_t x[32], const uint8_t X[32],
                     const uint8_t *msg, size_t mlen, const uint8_t fp[32], ind_rng *rng)
{
    uint8_t rnd[32], D[64], k[32], c[32], cx[32];
    sbuf t = {0}, h = {0};

    ind_request(rng, rnd, 32);
    tr_open(&t, "schnorr-sig", fp, X, NONE32, NONE32);
    tr_field(&t, "X", X, 32);
    tr_field(&t, "message", msg, mlen);
    crypto_hash_sha512(D, (const uint8_t *)t.p, t.len);
    sb_str(&h, "veche-v1/nonce");
    sb_put(&h, x, 32);
    sb_put(&h, rnd, 32);
    sb_put(&h, D, 64);
    assert_int_equal(h.len, 142);
    sc_hash(k, (const uint8_t *)h.p, h.len);
    pt_base(sig, k);
    tr_field(&t, "R", sig, 32);
    tr_challenge(c, &t);
    crypto_core_ristretto255_scalar_mul(cx, c, x);
    crypto_core_ristretto255_scalar_add(sig + 32, k, cx);
    free(t.p);
    free(h.p);
}

static int ind_sign_verify(const uint8_t sig[64], const uint8_t X[32], const uint8_t *msg,
                           size_t mlen, const uint8_t fp[32])
{
    uint8_t c[32], l[32], cX[32], r[32];
    sbuf t = {0};
    if (!pt_ok(X) || sodium_is_zero(X, 32) || !pt_ok(sig) || !sc_canonical(sig + 32))
        return 0;
    tr_open(&t, "schnorr-sig", fp, X, NONE32, NONE32);
    tr_field(&t, "X", X, 32);
    tr_field(&t, "message", msg, mlen);
    tr_field(&t, "R", sig, 32);
    tr_challenge(c, &t);
    free(t.p);
    pt_base(l, sig + 32);
    pt_mul(cX, c, X);
    pt_add(r, sig, cX);
    return memcmp(l, r, 32) == 0;
}

/* ---- SPEC §1.10: Chaum–Pedersen, verifier ------------------------------------------ */

static int ind_dleq_verify(const uint8_t proof[96], const uint8_t X[32], const uint8_t H[32],
                           const uint8_t Y[32], const uint8_t fp[32], const uint8_t party[32],
                           uint32_t i0, uint32_t i1)
{
    uint8_t c[32], l[32], r[32], t1[32];
    sbuf t = {0};
    if (!pt_ok(proof) || !pt_ok(proof + 32) || !sc_canonical(proof + 64))
        return 0;
    tr_open(&t, "dleq", fp, party, i0, i1);
    tr_field(&t, "X", X, 32);
    tr_field(&t, "H", H, 32);
    tr_field(&t, "Y", Y, 32);
    tr_field(&t, "A", proof, 32);
    tr_field(&t, "B", proof + 32, 32);
    tr_challenge(c, &t);
    free(t.p);
    pt_base(l, proof + 64);
    pt_mul(t1, c, X);
    pt_add(r, proof, t1);
    if (memcmp(l, r, 32) != 0)
        return 0;
    pt_mul(l, proof + 64, H);
    pt_mul(t1, c, Y);
    pt_add(r, proof + 32, t1);
    return memcmp(l, r, 32) == 0;
}

/* ---- SPEC §3.4: credential codes and keys ----------------------------------------- */

static const char ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/* The weighted checksum of the 21 symbol values, mod 31. */
static unsigned code_check(const uint8_t v[21])
{
    unsigned s = 0;
    for (unsigned i = 0; i < 21; i++)
        s += (i + 1) * v[i];
    return s % 31;
}

/* A code from the generator: printed form (27 characters) and its 21 symbols. */
static void ind_code(char printed[28], char symbols[22], ind_rng *rng)
{
    uint8_t v[21], buf[64];
    size_t n = 0, o = 0;

    while (n < 20) {
        ind_request(rng, buf, 64);
        for (size_t i = 0; i < 64 && n < 20; i++)
            if (buf[i] < 248)
                v[n++] = (uint8_t)(buf[i] % 31);
    }
    for (v[20] = 0; v[20] < 31; v[20]++)          /* the one check value that works */
        if (code_check(v) == 0)
            break;
    assert_true(v[20] < 31);
    for (size_t i = 0; i < 21; i++) {
        if (i > 0 && i % 3 == 0)
            printed[o++] = '-';
        printed[o++] = ALPHABET[v[i]];
        symbols[i] = ALPHABET[v[i]];
    }
    printed[o] = 0;
    symbols[21] = 0;
}

/* Reads a typed code (drop '-' and spaces, upper-case); 0 iff 21 symbols with a valid check. */
static int ind_code_read(char symbols[22], const char *typed)
{
    uint8_t v[21];
    size_t n = 0;
    for (const char *p = typed; *p; p++) {
        char ch = *p;
        const char *at;
        if (ch == '-' || ch == ' ')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if ((at = strchr(ALPHABET, ch)) == NULL || n == 21)
            return -1;
        v[n++] = (uint8_t)(at - ALPHABET);
    }
    if (n != 21 || code_check(v) != 0)
        return -1;
    for (size_t i = 0; i < 21; i++)
        symbols[i] = ALPHABET[v[i]];
    symbols[21] = 0;
    return 0;
}

static void ind_credential(uint8_t x[32], uint8_t X[32], const char *id, const char *symbols)
{
    sbuf s = {0};
    sb_str(&s, "veche-v1/credential");
    sb_str(&s, id);
    sb_put(&s, symbols, 21);
    sc_hash(x, (const uint8_t *)s.p, s.len);
    free(s.p);
    assert_false(sodium_is_zero(x, 32));
    pt_base(X, x);
}

/* ---- SPEC §2.3 entries and §3.3 hashes -------------------------------------------- */

/* A signed entry whose body is the canonical JSON body_json (members sorted by the caller). */
static char *ind_entry(const char *type, const char *body_json, const ed_key *author)
{
    sbuf unsigned_json = {0}, msg = {0}, entry = {0};
    uint8_t sig[64];

    sb_str(&unsigned_json, "{\"author\":\"");
    sb_b64(&unsigned_json, author->pk, 32);
    sb_fmt(&unsigned_json, "\",\"body\":%s,\"type\":\"%s\",\"v\":1}", body_json, type);
    sb_str(&msg, "veche-v1/entry\n");
    sb_str(&msg, unsigned_json.p);
    crypto_sign_detached(sig, NULL, (const uint8_t *)msg.p, msg.len, author->sk);
    sb_str(&entry, "{\"author\":\"");
    sb_b64(&entry, author->pk, 32);
    sb_fmt(&entry, "\",\"body\":%s,\"sig\":\"", body_json);
    sb_b64(&entry, sig, 64);
    sb_fmt(&entry, "\",\"type\":\"%s\",\"v\":1}", type);
    free(unsigned_json.p);
    free(msg.p);
    return entry.p;
}

static void sha256_tagged(uint8_t out[32], const char *tag, const uint8_t *a, size_t an,
                          const uint8_t *b, size_t bn, const uint8_t *c, size_t cn)
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)tag, strlen(tag));
    crypto_hash_sha256_update(&h, a, an);
    if (b != NULL)
        crypto_hash_sha256_update(&h, b, bn);
    if (c != NULL)
        crypto_hash_sha256_update(&h, c, cn);
    crypto_hash_sha256_final(&h, out);
}

/* ---- SPEC §3.6: contests and ballots ------------------------------------------------ */

/* A contest as the manifest gives it, and what §3.6 derives from it. */
typedef struct ind_contest {
    const char *id;
    const char *options[6];
    size_t      noptions;
    int         blank;
    unsigned    min, max;
    /* derived */
    size_t      nsel, nexplicit;
    uint64_t    lo, hi;
    int         sum_proof;
} ind_contest;

static void ind_derive(ind_contest *c)
{
    c->nsel = c->noptions + (c->blank ? 1 : 0);
    if (c->min == c->max) {
        c->nexplicit = c->nsel - 1;
        c->lo = c->max - 1;
        c->hi = c->max < c->nexplicit ? c->max : c->nexplicit;
    } else {
        c->nexplicit = c->nsel;
        c->lo = c->min;
        c->hi = c->max;
    }
    c->sum_proof = !(c->nexplicit == 1 && c->lo == 0 && c->hi == 1);
}

typedef struct ind_ballot {
    char   *entry;                  /* the entry's bytes */
    char   *message;                /* the signed message: the body without "signature" */
    uint8_t nonce[32][32];          /* r per explicit selection, all contests in order */
    uint8_t mark[32];
    size_t  nct;
} ind_ballot;

/*
 * Builds a ballot by SPEC §3.6 from marks[c][s] (every selection, implicit
 * included), drawing from rng in the documented order.
 */
static void ind_ballot_build(ind_ballot *out, const char *id, const ind_contest *cs, size_t nc,
                             const uint8_t marks[][8], const uint8_t K[32], const uint8_t fp[32],
                             const uint8_t x[32], const uint8_t X[32], ind_rng *rng)
{
    sbuf body = {0}, entry = {0};
    uint8_t sig[64];

    memset(out, 0, sizeof *out);
    sb_str(&body, "{\"contests\":[");
    for (size_t c = 0; c < nc; c++) {
        const ind_contest *ct = &cs[c];
        uint8_t cts[8][64], proofs[8][256], sum[64], rsum[32], sproof[128 * MAXB];
        uint64_t msum = 0;
        memset(sum, 0, 64);
        memset(rsum, 0, 32);
        for (size_t s = 0; s < ct->nexplicit; s++) {
            uint8_t *r = out->nonce[out->nct];
            sc_random(r, rng);
            ind_encrypt(cts[s], K, marks[c][s], r);
            ind_range_prove(proofs[s], K, cts[s], marks[c][s], r, 0, 1, fp, X, (uint32_t)c,
                            (uint32_t)s, rng);
            ct_add(sum, sum, cts[s]);
            crypto_core_ristretto255_scalar_add(rsum, rsum, r);
            msum += marks[c][s];
            out->mark[out->nct++] = marks[c][s];
        }
        sb_str(&body, c ? ",{\"ciphertexts\":[" : "{\"ciphertexts\":[");
        for (size_t s = 0; s < ct->nexplicit; s++) {
            sb_str(&body, s ? ",\"" : "\"");
            sb_b64(&body, cts[s], 64);
            sb_str(&body, "\"");
        }
        sb_str(&body, "],\"proofs\":[");
        for (size_t s = 0; s < ct->nexplicit; s++) {
            sb_str(&body, s ? ",\"" : "\"");
            sb_b64(&body, proofs[s], 256);
            sb_str(&body, "\"");
        }
        sb_str(&body, "]");
        if (ct->sum_proof) {
            ind_range_prove(sproof, K, sum, msum, rsum, ct->lo, ct->hi, fp, X, (uint32_t)c,
                            NONE32, rng);
            sb_str(&body, ",\"sum_proof\":\"");
            sb_b64(&body, sproof, (size_t)(128 * (ct->hi - ct->lo + 1)));
            sb_str(&body, "\"");
        }
        sb_str(&body, "}");
    }
    sb_str(&body, "],\"credential\":\"");
    sb_b64(&body, X, 32);
    sb_fmt(&body, "\",\"election\":\"%s\"}", id);
    out->message = strdup(body.p);
    ind_sign(sig, x, X, (const uint8_t *)body.p, body.len, fp, rng);
    body.p[--body.len] = 0;                        /* drop the closing brace */
    sb_str(&body, ",\"signature\":\"");
    sb_b64(&body, sig, 64);
    sb_str(&body, "\"}");
    sb_fmt(&entry, "{\"body\":%s,\"type\":\"election.ballot\",\"v\":1}", body.p);
    out->entry = entry.p;
    free(body.p);
}

static void ind_ballot_free(ind_ballot *b)
{
    free(b->entry);
    free(b->message);
    memset(b, 0, sizeof *b);
}

/*
 * Verifies a ballot entry by SPEC §3.6/§3.7 for one referendum-like contest
 * list: the signature over the message cut out of the bytes, every [0,1]
 * proof, every sum proof. Returns 1 if valid; *ct0 gets the first ciphertext.
 */
static int ind_ballot_verify(const char *entry, const ind_contest *cs, size_t nc,
                             const uint8_t K[32], const uint8_t fp[32], uint8_t X[32])
{
    static const char head[] = "{\"body\":", tail[] = ",\"type\":\"election.ballot\",\"v\":1}";
    const char *p, *sigp;
    size_t len = strlen(entry);
    uint8_t sig[64], *msg;
    size_t mlen;
    int ok;

    if (len < sizeof head + sizeof tail || memcmp(entry, head, sizeof head - 1) != 0 ||
        strcmp(entry + len - (sizeof tail - 1), tail) != 0)
        return 0;
    /* the body's last member is "signature" (members sorted): cut it out */
    sigp = entry + len - (sizeof tail - 1) - 1 - 1 - 88 - strlen(",\"signature\":\"");
    if (memcmp(sigp, ",\"signature\":\"", 14) != 0 || unb64(sig, 64, sigp + 14, 88) != 0)
        return 0;
    mlen = (size_t)(sigp - (entry + sizeof head - 1)) + 1;
    msg = malloc(mlen);
    assert_non_null(msg);
    memcpy(msg, entry + sizeof head - 1, mlen - 1);
    msg[mlen - 1] = '}';
    json_b64_after(entry, "credential", X, 32);
    ok = ind_sign_verify(sig, X, msg, mlen, fp);
    free(msg);
    p = entry;
    for (size_t c = 0; ok && c < nc; c++) {
        uint8_t ct[64], pr[256], sum[64], sp[128 * MAXB];
        const char *q;
        memset(sum, 0, 64);
        p = strstr(p, "\"ciphertexts\":[");
        assert_non_null(p);
        q = p + strlen("\"ciphertexts\":[");
        for (size_t s = 0; s < cs[c].nexplicit; s++) {
            const char *r = strstr(q, "\"") + 1;
            assert_int_equal(unb64(ct, 64, r, 88), 0);
            q = r + 89;
            ct_add(sum, sum, ct);
            {
                const char *pp = strstr(p, "\"proofs\":[") + strlen("\"proofs\":[");
                for (size_t k = 0; k < s; k++)
                    pp += 347;                     /* "<344>", */
                assert_int_equal(unb64(pr, 256, pp + 1, 344), 0);
            }
            ok &= ind_range_verify(pr, 256, K, ct, 0, 1, fp, X, (uint32_t)c, (uint32_t)s);
        }
        if (ok && cs[c].sum_proof) {
            size_t n = (size_t)(cs[c].hi - cs[c].lo + 1);
            const char *sq = strstr(p, "\"sum_proof\":\"") + strlen("\"sum_proof\":\"");
            assert_int_equal(unb64(sp, 128 * n, sq, strchr(sq, '"') - sq), 0);
            ok &= ind_range_verify(sp, 128 * n, K, sum, cs[c].lo, cs[c].hi, fp, X, (uint32_t)c,
                                   NONE32);
        }
        p = q;
    }
    return ok;
}

/* SPEC §3.6: b64(SHA-256(0x00 || entry)). */
static char *ind_tracking(const char *entry)
{
    uint8_t h[32];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)"\0", 1);
    crypto_hash_sha256_update(&st, (const uint8_t *)entry, strlen(entry));
    crypto_hash_sha256_final(&st, h);
    return b64_of(h, 32);
}

/* SPEC §3.4: the length of a ballot entry, from the manifest alone. */
static size_t ind_ballot_size(const char *id, const ind_contest *cs, size_t nc)
{
    size_t len = 231 + strlen(id) + nc;
    for (size_t c = 0; c < nc; c++) {
        len += 28 + 438 * cs[c].nexplicit;
        if (cs[c].sum_proof)
            len += 15 + 4 * ((128 * (size_t)(cs[c].hi - cs[c].lo + 1) + 2) / 3);
    }
    return len;
}

/* ======================================================================
 * The example, computed independently (b)
 * ====================================================================== */

typedef struct example {
    ed_key   admin, authority, trustee, board;
    uint8_t  seed_codes[32], seed_trustee[32], seed_ballot[2][32];
    char     code[2][28], symbols[2][22];
    uint8_t  x[2][32], X[2][32];
    char    *manifest_body, *manifest_entry;
    uint8_t  manifest_hash[32], ceremony_id[32];
    uint8_t  e1[32], a10[32], K[32];
    char    *cred_body, *cred_entry;
    uint8_t  credentials_hash[32], fingerprint[32];
    ind_ballot ballot[2];
    char    *tracking[2];
    uint8_t  tally_ct[64], D1[32], M[32];
    uint64_t count_yes, count_no, W;
    char    *key_body, *open_body, *tally_body, *result_body;
} example;

static ind_contest referendum(void)
{
    ind_contest c = {EX_CONTEST, {"yes", "no"}, 2, 0, 1, 1, 0, 0, 0, 0, 0};
    ind_derive(&c);
    return c;
}

static void example_compute(example *x)
{
    ind_rng rng;
    ind_contest ref = referendum();
    sbuf s = {0};
    static const uint8_t marks[2][8] = {{1, 0}, {0, 1}};
    int first;

    memset(x, 0, sizeof *x);
    ed_key_from(&x->board, 0x00);
    ed_key_from(&x->admin, 0x60);
    ed_key_from(&x->authority, 0x80);
    ed_key_from(&x->trustee, 0xa0);
    seed_of(x->seed_codes, "codes");
    seed_of(x->seed_trustee, "trustee");
    seed_of(x->seed_ballot[0], "ballot-1");
    seed_of(x->seed_ballot[1], "ballot-2");

    /* §3.2 the manifest (members sorted by key), entry, hashes */
    sb_fmt(&s, "{\"closes\":%d,\"contests\":[{\"blank\":false,\"id\":\"%s\",\"max\":1,\"min\":1,"
           "\"options\":[\"yes\",\"no\"],\"question\":\"%s\"}],\"credential_authority\":\"",
           EX_CLOSES, EX_CONTEST, EX_QUESTION);
    sb_b64(&s, x->authority.pk, 32);
    sb_fmt(&s, "\",\"election\":\"%s\",\"opens\":%d,\"organisation\":\"%s\",\"threshold\":1,"
           "\"title\":\"%s\",\"trustees\":[{\"key\":\"", EX_ID, EX_OPENS, EX_ORG, EX_TITLE);
    sb_b64(&s, x->trustee.pk, 32);
    sb_fmt(&s, "\",\"name\":\"%s\"}]}", EX_TRUSTEE);
    x->manifest_body = s.p;
    x->manifest_entry = ind_entry("election.manifest", x->manifest_body, &x->admin);
    crypto_hash_sha256(x->manifest_hash, (const uint8_t *)x->manifest_entry,
                       strlen(x->manifest_entry));
    sha256_tagged(x->ceremony_id, "veche-v1/ceremony", x->manifest_hash, 32, NULL, 0, NULL, 0);

    /* §3.5 the 1-of-1 ceremony: draws e_1, 32 hedge bytes, a_10; K = C_10 = a_10·G */
    memcpy(rng.seed, x->seed_trustee, 32);
    rng.ctr = 0;
    {
        uint8_t hedge[32];
        sc_random_nonzero(x->e1, &rng);
        ind_request(&rng, hedge, 32);
        sc_random_nonzero(x->a10, &rng);
    }
    pt_base(x->K, x->a10);
    s = (sbuf){0};
    sb_fmt(&s, "{\"election\":\"%s\",\"key\":\"", EX_ID);
    sb_b64(&s, x->K, 32);
    sb_str(&s, "\",\"qualified\":[1]}");
    x->key_body = s.p;

    /* §3.4 two codes from one generator, their keys; the part sorted by key */
    memcpy(rng.seed, x->seed_codes, 32);
    rng.ctr = 0;
    for (int i = 0; i < 2; i++) {
        char again[22];
        ind_code(x->code[i], x->symbols[i], &rng);
        assert_int_equal(ind_code_read(again, x->code[i]), 0);
        assert_string_equal(again, x->symbols[i]);
        ind_credential(x->x[i], x->X[i], EX_ID, x->symbols[i]);
    }
    first = memcmp(x->X[0], x->X[1], 32) < 0 ? 0 : 1;
    s = (sbuf){0};
    sb_str(&s, "{\"credentials\":[{\"key\":\"");
    sb_b64(&s, x->X[first], 32);
    sb_fmt(&s, "\",\"weight\":%u},{\"key\":\"", first == 0 ? EX_W1 : EX_W2);
    sb_b64(&s, x->X[1 - first], 32);
    sb_fmt(&s, "\",\"weight\":%u}],\"election\":\"%s\",\"part\":0,\"parts\":1}",
           first == 0 ? EX_W2 : EX_W1, EX_ID);
    x->cred_body = s.p;
    x->cred_entry = ind_entry("election.credentials", x->cred_body, &x->authority);
    crypto_hash_sha256(x->credentials_hash, (const uint8_t *)x->cred_entry,
                       strlen(x->cred_entry));

    /* §3.3 the fingerprint and election.open */
    sha256_tagged(x->fingerprint, "veche-v1/election", x->manifest_hash, 32, x->K, 32,
                  x->credentials_hash, 32);
    s = (sbuf){0};
    sb_fmt(&s, "{\"election\":\"%s\",\"fingerprint\":\"", EX_ID);
    sb_b64(&s, x->fingerprint, 32);
    sb_str(&s, "\"}");
    x->open_body = s.p;

    /* §3.6 the two ballots */
    for (int i = 0; i < 2; i++) {
        memcpy(rng.seed, x->seed_ballot[i], 32);
        rng.ctr = 0;
        ind_ballot_build(&x->ballot[i], EX_ID, &ref, 1, &marks[i], x->K, x->fingerprint,
                         x->x[i], x->X[i], &rng);
        x->tracking[i] = ind_tracking(x->ballot[i].entry);
    }

    /* §3.8 the tally: 3·ct_1 + 2·ct_2 */
    {
        uint8_t ct[2][64], t1[64], t2[64];
        /* read the ciphertexts out of the bytes */
        for (int i = 0; i < 2; i++) {
            const char *p = strstr(x->ballot[i].entry, "\"ciphertexts\":[\"") + 16;
            assert_int_equal(unb64(ct[i], 64, p, 88), 0);
        }
        ct_scale(t1, EX_W1, ct[0]);
        ct_scale(t2, EX_W2, ct[1]);
        ct_add(x->tally_ct, t1, t2);
    }
    x->W = EX_W1 + EX_W2;
    s = (sbuf){0};
    sb_fmt(&s, "{\"ballots\":2,\"election\":\"%s\",\"tally\":[[\"", EX_ID);
    sb_b64(&s, x->tally_ct, 64);
    sb_fmt(&s, "\"]],\"weight\":%llu}", (unsigned long long)x->W);
    x->tally_body = s.p;

    /* §3.9 decryption: x_1 = s_11 = f_1(1) = a_10; D_1 = x_1·a; M = b - λ_1·D_1, λ_1 = 1 */
    pt_mul(x->D1, x->a10, x->tally_ct);
    pt_sub(x->M, x->tally_ct + 32, x->D1);
    for (x->count_yes = 0; x->count_yes <= x->W; x->count_yes++) {
        uint8_t P[32];
        pt_base_u64(P, x->count_yes);
        if (memcmp(P, x->M, 32) == 0)
            break;
    }
    assert_true(x->count_yes <= x->W);
    x->count_no = 1 * x->W - x->count_yes;        /* implicit: k·W − Σ the explicit */
    s = (sbuf){0};
    sb_fmt(&s, "{\"counts\":[[%llu,%llu]],\"election\":\"%s\",\"trustees\":[1]}",
           (unsigned long long)x->count_yes, (unsigned long long)x->count_no, EX_ID);
    x->result_body = s.p;
}

static void example_free(example *x)
{
    free(x->manifest_body);
    free(x->manifest_entry);
    free(x->cred_body);
    free(x->cred_entry);
    for (int i = 0; i < 2; i++) {
        ind_ballot_free(&x->ballot[i]);
        free(x->tracking[i]);
    }
    free(x->key_body);
    free(x->open_body);
    free(x->tally_body);
    free(x->result_body);
}

/* ======================================================================
 * (a) The same election with libveche, on a real board
 * ====================================================================== */

typedef struct lib_run {
    char                dir[64], db[128], exp[128];
    veche_key           board, admin, authority, trustee;
    veche_board        *b;
    veche_trustee_state st;
    char               *entry[16];        /* every election entry, by board index */
    size_t              len[16];
    char                code[2][VECHE_CODE_CHARS + 1];
    uint8_t             x[2][32], X[2][32];
    uint8_t             manifest_hash[32], ceremony_id[32], credentials_hash[32];
    uint8_t             fingerprint[32], K[32], r1[32];
    char                tracking[2][VECHE_TRACKING_CODE_CHARS + 1];
    char               *audit_doc;
    size_t              audit_len;
    uint64_t            counts[2], W;
    int                 status[VECHE_VERIFY_CHECKS + 1];
    char                names[VECHE_VERIFY_CHECKS + 1][32];
} lib_run;

enum { I_MANIFEST = 1, I_TKEY, I_TCOMMIT, I_TCOMMITMENTS, I_TSHARES, I_KEY, I_CREDS, I_OPEN,
       I_BALLOT1, I_BALLOT2, I_CLOSE, I_TALLY, I_DECRYPTION, I_RESULT };

static void key_from(veche_key *k, const ed_key *e, const char *name)
{
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    memcpy(k->sk, e->sk, 64);
    memcpy(k->pk, e->pk, 32);
}

static uint64_t lib_append(lib_run *r, char *entry, size_t len)
{
    veche_diag d = {{0}};
    const uint8_t *one = (const uint8_t *)entry;
    uint64_t at = 0;
    if (veche_board_append(r->b, &one, &len, 1, &at, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    assert_true(at < 16);
    r->entry[at] = entry;
    r->len[at] = len;
    return at;
}

static uint64_t lib_append_body(lib_run *r, const char *type, json_t *body, const veche_key *k)
{
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    if (veche_entry_build(&entry, &len, type, body, k->sk, &d) != VECHE_OK)
        fail_msg("build %s: %s", type, d.msg);
    json_decref(body);
    return lib_append(r, entry, len);
}

static veche_election *lib_load(lib_run *r)
{
    veche_election *el;
    veche_diag d = {{0}};
    if (veche_election_load(&el, r->b, EX_ID, NULL, NULL, &d) != VECHE_OK)
        fail_msg("load: %s", d.msg);
    return el;
}

static veche_ceremony *lib_ceremony(lib_run *r, veche_election **el)
{
    veche_ceremony *c;
    veche_diag d = {{0}};
    *el = lib_load(r);
    if (veche_ceremony_evaluate_election(&c, *el, &d) != VECHE_OK)
        fail_msg("ceremony: %s", d.msg);
    return c;
}

static void on_check(void *arg, const char *election, int number, const char *name,
                     int status, const char *detail)
{
    lib_run *r = arg;
    (void)election;
    assert_true(number >= 1 && number <= VECHE_VERIFY_CHECKS);
    assert_int_equal(r->status[number], -1);          /* once each */
    for (int n = 1; n < number; n++)
        assert_int_not_equal(r->status[n], -1);       /* in order */
    r->status[number] = status;
    snprintf(r->names[number], sizeof r->names[number], "%s", name);
    if (getenv("VECHE_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  %2d. %-22s %d  %s\n", number, name, status, detail);
}

static void lib_build(lib_run *r, const example *x)
{
    veche_diag d = {{0}};
    veche_election *el;
    veche_ceremony *c;
    veche_rng rng;
    char *entry;
    size_t len;
    json_t *body;

    memset(r, 0, sizeof *r);
    strcpy(r->dir, "/tmp/veche-spec3-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->db, sizeof r->db, "%s/b.db", r->dir);
    snprintf(r->exp, sizeof r->exp, "%s/export", r->dir);
    assert_int_equal(veche_election_register_types(), VECHE_OK);
    key_from(&r->board, &x->board, "example.org/branch-7");
    key_from(&r->admin, &x->admin, "admin");
    key_from(&r->authority, &x->authority, "authority");
    key_from(&r->trustee, &x->trustee, "trustee");
    if (veche_board_create(&r->b, r->db, &r->board, &d) != VECHE_OK)
        fail_msg("board: %s", d.msg);

    /* 1: the manifest, built by jansson (not from the independent text) */
    body = json_pack("{s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:o}], s:i, s:o, s:[{s:s, s:s, s:[s,s], "
                     "s:i, s:i, s:b}]}",
                     "election", EX_ID, "title", EX_TITLE, "organisation", EX_ORG, "opens",
                     EX_OPENS, "closes", EX_CLOSES, "trustees", "name", EX_TRUSTEE, "key",
                     veche_b64_json(r->trustee.pk, 32), "threshold", 1, "credential_authority",
                     veche_b64_json(r->authority.pk, 32), "contests", "id", EX_CONTEST,
                     "question", EX_QUESTION, "options", "yes", "no", "min", 1, "max", 1,
                     "blank", 0);
    assert_non_null(body);
    assert_int_equal(lib_append_body(r, VECHE_ETYPE_MANIFEST, body, &r->admin), I_MANIFEST);
    el = lib_load(r);
    memcpy(r->manifest_hash, el->manifest_hash, 32);
    memcpy(r->ceremony_id, el->ceremony_id, 32);

    /* 2–5: the trustee's ceremony from its seeded state */
    veche_rng_seed(&rng, x->seed_trustee);
    if (veche_trustee_state_new(&r->st, &el->manifest, el->manifest_hash, r->trustee.pk, &rng,
                                &d) != VECHE_OK)
        fail_msg("state: %s", d.msg);
    veche_election_free(el);
    assert_int_equal(veche_trustee_key_entry(&entry, &len, &r->st, &r->trustee, &d), VECHE_OK);
    assert_int_equal(lib_append(r, entry, len), I_TKEY);
    assert_int_equal(veche_trustee_commit_entry(&entry, &len, &r->st, &r->trustee, &d), VECHE_OK);
    assert_int_equal(lib_append(r, entry, len), I_TCOMMIT);
    c = lib_ceremony(r, &el);
    assert_int_equal(veche_trustee_commitments_entry(&entry, &len, &r->st, c, &r->trustee, NULL,
                                                     &d), VECHE_OK);
    assert_int_equal(lib_append(r, entry, len), I_TCOMMITMENTS);
    veche_ceremony_free(c);
    veche_election_free(el);
    c = lib_ceremony(r, &el);
    assert_int_equal(veche_trustee_shares_entry(&entry, &len, &r->st, c, &r->trustee, &d),
                     VECHE_OK);
    assert_int_equal(lib_append(r, entry, len), I_TSHARES);
    veche_ceremony_free(c);
    veche_election_free(el);

    /* 6: election.key */
    c = lib_ceremony(r, &el);
    {
        uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
        size_t nbad = 0;
        assert_int_equal(veche_trustee_open_shares(&r->st, c, bad, &nbad, &d), VECHE_OK);
        assert_int_equal(nbad, 0);
    }
    assert_int_equal(c->phase, VECHE_PHASE_CHECKS);
    assert_int_equal(veche_ceremony_election_key_body(&body, c, &d), VECHE_OK);
    assert_int_equal(lib_append_body(r, VECHE_ETYPE_KEY, body, &r->admin), I_KEY);
    veche_ceremony_free(c);
    veche_election_free(el);

    /* 7: the credentials from the seeded codes (weights 3 and 2) */
    {
        static const uint32_t weights[2] = {EX_W1, EX_W2};
        veche_credential_list pub;
        char **entries;
        size_t *lens, nparts;
        veche_rng_seed(&rng, x->seed_codes);
        if (veche_credentials_generate(r->code, &pub, EX_ID, weights, 2, &rng, &d) != VECHE_OK ||
            veche_credentials_build(&entries, &lens, &nparts, EX_ID, &pub, r->authority.sk, &d) !=
                VECHE_OK)
            fail_msg("credentials: %s", d.msg);
        assert_int_equal(nparts, 1);
        assert_int_equal(lib_append(r, entries[0], lens[0]), I_CREDS);
        free(entries);
        free(lens);
        veche_credentials_free(&pub);
        for (int i = 0; i < 2; i++) {
            veche_scalar xs;
            assert_int_equal(veche_credential_derive(&xs, r->X[i], EX_ID, r->code[i], &d),
                             VECHE_OK);
            veche_scalar_encode(r->x[i], &xs);
        }
    }

    /* 8: open */
    el = lib_load(r);
    assert_true(el->has_fingerprint);
    memcpy(r->fingerprint, el->fingerprint, 32);
    memcpy(r->credentials_hash, el->credentials_hash, 32);
    memcpy(r->K, el->K, 32);
    assert_int_equal(lib_append_body(r, VECHE_ETYPE_OPEN,
                                     json_pack("{s:s, s:o}", "election", EX_ID, "fingerprint",
                                               veche_b64_json(el->fingerprint, 32)),
                                     &r->admin), I_OPEN);
    veche_election_free(el);

    /* 9, 10: the ballots; the first with its Benaloh secrets */
    el = lib_load(r);
    {
        veche_pubkey K;
        assert_int_equal(veche_pubkey_decode(&K, el->K), VECHE_OK);
        for (int i = 0; i < 2; i++) {
            veche_choices ch;
            veche_scalar xs;
            veche_ballot_secrets sec;
            memset(&ch, 0, sizeof ch);
            ch.mark[0][i] = 1;                        /* voter 1 yes, voter 2 no */
            assert_int_equal(veche_scalar_decode(&xs, r->x[i]), VECHE_OK);
            veche_rng_seed(&rng, x->seed_ballot[i]);
            if (veche_ballot_build(&entry, &len, &el->manifest, &K, el->fingerprint, &xs, r->X[i],
                                   &ch, &sec, &rng, &d) != VECHE_OK)
                fail_msg("ballot %d: %s", i + 1, d.msg);
            veche_ballot_tracking_code(r->tracking[i], (const uint8_t *)entry, len);
            if (i == 0) {
                assert_int_equal(sec.first[1], 1);
                veche_scalar_encode(r->r1, &sec.nonce[0]);
                if (veche_ballot_audit_format(&r->audit_doc, &r->audit_len, (const uint8_t *)entry,
                                              len, &el->manifest, &sec, &d) != VECHE_OK)
                    fail_msg("audit: %s", d.msg);
            }
            veche_ballot_secrets_free(&sec);
            assert_int_equal(lib_append(r, entry, len), (uint64_t)(I_BALLOT1 + i));
        }
        veche_pubkey_free(&K);
    }
    veche_election_free(el);

    /* 11, 12: close, tally */
    assert_int_equal(lib_append_body(r, VECHE_ETYPE_CLOSE, json_pack("{s:s}", "election", EX_ID),
                                     &r->admin), I_CLOSE);
    {
        veche_record_src src = {r->b, NULL};
        veche_votes *v;
        veche_count *cnt;
        el = lib_load(r);
        if (veche_votes_load(&v, &src, EX_ID, &d) != VECHE_OK ||
            veche_count_ballots(&cnt, v, 0, &d) != VECHE_OK ||
            veche_tally_body(&body, el, cnt, &d) != VECHE_OK)
            fail_msg("tally: %s", d.msg);
        assert_int_equal(lib_append_body(r, VECHE_ETYPE_TALLY, body, &r->admin), I_TALLY);
        veche_count_free(cnt);
        veche_votes_free(v);
        veche_election_free(el);
    }

    /* 13: the trustee's decryption */
    c = lib_ceremony(r, &el);
    {
        veche_ceremony_tally *t = malloc(sizeof *t);
        const veche_election_entry *te = veche_admin_first(el, &el->tallies);
        assert_non_null(t);
        assert_non_null(te);
        if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &d) != VECHE_OK ||
            veche_trustee_decryption_entry(&entry, &len, &r->st, c, t, el->fingerprint,
                                           &r->trustee, NULL, &d) != VECHE_OK)
            fail_msg("decryption: %s", d.msg);
        assert_int_equal(lib_append(r, entry, len), I_DECRYPTION);
        free(t);
    }
    veche_ceremony_free(c);
    veche_election_free(el);

    /* 14: the result */
    c = lib_ceremony(r, &el);
    {
        veche_ceremony_tally *t = malloc(sizeof *t);
        const veche_election_entry *te = veche_admin_first(el, &el->tallies);
        veche_decryption dec;
        veche_result res;
        uint32_t set[VECHE_DKG_MAX_TRUSTEES];
        size_t ignored, n;
        uint64_t badi;
        assert_non_null(t);
        r->W = (uint64_t)json_integer_value(json_object_get(te->body, "weight"));
        if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &d) != VECHE_OK ||
            veche_decryption_init(&dec, c, t, el->fingerprint, &d) != VECHE_OK ||
            veche_decryptions_judge(&dec, el, &ignored, &badi, &d) != VECHE_OK)
            fail_msg("decryptions: %s", d.msg);
        n = veche_decryption_set(&dec, set);
        assert_int_equal(n, 1);
        if (veche_result_compute(&res, &dec, set, n, r->W, &d) != VECHE_OK ||
            veche_result_body(&body, el, &res, &d) != VECHE_OK)
            fail_msg("result: %s", d.msg);
        r->counts[0] = res.counts[0][0];
        r->counts[1] = res.counts[0][1];
        assert_int_equal(lib_append_body(r, VECHE_ETYPE_RESULT, body, &r->admin), I_RESULT);
        veche_decryption_free(&dec);
        free(t);
    }
    veche_ceremony_free(c);
    veche_election_free(el);

    /* the export, and veche verify on it */
    if (veche_board_export(r->b, r->exp, &d) != VECHE_OK)
        fail_msg("export: %s", d.msg);
    {
        veche_verify_report rep;
        for (int n = 0; n <= VECHE_VERIFY_CHECKS; n++)
            r->status[n] = -1;
        assert_int_equal(veche_verify(r->exp, NULL, NULL, on_check, r, &rep), VECHE_OK);
        assert_int_equal(rep.elections, 1);
        assert_int_equal(rep.ballots, 2);
        assert_int_equal(rep.counted, 2);
    }
}

static void lib_close(lib_run *r)
{
    char cmd[160];
    veche_board_close(r->b);
    veche_trustee_state_wipe(&r->st);
    for (int i = 0; i < 16; i++)
        free(r->entry[i]);
    free(r->audit_doc);
    snprintf(cmd, sizeof cmd, "rm -rf %s", r->dir);
    assert_int_equal(system(cmd), 0);
}

/* The body member of an entry text, as text: from "body": to ,"sig" or ,"type". */
static char *body_of(const char *entry)
{
    const char *p = strstr(entry, "\"body\":"), *q;
    assert_non_null(p);
    p += 7;
    q = strstr(p, ",\"sig\":\"");
    if (q == NULL)
        q = strstr(p, ",\"type\":\"");
    assert_non_null(q);
    return strndup(p, (size_t)(q - p));
}

/* ======================================================================
 * Printing the example (VECHE_SPEC_PRINT=1)
 * ====================================================================== */

static void print_hex(const char *label, const uint8_t *h, size_t n)
{
    char hex[300];
    to_hex(hex, h, n);
    printf("%s %s\n", label, hex);
}

static void print_b64(const char *label, const uint8_t *h, size_t n)
{
    char *s = b64_of(h, n);
    printf("%s %s\n", label, s);
    free(s);
}

static void example_print(const example *x)
{
    printf("==== SPEC chapter 3 worked example ====\n");
    print_hex("board pk", x->board.pk, 32);
    print_hex("admin seed", x->admin.seed, 32);
    print_hex("admin pk", x->admin.pk, 32);
    print_b64("admin pk b64", x->admin.pk, 32);
    print_hex("authority seed", x->authority.seed, 32);
    print_hex("authority pk", x->authority.pk, 32);
    print_b64("authority pk b64", x->authority.pk, 32);
    print_hex("trustee seed", x->trustee.seed, 32);
    print_hex("trustee pk", x->trustee.pk, 32);
    print_b64("trustee pk b64", x->trustee.pk, 32);
    print_hex("seed codes", x->seed_codes, 32);
    print_hex("seed trustee", x->seed_trustee, 32);
    print_hex("seed ballot-1", x->seed_ballot[0], 32);
    print_hex("seed ballot-2", x->seed_ballot[1], 32);
    printf("manifest body (%zu bytes):\n%s\n", strlen(x->manifest_body), x->manifest_body);
    printf("manifest entry (%zu bytes):\n%s\n", strlen(x->manifest_entry), x->manifest_entry);
    print_hex("manifest_hash", x->manifest_hash, 32);
    print_hex("ceremony_id", x->ceremony_id, 32);
    print_hex("e_1", x->e1, 32);
    print_hex("a_10", x->a10, 32);
    print_hex("K", x->K, 32);
    print_b64("K b64", x->K, 32);
    printf("election.key body: %s\n", x->key_body);
    for (int i = 0; i < 2; i++) {
        printf("code %d: %s (symbols %s)\n", i + 1, x->code[i], x->symbols[i]);
        print_hex("  x", x->x[i], 32);
        print_hex("  X", x->X[i], 32);
        print_b64("  X b64", x->X[i], 32);
    }
    printf("credentials entry (%zu bytes):\n%s\n", strlen(x->cred_entry), x->cred_entry);
    print_hex("credentials_hash", x->credentials_hash, 32);
    print_hex("fingerprint", x->fingerprint, 32);
    print_b64("fingerprint b64", x->fingerprint, 32);
    printf("election.open body: %s\n", x->open_body);
    for (int i = 0; i < 2; i++) {
        printf("ballot %d (%zu bytes):\n%s\n", i + 1, strlen(x->ballot[i].entry),
               x->ballot[i].entry);
        printf("  signed message (%zu bytes)\n", strlen(x->ballot[i].message));
        print_hex("  r", x->ballot[i].nonce[0], 32);
        print_b64("  r b64", x->ballot[i].nonce[0], 32);
        printf("  tracking code %s\n", x->tracking[i]);
    }
    print_hex("tally ct", x->tally_ct, 64);
    printf("election.tally body: %s\n", x->tally_body);
    print_hex("D_1", x->D1, 32);
    print_hex("M", x->M, 32);
    printf("counts: yes %llu, no %llu (W %llu)\n", (unsigned long long)x->count_yes,
           (unsigned long long)x->count_no, (unsigned long long)x->W);
    printf("election.result body: %s\n", x->result_body);
}

/* ======================================================================
 * The tests
 * ====================================================================== */

/* Codes, their checksum, and the keys derived from them: both ways. */
static void test_credentials(void **state)
{
    example x;
    lib_run r;
    veche_diag d = {{0}};
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    for (int i = 0; i < 2; i++) {
        char sym[VECHE_CODE_SYMBOLS + 1], typed[64], lower[64];
        veche_scalar xs;
        uint8_t X[32], xe[32];

        assert_string_equal(r.code[i], x.code[i]);
        assert_memory_equal(r.x[i], x.x[i], 32);
        assert_memory_equal(r.X[i], x.X[i], 32);
        /* typed loosely: lower case, spaces for dashes */
        snprintf(typed, sizeof typed, "%s", x.code[i]);
        for (char *p = typed; *p; p++)
            lower[p - typed] = (char)(*p == '-' ? ' ' : (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        lower[strlen(typed)] = 0;
        assert_int_equal(veche_credential_derive(&xs, X, EX_ID, lower, &d), VECHE_OK);
        veche_scalar_encode(xe, &xs);
        assert_memory_equal(xe, x.x[i], 32);
        assert_memory_equal(X, x.X[i], 32);
        /* every single-symbol change and every adjacent swap is refused, both ways */
        assert_int_equal(ind_code_read(sym, x.symbols[i]), 0);
        for (size_t k = 0; k < 21; k++) {
            for (size_t a = 0; a < 31; a++) {
                char bad[22];
                memcpy(bad, x.symbols[i], 22);
                if (bad[k] == ALPHABET[a])
                    continue;
                bad[k] = ALPHABET[a];
                assert_int_equal(ind_code_read(sym, bad), -1);
                assert_int_not_equal(veche_code_read(sym, bad, NULL), VECHE_OK);
            }
            if (k + 1 < 21 && x.symbols[i][k] != x.symbols[i][k + 1]) {
                char sw[22];
                memcpy(sw, x.symbols[i], 22);
                sw[k] = x.symbols[i][k + 1];
                sw[k + 1] = x.symbols[i][k];
                assert_int_equal(ind_code_read(sym, sw), -1);
                assert_int_not_equal(veche_code_read(sym, sw, NULL), VECHE_OK);
            }
        }
        /* the same code in another election gives another key */
        assert_int_equal(veche_credential_derive(&xs, X, "other-election", x.code[i], &d),
                         VECHE_OK);
        assert_memory_not_equal(X, x.X[i], 32);
    }
    lib_close(&r);
    example_free(&x);
}

/* The entries, the four hashes and the joint key: both ways. */
static void test_entries_and_hashes(void **state)
{
    example x;
    lib_run r;
    char *b;
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    assert_string_equal(r.entry[I_MANIFEST], x.manifest_entry);
    assert_memory_equal(r.manifest_hash, x.manifest_hash, 32);
    assert_memory_equal(r.ceremony_id, x.ceremony_id, 32);
    assert_memory_equal(r.K, x.K, 32);
    {
        uint8_t enc[32];
        veche_scalar_encode(enc, &r.st.dkg.e);
        assert_memory_equal(enc, x.e1, 32);
        veche_scalar_encode(enc, &r.st.dkg.a[0]);
        assert_memory_equal(enc, x.a10, 32);
    }
    b = body_of(r.entry[I_KEY]);
    assert_string_equal(b, x.key_body);
    free(b);
    assert_string_equal(r.entry[I_CREDS], x.cred_entry);
    assert_memory_equal(r.credentials_hash, x.credentials_hash, 32);
    assert_memory_equal(r.fingerprint, x.fingerprint, 32);
    b = body_of(r.entry[I_OPEN]);
    assert_string_equal(b, x.open_body);
    free(b);
    /* the library's own hash functions on the independent bytes */
    {
        uint8_t h[32], cid[32], fp[32];
        const uint8_t *parts[1] = {(const uint8_t *)x.cred_entry};
        size_t lens[1] = {strlen(x.cred_entry)};
        veche_election_manifest_hash(h, (const uint8_t *)x.manifest_entry,
                                     strlen(x.manifest_entry));
        assert_memory_equal(h, x.manifest_hash, 32);
        veche_election_ceremony_id(cid, h);
        assert_memory_equal(cid, x.ceremony_id, 32);
        veche_election_credentials_hash(h, parts, lens, 1);
        assert_memory_equal(h, x.credentials_hash, 32);
        veche_election_fingerprint(fp, x.manifest_hash, x.K, x.credentials_hash);
        assert_memory_equal(fp, x.fingerprint, 32);
    }
    lib_close(&r);
    example_free(&x);
}

/* The two ballots: the same bytes both ways; both verifiers accept them. */
static void test_ballots(void **state)
{
    example x;
    lib_run r;
    ind_contest ref = referendum();
    veche_manifest m;
    veche_pubkey K;
    veche_diag d = {{0}};
    json_t *mb;
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    assert_int_equal(veche_pubkey_decode(&K, x.K), VECHE_OK);
    mb = json_loads(x.manifest_body, 0, NULL);
    assert_non_null(mb);
    assert_int_equal(veche_manifest_parse(&m, mb, &d), VECHE_OK);
    assert_int_equal(m.contests[0].nexplicit, ref.nexplicit);
    assert_int_equal(m.contests[0].sum_proof, ref.sum_proof);
    for (int i = 0; i < 2; i++) {
        uint8_t X[32];
        veche_ballot b;
        assert_string_equal(r.entry[I_BALLOT1 + i], x.ballot[i].entry);
        assert_int_equal(strlen(x.ballot[i].entry), ind_ballot_size(EX_ID, &ref, 1));
        assert_string_equal(r.tracking[i], x.tracking[i]);
        assert_int_equal(ind_ballot_verify(x.ballot[i].entry, &ref, 1, x.K, x.fingerprint, X), 1);
        assert_memory_equal(X, x.X[i], 32);
        if (veche_ballot_verify(&b, (const uint8_t *)x.ballot[i].entry, strlen(x.ballot[i].entry),
                                &m, &K, x.fingerprint, &d) != VECHE_OK)
            fail_msg("ballot %d: %s", i + 1, d.msg);
        veche_ballot_free(&b);
        /* in another election (another fingerprint) neither verifier accepts it */
        {
            uint8_t fp2[32];
            memcpy(fp2, x.fingerprint, 32);
            fp2[0] ^= 1;
            assert_int_equal(ind_ballot_verify(x.ballot[i].entry, &ref, 1, x.K, fp2, X), 0);
            assert_int_not_equal(veche_ballot_verify(&b, (const uint8_t *)x.ballot[i].entry,
                                                     strlen(x.ballot[i].entry), &m, &K, fp2,
                                                     NULL), VECHE_OK);
        }
    }
    /* the Benaloh audit document of ballot 1: the nonce, and both checks */
    {
        veche_choices chosen;
        char tracking[VECHE_TRACKING_CODE_CHARS + 1];
        uint8_t ct[64], again[64];
        sbuf doc = {0};
        const char *p;
        assert_memory_equal(r.r1, x.ballot[0].nonce[0], 32);
        sb_fmt(&doc, "{\"ballot\":%s,\"contests\":[{\"nonces\":[\"", x.ballot[0].entry);
        sb_b64(&doc, x.ballot[0].nonce[0], 32);
        sb_fmt(&doc, "\"],\"plaintexts\":[%u]}]}", x.ballot[0].mark[0]);
        assert_int_equal(r.audit_len, doc.len);
        assert_string_equal(r.audit_doc, doc.p);
        if (veche_ballot_audit_check(&chosen, tracking, (const uint8_t *)doc.p, doc.len, &m, &K,
                                     x.fingerprint, &d) != VECHE_OK)
            fail_msg("audit: %s", d.msg);
        assert_int_equal(chosen.mark[0][0], 1);
        assert_int_equal(chosen.mark[0][1], 0);       /* the implicit "no" */
        assert_string_equal(tracking, x.tracking[0]);
        p = strstr(x.ballot[0].entry, "\"ciphertexts\":[\"") + 16;
        assert_int_equal(unb64(ct, 64, p, 88), 0);
        ind_encrypt(again, x.K, 1, x.ballot[0].nonce[0]);
        assert_memory_equal(again, ct, 64);
        ind_encrypt(again, x.K, 0, x.ballot[0].nonce[0]);
        assert_memory_not_equal(again, ct, 64);
        free(doc.p);
    }
    veche_manifest_free(&m);
    json_decref(mb);
    veche_pubkey_free(&K);
    lib_close(&r);
    example_free(&x);
}

/*
 * Every contest kind: for a manifest of four contests, the library's ballot
 * from a seed is byte for byte the one the SPEC's rules and draw order give.
 */
static void test_ballot_every_kind(void **state)
{
    example x;
    ind_contest cs[4] = {
        {"ref", {"yes", "no"}, 2, 0, 1, 1, 0, 0, 0, 0, 0},
        {"ref-blank", {"yes", "no"}, 2, 1, 1, 1, 0, 0, 0, 0, 0},
        {"seats", {"Ana", "Ben", "Chen", "Dana", "Emil"}, 5, 0, 0, 2, 0, 0, 0, 0, 0},
        {"pick2", {"north", "south", "east"}, 3, 1, 2, 2, 0, 0, 0, 0, 0},
    };
    static const uint8_t marks[3][4][8] = {
        {{1, 0}, {0, 0, 1}, {0, 1, 0, 0, 1}, {1, 0, 0, 1}},
        {{0, 1}, {1, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 1, 1}},
        {{1, 0}, {0, 1, 0}, {1, 0, 0, 0, 0}, {1, 1, 0, 0}},
    };
    veche_manifest m;
    veche_pubkey K;
    veche_scalar xs;
    veche_diag d = {{0}};
    json_t *body, *contests = json_array();
    (void)state;

    example_compute(&x);
    for (size_t c = 0; c < 4; c++) {
        json_t *opts = json_array();
        ind_derive(&cs[c]);
        for (size_t o = 0; o < cs[c].noptions; o++)
            json_array_append_new(opts, json_string(cs[c].options[o]));
        json_array_append_new(contests, json_pack("{s:s, s:s, s:o, s:i, s:i, s:b}", "id", cs[c].id,
                                                  "question", "?", "options", opts, "min",
                                                  cs[c].min, "max", cs[c].max, "blank",
                                                  cs[c].blank));
    }
    body = json_pack("{s:s, s:s, s:s, s:i, s:i, s:[{s:s, s:o}], s:i, s:o, s:o}", "election",
                     "kinds", "title", "t", "organisation", "o", "opens", 0, "closes", 1,
                     "trustees", "name", "T", "key", veche_b64_json(x.trustee.pk, 32),
                     "threshold", 1, "credential_authority", veche_b64_json(x.authority.pk, 32),
                     "contests", contests);
    assert_int_equal(veche_manifest_parse(&m, body, &d), VECHE_OK);
    for (size_t c = 0; c < 4; c++) {
        assert_int_equal(m.contests[c].nexplicit, cs[c].nexplicit);
        assert_int_equal(m.contests[c].sum_lo, cs[c].lo);
        assert_int_equal(m.contests[c].sum_hi, cs[c].hi);
        assert_int_equal(m.contests[c].sum_proof, cs[c].sum_proof);
    }
    assert_int_equal(veche_pubkey_decode(&K, x.K), VECHE_OK);
    assert_int_equal(veche_scalar_decode(&xs, x.x[0]), VECHE_OK);
    for (int v = 0; v < 3; v++) {
        veche_choices ch;
        veche_rng rng;
        ind_rng irng;
        ind_ballot ib;
        uint8_t seed[32], X[32];
        char *entry, name[32];
        size_t len;
        veche_ballot vb;

        memset(&ch, 0, sizeof ch);
        for (size_t c = 0; c < 4; c++)
            for (size_t s = 0; s < cs[c].nsel; s++)
                ch.mark[c][s] = marks[v][c][s];
        snprintf(name, sizeof name, "kinds-%d", v);
        seed_of(seed, name);
        veche_rng_seed(&rng, seed);
        memcpy(irng.seed, seed, 32);
        irng.ctr = 0;
        if (veche_ballot_build(&entry, &len, &m, &K, x.fingerprint, &xs, x.X[0], &ch, NULL, &rng,
                               &d) != VECHE_OK)
            fail_msg("ballot: %s", d.msg);
        ind_ballot_build(&ib, "kinds", cs, 4, marks[v], x.K, x.fingerprint, x.x[0], x.X[0],
                         &irng);
        assert_int_equal(len, strlen(ib.entry));
        assert_int_equal(len, ind_ballot_size("kinds", cs, 4));
        assert_string_equal(entry, ib.entry);
        assert_int_equal(ind_ballot_verify(entry, cs, 4, x.K, x.fingerprint, X), 1);
        assert_int_equal(veche_ballot_verify(&vb, (const uint8_t *)entry, len, &m, &K,
                                             x.fingerprint, &d), VECHE_OK);
        veche_ballot_free(&vb);
        free(entry);
        ind_ballot_free(&ib);
    }
    veche_manifest_free(&m);
    json_decref(body);
    veche_pubkey_free(&K);
    example_free(&x);
}

/* Tally, decryption share, result: both ways; and `veche verify` passes all 13 checks. */
static void test_tally_result_verify(void **state)
{
    example x;
    lib_run r;
    uint8_t D[129], K1[32];
    char *b;
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    b = body_of(r.entry[I_TALLY]);
    assert_string_equal(b, x.tally_body);
    free(b);
    /* the DSHARE: j = 1, D_1, and its proof under (fingerprint, enc(K_1), 1, item 0) */
    {
        const char *p = strstr(r.entry[I_DECRYPTION], "\"shares\":[[\"") + 12;
        assert_int_equal(unb64(D, 129, p, 172), 0);
    }
    assert_int_equal(D[0], 1);
    assert_memory_equal(D + 1, x.D1, 32);
    memcpy(K1, x.K, 32);                           /* 1 of 1: K_1 = C_10 = K */
    assert_int_equal(ind_dleq_verify(D + 33, K1, x.tally_ct, x.D1, x.fingerprint, K1, 1, 0), 1);
    assert_int_equal(ind_dleq_verify(D + 33, K1, x.tally_ct, x.D1, x.fingerprint, K1, 1, 1), 0);
    assert_int_equal(x.count_yes, EX_W1);
    assert_int_equal(x.count_no, EX_W2);
    assert_int_equal(r.counts[0], x.count_yes);
    assert_int_equal(r.counts[1], x.count_no);
    assert_int_equal(r.W, x.W);
    b = body_of(r.entry[I_RESULT]);
    assert_string_equal(b, x.result_body);
    free(b);
    for (int n = 1; n <= VECHE_VERIFY_CHECKS; n++) {
        assert_int_equal(r.status[n], VECHE_CHECK_PASS);
        assert_string_equal(r.names[n], veche_check_name(n));
    }
    lib_close(&r);
    example_free(&x);
}

/* ---- the SPEC quotes the example ---------------------------------------------- */

static char *spec_text(void)
{
    FILE *f = fopen("docs/SPEC.md", "rb");
    sbuf s = {0};
    char buf[8192];
    size_t n;
    if (f == NULL)
        fail_msg("cannot open docs/SPEC.md (run from the repository root)");
    sb_str(&s, "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_put(&s, buf, n);
    fclose(f);
    return s.p;
}

/* The text from "\n## <from>" up to "\n## <to>" (or the end). */
static char *chapter(const char *spec, const char *from, const char *to)
{
    const char *a = strstr(spec, from), *z;
    if (a == NULL)
        fail_msg("docs/SPEC.md has no chapter \"%s\"", from + 1);
    z = to != NULL ? strstr(a + 1, to) : NULL;
    return strndup(a, z ? (size_t)(z - a) : strlen(a));
}

/* A whole line of the SPEC. */
static void quoted_line(const char *ch, const char *line, const char *what)
{
    sbuf s = {0};
    sb_str(&s, "\n");
    sb_str(&s, line);
    sb_str(&s, "\n");
    if (strstr(ch, s.p) == NULL)
        fail_msg("docs/SPEC.md does not quote %s as a line: %s", what, line);
    free(s.p);
}

static void test_spec_quotes_example(void **state)
{
    example x;
    char *spec = spec_text(), *ch3, *ch4, line[256];
    ind_contest ref;
    (void)state;

    example_compute(&x);
    ref = referendum();
    ch3 = chapter(spec, "\n## 3. ", "\n## 4. ");
    ch4 = chapter(spec, "\n## 4. ", "\n## 5. ");
    spec_quoted(ch3, ALPHABET, "the code alphabet");
    spec_quoted_hex(ch3, x.admin.seed, 32, "the administrator's seed");
    spec_quoted_hex(ch3, x.admin.pk, 32, "the administrator's key");
    spec_quoted_hex(ch3, x.authority.seed, 32, "the credential authority's seed");
    spec_quoted_hex(ch3, x.authority.pk, 32, "the credential authority's key");
    spec_quoted_hex(ch3, x.trustee.seed, 32, "the trustee's seed");
    spec_quoted_hex(ch3, x.trustee.pk, 32, "the trustee's key");
    spec_quoted_hex(ch3, x.seed_codes, 32, "the codes' seed");
    spec_quoted_hex(ch3, x.seed_trustee, 32, "the trustee's state seed");
    spec_quoted_hex(ch3, x.seed_ballot[0], 32, "ballot 1's seed");
    spec_quoted_hex(ch3, x.seed_ballot[1], 32, "ballot 2's seed");
    quoted_line(ch3, x.manifest_entry, "the manifest entry");
    spec_quoted_hex(ch3, x.manifest_hash, 32, "manifest_hash");
    spec_quoted_hex(ch3, x.ceremony_id, 32, "ceremony_id");
    spec_quoted_hex(ch3, x.a10, 32, "a_10");
    spec_quoted_hex(ch3, x.K, 32, "K");
    spec_quoted(ch3, x.key_body, "the election.key body");
    for (int i = 0; i < 2; i++) {
        snprintf(line, sizeof line, "code %d", i + 1);
        spec_quoted(ch3, x.code[i], line);
        spec_quoted(ch3, x.symbols[i], line);
        spec_quoted_hex(ch3, x.x[i], 32, "a credential's x");
        spec_quoted_hex(ch3, x.X[i], 32, "a credential's X");
        spec_quoted_b64(ch3, x.X[i], 32, "a credential's X");
        quoted_line(ch3, x.ballot[i].entry, "a ballot entry");
        spec_quoted(ch3, x.tracking[i], "a tracking code");
    }
    {
        sbuf v = {0};
        ind_contest big[32];
        for (size_t k = 0; k < 20; k++)
            sb_fmt(&v, "%s%d", k ? ", " : "", (int)(strchr(ALPHABET, x.symbols[0][k]) - ALPHABET));
        spec_quoted(ch3, v.p, "code 1's symbol values");
        free(v.p);
        snprintf(line, sizeof line, "%zu bytes for a referendum", ind_ballot_size(EX_ID, &ref, 1));
        spec_quoted(ch3, line, "the referendum ballot's size");
        snprintf(line, sizeof line, "(%zu bytes", strlen(x.manifest_entry));
        spec_quoted(ch3, line, "the manifest entry's size");
        snprintf(line, sizeof line, "(%zu bytes", strlen(x.cred_entry));
        spec_quoted(ch3, line, "the credentials entry's size");
        snprintf(line, sizeof line, "(%zu bytes", strlen(x.ballot[0].message));
        spec_quoted(ch3, line, "the signed message's size");
        /* the largest manifest: 32 contests of 64 options and blank, 0..64 */
        for (size_t c = 0; c < 32; c++) {
            memset(&big[c], 0, sizeof big[c]);
            big[c].noptions = 64;
            big[c].blank = 1;
            big[c].min = 0;
            big[c].max = 64;
            ind_derive(&big[c]);
        }
        {
            size_t n = ind_ballot_size("x", big, 32);
            snprintf(line, sizeof line, "%zu,%03zu,%03zu bytes", n / 1000000, n / 1000 % 1000,
                     n % 1000);
            spec_quoted(ch3, line, "the largest ballot's size");
        }
    }
    quoted_line(ch3, x.cred_entry, "the credentials entry");
    spec_quoted_hex(ch3, x.credentials_hash, 32, "credentials_hash");
    spec_quoted_hex(ch3, x.fingerprint, 32, "the fingerprint");
    spec_quoted(ch3, x.open_body, "the election.open body");
    spec_quoted_hex(ch3, x.ballot[0].nonce[0], 32, "ballot 1's nonce r");
    spec_quoted_b64(ch3, x.ballot[0].nonce[0], 32, "ballot 1's nonce r");
    spec_quoted(ch3, x.tally_body, "the election.tally body");
    spec_quoted_hex(ch3, x.D1, 32, "D_1");
    spec_quoted_hex(ch3, x.M, 32, "M");
    spec_quoted(ch3, x.result_body, "the election.result body");
    /* chapter 4: the table of checks, by number and name */
    for (int n = 1; n <= VECHE_VERIFY_CHECKS; n++) {
        snprintf(line, sizeof line, "| %d | %s |", n, veche_check_name(n));
        spec_quoted(ch4, line, "a row of the table of checks");
    }
    free(ch3);
    free(ch4);
    free(spec);
    example_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_entries_and_hashes),
        cmocka_unit_test(test_ballots),
        cmocka_unit_test(test_ballot_every_kind),
        cmocka_unit_test(test_tally_result_verify),
        cmocka_unit_test(test_spec_quotes_example),
    };
    const char *print = getenv("VECHE_SPEC_PRINT");
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    if (print != NULL && print[0] == '1') {
        example x;
        example_compute(&x);
        example_print(&x);
        example_free(&x);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
