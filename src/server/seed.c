/*
 * seed.c — `veche serve --demo`: a demonstration election, open for votes,
 * on a fresh board, so that a newcomer can vote in a browser within a
 * minute of starting the server.
 *
 * Everything a real election has is done, in process, through the same
 * code the API uses (election/admin.h, srv_append): the manifest; the key
 * ceremony of three trustees (two needed to decrypt), whose board keys and
 * secret states are made here and kept in DB.demo/ (mode 0700), so that
 * they can later decrypt from the command line like any remote trustee
 * (`veche trustee decrypt --server URL`); the credentials of
 * o->demo_voters voters, whose codes go to DB.demo/credentials.csv (mode
 * 0600) — the demo's stand-in for the letters a real authority would post;
 * election.key and election.open. It prints the election id, three voter
 * links and the commands that finish the election.
 *
 * Beside it, a demonstration council ("demo-council", linked to nothing
 * else): 20 members admitted in one batch (the roll keeper's joins and the
 * credential authority's entry adding their standing credentials), their
 * codes, salts and names in DB.demo/council-members.csv (0600), and two
 * groupings — keys in DB.demo/grouping-N.key — each with a statement whose
 * body is kept in DB.bodies/. It prints the council's page and one
 * member's link to the member area.
 *
 * The trustees' secrets living beside the server is what makes this a
 * demonstration only: a real election's trustees keep theirs on their own
 * machines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "council/council.h"
#include "election/admin.h"
#include "election/ceremony.h"
#include "server/server.h"

#define DEMO_ID        "demo"
#define DEMO_TRUSTEES  3
#define DEMO_THRESHOLD 2
#define DEMO_LINKS     3
#define PATH_CAP       1200
#define DEMO_COUNCIL   "demo-council"
#define DEMO_MEMBERS   20
#define DEMO_GROUPINGS 2

typedef struct demo {
    srv_state          *st;
    FILE               *out;
    char                dir[PATH_CAP];
    veche_key           tk[DEMO_TRUSTEES + 1];   /* trustees' board keys, 1-based */
    veche_trustee_state ts[DEMO_TRUSTEES + 1];
    int                 have_ts;
    char                codes[DEMO_LINKS][VECHE_CODE_CHARS + 1];   /* for the printed links */
    size_t              nvoters;
    char                member_code[VECHE_CODE_CHARS + 1];   /* one member's, for the link */
} demo;

static int demo_fail(demo *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int demo_fail(demo *g, const char *fmt, ...)
{
    va_list ap;
    fprintf(g->out, "veche serve: --demo: ");
    va_start(ap, fmt);
    vfprintf(g->out, fmt, ap);
    va_end(ap);
    fprintf(g->out, "\n");
    return -1;
}

/* Appends entries through the writer; on a refusal, says what it was. */
static int demo_append(demo *g, char *const *entries, const size_t *lens, size_t n,
                       const char *what)
{
    srv_resp resp;
    uint64_t first;
    int rc = 0;

    memset(&resp, 0, sizeof resp);
    if (srv_append(g->st, (const uint8_t *const *)entries, lens, n, NULL, NULL, &first,
                   &resp) != 0)
        rc = demo_fail(g, "appending %s: %.*s", what, (int)resp.len,
                       resp.body ? resp.body : "");
    free(resp.body);
    free(resp.set_cookie);
    free(resp.disposition);
    return rc;
}

static int demo_path(demo *g, char *out, const char *name)
{
    if ((size_t)snprintf(out, PATH_CAP, "%s/%s", g->dir, name) >= PATH_CAP)
        return demo_fail(g, "%s/%s: path too long", g->dir, name);
    return 0;
}

/* ---- the manifest --------------------------------------------------------------------- */

static json_t *demo_manifest(const demo *g)
{
    json_t *trustees = json_array();
    int64_t now = (int64_t)time(NULL);
    static const char *const names[DEMO_TRUSTEES] = {"Ada (auditor)", "Bruno (treasurer)",
                                                     "Chiara (member)"};
    for (int i = 1; i <= DEMO_TRUSTEES; i++)
        json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", names[i - 1], "key",
                                                  veche_b64_json(g->tk[i].pk, 32)));
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:o, s:i, s:o, s:[{s:s, s:s, s:[s,s], s:i, s:i, s:b}, "
        "{s:s, s:s, s:[s,s,s,s,s], s:i, s:i, s:b}]}",
        "election", DEMO_ID, "title", "Demonstration: branch referendum and committee election",
        "organisation", "veche demo", "opens", (json_int_t)now, "closes",
        (json_int_t)(now + 7 * 86400), "trustees", trustees, "threshold", DEMO_THRESHOLD,
        "credential_authority", veche_b64_json(g->st->authority.pk, 32), "contests",
        "id", "referendum", "question", "Shall the branch join the regional federation?",
        "options", "yes", "no", "min", 1, "max", 1, "blank", 0,
        "id", "committee", "question", "Elect up to two members of the branch committee",
        "options", "Amara Okafor", "Bogdan Ilić", "Carmen Ruiz", "Dmitri Volkov", "Elif Şahin",
        "min", 0, "max", 2, "blank", 0);
}

