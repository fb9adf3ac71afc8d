/*
 * ceremony.c — the key ceremony and decryption shares on the record (see
 * ceremony.h, which states every rule this file applies).
 *
 * Layout: helpers (body members, messages); judging a ceremony (one
 * function per entry kind, then the result); election.key; decryption; the
 * trustee's state (format, parse, file); the trustee's entries. The entry
 * types' body shapes are checked by the board (election.c registers them).
 *
 * Secrets live only in veche_trustee_state and in the locals of the
 * trustee-side functions below; every such local is wiped before return.
 * The judging half reads public data only.
 */
#include "election/ceremony.h"
#include "election/election.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#define B64 sodium_base64_VARIANT_ORIGINAL

static const char *const round_type[VECHE_ROUNDS] = {
    VECHE_TTYPE_KEY, VECHE_TTYPE_COMMIT, VECHE_TTYPE_COMMITMENTS, VECHE_TTYPE_SHARES
};

/* ---- helpers ------------------------------------------------------------------------ */

static veche_err ceremony_params(veche_dkg_params *p, const veche_manifest *m,
                                 const uint8_t manifest_hash[32])
{
    uint8_t fp[32];
    veche_election_ceremony_id(fp, manifest_hash);
    return veche_dkg_params_init(p, fp, m->threshold, (uint32_t)m->ntrustees);
}

/* Canonical base64 of exactly n bytes (election.h); 0 or -1, the caller says what. */
static int b64_exact(uint8_t *out, size_t n, const json_t *v)
{
    return veche_b64_get(out, n, v, "", NULL) == VECHE_OK ? 0 : -1;
}

static int id_ok(const char *id)
{
    return id != NULL && veche_election_id_valid(id, strlen(id));
}

/* body.trustee as a number 1..n, or 0. */
static uint32_t body_trustee(const json_t *body, uint32_t n)
{
    const json_t *v = json_object_get(body, "trustee");
    json_int_t i;
    if (!json_is_integer(v))
        return 0;
    i = json_integer_value(v);
    return i >= 1 && i <= (json_int_t)n ? (uint32_t)i : 0;
}

static int body_names(const json_t *body, const char *election)
{
    const char *e = json_string_value(json_object_get(body, "election"));
    return e != NULL && strcmp(e, election) == 0;
}

