/*
 * verify.c — the ten numbered checks of a council (council.h), from the
 * record alone (and the bodies directory, for check 9).
 *
 * The rules live in one place, the loader (state.c): it records every
 * entry that does not count as a problem, fatal or reported, under the
 * number of the check it belongs to. Verifying is then reporting those
 * problems check by check, plus what the loader cannot judge alone: each
 * linked election is run through the election verifier (checks 2..13 of
 * election/verify.h) and its credential list compared with the standing
 * list at its link — a council election whose roll is not the council's
 * roll is not the council's election.
 */
#include "council/internal.h"
#include "election/election.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO VECHE_COUNCIL_NO_INDEX
#define DETAIL 512

static const char *const check_names[VECHE_COUNCIL_CHECKS + 1] = {
    "", "create", "roll", "credentials", "elections", "mandates", "petitions", "recalls",
    "publications", "bodies", "delegations"};

const char *veche_council_check_name(int number)
{
    return number >= 1 && number <= VECHE_COUNCIL_CHECKS ? check_names[number] : "";
}

typedef struct outcome {
    int      status;
    uint64_t index;
    char     detail[DETAIL];
} outcome;

static void say(outcome *o, int status, uint64_t index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(outcome *o, int status, uint64_t index, const char *fmt, ...)
{
    va_list ap;
    o->status = status;
    o->index = index;
    va_start(ap, fmt);
    vsnprintf(o->detail, sizeof o->detail, fmt, ap);
    va_end(ap);
}

/* Appends "; n reported (first: entry i: msg)" for check k's non-fatal problems. */
static size_t append_reported(outcome *o, const veche_council *c, int k)
{
    const veche_council_problem *first = NULL;
    size_t n = 0, len = strlen(o->detail);

    for (size_t i = 0; i < c->nproblems; i++)
        if (c->problems[i].check == k && !c->problems[i].fatal) {
            first = first ? first : &c->problems[i];
            n++;
        }
    if (first != NULL && len < sizeof o->detail)
        snprintf(o->detail + len, sizeof o->detail - len, "; %zu reported, not counted "
                 "(first: entry %llu: %s)", n, (unsigned long long)first->index, first->msg);
    return n;
}

static const veche_council_problem *first_fatal(const veche_council *c, int k)
{
    for (size_t i = 0; i < c->nproblems; i++)
        if (c->problems[i].check == k && c->problems[i].fatal)
            return &c->problems[i];
    return NULL;
}

/* ---- summaries of the passing checks -------------------------------------------------------- */

/* The word for n things: "1 petition", "2 petitions" (one and many given whole: "entry"/"entries"). */
static const char *word(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void pass_create(outcome *o, const veche_council *c)
{
    const veche_council_params *p = &c->params;
    say(o, VECHE_CHECK_PASS, NO, "\"%.80s\" (entry %llu): %u %s, terms of %lld %s, recall "
        "petition %u‰ of the roll, recall majority %u‰, trustees %u of %zu%s", p->name,
        (unsigned long long)c->create_index, p->seats, word(p->seats, "seat", "seats"),
        (long long)(p->term / 86400), word((size_t)(p->term / 86400), "day", "days"),
        p->recall_threshold, p->recall_majority, p->threshold, p->ntrustees,
        p->exclusion_vote ? ", exclusions by vote" : "");
}

static void pass_roll(outcome *o, const veche_council *c)
{
    size_t n[3] = {0, 0, 0};
    for (size_t i = 0; i < c->nroll; i++)
        n[c->roll[i].action]++;
    say(o, VECHE_CHECK_PASS, NO, "%zu roll %s (%zu %s, %zu %s, %zu %s), %zu %s active; %zu %s",
        c->nroll, word(c->nroll, "entry", "entries"), n[0], word(n[0], "join", "joins"), n[1],
        word(n[1], "leave", "leaves"), n[2], word(n[2], "exclusion", "exclusions"), c->active,
        word(c->active, "member", "members"), c->nappeals,
        word(c->nappeals, "appeal", "appeals"));
}

static void pass_credentials(outcome *o, const veche_council *c)
{
    say(o, VECHE_CHECK_PASS, NO, "%zu standing %s; every counted roll entry accounted for in "
        "order, %zu pending", c->nstanding, word(c->nstanding, "credential", "credentials"),
        c->nroll - c->pending_from);
}

static void pass_mandates(outcome *o, const veche_council *c)
{
    size_t active = 0;
    for (size_t i = 0; i < c->nmandates; i++)
        active += strcmp(veche_council_mandate_status(c, &c->mandates[i]), "active") == 0;
    say(o, VECHE_CHECK_PASS, NO, "%zu %s, each for a winner with the right dates; %zu active",
        c->nmandates, word(c->nmandates, "mandate", "mandates"), active);
}

static void pass_petitions(outcome *o, const veche_council *c)
{
    size_t sigs = 0, ok = 0;
    for (size_t i = 0; i < c->npetitions; i++) {
        sigs += c->petitions[i].nvalid;
        ok += c->petitions[i].succeeded_at != NO;
    }
    say(o, VECHE_CHECK_PASS, NO, "%zu %s (%zu reached %s threshold), %zu %s counted, each a "
        "distinct standing member", c->npetitions, word(c->npetitions, "petition", "petitions"),
        ok, word(ok, "its", "their"), sigs, word(sigs, "signature", "signatures"));
}

static void pass_recalls(outcome *o, const veche_council *c)
{
    size_t recalls = 0, ends = 0;
    for (size_t i = 0; i < c->nelections; i++)
        recalls += c->elections[i].purpose == VECHE_PURPOSE_RECALL;
    for (size_t i = 0; i < c->nmandates; i++)
        ends += c->mandates[i].end_index != NO;
    say(o, VECHE_CHECK_PASS, NO, "%zu recall %s, each after its petition succeeded; %zu %s "
        "as the record allows", recalls, word(recalls, "vote", "votes"), ends,
        word(ends, "mandate ended", "mandates ended"));
}

static void pass_publications(outcome *o, const veche_council *c)
{
    size_t counted = 0;
    for (size_t i = 0; i < c->npublications; i++)
        counted += c->publications[i].counted;
    say(o, VECHE_CHECK_PASS, NO, "%zu %s; %zu %s counted, each by its grouping's key or a "
        "standing member", c->ngroupings, word(c->ngroupings, "grouping", "groupings"), counted,
        word(counted, "publication", "publications"));
}

static void pass_bodies(outcome *o, const veche_council *c, const char *dir)
{
    size_t ok = 0, tomb = 0;
    for (size_t i = 0; i < c->npublications; i++) {
        ok += c->publications[i].body == VECHE_BODY_OK;
        tomb += c->publications[i].tombstoned;
    }
    if (dir == NULL)
        say(o, VECHE_CHECK_SKIP, NO, "no bodies directory given: %zu %s by the administrator, "
            "bodies not checked", tomb, word(tomb, "tombstone", "tombstones"));
    else
        say(o, VECHE_CHECK_PASS, NO, "%zu %s; %zu tombstoned by the administrator", ok,
            word(ok, "body present and matching its hash", "bodies present and matching their "
                 "hash"), tomb);
}

static void pass_delegations(outcome *o, const veche_council *c)
{
    size_t out = 0;
    for (size_t i = 0; i < c->ndelegations; i++)
        out += c->delegations[i].end_index == NO;
    say(o, VECHE_CHECK_PASS, NO, "%zu %s by the administrator, %zu still out", c->ndelegations,
        word(c->ndelegations, "delegation", "delegations"), out);
}

/* ---- check 4: the linked elections ------------------------------------------------------------- */

static void no_report(void *arg, const char *election, int number, const char *name, int status,
                      const char *detail)
{
    (void)arg, (void)election, (void)number, (void)name, (void)status, (void)detail;
}

/* The election's complete credential list is the standing list at the link, weights 1. */
static int roll_matches(const veche_election *el, const veche_council_election *ce)
{
    if (el->creds.n != ce->nstanding)
        return 0;
    for (size_t i = 0; i < ce->nstanding; i++)
        if (el->creds.v[i].weight != 1 || memcmp(el->creds.v[i].key, ce->standing[i], 32) != 0)
            return 0;
    return 1;
}

/* One linked election; 0 and o set on a failure. */
static int verify_linked(outcome *o, const veche_council_election *ce,
                         const veche_record_src *src, const veche_council_verify_opts *opt,
                         size_t *complete)
{
    veche_votes *v;
    veche_verify_opts vo;
    veche_verify_report r;
    veche_diag d;
    veche_err e;

    if ((e = veche_votes_load(&v, src, ce->election, &d)) != VECHE_OK) {
        say(o, VECHE_CHECK_FAIL, ce->link_index, "election \"%s\": %s", ce->election, d.msg);
        return 0;
    }
    if (v->el->cred_state == VECHE_CRED_COMPLETE && !roll_matches(v->el, ce)) {
        say(o, VECHE_CHECK_FAIL, v->el->cred_last_index, "election \"%s\": its credential list "
            "(%zu) is not the council's standing list at the link, entry %llu (%zu, weight 1)",
            ce->election, v->el->creds.n, (unsigned long long)ce->link_index, ce->nstanding);
        veche_votes_free(v);
        return 0;
    }
    memset(&vo, 0, sizeof vo);
    vo.threads = opt->threads;
    e = veche_verify_votes(v, &vo, opt->election_cb ? opt->election_cb : no_report,
                           opt->election_arg, &r);
    veche_votes_free(v);
    if (e != VECHE_OK) {
        say(o, VECHE_CHECK_FAIL, r.index, "election \"%s\": the election verifier's check %d "
            "(%s) fails%s", ce->election, r.check, veche_check_name(r.check),
            e == VECHE_EVERIFY ? "" : ": out of memory");
        return 0;
    }
    *complete += r.incomplete == 0;
    return 1;
}

static void check_elections(outcome *o, const veche_council *c, const veche_record_src *src,
                            const veche_council_verify_opts *opt, veche_council_verify_report *rep)
{
    size_t complete = 0;
    for (size_t i = 0; i < c->nelections; i++) {
        rep->elections++;
        if (!verify_linked(o, &c->elections[i], src, opt, &complete)) {
            rep->elections_failed++;
            return;
        }
    }
    say(o, VECHE_CHECK_PASS, NO, "%zu %s linked, each with the council's trustees and its "
        "standing list, each verifies (%zu with a verified result)", c->nelections,
        word(c->nelections, "election", "elections"), complete);
}

/* ---- the report ------------------------------------------------------------------------------------- */

static void report(veche_council_verify_report *rep, const outcome *o, const char *id, int k,
                   veche_council_verify_cb cb, void *arg)
{
    if (cb != NULL)
        cb(arg, id, k, check_names[k], o->status, o->detail);
    if (o->status == VECHE_CHECK_FAIL && rep->check == 0) {
        rep->check = k;
        rep->index = o->index;
    }
}

static void run_checks(const veche_council *c, const veche_record_src *src,
                       const veche_council_verify_opts *opt, veche_council_verify_cb cb,
                       void *arg, veche_council_verify_report *rep)
{
    outcome o;
    for (int k = 1; k <= VECHE_COUNCIL_CHECKS; k++) {
        const veche_council_problem *f = first_fatal(c, k);
        memset(&o, 0, sizeof o);
        if (f != NULL) {
            say(&o, VECHE_CHECK_FAIL, f->index, "entry %llu: %s", (unsigned long long)f->index,
                f->msg);
        } else {
            switch (k) {
            case 1: pass_create(&o, c); break;
            case 2: pass_roll(&o, c); break;
            case 3: pass_credentials(&o, c); break;
            case 4: check_elections(&o, c, src, opt, rep); break;
            case 5: pass_mandates(&o, c); break;
            case 6: pass_petitions(&o, c); break;
            case 7: pass_recalls(&o, c); break;
            case 8: pass_publications(&o, c); break;
            case 9: pass_bodies(&o, c, opt->bodies_dir); break;
            default: pass_delegations(&o, c); break;
            }
        }
        rep->reported += append_reported(&o, c, k);
        report(rep, &o, c->id, k, cb, arg);
    }
}

veche_err veche_council_verify(const veche_record_src *src, const char *id,
                               const veche_council_verify_opts *o, veche_council_verify_cb cb,
                               void *arg, veche_council_verify_report *rep)
{
    static const veche_council_verify_opts defaults;
    veche_council c;
    veche_diag d;
    outcome out;
    veche_err e;

    memset(rep, 0, sizeof *rep);
    rep->index = NO;
    if (o == NULL)
        o = &defaults;
    e = council_load_with(&c, src, o->bodies_dir, id, o->now, NULL, NULL, 0, NULL, &d);
    if (e == VECHE_ENOMEM)
        return e;
    if (e != VECHE_OK) {
        say(&out, VECHE_CHECK_FAIL, NO, "%s", d.msg);
        report(rep, &out, id ? id : "", 1, cb, arg);
        for (int k = 2; k <= VECHE_COUNCIL_CHECKS; k++) {
            say(&out, VECHE_CHECK_SKIP, NO, "no council to check");
            report(rep, &out, id ? id : "", k, cb, arg);
        }
        return VECHE_EVERIFY;
    }
    run_checks(&c, src, o, cb, arg, rep);
    veche_council_free(&c);
    return rep->check ? VECHE_EVERIFY : VECHE_OK;
}
