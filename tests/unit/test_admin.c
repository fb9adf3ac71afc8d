/*
 * test_admin.c — election/admin.h: every administrator's and credential
 * authority's step, on a real board (election_world.h), in order and out of
 * order: each success builds an entry the board accepts and the loader
 * reads back, and each refusal has its kind, its API code and (for the
 * manifest and the roll) the member or line at fault.
 */
#include "election_world.h"

#include <sys/stat.h>

#include "election/admin.h"

#define ADMIN_NAME "admin.key"

/* Asserts a refusal's kind and code (and field, unless NULL); message not empty. */
static void refused(veche_admin_kind got, const veche_admin_err *e, veche_admin_kind kind,
                    const char *code, const char *field)
{
    if (got != kind || e->kind != kind || e->code == NULL || strcmp(e->code, code) != 0)
        fail_msg("want %d %s, got %d %s: %s", kind, code, got, e->code ? e->code : "-", e->msg);
    assert_true(e->msg[0] != 0);
    if (field != NULL)
        assert_string_equal(e->field, field);
}

/* Appends a built entry (freeing it); returns its index. */
static uint64_t take(world *w, char *entry, size_t len)
{
    uint64_t at;
    assert_non_null(entry);
    at = world_append(w, entry, len);
    free(entry);
    return at;
}

static veche_election *reload(world *w)
{
    veche_election_free(w->el);
    w->el = world_load(w);
    return w->el;
}

/* ---- create ----------------------------------------------------------------------------- */

static void test_create(void **state)
{
    world *w = world_new();
    veche_admin_err e;
    veche_election *el;
    json_t *body = world_manifest(w);
    char id[VECHE_ELECTION_ID_MAX + 1], *entry;
    size_t len;
    veche_entry dec;
    veche_diag d = {{0}};
    (void)state;

    json_object_set_new(body, "election", json_string("second-one"));
    assert_int_equal(veche_admin_create(&entry, &len, id, body, &w->admin, &e), VECHE_ADMIN_OK);
    assert_string_equal(id, "second-one");
    assert_int_equal(veche_entry_decode(&dec, (uint8_t *)entry, len, &d), VECHE_OK);
    assert_string_equal(dec.type, VECHE_ETYPE_MANIFEST);
    assert_memory_equal(dec.author, w->admin.pk, 32);
    veche_entry_free(&dec);
    take(w, entry, len);
    assert_int_equal(veche_election_load(&el, w->b, "second-one", NULL, NULL, &d), VECHE_OK);
    refused(veche_admin_exists(el, &e), &e, VECHE_ADMIN_CONFLICT, "election_exists", NULL);
    assert_non_null(strstr(e.msg, "an election \"second-one\" already exists"));
    veche_election_free(el);

    /* A bad manifest names the member at fault, without the "manifest." prefix. */
    json_object_set_new(json_array_get(json_object_get(body, "contests"), 1), "max",
                        json_integer(9));
    refused(veche_admin_create(&entry, &len, id, body, &w->admin, &e), &e,
            VECHE_ADMIN_BAD_INPUT, "bad_manifest", "contests[1].max");
    assert_null(entry);
    json_object_set_new(body, "election", json_string("Not An Id"));
    refused(veche_admin_create(&entry, &len, id, body, &w->admin, &e), &e,
            VECHE_ADMIN_BAD_INPUT, "bad_manifest", "election");
    json_decref(body);
    world_free(w);
}

static void test_manifest_text(void **state)
{
    veche_admin_err e;
    json_t *body;
    (void)state;

    assert_int_equal(veche_admin_manifest_text(&body, "{\"a\": 1}", 8, &e), VECHE_ADMIN_OK);
    assert_true(json_is_object(body));
    json_decref(body);
    refused(veche_admin_manifest_text(&body, "[1]", 3, &e), &e, VECHE_ADMIN_BAD_INPUT,
            "bad_manifest", "");
    assert_null(body);
    refused(veche_admin_manifest_text(&body, "{\"a\":\n", 6, &e), &e, VECHE_ADMIN_BAD_INPUT,
            "bad_manifest", "");
    assert_non_null(strstr(e.msg, "line 2"));
    refused(veche_admin_manifest_text(&body, "{\"a\":1,\"a\":2}", 13, &e), &e,
            VECHE_ADMIN_BAD_INPUT, "bad_manifest", "");
}