static void vwhy(char why[VECHE_CEREMONY_WHY], const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void vwhy(char why[VECHE_CEREMONY_WHY], const char *fmt, va_list ap)
{
    vsnprintf(why, VECHE_CEREMONY_WHY, fmt, ap);
}

static void setwhy(char why[VECHE_CEREMONY_WHY], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A reason into a why buffer, cut at its size (a reason may quote another). */
static void setwhy(char why[VECHE_CEREMONY_WHY], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwhy(why, fmt, ap);
    va_end(ap);
}

/* "2, 5" for the trustees whose bit is set; "none" if none. */
static void list_trustees(char *out, size_t cap, const uint8_t set[], uint32_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (uint32_t i = 1; i <= n && used + 8 < cap; i++)
        if (set[i])
            used += (size_t)snprintf(out + used, cap - used, "%s%u", used ? ", " : "", i);
    if (used == 0)
        snprintf(out, cap, "none");
}

/* ---- judging: bookkeeping ----------------------------------------------------------- */

static veche_err refuse(veche_ceremony *c, const veche_ceremony_item *it, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Lists an item as refused, with its reason. */
static veche_err refuse(veche_ceremony *c, const veche_ceremony_item *it, const char *fmt, ...)
{
    veche_ceremony_refusal *r;
    va_list ap;

    if ((c->nrefused & (c->nrefused - 1)) == 0) {   /* 0, 1, 2, 4...: grow by doubling */
        size_t cap = c->nrefused ? 2 * c->nrefused : 1;
        veche_ceremony_refusal *bigger = realloc(c->refused, cap * sizeof *bigger);
        if (bigger == NULL)
            return VECHE_ENOMEM;
        c->refused = bigger;
    }
    r = &c->refused[c->nrefused++];
    memset(r, 0, sizeof *r);
    r->index = it->index;
    snprintf(r->type, sizeof r->type, "%s", it->type ? it->type : "?");
    va_start(ap, fmt);
    vwhy(r->why, fmt, ap);
    va_end(ap);
    return VECHE_OK;
}

static int bad(veche_ceremony_step *step, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Marks a step BAD with its reason; returns 0 (not OK) for `return bad(...)`. */
static int bad(veche_ceremony_step *step, const char *fmt, ...)
{
    va_list ap;
    step->state = VECHE_STEP_BAD;
    va_start(ap, fmt);
    vwhy(step->why, fmt, ap);
    va_end(ap);
    return 0;
}

static int good(veche_ceremony_step *step)
{
    step->state = VECHE_STEP_OK;
    return 1;
}

static veche_ceremony_complaint *complaint_add(veche_ceremony *c)
{
    veche_ceremony_complaint *k;
    if ((c->ncomplaints & (c->ncomplaints - 1)) == 0) {
        size_t cap = c->ncomplaints ? 2 * c->ncomplaints : 1;
        veche_ceremony_complaint *bigger = realloc(c->complaints, cap * sizeof *bigger);
        if (bigger == NULL)
            return NULL;
        c->complaints = bigger;
    }
    k = &c->complaints[c->ncomplaints++];
    memset(k, 0, sizeof *k);
    return k;
}

static const veche_ceremony_complaint *complaint_find(const veche_ceremony *c, uint32_t j,
                                                      uint32_t i)
{
    for (size_t k = 0; k < c->ncomplaints; k++)
        if (c->complaints[k].j == j && c->complaints[k].i == i)
            return &c->complaints[k];
    return NULL;
}

static int step_ok(const veche_ceremony *c, uint32_t i, int round)
{
    return c->tr[i].step[round].state == VECHE_STEP_OK;
}

/* The first trustee without a valid commit (0 if every one has one). */
static uint32_t first_uncommitted(const veche_ceremony *c)
{
    for (uint32_t i = 1; i <= c->params.n; i++)
        if (!step_ok(c, i, VECHE_ROUND_COMMIT))
            return i;
    return 0;
}

/* ---- judging: one function per round ------------------------------------------------ */

static int judge_key(veche_ceremony *c, veche_ceremony_trustee *tr, const json_t *body,
                     veche_ceremony_step *step)
{
    uint8_t buf[VECHE_DKG_KEY_BYTES];
    veche_err e;

    if (b64_exact(buf, sizeof buf, json_object_get(body, "key")) != 0)
        return bad(step, "body.key: not base64 of %d bytes", VECHE_DKG_KEY_BYTES);
    if (buf[0] != tr->i)
        return bad(step, "KEY names trustee %u, not its author's number %u", buf[0], tr->i);
    if ((e = veche_dkg_key_decode(&tr->key, buf, &c->params)) != VECHE_OK)
        return bad(step, "KEY: E_i or its proof is not a valid encoding (%s)", veche_strerror(e));
    if (veche_dkg_key_verify(&tr->key, &c->params) != VECHE_OK)
        return bad(step, "KEY: the proof of knowledge of e_i does not verify");
    return good(step);
}

static int judge_commit(veche_ceremony *c, veche_ceremony_trustee *tr, const json_t *body,
                        veche_ceremony_step *step)
{
    const veche_ceremony_step *key = &tr->step[VECHE_ROUND_KEY];
    uint8_t buf[VECHE_DKG_HASH_BYTES];

    if (key->state == VECHE_STEP_MISSING)
        return bad(step, "a commit before the trustee's trustee.key");
    if (key->state == VECHE_STEP_BAD)
        return bad(step, "the trustee's trustee.key (entry %llu) is invalid",
                   (unsigned long long)key->index);
    if (b64_exact(buf, sizeof buf, json_object_get(body, "hash")) != 0)
        return bad(step, "body.hash: not base64 of %d bytes", VECHE_DKG_HASH_BYTES);
    if (buf[0] != tr->i)
        return bad(step, "HASH names trustee %u, not its author's number %u", buf[0], tr->i);
    if (veche_dkg_hash_decode(&tr->hash, buf, &c->params) != VECHE_OK)
        return bad(step, "HASH: not a valid encoding");
    return good(step);
}

/* Commit before reveal: nothing of round 2 counts before every valid commit. */
static int reveal_too_early(const veche_ceremony *c, veche_ceremony_step *step)
{
    if (c->commits_closed)
        return 0;
    return !bad(step, "revealed before every trustee had committed (trustee %u had not)",
                first_uncommitted(c));
}

static int judge_commitments(veche_ceremony *c, veche_ceremony_trustee *tr, const json_t *body,
                             veche_ceremony_step *step)
{
    size_t len = VECHE_DKG_COMMITMENTS_BYTES(c->params.t);
    uint8_t buf[VECHE_DKG_COMMITMENTS_MAX_BYTES];
    veche_dkg_hash h;
    veche_err e;

    if (reveal_too_early(c, step))
        return 0;
    if (b64_exact(buf, len, json_object_get(body, "commitments")) != 0)
        return bad(step, "body.commitments: not base64 of %zu bytes (t = %u)", len, c->params.t);
    if (buf[0] != tr->i)
        return bad(step, "COMMITMENTS name trustee %u, not its author's number %u", buf[0], tr->i);
    if ((e = veche_dkg_commitments_decode(&tr->commitments, buf, len, &c->params)) != VECHE_OK)
        return bad(step, "COMMITMENTS: t or a point or proof is not valid (%s)",
                   veche_strerror(e));
    if (veche_dkg_hash_make(&h, &tr->commitments, &tr->key, &c->params) != VECHE_OK ||
        memcmp(h.h, tr->hash.h, sizeof h.h) != 0)
        return bad(step, "COMMITMENTS do not match the trustee's commit (entry %llu)",
                   (unsigned long long)tr->step[VECHE_ROUND_COMMIT].index);
    if (veche_dkg_commitments_verify(&tr->commitments, &tr->hash, &tr->key, &c->params) != VECHE_OK)
        return bad(step, "COMMITMENTS: a proof of knowledge of a coefficient does not verify");
    return good(step);
}

static int judge_shares(veche_ceremony *c, veche_ceremony_trustee *tr, const json_t *body,
                        veche_ceremony_step *step)
{
    const json_t *a = json_object_get(body, "shares");
    uint8_t buf[VECHE_DKG_SHARE_BYTES];
    size_t k = 0;

    if (reveal_too_early(c, step))
        return 0;
    if (!json_is_array(a) || json_array_size(a) != c->params.n - 1)
        return bad(step, "body.shares: must hold %u SHAREs, one per other trustee",
                   c->params.n - 1);
    for (uint32_t j = 1; j <= c->params.n; j++) {
        if (j == tr->i)
            continue;
        if (b64_exact(buf, sizeof buf, json_array_get(a, k)) != 0)
            return bad(step, "body.shares[%zu]: not base64 of %d bytes", k, VECHE_DKG_SHARE_BYTES);
        if (veche_dkg_share_decode(&tr->share[j], buf, &c->params) != VECHE_OK ||
            tr->share[j].i != tr->i || tr->share[j].j != j)
            return bad(step, "body.shares[%zu]: not a SHARE from trustee %u to trustee %u", k,
                       tr->i, j);
        k++;
    }
    return good(step);
}

/* The verdict on a decoded complaint by j against i (public data only). */
static veche_err verdict(veche_ceremony *c, veche_ceremony_complaint *k,
                         const veche_dkg_complaint *cp)
{
    const veche_ceremony_trustee *dealer = &c->tr[k->i], *me = &c->tr[k->j];
    veche_err e;

    k->verdict = VECHE_DKG_VERDICT_NONE;
    if (!step_ok(c, k->j, VECHE_ROUND_KEY)) {
        setwhy(k->why, "nothing to judge: the complainer has no valid key");
        return VECHE_OK;
    }
    if (!step_ok(c, k->i, VECHE_ROUND_COMMITMENTS) || !step_ok(c, k->i, VECHE_ROUND_SHARES)) {
        setwhy(k->why, "nothing to judge: trustee %u has no valid commitments and shares "
               "before it", k->i);
        return VECHE_OK;
    }
    e = veche_dkg_complaint_check(&k->verdict, cp, &dealer->share[k->j], &dealer->key, &me->key,
                                  &dealer->commitments, &c->params);
    if (e == VECHE_ENOMEM)
        return e;
    if (e != VECHE_OK)
        setwhy(k->why, "the complaint's proof does not verify: it shows nothing");
    else if (k->verdict == VECHE_DKG_VERDICT_SENDER)
        setwhy(k->why, "trustee %u's share to %u does not open or does not match its "
               "commitments", k->i, k->j);
    else
        setwhy(k->why, "false complaint: trustee %u's share to %u is good", k->i, k->j);
    return VECHE_OK;
}

static veche_err judge_complaint(veche_ceremony *c, const veche_ceremony_item *it, uint32_t j)
{
    const veche_ceremony_complaint *prev;
    veche_ceremony_complaint *k;
    veche_dkg_complaint cp;
    uint8_t buf[VECHE_DKG_COMPLAINT_BYTES];

    if (b64_exact(buf, sizeof buf, json_object_get(it->body, "complaint")) != 0)
        return refuse(c, it, "body.complaint: not base64 of %d bytes", VECHE_DKG_COMPLAINT_BYTES);
    if (veche_dkg_complaint_decode(&cp, buf, &c->params) != VECHE_OK)
        return refuse(c, it, "body.complaint: not a valid COMPLAINT of this ceremony");
    if (cp.j != j)
        return refuse(c, it, "COMPLAINT by trustee %u, but its author is trustee %u", cp.j, j);
    if ((prev = complaint_find(c, j, cp.i)) != NULL)
        return refuse(c, it, "a second complaint by trustee %u against %u; the first (entry %llu) "
                      "counts", j, cp.i, (unsigned long long)prev->index);
    if ((k = complaint_add(c)) == NULL)
        return VECHE_ENOMEM;
    k->index = it->index;
    k->j = j;
    k->i = cp.i;
    return verdict(c, k, &cp);
}

static void close_commits(veche_ceremony *c, uint64_t index)
{
    if (!c->commits_closed && first_uncommitted(c) == 0) {
        c->commits_closed = 1;
        c->commits_closed_at = index;
    }
}

static int round_of(const char *type)
{
    for (int r = 0; r < VECHE_ROUNDS; r++)
        if (strcmp(type, round_type[r]) == 0)
            return r;
    return strcmp(type, VECHE_TTYPE_COMPLAINT) == 0 ? VECHE_ROUNDS : -1;
}

/* A trustee's key, commit, commitments or shares entry by the right author. */
static veche_err judge_round(veche_ceremony *c, const veche_ceremony_item *it, uint32_t i,
                             int rnd)
{
    veche_ceremony_trustee *tr = &c->tr[i];
    veche_ceremony_step *step = &tr->step[rnd];

    if (step->state != VECHE_STEP_MISSING)
        return refuse(c, it, "trustee %u's second %s; the first (entry %llu) counts", i,
                      round_type[rnd], (unsigned long long)step->index);
    step->index = it->index;
    switch (rnd) {
    case VECHE_ROUND_KEY: judge_key(c, tr, it->body, step); break;
    case VECHE_ROUND_COMMIT:
        if (judge_commit(c, tr, it->body, step))
            close_commits(c, it->index);
        break;
    case VECHE_ROUND_COMMITMENTS: judge_commitments(c, tr, it->body, step); break;
    default: judge_shares(c, tr, it->body, step); break;
    }
    return VECHE_OK;
}

static veche_err judge_election_key(veche_ceremony *c, const veche_ceremony_item *it,
                                    const uint8_t admin[32], const json_t **key_body)
{
    if (!body_names(it->body, c->manifest->id))
        return refuse(c, it, "body.election: not this election");
    if (it->author == NULL || memcmp(it->author, admin, 32) != 0)
        return refuse(c, it, "wrong author: election.key must be signed by the administrator");
    if (c->key_present)
        return refuse(c, it, "a second election.key; the first (entry %llu) counts",
                      (unsigned long long)c->key_index);
    c->key_present = 1;
    c->key_index = it->index;
    *key_body = it->body;
    return VECHE_OK;
}

static veche_err judge_item(veche_ceremony *c, const veche_ceremony_item *it,
                            const uint8_t admin[32], const json_t **key_body)
{
    const veche_manifest *m = c->manifest;
    uint32_t i;
    int rnd;

    if (it->type == NULL || !json_is_object(it->body))
        return refuse(c, it, "not a decoded entry");
    if (strcmp(it->type, VECHE_ETYPE_KEY) == 0)
        return judge_election_key(c, it, admin, key_body);
    if (strcmp(it->type, VECHE_TTYPE_DECRYPTION) == 0)
        return VECHE_OK;   /* veche_decryption's */
    if ((rnd = round_of(it->type)) < 0)
        return refuse(c, it, "not an entry of the key ceremony");
    if (!body_names(it->body, m->id))
        return refuse(c, it, "body.election: not this election");
    if ((i = body_trustee(it->body, c->params.n)) == 0)
        return refuse(c, it, "body.trustee: not a trustee number 1..%u", c->params.n);
    if (it->author == NULL || memcmp(it->author, m->trustee_key[i - 1], 32) != 0)
        return refuse(c, it, "wrong author: not signed by trustee %u's key in the manifest", i);
    if (c->key_present)
        return refuse(c, it, "after election.key (entry %llu): the ceremony is closed",
                      (unsigned long long)c->key_index);
    if (rnd == VECHE_ROUNDS)
        return judge_complaint(c, it, i);
    return judge_round(c, it, i, rnd);
}

/* ---- judging: the result ------------------------------------------------------------ */

/* Why trustee i is not (yet) qualified; sets pending when it may still be. */
static int disqualified(veche_ceremony *c, veche_ceremony_trustee *tr)
{
    int closed = c->key_present || c->phase == VECHE_PHASE_FAILED;
    for (int r = 0; r < VECHE_ROUNDS; r++) {
        const veche_ceremony_step *s = &tr->step[r];
        if (s->state == VECHE_STEP_BAD) {
            setwhy(tr->why, "%s (entry %llu): %s", round_type[r], (unsigned long long)s->index,
                   s->why);
            return 1;
        }
        if (s->state == VECHE_STEP_MISSING) {
            tr->pending = !closed;
            setwhy(tr->why, closed ? "no %s before the ceremony closed" : "waiting for its %s",
                   round_type[r]);
            return 1;
        }
    }
    for (size_t k = 0; k < c->ncomplaints; k++) {
        const veche_ceremony_complaint *cp = &c->complaints[k];
        if (cp->i == tr->i && cp->verdict == VECHE_DKG_VERDICT_SENDER) {
            setwhy(tr->why, "complaint by trustee %u (entry %llu): %s", cp->j,
                   (unsigned long long)cp->index, cp->why);
            return 1;
        }
    }
    return 0;
}

/* A BAD key or commit: no reveal can ever be valid (its first entry counts). */
static int failed(veche_ceremony *c)
{
    for (uint32_t i = 1; i <= c->params.n; i++) {
        for (int r = VECHE_ROUND_KEY; r <= VECHE_ROUND_COMMIT; r++) {
            const veche_ceremony_step *s = &c->tr[i].step[r];
            if (s->state == VECHE_STEP_BAD) {
                setwhy(c->why, "trustee %u's %s (entry %llu) is invalid: the ceremony cannot "
                       "complete; a new election is needed", i, round_type[r],
                       (unsigned long long)s->index);
                return 1;
            }
        }
    }
    return 0;
}

/* Whether some trustee still owes one of the steps first..last; says who. */
static int waiting(veche_ceremony *c, int first, int last, const char *what)
{
    uint8_t missing[VECHE_DKG_MAX_TRUSTEES + 1] = {0};
    char who[160];
    int any = 0;

    for (uint32_t i = 1; i <= c->params.n; i++) {
        int owes = 0, failed_one = 0;
        for (int r = first; r <= last; r++) {
            owes |= c->tr[i].step[r].state == VECHE_STEP_MISSING;
            failed_one |= c->tr[i].step[r].state == VECHE_STEP_BAD;
        }
        if (owes && !failed_one)   /* a BAD step disqualifies: nothing more to wait for */
            any = missing[i] = 1;
    }
    if (any) {
        list_trustees(who, sizeof who, missing, c->params.n);
        setwhy(c->why, "waiting for %s from trustee(s) %s", what, who);
    }
    return any;
}

/* The phase from the steps (before qualification: it decides what "missing" means). */
static void set_phase(veche_ceremony *c)
{
    if (c->key_present) {
        c->phase = VECHE_PHASE_KEYED;
        setwhy(c->why, "election.key at entry %llu", (unsigned long long)c->key_index);
    } else if (failed(c)) {
        c->phase = VECHE_PHASE_FAILED;
    } else if (waiting(c, VECHE_ROUND_KEY, VECHE_ROUND_KEY, "trustee.key")) {
        c->phase = VECHE_PHASE_KEYS;
    } else if (waiting(c, VECHE_ROUND_COMMIT, VECHE_ROUND_COMMIT, "trustee.commit")) {
        c->phase = VECHE_PHASE_COMMITS;
    } else if (waiting(c, VECHE_ROUND_COMMITMENTS, VECHE_ROUND_SHARES,
                       "trustee.commitments and trustee.shares")) {
        c->phase = VECHE_PHASE_REVEALS;
    } else {
        c->phase = VECHE_PHASE_CHECKS;
        setwhy(c->why, "every reveal is in: complaints, then election.key");
    }
}

static veche_err joint_key(veche_ceremony *c)
{
    const veche_dkg_commitments *qual[VECHE_DKG_MAX_TRUSTEES];
    veche_err e;

    for (size_t q = 0; q < c->nqual; q++)
        qual[q] = &c->tr[c->qual[q]].commitments;
    if ((e = veche_dkg_joint_key(&c->K, qual, c->nqual, &c->params)) != VECHE_OK)
        return e;
    veche_point_encode(c->K_enc, &c->K);
    for (uint32_t j = 1; j <= c->params.n; j++)
        if ((e = veche_dkg_verification_key(&c->Kj[j], j, qual, c->nqual, &c->params)) != VECHE_OK)
            return e;
    c->have_K = 1;
    return VECHE_OK;
}

static veche_err finish(veche_ceremony *c, const json_t *key_body)
{
    veche_diag d = {{0}};
    veche_err e;

    set_phase(c);
    for (uint32_t i = 1; i <= c->params.n; i++) {
        veche_ceremony_trustee *tr = &c->tr[i];
        tr->qualified = !disqualified(c, tr);
        if (tr->qualified)
            c->qual[c->nqual++] = i;
    }
    if (c->nqual >= c->params.t && (e = joint_key(c)) != VECHE_OK)
        return e;
    if (c->phase == VECHE_PHASE_CHECKS && !c->have_K)
        setwhy(c->why, "only %zu trustee(s) qualified, %u needed: the ceremony cannot complete",
               c->nqual, c->params.t);
    if (c->key_present) {
        e = veche_ceremony_check_election_key(c, key_body, &d);
        if (e == VECHE_ENOMEM)
            return e;
        c->key_ok = e == VECHE_OK;
        setwhy(c->key_why, "%s", c->key_ok ? "" : d.msg);
    }
    return VECHE_OK;
}

veche_err veche_ceremony_evaluate(veche_ceremony **out, const veche_manifest *m,
                                  const uint8_t manifest_hash[32], const uint8_t admin[32],
                                  const veche_ceremony_item *items, size_t count,
                                  veche_diag *d)
{
    const json_t *key_body = NULL;
    veche_ceremony *c;
    veche_err e = VECHE_OK;

    *out = NULL;
    for (size_t k = 1; k < count; k++)
        if (items[k].index <= items[k - 1].index)
            return veche_diag_set(d, VECHE_EINVALID, "items out of board order at %zu", k);
    if ((c = calloc(1, sizeof *c)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    c->manifest = m;
    if (ceremony_params(&c->params, m, manifest_hash) != VECHE_OK) {
        free(c);
        return veche_diag_set(d, VECHE_EINVALID, "manifest: threshold %u of %zu trustees",
                              m->threshold, m->ntrustees);
    }
    for (uint32_t i = 1; i <= c->params.n; i++)
        c->tr[i].i = i;
    for (size_t k = 0; k < count && e == VECHE_OK; k++)
        e = judge_item(c, &items[k], admin, &key_body);
    if (e == VECHE_OK)
        e = finish(c, key_body);
    if (e != VECHE_OK) {
        veche_ceremony_free(c);
        return veche_diag_set(d, e, "judging the ceremony: %s", veche_strerror(e));
    }
    *out = c;
    return VECHE_OK;
}

veche_ceremony_item veche_ceremony_item_of(const veche_election_entry *e)
{
    veche_ceremony_item it = {e->index, e->type, e->is_signed ? e->author : NULL, e->body};
    return it;
}

veche_err veche_ceremony_evaluate_election(veche_ceremony **out, const veche_election *el,
                                           veche_diag *d)
{
    const veche_election_list *t = &el->trustee, *k = &el->keys;
    size_t n = t->n + k->n, a = 0, b = 0;
    veche_ceremony_item *items = malloc((n ? n : 1) * sizeof *items);
    veche_err e;

    *out = NULL;
    if (items == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    while (a < t->n || b < k->n) {   /* merge the two lists by board index */
        int take_t = b == k->n || (a < t->n && t->v[a].index < k->v[b].index);
        items[a + b] = veche_ceremony_item_of(take_t ? &t->v[a] : &k->v[b]);
        take_t ? a++ : b++;
    }
    e = veche_ceremony_evaluate(out, &el->manifest, el->manifest_hash, el->admin, items, n, d);
    free(items);
    return e;
}

void veche_ceremony_free(veche_ceremony *c)
{
    if (c == NULL)
        return;
    free(c->complaints);
    free(c->refused);
    free(c);
}

/* ---- election.key ------------------------------------------------------------------- */

static veche_err check_qualified(const veche_ceremony *c, const json_t *q, veche_diag *d)
{
    char want[160];
    uint8_t set[VECHE_DKG_MAX_TRUSTEES + 1] = {0};

    for (size_t k = 0; k < c->nqual; k++)
        set[c->qual[k]] = 1;
    list_trustees(want, sizeof want, set, c->params.n);
    if (!json_is_array(q) || json_array_size(q) != c->nqual)
        return veche_diag_set(d, VECHE_EVERIFY, "body.qualified: must list Q = [%s]", want);
    for (size_t k = 0; k < c->nqual; k++) {
        const json_t *v = json_array_get(q, k);
        if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)c->qual[k])
            return veche_diag_set(d, VECHE_EVERIFY, "body.qualified[%zu]: Q is [%s], in order",
                                  k, want);
    }
    return VECHE_OK;
}

veche_err veche_ceremony_check_election_key(const veche_ceremony *c, const json_t *body,
                                            veche_diag *d)
{
    uint8_t K[VECHE_POINT_BYTES];
    veche_err e;

    if (!body_names(body, c->manifest->id))
        return veche_diag_set(d, VECHE_EINVALID, "body.election: not this election");
    if (!c->have_K)
        return veche_diag_set(d, VECHE_EVERIFY, "there is no joint key: %s; %zu trustee(s) "
                              "qualified, %u needed", c->why, c->nqual, c->params.t);
    if ((e = check_qualified(c, json_object_get(body, "qualified"), d)) != VECHE_OK)
        return e;
    if (b64_exact(K, sizeof K, json_object_get(body, "key")) != 0)
        return veche_diag_set(d, VECHE_EENCODING, "body.key: not base64 of 32 bytes");
    if (memcmp(K, c->K_enc, sizeof K) != 0)
        return veche_diag_set(d, VECHE_EVERIFY, "body.key: not the joint key of Q (the sum of "
                              "their C_i0)");
    return VECHE_OK;
}

veche_err veche_ceremony_election_key_body(json_t **body, const veche_ceremony *c, veche_diag *d)
{
    json_t *q = json_array();

    *body = NULL;
    if (!c->have_K) {
        json_decref(q);
        return veche_diag_set(d, VECHE_EINVALID, "no joint key yet: %s", c->why);
    }
    for (size_t k = 0; q != NULL && k < c->nqual; k++)
        json_array_append_new(q, json_integer(c->qual[k]));
    *body = json_pack("{s:s, s:o, s:o}", "election", c->manifest->id, "qualified", q, "key",
                      veche_b64_json(c->K_enc, sizeof c->K_enc));
    return *body ? VECHE_OK : veche_diag_set(d, VECHE_ENOMEM, "out of memory");
}

/* ---- decryption --------------------------------------------------------------------- */

veche_err veche_ceremony_tally_parse(veche_ceremony_tally *t, const json_t *body,
                                     const veche_manifest *m, veche_diag *d)
{
    const json_t *a = json_object_get(body, "tally");
    uint8_t buf[VECHE_CIPHERTEXT_BYTES];

    memset(t, 0, sizeof *t);
    if (!body_names(body, m->id))
        return veche_diag_set(d, VECHE_EINVALID, "body.election: not this election");
    if (!json_is_array(a) || json_array_size(a) != m->ncontests)
        return veche_diag_set(d, VECHE_EINVALID, "body.tally: must hold %zu contests",
                              m->ncontests);
    for (size_t c = 0; c < m->ncontests; c++) {
        const json_t *row = json_array_get(a, c);
        size_t nsel = m->contests[c].nexplicit;
        if (nsel > VECHE_MAX_SELECTIONS || !json_is_array(row) || json_array_size(row) != nsel)
            return veche_diag_set(d, VECHE_EINVALID, "body.tally[%zu]: must hold %zu ciphertexts",
                                  c, nsel);
        for (size_t s = 0; s < nsel; s++)
            if (b64_exact(buf, sizeof buf, json_array_get(row, s)) != 0 ||
                veche_ciphertext_decode(&t->ct[c][s], buf) != VECHE_OK)
                return veche_diag_set(d, VECHE_EENCODING, "body.tally[%zu][%zu]: not a ciphertext",
                                      c, s);
        t->nsel[c] = nsel;
    }
    t->ncontests = m->ncontests;
    return VECHE_OK;
}

veche_err veche_decryption_init(veche_decryption *dec, const veche_ceremony *cer,
                                const veche_ceremony_tally *tally,
                                const uint8_t fingerprint[32], veche_diag *d)
{
    memset(dec, 0, sizeof *dec);
    if (!cer->have_K)
        return veche_diag_set(d, VECHE_EINVALID, "the ceremony has no joint key: %s", cer->why);
    if (tally->ncontests < 1 || tally->ncontests > VECHE_MAX_CONTESTS)
        return veche_diag_set(d, VECHE_EINVALID, "the tally has %zu contests", tally->ncontests);
    for (size_t c = 0; c < tally->ncontests; c++)
        if (tally->nsel[c] > VECHE_MAX_SELECTIONS)
            return veche_diag_set(d, VECHE_EINVALID, "the tally's contest %zu has %zu selections",
                                  c, tally->nsel[c]);
    dec->cer = cer;
    dec->tally = tally;
    memcpy(dec->fingerprint, fingerprint, 32);
    return VECHE_OK;
}

void veche_decryption_free(veche_decryption *dec)
{
    for (size_t j = 0; j <= VECHE_DKG_MAX_TRUSTEES; j++)
        free(dec->D[j]);
    memset(dec, 0, sizeof *dec);
}

static size_t d_offset(size_t c, size_t s)
{
    return (c * VECHE_MAX_SELECTIONS + s) * VECHE_POINT_BYTES;
}

/* Every DSHARE of trustee j's body, verified, into D (encodings). */
static veche_err decryption_shares(uint8_t *D, const veche_decryption *dec, uint32_t j,
                                   const json_t *a, veche_diag *d)
{
    const veche_ceremony_tally *t = dec->tally;
    uint8_t buf[VECHE_DSHARE_BYTES];
    veche_dshare sh;

    if (!json_is_array(a) || json_array_size(a) != t->ncontests)
        return veche_diag_set(d, VECHE_EINVALID, "body.shares: must hold %zu contests",
                              t->ncontests);
    for (size_t c = 0; c < t->ncontests; c++) {
        const json_t *row = json_array_get(a, c);
        if (!json_is_array(row) || json_array_size(row) != t->nsel[c])
            return veche_diag_set(d, VECHE_EINVALID, "body.shares[%zu]: must hold %zu DSHAREs",
                                  c, t->nsel[c]);
        for (size_t s = 0; s < t->nsel[c]; s++) {
            if (b64_exact(buf, sizeof buf, json_array_get(row, s)) != 0 ||
                veche_dshare_decode(&sh, buf, dec->cer->params.n) != VECHE_OK || sh.j != j)
                return veche_diag_set(d, VECHE_EENCODING,
                                      "body.shares[%zu][%zu]: not a DSHARE of trustee %u", c, s, j);
            if (veche_dshare_verify(&sh, &dec->cer->Kj[j], &t->ct[c][s], dec->fingerprint,
                                    VECHE_DECRYPTION_ITEM(c, s)) != VECHE_OK)
                return veche_diag_set(d, VECHE_EVERIFY, "body.shares[%zu][%zu]: trustee %u's "
                                      "share does not verify against K_%u", c, s, j, j);
            memcpy(D + d_offset(c, s), sh.D_enc, VECHE_POINT_BYTES);
        }
    }
    return VECHE_OK;
}

veche_err veche_decryption_add(veche_decryption *dec, const veche_ceremony_item *it,
                               veche_diag *d)
{
    const veche_ceremony *cer = dec->cer;
    uint32_t j;
    uint8_t *D;
    veche_err e;

    if (it->type == NULL || strcmp(it->type, VECHE_TTYPE_DECRYPTION) != 0 ||
        !json_is_object(it->body))
        return veche_diag_set(d, VECHE_EINVALID, "not a trustee.decryption entry");
    if (!body_names(it->body, cer->manifest->id))
        return veche_diag_set(d, VECHE_EINVALID, "body.election: not this election");
    if ((j = body_trustee(it->body, cer->params.n)) == 0)
        return veche_diag_set(d, VECHE_EINVALID, "body.trustee: not a trustee number 1..%u",
                              cer->params.n);
    if (it->author == NULL || memcmp(it->author, cer->manifest->trustee_key[j - 1], 32) != 0)
        return veche_diag_set(d, VECHE_EINVALID,
                              "wrong author: not signed by trustee %u's key in the manifest", j);
    if (!cer->tr[j].qualified)
        return veche_diag_set(d, VECHE_EINVALID, "trustee %u is not qualified: %s", j,
                              cer->tr[j].why);
    if (dec->have[j])
        return veche_diag_set(d, VECHE_EINVALID, "a second decryption by trustee %u; the first "
                              "(entry %llu) counts", j, (unsigned long long)dec->index[j]);
    if ((D = calloc(dec->tally->ncontests, VECHE_MAX_SELECTIONS * VECHE_POINT_BYTES)) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if ((e = decryption_shares(D, dec, j, json_object_get(it->body, "shares"), d)) != VECHE_OK) {
        free(D);
        return e;
    }
    dec->D[j] = D;
    dec->have[j] = 1;
    dec->index[j] = it->index;
    return VECHE_OK;
}

/* M = b − Σ λ_k·D_k for one selection. */
static veche_err combine_one(veche_point *M, const veche_decryption *dec, const uint32_t set[],
                             const veche_scalar lambda[], size_t count, size_t c, size_t s)
{
    veche_point D[VECHE_DKG_MAX_TRUSTEES], sum;
    veche_err e;

    for (size_t k = 0; k < count; k++)
        if (veche_point_decode(&D[k], dec->D[set[k]] + d_offset(c, s), VECHE_ALLOW_IDENTITY) !=
            VECHE_OK)
            return VECHE_EINTERNAL;   /* verified when added: cannot happen */
    if ((e = veche_msm_vartime(&sum, lambda, D, count)) != VECHE_OK)
        return e;
    veche_point_sub(M, &dec->tally->ct[c][s].b, &sum);
    return VECHE_OK;
}

veche_err veche_decryption_combine(veche_point (*M)[VECHE_MAX_SELECTIONS],
                                   const veche_decryption *dec, const uint32_t set[],
                                   size_t count, veche_diag *d)
{
    const veche_ceremony *cer = dec->cer;
    veche_scalar lambda[VECHE_DKG_MAX_TRUSTEES];
    veche_err e;

    if (count < cer->params.t || count > cer->params.n)
        return veche_diag_set(d, VECHE_EINVALID, "%zu decryptions given; %u to %u needed", count,
                              cer->params.t, cer->params.n);
    for (size_t k = 0; k < count; k++)
        if (set[k] < 1 || set[k] > cer->params.n || !dec->have[set[k]])
            return veche_diag_set(d, VECHE_EINVALID, "trustee %u has no accepted decryption",
                                  set[k]);
    for (size_t k = 0; k < count; k++)
        if (veche_lagrange_at_zero(&lambda[k], set[k], set, count) != VECHE_OK)
            return veche_diag_set(d, VECHE_EINVALID, "the trustees given are not distinct");
    for (size_t c = 0; c < dec->tally->ncontests; c++)
        for (size_t s = 0; s < dec->tally->nsel[c]; s++)
            if ((e = combine_one(&M[c][s], dec, set, lambda, count, c, s)) != VECHE_OK)
                return veche_diag_set(d, e, "combining contest %zu selection %zu: %s", c, s,
                                      veche_strerror(e));
    return VECHE_OK;
}

/* ---- the trustee's state: format ---------------------------------------------------- */

#define STATE_MAGIC "veche-trustee-state v1"
#define B64_32 sodium_base64_ENCODED_LEN(32, B64)

/* Appends printf-style text; -1 when it does not fit. */
static int put(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *len)
        return -1;
    *len += (size_t)n;
    return 0;
}

/* A line "<label><b64 of the scalar>\n"; the base64 is wiped. */
static int put_scalar(char *out, size_t cap, size_t *len, const char *label,
                      const veche_scalar *s)
{
    uint8_t raw[32];
    char b64[B64_32];
    int r;
    veche_scalar_encode(raw, s);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, B64);
    r = put(out, cap, len, "%s%s\n", label, b64);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(b64, sizeof b64);
    return r;
}

static int put_public(char *out, size_t cap, size_t *len, const char *label, const uint8_t in[32])
{
    char b64[B64_32];
    sodium_bin2base64(b64, sizeof b64, in, 32, B64);
    return put(out, cap, len, "%s%s\n", label, b64);
}

static int put_x(char *out, size_t cap, size_t *len, const veche_trustee_state *st)
{
    if (put(out, cap, len, "x ") != 0)
        return -1;
    for (size_t k = 0; k < st->x_nqual; k++)
        if (put(out, cap, len, "%s%u", k ? "," : "", st->x_qual[k]) != 0)
            return -1;
    return put_scalar(out, cap, len, " ", &st->x);
}

veche_err veche_trustee_state_format(char *out, size_t cap, size_t *len,
                                     const veche_trustee_state *st, veche_diag *d)
{
    const veche_dkg_params *p = &st->dkg.params;
    char label[24];
    int bad_ = 0;

    *len = 0;
    bad_ |= put(out, cap, len, "%s\nelection %s\n", STATE_MAGIC, st->election);
    bad_ |= put_public(out, cap, len, "manifest ", st->manifest_hash);
    bad_ |= put(out, cap, len, "trustee %u of %u threshold %u\n", st->dkg.key.i, p->n, p->t);
    bad_ |= put_public(out, cap, len, "author ", st->author);
    bad_ |= put_scalar(out, cap, len, "e ", &st->dkg.e);
    for (uint32_t k = 0; k < p->t && !bad_; k++)
        bad_ |= put_scalar(out, cap, len, "a ", &st->dkg.a[k]);
    for (uint32_t dl = 1; dl <= p->n && !bad_; dl++) {
        if (!st->have_share[dl])
            continue;
        snprintf(label, sizeof label, "share %u ", dl);
        bad_ |= put_scalar(out, cap, len, label, &st->share[dl]);
    }
    if (st->have_x && !bad_)
        bad_ |= put_x(out, cap, len, st);
    if (bad_) {
        sodium_memzero(out, cap);
        *len = 0;
        return veche_diag_set(d, VECHE_ERANGE, "trustee state: more than %zu bytes", cap);
    }
    return VECHE_OK;
}

/* ---- the trustee's state: parse ----------------------------------------------------- */

#define MAX_WORDS 6

/* A cursor over the state text: the current line split into words. */
typedef struct reader {
    const char *p, *end;
    unsigned    lineno;
    char        line[160];
    char       *word[MAX_WORDS];
    size_t      nwords;
} reader;

static veche_err rd_fail(reader *r, veche_diag *d, const char *what)
{
    return veche_diag_set(d, VECHE_EENCODING, "trustee state, line %u: %s", r->lineno, what);
}

/* The next line, split at single spaces; 1 if there is one, 0 at the end, -1 if malformed. */
static int rd_next(reader *r)
{
    const char *nl;
    size_t n;
    char *w;

    sodium_memzero(r->line, sizeof r->line);
    r->nwords = 0;
    if (r->p == r->end)
        return 0;
    r->lineno++;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    n = nl ? (size_t)(nl - r->p) : 0;
    if (nl == NULL || n == 0 || n >= sizeof r->line || memchr(r->p, 0, n) != NULL)
        return -1;
    memcpy(r->line, r->p, n);
    r->p = nl + 1;
    for (w = r->line; w != NULL && r->nwords < MAX_WORDS;) {
        char *sp = strchr(w, ' ');
        if (sp)
            *sp = 0;
        if (*w == 0)
            return -1;   /* two spaces, or one at either end */
        r->word[r->nwords++] = w;
        w = sp ? sp + 1 : NULL;
    }
    return w == NULL ? 1 : -1;
}

/* The next line: its first word must be `key` with `words` words in all. */
static int rd_expect(reader *r, const char *key, size_t words)
{
    return rd_next(r) == 1 && r->nwords == words && strcmp(r->word[0], key) == 0;
}

/* A decimal 1..max without sign or leading zero; 0 on anything else. */
static uint32_t small_number(const char *s, uint32_t max)
{
    uint32_t v = 0;
    if (s[0] < '1' || s[0] > '9' || strlen(s) > 3)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = 10 * v + (uint32_t)(*s - '0');
    }
    return v <= max ? v : 0;
}

/*
 * Canonical base64 of 32 bytes. libsodium 1.0.18 decodes any byte >= 0x80 as
 * a digit, so the text is re-encoded and compared (in constant time: the
 * bytes may be secret) instead of trusted.
 */
static int b64_32(uint8_t out[32], const char *s)
{
    char again[B64_32];
    size_t got = 0;
    int r = strlen(s) == B64_32 - 1 &&
            sodium_base642bin(out, 32, s, B64_32 - 1, NULL, &got, NULL, B64) == 0 && got == 32;
    if (r) {
        sodium_bin2base64(again, sizeof again, out, 32, B64);
        r = sodium_memcmp(again, s, B64_32 - 1) == 0;
        sodium_memzero(again, sizeof again);
    }
    return r ? 0 : -1;
}

/* A secret scalar in base64, canonical; non-zero when nonzero is set. */
static int b64_scalar(veche_scalar *s, const char *text, int nonzero)
{
    uint8_t raw[32];
    int r = b64_32(raw, text) == 0 && veche_scalar_decode(s, raw) == VECHE_OK &&
            !(nonzero && veche_scalar_is_zero(s));
    sodium_memzero(raw, sizeof raw);
    return r ? 0 : -1;
}

static veche_err parse_header(veche_trustee_state *st, reader *r, uint32_t *i, uint32_t *n,
                              uint32_t *t, veche_diag *d)
{
    if (rd_next(r) != 1 || r->nwords != 2 || strcmp(r->word[0], "veche-trustee-state") != 0 ||
        strcmp(r->word[1], "v1") != 0)
        return rd_fail(r, d, "not a veche trustee state (\"" STATE_MAGIC "\")");
    if (!rd_expect(r, "election", 2) || !id_ok(r->word[1]))
        return rd_fail(r, d, "expected \"election ID\"");
    memcpy(st->election, r->word[1], strlen(r->word[1]) + 1);
    if (!rd_expect(r, "manifest", 2) || b64_32(st->manifest_hash, r->word[1]) != 0)
        return rd_fail(r, d, "expected \"manifest <base64 of the manifest hash>\"");
    if (!rd_expect(r, "trustee", 6) || strcmp(r->word[2], "of") != 0 ||
        strcmp(r->word[4], "threshold") != 0 ||
        (*n = small_number(r->word[3], VECHE_DKG_MAX_TRUSTEES)) == 0 ||
        (*i = small_number(r->word[1], *n)) == 0 || (*t = small_number(r->word[5], *n)) == 0)
        return rd_fail(r, d, "expected \"trustee I of N threshold T\", 1 <= I, T <= N <= 64");
    if (!rd_expect(r, "author", 2) || b64_32(st->author, r->word[1]) != 0)
        return rd_fail(r, d, "expected \"author <base64 of the Ed25519 key>\"");
    return VECHE_OK;
}

/* e and the coefficients; rebuilds the trustee (its pok_i made anew). */
static veche_err parse_polynomial(veche_trustee_state *st, reader *r, uint32_t i, uint32_t n,
                                  uint32_t t, veche_diag *d)
{
    veche_scalar e, a[VECHE_DKG_MAX_TRUSTEES];
    veche_dkg_params p;
    veche_err err = VECHE_OK;
    uint8_t fp[32];

    if (!rd_expect(r, "e", 2) || b64_scalar(&e, r->word[1], 1) != 0)
        err = rd_fail(r, d, "expected \"e <base64 of a non-zero scalar>\"");
    for (uint32_t k = 0; k < t && err == VECHE_OK; k++)
        if (!rd_expect(r, "a", 2) || b64_scalar(&a[k], r->word[1], 1) != 0)
            err = rd_fail(r, d, "expected \"a <base64 of a non-zero scalar>\" (t lines)");
    veche_election_ceremony_id(fp, st->manifest_hash);
    if (err == VECHE_OK && (veche_dkg_params_init(&p, fp, t, n) != VECHE_OK ||
                            veche_dkg_trustee_init(&st->dkg, &p, i, &e, NULL) != VECHE_OK))
        err = veche_diag_set(d, VECHE_EINVALID, "trustee state: cannot rebuild trustee %u", i);
    for (uint32_t k = 0; k < t && err == VECHE_OK; k++)
        st->dkg.a[k] = a[k];
    sodium_memzero(&e, sizeof e);
    sodium_memzero(a, sizeof a);
    return err;
}

/* "x 1,2,3 <b64>": the qualified set, increasing, then x_i. */
static int parse_x(veche_trustee_state *st, const char *list, const char *b64, uint32_t n)
{
    const char *p = list;
    char num[4];
    st->x_nqual = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        uint32_t q;
        if (len == 0 || len >= sizeof num || st->x_nqual == n)
            return -1;
        memcpy(num, p, len);
        num[len] = 0;
        if ((q = small_number(num, n)) == 0 ||
            (st->x_nqual > 0 && q <= st->x_qual[st->x_nqual - 1]))
            return -1;
        st->x_qual[st->x_nqual++] = q;
        p += len + (p[len] == ',');
        if (p[-1] == ',' && *p == 0)
            return -1;
    }
    return st->x_nqual > 0 && b64_scalar(&st->x, b64, 0) == 0 ? 0 : -1;
}

/* The share lines and the optional x line, then the end. */
static veche_err parse_tail(veche_trustee_state *st, reader *r, uint32_t n, veche_diag *d)
{
    uint32_t last = 0, dl;
    int got;

    while ((got = rd_next(r)) == 1 && strcmp(r->word[0], "share") == 0) {
        if (r->nwords != 3 || (dl = small_number(r->word[1], n)) == 0 || dl <= last ||
            b64_scalar(&st->share[dl], r->word[2], 0) != 0)
            return rd_fail(r, d, "expected \"share D <base64 scalar>\", D increasing in 1..n");
        st->have_share[dl] = 1;
        last = dl;
    }
    if (got == 1) {
        if (strcmp(r->word[0], "x") != 0 || r->nwords != 3 ||
            parse_x(st, r->word[1], r->word[2], n) != 0)
            return rd_fail(r, d, "expected \"share ...\" or \"x Q <base64 scalar>\"");
        st->have_x = 1;
        got = rd_next(r);
    }
    if (got != 0)
        return rd_fail(r, d, got < 0 ? "malformed line" : "unexpected line after \"x\"");
    return VECHE_OK;
}

veche_err veche_trustee_state_parse(veche_trustee_state *st, const char *text, size_t len,
                                    veche_diag *d)
{
    reader r = {text, text + len, 0, {0}, {0}, 0};
    uint32_t i = 0, n = 0, t = 0;
    veche_err e;

    memset(st, 0, sizeof *st);
    if (len > VECHE_TRUSTEE_STATE_MAX)
        return veche_diag_set(d, VECHE_ERANGE, "trustee state: more than %d bytes",
                              VECHE_TRUSTEE_STATE_MAX);
    e = parse_header(st, &r, &i, &n, &t, d);
    if (e == VECHE_OK)
        e = parse_polynomial(st, &r, i, n, t, d);
    if (e == VECHE_OK)
        e = parse_tail(st, &r, n, d);
    sodium_memzero(&r, sizeof r);
    if (e != VECHE_OK)
        veche_trustee_state_wipe(st);
    return e;
}

/* ---- the trustee's state: new, file ------------------------------------------------- */

veche_err veche_trustee_state_new(veche_trustee_state *st, const veche_manifest *m,
                                  const uint8_t manifest_hash[32], const uint8_t author[32],
                                  veche_rng *rng, veche_diag *d)
{
    veche_dkg_params p;
    uint32_t i;

    memset(st, 0, sizeof *st);
    if ((i = veche_manifest_trustee(m, author)) == 0)
        return veche_diag_set(d, VECHE_EINVALID, "this key is not a trustee of election %s", m->id);
    if (!id_ok(m->id) || ceremony_params(&p, m, manifest_hash) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINVALID, "manifest: bad id or threshold");
    if (veche_dkg_trustee_init(&st->dkg, &p, i, NULL, rng) != VECHE_OK)
        return veche_diag_set(d, VECHE_EINTERNAL, "cannot make trustee %u's keys", i);
    memcpy(st->election, m->id, strlen(m->id) + 1);
    memcpy(st->manifest_hash, manifest_hash, 32);
    memcpy(st->author, author, 32);
    return VECHE_OK;
}

void veche_trustee_state_wipe(veche_trustee_state *st)
{
    sodium_memzero(st, sizeof *st);
}

/* The rename (or link) is durable only once its directory is synced. */
static veche_err sync_dir(const char *path, veche_diag *d)
{
    char dir[4096];
    char *slash;
    int fd, bad_;

    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    bad_ = fd < 0 || fsync(fd) != 0;
    if (fd >= 0)
        close(fd);
    return bad_ ? veche_diag_set(d, VECHE_EINTERNAL, "%s: cannot sync the directory", dir)
                : VECHE_OK;
}

/* text into a fresh temporary file (mode 0600), synced. */
static veche_err write_temp(const char *tmp, const char *text, size_t len, veche_diag *d)
{
    int fd, bad_;
    if (unlink(tmp) != 0 && errno != ENOENT)
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", tmp, strerror(errno));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", tmp, strerror(errno));
    bad_ = write(fd, text, len) != (ssize_t)len || fsync(fd) != 0;
    bad_ |= close(fd) != 0;
    if (bad_) {
        unlink(tmp);
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: cannot write the trustee state", tmp);
    }
    return VECHE_OK;
}

/* The temporary file takes the state's name: link() never replaces, rename() does. */
static veche_err install(const char *tmp, const char *path, int create, veche_diag *d)
{
    if (create) {
        int r = link(tmp, path);
        int err = errno;
        unlink(tmp);
        if (r != 0)
            return veche_diag_set(d, err == EEXIST ? VECHE_EINVALID : VECHE_EINTERNAL,
                                  "%s: %s", path, err == EEXIST ? "a trustee state is "
                                  "already there; it is never replaced" : strerror(err));
    } else if (rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        return veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", path, strerror(err));
    }
    return sync_dir(path, d);
}

veche_err veche_trustee_state_save(const veche_trustee_state *st, const char *path, int create,
                                   veche_diag *d)
{
    char text[VECHE_TRUSTEE_STATE_MAX], tmp[4096];
    size_t len;
    veche_err e;

    if (strlen(path) + 5 > sizeof tmp)
        return veche_diag_set(d, VECHE_EINVALID, "%.64s...: path too long", path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if ((e = veche_trustee_state_format(text, sizeof text, &len, st, d)) != VECHE_OK)
        return e;
    e = write_temp(tmp, text, len, d);
    sodium_memzero(text, sizeof text);
    return e != VECHE_OK ? e : install(tmp, path, create, d);
}

veche_err veche_trustee_state_load(veche_trustee_state *st, const char *path, veche_diag *d)
{
    char text[VECHE_TRUSTEE_STATE_MAX + 1];
    struct stat sb;
    ssize_t got;
    size_t len = 0;
    veche_err e;
    int fd;

    memset(st, 0, sizeof *st);
    if ((fd = open(path, O_RDONLY)) < 0)
        return veche_diag_set(d, errno == ENOENT ? VECHE_ENOTFOUND : VECHE_EINVALID, "%s: %s",
                              path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0) {
        close(fd);
        return veche_diag_set(d, VECHE_EINVALID, "%s: a trustee state must be a regular file "
                              "only its owner can read (chmod 600)", path);
    }
    while (len < sizeof text && (got = read(fd, text + len, sizeof text - len)) > 0)
        len += (size_t)got;
    close(fd);
    if (len > VECHE_TRUSTEE_STATE_MAX)
        e = veche_diag_set(d, VECHE_ERANGE, "%s: larger than %d bytes", path,
                           VECHE_TRUSTEE_STATE_MAX);
    else
        e = veche_trustee_state_parse(st, text, len, d);
    sodium_memzero(text, sizeof text);
    return e;
}

veche_err veche_trustee_state_check(const veche_trustee_state *st, const veche_manifest *m,
                                    const uint8_t manifest_hash[32], const veche_ceremony *c,
                                    veche_diag *d)
{
    uint32_t i = st->dkg.key.i;
    const veche_ceremony_trustee *tr;

    if (strcmp(st->election, m->id) != 0 || memcmp(st->manifest_hash, manifest_hash, 32) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "the trustee state is for election %s, another "
                              "manifest", st->election);
    if (st->dkg.params.n != m->ntrustees || st->dkg.params.t != m->threshold || i < 1 ||
        i > m->ntrustees || memcmp(m->trustee_key[i - 1], st->author, 32) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "the trustee state does not match the "
                              "manifest's trustee %u", i);
    if (c == NULL)
        return VECHE_OK;
    tr = &c->tr[i];
    if (tr->step[VECHE_ROUND_KEY].state == VECHE_STEP_OK &&
        memcmp(tr->key.E_enc, st->dkg.key.E_enc, 32) != 0)
        return veche_diag_set(d, VECHE_EINVALID, "the record's trustee.key for trustee %u "
                              "(entry %llu) is not this state's: was the state made anew?", i,
                              (unsigned long long)tr->step[VECHE_ROUND_KEY].index);
    return VECHE_OK;
}

/* ---- the trustee's entries ---------------------------------------------------------- */

/* {"election", "trustee"} plus one member; takes value. */
static json_t *trustee_body(const veche_trustee_state *st, const char *key, json_t *value)
{
    return json_pack("{s:s, s:I, s:o}", "election", st->election, "trustee",
                     (json_int_t)st->dkg.key.i, key, value);
}

/* Signs body (which it takes) as an entry of type by author, the state's own key. */
static veche_err sign_entry(char **entry, size_t *len, const char *type, json_t *body,
                            const veche_trustee_state *st, const veche_key *author,
                            veche_diag *d)
{
    veche_err e;

    *entry = NULL;
    if (body == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if (memcmp(author->pk, st->author, 32) != 0)
        e = veche_diag_set(d, VECHE_EINVALID, "the key given is not trustee %u's board key",
                           st->dkg.key.i);
    else
        e = veche_entry_build(entry, len, type, body, author->sk, d);
    json_decref(body);
    return e;
}

veche_err veche_trustee_key_entry(char **entry, size_t *len, const veche_trustee_state *st,
                                  const veche_key *author, veche_diag *d)
{
    uint8_t buf[VECHE_DKG_KEY_BYTES];
    veche_dkg_key_encode(buf, &st->dkg.key);
    return sign_entry(entry, len, VECHE_TTYPE_KEY,
                      trustee_body(st, "key", veche_b64_json(buf, sizeof buf)), st, author, d);
}

/* This trustee's HASH h_i (the commitments' poks are fresh; h_i binds only C_ik). */
static veche_err own_hash(veche_dkg_hash *h, veche_dkg_commitments *cm,
                          const veche_trustee_state *st, veche_rng *rng)
{
    veche_err e = veche_dkg_commitments_make(cm, &st->dkg, rng);
    return e ? e : veche_dkg_hash_make(h, cm, &st->dkg.key, &st->dkg.params);
}

veche_err veche_trustee_commit_entry(char **entry, size_t *len, const veche_trustee_state *st,
                                     const veche_key *author, veche_diag *d)
{
    veche_dkg_commitments *cm = malloc(sizeof *cm);
    veche_dkg_hash h;
    uint8_t buf[VECHE_DKG_HASH_BYTES];
    veche_err e;

    *entry = NULL;
    if (cm == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    e = own_hash(&h, cm, st, NULL);
    free(cm);
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "commitments: %s", veche_strerror(e));
    veche_dkg_hash_encode(buf, &h);
    return sign_entry(entry, len, VECHE_TTYPE_COMMIT,
                      trustee_body(st, "hash", veche_b64_json(buf, sizeof buf)), st, author, d);
}

/* Round 2 may start: every commit is in, and the record's commit is this state's. */
static veche_err may_reveal(const veche_trustee_state *st, const veche_ceremony *c,
                            const veche_dkg_hash *h, veche_diag *d)
{
    const veche_ceremony_trustee *me = &c->tr[st->dkg.key.i];
    if (!c->commits_closed)
        return veche_diag_set(d, VECHE_EINVALID, "not every trustee has committed: %s", c->why);
    if (c->key_present)
        return veche_diag_set(d, VECHE_EINVALID, "the ceremony is closed (election.key at entry "
                              "%llu)", (unsigned long long)c->key_index);
    if (memcmp(me->key.E_enc, st->dkg.key.E_enc, 32) != 0 ||
        (h != NULL && memcmp(me->hash.h, h->h, sizeof h->h) != 0))
        return veche_diag_set(d, VECHE_EINVALID, "the record's key or commit for trustee %u is "
                              "not this state's", st->dkg.key.i);
    return VECHE_OK;
}

veche_err veche_trustee_commitments_entry(char **entry, size_t *len,
                                          const veche_trustee_state *st,
                                          const veche_ceremony *c, const veche_key *author,
                                          veche_rng *rng, veche_diag *d)
{
    size_t blen = VECHE_DKG_COMMITMENTS_BYTES(st->dkg.params.t);
    uint8_t buf[VECHE_DKG_COMMITMENTS_MAX_BYTES];
    veche_dkg_commitments *cm = malloc(sizeof *cm);
    veche_dkg_hash h;
    veche_err e;

    *entry = NULL;
    if (cm == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    if ((e = own_hash(&h, cm, st, rng)) != VECHE_OK)
        e = veche_diag_set(d, e, "commitments: %s", veche_strerror(e));
    else if ((e = may_reveal(st, c, &h, d)) == VECHE_OK)
        e = veche_dkg_commitments_encode(buf, blen, cm);
    free(cm);
    if (e != VECHE_OK)
        return e;
    return sign_entry(entry, len, VECHE_TTYPE_COMMITMENTS,
                      trustee_body(st, "commitments", veche_b64_json(buf, blen)), st, author, d);
}

veche_err veche_trustee_shares_entry(char **entry, size_t *len, const veche_trustee_state *st,
                                     const veche_ceremony *c, const veche_key *author,
                                     veche_diag *d)
{
    json_t *a;
    veche_dkg_share m;
    uint8_t buf[VECHE_DKG_SHARE_BYTES];
    veche_err e;

    *entry = NULL;
    if ((e = may_reveal(st, c, NULL, d)) != VECHE_OK)
        return e;
    if ((a = json_array()) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    for (uint32_t j = 1; j <= st->dkg.params.n; j++) {
        if (j == st->dkg.key.i)
            continue;
        if ((e = veche_dkg_share_seal(&m, &st->dkg, &c->tr[j].key)) != VECHE_OK) {
            json_decref(a);
            return veche_diag_set(d, e, "sealing the share to trustee %u: %s", j,
                                  veche_strerror(e));
        }
        veche_dkg_share_encode(buf, &m);
        json_array_append_new(a, veche_b64_json(buf, sizeof buf));
    }
    return sign_entry(entry, len, VECHE_TTYPE_SHARES, trustee_body(st, "shares", a), st, author, d);
}

veche_err veche_trustee_complaint_entry(char **entry, size_t *len,
                                        const veche_trustee_state *st,
                                        const veche_ceremony *c, uint32_t dealer,
                                        const veche_key *author, veche_rng *rng,
                                        veche_diag *d)
{
    veche_dkg_complaint cp;
    uint8_t buf[VECHE_DKG_COMPLAINT_BYTES];
    veche_err e;

    *entry = NULL;
    if (dealer < 1 || dealer > st->dkg.params.n || dealer == st->dkg.key.i)
        return veche_diag_set(d, VECHE_EINVALID, "no trustee %u to complain against", dealer);
    if (!step_ok(c, dealer, VECHE_ROUND_COMMITMENTS) || !step_ok(c, dealer, VECHE_ROUND_SHARES))
        return veche_diag_set(d, VECHE_EINVALID, "trustee %u has no valid commitments and "
                              "shares on the record: nothing to complain about", dealer);
    if (c->key_present)
        return veche_diag_set(d, VECHE_EINVALID, "the ceremony is closed (election.key at entry "
                              "%llu)", (unsigned long long)c->key_index);
    if ((e = veche_dkg_complain(&cp, &st->dkg, &c->tr[dealer].key, rng)) != VECHE_OK)
        return veche_diag_set(d, e, "complaint: %s", veche_strerror(e));
    veche_dkg_complaint_encode(buf, &cp);
    return sign_entry(entry, len, VECHE_TTYPE_COMPLAINT,
                      trustee_body(st, "complaint", veche_b64_json(buf, sizeof buf)), st, author,
                      d);
}

veche_err veche_trustee_open_shares(veche_trustee_state *st, const veche_ceremony *c,
                                    uint32_t bad_[], size_t *nbad, veche_diag *d)
{
    uint32_t me = st->dkg.key.i;
    veche_err e;

    *nbad = 0;
    if ((e = veche_trustee_state_check(st, c->manifest, st->manifest_hash, c, d)) != VECHE_OK)
        return e;
    if (!step_ok(c, me, VECHE_ROUND_KEY))
        return veche_diag_set(d, VECHE_EINVALID, "trustee %u's key is not on the record", me);
    if ((e = veche_dkg_share_eval(&st->share[me], &st->dkg, me)) != VECHE_OK)
        return veche_diag_set(d, e, "own share: %s", veche_strerror(e));
    st->have_share[me] = 1;
    for (uint32_t dl = 1; dl <= c->params.n; dl++) {
        const veche_ceremony_trustee *tr = &c->tr[dl];
        if (dl == me || !step_ok(c, dl, VECHE_ROUND_COMMITMENTS) ||
            !step_ok(c, dl, VECHE_ROUND_SHARES))
            continue;
        e = veche_dkg_share_open(&st->share[dl], &tr->share[me], &st->dkg, &tr->key,
                                 &tr->commitments);
        st->have_share[dl] = e == VECHE_OK;
        if (e == VECHE_EDECRYPT || e == VECHE_EENCODING || e == VECHE_EVERIFY) {
            if (complaint_find(c, me, dl) == NULL)
                bad_[(*nbad)++] = dl;
        } else if (e != VECHE_OK) {
            return veche_diag_set(d, e, "opening trustee %u's share: %s", dl, veche_strerror(e));
        }
    }
    return VECHE_OK;
}

veche_err veche_trustee_secret_share(veche_trustee_state *st, const veche_ceremony *c,
                                     veche_diag *d)
{
    uint32_t me = st->dkg.key.i;
    veche_scalar mine[VECHE_DKG_MAX_TRUSTEES];
    veche_err e;

    if (!c->have_K)
        return veche_diag_set(d, VECHE_EINVALID, "no joint key yet: %s", c->why);
    if (me < 1 || me > c->params.n || !c->tr[me].qualified)
        return veche_diag_set(d, VECHE_EINVALID, "trustee %u is not qualified", me);
    for (size_t q = 0; q < c->nqual; q++)
        if (!st->have_share[c->qual[q]])
            return veche_diag_set(d, VECHE_EINVALID, "no checked share from trustee %u: open the "
                                  "shares first (and complain if it does not open)", c->qual[q]);
    for (size_t q = 0; q < c->nqual; q++)
        mine[q] = st->share[c->qual[q]];
    e = veche_dkg_secret_share(&st->x, mine, c->nqual, &c->Kj[me]);
    sodium_memzero(mine, sizeof mine);
    st->have_x = e == VECHE_OK;
    if (e != VECHE_OK)
        return veche_diag_set(d, e, "x_%u·G is not K_%u: the shares kept do not add up", me, me);
    memcpy(st->x_qual, c->qual, c->nqual * sizeof c->qual[0]);
    st->x_nqual = c->nqual;
    return VECHE_OK;
}

/* One row of DSHAREs: contest cc's explicit selections. */
static veche_err dshare_row(json_t *row, const veche_trustee_state *st, const veche_ceremony *c,
                            const veche_ceremony_tally *tally, size_t cc,
                            const uint8_t fingerprint[32], veche_rng *rng)
{
    uint32_t me = st->dkg.key.i;
    uint8_t buf[VECHE_DSHARE_BYTES];
    veche_dshare sh;
    veche_err e;

    for (size_t s = 0; s < tally->nsel[cc]; s++) {
        e = veche_dshare_make(&sh, me, &st->x, &c->Kj[me], &tally->ct[cc][s], fingerprint,
                              VECHE_DECRYPTION_ITEM(cc, s), rng);
        if (e != VECHE_OK)
            return e;
        veche_dshare_encode(buf, &sh);
        if (json_array_append_new(row, veche_b64_json(buf, sizeof buf)) != 0)
            return VECHE_ENOMEM;
    }
    return VECHE_OK;
}

veche_err veche_trustee_decryption_entry(char **entry, size_t *len, veche_trustee_state *st,
                                         const veche_ceremony *c,
                                         const veche_ceremony_tally *tally,
                                         const uint8_t fingerprint[32],
                                         const veche_key *author, veche_rng *rng,
                                         veche_diag *d)
{
    json_t *a;
    veche_err e = VECHE_OK;

    *entry = NULL;
    if (c->phase != VECHE_PHASE_KEYED || !c->key_ok)
        return veche_diag_set(d, VECHE_EINVALID, "no correct election.key on the record: %s",
                              c->key_present ? c->key_why : c->why);
    if (tally->ncontests != c->manifest->ncontests)
        return veche_diag_set(d, VECHE_EINVALID, "the tally has %zu contests, the manifest %zu",
                              tally->ncontests, c->manifest->ncontests);
    if ((e = veche_trustee_secret_share(st, c, d)) != VECHE_OK)
        return e;
    if ((a = json_array()) == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    for (size_t cc = 0; cc < tally->ncontests && e == VECHE_OK; cc++) {
        json_t *row = json_array();
        if (row == NULL || json_array_append_new(a, row) != 0)
            e = VECHE_ENOMEM;
        else
            e = dshare_row(row, st, c, tally, cc, fingerprint, rng);
    }
    if (e != VECHE_OK) {
        json_decref(a);
        return veche_diag_set(d, e, "decryption shares: %s", veche_strerror(e));
    }
    return sign_entry(entry, len, VECHE_TTYPE_DECRYPTION, trustee_body(st, "shares", a), st,
                      author, d);
}