static int demo_create(demo *g)
{
    char id[VECHE_ELECTION_ID_MAX + 1], *entry = NULL;
    veche_admin_err e;
    json_t *body = demo_manifest(g);
    size_t len;
    int rc;

    if (body == NULL)
        return demo_fail(g, "out of memory");
    if (veche_admin_create(&entry, &len, id, body, &g->st->admin, &e) != VECHE_ADMIN_OK)
        rc = demo_fail(g, "the manifest: %s", e.msg);
    else
        rc = demo_append(g, &entry, &len, 1, "the manifest");
    free(entry);
    json_decref(body);
    return rc;
}

/* ---- the trustees ------------------------------------------------------------------------ */

/* Each trustee's board key, saved as DB.demo/trustee-N.key. */
static int demo_trustee_keys(demo *g)
{
    char name[32], file[32], path[PATH_CAP];
    veche_diag d = {{0}};
    for (int i = 1; i <= DEMO_TRUSTEES; i++) {
        snprintf(name, sizeof name, "demo-trustee-%d", i);
        snprintf(file, sizeof file, "trustee-%d.key", i);
        if (veche_key_generate(&g->tk[i], name, &d) != VECHE_OK ||
            demo_path(g, path, file) != 0 || veche_key_write(path, &g->tk[i], &d) != VECHE_OK)
            return demo_fail(g, "trustee %d's key: %s", i, d.msg);
    }
    return 0;
}

/* The election as the writer last left it, and its ceremony judged. */
static int demo_ceremony(demo *g, srv_election **h, veche_ceremony **c)
{
    veche_diag d = {{0}};
    *c = NULL;
    if ((*h = srv_election_acquire(g->st, DEMO_ID)) == NULL)
        return demo_fail(g, "the election is not in the server's state");
    if (veche_ceremony_evaluate_election(c, (*h)->el, &d) != VECHE_OK) {
        srv_election_release(g->st, *h);
        return demo_fail(g, "judging the ceremony: %s", d.msg);
    }
    return 0;
}

/* One round's entry of trustee i. */
static veche_err round_entry(demo *g, int round, int i, const veche_ceremony *c, char **entry,
                             size_t *len, veche_diag *d)
{
    switch (round) {
    case VECHE_ROUND_KEY:
        return veche_trustee_key_entry(entry, len, &g->ts[i], &g->tk[i], d);
    case VECHE_ROUND_COMMIT:
        return veche_trustee_commit_entry(entry, len, &g->ts[i], &g->tk[i], d);
    case VECHE_ROUND_COMMITMENTS:
        return veche_trustee_commitments_entry(entry, len, &g->ts[i], c, &g->tk[i], NULL, d);
    default:
        return veche_trustee_shares_entry(entry, len, &g->ts[i], c, &g->tk[i], d);
    }
}

/* Every trustee's entry of one round, appended together. */
static int demo_round(demo *g, int round)
{
    char *entries[DEMO_TRUSTEES] = {NULL};
    size_t lens[DEMO_TRUSTEES];
    veche_diag d = {{0}};
    srv_election *h;
    veche_ceremony *c;
    int rc = 0;

    if (demo_ceremony(g, &h, &c) != 0)
        return -1;
    for (int i = 1; i <= DEMO_TRUSTEES && rc == 0; i++)
        if (round_entry(g, round, i, c, &entries[i - 1], &lens[i - 1], &d) != VECHE_OK)
            rc = demo_fail(g, "trustee %d, round %d: %s", i, round + 1, d.msg);
    veche_ceremony_free(c);
    srv_election_release(g->st, h);
    if (rc == 0)
        rc = demo_append(g, entries, lens, DEMO_TRUSTEES, "a ceremony round");
    for (int i = 0; i < DEMO_TRUSTEES; i++)
        free(entries[i]);
    return rc;
}

