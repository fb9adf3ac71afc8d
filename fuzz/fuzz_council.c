/*
 * fuzz/fuzz_council.c — libFuzzer target for the council layer's readers of
 * outside input: the body shape of every council.* entry type, and the
 * council loader on arbitrary entries appended to a council's record.
 *
 * Every input is read these ways:
 *
 *   1. as canonical JSON: an object is given as a body to every council
 *      type's check (veche_council_check_body) — each must accept exactly
 *      what a validator written here from docs/SPEC.md §5.4 accepts, and
 *      refuse with a message. An accepted create body must parse into
 *      params (veche_council_params_parse) that rebuild the same entry
 *      body through veche_council_create_entry.
 *   2. as a record: each line (split at '\n') that is a canonical object
 *      {"type": T, "body": B, "k": K?, "m": M?} becomes an entry of type T
 *      with body B — signed inside by member M's standing credential when
 *      "m" is given (sets "credential" and "signature"), then signed by key
 *      K (0: unsigned; 1 the administrator, 2 the roll keeper, 3 the
 *      credential authority, 4 grouping "g"'s key, 5 an outsider) — and any
 *      other line is taken as an entry's bytes as they are. The lines are
 *      judged (veche_council_judge) as appended to the fixed council's
 *      record: OK, EVERIFY (with "entry N: ..." naming one of them) or
 *      EINVALID (an entry that does not decode, named) only. When every
 *      line decodes, the council is loaded with them and its state must
 *      keep the invariants of §5.5–5.6: the standing list sorted and
 *      distinct, of size active − pending joins + pending departures; every
 *      roll item's members_after recomputed from the actions; members'
 *      statuses agreeing with their roll entries; petitions' counts within
 *      bounds and succeeded_at set exactly when the count reached the
 *      threshold; at most `seats` mandates per seats election, each ended at
 *      most once, after it; publications counted never impostors; every
 *      problem under a check 1..10 with a message, nfatal their fatal ones;
 *      and the due list derivable without fault.
 *
 * Any violation aborts (a finding).
 *
 * The world: a SQLite board in a temporary directory holding the council
 * "fuzz" (2 seats, recall threshold 500‰, three trustees) with four members
 * whose standing credentials come from fixed codes, and a grouping "g".
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_council writes into <dir>
 * one seed per entry kind (and a record of all of them), then exits (how
 * fuzz/corpus/fuzz_council/ was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "board/board.h"
#include "board/canon.h"
#include "board/entry.h"
#include "council/council.h"
#include "council/internal.h"
#include "election/election.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "fuzz_council: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#define INPUT_LIMIT (128 * 1024)
#define MAX_LINES   32
#define CID         "fuzz"
#define NMEM        4
#define NO          VECHE_COUNCIL_NO_INDEX

static const char *const types[] = {
    VECHE_CTYPE_CREATE, VECHE_CTYPE_ROLL, VECHE_CTYPE_CREDENTIALS, VECHE_CTYPE_ELECTION,
    VECHE_CTYPE_MANDATE, VECHE_CTYPE_MANDATE_END, VECHE_CTYPE_PETITION, VECHE_CTYPE_SIGNATURE,
    VECHE_CTYPE_GROUPING, VECHE_CTYPE_PUBLICATION, VECHE_CTYPE_TOMBSTONE,
    VECHE_CTYPE_DELEGATION, VECHE_CTYPE_DELEGATION_END, VECHE_CTYPE_APPEAL,
};
#define N_TYPES (sizeof types / sizeof types[0])

/* ---- the model of §5.4 -------------------------------------------------------------- */

