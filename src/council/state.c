/*
 * state.c — the council loader: a council's state from the record, every
 * rule of the design applied in record order (see council.h, "Whose
 * entries count", and docs/SPEC.md chapter 5).
 *
 * One pass (scan.c) decodes the council.* entries and the election
 * administrators' steps; each entry of the council is judged when it is
 * reached, against the state the entries before it made — a rule only ever
 * looks back — so the state at any index is what a reader at that index saw.
 * Elections are summarised as they pass (manifest, the administrator's first
 * key/open/close/tally/result) because council entries refer to them by id.
 *
 * A broken rule never stops the load: the entry does not count and a
 * problem is recorded, fatal when the entry is signed by the role that
 * should have known better (A, R, C), reported otherwise — so that nobody
 * can make a council unverifiable by appending junk.
 */
#include "council/internal.h"
#include "election/election.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#define NO VECHE_COUNCIL_NO_INDEX

/* ---- private state -------------------------------------------------------------------- */

typedef struct kept {
    uint64_t index;
    json_t  *json;          /* owned: everything borrowed from this council's entries */
} kept;

/* An election seen on the record: what council entries ask of it. */
typedef struct esum {
    char      id[VECHE_ELECTION_ID_MAX + 1];
    uint64_t  manifest_index;
    uint8_t   admin[32];
    json_t   *manifest;     /* the entry (owned); NULL if the manifest did not parse */
    uint64_t  key, open, close, tally, result;
    json_t   *result_json;  /* the administrator's first election.result entry (owned) */
} esum;

/* Another council's create, and council.election links anywhere (an election joins one council). */
typedef struct ocreate {
    char     id[VECHE_COUNCIL_ID_MAX + 1];
    uint8_t  admin[32];
    uint64_t index;
} ocreate;

typedef struct olink {
    char     election[VECHE_ELECTION_ID_MAX + 1];
    char     council[VECHE_COUNCIL_ID_MAX + 1];
    uint64_t index;
} olink;

typedef struct keyset {
    uint8_t (*v)[32];
    size_t    n, cap;
} keyset;

typedef struct priv {
    kept    *kept;
    size_t   nkept, capkept;
    esum    *el;
    size_t   nel, capel;
    ocreate *creates;
    size_t   ncreates, capcreates;
    olink   *links;             /* counted links of every council, in record order */
    size_t   nlinks, caplinks;
    keyset   standing;          /* == c->standing */
    keyset   seen;              /* every key ever added */
    keyset  *signers;           /* per petition: the X that signed (counted) */
    keyset  *pet_standing;      /* per petition: the standing list at it */
    size_t   cap_members, cap_roll, cap_groupings, cap_pubs, cap_petitions, cap_elections,
             cap_mandates, cap_delegations, cap_appeals, cap_problems;
} priv;

typedef struct loader {
    veche_council *c;
    priv          *p;
    int            found;        /* the council.create has been taken */
    int            oom;
    const char    *bodies_dir;
    veche_diag    *d;
} loader;

/* ---- small helpers ------------------------------------------------------------------------ */

