/*
 * ballot.c — building, verifying and auditing ballots (see ballot.h).
 *
 * Layout of this file: shared helpers (base64, the manifest's shape, the
 * selection layout); building; verifying (parse everything first, then the
 * cryptography, so the costly checks run only on a well-formed ballot);
 * tracking codes; the Benaloh audit; parsing a voter's choices.
 *
 * Cost of verifying (what the tally pays per ballot): one JSON parse, each
 * point decoded once into the veche_ballot (veche_range_verify decodes its
 * 64-byte ciphertext again: 2 point decodes, ~0.15 V, the price of using
 * range.h's byte interface), one Schnorr verification (~1 V), one batched
 * range verification per proof (~2.4 V for [0,1]). The signed message is
 * cut out of the entry's bytes rather than re-serialized (see
 * signed_message).
 */
#include "election/ballot.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "board/entry.h"
#include "board/merkle.h"
#include "crypto/range.h"
#include "crypto/schnorr.h"

#define CT_BYTES    VECHE_CIPHERTEXT_BYTES
#define SEL_PROOF   (2 * VECHE_RANGE_BRANCH_BYTES)      /* a [0,1] proof: 256 bytes */
#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

static veche_err oom(veche_diag *d)
{
    return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
}

static const char *contest_name(const veche_contest *ct)
{
    return ct->id != NULL ? ct->id : "?";
}

/* ---- base64 ------------------------------------------------------------ */

/* A JSON string holding b64(p[0..n)); NULL when out of memory. */
static json_t *b64_string(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, B64_VARIANT);
    char *s = malloc(cap);
    json_t *v;

    if (s == NULL)
        return NULL;
    sodium_bin2base64(s, cap, p, n, B64_VARIANT);
    v = json_stringn(s, cap - 1);
    free(s);
    return v;
}

enum { B64_OK, B64_NOT_STRING, B64_BAD, B64_NONCANONICAL };

/*
 * Decodes exactly n bytes of canonical base64. The whole string is
 * re-encoded and compared: libsodium 1.0.18's decoder takes some bytes
 * outside the alphabet (>= 0x80) as digits, so checking only the tail would
 * let one ballot have two encodings, and two tracking codes.
 */
static int b64_exact(uint8_t *out, size_t n, const json_t *v)
{
    const char *s = json_string_value(v);
    size_t slen = json_string_length(v), got = 0;
    char *again;
    int rc;

    if (s == NULL)
        return B64_NOT_STRING;
    if (n == 0 || slen != sodium_base64_ENCODED_LEN(n, B64_VARIANT) - 1 ||
        sodium_base642bin(out, n, s, slen, NULL, &got, NULL, B64_VARIANT) != 0 || got != n)
        return B64_BAD;
    if ((again = malloc(slen + 1)) == NULL)
        return B64_BAD;
    sodium_bin2base64(again, slen + 1, out, n, B64_VARIANT);
    rc = memcmp(again, s, slen) == 0 ? B64_OK : B64_NONCANONICAL;
    free(again);
    return rc;
}

static veche_err b64_diag(veche_diag *d, int rc, size_t n, const char *path)
{
    switch (rc) {
    case B64_OK:
        return VECHE_OK;
    case B64_NOT_STRING:
        return veche_diag_set(d, VECHE_EINVALID, "%s: must be a base64 string", path);
    case B64_BAD:
        return veche_diag_set(d, VECHE_EENCODING, "%s: not base64 of %zu bytes", path, n);
    default:
        return veche_diag_set(d, VECHE_EENCODING, "%s: non-canonical base64", path);
    }
}

/* ---- the manifest's shape and the selection layout ---------------------- */

/*
 * The derived counts come from manifest.c; they are checked here only as
 * far as this file's memory safety depends on them, so a hand-built or
 * damaged manifest is refused instead of overrunning an array.
 */
static veche_err manifest_ok(const veche_manifest *m, veche_diag *d)
{
    if (m == NULL || m->id == NULL || m->ncontests == 0 || m->ncontests > VECHE_MAX_CONTESTS)
        return veche_diag_set(d, VECHE_EINVALID, "manifest: no contests, or more than %d",
                              VECHE_MAX_CONTESTS);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        size_t implicit = ct->nsel - ct->nexplicit;
        if (ct->noptions == 0 || ct->noptions > VECHE_MAX_OPTIONS ||
            ct->nsel != ct->noptions + (ct->blank ? 1 : 0) || ct->nexplicit > ct->nsel ||
            implicit != (ct->min == ct->max ? 1u : 0u) || ct->min > ct->max ||
            ct->max > ct->nsel || ct->sum_hi > ct->nexplicit ||
            veche_range_proof_size(ct->sum_lo, ct->sum_hi) == 0)
            return veche_diag_set(d, VECHE_EINVALID,
                                  "manifest: contest %zu (\"%s\"): inconsistent selection counts",
                                  c, contest_name(ct));
    }
    return VECHE_OK;
}

/* first[c] = index of contest c's first explicit selection in a flat array. */
static void layout(size_t first[VECHE_MAX_CONTESTS + 1], const veche_manifest *m)
{
    first[0] = 0;
    for (size_t c = 0; c < m->ncontests; c++)
        first[c + 1] = first[c] + m->contests[c].nexplicit;
}

static size_t sum_proof_size(const veche_contest *ct)
{
    return ct->sum_proof ? veche_range_proof_size(ct->sum_lo, ct->sum_hi) : 0;
}

static void ctx_for(veche_ctx *ctx, const uint8_t fingerprint[32], const uint8_t X[32],
                    uint32_t i0, uint32_t i1)
{
    veche_ctx_init(ctx, fingerprint);
    memcpy(ctx->party, X, 32);
    ctx->index[0] = i0;
    ctx->index[1] = i1;
}

/* ---- building ---------------------------------------------------------- */

/*
 * Every mark 0/1, none outside the contests' selections, a count within
 * [min, max] per contest. The loops read every mark the same way whatever
 * the vote; the only branches are on whether the choices are valid at all.
 */
