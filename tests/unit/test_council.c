/*
 * test_council.c — councils (issue 6) on a real SQLite board, built through
 * the library: a council with eight members and their standing credentials,
 * two groupings that publish (bodies beside the record), a member's
 * publication, a 2-seat election with its mandates, a recall petition that
 * reaches its threshold (with a duplicate signature reported, not counted),
 * the recall vote, the mandate's end, a by-election, a leave, an exclusion
 * with a proven appeal, a delegation, a tombstone — every election a real
 * one (key ceremony, ballots under the council's credentials, tally,
 * decryptions, result) checked by the election verifier through check 4.
 *
 * Then each tampering case of the issue, on a copy of the record, caught by
 * the right check: a member removed from the standing list without a roll
 * entry (3), a forged petition signature and a signer counted twice (6
 * reports them, 7 fails the recall that needed them), a publication's body
 * altered (9), a tombstone not signed by the administrator (9), an
 * operator posting as a grouping it has no key of (8: reported, never the
 * grouping's), a mandate for a candidate who did not win (5).
 */
#include "testutil.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "board/export.h"
#include "council/council.h"
#include "election/admin.h"
#include "election/ballot.h"
#include "election/ceremony.h"
#include "election/election.h"
#include "election/tally.h"
#include "election/verify.h"

#define CID      "branch-7"
#define NMEM     8
#define NTR      3
#define TERM     31536000     /* a year */
#define START    1800000000   /* terms start here */
#define NOW      (START + 100)

typedef struct cw {
    char          dir[64], db[128], bodies[128], exp[128];
    veche_key     board_key, admin, keeper, authority, outsider, g1, g2;
    veche_key     tk[NTR + 1];
    veche_board  *b;
    char          member[NMEM][32];
    uint8_t       salt[NMEM][32];
    char          name[NMEM][48];
    veche_scalar  x[NMEM];
    uint8_t       X[NMEM][32];
    uint8_t       fp[32];
    /* the current election's trustees (their secrets) */
    veche_trustee_state st[NTR + 1];
} cw;

/* indices kept for the cases */
static struct {
    uint64_t create, seats_mandate[2], petition, recall_link, by_mandate, g1_pub, m_pub, reply,
             exclusion;
} at;

static cw *world;          /* the finished honest council */
static cw *before_mandates; /* a copy right after the seats election's result */

/* ---- the board --------------------------------------------------------------------- */