/* Each trustee opens the shares dealt to it and saves its state (DB.demo/trustee-N.state). */
static int demo_keep_states(demo *g)
{
    uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
    char path[PATH_CAP], name[32];
    veche_diag d = {{0}};
    srv_election *h;
    veche_ceremony *c;
    size_t nbad;
    int rc = 0;

    if (demo_ceremony(g, &h, &c) != 0)
        return -1;
    for (int i = 1; i <= DEMO_TRUSTEES && rc == 0; i++) {
        snprintf(name, sizeof name, "trustee-%d.state", i);
        if (veche_trustee_open_shares(&g->ts[i], c, bad, &nbad, &d) != VECHE_OK || nbad != 0 ||
            demo_path(g, path, name) != 0 ||
            veche_trustee_state_save(&g->ts[i], path, 1, &d) != VECHE_OK)
            rc = demo_fail(g, "trustee %d's state: %s", i, nbad ? "a bad share" : d.msg);
    }
    veche_ceremony_free(c);
    srv_election_release(g->st, h);
    return rc;
}

static int demo_trustees(demo *g)
{
    veche_diag d = {{0}};
    srv_election *h = srv_election_acquire(g->st, DEMO_ID);
    int rc = 0;

    if (h == NULL)
        return demo_fail(g, "the election is not in the server's state");
    for (int i = 1; i <= DEMO_TRUSTEES && rc == 0; i++)
        if (veche_trustee_state_new(&g->ts[i], &h->el->manifest, h->el->manifest_hash,
                                    g->tk[i].pk, NULL, &d) != VECHE_OK)
            rc = demo_fail(g, "trustee %d's state: %s", i, d.msg);
    srv_election_release(g->st, h);
    g->have_ts = 1;
    for (int round = 0; round < VECHE_ROUNDS && rc == 0; round++)
        rc = demo_round(g, round);
    return rc != 0 ? rc : demo_keep_states(g);
}

/* ---- the administrator's steps ----------------------------------------------------------- */

typedef veche_admin_kind (*demo_step_fn)(char **entry, size_t *len, const veche_election *el,
                                         const veche_key *admin, const char *key_name,
                                         veche_admin_err *e);

static veche_admin_kind key_step(char **entry, size_t *len, const veche_election *el,
                                 const veche_key *admin, const char *key_name,
                                 veche_admin_err *e)
{
    veche_admin_keyinfo info;
    return veche_admin_key(entry, len, &info, el, admin, key_name, 0, "wait", e);
}

static int demo_admin_step(demo *g, demo_step_fn fn, const char *what)
{
    srv_election *h = srv_election_acquire(g->st, DEMO_ID);
    veche_admin_err e;
    char *entry = NULL;
    size_t len;
    int rc;

    if (h == NULL)
        return demo_fail(g, "the election is not in the server's state");
    if (fn(&entry, &len, h->el, &g->st->admin, "the server's administrator key", &e) !=
        VECHE_ADMIN_OK)
        rc = demo_fail(g, "%s: %s", what, e.msg);
    else
        rc = demo_append(g, &entry, &len, 1, what);
    srv_election_release(g->st, h);
    free(entry);
    return rc;
}

/* ---- credentials --------------------------------------------------------------------------- */

static int demo_roll(demo *g, veche_roll *r)
{
    char name[32];
    memset(r, 0, sizeof *r);
    r->name = calloc(g->nvoters, sizeof *r->name);
    r->weight = calloc(g->nvoters, sizeof *r->weight);
    r->line = calloc(g->nvoters, sizeof *r->line);
    if (r->name == NULL || r->weight == NULL || r->line == NULL)
        return demo_fail(g, "out of memory");
    r->cap = g->nvoters;
    for (size_t i = 0; i < g->nvoters; i++, r->n++) {
        snprintf(name, sizeof name, "Voter %zu", i + 1);
        if ((r->name[i] = strdup(name)) == NULL)
            return demo_fail(g, "out of memory");
        r->weight[i] = 1;
        r->line[i] = i + 1;
        r->total++;
    }
    return 0;
}

