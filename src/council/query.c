/*
 * query.c — questions on a loaded council (lookups, a mandate's status,
 * the actions due), and the questions asked of a record rather than of one
 * council: which council an election belongs to (its credential scope),
 * which councils exist, and whether entries about to be appended would
 * count.
 */
#include "council/internal.h"
#include "election/election.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO VECHE_COUNCIL_NO_INDEX

/* ---- lookups ---------------------------------------------------------------------------- */

const veche_council_member *veche_council_member_find(const veche_council *c, const char *id)
{
    for (size_t i = 0; id != NULL && i < c->nmembers; i++)
        if (strcmp(c->members[i].id, id) == 0)
            return &c->members[i];
    return NULL;
}

int veche_council_standing_has(const veche_council *c, const uint8_t X[32])
{
    size_t lo = 0, hi = c->nstanding;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = memcmp(c->standing[mid], X, 32);
        if (r == 0)
            return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

const veche_council_grouping *veche_council_grouping_find(const veche_council *c, const char *id)
{
    for (size_t i = 0; id != NULL && i < c->ngroupings; i++)
        if (strcmp(c->groupings[i].id, id) == 0)
            return &c->groupings[i];
    return NULL;
}

/* The lists are in record order: binary search by index. */
#define AT(fn, T, arr, cnt)                                                  \
    const T *fn(const veche_council *c, uint64_t index)                      \
    {                                                                        \
        size_t lo = 0, hi = c->cnt;                                          \
        while (lo < hi) {                                                    \
            size_t mid = lo + (hi - lo) / 2;                                 \
            if (c->arr[mid].index == index)                                  \
                return &c->arr[mid];                                         \
            if (c->arr[mid].index < index)                                   \
                lo = mid + 1;                                                \
            else                                                             \
                hi = mid;                                                    \
        }                                                                    \
        return NULL;                                                         \
    }
AT(veche_council_publication_at, veche_council_publication, publications, npublications)
AT(veche_council_petition_at, veche_council_petition, petitions, npetitions)
AT(veche_council_mandate_at, veche_council_mandate, mandates, nmandates)

const veche_council_election *veche_council_election_find(const veche_council *c,
                                                          const char *election)
{
    for (size_t i = 0; election != NULL && i < c->nelections; i++)
        if (strcmp(c->elections[i].election, election) == 0)
            return &c->elections[i];
    return NULL;
}

const char *veche_council_mandate_status(const veche_council *c, const veche_council_mandate *m)
{
    if (m->end_reason != NULL)
        return m->end_reason;   /* "recalled" or "resigned" */
    if (c->now >= m->end)
        return "term ended";
    return c->now >= m->start ? "active" : "elected";
}

const char *veche_stage_name(veche_stage s)
{
    static const char *const names[] = {"created", "keyed", "open", "closed", "tallied", "result"};
    return (unsigned)s <= VECHE_STAGE_RESULT ? names[s] : "";
}

/* ---- due actions ----------------------------------------------------------------------------- */

typedef struct due_list {
    veche_council_due *v;
    size_t             n, cap;
    int                oom;
} due_list;

static veche_council_due *due_add(due_list *l, veche_due_kind k)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        veche_council_due *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            l->oom = 1;
            return NULL;
        }
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[0]);
    l->v[l->n].kind = k;
    l->v[l->n].mandate = l->v[l->n].petition = NO;
    return &l->v[l->n++];
}

/* The latest linked seats election, or NULL. */
static const veche_council_election *latest_seats(const veche_council *c)
{
    const veche_council_election *best = NULL;
    for (size_t i = 0; i < c->nelections; i++)
        if (c->elections[i].purpose == VECHE_PURPOSE_SEATS)
            best = &c->elections[i];
    return best;
}

static const veche_council_election *link_for(const veche_council *c, veche_purpose pu,
                                              uint64_t mandate)
{
    for (size_t i = 0; i < c->nelections; i++)
        if (c->elections[i].purpose == pu && c->elections[i].mandate == mandate)
            return &c->elections[i];
    return NULL;
}