static const char *sget(const json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

static uint64_t iget(const json_t *body, const char *name)
{
    const json_t *v = json_object_get(body, name);
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : NO;
}

/* Grows *v (of elements of size sz) to hold n + 1. */
static int grow(void *vp, size_t *cap, size_t n, size_t sz)
{
    void **v = vp;
    if (n < *cap)
        return 1;
    size_t nc = *cap ? 2 * *cap : 8;
    void *nv = realloc(*v, nc * sz);
    if (nv == NULL)
        return 0;
    *v = nv;
    *cap = nc;
    return 1;
}

#define PUSH(L, arr, cnt, capf) \
    (grow(&(arr), &(L)->p->capf, (cnt), sizeof *(arr)) ? &(arr)[(cnt)++] : ((L)->oom = 1, NULL))

static void problem(loader *L, uint64_t index, int check, int fatal, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void problem(loader *L, uint64_t index, int check, int fatal, const char *fmt, ...)
{
    veche_council *c = L->c;
    veche_council_problem *pr = PUSH(L, c->problems, c->nproblems, cap_problems);
    va_list ap;
    if (pr == NULL)
        return;
    memset(pr, 0, sizeof *pr);
    pr->index = index;
    pr->check = check;
    pr->fatal = fatal;
    va_start(ap, fmt);
    vsnprintf(pr->msg, sizeof pr->msg, fmt, ap);
    va_end(ap);
    if (fatal)
        c->nfatal++;
}

/* ---- key sets (sorted, distinct) ----------------------------------------------------------- */

static size_t ks_pos(const keyset *s, const uint8_t k[32], int *found)
{
    size_t lo = 0, hi = s->n;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(s->v[mid], k, 32);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int ks_has(const keyset *s, const uint8_t k[32])
{
    int f;
    ks_pos(s, k, &f);
    return f;
}

/* Adds k: 1 if added, 0 if present, -1 out of memory. */
static int ks_add(keyset *s, const uint8_t k[32])
{
    int f;
    size_t i = ks_pos(s, k, &f);
    if (f)
        return 0;
    if (!grow(&s->v, &s->cap, s->n, 32))
        return -1;
    memmove(s->v[i + 1], s->v[i], (s->n - i) * 32);
    memcpy(s->v[i], k, 32);
    s->n++;
    return 1;
}

static void ks_del(keyset *s, const uint8_t k[32])
{
    int f;
    size_t i = ks_pos(s, k, &f);
    if (!f)
        return;
    memmove(s->v[i], s->v[i + 1], (s->n - i - 1) * 32);
    s->n--;
}

static int ks_copy(keyset *dst, const keyset *src)
{
    memset(dst, 0, sizeof *dst);
    if (src->n == 0)
        return 1;
    if ((dst->v = malloc(src->n * 32)) == NULL)
        return 0;
    memcpy(dst->v, src->v, src->n * 32);
    dst->n = dst->cap = src->n;
    return 1;
}

/* ---- elections on the record ---------------------------------------------------------------- */

static esum *esum_find(priv *p, const char *id)
{
    for (size_t i = 0; id != NULL && i < p->nel; i++)
        if (strcmp(p->el[i].id, id) == 0)
            return &p->el[i];
    return NULL;
}

static int is_election_step(const char *t)
{
    return strcmp(t, "election.manifest") == 0 || strcmp(t, "election.key") == 0 ||
           strcmp(t, "election.open") == 0 || strcmp(t, "election.close") == 0 ||
           strcmp(t, "election.tally") == 0 || strcmp(t, "election.result") == 0;
}

static void take_manifest(loader *L, uint64_t index, veche_entry *e, const char *id)
{
    priv *p = L->p;
    esum *s;
    if (esum_find(p, id) != NULL)
        return;   /* a second manifest never counts (election.h) */
    if (!grow(&p->el, &p->capel, p->nel, sizeof *p->el)) {
        L->oom = 1;
        return;
    }
    s = &p->el[p->nel++];
    memset(s, 0, sizeof *s);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->manifest_index = index;
    memcpy(s->admin, e->author, 32);
    s->manifest = json_incref(e->json);
    s->key = s->open = s->close = s->tally = s->result = NO;
}

static veche_stage stage_of(const esum *s);
static void link_counts(loader *L, veche_council_election *ce, const esum *s);

/* A step of an election linked to this council moves its stage (and brings its result). */
static void refresh_linked(loader *L, const esum *s)
{
    veche_council *c = L->c;
    for (size_t i = 0; i < c->nelections; i++)
        if (strcmp(c->elections[i].election, s->id) == 0) {
            c->elections[i].stage = stage_of(s);
            link_counts(L, &c->elections[i], s);
        }
}

/* The election administrator's first step of each kind. */
static void take_election(loader *L, uint64_t index, veche_entry *e)
{
    const char *id = sget(e->body, "election");
    esum *s;
    uint64_t *slot = NULL;

    if (id == NULL)
        return;
    if (strcmp(e->type, "election.manifest") == 0) {
        take_manifest(L, index, e, id);
        return;
    }
    if ((s = esum_find(L->p, id)) == NULL || !e->is_signed || memcmp(e->author, s->admin, 32) != 0)
        return;
    if (strcmp(e->type, "election.key") == 0) slot = &s->key;
    else if (strcmp(e->type, "election.open") == 0) slot = &s->open;
    else if (strcmp(e->type, "election.close") == 0) slot = &s->close;
    else if (strcmp(e->type, "election.tally") == 0) slot = &s->tally;
    else if (strcmp(e->type, "election.result") == 0) slot = &s->result;
    if (slot == NULL || *slot != NO)
        return;
    *slot = index;
    if (slot == &s->result)
        s->result_json = json_incref(e->json);
    refresh_linked(L, s);
}

/* The manifest of s parsed (malloc'd), or NULL. */
static veche_manifest *manifest_of(const esum *s)
{
    veche_manifest *m = malloc(sizeof *m);
    if (m == NULL || s->manifest == NULL ||
        veche_manifest_parse(m, json_object_get(s->manifest, "body"), NULL) != VECHE_OK) {
        free(m);
        return NULL;
    }
    return m;
}

static void manifest_drop(veche_manifest *m)
{
    if (m != NULL) {
        veche_manifest_free(m);
        free(m);
    }
}

/* ---- other councils (for scope: one election, one council) ----------------------------------- */

static const ocreate *ocreate_find(const priv *p, const char *id)
{
    for (size_t i = 0; id != NULL && i < p->ncreates; i++)
        if (strcmp(p->creates[i].id, id) == 0)
            return &p->creates[i];
    return NULL;
}

static void take_other_create(loader *L, uint64_t index, const veche_entry *e)
{
    priv *p = L->p;
    const char *id = sget(e->body, "council");
    ocreate *o;
    if (ocreate_find(p, id) != NULL)
        return;
    if (!grow(&p->creates, &p->capcreates, p->ncreates, sizeof *p->creates)) {
        L->oom = 1;
        return;
    }
    o = &p->creates[p->ncreates++];
    snprintf(o->id, sizeof o->id, "%s", id);
    memcpy(o->admin, e->author, 32);
    o->index = index;
}

static const olink *link_find(const priv *p, const char *election)
{
    for (size_t i = 0; i < p->nlinks; i++)
        if (strcmp(p->links[i].election, election) == 0)
            return &p->links[i];
    return NULL;
}

static void add_link(loader *L, const char *election, const char *council, uint64_t index)
{
    priv *p = L->p;
    olink *o;
    if (!grow(&p->links, &p->caplinks, p->nlinks, sizeof *p->links)) {
        L->oom = 1;
        return;
    }
    o = &p->links[p->nlinks++];
    snprintf(o->election, sizeof o->election, "%s", election);
    snprintf(o->council, sizeof o->council, "%s", council);
    o->index = index;
}

/* Another council's link counts for scope if its council's administrator signed it. */
static void take_other_link(loader *L, uint64_t index, const veche_entry *e)
{
    const ocreate *o = ocreate_find(L->p, sget(e->body, "council"));
    const char *el = sget(e->body, "election");
    if (o == NULL || !e->is_signed || memcmp(o->admin, e->author, 32) != 0 ||
        link_find(L->p, el) != NULL)
        return;
    add_link(L, el, o->id, index);
}

/* ---- this council's entries: create ----------------------------------------------------------- */

static json_t *keep(loader *L, uint64_t index, veche_entry *e)
{
    priv *p = L->p;
    if (!grow(&p->kept, &p->capkept, p->nkept, sizeof *p->kept)) {
        L->oom = 1;
        return NULL;
    }
    p->kept[p->nkept].index = index;
    p->kept[p->nkept].json = json_incref(e->json);
    p->nkept++;
    return e->body;
}

static void take_create(loader *L, uint64_t index, const uint8_t *bytes, size_t len,
                        veche_entry *e)
{
    veche_council *c = L->c;
    veche_diag why;

    if (L->found) {
        problem(L, index, 1, 0, "a second council.create for \"%s\" (the first is at entry "
                "%llu): ignored", c->id, (unsigned long long)c->create_index);
        return;
    }
    if (keep(L, index, e) == NULL)
        return;
    if (veche_council_params_parse(&c->params, e->body, &why) != VECHE_OK) {
        /* the board checked the shape; a body that fails here is a fault of this reader */
        problem(L, index, 1, 1, "council.create: %s", why.msg);
        return;
    }
    L->found = 1;
    c->create_index = index;
    memcpy(c->admin, e->author, 32);
    veche_council_hash(c->council_hash, bytes, len);
    veche_council_fp(c->council_fp, c->council_hash);
}

static int by(const veche_entry *e, const uint8_t key[32])
{
    return e->is_signed && memcmp(e->author, key, 32) == 0;
}

/* ---- roll -------------------------------------------------------------------------------------- */

static veche_council_member *member_find(veche_council *c, const char *id)
{
    for (size_t i = 0; id != NULL && i < c->nmembers; i++)
        if (strcmp(c->members[i].id, id) == 0)
            return &c->members[i];
    return NULL;
}

/* yes > no in a linked exclusion election of member, published before index. */
static int exclusion_carried(const veche_council *c, const char *election, const char *member,
                             uint64_t index, char *why, size_t cap)
{
    const veche_council_election *ce = veche_council_election_find(c, election);
    if (ce == NULL || ce->purpose != VECHE_PURPOSE_EXCLUSION || strcmp(ce->member, member) != 0) {
        snprintf(why, cap, "\"%s\" is not a linked exclusion election for this member", election);
        return 0;
    }
    if (ce->counts == NULL || ce->result_index >= index) {
        snprintf(why, cap, "the exclusion election \"%s\" has no result published before it",
                 election);
        return 0;
    }
    if (ce->counts[0] <= ce->counts[1]) {
        snprintf(why, cap, "the exclusion vote \"%s\" did not carry (yes %llu, no %llu)",
                 election, (unsigned long long)ce->counts[0], (unsigned long long)ce->counts[1]);
        return 0;
    }
    return 1;
}

/* Why a roll entry by the keeper breaks the rules, or NULL if it counts. */
static const char *roll_refusal(loader *L, uint64_t index, const json_t *b, char *why,
                                size_t cap)
{
    veche_council *c = L->c;
    const char *action = sget(b, "action"), *id = sget(b, "member"), *el = sget(b, "election");
    veche_council_member *m = member_find(c, id);

    if (strcmp(action, "join") == 0) {
        if (m != NULL)
            snprintf(why, cap, "join: the member id \"%s\" was already used (entry %llu)", id,
                     (unsigned long long)m->join_index);
        return m != NULL ? why : NULL;
    }
    if (m == NULL || m->status != VECHE_MEMBER_ACTIVE) {
        snprintf(why, cap, "%s: \"%s\" is not an active member", action, id);
        return why;
    }
    if (strcmp(action, "exclude") != 0)
        return NULL;
    if (!c->params.exclusion_vote && el != NULL) {
        snprintf(why, cap, "exclude: names an election, but this council excludes without a vote");
        return why;
    }
    if (c->params.exclusion_vote && el == NULL) {
        snprintf(why, cap, "exclude: this council requires a members' vote (\"election\")");
        return why;
    }
    if (el != NULL && !exclusion_carried(c, el, id, index, why, cap))
        return why;
    return NULL;
}

static void take_roll(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_roll_item *it;
    veche_council_member *m;
    const json_t *b = e->body;
    char why[VECHE_COUNCIL_PROBLEM_MSG];

    if (!by(e, c->params.roll_keeper)) {
        problem(L, index, 2, 0, "council.roll not signed by the roll keeper: ignored");
        return;
    }
    if (roll_refusal(L, index, b, why, sizeof why) != NULL) {
        problem(L, index, 2, 1, "%s", why);
        return;
    }
    if ((b = keep(L, index, e)) == NULL || (it = PUSH(L, c->roll, c->nroll, cap_roll)) == NULL)
        return;
    memset(it, 0, sizeof *it);
    it->index = index;
    it->action = (veche_roll_action)(strcmp(sget(b, "action"), "join") == 0 ? VECHE_ROLL_JOIN
                                     : strcmp(sget(b, "action"), "leave") == 0 ? VECHE_ROLL_LEAVE
                                     : VECHE_ROLL_EXCLUDE);
    it->member = sget(b, "member");
    it->reason = sget(b, "reason");
    it->election = sget(b, "election");
    it->credentials = NO;
    if (it->action == VECHE_ROLL_JOIN) {
        if ((m = PUSH(L, c->members, c->nmembers, cap_members)) == NULL)
            return;
        memset(m, 0, sizeof *m);
        m->id = it->member;
        veche_b64_get(m->commitment, 32, json_object_get(b, "commitment"), "", NULL);
        m->status = VECHE_MEMBER_ACTIVE;
        m->join_index = index;
        m->leave_index = NO;
        c->active++;
    } else {
        m = member_find(c, it->member);
        m->status = it->action == VECHE_ROLL_LEAVE ? VECHE_MEMBER_LEFT : VECHE_MEMBER_EXCLUDED;
        m->leave_index = index;
        c->active--;
    }
    it->members_after = c->active;
}

/* ---- standing credentials ------------------------------------------------------------------------ */

/* Why a credentials entry by C breaks the accounting, or NULL. */
static const char *credentials_refusal(loader *L, const json_t *b, char *why, size_t cap)
{
    veche_council *c = L->c;
    const json_t *roll = json_object_get(b, "roll"), *add = json_object_get(b, "add"),
                 *rem = json_object_get(b, "remove");
    size_t k = json_array_size(roll), joins = 0;
    uint8_t X[32];
    veche_point P;

    if (c->pending_from + k > c->nroll) {
        snprintf(why, cap, "accounts for %zu roll entries, only %zu are pending", k,
                 c->nroll - c->pending_from);
        return why;
    }
    for (size_t i = 0; i < k; i++) {
        const veche_council_roll_item *it = &c->roll[c->pending_from + i];
        if ((uint64_t)json_integer_value(json_array_get(roll, i)) != it->index) {
            snprintf(why, cap, "roll[%zu]: the next pending roll entry is %llu, not %llu", i,
                     (unsigned long long)it->index,
                     (unsigned long long)json_integer_value(json_array_get(roll, i)));
            return why;
        }
        joins += it->action == VECHE_ROLL_JOIN;
    }
    if (json_array_size(add) != joins || json_array_size(rem) != k - joins) {
        snprintf(why, cap, "%zu keys added and %zu removed for %zu joins and %zu departures: a "
                 "credential added or removed without its roll entry", json_array_size(add),
                 json_array_size(rem), joins, k - joins);
        return why;
    }
    for (size_t i = 0; i < json_array_size(add); i++) {
        veche_b64_get(X, 32, json_array_get(add, i), "", NULL);
        if (veche_point_decode(&P, X, VECHE_NO_IDENTITY) != VECHE_OK || ks_has(&L->p->seen, X)) {
            snprintf(why, cap, "add[%zu]: %s", i, ks_has(&L->p->seen, X)
                     ? "a key this council has already issued" : "not a valid public key");
            return why;
        }
    }
    for (size_t i = 0; i < json_array_size(rem); i++) {
        veche_b64_get(X, 32, json_array_get(rem, i), "", NULL);
        if (!ks_has(&L->p->standing, X)) {
            snprintf(why, cap, "remove[%zu]: not in the standing list", i);
            return why;
        }
    }
    return NULL;
}

static void take_credentials(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    const json_t *b = e->body, *add, *rem;
    char why[VECHE_COUNCIL_PROBLEM_MSG];
    uint8_t X[32];
    size_t k;

    if (!by(e, c->params.credential_authority)) {
        problem(L, index, 3, 0, "council.credentials not signed by the credential authority: "
                "ignored");
        return;
    }
    if (credentials_refusal(L, b, why, sizeof why) != NULL) {
        problem(L, index, 3, 1, "%s", why);
        return;
    }
    add = json_object_get(b, "add");
    rem = json_object_get(b, "remove");
    for (size_t i = 0; i < json_array_size(add); i++) {
        veche_b64_get(X, 32, json_array_get(add, i), "", NULL);
        if (ks_add(&L->p->standing, X) < 0 || ks_add(&L->p->seen, X) < 0)
            L->oom = 1;
    }
    for (size_t i = 0; i < json_array_size(rem); i++) {
        veche_b64_get(X, 32, json_array_get(rem, i), "", NULL);
        ks_del(&L->p->standing, X);
    }
    k = json_array_size(json_object_get(b, "roll"));
    for (size_t i = 0; i < k; i++)
        c->roll[c->pending_from + i].credentials = index;
    c->pending_from += k;
    c->credentials_last = index;
    c->standing = L->p->standing.v;
    c->nstanding = L->p->standing.n;
}

/* ---- council elections ------------------------------------------------------------------------------ */

static int same_trustees(const veche_council_params *p, const veche_manifest *m)
{
    if (m->ntrustees != p->ntrustees || m->threshold != p->threshold)
        return 0;
    for (size_t i = 0; i < m->ntrustees; i++)
        if (memcmp(m->trustee_key[i], p->trustee_key[i], 32) != 0 ||
            strcmp(m->trustee_name[i], p->trustee_name[i]) != 0)
            return 0;
    return 1;
}

/* The contests a purpose asks for; NULL if m has them. */
static const char *contest_refusal(const veche_council *c, veche_purpose pu,
                                   const veche_manifest *m)
{
    const veche_contest *k = &m->contests[0];
    if (pu == VECHE_PURPOSE_QUESTION)
        return NULL;
    if (m->ncontests != 1)
        return "a council election of this purpose has exactly one contest";
    if (pu == VECHE_PURPOSE_RECALL || pu == VECHE_PURPOSE_EXCLUSION) {
        if (k->noptions != 2 || strcmp(k->options[0], "yes") != 0 ||
            strcmp(k->options[1], "no") != 0 || k->min != 1 || k->max != 1)
            return "a recall or exclusion vote has the options [\"yes\",\"no\"], min 1, max 1";
        return NULL;
    }
    if (k->min != 0 || k->max != (pu == VECHE_PURPOSE_SEATS ? c->params.seats : 1))
        return pu == VECHE_PURPOSE_SEATS ? "a seats election has min 0 and max = the seats"
                                         : "a by-election has min 0 and max 1";
    return NULL;
}

static int mandate_ended_before(const veche_council_mandate *m, uint64_t index)
{
    return m->end_index != NO && m->end_index < index;
}

/* The purpose's own rules (mandate, petition, member); NULL if they hold. */
static const char *purpose_refusal(loader *L, uint64_t index, const json_t *b, veche_purpose pu,
                                   int *check, char *why, size_t cap)
{
    veche_council *c = L->c;
    const veche_council_mandate *md = veche_council_mandate_at(c, iget(b, "mandate"));
    const veche_council_member *mem;

    if (pu == VECHE_PURPOSE_BY_ELECTION) {
        if (md == NULL || !mandate_ended_before(md, index))
            return "a by-election names a mandate that ended (recalled or resigned) before it";
        for (size_t i = 0; i < c->nelections; i++)
            if (c->elections[i].purpose == pu && c->elections[i].mandate == md->index)
                return "this vacated mandate already has a by-election";
    } else if (pu == VECHE_PURPOSE_RECALL) {
        const veche_council_petition *pt = veche_council_petition_at(c, iget(b, "petition"));
        *check = 7;
        if (md == NULL || mandate_ended_before(md, index))
            return "a recall names a mandate that is not in force";
        if (pt == NULL || pt->mandate != md->index)
            return "a recall names no petition against this mandate";
        if (pt->succeeded_at == NO || pt->succeeded_at >= index) {
            snprintf(why, cap, "the petition at entry %llu has %zu of the %zu signatures it needs",
                     (unsigned long long)pt->index, pt->nvalid, pt->threshold_count);
            return why;
        }
        if (pt->recall_election_link != NO)
            return "this petition already has its recall election";
    } else if (pu == VECHE_PURPOSE_EXCLUSION) {
        mem = veche_council_member_find(c, sget(b, "member"));
        if (mem == NULL || mem->status != VECHE_MEMBER_ACTIVE)
            return "an exclusion vote names a member who is not active";
    }
    return NULL;
}

/* Every rule of a link by A; NULL if it counts. */
static const char *link_refusal(loader *L, uint64_t index, const json_t *b, veche_manifest **mp,
                                int *check, char *why, size_t cap)
{
    veche_council *c = L->c;
    const char *id = sget(b, "election");
    veche_purpose pu = veche_purpose_parse(sget(b, "purpose"));
    const esum *s = esum_find(L->p, id);
    const olink *ol = link_find(L->p, id);
    const char *r;

    *check = 4;
    if (s == NULL || s->manifest_index > index)
        return "no election.manifest with this id before the link";
    if (memcmp(s->admin, c->admin, 32) != 0)
        return "the election's manifest is not by the council's administrator";
    if (ol != NULL) {
        snprintf(why, cap, "the election is already linked (council \"%s\", entry %llu)",
                 ol->council, (unsigned long long)ol->index);
        return why;
    }
    if ((*mp = manifest_of(s)) == NULL)
        return L->oom = 1, "out of memory";
    if (!same_trustees(&c->params, *mp))
        return "the manifest does not list exactly the council's trustees and threshold";
    if ((r = contest_refusal(c, pu, *mp)) != NULL)
        return r;
    if (c->pending_from < c->nroll) {
        snprintf(why, cap, "roll entries are pending (the first at entry %llu): the standing "
                 "list is not settled", (unsigned long long)c->roll[c->pending_from].index);
        return why;
    }
    return purpose_refusal(L, index, b, pu, check, why, cap);
}

/* Contest 0's published counts, if the result has one per selection of the manifest. */
static void link_counts(loader *L, veche_council_election *ce, const esum *s)
{
    const json_t *counts;
    size_t nsel;

    ce->result_index = s->result;
    if (s->result_json == NULL || ce->counts != NULL)
        return;
    counts = json_array_get(json_object_get(json_object_get(s->result_json, "body"), "counts"), 0);
    nsel = ce->noptions + (ce->blank ? 1 : 0);
    if (json_array_size(counts) != nsel)
        return;   /* not this manifest's shape: the election verifier fails it (check 4) */
    if ((ce->counts = malloc(ce->noptions * sizeof *ce->counts)) == NULL) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < ce->noptions; i++)
        ce->counts[i] = (uint64_t)json_integer_value(json_array_get(counts, i));
}

/* Contest 0's options (borrowed from the manifest entry, which esum keeps). */
static void link_options(loader *L, veche_council_election *ce, const veche_manifest *m)
{
    const veche_contest *k = &m->contests[0];
    ce->noptions = k->noptions;
    ce->blank = k->blank;
    if ((ce->options = malloc(k->noptions * sizeof *ce->options)) == NULL) {
        L->oom = 1;
        return;
    }
    for (size_t i = 0; i < k->noptions; i++)
        ce->options[i] = k->options[i];
}

static veche_stage stage_of(const esum *s)
{
    return s->result != NO ? VECHE_STAGE_RESULT : s->tally != NO ? VECHE_STAGE_TALLIED
           : s->close != NO ? VECHE_STAGE_CLOSED : s->open != NO ? VECHE_STAGE_OPEN
           : s->key != NO ? VECHE_STAGE_KEYED : VECHE_STAGE_CREATED;
}

static void take_link(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_election *ce;
    veche_manifest *m = NULL;
    const json_t *b = e->body;
    char why[VECHE_COUNCIL_PROBLEM_MSG];
    const char *r;
    keyset snap;
    int check;

    if (!by(e, c->admin)) {
        problem(L, index, 4, 0, "council.election not signed by the council's administrator: "
                "ignored");
        return;
    }
    if ((r = link_refusal(L, index, b, &m, &check, why, sizeof why)) != NULL) {
        problem(L, index, check, 1, "link of \"%s\": %s", sget(b, "election"), r);
        manifest_drop(m);
        return;
    }
    if ((b = keep(L, index, e)) == NULL ||
        (ce = PUSH(L, c->elections, c->nelections, cap_elections)) == NULL) {
        manifest_drop(m);
        return;
    }
    memset(ce, 0, sizeof *ce);
    ce->election = sget(b, "election");
    ce->purpose = veche_purpose_parse(sget(b, "purpose"));
    ce->link_index = index;
    ce->mandate = iget(b, "mandate");
    ce->petition = iget(b, "petition");
    ce->member = sget(b, "member");
    if (!ks_copy(&snap, &L->p->standing))
        L->oom = 1;
    ce->standing = snap.v;
    ce->nstanding = snap.n;
    link_options(L, ce, m);
    link_counts(L, ce, esum_find(L->p, ce->election));
    ce->stage = stage_of(esum_find(L->p, ce->election));
    manifest_drop(m);
    add_link(L, ce->election, c->id, index);
    if (ce->purpose == VECHE_PURPOSE_RECALL)
        for (size_t i = 0; i < c->npetitions; i++)
            if (c->petitions[i].index == ce->petition)
                c->petitions[i].recall_election_link = index;
}

/* ---- mandates -------------------------------------------------------------------------------- */

static size_t option_of(const veche_council_election *ce, const char *name)
{
    size_t i = 0;
    while (i < ce->noptions && strcmp(ce->options[i], name) != 0)
        i++;
    return i;
}

/* Whether option o is named by a counted mandate of election ce (or is `also`). */
static int named(const veche_council *c, const veche_council_election *ce, size_t o,
                 size_t also)
{
    if (o == also)
        return 1;
    for (size_t i = 0; i < c->nmandates; i++)
        if (strcmp(c->mandates[i].election, ce->election) == 0 &&
            strcmp(c->mandates[i].delegate, ce->options[o]) == 0)
            return 1;
    return 0;
}

/* Winner rule: at most k named, distinct, each with a count >= every unnamed option's. */
static const char *winner_refusal(const veche_council *c, const veche_council_election *ce,
                                  const char *delegate, char *why, size_t cap)
{
    size_t o = option_of(ce, delegate), k = 0;
    uint32_t seats = ce->purpose == VECHE_PURPOSE_SEATS ? c->params.seats : 1;

    if (o == ce->noptions)
        return "the delegate is not a candidate of the election";
    if (named(c, ce, o, SIZE_MAX))
        return "the delegate already has a mandate from this election";
    for (size_t i = 0; i < ce->noptions; i++)
        k += named(c, ce, i, SIZE_MAX);
    if (k >= seats) {
        snprintf(why, cap, "the election's %u seat%s already filled", seats,
                 seats == 1 ? " is" : "s are");
        return why;
    }
    for (size_t i = 0; i < ce->noptions; i++)
        if (!named(c, ce, i, o) && ce->counts[i] > ce->counts[o]) {
            snprintf(why, cap, "the delegate did not win: %llu votes, \"%.60s\" has %llu and "
                     "no mandate", (unsigned long long)ce->counts[o], ce->options[i],
                     (unsigned long long)ce->counts[i]);
            return why;
        }
    return NULL;
}

static const char *mandate_refusal(loader *L, uint64_t index, const json_t *b, char *why,
                                   size_t cap)
{
    veche_council *c = L->c;
    const veche_council_election *ce = veche_council_election_find(c, sget(b, "election"));
    int64_t start = (int64_t)iget(b, "start"), end = (int64_t)iget(b, "end");
    const veche_council_mandate *vac;
    const char *r;

    if (ce == NULL || (ce->purpose != VECHE_PURPOSE_SEATS &&
                       ce->purpose != VECHE_PURPOSE_BY_ELECTION))
        return "the election is not a linked seats election or by-election";
    if (ce->counts == NULL || ce->result_index >= index)
        return "the election has no result published before the mandate";
    if ((r = winner_refusal(c, ce, sget(b, "delegate"), why, cap)) != NULL)
        return r;
    if (ce->purpose == VECHE_PURPOSE_SEATS && end - start != c->params.term) {
        snprintf(why, cap, "end - start = %lld, the council's term is %lld",
                 (long long)(end - start), (long long)c->params.term);
        return why;
    }
    vac = veche_council_mandate_at(c, ce->mandate);
    if (ce->purpose == VECHE_PURPOSE_BY_ELECTION && vac != NULL && end != vac->end)
        return "a by-election's mandate ends when the vacated mandate would have";
    return NULL;
}

static void take_mandate(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_mandate *m;
    const veche_council_election *ce;
    const json_t *b = e->body;
    char why[VECHE_COUNCIL_PROBLEM_MSG];
    const char *r;

    if (!by(e, c->admin)) {
        problem(L, index, 5, 0, "council.mandate not signed by the council's administrator: "
                "ignored");
        return;
    }
    if ((r = mandate_refusal(L, index, b, why, sizeof why)) != NULL) {
        problem(L, index, 5, 1, "mandate for \"%.60s\": %s", sget(b, "delegate"), r);
        return;
    }
    if ((b = keep(L, index, e)) == NULL || (m = PUSH(L, c->mandates, c->nmandates, cap_mandates)) == NULL)
        return;
    memset(m, 0, sizeof *m);
    m->index = index;
    m->election = sget(b, "election");
    m->delegate = sget(b, "delegate");
    m->start = (int64_t)iget(b, "start");
    m->end = (int64_t)iget(b, "end");
    m->end_index = NO;
    ce = veche_council_election_find(c, m->election);
    m->vacated = ce->purpose == VECHE_PURPOSE_BY_ELECTION ? ce->mandate : NO;
}

/* A recall carried: yes·1000 >= majority·(yes + no), yes + no > 0. */
static int recall_carried(const veche_council *c, const veche_council_election *ce)
{
    uint64_t yes = ce->counts[0], no = ce->counts[1];
    return yes + no > 0 && yes * 1000 >= (uint64_t)c->params.recall_majority * (yes + no);
}

static const char *mandate_end_refusal(loader *L, uint64_t index, const json_t *b)
{
    veche_council *c = L->c;
    const veche_council_mandate *m = veche_council_mandate_at(c, iget(b, "mandate"));
    const veche_council_election *ce;

    if (m == NULL)
        return "names no mandate of the council";
    if (m->end_index != NO)
        return "the mandate has already ended";
    if (strcmp(sget(b, "reason"), "recalled") != 0)
        return NULL;
    ce = veche_council_election_find(c, sget(b, "election"));
    if (ce == NULL || ce->purpose != VECHE_PURPOSE_RECALL || ce->mandate != m->index)
        return "\"recalled\" needs a linked recall election for this mandate";
    if (ce->counts == NULL || ce->result_index >= index)
        return "the recall election has no result published before it";
    if (!recall_carried(c, ce))
        return "the recall vote did not reach the council's majority: the mandate stays";
    return NULL;
}

static void take_mandate_end(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_mandate *m;
    const json_t *b = e->body;
    const char *r;

    if (!by(e, c->admin)) {
        problem(L, index, 7, 0, "council.mandate_end not signed by the council's "
                "administrator: ignored");
        return;
    }
    if ((r = mandate_end_refusal(L, index, b)) != NULL) {
        problem(L, index, 7, 1, "mandate end of entry %llu: %s",
                (unsigned long long)iget(b, "mandate"), r);
        return;
    }
    if ((b = keep(L, index, e)) == NULL)
        return;
    m = (veche_council_mandate *)veche_council_mandate_at(c, iget(b, "mandate"));
    m->end_index = index;
    m->end_reason = sget(b, "reason");
    m->end_statement = sget(b, "statement");
    m->end_election = sget(b, "election");
}

/* ---- petitions and signatures --------------------------------------------------------------------- */

static size_t ceil_permille(uint32_t permille, size_t n)
{
    return (size_t)(((uint64_t)permille * n + 999) / 1000);
}

/* c->petitions and the two per-petition key sets grow together. */
static int grow_petitions(loader *L)
{
    veche_council *c = L->c;
    priv *p = L->p;
    size_t cap = p->cap_petitions ? 2 * p->cap_petitions : 8;
    void *a, *b, *s;

    if (c->npetitions < p->cap_petitions)
        return 1;
    if ((a = realloc(c->petitions, cap * sizeof *c->petitions)) != NULL)
        c->petitions = a;
    if ((b = realloc(p->signers, cap * sizeof *p->signers)) != NULL)
        p->signers = b;
    if ((s = realloc(p->pet_standing, cap * sizeof *p->pet_standing)) != NULL)
        p->pet_standing = s;
    if (a == NULL || b == NULL || s == NULL) {
        L->oom = 1;
        return 0;
    }
    p->cap_petitions = cap;
    return 1;
}

static void take_petition(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    const json_t *b = e->body;
    const veche_council_mandate *m = veche_council_mandate_at(c, iget(b, "mandate"));
    veche_council_petition *pt;
    veche_diag why;
    uint8_t X[32];

    if (m == NULL || m->end_index != NO) {
        problem(L, index, 6, 0, "petition against entry %llu: not a mandate in force: skipped",
                (unsigned long long)iget(b, "mandate"));
        return;
    }
    if (council_sig_verify(X, b, c->council_fp, &why) != VECHE_OK) {
        problem(L, index, 6, 0, "petition: %s: skipped", why.msg);
        return;
    }
    if (!ks_has(&L->p->standing, X)) {
        problem(L, index, 6, 0, "petition: its credential is not in the standing list: skipped");
        return;
    }
    if ((b = keep(L, index, e)) == NULL || !grow_petitions(L))
        return;
    pt = &c->petitions[c->npetitions];
    memset(pt, 0, sizeof *pt);
    memset(&L->p->signers[c->npetitions], 0, sizeof(keyset));
    if (!ks_copy(&L->p->pet_standing[c->npetitions], &L->p->standing) ||
        ks_add(&L->p->signers[c->npetitions], X) < 0) {
        free(L->p->pet_standing[c->npetitions].v);
        free(L->p->signers[c->npetitions].v);
        L->oom = 1;
        return;
    }
    c->npetitions++;
    pt->index = index;
    pt->mandate = m->index;
    pt->text = sget(b, "text");
    memcpy(pt->opener, X, 32);
    pt->members_at_open = L->p->standing.n;
    pt->threshold_count = ceil_permille(c->params.recall_threshold, pt->members_at_open);
    pt->nvalid = 1;
    pt->recall_election_link = NO;
    pt->succeeded_at = pt->nvalid >= pt->threshold_count ? index : NO;
}

static void take_signature(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    const json_t *b = e->body;
    veche_council_petition *pt = NULL;
    veche_diag why;
    uint8_t X[32];
    size_t i = 0;

    while (i < c->npetitions && c->petitions[i].index != iget(b, "petition"))
        i++;
    if (i == c->npetitions) {
        problem(L, index, 6, 0, "signature of entry %llu: no petition of this council there: "
                "skipped", (unsigned long long)iget(b, "petition"));
        return;
    }
    pt = &c->petitions[i];
    if (council_sig_verify(X, b, c->council_fp, &why) != VECHE_OK) {
        pt->ninvalid++;
        problem(L, index, 6, 0, "signature: %s: not counted", why.msg);
        return;
    }
    if (!ks_has(&L->p->pet_standing[i], X)) {
        pt->ninvalid++;
        problem(L, index, 6, 0, "signature: its credential was not in the standing list when "
                "the petition opened: not counted");
        return;
    }
    switch (ks_add(&L->p->signers[i], X)) {
    case -1:
        L->oom = 1;
        return;
    case 0:
        pt->nduplicate++;
        problem(L, index, 6, 0, "signature: this credential has already signed the petition "
                "at entry %llu: a duplicate, not counted", (unsigned long long)pt->index);
        return;
    }
    pt->nvalid++;
    if (pt->succeeded_at == NO && pt->nvalid >= pt->threshold_count)
        pt->succeeded_at = index;
}

/* ---- groupings and publications ------------------------------------------------------------------- */

static veche_council_grouping *grouping_find(veche_council *c, const char *id)
{
    for (size_t i = 0; id != NULL && i < c->ngroupings; i++)
        if (strcmp(c->groupings[i].id, id) == 0)
            return &c->groupings[i];
    return NULL;
}

static void grouping_set(loader *L, veche_council_grouping *g, const json_t *b, uint64_t index)
{
    size_t n;
    const char **m = council_strings(json_object_get(b, "members"), &n);
    if (m == NULL && json_array_size(json_object_get(b, "members")) > 0) {
        L->oom = 1;
        return;
    }
    free(g->members);
    g->members = m;
    g->nmembers = n;
    g->name = sget(b, "name");
    g->last_index = index;
}

static void take_grouping(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_grouping *g = grouping_find(c, sget(e->body, "grouping"));
    const json_t *b;

    if (g != NULL && !by(e, g->key)) {
        if (g->nimpostors++ == 0)
            g->first_impostor = index;
        problem(L, index, 8, 0, "grouping \"%s\" registered again by another key than its "
                "own (entry %llu): an impostor, ignored", g->id,
                (unsigned long long)g->first_index);
        return;
    }
    if ((b = keep(L, index, e)) == NULL)
        return;
    if (g == NULL) {
        if ((g = PUSH(L, c->groupings, c->ngroupings, cap_groupings)) == NULL)
            return;
        memset(g, 0, sizeof *g);
        g->id = sget(b, "grouping");
        memcpy(g->key, e->author, 32);
        g->first_index = index;
        g->first_impostor = NO;
    }
    grouping_set(L, g, b, index);
}

/* Whether reply_to / election+option are right; NULL if so. */
static const char *publication_links(loader *L, uint64_t index, const json_t *b)
{
    veche_council *c = L->c;
    const veche_council_publication *to;
    veche_manifest *m;
    const esum *s;
    int found = 0;

    if (json_object_get(b, "reply_to") != NULL) {
        to = veche_council_publication_at(c, iget(b, "reply_to"));
        if (to == NULL || !to->counted)
            return "reply_to names no counted publication of this council";
    }
    if (json_object_get(b, "election") == NULL)
        return NULL;
    s = esum_find(L->p, sget(b, "election"));
    if (s == NULL || s->manifest_index > index || (m = manifest_of(s)) == NULL)
        return "a platform names no election on the record before it";
    for (size_t k = 0; k < m->ncontests; k++)
        for (size_t o = 0; o < m->contests[k].noptions; o++)
            found |= strcmp(m->contests[k].options[o], sget(b, "option")) == 0;
    manifest_drop(m);
    return found ? NULL : "a platform names an option the election does not have";
}

/* Who may publish it: the grouping's key, or a standing member's credential. */
static const char *publication_author(loader *L, veche_council_publication *pub,
                                      const veche_entry *e, char *why, size_t cap)
{
    veche_council *c = L->c;
    const veche_council_grouping *g;
    veche_diag d;

    if (pub->grouping == NULL) {
        if (council_sig_verify(pub->author, e->body, c->council_fp, &d) != VECHE_OK) {
            snprintf(why, cap, "member's publication: %.200s", d.msg);
            return why;
        }
        if (!ks_has(&L->p->standing, pub->author))
            return "member's publication: the credential is not in the standing list";
        return NULL;
    }
    if ((g = veche_council_grouping_find(c, pub->grouping)) == NULL)
        return "claims a grouping that is not registered";
    if (e->is_signed)
        memcpy(pub->author, e->author, 32);
    if (!by(e, g->key)) {
        pub->impostor = 1;
        return "claims a grouping but is not signed by its key: an impostor";
    }
    return NULL;
}

static void take_publication(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_publication *pub;
    const json_t *b;
    char why[VECHE_COUNCIL_PROBLEM_MSG];
    const char *r;

    if ((b = keep(L, index, e)) == NULL ||
        (pub = PUSH(L, c->publications, c->npublications, cap_pubs)) == NULL)
        return;
    memset(pub, 0, sizeof *pub);
    pub->index = index;
    pub->grouping = sget(b, "grouping");
    pub->kind = veche_pub_kind_parse(sget(b, "kind"));
    pub->title = sget(b, "title");
    veche_b64_get(pub->hash, 32, json_object_get(b, "hash"), "", NULL);
    pub->length = iget(b, "length");
    pub->reply_to = iget(b, "reply_to");
    pub->election = sget(b, "election");
    pub->option = sget(b, "option");
    pub->tombstone_index = NO;
    r = publication_author(L, pub, e, why, sizeof why);
    if (r == NULL)
        r = publication_links(L, index, b);
    if (r != NULL) {
        problem(L, index, 8, 0, "publication \"%.60s\": %s: not counted", pub->title, r);
        return;
    }
    pub->counted = 1;
}

static void take_tombstone(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_publication *pub;
    const json_t *b = e->body;

    if (!by(e, c->admin)) {
        problem(L, index, 9, 0, "council.tombstone not signed by the council's administrator: "
                "ignored (the publication stays)");
        return;
    }
    pub = (veche_council_publication *)veche_council_publication_at(c, iget(b, "publication"));
    if (pub == NULL || pub->tombstoned) {
        problem(L, index, 9, 1, "tombstone of entry %llu: %s", (unsigned long long)
                iget(b, "publication"), pub ? "already tombstoned" : "not a publication of "
                "this council");
        return;
    }
    if ((b = keep(L, index, e)) == NULL)
        return;
    pub->tombstoned = 1;
    pub->tombstone_index = index;
    pub->tombstone_reason = sget(b, "reason");
}

/* ---- delegations and appeals ------------------------------------------------------------------------ */

static veche_council_delegation *delegation_find(veche_council *c, const char *id)
{
    for (size_t i = 0; id != NULL && i < c->ndelegations; i++)
        if (strcmp(c->delegations[i].id, id) == 0)
            return &c->delegations[i];
    return NULL;
}

static void take_delegation(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    veche_council_delegation *dl;
    const json_t *b = e->body;
    const char *id = sget(b, "delegation");
    int end = strcmp(e->type, VECHE_CTYPE_DELEGATION_END) == 0;

    if (!by(e, c->admin)) {
        problem(L, index, 10, 0, "%s not signed by the council's administrator: ignored",
                e->type);
        return;
    }
    dl = delegation_find(c, id);
    if (end ? (dl == NULL || dl->end_index != NO) : dl != NULL) {
        problem(L, index, 10, 1, "delegation \"%s\": %s", id, end ? (dl ? "already ended"
                : "no such delegation") : "the id is already used");
        return;
    }
    if ((b = keep(L, index, e)) == NULL)
        return;
    if (end) {
        dl->end_index = index;
        dl->end_reason = sget(b, "reason");
        dl->end_statement = sget(b, "statement");
        return;
    }
    if ((dl = PUSH(L, c->delegations, c->ndelegations, cap_delegations)) == NULL)
        return;
    memset(dl, 0, sizeof *dl);
    dl->id = sget(b, "delegation");
    dl->index = index;
    dl->to = sget(b, "to");
    dl->delegates = council_strings(json_object_get(b, "delegates"), &dl->ndelegates);
    if (dl->delegates == NULL)
        L->oom = 1;
    dl->mandate = sget(b, "mandate");
    dl->end_index = NO;
}

static void take_appeal(loader *L, uint64_t index, veche_entry *e)
{
    veche_council *c = L->c;
    const json_t *b = e->body;
    const veche_council_member *m = veche_council_member_find(c, sget(b, "member"));
    veche_council_appeal *a;
    uint8_t salt[32];

    if (m == NULL || m->status != VECHE_MEMBER_EXCLUDED || m->leave_index != iget(b, "exclusion")) {
        problem(L, index, 2, 0, "appeal: \"%s\" was not excluded at entry %llu: skipped",
                sget(b, "member"), (unsigned long long)iget(b, "exclusion"));
        return;
    }
    if ((b = keep(L, index, e)) == NULL || (a = PUSH(L, c->appeals, c->nappeals, cap_appeals)) == NULL)
        return;
    memset(a, 0, sizeof *a);
    a->index = index;
    a->member = m->id;
    a->exclusion = m->leave_index;
    a->name = sget(b, "name");
    a->text = sget(b, "text");
    memcpy(a->author, e->author, 32);
    veche_b64_get(salt, 32, json_object_get(b, "salt"), "", NULL);
    a->proven = veche_council_commitment_check(m->commitment, salt, a->name);
}

/* ---- the dispatch ---------------------------------------------------------------------------------- */

static int wanted(const char *type)
{
    return strncmp(type, "council.", 8) == 0 || is_election_step(type);
}

typedef void (*taker)(loader *, uint64_t, veche_entry *);

static const struct { const char *type; taker fn; } takers[] = {
    {VECHE_CTYPE_ROLL, take_roll},
    {VECHE_CTYPE_CREDENTIALS, take_credentials},
    {VECHE_CTYPE_ELECTION, take_link},
    {VECHE_CTYPE_MANDATE, take_mandate},
    {VECHE_CTYPE_MANDATE_END, take_mandate_end},
    {VECHE_CTYPE_PETITION, take_petition},
    {VECHE_CTYPE_SIGNATURE, take_signature},
    {VECHE_CTYPE_GROUPING, take_grouping},
    {VECHE_CTYPE_PUBLICATION, take_publication},
    {VECHE_CTYPE_TOMBSTONE, take_tombstone},
    {VECHE_CTYPE_DELEGATION, take_delegation},
    {VECHE_CTYPE_DELEGATION_END, take_delegation},
    {VECHE_CTYPE_APPEAL, take_appeal},
};

static veche_err on_wanted(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                           veche_entry *e)
{
    loader *L = arg;
    veche_council *c = L->c;
    const char *cid = sget(e->body, "council");

    if (is_election_step(e->type))
        take_election(L, index, e);
    else if (cid == NULL || strcmp(cid, c->id) != 0) {
        if (strcmp(e->type, VECHE_CTYPE_CREATE) == 0)
            take_other_create(L, index, e);
        else if (strcmp(e->type, VECHE_CTYPE_ELECTION) == 0)
            take_other_link(L, index, e);
    } else if (strcmp(e->type, VECHE_CTYPE_CREATE) == 0)
        take_create(L, index, bytes, len, e);
    else if (!L->found)
        problem(L, index, 1, 0, "%s before the council's council.create: ignored", e->type);
    else
        for (size_t i = 0; i < sizeof takers / sizeof takers[0]; i++)
            if (strcmp(e->type, takers[i].type) == 0)
                takers[i].fn(L, index, e);
    return L->oom ? veche_diag_set(L->d, VECHE_ENOMEM, "out of memory") : VECHE_OK;
}

/* ---- after the scan -------------------------------------------------------------------------------- */

static void check_bodies(loader *L)
{
    veche_council *c = L->c;
    veche_diag why;
    uint8_t *body;
    size_t len;

    for (size_t i = 0; i < c->npublications; i++) {
        veche_council_publication *pub = &c->publications[i];
        veche_err e = veche_council_body_read(&body, &len, L->bodies_dir, pub->hash, &why);
        if (e == VECHE_OK)
            free(body);
        pub->body = e == VECHE_OK && len == pub->length ? VECHE_BODY_OK
                    : e == VECHE_ENOTFOUND ? VECHE_BODY_MISSING : VECHE_BODY_MISMATCH;
        if (pub->body == VECHE_BODY_OK || (pub->body == VECHE_BODY_MISSING && !pub->counted))
            continue;
        /* missing or altered: only a counted tombstone by A excuses it */
        problem(L, pub->index, 9, pub->counted && !pub->tombstoned, "publication \"%.60s\": "
                "the body is %s%s", pub->title, pub->body == VECHE_BODY_MISSING ? "missing"
                : "not the one whose hash the record holds", pub->tombstoned
                ? " (tombstoned: allowed)" : pub->counted ? " and no tombstone excuses it" : "");
    }
}

/* The last stage of each linked election (entries after the link may have moved it on). */
static void finish_elections(loader *L)
{
    veche_council *c = L->c;
    for (size_t i = 0; i < c->nelections; i++) {
        const esum *s = esum_find(L->p, c->elections[i].election);
        if (s != NULL)
            c->elections[i].stage = stage_of(s);
    }
}

/* ---- entry points --------------------------------------------------------------------------------- */

static void priv_free(priv *p, size_t npetitions)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nkept; i++)
        json_decref(p->kept[i].json);
    for (size_t i = 0; i < p->nel; i++) {
        json_decref(p->el[i].manifest);
        json_decref(p->el[i].result_json);
    }
    for (size_t i = 0; i < npetitions; i++) {
        free(p->signers[i].v);
        free(p->pet_standing[i].v);
    }
    free(p->kept);
    free(p->el);
    free(p->creates);
    free(p->links);
    free(p->standing.v);
    free(p->seen.v);
    free(p->signers);
    free(p->pet_standing);
    free(p);
}

