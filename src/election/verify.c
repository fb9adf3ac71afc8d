/*
 * verify.c — the numbered checks of `veche verify` (see verify.h).
 *
 * Each check is one function that reads what the loader, the ceremony
 * judge (ceremony.h) and the count (tally.h) found, and writes one outcome:
 * status, detail and, for a failure, the offending entry's index. The
 * checks are evaluated first and reported after, in order, so that check 1
 * (the board export, one pass over the whole record) can run on its own
 * thread while the elections are loaded and their ballots counted.
 */
#include "election/verify.h"
#include "board/export.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#define DETAIL 1024

static const char *const check_names[VECHE_VERIFY_CHECKS + 1] = {
    "", "record", "manifest", "trustee keys", "commitments", "shares and complaints",
    "joint key", "credentials", "fingerprint", "ballots", "counted", "tally", "decryption",
    "result",
};

const char *veche_check_name(int number)
{
    return number >= 1 && number <= VECHE_VERIFY_CHECKS ? check_names[number] : "";
}

/* ---- outcomes ------------------------------------------------------------------ */

typedef struct outcome {
    int      run;                  /* evaluated */
    int      status;               /* VECHE_CHECK_* */
    uint64_t index;                /* FAIL: the offending entry, or NO_INDEX */
    char     detail[DETAIL];
} outcome;

