/*
 * demo.c — `veche demo`: a complete election on a real record, verified.
 *
 * Everything goes through libveche, as the subcommands would, on a SQLite
 * board in a fresh directory (removed at the end unless --keep):
 *
 *    1. the roles: a board key, an administrator, a credential authority
 *       and three trustees, any two of whom can decrypt, each with a key;
 *    2. the manifest: a referendum (yes/no) and a council seat contest
 *       (up to 2 of 5 candidates);
 *    3. the trustees' key ceremony through the board (ceremony.h): keys,
 *       commits, commitments, sealed shares, each an entry; every trustee
 *       checks the shares dealt to it; the administrator publishes
 *       election.key as the ceremony gives it;
 *    4. credentials for N voters (default 1,000), most of weight 1, some
 *       2..5: secret codes for the voters, public credentials on the record;
 *    5. open;
 *    6. a Benaloh audit: one voter spoils a ballot, whose nonces show that
 *       it encrypts what was chosen; it is never cast;
 *    7. voting: every voter casts a ballot, 5% of them a second one with
 *       other choices (the last counts). Ballots are built on every core
 *       (pthreads, as on the voters' devices), each checked as a server
 *       would check it, then appended in durable batches;
 *    8. close; 9. the homomorphic tally (tally.h); 10. trustees 1 and 3
 *       publish decryption shares, trustee 2 is absent; 11. the result;
 *   12. a checkpoint and the export of the record;
 *   13. the verifier (verify.h) on the export: its 13 numbered checks;
 *   14. the published result against the plaintext choices the demo kept
 *       aside (weights and re-votes applied).
 *
 * It exits 0 only if every step worked, every check passed and the counts
 * match. The voters' codes and choices stay in this process; secrets are
 * wiped before it ends.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "board/board.h"
#include "board/export.h"
#include "cli/commands.h"
#include "cli/demo.h"
#include "election/ballot.h"
#include "election/ceremony.h"
#include "election/credentials.h"
#include "election/election.h"
#include "election/tally.h"
#include "election/verify.h"

#define DEMO_ID          "branch-7-2026"
#define DEMO_VOTERS      1000
#define DEMO_MAX_VOTERS  100000
#define DEMO_N           3          /* trustees */
#define DEMO_T           2          /* needed to decrypt */
#define DEMO_ABSENT      2          /* the trustee away at decryption */
#define DEMO_CONTESTS    2
#define DEMO_SEL         5          /* the most selections of a contest */
#define DEMO_BATCH       500        /* ballots per durable append */
#define DEMO_REVOTE_PCT  5
#define DEMO_MAX_THREADS 64
#define EXIT_USAGE       2

static const char *const trustee_name[DEMO_N + 1] = {"", "Amira", "Boris", "Chen"};
static const char *const candidate[DEMO_SEL] = {"Ana Petrova", "Ben Okafor", "Chen Wei",
                                                "Dana Kowalska", "Emil Haddad"};
static const uint32_t popularity[DEMO_SEL] = {30, 24, 19, 15, 12};

/* One voter, as the demo knows them: the code (secret), weight and choices. */
typedef struct voter {
    char     code[VECHE_CODE_CHARS + 1];
    uint32_t weight;
    uint8_t  first[DEMO_CONTESTS][DEMO_SEL];   /* the first ballot's choices */
    uint8_t  last[DEMO_CONTESTS][DEMO_SEL];    /* what counts */
    int      revotes;
} voter;

/* One ballot to build, check and append. */
typedef struct job {
    size_t    voter;
    int       second;      /* the re-vote */
    char     *entry;
    size_t    len;
    veche_err e;
    char      why[sizeof(veche_diag)];
} job;

typedef struct demo {
    size_t               nvoters, nrevotes;
    char                 dir[2048], db[2100], record[2100];
    int                  keep, made_dir;
    unsigned             cores;
    veche_key            board_key, admin, authority, tk[DEMO_N + 1];
    veche_board         *b;
    veche_trustee_state  st[DEMO_N + 1];
    veche_election      *el;       /* as loaded after open: for building ballots */
    veche_pubkey         K;
    int                  have_K;
    voter               *v;
    uint64_t             expected[DEMO_CONTESTS][DEMO_SEL], W;
    int                  step;
    double               t_step;
} demo;