static uint64_t append(cw *w, const char *entry, size_t len)
{
    veche_diag d = {{0}};
    const uint8_t *one = (const uint8_t *)entry;
    uint64_t index = 0;
    if (veche_board_append(w->b, &one, &len, 1, &index, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    return index;
}

/*
 * Appends a built entry (and frees it); fails the test if building failed.
 * entry and len are read through pointers, after the builder (an argument)
 * has run: argument evaluation order is unspecified.
 */
static uint64_t put(cw *w, veche_err e, char **entry, const size_t *len, const veche_diag *d)
{
    uint64_t at_;
    if (e != VECHE_OK)
        fail_msg("build: %s", d->msg);
    at_ = append(w, *entry, *len);
    free(*entry);
    *entry = NULL;
    return at_;
}

static uint64_t put_body(cw *w, const char *type, json_t *body, const veche_key *key)
{
    char *entry;
    size_t len;
    veche_diag d = {{0}};
    veche_err e = veche_entry_build(&entry, &len, type, body, key ? key->sk : NULL, &d);
    json_decref(body);
    return put(w, e, &entry, &len, &d);
}

static void load(veche_council *c, cw *w, int64_t now)
{
    veche_record_src src = {w->b, NULL};
    veche_diag d = {{0}};
    if (veche_council_load_src(c, &src, w->bodies, CID, now, &d) != VECHE_OK)
        fail_msg("load: %s", d.msg);
}

static cw *cw_clone(cw *src)
{
    cw *w = malloc(sizeof *w);
    veche_diag d = {{0}};
    char cmd[1024];

    assert_non_null(w);
    *w = *src;
    strcpy(w->dir, "/tmp/veche-council-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/b.db", w->dir);
    snprintf(w->bodies, sizeof w->bodies, "%s/bodies", w->dir);
    snprintf(w->exp, sizeof w->exp, "%s/export", w->dir);
    veche_board_close(src->b);
    snprintf(cmd, sizeof cmd, "cp %s %s && cp -r %s %s", src->db, w->db, src->bodies, w->bodies);
    assert_int_equal(system(cmd), 0);
    if (veche_board_open(&src->b, src->db, &src->board_key, &d) != VECHE_OK ||
        veche_board_open(&w->b, w->db, &w->board_key, &d) != VECHE_OK)
        fail_msg("reopen: %s", d.msg);
    memset(w->st, 0, sizeof w->st);
    return w;
}

static void cw_free(cw *w)
{
    char cmd[160];
    if (w == NULL)
        return;
    veche_board_close(w->b);
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    assert_int_equal(system(cmd), 0);
    free(w);
}

/* ---- the council -------------------------------------------------------------------- */

static void keys(cw *w)
{
    veche_diag d = {{0}};
    char name[32];
    assert_int_equal(veche_key_generate(&w->board_key, "test.example/board", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->admin, "admin", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->keeper, "keeper", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->authority, "authority", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->outsider, "outsider", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->g1, "left", &d), VECHE_OK);
    assert_int_equal(veche_key_generate(&w->g2, "right", &d), VECHE_OK);
    for (int i = 1; i <= NTR; i++) {
        snprintf(name, sizeof name, "trustee%d", i);
        assert_int_equal(veche_key_generate(&w->tk[i], name, &d), VECHE_OK);
    }
}

static void params(cw *w, veche_council_params *p)
{
    memset(p, 0, sizeof *p);
    p->id = CID;
    p->name = "Branch 7 council";
    p->seats = 2;
    p->term = TERM;
    p->recall_majority = 600;
    p->recall_threshold = 300;     /* 30% of 8 members: 3 signatures */
    memcpy(p->roll_keeper, w->keeper.pk, 32);
    memcpy(p->credential_authority, w->authority.pk, 32);
    p->ntrustees = NTR;
    for (int i = 1; i <= NTR; i++) {
        p->trustee_name[i - 1] = w->tk[i].name;
        memcpy(p->trustee_key[i - 1], w->tk[i].pk, 32);
    }
    p->threshold = 2;
    p->exclusion_vote = 0;
}

static cw *cw_new(void)
{
    cw *w = calloc(1, sizeof *w);
    veche_council_params p;
    veche_diag d = {{0}};
    char *entry;
    size_t len;

    assert_non_null(w);
    strcpy(w->dir, "/tmp/veche-council-XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof w->db, "%s/b.db", w->dir);
    snprintf(w->bodies, sizeof w->bodies, "%s/bodies", w->dir);
    snprintf(w->exp, sizeof w->exp, "%s/export", w->dir);
    assert_int_equal(mkdir(w->bodies, 0700), 0);
    keys(w);
    if (veche_board_create(&w->b, w->db, &w->board_key, &d) != VECHE_OK)
        fail_msg("board: %s", d.msg);
    params(w, &p);
    at.create = put(w, veche_council_create_entry(&entry, &len, &p, &w->admin, &d), &entry, &len,
                    &d);
    return w;
}

/* Members 0..n-1 join (each with a commitment to a salted name). */
static uint64_t join(cw *w, size_t from, size_t to)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint8_t com[32];
    uint64_t last = 0;
    for (size_t i = from; i < to; i++) {
        snprintf(w->member[i], sizeof w->member[i], "m-%zu", i + 1);
        snprintf(w->name[i], sizeof w->name[i], "Member Number %zu", i + 1);
        randombytes_buf(w->salt[i], 32);
        veche_council_commitment(com, w->salt[i], w->name[i]);
        last = put(w, veche_council_roll_entry(&entry, &len, CID, VECHE_ROLL_JOIN, w->member[i],
                                               com, "", NULL, &w->keeper, &d), &entry, &len, &d);
    }
    return last;
}

/* The credential authority issues codes to members from..to-1 for the pending joins. */
static uint64_t issue(cw *w, size_t from, size_t to)
{
    veche_council c;
    char (*codes)[VECHE_CODE_CHARS + 1] = calloc(to - from, sizeof *codes);
    veche_credential_list pub;
    uint8_t (*add)[32] = malloc((to - from) * 32);
    uint64_t roll[NMEM];
    size_t nroll = 0;
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint64_t r;

    assert_non_null(codes);
    assert_non_null(add);
    assert_int_equal(veche_council_codes_generate(codes, &pub, CID, to - from, NULL, &d), VECHE_OK);
    for (size_t i = from; i < to; i++) {
        assert_int_equal(veche_council_credential(&w->x[i], w->X[i], CID, codes[i - from], &d),
                         VECHE_OK);
        assert_non_null(veche_credentials_find(&pub, w->X[i]));
        memcpy(add[i - from], w->X[i], 32);
    }
    load(&c, w, NOW);
    for (size_t i = c.pending_from; i < c.nroll; i++)
        roll[nroll++] = c.roll[i].index;
    memcpy(w->fp, c.council_fp, 32);
    veche_council_free(&c);
    r = put(w, veche_council_credentials_entry(&entry, &len, CID, roll, nroll,
                                               (const uint8_t (*)[32])add, to - from, NULL, 0,
                                               &w->authority, &d), &entry, &len, &d);
    sodium_memzero(codes, (to - from) * sizeof *codes);
    free(codes);
    free(add);
    veche_credentials_free(&pub);
    return r;
}

/* A departure (leave or exclude) of member i, and the authority's removal of X_i. */
static uint64_t depart(cw *w, size_t i, veche_roll_action a)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint64_t r = put(w, veche_council_roll_entry(&entry, &len, CID, a, w->member[i], NULL,
                                                 a == VECHE_ROLL_LEAVE ? "moved away"
                                                 : "broke the rules", NULL, &w->keeper, &d), &entry, &len, &d);
    put(w, veche_council_credentials_entry(&entry, &len, CID, &r, 1, NULL, 0,
                                           (const uint8_t (*)[32])w->X[i], 1, &w->authority, &d), &entry, &len, &d);
    return r;
}

/* ---- elections of the council -------------------------------------------------------- */

static json_t *manifest(cw *w, const char *id, const char *const *options, size_t n, int min,
                        int max)
{
    json_t *trustees = json_array(), *opts = json_array();
    for (int i = 1; i <= NTR; i++)
        json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", w->tk[i].name, "key",
                                                  veche_b64_json(w->tk[i].pk, 32)));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(opts, json_string(options[i]));
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:i, s:o, s:[{s:s, s:s, s:o, s:i, s:i, "
                     "s:b}]}", "election", id, "title", id, "organisation", "Branch 7",
                     "opens", 1000, "closes", 2000, "trustees", trustees, "threshold", 2,
                     "credential_authority", veche_b64_json(w->authority.pk, 32), "contests",
                     "id", "c", "question", "Who?", "options", opts, "min", min, "max", max,
                     "blank", 0);
}

static veche_election *eload(cw *w, const char *id)
{
    veche_election *el;
    veche_diag d = {{0}};
    if (veche_election_load(&el, w->b, id, NULL, NULL, &d) != VECHE_OK)
        fail_msg("load %s: %s", id, d.msg);
    return el;
}

static veche_ceremony *ceremony(cw *w, const char *id, veche_election **el)
{
    veche_ceremony *c;
    veche_diag d = {{0}};
    *el = eload(w, id);
    if (veche_ceremony_evaluate_election(&c, *el, &d) != VECHE_OK)
        fail_msg("ceremony: %s", d.msg);
    return c;
}

static void trustee_round(cw *w, const char *id, int i, int round)
{
    veche_election *el;
    veche_ceremony *c = ceremony(w, id, &el);
    veche_diag d = {{0}};
    char *entry = NULL;
    size_t len;
    veche_err e = VECHE_EINVALID;
    switch (round) {
    case 0: e = veche_trustee_key_entry(&entry, &len, &w->st[i], &w->tk[i], &d); break;
    case 1: e = veche_trustee_commit_entry(&entry, &len, &w->st[i], &w->tk[i], &d); break;
    case 2: e = veche_trustee_commitments_entry(&entry, &len, &w->st[i], c, &w->tk[i], NULL, &d);
            break;
    default: e = veche_trustee_shares_entry(&entry, &len, &w->st[i], c, &w->tk[i], &d); break;
    }
    put(w, e, &entry, &len, &d);
    veche_ceremony_free(c);
    veche_election_free(el);
}

/* The manifest by A and the key ceremony (2 of 3); the link is the caller's. */
static void election_setup(cw *w, const char *id, const char *const *options, size_t n,
                           int min, int max)
{
    veche_election *el;
    veche_ceremony *c;
    veche_diag d = {{0}};
    json_t *body;

    put_body(w, VECHE_ETYPE_MANIFEST, manifest(w, id, options, n, min, max), &w->admin);
    el = eload(w, id);
    for (int i = 1; i <= NTR; i++)
        assert_int_equal(veche_trustee_state_new(&w->st[i], &el->manifest, el->manifest_hash,
                                                 w->tk[i].pk, NULL, &d), VECHE_OK);
    veche_election_free(el);
    for (int round = 0; round < 4; round++)
        for (int i = 1; i <= NTR; i++)
            trustee_round(w, id, i, round);
    c = ceremony(w, id, &el);
    for (int j = 1; j <= NTR; j++) {
        uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
        size_t nbad = 0;
        assert_int_equal(veche_trustee_open_shares(&w->st[j], c, bad, &nbad, &d), VECHE_OK);
    }
    assert_int_equal(veche_ceremony_election_key_body(&body, c, &d), VECHE_OK);
    put_body(w, VECHE_ETYPE_KEY, body, &w->admin);
    veche_ceremony_free(c);
    veche_election_free(el);
}