/* ---- the roll ----------------------------------------------------------------------------- */

static void test_roll_good(void **state)
{
    const char *text = "Name,Weight\r\n\"Lee, Ann\",2\r\n\r\n  Ben  \n\"Say \"\"Hi\"\"\", 7\n"
                       "Zoë,1000000";
    veche_admin_err e;
    veche_roll r;
    (void)state;

    assert_int_equal(veche_roll_parse(&r, text, strlen(text), 0, &e), VECHE_ADMIN_OK);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.name[0], "Lee, Ann");
    assert_int_equal(r.weight[0], 2);
    assert_int_equal(r.line[0], 2);
    assert_string_equal(r.name[1], "Ben");
    assert_int_equal(r.weight[1], 1);
    assert_int_equal(r.line[1], 4);
    assert_string_equal(r.name[2], "Say \"Hi\"");
    assert_int_equal(r.weight[2], 7);
    assert_string_equal(r.name[3], "Zoë");
    assert_int_equal(r.total, 2 + 1 + 7 + 1000000);
    veche_roll_free(&r);

    /* "name" alone is a header only on the first line. */
    assert_int_equal(veche_roll_parse(&r, "name\nAnn\nname\n", 14, 0, &e), VECHE_ADMIN_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.name[1], "name");
    veche_roll_free(&r);
}

static void roll_bad(const char *text, size_t max_lines, const char *field, const char *why)
{
    veche_admin_err e;
    veche_roll r;
    refused(veche_roll_parse(&r, text, strlen(text), max_lines, &e), &e, VECHE_ADMIN_BAD_INPUT,
            "bad_roll", field);
    if (strstr(e.msg, why) == NULL)
        fail_msg("\"%s\": want \"%s\" in \"%s\"", text, why, e.msg);
    assert_int_equal(r.n, 0);
    assert_null(r.name);
}

static void test_roll_bad(void **state)
{
    char *big;
    (void)state;

    roll_bad("name,weight\nAnn,1\nBen,zero\n", 0, "line 3", "line 3: the weight \"zero\"");
    roll_bad("Ann,0\n", 0, "line 1", "not a whole number in 1..1000000");
    roll_bad("Ann,1000001\n", 0, "line 1", "not a whole number");
    roll_bad("Ann,-1\n", 0, "line 1", "not a whole number");
    roll_bad("Ann\nBen\n\nAnn\n", 0, "line 4", "lines 1 and 4: the same name \"Ann\"");
    roll_bad("\"Ann\n", 0, "line 1", "no closing quote");
    roll_bad("\"Ann\" x,2\n", 0, "line 1", "text after a closing quote");
    roll_bad("Ann,1,2\n", 0, "line 1", "more than two fields");
    roll_bad("Ann\nB\tn\n", 0, "line 2", "a control character");
    roll_bad(",3\n", 0, "line 1", "no name");
    roll_bad("Ann\n\xff\xfe\n", 0, "line 2", "not valid UTF-8");
    roll_bad("A\nB\nC\nD\n", 3, "line 4", "too many lines");
    roll_bad("name,weight\n\n\n", 0, "", "no voters");
    roll_bad("", 0, "", "no voters");
    /* 257 bytes of name */
    big = malloc(300);
    assert_non_null(big);
    memset(big, 'x', 257);
    strcpy(big + 257, "\n");
    roll_bad(big, 0, "line 1", "longer than 256 bytes");
    free(big);
    /* 1001 voters of weight 10^6: over 10^9 in all */
    big = malloc(1001 * 32);
    assert_non_null(big);
    big[0] = 0;
    for (int i = 0; i < 1001; i++)
        sprintf(big + strlen(big), "v%d,1000000\n", i);
    roll_bad(big, 0, "", "the total weight 1001000000 exceeds 1000000000");
    free(big);
}

