/*
 * fuzz/fuzz_election.c — libFuzzer target for the election layer's readers
 * of outside input (ballots have their own target, fuzz_ballot.c):
 * credential codes, manifests, the body shapes of every election.* and
 * trustee.* entry type, election.credentials lists, and the key ceremony,
 * election.tally and trustee.decryption entries as judged from a record.
 *
 * Every input is read these ways:
 *
 *   1. as a typed credential code (veche_code_read, veche_credential_derive):
 *      the result must be exactly that of a reader written here from
 *      credentials.h (drop '-' and ' ', upper-case, 21 symbols of the
 *      alphabet, weighted checksum 0 mod 31: OK; a bad character, a wrong
 *      count or over 256 characters: EENCODING; a bad checksum: EVERIFY);
 *      an accepted code prints and reads back to the same symbols and
 *      derives X = x·G.
 *   2. as a manifest file, the way `veche election create` reads one
 *      (json_loadb, duplicates refused) and then veche_manifest_parse: it
 *      must accept exactly what a validator written here from
 *      docs/ELECTION-DESIGN.md §1 (and manifest.c's documented narrowings)
 *      accepts; refuse with a message and a zeroed manifest; and an accepted
 *      manifest is rebuilt member by member into JSON equal to the input,
 *      has the design's derived counts, and — when it is within canonical
 *      JSON — becomes a signed election.manifest entry the board accepts.
 *   3. as canonical JSON: an object is given as a body to every registered
 *      type's body check (after veche_election_register_types), and a whole
 *      entry's body to its own type's check, with no signature in the way;
 *      each must accept exactly what a shape validator written here from
 *      election.h / credentials.h / ballot.h accepts. Also
 *      veche_credentials_parse of the object as a one-part list, against
 *      the same kind of model, and veche_entry_decode of the bytes (the
 *      board's own path): what it accepts passes the models.
 *   4. as a record: lines (split at '\n') that are canonical entry objects
 *      passing their type's body check become items (index = line number;
 *      "author" read, the signature not checked — that is the board's, and
 *      fuzz_entry's). veche_credentials_parse of the election.credentials
 *      parts, in line order, must agree with a model. The key ceremony is
 *      judged (veche_ceremony_evaluate) against a fixed 2-of-3 manifest and
 *      administrator, and the result must be consistent: every item is
 *      accounted for exactly once (refused, a judged step, a complaint, the
 *      election.key, or an ignored trustee.decryption); only the right
 *      author's entries count; commit before reveal; no ceremony entry
 *      after election.key; Q is exactly the trustees with four OK steps and
 *      no SENDER verdict; have_K iff |Q| >= t, and then K = Σ C_q0 and
 *      K_j = Σ_q Σ_k j^k·C_qk recomputed here; a key_ok election.key states
 *      Q and K; every refusal and every failure says why.
 *   5. election.tally items are read with veche_ceremony_tally_parse
 *      (accepted ones re-encode to their base64) and judged by
 *      veche_tally_check (tally.h) against the honest election's count
 *      (loaded from its record at start-up): accepted exactly when the body
 *      is veche_tally_body of that count. With a joint key and a parsed
 *      tally, trustee.decryption items go through veche_decryption_add under
 *      the fingerprint the record gives (manifest hash, K, the authority's
 *      credential parts) — accepted only for a qualified trustee, by its
 *      key, once — and every t-subset of the accepted trustees (and all of
 *      them) must combine to the same m·G for every selection. Each
 *      election.result item is judged by veche_result_check with the
 *      decryptions before it, W from the tally: accepted exactly when its
 *      trustees are >= t increasing trustees with a decryption before it and
 *      its counts are what veche_result_compute finds for them.
 *   6. when every line is an entry and one is our manifest, the input is
 *      also an export's entries.jsonl for veche_election_load_export: it
 *      refuses with a message, or keeps exactly what election.h says (the
 *      first manifest, the second one's index, the stray entries before it,
 *      every list of entries by type, the ballots in order through the
 *      callback with their bytes) and derives it (administrator, hashes,
 *      the administrator's first key, open and close, the authority's
 *      credential parts as NONE / INCOMPLETE / INVALID / COMPLETE with
 *      their hash, the fingerprint), and veche_ceremony_evaluate_election
 *      on it judges as the lines did (phase, Q, K, key, complaints).
 *
 * Every function must return OK or one of its documented error codes, with
 * a message on refusal, without crash, leak or undefined behaviour. Any
 * violation aborts (a finding).
 *
 * The world: a fixed 2-of-3 manifest (a referendum and a 1-of-2 choice),
 * its administrator, trustees and credential authority (keys from fixed
 * seeds), and an honest election run on it at start-up by the library's
 * own builders (trustee entries, credentials, three ballots by two voters
 * of weights 1 and 2, one a re-vote, the count, decryptions, result).
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_election writes into <dir>
 * the records (JSONL) of that election (with a false complaint) and of one
 * where trustee 3 deals a bad share and is disqualified by a complaint,
 * every entry of both on its own, the manifest as a person would write it,
 * and credential codes, then exits (how fuzz/corpus/fuzz_election/ was
 * made). Everything comes from seeded generators, so the seeds stay valid
 * for the fixed world.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "board/canon.h"
#include "board/entry.h"
#include "board/keyfile.h"
#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/threshold.h"
#include "election/ballot.h"
#include "election/ceremony.h"
#include "election/credentials.h"
#include "election/election.h"
#include "election/manifest.h"
#include "election/tally.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "fuzz_election: %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define INPUT_LIMIT  (256 * 1024)
#define MAX_LINES    64
#define N_TRUSTEES   3
#define THRESHOLD    2
#define ELECTION_ID  "fuzz-council"
#define MAX_JSON_INT ((json_int_t)9007199254740991)   /* 2^53 - 1 */

static const char *const all_types[] = {
    VECHE_ETYPE_MANIFEST, VECHE_TTYPE_KEY, VECHE_TTYPE_COMMIT, VECHE_TTYPE_COMMITMENTS,
    VECHE_TTYPE_SHARES, VECHE_TTYPE_COMPLAINT, VECHE_ETYPE_KEY, VECHE_ETYPE_CREDENTIALS,
    VECHE_ETYPE_OPEN, VECHE_ETYPE_BALLOT, VECHE_ETYPE_CLOSE, VECHE_ETYPE_TALLY,
    VECHE_TTYPE_DECRYPTION, VECHE_ETYPE_RESULT,
};
#define N_TYPES (sizeof all_types / sizeof all_types[0])

/* ---- the fixed world ------------------------------------------------------------- */

static veche_key      admin, authority, tk[N_TRUSTEES + 1];
static veche_manifest man;
static json_t        *man_body;
static char          *man_entry;
static size_t         man_entry_len;
static uint8_t        man_hash[32];
static uint8_t        fingerprint[32];      /* the honest election's, set at start-up */
static size_t         last_accepted;    /* decryptions accepted by the last check (seeds) */
static size_t         last_results;     /* election.result bodies accepted by the last check */
/* The honest election's count (tally.h), loaded from its record: what a tally must state. */
static veche_votes   *world_votes;
static veche_count   *world_count;
static json_t        *world_tally;      /* veche_tally_body of it */

static void key_from_seed(veche_key *k, const char *name, uint8_t b)
{
    uint8_t seed[32];
    memset(seed, b, sizeof seed);
    snprintf(k->name, sizeof k->name, "%s", name);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
}

/* The manifest as a person would write it: a referendum and a 1-of-2 pick (1 explicit each). */
static json_t *make_manifest_body(void)
{
    json_t *trustees = json_array();
    CHECK(trustees != NULL);
    for (uint32_t i = 1; i <= N_TRUSTEES; i++)
        CHECK(json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", tk[i].name, "key",
                                                        veche_b64_json(tk[i].pk, 32))) == 0);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:i, s:o, s:[{s:s, s:s, s:[s,s], s:i, "
                     "s:i, s:b}, {s:s, s:s, s:[s,s], s:i, s:i, s:b}]}",
                     "election", ELECTION_ID, "title", "Council 2026",
                     "organisation", "Allotment association", "opens", (json_int_t)1767225600,
                     "closes", (json_int_t)1767830400, "trustees", trustees,
                     "threshold", THRESHOLD,
                     "credential_authority", veche_b64_json(authority.pk, 32),
                     "contests",
                     "id", "ref", "question", "Adopt the new statutes?", "options", "yes", "no",
                     "min", 1, "max", 1, "blank", 0,
                     "id", "chair", "question", "Chair", "options", "Ana", "Ben",
                     "min", 1, "max", 1, "blank", 0);
}

static void make_world(void)
{
    char name[16];
    veche_diag d = {{0}};

    key_from_seed(&admin, "admin", 0xA1);
    key_from_seed(&authority, "authority", 0xA2);
    for (uint32_t i = 1; i <= N_TRUSTEES; i++) {
        snprintf(name, sizeof name, "trustee%u", i);
        key_from_seed(&tk[i], name, (uint8_t)(0xB0 + i));
    }
    CHECK((man_body = make_manifest_body()) != NULL);
    if (veche_manifest_parse(&man, man_body, &d) != VECHE_OK) {
        fprintf(stderr, "fuzz_election: manifest: %s\n", d.msg);
        abort();
    }
    CHECK(veche_entry_build(&man_entry, &man_entry_len, VECHE_ETYPE_MANIFEST, man_body,
                            admin.sk, NULL) == VECHE_OK);
    veche_election_manifest_hash(man_hash, (const uint8_t *)man_entry, man_entry_len);
}

/* ---- small independent readers -------------------------------------------------- */

static int code_ok(veche_err e)
{
    return e == VECHE_OK || e == VECHE_EENCODING || e == VECHE_EIDENTITY || e == VECHE_EVERIFY ||
           e == VECHE_ERANGE || e == VECHE_EINVALID || e == VECHE_ENOMEM;
}

/* Canonical padded base64 (RFC 4648 §4): decodes and re-encodes to itself. *n = its length. */
static int b64_model(const json_t *v, uint8_t *out, size_t cap, size_t *n)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v), got = 0;
    uint8_t *buf;
    char *again;
    int ok;

    if (s == NULL || len % 4 != 0 || len / 4 * 3 > 2 * 1024 * 1024)
        return 0;
    buf = malloc(len / 4 * 3 + 1);
    again = malloc(len + 1);
    CHECK(buf != NULL && again != NULL);
    ok = sodium_base642bin(buf, len / 4 * 3 + 1, s, len, NULL, &got, NULL,
                           sodium_base64_VARIANT_ORIGINAL) == 0;
    if (ok) {
        sodium_bin2base64(again, len + 1, buf, got, sodium_base64_VARIANT_ORIGINAL);
        ok = strlen(again) == len && memcmp(again, s, len) == 0;
    }
    if (ok && out != NULL) {
        ok = got <= cap;
        if (ok)
            memcpy(out, buf, got);
    }
    if (ok)
        *n = got;
    free(buf);
    free(again);
    return ok;
}