static void due_recalls(due_list *l, const veche_council *c)
{
    veche_council_due *u;
    for (size_t i = 0; i < c->npetitions; i++) {
        const veche_council_petition *p = &c->petitions[i];
        const veche_council_mandate *m = veche_council_mandate_at(c, p->mandate);
        if (p->succeeded_at == NO || p->recall_election_link != NO || m->end_index != NO)
            continue;
        if (link_for(c, VECHE_PURPOSE_RECALL, m->index) != NULL)
            continue;   /* another petition against it already led to a recall vote */
        if ((u = due_add(l, VECHE_DUE_RECALL)) == NULL)
            return;
        u->mandate = m->index;
        u->petition = p->index;
        snprintf(u->what, sizeof u->what, "the petition at entry %llu against %.60s reached "
                 "%zu of %zu signatures: a recall vote is due", (unsigned long long)p->index,
                 m->delegate, p->nvalid, p->threshold_count);
    }
}

static void due_mandate_ends(due_list *l, const veche_council *c)
{
    veche_council_due *u;
    for (size_t i = 0; i < c->nelections; i++) {
        const veche_council_election *ce = &c->elections[i];
        const veche_council_mandate *m = veche_council_mandate_at(c, ce->mandate);
        uint64_t yes, no;
        if (ce->purpose != VECHE_PURPOSE_RECALL || ce->counts == NULL || m == NULL ||
            m->end_index != NO)
            continue;
        yes = ce->counts[0];
        no = ce->counts[1];
        if (yes + no == 0 || yes * 1000 < (uint64_t)c->params.recall_majority * (yes + no))
            continue;
        if ((u = due_add(l, VECHE_DUE_MANDATE_END)) == NULL)
            return;
        u->mandate = m->index;
        u->election = ce->election;
        snprintf(u->what, sizeof u->what, "the recall vote \"%s\" carried (%llu yes, %llu no): "
                 "%.60s's mandate is to end", ce->election, (unsigned long long)yes,
                 (unsigned long long)no, m->delegate);
    }
}

static void due_reelection(due_list *l, const veche_council *c)
{
    const veche_council_election *ls = latest_seats(c);
    veche_council_due *u;
    int64_t first_end = INT64_MAX;

    if (ls == NULL) {
        if ((u = due_add(l, VECHE_DUE_FIRST_ELECTION)) != NULL)
            snprintf(u->what, sizeof u->what, "no seats election yet: the first is due");
        return;
    }
    for (size_t i = 0; i < c->nmandates; i++)
        if (strcmp(c->mandates[i].election, ls->election) == 0 && c->mandates[i].end < first_end)
            first_end = c->mandates[i].end;
    if (first_end == INT64_MAX || c->now < first_end)
        return;
    if ((u = due_add(l, VECHE_DUE_REELECTION)) != NULL)
        snprintf(u->what, sizeof u->what, "the terms from \"%s\" have ended: a re-election is "
                 "due", ls->election);
}

static void due_by_elections(due_list *l, const veche_council *c)
{
    const veche_council_election *ls = latest_seats(c);
    veche_council_due *u;
    for (size_t i = 0; i < c->nmandates; i++) {
        const veche_council_mandate *m = &c->mandates[i];
        if (m->end_index == NO || c->now >= m->end ||
            link_for(c, VECHE_PURPOSE_BY_ELECTION, m->index) != NULL)
            continue;
        if (ls != NULL && ls->link_index > m->end_index)
            continue;   /* a new seats election since fills every seat */
        if ((u = due_add(l, VECHE_DUE_BY_ELECTION)) == NULL)
            return;
        u->mandate = m->index;
        snprintf(u->what, sizeof u->what, "%.60s's seat is vacant (%s): a by-election is due",
                 m->delegate, m->end_reason);
    }
}

veche_err veche_council_due_list(veche_council_due **due, size_t *n, const veche_council *c)
{
    due_list l = {NULL, 0, 0, 0};
    veche_council_due *u;

    due_reelection(&l, c);
    due_recalls(&l, c);
    due_mandate_ends(&l, c);
    due_by_elections(&l, c);
    if (c->pending_from < c->nroll && (u = due_add(&l, VECHE_DUE_CREDENTIALS)) != NULL)
        snprintf(u->what, sizeof u->what, "%zu roll entries wait for the credential authority",
                 c->nroll - c->pending_from);
    if (l.oom) {
        free(l.v);
        *due = NULL;
        *n = 0;
        return VECHE_ENOMEM;
    }
    *due = l.v;
    *n = l.n;
    return VECHE_OK;
}