/* Codes to DB.demo/credentials.csv first, then the public credentials to the record. */
static int demo_credentials(demo *g)
{
    srv_election *h = srv_election_acquire(g->st, DEMO_ID);
    char path[PATH_CAP];
    veche_admin_creds c;
    veche_admin_err e;
    veche_roll r;
    int rc;

    memset(&c, 0, sizeof c);
    if (h == NULL)
        return demo_fail(g, "the election is not in the server's state");
    if ((rc = demo_roll(g, &r)) == 0 && (rc = demo_path(g, path, "credentials.csv")) == 0) {
        if (veche_admin_credentials(&c, h->el, &r, &g->st->authority,
                                    "the server's credential authority key", &e) !=
                VECHE_ADMIN_OK ||
            veche_admin_codes_write(path, &r, c.codes, 1, &e) != VECHE_ADMIN_OK)
            rc = demo_fail(g, "credentials: %s", e.msg);
    }
    if (rc == 0) {
        for (size_t i = 0; i < DEMO_LINKS && i < c.n; i++)
            memcpy(g->codes[i], c.codes[i], sizeof g->codes[i]);
        veche_admin_creds_wipe_codes(&c);
        rc = demo_append(g, c.entries, c.lens, c.nparts, "the credentials");
    }
    veche_admin_creds_free(&c);
    veche_roll_free(&r);
    srv_election_release(g->st, h);
    return rc;
}

/* ---- the demonstration council ------------------------------------------------------------ */

static int demo_council_create(demo *g)
{
    static const char *const names[DEMO_TRUSTEES] = {"Ada (auditor)", "Bruno (treasurer)",
                                                     "Chiara (member)"};
    veche_council_params p;
    veche_diag d = {{0}};
    const veche_key *roll = srv_council_roll_key(g->st, &d);
    char *entry = NULL;
    size_t len;
    int rc;

    if (roll == NULL)
        return demo_fail(g, "the roll keeper's key: %s", d.msg);
    memset(&p, 0, sizeof p);
    p.id = DEMO_COUNCIL;
    p.name = "Demonstration works council";
    p.seats = 3;
    p.term = 365 * 86400;
    p.recall_threshold = 200;
    p.recall_majority = 501;
    memcpy(p.roll_keeper, roll->pk, 32);
    memcpy(p.credential_authority, g->st->authority.pk, 32);
    p.ntrustees = DEMO_TRUSTEES;
    for (int i = 1; i <= DEMO_TRUSTEES; i++) {
        p.trustee_name[i - 1] = names[i - 1];
        memcpy(p.trustee_key[i - 1], g->tk[i].pk, 32);
    }
    p.threshold = DEMO_THRESHOLD;
    if (veche_council_create_entry(&entry, &len, &p, &g->st->admin, &d) != VECHE_OK)
        return demo_fail(g, "council.create: %s", d.msg);
    rc = demo_append(g, &entry, &len, 1, "the council");
    free(entry);
    if (rc == 0)
        srv_council_add_id(g->st, DEMO_COUNCIL);
    return rc;
}

/* One member's secrets: code, salt; public: id, X. */
typedef struct demo_member {
    char    id[16], name[32];
    char    code[VECHE_CODE_CHARS + 1];
    uint8_t salt[32], X[32];
} demo_member;

/* The members' codes, salts and names to DB.demo/council-members.csv (0600), first. */
static int demo_members_write(demo *g, const demo_member *m, size_t n)
{
    char path[PATH_CAP], salt[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    FILE *f;
    int fd, ok = 1;

    if (demo_path(g, path, "council-members.csv") != 0)
        return -1;
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 || (f = fdopen(fd, "w")) == NULL)
        return demo_fail(g, "%s: %s", path, strerror(errno));
    ok &= fprintf(f, "member,name,salt,code\n") > 0;
    for (size_t i = 0; i < n; i++) {
        sodium_bin2base64(salt, sizeof salt, m[i].salt, 32, sodium_base64_VARIANT_ORIGINAL);
        ok &= fprintf(f, "%s,%s,%s,%s\n", m[i].id, m[i].name, salt, m[i].code) > 0;
    }
    sodium_memzero(salt, sizeof salt);
    ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok &= fclose(f) == 0;
    return ok ? 0 : demo_fail(g, "%s: write failed", path);
}