static int m_id(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (s == NULL || n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static int m_str(const json_t *v, size_t lo, size_t hi)
{
    return json_is_string(v) && json_string_length(v) >= lo && json_string_length(v) <= hi;
}

static int m_int(const json_t *v, json_int_t lo, json_int_t hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

static int m_index(const json_t *v)
{
    return m_int(v, 0, (json_int_t)9007199254740991);
}

/* Canonical base64 of n bytes: decodes to n bytes and encodes back to itself. */
static int m_b64(const json_t *v, size_t n, uint8_t *out)
{
    uint8_t buf[64];
    char back[128];
    size_t got = 0;
    const char *s = json_string_value(v);
    if (s == NULL || n > sizeof buf || json_string_length(v) != sodium_base64_ENCODED_LEN(
            n, sodium_base64_VARIANT_ORIGINAL) - 1)
        return 0;
    if (sodium_base642bin(buf, sizeof buf, s, json_string_length(v), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != n)
        return 0;
    sodium_bin2base64(back, sizeof back, buf, n, sodium_base64_VARIANT_ORIGINAL);
    if (strcmp(back, s) != 0)
        return 0;
    if (out != NULL)
        memcpy(out, buf, n);
    return 1;
}

/* The object has no member outside names[] and every one of req[]. */
static int m_members(const json_t *o, const char *const *names, const char *const *req)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        return 0;
    json_object_foreach((json_t *)o, k, v) {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], k) != 0)
            i++;
        if (names[i] == NULL)
            return 0;
    }
    for (size_t i = 0; req[i] != NULL; i++)
        if (json_object_get(o, req[i]) == NULL)
            return 0;
    return 1;
}

static int m_is(const json_t *v, const char *const *choices)
{
    for (size_t i = 0; choices[i] != NULL; i++)
        if (json_is_string(v) && strcmp(json_string_value(v), choices[i]) == 0)
            return 1;
    return 0;
}

static int has(const json_t *o, const char *k) { return json_object_get(o, k) != NULL; }
static const json_t *g(const json_t *o, const char *k) { return json_object_get(o, k); }

/* Strictly increasing: ids (bytewise), keys (bytewise), or indices. */
static int m_increasing(const json_t *a, size_t lo, size_t hi, char kind)
{
    uint8_t prev[32], cur[32];
    if (!json_is_array(a) || json_array_size(a) < lo || json_array_size(a) > hi)
        return 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *x = json_array_get(a, i), *w = i ? json_array_get(a, i - 1) : NULL;
        if (kind == 'i' && (!m_index(x) || (w && json_integer_value(x) <= json_integer_value(w))))
            return 0;
        if (kind == 's' && (!m_id(x) || (w && strcmp(json_string_value(w),
                                                     json_string_value(x)) >= 0)))
            return 0;
        if (kind == 'k') {
            if (!m_b64(x, 32, cur) || (w && memcmp(prev, cur, 32) >= 0))
                return 0;
            memcpy(prev, cur, 32);
        }
    }
    return 1;
}

static int model_create(const json_t *b)
{
    static const char *const n[] = {"council", "name", "seats", "term", "recall", "roll_keeper",
                                    "credential_authority", "trustees", "threshold",
                                    "exclusion_vote", NULL};
    static const char *const rn[] = {"majority", "threshold", NULL};
    static const char *const tn[] = {"key", "name", NULL};
    const json_t *tr = g(b, "trustees"), *rc = g(b, "recall");
    uint8_t keys[64][32];

    if (!m_members(b, n, n) || !m_id(g(b, "council")) || !m_str(g(b, "name"), 1, 256) ||
        !m_int(g(b, "seats"), 1, 64) || !m_int(g(b, "term"), 86400, 315360000) ||
        !m_members(rc, rn, rn) || !m_int(g(rc, "majority"), 501, 1000) ||
        !m_int(g(rc, "threshold"), 1, 1000) || !m_b64(g(b, "roll_keeper"), 32, NULL) ||
        !m_b64(g(b, "credential_authority"), 32, NULL) || !json_is_boolean(g(b, "exclusion_vote")))
        return 0;
    if (!json_is_array(tr) || json_array_size(tr) < 1 || json_array_size(tr) > 64 ||
        !m_int(g(b, "threshold"), 1, (json_int_t)json_array_size(tr)))
        return 0;
    for (size_t i = 0; i < json_array_size(tr); i++) {
        const json_t *t = json_array_get(tr, i);
        if (!m_members(t, tn, tn) || !m_str(g(t, "name"), 1, 256) ||
            !m_b64(g(t, "key"), 32, keys[i]))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (memcmp(keys[i], keys[j], 32) == 0)
                return 0;
    }
    return 1;
}

