/*
 * test_entry.c — canonical JSON and record entries: what is accepted, what is
 * refused and with which message, and that signatures cover every byte.
 */
#include "testutil.h"

#include <sodium.h>
#include "board/canon.h"
#include "board/entry.h"

static void accept(const char *text)
{
    json_t *v;
    veche_diag d = {{0}};
    if (veche_canon_parse(&v, text, strlen(text), &d) != VECHE_OK)
        fail_msg("refused %s: %s", text, d.msg);
    json_decref(v);
}

static void refuse(const char *text, const char *why)
{
    json_t *v = NULL;
    veche_diag d = {{0}};
    assert_int_not_equal(veche_canon_parse(&v, text, strlen(text), &d), VECHE_OK);
    assert_null(v);
    if (strstr(d.msg, why) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", text, d.msg, why);
}

static void test_canonical_json(void **state)
{
    (void)state;
    accept("{}");
    accept("{\"a\":1,\"b\":[true,false,null,\"x\"]}");
    accept("{\"t\":\"line\\nnext\\ttab \\\"q\\\" \\\\ / é \u2028\"}");
    accept("{\"n\":-9007199254740991}");
    refuse("{\"b\":1,\"a\":2}", "canonical form (first difference at byte 2");
    refuse("{\"a\": 1}", "canonical form");
    refuse("{\"a\":1.5}", "fractional");
    refuse("{\"a\":1e3}", "fractional");
    refuse("{\"a\":-0}", "canonical form");
    refuse("{\"a\":9007199254740992}", "2^53");
    refuse("{\"a\":\"\\u0001\"}", "control character 0x01");
    refuse("{\"a\":\"\\u007f\"}", "control character 0x7f");
    refuse("{\"a\":\"\\/\"}", "canonical form");
    refuse("{\"a\":\"\\u00e9\"}", "canonical form");
    refuse("{\"a\":1,\"a\":1}", "not JSON");
    refuse("{\"\":1}", "key of length 0");
    refuse("{\"\xc3\xa9\":1}", "not printable ASCII");
    refuse("{\"a\":\"\xff\"}", "not JSON");
    refuse("{\"a\":1}x", "not JSON");
    refuse("[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", "nested deeper");
}

static char *make(const char *type, const char *body_json, const uint8_t *sk)
{
    json_error_t jerr;
    json_t *body = json_loads(body_json, 0, &jerr);
    char *out;
    size_t len;
    veche_diag d = {{0}};
    assert_non_null(body);
    assert_int_equal(veche_entry_build(&out, &len, type, body, sk, &d), VECHE_OK);
    json_decref(body);
    return out;
}

static veche_err decode(const char *text, veche_diag *d)
{
    veche_entry e;
    veche_err err = veche_entry_decode(&e, (const uint8_t *)text, strlen(text), d);
    if (err == VECHE_OK)
        veche_entry_free(&e);
    return err;
}

static void expect_refused(const char *text, const char *why)
{
    veche_diag d = {{0}};
    assert_int_not_equal(decode(text, &d), VECHE_OK);
    if (strstr(d.msg, why) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", d.msg, why);
}

static void test_entries(void **state)
{
    uint8_t pk[32], sk[64];
    veche_entry e;
    char *good;
    (void)state;

    crypto_sign_keypair(pk, sk);
    good = make("statement", "{\"text\":\"hello\",\"title\":\"t\"}", sk);
    assert_int_equal(veche_entry_decode(&e, (const uint8_t *)good, strlen(good), NULL), VECHE_OK);
    assert_string_equal(e.type, "statement");
    assert_true(e.is_signed);
    assert_memory_equal(e.author, pk, 32);
    veche_entry_free(&e);

    /* every single-byte change is refused (encoding, canonical form or signature) */
    for (size_t i = 0; i < strlen(good); i++) {
        char saved = good[i];
        good[i] = (char)(saved == 'a' ? 'b' : saved == '"' ? '\'' : saved ^ 0x01);
        if (good[i] == 0)
            good[i] = 'x';
        assert_int_not_equal(decode(good, NULL), VECHE_OK);
        good[i] = saved;
    }
    free(good);

    char *unsigned_stmt = make("statement", "{\"text\":\"x\"}", NULL);
    expect_refused(unsigned_stmt, "must be signed");
    free(unsigned_stmt);
    char *unknown = make("election.nothing", "{}", sk);
    expect_refused(unknown, "unknown type \"election.nothing\"");
    free(unknown);
    char *badtag = make("Statement", "{\"text\":\"x\"}", sk);
    expect_refused(badtag, "not a valid type tag");
    free(badtag);
    char *extra = make("statement", "{\"text\":\"x\",\"colour\":1}", sk);
    expect_refused(extra, "unknown member \"colour\"");
    free(extra);
    char *notext = make("statement", "{\"title\":\"x\"}", sk);
    expect_refused(notext, "missing \"text\"");
    free(notext);
    expect_refused("{\"body\":{},\"type\":\"statement\",\"v\":2}", "entry.v: must be 1");
    expect_refused("{\"body\":{},\"type\":\"statement\",\"v\":1,\"x\":1}", "unknown member \"x\"");
    expect_refused("[1]", "must be a JSON object");
    expect_refused("{\"author\":\"AAAA\",\"body\":{\"text\":\"x\"},\"type\":\"statement\",\"v\":1}",
                   "go together");
}

/* A signature moved to another author's entry, or another body, fails. */
static void test_signature_binds_author_and_body(void **state)
{
    uint8_t pk1[32], sk1[64], pk2[32], sk2[64];
    char *a, *b, *mix;
    json_t *ja, *jb;
    json_error_t jerr;
    (void)state;

    crypto_sign_keypair(pk1, sk1);
    crypto_sign_keypair(pk2, sk2);
    a = make("statement", "{\"text\":\"one\"}", sk1);
    b = make("statement", "{\"text\":\"two\"}", sk2);
    ja = json_loads(a, 0, &jerr);
    jb = json_loads(b, 0, &jerr);
    json_object_set(ja, "author", json_object_get(jb, "author"));   /* claim b's author */
    mix = json_dumps(ja, JSON_COMPACT | JSON_SORT_KEYS);
    expect_refused(mix, "signature does not verify");
    free(mix);
    json_object_set(jb, "body", json_object_get(ja, "body"));       /* b's signature, a's body */
    mix = json_dumps(jb, JSON_COMPACT | JSON_SORT_KEYS);
    expect_refused(mix, "signature does not verify");
    free(mix);
    json_decref(ja);
    json_decref(jb);
    free(a);
    free(b);
}

static void test_size_limit(void **state)
{
    uint8_t pk[32], sk[64];
    size_t n = VECHE_ENTRY_MAX_BYTES + 1;
    char *big = malloc(n + 1);
    (void)state;
    crypto_sign_keypair(pk, sk);
    memset(big, ' ', n);
    big[n] = 0;
    big[0] = '{';
    expect_refused(big, "the limit is 1048576");
    free(big);
    /* a statement's text over 64 KiB is refused by its type */
    char *text = malloc(70000 + 32);
    strcpy(text, "{\"text\":\"");
    memset(text + 9, 'a', 70000);
    strcpy(text + 9 + 70000, "\"}");
    char *e = make("statement", text, sk);
    expect_refused(e, "at most 65536");
    free(e);
    free(text);
}

static veche_err check_demo(const json_t *body, veche_diag *d)
{
    return json_object_get(body, "n") ? VECHE_OK
                                      : veche_diag_set(d, VECHE_EINVALID, "body: missing \"n\"");
}

/* Higher layers add their types; duplicates and bad names are refused. */
static void test_register_types(void **state)
{
    static const veche_entry_type extra[] = {{"demo.thing", 0, check_demo}};
    static const veche_entry_type dup[] = {{"statement", 0, NULL}};
    static const veche_entry_type bad[] = {{"Bad Name", 0, NULL}};
    char *e;
    (void)state;
    e = make("demo.thing", "{\"n\":1}", NULL);
    expect_refused(e, "unknown type");
    assert_int_equal(veche_entry_types_register(extra, 1), VECHE_OK);
    assert_int_equal(veche_entry_types_register(extra, 1), VECHE_OK);
    assert_int_equal(decode(e, NULL), VECHE_OK);
    free(e);
    e = make("demo.thing", "{\"m\":1}", NULL);
    expect_refused(e, "missing \"n\"");
    free(e);
    assert_int_equal(veche_entry_types_register(dup, 1), VECHE_EINVALID);
    assert_int_equal(veche_entry_types_register(bad, 1), VECHE_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_json),
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_signature_binds_author_and_body),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_register_types),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests_name("entry", tests, NULL, NULL);
}
