/*
 * council.h — councils: a standing body on the public record, with a roll,
 * standing credentials, elected delegates with terms and recall, petitions,
 * groupings and their publications, delegations and appeals (issue 6).
 *
 * The layer between election/ and the faces (cli/, server/): pure logic over
 * board/ and election/ — it builds entries, loads a council's state from a
 * board or an export directory, and verifies it. Nothing here appends or
 * prints. /tmp/council-design.md was the contract; docs/SPEC.md chapter 5
 * ("Councils") says every byte.
 *
 * ==== Roles =================================================================
 *
 *   administrator A     the author (Ed25519) of council.create; signs
 *                       council.election, council.mandate, council.mandate-end,
 *                       council.tombstone, council.delegation(_end)
 *   roll keeper R       named in council.create; signs council.roll
 *   credential auth. C  named in council.create; signs council.credentials
 *   trustees            listed in council.create with a threshold: every
 *                       council election's manifest lists exactly them
 *   member              holds a standing credential code (SPEC §3.6 format):
 *                         x = LE(SHA-512("veche-v1/credential" || council_id
 *                                        || code)) mod L,  X = x·G
 *                       — the ballot credential formula with the COUNCIL id
 *                       (the "credential scope"): the same X votes in every
 *                       council election and signs petitions and member
 *                       publications. Participations are linkable to each
 *                       other by X, never to the member's id or name.
 *   grouping            an Ed25519 key registered by council.grouping
 *
 * ==== Hashes ==================================================================
 *
 *   council_hash = SHA-256(bytes of the council.create entry)
 *   council_fp   = SHA-256("veche-v1/council" || council_hash)
 *   commitment   = SHA-256("veche-v1/member" || salt (32 bytes) || name bytes)
 *
 * A credential signature (petition, signature, member publication) is the
 * Schnorr signature of SPEC §1.9 by x over the canonical JSON of the body
 * without its "signature" member, with the context fingerprint = council_fp,
 * party = X, indices NONE, NONE (exactly like a ballot's, SPEC §3.8).
 *
 * ==== Entry types (every body has "council": the id) ============================
 *
 *   council.create        A     name, seats, term, recall{majority,threshold},
 *                               roll_keeper, credential_authority, trustees,
 *                               threshold, exclusion_vote
 *   council.roll          R     action join|leave|exclude, member, commitment
 *                               (join), reason, election (exclude with a vote)
 *   council.credentials   C     roll [indices], add [X], remove [X]
 *   council.election      A     election, purpose, mandate, petition, member
 *   council.mandate       A     election, delegate, start, end
 *   council.mandate-end   A     mandate, reason recalled|resigned, election, statement
 *   council.petition      (X)   kind "recall", mandate, text, credential, signature
 *   council.signature     (X)   petition, credential, signature
 *   council.grouping      G     grouping, name, members
 *   council.publication   G/(X) grouping?, kind, title, hash, length, reply_to,
 *                               election+option (platform), credential+signature
 *                               (member)
 *   council.tombstone     A     publication, reason
 *   council.delegation    A     delegation, to, delegates, mandate
 *   council.delegation-end A    delegation, reason returned|recalled, statement
 *   council.appeal        any   member, exclusion, salt, name, text
 *
 * (X): unsigned entry; the member's credential signs inside the body.
 * (Type tags are [a-z0-9.-] only, so the two "ends" are written with '-'.)
 *
 * ==== Whose entries count ==========================================================
 *
 * Like elections, the board only checks shapes; the reader (the loader
 * below) decides what counts, in record order. Entries anyone may append
 * (petitions, signatures, member publications, groupings, appeals, and role
 * types signed by a key that is not the role's) are REPORTED and skipped
 * when invalid, never fatal — else anyone could make a council unverifiable.
 * Entries signed by a role (A, R, C) that break a rule are FAILURES: the
 * loader records them as problems with `fatal` set and the check's number;
 * such an entry does not count either.
 *
 * Publication bodies (UTF-8 Markdown, 1..65536 bytes) are NOT on the record:
 * they are kept beside it in a bodies directory as files named by the
 * lower-case hex of their SHA-256 (server: <db>.bodies/; export: bodies/).
 *
 * Thread safety: the register call once before threads decode entries; a
 * loaded veche_council is read-only and may be read by many threads.
 */
#ifndef VECHE_COUNCIL_COUNCIL_H
#define VECHE_COUNCIL_COUNCIL_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/board.h"
#include "board/canon.h"
#include "board/keyfile.h"
#include "crypto/group.h"
#include "election/credentials.h"
#include "election/manifest.h"
#include "election/tally.h"
#include "election/verify.h"