/* The joins (R) and one council.credentials (C) accounting for them all: one batch. */
static int demo_members_append(demo *g, const demo_member *m, size_t n)
{
    const veche_key *keeper;
    veche_diag d = {{0}};
    char *entries[DEMO_MEMBERS + 1] = {NULL};
    size_t lens[DEMO_MEMBERS + 1];
    uint64_t roll[DEMO_MEMBERS], base;
    uint8_t add[DEMO_MEMBERS][32];
    int rc = 0;

    if ((keeper = srv_council_roll_key(g->st, &d)) == NULL)
        return demo_fail(g, "the roll keeper's key: %s", d.msg);
    /* Nothing else appends before the server listens: the batch starts at the size. */
    pthread_mutex_lock(&g->st->board_lock);
    base = veche_board_size(g->st->board);
    pthread_mutex_unlock(&g->st->board_lock);
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint8_t commitment[32];
        veche_council_commitment(commitment, m[i].salt, m[i].name);
        if (veche_council_roll_entry(&entries[i], &lens[i], DEMO_COUNCIL, VECHE_ROLL_JOIN, m[i].id,
                                     commitment, "founding member", NULL, keeper, &d) != VECHE_OK)
            rc = demo_fail(g, "council.roll: %s", d.msg);
        roll[i] = base + i;
        memcpy(add[i], m[i].X, 32);
    }
    if (rc == 0 &&
        veche_council_credentials_entry(&entries[n], &lens[n], DEMO_COUNCIL, roll, n,
                                        (const uint8_t (*)[32])add, n, NULL, 0,
                                        &g->st->authority, &d) != VECHE_OK)
        rc = demo_fail(g, "council.credentials: %s", d.msg);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (srv_council_map_add(g->st, DEMO_COUNCIL, m[i].id, m[i].X, &d) != VECHE_OK)
            rc = demo_fail(g, "the standing map: %s", d.msg);
    if (rc == 0)
        rc = demo_append(g, entries, lens, n + 1, "the council's members");
    for (size_t i = 0; i <= n; i++)
        free(entries[i]);
    return rc;
}

static int demo_members(demo *g)
{
    demo_member *m = calloc(DEMO_MEMBERS, sizeof *m);
    veche_diag d = {{0}};
    int rc = 0;

    if (m == NULL)
        return demo_fail(g, "out of memory");
    for (size_t i = 0; i < DEMO_MEMBERS && rc == 0; i++) {
        veche_scalar x;
        snprintf(m[i].id, sizeof m[i].id, "member-%02zu", i + 1);
        snprintf(m[i].name, sizeof m[i].name, "Demo member %zu", i + 1);
        randombytes_buf(m[i].salt, 32);
        veche_code_generate(m[i].code, NULL);
        if (veche_council_credential(&x, m[i].X, DEMO_COUNCIL, m[i].code, &d) != VECHE_OK)
            rc = demo_fail(g, "a standing credential: %s", d.msg);
        veche_scalar_wipe(&x);
    }
    if (rc == 0)
        rc = demo_members_write(g, m, DEMO_MEMBERS);
    if (rc == 0)
        rc = demo_members_append(g, m, DEMO_MEMBERS);
    if (rc == 0)
        memcpy(g->member_code, m[0].code, sizeof g->member_code);
    sodium_memzero(m, DEMO_MEMBERS * sizeof *m);
    free(m);
    return rc;
}

