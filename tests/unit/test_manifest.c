/*
 * test_manifest.c — election manifests: valid ones with their derived
 * contest counts (referendum with and without blank, 2-of-5, approval,
 * exactly-k), and every invalid case refused with a message that names the
 * member (docs/ELECTION-DESIGN.md §1).
 */
#include "testutil.h"

#include <sodium.h>

#include "election/election.h"
#include "election/manifest.h"

/* A valid manifest: a referendum and a 2-of-5 council seat contest, 3 trustees, 2-of-3. */
static const char base_manifest[] =
    "{\"election\":\"branch-7-2026\",\"title\":\"Annual election\","
    "\"organisation\":\"Branch 7\",\"opens\":1000,\"closes\":2000,"
    "\"trustees\":[{\"name\":\"Ana\",\"key\":\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"},"
    "{\"name\":\"Ben\",\"key\":\"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\"},"
    "{\"name\":\"Cleo\",\"key\":\"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=\"}],"
    "\"threshold\":2,"
    "\"credential_authority\":\"BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=\","
    "\"contests\":[{\"id\":\"strike\",\"question\":\"Do we strike?\","
    "\"options\":[\"yes\",\"no\"],\"min\":1,\"max\":1,\"blank\":false},"
    "{\"id\":\"council\",\"question\":\"Elect two delegates\","
    "\"options\":[\"A\",\"B\",\"C\",\"D\",\"E\"],\"min\":0,\"max\":2,\"blank\":false}]}";

static json_t *base(void)
{
    json_error_t err;
    json_t *j = json_loads(base_manifest, JSON_REJECT_DUPLICATES, &err);
    if (j == NULL)
        fail_msg("base manifest: %s", err.text);
    return j;
}

static json_t *contest(json_t *m, size_t c)
{
    return json_array_get(json_object_get(m, "contests"), c);
}