static veche_err check_choices(const veche_manifest *m, const veche_choices *ch, veche_diag *d)
{
    for (size_t c = 0; c < VECHE_MAX_CONTESTS; c++) {
        const veche_contest *ct = &m->contests[c];
        size_t nsel = c < m->ncontests ? ct->nsel : 0;
        uint32_t count = 0;
        for (size_t s = 0; s < VECHE_MAX_SELECTIONS; s++) {
            uint8_t v = ch->mark[c][s];
            if (v > 1 || (s >= nsel && v != 0)) {
                if (c >= m->ncontests)
                    return veche_diag_set(d, VECHE_EINVALID,
                                          "choices: the election has %zu contests, not %zu",
                                          m->ncontests, c + 1);
                if (s >= nsel)
                    return veche_diag_set(d, VECHE_EINVALID,
                                          "choices: contest %zu (\"%s\") has %zu selections; "
                                          "there is no selection %zu", c, contest_name(ct),
                                          nsel, s);
                return veche_diag_set(d, VECHE_EINVALID,
                                      "choices: contest %zu (\"%s\"), selection %zu: a mark "
                                      "is 0 or 1", c, contest_name(ct), s);
            }
            count += v;
        }
        if (c < m->ncontests && (count < ct->min || count > ct->max))
            return veche_diag_set(d, VECHE_ERANGE,
                                  "choices: contest %zu (\"%s\"): %u selections chosen; "
                                  "between %u and %u allowed", c, contest_name(ct), count,
                                  ct->min, ct->max);
    }
    return VECHE_OK;
}

/* The state of one ballot under construction. */
typedef struct builder {
    const veche_manifest *m;
    const veche_pubkey   *K;
    const uint8_t        *fingerprint, *X;
    veche_ballot_secrets *audit;        /* NULL: nonces are wiped at once */
    veche_rng            *rng;
    uint8_t               proof[VECHE_RANGE_MAX_BRANCHES * VECHE_RANGE_BRANCH_BYTES];
} builder;

/* Encrypts and proves selection s of contest c into the two arrays. */
static veche_err build_selection(builder *b, size_t c, size_t s, uint8_t mark, json_t *cts,
                                 json_t *proofs, veche_ciphertext *sum, veche_scalar *rsum)
{
    uint8_t enc[CT_BYTES];
    veche_ciphertext ct;
    veche_scalar r;
    veche_ctx ctx;
    veche_err e;

    veche_encrypt_random(&ct, &r, b->K, mark, b->rng);
    ctx_for(&ctx, b->fingerprint, b->X, (uint32_t)c, (uint32_t)s);
    e = veche_range_prove(b->proof, SEL_PROOF, b->K, &ct, mark, &r, 0, 1, &ctx, b->rng);
    veche_ciphertext_add(sum, sum, &ct);
    veche_scalar_add(rsum, rsum, &r);
    if (b->audit != NULL) {
        size_t i = b->audit->first[c] + s;
        b->audit->plaintext[i] = mark;
        b->audit->nonce[i] = r;
    }
    veche_scalar_wipe(&r);
    if (e != VECHE_OK)
        return e;
    veche_ciphertext_encode(enc, &ct);
    if (json_array_append_new(cts, b64_string(enc, CT_BYTES)) != 0 ||
        json_array_append_new(proofs, b64_string(b->proof, SEL_PROOF)) != 0)
        return VECHE_ENOMEM;
    return VECHE_OK;
}

/* One contest's {"ciphertexts", "proofs"[, "sum_proof"]}, appended to arr. */
static veche_err build_contest(builder *b, size_t c, const uint8_t *marks, json_t *arr)
{
    const veche_contest *ct = &b->m->contests[c];
    json_t *obj = json_object(), *cts = json_array(), *proofs = json_array();
    veche_ciphertext sum;
    veche_scalar rsum = veche_scalar_zero_c;
    uint64_t msum = 0;
    veche_err e = VECHE_OK;
    veche_ctx ctx;

    if (obj == NULL || cts == NULL || proofs == NULL ||
        json_object_set(obj, "ciphertexts", cts) != 0 ||
        json_object_set(obj, "proofs", proofs) != 0 || json_array_append(arr, obj) != 0)
        e = VECHE_ENOMEM;
    veche_ciphertext_zero(&sum);
    for (size_t s = 0; e == VECHE_OK && s < ct->nexplicit; s++) {
        e = build_selection(b, c, s, marks[s], cts, proofs, &sum, &rsum);
        msum += marks[s];
    }
    if (e == VECHE_OK && ct->sum_proof) {
        size_t n = sum_proof_size(ct);
        ctx_for(&ctx, b->fingerprint, b->X, (uint32_t)c, VECHE_INDEX_NONE);
        e = veche_range_prove(b->proof, n, b->K, &sum, msum, &rsum, ct->sum_lo, ct->sum_hi,
                              &ctx, b->rng);
        if (e == VECHE_OK && json_object_set_new(obj, "sum_proof", b64_string(b->proof, n)) != 0)
            e = VECHE_ENOMEM;
    }
    veche_scalar_wipe(&rsum);
    sodium_memzero(&msum, sizeof msum);
    json_decref(obj);
    json_decref(cts);
    json_decref(proofs);
    return e;
}

static veche_err secrets_alloc(veche_ballot_secrets *s, const veche_manifest *m)
{
    memset(s, 0, sizeof *s);
    s->ncontests = m->ncontests;
    layout(s->first, m);
    s->plaintext = calloc(s->first[m->ncontests] + 1, sizeof *s->plaintext);
    s->nonce = calloc(s->first[m->ncontests] + 1, sizeof *s->nonce);
    if (s->plaintext == NULL || s->nonce == NULL) {
        veche_ballot_secrets_free(s);
        return VECHE_ENOMEM;
    }
    return VECHE_OK;
}