static int b64_exactly(const json_t *v, size_t want, uint8_t *out)
{
    size_t n;
    return b64_model(v, out, want, &n) && n == want;
}

static int int_between(const json_t *v, json_int_t lo, json_int_t hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

static int id_model(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (s == NULL || n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
            return 0;
    return 1;
}

static int string_between(const json_t *v, size_t lo, size_t hi)
{
    return json_is_string(v) && json_string_length(v) >= lo && json_string_length(v) <= hi;
}

/* obj is an object with exactly the members names[0..n) (and opt, if not NULL, optionally). */
static int exactly(const json_t *obj, const char *const *names, size_t n, const char *opt)
{
    size_t have = 0;
    if (!json_is_object(obj))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (json_object_get(obj, names[i]) == NULL)
            return 0;
    have = n + (opt != NULL && json_object_get(obj, opt) != NULL);
    return json_object_size(obj) == have;
}

/* 1..64 strictly increasing integers in 1..64. */
static int index_set_model(const json_t *v)
{
    json_int_t prev = 0;
    if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > 64)
        return 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *x = json_array_get(v, i);
        if (!int_between(x, prev + 1, 64))
            return 0;
        prev = json_integer_value(x);
    }
    return 1;
}

/* 1..32 arrays of 1..65 cells; cells b64 of `bytes`, or integers >= 0 when bytes is 0. */
static int matrix_model(const json_t *v, size_t bytes)
{
    if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > 32)
        return 0;
    for (size_t c = 0; c < json_array_size(v); c++) {
        const json_t *row = json_array_get(v, c);
        if (!json_is_array(row) || json_array_size(row) < 1 || json_array_size(row) > 65)
            return 0;
        for (size_t s = 0; s < json_array_size(row); s++) {
            const json_t *cell = json_array_get(row, s);
            if (bytes ? !b64_exactly(cell, bytes, NULL) : !int_between(cell, 0, MAX_JSON_INT))
                return 0;
        }
    }
    return 1;
}

/* ---- 1. credential codes ------------------------------------------------------------ */

static void fuzz_code(const char *in)
{
    static const char *alpha = VECHE_CODE_ALPHABET;
    char out[VECHE_CODE_SYMBOLS + 1], printed[VECHE_CODE_CHARS + 1], again[VECHE_CODE_SYMBOLS + 1];
    char sym[VECHE_CODE_SYMBOLS + 1];
    size_t len = strlen(in), n = 0, o = 0;
    unsigned sum = 0;
    veche_err want = VECHE_OK, e;
    veche_diag d = {{0}};
    veche_scalar x;
    veche_point P;
    uint8_t X[32], enc[32];

    /* the reader, from credentials.h */
    if (len > 256)
        want = VECHE_EENCODING;
    for (size_t i = 0; i < len && want == VECHE_OK; i++) {
        char c = in[i];
        const char *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if ((p = strchr(alpha, c)) == NULL || n == VECHE_CODE_SYMBOLS)
            want = VECHE_EENCODING;
        else {
            sum += (unsigned)(n + 1) * (unsigned)(p - alpha);
            sym[n++] = c;
        }
    }
    if (want == VECHE_OK && n != VECHE_CODE_SYMBOLS)
        want = VECHE_EENCODING;
    if (want == VECHE_OK && sum % 31 != 0)
        want = VECHE_EVERIFY;
    sym[n] = 0;

    memset(out, 'x', sizeof out);
    e = veche_code_read(out, in, &d);
    CHECK(e == want);
    if (e != VECHE_OK) {
        CHECK(d.msg[0] != 0 && out[0] == 0);
        e = veche_credential_derive(&x, X, ELECTION_ID, in, &d);
        CHECK(e == want && veche_scalar_is_zero(&x));
        return;
    }
    CHECK(strcmp(out, sym) == 0);
    /* printed in 7 groups of 3, it reads back the same */
    for (size_t i = 0; i < VECHE_CODE_SYMBOLS; i++) {
        if (i > 0 && i % 3 == 0)
            printed[o++] = '-';
        printed[o++] = out[i];
    }
    printed[o] = 0;
    CHECK(o == VECHE_CODE_CHARS);
    CHECK(veche_code_read(again, printed, NULL) == VECHE_OK && strcmp(again, out) == 0);
    /* and derives a key pair */
    CHECK(veche_credential_derive(&x, X, ELECTION_ID, in, &d) == VECHE_OK);
    veche_point_mul_base(&P, &x);
    veche_point_encode(enc, &P);
    CHECK(memcmp(enc, X, 32) == 0 && !veche_scalar_is_zero(&x));
    veche_scalar_wipe(&x);
}

/* ---- 2. manifests -------------------------------------------------------------------- */

/* docs/ELECTION-DESIGN.md §1 with manifest.c's narrowings: 1 iff a valid manifest. */
static int manifest_model(const json_t *b)
{
    static const char *const top[] = {"election", "title", "organisation", "opens", "closes",
                                      "trustees", "threshold", "credential_authority", "contests"};
    static const char *const tr_members[] = {"name", "key"};
    static const char *const ct_members[] = {"id", "question", "options", "min", "max", "blank"};
    uint8_t keys[64][32];
    const json_t *trs, *cts;
    size_t n;

    if (!exactly(b, top, 9, NULL) || !id_model(json_object_get(b, "election")) ||
        !string_between(json_object_get(b, "title"), 1, 256) ||
        !string_between(json_object_get(b, "organisation"), 1, 256) ||
        !int_between(json_object_get(b, "opens"), 0, MAX_JSON_INT) ||
        !int_between(json_object_get(b, "closes"), 0, MAX_JSON_INT) ||
        json_integer_value(json_object_get(b, "opens")) >=
            json_integer_value(json_object_get(b, "closes")) ||
        !b64_exactly(json_object_get(b, "credential_authority"), 32, NULL))
        return 0;
    trs = json_object_get(b, "trustees");
    if (!json_is_array(trs) || (n = json_array_size(trs)) < 1 || n > 64 ||
        !int_between(json_object_get(b, "threshold"), 1, (json_int_t)n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(trs, i);
        if (!exactly(t, tr_members, 2, NULL) ||
            !string_between(json_object_get(t, "name"), 1, 64) ||
            !b64_exactly(json_object_get(t, "key"), 32, keys[i]))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys[i], keys[j], 32) == 0)
                return 0;
    }
    cts = json_object_get(b, "contests");
    if (!json_is_array(cts) || json_array_size(cts) < 1 || json_array_size(cts) > 32)
        return 0;
    for (size_t c = 0; c < json_array_size(cts); c++) {
        const json_t *ct = json_array_get(cts, c), *opts = json_object_get(ct, "options");
        const json_t *blank = json_object_get(ct, "blank");
        json_int_t min, max;
        size_t no, nsel;
        if (!exactly(ct, ct_members, 6, NULL) ||
            !string_between(json_object_get(ct, "id"), 1, 64) ||
            !string_between(json_object_get(ct, "question"), 1, 1024) || !json_is_boolean(blank) ||
            !json_is_array(opts) || (no = json_array_size(opts)) < 1 || no > 64)
            return 0;
        for (size_t o = 0; o < no; o++) {
            const json_t *op = json_array_get(opts, o);
            if (!string_between(op, 1, 256))
                return 0;
            if (json_is_true(blank) && strcmp(json_string_value(op), "blank") == 0)
                return 0;
            for (size_t p = 0; p < o; p++)
                if (json_equal(op, json_array_get(opts, p)))
                    return 0;
        }
        if (!json_is_integer(json_object_get(ct, "min")) ||
            !json_is_integer(json_object_get(ct, "max")))
            return 0;
        min = json_integer_value(json_object_get(ct, "min"));
        max = json_integer_value(json_object_get(ct, "max"));
        nsel = no + json_is_true(blank);
        if (min < 0 || max < 1 || min > max || max > (json_int_t)no)
            return 0;
        if (nsel == 1 && min == max)
            return 0;   /* leaves no choice */
        for (size_t p = 0; p < c; p++)
            if (json_equal(json_object_get(ct, "id"),
                           json_object_get(json_array_get(cts, p), "id")))
                return 0;
    }
    return 1;
}

/* The parsed manifest, written back member by member. */
static json_t *manifest_rebuild(const veche_manifest *m)
{
    json_t *trs = json_array(), *cts = json_array();
    CHECK(trs != NULL && cts != NULL);
    for (size_t i = 0; i < m->ntrustees; i++)
        CHECK(json_array_append_new(trs, json_pack("{s:s, s:o}", "name", m->trustee_name[i], "key",
                                                   veche_b64_json(m->trustee_key[i], 32))) == 0);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        json_t *opts = json_array();
        CHECK(opts != NULL);
        for (size_t o = 0; o < ct->noptions; o++)
            CHECK(json_array_append_new(opts, json_string(ct->options[o])) == 0);
        CHECK(json_array_append_new(cts, json_pack("{s:s, s:s, s:o, s:I, s:I, s:b}", "id", ct->id,
                                                   "question", ct->question, "options", opts,
                                                   "min", (json_int_t)ct->min, "max",
                                                   (json_int_t)ct->max, "blank", ct->blank)) == 0);
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:o, s:o}", "election", m->id,
                     "title", m->title, "organisation", m->organisation, "opens",
                     (json_int_t)m->opens, "closes", (json_int_t)m->closes, "trustees", trs,
                     "threshold", (json_int_t)m->threshold, "credential_authority",
                     veche_b64_json(m->authority_key, 32), "contests", cts);
}

static void check_derived(const veche_manifest *m)
{
    CHECK(m->ntrustees >= 1 && m->ntrustees <= VECHE_MAX_TRUSTEES);
    CHECK(m->threshold >= 1 && m->threshold <= m->ntrustees);
    CHECK(m->ncontests >= 1 && m->ncontests <= VECHE_MAX_CONTESTS);
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        size_t nsel = ct->noptions + (ct->blank ? 1 : 0), nexp;
        uint64_t lo, hi;
        if (ct->min == ct->max) {   /* exactly k: the last selection is implicit */
            nexp = nsel - 1;
            lo = ct->max > 0 ? ct->max - 1 : 0;
            hi = ct->max < nexp ? ct->max : nexp;
        } else {
            nexp = nsel;
            lo = ct->min;
            hi = ct->max;
        }
        CHECK(ct->nsel == nsel && ct->nexplicit == nexp && nexp >= 1);
        CHECK(ct->sum_lo == lo && ct->sum_hi == hi && lo <= hi && hi <= nexp);
        CHECK(ct->sum_proof == !(nexp == 1 && lo == 0 && hi == 1));
    }
}