static int model_roll(const json_t *b)
{
    static const char *const n[] = {"council", "action", "member", "commitment", "reason",
                                    "election", NULL};
    static const char *const r[] = {"council", "action", "member", "reason", NULL};
    static const char *const actions[] = {"join", "leave", "exclude", NULL};
    int join;
    if (!m_members(b, n, r) || !m_id(g(b, "council")) || !m_is(g(b, "action"), actions) ||
        !m_id(g(b, "member")) || !m_str(g(b, "reason"), 0, 1024))
        return 0;
    join = strcmp(json_string_value(g(b, "action")), "join") == 0;
    if (has(b, "commitment") != join || (join && !m_b64(g(b, "commitment"), 32, NULL)))
        return 0;
    if (has(b, "election") && (strcmp(json_string_value(g(b, "action")), "exclude") != 0 ||
                               !m_id(g(b, "election"))))
        return 0;
    return join || json_string_length(g(b, "reason")) > 0;
}

static int model_credentials(const json_t *b)
{
    static const char *const n[] = {"council", "roll", "add", "remove", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_increasing(g(b, "roll"), 1, 5000, 'i') &&
           m_increasing(g(b, "add"), 0, 5000, 'k') && m_increasing(g(b, "remove"), 0, 5000, 'k');
}

static int model_election(const json_t *b)
{
    static const char *const n[] = {"council", "election", "purpose", "mandate", "petition",
                                    "member", NULL};
    static const char *const r[] = {"council", "election", "purpose", NULL};
    static const char *const purposes[] = {"seats", "by-election", "recall", "exclusion",
                                           "question", NULL};
    const char *p;
    if (!m_members(b, n, r) || !m_id(g(b, "council")) || !m_id(g(b, "election")) ||
        !m_is(g(b, "purpose"), purposes))
        return 0;
    p = json_string_value(g(b, "purpose"));
    if (has(b, "mandate") != (!strcmp(p, "recall") || !strcmp(p, "by-election")) ||
        has(b, "petition") != !strcmp(p, "recall") || has(b, "member") != !strcmp(p, "exclusion"))
        return 0;
    return (!has(b, "mandate") || m_index(g(b, "mandate"))) &&
           (!has(b, "petition") || m_index(g(b, "petition"))) &&
           (!has(b, "member") || m_id(g(b, "member")));
}

static int model_mandate(const json_t *b)
{
    static const char *const n[] = {"council", "election", "delegate", "start", "end", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_id(g(b, "election")) &&
           m_str(g(b, "delegate"), 1, 256) && m_int(g(b, "start"), 0, 253402300799) &&
           m_int(g(b, "end"), 0, 253402300799) &&
           json_integer_value(g(b, "start")) < json_integer_value(g(b, "end"));
}

static int model_mandate_end(const json_t *b)
{
    static const char *const n[] = {"council", "mandate", "reason", "election", "statement", NULL};
    static const char *const r[] = {"council", "mandate", "reason", "statement", NULL};
    static const char *const reasons[] = {"recalled", "resigned", NULL};
    if (!m_members(b, n, r) || !m_id(g(b, "council")) || !m_index(g(b, "mandate")) ||
        !m_is(g(b, "reason"), reasons) || !m_str(g(b, "statement"), 0, 1024))
        return 0;
    if (has(b, "election") != (strcmp(json_string_value(g(b, "reason")), "recalled") == 0))
        return 0;
    return !has(b, "election") || m_id(g(b, "election"));
}

static int model_petition(const json_t *b)
{
    static const char *const n[] = {"council", "kind", "mandate", "text", "credential",
                                    "signature", NULL};
    static const char *const kinds[] = {"recall", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_is(g(b, "kind"), kinds) &&
           m_index(g(b, "mandate")) && m_str(g(b, "text"), 1, 4096) &&
           m_b64(g(b, "credential"), 32, NULL) && m_b64(g(b, "signature"), 64, NULL);
}

static int model_signature(const json_t *b)
{
    static const char *const n[] = {"council", "petition", "credential", "signature", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_index(g(b, "petition")) &&
           m_b64(g(b, "credential"), 32, NULL) && m_b64(g(b, "signature"), 64, NULL);
}

static int model_grouping(const json_t *b)
{
    static const char *const n[] = {"council", "grouping", "name", "members", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_id(g(b, "grouping")) &&
           m_str(g(b, "name"), 1, 256) && m_increasing(g(b, "members"), 0, 10000, 's');
}

static int model_publication(const json_t *b)
{
    static const char *const n[] = {"council", "grouping", "kind", "title", "hash", "length",
                                    "reply_to", "election", "option", "credential", "signature",
                                    NULL};
    static const char *const r[] = {"council", "kind", "title", "hash", "length", NULL};
    static const char *const kinds[] = {"statement", "platform", "minutes", "reply", NULL};
    const char *k;
    int member;
    if (!m_members(b, n, r) || !m_id(g(b, "council")) || !m_is(g(b, "kind"), kinds) ||
        !m_str(g(b, "title"), 1, 256) || !m_b64(g(b, "hash"), 32, NULL) ||
        !m_int(g(b, "length"), 1, 65536) || (has(b, "grouping") && !m_id(g(b, "grouping"))))
        return 0;
    k = json_string_value(g(b, "kind"));
    member = !has(b, "grouping");
    if (has(b, "reply_to") != !strcmp(k, "reply") || has(b, "election") != !strcmp(k, "platform") ||
        has(b, "option") != !strcmp(k, "platform") || has(b, "credential") != member ||
        has(b, "signature") != member)
        return 0;
    return (!has(b, "reply_to") || m_index(g(b, "reply_to"))) &&
           (!has(b, "election") || m_id(g(b, "election"))) &&
           (!has(b, "option") || m_str(g(b, "option"), 1, 256)) &&
           (!member || (m_b64(g(b, "credential"), 32, NULL) && m_b64(g(b, "signature"), 64, NULL)));
}

static int model_tombstone(const json_t *b)
{
    static const char *const n[] = {"council", "publication", "reason", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_index(g(b, "publication")) &&
           m_str(g(b, "reason"), 1, 1024);
}

static int model_delegation(const json_t *b)
{
    static const char *const n[] = {"council", "delegation", "to", "delegates", "mandate", NULL};
    const json_t *a = g(b, "delegates");
    if (!m_members(b, n, n) || !m_id(g(b, "council")) || !m_id(g(b, "delegation")) ||
        !m_str(g(b, "to"), 1, 256) || !m_str(g(b, "mandate"), 1, 4096) || !json_is_array(a) ||
        json_array_size(a) < 1 || json_array_size(a) > 64)
        return 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        if (!m_str(json_array_get(a, i), 1, 256))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(a, i)),
                       json_string_value(json_array_get(a, j))) == 0 &&
                json_string_length(json_array_get(a, i)) == json_string_length(json_array_get(a, j)))
                return 0;
    }
    return 1;
}

static int model_delegation_end(const json_t *b)
{
    static const char *const n[] = {"council", "delegation", "reason", "statement", NULL};
    static const char *const reasons[] = {"returned", "recalled", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_id(g(b, "delegation")) &&
           m_is(g(b, "reason"), reasons) && m_str(g(b, "statement"), 0, 1024);
}

static int model_appeal(const json_t *b)
{
    static const char *const n[] = {"council", "member", "exclusion", "salt", "name", "text", NULL};
    return m_members(b, n, n) && m_id(g(b, "council")) && m_id(g(b, "member")) &&
           m_index(g(b, "exclusion")) && m_b64(g(b, "salt"), 32, NULL) &&
           m_str(g(b, "name"), 1, 256) && m_str(g(b, "text"), 1, 4096);
}

static int (*const models[N_TYPES])(const json_t *) = {
    model_create, model_roll, model_credentials, model_election, model_mandate,
    model_mandate_end, model_petition, model_signature, model_grouping, model_publication,
    model_tombstone, model_delegation, model_delegation_end, model_appeal,
};

/* ---- the fixed world ------------------------------------------------------------------ */

static veche_key    keys[6];            /* 1 admin, 2 keeper, 3 authority, 4 grouping, 5 outsider */
static veche_board *board;
static veche_scalar mx[NMEM];
static uint8_t      mX[NMEM][32];
static uint8_t      fp[32];
static char         dir[64];

static void key_from_seed(veche_key *k, const char *name, uint8_t b)
{
    uint8_t seed[32];
    memset(seed, b, sizeof seed);
    snprintf(k->name, sizeof k->name, "%s", name);
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
}

/* Appends a built entry (the builder's result e) to the world's board. */
static uint64_t put(veche_err e, char **entry, const size_t *len)
{
    const uint8_t *one;
    uint64_t at = 0;
    veche_diag d = {{0}};
    CHECK(e == VECHE_OK);
    one = (const uint8_t *)*entry;
    if (veche_board_append(board, &one, len, 1, &at, &d) != VECHE_OK) {
        fprintf(stderr, "fuzz_council: append: %s\n", d.msg);
        abort();
    }
    free(*entry);
    *entry = NULL;
    return at;
}

static void world_params(veche_council_params *p)
{
    static const char *const names[] = {"t1", "t2", "t3"};
    memset(p, 0, sizeof *p);
    p->id = CID;
    p->name = "Fuzz council";
    p->seats = 2;
    p->term = 86400 * 365;
    p->recall_majority = 501;
    p->recall_threshold = 500;
    memcpy(p->roll_keeper, keys[2].pk, 32);
    memcpy(p->credential_authority, keys[3].pk, 32);
    p->ntrustees = 3;
    for (int i = 0; i < 3; i++) {
        p->trustee_name[i] = names[i];
        memset(p->trustee_key[i], 0x10 + i, 32);
    }
    p->threshold = 2;
}

/* Fixed codes (20 symbols from i, then the check symbol), so the seeds stay valid. */
static void member_code(char out[VECHE_CODE_SYMBOLS + 1], int i)
{
    static const char alphabet[] = VECHE_CODE_ALPHABET;
    unsigned sum = 0;
    for (int k = 0; k < VECHE_CODE_SYMBOLS - 1; k++) {
        unsigned v = (unsigned)(i * 7 + k * 3 + 1) % 31;
        out[k] = alphabet[v];
        sum += (unsigned)(k + 1) * v;
    }
    /* 21·v20 ≡ −sum (mod 31), and 21⁻¹ = 3 mod 31 (63 = 2·31 + 1) */
    out[VECHE_CODE_SYMBOLS - 1] = alphabet[(3 * ((31 - sum % 31) % 31)) % 31];
    out[VECHE_CODE_SYMBOLS] = 0;
}

/*
 * The world's board is built in a temporary directory, whose names are
 * removed as soon as it is built: the open board keeps reading its files
 * through its descriptors (Linux), and nothing is left behind however
 * libFuzzer ends the process.
 */
static void unlink_world(void)
{
    static const char *const files[] = {"b.db", "b.db-wal", "b.db-shm", "b.db-journal"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void make_world(void)
{
    veche_council_params p;
    veche_council c;
    veche_record_src src = {NULL, NULL};
    veche_diag d = {{0}};
    veche_key bk;
    char db[128], code[VECHE_CODE_SYMBOLS + 1], member[8], *e;
    size_t len;
    uint64_t roll[NMEM];
    uint8_t com[32];
    const char *gm[] = {"m0", "m1"};

    key_from_seed(&bk, "fuzz.example/board", 0xB0);
    key_from_seed(&keys[1], "admin", 0xA1);
    key_from_seed(&keys[2], "keeper", 0xA2);
    key_from_seed(&keys[3], "authority", 0xA3);
    key_from_seed(&keys[4], "grouping", 0xA4);
    key_from_seed(&keys[5], "outsider", 0xA5);
    strcpy(dir, "/tmp/veche-fuzz-council-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/b.db", dir);
    CHECK(veche_board_create(&board, db, &bk, &d) == VECHE_OK);
    world_params(&p);
    put(veche_council_create_entry(&e, &len, &p, &keys[1], &d), &e, &len);
    for (int i = 0; i < NMEM; i++) {
        snprintf(member, sizeof member, "m%d", i);
        memset(com, i, sizeof com);
        roll[i] = put(veche_council_roll_entry(&e, &len, CID, VECHE_ROLL_JOIN, member, com, "",
                                               NULL, &keys[2], &d), &e, &len);
        member_code(code, i);
        CHECK(veche_council_credential(&mx[i], mX[i], CID, code, &d) == VECHE_OK);
    }
    put(veche_council_credentials_entry(&e, &len, CID, roll, NMEM, (const uint8_t (*)[32])mX,
                                        NMEM, NULL, 0, &keys[3], &d), &e, &len);
    put(veche_council_grouping_entry(&e, &len, CID, "g", "Group", gm, 2, &keys[4], &d), &e, &len);
    src.board = board;
    CHECK(veche_council_load_src(&c, &src, NULL, CID, 0, &d) == VECHE_OK);
    CHECK(c.nfatal == 0 && c.nstanding == NMEM && c.nproblems == 0);
    memcpy(fp, c.council_fp, 32);
    veche_council_free(&c);
    unlink_world();
}

/* ---- 1. bodies against the model ---------------------------------------------------------- */

static void check_bodies(const json_t *body)
{
    veche_diag d;
    for (size_t t = 0; t < N_TYPES; t++) {
        veche_err e;
        memset(&d, 0, sizeof d);
        e = veche_council_check_body(types[t], body, &d);
        if ((e == VECHE_OK) != models[t](body)) {
            fprintf(stderr, "fuzz_council: %s: the library says %d (%s), the model %d\n",
                    types[t], e, d.msg, models[t](body));
            abort();
        }
        CHECK(e == VECHE_OK || d.msg[0] != 0);
    }
}

/* An accepted create body goes through params and back to the same body. */
static void check_create_roundtrip(const json_t *body)
{
    veche_council_params p;
    veche_entry en;
    char *e;
    size_t len;
    veche_diag d = {{0}};

    if (veche_council_params_parse(&p, body, &d) != VECHE_OK)
        return;
    CHECK(veche_council_create_entry(&e, &len, &p, &keys[1], &d) == VECHE_OK);
    memset(&en, 0, sizeof en);
    CHECK(veche_entry_decode(&en, (const uint8_t *)e, len, &d) == VECHE_OK);
    CHECK(json_equal(en.body, (json_t *)body));
    veche_entry_free(&en);
    free(e);
}

/* ---- 2. the loader on appended lines -------------------------------------------------------- */

typedef struct lines {
    uint8_t *v[MAX_LINES];
    size_t   len[MAX_LINES];
    size_t   n;
} lines;

static void lines_free(lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

/* Signs body inside with member m's credential (credential + signature). */
static int sign_inside(json_t *body, int m)
{
    uint8_t sig[64];
    veche_ctx ctx;
    char *msg;
    size_t mlen;
    veche_diag d;

    if (json_object_set_new(body, "credential", veche_b64_json(mX[m], 32)) != 0)
        return 0;
    json_object_del(body, "signature");
    if (veche_canon_check(body, &d) != VECHE_OK ||
        council_sig_message(&msg, &mlen, body, &d) != VECHE_OK)
        return 0;
    veche_ctx_init(&ctx, fp);
    memcpy(ctx.party, mX[m], 32);
    ctx.index[0] = ctx.index[1] = VECHE_INDEX_NONE;
    CHECK(veche_sign(sig, &mx[m], mX[m], (const uint8_t *)msg, mlen, &ctx, NULL) == VECHE_OK);
    free(msg);
    return json_object_set_new(body, "signature", veche_b64_json(sig, 64)) == 0;
}

/* A line as an entry: built from {"type","body","k","m"} when it is one, else its bytes. */
static void line_entry(lines *l, const uint8_t *p, size_t n)
{
    json_t *o = NULL, *body;
    const char *type;
    char *e = NULL;
    size_t len = 0;
    json_int_t k = 0;
    veche_diag d;

    if (veche_canon_parse(&o, (const char *)p, n, &d) == VECHE_OK && json_is_object(o) &&
        (type = json_string_value(json_object_get(o, "type"))) != NULL &&
        json_is_object(body = json_object_get(o, "body"))) {
        json_t *kv = json_object_get(o, "k"), *mv = json_object_get(o, "m");
        k = json_is_integer(kv) ? json_integer_value(kv) : 0;
        if (json_is_integer(mv) && json_integer_value(mv) >= 0 && json_integer_value(mv) < NMEM)
            sign_inside(body, (int)json_integer_value(mv));
        if (veche_entry_build(&e, &len, type, body, k >= 1 && k <= 5 ? keys[k].sk : NULL, &d) !=
            VECHE_OK)
            e = NULL;
    }
    json_decref(o);
    if (e == NULL) {
        if ((e = malloc(n ? n : 1)) == NULL)
            abort();
        memcpy(e, p, n);
        len = n;
    }
    l->v[l->n] = (uint8_t *)e;
    l->len[l->n++] = len;
}

static void check_state(const veche_council *c)
{
    size_t active = 0, pend_join = 0, pend_dep = 0, fatal = 0;

    for (size_t i = 1; i < c->nstanding; i++)
        CHECK(memcmp(c->standing[i - 1], c->standing[i], 32) < 0);
    for (size_t i = 0; i < c->nroll; i++) {
        active += c->roll[i].action == VECHE_ROLL_JOIN ? 1 : 0;
        active -= c->roll[i].action != VECHE_ROLL_JOIN ? 1 : 0;
        CHECK(c->roll[i].members_after == active);
        CHECK((c->roll[i].credentials == NO) == (i >= c->pending_from));
        if (i >= c->pending_from) {
            pend_join += c->roll[i].action == VECHE_ROLL_JOIN;
            pend_dep += c->roll[i].action != VECHE_ROLL_JOIN;
        }
    }
    CHECK(active == c->active);
    CHECK(c->nstanding + pend_join == c->active + pend_dep);
    for (size_t i = 0; i < c->nmembers; i++) {
        const veche_council_member *m = &c->members[i];
        CHECK((m->status == VECHE_MEMBER_ACTIVE) == (m->leave_index == NO));
        CHECK(m->leave_index == NO || m->leave_index > m->join_index);
    }
    for (size_t i = 0; i < c->npetitions; i++) {
        const veche_council_petition *p = &c->petitions[i];
        CHECK(p->nvalid >= 1 && p->nvalid <= p->members_at_open);
        CHECK(p->threshold_count == (p->members_at_open * c->params.recall_threshold + 999) / 1000);
        CHECK((p->succeeded_at != NO) == (p->nvalid >= p->threshold_count));
        CHECK(p->succeeded_at == NO || p->succeeded_at >= p->index);
    }
    for (size_t i = 0; i < c->nmandates; i++)
        CHECK(c->mandates[i].end_index == NO || c->mandates[i].end_index > c->mandates[i].index);
    for (size_t i = 0; i < c->npublications; i++)
        CHECK(!(c->publications[i].counted && c->publications[i].impostor));
    for (size_t i = 0; i < c->nproblems; i++) {
        CHECK(c->problems[i].check >= 1 && c->problems[i].check <= VECHE_COUNCIL_CHECKS);
        CHECK(c->problems[i].msg[0] != 0);
        fatal += c->problems[i].fatal != 0;
    }
    CHECK(fatal == c->nfatal);
}

static void check_record(lines *l)
{
    veche_record_src src = {board, NULL};
    veche_council c;
    veche_council_due *due;
    size_t ndue;
    uint64_t first;
    veche_diag d = {{0}};
    veche_err e = veche_council_judge(&src, CID, 1800000000, (const uint8_t *const *)l->v,
                                      l->len, l->n, &d);

    CHECK(e == VECHE_OK || e == VECHE_EVERIFY || e == VECHE_EINVALID);
    CHECK(e == VECHE_OK || strncmp(d.msg, "entry ", 6) == 0 || strncmp(d.msg, "the entry", 9) == 0);
    if (e == VECHE_EINVALID)
        return;
    if (council_load_with(&c, &src, NULL, CID, 1800000000, (const uint8_t *const *)l->v, l->len,
                          l->n, &first, &d) != VECHE_OK)
        return;   /* a council.create judged alone: nothing more to load */
    check_state(&c);
    CHECK(veche_council_due_list(&due, &ndue, &c) == VECHE_OK);
    free(due);
    veche_council_free(&c);
}

/* ---- seeds ------------------------------------------------------------------------------------- */

static void write_seed(const char *sdir, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", sdir, name);
    CHECK((f = fopen(path, "w")) != NULL);
    fputs(text, f);
    fclose(f);
}

static void write_seeds(const char *sdir)
{
    static const char *const seeds[][2] = {
        {"roll-join", "{\"body\":{\"action\":\"join\",\"commitment\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"council\":\"fuzz\",\"member\":\"m9\",\"reason\":\"\"},\"k\":2,\"type\":\"council.roll\"}"},
        {"roll-leave", "{\"body\":{\"action\":\"leave\",\"council\":\"fuzz\",\"member\":\"m1\",\"reason\":\"moved\"},\"k\":2,\"type\":\"council.roll\"}"},
        {"petition", "{\"body\":{\"council\":\"fuzz\",\"kind\":\"recall\",\"mandate\":3,\"text\":\"go\"},\"m\":0,\"type\":\"council.petition\"}"},
        {"signature", "{\"body\":{\"council\":\"fuzz\",\"petition\":7},\"m\":1,\"type\":\"council.signature\"}"},
        {"grouping", "{\"body\":{\"council\":\"fuzz\",\"grouping\":\"g\",\"members\":[\"m0\"],\"name\":\"G2\"},\"k\":5,\"type\":\"council.grouping\"}"},
        {"publication", "{\"body\":{\"council\":\"fuzz\",\"grouping\":\"g\",\"hash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"kind\":\"statement\",\"length\":5,\"title\":\"Hi\"},\"k\":4,\"type\":\"council.publication\"}"},
        {"member-publication", "{\"body\":{\"council\":\"fuzz\",\"hash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"kind\":\"reply\",\"length\":5,\"reply_to\":7,\"title\":\"Re\"},\"m\":2,\"type\":\"council.publication\"}"},
        {"tombstone", "{\"body\":{\"council\":\"fuzz\",\"publication\":7,\"reason\":\"court\"},\"k\":1,\"type\":\"council.tombstone\"}"},
        {"delegation", "{\"body\":{\"council\":\"fuzz\",\"delegates\":[\"Ana\",\"Ben\"],\"delegation\":\"d1\",\"mandate\":\"vote yes\",\"to\":\"Congress\"},\"k\":1,\"type\":\"council.delegation\"}"},
        {"delegation-end", "{\"body\":{\"council\":\"fuzz\",\"delegation\":\"d1\",\"reason\":\"returned\",\"statement\":\"\"},\"k\":1,\"type\":\"council.delegation-end\"}"},
        {"election", "{\"body\":{\"council\":\"fuzz\",\"election\":\"e1\",\"purpose\":\"seats\"},\"k\":1,\"type\":\"council.election\"}"},
        {"mandate", "{\"body\":{\"council\":\"fuzz\",\"delegate\":\"Ana\",\"election\":\"e1\",\"end\":2000,\"start\":1000},\"k\":1,\"type\":\"council.mandate\"}"},
        {"mandate-end", "{\"body\":{\"council\":\"fuzz\",\"election\":\"r1\",\"mandate\":9,\"reason\":\"recalled\",\"statement\":\"\"},\"k\":1,\"type\":\"council.mandate-end\"}"},
        {"appeal", "{\"body\":{\"council\":\"fuzz\",\"exclusion\":9,\"member\":\"m1\",\"name\":\"X\",\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"text\":\"unfair\"},\"k\":5,\"type\":\"council.appeal\"}"},
        {"credentials", "{\"body\":{\"add\":[],\"council\":\"fuzz\",\"remove\":[],\"roll\":[7]},\"k\":3,\"type\":\"council.credentials\"}"},
    };
    char all[8192] = "";
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        write_seed(sdir, seeds[i][0], seeds[i][1]);
        if (strlen(all) + strlen(seeds[i][1]) + 2 < sizeof all) {
            strcat(all, seeds[i][1]);
            strcat(all, "\n");
        }
    }
    write_seed(sdir, "record", all);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *sdir = getenv("VECHE_FUZZ_SEEDS");
    (void)argc;
    (void)argv;
    CHECK(veche_crypto_init() == VECHE_OK);
    CHECK(veche_election_register_types() == VECHE_OK);
    CHECK(veche_council_register_types() == VECHE_OK);
    make_world();
    if (sdir != NULL) {
        write_seeds(sdir);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = NULL;
    veche_diag d;
    lines l;
    size_t from = 0;

    if (size > INPUT_LIMIT)
        return 0;
    if (veche_canon_parse(&j, (const char *)data, size, &d) == VECHE_OK && json_is_object(j)) {
        check_bodies(j);
        if (json_is_object(json_object_get(j, "body")))
            check_bodies(json_object_get(j, "body"));
        if (veche_council_check_body(VECHE_CTYPE_CREATE, j, NULL) == VECHE_OK)
            check_create_roundtrip(j);
    }
    json_decref(j);
    memset(&l, 0, sizeof l);
    for (size_t i = 0; i <= size && l.n < MAX_LINES; i++)
        if (i == size || data[i] == '\n') {
            if (i > from)
                line_entry(&l, data + from, i - from);
            from = i + 1;
        }
    if (l.n > 0)
        check_record(&l);
    lines_free(&l);
    return 0;
}