void veche_ballot_secrets_free(veche_ballot_secrets *s)
{
    if (s == NULL)
        return;
    if (s->plaintext != NULL)
        sodium_memzero(s->plaintext, s->first[s->ncontests] * sizeof *s->plaintext);
    if (s->nonce != NULL)
        sodium_memzero(s->nonce, s->first[s->ncontests] * sizeof *s->nonce);
    free(s->plaintext);
    free(s->nonce);
    memset(s, 0, sizeof *s);
}

/* Signs the canonical JSON of body (which has no "signature" yet) and adds it. */
static veche_err sign_body(json_t *body, const builder *b, const veche_scalar *x, veche_diag *d)
{
    uint8_t sig[VECHE_SCHNORR_BYTES];
    char *msg;
    size_t mlen;
    veche_ctx ctx;
    veche_err e;

    if ((e = veche_canon_dump(&msg, &mlen, body, d)) != VECHE_OK)
        return e;
    ctx_for(&ctx, b->fingerprint, b->X, VECHE_INDEX_NONE, VECHE_INDEX_NONE);
    e = veche_sign(sig, x, b->X, (const uint8_t *)msg, mlen, &ctx, b->rng);
    free(msg);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "signing the ballot: %s", veche_strerror(e));
    if (json_object_set_new(body, "signature", b64_string(sig, sizeof sig)) != 0)
        return oom(d);
    return VECHE_OK;
}

/* The body with every contest, unsigned. */
static veche_err build_body(json_t **out, builder *b, const veche_choices *ch, veche_diag *d)
{
    json_t *body = json_object(), *contests = json_array();
    veche_err e = VECHE_OK;

    *out = NULL;
    if (body == NULL || contests == NULL ||
        json_object_set_new(body, "election", json_string(b->m->id)) != 0 ||
        json_object_set_new(body, "credential", b64_string(b->X, 32)) != 0 ||
        json_object_set(body, "contests", contests) != 0)
        e = VECHE_ENOMEM;
    for (size_t c = 0; e == VECHE_OK && c < b->m->ncontests; c++)
        e = build_contest(b, c, ch->mark[c], contests);
    json_decref(contests);
    if (e != VECHE_OK) {
        json_decref(body);
        if (e == VECHE_ENOMEM)
            return oom(d);
        return veche_diag_set(d, e, "encrypting the ballot: %s", veche_strerror(e));
    }
    *out = body;
    return VECHE_OK;
}

/* X must be x·G: a mismatch would only show later as a bad signature. */
static veche_err check_credential(const veche_scalar *x, const uint8_t X[32], veche_diag *d)
{
    veche_point P;
    uint8_t enc[32];

    veche_point_mul_base(&P, x);
    veche_point_encode(enc, &P);
    if (sodium_is_zero(enc, 32) || memcmp(enc, X, 32) != 0)
        return veche_diag_set(d, VECHE_EINVALID,
                              "credential: the secret key does not match the public credential");
    return VECHE_OK;
}

veche_err veche_ballot_build(char **entry, size_t *len, const veche_manifest *m,
                             const veche_pubkey *K, const uint8_t fingerprint[32],
                             const veche_scalar *x, const uint8_t X[32],
                             const veche_choices *choices, veche_ballot_secrets *audit_out,
                             veche_rng *rng, veche_diag *d)
{
    builder *b;
    json_t *body = NULL;
    veche_err e;

    *entry = NULL;
    *len = 0;
    if (audit_out != NULL)
        memset(audit_out, 0, sizeof *audit_out);
    if ((e = manifest_ok(m, d)) != VECHE_OK || (e = check_choices(m, choices, d)) != VECHE_OK ||
        (e = check_credential(x, X, d)) != VECHE_OK)
        return e;
    if ((b = calloc(1, sizeof *b)) == NULL)   /* its proof buffer is 128 KiB */
        return oom(d);
    b->m = m, b->K = K, b->fingerprint = fingerprint, b->X = X, b->rng = rng;
    if (audit_out != NULL && secrets_alloc(audit_out, m) != VECHE_OK)
        e = oom(d);
    b->audit = audit_out;
    if (e == VECHE_OK)
        e = build_body(&body, b, choices, d);
    if (e == VECHE_OK)
        e = sign_body(body, b, x, d);
    if (e == VECHE_OK)
        e = veche_entry_build(entry, len, VECHE_BALLOT_TYPE, body, NULL, d);
    if (e == VECHE_OK && *len > VECHE_ENTRY_MAX_BYTES)
        e = veche_diag_set(d, VECHE_ERANGE,
                           "the ballot would be %zu bytes, over the board's limit of %u: "
                           "the manifest has too many selections", *len, VECHE_ENTRY_MAX_BYTES);
    json_decref(body);
    free(b);
    if (e != VECHE_OK) {
        free(*entry);
        *entry = NULL;
        *len = 0;
        veche_ballot_secrets_free(audit_out);
    }
    return e;
}

/* ---- verifying --------------------------------------------------------- */

/* Everything decoded from the bytes, before any cryptography. */
typedef struct parsed {
    const json_t *json;                        /* the entry, borrowed */
    uint8_t  credential[32], signature[64];
    size_t   first[VECHE_MAX_CONTESTS + 1];
    size_t   sum_at[VECHE_MAX_CONTESTS + 1];   /* offsets of the sum proofs in sums */
    uint8_t *raw;                              /* the one buffer below point into */
    uint8_t *cts;                              /* 64 bytes per explicit selection */
    uint8_t *proofs;                           /* 256 bytes per explicit selection */
    uint8_t *sums;                             /* the sum proofs, contest after contest */
} parsed;

static const char *const body_members[] = {"contests", "credential", "election", "signature"};