/* ---- constants and limits --------------------------------------------------------- */

#define VECHE_COUNCIL_TAG            "veche-v1/council"
#define VECHE_MEMBER_TAG             "veche-v1/member"
#define VECHE_COUNCIL_NO_INDEX       UINT64_MAX

#define VECHE_COUNCIL_ID_MAX         64       /* council, member, grouping, delegation ids */
#define VECHE_COUNCIL_NAME_MAX       256      /* council/grouping name, title, delegate, "to" */
#define VECHE_COUNCIL_MAX_SEATS      64
#define VECHE_COUNCIL_TERM_MIN       86400        /* one day, seconds */
#define VECHE_COUNCIL_TERM_MAX       315360000    /* ten years */
#define VECHE_COUNCIL_REASON_MAX     1024     /* roll reason, tombstone reason, statements */
#define VECHE_COUNCIL_TEXT_MAX       4096     /* petition/appeal text, delegation mandate */
#define VECHE_COUNCIL_BODY_MAX       65536    /* a publication body */
#define VECHE_COUNCIL_GROUP_MEMBERS  10000    /* members listed by a grouping */
#define VECHE_COUNCIL_MAX_DELEGATES  64       /* names in a delegation */
#define VECHE_COUNCIL_CRED_MAX       5000     /* roll/add/remove per council.credentials */
#define VECHE_COUNCIL_PROBLEM_MSG    240

/* Entry types. */
#define VECHE_CTYPE_CREATE          "council.create"
#define VECHE_CTYPE_ROLL            "council.roll"
#define VECHE_CTYPE_CREDENTIALS     "council.credentials"
#define VECHE_CTYPE_ELECTION        "council.election"
#define VECHE_CTYPE_MANDATE         "council.mandate"
#define VECHE_CTYPE_MANDATE_END     "council.mandate-end"
#define VECHE_CTYPE_PETITION        "council.petition"
#define VECHE_CTYPE_SIGNATURE       "council.signature"
#define VECHE_CTYPE_GROUPING        "council.grouping"
#define VECHE_CTYPE_PUBLICATION     "council.publication"
#define VECHE_CTYPE_TOMBSTONE       "council.tombstone"
#define VECHE_CTYPE_DELEGATION      "council.delegation"
#define VECHE_CTYPE_DELEGATION_END  "council.delegation-end"
#define VECHE_CTYPE_APPEAL          "council.appeal"

/* ---- types registration and shapes --------------------------------------------------- */

/*
 * Registers every council.* type's body shape check with the board (entry.h),
 * and the election layer's types first (a council's record holds elections):
 * so one call makes every type of the record readable. Idempotent (a second
 * call does nothing and returns VECHE_OK). Call once, before any thread
 * decodes entries.
 */
veche_err veche_council_register_types(void);

/*
 * The body shape check of `type` (one of VECHE_CTYPE_*), as registered:
 * VECHE_EINVALID for an unknown type. For tools and fuzzing.
 */
veche_err veche_council_check_body(const char *type, const json_t *body, veche_diag *d);

/* 1 iff s (len bytes) is a council/member/grouping/delegation id: 1..64 of [a-z0-9-]. */
int veche_council_id_valid(const char *s, size_t len);

/* ---- hashes --------------------------------------------------------------------------- */

void veche_council_hash(uint8_t out[32], const uint8_t *create_entry, size_t len);
void veche_council_fp(uint8_t out[32], const uint8_t council_hash[32]);

/* commitment = SHA-256("veche-v1/member" || salt || name); name: 1..256 bytes. */
void veche_council_commitment(uint8_t out[32], const uint8_t salt[32], const char *name);
/* 1 iff (salt, name) opens commitment (constant time compare). */
int veche_council_commitment_check(const uint8_t commitment[32], const uint8_t salt[32],
                                   const char *name);

/*
 * A member's standing credential: x and X from a code (any form
 * veche_code_read accepts) under the council id. x is secret: wipe it.
 */
veche_err veche_council_credential(veche_scalar *x, uint8_t X[32], const char *council_id,
                                   const char *code, veche_diag *d);

/*
 * n fresh standing codes (printed form, SECRET: the caller wipes them) and
 * their public keys, pub sorted by key (so not in the order of the codes),
 * each weight 1. rng NULL = the system's.
 */