/* ---- printing ---------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void step_start(demo *d)
{
    d->t_step = now_ms();
}

/* The step's headline, numbered, with the time since step_start. */
static void step_done(demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_done(demo *d, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    printf("%2d. %-66s %7.0f ms\n", ++d->step, what, now_ms() - d->t_step);
}

/* A step whose details come before its total: its numbered title now. */
static void step_head(demo *d, const char *title)
{
    printf("%2d. %s\n", ++d->step, title);
}

/* Such a step's closing line, indented, with the time since step_start. */
static void step_total(demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step_total(demo *d, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    printf("    %-66s %7.0f ms\n", what, now_ms() - d->t_step);
}

/* An indented line under a step. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;

    printf("    ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* Reports a failed step; returns 0 so callers can `return failed(...)`. */
static int failed(demo *d, const char *what, const char *why)
{
    printf("%2d. FAILED: %s: %s\n", d->step + 1, what, why);
    return 0;
}

/* ---- the record --------------------------------------------------------------------- */

/* Appends entries[0..n) as one durable batch. */
static int append(demo *d, char *const *entries, const size_t *lens, size_t n, uint64_t *first)
{
    veche_diag dg = {{0}};
    uint64_t at;

    if (veche_board_append(d->b, (const uint8_t *const *)entries, lens, n, first ? first : &at,
                           &dg) != VECHE_OK)
        return failed(d, "appending to the board", dg.msg);
    return 1;
}

/* Builds an entry of type with body (consumed), signed by k, and appends it. */
static int append_body(demo *d, const char *type, json_t *body, const veche_key *k,
                       uint64_t *at)
{
    veche_diag dg = {{0}};
    char *entry = NULL;
    size_t len;
    int ok;

    if (body == NULL)
        return failed(d, type, "out of memory");
    if (veche_entry_build(&entry, &len, type, body, k->sk, &dg) != VECHE_OK) {
        json_decref(body);
        return failed(d, type, dg.msg);
    }
    json_decref(body);
    ok = append(d, &entry, &len, 1, at);
    free(entry);
    return ok;
}

/* The election as the record says now; with the ceremony judged if c is not NULL. */
static int load(demo *d, veche_election **el, veche_ceremony **c)
{
    veche_diag dg = {{0}};

    *el = NULL;
    if (veche_election_load(el, d->b, DEMO_ID, NULL, NULL, &dg) != VECHE_OK)
        return failed(d, "reading the election from the board", dg.msg);
    if (c != NULL && veche_ceremony_evaluate_election(c, *el, &dg) != VECHE_OK) {
        veche_election_free(*el);
        *el = NULL;
        return failed(d, "judging the key ceremony", dg.msg);
    }
    return 1;
}

static void unload(veche_election *el, veche_ceremony *c)
{
    veche_ceremony_free(c);
    veche_election_free(el);
}

/* ---- 1. roles ------------------------------------------------------------------------- */

/* A fresh key, also written to DIR/<file>, so a kept directory can be explored. */
static int make_key(demo *d, veche_key *k, const char *name, const char *file)
{
    veche_diag dg = {{0}};
    char path[2200];

    snprintf(path, sizeof path, "%s/%s", d->dir, file);
    if (veche_key_generate(k, name, &dg) != VECHE_OK || veche_key_write(path, k, &dg) != VECHE_OK)
        return failed(d, "making a key", dg.msg);
    return 1;
}

static int roles(demo *d)
{
    veche_diag dg = {{0}};
    char name[32], file[32];

    step_start(d);
    if (!make_key(d, &d->board_key, "demo.veche.example/branch-7", "board.key") ||
        !make_key(d, &d->admin, "administrator", "admin.key") ||
        !make_key(d, &d->authority, "credential-authority", "authority.key"))
        return 0;
    for (uint32_t i = 1; i <= DEMO_N; i++) {
        snprintf(name, sizeof name, "trustee-%s", trustee_name[i]);
        snprintf(file, sizeof file, "trustee-%u.key", i);
        if (!make_key(d, &d->tk[i], name, file))
            return 0;
    }
    if (veche_board_create(&d->b, d->db, &d->board_key, &dg) != VECHE_OK)
        return failed(d, "creating the board", dg.msg);
    step_done(d, "The public record and the roles");
    note("a board on SQLite, with its own signing key; an administrator; a credential");
    note("authority; %d trustees (%s, %s, %s), any %d of whom can decrypt", DEMO_N,
         trustee_name[1], trustee_name[2], trustee_name[3], DEMO_T);
    return 1;
}

/* ---- 2. the manifest ------------------------------------------------------------------- */

static json_t *manifest_body(const demo *d)
{
    json_t *trustees = json_array(), *seats = json_array();
    time_t now = time(NULL);

    for (uint32_t i = 1; i <= DEMO_N; i++)
        json_array_append_new(trustees, json_pack("{s:s, s:o}", "name", trustee_name[i], "key",
                                                  veche_b64_json(d->tk[i].pk, 32)));
    for (size_t s = 0; s < DEMO_SEL; s++)
        json_array_append_new(seats, json_string(candidate[s]));
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:i, s:o, s:[{s:s, s:s, s:[s,s], s:i, s:i,"
                     " s:b}, {s:s, s:s, s:o, s:i, s:i, s:b}]}",
                     "election", DEMO_ID, "title", "Strike ballot and council election 2026",
                     "organisation", "Branch 7, Riverside Workers' Union",
                     "opens", (json_int_t)now, "closes", (json_int_t)now + 7 * 86400,
                     "trustees", trustees, "threshold", DEMO_T,
                     "credential_authority", veche_b64_json(d->authority.pk, 32), "contests",
                     "id", "strike", "question", "Shall the branch strike over the 2026 pay offer?",
                     "options", "yes", "no", "min", 1, "max", 1, "blank", 0,
                     "id", "council", "question", "Elect two delegates to the regional council",
                     "options", seats, "min", 0, "max", 2, "blank", 0);
}

static int manifest(demo *d)
{
    veche_election *el;
    uint64_t at;

    step_start(d);
    if (!append_body(d, VECHE_ETYPE_MANIFEST, manifest_body(d), &d->admin, &at) ||
        !load(d, &el, NULL))
        return 0;
    step_done(d, "The administrator publishes the manifest (entry %" PRIu64 ")", at);
    note("\"%s\", %s", el->manifest.title, el->manifest.organisation);
    note("strike:  %s  yes / no", el->manifest.contests[0].question);
    note("council: %s: up to 2 of 5 candidates", el->manifest.contests[1].question);
    unload(el, NULL);
    return 1;
}

/* ---- 3. the key ceremony ---------------------------------------------------------------- */

static int save_state(demo *d, uint32_t i, int create)
{
    veche_diag dg = {{0}};
    char path[2200];

    snprintf(path, sizeof path, "%s/trustee-%u.state", d->dir, i);
    if (veche_trustee_state_save(&d->st[i], path, create, &dg) != VECHE_OK)
        return failed(d, "saving a trustee's state", dg.msg);
    return 1;
}

/* Each trustee's fresh secret state, kept in its own file. */
static int ceremony_init(demo *d)
{
    veche_diag dg = {{0}};
    veche_election *el;
    int ok = 1;

    if (!load(d, &el, NULL))
        return 0;
    for (uint32_t i = 1; i <= DEMO_N && ok; i++) {
        if (veche_trustee_state_new(&d->st[i], &el->manifest, el->manifest_hash, d->tk[i].pk,
                                    NULL, &dg) != VECHE_OK)
            ok = failed(d, "a trustee's state", dg.msg);
        else
            ok = save_state(d, i, 1);
    }
    unload(el, NULL);
    return ok;
}

/* Trustee i's entry of one round (0 key, 1 commit, 2 commitments, 3 shares). */
static veche_err round_entry(demo *d, uint32_t i, int round, const veche_ceremony *c,
                             char **entry, size_t *len, veche_diag *dg)
{
    const veche_trustee_state *st = &d->st[i];
    const veche_key *k = &d->tk[i];

    switch (round) {
    case 0: return veche_trustee_key_entry(entry, len, st, k, dg);
    case 1: return veche_trustee_commit_entry(entry, len, st, k, dg);
    case 2: return veche_trustee_commitments_entry(entry, len, st, c, k, NULL, dg);
    default: return veche_trustee_shares_entry(entry, len, st, c, k, dg);
    }
}

/* One round: each trustee reads the record, builds its entry and appends it. */
static int ceremony_round(demo *d, int round)
{
    veche_diag dg = {{0}};
    veche_election *el;
    veche_ceremony *c;
    char *entry;
    size_t len;
    int ok = 1;

    for (uint32_t i = 1; i <= DEMO_N && ok; i++) {
        if (!load(d, &el, &c))
            return 0;
        if (round_entry(d, i, round, c, &entry, &len, &dg) != VECHE_OK)
            ok = failed(d, "a trustee's ceremony entry", dg.msg);
        else {
            ok = append(d, &entry, &len, 1, NULL);
            free(entry);
        }
        unload(el, c);
    }
    return ok;
}

/* Every trustee opens and checks the shares dealt to it; none may be bad. */
static int ceremony_check(demo *d, const veche_ceremony *c)
{
    veche_diag dg = {{0}};
    uint32_t bad[VECHE_DKG_MAX_TRUSTEES];
    size_t nbad = 0;

    for (uint32_t i = 1; i <= DEMO_N; i++) {
        if (veche_trustee_open_shares(&d->st[i], c, bad, &nbad, &dg) != VECHE_OK)
            return failed(d, "opening the shares", dg.msg);
        if (nbad != 0)
            return failed(d, "opening the shares", "a share does not match its commitments");
        if (!save_state(d, i, 0))
            return 0;
    }
    return 1;
}

/* The administrator publishes election.key as the ceremony, judged from the record, gives it. */
static int ceremony_key(demo *d, uint64_t *at, size_t *nqual)
{
    veche_diag dg = {{0}};
    veche_election *el;
    veche_ceremony *c;
    json_t *body;
    int ok;

    if (!load(d, &el, &c))
        return 0;
    ok = ceremony_check(d, c);
    if (ok && veche_ceremony_election_key_body(&body, c, &dg) != VECHE_OK)
        ok = failed(d, "the joint key", dg.msg);
    else if (ok)
        ok = append_body(d, VECHE_ETYPE_KEY, body, &d->admin, at);
    *nqual = c->nqual;
    unload(el, c);
    return ok;
}

static int ceremony(demo *d)
{
    uint64_t at;
    size_t nqual;

    step_start(d);
    if (!ceremony_init(d))
        return 0;
    for (int round = 0; round < 4; round++)
        if (!ceremony_round(d, round))
            return 0;
    if (!ceremony_key(d, &at, &nqual))
        return 0;
    step_done(d, "Key ceremony through the board: %d entries", 4 * DEMO_N + 1);
    note("%d trustee keys with proofs; %d commitments, hashed first, then revealed;", DEMO_N,
         DEMO_N);
    note("%d shares, each sealed to its trustee, opened and checked: no complaints", DEMO_N *
         (DEMO_N - 1));
    note("election.key (entry %" PRIu64 "): the joint key, %zu of %d trustees qualified", at,
         nqual, DEMO_N);
    note("each trustee's secrets stay in its own state file (mode 0600)");
    return 1;
}

/* ---- 4. credentials --------------------------------------------------------------------- */

/* Most members weigh 1; about one in seven carries 2 to 5 (say, delegates of sections). */
static uint32_t random_weight(void)
{
    return randombytes_uniform(100) < 85 ? 1 : 2 + randombytes_uniform(4);
}

static int credentials_publish(demo *d, const uint32_t *weights,
                               char (*codes)[VECHE_CODE_CHARS + 1], size_t *nparts)
{
    veche_diag dg = {{0}};
    veche_credential_list pub = {0};
    char **entries = NULL;
    size_t *lens = NULL;
    int ok;

    *nparts = 0;
    if (veche_credentials_generate(codes, &pub, DEMO_ID, weights, d->nvoters, NULL, &dg) !=
            VECHE_OK ||
        veche_credentials_build(&entries, &lens, nparts, DEMO_ID, &pub, d->authority.sk, &dg) !=
            VECHE_OK)
        ok = failed(d, "credentials", dg.msg);
    else
        ok = append(d, entries, lens, *nparts, NULL);
    veche_credentials_entries_free(entries, lens, *nparts);
    veche_credentials_free(&pub);
    return ok;
}

static int credentials(demo *d)
{
    uint32_t *weights = malloc(d->nvoters * sizeof *weights);
    char (*codes)[VECHE_CODE_CHARS + 1] = calloc(d->nvoters, sizeof *codes);
    size_t heavy = 0, nparts;
    uint64_t total = 0;
    int ok = weights != NULL && codes != NULL;

    step_start(d);
    for (size_t i = 0; ok && i < d->nvoters; i++) {
        weights[i] = d->v[i].weight = random_weight();
        total += weights[i];
        heavy += weights[i] > 1;
    }
    if (!ok)
        ok = failed(d, "credentials", "out of memory");
    else if ((ok = credentials_publish(d, weights, codes, &nparts)) != 0)
        for (size_t i = 0; i < d->nvoters; i++)   /* "delivered" to each voter */
            memcpy(d->v[i].code, codes[i], sizeof codes[i]);
    if (codes != NULL)
        sodium_memzero(codes, d->nvoters * sizeof *codes);
    free(codes);
    free(weights);
    if (!ok)
        return 0;
    step_done(d, "Credentials for %zu voters (%zu part%s on the record)", d->nvoters, nparts,
              nparts == 1 ? "" : "s");
    note("each voter gets a secret code: 21 symbols in groups of 3, the last a check;");
    note("the record lists only the public credentials, sorted: their order says nothing");
    note("weights: %zu members weigh 1, %zu weigh 2 to 5; total weight %" PRIu64,
         d->nvoters - heavy, heavy, total);
    return 1;
}

/* ---- 5. open ------------------------------------------------------------------------------ */

static int open_election(demo *d)
{
    char f64[45];
    veche_election *el;
    uint64_t at;
    int ok;

    step_start(d);
    if (!load(d, &el, NULL))
        return 0;
    if (!el->has_fingerprint) {
        unload(el, NULL);
        return failed(d, "opening", "no fingerprint: the key or the credentials are missing");
    }
    ok = append_body(d, VECHE_ETYPE_OPEN, json_pack("{s:s, s:o}", "election", DEMO_ID,
                                                    "fingerprint",
                                                    veche_b64_json(el->fingerprint, 32)),
                     &d->admin, &at);
    unload(el, NULL);
    if (!ok || !load(d, &d->el, NULL))
        return 0;
    if (veche_pubkey_decode(&d->K, d->el->K) != VECHE_OK)
        return failed(d, "opening", "the joint key does not decode");
    d->have_K = 1;
    sodium_bin2base64(f64, sizeof f64, d->el->fingerprint, 32, sodium_base64_VARIANT_ORIGINAL);
    step_done(d, "The administrator opens the election (entry %" PRIu64 ")", at);
    note("fingerprint %.16s...: binds the manifest, the joint key and the credentials", f64);
    return 1;
}

/* ---- choices ------------------------------------------------------------------------------- */

/* A candidate not yet picked, drawn by popularity. */
static size_t pick_candidate(const uint8_t picked[DEMO_SEL])
{
    uint32_t total = 0, r;
    size_t s;

    for (s = 0; s < DEMO_SEL; s++)
        total += picked[s] ? 0 : popularity[s];
    r = randombytes_uniform(total);
    for (s = 0; s < DEMO_SEL; s++) {
        if (picked[s])
            continue;
        if (r < popularity[s])
            break;
        r -= popularity[s];
    }
    return s;
}

/* Council: two names for most, one for some, none for a few. */
static void random_council(uint8_t mark[DEMO_SEL])
{
    uint32_t r = randombytes_uniform(10);
    size_t picks = r == 0 ? 0 : r <= 3 ? 1 : 2;

    memset(mark, 0, DEMO_SEL);
    for (size_t k = 0; k < picks; k++)
        mark[pick_candidate(mark)] = 1;
}

/* Every voter's first choices; a re-voter changes their mind on the strike. */
static void plan_choices(demo *d)
{
    for (size_t i = 0; i < d->nvoters; i++) {
        voter *v = &d->v[i];
        memset(v->first, 0, sizeof v->first);
        v->first[0][randombytes_uniform(100) < 62 ? 0 : 1] = 1;
        random_council(v->first[1]);
        memcpy(v->last, v->first, sizeof v->last);
    }
    d->nrevotes = (d->nvoters * DEMO_REVOTE_PCT + 99) / 100;
    for (size_t k = 0; k < d->nrevotes; k++) {
        voter *v = &d->v[k * d->nvoters / d->nrevotes];   /* spread over the roll */
        v->revotes = 1;
        v->last[0][0] = v->first[0][1];
        v->last[0][1] = v->first[0][0];
        random_council(v->last[1]);
    }
}

static void to_choices(veche_choices *ch, const uint8_t mark[DEMO_CONTESTS][DEMO_SEL])
{
    memset(ch, 0, sizeof *ch);
    for (size_t c = 0; c < DEMO_CONTESTS; c++)
        memcpy(ch->mark[c], mark[c], DEMO_SEL);
}

/* "strike yes; council Ana Petrova, Chen Wei" */
static void describe(char *out, size_t cap, const veche_choices *ch)
{
    size_t o = (size_t)snprintf(out, cap, "strike %s; council", ch->mark[0][0] ? "yes" : "no");
    int any = 0;

    for (size_t s = 0; s < DEMO_SEL && o < cap; s++)
        if (ch->mark[1][s]) {
            o += (size_t)snprintf(out + o, cap - o, "%s %s", any ? "," : "", candidate[s]);
            any = 1;
        }
    if (!any && o < cap)
        snprintf(out + o, cap - o, " nobody");
}

/* ---- 6. the Benaloh audit -------------------------------------------------------------------- */

/* Builds a ballot for voter i's first choices, keeping its nonces: the audit document. */
static int spoil(demo *d, size_t i, char **doc, size_t *dlen, veche_diag *dg)
{
    const veche_election *el = d->el;
    veche_ballot_secrets s;
    veche_choices ch;
    veche_scalar x;
    uint8_t X[32];
    char *entry = NULL;
    size_t len;
    veche_err e;

    to_choices(&ch, d->v[i].first);
    if ((e = veche_credential_derive(&x, X, DEMO_ID, d->v[i].code, dg)) == VECHE_OK &&
        (e = veche_ballot_build(&entry, &len, &el->manifest, &d->K, el->fingerprint, &x, X, &ch,
                                &s, NULL, dg)) == VECHE_OK) {
        e = veche_ballot_audit_format(doc, dlen, (const uint8_t *)entry, len, &el->manifest, &s,
                                      dg);
        veche_ballot_secrets_free(&s);
    }
    veche_scalar_wipe(&x);
    sodium_memzero(&ch, sizeof ch);
    free(entry);
    return e == VECHE_OK;
}

static int audit(demo *d)
{
    const veche_election *el = d->el;
    size_t i = randombytes_uniform((uint32_t)d->nvoters), dlen = 0;
    veche_choices chosen, want;
    veche_diag dg = {{0}};
    char tracking[VECHE_TRACKING_CODE_CHARS + 1], said[256], *doc = NULL;
    int ok;

    step_start(d);
    ok = spoil(d, i, &doc, &dlen, &dg) &&
         veche_ballot_audit_check(&chosen, tracking, (const uint8_t *)doc, dlen, &el->manifest,
                                  &d->K, el->fingerprint, &dg) == VECHE_OK;
    free(doc);
    if (!ok)
        return failed(d, "the Benaloh audit", dg.msg);
    to_choices(&want, d->v[i].first);
    if (memcmp(&chosen, &want, sizeof want) != 0)
        return failed(d, "the Benaloh audit", "the spoiled ballot does not encrypt the choices");
    describe(said, sizeof said, &chosen);
    step_done(d, "Benaloh audit: voter %zu tests the booth with a spoiled ballot", i + 1);
    note("tracking code %.12s...; its nonces are revealed (%zu bytes), and anyone can", tracking,
         dlen);
    note("check it encrypts: %s", said);
    note("as the voter chose. A spoiled ballot is never cast; the voter then votes normally");
    return 1;
}

/* ---- 7. voting --------------------------------------------------------------------------------- */

/* On a voter's device: derive the credential, encrypt, prove, sign. */
static void build_job(demo *d, job *j)
{
    const veche_election *el = d->el;
    const voter *v = &d->v[j->voter];
    veche_diag dg = {{0}};
    veche_choices ch;
    veche_scalar x;
    uint8_t X[32];

    to_choices(&ch, j->second ? v->last : v->first);
    j->e = veche_credential_derive(&x, X, DEMO_ID, v->code, &dg);
    if (j->e == VECHE_OK)
        j->e = veche_ballot_build(&j->entry, &j->len, &el->manifest, &d->K, el->fingerprint, &x,
                                  X, &ch, NULL, NULL, &dg);
    veche_scalar_wipe(&x);
    sodium_memzero(&ch, sizeof ch);
    if (j->e != VECHE_OK)
        snprintf(j->why, sizeof j->why, "%s", dg.msg);
}

/* On the server: the ballot verifies and its credential is on the list. */
static void check_job(demo *d, job *j)
{
    const veche_election *el = d->el;
    veche_diag dg = {{0}};
    veche_ballot b;

    j->e = veche_ballot_verify(&b, (const uint8_t *)j->entry, j->len, &el->manifest, &d->K,
                               el->fingerprint, &dg);
    if (j->e != VECHE_OK) {
        snprintf(j->why, sizeof j->why, "%s", dg.msg);
        return;
    }
    if (veche_credentials_find(&el->creds, b.credential) == NULL) {
        j->e = VECHE_EINVALID;
        snprintf(j->why, sizeof j->why, "the credential is not on the list");
    }
    veche_ballot_free(&b);
}

typedef struct pool {
    demo         *d;
    job          *jobs;
    size_t        n;
    atomic_size_t next;
    void        (*fn)(demo *d, job *j);
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;

    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        p->fn(p->d, &p->jobs[i]);
    }
}

/* fn on every job, one thread per core; the first job that failed, or NULL. */
static const job *run_parallel(demo *d, job *jobs, size_t n, void (*fn)(demo *, job *))
{
    pthread_t t[DEMO_MAX_THREADS];
    pool p = {.d = d, .jobs = jobs, .n = n, .fn = fn};
    unsigned started = 0;

    atomic_init(&p.next, 0);
    for (unsigned k = 0; k < d->cores; k++)
        if (pthread_create(&t[started], NULL, pool_worker, &p) == 0)
            started++;
    if (started == 0)
        pool_worker(&p);
    for (unsigned k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    for (size_t k = 0; k < n; k++)
        if (jobs[k].e != VECHE_OK)
            return &jobs[k];
    return NULL;
}

/* The ballots in casting order: every voter once, then the re-votes. */
static job *plan_jobs(demo *d, size_t *n)
{
    job *jobs = calloc(d->nvoters + d->nrevotes, sizeof *jobs);
    size_t k = 0;

    if (jobs == NULL)
        return NULL;
    for (size_t i = 0; i < d->nvoters; i++)
        jobs[k++].voter = i;
    for (size_t i = 0; i < d->nvoters; i++)
        if (d->v[i].revotes) {
            jobs[k].voter = i;
            jobs[k++].second = 1;
        }
    *n = k;
    return jobs;
}

typedef struct cast_times {
    double build, check, append;
    size_t batches;
} cast_times;

/* Builds, checks and appends jobs[0..n) as one durable batch. */
static int cast_batch(demo *d, job *jobs, size_t n, cast_times *t)
{
    char *entries[DEMO_BATCH];
    size_t lens[DEMO_BATCH];
    const job *bad;
    double t0 = now_ms();

    if ((bad = run_parallel(d, jobs, n, build_job)) != NULL)
        return failed(d, "building a ballot", bad->why);
    t->build += now_ms() - t0;
    t0 = now_ms();
    if ((bad = run_parallel(d, jobs, n, check_job)) != NULL)
        return failed(d, "a ballot the server would refuse", bad->why);
    t->check += now_ms() - t0;
    t0 = now_ms();
    for (size_t k = 0; k < n; k++) {
        entries[k] = jobs[k].entry;
        lens[k] = jobs[k].len;
    }
    if (!append(d, entries, lens, n, NULL))
        return 0;
    t->append += now_ms() - t0;
    t->batches++;
    return 1;
}

static int voting(demo *d)
{
    cast_times t = {0, 0, 0, 0};
    char line[80];
    size_t n = 0;
    job *jobs;
    int ok = 1;

    step_start(d);
    if ((jobs = plan_jobs(d, &n)) == NULL)
        return failed(d, "voting", "out of memory");
    for (size_t k = 0; k < n && ok; k += DEMO_BATCH) {
        size_t m = n - k < DEMO_BATCH ? n - k : DEMO_BATCH;
        ok = cast_batch(d, jobs + k, m, &t);
        for (size_t l = k; l < k + m; l++) {
            free(jobs[l].entry);
            jobs[l].entry = NULL;
        }
    }
    free(jobs);
    if (!ok)
        return 0;
    step_done(d, "Voting: %zu ballots from %zu voters, %zu of whom vote again", n, d->nvoters,
              d->nrevotes);
    note("%-66s %7.0f ms", "encrypted, proven and signed (every core stands in for devices)",
         t.build);
    note("%-66s %7.0f ms", "each checked as a server would: proofs, signature, on the list",
         t.check);
    snprintf(line, sizeof line, "appended to the record in %zu durable batch%s", t.batches,
             t.batches == 1 ? "" : "es");
    note("%-66s %7.0f ms", line, t.append);
    note("a re-vote supersedes the voter's first ballot; only the last one counts");
    return 1;
}

/* ---- 8-11. close, tally, decryption, result ------------------------------------------------------ */

static int close_election(demo *d)
{
    uint64_t at;

    step_start(d);
    if (!append_body(d, VECHE_ETYPE_CLOSE, json_pack("{s:s}", "election", DEMO_ID), &d->admin,
                     &at))
        return 0;
    step_done(d, "The administrator closes the election (entry %" PRIu64 ")", at);
    return 1;
}

/* The count of the record as it stands: who counts, and the encrypted sums. */
static int count(demo *d, veche_count **c)
{
    veche_record_src src = {d->b, NULL};
    veche_diag dg = {{0}};
    veche_votes *votes;

    *c = NULL;
    if (veche_votes_load(&votes, &src, DEMO_ID, &dg) != VECHE_OK)
        return failed(d, "reading the ballots", dg.msg);
    if (veche_count_ballots(c, votes, 0, &dg) != VECHE_OK) {
        veche_votes_free(votes);
        return failed(d, "counting", dg.msg);
    }
    veche_votes_free(votes);
    return 1;
}

static int tally(demo *d)
{
    veche_diag dg = {{0}};
    veche_count *c;
    json_t *body;
    uint64_t at;
    int ok;

    step_start(d);
    if (!count(d, &c))
        return 0;
    if (veche_tally_body(&body, d->el, c, &dg) != VECHE_OK)
        ok = failed(d, "the tally", dg.msg);
    else
        ok = append_body(d, VECHE_ETYPE_TALLY, body, &d->admin, &at);
    if (ok) {
        step_done(d, "Tally: the ballots added up while still encrypted (entry %" PRIu64 ")", at);
        note("%" PRIu64 " ballots counted, %" PRIu64 " superseded by a later one, %" PRIu64
             " skipped; total weight %" PRIu64, c->n[VECHE_FATE_COUNTED],
             c->n[VECHE_FATE_SUPERSEDED], c->nballots - c->n[VECHE_FATE_COUNTED] -
             c->n[VECHE_FATE_SUPERSEDED], c->weight);
        note("each ballot verified again, on every core; no ballot is ever decrypted");
    }
    veche_count_free(c);
    return ok;
}

/* Trustee j reads the record, checks the ceremony, and decrypts the published tally. */
static int decrypt_one(demo *d, uint32_t j, uint64_t *at)
{
    veche_diag dg = {{0}};
    veche_ceremony_tally *t = malloc(sizeof *t);
    const veche_election_entry *te;
    veche_election *el;
    veche_ceremony *c;
    char *entry = NULL;
    size_t len;
    int ok = 0;

    if (t == NULL)
        return failed(d, "decryption", "out of memory");
    if (load(d, &el, &c)) {
        if ((te = veche_admin_first(el, &el->tallies)) == NULL)
            failed(d, "decryption", "no election.tally on the record");
        else if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &dg) != VECHE_OK ||
                 veche_trustee_decryption_entry(&entry, &len, &d->st[j], c, t, el->fingerprint,
                                                &d->tk[j], NULL, &dg) != VECHE_OK)
            failed(d, "a trustee's decryption", dg.msg);
        else
            ok = append(d, &entry, &len, 1, at);
        unload(el, c);
    }
    free(entry);
    free(t);
    return ok;
}

static int decrypt(demo *d)
{
    uint64_t at[DEMO_N + 1];

    step_start(d);
    for (uint32_t j = 1; j <= DEMO_N; j++)
        if (j != DEMO_ABSENT && !decrypt_one(d, j, &at[j]))
            return 0;
    step_done(d, "Decryption: %s and %s publish their shares; %s is away", trustee_name[1],
              trustee_name[3], trustee_name[DEMO_ABSENT]);
    note("trustee 1 (entry %" PRIu64 ") and trustee 3 (entry %" PRIu64 "): one share per "
         "selection,", at[1], at[3]);
    note("each with a proof that it is correct; %d of %d trustees are enough", DEMO_T, DEMO_N);
    return 1;
}

/* The result from the accepted decryption shares, as the administrator computes it. */
static int result_compute(demo *d, const veche_election *el, const veche_ceremony *c,
                          json_t **body)
{
    veche_diag dg = {{0}};
    veche_ceremony_tally *t = malloc(sizeof *t);
    const veche_election_entry *te = veche_admin_first(el, &el->tallies);
    veche_decryption dec;
    veche_result r;
    uint32_t set[VECHE_DKG_MAX_TRUSTEES];
    size_t ignored, n;
    uint64_t bad, W;
    int ok = 0;

    if (t == NULL || te == NULL) {
        free(t);
        return failed(d, "the result", t == NULL ? "out of memory" : "no tally");
    }
    W = (uint64_t)json_integer_value(json_object_get(te->body, "weight"));
    if (veche_ceremony_tally_parse(t, te->body, &el->manifest, &dg) != VECHE_OK ||
        veche_decryption_init(&dec, c, t, el->fingerprint, &dg) != VECHE_OK) {
        free(t);
        return failed(d, "the result", dg.msg);
    }
    if (veche_decryptions_judge(&dec, el, &ignored, &bad, &dg) == VECHE_OK) {
        n = veche_decryption_set(&dec, set);
        ok = veche_result_compute(&r, &dec, set, n, W, &dg) == VECHE_OK &&
             veche_result_body(body, el, &r, &dg) == VECHE_OK;
    }
    if (!ok)
        failed(d, "the result", dg.msg);
    veche_decryption_free(&dec);
    free(t);
    return ok;
}

static int result(demo *d)
{
    veche_election *el;
    veche_ceremony *c;
    json_t *body = NULL;
    uint64_t at;
    int ok;

    step_start(d);
    if (!load(d, &el, &c))
        return 0;
    ok = result_compute(d, el, c, &body);
    unload(el, c);
    if (!ok || !append_body(d, VECHE_ETYPE_RESULT, body, &d->admin, &at))
        return 0;
    step_done(d, "Result: the shares combined, the totals published (entry %" PRIu64 ")", at);
    return 1;
}

/* ---- 12-13. export and verify --------------------------------------------------------------------- */

static int export_record(demo *d)
{
    veche_diag dg = {{0}};
    char *note_text = NULL;

    step_start(d);
    if (veche_board_checkpoint(d->b, &note_text, &dg) != VECHE_OK)
        return failed(d, "the checkpoint", dg.msg);
    free(note_text);
    if (veche_board_export(d->b, d->record, &dg) != VECHE_OK)
        return failed(d, "exporting the record", dg.msg);
    step_done(d, "Checkpoint signed over all %" PRIu64 " entries; the record exported",
              veche_board_size(d->b));
    note("record/: entries.jsonl, checkpoint and board.vkey, all anyone needs to check it");
    return 1;
}

typedef struct verify_seen {
    int passed;
    int status[VECHE_VERIFY_CHECKS + 1];
} verify_seen;

/* Prints one check; long details are cut for reading (a failure is printed whole). */
static void verify_print(void *arg, const char *election, int number, const char *name,
                         int status, const char *detail)
{
    verify_seen *s = arg;
    const char *word = status == VECHE_CHECK_PASS ? "PASS" : status == VECHE_CHECK_SKIP ? "SKIP"
                                                                                        : "FAIL";
    (void)election;
    if (number >= 1 && number <= VECHE_VERIFY_CHECKS) {
        s->status[number] = status;
        s->passed += status == VECHE_CHECK_PASS;
    }
    if (status == VECHE_CHECK_PASS && strlen(detail) > 64)
        printf("    %2d. %-21s %s  %.61s...\n", number, name, word, detail);
    else
        printf("    %2d. %-21s %s  %s\n", number, name, word, detail);
}

static int verify(demo *d)
{
    veche_verify_opts o = {.board_key = veche_board_key(d->b)};
    veche_verify_report rep;
    verify_seen seen = {0, {0}};
    veche_err e;

    step_start(d);
    step_head(d, "Independent verification of the exported record (the verifier, verify.h)");
    e = veche_verify(d->record, DEMO_ID, &o, verify_print, &seen, &rep);
    step_total(d, "%d of %d checks passed; %" PRIu64 " ballots examined, %" PRIu64 " counted",
               seen.passed, VECHE_VERIFY_CHECKS, rep.ballots, rep.counted);
    if (e != VECHE_OK || seen.passed != VECHE_VERIFY_CHECKS)
        return failed(d, "verification", rep.check ? veche_check_name(rep.check)
                                                   : "not every check passed");
    return 1;
}

/* ---- 14. the published result against the choices kept aside ------------------------------------- */

static void expected_counts(demo *d)
{
    memset(d->expected, 0, sizeof d->expected);
    d->W = 0;
    for (size_t i = 0; i < d->nvoters; i++) {
        const voter *v = &d->v[i];
        d->W += v->weight;
        for (size_t c = 0; c < DEMO_CONTESTS; c++)
            for (size_t s = 0; s < DEMO_SEL; s++)
                d->expected[c][s] += v->last[c][s] * (uint64_t)v->weight;
    }
}

/* One row per selection; returns how many differ. */
static int compare_rows(demo *d, const json_t *counts)
{
    static const char *const yes_no[] = {"yes", "no"};
    static const char *const contest[] = {"strike", "council"};
    const size_t nsel[DEMO_CONTESTS] = {2, DEMO_SEL};
    int wrong = 0;

    printf("    %-8s %-16s %10s %10s\n", "contest", "selection", "published", "expected");
    for (size_t c = 0; c < DEMO_CONTESTS; c++)
        for (size_t s = 0; s < nsel[c]; s++) {
            json_t *v = json_array_get(json_array_get(counts, c), s);
            uint64_t got = (uint64_t)json_integer_value(v);
            int same = json_is_integer(v) && got == d->expected[c][s];
            wrong += !same;
            printf("    %-8s %-16s %10" PRIu64 " %10" PRIu64 "%s\n", s ? "" : contest[c],
                   c ? candidate[s] : yes_no[s], got, d->expected[c][s], same ? "" : "  DIFFERS");
        }
    if (json_array_size(counts) != DEMO_CONTESTS ||
        json_array_size(json_array_get(counts, 0)) != nsel[0] ||
        json_array_size(json_array_get(counts, 1)) != nsel[1])
        wrong++;
    return wrong;
}

/* Reads election.result back from the export: what was published, not what was computed. */
static int compare(demo *d)
{
    veche_diag dg = {{0}};
    const veche_election_entry *re;
    veche_election *el;
    int wrong;

    step_start(d);
    expected_counts(d);
    if (veche_election_load_export(&el, d->record, DEMO_ID, NULL, NULL, &dg) != VECHE_OK)
        return failed(d, "reading the exported record", dg.msg);
    if ((re = veche_admin_first(el, &el->results)) == NULL) {
        veche_election_free(el);
        return failed(d, "the comparison", "no election.result in the export");
    }
    step_head(d, "The published result against the choices the demo kept aside");
    note("election.result, entry %" PRIu64 " of the export; expected: each voter's last choices,",
         re->index);
    note("times their weight");
    wrong = compare_rows(d, json_object_get(re->body, "counts"));
    veche_election_free(el);
    step_total(d, "%s", wrong ? "the published result DIFFERS from the choices made"
                              : "the published result equals the choices made");
    return wrong ? failed(d, "the comparison", "the published result differs") : 1;
}

/* ---- the directory ---------------------------------------------------------------------------- */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level == 0)
        return 0;   /* the directory itself: rmdir'd by the caller if the demo made it */
    return remove(path) == 0 ? 0 : -1;
}