/* Exactly the members keys[0..n) (json_object_size counts, each present). */
static int has_exactly(const json_t *obj, const char *const *keys, size_t n)
{
    if (!json_is_object(obj) || json_object_size(obj) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (json_object_get(obj, keys[i]) == NULL)
            return 0;
    return 1;
}

/* Step 1, once the bytes are parsed: {"body", "type": "election.ballot", "v": 1}. */
static veche_err check_envelope(const json_t *entry, veche_diag *d)
{
    static const char *const members[] = {"body", "type", "v"};
    const json_t *t = json_object_get(entry, "type"), *v = json_object_get(entry, "v");

    if (!has_exactly(entry, members, 3))
        return veche_diag_set(d, VECHE_EINVALID,
                              "ballot: an entry with exactly \"body\", \"type\" and \"v\" "
                              "(and no board signature) expected");
    if (!json_is_string(t) || strcmp(json_string_value(t), VECHE_BALLOT_TYPE) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "type: \"%s\" expected", VECHE_BALLOT_TYPE);
    if (!json_is_integer(v) || json_integer_value(v) != 1)
        return veche_diag_set(d, VECHE_EINVALID, "v: must be 1");
    return VECHE_OK;
}

/* Step 3 for one contest: arrays of the right lengths, canonical base64. */
static veche_err parse_contest(parsed *p, const json_t *cj, const veche_contest *ct, size_t c,
                               veche_diag *d)
{
    static const char *const with_sum[] = {"ciphertexts", "proofs", "sum_proof"};
    const json_t *cts = json_object_get(cj, "ciphertexts"), *prs = json_object_get(cj, "proofs");
    char path[96];
    size_t n = ct->nexplicit, base = p->first[c];
    int rc;

    if (!has_exactly(cj, with_sum, ct->sum_proof ? 3 : 2))
        return veche_diag_set(d, VECHE_EINVALID,
                              "body.contests[%zu]: exactly \"ciphertexts\", \"proofs\"%s "
                              "expected for contest \"%s\"", c,
                              ct->sum_proof ? " and \"sum_proof\"" : " (no \"sum_proof\")",
                              contest_name(ct));
    if (!json_is_array(cts) || json_array_size(cts) != n || !json_is_array(prs) ||
        json_array_size(prs) != n)
        return veche_diag_set(d, VECHE_EINVALID,
                              "body.contests[%zu]: \"ciphertexts\" and \"proofs\" must be arrays "
                              "of %zu, the explicit selections of contest \"%s\"", c, n,
                              contest_name(ct));
    for (size_t s = 0; s < n; s++) {
        rc = b64_exact(p->cts + (base + s) * CT_BYTES, CT_BYTES, json_array_get(cts, s));
        if (rc != B64_OK) {
            snprintf(path, sizeof path, "body.contests[%zu].ciphertexts[%zu]", c, s);
            return b64_diag(d, rc, CT_BYTES, path);
        }
        rc = b64_exact(p->proofs + (base + s) * SEL_PROOF, SEL_PROOF, json_array_get(prs, s));
        if (rc != B64_OK) {
            snprintf(path, sizeof path, "body.contests[%zu].proofs[%zu]", c, s);
            return b64_diag(d, rc, SEL_PROOF, path);
        }
    }
    if (ct->sum_proof) {
        size_t size = p->sum_at[c + 1] - p->sum_at[c];
        rc = b64_exact(p->sums + p->sum_at[c], size, json_object_get(cj, "sum_proof"));
        snprintf(path, sizeof path, "body.contests[%zu].sum_proof", c);
        return b64_diag(d, rc, size, path);
    }
    return VECHE_OK;
}

/* Step 2 and 3: the body's members and every contest. */
static veche_err parse_body(parsed *p, const veche_manifest *m, veche_diag *d)
{
    const json_t *body = json_object_get(p->json, "body"), *el, *contests;
    size_t nsel, nsum = 0;
    veche_err e;

    if (!has_exactly(body, body_members, 4))
        return veche_diag_set(d, VECHE_EINVALID, "body: exactly \"contests\", \"credential\", "
                              "\"election\" and \"signature\" expected");
    el = json_object_get(body, "election");
    if (!json_is_string(el) || strcmp(json_string_value(el), m->id) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "body.election: not this election (\"%s\")",
                              m->id);
    if ((e = b64_diag(d, b64_exact(p->credential, 32, json_object_get(body, "credential")), 32,
                      "body.credential")) != VECHE_OK ||
        (e = b64_diag(d, b64_exact(p->signature, 64, json_object_get(body, "signature")), 64,
                      "body.signature")) != VECHE_OK)
        return e;
    contests = json_object_get(body, "contests");
    if (!json_is_array(contests) || json_array_size(contests) != m->ncontests)
        return veche_diag_set(d, VECHE_EINVALID, "body.contests: must be an array of %zu, "
                              "one per contest", m->ncontests);
    layout(p->first, m);
    nsel = p->first[m->ncontests];
    p->sum_at[0] = 0;
    for (size_t c = 0; c < m->ncontests; c++)
        p->sum_at[c + 1] = p->sum_at[c] + sum_proof_size(&m->contests[c]);
    nsum = p->sum_at[m->ncontests];
    if ((p->raw = malloc(nsel * (CT_BYTES + SEL_PROOF) + nsum + 1)) == NULL)
        return oom(d);
    p->cts = p->raw;
    p->proofs = p->cts + nsel * CT_BYTES;
    p->sums = p->proofs + nsel * SEL_PROOF;
    for (size_t c = 0; c < m->ncontests; c++)
        if ((e = parse_contest(p, json_array_get(contests, c), &m->contests[c], c, d)))
            return e;
    return VECHE_OK;
}

/* Step 4: each ciphertext into out->ct, decoded once for good. */
static veche_err decode_ciphertexts(veche_ballot *out, const parsed *p, const veche_manifest *m,
                                    veche_diag *d)
{
    size_t n = p->first[m->ncontests];

    if ((out->ct = malloc((n + 1) * sizeof *out->ct)) == NULL)
        return oom(d);
    for (size_t c = 0; c < m->ncontests; c++)
        for (size_t i = p->first[c]; i < p->first[c + 1]; i++)
            if (veche_ciphertext_decode(&out->ct[i], p->cts + i * CT_BYTES) != VECHE_OK)
                return veche_diag_set(d, VECHE_EENCODING, "body.contests[%zu].ciphertexts[%zu]: "
                                      "not two canonical point encodings", c, i - p->first[c]);
    return VECHE_OK;
}

/*
 * The signed message, cut from the entry's bytes instead of re-serializing
 * the body. The entry is canonical with exactly "body", "type", "v", so it
 * is  {"body":BODY,"type":"election.ballot","v":1}  and BODY, whose members
 * are sorted, ends with  ,"signature":"<88 characters>"}  — dropping that
 * member leaves the canonical body without "signature". The literal parts
 * are compared anyway, so a mismatch is refused, never misread.
 */
static veche_err signed_message(uint8_t **msg, size_t *mlen, const uint8_t *entry, size_t len,
                                veche_diag *d)
{
    static const char head[] = "{\"body\":";
    static const char tail[] = ",\"type\":\"" VECHE_BALLOT_TYPE "\",\"v\":1}";
    static const char sig[] = ",\"signature\":\"";
    const size_t hl = sizeof head - 1, tl = sizeof tail - 1, sl = sizeof sig - 1;
    const size_t cut = sl + 88 + 1;     /* ,"signature":" + base64 + " */
    const uint8_t *body = entry + hl;
    size_t blen;

    if (len < hl + tl + cut + 2 || memcmp(entry, head, hl) != 0 ||
        memcmp(entry + len - tl, tail, tl) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "ballot: unexpected layout of the entry");
    blen = len - hl - tl;
    if (body[blen - 1] != '}' || body[blen - 2] != '"' ||
        memcmp(body + blen - 1 - cut, sig, sl) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "body.signature: not the body's last member");
    *mlen = blen - cut;                 /* BODY up to the cut, then its closing brace */
    if ((*msg = malloc(*mlen)) == NULL)
        return oom(d);
    memcpy(*msg, body, *mlen - 1);
    (*msg)[*mlen - 1] = '}';
    return VECHE_OK;
}

/* Step 5. */
static veche_err verify_signature(const parsed *p, const uint8_t *entry, size_t len,
                                  const uint8_t fingerprint[32], veche_diag *d)
{
    uint8_t *msg = NULL;
    size_t mlen = 0;
    veche_point X;
    veche_ctx ctx;
    veche_err e;

    if ((e = signed_message(&msg, &mlen, entry, len, d)) != VECHE_OK)
        return e;
    ctx_for(&ctx, fingerprint, p->credential, VECHE_INDEX_NONE, VECHE_INDEX_NONE);
    e = veche_sign_verify(p->signature, p->credential, msg, mlen, &ctx);
    free(msg);
    if (e == VECHE_OK)
        return VECHE_OK;
    if (veche_point_decode(&X, p->credential, VECHE_NO_IDENTITY) != VECHE_OK)
        return veche_diag_set(d, VECHE_EENCODING,
                              "body.credential: not a valid public key (a canonical, "
                              "non-identity point)");
    if (e != VECHE_EVERIFY)
        return veche_diag_set(d, e, "body.signature: not a canonical encoding");
    return veche_diag_set(d, e, "body.signature: does not verify for this credential and "
                          "election");
}

/* Steps 6 and 7 for contest c. */
static veche_err verify_contest(const parsed *p, const veche_ballot *out, const veche_contest *ct,
                                size_t c, const veche_pubkey *K, const uint8_t fingerprint[32],
                                veche_diag *d)
{
    veche_ciphertext sum;
    uint8_t sum_enc[CT_BYTES];
    veche_ctx ctx;
    veche_err e;

    veche_ciphertext_zero(&sum);
    for (size_t i = p->first[c]; i < p->first[c + 1]; i++) {
        size_t s = i - p->first[c];
        ctx_for(&ctx, fingerprint, p->credential, (uint32_t)c, (uint32_t)s);
        e = veche_range_verify(p->proofs + i * SEL_PROOF, SEL_PROOF, K, p->cts + i * CT_BYTES,
                               0, 1, &ctx);
        if (e != VECHE_OK)
            return veche_diag_set(d, e, "body.contests[%zu].proofs[%zu]: the proof that the "
                                  "selection is 0 or 1 does not verify (%s)", c, s,
                                  veche_strerror(e));
        veche_ciphertext_add(&sum, &sum, &out->ct[i]);
    }
    if (!ct->sum_proof)
        return VECHE_OK;
    veche_ciphertext_encode(sum_enc, &sum);
    ctx_for(&ctx, fingerprint, p->credential, (uint32_t)c, VECHE_INDEX_NONE);
    e = veche_range_verify(p->sums + p->sum_at[c], p->sum_at[c + 1] - p->sum_at[c], K, sum_enc,
                           ct->sum_lo, ct->sum_hi, &ctx);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "body.contests[%zu].sum_proof: the proof that the number of "
                              "selections is in [%llu, %llu] does not verify (%s)", c,
                              (unsigned long long)ct->sum_lo, (unsigned long long)ct->sum_hi,
                              veche_strerror(e));
    return VECHE_OK;
}