veche_err veche_council_codes_generate(char (*codes)[VECHE_CODE_CHARS + 1],
                                       veche_credential_list *pub, const char *council_id,
                                       size_t n, veche_rng *rng, veche_diag *d);

/* ---- entry builders ---------------------------------------------------------------------- */

/*
 * Every builder validates its arguments against the type's shape (and the
 * few rules it can judge alone), and returns the canonical entry bytes in
 * *out (malloc'd, NUL-terminated, *len without the NUL). Signed types are
 * signed with the given Ed25519 key; credential-signed ones with x (whose
 * public key X is given) under fp = council_fp. Whether the record ACCEPTS
 * the entry (the roles, the state) is the loader's to judge: check with
 * veche_council_load and the due/allowed helpers before appending.
 */

typedef struct veche_council_params {
    const char *id;
    const char *name;
    uint32_t    seats;                  /* 1..64 */
    int64_t     term;                   /* seconds, 86400..315360000 */
    uint32_t    recall_majority;        /* permille 501..1000 */
    uint32_t    recall_threshold;       /* permille 1..1000 */
    uint8_t     roll_keeper[32];
    uint8_t     credential_authority[32];
    size_t      ntrustees;              /* 1..64 */
    const char *trustee_name[VECHE_MAX_TRUSTEES];
    uint8_t     trustee_key[VECHE_MAX_TRUSTEES][32];
    uint32_t    threshold;              /* 1..ntrustees */
    int         exclusion_vote;         /* an exclusion needs a members' vote */
} veche_council_params;

/* council.create signed by admin. */
veche_err veche_council_create_entry(char **out, size_t *len, const veche_council_params *p,
                                     const veche_key *admin, veche_diag *d);

/*
 * The params from a council.create body (shape checked, keys distinct,
 * threshold <= trustees). Strings borrow from body.
 */
veche_err veche_council_params_parse(veche_council_params *p, const json_t *body,
                                     veche_diag *d);

typedef enum veche_roll_action {
    VECHE_ROLL_JOIN = 0,
    VECHE_ROLL_LEAVE,
    VECHE_ROLL_EXCLUDE
} veche_roll_action;

/* "join", "leave", "exclude". */
const char *veche_roll_action_name(veche_roll_action a);

/*
 * council.roll signed by the roll keeper. commitment: join only (else NULL);
 * reason: required, "" allowed only for join; election: exclude only, when
 * the council requires an exclusion vote (else NULL).
 */
veche_err veche_council_roll_entry(char **out, size_t *len, const char *council,
                                   veche_roll_action action, const char *member,
                                   const uint8_t commitment[32], const char *reason,
                                   const char *election, const veche_key *keeper, veche_diag *d);

/*
 * council.credentials signed by the credential authority: the roll entries
 * it accounts for (indices, strictly increasing), the keys it adds and
 * removes (any order: sorted here; duplicates refused).
 */
veche_err veche_council_credentials_entry(char **out, size_t *len, const char *council,
                                          const uint64_t *roll, size_t nroll,
                                          const uint8_t (*add)[32], size_t nadd,
                                          const uint8_t (*remove)[32], size_t nremove,
                                          const veche_key *authority, veche_diag *d);

typedef enum veche_purpose {
    VECHE_PURPOSE_SEATS = 0,
    VECHE_PURPOSE_BY_ELECTION,
    VECHE_PURPOSE_RECALL,
    VECHE_PURPOSE_EXCLUSION,
    VECHE_PURPOSE_QUESTION,
    VECHE_PURPOSES
} veche_purpose;

/* "seats", "by-election", "recall", "exclusion", "question"; "" otherwise. */
const char *veche_purpose_name(veche_purpose p);
/* The purpose named s; VECHE_PURPOSES if none. */
veche_purpose veche_purpose_parse(const char *s);

/*
 * council.election signed by admin. mandate: recall and by-election (else
 * VECHE_COUNCIL_NO_INDEX); petition: recall only (else NO_INDEX); member:
 * exclusion only (else NULL).
 */
veche_err veche_council_election_entry(char **out, size_t *len, const char *council,
                                       const char *election, veche_purpose purpose,
                                       uint64_t mandate, uint64_t petition, const char *member,
                                       const veche_key *admin, veche_diag *d);

/* council.mandate signed by admin; start < end. */
veche_err veche_council_mandate_entry(char **out, size_t *len, const char *council,
                                      const char *election, const char *delegate, int64_t start,
                                      int64_t end, const veche_key *admin, veche_diag *d);

/* council.mandate-end signed by admin: reason "recalled" (election: the recall
 * election) or "resigned" (election NULL). */