static uint64_t link_election(cw *w, const char *id, veche_purpose pu, uint64_t mandate,
                              uint64_t petition)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    return put(w, veche_council_election_entry(&entry, &len, CID, id, pu, mandate, petition, NULL,
                                               &w->admin, &d), &entry, &len, &d);
}

/* Decryption by trustee j of the administrator's tally. */
static void decrypt(cw *w, const char *id, int j)
{
    veche_election *el;
    veche_ceremony *c = ceremony(w, id, &el);
    veche_ceremony_tally *t = malloc(sizeof *t);
    const veche_election_entry *te = veche_admin_first(el, &el->tallies);
    veche_diag d = {{0}};
    char *entry;
    size_t len;

    assert_non_null(t);
    if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &d) != VECHE_OK)
        fail_msg("tally: %s", d.msg);
    put(w, veche_trustee_decryption_entry(&entry, &len, &w->st[j], c, t, el->fingerprint,
                                          &w->tk[j], NULL, &d), &entry, &len, &d);
    free(t);
    veche_ceremony_free(c);
    veche_election_free(el);
}

/* The result, as the administrator makes it (election/admin.h: judge, combine, count). */
static void result(cw *w, const char *id)
{
    veche_election *el = eload(w, id);
    veche_result r;
    veche_admin_err e;
    char *entry = NULL;
    size_t len;

    if (veche_admin_result(&entry, &len, &r, el, &w->admin, "admin", &e) != VECHE_ADMIN_OK)
        fail_msg("result: %s", e.msg);
    append(w, entry, len);
    free(entry);
    veche_election_free(el);
}

/*
 * After the link: the council's roll as the election's credentials (from
 * the library), open, member i votes for option vote[i] (-1: abstains),
 * close, tally, decryptions by trustees 1 and 3, result.
 */
static void election_run(cw *w, const char *id, const int *vote)
{
    veche_council c;
    veche_election *el;
    veche_pubkey K;
    veche_count *count;
    veche_votes *v;
    veche_record_src src = {w->b, NULL};
    veche_diag d = {{0}};
    char **parts, *entry;
    size_t *lens, nparts, len;
    json_t *body;

    load(&c, w, NOW);
    if (veche_council_election_credentials(&parts, &lens, &nparts, &c, id, &w->authority, &d))
        fail_msg("credentials: %s", d.msg);
    veche_council_free(&c);
    for (size_t k = 0; k < nparts; k++)
        append(w, parts[k], lens[k]);
    veche_credentials_entries_free(parts, lens, nparts);
    el = eload(w, id);
    assert_true(el->has_fingerprint);
    put_body(w, VECHE_ETYPE_OPEN, json_pack("{s:s, s:o}", "election", id, "fingerprint",
                                            veche_b64_json(el->fingerprint, 32)), &w->admin);
    assert_int_equal(veche_pubkey_decode(&K, el->K), VECHE_OK);
    for (size_t i = 0; i < NMEM; i++) {
        veche_choices ch;
        if (vote[i] < 0)
            continue;
        memset(&ch, 0, sizeof ch);
        ch.mark[0][vote[i]] = 1;
        put(w, veche_ballot_build(&entry, &len, &el->manifest, &K, el->fingerprint, &w->x[i],
                                  w->X[i], &ch, NULL, NULL, &d), &entry, &len, &d);
    }
    veche_pubkey_free(&K);
    put_body(w, VECHE_ETYPE_CLOSE, json_pack("{s:s}", "election", id), &w->admin);
    veche_election_free(el);
    el = eload(w, id);
    if (veche_votes_load(&v, &src, id, &d) != VECHE_OK ||
        veche_count_ballots(&count, v, 1, &d) != VECHE_OK ||
        veche_tally_body(&body, el, count, &d) != VECHE_OK)
        fail_msg("tally: %s", d.msg);
    veche_votes_free(v);
    veche_count_free(count);
    veche_election_free(el);
    put_body(w, VECHE_ETYPE_TALLY, body, &w->admin);
    decrypt(w, id, 1);
    decrypt(w, id, 3);
    result(w, id);
    for (int i = 1; i <= NTR; i++)
        veche_trustee_state_wipe(&w->st[i]);
}

static uint64_t mandate(cw *w, const char *election, const char *delegate, int64_t start,
                        int64_t end, const veche_key *key)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    return put(w, veche_council_mandate_entry(&entry, &len, CID, election, delegate, start, end,
                                              key, &d), &entry, &len, &d);
}

/* ---- petitions, publications ------------------------------------------------------------- */

static uint64_t petition(cw *w, size_t i, uint64_t mandate_index)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    return put(w, veche_council_petition_entry(&entry, &len, CID, mandate_index,
                                               "Ben broke the mandate on rents.", &w->x[i],
                                               w->X[i], w->fp, NULL, &d), &entry, &len, &d);
}

static uint64_t sign_petition(cw *w, size_t i, uint64_t pet)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    return put(w, veche_council_signature_entry(&entry, &len, CID, pet, &w->x[i], w->X[i], w->fp,
                                                NULL, &d), &entry, &len, &d);
}

static void meta_for(cw *w, veche_publication_meta *m, const char *grouping, veche_pub_kind k,
                     const char *title, const char *body)
{
    veche_diag d = {{0}};
    memset(m, 0, sizeof *m);
    m->council = CID;
    m->grouping = grouping;
    m->kind = k;
    m->title = title;
    m->reply_to = VECHE_COUNCIL_NO_INDEX;
    assert_int_equal(veche_council_body_meta(m, (const uint8_t *)body, strlen(body), &d), VECHE_OK);
    assert_int_equal(veche_council_body_write(w->bodies, (const uint8_t *)body, strlen(body), &d),
                     VECHE_OK);
}

static uint64_t publish_grouping(cw *w, const veche_publication_meta *m, const veche_key *key)
{
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    return put(w, veche_council_publication_grouping(&entry, &len, m, key, &d), &entry, &len, &d);
}

static uint64_t grouping(cw *w, const char *id, const char *name, const veche_key *key)
{
    const char *members[] = {w->member[1], w->member[0]};
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    return put(w, veche_council_grouping_entry(&entry, &len, CID, id, name, members, 2, key, &d), &entry, &len, &d);
}