void veche_ballot_free(veche_ballot *b)
{
    if (b == NULL)
        return;
    free(b->ct);
    memset(b, 0, sizeof *b);
}

veche_err veche_ballot_verify_decoded(veche_ballot *out, const uint8_t *entry, size_t len,
                                      const json_t *json, const veche_manifest *m,
                                      const veche_pubkey *K, const uint8_t fingerprint[32],
                                      veche_diag *d)
{
    parsed p;
    veche_err e;

    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    p.json = json;
    if (len > VECHE_ENTRY_MAX_BYTES)
        return veche_diag_set(d, VECHE_ERANGE, "ballot: %zu bytes, the limit is %u", len,
                              VECHE_ENTRY_MAX_BYTES);
    if ((e = manifest_ok(m, d)) == VECHE_OK && (e = check_envelope(json, d)) == VECHE_OK &&
        (e = parse_body(&p, m, d)) == VECHE_OK && (e = decode_ciphertexts(out, &p, m, d)) == VECHE_OK)
        e = verify_signature(&p, entry, len, fingerprint, d);
    for (size_t c = 0; e == VECHE_OK && c < m->ncontests; c++)
        e = verify_contest(&p, out, &m->contests[c], c, K, fingerprint, d);
    free(p.raw);
    if (e != VECHE_OK) {
        veche_ballot_free(out);
        return e;
    }
    memcpy(out->credential, p.credential, 32);
    veche_merkle_leaf_hash(out->tracking, entry, len);
    out->ncontests = m->ncontests;
    memcpy(out->first, p.first, sizeof out->first);
    return VECHE_OK;
}