veche_err veche_council_mandate_end_entry(char **out, size_t *len, const char *council,
                                          uint64_t mandate, const char *reason,
                                          const char *election, const char *statement,
                                          const veche_key *admin, veche_diag *d);

/* council.petition (kind "recall"), unsigned, signed inside by x (X = x·G). */
veche_err veche_council_petition_entry(char **out, size_t *len, const char *council,
                                       uint64_t mandate, const char *text,
                                       const veche_scalar *x, const uint8_t X[32],
                                       const uint8_t fp[32], veche_rng *rng, veche_diag *d);

/* council.signature of petition `petition`, unsigned, signed inside by x. */
veche_err veche_council_signature_entry(char **out, size_t *len, const char *council,
                                        uint64_t petition, const veche_scalar *x,
                                        const uint8_t X[32], const uint8_t fp[32],
                                        veche_rng *rng, veche_diag *d);

/* council.grouping signed by the grouping's key; members: ids, any order (sorted here). */
veche_err veche_council_grouping_entry(char **out, size_t *len, const char *council,
                                       const char *grouping, const char *name,
                                       const char *const *members, size_t nmembers,
                                       const veche_key *gkey, veche_diag *d);

typedef enum veche_pub_kind {
    VECHE_PUB_STATEMENT = 0,
    VECHE_PUB_PLATFORM,
    VECHE_PUB_MINUTES,
    VECHE_PUB_REPLY,
    VECHE_PUB_KINDS
} veche_pub_kind;

const char *veche_pub_kind_name(veche_pub_kind k);
veche_pub_kind veche_pub_kind_parse(const char *s);   /* VECHE_PUB_KINDS if none */

/* What a publication says about its body (the body itself is not on the record). */
typedef struct veche_publication_meta {
    const char     *council;
    const char     *grouping;     /* NULL: a member's publication */
    veche_pub_kind  kind;
    const char     *title;        /* <= 256 bytes */
    uint8_t         hash[32];     /* SHA-256(body) */
    uint64_t        length;       /* 1..65536 */
    uint64_t        reply_to;     /* reply only, else VECHE_COUNCIL_NO_INDEX */
    const char     *election;     /* platform only, else NULL */
    const char     *option;       /* platform only: the candidate, else NULL */
} veche_publication_meta;

/* Fills hash and length from body (1..65536 bytes of UTF-8). */
veche_err veche_council_body_meta(veche_publication_meta *m, const uint8_t *body, size_t len,
                                  veche_diag *d);

/* A grouping's publication: a signed entry by the grouping's key (m->grouping set). */
veche_err veche_council_publication_grouping(char **out, size_t *len,
                                             const veche_publication_meta *m,
                                             const veche_key *gkey, veche_diag *d);
/* A member's publication: unsigned, signed inside by x (m->grouping NULL). */
veche_err veche_council_publication_member(char **out, size_t *len,
                                           const veche_publication_meta *m,
                                           const veche_scalar *x, const uint8_t X[32],
                                           const uint8_t fp[32], veche_rng *rng, veche_diag *d);

/* council.tombstone of the publication at index `publication`, signed by admin. */
veche_err veche_council_tombstone_entry(char **out, size_t *len, const char *council,
                                        uint64_t publication, const char *reason,
                                        const veche_key *admin, veche_diag *d);

/* council.delegation signed by admin; delegates: 1..64 names (kept in the given order). */
veche_err veche_council_delegation_entry(char **out, size_t *len, const char *council,
                                         const char *delegation, const char *to,
                                         const char *const *delegates, size_t ndelegates,
                                         const char *mandate, const veche_key *admin,
                                         veche_diag *d);
/* council.delegation-end: reason "returned" or "recalled". */
veche_err veche_council_delegation_end_entry(char **out, size_t *len, const char *council,
                                             const char *delegation, const char *reason,
                                             const char *statement, const veche_key *admin,
                                             veche_diag *d);

/* council.appeal signed by any key: the excluded member opens their commitment. */
veche_err veche_council_appeal_entry(char **out, size_t *len, const char *council,
                                     const char *member, uint64_t exclusion,
                                     const uint8_t salt[32], const char *name, const char *text,
                                     const veche_key *key, veche_diag *d);

/* ---- bodies beside the record ---------------------------------------------------------------- */

/* The file name of a body: lower-case hex of its hash, NUL-terminated. */
void veche_council_body_name(char out[65], const uint8_t hash[32]);
/*
 * Reads dir/<hex of hash>: VECHE_ENOTFOUND if absent, VECHE_EVERIFY if its
 * SHA-256 is not hash (or it is over 65536 bytes). *body malloc'd.
 */
