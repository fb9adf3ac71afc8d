/*
 * demo_crypto.c — `veche demo --crypto`: the cryptographic core alone, end
 * to end, in one run (issue 2's demonstration; `veche demo` itself, demo.c,
 * now runs a whole election on the record).
 *
 * Below the election layer and without a board: a referendum (yes/no) with
 * three trustees of whom any two can decrypt:
 *   1. the key ceremony (threshold.h): keys with proofs of knowledge,
 *      commitments hashed then revealed, shares sealed, opened and checked,
 *      the election key and every trustee's verification key;
 *   2. N voters (default 300), each with a fresh credential key: the vote
 *      encrypted under the election key with a proof that it is 0 or 1
 *      (range.h), the ballot signed with the credential (schnorr.h);
 *   3. every proof and signature verified from the ballot's bytes, as an
 *      independent verifier would;
 *   4. the encrypted votes added into one encrypted count (elgamal.h);
 *   5. trustees 1 and 3 (trustee 2 absent) publish decryption shares with
 *      proofs, which are verified and combined; the count is recovered by
 *      discrete log (dlog.h);
 *   6. the count is compared with the plaintext votes the demo kept aside.
 * It exits 0 only if every check passed and the count matches.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "cli/demo.h"
#include "crypto/dlog.h"
#include "crypto/elgamal.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"
#include "crypto/threshold.h"

#define DEMO_T          2
#define DEMO_N          3
#define DEMO_VOTES      300
#define DEMO_MAX_VOTES  100000
#define EXIT_USAGE      2

/* One ballot as it would sit on the public record. */
typedef struct ballot {
    uint8_t credential[VECHE_POINT_BYTES];   /* the voter's public credential */
    uint8_t ct[VECHE_CIPHERTEXT_BYTES];      /* Enc(vote) */
    uint8_t proof[2 * VECHE_RANGE_BRANCH_BYTES];
    uint8_t sig[VECHE_SCHNORR_BYTES];        /* over ct || proof */
} ballot;

typedef struct demo {
    veche_dkg_params      p;
    veche_dkg_trustee     tr[DEMO_N + 1];    /* 1-based, as trustees are numbered */
    veche_dkg_key         key[DEMO_N + 1];
    veche_dkg_commitments c[DEMO_N + 1];
    veche_scalar          s[DEMO_N + 1][DEMO_N + 1];   /* s[i][j]: i's share for j */
    veche_point           Kj[DEMO_N + 1];
    veche_scalar          x[DEMO_N + 1];
    veche_pubkey          pk;                /* the election key */
    uint8_t               fingerprint[32];   /* the election's */
    ballot               *ballots;
    size_t                nvotes;
    uint64_t              yes;               /* the plaintext count, kept aside */
    veche_ciphertext      tally;
} demo;