veche_err veche_ballot_verify(veche_ballot *out, const uint8_t *entry, size_t len,
                              const veche_manifest *m, const veche_pubkey *K,
                              const uint8_t fingerprint[32], veche_diag *d)
{
    json_t *json;
    veche_err e;

    memset(out, 0, sizeof *out);
    if (len > VECHE_ENTRY_MAX_BYTES)
        return veche_diag_set(d, VECHE_ERANGE, "ballot: %zu bytes, the limit is %u", len,
                              VECHE_ENTRY_MAX_BYTES);
    if ((e = veche_canon_parse(&json, (const char *)entry, len, d)) != VECHE_OK)
        return e;
    e = veche_ballot_verify_decoded(out, entry, len, json, m, K, fingerprint, d);
    json_decref(json);
    return e;
}

/* ---- the manifest-free shape check ------------------------------------- */

static veche_err check_contest_shape(const json_t *cj, size_t c, veche_diag *d)
{
    const json_t *cts = json_object_get(cj, "ciphertexts"), *prs = json_object_get(cj, "proofs");
    const json_t *sum = json_object_get(cj, "sum_proof");
    uint8_t buf[SEL_PROOF];
    char path[96];
    int rc;

    if (!json_is_object(cj) || json_object_size(cj) != 2u + (sum != NULL) || !json_is_array(cts) ||
        !json_is_array(prs) || json_array_size(cts) != json_array_size(prs) ||
        json_array_size(cts) > VECHE_MAX_SELECTIONS || (sum != NULL && !json_is_string(sum)))
        return veche_diag_set(d, VECHE_EINVALID, "body.contests[%zu]: \"ciphertexts\" and "
                              "\"proofs\" (arrays of one length, at most %d) and an optional "
                              "\"sum_proof\" string expected", c, VECHE_MAX_SELECTIONS);
    for (size_t s = 0; s < json_array_size(cts); s++) {
        if ((rc = b64_exact(buf, CT_BYTES, json_array_get(cts, s))) != B64_OK) {
            snprintf(path, sizeof path, "body.contests[%zu].ciphertexts[%zu]", c, s);
            return b64_diag(d, rc, CT_BYTES, path);
        }
        if ((rc = b64_exact(buf, SEL_PROOF, json_array_get(prs, s))) != B64_OK) {
            snprintf(path, sizeof path, "body.contests[%zu].proofs[%zu]", c, s);
            return b64_diag(d, rc, SEL_PROOF, path);
        }
    }
    return VECHE_OK;
}

veche_err veche_ballot_check_body(const json_t *body, veche_diag *d)
{
    const json_t *el = json_object_get(body, "election"), *contests;
    uint8_t buf[64];
    veche_err e;

    if (!has_exactly(body, body_members, 4))
        return veche_diag_set(d, VECHE_EINVALID, "body: exactly \"contests\", \"credential\", "
                              "\"election\" and \"signature\" expected");
    if (!json_is_string(el) || json_string_length(el) == 0 ||
        json_string_length(el) > VECHE_ELECTION_ID_MAX)
        return veche_diag_set(d, VECHE_EINVALID, "body.election: an election id expected");
    if ((e = b64_diag(d, b64_exact(buf, 32, json_object_get(body, "credential")), 32,
                      "body.credential")) != VECHE_OK ||
        (e = b64_diag(d, b64_exact(buf, 64, json_object_get(body, "signature")), 64,
                      "body.signature")) != VECHE_OK)
        return e;
    contests = json_object_get(body, "contests");
    if (!json_is_array(contests) || json_array_size(contests) == 0 ||
        json_array_size(contests) > VECHE_MAX_CONTESTS)
        return veche_diag_set(d, VECHE_EINVALID, "body.contests: an array of 1 to %d expected",
                              VECHE_MAX_CONTESTS);
    for (size_t c = 0; c < json_array_size(contests); c++)
        if ((e = check_contest_shape(json_array_get(contests, c), c, d)) != VECHE_OK)
            return e;
    return VECHE_OK;
}

/* ---- tracking code ----------------------------------------------------- */

void veche_ballot_tracking_code(char out[VECHE_TRACKING_CODE_CHARS + 1], const uint8_t *entry,
                                size_t len)
{
    veche_hash h;
    veche_merkle_leaf_hash(h, entry, len);
    sodium_bin2base64(out, VECHE_TRACKING_CODE_CHARS + 1, h, sizeof h, B64_VARIANT);
}

/* ---- the Benaloh audit ------------------------------------------------- */

static int secrets_fit(const veche_ballot_secrets *s, const veche_manifest *m)
{
    size_t first[VECHE_MAX_CONTESTS + 1];

    if (s == NULL || s->plaintext == NULL || s->nonce == NULL || s->ncontests != m->ncontests)
        return 0;
    layout(first, m);
    return memcmp(first, s->first, (m->ncontests + 1) * sizeof first[0]) == 0;
}