veche_err veche_council_body_read(uint8_t **body, size_t *len, const char *dir,
                                  const uint8_t hash[32], veche_diag *d);
/* Writes body to dir/<hex of SHA-256(body)> (atomically: temp file, fsync, rename). */
veche_err veche_council_body_write(const char *dir, const uint8_t *body, size_t len,
                                   veche_diag *d);

/* ---- the state: the loader ----------------------------------------------------------------------- */

typedef enum veche_member_status {
    VECHE_MEMBER_ACTIVE = 0,
    VECHE_MEMBER_LEFT,
    VECHE_MEMBER_EXCLUDED
} veche_member_status;

typedef struct veche_council_member {
    const char         *id;            /* borrowed from the council's entries */
    uint8_t             commitment[32];
    veche_member_status status;
    uint64_t            join_index;
    uint64_t            leave_index;   /* the leave/exclude entry; NO_INDEX while active */
} veche_council_member;

/* One COUNTED roll entry, in record order. */
typedef struct veche_council_roll_item {
    uint64_t          index;
    veche_roll_action action;
    const char       *member;
    const char       *reason;
    const char       *election;        /* exclude with a vote; else NULL */
    uint64_t          credentials;     /* the council.credentials accounting for it; NO_INDEX: pending */
    size_t            members_after;   /* active members after this entry (the chart) */
} veche_council_roll_item;

typedef struct veche_council_grouping {
    const char  *id;
    const char  *name;                 /* the latest counted registration's */
    uint8_t      key[32];              /* fixed by the first registration */
    const char **members;              /* [nmembers], the latest registration's */
    size_t       nmembers;
    uint64_t     first_index, last_index;
    size_t       nimpostors;           /* registrations of this id by other keys */
    uint64_t     first_impostor;       /* NO_INDEX if none */
} veche_council_grouping;

typedef enum veche_body_state {
    VECHE_BODY_UNCHECKED = 0,          /* no bodies directory given */
    VECHE_BODY_OK,                     /* present, matches its hash and length */
    VECHE_BODY_MISSING,
    VECHE_BODY_MISMATCH                /* present but not the hash or length */
} veche_body_state;

typedef struct veche_council_publication {
    uint64_t         index;
    const char      *grouping;         /* the grouping it CLAIMS; NULL: a member's */
    int              counted;          /* 0: reported (impostor or invalid), not shown as the grouping's */
    int              impostor;         /* claims a grouping but not signed by its key */
    uint8_t          author[32];       /* the Ed25519 author (grouping pub) or X (member pub) */
    veche_pub_kind   kind;
    const char      *title;
    uint8_t          hash[32];
    uint64_t         length;
    uint64_t         reply_to;         /* NO_INDEX if not a reply */
    const char      *election, *option;   /* platform only */
    int              tombstoned;
    uint64_t         tombstone_index;  /* NO_INDEX if none */
    const char      *tombstone_reason;
    veche_body_state body;
} veche_council_publication;

/* One signature of a petition (the opener's included, first). */
typedef enum veche_sig_fate {
    VECHE_SIG_COUNTED = 0,
    VECHE_SIG_DUPLICATE,               /* X already signed this petition */
    VECHE_SIG_NOT_MEMBER,              /* X not in the standing list at the petition */
    VECHE_SIG_INVALID                  /* the signature does not verify */
} veche_sig_fate;

typedef struct veche_council_petition {
    uint64_t    index;
    uint64_t    mandate;
    const char *text;
    uint8_t     opener[32];            /* X */
    size_t      members_at_open;       /* |standing list| at the petition */
    size_t      threshold_count;       /* ceil(threshold * members_at_open / 1000) */
    size_t      nvalid;                /* counted signatures, the opener's included */
    size_t      nduplicate, ninvalid;  /* ninvalid: not a member or bad signature */
    uint64_t    succeeded_at;          /* index where nvalid reached threshold_count; NO_INDEX */
    uint64_t    recall_election_link;  /* the council.election naming it; NO_INDEX */
} veche_council_petition;

typedef enum veche_stage {
    VECHE_STAGE_CREATED = 0,           /* manifest only */
    VECHE_STAGE_KEYED,
    VECHE_STAGE_OPEN,
    VECHE_STAGE_CLOSED,
    VECHE_STAGE_TALLIED,
    VECHE_STAGE_RESULT
} veche_stage;

