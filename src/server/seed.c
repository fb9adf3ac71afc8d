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
 * The trustees' secrets living beside the server is what makes this a
 * demonstration only: a real election's trustees keep theirs on their own
 * machines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sodium.h>

#include "election/admin.h"
#include "election/ceremony.h"
#include "server/server.h"

#define DEMO_ID        "demo"
#define DEMO_TRUSTEES  3
#define DEMO_THRESHOLD 2
#define DEMO_LINKS     3
#define PATH_CAP       1200

typedef struct demo {
    srv_state          *st;
    FILE               *out;
    char                dir[PATH_CAP];
    veche_key           tk[DEMO_TRUSTEES + 1];   /* trustees' board keys, 1-based */
    veche_trustee_state ts[DEMO_TRUSTEES + 1];
    int                 have_ts;
    char                codes[DEMO_LINKS][VECHE_CODE_CHARS + 1];   /* for the printed links */
    size_t              nvoters;
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

/* ---- what to do next ----------------------------------------------------------------------- */

static void demo_print(const demo *g, const srv_options *o)
{
    const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
    size_t n = strlen(listen);
    int any_port = n >= 2 && strcmp(listen + n - 2, ":0") == 0;
    char base[300] = "", url[300] = "URL";
    FILE *f = g->out;

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
        fprintf(f, "  veche trustee decrypt --server %s --state %s/trustee-%d.state "
                "--key %s/trustee-%d.key\n", url, g->dir, i, g->dir, i);
    fprintf(f, "  then POST .../api/v1/elections/%s/result, and anyone checks it all:\n"
            "  veche verify --server %s --election %s\n", DEMO_ID, url, DEMO_ID);
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
    if (rc == 0)
        demo_print(g, o);
    fflush(out);
    demo_wipe(g);
    free(g);
    return rc;
}