/* {"nonces": [...], "plaintexts": [...]} for contest c. */
static json_t *audit_contest(const veche_ballot_secrets *s, size_t c)
{
    json_t *obj = json_object(), *nonces = json_array(), *plain = json_array();
    uint8_t enc[32];
    int bad = obj == NULL || nonces == NULL || plain == NULL;

    for (size_t i = s->first[c]; !bad && i < s->first[c + 1]; i++) {
        veche_scalar_encode(enc, &s->nonce[i]);
        bad = json_array_append_new(nonces, b64_string(enc, 32)) != 0 ||
              json_array_append_new(plain, json_integer(s->plaintext[i])) != 0;
    }
    sodium_memzero(enc, sizeof enc);
    if (!bad)
        bad = json_object_set(obj, "nonces", nonces) != 0 ||
              json_object_set(obj, "plaintexts", plain) != 0;
    json_decref(nonces);
    json_decref(plain);
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

veche_err veche_ballot_audit_format(char **doc, size_t *len, const uint8_t *entry,
                                    size_t entry_len, const veche_manifest *m,
                                    const veche_ballot_secrets *s, veche_diag *d)
{
    json_t *ballot = NULL, *top, *contests;
    veche_err e;

    *doc = NULL;
    *len = 0;
    if ((e = manifest_ok(m, d)) != VECHE_OK)
        return e;
    if (!secrets_fit(s, m))
        return veche_diag_set(d, VECHE_EINVALID, "audit: the secrets do not fit the manifest");
    if ((e = veche_canon_parse(&ballot, (const char *)entry, entry_len, d)) != VECHE_OK)
        return e;
    top = json_object();
    contests = json_array();
    e = top == NULL || contests == NULL || json_object_set(top, "ballot", ballot) != 0 ||
        json_object_set(top, "contests", contests) != 0 ? VECHE_ENOMEM : VECHE_OK;
    for (size_t c = 0; e == VECHE_OK && c < m->ncontests; c++)
        if (json_array_append_new(contests, audit_contest(s, c)) != 0)
            e = VECHE_ENOMEM;
    if (e == VECHE_OK)
        e = veche_canon_dump(doc, len, top, d);
    else
        oom(d);
    json_decref(ballot);
    json_decref(contests);
    json_decref(top);
    return e;
}

/* One contest's revealed plaintexts and nonces, checked against its ciphertexts. */
static veche_err audit_check_contest(uint8_t *chosen, const json_t *cj, const veche_ballot *b,
                                     const veche_contest *ct, size_t c, const veche_pubkey *K,
                                     veche_diag *d)
{
    static const char *const members[] = {"nonces", "plaintexts"};
    const json_t *nonces = json_object_get(cj, "nonces"), *plain = json_object_get(cj, "plaintexts");
    uint32_t count = 0;
    uint8_t enc[32];
    veche_scalar r;
    char path[64];
    veche_err e = VECHE_OK;

    if (!has_exactly(cj, members, 2) || !json_is_array(nonces) || !json_is_array(plain) ||
        json_array_size(nonces) != ct->nexplicit || json_array_size(plain) != ct->nexplicit)
        return veche_diag_set(d, VECHE_EINVALID, "contests[%zu]: \"nonces\" and \"plaintexts\", "
                              "arrays of %zu, expected", c, ct->nexplicit);
    for (size_t s = 0; e == VECHE_OK && s < ct->nexplicit; s++) {
        const json_t *pv = json_array_get(plain, s);
        json_int_t v = json_integer_value(pv);
        snprintf(path, sizeof path, "contests[%zu].nonces[%zu]", c, s);
        if (!json_is_integer(pv) || v < 0 || v > 1)
            return veche_diag_set(d, VECHE_EINVALID, "contests[%zu].plaintexts[%zu]: 0 or 1 "
                                  "expected", c, s);
        if ((e = b64_diag(d, b64_exact(enc, 32, json_array_get(nonces, s)), 32, path)) != VECHE_OK)
            break;
        if (veche_scalar_decode(&r, enc) != VECHE_OK)
            e = veche_diag_set(d, VECHE_EENCODING, "%s: not a canonical scalar", path);
        else if (veche_benaloh_check(&b->ct[b->first[c] + s], K, (uint64_t)v, &r) != VECHE_OK)
            e = veche_diag_set(d, VECHE_EVERIFY, "contests[%zu]: ciphertext %zu is not the "
                               "encryption of %d with the nonce given", c, s, (int)v);
        chosen[s] = (uint8_t)v;
        count += (uint32_t)v;
    }
    if (e != VECHE_OK)
        return e;
    if (ct->nexplicit < ct->nsel) {         /* the implicit last selection: k - the others */
        if (count > ct->max || ct->max - count > 1)
            return veche_diag_set(d, VECHE_ERANGE, "contests[%zu]: the explicit selections add "
                                  "up to %u, which leaves no 0/1 implicit selection", c, count);
        chosen[ct->nexplicit] = (uint8_t)(ct->max - count);
        count = ct->max;
    }
    if (count < ct->min || count > ct->max)
        return veche_diag_set(d, VECHE_ERANGE, "contests[%zu]: %u selections; between %u and %u "
                              "allowed", c, count, ct->min, ct->max);
    return VECHE_OK;
}

/* The audit document's envelope, and its "ballot" back to the entry's bytes. */
static veche_err audit_parse(json_t **top, char **entry, size_t *elen, const uint8_t *doc,
                             size_t len, veche_diag *d)
{
    static const char *const members[] = {"ballot", "contests"};
    veche_err e;

    *entry = NULL;
    if ((e = veche_canon_parse(top, (const char *)doc, len, d)) != VECHE_OK)
        return e;
    if (!has_exactly(*top, members, 2) || !json_is_object(json_object_get(*top, "ballot")) ||
        !json_is_array(json_object_get(*top, "contests")))
        return veche_diag_set(d, VECHE_EINVALID, "audit: an object with exactly \"ballot\" (the "
                              "entry) and \"contests\" (an array) expected");
    return veche_canon_dump(entry, elen, json_object_get(*top, "ballot"), d);
}

veche_err veche_ballot_audit_check(veche_choices *chosen,
                                   char tracking[VECHE_TRACKING_CODE_CHARS + 1],
                                   const uint8_t *doc, size_t len, const veche_manifest *m,
                                   const veche_pubkey *K, const uint8_t fingerprint[32],
                                   veche_diag *d)
{
    json_t *top = NULL;
    const json_t *contests;
    char *entry = NULL;
    size_t elen = 0;
    veche_choices got;
    veche_ballot b;
    veche_err e;

    memset(&b, 0, sizeof b);
    memset(&got, 0, sizeof got);
    if ((e = manifest_ok(m, d)) == VECHE_OK && (e = audit_parse(&top, &entry, &elen, doc, len, d)) == VECHE_OK &&
        (e = veche_ballot_verify(&b, (const uint8_t *)entry, elen, m, K, fingerprint, d)) != VECHE_OK) {
        char why[sizeof d->msg];
        if (d != NULL) {
            memcpy(why, d->msg, sizeof why);
            veche_diag_set(d, e, "ballot: %.200s", why);
        }
    }
    contests = json_object_get(top, "contests");
    if (e == VECHE_OK && json_array_size(contests) != m->ncontests)
        e = veche_diag_set(d, VECHE_EINVALID, "contests: %zu expected, one per contest",
                           m->ncontests);
    for (size_t c = 0; e == VECHE_OK && c < m->ncontests; c++)
        e = audit_check_contest(got.mark[c], json_array_get(contests, c), &b, &m->contests[c], c,
                                K, d);
    if (e == VECHE_OK && chosen != NULL)
        *chosen = got;
    if (e == VECHE_OK && tracking != NULL)
        sodium_bin2base64(tracking, VECHE_TRACKING_CODE_CHARS + 1, b.tracking, 32, B64_VARIANT);
    sodium_memzero(&got, sizeof got);
    veche_ballot_free(&b);
    json_decref(top);
    free(entry);
    return e;
}

/* ---- parsing a voter's choices ----------------------------------------- */

/* A token: text[0..len), spaces trimmed. */
typedef struct token {
    const char *p;
    size_t      len;
} token;

static token trim(const char *p, size_t len)
{
    while (len > 0 && *p == ' ')
        p++, len--;
    while (len > 0 && p[len - 1] == ' ')
        len--;
    return (token){p, len};
}

static int token_is(token t, const char *s)
{
    return s != NULL && strlen(s) == t.len && memcmp(s, t.p, t.len) == 0;
}

/* A decimal index below limit, or -1. */
static long token_index(token t, size_t limit)
{
    long v = 0;
    if (t.len == 0 || t.len > 3)
        return -1;
    for (size_t i = 0; i < t.len; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return -1;
        v = v * 10 + (t.p[i] - '0');
    }
    return (size_t)v < limit ? v : -1;
}

static long find_contest(const veche_manifest *m, token t)
{
    for (size_t c = 0; c < m->ncontests; c++)
        if (token_is(t, m->contests[c].id))
            return (long)c;
    return token_index(t, m->ncontests);
}

static long find_selection(const veche_contest *ct, token t)
{
    for (size_t s = 0; s < ct->noptions; s++)
        if (token_is(t, ct->options[s]))
            return (long)s;
    if (ct->blank && token_is(t, "blank"))
        return (long)ct->noptions;
    return token_index(t, ct->nsel);
}

/* The selections after "CONTEST:" of one group, into marks. */
static veche_err parse_selections(uint8_t *marks, const veche_contest *ct, const char *p,
                                  size_t len, veche_diag *d)
{
    token all = trim(p, len);
    const char *end = p + len;

    if (all.len == 0)
        return VECHE_OK;                    /* "id:" chooses nothing */
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        token t = trim(p, (size_t)(stop - p));
        long s = find_selection(ct, t);
        if (s < 0)
            return veche_diag_set(d, VECHE_EINVALID, "choices: contest \"%s\" has no selection "
                                  "\"%.*s\" (give an option's text, \"blank\" or an index below "
                                  "%zu)", contest_name(ct), (int)(t.len > 64 ? 64 : t.len), t.p,
                                  ct->nsel);
        if (marks[s])
            return veche_diag_set(d, VECHE_EINVALID, "choices: contest \"%s\": selection %ld "
                                  "chosen twice", contest_name(ct), s);
        marks[s] = 1;
        p = stop + 1;
    }
    return VECHE_OK;
}

