/*
 * council_state.c — what `veche serve` keeps about councils (issue 6): a
 * cache of each council's loaded state, the roll keeper's key, the map of
 * members to their standing credentials, and where publication bodies live.
 *
 * The cache. Loading a council (veche_council_load) reads the whole record,
 * so each council's load is kept and handed out by reference, like the
 * election cache of state.c. A load is made stale by any non-ballot entry
 * appended (srv_council_touched, called by the writer's hook in state.c:
 * ballots never change a council) or by age (mandate statuses and due
 * re-elections depend on the clock), and the next reader makes a new one
 * through a board handle of its own, so it never holds the shared handle's
 * lock while it reads the record. The generation is read BEFORE loading: a
 * load that raced an append is stored with the older generation and
 * replaced at the next read, never kept as current.
 *
 * The roll keeper R (DB.keys/roll.key, 0600) signs council.roll entries; it
 * is made on first need, since most boards never hold a council.
 *
 * The standing map (DB.keys/standing.map, 0600): one line per join,
 * "COUNCIL MEMBER BASE64(X)", appended and fsync'd by the writer just before
 * the join's entries are appended. It holds public keys, never codes, but it
 * links a member id to a credential: the credential authority needs it to
 * remove the right credential when a member leaves or is excluded. The last
 * line for a (council, member) wins: a line whose append then failed is
 * superseded by the next successful join of that id (a join of an id already
 * on the record is refused before its line is written).
 *
 * Bodies: DB.bodies/<hex of SHA-256>, made on first need (public content).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "council/council.h"
#include "server/internal.h"

#define COUNCIL_MAX_AGE  30          /* seconds a load is trusted for the clock-derived facts */
#define MAP_LINE_MAX     (2 * (VECHE_COUNCIL_ID_MAX + 1) + 64)

/* A cached load, shared by reference. */
typedef struct cload {
    veche_council c;                 /* first: handed out as a veche_council */
    unsigned      refs;
    uint64_t      gen;               /* the generation it was loaded at */
    int64_t       loaded;            /* time(NULL) at load */
} cload;

typedef struct cslot {
    char   id[VECHE_COUNCIL_ID_MAX + 1];
    cload *cur;
    int    loading;                  /* a thread is loading it: others wait, not load too */
} cslot;

typedef struct mapline {
    char    council[VECHE_COUNCIL_ID_MAX + 1];
    char    member[VECHE_COUNCIL_ID_MAX + 1];
    uint8_t X[32];
} mapline;

typedef struct cstate {
    pthread_mutex_t mu;              /* everything below */
    pthread_cond_t  loaded;          /* a slot's load finished */
    uint64_t        gen;             /* bumped by every non-ballot append */
    cslot          *slots;           /* one per council.create on the record, in order */
    size_t          nslots, capslots;
    veche_key       roll;            /* the roll keeper R, once has_roll */
    int             has_roll;
    mapline        *map;             /* the standing map, in file order */
    size_t          nmap, capmap;
    char            bodies[1100];    /* DB.bodies */
} cstate;

#define CS(st) ((cstate *)(st)->council)

/* ---- the cache -------------------------------------------------------------------------- */

static void cload_free(cload *l)
{
    if (l == NULL)
        return;
    veche_council_free(&l->c);
    free(l);
}

/* Drops one reference (under mu); what to free after unlocking, or NULL. */
static cload *cload_unref(cload *l)
{
    return l != NULL && --l->refs == 0 ? l : NULL;
}