static void fuzz_manifest(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr), *again;
    veche_manifest *m, *m2;
    veche_entry ent;
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    veche_err e;

    if (!json_is_object(body)) {
        json_decref(body);
        return;
    }
    m = malloc(sizeof *m);
    m2 = malloc(sizeof *m2);
    CHECK(m != NULL && m2 != NULL);
    e = veche_manifest_parse(m, body, &d);
    CHECK(e == VECHE_OK || e == VECHE_EINVALID || e == VECHE_ERANGE || e == VECHE_EENCODING ||
          e == VECHE_ENOMEM);
    if ((e == VECHE_OK) != manifest_model(body)) {
        fprintf(stderr, "fuzz_election: the manifest parser says %d (%s), the design %s\n", e,
                d.msg, e == VECHE_OK ? "refuses" : "accepts");
        abort();
    }
    if (e != VECHE_OK) {
        CHECK(d.msg[0] != 0 && m->json == NULL && m->ncontests == 0);
        goto done;
    }
    CHECK(m->json == body && veche_election_id_valid(m->id, strlen(m->id)));
    check_derived(m);
    again = manifest_rebuild(m);
    CHECK(again != NULL && json_equal(again, body));
    json_decref(again);
    for (size_t i = 0; i < m->ntrustees; i++)
        CHECK(veche_manifest_trustee(m, m->trustee_key[i]) == i + 1);
    /* within canonical JSON, it is a manifest entry the board takes, and parses the same */
    if (veche_canon_check(body, NULL) == VECHE_OK) {
        CHECK(veche_entry_build(&entry, &len, VECHE_ETYPE_MANIFEST, body, admin.sk, &d) ==
              VECHE_OK);
        if (veche_entry_decode(&ent, (const uint8_t *)entry, len, &d) != VECHE_OK) {
            fprintf(stderr, "fuzz_election: a valid manifest the board refuses: %s\n", d.msg);
            abort();
        }
        CHECK(veche_manifest_parse(m2, ent.body, &d) == VECHE_OK);
        CHECK(json_equal(m2->json, body));
        veche_manifest_free(m2);
        veche_entry_free(&ent);
        free(entry);
    }
    veche_manifest_free(m);
done:
    free(m);
    free(m2);
    json_decref(body);
}

/* ---- 3. body shapes ---------------------------------------------------------------------- */

/* credentials.h: the election.credentials body. */
static int credentials_body_model(const json_t *b)
{
    static const char *const names[] = {"election", "part", "parts", "credentials"};
    static const char *const one[] = {"key", "weight"};
    const json_t *list = json_object_get(b, "credentials");
    uint8_t prev[32], key[32];

    if (!exactly(b, names, 4, NULL) || !id_model(json_object_get(b, "election")) ||
        !int_between(json_object_get(b, "parts"), 1, VECHE_CREDENTIALS_MAX_PARTS) ||
        !int_between(json_object_get(b, "part"), 0,
                     json_integer_value(json_object_get(b, "parts")) - 1) ||
        !json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > 5000)
        return 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *c = json_array_get(list, i);
        if (!exactly(c, one, 2, NULL) || !b64_exactly(json_object_get(c, "key"), 32, key) ||
            !int_between(json_object_get(c, "weight"), 1, 1000000))
            return 0;
        if (i > 0 && memcmp(prev, key, 32) >= 0)
            return 0;
        memcpy(prev, key, 32);
    }
    return 1;
}

/* ballot.h step 2–3 without the manifest (veche_ballot_check_body). */
static int ballot_body_model(const json_t *b)
{
    static const char *const names[] = {"contests", "credential", "election", "signature"};
    static const char *const cnames[] = {"ciphertexts", "proofs"};
    const json_t *cts = json_object_get(b, "contests");

    if (!exactly(b, names, 4, NULL) || !id_model(json_object_get(b, "election")) ||
        !b64_exactly(json_object_get(b, "credential"), 32, NULL) ||
        !b64_exactly(json_object_get(b, "signature"), 64, NULL) || !json_is_array(cts) ||
        json_array_size(cts) < 1 || json_array_size(cts) > 32)
        return 0;
    for (size_t c = 0; c < json_array_size(cts); c++) {
        const json_t *cj = json_array_get(cts, c), *ct = json_object_get(cj, "ciphertexts");
        const json_t *pr = json_object_get(cj, "proofs"), *sum = json_object_get(cj, "sum_proof");
        if (!exactly(cj, cnames, 2, "sum_proof") || !json_is_array(ct) || !json_is_array(pr) ||
            json_array_size(ct) != json_array_size(pr) || json_array_size(ct) > 65 ||
            (sum != NULL && !json_is_string(sum)))
            return 0;
        for (size_t s = 0; s < json_array_size(ct); s++)
            if (!b64_exactly(json_array_get(ct, s), 64, NULL) ||
                !b64_exactly(json_array_get(pr, s), 256, NULL))
                return 0;
    }
    return 1;
}

/* election.h's table of body shapes. */
static int shape_model(const char *type, const json_t *b)
{
    static const char *const trustee3[][3] = {
        {"election", "trustee", "key"}, {"election", "trustee", "hash"},
        {"election", "trustee", "commitments"}, {"election", "trustee", "shares"},
        {"election", "trustee", "complaint"}, {"election", "trustee", "shares"},
    };
    static const char *const key[] = {"election", "qualified", "key"};
    static const char *const open[] = {"election", "fingerprint"};
    static const char *const close[] = {"election"};
    static const char *const tally[] = {"election", "ballots", "weight", "tally"};
    static const char *const result[] = {"election", "trustees", "counts"};
    size_t n;
    int t = -1;

    if (strcmp(type, VECHE_ETYPE_MANIFEST) == 0)
        return manifest_model(b);
    if (strcmp(type, VECHE_ETYPE_CREDENTIALS) == 0)
        return credentials_body_model(b);
    if (strcmp(type, VECHE_ETYPE_BALLOT) == 0)
        return ballot_body_model(b);
    if (strcmp(type, VECHE_TTYPE_KEY) == 0) t = 0;
    if (strcmp(type, VECHE_TTYPE_COMMIT) == 0) t = 1;
    if (strcmp(type, VECHE_TTYPE_COMMITMENTS) == 0) t = 2;
    if (strcmp(type, VECHE_TTYPE_SHARES) == 0) t = 3;
    if (strcmp(type, VECHE_TTYPE_COMPLAINT) == 0) t = 4;
    if (strcmp(type, VECHE_TTYPE_DECRYPTION) == 0) t = 5;
    if (t >= 0) {
        const json_t *v = json_object_get(b, trustee3[t][2]);
        if (!exactly(b, trustee3[t], 3, NULL) || !id_model(json_object_get(b, "election")) ||
            !int_between(json_object_get(b, "trustee"), 1, 64))
            return 0;
        switch (t) {
        case 0: return b64_exactly(v, VECHE_DKG_KEY_BYTES, NULL);
        case 1: return b64_exactly(v, VECHE_DKG_HASH_BYTES, NULL);
        case 2:
            return b64_model(v, NULL, 0, &n) && n >= 98 && (n - 2) % 96 == 0 &&
                   (n - 2) / 96 <= 64;
        case 3:
            if (!json_is_array(v) || json_array_size(v) > 63)
                return 0;
            for (size_t i = 0; i < json_array_size(v); i++)
                if (!b64_exactly(json_array_get(v, i), VECHE_DKG_SHARE_BYTES, NULL))
                    return 0;
            return 1;
        case 4: return b64_exactly(v, VECHE_DKG_COMPLAINT_BYTES, NULL);
        default: return matrix_model(v, VECHE_DSHARE_BYTES);
        }
    }
    if (strcmp(type, VECHE_ETYPE_KEY) == 0)
        return exactly(b, key, 3, NULL) && id_model(json_object_get(b, "election")) &&
               index_set_model(json_object_get(b, "qualified")) &&
               b64_exactly(json_object_get(b, "key"), 32, NULL);
    if (strcmp(type, VECHE_ETYPE_OPEN) == 0)
        return exactly(b, open, 2, NULL) && id_model(json_object_get(b, "election")) &&
               b64_exactly(json_object_get(b, "fingerprint"), 32, NULL);
    if (strcmp(type, VECHE_ETYPE_CLOSE) == 0)
        return exactly(b, close, 1, NULL) && id_model(json_object_get(b, "election"));
    if (strcmp(type, VECHE_ETYPE_TALLY) == 0)
        return exactly(b, tally, 4, NULL) && id_model(json_object_get(b, "election")) &&
               int_between(json_object_get(b, "ballots"), 0, MAX_JSON_INT) &&
               int_between(json_object_get(b, "weight"), 0, 1000000000) &&
               matrix_model(json_object_get(b, "tally"), VECHE_CIPHERTEXT_BYTES);
    if (strcmp(type, VECHE_ETYPE_RESULT) == 0)
        return exactly(b, result, 3, NULL) && id_model(json_object_get(b, "election")) &&
               index_set_model(json_object_get(b, "trustees")) &&
               matrix_model(json_object_get(b, "counts"), 0);
    CHECK(0 && "unknown type");
    return 0;
}

/* type's registered body check on b, which must agree with the model. */
static int check_shape(const char *type, const json_t *b)
{
    const veche_entry_type *t = veche_entry_type_find(type);
    veche_diag d = {{0}};
    veche_err e;
    int want;

    CHECK(t != NULL && t->check_body != NULL);
    CHECK(t->signed_required == (strcmp(type, VECHE_ETYPE_BALLOT) != 0));
    if (!json_is_object(b))
        return 0;   /* the board hands check_body objects only */
    e = t->check_body(b, &d);
    CHECK(code_ok(e) && e != VECHE_EVERIFY && e != VECHE_EIDENTITY);
    CHECK(e == VECHE_OK || d.msg[0] != 0);
    want = shape_model(type, b);
    if ((e == VECHE_OK) != want) {
        fprintf(stderr, "fuzz_election: %s body: the check says %d (%s), the headers %s\n", type,
                e, d.msg, want ? "accept" : "refuse");
        abort();
    }
    return e == VECHE_OK;
}

/* credentials.h: what veche_credentials_parse must make of parts[0..n). */
static int credentials_list_model(const json_t *const *parts, size_t n, uint64_t *total,
                                  size_t *count)
{
    const char *id;
    uint8_t prev[32], key[32];
    veche_point P;
    size_t seen = 0;

    *total = 0;
    if (n == 0 || n > VECHE_CREDENTIALS_MAX_PARTS || !credentials_body_model(parts[0]))
        return 0;
    id = json_string_value(json_object_get(parts[0], "election"));
    for (size_t k = 0; k < n; k++) {
        const json_t *b = parts[k], *list = json_object_get(b, "credentials");
        if (!credentials_body_model(b) ||
            json_integer_value(json_object_get(b, "part")) != (json_int_t)k ||
            json_integer_value(json_object_get(b, "parts")) != (json_int_t)n ||
            strcmp(json_string_value(json_object_get(b, "election")), id) != 0)
            return 0;
        for (size_t i = 0; i < json_array_size(list); i++) {
            const json_t *c = json_array_get(list, i);
            CHECK(b64_exactly(json_object_get(c, "key"), 32, key));
            if (seen > 0 && memcmp(prev, key, 32) >= 0)
                return 0;
            if (veche_point_decode(&P, key, VECHE_NO_IDENTITY) != VECHE_OK)
                return 0;
            *total += (uint64_t)json_integer_value(json_object_get(c, "weight"));
            if (*total > VECHE_MAX_TOTAL_WEIGHT)
                return 0;
            memcpy(prev, key, 32);
            seen++;
        }
    }
    *count = seen;
    return 1;
}