/* One "CONTEST:SEL,..." group. */
static veche_err parse_group(veche_choices *out, uint8_t *seen, const veche_manifest *m,
                             const char *p, size_t len, size_t g, veche_diag *d)
{
    const char *colon = memchr(p, ':', len);
    token name;
    long c;

    if (colon == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "choices: group %zu (\"%.*s\") has no ':' "
                              "(CONTEST:SELECTION,... expected)", g + 1, (int)(len > 64 ? 64 : len), p);
    name = trim(p, (size_t)(colon - p));
    if ((c = find_contest(m, name)) < 0)
        return veche_diag_set(d, VECHE_EINVALID, "choices: group %zu: no contest \"%.*s\" (give "
                              "its id or an index below %zu)", g + 1,
                              (int)(name.len > 64 ? 64 : name.len), name.p, m->ncontests);
    if (seen[c])
        return veche_diag_set(d, VECHE_EINVALID, "choices: contest \"%s\" given twice",
                              contest_name(&m->contests[c]));
    seen[c] = 1;
    return parse_selections(out->mark[c], &m->contests[c], colon + 1,
                            len - (size_t)(colon + 1 - p), d);
}

veche_err veche_choices_parse(veche_choices *out, const char *text, const veche_manifest *m,
                              veche_diag *d)
{
    uint8_t seen[VECHE_MAX_CONTESTS] = {0};
    const char *p = text, *end;
    veche_err e;

    memset(out, 0, sizeof *out);
    if ((e = manifest_ok(m, d)) != VECHE_OK)
        return e;
    end = text + strlen(text);
    for (size_t g = 0; p <= end; g++) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi != NULL ? semi : end;
        if ((e = parse_group(out, seen, m, p, (size_t)(stop - p), g, d)) != VECHE_OK) {
            sodium_memzero(out, sizeof *out);
            return e;
        }
        p = stop + 1;
    }
    for (size_t c = 0; c < m->ncontests; c++)
        if (!seen[c]) {
            sodium_memzero(out, sizeof *out);
            return veche_diag_set(d, VECHE_EINVALID, "choices: contest \"%s\" (index %zu) is "
                                  "missing; write \"%s:\" to choose nothing", 
                                  contest_name(&m->contests[c]), c, contest_name(&m->contests[c]));
        }
    return VECHE_OK;
}