/* "created", "keyed", "open", "closed", "tallied", "result". */
const char *veche_stage_name(veche_stage s);

typedef struct veche_council_election {
    const char   *election;
    veche_purpose purpose;
    uint64_t      link_index;
    uint64_t      mandate;             /* recall, by-election; else NO_INDEX */
    uint64_t      petition;            /* recall; else NO_INDEX */
    const char   *member;              /* exclusion; else NULL */
    veche_stage   stage;               /* from the administrator's entries */
    uint64_t      result_index;        /* NO_INDEX if no result yet */
    size_t        noptions;            /* contest 0 */
    const char  **options;             /* [noptions] contest 0's options (borrowed) */
    int           blank;               /* contest 0 has a blank selection (not an option) */
    uint64_t     *counts;              /* [noptions] contest 0's published counts, or NULL:
                                          the administrator's first election.result, as the
                                          record stood at the entry being read; check 4 runs
                                          the election verifier on it */
    uint8_t     (*standing)[32];       /* the standing list at the link: the election's roll */
    size_t        nstanding;
} veche_council_election;

typedef struct veche_council_mandate {
    uint64_t    index;
    const char *election;
    const char *delegate;
    int64_t     start, end;
    uint64_t    end_index;             /* council.mandate-end; NO_INDEX */
    const char *end_reason;            /* "recalled", "resigned"; NULL */
    const char *end_statement;
    const char *end_election;          /* the recall election; NULL */
    uint64_t    vacated;               /* by-election: the mandate it fills; NO_INDEX */
} veche_council_mandate;

typedef struct veche_council_delegation {
    const char  *id;
    uint64_t     index;
    const char  *to;
    const char **delegates;
    size_t       ndelegates;
    const char  *mandate;
    uint64_t     end_index;            /* NO_INDEX while out */
    const char  *end_reason, *end_statement;
} veche_council_delegation;

typedef struct veche_council_appeal {
    uint64_t    index;
    const char *member;
    uint64_t    exclusion;
    const char *name;
    const char *text;
    uint8_t     author[32];
    int         proven;                /* (salt, name) opens the member's join commitment */
} veche_council_appeal;

/* A reported entry: skipped (not fatal) or breaking a rule (fatal: check fails). */
typedef struct veche_council_problem {
    uint64_t index;                    /* the entry; NO_INDEX for the council as a whole */
    int      check;                    /* 1..10: the check that reports it */
    int      fatal;
    char     msg[VECHE_COUNCIL_PROBLEM_MSG];
} veche_council_problem;

#define VECHE_COUNCIL_ARRAY(T, name) T *name; size_t n##name

typedef struct veche_council {
    char                 id[VECHE_COUNCIL_ID_MAX + 1];
    int64_t              now;          /* the clock the statuses were derived with */

    /* council.create */
    uint64_t             create_index;
    veche_council_params params;       /* strings borrow from the entries */
    uint8_t              admin[32];
    uint8_t              council_hash[32], council_fp[32];

    VECHE_COUNCIL_ARRAY(veche_council_member, members);    /* in join order */
    size_t               active;       /* active members now */
    VECHE_COUNCIL_ARRAY(veche_council_roll_item, roll);
    size_t               pending_from; /* roll[pending_from..] are not accounted for yet */

    /* The standing list now: sorted bytewise, distinct. */
    uint8_t            (*standing)[32];
    size_t               nstanding;
    uint64_t             credentials_last;   /* last counted council.credentials; NO_INDEX */

    VECHE_COUNCIL_ARRAY(veche_council_grouping, groupings);       /* by first registration */
    VECHE_COUNCIL_ARRAY(veche_council_publication, publications); /* record order, all */
    VECHE_COUNCIL_ARRAY(veche_council_petition, petitions);       /* valid ones */
    VECHE_COUNCIL_ARRAY(veche_council_election, elections);       /* counted links */
    VECHE_COUNCIL_ARRAY(veche_council_mandate, mandates);         /* counted */
    VECHE_COUNCIL_ARRAY(veche_council_delegation, delegations);
    VECHE_COUNCIL_ARRAY(veche_council_appeal, appeals);
    VECHE_COUNCIL_ARRAY(veche_council_problem, problems);
    size_t               nfatal;       /* problems with fatal set */

    void                *priv;         /* the entries' JSON and indexes (owned) */
} veche_council;