void veche_council_free(veche_council *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ngroupings; i++)
        free(c->groupings[i].members);
    for (size_t i = 0; i < c->nelections; i++) {
        free(c->elections[i].options);
        free(c->elections[i].counts);
        free(c->elections[i].standing);
    }
    for (size_t i = 0; i < c->ndelegations; i++)
        free(c->delegations[i].delegates);
    free(c->members);
    free(c->roll);
    free(c->groupings);
    free(c->publications);
    free(c->petitions);
    free(c->elections);
    free(c->mandates);
    free(c->delegations);
    free(c->appeals);
    free(c->problems);
    priv_free(c->priv, c->npetitions);
    memset(c, 0, sizeof *c);
}

/* Decodes and takes the extra entries (judge) at indices first, first + 1, ... */
static veche_err take_extra(loader *L, const uint8_t *const *extra, const size_t *lens,
                            size_t n, uint64_t first)
{
    veche_entry e;
    veche_diag why;
    veche_err err = VECHE_OK;

    for (size_t i = 0; i < n && err == VECHE_OK; i++) {
        memset(&e, 0, sizeof e);
        if ((err = veche_entry_decode(&e, extra[i], lens[i], &why)) != VECHE_OK)
            return veche_diag_set(L->d, VECHE_EINVALID, "entry %llu: %s",
                                  (unsigned long long)(first + i), why.msg);
        if (wanted(e.type))
            err = on_wanted(L, first + i, extra[i], lens[i], &e);
        veche_entry_free(&e);
    }
    return err;
}