static void check_credentials_parse(const json_t *const *parts, size_t n)
{
    veche_credential_list l;
    veche_diag d = {{0}};
    uint64_t total;
    size_t count = 0, at = 0;
    int want = credentials_list_model(parts, n, &total, &count);
    veche_err e = veche_credentials_parse(&l, parts, n, &d);
    uint8_t key[32], missing[32];

    CHECK(e == VECHE_OK || e == VECHE_EINVALID || e == VECHE_EENCODING || e == VECHE_ERANGE ||
          e == VECHE_ENOMEM);
    if ((e == VECHE_OK) != want) {
        fprintf(stderr, "fuzz_election: credentials_parse of %zu parts says %d (%s), the header "
                "%s\n", n, e, d.msg, want ? "accepts" : "refuses");
        abort();
    }
    if (e != VECHE_OK) {
        CHECK(d.msg[0] != 0 && l.v == NULL && l.n == 0);
        return;
    }
    CHECK(l.n == count && l.total_weight == total);
    for (size_t k = 0; k < n; k++) {
        const json_t *list = json_object_get(parts[k], "credentials");
        for (size_t i = 0; i < json_array_size(list); i++, at++) {
            const json_t *c = json_array_get(list, i);
            uint8_t enc[32];
            CHECK(b64_exactly(json_object_get(c, "key"), 32, key));
            CHECK(memcmp(l.v[at].key, key, 32) == 0);
            CHECK(l.v[at].weight == (uint32_t)json_integer_value(json_object_get(c, "weight")));
            veche_point_encode(enc, &l.v[at].X);
            CHECK(memcmp(enc, key, 32) == 0);
            CHECK(veche_credentials_find(&l, key) == &l.v[at]);
        }
    }
    /* a key not in the list is not found: the first key with its last byte changed */
    memcpy(missing, l.v[0].key, 32);
    missing[31] ^= 0x80;
    if (veche_credentials_find(&l, missing) != NULL)
        CHECK(0 && "a changed key was found");
    veche_credentials_free(&l);
}

/* The input as canonical JSON: a body for every type, or a whole entry. */
static void fuzz_shapes(const uint8_t *data, size_t size)
{
    json_t *json = NULL;
    const json_t *one[1];
    veche_entry ent;
    veche_diag d = {{0}};
    veche_err e;

    e = veche_entry_decode(&ent, data, size, &d);
    CHECK(code_ok(e));
    if (e == VECHE_OK) {
        int ours = 0;
        for (size_t t = 0; t < N_TYPES; t++)
            ours |= strcmp(ent.type, all_types[t]) == 0;
        if (ours) {
            CHECK(check_shape(ent.type, ent.body));
            CHECK(ent.is_signed || strcmp(ent.type, VECHE_ETYPE_BALLOT) == 0);
        }
        veche_entry_free(&ent);
    } else {
        CHECK(d.msg[0] != 0 && ent.json == NULL);
    }
    if (veche_canon_parse(&json, (const char *)data, size, NULL) != VECHE_OK)
        return;
    if (json_is_object(json)) {
        const json_t *type = json_object_get(json, "type"), *body = json_object_get(json, "body");
        for (size_t t = 0; t < N_TYPES; t++)
            check_shape(all_types[t], json);
        if (json_is_string(type) && json_is_object(body))
            for (size_t t = 0; t < N_TYPES; t++)
                if (strcmp(json_string_value(type), all_types[t]) == 0)
                    check_shape(all_types[t], body);
        one[0] = json;
        check_credentials_parse(one, 1);
        if (json_is_object(body)) {
            one[0] = body;
            check_credentials_parse(one, 1);
        }
    }
    json_decref(json);
}

/* ---- 4. a record: credentials and the key ceremony ---------------------------------------- */

typedef struct record {
    json_t             *json[MAX_LINES];     /* the entries kept */
    veche_ceremony_item items[MAX_LINES];
    uint8_t             author[MAX_LINES][32];
    const uint8_t      *bytes[MAX_LINES];    /* the line, in the input */
    size_t              len[MAX_LINES];
    size_t              n;
} record;

static size_t record_read(record *r, const uint8_t *data, size_t size)
{
    size_t at = 0;
    uint64_t line = 0;

    memset(r, 0, sizeof *r);
    while (at < size && r->n < MAX_LINES) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl != NULL ? (size_t)(nl - (data + at)) : size - at;
        json_t *j = NULL, *body, *type, *author;
        veche_ceremony_item *it = &r->items[r->n];

        if (veche_canon_parse(&j, (const char *)data + at, len, NULL) == VECHE_OK &&
            json_is_string(type = json_object_get(j, "type")) &&
            json_is_object(body = json_object_get(j, "body")) &&
            veche_entry_type_find(json_string_value(type)) != NULL &&
            veche_entry_type_find(json_string_value(type))->check_body != NULL &&
            veche_entry_type_find(json_string_value(type))->check_body(body, NULL) == VECHE_OK) {
            author = json_object_get(j, "author");
            it->index = line;
            it->type = json_string_value(type);
            it->body = body;
            it->author = author != NULL && b64_exactly(author, 32, r->author[r->n]) ?
                         r->author[r->n] : NULL;
            r->bytes[r->n] = data + at;
            r->len[r->n] = len;
            r->json[r->n++] = j;
        } else {
            json_decref(j);
        }
        at += len + 1;
        line++;
    }
    return at < size ? SIZE_MAX : (size_t)line;   /* the number of lines, if all were read */
}

static void record_free(record *r)
{
    for (size_t k = 0; k < r->n; k++)
        json_decref(r->json[k]);
}

static void record_credentials(const record *r)
{
    const json_t *parts[MAX_LINES];
    size_t n = 0;
    for (size_t k = 0; k < r->n; k++)
        if (strcmp(r->items[k].type, VECHE_ETYPE_CREDENTIALS) == 0)
            parts[n++] = r->items[k].body;
    if (n > 0)
        check_credentials_parse(parts, n);
}

static int round_of(const char *type)
{
    static const char *const rt[VECHE_ROUNDS] = {VECHE_TTYPE_KEY, VECHE_TTYPE_COMMIT,
                                                 VECHE_TTYPE_COMMITMENTS, VECHE_TTYPE_SHARES};
    for (int k = 0; k < VECHE_ROUNDS; k++)
        if (strcmp(type, rt[k]) == 0)
            return k;
    return -1;
}