/* ---- the record: councils, scope -------------------------------------------------------------- */

typedef struct create_seen {
    char     id[VECHE_COUNCIL_ID_MAX + 1];
    uint8_t  admin[32];
    uint64_t index;
} create_seen;

typedef struct record_scan {
    create_seen *v;
    size_t       n, cap;
    const char  *election;            /* scope_of: the election asked about */
    int          linked;
    char         council[VECHE_COUNCIL_ID_MAX + 1];
} record_scan;

static int want_council_meta(const char *type)
{
    return strcmp(type, VECHE_CTYPE_CREATE) == 0 || strcmp(type, VECHE_CTYPE_ELECTION) == 0;
}

static const create_seen *seen_find(const record_scan *r, const char *id)
{
    for (size_t i = 0; id != NULL && i < r->n; i++)
        if (strcmp(r->v[i].id, id) == 0)
            return &r->v[i];
    return NULL;
}

static veche_err on_council_meta(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                                 veche_entry *e)
{
    record_scan *r = arg;
    const char *id = json_string_value(json_object_get(e->body, "council"));
    const create_seen *cs = seen_find(r, id);

    (void)bytes;
    (void)len;
    if (strcmp(e->type, VECHE_CTYPE_CREATE) == 0) {
        if (cs != NULL)
            return VECHE_OK;
        if (r->n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 8;
            create_seen *v = realloc(r->v, cap * sizeof *v);
            if (v == NULL)
                return VECHE_ENOMEM;
            r->v = v;
            r->cap = cap;
        }
        snprintf(r->v[r->n].id, sizeof r->v[r->n].id, "%s", id);
        memcpy(r->v[r->n].admin, e->author, 32);
        r->v[r->n++].index = index;
        return VECHE_OK;
    }
    /* a link counts for scope when its council's administrator signed it (the first such) */
    if (r->election != NULL && !r->linked && cs != NULL && e->is_signed &&
        memcmp(e->author, cs->admin, 32) == 0 &&
        strcmp(json_string_value(json_object_get(e->body, "election")), r->election) == 0) {
        r->linked = 1;
        snprintf(r->council, sizeof r->council, "%s", cs->id);
    }
    return VECHE_OK;
}

veche_err veche_record_councils(char (**ids)[VECHE_COUNCIL_ID_MAX + 1], size_t *n,
                                const veche_record_src *src, veche_diag *d)
{
    record_scan r;
    uint64_t size;
    veche_diag why = {{0}};
    veche_err e;

    memset(&r, 0, sizeof r);
    *ids = NULL;
    *n = 0;
    if ((e = council_scan(src, want_council_meta, on_council_meta, &r, &size, &why)) != VECHE_OK) {
        free(r.v);
        return veche_diag_set(d, e, "%s", why.msg[0] ? why.msg : veche_strerror(e));
    }
    if (r.n > 0 && (*ids = malloc(r.n * sizeof **ids)) == NULL) {
        free(r.v);
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < r.n; i++)
        memcpy((*ids)[i], r.v[i].id, sizeof r.v[i].id);
    *n = r.n;
    free(r.v);
    return VECHE_OK;
}

veche_err veche_council_scope_of(const veche_record_src *src, const char *election_id,
                                 int *linked, char council_id[VECHE_COUNCIL_ID_MAX + 1],
                                 veche_diag *d)
{
    record_scan r;
    uint64_t size;
    veche_diag why = {{0}};
    veche_err e;

    memset(&r, 0, sizeof r);
    *linked = 0;
    council_id[0] = 0;
    if (election_id == NULL ||
        !veche_election_id_valid(election_id, strnlen(election_id, VECHE_ELECTION_ID_MAX + 1)))
        return veche_diag_set(d, VECHE_EINVALID, "not an election id");
    r.election = election_id;
    e = council_scan(src, want_council_meta, on_council_meta, &r, &size, &why);
    free(r.v);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "%s", why.msg[0] ? why.msg : veche_strerror(e));
    *linked = r.linked;
    if (r.linked)
        memcpy(council_id, r.council, sizeof r.council);
    return VECHE_OK;
}