/* An embedded NUL is a control character, not the end of the name. */
static void test_roll_nul(void **state)
{
    static const char text[] = "Ann\nB\0b\n";
    veche_admin_err e;
    veche_roll r;
    (void)state;
    refused(veche_roll_parse(&r, text, sizeof text - 1, 0, &e), &e, VECHE_ADMIN_BAD_INPUT,
            "bad_roll", "line 2");
}

/* ---- credentials ------------------------------------------------------------------------------- */

static void test_credentials(void **state)
{
    world *w = world_new();
    const char *text = "Ann,2\nBen\nChen,3\n";
    veche_admin_creds c;
    veche_admin_err e;
    veche_roll r;
    veche_diag d = {{0}};
    uint64_t first = 0;
    (void)state;

    reload(w);
    assert_int_equal(veche_roll_parse(&r, text, strlen(text), 0, &e), VECHE_ADMIN_OK);
    refused(veche_admin_credentials(&c, w->el, &r, &w->admin, "x.key", &e), &e,
            VECHE_ADMIN_WRONG_KEY, "forbidden", NULL);
    assert_non_null(strstr(e.msg, "x.key is not the credential authority"));
    assert_null(c.codes);
    assert_int_equal(veche_admin_credentials(&c, w->el, &r, &w->authority, "a.key", &e),
                     VECHE_ADMIN_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.nparts, 1);
    assert_int_equal(c.pub.n, 3);
    assert_int_equal(c.pub.total_weight, 6);
    /* Each voter's code gives a listed credential with that voter's weight. */
    for (size_t i = 0; i < 3; i++) {
        veche_scalar x;
        uint8_t X[32];
        const veche_credential *cr;
        assert_int_equal(veche_credential_derive(&x, X, WORLD_ID, c.codes[i], &d), VECHE_OK);
        veche_scalar_wipe(&x);
        assert_non_null(cr = veche_credentials_find(&c.pub, X));
        assert_int_equal(cr->weight, r.weight[i]);
    }
    for (size_t k = 0; k < c.nparts; k++)
        first = world_append(w, c.entries[k], c.lens[k]);
    (void)first;
    veche_admin_creds_wipe_codes(&c);
    for (size_t i = 0; i < c.n; i++)
        for (size_t k = 0; k < sizeof c.codes[i]; k++)
            assert_int_equal(c.codes[i][k], 0);
    veche_admin_creds_free(&c);
    assert_null(c.codes);
    assert_int_equal(reload(w)->cred_state, VECHE_CRED_COMPLETE);
    refused(veche_admin_credentials_allowed(w->el, &w->authority, "a.key", &e), &e,
            VECHE_ADMIN_CONFLICT, "credentials_exist", NULL);
    refused(veche_admin_credentials(&c, w->el, &r, &w->authority, "a.key", &e), &e,
            VECHE_ADMIN_CONFLICT, "credentials_exist", NULL);
    veche_roll_free(&r);
    world_free(w);
}