/* ---- the report ------------------------------------------------------------------------- */

typedef struct seen {
    int  status[VECHE_COUNCIL_CHECKS + 1];
    char detail[VECHE_COUNCIL_CHECKS + 1][600];
    int  election_fails;
} seen;

static void seen_cb(void *arg, const char *council, int number, const char *name, int status,
                    const char *detail)
{
    seen *s = arg;
    assert_string_equal(council, CID);
    assert_true(number >= 1 && number <= VECHE_COUNCIL_CHECKS);
    assert_string_equal(name, veche_council_check_name(number));
    s->status[number] = status;
    snprintf(s->detail[number], sizeof s->detail[number], "%s", detail);
    if (getenv("VECHE_TEST_VERBOSE") != NULL)
        fprintf(stderr, "  %2d. %-13s %s  %s\n", number, name, status == VECHE_CHECK_PASS
                ? "PASS" : status == VECHE_CHECK_SKIP ? "SKIP" : "FAIL", detail);
}

static void election_cb(void *arg, const char *election, int number, const char *name,
                        int status, const char *detail)
{
    seen *s = arg;
    (void)election, (void)number, (void)name, (void)detail;
    s->election_fails += status == VECHE_CHECK_FAIL;
}

static veche_err verify_src(const veche_record_src *src, const char *bodies, seen *s,
                            veche_council_verify_report *rep)
{
    veche_council_verify_opts o;
    memset(&o, 0, sizeof o);
    memset(s, 0, sizeof *s);
    for (int i = 0; i <= VECHE_COUNCIL_CHECKS; i++)
        s->status[i] = -1;
    o.bodies_dir = bodies;
    o.now = NOW;
    o.threads = 1;
    o.election_cb = election_cb;
    o.election_arg = s;
    return veche_council_verify(src, CID, &o, seen_cb, s, rep);
}

static veche_err verify(cw *w, seen *s, veche_council_verify_report *rep)
{
    veche_record_src src = {w->b, NULL};
    return verify_src(&src, w->bodies, s, rep);
}

static void expect_pass(cw *w)
{
    seen s;
    veche_council_verify_report rep;
    veche_err e = verify(w, &s, &rep);
    for (int k = 1; k <= VECHE_COUNCIL_CHECKS; k++)
        if (s.status[k] != VECHE_CHECK_PASS)
            fail_msg("check %d: status %d: %s", k, s.status[k], s.detail[k]);
    assert_int_equal(e, VECHE_OK);
    assert_int_equal(rep.check, 0);
    assert_int_equal(s.election_fails, 0);
}

/* Check k fails naming entry `index` with `words`; every other check passes. */
static void expect_fail(cw *w, int k, uint64_t index, const char *words)
{
    seen s;
    veche_council_verify_report rep;
    veche_err e = verify(w, &s, &rep);
    if (s.status[k] != VECHE_CHECK_FAIL)
        fail_msg("check %d: status %d, not FAIL: %s", k, s.status[k], s.detail[k]);
    for (int n = 1; n <= VECHE_COUNCIL_CHECKS; n++)
        if (n != k && s.status[n] != VECHE_CHECK_PASS)
            fail_msg("check %d (not %d): status %d: %s", n, k, s.status[n], s.detail[n]);
    assert_int_equal(e, VECHE_EVERIFY);
    assert_int_equal(rep.check, k);
    if (rep.index != index)
        fail_msg("check %d names entry %llu, not %llu: %s", k, (unsigned long long)rep.index,
                 (unsigned long long)index, s.detail[k]);
    if (words != NULL && strstr(s.detail[k], words) == NULL)
        fail_msg("check %d: \"%s\" not in: %s", k, words, s.detail[k]);
}

/* Every check passes and check k reports `words` (not fatal). */
static void expect_reported(cw *w, int k, const char *words)
{
    seen s;
    veche_council_verify_report rep;
    veche_err e = verify(w, &s, &rep);
    for (int n = 1; n <= VECHE_COUNCIL_CHECKS; n++)
        if (s.status[n] != VECHE_CHECK_PASS)
            fail_msg("check %d: status %d: %s", n, s.status[n], s.detail[n]);
    assert_int_equal(e, VECHE_OK);
    assert_true(rep.reported > 0);
    if (strstr(s.detail[k], words) == NULL)
        fail_msg("check %d: \"%s\" not in: %s", k, words, s.detail[k]);
}

static const veche_council_due *due_of(const veche_council_due *due, size_t n, veche_due_kind k)
{
    for (size_t i = 0; i < n; i++)
        if (due[i].kind == k)
            return &due[i];
    return NULL;
}

static int has_due(cw *w, veche_due_kind k, int64_t now)
{
    veche_council c;
    veche_council_due *due;
    size_t n;
    int r;
    load(&c, w, now);
    if (getenv("VECHE_TEST_VERBOSE") != NULL)
        for (size_t i = 0; i < c.nproblems; i++)
            fprintf(stderr, "  problem: entry %llu, check %d%s: %s\n",
                    (unsigned long long)c.problems[i].index, c.problems[i].check,
                    c.problems[i].fatal ? " (fatal)" : "", c.problems[i].msg);
    assert_int_equal(veche_council_due_list(&due, &n, &c), VECHE_OK);
    r = due_of(due, n, k) != NULL;
    free(due);
    veche_council_free(&c);
    return r;
}

/* ---- the honest council, built once ----------------------------------------------------------- */

static const char *const seats_opts[] = {"Ana", "Ben", "Chen"};
static const char *const yes_no[] = {"yes", "no"};
static const char *const by_opts[] = {"Chen", "Dana"};

static void build_seats(cw *w)
{
    /* Ana 4, Ben 3, Chen 1 */
    static const int vote[NMEM] = {0, 0, 0, 0, 1, 1, 1, 2};
    election_setup(w, "seats-1", seats_opts, 3, 0, 2);
    link_election(w, "seats-1", VECHE_PURPOSE_SEATS, VECHE_COUNCIL_NO_INDEX,
                  VECHE_COUNCIL_NO_INDEX);
    election_run(w, "seats-1", vote);
}

static void build_publications(cw *w)
{
    veche_publication_meta m;
    veche_diag d = {{0}};
    char *entry;
    size_t len;

    grouping(w, "left", "Left caucus", &w->g1);
    grouping(w, "right", "Right bloc", &w->g2);
    meta_for(w, &m, "left", VECHE_PUB_STATEMENT, "Rents", "# Rents\n\nLower them.\n");
    at.g1_pub = publish_grouping(w, &m, &w->g1);
    meta_for(w, &m, "right", VECHE_PUB_REPLY, "Re: Rents", "No.\n");
    m.reply_to = at.g1_pub;
    at.reply = publish_grouping(w, &m, &w->g2);
    meta_for(w, &m, "left", VECHE_PUB_PLATFORM, "Ana's platform", "Ana: *housing*.\n");
    m.election = "seats-1";
    m.option = "Ana";
    publish_grouping(w, &m, &w->g1);
    meta_for(w, &m, NULL, VECHE_PUB_STATEMENT, "A member writes", "I disagree with both.\n");
    at.m_pub = put(w, veche_council_publication_member(&entry, &len, &m, &w->x[3], w->X[3],
                                                       w->fp, NULL, &d), &entry, &len, &d);
}

