/*
 * transcript.c — length-prefixed SHA-512 transcripts (see transcript.h).
 */
#include "crypto/transcript.h"

#include <string.h>

static void le_bytes(uint8_t *out, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

void veche_ctx_init(veche_ctx *ctx, const uint8_t fingerprint[32])
{
    memcpy(ctx->fingerprint, fingerprint, 32);
    memset(ctx->party, 0, sizeof ctx->party);
    ctx->index[0] = ctx->index[1] = VECHE_INDEX_NONE;
}

void veche_transcript_bytes(veche_transcript *t, const char *label, const uint8_t *v, size_t n)
{
    uint8_t len[8];
    size_t label_len = strlen(label);

    le_bytes(len, label_len, 4);
    crypto_hash_sha512_update(&t->h, len, 4);
    crypto_hash_sha512_update(&t->h, (const uint8_t *)label, label_len);
    le_bytes(len, n, 8);
    crypto_hash_sha512_update(&t->h, len, 8);
    if (n > 0)
        crypto_hash_sha512_update(&t->h, v, n);
}

void veche_transcript_init(veche_transcript *t, const char *domain, const veche_ctx *ctx)
{
    uint8_t idx[8];

    crypto_hash_sha512_init(&t->h);
    veche_transcript_bytes(t, "protocol", (const uint8_t *)VECHE_PROTOCOL_TAG,
                           strlen(VECHE_PROTOCOL_TAG));
    veche_transcript_bytes(t, "domain", (const uint8_t *)domain, strlen(domain));
    veche_transcript_bytes(t, "fingerprint", ctx->fingerprint, 32);
    veche_transcript_bytes(t, "party", ctx->party, 32);
    le_bytes(idx, ctx->index[0], 4);
    le_bytes(idx + 4, ctx->index[1], 4);
    veche_transcript_bytes(t, "index", idx, 8);
}

void veche_transcript_u64(veche_transcript *t, const char *label, uint64_t v)
{
    uint8_t b[8];
    le_bytes(b, v, 8);
    veche_transcript_bytes(t, label, b, 8);
}

void veche_transcript_point(veche_transcript *t, const char *label, const uint8_t enc[32])
{
    veche_transcript_bytes(t, label, enc, 32);
}

void veche_transcript_challenge(veche_transcript *t, veche_scalar *c)
{
    uint8_t digest[64];
    crypto_hash_sha512_final(&t->h, digest);
    veche_scalar_reduce64(c, digest);
    sodium_memzero(t, sizeof *t);
}