/* ---- printing ------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Prints one finished step and the milliseconds since t0. */
static void say(double t0, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(double t0, const char *fmt, ...)
{
    char what[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    printf("   %-58s %8.1f ms\n", what, now_ms() - t0);
}

/* Reports a failed step; returns 0 so callers can `return failed(...)`. */
static int failed(const char *what, veche_err e)
{
    printf("   FAILED: %s: %s\n", what, veche_strerror(e));
    return 0;
}

static void hex_short(char out[17], const uint8_t *in)
{
    for (int k = 0; k < 8; k++)
        snprintf(out + 2 * k, 3, "%02x", in[k]);
}

/* ---- 1. the key ceremony ---------------------------------------------------- */

/* Round 0: each trustee's key and proof, checked from its published bytes. */
static int ceremony_keys(demo *d)
{
    uint8_t buf[VECHE_DKG_KEY_BYTES];
    veche_err e;

    for (uint32_t i = 1; i <= DEMO_N; i++) {
        if ((e = veche_dkg_trustee_init(&d->tr[i], &d->p, i, NULL, NULL)) != VECHE_OK)
            return failed("trustee set-up", e);
        veche_dkg_key_encode(buf, &d->tr[i].key);
        if ((e = veche_dkg_key_decode(&d->key[i], buf, &d->p)) != VECHE_OK ||
            (e = veche_dkg_key_verify(&d->key[i], &d->p)) != VECHE_OK)
            return failed("trustee key proof", e);
    }
    return 1;
}

/* Rounds 1-2: every HASH is published before any COMMITMENTS is revealed. */
static int ceremony_commitments(demo *d)
{
    veche_dkg_commitments mine[DEMO_N + 1];
    veche_dkg_hash h[DEMO_N + 1];
    uint8_t buf[VECHE_DKG_COMMITMENTS_BYTES(DEMO_T)];
    veche_err e;

    for (uint32_t i = 1; i <= DEMO_N; i++)
        if ((e = veche_dkg_commitments_make(&mine[i], &d->tr[i], NULL)) != VECHE_OK ||
            (e = veche_dkg_hash_make(&h[i], &mine[i], &d->key[i], &d->p)) != VECHE_OK)
            return failed("commitments", e);
    for (uint32_t i = 1; i <= DEMO_N; i++) {
        if ((e = veche_dkg_commitments_encode(buf, sizeof buf, &mine[i])) != VECHE_OK ||
            (e = veche_dkg_commitments_decode(&d->c[i], buf, sizeof buf, &d->p)) != VECHE_OK ||
            (e = veche_dkg_commitments_verify(&d->c[i], &h[i], &d->key[i], &d->p)) != VECHE_OK)
            return failed("revealed commitments", e);
    }
    return 1;
}

/* Round 2-3: every dealer seals a share to every other trustee, who checks it. */
static int ceremony_shares(demo *d)
{
    veche_dkg_share m;
    veche_err e;

    for (uint32_t i = 1; i <= DEMO_N; i++) {
        for (uint32_t j = 1; j <= DEMO_N; j++) {
            if (i == j)
                e = veche_dkg_share_eval(&d->s[i][i], &d->tr[i], i);
            else if ((e = veche_dkg_share_seal(&m, &d->tr[i], &d->key[j])) == VECHE_OK)
                e = veche_dkg_share_open(&d->s[i][j], &m, &d->tr[j], &d->key[i], &d->c[i]);
            if (e != VECHE_OK)
                return failed("share", e);   /* a real ceremony would complain here */
        }
    }
    return 1;
}

/* The election key, each verification key, and each trustee's key share. */
static int ceremony_result(demo *d)
{
    static const char tag[] = "veche-demo/election";
    const veche_dkg_commitments *qual[DEMO_N];
    crypto_hash_sha256_state h;
    veche_point K;
    veche_err e;

    for (uint32_t i = 1; i <= DEMO_N; i++)   /* every dealer qualified: no complaints */
        qual[i - 1] = &d->c[i];
    if ((e = veche_dkg_joint_key(&K, qual, DEMO_N, &d->p)) != VECHE_OK ||
        (e = veche_pubkey_from_point(&d->pk, &K)) != VECHE_OK)
        return failed("election key", e);
    for (uint32_t j = 1; j <= DEMO_N; j++) {
        veche_scalar mine[DEMO_N];
        for (uint32_t i = 1; i <= DEMO_N; i++)
            mine[i - 1] = d->s[i][j];
        e = veche_dkg_verification_key(&d->Kj[j], j, qual, DEMO_N, &d->p);
        if (e == VECHE_OK)
            e = veche_dkg_secret_share(&d->x[j], mine, DEMO_N, &d->Kj[j]);
        for (int k = 0; k < DEMO_N; k++)
            veche_scalar_wipe(&mine[k]);
        if (e != VECHE_OK)
            return failed("key share", e);
    }
    /* The election fingerprint: here simply SHA-256(tag || key). */
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_hash_sha256_update(&h, d->pk.enc, sizeof d->pk.enc);
    crypto_hash_sha256_final(&h, d->fingerprint);
    return 1;
}

static int ceremony(demo *d)
{
    static const uint8_t fp[32] = "veche demo ceremony, 2 of 3";
    char hex[17];
    double t0 = now_ms();

    printf("1. Key ceremony: %d trustees, any %d can decrypt\n", DEMO_N, DEMO_T);
    if (veche_dkg_params_init(&d->p, fp, DEMO_T, DEMO_N) != VECHE_OK || !ceremony_keys(d))
        return 0;
    say(t0, "%d trustee keys published, proofs of knowledge verified", DEMO_N);
    t0 = now_ms();
    if (!ceremony_commitments(d))
        return 0;
    say(t0, "commitments hashed, revealed, matched; %d proofs verified", DEMO_N * DEMO_T);
    t0 = now_ms();
    if (!ceremony_shares(d))
        return 0;
    say(t0, "%d shares sealed, opened, checked against commitments", DEMO_N * (DEMO_N - 1));
    t0 = now_ms();
    if (!ceremony_result(d))
        return 0;
    hex_short(hex, d->pk.enc);
    say(t0, "election key and %d key shares, each checked", DEMO_N);
    printf("   election key %s...\n", hex);
    return 1;
}

/* ---- 2-3. voting and verifying --------------------------------------------------- */

static void ballot_ctx(veche_ctx *ctx, const demo *d, const ballot *b)
{
    veche_ctx_init(ctx, d->fingerprint);
    memcpy(ctx->party, b->credential, 32);
    ctx->index[0] = 0;   /* contest */
    ctx->index[1] = 0;   /* option */
}

/* What the voter signs: the ciphertext and its proof, ct || proof. */
#define SIGNED_BYTES (VECHE_CIPHERTEXT_BYTES + 2 * VECHE_RANGE_BRANCH_BYTES)
static void signed_part(uint8_t msg[SIGNED_BYTES], const ballot *b)
{
    memcpy(msg, b->ct, sizeof b->ct);
    memcpy(msg + sizeof b->ct, b->proof, sizeof b->proof);
}

/* One voter: a fresh credential, an encrypted vote with its proof, a signature. */
static int cast(demo *d, ballot *b, uint64_t vote)
{
    uint8_t msg[SIGNED_BYTES];
    veche_scalar cred, r;
    veche_ciphertext ct;
    veche_ctx ctx;
    veche_err e;

    veche_schnorr_keygen(&cred, b->credential, NULL);
    ballot_ctx(&ctx, d, b);
    veche_encrypt_random(&ct, &r, &d->pk, vote, NULL);
    veche_ciphertext_encode(b->ct, &ct);
    e = veche_range_prove(b->proof, sizeof b->proof, &d->pk, &ct, vote, &r, 0, 1, &ctx, NULL);
    if (e == VECHE_OK) {
        signed_part(msg, b);
        e = veche_sign(b->sig, &cred, b->credential, msg, sizeof msg, &ctx, NULL);
    }
    veche_scalar_wipe(&cred);
    veche_scalar_wipe(&r);
    return e == VECHE_OK ? 1 : failed("casting a ballot", e);
}

static int voting(demo *d)
{
    double t0 = now_ms();

    printf("2. Voting: %zu voters, yes or no\n", d->nvotes);
    for (size_t v = 0; v < d->nvotes; v++) {
        uint64_t vote = randombytes_uniform(2);
        d->yes += vote;
        if (!cast(d, &d->ballots[v], vote))
            return 0;
    }
    say(t0, "%zu ballots encrypted, proven 0-or-1, signed", d->nvotes);
    return 1;
}

/* Checks a ballot from its bytes alone: the signature, then the proof. */
static veche_err ballot_check(const demo *d, const ballot *b)
{
    uint8_t msg[SIGNED_BYTES];
    veche_ctx ctx;
    veche_err e;

    ballot_ctx(&ctx, d, b);
    signed_part(msg, b);
    if ((e = veche_sign_verify(b->sig, b->credential, msg, sizeof msg, &ctx)) != VECHE_OK)
        return e;
    return veche_range_verify(b->proof, sizeof b->proof, &d->pk, b->ct, 0, 1, &ctx);
}

static int verify_ballots(demo *d)
{
    double t0 = now_ms();
    veche_err e;

    printf("3. Verification of every ballot, from its bytes\n");
    for (size_t v = 0; v < d->nvotes; v++)
        if ((e = ballot_check(d, &d->ballots[v])) != VECHE_OK)
            return failed("ballot check", e);
    say(t0, "%zu signatures and %zu range proofs verified", d->nvotes, d->nvotes);
    return 1;
}

/* ---- 4-6. tally, decryption, check ---------------------------------------------------- */

static int tally(demo *d)
{
    veche_ciphertext ct;
    double t0 = now_ms();
    veche_err e;

    printf("4. Tally, without decrypting any ballot\n");
    veche_ciphertext_zero(&d->tally);
    for (size_t v = 0; v < d->nvotes; v++) {
        if ((e = veche_ciphertext_decode(&ct, d->ballots[v].ct)) != VECHE_OK)
            return failed("ciphertext", e);
        veche_ciphertext_add(&d->tally, &d->tally, &ct);
    }
    say(t0, "%zu encrypted votes added into one encrypted count", d->nvotes);
    return 1;
}

/* Trustee j's decryption share, published as bytes and verified from them. */
static int dshare(demo *d, veche_dshare *out, uint32_t j)
{
    veche_dshare sh;
    uint8_t buf[VECHE_DSHARE_BYTES];
    veche_err e;

    if ((e = veche_dshare_make(&sh, j, &d->x[j], &d->Kj[j], &d->tally, d->fingerprint, 0,
                               NULL)) != VECHE_OK)
        return failed("decryption share", e);
    veche_dshare_encode(buf, &sh);
    if ((e = veche_dshare_decode(out, buf, DEMO_N)) != VECHE_OK ||
        (e = veche_dshare_verify(out, &d->Kj[out->j], &d->tally, d->fingerprint, 0)) != VECHE_OK)
        return failed("decryption share proof", e);
    return 1;
}

static int decrypt(demo *d, uint64_t *count)
{
    veche_dshare sh[2];
    veche_dlog *dl;
    veche_point M;
    double t0 = now_ms();
    veche_err e;

    printf("5. Decryption by trustees 1 and 3 (trustee 2 absent)\n");
    if (!dshare(d, &sh[0], 1) || !dshare(d, &sh[1], 3))
        return 0;
    say(t0, "2 decryption shares published, proofs verified");
    t0 = now_ms();
    if ((e = veche_dshare_combine(&M, &d->tally, sh, 2, &d->p)) != VECHE_OK)
        return failed("combining shares", e);
    if ((e = veche_dlog_new(&dl, d->nvotes, 0)) != VECHE_OK)
        return failed("discrete-log table", e);
    e = veche_dlog_solve(count, dl, &M);
    veche_dlog_free(dl);
    if (e != VECHE_OK)
        return failed("discrete log", e);
    say(t0, "shares combined, count recovered by discrete log");
    return 1;
}

static int check(const demo *d, uint64_t count)
{
    printf("6. Result: yes %llu, no %llu", (unsigned long long)count,
           (unsigned long long)(d->nvotes - count));
    if (count != d->yes) {
        printf(" — WRONG: the votes cast were %llu yes\n", (unsigned long long)d->yes);
        return 0;
    }
    printf(" — matches the votes cast\n");
    return 1;
}

/* ---- the command ------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: veche demo --crypto [--votes N]\n"
            "\n"
            "Runs a 2-of-3 key ceremony, encrypts N yes/no votes (default %d, at most %d)\n"
            "with proofs, verifies them, tallies them homomorphically and decrypts the\n"
            "count with two of the three trustees. Exits 0 only if every check passes.\n",
            DEMO_VOTES, DEMO_MAX_VOTES);
}

/* Parses the options into *votes; returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, size_t *votes)
{
    static const struct option opts[] = {
        {"votes", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "v:h", opts, NULL)) != -1) {
        char *end;
        unsigned long n;
        switch (c) {
        case 'v':
            n = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || optarg[0] == '-' || n < 1 ||
                n > DEMO_MAX_VOTES) {
                fprintf(stderr, "veche demo --crypto: --votes takes a number from 1 to %d\n",
                        DEMO_MAX_VOTES);
                return EXIT_USAGE;
            }
            *votes = n;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

static int run(demo *d)
{
    uint64_t count = 0;
    return ceremony(d) && voting(d) && verify_ballots(d) && tally(d) && decrypt(d, &count) &&
           check(d, count);
}

static void demo_free(demo *d)
{
    for (int i = 1; i <= DEMO_N; i++)
        veche_dkg_trustee_wipe(&d->tr[i]);
    sodium_memzero(d->s, sizeof d->s);
    sodium_memzero(d->x, sizeof d->x);
    veche_pubkey_free(&d->pk);
    free(d->ballots);
    free(d);
}

int veche_demo_crypto(int argc, char **argv)
{
    size_t votes = DEMO_VOTES;
    int status = parse_args(argc, argv, &votes), ok;
    double t0 = now_ms();
    demo *d;

    if (status >= 0)
        return status;
    d = calloc(1, sizeof *d);
    if (d == NULL || (d->ballots = calloc(votes, sizeof *d->ballots)) == NULL) {
        free(d);
        fprintf(stderr, "veche demo --crypto: out of memory\n");
        return 1;
    }
    d->nvotes = votes;
    printf("veche demo --crypto: a referendum, end to end, on ristretto255\n\n");
    ok = run(d);
    printf("\n%s in %.0f ms\n", ok ? "Every check passed" : "DEMO FAILED", now_ms() - t0);
    demo_free(d);
    return ok ? 0 : 1;
}