static void build_recall(cw *w)
{
    /* recall: yes 5, no 2, one abstains: 5/7 >= 600‰ */
    static const int vote[NMEM] = {0, 0, 0, 0, 0, 1, 1, -1};
    veche_diag d = {{0}};
    char *entry;
    size_t len;

    at.petition = petition(w, 0, at.seats_mandate[1]);
    sign_petition(w, 1, at.petition);
    sign_petition(w, 1, at.petition);     /* a duplicate: reported, not counted */
    assert_true(!has_due(w, VECHE_DUE_RECALL, NOW));
    sign_petition(w, 2, at.petition);     /* the third: the threshold */
    assert_true(has_due(w, VECHE_DUE_RECALL, NOW));
    election_setup(w, "recall-ben", yes_no, 2, 1, 1);
    at.recall_link = link_election(w, "recall-ben", VECHE_PURPOSE_RECALL, at.seats_mandate[1],
                                   at.petition);
    election_run(w, "recall-ben", vote);
    assert_true(has_due(w, VECHE_DUE_MANDATE_END, NOW));
    put(w, veche_council_mandate_end_entry(&entry, &len, CID, at.seats_mandate[1], "recalled",
                                           "recall-ben", "The members have spoken.", &w->admin,
                                           &d), &entry, &len, &d);
    assert_true(has_due(w, VECHE_DUE_BY_ELECTION, NOW));
}

static void build_by_election(cw *w)
{
    static const int vote[NMEM] = {0, 0, 0, 1, 1, 0, -1, -1};   /* Chen 4, Dana 2 */
    election_setup(w, "by-1", by_opts, 2, 0, 1);
    link_election(w, "by-1", VECHE_PURPOSE_BY_ELECTION, at.seats_mandate[1],
                  VECHE_COUNCIL_NO_INDEX);
    election_run(w, "by-1", vote);
    at.by_mandate = mandate(w, "by-1", "Chen", NOW + 10, START + TERM, &w->admin);
}

static void build_rest(cw *w)
{
    const char *delegates[] = {"Ana", "Chen"};
    veche_diag d = {{0}};
    char *entry;
    size_t len;

    depart(w, 6, VECHE_ROLL_LEAVE);
    at.exclusion = depart(w, 4, VECHE_ROLL_EXCLUDE);
    put(w, veche_council_appeal_entry(&entry, &len, CID, w->member[4], at.exclusion, w->salt[4],
                                      w->name[4], "I did nothing wrong.", &w->outsider, &d), &entry, &len, &d);
    put(w, veche_council_delegation_entry(&entry, &len, CID, "to-congress", "The Congress",
                                          delegates, 2, "Vote for the rent cap.", &w->admin, &d), &entry, &len, &d);
    put(w, veche_council_delegation_end_entry(&entry, &len, CID, "to-congress", "returned",
                                              "Back with the cap.", &w->admin, &d), &entry, &len, &d);
    put(w, veche_council_tombstone_entry(&entry, &len, CID, at.m_pub, "A court order (case 12)",
                                         &w->admin, &d), &entry, &len, &d);
}

static int group_setup(void **state)
{
    cw *w;
    (void)state;
    assert_int_equal(veche_election_register_types(), VECHE_OK);
    assert_int_equal(veche_council_register_types(), VECHE_OK);
    assert_int_equal(veche_council_register_types(), VECHE_OK);   /* idempotent */
    w = world = cw_new();
    assert_true(has_due(w, VECHE_DUE_FIRST_ELECTION, NOW));
    join(w, 0, NMEM);
    assert_true(has_due(w, VECHE_DUE_CREDENTIALS, NOW));
    issue(w, 0, NMEM);
    assert_true(!has_due(w, VECHE_DUE_CREDENTIALS, NOW));
    build_seats(w);
    before_mandates = cw_clone(w);
    at.seats_mandate[0] = mandate(w, "seats-1", "Ana", START, START + TERM, &w->admin);
    at.seats_mandate[1] = mandate(w, "seats-1", "Ben", START, START + TERM, &w->admin);
    build_publications(w);
    build_recall(w);
    build_by_election(w);
    build_rest(w);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (world == NULL)
        return 0;
    for (size_t i = 0; i < NMEM; i++)
        veche_scalar_wipe(&world->x[i]);
    cw_free(before_mandates);
    cw_free(world);
    return 0;
}

/* ---- the honest council ---------------------------------------------------------------------- */

static void test_honest_verifies(void **state)
{
    (void)state;
    expect_pass(world);
}

