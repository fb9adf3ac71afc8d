/*
 * manifest.h — an election's manifest: what is asked, of whom, by whom.
 *
 * The manifest is the body of the `election.manifest` entry
 * (docs/ELECTION-DESIGN.md §1): title, organisation, voting window,
 * trustees (their Ed25519 board keys) and threshold, the credential
 * authority's key, and the contests. This module parses and validates it
 * into a veche_manifest, builds one, and answers the questions every other
 * module asks about a contest: how many selections it has, how many a
 * ballot sends (the last is implicit when min == max), and which range the
 * sum proof covers.
 *
 * Limits: id 1..64 of [a-z0-9-]; 1..64 trustees, 1 <= t <= n; 1..32
 * contests with distinct ids; 1..64 distinct options each; strings as in the
 * design document. Every parser is total and says what is wrong and where.
 */
#ifndef VECHE_ELECTION_MANIFEST_H
#define VECHE_ELECTION_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/canon.h"

#define VECHE_ELECTION_ID_MAX   64
#define VECHE_MAX_TRUSTEES      64
#define VECHE_MAX_CONTESTS      32
#define VECHE_MAX_OPTIONS       64
#define VECHE_MAX_WEIGHT        1000000u
#define VECHE_MAX_TOTAL_WEIGHT  1000000000u

typedef struct veche_contest {
    const char  *id;             /* borrowed from the manifest's json */
    const char  *question;
    const char  *options[VECHE_MAX_OPTIONS];
    size_t       noptions;
    int          blank;          /* a "blank" selection after the options */
    uint32_t     min, max;       /* selections allowed, blank counted */
    /* derived: */
    size_t       nsel;           /* options + blank */
    size_t       nexplicit;      /* selections a ballot carries (nsel - 1 when min == max) */
    uint64_t     sum_lo, sum_hi; /* range of the sum of the explicit selections */
    int          sum_proof;      /* 0 when the per-selection proof already says it */
} veche_contest;

typedef struct veche_manifest {
    json_t       *json;          /* the body; owns every string above */
    const char   *id;
    const char   *title, *organisation;
    int64_t       opens, closes;
    size_t        ntrustees;
    const char   *trustee_name[VECHE_MAX_TRUSTEES];
    uint8_t       trustee_key[VECHE_MAX_TRUSTEES][32];   /* Ed25519; trustee i is [i-1] */
    uint32_t      threshold;
    uint8_t       authority_key[32];                     /* credential authority, Ed25519 */
    size_t        ncontests;
    veche_contest contests[VECHE_MAX_CONTESTS];
} veche_manifest;

/* Validates body (an election.manifest body) and fills m; m keeps a reference. */
veche_err veche_manifest_parse(veche_manifest *m, json_t *body, veche_diag *d);
void veche_manifest_free(veche_manifest *m);

/* 1 iff id (len bytes) is an election id: 1..64 of [a-z0-9-]. */
int veche_election_id_valid(const char *id, size_t len);

/* The trustee number (1..n) whose board key is key, or 0. */
uint32_t veche_manifest_trustee(const veche_manifest *m, const uint8_t key[32]);

#endif