veche_err council_load_with(veche_council *c, const veche_record_src *src,
                            const char *bodies_dir, const char *id, int64_t now,
                            const uint8_t *const *extra, const size_t *extra_lens,
                            size_t nextra, uint64_t *first_extra, veche_diag *d)
{
    loader L;
    veche_diag why = {{0}};
    uint64_t size = 0;
    veche_err e;

    memset(c, 0, sizeof *c);
    if (!veche_council_id_valid(id, id ? strnlen(id, VECHE_COUNCIL_ID_MAX + 1) : 0))
        return veche_diag_set(d, VECHE_EINVALID, "\"%.80s\" is not a council id (1..%d of a-z, "
                              "0-9 and -)", id ? id : "", VECHE_COUNCIL_ID_MAX);
    if ((c->priv = calloc(1, sizeof(priv))) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    strcpy(c->id, id);
    c->now = now;
    c->create_index = c->credentials_last = NO;
    L = (loader){c, c->priv, 0, 0, bodies_dir, &why};
    e = council_scan(src, wanted, on_wanted, &L, &size, &why);
    if (first_extra != NULL)
        *first_extra = size;
    if (e == VECHE_OK)
        e = take_extra(&L, extra, extra_lens, nextra, size);
    if (e == VECHE_OK && !L.found)
        e = veche_diag_set(&why, VECHE_ENOTFOUND, "no council \"%s\" on the record", id);
    if (e == VECHE_OK) {
        finish_elections(&L);
        if (bodies_dir != NULL)
            check_bodies(&L);
        if (L.oom)
            e = veche_diag_set(&why, VECHE_ENOMEM, "out of memory");
    }
    if (e != VECHE_OK) {
        veche_diag_set(d, e, "%s", why.msg[0] ? why.msg : veche_strerror(e));
        veche_council_free(c);
    }
    return e;
}

veche_err veche_council_load_src(veche_council *c, const veche_record_src *src,
                                 const char *bodies_dir, const char *id, int64_t now,
                                 veche_diag *d)
{
    return council_load_with(c, src, bodies_dir, id, now, NULL, NULL, 0, NULL, d);
}

veche_err veche_council_load(veche_council *c, veche_board *b, const char *id, int64_t now,
                             veche_diag *d)
{
    veche_record_src src = {b, NULL};
    return veche_council_load_src(c, &src, NULL, id, now, d);
}

veche_err veche_council_load_export(veche_council *c, const char *dir, const char *bodies_dir,
                                    const char *id, int64_t now, veche_diag *d)
{
    veche_record_src src = {NULL, dir};
    char path[4096];
    struct stat st;

    if (bodies_dir == NULL) {
        snprintf(path, sizeof path, "%s/bodies", dir);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            bodies_dir = path;
    }
    return veche_council_load_src(c, &src, bodies_dir, id, now, d);
}