static void test_state(void **state)
{
    veche_council c;
    const veche_council_petition *p;
    const veche_council_election *ce;
    (void)state;

    load(&c, world, NOW);
    assert_string_equal(c.params.name, "Branch 7 council");
    assert_int_equal(c.nmembers, NMEM);
    assert_int_equal(c.active, NMEM - 2);
    assert_int_equal(c.nstanding, NMEM - 2);
    assert_int_equal(c.pending_from, c.nroll);
    assert_int_equal(c.roll[NMEM - 1].members_after, NMEM);
    assert_int_equal(c.roll[c.nroll - 1].members_after, NMEM - 2);
    assert_int_equal(veche_council_member_find(&c, "m-5")->status, VECHE_MEMBER_EXCLUDED);
    assert_int_equal(veche_council_member_find(&c, "m-7")->status, VECHE_MEMBER_LEFT);
    assert_false(veche_council_standing_has(&c, world->X[4]));
    assert_true(veche_council_standing_has(&c, world->X[0]));
    /* the petition: 3 of 3 needed, one duplicate */
    assert_non_null(p = veche_council_petition_at(&c, at.petition));
    assert_int_equal(p->members_at_open, NMEM);
    assert_int_equal(p->threshold_count, 3);
    assert_int_equal(p->nvalid, 3);
    assert_int_equal(p->nduplicate, 1);
    assert_true(p->succeeded_at != VECHE_COUNCIL_NO_INDEX);
    assert_int_equal(p->recall_election_link, at.recall_link);
    /* elections and their published results */
    assert_int_equal(c.nelections, 3);
    assert_non_null(ce = veche_council_election_find(&c, "seats-1"));
    assert_int_equal(ce->stage, VECHE_STAGE_RESULT);
    assert_int_equal(ce->counts[0], 4);
    assert_int_equal(ce->counts[1], 3);
    assert_int_equal(ce->counts[2], 1);
    assert_int_equal(ce->nstanding, NMEM);
    assert_non_null(ce = veche_council_election_find(&c, "recall-ben"));
    assert_int_equal(ce->counts[0], 5);
    assert_int_equal(ce->counts[1], 2);
    /* mandates and their statuses with the reader's clock */
    assert_int_equal(c.nmandates, 3);
    assert_string_equal(veche_council_mandate_status(&c, veche_council_mandate_at(
                            &c, at.seats_mandate[0])), "active");
    assert_string_equal(veche_council_mandate_status(&c, veche_council_mandate_at(
                            &c, at.seats_mandate[1])), "recalled");
    assert_string_equal(veche_council_mandate_status(&c, veche_council_mandate_at(
                            &c, at.by_mandate)), "elected");
    assert_int_equal(veche_council_mandate_at(&c, at.by_mandate)->vacated, at.seats_mandate[1]);
    /* groupings, publications, bodies, tombstone */
    assert_int_equal(c.ngroupings, 2);
    assert_int_equal(veche_council_grouping_find(&c, "left")->nmembers, 2);
    assert_int_equal(c.npublications, 4);
    for (size_t i = 0; i < c.npublications; i++) {
        assert_true(c.publications[i].counted);
        assert_int_equal(c.publications[i].body, VECHE_BODY_OK);
    }
    assert_true(veche_council_publication_at(&c, at.m_pub)->tombstoned);
    assert_null(veche_council_publication_at(&c, at.m_pub)->grouping);
    assert_memory_equal(veche_council_publication_at(&c, at.m_pub)->author, world->X[3], 32);
    assert_int_equal(veche_council_publication_at(&c, at.reply)->reply_to, at.g1_pub);
    /* delegation, appeal */
    assert_int_equal(c.ndelegations, 1);
    assert_string_equal(c.delegations[0].end_reason, "returned");
    assert_int_equal(c.nappeals, 1);
    assert_true(c.appeals[0].proven);
    /* reported: only the duplicate signature */
    assert_int_equal(c.nfatal, 0);
    assert_int_equal(c.nproblems, 1);
    assert_int_equal(c.problems[0].check, 6);
    veche_council_free(&c);
}

static void test_due(void **state)
{
    (void)state;
    assert_false(has_due(world, VECHE_DUE_BY_ELECTION, NOW));
    assert_false(has_due(world, VECHE_DUE_RECALL, NOW));
    assert_false(has_due(world, VECHE_DUE_REELECTION, NOW));
    assert_true(has_due(world, VECHE_DUE_REELECTION, START + TERM));   /* the terms end */
    assert_false(has_due(world, VECHE_DUE_FIRST_ELECTION, NOW));
}

static void test_scope(void **state)
{
    veche_record_src src = {world->b, NULL};
    char council[VECHE_COUNCIL_ID_MAX + 1];
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1];
    veche_diag d = {{0}};
    size_t n;
    int linked;
    (void)state;

    assert_int_equal(veche_council_scope_of(&src, "recall-ben", &linked, council, &d), VECHE_OK);
    assert_true(linked);
    assert_string_equal(council, CID);
    assert_int_equal(veche_council_scope_of(&src, "no-such", &linked, council, &d), VECHE_OK);
    assert_false(linked);
    assert_int_equal(veche_record_councils(&ids, &n, &src, &d), VECHE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], CID);
    free(ids);
}

/* The export (with its bodies/) verifies the same; without bodies, check 9 is skipped. */
static void test_export(void **state)
{
    veche_record_src src = {NULL, world->exp};
    veche_council c;
    veche_council_verify_report rep;
    veche_diag d = {{0}};
    seen s;
    char cmd[400];
    (void)state;

    assert_int_equal(veche_board_export(world->b, world->exp, &d), VECHE_OK);
    assert_int_equal(verify_src(&src, NULL, &s, &rep), VECHE_OK);
    assert_int_equal(s.status[9], VECHE_CHECK_SKIP);
    snprintf(cmd, sizeof cmd, "cp -r %s %s/bodies", world->bodies, world->exp);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(veche_council_load_export(&c, world->exp, NULL, CID, NOW, &d), VECHE_OK);
    assert_int_equal(c.publications[0].body, VECHE_BODY_OK);
    veche_council_free(&c);
    assert_int_equal(verify_src(&src, NULL, &s, &rep), VECHE_OK);
}

/* ---- the judge, before appending ------------------------------------------------------------------ */

static void test_judge(void **state)
{
    veche_record_src src = {world->b, NULL};
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    const uint8_t *one;
    uint8_t com[32] = {1};
    (void)state;

    /* a join of a member id already used: refused before it is appended */
    assert_int_equal(veche_council_roll_entry(&entry, &len, CID, VECHE_ROLL_JOIN, "m-1", com, "",
                                              NULL, &world->keeper, &d), VECHE_OK);
    one = (const uint8_t *)entry;
    assert_int_equal(veche_council_judge(&src, CID, NOW, &one, &len, 1, &d), VECHE_EVERIFY);
    assert_non_null(strstr(d.msg, "already used"));
    free(entry);
    /* a fresh one passes */
    assert_int_equal(veche_council_roll_entry(&entry, &len, CID, VECHE_ROLL_JOIN, "m-99", com, "",
                                              NULL, &world->keeper, &d), VECHE_OK);
    one = (const uint8_t *)entry;
    assert_int_equal(veche_council_judge(&src, CID, NOW, &one, &len, 1, &d), VECHE_OK);
    free(entry);
}

/* ---- tampering ------------------------------------------------------------------------------------ */

/* A credential removed with no leave or exclusion: the standing list shrinks unseen. */
static void test_silent_removal(void **state)
{
    cw *w = cw_clone(world);
    veche_council c;
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint64_t roll, bad;
    uint8_t com[32] = {7};
    (void)state;

    /* a new member joins; the authority "accounts" for it by removing member 0 instead */
    roll = put(w, veche_council_roll_entry(&entry, &len, CID, VECHE_ROLL_JOIN, "m-9", com, "",
                                           NULL, &w->keeper, &d), &entry, &len, &d);
    bad = put(w, veche_council_credentials_entry(&entry, &len, CID, &roll, 1, NULL, 0,
                                                 (const uint8_t (*)[32])w->X[0], 1,
                                                 &w->authority, &d), &entry, &len, &d);
    expect_fail(w, 3, bad, "without its roll entry");
    load(&c, w, NOW);
    assert_true(veche_council_standing_has(&c, w->X[0]));   /* the removal did not count */
    veche_council_free(&c);
    cw_free(w);
}