/* Grouping i: its key (DB.demo/grouping-i.key), its registration and a statement. */
static int demo_grouping(demo *g, int i)
{
    static const char *const ids[DEMO_GROUPINGS] = {"green-list", "solidarity"};
    static const char *const names[DEMO_GROUPINGS] = {"The Green List", "Solidarity Caucus"};
    static const char *const members[DEMO_GROUPINGS][3] = {
        {"member-01", "member-02", "member-03"}, {"member-04", "member-05", "member-06"}};
    static const char *const bodies[DEMO_GROUPINGS] = {
        "# Our platform\n\nA canteen open at **eight**, bike racks by every gate, and the "
        "council's minutes published within a week.\n",
        "# Statement\n\nWe ask the council to send a delegation to the regional federation "
        "and to report back *in writing*.\n"};
    char path[PATH_CAP], name[32], file[32], *entries[2] = {NULL, NULL};
    veche_publication_meta meta;
    veche_diag d = {{0}};
    const char *dir;
    size_t lens[2];
    veche_key key;
    int rc = 0;

    snprintf(name, sizeof name, "demo-grouping-%d", i + 1);
    snprintf(file, sizeof file, "grouping-%d.key", i + 1);
    memset(&meta, 0, sizeof meta);
    meta.council = DEMO_COUNCIL;
    meta.grouping = ids[i];
    meta.kind = VECHE_PUB_STATEMENT;
    meta.title = i == 0 ? "Our platform" : "On the federation";
    meta.reply_to = VECHE_COUNCIL_NO_INDEX;
    if (demo_path(g, path, file) != 0)
        return -1;
    if (veche_key_generate(&key, name, &d) != VECHE_OK || veche_key_write(path, &key, &d) != VECHE_OK)
        rc = demo_fail(g, "%s: %s", path, d.msg);
    else if (veche_council_grouping_entry(&entries[0], &lens[0], DEMO_COUNCIL, ids[i], names[i],
                                          members[i], 3, &key, &d) != VECHE_OK ||
             veche_council_body_meta(&meta, (const uint8_t *)bodies[i], strlen(bodies[i]), &d) !=
                 VECHE_OK ||
             veche_council_publication_grouping(&entries[1], &lens[1], &meta, &key, &d) != VECHE_OK)
        rc = demo_fail(g, "grouping %s: %s", ids[i], d.msg);
    else if ((dir = srv_council_bodies_dir(g->st, &d)) == NULL ||
             veche_council_body_write(dir, (const uint8_t *)bodies[i], strlen(bodies[i]), &d) !=
                 VECHE_OK)
        rc = demo_fail(g, "a publication's body: %s", d.msg);
    else
        rc = demo_append(g, entries, lens, 2, "a grouping and its publication");
    veche_key_wipe(&key);
    free(entries[0]);
    free(entries[1]);
    return rc;
}

/* The council as the server's state loads it: every entry counted. */
static int demo_council_check(demo *g)
{
    veche_diag d = {{0}};
    veche_err e;
    const veche_council *c = srv_council_acquire(g->st, DEMO_COUNCIL, &e, &d);
    int rc = 0;
    if (c == NULL)
        return demo_fail(g, "the council does not load: %s", d.msg);
    if (c->nproblems > 0)
        rc = demo_fail(g, "the council's entry %llu does not count: %s",
                       (unsigned long long)c->problems[0].index, c->problems[0].msg);
    else if (c->active != DEMO_MEMBERS || c->nstanding != DEMO_MEMBERS)
        rc = demo_fail(g, "the council has %zu members and %zu standing credentials, not %d",
                       c->active, c->nstanding, DEMO_MEMBERS);
    srv_council_release(g->st, c);
    return rc;
}

static int demo_council(demo *g)
{
    int rc = demo_council_create(g);
    if (rc == 0)
        rc = demo_members(g);
    for (int i = 0; i < DEMO_GROUPINGS && rc == 0; i++)
        rc = demo_grouping(g, i);
    if (rc == 0)
        rc = demo_council_check(g);
    return rc;
}

/* ---- what to do next ----------------------------------------------------------------------- */

/*
 * This very binary's path, so the printed commands can be pasted as they are
 * (a newcomer running `make demo` has no `veche` on their PATH); "veche" if
 * it cannot be read.
 */
static void self_path(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1 || memchr(out, ' ', (size_t)n) != NULL)
        snprintf(out, cap, "veche");
    else
        out[n] = 0;
}