/* The judged ceremony against the rules of ceremony.h and the design. */
static void check_ceremony(const veche_ceremony *c, const record *r)
{
    const uint32_t n = N_TRUSTEES, t = THRESHOLD;
    uint8_t sender_bad[N_TRUSTEES + 1] = {0};
    size_t nq = 0;

    CHECK(c->params.n == n && c->params.t == t && c->manifest == &man);
    /* every item accounted for exactly once */
    for (size_t k = 0; k < r->n; k++) {
        const veche_ceremony_item *it = &r->items[k];
        json_int_t who = json_integer_value(json_object_get(it->body, "trustee"));
        const char *id = json_string_value(json_object_get(it->body, "election"));
        int where = 0, rnd = round_of(it->type);
        for (size_t q = 0; q < c->nrefused; q++)
            where += c->refused[q].index == it->index;
        for (uint32_t i = 1; i <= n; i++)
            for (int s = 0; s < VECHE_ROUNDS; s++)
                if (c->tr[i].step[s].state != VECHE_STEP_MISSING &&
                    c->tr[i].step[s].index == it->index) {
                    where++;
                    /* a judged step: the right type, trustee, election and author */
                    CHECK(rnd == s);
                    CHECK(who == (json_int_t)i && id != NULL && strcmp(id, man.id) == 0);
                    CHECK(it->author != NULL &&
                          memcmp(it->author, man.trustee_key[i - 1], 32) == 0);
                    CHECK(!c->key_present || it->index < c->key_index);
                }
        for (size_t q = 0; q < c->ncomplaints; q++)
            if (c->complaints[q].index == it->index) {
                const veche_ceremony_complaint *cp = &c->complaints[q];
                where++;
                CHECK(strcmp(it->type, VECHE_TTYPE_COMPLAINT) == 0);
                CHECK(cp->j >= 1 && cp->j <= n && cp->i >= 1 && cp->i <= n);
                CHECK(who == (json_int_t)cp->j);
                CHECK(it->author != NULL &&
                      memcmp(it->author, man.trustee_key[cp->j - 1], 32) == 0);
                CHECK(!c->key_present || it->index < c->key_index);
                CHECK(cp->why[0] != 0);
                if (cp->verdict == VECHE_DKG_VERDICT_SENDER) {
                    const veche_ceremony_trustee *dl = &c->tr[cp->i];
                    CHECK(dl->step[VECHE_ROUND_COMMITMENTS].state == VECHE_STEP_OK &&
                          dl->step[VECHE_ROUND_COMMITMENTS].index < cp->index);
                    CHECK(dl->step[VECHE_ROUND_SHARES].state == VECHE_STEP_OK &&
                          dl->step[VECHE_ROUND_SHARES].index < cp->index);
                    sender_bad[cp->i] = 1;
                }
            }
        if (c->key_present && c->key_index == it->index) {
            where++;
            CHECK(strcmp(it->type, VECHE_ETYPE_KEY) == 0);
            CHECK(it->author != NULL && memcmp(it->author, admin.pk, 32) == 0);
        }
        if (strcmp(it->type, VECHE_TTYPE_DECRYPTION) == 0)
            CHECK(where == 0);
        else if (where != 1) {
            fprintf(stderr, "fuzz_election: item %llu (%s) is accounted for %d times\n",
                    (unsigned long long)it->index, it->type, where);
            abort();
        }
    }
    for (size_t q = 0; q < c->nrefused; q++)
        CHECK(c->refused[q].why[0] != 0);
    /* the order of the rounds */
    for (uint32_t i = 1; i <= n; i++) {
        const veche_ceremony_trustee *tr = &c->tr[i];
        int all_ok = 1;
        CHECK(tr->i == i);
        for (int s = 0; s < VECHE_ROUNDS; s++) {
            all_ok &= tr->step[s].state == VECHE_STEP_OK;
            if (tr->step[s].state == VECHE_STEP_BAD)
                CHECK(tr->step[s].why[0] != 0);
        }
        if (tr->step[VECHE_ROUND_COMMIT].state == VECHE_STEP_OK)
            CHECK(tr->step[VECHE_ROUND_KEY].state == VECHE_STEP_OK &&
                  tr->step[VECHE_ROUND_KEY].index < tr->step[VECHE_ROUND_COMMIT].index);
        for (int s = VECHE_ROUND_COMMITMENTS; s <= VECHE_ROUND_SHARES; s++)
            if (tr->step[s].state == VECHE_STEP_OK)   /* commit before reveal */
                CHECK(c->commits_closed && c->commits_closed_at < tr->step[s].index);
        /* Q: exactly the trustees with four good steps and no SENDER verdict */
        CHECK(tr->qualified == (all_ok && !sender_bad[i]));
        if (!tr->qualified)
            CHECK(tr->why[0] != 0);
    }
    if (c->commits_closed)
        for (uint32_t i = 1; i <= n; i++)
            CHECK(c->tr[i].step[VECHE_ROUND_COMMIT].state == VECHE_STEP_OK &&
                  c->tr[i].step[VECHE_ROUND_COMMIT].index <= c->commits_closed_at);
    for (size_t q = 0; q < c->nqual; q++) {
        CHECK(c->qual[q] >= 1 && c->qual[q] <= n && c->tr[c->qual[q]].qualified);
        CHECK(q == 0 || c->qual[q] > c->qual[q - 1]);
    }
    for (uint32_t i = 1; i <= n; i++)
        nq += c->tr[i].qualified;
    CHECK(nq == c->nqual);
    CHECK((c->phase == VECHE_PHASE_KEYED) == (c->key_present != 0));
    if (c->phase == VECHE_PHASE_FAILED) {
        int bad = 0;
        for (uint32_t i = 1; i <= n; i++)
            bad |= c->tr[i].step[VECHE_ROUND_KEY].state == VECHE_STEP_BAD ||
                   c->tr[i].step[VECHE_ROUND_COMMIT].state == VECHE_STEP_BAD;
        CHECK(bad);
    }
    CHECK(c->phase == VECHE_PHASE_CHECKS || c->why[0] != 0 || c->phase == VECHE_PHASE_KEYED);
    /* the joint key and the verification keys, recomputed */
    CHECK(c->have_K == (c->nqual >= t));
    if (c->have_K) {
        veche_point K, Kj;
        veche_scalar pw, jj;
        uint8_t enc[32];
        veche_point_identity(&K);
        for (size_t q = 0; q < c->nqual; q++)
            veche_point_add(&K, &K, &c->tr[c->qual[q]].commitments.C[0]);
        CHECK(veche_point_eq(&K, &c->K));
        veche_point_encode(enc, &K);
        CHECK(memcmp(enc, c->K_enc, 32) == 0);
        for (uint32_t j = 1; j <= n; j++) {
            veche_scalar sc[N_TRUSTEES * THRESHOLD];
            veche_point pt[N_TRUSTEES * THRESHOLD];
            size_t np = 0;
            veche_scalar_from_u64(&jj, j);
            for (size_t q = 0; q < c->nqual; q++) {
                const veche_dkg_commitments *cm = &c->tr[c->qual[q]].commitments;
                CHECK(cm->t == t);
                veche_scalar_from_u64(&pw, 1);
                for (uint32_t k = 0; k < t; k++, np++) {   /* j^k · C_qk */
                    sc[np] = pw;
                    pt[np] = cm->C[k];
                    veche_scalar_mul(&pw, &pw, &jj);
                }
            }
            CHECK(veche_msm_vartime(&Kj, sc, pt, np) == VECHE_OK);
            CHECK(veche_point_eq(&Kj, &c->Kj[j]));
        }
    }
    if (c->key_present && c->key_ok) {
        const json_t *body = NULL;
        const json_t *qv;
        uint8_t K[32];
        for (size_t k = 0; k < r->n; k++)
            if (r->items[k].index == c->key_index)
                body = r->items[k].body;
        CHECK(body != NULL && c->have_K);
        CHECK(b64_exactly(json_object_get(body, "key"), 32, K) && memcmp(K, c->K_enc, 32) == 0);
        qv = json_object_get(body, "qualified");
        CHECK(json_array_size(qv) == c->nqual);
        for (size_t q = 0; q < c->nqual; q++)
            CHECK(json_integer_value(json_array_get(qv, q)) == (json_int_t)c->qual[q]);
    } else if (c->key_present) {
        CHECK(c->key_why[0] != 0);
    }
}

/* ---- 5. tallies and decryptions ---------------------------------------------------------- */

static void check_tally(const veche_ceremony_tally *tl, const json_t *body)
{
    const json_t *a = json_object_get(body, "tally");
    uint8_t want[64], enc[64];

    CHECK(tl->ncontests == man.ncontests);
    for (size_t c = 0; c < man.ncontests; c++) {
        CHECK(tl->nsel[c] == man.contests[c].nexplicit);
        for (size_t s = 0; s < tl->nsel[c]; s++) {
            CHECK(b64_exactly(json_array_get(json_array_get(a, c), s), 64, want));
            veche_ciphertext_encode(enc, &tl->ct[c][s]);
            CHECK(memcmp(enc, want, 64) == 0);
        }
    }
}

/* Big, and reused from input to input (fresh memory costs page faults under ASan). */
static record               rec;
static veche_ceremony_tally tallies[2];
static veche_point          M[VECHE_MAX_CONTESTS][VECHE_MAX_SELECTIONS];
static veche_point          M0[VECHE_MAX_CONTESTS][VECHE_MAX_SELECTIONS];

/*
 * The election fingerprint as the record gives it (election.h): the manifest
 * hash, the ceremony's K and the hash of the credential authority's parts
 * in line order, when they form a list veche_credentials_parse accepts;
 * otherwise the world's.
 */
static void record_fingerprint(uint8_t out[32], const veche_ceremony *c, const record *r)
{
    const json_t *parts[MAX_LINES];
    const uint8_t *bytes[MAX_LINES];
    size_t lens[MAX_LINES], n = 0, count = 0;
    uint64_t total;
    uint8_t ch[32];

    for (size_t k = 0; k < r->n; k++)
        if (strcmp(r->items[k].type, VECHE_ETYPE_CREDENTIALS) == 0 && r->items[k].author != NULL &&
            memcmp(r->items[k].author, authority.pk, 32) == 0) {
            parts[n] = r->items[k].body;
            bytes[n] = r->bytes[k];
            lens[n++] = r->len[k];
        }
    if (n == 0 || !credentials_list_model(parts, n, &total, &count)) {
        memcpy(out, fingerprint, 32);
        return;
    }
    veche_election_credentials_hash(ch, bytes, lens, n);
    veche_election_fingerprint(out, man_hash, c->K_enc, ch);
}

/*
 * election.result against the decryptions accepted so far: accepted exactly
 * when its trustees are >= t increasing trustees with a decryption before
 * it, and its counts are those veche_result_compute finds for that set.
 */
static void check_result(const veche_decryption *dec, const veche_ceremony_item *it, uint64_t W)
{
    const json_t *tr = json_object_get(it->body, "trustees");
    const json_t *counts = json_object_get(it->body, "counts");
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    veche_result *got = malloc(sizeof *got), *want = malloc(sizeof *want);
    veche_diag d = {{0}};
    size_t n = json_array_size(tr);
    int ok = n >= THRESHOLD && n <= N_TRUSTEES;
    veche_err e;

    CHECK(got != NULL && want != NULL);
    for (size_t k = 0; ok && k < n; k++) {
        json_int_t j = json_integer_value(json_array_get(tr, k));
        ok = j >= 1 && j <= N_TRUSTEES && (k == 0 || (uint32_t)j > set[k - 1]) && dec->have[j] &&
             dec->index[j] <= it->index;
        set[k] = (uint32_t)j;
    }
    if (ok) {
        e = veche_result_compute(want, dec, set, n, W, &d);
        CHECK(e == VECHE_OK || e == VECHE_ENOTFOUND || e == VECHE_EVERIFY || e == VECHE_ENOMEM);
        CHECK(e == VECHE_OK || d.msg[0] != 0);
        ok = e == VECHE_OK && json_array_size(counts) == man.ncontests;
        for (size_t c = 0; ok && c < man.ncontests; c++) {
            const json_t *row = json_array_get(counts, c);
            ok = json_array_size(row) == man.contests[c].nsel;
            for (size_t s = 0; ok && s < man.contests[c].nsel; s++)
                ok = json_integer_value(json_array_get(row, s)) == (json_int_t)want->counts[c][s];
        }
    }
    memset(&d, 0, sizeof d);
    e = veche_result_check(got, it->body, dec, it->index, W, &d);
    CHECK(e == VECHE_OK || e == VECHE_EVERIFY || e == VECHE_ENOMEM);
    if ((e == VECHE_OK) != ok) {
        fprintf(stderr, "fuzz_election: election.result at line %llu: the check says %d (%s), "
                "the header %s\n", (unsigned long long)it->index, e, d.msg,
                ok ? "accepts" : "refuses");
        abort();
    }
    if (e != VECHE_OK)
        CHECK(d.msg[0] != 0);
    else {
        CHECK(got->ntrustees == n && memcmp(got->trustees, set, n * sizeof set[0]) == 0);
        for (size_t c = 0; c < man.ncontests; c++)
            CHECK(memcmp(got->counts[c], want->counts[c],
                         man.contests[c].nsel * sizeof(uint64_t)) == 0);
        last_results++;
    }
    free(got);
    free(want);
}

static void check_decryptions(const veche_ceremony *c, const record *r,
                              const veche_ceremony_tally *tl, uint64_t W)
{
    veche_decryption dec;
    veche_diag d = {{0}};
    uint32_t acc[N_TRUSTEES], nacc = 0;
    uint8_t fp[32];
    int first = 1;

    record_fingerprint(fp, c, r);
    CHECK(veche_decryption_init(&dec, c, tl, fp, &d) == VECHE_OK);
    for (size_t k = 0; k < r->n; k++) {
        const veche_ceremony_item *it = &r->items[k];
        int had[N_TRUSTEES + 1];
        veche_err e;
        if (strcmp(it->type, VECHE_ETYPE_RESULT) == 0 && W <= 1000)
            check_result(&dec, it, W);
        if (strcmp(it->type, VECHE_TTYPE_DECRYPTION) != 0)
            continue;
        for (uint32_t j = 1; j <= N_TRUSTEES; j++)
            had[j] = dec.have[j];
        memset(&d, 0, sizeof d);
        e = veche_decryption_add(&dec, it, &d);
        CHECK(e == VECHE_OK || e == VECHE_EINVALID || e == VECHE_EENCODING ||
              e == VECHE_EVERIFY || e == VECHE_ENOMEM);
        if (e != VECHE_OK) {
            CHECK(d.msg[0] != 0);
            for (uint32_t j = 1; j <= N_TRUSTEES; j++)
                CHECK(dec.have[j] == had[j]);
            continue;
        }
        {
            json_int_t j = json_integer_value(json_object_get(it->body, "trustee"));
            CHECK(j >= 1 && j <= N_TRUSTEES && !had[j] && dec.have[j]);
            CHECK(c->tr[j].qualified);
            CHECK(it->author != NULL && memcmp(it->author, man.trustee_key[j - 1], 32) == 0);
            CHECK(dec.index[j] == it->index);
            acc[nacc++] = (uint32_t)j;
        }
    }
    last_accepted = nacc;
    /* every subset of at least t accepted trustees decrypts to the same points */
    for (unsigned bits = 1; bits < (1u << nacc); bits++) {
        uint32_t set[N_TRUSTEES];
        size_t count = 0;
        veche_err e;
        for (uint32_t q = 0; q < nacc; q++)
            if (bits & (1u << q))
                set[count++] = acc[q];
        e = veche_decryption_combine(first ? M0 : M, &dec, set, count, &d);
        if (count < THRESHOLD) {
            CHECK(e == VECHE_EINVALID && d.msg[0] != 0);
            continue;
        }
        CHECK(e == VECHE_OK);
        if (!first)
            for (size_t cc = 0; cc < tl->ncontests; cc++)
                for (size_t s = 0; s < tl->nsel[cc]; s++)
                    CHECK(veche_point_eq(&M[cc][s], &M0[cc][s]));
        first = 0;
    }
    veche_decryption_free(&dec);
}