/* A removal with no pending roll entry at all. */
static void test_removal_without_roll(void **state)
{
    cw *w = cw_clone(world);
    seen s;
    veche_council_verify_report rep;
    json_t *body;
    uint64_t bad;
    (void)state;

    /* built by hand: a roll index that is not a pending roll entry */
    body = json_pack("{s:s, s:[I], s:[], s:[o]}", "council", CID, "roll", (json_int_t)at.create,
                     "add", "remove", veche_b64_json(w->X[0], 32));
    bad = put_body(w, VECHE_CTYPE_CREDENTIALS, body, &w->authority);
    expect_fail(w, 3, bad, "pending");
    /* by another key: only reported */
    cw_free(w);
    w = cw_clone(world);
    body = json_pack("{s:s, s:[I], s:[], s:[o]}", "council", CID, "roll", (json_int_t)at.create,
                     "add", "remove", veche_b64_json(w->X[0], 32));
    put_body(w, VECHE_CTYPE_CREDENTIALS, body, &w->outsider);
    assert_int_equal(verify(w, &s, &rep), VECHE_OK);
    assert_non_null(strstr(s.detail[3], "not signed by the credential authority"));
    cw_free(w);
}

/* A forged signature and a twice-counted signer cannot carry a recall. */
static void test_forged_and_double_signatures(void **state)
{
    cw *w = cw_clone(world);
    veche_council c;
    json_t *entry_json, *body;
    size_t len;
    uint64_t pet, link, ana;
    veche_diag d = {{0}};
    char *entry;
    (void)state;

    pet = petition(w, 0, at.seats_mandate[0]);        /* against Ana: 30% of 6 members = 2 */
    sign_petition(w, 1, pet);
    sign_petition(w, 1, pet);                         /* counted twice? no: a duplicate */
    /* member 2's credential, signed by member 3's key: a forgery */
    assert_int_equal(veche_council_signature_entry(&entry, &len, CID, pet, &w->x[3], w->X[3],
                                                   w->fp, NULL, &d), VECHE_OK);
    assert_int_equal(veche_canon_parse(&entry_json, entry, len, &d), VECHE_OK);
    free(entry);
    body = json_object_get(entry_json, "body");
    json_object_set_new(body, "credential", veche_b64_json(w->X[2], 32));
    put_body(w, VECHE_CTYPE_SIGNATURE, json_incref(body), NULL);
    json_decref(entry_json);
    load(&c, w, NOW);
    {
        const veche_council_petition *p = veche_council_petition_at(&c, pet);
        assert_int_equal(p->members_at_open, NMEM - 2);
        assert_int_equal(p->threshold_count, 2);
        assert_int_equal(p->nvalid, 2);
        assert_int_equal(p->nduplicate, 1);
        assert_int_equal(p->ninvalid, 1);
    }
    veche_council_free(&c);
    expect_reported(w, 6, "not counted");
    cw_free(w);

    /* with a threshold of 3 (8 members at 300‰), two honest signers are not enough */
    w = cw_clone(before_mandates);
    ana = mandate(w, "seats-1", "Ana", START, START + TERM, &w->admin);
    pet = petition(w, 0, ana);
    sign_petition(w, 1, pet);
    sign_petition(w, 1, pet);                          /* the same signer again */
    election_setup(w, "recall-ana", yes_no, 2, 1, 1);
    link = link_election(w, "recall-ana", VECHE_PURPOSE_RECALL, ana, pet);
    expect_fail(w, 7, link, "has 2 of the 3");
    cw_free(w);
}

/* A publication's body changed after the fact. */
static void test_body_altered(void **state)
{
    cw *w = cw_clone(world);
    veche_council c;
    char name[65], path[300];
    FILE *f;
    (void)state;

    load(&c, w, NOW);
    veche_council_body_name(name, veche_council_publication_at(&c, at.g1_pub)->hash);
    veche_council_free(&c);
    snprintf(path, sizeof path, "%s/%s", w->bodies, name);
    assert_non_null(f = fopen(path, "w"));
    fputs("# Rents\n\nRaise them.\n", f);
    fclose(f);
    expect_fail(w, 9, at.g1_pub, "not the one whose hash");
    /* deleted without a tombstone: the same */
    assert_int_equal(unlink(path), 0);
    expect_fail(w, 9, at.g1_pub, "missing");
    cw_free(w);
}

/* A tombstone by a key that is not the administrator's does not excuse a missing body. */
static void test_tombstone_unsigned(void **state)
{
    cw *w = cw_clone(world);
    veche_council c;
    veche_diag d = {{0}};
    char *entry, name[65], path[300];
    size_t len;
    const uint8_t *one;
    uint64_t idx;
    json_t *body;
    (void)state;

    put(w, veche_council_tombstone_entry(&entry, &len, CID, at.g1_pub, "I dislike it",
                                         &w->outsider, &d), &entry, &len, &d);
    load(&c, w, NOW);
    assert_false(veche_council_publication_at(&c, at.g1_pub)->tombstoned);
    veche_council_body_name(name, veche_council_publication_at(&c, at.g1_pub)->hash);
    veche_council_free(&c);
    snprintf(path, sizeof path, "%s/%s", w->bodies, name);
    assert_int_equal(unlink(path), 0);
    expect_fail(w, 9, at.g1_pub, "no tombstone excuses it");
    /* an unsigned tombstone never reaches the record */
    body = json_pack("{s:s, s:I, s:s}", "council", CID, "publication", (json_int_t)at.g1_pub,
                     "reason", "none");
    assert_int_equal(veche_entry_build(&entry, &len, VECHE_CTYPE_TOMBSTONE, body, NULL, &d),
                     VECHE_OK);
    json_decref(body);
    one = (const uint8_t *)entry;
    assert_int_not_equal(veche_board_append(w->b, &one, &len, 1, &idx, &d), VECHE_OK);
    free(entry);
    cw_free(w);
}

/* The operator posts as a grouping whose key it does not hold. */
static void test_impostor(void **state)
{
    cw *w = cw_clone(world);
    veche_publication_meta m;
    veche_council c;
    uint64_t fake;
    const char *members[] = {"m-3"};
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    (void)state;

    meta_for(w, &m, "left", VECHE_PUB_STATEMENT, "We give up", "We give up.\n");
    fake = publish_grouping(w, &m, &w->admin);
    /* and re-registers the grouping under its own key */
    put(w, veche_council_grouping_entry(&entry, &len, CID, "left", "Left (ours now)", members, 1,
                                        &w->admin, &d), &entry, &len, &d);
    expect_reported(w, 8, "impostor");
    load(&c, w, NOW);
    assert_false(veche_council_publication_at(&c, fake)->counted);
    assert_true(veche_council_publication_at(&c, fake)->impostor);
    assert_memory_equal(veche_council_grouping_find(&c, "left")->key, w->g1.pk, 32);
    assert_string_equal(veche_council_grouping_find(&c, "left")->name, "Left caucus");
    assert_int_equal(veche_council_grouping_find(&c, "left")->nimpostors, 1);
    veche_council_free(&c);
    cw_free(w);
}

