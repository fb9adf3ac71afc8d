/*
 * transcript.h — Fiat–Shamir transcripts: the one place challenges come from.
 *
 * A transcript is a SHA-512 hash over a sequence of labelled fields:
 *
 *   field(label, value) = le32(len(label)) || label || le64(len(value)) || value
 *
 * Every transcript starts with field("protocol", "veche-v1"), then
 * field("domain", <proof type tag>), then the context (veche_ctx: election
 * fingerprint, the credential or key of the party proving, two indices), then
 * the statement, then the prover's commitments. The challenge is
 * SHA-512(all fields) read as a little-endian integer and reduced mod L.
 *
 * Because the proof functions in this library build the transcript
 * themselves, from the statement they are given, a proof cannot be computed
 * over commitments alone: the weak Fiat–Shamir flaw that broke Helios (a
 * challenge that did not bind the statement) is impossible by construction.
 * The length prefixes make the encoding injective, so no two different field
 * sequences hash the same bytes.
 */
#ifndef VECHE_CRYPTO_TRANSCRIPT_H
#define VECHE_CRYPTO_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "crypto/group.h"

#define VECHE_PROTOCOL_TAG "veche-v1"
#define VECHE_INDEX_NONE   0xFFFFFFFFu

/*
 * Who and where a proof is for. Every proof binds all four fields, so a proof
 * made for one election, voter or position does not verify for another.
 *   fingerprint  the election fingerprint (SPEC.md), or a key ceremony's id
 *   party        the public key of the voter's credential or the trustee
 *                making the proof; 32 zero bytes when there is none
 *   index[0..1]  positions (contest and option, trustee and coefficient...);
 *                VECHE_INDEX_NONE when unused
 */
typedef struct veche_ctx {
    uint8_t  fingerprint[32];
    uint8_t  party[32];
    uint32_t index[2];
} veche_ctx;

/* A context with the given fingerprint, no party, no indices. */
void veche_ctx_init(veche_ctx *ctx, const uint8_t fingerprint[32]);

typedef struct veche_transcript {
    crypto_hash_sha512_state h;
} veche_transcript;

/* Starts a transcript: protocol tag, domain tag, then the four context fields
 * as field("fingerprint", 32 bytes), field("party", 32 bytes),
 * field("index", le32(index[0]) || le32(index[1])). */
void veche_transcript_init(veche_transcript *t, const char *domain, const veche_ctx *ctx);
void veche_transcript_bytes(veche_transcript *t, const char *label, const uint8_t *v, size_t n);
void veche_transcript_u64(veche_transcript *t, const char *label, uint64_t v);   /* le64 */
/* A point by its 32-byte encoding (pass the encoding you already have). */
void veche_transcript_point(veche_transcript *t, const char *label, const uint8_t enc[32]);
/* Finishes the transcript: c = SHA-512(fields) mod L. The transcript is spent. */
void veche_transcript_challenge(veche_transcript *t, veche_scalar *c);

#endif