/* Parses m (consumed); the manifest must be refused with `want` in the message. */
static void expect_refused(json_t *m, const char *want)
{
    veche_manifest man;
    veche_diag d = {{0}};
    veche_err e = veche_manifest_parse(&man, m, &d);
    if (e == VECHE_OK)
        fail_msg("accepted, expected refusal with \"%s\"", want);
    if (strstr(d.msg, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", d.msg, want);
    assert_null(man.json);
    json_decref(m);
}

static void expect_ok(veche_manifest *man, json_t *m)
{
    veche_diag d = {{0}};
    if (veche_manifest_parse(man, m, &d) != VECHE_OK)
        fail_msg("refused: %s", d.msg);
    json_decref(m);   /* the manifest keeps its own reference */
}

static void test_valid(void **state)
{
    veche_manifest m;
    uint8_t key[32];
    (void)state;

    expect_ok(&m, base());
    assert_string_equal(m.id, "branch-7-2026");
    assert_string_equal(m.title, "Annual election");
    assert_string_equal(m.organisation, "Branch 7");
    assert_int_equal(m.opens, 1000);
    assert_int_equal(m.closes, 2000);
    assert_int_equal(m.ntrustees, 3);
    assert_string_equal(m.trustee_name[2], "Cleo");
    assert_int_equal(m.threshold, 2);
    assert_int_equal(m.authority_key[31], 4);
    assert_int_equal(m.ncontests, 2);
    memset(key, 2, 32);
    assert_int_equal(veche_manifest_trustee(&m, key), 2);
    memset(key, 9, 32);
    assert_int_equal(veche_manifest_trustee(&m, key), 0);

    /* referendum without blank: one explicit selection, its own proof says it all */
    assert_string_equal(m.contests[0].id, "strike");
    assert_string_equal(m.contests[0].options[1], "no");
    assert_int_equal(m.contests[0].nsel, 2);
    assert_int_equal(m.contests[0].nexplicit, 1);
    assert_int_equal(m.contests[0].sum_lo, 0);
    assert_int_equal(m.contests[0].sum_hi, 1);
    assert_int_equal(m.contests[0].sum_proof, 0);
    /* 2-of-5: every selection explicit, the sum in [0, 2] */
    assert_int_equal(m.contests[1].nsel, 5);
    assert_int_equal(m.contests[1].nexplicit, 5);
    assert_int_equal(m.contests[1].sum_lo, 0);
    assert_int_equal(m.contests[1].sum_hi, 2);
    assert_int_equal(m.contests[1].sum_proof, 1);
    veche_manifest_free(&m);
    assert_null(m.json);
}

/* Derived counts for each contest kind, by (options, blank, min, max). */
static void test_derived(void **state)
{
    static const struct {
        int noptions, blank, min, max;
        size_t nsel, nexplicit;
        uint64_t lo, hi;
        int sum_proof;
    } cases[] = {
        {2, 1, 1, 1, 3, 2, 0, 1, 1},   /* referendum with blank: yes + no <= 1 */
        {2, 0, 1, 1, 2, 1, 0, 1, 0},   /* referendum without blank */
        {5, 0, 0, 2, 5, 5, 0, 2, 1},   /* 2-of-5 council seats */
        {5, 0, 2, 2, 5, 4, 1, 2, 1},   /* exactly 2 of 5 */
        {5, 1, 2, 2, 6, 5, 1, 2, 1},   /* exactly 2 of 5 + blank */
        {4, 0, 0, 4, 4, 4, 0, 4, 1},   /* approval */
        {1, 0, 0, 1, 1, 1, 0, 1, 0},   /* one option, tick or not */
        {1, 1, 1, 1, 2, 1, 0, 1, 0},   /* one candidate or blank */
        {3, 0, 3, 3, 3, 2, 2, 2, 1},   /* all three must be chosen */
        {3, 0, 1, 2, 3, 3, 1, 2, 1},   /* 1 or 2 of 3 */
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *m = base(), *c = contest(m, 1), *opts = json_array();
        veche_manifest man;
        for (int o = 0; o < cases[i].noptions; o++)
            json_array_append_new(opts, json_sprintf("option %d", o));
        json_object_set_new(c, "options", opts);
        json_object_set_new(c, "blank", json_boolean(cases[i].blank));
        json_object_set_new(c, "min", json_integer(cases[i].min));
        json_object_set_new(c, "max", json_integer(cases[i].max));
        expect_ok(&man, m);
        assert_int_equal(man.contests[1].nsel, cases[i].nsel);
        assert_int_equal(man.contests[1].nexplicit, cases[i].nexplicit);
        assert_int_equal(man.contests[1].sum_lo, cases[i].lo);
        assert_int_equal(man.contests[1].sum_hi, cases[i].hi);
        assert_int_equal(man.contests[1].sum_proof, cases[i].sum_proof);
        assert_int_equal(man.contests[1].blank, cases[i].blank);
        veche_manifest_free(&man);
    }
}

/* The largest manifest the limits allow is accepted. */
static void test_limits(void **state)
{
    json_t *m = base(), *trustees = json_array(), *contests = json_array();
    veche_manifest man;
    char s[1025];
    uint8_t key[32];
    (void)state;

    for (int i = 0; i < VECHE_MAX_TRUSTEES; i++) {
        memset(key, i + 1, 32);
        json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", "t",
                                                  "key", veche_b64_json(key, 32)));
    }
    json_object_set_new(m, "trustees", trustees);
    json_object_set_new(m, "threshold", json_integer(VECHE_MAX_TRUSTEES));
    memset(s, 'q', 1024);
    s[1024] = 0;
    for (int c = 0; c < VECHE_MAX_CONTESTS; c++) {
        json_t *opts = json_array();
        for (int o = 0; o < VECHE_MAX_OPTIONS; o++)
            json_array_append_new(opts, json_sprintf("%0256d", o));
        json_array_append_new(contests, json_pack("{s:o, s:s, s:o, s:i, s:i, s:b}", "id",
                                                  json_sprintf("%064d", c), "question", s,
                                                  "options", opts, "min", 0, "max",
                                                  VECHE_MAX_OPTIONS, "blank", 1));
    }
    json_object_set_new(m, "contests", contests);
    memset(s, 'x', 256);
    s[256] = 0;
    json_object_set_new(m, "title", json_string(s));
    json_object_set_new(m, "organisation", json_string(s));
    json_object_set_new(m, "election", json_string("abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0"));
    expect_ok(&man, m);
    assert_int_equal(man.ntrustees, 64);
    assert_int_equal(man.ncontests, 32);
    assert_int_equal(man.contests[31].nsel, 65);
    assert_int_equal(man.contests[31].nexplicit, 65);
    veche_manifest_free(&man);
}

static void set(json_t *obj, const char *key, json_t *v) { json_object_set_new(obj, key, v); }