static void remove_dir(demo *d)
{
    if (nftw(d->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0 ||
        (d->made_dir && rmdir(d->dir) != 0))
        fprintf(stderr, "veche demo: could not remove all of %s\n", d->dir);
}

/* 1 if path is a directory with nothing in it. */
static int is_empty_dir(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *e;
    int n = 0;

    if (dir == NULL)
        return 0;
    while ((e = readdir(dir)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dir);
    return n == 0;
}

/* DIR: made if absent; if present, it must be an empty directory. */
static int prepare_dir(demo *d, const char *dir)
{
    const char *tmp = getenv("TMPDIR");

    if (dir == NULL) {
        snprintf(d->dir, sizeof d->dir, "%s/veche-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(d->dir) == NULL)
            return fprintf(stderr, "veche demo: %s: %s\n", d->dir, strerror(errno)), 0;
        d->made_dir = 1;
    } else if (snprintf(d->dir, sizeof d->dir, "%s", dir) >= (int)sizeof d->dir) {
        return fprintf(stderr, "veche demo: --dir: path too long\n"), 0;
    } else if (mkdir(d->dir, 0700) == 0) {
        d->made_dir = 1;
    } else if (errno != EEXIST || !is_empty_dir(d->dir)) {
        return fprintf(stderr, "veche demo: --dir %s: must be a new or an empty directory\n",
                       d->dir), 0;
    }
    snprintf(d->db, sizeof d->db, "%s/board.db", d->dir);
    snprintf(d->record, sizeof d->record, "%s/record", d->dir);
    return 1;
}

/* ---- the command -------------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: veche demo [--voters N] [--dir DIR] [--keep]\n"
            "       veche demo --crypto [--votes N]\n"
            "\n"
            "Runs a complete election on a SQLite record and verifies it: 3 trustees (any 2\n"
            "decrypt; one is absent at the end), N voters (default %d, at most %d) with\n"
            "weights, a referendum and a 2-of-5 council contest, 5%% re-votes, a Benaloh\n"
            "audit; then the tally, the decryption, the result, and the verifier's 13 checks\n"
            "on the exported record; finally the published result is compared with the\n"
            "choices the demo made. Exits 0 only if everything verified and matched.\n"
            "\n"
            "  --voters N  how many voters\n"
            "  --dir DIR   where the record and keys go (a new or empty directory;\n"
            "              default: a fresh directory under $TMPDIR or /tmp)\n"
            "  --keep      keep DIR at the end (otherwise it is removed)\n"
            "  --crypto    instead: the cryptographic core alone, without the record\n"
            "              (N yes/no votes, default 300)\n",
            DEMO_VOTERS, DEMO_MAX_VOTERS);
}

typedef struct args {
    size_t      voters;
    const char *dir;
    int         keep;
} args;

/* Parses the options; returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"voters", required_argument, NULL, 'v'}, {"dir", required_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'k'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long n;
    char *end;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            n = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || n < 1 || n > DEMO_MAX_VOTERS)
                return fprintf(stderr, "veche demo: --voters takes a number from 1 to %d\n",
                               DEMO_MAX_VOTERS), EXIT_USAGE;
            a->voters = n;
            break;
        case 'd': a->dir = optarg; break;
        case 'k': a->keep = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

/* `veche demo --crypto ...`: the crypto demo, given the line without "--crypto". */
static int crypto_demo(int argc, char **argv)
{
    char *rest[64];
    int n = 0;

    if (argc > 64)
        return fprintf(stderr, "veche demo: too many arguments\n"), EXIT_USAGE;
    for (int i = 0; i < argc; i++)
        if (i == 0 || strcmp(argv[i], "--crypto") != 0)
            rest[n++] = argv[i];
    rest[n] = NULL;
    return veche_demo_crypto(n, rest);
}

static int run(demo *d)
{
    plan_choices(d);
    return roles(d) && manifest(d) && ceremony(d) && credentials(d) && open_election(d) &&
           audit(d) && voting(d) && close_election(d) && tally(d) && decrypt(d) && result(d) &&
           export_record(d) && verify(d) && compare(d);
}

static void demo_free(demo *d)
{
    veche_board_close(d->b);
    veche_election_free(d->el);
    if (d->have_K)
        veche_pubkey_free(&d->K);
    for (uint32_t i = 1; i <= DEMO_N; i++) {
        veche_trustee_state_wipe(&d->st[i]);
        veche_key_wipe(&d->tk[i]);
    }
    veche_key_wipe(&d->board_key);
    veche_key_wipe(&d->admin);
    veche_key_wipe(&d->authority);
    if (d->v != NULL)
        sodium_memzero(d->v, d->nvoters * sizeof *d->v);
    free(d->v);
    free(d);
}

static void start(const demo *d)
{
    printf("veche demo: a complete election, on a SQLite record, verified from the record\n");
    printf("%zu voters, %u core%s; working in %s (%s at the end)\n\n", d->nvoters, d->cores,
           d->cores == 1 ? "" : "s", d->dir, d->keep ? "kept" : "removed");
}

static void finish(demo *d, int ok, double t0)
{
    if (ok)
        printf("\nEvery check passed: the record verifies, and its result is what the voters "
               "chose.\n");
    else
        printf("\nDEMO FAILED\n");
    printf("total %.1f s\n", (now_ms() - t0) / 1e3);
    if (d->keep)
        printf("kept: %s (board.db, record/, the keys and the trustees' state files)\n"
               "check it yourself: veche verify %s\n", d->dir, d->record);
    else
        remove_dir(d);
}

int veche_cmd_demo(int argc, char **argv)
{
    args a = {DEMO_VOTERS, NULL, 0};
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    double t0 = now_ms();
    int status, ok;
    demo *d;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--crypto") == 0)
            return crypto_demo(argc, argv);
    if ((status = parse_args(argc, argv, &a)) >= 0)
        return status;
    if ((d = calloc(1, sizeof *d)) == NULL || (d->v = calloc(a.voters, sizeof *d->v)) == NULL) {
        free(d);
        return fprintf(stderr, "veche demo: out of memory\n"), 1;
    }
    d->nvoters = a.voters;
    d->keep = a.keep;
    d->cores = online < 1 ? 1 : online > DEMO_MAX_THREADS ? DEMO_MAX_THREADS : (unsigned)online;
    if (!prepare_dir(d, a.dir)) {
        demo_free(d);
        return 1;
    }
    start(d);
    ok = run(d);
    veche_board_close(d->b);   /* before the files go */
    d->b = NULL;
    finish(d, ok, t0);
    demo_free(d);
    return ok ? 0 : 1;
}