static int vset(outcome *r, int status, uint64_t index, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int vset(outcome *r, int status, uint64_t index, const char *fmt, va_list ap)
{
    r->run = 1;
    r->status = status;
    r->index = index;
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    return status;
}

static int pass(outcome *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pass(outcome *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(r, VECHE_CHECK_PASS, VECHE_ELECTION_NO_INDEX, fmt, ap);
    va_end(ap);
    return VECHE_CHECK_PASS;
}

static int skip(outcome *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int skip(outcome *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(r, VECHE_CHECK_SKIP, VECHE_ELECTION_NO_INDEX, fmt, ap);
    va_end(ap);
    return VECHE_CHECK_SKIP;
}

/* A failure; index names the offending entry (VECHE_ELECTION_NO_INDEX: none). */
static int fail(outcome *r, uint64_t index, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(outcome *r, uint64_t index, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(r, VECHE_CHECK_FAIL, index, fmt, ap);
    va_end(ap);
    return VECHE_CHECK_FAIL;
}

/* Appends to a detail, truncating quietly (details are for people). */
static void add(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(char *buf, const char *fmt, ...)
{
    size_t len = strnlen(buf, DETAIL);
    va_list ap;
    if (len + 1 >= DETAIL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, DETAIL - len, fmt, ap);
    va_end(ap);
}

/* The index in "... entry N ..." of a message, or NO_INDEX. */
static uint64_t entry_in(const char *msg)
{
    const char *p = strstr(msg, "entry ");
    char *end;
    unsigned long long v;
    if (p == NULL || p[6] < '0' || p[6] > '9')
        return VECHE_ELECTION_NO_INDEX;
    v = strtoull(p + 6, &end, 10);
    return (uint64_t)v;
}

static void b64_short(char out[13], const uint8_t in[32])
{
    char full[45];
    sodium_bin2base64(full, sizeof full, in, 32, sodium_base64_VARIANT_ORIGINAL);
    memcpy(out, full, 12);
    out[12] = 0;
}

/* Entries of a list not signed by `who`: ignored, as the design says; counted. */
static size_t others(const veche_election_list *l, const uint8_t who[32], uint64_t *first)
{
    size_t n = 0;
    *first = VECHE_ELECTION_NO_INDEX;
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].is_signed || memcmp(l->v[i].author, who, 32) != 0)
            if (n++ == 0)
                *first = l->v[i].index;
    return n;
}

static void add_ignored(char *buf, const veche_election_list *l, const uint8_t who[32],
                        const char *type, const char *role)
{
    uint64_t first;
    size_t n = others(l, who, &first);
    if (n > 0)
        add(buf, "; %zu %s not by the %s ignored (first: entry %llu)", n, type, role,
            (unsigned long long)first);
}

/* ---- the evaluation ----------------------------------------------------------------- */

typedef struct eval {
    const veche_votes           *v;
    const veche_election        *el;
    const veche_verify_opts     *o;
    outcome                      out[VECHE_VERIFY_CHECKS + 1];
    veche_ceremony              *cer;
    veche_count                 *count;
    const veche_election_entry  *tally_e, *result_e;
    veche_ceremony_tally        *tally;
    veche_decryption             dec;
    int                          dec_ready;
} eval;

static void eval_free(eval *e)
{
    if (e->dec_ready)
        veche_decryption_free(&e->dec);
    free(e->tally);
    veche_count_free(e->count);
    veche_ceremony_free(e->cer);
}

/* ---- 2 manifest ---------------------------------------------------------------------- */

static int check_manifest(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    const veche_manifest *m = &el->manifest;

    pass(r, "entry %llu: \"%s\" (%s); %zu trustee(s), %u needed; %zu contest(s)",
         (unsigned long long)el->manifest_entry.index, m->title, m->organisation, m->ntrustees,
         m->threshold, m->ncontests);
    if (el->second_manifest != VECHE_ELECTION_NO_INDEX)
        add(r->detail, "; a later election.manifest with this id is ignored (entry %llu)",
            (unsigned long long)el->second_manifest);
    if (el->nstray > 0)
        add(r->detail, "; %llu entries with this id before the manifest belong to no election "
            "(first: entry %llu)", (unsigned long long)el->nstray,
            (unsigned long long)el->first_stray);
    return VECHE_CHECK_PASS;
}

/* ---- 3, 4, 5 the ceremony -------------------------------------------------------------- */

/* FAIL unless every trustee's step `round` is OK. */
static const veche_election_entry *later_step(const veche_election *el);

/*
 * The election is still being set up: no election.key, no election.open and
 * no later administrator's step. Steps that are merely missing then are "not
 * yet" (SKIP), not wrong: an election verifies as far as it has gone (§4.1).
 */
static int in_setup(const eval *e)
{
    return !e->cer->key_present && veche_admin_first(e->el, &e->el->opens) == NULL &&
           later_step(e->el) == NULL;
}

static int every_step_ok(eval *e, outcome *r, int round, const char *type)
{
    const veche_manifest *m = &e->el->manifest;
    for (uint32_t i = 1; i <= m->ntrustees; i++) {
        const veche_ceremony_step *st = &e->cer->tr[i].step[round];
        if (st->state == VECHE_STEP_BAD)
            return fail(r, st->index, "entry %llu: %s of trustee %u (%s): %s",
                        (unsigned long long)st->index, type, i, m->trustee_name[i - 1], st->why);
    }
    for (uint32_t i = 1; i <= m->ntrustees; i++) {
        const veche_ceremony_step *st = &e->cer->tr[i].step[round];
        if (st->state == VECHE_STEP_OK)
            continue;
        if (in_setup(e))
            return skip(r, "the key ceremony is in progress: trustee %u (%s) has no %s yet",
                        i, m->trustee_name[i - 1], type);
        return fail(r, VECHE_ELECTION_NO_INDEX, "trustee %u (%s) has no %s on the record "
                    "(the ceremony: %s)", i, m->trustee_name[i - 1], type, e->cer->why);
    }
    return VECHE_CHECK_PASS;
}

static int check_trustee_keys(eval *e, outcome *r)
{
    const veche_ceremony *c;
    veche_diag why = {{0}};

    if (veche_ceremony_evaluate_election(&e->cer, e->el, &why) != VECHE_OK)
        return fail(r, VECHE_ELECTION_NO_INDEX, "judging the ceremony: %s", why.msg);
    c = e->cer;
    if (every_step_ok(e, r, VECHE_ROUND_KEY, "trustee.key") != VECHE_CHECK_PASS)
        return r->status;
    pass(r, "%u trustee(s), each with a valid trustee.key (entries", c->params.n);
    for (uint32_t i = 1; i <= c->params.n; i++)
        add(r->detail, "%s %llu", i > 1 ? "," : "",
            (unsigned long long)c->tr[i].step[VECHE_ROUND_KEY].index);
    add(r->detail, ")");
    if (c->nrefused > 0)
        add(r->detail, "; %zu ceremony entries refused, changing nothing (first: entry %llu: "
            "%s)", c->nrefused, (unsigned long long)c->refused[0].index, c->refused[0].why);
    return VECHE_CHECK_PASS;
}

/* Appends "trustee i disqualified: why" for every trustee whose `round` is not OK. */
static void add_disqualified(char *buf, const veche_ceremony *c, int round, const char *type)
{
    for (uint32_t i = 1; i <= c->params.n; i++) {
        const veche_ceremony_step *st = &c->tr[i].step[round];
        if (st->state == VECHE_STEP_BAD)
            add(buf, "; trustee %u's %s (entry %llu) fails, so it is not qualified: %s", i, type,
                (unsigned long long)st->index, st->why);
        else if (st->state == VECHE_STEP_MISSING)
            add(buf, "; trustee %u published no %s%s", i, type,
                c->phase == VECHE_PHASE_KEYED ? ", so it is not qualified" : " yet");
    }
}

static void add_trustees(char *buf, const veche_ceremony *c, int round)
{
    int first = 1;
    add(buf, "[");
    for (uint32_t i = 1; i <= c->params.n; i++)
        if (c->tr[i].step[round].state == VECHE_STEP_OK) {
            add(buf, "%s%u", first ? "" : ", ", i);
            first = 0;
        }
    add(buf, "]");
}

static int check_commitments(eval *e, outcome *r)
{
    const veche_ceremony *c = e->cer;
    if (e->out[3].status == VECHE_CHECK_SKIP)
        return skip(r, "the key ceremony is in progress");
    if (every_step_ok(e, r, VECHE_ROUND_COMMIT, "trustee.commit") != VECHE_CHECK_PASS)
        return r->status;
    pass(r, "every trustee committed (the last commit: entry %llu); commitments that match "
         "their hash, came after every commit, proofs valid: trustees ",
         (unsigned long long)c->commits_closed_at);
    add_trustees(r->detail, c, VECHE_ROUND_COMMITMENTS);
    add_disqualified(r->detail, c, VECHE_ROUND_COMMITMENTS, "trustee.commitments");
    return VECHE_CHECK_PASS;
}

static const char *verdict_name(veche_dkg_verdict v)
{
    return v == VECHE_DKG_VERDICT_SENDER     ? "the dealer's share is bad: dealer disqualified"
           : v == VECHE_DKG_VERDICT_COMPLAINER ? "the share is good: a false complaint"
                                               : "proves nothing";
}

static int check_shares(eval *e, outcome *r)
{
    const veche_ceremony *c = e->cer;
    if (e->out[4].status == VECHE_CHECK_SKIP)
        return skip(r, "the key ceremony is in progress");
    pass(r, "shares for every other trustee from trustees ");
    add_trustees(r->detail, c, VECHE_ROUND_SHARES);
    add_disqualified(r->detail, c, VECHE_ROUND_SHARES, "trustee.shares");
    add(r->detail, "; %zu complaint(s)", c->ncomplaints);
    for (size_t k = 0; k < c->ncomplaints; k++)
        add(r->detail, "; entry %llu: trustee %u against trustee %u: %s",
            (unsigned long long)c->complaints[k].index, c->complaints[k].j, c->complaints[k].i,
            verdict_name(c->complaints[k].verdict));
    return VECHE_CHECK_PASS;
}

/* ---- 6 joint key ----------------------------------------------------------------------- */

static int check_joint_key(eval *e, outcome *r)
{
    const veche_ceremony *c = e->cer;
    const veche_election *el = e->el;
    char k64[13];

    if (!c->key_present && in_setup(e))
        return skip(r, "no election.key yet (the ceremony: %s)", c->why);
    if (!c->key_present)
        return fail(r, VECHE_ELECTION_NO_INDEX, "no election.key by the administrator (the "
                    "ceremony: %s)", c->why);
    if (!c->key_ok)
        return fail(r, c->key_index, "entry %llu: election.key: %s",
                    (unsigned long long)c->key_index, c->key_why);
    if (!el->has_key || el->key_index != c->key_index || memcmp(el->K, c->K_enc, 32) != 0)
        return fail(r, c->key_index, "entry %llu: election.key is not the key the loader read",
                    (unsigned long long)c->key_index);
    b64_short(k64, c->K_enc);
    pass(r, "entry %llu: Q = ", (unsigned long long)c->key_index);
    add(r->detail, "[");
    for (size_t q = 0; q < c->nqual; q++)
        add(r->detail, "%s%u", q ? ", " : "", c->qual[q]);
    add(r->detail, "] (%zu of %u, %u needed), K = %s...", c->nqual, c->params.n, c->params.t,
        k64);
    add_ignored(r->detail, &el->keys, el->admin, "election.key", "administrator");
    return VECHE_CHECK_PASS;
}

/* ---- 7 credentials ----------------------------------------------------------------------- */

static int check_credentials(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    const uint8_t *ca = el->manifest.authority_key;
    uint64_t first;
    size_t nothers = others(&el->credentials, ca, &first);

    if ((el->cred_state == VECHE_CRED_NONE || el->cred_state == VECHE_CRED_INCOMPLETE) &&
        veche_admin_first(el, &el->opens) == NULL && later_step(el) == NULL && nothers == 0)
        return skip(r, "the credential list is not complete yet: the election is not open");
    switch (el->cred_state) {
    case VECHE_CRED_NONE:
        if (nothers > 0)
            return fail(r, first, "entry %llu: election.credentials not signed by the credential "
                        "authority named in the manifest, and no part is by the authority",
                        (unsigned long long)first);
        return fail(r, VECHE_ELECTION_NO_INDEX, "no election.credentials on the record");
    case VECHE_CRED_INCOMPLETE:
        return fail(r, el->cred_last_index, "the credential authority's parts are incomplete: "
                    "%llu parts announced, not all on the record (the last: entry %llu)",
                    (unsigned long long)el->nparts, (unsigned long long)el->cred_last_index);
    case VECHE_CRED_INVALID:
        return fail(r, entry_in(el->cred_problem.msg), "the credentials list is invalid: %s",
                    el->cred_problem.msg);
    case VECHE_CRED_COMPLETE:
        break;
    }
    pass(r, "%zu credential(s) in %llu part(s) by the credential authority (the last: entry "
         "%llu), sorted, distinct, valid keys; total weight %llu", el->creds.n,
         (unsigned long long)el->nparts, (unsigned long long)el->cred_last_index,
         (unsigned long long)el->creds.total_weight);
    add_ignored(r->detail, &el->credentials, ca, "election.credentials", "credential authority");
    return VECHE_CHECK_PASS;
}

/* ---- 8 fingerprint ------------------------------------------------------------------------ */

/* The first administrator's entry of a later step, when there is no open. */
static const veche_election_entry *later_step(const veche_election *el)
{
    const veche_election_entry *it;
    if (el->close_index != VECHE_ELECTION_NO_INDEX)
        return veche_admin_first(el, &el->closes);
    if ((it = veche_admin_first(el, &el->tallies)) != NULL)
        return it;
    return veche_admin_first(el, &el->results);
}

static int check_fingerprint(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    const veche_election_entry *open = veche_admin_first(el, &el->opens), *later;
    uint8_t fp[32];
    char f64[13];

    if (open == NULL) {
        if ((later = later_step(el)) != NULL)
            return fail(r, later->index, "entry %llu: %s, but there is no election.open",
                        (unsigned long long)later->index, later->type);
        return skip(r, "the election is not open yet: no election.open by the administrator");
    }
    if (veche_b64_get(fp, 32, json_object_get(open->body, "fingerprint"), "fingerprint", NULL) !=
            VECHE_OK || !el->has_fingerprint || memcmp(fp, el->fingerprint, 32) != 0)
        return fail(r, open->index, "entry %llu: election.open does not carry the fingerprint "
                    "of the manifest, key and credentials", (unsigned long long)open->index);
    if (open->index < el->key_index || open->index < el->cred_last_index)
        return fail(r, open->index, "entry %llu: election.open comes before the %s (entry %llu)",
                    (unsigned long long)open->index,
                    open->index < el->key_index ? "election.key" : "last credentials part",
                    (unsigned long long)(open->index < el->key_index ? el->key_index
                                                                      : el->cred_last_index));
    if (el->close_index != VECHE_ELECTION_NO_INDEX && el->close_index < open->index)
        return fail(r, el->close_index, "entry %llu: election.close comes before election.open "
                    "(entry %llu)", (unsigned long long)el->close_index,
                    (unsigned long long)open->index);
    b64_short(f64, el->fingerprint);
    pass(r, "entry %llu: fingerprint %s..., after the key (entry %llu) and the credentials "
         "(entry %llu); ", (unsigned long long)open->index, f64,
         (unsigned long long)el->key_index, (unsigned long long)el->cred_last_index);
    if (el->close_index != VECHE_ELECTION_NO_INDEX)
        add(r->detail, "closed at entry %llu", (unsigned long long)el->close_index);
    else
        add(r->detail, "still open");
    add_ignored(r->detail, &el->opens, el->admin, "election.open", "administrator");
    add_ignored(r->detail, &el->closes, el->admin, "election.close", "administrator");
    return VECHE_CHECK_PASS;
}

/* ---- 9, 10 ballots --------------------------------------------------------------------------- */

static int check_ballots(eval *e, outcome *r)
{
    const veche_count *c;
    veche_diag why = {{0}};
    uint64_t skipped;

    if (e->out[8].status == VECHE_CHECK_SKIP)
        return skip(r, "not open yet: %zu ballot(s) on the record, none can count",
                    e->el->nballots);
    if (veche_count_ballots(&e->count, e->v, e->o->threads, &why) != VECHE_OK)
        return fail(r, entry_in(why.msg), "counting the ballots: %s", why.msg);
    c = e->count;
    skipped = c->n[VECHE_FATE_EARLY] + c->n[VECHE_FATE_LATE] + c->n[VECHE_FATE_UNLISTED] +
              c->n[VECHE_FATE_INVALID];
    pass(r, "%zu ballot(s): %llu valid, signature and proofs; %llu skipped", c->nballots,
         (unsigned long long)(c->n[VECHE_FATE_COUNTED] + c->n[VECHE_FATE_SUPERSEDED]),
         (unsigned long long)skipped);
    if (skipped == 0)
        return VECHE_CHECK_PASS;
    add(r->detail, " (%llu before open, %llu after close, %llu not on the list, %llu invalid)",
        (unsigned long long)c->n[VECHE_FATE_EARLY], (unsigned long long)c->n[VECHE_FATE_LATE],
        (unsigned long long)c->n[VECHE_FATE_UNLISTED],
        (unsigned long long)c->n[VECHE_FATE_INVALID]);
    for (size_t k = 0; k < c->nskipped && k < 3; k++)
        add(r->detail, "; entry %llu: %s%s%s", (unsigned long long)c->skipped[k].index,
            veche_fate_name(c->skipped[k].fate),
            c->skipped[k].fate == VECHE_FATE_INVALID ? ": " : "",
            c->skipped[k].fate == VECHE_FATE_INVALID ? c->skipped[k].why : "");
    if (skipped > 3)
        add(r->detail, "; ...");
    return VECHE_CHECK_PASS;
}

static int check_counted(eval *e, outcome *r)
{
    const veche_count *c = e->count;
    if (c == NULL)
        return skip(r, "not open yet");
    return pass(r, "%llu counted, the last valid ballot of each credential (total weight W = "
                "%llu); %llu superseded by a later one; %zu credential(s) listed",
                (unsigned long long)c->n[VECHE_FATE_COUNTED], (unsigned long long)c->weight,
                (unsigned long long)c->n[VECHE_FATE_SUPERSEDED], e->el->creds.n);
}

/* ---- 11 tally -------------------------------------------------------------------------------- */

/* The first trustee's decryption entry (signed by a trustee), or NULL. */
static const veche_election_entry *trustee_decryption(const veche_election *el)
{
    for (size_t i = 0; i < el->decryptions.n; i++) {
        const veche_election_entry *it = &el->decryptions.v[i];
        if (it->is_signed && veche_manifest_trustee(&el->manifest, it->author) != 0)
            return it;
    }
    return NULL;
}

/* No tally: SKIP, unless a step that needs one is on the record. */
static int no_tally(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    const veche_election_entry *later = e->result_e;
    if (later == NULL)
        later = trustee_decryption(el);
    if (later != NULL)
        return fail(r, later->index, "entry %llu: %s, but there is no election.tally by the "
                    "administrator", (unsigned long long)later->index, later->type);
    if (el->close_index == VECHE_ELECTION_NO_INDEX)
        return skip(r, "the election is still open: no tally yet");
    return skip(r, "closed at entry %llu; no election.tally yet",
                (unsigned long long)el->close_index);
}

static int check_tally(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    veche_diag why = {{0}};

    if (e->count == NULL)
        return skip(r, "not open yet");
    e->tally_e = veche_admin_first(el, &el->tallies);
    e->result_e = veche_admin_first(el, &el->results);
    if (e->tally_e == NULL)
        return no_tally(e, r);
    if (el->close_index == VECHE_ELECTION_NO_INDEX || e->tally_e->index < el->close_index)
        return fail(r, e->tally_e->index, "entry %llu: election.tally before the election is "
                    "closed", (unsigned long long)e->tally_e->index);
    if (veche_tally_check(e->tally_e->body, el, e->count, &why) != VECHE_OK)
        return fail(r, e->tally_e->index, "entry %llu: %s", (unsigned long long)e->tally_e->index,
                    why.msg);
    pass(r, "entry %llu: %llu ballot(s), weight %llu: equals the sum recomputed from the "
         "counted ballots", (unsigned long long)e->tally_e->index,
         (unsigned long long)e->count->n[VECHE_FATE_COUNTED],
         (unsigned long long)e->count->weight);
    add_ignored(r->detail, &el->tallies, el->admin, "election.tally", "administrator");
    return VECHE_CHECK_PASS;
}

/* ---- 12 decryption ----------------------------------------------------------------------------- */

static int check_decryption(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    veche_diag why = {{0}};
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    size_t ignored, n;
    uint64_t bad;

    if (e->tally_e == NULL)
        return skip(r, "no tally yet");
    if ((e->tally = malloc(sizeof *e->tally)) == NULL)
        return fail(r, VECHE_ELECTION_NO_INDEX, "out of memory");
    if (veche_ceremony_tally_parse(e->tally, e->tally_e->body, &el->manifest, &why) != VECHE_OK ||
        veche_decryption_init(&e->dec, e->cer, e->tally, el->fingerprint, &why) != VECHE_OK)
        return fail(r, e->tally_e->index, "entry %llu: %s", (unsigned long long)e->tally_e->index,
                    why.msg);
    e->dec_ready = 1;
    if (veche_decryptions_judge(&e->dec, el, &ignored, &bad, &why) != VECHE_OK)
        return fail(r, bad, "%s", why.msg);
    n = veche_decryption_set(&e->dec, set);
    if (n == 0 && e->result_e == NULL)
        return skip(r, "no trustee.decryption yet (%u needed)", e->cer->params.t);
    pass(r, "%zu trustee(s) published valid shares for every selection of the tally: [", n);
    for (size_t k = 0; k < n; k++)
        add(r->detail, "%s%u (entry %llu)", k ? ", " : "", set[k],
            (unsigned long long)e->dec.index[set[k]]);
    add(r->detail, "]; %u needed", e->cer->params.t);
    if (ignored > 0)
        add(r->detail, "; %zu trustee.decryption not by a trustee ignored", ignored);
    return VECHE_CHECK_PASS;
}

/* ---- 13 result ---------------------------------------------------------------------------------- */

static void add_counts(char *buf, const veche_manifest *m, const veche_result *res)
{
    for (size_t c = 0; c < m->ncontests; c++) {
        const veche_contest *ct = &m->contests[c];
        add(buf, "%s%s:", c ? "; " : "", ct->id);
        for (size_t s = 0; s < ct->nsel; s++)
            add(buf, "%s %s %llu", s ? "," : "", s < ct->noptions ? ct->options[s] : "blank",
                (unsigned long long)res->counts[c][s]);
    }
}

static int check_result(eval *e, outcome *r)
{
    const veche_election *el = e->el;
    veche_result res;
    veche_diag why = {{0}};

    if (!e->dec_ready)
        return skip(r, "no tally yet");
    if (e->result_e == NULL)
        return skip(r, "no election.result yet");
    if (e->result_e->index < e->tally_e->index)
        return fail(r, e->result_e->index, "entry %llu: election.result before the tally "
                    "(entry %llu)", (unsigned long long)e->result_e->index,
                    (unsigned long long)e->tally_e->index);
    if (veche_result_check(&res, e->result_e->body, &e->dec, e->result_e->index,
                           e->count->weight, &why) != VECHE_OK)
        return fail(r, e->result_e->index, "entry %llu: %s",
                    (unsigned long long)e->result_e->index, why.msg);
    pass(r, "entry %llu: trustees [", (unsigned long long)e->result_e->index);
    for (size_t k = 0; k < res.ntrustees; k++)
        add(r->detail, "%s%u", k ? ", " : "", res.trustees[k]);
    add(r->detail, "] decrypt the tally to: ");
    add_counts(r->detail, &el->manifest, &res);
    add_ignored(r->detail, &el->results, el->admin, "election.result", "administrator");
    return VECHE_CHECK_PASS;
}

/* ---- running and reporting ----------------------------------------------------------------- */

typedef int (*check_fn)(eval *e, outcome *r);

static const check_fn check_fns[VECHE_VERIFY_CHECKS + 1] = {
    NULL, NULL, check_manifest, check_trustee_keys, check_commitments, check_shares,
    check_joint_key, check_credentials, check_fingerprint, check_ballots, check_counted,
    check_tally, check_decryption, check_result,
};

static int last_check(const veche_verify_opts *o)
{
    return o->last >= 2 && o->last <= VECHE_VERIFY_CHECKS ? o->last : VECHE_VERIFY_CHECKS;
}

/* Runs checks 2..last on a loaded election until one fails. */
static void evaluate(eval *e)
{
    int last = last_check(e->o);
    for (int n = 2; n <= last; n++)
        if (check_fns[n](e, &e->out[n]) == VECHE_CHECK_FAIL)
            return;
}

/* What is kept of an election once evaluated: its outcomes, not its data. */
typedef struct verdict {
    char     id[VECHE_ELECTION_ID_MAX + 1];
    outcome  out[VECHE_VERIFY_CHECKS + 1];
    uint64_t ballots, counted;
} verdict;

static void verdict_of(verdict *vd, const eval *e)
{
    memcpy(vd->out, e->out, sizeof vd->out);
    if (e->count != NULL) {
        vd->ballots = e->count->nballots;
        vd->counted = e->count->n[VECHE_FATE_COUNTED];
    }
}

/* Loads and evaluates one election (check 2 fails if it does not load). */
static void judge_election(verdict *vd, const veche_record_src *src, const char *id,
                           const veche_verify_opts *o)
{
    eval e;
    veche_votes *v = NULL;
    veche_diag why = {{0}};

    memset(&e, 0, sizeof e);
    snprintf(vd->id, sizeof vd->id, "%s", id);
    if (veche_votes_load(&v, src, id, &why) != VECHE_OK) {
        fail(&vd->out[2], entry_in(why.msg), "%s", why.msg);
        return;
    }
    e.v = v;
    e.el = v->el;
    e.o = o;
    evaluate(&e);
    verdict_of(vd, &e);
    eval_free(&e);
    veche_votes_free(v);
}

/* Reports one outcome and folds it into the report; 0 once a check has failed. */
static int report_one(const outcome *r, const char *election, int n, veche_verify_cb cb,
                      void *arg, veche_verify_report *rep)
{
    if (!r->run)
        return 0;
    if (cb != NULL)
        cb(arg, election, n, check_names[n], r->status, r->detail);
    if (r->status != VECHE_CHECK_FAIL)
        return 1;
    if (rep->check == 0) {
        rep->check = n;
        snprintf(rep->election, sizeof rep->election, "%s", election ? election : "");
        rep->index = r->index;
    }
    return 0;
}

static void report_verdict(const verdict *vd, const veche_verify_opts *o, veche_verify_cb cb,
                           void *arg, veche_verify_report *rep)
{
    int last = last_check(o), skipped = 0;

    rep->elections++;
    rep->ballots += vd->ballots;
    rep->counted += vd->counted;
    for (int n = 2; n <= last; n++) {
        skipped |= vd->out[n].run && vd->out[n].status == VECHE_CHECK_SKIP;
        if (!report_one(&vd->out[n], vd->id, n, cb, arg, rep)) {
            if (vd->out[n].run)
                rep->failed++;
            return;
        }
    }
    rep->incomplete += skipped;
}

veche_err veche_verify_votes(const veche_votes *v, const veche_verify_opts *o,
                             veche_verify_cb cb, void *arg, veche_verify_report *rep)
{
    static const veche_verify_opts defaults;
    verdict *vd = calloc(1, sizeof *vd);
    eval e;

    memset(rep, 0, sizeof *rep);
    rep->index = VECHE_ELECTION_NO_INDEX;
    if (vd == NULL)
        return VECHE_ENOMEM;
    memset(&e, 0, sizeof e);
    e.v = v;
    e.el = v->el;
    e.o = o ? o : &defaults;
    snprintf(vd->id, sizeof vd->id, "%s", v->el->id);
    evaluate(&e);
    verdict_of(vd, &e);
    eval_free(&e);
    report_verdict(vd, e.o, cb, arg, rep);
    free(vd);
    return rep->check ? VECHE_EVERIFY : VECHE_OK;
}

/* ---- check 1, on its own thread ---------------------------------------------------------------- */

typedef struct record_check {
    const char              *dir;
    const veche_verify_opts *o;
    outcome                  out;
    char                     sub[8][256];    /* the export's sub-checks' details */
    int                      failed;
    pthread_t                tid;
} record_check;

static void on_board_check(void *arg, int number, const char *name, int ok, const char *detail)
{
    record_check *rc = arg;
    if (number >= 1 && number <= 7)
        snprintf(rc->sub[number], sizeof rc->sub[number], "%s", detail);
    if (!ok && !rc->failed) {
        rc->failed = 1;
        fail(&rc->out, entry_in(detail), "board check %d (%s): %s", number, name, detail);
    }
}

static void *run_record_check(void *arg)
{
    record_check *rc = arg;
    const veche_verify_opts *o = rc->o;
    veche_err e = veche_export_verify(rc->dir, o->board_key, o->witnesses, o->nwitnesses,
                                      o->quorum, on_board_check, rc);
    if (e != VECHE_OK && !rc->failed)
        fail(&rc->out, VECHE_ELECTION_NO_INDEX, "the export does not verify: %s",
             veche_strerror(e));
    else if (e == VECHE_OK)
        pass(&rc->out, "board key %s; %s; checkpoint %s; %s", rc->sub[1], rc->sub[3],
             rc->sub[2], rc->sub[7]);
    return NULL;
}

/* ---- the elections on a record ------------------------------------------------------------------ */

typedef struct id_list {
    char (*ids)[VECHE_ELECTION_ID_MAX + 1];
    size_t n, cap;
} id_list;

static veche_err id_add(id_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->ids[i], id) == 0)
            return VECHE_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        void *p = realloc(l->ids, cap * sizeof *l->ids);
        if (p == NULL)
            return VECHE_ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", id);
    return VECHE_OK;
}

/* Only entries whose bytes hold the manifest's type member are decoded. */
static veche_err find_manifest(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                               const veche_hash leaf)
{
    static const char tag[] = "\"type\":\"" VECHE_ETYPE_MANIFEST "\"";
    veche_entry e;
    const char *id;
    veche_err err = VECHE_OK;

    (void)index;
    (void)leaf;
    if (memmem(bytes, len, tag, sizeof tag - 1) == NULL)
        return VECHE_OK;
    if (veche_entry_decode(&e, bytes, len, NULL) != VECHE_OK)
        return VECHE_OK;   /* check 1 reports it */
    id = json_string_value(json_object_get(e.body, "election"));
    if (strcmp(e.type, VECHE_ETYPE_MANIFEST) == 0 && id != NULL)
        err = id_add(arg, id);
    veche_entry_free(&e);
    return err;
}

veche_err veche_record_elections(char (**ids)[VECHE_ELECTION_ID_MAX + 1], size_t *n,
                                 const veche_record_src *src, veche_diag *d)
{
    id_list l = {NULL, 0, 0};
    veche_err e;

    *ids = NULL;
    *n = 0;
    if (src->board != NULL) {
        veche_store *s = veche_board_store(src->board);
        e = s->ops->range(s, 0, veche_board_size(src->board), find_manifest, &l);
        if (e != VECHE_OK)
            veche_diag_set(d, e, "reading the board: %s", veche_strerror(e));
    } else {
        e = veche_export_entries(src->dir, find_manifest, &l, d);
    }
    if (e != VECHE_OK) {
        free(l.ids);
        return e;
    }
    *ids = l.ids;
    *n = l.n;
    return VECHE_OK;
}

/* ---- veche_verify ---------------------------------------------------------------------------------- */

static veche_err judge_all(verdict **out, size_t *nout, const char *dir, const char *id,
                           const veche_verify_opts *o)
{
    veche_record_src src = {NULL, dir};
    char (*ids)[VECHE_ELECTION_ID_MAX + 1] = NULL;
    size_t n = 0;
    verdict *vd;

    *out = NULL;
    *nout = 0;
    if (id == NULL && veche_record_elections(&ids, &n, &src, NULL) != VECHE_OK)
        n = 0;   /* an unreadable record: check 1 says why */
    if (id != NULL)
        n = 1;
    if ((vd = calloc(n ? n : 1, sizeof *vd)) == NULL) {
        free(ids);
        return VECHE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        judge_election(&vd[i], &src, id != NULL ? id : ids[i], o);
    free(ids);
    *out = vd;
    *nout = n;
    return VECHE_OK;
}

veche_err veche_verify(const char *dir, const char *id, const veche_verify_opts *o,
                       veche_verify_cb cb, void *arg, veche_verify_report *rep)
{
    static const veche_verify_opts defaults;
    record_check *rc = calloc(1, sizeof *rc);
    verdict *vd = NULL;
    size_t n = 0;
    int threaded;
    veche_err e;

    memset(rep, 0, sizeof *rep);
    rep->index = VECHE_ELECTION_NO_INDEX;
    if (rc == NULL)
        return VECHE_ENOMEM;
    rc->dir = dir;
    rc->o = o ? o : &defaults;
    threaded = pthread_create(&rc->tid, NULL, run_record_check, rc) == 0;
    if (!threaded)
        run_record_check(rc);
    e = judge_all(&vd, &n, dir, id, rc->o);
    if (threaded)
        pthread_join(rc->tid, NULL);
    if (e == VECHE_OK && report_one(&rc->out, NULL, 1, cb, arg, rep))
        for (size_t i = 0; i < n; i++)
            report_verdict(&vd[i], rc->o, cb, arg, rep);
    free(vd);
    free(rc);
    if (e != VECHE_OK)
        return e;
    return rep->check ? VECHE_EVERIFY : VECHE_OK;
}