static void demo_print(const demo *g, const srv_options *o)
{
    const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
    size_t n = strlen(listen);
    int any_port = n >= 2 && strcmp(listen + n - 2, ":0") == 0;
    char base[300] = "", url[300] = "URL", self[1024];
    FILE *f = g->out;

    self_path(self, sizeof self);

    if (!any_port) {
        snprintf(base, sizeof base, "http://%s", listen);
        snprintf(url, sizeof url, "http://%s", listen);
    }

    fprintf(f, "veche serve: demonstration election \"%s\" is open: %zu voters, %d trustees "
            "(%d needed to decrypt)\n", DEMO_ID, g->nvoters, DEMO_TRUSTEES, DEMO_THRESHOLD);
    /* With port 0 the address is known only once listening: links are then relative. */
    if (any_port)
        fprintf(f, "veche serve: voter links (after the address the server says it listens on, "
                "URL below):\n");
    else
        fprintf(f, "veche serve: voter links (open them once the server says it is listening):\n");
    for (size_t i = 0; i < DEMO_LINKS && i < g->nvoters; i++)
        fprintf(f, "  %s/vote.html#election=%s&code=%s\n", base, DEMO_ID, g->codes[i]);
    fprintf(f, "veche serve: every voter's code: %s/credentials.csv (name,code,weight); the "
            "trustees' keys and secret states: %s/trustee-N.key, trustee-N.state\n", g->dir,
            g->dir);
    fprintf(f, "veche serve: to finish the election, as the administrator (%s/admin.html, "
            "or with curl and a token from POST /api/v1/login):\n", url);
    fprintf(f, "  curl -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: "
            "application/json' -d '{}' %s/api/v1/elections/%s/close   (then .../tally)\n",
            url, DEMO_ID);
    fprintf(f, "  then two trustees decrypt:\n");
    for (int i = 1; i <= DEMO_THRESHOLD; i++)
        fprintf(f, "  %s trustee decrypt --server %s --state %s/trustee-%d.state "
                "--key %s/trustee-%d.key\n", self, url, g->dir, i, g->dir, i);
    fprintf(f, "  then POST .../api/v1/elections/%s/result, and anyone checks it all:\n"
            "  %s verify --server %s --election %s\n", DEMO_ID, self, url, DEMO_ID);
    fprintf(f, "veche serve: demonstration council \"%s\": %d members, %d groupings; its page "
            "and one member's area:\n", DEMO_COUNCIL, DEMO_MEMBERS, DEMO_GROUPINGS);
    fprintf(f, "  %s/council.html#council=%s\n", base, DEMO_COUNCIL);
    fprintf(f, "  %s/member.html#council=%s&code=%s\n", base, DEMO_COUNCIL, g->member_code);
    fprintf(f, "veche serve: every member's code, salt and name: %s/council-members.csv; the "
            "groupings' keys: %s/grouping-N.key\n", g->dir, g->dir);
}

/* ---- the seed -------------------------------------------------------------------------------- */

static void demo_wipe(demo *g)
{
    for (int i = 1; i <= DEMO_TRUSTEES; i++) {
        veche_key_wipe(&g->tk[i]);
        if (g->have_ts)
            veche_trustee_state_wipe(&g->ts[i]);
    }
    sodium_memzero(g->codes, sizeof g->codes);
    sodium_memzero(g->member_code, sizeof g->member_code);
}

/* DB.demo/, new (0700): the demo's secrets are never mixed with an earlier run's. */
static int demo_dir(demo *g, const char *db)
{
    if ((size_t)snprintf(g->dir, sizeof g->dir, "%s.demo", db) >= sizeof g->dir)
        return demo_fail(g, "%s: path too long", db);
    if (mkdir(g->dir, 0700) != 0)
        return demo_fail(g, "%s: %s%s", g->dir, strerror(errno),
                         errno == EEXIST ? " (left by an earlier demo: remove it, or start "
                                           "without --demo)" : "");
    return 0;
}

int srv_seed_demo(srv_state *st, const srv_options *o, FILE *out)
{
    demo *g = calloc(1, sizeof *g);
    srv_election *h;
    int rc;

    if (g == NULL)
        return fprintf(out, "veche serve: --demo: out of memory\n"), -1;
    g->st = st;
    g->out = out;
    g->nvoters = o->demo_voters ? o->demo_voters : 200;
    if ((h = srv_election_acquire(st, DEMO_ID)) != NULL) {
        srv_election_release(st, h);
        free(g);
        fprintf(out, "veche serve: --demo: the board already has the election \"%s\"; its "
                "codes are in %s.demo/credentials.csv\n", DEMO_ID, o->db_path);
        return 0;
    }
    rc = demo_dir(g, o->db_path);
    if (rc == 0) rc = demo_trustee_keys(g);
    if (rc == 0) rc = demo_create(g);
    if (rc == 0) rc = demo_trustees(g);
    if (rc == 0) rc = demo_admin_step(g, key_step, "election.key");
    if (rc == 0) rc = demo_credentials(g);
    if (rc == 0) rc = demo_admin_step(g, veche_admin_open, "election.open");
    if (rc == 0) rc = demo_council(g);
    if (rc == 0)
        demo_print(g, o);
    fflush(out);
    demo_wipe(g);
    free(g);
    return rc;
}