/* ---- 6. the loader ----------------------------------------------------------------------- */

static char  load_dir[] = "/tmp/veche-fuzz-load-XXXXXX";
static char  load_path[sizeof load_dir + 16];

static void load_dir_remove(void)
{
    unlink(load_path);
    rmdir(load_dir);
}

typedef struct ballots_seen {
    const record *r;
    size_t        n;
} ballots_seen;

static veche_err count_ballot(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                              const veche_entry *e)
{
    ballots_seen *b = arg;
    CHECK(strcmp(e->type, VECHE_ETYPE_BALLOT) == 0 && index < b->r->n);
    CHECK(len == b->r->len[index] && memcmp(bytes, b->r->bytes[index], len) == 0);
    b->n++;
    return VECHE_OK;
}

static int is_ours(const record *r, size_t k)
{
    const char *t = r->items[k].type;
    const char *id = json_string_value(json_object_get(r->items[k].body, "election"));
    return (strncmp(t, "election.", 9) == 0 || strncmp(t, "trustee.", 8) == 0) && id != NULL &&
           strcmp(id, ELECTION_ID) == 0;
}

static int by(const record *r, size_t k, const uint8_t key[32])
{
    return r->items[k].author != NULL && memcmp(r->items[k].author, key, 32) == 0;
}

/* The loaded list l holds exactly the record's entries of these types (after the manifest). */
static void check_list(const veche_election_list *l, const record *r, size_t from,
                       const char *const *types)
{
    size_t at = 0;
    for (size_t k = from; k < r->n; k++) {
        const char *t = r->items[k].type;
        size_t i = 0;
        while (types[i] != NULL && strcmp(t, types[i]) != 0)
            i++;
        if (!is_ours(r, k) || types[i] == NULL)
            continue;
        CHECK(at < l->n && l->v[at].index == k && strcmp(l->v[at].type, t) == 0);
        CHECK(l->v[at].len == r->len[k] && memcmp(l->v[at].bytes, r->bytes[k], r->len[k]) == 0);
        at++;
    }
    CHECK(at == l->n);
}

/*
 * veche_election_load_export on the input as an export's entries.jsonl, when
 * every line is an entry (so the load can succeed): what it keeps and
 * derives must be what election.h says, and its ceremony the one judged
 * from the lines.
 */
static void check_loader(const record *r, const uint8_t *data, size_t size, size_t nlines,
                         const veche_ceremony *mine)
{
    veche_election *el = NULL;
    veche_ceremony *c = NULL;
    ballots_seen seen = {r, 0};
    veche_diag d = {{0}};
    size_t man_at = SIZE_MAX, nballots = 0, nstray = 0, first_stray = 0;
    uint64_t second = VECHE_ELECTION_NO_INDEX, open_at = VECHE_ELECTION_NO_INDEX;
    uint64_t close_at = VECHE_ELECTION_NO_INDEX, key_at = VECHE_ELECTION_NO_INDEX;
    const json_t *parts[MAX_LINES];
    const uint8_t *pbytes[MAX_LINES];
    size_t plens[MAX_LINES], nparts = 0;
    json_int_t N = -1, seen_part[MAX_LINES];
    int cred_bad = 0;
    FILE *f;
    veche_err e;

    if (r->n != nlines || r->n == 0)
        return;
    for (size_t k = 0; k < r->n && man_at == SIZE_MAX; k++)
        if (is_ours(r, k) && strcmp(r->items[k].type, VECHE_ETYPE_MANIFEST) == 0)
            man_at = k;
    if (man_at == SIZE_MAX)
        return;   /* no manifest: it can only say VECHE_ENOTFOUND, after decoding everything */
    man_at = SIZE_MAX;
    CHECK((f = fopen(load_path, "wb")) != NULL && fwrite(data, 1, size, f) == size);
    if (size > 0 && data[size - 1] != '\n')
        CHECK(fputc('\n', f) == '\n');
    CHECK(fclose(f) == 0);
    e = veche_election_load_export(&el, load_dir, ELECTION_ID, count_ballot, &seen, &d);
    CHECK(code_ok(e) || e == VECHE_ENOTFOUND);
    if (e != VECHE_OK) {
        CHECK(el == NULL && d.msg[0] != 0);
        return;
    }
    /* what it keeps */
    for (size_t k = 0; k < r->n; k++) {
        if (!is_ours(r, k))
            continue;
        if (strcmp(r->items[k].type, VECHE_ETYPE_MANIFEST) == 0) {
            if (man_at == SIZE_MAX)
                man_at = k;
            else if (second == VECHE_ELECTION_NO_INDEX)
                second = k;
        } else if (man_at == SIZE_MAX) {
            if (nstray++ == 0)
                first_stray = k;
        } else if (strcmp(r->items[k].type, VECHE_ETYPE_BALLOT) == 0) {
            CHECK(nballots < el->nballots && el->ballots[nballots] == k);
            nballots++;
        }
    }
    CHECK(man_at != SIZE_MAX && el->manifest_entry.index == man_at);
    CHECK(strcmp(el->id, ELECTION_ID) == 0 && el->second_manifest == second);
    CHECK(el->nstray == nstray && (nstray == 0 || el->first_stray == first_stray));
    CHECK(el->nballots == nballots && seen.n == nballots);
    CHECK(r->items[man_at].author != NULL && memcmp(el->admin, r->items[man_at].author, 32) == 0);
    {
        uint8_t h[32], cid[32];
        crypto_hash_sha256(h, r->bytes[man_at], r->len[man_at]);
        CHECK(memcmp(h, el->manifest_hash, 32) == 0);
        veche_election_ceremony_id(cid, h);
        CHECK(memcmp(cid, el->ceremony_id, 32) == 0);
    }
    {
        static const char *const tr[] = {VECHE_TTYPE_KEY, VECHE_TTYPE_COMMIT,
                                         VECHE_TTYPE_COMMITMENTS, VECHE_TTYPE_SHARES,
                                         VECHE_TTYPE_COMPLAINT, NULL};
        static const char *const key[] = {VECHE_ETYPE_KEY, NULL};
        static const char *const cr[] = {VECHE_ETYPE_CREDENTIALS, NULL};
        static const char *const op[] = {VECHE_ETYPE_OPEN, NULL};
        static const char *const cl[] = {VECHE_ETYPE_CLOSE, NULL};
        static const char *const ta[] = {VECHE_ETYPE_TALLY, NULL};
        static const char *const re[] = {VECHE_ETYPE_RESULT, NULL};
        static const char *const de[] = {VECHE_TTYPE_DECRYPTION, NULL};
        check_list(&el->trustee, r, man_at + 1, tr);
        check_list(&el->keys, r, man_at + 1, key);
        check_list(&el->credentials, r, man_at + 1, cr);
        check_list(&el->opens, r, man_at + 1, op);
        check_list(&el->closes, r, man_at + 1, cl);
        check_list(&el->tallies, r, man_at + 1, ta);
        check_list(&el->results, r, man_at + 1, re);
        check_list(&el->decryptions, r, man_at + 1, de);
    }
    /* what it derives: key, open, close by the administrator; the authority's credentials */
    for (size_t k = man_at + 1; k < r->n; k++) {
        const char *t = r->items[k].type;
        const json_t *b = r->items[k].body;
        if (!is_ours(r, k))
            continue;
        int is_admin = by(r, k, el->admin);
        if (strcmp(t, VECHE_ETYPE_KEY) == 0 && is_admin && key_at == VECHE_ELECTION_NO_INDEX)
            key_at = k;
        if (strcmp(t, VECHE_ETYPE_OPEN) == 0 && is_admin && open_at == VECHE_ELECTION_NO_INDEX)
            open_at = k;
        if (strcmp(t, VECHE_ETYPE_CLOSE) == 0 && is_admin && close_at == VECHE_ELECTION_NO_INDEX)
            close_at = k;
        if (strcmp(t, VECHE_ETYPE_CREDENTIALS) == 0 &&
            by(r, k, el->manifest.authority_key)) {
            json_int_t part = json_integer_value(json_object_get(b, "part"));
            json_int_t parts_n = json_integer_value(json_object_get(b, "parts"));
            int twice = 0;
            if (N < 0)
                N = parts_n;
            for (size_t q = 0; q < nparts; q++)
                twice |= seen_part[q] == part;
            if (parts_n != N || twice)
                cred_bad = 1;
            else
                seen_part[nparts++] = part;
            if (!cred_bad && part < MAX_LINES) {
                parts[part] = b;
                pbytes[part] = r->bytes[k];
                plens[part] = r->len[k];
            }
        }
    }
    CHECK(el->key_index == key_at && el->open_index == open_at && el->close_index == close_at);
    {
        uint8_t K[32];
        veche_point P;
        int has = key_at != VECHE_ELECTION_NO_INDEX &&
                  b64_exactly(json_object_get(r->items[key_at].body, "key"), 32, K) &&
                  veche_point_decode(&P, K, VECHE_NO_IDENTITY) == VECHE_OK;
        CHECK(el->has_key == has && (!has || memcmp(el->K, K, 32) == 0));
    }
    if (N < 0)
        CHECK(el->cred_state == VECHE_CRED_NONE);
    else if (cred_bad)
        CHECK(el->cred_state == VECHE_CRED_INVALID && el->cred_problem.msg[0] != 0);
    else if ((json_int_t)nparts < N)
        CHECK(el->cred_state == VECHE_CRED_INCOMPLETE && el->nparts == (uint64_t)N);
    else {
        uint64_t total;
        size_t count = 0;
        int ok = credentials_list_model(parts, nparts, &total, &count);
        CHECK(el->cred_state == (ok ? VECHE_CRED_COMPLETE : VECHE_CRED_INVALID));
        if (ok) {
            uint8_t ch[32];
            veche_election_credentials_hash(ch, pbytes, plens, nparts);
            CHECK(memcmp(ch, el->credentials_hash, 32) == 0 && el->creds.n == count &&
                  el->creds.total_weight == total && el->nparts == nparts);
        } else {
            CHECK(el->cred_problem.msg[0] != 0);
        }
    }
    CHECK(el->has_fingerprint == (el->has_key && el->cred_state == VECHE_CRED_COMPLETE));
    if (el->has_fingerprint) {
        uint8_t fp[32];
        veche_election_fingerprint(fp, el->manifest_hash, el->K, el->credentials_hash);
        CHECK(memcmp(fp, el->fingerprint, 32) == 0);
    }
    /* its ceremony is the one judged from the lines, when nothing stray came first */
    if (memcmp(el->manifest_hash, man_hash, 32) == 0 && nstray == 0 && mine != NULL) {
        e = veche_ceremony_evaluate_election(&c, el, &d);
        CHECK(e == VECHE_OK);
        CHECK(c->phase == mine->phase && c->nqual == mine->nqual && c->have_K == mine->have_K);
        CHECK(memcmp(c->qual, mine->qual, c->nqual * sizeof c->qual[0]) == 0);
        CHECK(!c->have_K || memcmp(c->K_enc, mine->K_enc, 32) == 0);
        CHECK(c->key_present == mine->key_present && c->key_ok == mine->key_ok);
        CHECK(c->ncomplaints == mine->ncomplaints);
        veche_ceremony_free(c);
    }
    veche_election_free(el);
}