static long slot_find(const cstate *cs, const char *id)
{
    for (size_t i = 0; i < cs->nslots; i++)
        if (strcmp(cs->slots[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* Adds a slot for id unless there is one (under mu); -1 out of memory. */
static int slot_add(cstate *cs, const char *id)
{
    if (slot_find(cs, id) >= 0)
        return 0;
    if (cs->nslots == cs->capslots) {
        size_t cap = cs->capslots ? 2 * cs->capslots : 8;
        cslot *s = realloc(cs->slots, cap * sizeof *s);
        if (s == NULL)
            return -1;
        cs->slots = s;
        cs->capslots = cap;
    }
    memset(&cs->slots[cs->nslots], 0, sizeof cs->slots[0]);
    snprintf(cs->slots[cs->nslots].id, sizeof cs->slots[0].id, "%s", id);
    cs->nslots++;
    return 0;
}

void srv_council_add_id(srv_state *st, const char *id)
{
    cstate *cs = CS(st);
    pthread_mutex_lock(&cs->mu);
    if (slot_add(cs, id) != 0)
        fprintf(stderr, "veche serve: out of memory adding council %s\n", id);
    pthread_mutex_unlock(&cs->mu);
}

size_t srv_council_ids(srv_state *st, char (**ids)[VECHE_COUNCIL_ID_MAX + 1])
{
    cstate *cs = CS(st);
    size_t n = 0;
    pthread_mutex_lock(&cs->mu);
    *ids = malloc((cs->nslots ? cs->nslots : 1) * sizeof **ids);
    if (*ids != NULL)
        for (; n < cs->nslots; n++)
            memcpy((*ids)[n], cs->slots[n].id, sizeof **ids);
    pthread_mutex_unlock(&cs->mu);
    return n;
}

void srv_council_touched(srv_state *st)
{
    cstate *cs = CS(st);
    if (cs == NULL)
        return;
    pthread_mutex_lock(&cs->mu);
    cs->gen++;
    pthread_mutex_unlock(&cs->mu);
}

/* A new load of council id through a board handle of its own (no shared lock held). */
static cload *load_fresh(srv_state *st, const char *id, uint64_t gen, veche_err *err,
                         veche_diag *d)
{
    veche_board *b = NULL;
    cload *l = calloc(1, sizeof *l);
    int64_t now = (int64_t)time(NULL);

    if (l == NULL) {
        *err = veche_diag_set(d, VECHE_ENOMEM, "out of memory");
        return NULL;
    }
    if ((*err = veche_board_open(&b, st->db_path, NULL, d)) == VECHE_OK)
        *err = veche_council_load(&l->c, b, id, now, d);
    veche_board_close(b);
    if (*err != VECHE_OK) {
        free(l);
        return NULL;
    }
    l->refs = 1;                     /* the caller's */
    l->gen = gen;
    l->loaded = now;
    return l;
}

/*
 * One load at a time per council (single flight): a full load reads the whole
 * record, so when a copy goes stale — after any non-ballot append, or with
 * age — the first reader loads and the others wait for it instead of each
 * loading too. A copy that is only old (no append since) is served while
 * another thread refreshes it.
 */
const veche_council *srv_council_acquire(srv_state *st, const char *id, veche_err *err,
                                         veche_diag *d)
{
    cstate *cs = CS(st);
    cload *l = NULL, *gone = NULL;
    int64_t now = (int64_t)time(NULL);
    uint64_t gen;
    long k;

    *err = VECHE_OK;
    pthread_mutex_lock(&cs->mu);
    for (;;) {
        if ((k = slot_find(cs, id)) < 0) {
            pthread_mutex_unlock(&cs->mu);
            *err = veche_diag_set(d, VECHE_ENOTFOUND, "no council \"%.64s\" on this board", id);
            return NULL;
        }
        l = cs->slots[k].cur;
        if (l != NULL && l->gen == cs->gen &&
            (now - l->loaded < COUNCIL_MAX_AGE || cs->slots[k].loading)) {
            l->refs++;
            pthread_mutex_unlock(&cs->mu);
            return &l->c;
        }
        if (!cs->slots[k].loading)
            break;
        pthread_cond_wait(&cs->loaded, &cs->mu);
    }
    cs->slots[k].loading = 1;
    gen = cs->gen;
    pthread_mutex_unlock(&cs->mu);

    l = load_fresh(st, id, gen, err, d);
    pthread_mutex_lock(&cs->mu);
    k = slot_find(cs, id);
    if (k >= 0) {
        cs->slots[k].loading = 0;
        if (l != NULL && (cs->slots[k].cur == NULL || cs->slots[k].cur->gen <= gen)) {
            gone = cload_unref(cs->slots[k].cur);
            cs->slots[k].cur = l;
            l->refs++;               /* the slot's */
        }
    }
    pthread_cond_broadcast(&cs->loaded);
    pthread_mutex_unlock(&cs->mu);
    cload_free(gone);
    return l != NULL ? &l->c : NULL;
}

void srv_council_release(srv_state *st, const veche_council *c)
{
    cstate *cs = CS(st);
    cload *gone;
    if (c == NULL)
        return;
    pthread_mutex_lock(&cs->mu);
    gone = cload_unref((cload *)(void *)c);
    pthread_mutex_unlock(&cs->mu);
    cload_free(gone);
}

int srv_council_scope(srv_state *st, const char *election, char council[VECHE_COUNCIL_ID_MAX + 1])
{
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    size_t n = srv_council_ids(st, &ids);
    int found = 0;

    for (size_t i = 0; ids != NULL && i < n && !found; i++) {
        veche_diag d = {{0}};
        veche_err e;
        const veche_council *c = srv_council_acquire(st, ids[i], &e, &d);
        if (c == NULL)
            continue;
        if (veche_council_election_find(c, election) != NULL) {
            memcpy(council, ids[i], sizeof ids[i]);
            found = 1;
        }
        srv_council_release(st, c);
    }
    free(ids);
    return found;
}

/* ---- the roll keeper's key ------------------------------------------------------------- */

const veche_key *srv_council_roll_key(srv_state *st, veche_diag *d)
{
    cstate *cs = CS(st);
    char path[1100];
    struct stat sb;
    veche_err e = VECHE_OK;

    pthread_mutex_lock(&cs->mu);
    if (!cs->has_roll) {
        snprintf(path, sizeof path, "%s/roll.key", st->keys_dir);
        if (stat(path, &sb) == 0)
            e = veche_key_read(&cs->roll, path, d);
        else if ((e = veche_key_generate(&cs->roll, "roll-keeper", d)) == VECHE_OK)
            e = veche_key_write(path, &cs->roll, d);
        if (e == VECHE_OK)
            cs->has_roll = 1;
        else
            veche_key_wipe(&cs->roll);
    }
    pthread_mutex_unlock(&cs->mu);
    return e == VECHE_OK ? &cs->roll : NULL;
}

/* ---- the standing map ------------------------------------------------------------------- */

static void map_path(char *out, size_t cap, const srv_state *st)
{
    snprintf(out, cap, "%s/standing.map", st->keys_dir);
}

/* Adds a line to the in-memory map (under mu, or alone at open). */
static int map_push(cstate *cs, const char *council, const char *member, const uint8_t X[32])
{
    if (cs->nmap == cs->capmap) {
        size_t cap = cs->capmap ? 2 * cs->capmap : 64;
        mapline *m = realloc(cs->map, cap * sizeof *m);
        if (m == NULL)
            return -1;
        cs->map = m;
        cs->capmap = cap;
    }
    snprintf(cs->map[cs->nmap].council, sizeof cs->map[0].council, "%s", council);
    snprintf(cs->map[cs->nmap].member, sizeof cs->map[0].member, "%s", member);
    memcpy(cs->map[cs->nmap].X, X, 32);
    cs->nmap++;
    return 0;
}

/* One line "COUNCIL MEMBER X" of the file; -1 if it is not one. */
static int map_parse(const char *line, char council[VECHE_COUNCIL_ID_MAX + 1],
                     char member[VECHE_COUNCIL_ID_MAX + 1], uint8_t X[32])
{
    char b64[64];
    size_t got;
    if (sscanf(line, "%64s %64s %63s", council, member, b64) != 3 ||
        !veche_council_id_valid(council, strlen(council)) ||
        !veche_council_id_valid(member, strlen(member)) ||
        sodium_base642bin(X, 32, b64, strlen(b64), NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || got != 32)
        return -1;
    return 0;
}

static veche_err map_read(srv_state *st, veche_diag *d)
{
    cstate *cs = CS(st);
    char path[1100], line[MAP_LINE_MAX + 2];
    char council[VECHE_COUNCIL_ID_MAX + 1], member[VECHE_COUNCIL_ID_MAX + 1];
    uint8_t X[32];
    unsigned long no = 0;
    FILE *f;

    map_path(path, sizeof path, st);
    if ((f = fopen(path, "r")) == NULL)
        return errno == ENOENT ? VECHE_OK
                               : veche_diag_set(d, VECHE_EINVALID, "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f) != NULL) {
        no++;
        if (map_parse(line, council, member, X) != 0) {
            fclose(f);
            return veche_diag_set(d, VECHE_EINVALID, "%s: line %lu is not \"COUNCIL MEMBER "
                                  "KEY\"", path, no);
        }
        if (map_push(cs, council, member, X) != 0) {
            fclose(f);
            return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
        }
    }
    fclose(f);
    return VECHE_OK;
}

int srv_council_map_find(srv_state *st, const char *council, const char *member, uint8_t X[32])
{
    cstate *cs = CS(st);
    int found = 0;
    pthread_mutex_lock(&cs->mu);
    for (size_t i = cs->nmap; i-- > 0 && !found;)
        if (strcmp(cs->map[i].council, council) == 0 && strcmp(cs->map[i].member, member) == 0) {
            memcpy(X, cs->map[i].X, 32);
            found = 1;
        }
    pthread_mutex_unlock(&cs->mu);
    return found;
}

veche_err srv_council_map_add(srv_state *st, const char *council, const char *member,
                              const uint8_t X[32], veche_diag *d)
{
    cstate *cs = CS(st);
    char path[1100], line[MAP_LINE_MAX + 2], b64[sodium_base64_ENCODED_LEN(32,
                                                     sodium_base64_VARIANT_ORIGINAL)];
    veche_err e = VECHE_OK;
    int fd, n;

    sodium_bin2base64(b64, sizeof b64, X, 32, sodium_base64_VARIANT_ORIGINAL);
    n = snprintf(line, sizeof line, "%s %s %s\n", council, member, b64);
    map_path(path, sizeof path, st);
    pthread_mutex_lock(&cs->mu);
    if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        e = veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", path, strerror(errno));
    } else {
        if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
            e = veche_diag_set(d, VECHE_EINTERNAL, "%s: write failed: %s", path, strerror(errno));
        close(fd);
    }
    if (e == VECHE_OK && map_push(cs, council, member, X) != 0)
        e = veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    pthread_mutex_unlock(&cs->mu);
    return e;
}

/* ---- bodies ------------------------------------------------------------------------------ */

const char *srv_council_bodies_dir(srv_state *st, veche_diag *d)
{
    cstate *cs = CS(st);
    if (mkdir(cs->bodies, 0755) != 0 && errno != EEXIST) {
        veche_diag_set(d, VECHE_EINTERNAL, "%s: %s", cs->bodies, strerror(errno));
        return NULL;
    }
    return cs->bodies;
}

/* Adds the hashes of council id's served bodies (counted, not tombstoned) to live; -1 if it
 * cannot be read. */
static int bodies_live(srv_state *st, const char *id, srv_map *live)
{
    veche_diag d = {{0}};
    veche_err e;
    const veche_council *c = srv_council_acquire(st, id, &e, &d);
    int rc = 0;

    if (c == NULL)
        return -1;
    for (size_t k = 0; k < c->npublications && rc == 0; k++) {
        const veche_council_publication *p = &c->publications[k];
        if (p->counted && !p->impostor && !p->tombstoned && srv_map_put(live, p->hash, 0) < 0)
            rc = -1;
    }
    srv_council_release(st, c);
    return rc;
}

/*
 * At open, DB.bodies keeps only what it serves: a write cut short leaves a
 * temp file, an append that failed after its body was stored or a
 * tombstone's deletion cut short leaves a body no publication names. Both
 * go. If any council cannot be read, nothing is deleted.
 */
static void bodies_sweep(srv_state *st)
{
    cstate *cs = CS(st);
    srv_map live;
    struct dirent *de;
    DIR *dir;
    uint8_t hash[32];
    size_t got;

    if ((dir = opendir(cs->bodies)) == NULL)
        return;
    if (srv_map_init(&live) != 0) {
        closedir(dir);
        return;
    }
    for (size_t i = 0; i < cs->nslots; i++)
        if (bodies_live(st, cs->slots[i].id, &live) != 0) {
            fprintf(stderr, "veche serve: council %s cannot be read; %s is left as it is\n",
                    cs->slots[i].id, cs->bodies);
            goto done;
        }
    while ((de = readdir(dir)) != NULL) {
        const char *name = de->d_name;
        uint64_t v;
        int temp = strstr(name, ".tmp") != NULL && strspn(name, "0123456789abcdef") == 64;
        int body = strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64 &&
                   sodium_hex2bin(hash, 32, name, 64, NULL, &got, NULL) == 0 && got == 32;
        char path[sizeof cs->bodies + 260];
        if (!temp && !(body && !srv_map_get(&live, hash, &v)))
            continue;
        snprintf(path, sizeof path, "%s/%s", cs->bodies, name);
        if (unlink(path) != 0)
            fprintf(stderr, "veche serve: cannot delete %s: %s\n", path, strerror(errno));
    }
done:
    srv_map_free(&live);
    closedir(dir);
}

/* ---- open and close ---------------------------------------------------------------------- */

veche_err srv_council_open(srv_state *st, veche_diag *d)
{
    veche_record_src src = {st->board, NULL};
    char (*ids)[VECHE_COUNCIL_ID_MAX + 1] = NULL;
    size_t n = 0;
    cstate *cs = calloc(1, sizeof *cs);
    veche_err e;

    if (cs == NULL)
        return veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    pthread_mutex_init(&cs->mu, NULL);
    pthread_cond_init(&cs->loaded, NULL);
    snprintf(cs->bodies, sizeof cs->bodies, "%s.bodies", st->db_path);
    st->council = cs;
    if ((e = veche_council_register_types()) != VECHE_OK)
        return veche_diag_set(d, e, "cannot register the council entry types");
    if ((e = map_read(st, d)) != VECHE_OK ||
        (e = veche_record_councils(&ids, &n, &src, d)) != VECHE_OK)
        return e;
    for (size_t i = 0; i < n && e == VECHE_OK; i++)
        if (slot_add(cs, ids[i]) != 0)
            e = veche_diag_set(d, VECHE_ENOMEM, "out of memory");
    free(ids);
    if (e == VECHE_OK)
        bodies_sweep(st);
    return e;
}

void srv_council_close(srv_state *st)
{
    cstate *cs = CS(st);
    if (cs == NULL)
        return;
    for (size_t i = 0; i < cs->nslots; i++)
        cload_free(cload_unref(cs->slots[i].cur));
    free(cs->slots);
    if (cs->map != NULL)
        sodium_memzero(cs->map, cs->capmap * sizeof *cs->map);
    free(cs->map);
    veche_key_wipe(&cs->roll);
    pthread_mutex_destroy(&cs->mu);
    pthread_cond_destroy(&cs->loaded);
    free(cs);
    st->council = NULL;
}