/*
 * Loads council `id` from an open board (every entry, in index order) and
 * derives its state with the reader's clock `now` (unix seconds: mandate
 * statuses, due re-elections). Errors: VECHE_EINVALID for a bad id,
 * VECHE_ENOTFOUND when no council.create has the id, VECHE_ENOMEM; an entry
 * that does not decode stops the load with its index in d. Rules broken are
 * NOT errors: they are in c->problems. Free with veche_council_free.
 */
veche_err veche_council_load(veche_council *c, veche_board *b, const char *id, int64_t now,
                             veche_diag *d);
/*
 * The same from an export directory (entries.jsonl; not verified here), with
 * publication bodies checked against bodies_dir (NULL: <dir>/bodies if it
 * exists, else unchecked).
 */
veche_err veche_council_load_export(veche_council *c, const char *dir, const char *bodies_dir,
                                    const char *id, int64_t now, veche_diag *d);
/* From either source (src->board or src->dir); bodies_dir may be NULL (unchecked). */
veche_err veche_council_load_src(veche_council *c, const veche_record_src *src,
                                 const char *bodies_dir, const char *id, int64_t now,
                                 veche_diag *d);
void veche_council_free(veche_council *c);

/*
 * Whether entries (the bytes of n entries the caller means to append next,
 * in order, at indices size, size+1, ...) would count: loads council id
 * from src with them added at the end and looks for a problem at their
 * indices. VECHE_OK if every one counts; VECHE_EVERIFY (d: the first
 * problem, "entry N: why") if one would be reported or break a rule;
 * VECHE_EINVALID if one does not decode. For the faces, before appending
 * (the server calls it in its writer, so two racing requests cannot both
 * pass). For council.create, id is the new council's and there is no
 * council yet: only the entry's own rules are judged.
 */
veche_err veche_council_judge(const veche_record_src *src, const char *id, int64_t now,
                              const uint8_t *const *entries, const size_t *lens, size_t n,
                              veche_diag *d);

/* The ids of the councils on a record, in the order of their council.create (malloc'd). */
veche_err veche_record_councils(char (**ids)[VECHE_COUNCIL_ID_MAX + 1], size_t *n,
                                const veche_record_src *src, veche_diag *d);

/* ---- questions on a loaded council ------------------------------------------------------------ */

/* The member with this id, or NULL. */
const veche_council_member *veche_council_member_find(const veche_council *c, const char *id);
/* 1 iff X is in the standing list now (binary search). */
int veche_council_standing_has(const veche_council *c, const uint8_t X[32]);
const veche_council_grouping *veche_council_grouping_find(const veche_council *c,
                                                          const char *id);
/* The publication / petition / mandate whose entry is at index, or NULL. */
const veche_council_publication *veche_council_publication_at(const veche_council *c,
                                                              uint64_t index);
const veche_council_petition *veche_council_petition_at(const veche_council *c, uint64_t index);
const veche_council_mandate *veche_council_mandate_at(const veche_council *c, uint64_t index);
/* The council election linking `election`, or NULL. */
const veche_council_election *veche_council_election_find(const veche_council *c,
                                                          const char *election);

/*
 * A mandate's status with the council's clock: "recalled", "resigned",
 * "term ended" (now >= end), "active" (start <= now < end), "elected" (now < start).
 */
const char *veche_council_mandate_status(const veche_council *c,
                                         const veche_council_mandate *m);

/* The members the council has had after each counted roll entry: c->roll[i].members_after. */

/* ---- due actions -------------------------------------------------------------------------------- */

typedef enum veche_due_kind {
    VECHE_DUE_FIRST_ELECTION = 0,   /* no seats election linked yet */
    VECHE_DUE_RECALL,               /* petition succeeded, no recall election linked */
    VECHE_DUE_MANDATE_END,          /* recall vote carried, mandate not ended yet */
    VECHE_DUE_REELECTION,           /* the latest seats' terms ended, no seats election since */
    VECHE_DUE_BY_ELECTION,          /* a mandate ended early, no by-election linked */
    VECHE_DUE_CREDENTIALS           /* roll entries pending: the authority must account for them */
} veche_due_kind;

typedef struct veche_council_due {
    veche_due_kind kind;
    uint64_t       mandate;         /* RECALL, MANDATE_END, BY_ELECTION; else NO_INDEX */
    uint64_t       petition;        /* RECALL; else NO_INDEX */
    const char    *election;        /* MANDATE_END: the recall election; else NULL */
    char           what[200];       /* one line for people */
} veche_council_due;

/* Every action due now, in the order above; *due malloc'd (NULL when none). */
veche_err veche_council_due_list(veche_council_due **due, size_t *n, const veche_council *c);