static void test_invalid(void **state)
{
    json_t *m;
    (void)state;

    /* top level */
    expect_refused(json_array(), "must be a JSON object");
    m = base(); set(m, "extra", json_true()); expect_refused(m, "manifest: unknown member \"extra\"");
    m = base(); json_object_del(m, "election"); expect_refused(m, "missing \"election\"");
    m = base(); set(m, "election", json_string("Branch-7")); expect_refused(m, "manifest.election: the id");
    m = base(); set(m, "election", json_string("")); expect_refused(m, "manifest.election: the id");
    m = base(); set(m, "election", json_string("a_b")); expect_refused(m, "manifest.election");
    m = base(); set(m, "election", json_integer(7)); expect_refused(m, "manifest.election");
    m = base();
    set(m, "election", json_string("abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz01"));
    expect_refused(m, "manifest.election");
    m = base(); json_object_del(m, "title"); expect_refused(m, "manifest: missing \"title\"");
    m = base(); set(m, "title", json_string("")); expect_refused(m, "manifest.title: 0 bytes");
    m = base(); set(m, "title", json_integer(1)); expect_refused(m, "manifest.title: must be a string");
    m = base(); set(m, "organisation", json_sprintf("%0257d", 1)); expect_refused(m, "manifest.organisation: 257 bytes");
    m = base(); set(m, "opens", json_string("1000")); expect_refused(m, "manifest.opens: must be an integer");
    m = base(); set(m, "opens", json_integer(-1)); expect_refused(m, "manifest.opens: -1 is outside");
    m = base(); set(m, "closes", json_integer(1000)); expect_refused(m, "manifest.closes: 1000 is not after opens");
    m = base(); json_object_del(m, "closes"); expect_refused(m, "missing \"closes\"");

    /* trustees and threshold */
    m = base(); set(m, "trustees", json_array()); expect_refused(m, "manifest.trustees: 0 elements, must be 1..64");
    m = base(); set(m, "trustees", json_object()); expect_refused(m, "manifest.trustees: must be an array");
    m = base(); json_array_set_new(json_object_get(m, "trustees"), 1, json_string("Ben"));
    expect_refused(m, "manifest.trustees[1]: must be an object");
    m = base(); set(json_array_get(json_object_get(m, "trustees"), 1), "role", json_string("x"));
    expect_refused(m, "manifest.trustees[1]: unknown member \"role\"");
    m = base(); json_object_del(json_array_get(json_object_get(m, "trustees"), 2), "key");
    expect_refused(m, "manifest.trustees[2]: missing \"key\"");
    m = base(); set(json_array_get(json_object_get(m, "trustees"), 2), "name", json_string(""));
    expect_refused(m, "manifest.trustees[2].name: 0 bytes");
    m = base(); set(json_array_get(json_object_get(m, "trustees"), 0), "name", json_sprintf("%065d", 0));
    expect_refused(m, "manifest.trustees[0].name: 65 bytes");
    m = base(); set(json_array_get(json_object_get(m, "trustees"), 0), "key", json_string("AQEB"));
    expect_refused(m, "manifest.trustees[0].key: must be canonical base64 of 32 bytes");
    m = base();   /* non-canonical: padding bits set */
    set(json_array_get(json_object_get(m, "trustees"), 0), "key",
        json_string("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF="));
    expect_refused(m, "manifest.trustees[0].key: must be canonical base64");
    m = base();
    set(json_array_get(json_object_get(m, "trustees"), 2), "key",
        json_string("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="));
    expect_refused(m, "manifest.trustees[2].key: the same key as trustees[0]");
    m = base(); set(m, "threshold", json_integer(0)); expect_refused(m, "manifest.threshold: 0 is outside 1..3");
    m = base(); set(m, "threshold", json_integer(4)); expect_refused(m, "manifest.threshold: 4 is outside 1..3");
    m = base(); json_object_del(m, "threshold"); expect_refused(m, "missing \"threshold\"");
    m = base(); json_object_del(m, "credential_authority"); expect_refused(m, "missing \"credential_authority\"");
    m = base(); set(m, "credential_authority", json_string("BAQE")); expect_refused(m, "manifest.credential_authority: must be canonical base64 of 32 bytes");

    /* contests */
    m = base(); set(m, "contests", json_array()); expect_refused(m, "manifest.contests: 0 elements, must be 1..32");
    m = base(); json_array_append_new(json_object_get(m, "contests"), json_null());
    expect_refused(m, "manifest.contests[2]: must be an object");
    m = base(); set(contest(m, 1), "id", json_string("strike"));
    expect_refused(m, "manifest.contests[1].id: \"strike\" is also contests[0]'s");
    m = base(); set(contest(m, 0), "id", json_string("")); expect_refused(m, "manifest.contests[0].id: 0 bytes");
    m = base(); set(contest(m, 0), "id", json_sprintf("%065d", 0)); expect_refused(m, "manifest.contests[0].id: 65 bytes");
    m = base(); set(contest(m, 0), "question", json_sprintf("%01025d", 0)); expect_refused(m, "manifest.contests[0].question: 1025 bytes");
    m = base(); json_object_del(contest(m, 0), "question"); expect_refused(m, "manifest.contests[0]: missing \"question\"");
    m = base(); set(contest(m, 0), "kind", json_string("stv")); expect_refused(m, "manifest.contests[0]: unknown member \"kind\"");
    m = base(); set(contest(m, 0), "options", json_array()); expect_refused(m, "manifest.contests[0].options: 0 elements, must be 1..64");
    m = base(); json_array_append_new(json_object_get(contest(m, 0), "options"), json_string("yes"));
    expect_refused(m, "manifest.contests[0].options[2]: the same as options[0]");
    m = base(); json_array_set_new(json_object_get(contest(m, 1), "options"), 3, json_integer(4));
    expect_refused(m, "manifest.contests[1].options[3]: must be a string");
    m = base(); json_array_set_new(json_object_get(contest(m, 1), "options"), 3, json_string(""));
    expect_refused(m, "manifest.contests[1].options[3]: 0 bytes");
    m = base(); json_array_set_new(json_object_get(contest(m, 1), "options"), 0, json_sprintf("%0257d", 0));
    expect_refused(m, "manifest.contests[1].options[0]: 257 bytes");
    m = base();
    {
        json_t *opts = json_array();
        for (int o = 0; o < 65; o++)
            json_array_append_new(opts, json_sprintf("%d", o));
        set(contest(m, 1), "options", opts);
    }
    expect_refused(m, "manifest.contests[1].options: 65 elements, must be 1..64");
    m = base(); json_object_del(contest(m, 0), "blank"); expect_refused(m, "manifest.contests[0]: missing \"blank\"");
    m = base(); set(contest(m, 0), "blank", json_integer(0)); expect_refused(m, "manifest.contests[0].blank: must be true or false");
    m = base(); set(contest(m, 0), "blank", json_true());
    json_array_set_new(json_object_get(contest(m, 0), "options"), 1, json_string("blank"));
    expect_refused(m, "manifest.contests[0].options[1]: \"blank\" is the name of the blank selection");
    m = base(); set(contest(m, 1), "max", json_integer(6)); expect_refused(m, "manifest.contests[1].max: 6 is outside 1..5");
    m = base(); set(contest(m, 1), "max", json_integer(0)); set(contest(m, 1), "min", json_integer(0));
    expect_refused(m, "manifest.contests[1].max: 0 is outside 1..5");
    m = base(); set(contest(m, 1), "min", json_integer(3)); expect_refused(m, "manifest.contests[1].min: 3 is outside 0..2");
    m = base(); set(contest(m, 1), "min", json_integer(-1)); expect_refused(m, "manifest.contests[1].min: -1 is outside 0..2");
    m = base(); json_object_del(contest(m, 1), "min"); expect_refused(m, "manifest.contests[1]: missing \"min\"");
    m = base(); set(contest(m, 1), "max", json_string("2")); expect_refused(m, "manifest.contests[1].max: must be an integer");
    m = base();   /* one option that must be chosen: no choice at all */
    set(contest(m, 1), "options", json_pack("[s]", "A"));
    set(contest(m, 1), "min", json_integer(1));
    set(contest(m, 1), "max", json_integer(1));
    expect_refused(m, "manifest.contests[1]: one selection that must be chosen leaves no choice");
    m = base();
    {
        json_t *cs = json_object_get(m, "contests");
        for (int c = 2; c < 33; c++) {
            json_t *copy = json_deep_copy(contest(m, 0));
            set(copy, "id", json_sprintf("c%d", c));
            json_array_append_new(cs, copy);
        }
    }
    expect_refused(m, "manifest.contests: 33 elements, must be 1..32");
}

/* The board refuses a bad manifest (the registered body check) and accepts a good one. */
static void test_entry_check(void **state)
{
    uint8_t pk[32], sk[64];
    json_t *m = base();
    char *e = NULL;
    size_t len;
    veche_entry ent;
    veche_diag d = {{0}};
    (void)state;

    assert_int_equal(veche_election_register_types(), VECHE_OK);
    crypto_sign_keypair(pk, sk);
    assert_int_equal(veche_entry_build(&e, &len, "election.manifest", m, sk, &d), VECHE_OK);
    assert_int_equal(veche_entry_decode(&ent, (const uint8_t *)e, len, &d), VECHE_OK);
    veche_entry_free(&ent);
    free(e);
    set(contest(m, 1), "max", json_integer(9));
    assert_int_equal(veche_entry_build(&e, &len, "election.manifest", m, sk, &d), VECHE_OK);
    assert_int_not_equal(veche_entry_decode(&ent, (const uint8_t *)e, len, &d), VECHE_OK);
    assert_non_null(strstr(d.msg, "manifest.contests[1].max"));
    free(e);
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_derived),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_entry_check),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