/* ---- a linked election's roll ------------------------------------------------------------------ */

veche_err veche_council_election_roll(veche_credential_list *out, const veche_council *c,
                                      const char *election, veche_diag *d)
{
    const veche_council_election *ce = veche_council_election_find(c, election);
    memset(out, 0, sizeof *out);
    if (ce == NULL)
        return veche_diag_set(d, VECHE_ENOTFOUND, "\"%.64s\" is not an election of council "
                              "\"%s\"", election ? election : "", c->id);
    if (ce->nstanding == 0)
        return veche_diag_set(d, VECHE_EINVALID, "the standing list was empty at the link of "
                              "\"%s\": nobody can vote", election);
    if ((out->v = calloc(ce->nstanding, sizeof *out->v)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    for (size_t i = 0; i < ce->nstanding; i++) {
        memcpy(out->v[i].key, ce->standing[i], 32);
        out->v[i].weight = 1;
        if (veche_point_decode(&out->v[i].X, ce->standing[i], VECHE_NO_IDENTITY) != VECHE_OK) {
            veche_credentials_free(out);
            return veche_diag_set(d, VECHE_EINVALID, "a standing key is not a valid point");
        }
    }
    out->n = ce->nstanding;
    out->total_weight = ce->nstanding;
    return VECHE_OK;
}

veche_err veche_council_election_credentials(char ***entries, size_t **lens, size_t *nparts,
                                             const veche_council *c, const char *election,
                                             const veche_key *authority, veche_diag *d)
{
    veche_credential_list l;
    veche_err e;

    *entries = NULL;
    *lens = NULL;
    *nparts = 0;
    if ((e = veche_council_election_roll(&l, c, election, d)) != VECHE_OK)
        return e;
    e = veche_credentials_build(entries, lens, nparts, election, &l, authority->sk, d);
    veche_credentials_free(&l);
    return e;
}

/* ---- judging entries before they are appended --------------------------------------------------- */

/* A new council: only the create's own rules (shape, signed) and a free id. */
static veche_err judge_create(const veche_record_src *src, const char *id,
                              const uint8_t *entry, size_t len, veche_diag *d)
{
    veche_entry e;
    veche_diag why;
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    size_t n = 0;
    veche_err err;

    memset(&e, 0, sizeof e);
    if ((err = veche_entry_decode(&e, entry, len, &why)) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINVALID, "the entry: %s", why.msg);
    err = strcmp(json_string_value(json_object_get(e.body, "council")), id) != 0
              ? veche_diag_set(d, VECHE_EINVALID, "the council.create is not for \"%s\"", id)
              : VECHE_OK;
    veche_entry_free(&e);
    if (err != VECHE_OK || (err = veche_record_councils(&ids, &n, src, d)) != VECHE_OK)
        return err;
    for (size_t i = 0; i < n && err == VECHE_OK; i++)
        if (strcmp(ids[i], id) == 0)
            err = veche_diag_set(d, VECHE_EVERIFY, "a council \"%s\" already exists", id);
    free(ids);
    return err;
}

veche_err veche_council_judge(const veche_record_src *src, const char *id, int64_t now,
                              const uint8_t *const *entries, const size_t *lens, size_t n,
                              veche_diag *d)
{
    veche_council c;
    uint64_t first = 0;
    veche_err e;
    char type[VECHE_ENTRY_TYPE_MAX + 1];

    if (n == 1 && council_tail_type(entries[0], lens[0], type) &&
        strcmp(type, VECHE_CTYPE_CREATE) == 0)
        return judge_create(src, id, entries[0], lens[0], d);
    if ((e = council_load_with(&c, src, NULL, id, now, entries, lens, n, &first, d)) != VECHE_OK)
        return e;
    for (size_t i = 0; i < c.nproblems; i++)
        if (c.problems[i].index >= first && c.problems[i].index != NO) {
            e = veche_diag_set(d, VECHE_EVERIFY, "entry %llu: %s",
                               (unsigned long long)c.problems[i].index, c.problems[i].msg);
            break;
        }
    veche_council_free(&c);
    return e;
}