static void fuzz_record(const uint8_t *data, size_t size)
{
    record *r = &rec;
    veche_ceremony *c = NULL;
    veche_ceremony_tally *tl = &tallies[0];
    veche_diag d = {{0}};
    int have_tally = 0;
    uint64_t W = 0;
    size_t nlines;
    veche_err e;

    nlines = record_read(r, data, size);
    if (r->n == 0)
        goto done;
    record_credentials(r);
    e = veche_ceremony_evaluate(&c, &man, man_hash, admin.pk, r->items, r->n, &d);
    CHECK(e == VECHE_OK || e == VECHE_ENOMEM);
    if (e != VECHE_OK) {
        CHECK(c == NULL && d.msg[0] != 0);
        goto done;
    }
    check_ceremony(c, r);
    for (size_t k = 0; k < r->n; k++) {
        const veche_ceremony_item *it = &r->items[k];
        if (strcmp(it->type, VECHE_ETYPE_KEY) == 0) {
            memset(&d, 0, sizeof d);
            e = veche_ceremony_check_election_key(c, it->body, &d);
            CHECK(e == VECHE_OK || e == VECHE_EINVALID || e == VECHE_EVERIFY ||
                  e == VECHE_EENCODING);
            CHECK(e == VECHE_OK || d.msg[0] != 0);
            if (c->key_present && it->index == c->key_index)
                CHECK((e == VECHE_OK) == (c->key_ok != 0));
        }
        if (strcmp(it->type, VECHE_ETYPE_TALLY) == 0) {
            veche_ceremony_tally *cur = have_tally ? &tallies[1] : tl;
            memset(&d, 0, sizeof d);
            e = veche_ceremony_tally_parse(cur, it->body, &man, &d);
            CHECK(e == VECHE_OK || e == VECHE_EINVALID || e == VECHE_EENCODING);
            if (e != VECHE_OK)
                CHECK(d.msg[0] != 0 && cur->ncontests == 0);
            else {
                check_tally(cur, it->body);
                if (cur == tl) {
                    have_tally = 1;
                    W = (uint64_t)json_integer_value(json_object_get(it->body, "weight"));
                }
            }
            if (world_count != NULL) {   /* tally.h: states exactly the honest count, or not */
                memset(&d, 0, sizeof d);
                e = veche_tally_check(it->body, world_votes->el, world_count, &d);
                CHECK(e == VECHE_OK || e == VECHE_EVERIFY || e == VECHE_ENOMEM);
                CHECK(e == VECHE_OK || d.msg[0] != 0);
                CHECK((e == VECHE_OK) == json_equal(it->body, world_tally));
            }
        }
    }
    if (c->have_K && have_tally)
        check_decryptions(c, r, tl, W);
    check_loader(r, data, size, nlines, c);
done:
    veche_ceremony_free(c);
    record_free(r);
}

/* ---- seeds ---------------------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const char *b, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_election: cannot write %s\n", path);
        exit(1);
    }
}

/* A record being written: its lines, and the items decoded from them. */
typedef struct seed_record {
    char      *text;
    size_t     len;
    veche_entry ents[MAX_LINES];
    veche_ceremony_item items[MAX_LINES];
    size_t     n;
    const char *dir, *tag;
} seed_record;

static void add_entry(seed_record *s, char *entry, size_t len, veche_diag *d)
{
    char name[96];
    veche_entry *e = &s->ents[s->n];

    if (entry == NULL) {
        fprintf(stderr, "fuzz_election: seed: %s\n", d->msg);
        exit(1);
    }
    if (veche_entry_decode(e, (const uint8_t *)entry, len, d) != VECHE_OK) {
        fprintf(stderr, "fuzz_election: seed entry refused: %s\n", d->msg);
        exit(1);
    }
    s->items[s->n] = (veche_ceremony_item){s->n, e->type, e->is_signed ? e->author : NULL, e->body};
    s->text = realloc(s->text, s->len + len + 1);
    CHECK(s->text != NULL);
    memcpy(s->text + s->len, entry, len);
    s->text[s->len + len] = '\n';
    s->len += len + 1;
    snprintf(name, sizeof name, "%s-%02zu-%s", s->tag, s->n, e->type);
    if (s->dir != NULL)
        write_seed(s->dir, name, entry, len);
    s->n++;
    free(entry);
}

static void add_body(seed_record *s, const char *type, json_t *body, const veche_key *k)
{
    char *entry = NULL;
    size_t len = 0;
    veche_diag d = {{0}};
    CHECK(body != NULL);
    if (veche_entry_build(&entry, &len, type, body, k != NULL ? k->sk : NULL, &d) != VECHE_OK)
        entry = NULL;
    json_decref(body);
    add_entry(s, entry, len, &d);
}

static veche_ceremony *seed_judge(seed_record *s, veche_ceremony *old)
{
    veche_ceremony *c;
    veche_diag d = {{0}};
    veche_ceremony_free(old);
    CHECK(veche_ceremony_evaluate(&c, &man, man_hash, admin.pk, s->items, s->n, &d) == VECHE_OK);
    return c;
}

/* Trustee 3 seals a share of another polynomial to trustee 2 (bad_dealer 3) or not (0). */
static void seed_shares(seed_record *s, veche_trustee_state *st, const veche_ceremony *c,
                        uint32_t i, uint32_t bad_to)
{
    char *entry = NULL;
    size_t len = 0;
    veche_diag d = {{0}};

    if (bad_to == 0) {
        veche_trustee_shares_entry(&entry, &len, st, c, &tk[i], &d);
        add_entry(s, entry, len, &d);
        return;
    }
    {
        veche_dkg_trustee other = st->dkg;
        json_t *a = json_array();
        uint8_t buf[VECHE_DKG_SHARE_BYTES];
        veche_dkg_share m;
        veche_scalar_from_u64(&other.a[0], 12345);   /* a different secret: the share fails */
        for (uint32_t j = 1; j <= N_TRUSTEES; j++) {
            if (j == i)
                continue;
            CHECK(veche_dkg_share_seal(&m, j == bad_to ? &other : &st->dkg, &c->tr[j].key) ==
                  VECHE_OK);
            veche_dkg_share_encode(buf, &m);
            json_array_append_new(a, veche_b64_json(buf, sizeof buf));
        }
        add_body(s, VECHE_TTYPE_SHARES,
                 json_pack("{s:s, s:I, s:o}", "election", ELECTION_ID, "trustee", (json_int_t)i,
                           "shares", a), &tk[i]);
        veche_dkg_trustee_wipe(&other);
    }
}

/*
 * Two credential parts of 3 and 2 keys, sorted across parts; voter v's code
 * (v = 0, 1: weights 1 and 2) in codes[v]. Returns the credentials hash.
 */
static void seed_credentials(seed_record *s, char (*codes)[VECHE_CODE_CHARS + 1], uint8_t ch[32])
{
    static const uint32_t weights[5] = {1, 2, 1, 5, 1};
    veche_credential_list l;
    veche_diag d = {{0}};
    veche_rng rng;
    uint8_t seed[32] = "fuzz_election credentials";
    const uint8_t *bytes[2];
    size_t lens[2], at[2];

    veche_rng_seed(&rng, seed);
    CHECK(veche_credentials_generate(codes, &l, ELECTION_ID, weights, 5, &rng, &d) == VECHE_OK);
    for (size_t k = 0; k < 2; k++) {
        size_t from = k == 0 ? 0 : 3, count = k == 0 ? 3 : 2;
        json_t *list = json_array();
        for (size_t i = from; i < from + count; i++)
            json_array_append_new(list, json_pack("{s:o, s:I}", "key",
                                                  veche_b64_json(l.v[i].key, 32), "weight",
                                                  (json_int_t)l.v[i].weight));
        at[k] = s->len;
        add_body(s, VECHE_ETYPE_CREDENTIALS,
                 json_pack("{s:s, s:I, s:I, s:o}", "election", ELECTION_ID, "part", (json_int_t)k,
                           "parts", (json_int_t)2, "credentials", list), &authority);
        lens[k] = s->len - at[k] - 1;
    }
    bytes[0] = (const uint8_t *)s->text + at[0];
    bytes[1] = (const uint8_t *)s->text + at[1];
    veche_election_credentials_hash(ch, bytes, lens, 2);
    if (s->dir != NULL)
        for (size_t i = 0; i < 5; i++) {
            char name[32];
            snprintf(name, sizeof name, "code-%zu", i);
            write_seed(s->dir, name, codes[i], strlen(codes[i]));
        }
    veche_credentials_free(&l);
}

static void seed_ballot(seed_record *s, const char *code, const char *choices,
                        const veche_pubkey *K, const uint8_t fp[32], veche_rng *rng)
{
    veche_choices ch;
    veche_diag d = {{0}};
    veche_scalar x;
    uint8_t X[32];
    char *entry = NULL;
    size_t len = 0;

    CHECK(veche_credential_derive(&x, X, ELECTION_ID, code, &d) == VECHE_OK);
    CHECK(veche_choices_parse(&ch, choices, &man, &d) == VECHE_OK);
    CHECK(veche_ballot_build(&entry, &len, &man, K, fp, &x, X, &ch, NULL, rng, &d) == VECHE_OK);
    add_entry(s, entry, len, &d);
    veche_scalar_wipe(&x);
}