static void test_codes_write(void **state)
{
    const char *text = "\"Lee, Ann\",2\nBen\n";
    char path[128], got[512];
    char codes[2][VECHE_CODE_CHARS + 1] = {"AAA-BBB-CCC-DDD-EEE-FFF-GGG",
                                           "HHH-JJJ-KKK-MMM-NNN-PPP-QQQ"};
    veche_admin_err e;
    veche_roll r;
    struct stat sb;
    FILE *f;
    size_t n;
    (void)state;

    snprintf(path, sizeof path, "/tmp/veche-admin-codes-%d.csv", (int)getpid());
    unlink(path);
    assert_int_equal(veche_roll_parse(&r, text, strlen(text), 0, &e), VECHE_ADMIN_OK);
    assert_int_equal(veche_admin_codes_write(path, &r, codes, 1, &e), VECHE_ADMIN_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_non_null(f = fopen(path, "r"));
    n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    assert_string_equal(got, "name,code,weight\n\"Lee, Ann\",AAA-BBB-CCC-DDD-EEE-FFF-GGG,2\n"
                             "Ben,HHH-JJJ-KKK-MMM-NNN-PPP-QQQ,1\n");
    /* Never overwritten. */
    refused(veche_admin_codes_write(path, &r, codes, 0, &e), &e, VECHE_ADMIN_FAILED, "internal",
            NULL);
    assert_non_null(strstr(e.msg, "File exists"));
    unlink(path);
    assert_int_equal(veche_admin_codes_write(path, &r, codes, 0, &e), VECHE_ADMIN_OK);
    assert_non_null(f = fopen(path, "r"));
    n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    assert_string_equal(got, "name,code\n\"Lee, Ann\",AAA-BBB-CCC-DDD-EEE-FFF-GGG\n"
                             "Ben,HHH-JJJ-KKK-MMM-NNN-PPP-QQQ\n");
    unlink(path);
    veche_roll_free(&r);
}

/* ---- the key ------------------------------------------------------------------------------------- */

/* Trustees' rounds 0..rounds-1, with only the first `last_round_by` doing the last one. */
static void ceremony_until(world *w, int rounds, uint32_t last_round_by)
{
    veche_diag d = {{0}};
    veche_election *el = world_load(w);
    for (uint32_t i = 1; i <= WORLD_N; i++)
        assert_int_equal(veche_trustee_state_new(&w->st[i], &el->manifest, el->manifest_hash,
                                                 w->tk[i].pk, NULL, &d), VECHE_OK);
    veche_election_free(el);
    for (int round = 0; round < rounds; round++)
        for (uint32_t i = 1; i <= (round == rounds - 1 ? last_round_by : WORLD_N); i++)
            world_trustee_step(w, i, round);
}

static void test_key(void **state)
{
    world *w = world_new();
    veche_admin_keyinfo info;
    veche_admin_err e;
    char *entry;
    size_t len;
    (void)state;

    refused(veche_admin_key(&entry, &len, &info, reload(w), &w->admin, ADMIN_NAME, 0, "H", &e),
            &e, VECHE_ADMIN_CONFLICT, "ceremony_incomplete", NULL);
    assert_non_null(strstr(e.msg, "the ceremony cannot give a key now: waiting for trustee.key"));
    /* Every commit, but trustee 3's reveal missing. */
    ceremony_until(w, 4, 2);
    reload(w);
    refused(veche_admin_key(&entry, &len, &info, w->el, &w->outsider, "o.key", 0, "H", &e), &e,
            VECHE_ADMIN_WRONG_KEY, "forbidden", NULL);
    assert_non_null(strstr(e.msg, "o.key is not the administrator's key"));
    refused(veche_admin_key(&entry, &len, &info, w->el, &w->admin, ADMIN_NAME, 0,
                            "give --without-pending", &e),
            &e, VECHE_ADMIN_CONFLICT, "ceremony_incomplete", NULL);
    assert_non_null(strstr(e.msg, "some trustees have not revealed yet (3 "));
    assert_non_null(strstr(e.msg, "wait, or give --without-pending to disqualify them"));
    assert_null(entry);
    /* Without the pending trustee: 2 of 3 qualified. */
    assert_int_equal(veche_admin_key(&entry, &len, &info, w->el, &w->admin, ADMIN_NAME, 1, "H",
                                     &e), VECHE_ADMIN_OK);
    assert_int_equal(info.nqual, 2);
    assert_non_null(strstr(info.unqualified, "3 ("));
    take(w, entry, len);
    assert_true(reload(w)->has_key);
    assert_memory_equal(w->el->K, info.K, 32);
    refused(veche_admin_key_allowed(w->el, &w->admin, ADMIN_NAME, &e), &e, VECHE_ADMIN_CONFLICT,
            "conflict", NULL);
    assert_non_null(strstr(e.msg, "already has its election.key"));
    world_free(w);
}

/* ---- open, close, tally, result: the whole way ------------------------------------------------- */

static void full_key(world *w)
{
    veche_admin_keyinfo info;
    veche_admin_err e;
    char *entry;
    size_t len;
    veche_election *el;
    veche_ceremony *c;
    veche_diag d = {{0}};

    ceremony_until(w, 4, WORLD_N);
    c = world_ceremony_now(w, &el);
    for (uint32_t j = 1; j <= WORLD_N; j++) {
        uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
        size_t nbad = 0;
        assert_int_equal(veche_trustee_open_shares(&w->st[j], c, bad, &nbad, &d), VECHE_OK);
    }
    veche_ceremony_free(c);
    veche_election_free(el);
    assert_int_equal(veche_admin_key(&entry, &len, &info, reload(w), &w->admin, ADMIN_NAME, 0,
                                     "H", &e), VECHE_ADMIN_OK);
    assert_int_equal(info.nqual, 3);
    assert_string_equal(info.unqualified, "");
    take(w, entry, len);
}

static void test_open_close(void **state)
{
    world *w = world_new();
    veche_admin_err e;
    char *entry;
    size_t len;
    (void)state;

    refused(veche_admin_open(&entry, &len, reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_ready", NULL);
    assert_non_null(strstr(e.msg, "cannot open: the joint key is not on the record yet"));
    refused(veche_admin_close(&entry, &len, w->el, &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "election_not_open", NULL);
    full_key(w);
    refused(veche_admin_open(&entry, &len, reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_ready", NULL);
    assert_non_null(strstr(e.msg, "no credentials are on the record yet"));
    world_credentials(w, 4, NULL, &w->authority);
    refused(veche_admin_open(&entry, &len, reload(w), &w->outsider, "o.key", &e), &e,
            VECHE_ADMIN_WRONG_KEY, "forbidden", NULL);
    assert_int_equal(veche_admin_open(&entry, &len, w->el, &w->admin, ADMIN_NAME, &e),
                     VECHE_ADMIN_OK);
    take(w, entry, len);
    assert_int_not_equal(reload(w)->open_index, VECHE_ELECTION_NO_INDEX);
    refused(veche_admin_open(&entry, &len, w->el, &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "already_open", NULL);
    refused(veche_admin_credentials_allowed(w->el, &w->authority, "a.key", &e), &e,
            VECHE_ADMIN_CONFLICT, "credentials_exist", NULL);
    assert_int_equal(veche_admin_close(&entry, &len, w->el, &w->admin, ADMIN_NAME, &e),
                     VECHE_ADMIN_OK);
    take(w, entry, len);
    refused(veche_admin_close(&entry, &len, reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "already_closed", NULL);
    world_free(w);
}

/* A made-up election.key (not the ceremony's) must not let the election open. */
static void test_open_wrong_key(void **state)
{
    world *w = world_new();
    veche_admin_err e;
    char *entry;
    size_t len;
    uint8_t K[32];
    veche_point G;
    (void)state;

    ceremony_until(w, 4, WORLD_N);
    veche_point_generator(&G);
    veche_point_encode(K, &G);
    world_append_body(w, VECHE_ETYPE_KEY, json_pack("{s:s, s:[i,i,i], s:o}", "election",
                                                    WORLD_ID, "qualified", 1, 2, 3, "key",
                                                    veche_b64_json(K, 32)), &w->admin);
    world_credentials(w, 2, NULL, &w->authority);
    refused(veche_admin_open(&entry, &len, reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_ready", NULL);
    assert_non_null(strstr(e.msg, "is not the ceremony's"));
    world_free(w);
}

static void count_result(world *w)
{
    veche_record_src src = {w->b, NULL};
    veche_votes *v;
    veche_count *c;
    veche_result r;
    veche_admin_err e;
    veche_diag d = {{0}};
    uint64_t counts[2][5], W;
    char *entry;
    size_t len;

    assert_int_equal(veche_votes_load(&v, &src, WORLD_ID, &d), VECHE_OK);
    refused(veche_admin_tally(&entry, &len, &c, v, &w->outsider, "o.key", 1, &e), &e,
            VECHE_ADMIN_WRONG_KEY, "forbidden", NULL);
    assert_int_equal(veche_admin_tally(&entry, &len, &c, v, &w->admin, ADMIN_NAME, 2, &e),
                     VECHE_ADMIN_OK);
    world_expected(w, counts, &W);
    assert_int_equal(c->weight, W);
    assert_int_equal(c->n[VECHE_FATE_SUPERSEDED], 3);
    veche_count_free(c);
    veche_votes_free(v);
    take(w, entry, len);
    refused(veche_admin_tally_allowed(reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "already_tallied", NULL);
    refused(veche_admin_result(&entry, &len, &r, w->el, &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_enough_decryptions", NULL);
    assert_non_null(strstr(e.msg, "0 valid decryption(s) on the record, 2 needed"));
    world_decrypt(w, 2);
    refused(veche_admin_result(&entry, &len, &r, reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_enough_decryptions", NULL);
    world_decrypt(w, 3);
    assert_int_equal(veche_admin_result(&entry, &len, &r, reload(w), &w->admin, ADMIN_NAME, &e),
                     VECHE_ADMIN_OK);
    assert_int_equal(r.ntrustees, 2);
    for (size_t k = 0; k < 5; k++) {
        if (k < 2)
            assert_int_equal(r.counts[0][k], counts[0][k]);
        assert_int_equal(r.counts[1][k], counts[1][k]);
    }
    take(w, entry, len);
    refused(veche_admin_result_allowed(reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "conflict", NULL);
    assert_non_null(strstr(e.msg, "already has a result"));
}

static void test_tally_result(void **state)
{
    world *w = world_new();
    veche_admin_err e;
    veche_result r;
    char *entry;
    size_t len;
    (void)state;

    full_key(w);
    world_credentials(w, test_quick() ? 4 : 8, NULL, &w->authority);
    veche_election_free(w->el);   /* world_open loads its own */
    w->el = NULL;
    world_open(w);
    world_honest_votes(w);
    refused(veche_admin_tally_allowed(reload(w), &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_ready", NULL);
    assert_non_null(strstr(e.msg, "is not closed"));
    refused(veche_admin_result(&entry, &len, &r, w->el, &w->admin, ADMIN_NAME, &e), &e,
            VECHE_ADMIN_CONFLICT, "not_ready", NULL);
    world_close(w);
    count_result(w);
    world_free(w);
}

/* A record that does not verify up to the open is not counted. */
static void test_tally_unsound(void **state)
{
    world *w = world_new();
    veche_record_src src = {w->b, NULL};
    veche_votes *v;
    veche_count *c;
    veche_admin_err e;
    veche_diag d = {{0}};
    uint8_t fp[32];
    char *entry;
    size_t len;
    (void)state;

    full_key(w);
    world_credentials(w, 2, NULL, &w->authority);
    memset(fp, 9, sizeof fp);   /* an election.open with the wrong fingerprint */
    world_append_body(w, VECHE_ETYPE_OPEN, json_pack("{s:s, s:o}", "election", WORLD_ID,
                                                     "fingerprint", veche_b64_json(fp, 32)),
                      &w->admin);
    world_close(w);
    assert_int_equal(veche_votes_load(&v, &src, WORLD_ID, &d), VECHE_OK);
    refused(veche_admin_tally(&entry, &len, &c, v, &w->admin, ADMIN_NAME, 1, &e), &e,
            VECHE_ADMIN_CONFLICT, "conflict", NULL);
    assert_non_null(strstr(e.msg, "the record does not verify: check 8"));
    assert_null(c);
    assert_null(entry);
    veche_votes_free(v);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_manifest_text),
        cmocka_unit_test(test_roll_good),
        cmocka_unit_test(test_roll_bad),
        cmocka_unit_test(test_roll_nul),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_codes_write),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_open_close),
        cmocka_unit_test(test_open_wrong_key),
        cmocka_unit_test(test_tally_result),
        cmocka_unit_test(test_tally_unsound),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