/* ---- credential scope --------------------------------------------------------------------------- */

/*
 * Whether election `election_id` is linked to a council: scans the record for
 * the first council.election naming it that is signed by its council's
 * administrator (after that council's council.create). *linked = 1 and
 * council_id set if so (voters then derive their credential with the council
 * id, SPEC §3.6 with scope = council id), else *linked = 0.
 */
veche_err veche_council_scope_of(const veche_record_src *src, const char *election_id,
                                 int *linked, char council_id[VECHE_COUNCIL_ID_MAX + 1],
                                 veche_diag *d);

/*
 * The roll a linked election's credentials must list: the standing list at
 * its link, every weight 1 (list sorted; free with veche_credentials_free).
 * VECHE_ENOTFOUND if the election is not linked to c.
 */
veche_err veche_council_election_roll(veche_credential_list *out, const veche_council *c,
                                      const char *election, veche_diag *d);
/*
 * The election.credentials parts of that roll, signed by the credential
 * authority (veche_credentials_build with weight 1): the server/CLI appends
 * them for the election.
 */
veche_err veche_council_election_credentials(char ***entries, size_t **lens, size_t *nparts,
                                             const veche_council *c, const char *election,
                                             const veche_key *authority, veche_diag *d);

/* ---- verification ------------------------------------------------------------------------------- */

/*
 * The numbered checks of a council (`veche verify --council ID`, and for
 * every council on a record):
 *
 *   1 create          the first council.create: shape, roles, signed by A
 *   2 roll            every counted roll entry by R, valid in sequence (joins
 *                     of new ids, leaves/excludes of active members, an
 *                     exclusion with its carried vote); appeals (reported)
 *   3 credentials     every counted roll entry accounted for in order by C's
 *                     council.credentials; |add| = joins, |remove| = leaves +
 *                     excludes; keys new, canonical, removed keys standing
 *   4 elections       links by A: manifests by A with the council's trustees
 *                     and threshold, contests of the purpose, no pending
 *                     roll entry, credential list = the standing list at the
 *                     link (weights 1); each election passes the election
 *                     verifier's checks 2..13 (forwarded to election_cb)
 *   5 mandates        for winners of a linked seats/by-election's published
 *                     result; dates (term, the vacated mandate's end)
 *   6 petitions       signatures valid, distinct, of standing members;
 *                     success where the count reaches the threshold (invalid
 *                     ones reported, never fatal)
 *   7 recalls         recall elections linked to succeeded petitions for their
 *                     mandate; mandate ends follow carried results
 *   8 publications    groupings' ownership; impostors and invalid member
 *                     publications REPORTED, not fatal
 *   9 bodies          every counted publication's body present and matching
 *                     its hash, or tombstoned by A (SKIP without a bodies dir)
 *  10 delegations     delegations and their ends by A
 *
 * Each check is reported through cb (status VECHE_CHECK_PASS/FAIL/SKIP); a
 * FAIL's detail names the first offending entry. Reported (non-fatal)
 * problems are summarised in the PASS detail. All ten checks are always
 * reported (a failed check does not hide the others).
 */
#define VECHE_COUNCIL_CHECKS 10

typedef void (*veche_council_verify_cb)(void *arg, const char *council, int number,
                                        const char *name, int status, const char *detail);

typedef struct veche_council_verify_opts {
    const char     *bodies_dir;     /* check 9; NULL: unchecked (SKIP) */
    int64_t         now;            /* the reader's clock */
    unsigned        threads;        /* ballot verification; 0: every core */
    veche_verify_cb election_cb;    /* each linked election's checks; NULL: not forwarded */
    void           *election_arg;
} veche_council_verify_opts;

typedef struct veche_council_verify_report {
    int      check;                 /* the first failed check, 0 if none */
    uint64_t index;                 /* its entry; NO_INDEX if none */
    size_t   reported;              /* non-fatal problems */
    size_t   elections, elections_failed;
} veche_council_verify_report;

/*
 * Loads council id from src and runs the ten checks. VECHE_OK when none
 * failed, VECHE_EVERIFY when one did; VECHE_ENOTFOUND (reported as check 1
 * failing) when no such council; other codes for faults of this machine.
 */
veche_err veche_council_verify(const veche_record_src *src, const char *id,
                               const veche_council_verify_opts *o, veche_council_verify_cb cb,
                               void *arg, veche_council_verify_report *rep);

/* "create", "roll", ..., "delegations"; "" outside 1..10. */
const char *veche_council_check_name(int number);

#endif