/* A mandate for a candidate who did not win, and one with the wrong term. */
static void test_mandate_loser(void **state)
{
    cw *w = cw_clone(before_mandates);
    uint64_t bad;
    (void)state;

    mandate(w, "seats-1", "Ana", START, START + TERM, &w->admin);
    bad = mandate(w, "seats-1", "Chen", START, START + TERM, &w->admin);
    expect_fail(w, 5, bad, "did not win");
    cw_free(w);
    w = cw_clone(before_mandates);
    bad = mandate(w, "seats-1", "Ana", START, START + TERM + 1, &w->admin);
    expect_fail(w, 5, bad, "term");
    cw_free(w);
    /* by someone else: ignored, reported */
    w = cw_clone(before_mandates);
    mandate(w, "seats-1", "Chen", START, START + TERM, &w->outsider);
    expect_reported(w, 5, "not signed by the council's administrator");
    cw_free(w);
}

/* A recall that falls short leaves the mandate; ending it anyway fails check 7. */
static void test_recall_short(void **state)
{
    cw *w = cw_clone(before_mandates);
    static const int vote[NMEM] = {0, 0, 0, 1, 1, 1, -1, -1};   /* 3 yes, 3 no: < 600‰ */
    veche_diag d = {{0}};
    char *entry;
    size_t len;
    uint64_t m, pet, bad;
    (void)state;

    m = mandate(w, "seats-1", "Ana", START, START + TERM, &w->admin);
    pet = petition(w, 0, m);
    sign_petition(w, 1, pet);
    sign_petition(w, 2, pet);
    election_setup(w, "recall-ana", yes_no, 2, 1, 1);
    link_election(w, "recall-ana", VECHE_PURPOSE_RECALL, m, pet);
    election_run(w, "recall-ana", vote);
    assert_false(has_due(w, VECHE_DUE_MANDATE_END, NOW));
    bad = put(w, veche_council_mandate_end_entry(&entry, &len, CID, m, "recalled", "recall-ana",
                                                 "", &w->admin, &d), &entry, &len, &d);
    expect_fail(w, 7, bad, "did not reach");
    cw_free(w);
}

/* ---- shapes and small parts ------------------------------------------------------------------------ */

static void test_shapes(void **state)
{
    veche_diag d = {{0}};
    json_t *b;
    (void)state;

    b = json_pack("{s:s, s:s, s:s, s:s}", "council", CID, "action", "leave", "member", "m-1",
                  "reason", "");
    assert_int_not_equal(veche_council_check_body(VECHE_CTYPE_ROLL, b, &d), VECHE_OK);
    assert_non_null(strstr(d.msg, "reason"));
    json_object_set_new(b, "reason", json_string("gone"));
    assert_int_equal(veche_council_check_body(VECHE_CTYPE_ROLL, b, &d), VECHE_OK);
    json_object_set_new(b, "commitment", veche_b64_json((const uint8_t *)"0123456789abcdef"
                                                        "0123456789abcdef", 32));
    assert_int_not_equal(veche_council_check_body(VECHE_CTYPE_ROLL, b, &d), VECHE_OK);
    json_decref(b);
    b = json_pack("{s:s, s:s, s:s}", "council", "Bad_Id", "election", "e", "purpose", "seats");
    assert_int_not_equal(veche_council_check_body(VECHE_CTYPE_ELECTION, b, &d), VECHE_OK);
    json_object_set_new(b, "council", json_string(CID));
    assert_int_equal(veche_council_check_body(VECHE_CTYPE_ELECTION, b, &d), VECHE_OK);
    json_object_set_new(b, "purpose", json_string("recall"));
    assert_int_not_equal(veche_council_check_body(VECHE_CTYPE_ELECTION, b, &d), VECHE_OK);
    json_decref(b);
    assert_int_not_equal(veche_council_check_body("council.nothing", NULL, &d), VECHE_OK);
    /* credentials: keys must be increasing */
    b = json_pack("{s:s, s:[i], s:[o,o], s:[]}", "council", CID, "roll", 3, "add",
                  veche_b64_json((const uint8_t *)"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 32),
                  veche_b64_json((const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32),
                  "remove");
    assert_int_not_equal(veche_council_check_body(VECHE_CTYPE_CREDENTIALS, b, &d), VECHE_OK);
    assert_non_null(strstr(d.msg, "increasing"));
    json_decref(b);
}

static void test_commitment(void **state)
{
    uint8_t salt[32], com[32];
    (void)state;
    randombytes_buf(salt, sizeof salt);
    veche_council_commitment(com, salt, "Jane Roe");
    assert_true(veche_council_commitment_check(com, salt, "Jane Roe"));
    assert_false(veche_council_commitment_check(com, salt, "Jane Doe"));
    salt[0] ^= 1;
    assert_false(veche_council_commitment_check(com, salt, "Jane Roe"));
}

static void test_bodies(void **state)
{
    veche_publication_meta m;
    veche_diag d = {{0}};
    uint8_t *body, zero[32] = {0};
    size_t len;
    (void)state;

    assert_int_equal(veche_council_body_write(world->bodies, (const uint8_t *)"hello", 5, &d),
                     VECHE_OK);
    assert_int_equal(veche_council_body_meta(&m, (const uint8_t *)"hello", 5, &d), VECHE_OK);
    assert_int_equal(veche_council_body_read(&body, &len, world->bodies, m.hash, &d), VECHE_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(body, "hello", 5);
    free(body);
    assert_int_equal(veche_council_body_read(&body, &len, world->bodies, zero, &d),
                     VECHE_ENOTFOUND);
    assert_int_not_equal(veche_council_body_meta(&m, (const uint8_t *)"\xff\xfe", 2, &d),
                         VECHE_OK);
    assert_int_not_equal(veche_council_body_meta(&m, (const uint8_t *)"", 0, &d), VECHE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_commitment),
        cmocka_unit_test(test_honest_verifies),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_due),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_silent_removal),
        cmocka_unit_test(test_removal_without_roll),
        cmocka_unit_test(test_forged_and_double_signatures),
        cmocka_unit_test(test_body_altered),
        cmocka_unit_test(test_tombstone_unsigned),
        cmocka_unit_test(test_impostor),
        cmocka_unit_test(test_mandate_loser),
        cmocka_unit_test(test_recall_short),
    };
    if (veche_crypto_init() != VECHE_OK)
        return 1;
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