/* The record so far as an export directory's entries.jsonl, loaded and counted (tally.h). */
static void seed_count(const seed_record *s, veche_votes **v, veche_count **c)
{
    static char dir[] = "/tmp/veche-fuzz-election-XXXXXX";
    static int made;
    char path[sizeof dir + 32];
    veche_record_src src = {NULL, dir};
    veche_diag d = {{0}};
    FILE *f;

    if (!made)
        CHECK(mkdtemp(dir) != NULL);
    made = 1;
    snprintf(path, sizeof path, "%s/entries.jsonl", dir);
    CHECK((f = fopen(path, "wb")) != NULL && fwrite(s->text, 1, s->len, f) == s->len &&
          fclose(f) == 0);
    if (veche_votes_load(v, &src, ELECTION_ID, &d) != VECHE_OK ||
        veche_count_ballots(c, *v, 1, &d) != VECHE_OK) {
        fprintf(stderr, "fuzz_election: counting the seed election: %s\n", d.msg);
        exit(1);
    }
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    made = 0;
    strcpy(dir, "/tmp/veche-fuzz-election-XXXXXX");
}

/*
 * A whole election on the fixed manifest, each step built by the library
 * from seeded randomness: bad = 0 honest, with a false complaint by 3
 * against 1; bad = 1: trustee 3 deals trustee 2 a bad share, 2 complains,
 * 3 is disqualified, and 1 and 2 decrypt. Two voters (weights 1 and 2),
 * one of whom votes again, then the tally, the decryptions and the result.
 * With s->dir, every entry and the record are written as seeds. For the
 * honest one, the count is kept as the world's (world_votes, world_count).
 */
static void build_election(seed_record *s, int bad)
{
    veche_trustee_state *st = calloc(N_TRUSTEES + 1, sizeof *st);
    char (*codes)[VECHE_CODE_CHARS + 1] = calloc(5, sizeof *codes);
    veche_ceremony *c = NULL;
    veche_votes *votes;
    veche_count *count;
    veche_decryption dec;
    veche_result res;
    veche_diag d = {{0}};
    veche_rng rng;
    uint8_t seed[32] = "fuzz_election seed election", ch[32], fp[32];
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    veche_pubkey K;
    char *entry = NULL;
    size_t len = 0, nset;
    uint32_t badlist[VECHE_DKG_MAX_TRUSTEES];
    size_t nbad;
    json_t *body;

    CHECK(st != NULL && codes != NULL);
    seed[31] = (uint8_t)bad;
    veche_rng_seed(&rng, seed);
    entry = strdup(man_entry);
    add_entry(s, entry, man_entry_len, &d);
    for (uint32_t i = 1; i <= N_TRUSTEES; i++)
        CHECK(veche_trustee_state_new(&st[i], &man, man_hash, tk[i].pk, &rng, &d) == VECHE_OK);
    for (uint32_t i = 1; i <= N_TRUSTEES; i++) {
        veche_trustee_key_entry(&entry, &len, &st[i], &tk[i], &d);
        add_entry(s, entry, len, &d);
    }
    for (uint32_t i = 1; i <= N_TRUSTEES; i++) {
        veche_trustee_commit_entry(&entry, &len, &st[i], &tk[i], &d);
        add_entry(s, entry, len, &d);
    }
    c = seed_judge(s, c);
    for (uint32_t i = 1; i <= N_TRUSTEES; i++) {
        veche_trustee_commitments_entry(&entry, &len, &st[i], c, &tk[i], &rng, &d);
        add_entry(s, entry, len, &d);
        seed_shares(s, &st[i], c, i, bad && i == 3 ? 2 : 0);
    }
    c = seed_judge(s, c);
    for (uint32_t j = 1; j <= N_TRUSTEES; j++) {
        CHECK(veche_trustee_open_shares(&st[j], c, badlist, &nbad, &d) == VECHE_OK);
        CHECK(nbad == (bad && j == 2 ? 1u : 0u));
        if (nbad == 1) {
            veche_trustee_complaint_entry(&entry, &len, &st[j], c, badlist[0], &tk[j], &rng, &d);
            add_entry(s, entry, len, &d);
        }
    }
    if (!bad) {   /* a false complaint: judged COMPLAINER, disqualifies nobody */
        veche_trustee_complaint_entry(&entry, &len, &st[3], c, 1, &tk[3], &rng, &d);
        add_entry(s, entry, len, &d);
    }
    c = seed_judge(s, c);
    CHECK(c->have_K && c->nqual == (bad ? 2u : 3u));
    CHECK(veche_ceremony_election_key_body(&body, c, &d) == VECHE_OK);
    add_body(s, VECHE_ETYPE_KEY, body, &admin);
    c = seed_judge(s, c);
    CHECK(c->phase == VECHE_PHASE_KEYED && c->key_ok);
    CHECK(veche_pubkey_from_point(&K, &c->K) == VECHE_OK);
    seed_credentials(s, codes, ch);
    veche_election_fingerprint(fp, man_hash, c->K_enc, ch);
    add_body(s, VECHE_ETYPE_OPEN, json_pack("{s:s, s:o}", "election", ELECTION_ID, "fingerprint",
                                            veche_b64_json(fp, 32)), &admin);
    seed_ballot(s, codes[0], "ref:yes;chair:Ben", &K, fp, &rng);
    seed_ballot(s, codes[1], "ref:yes;chair:Ana", &K, fp, &rng);
    seed_ballot(s, codes[0], "ref:no;chair:Ben", &K, fp, &rng);   /* votes again */
    add_body(s, VECHE_ETYPE_CLOSE, json_pack("{s:s}", "election", ELECTION_ID), &admin);
    seed_count(s, &votes, &count);
    CHECK(count->n[VECHE_FATE_COUNTED] == 2 && count->n[VECHE_FATE_SUPERSEDED] == 1 &&
          count->weight == 3);
    CHECK(memcmp(votes->el->fingerprint, fp, 32) == 0);
    CHECK(veche_tally_body(&body, votes->el, count, &d) == VECHE_OK);
    if (!bad)
        world_tally = json_incref(body);
    add_body(s, VECHE_ETYPE_TALLY, body, &admin);
    for (uint32_t j = 1; j <= N_TRUSTEES; j++) {
        if (!c->tr[j].qualified)
            continue;
        if (veche_trustee_decryption_entry(&entry, &len, &st[j], c, &count->tally, fp, &tk[j],
                                           &rng, &d) != VECHE_OK)
            entry = NULL;
        add_entry(s, entry, len, &d);
    }
    c = seed_judge(s, c);
    CHECK(veche_decryption_init(&dec, c, &count->tally, fp, &d) == VECHE_OK);
    for (size_t k = 0; k < s->n; k++)
        if (strcmp(s->items[k].type, VECHE_TTYPE_DECRYPTION) == 0)
            CHECK(veche_decryption_add(&dec, &s->items[k], &d) == VECHE_OK);
    nset = veche_decryption_set(&dec, set);
    CHECK(veche_result_compute(&res, &dec, set, nset, count->weight, &d) == VECHE_OK);
    /* ref: yes 2 (voter 2), no 1 (voter 1's second ballot); chair: Ana 2, Ben 1 */
    CHECK(res.counts[0][0] == 2 && res.counts[0][1] == 1 && res.counts[1][0] == 2 &&
          res.counts[1][1] == 1);
    CHECK(veche_result_body(&body, votes->el, &res, &d) == VECHE_OK);
    add_body(s, VECHE_ETYPE_RESULT, body, &admin);
    veche_decryption_free(&dec);

    /* the record is what this comment says, and as the fuzzer reads it passes every check */
    if (!bad) {
        world_votes = votes;
        world_count = count;
        memcpy(fingerprint, fp, 32);
    }
    c = seed_judge(s, c);
    CHECK(c->ncomplaints == 1 && c->nrefused == (size_t)s->n - 4 * N_TRUSTEES - 2 - c->nqual);
    CHECK(c->complaints[0].verdict ==
          (bad ? VECHE_DKG_VERDICT_SENDER : VECHE_DKG_VERDICT_COMPLAINER));
    CHECK(c->tr[3].qualified == !bad);
    last_accepted = last_results = 0;
    fuzz_record((const uint8_t *)s->text, s->len);
    CHECK(last_accepted == c->nqual && last_results == 1);
    if (bad) {
        veche_count_free(count);
        veche_votes_free(votes);
    }
    veche_pubkey_free(&K);
    veche_ceremony_free(c);
    for (uint32_t i = 1; i <= N_TRUSTEES; i++)
        veche_trustee_state_wipe(&st[i]);
    sodium_memzero(codes, 5 * sizeof *codes);
    free(codes);
    free(st);
}

static void seed_election(const char *dir, const char *tag, int bad)
{
    seed_record *s = calloc(1, sizeof *s);

    CHECK(s != NULL);
    s->dir = dir;
    s->tag = tag;
    build_election(s, bad);
    if (dir != NULL)
        write_seed(dir, tag, s->text, s->len);
    for (size_t k = 0; k < s->n; k++)
        veche_entry_free(&s->ents[k]);
    free(s->text);
    free(s);
}

static void write_seeds(const char *dir)
{
    char *pretty = json_dumps(man_body, JSON_INDENT(2));
    char code[VECHE_CODE_CHARS + 1], lower[VECHE_CODE_CHARS + 8];
    veche_rng rng;
    uint8_t seed[32] = "fuzz_election codes";
    size_t o = 0;

    CHECK(pretty != NULL);
    write_seed(dir, "manifest.json", pretty, strlen(pretty));
    free(pretty);
    veche_rng_seed(&rng, seed);
    veche_code_generate(code, &rng);
    /* typed carelessly: lower case, spaces for dashes */
    for (size_t i = 0; code[i] != 0; i++)
        lower[o++] = code[i] == '-' ? ' '
                     : code[i] >= 'A' && code[i] <= 'Z' ? (char)(code[i] - 'A' + 'a') : code[i];
    write_seed(dir, "code-typed", lower, o);
    code[1] = code[1] == 'A' ? 'B' : 'A';   /* one symbol wrong: the checksum catches it */
    write_seed(dir, "code-mistyped", code, strlen(code));
    seed_election(dir, "record-complaint", 1);
}

/* ---- the entry point ------------------------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");

    (void)argc;
    (void)argv;
    CHECK(veche_crypto_init() == VECHE_OK);
    CHECK(veche_election_register_types() == VECHE_OK);
    make_world();
    CHECK(mkdtemp(load_dir) != NULL);
    snprintf(load_path, sizeof load_path, "%s/entries.jsonl", load_dir);
    atexit(load_dir_remove);
    /* the honest election: the world's count and fingerprint (and seeds, when asked) */
    seed_election(dir, "record-honest", 0);
    if (dir != NULL) {
        write_seeds(dir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;

    if (size > INPUT_LIMIT)
        return 0;
    if ((text = malloc(size + 1)) == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    fuzz_code(text);
    free(text);
    fuzz_manifest(data, size);
    fuzz_shapes(data, size);
    fuzz_record(data, size);
    return 0;
}
