/*
 * election.h — an election on the public record: its entry types, the
 * hashes that bind it, and the loader that gathers its entries.
 *
 * docs/ELECTION-DESIGN.md is the contract. In short: an election is a run
 * of board entries whose bodies carry "election": the id (1..64 of
 * [a-z0-9-], unique on a board). The administrator (the author of the
 * election.manifest) publishes the manifest, the joint key, open, close,
 * tally and result; trustees publish the trustee.* ceremony and decryption
 * entries; the credential authority the election.credentials parts; voters
 * election.ballot entries, signed inside their body by their credential.
 *
 * ==== Hashes (all SHA-256) =================================================
 *
 *   manifest_hash    = SHA-256(bytes of the election.manifest entry)
 *   ceremony_id      = SHA-256("veche-v1/ceremony" || manifest_hash)
 *   credentials_hash = SHA-256(bytes of part 0 || part 1 || ... || part N-1)
 *                      (whole entries, in part order)
 *   fingerprint      = SHA-256("veche-v1/election" || manifest_hash
 *                              || enc(K) || credentials_hash)
 *
 * ==== Entry types ===========================================================
 *
 * veche_election_register_types() registers with the board (entry.h) every
 * type below; the board then refuses any entry of these types whose body
 * has the wrong shape: unknown or missing members, wrong JSON types, a bad
 * election id, integers out of range, base64 that is not canonical or not
 * of the right decoded length. Every type must be signed except
 * election.ballot (signed inside its body). Call it once, before any
 * thread decodes entries (the CLI does it in main, right after
 * veche_crypto_init).
 *
 *   election.manifest     manifest.h: the whole manifest is validated
 *   trustee.key           trustee 1..64, key b64(97 bytes: threshold KEY)
 *   trustee.commit        trustee, hash b64(33: HASH)
 *   trustee.commitments   trustee, commitments b64(2 + 96·t, 1 <= t <= 64)
 *   trustee.shares        trustee, shares [b64(50: SHARE)] (0..63 of them)
 *   trustee.complaint     trustee, complaint b64(130: COMPLAINT)
 *   election.key          qualified [1..64 strictly increasing, 1..64 of
 *                         them], key b64(32)
 *   election.credentials  credentials.h
 *   election.open         fingerprint b64(32)
 *   election.ballot       ballot.h (veche_ballot_check_body)
 *   election.close        nothing but "election"
 *   election.tally        ballots >= 0, weight 0..10^9, tally: 1..32 arrays
 *                         of 1..65 b64(64)
 *   trustee.decryption    trustee, shares: 1..32 arrays of 1..65 b64(129)
 *   election.result       trustees [1..64 strictly increasing, 1..64 of
 *                         them], counts: 1..32 arrays of 1..65 integers >= 0
 *
 * and for every type, "election" must be an election id (1..64 of
 * [a-z0-9-]).
 *
 * ==== The loader ==============================================================
 *
 * veche_election_load scans a board (or an export directory) once, in
 * index order, decoding every entry (veche_entry_decode: shape and board
 * signature), and keeps what belongs to one election:
 *
 *   - the first election.manifest with the id; a later one is not used,
 *     and the index of the first such is kept in `second_manifest`
 *     (`veche election create` refuses a second; one appended anyway is
 *     ignored and reported, never fatal: ELECTION-DESIGN "Whose entries
 *     count");
 *   - entries of the election's types with the id that come *before* the
 *     manifest belong to no election: they are only counted (`nstray`,
 *     `first_stray`);
 *   - after the manifest, every election.* and trustee.* entry with the
 *     id, by whoever signed it, in lists (index order): a verifier can name
 *     an entry by the wrong author. Derived values use only entries by the
 *     role the design gives them: the administrator (= the manifest's
 *     author) for election.key/open/close, the credential authority for
 *     credentials;
 *   - ballots: only their indices; `cb`, if given, is called for each
 *     (valid or not: that is the verifier's to judge) with the entry's
 *     bytes and its decoded form, so a verifier can check 100,000 ballots
 *     without holding them. Entries are decoded a batch at a time on every
 *     core, but cb runs on the calling thread, in index order, while the
 *     store is being read: it must not load from the same board again.
 *
 * Derived, when the record allows:
 *   - the key: the first election.key by the administrator counts (a later
 *     one never does); has_key when its "key" is a canonical non-identity
 *     point (K), key_index is its index either way;
 *   - the credentials: assembled from the credential authority's parts
 *     (veche_credentials_parse) once parts 0..N-1 are each present once.
 *     cred_state says NONE (no part by the authority), INCOMPLETE (some
 *     missing), COMPLETE (creds and credentials_hash set) or INVALID (cred_problem says why: disagreeing N, a part twice, or a
 *     list that does not parse);
 *   - the fingerprint, when the key and the credentials are both there;
 *   - open_index / close_index: the first election.open / election.close
 *     by the administrator (VECHE_ELECTION_NO_INDEX if none). Whether the
 *     open's fingerprint is right, or the positions are in order, is the
 *     verifier's to judge.
 *
 * Errors: VECHE_ENOTFOUND (and a message) when there is no manifest with
 * the id; an entry that does not decode stops the load with its index in
 * the message; a non-OK return from cb stops it and is returned.
 *
 * The returned structure owns everything in it; veche_election_free
 * releases it all. It is read-only after loading: many threads may read it.
 */
#ifndef VECHE_ELECTION_ELECTION_H
#define VECHE_ELECTION_ELECTION_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "board/board.h"
#include "board/canon.h"
#include "board/entry.h"
#include "election/credentials.h"
#include "election/manifest.h"

#define VECHE_ETYPE_MANIFEST     "election.manifest"
#define VECHE_ETYPE_KEY          "election.key"
#define VECHE_ETYPE_CREDENTIALS  VECHE_CREDENTIALS_TYPE
#define VECHE_ETYPE_OPEN         "election.open"
#define VECHE_ETYPE_BALLOT       "election.ballot"
#define VECHE_ETYPE_CLOSE        "election.close"
#define VECHE_ETYPE_TALLY        "election.tally"
#define VECHE_ETYPE_RESULT       "election.result"
#define VECHE_TTYPE_KEY          "trustee.key"
#define VECHE_TTYPE_COMMIT       "trustee.commit"
#define VECHE_TTYPE_COMMITMENTS  "trustee.commitments"
#define VECHE_TTYPE_SHARES       "trustee.shares"
#define VECHE_TTYPE_COMPLAINT    "trustee.complaint"
#define VECHE_TTYPE_DECRYPTION   "trustee.decryption"

#define VECHE_CEREMONY_TAG       "veche-v1/ceremony"
#define VECHE_ELECTION_TAG       "veche-v1/election"
#define VECHE_ELECTION_NO_INDEX  UINT64_MAX

/* ---- base64 in bodies --------------------------------------------------------- */

/*
 * The record's base64 is canonical RFC 4648 §4 (SPEC §2.1): standard
 * alphabet, padded, padding bits zero. `what` names the value in messages.
 */
/* *n = the decoded length of v, a JSON string of canonical base64. */
veche_err veche_b64_len(size_t *n, const json_t *v, const char *what, veche_diag *d);
/* Checks that v is canonical base64 of exactly n bytes. */
veche_err veche_b64_check(const json_t *v, size_t n, const char *what, veche_diag *d);
/* Decodes v, which must be canonical base64 of exactly n bytes, into out. */
veche_err veche_b64_get(uint8_t *out, size_t n, const json_t *v, const char *what,
                        veche_diag *d);
/* A new JSON string holding the canonical base64 of in[0..n); NULL if out of memory. */
json_t *veche_b64_json(const uint8_t *in, size_t n);

/* Checks that v is a JSON array of lo..hi elements (the election and council body checks). */
veche_err veche_json_array_check(const json_t *v, size_t lo, size_t hi, const char *what,
                                 veche_diag *d);

/* ---- hashes ------------------------------------------------------------------ */

void veche_election_manifest_hash(uint8_t out[32], const uint8_t *entry, size_t len);
void veche_election_ceremony_id(uint8_t out[32], const uint8_t manifest_hash[32]);
/* parts[k] / lens[k]: the bytes of credentials part k, k = 0..nparts-1. */
void veche_election_credentials_hash(uint8_t out[32], const uint8_t *const parts[],
                                     const size_t lens[], size_t nparts);
void veche_election_fingerprint(uint8_t out[32], const uint8_t manifest_hash[32],
                                const uint8_t key[32], const uint8_t credentials_hash[32]);

/* ---- entry types ------------------------------------------------------------- */

/* Registers the types above with the board; idempotent. */
veche_err veche_election_register_types(void);

/* ---- the loader ----------------------------------------------------------------- */

/* One kept entry. */
typedef struct veche_election_entry {
    uint64_t    index;       /* on the board */
    const char *type;        /* borrowed from json */
    json_t     *json;        /* the whole entry (owned) */
    json_t     *body;        /* borrowed from json */
    int         is_signed;
    uint8_t     author[32];  /* zero when not signed */
    uint8_t    *bytes;       /* the entry's bytes (owned) */
    size_t      len;
} veche_election_entry;

typedef struct veche_election_list {
    veche_election_entry *v;
    size_t                n, cap;
} veche_election_list;

typedef enum veche_cred_state {
    VECHE_CRED_NONE = 0,      /* no part by the credential authority */
    VECHE_CRED_INCOMPLETE,    /* some of parts 0..N-1 missing */
    VECHE_CRED_COMPLETE,      /* every part once; creds parsed */
    VECHE_CRED_INVALID        /* see cred_problem */
} veche_cred_state;

typedef struct veche_election {
    char                  id[VECHE_ELECTION_ID_MAX + 1];

    /* The manifest: the entry, parsed; its author is the administrator. */
    veche_election_entry  manifest_entry;
    veche_manifest        manifest;
    uint8_t               admin[32];
    uint8_t               manifest_hash[32];
    uint8_t               ceremony_id[32];
    uint64_t              second_manifest;   /* VECHE_ELECTION_NO_INDEX if none */
    uint64_t              nstray, first_stray;

    /* Every entry of the election after the manifest, by type, in index order. */
    veche_election_list   trustee;           /* trustee.key/commit/commitments/shares/complaint */
    veche_election_list   keys;              /* election.key */
    veche_election_list   credentials;       /* election.credentials */
    veche_election_list   opens, closes, tallies, results;
    veche_election_list   decryptions;       /* trustee.decryption */
    uint64_t             *ballots;           /* indices of election.ballot entries */
    size_t                nballots;

    /* Derived (see the header comment). */
    int                   has_key;
    uint64_t              key_index;         /* VECHE_ELECTION_NO_INDEX if none */
    uint8_t               K[32];             /* enc(K), valid and not the identity */
    veche_cred_state      cred_state;
    veche_diag            cred_problem;
    veche_credential_list creds;             /* COMPLETE only */
    uint64_t              nparts;            /* N, once a part by the authority is seen */
    uint64_t              cred_last_index;   /* the highest index among the authority's parts */
    uint8_t               credentials_hash[32];
    int                   has_fingerprint;
    uint8_t               fingerprint[32];
    uint64_t              open_index, close_index;
} veche_election;

/*
 * Called for every election.ballot of the election, in index order: its
 * bytes and its decoded entry (both valid during the call only). A non-OK
 * return stops the load.
 */
typedef veche_err (*veche_ballot_cb)(void *arg, uint64_t index, const uint8_t *bytes,
                                     size_t len, const veche_entry *entry);

/* From an open board (all its entries). cb may be NULL. */
veche_err veche_election_load(veche_election **out, veche_board *b, const char *id,
                              veche_ballot_cb cb, void *arg, veche_diag *d);
/* From an export directory's entries.jsonl (not verified here: see export.h). */
veche_err veche_election_load_export(veche_election **out, const char *dir, const char *id,
                                     veche_ballot_cb cb, void *arg, veche_diag *d);
void veche_election_free(veche_election *el);

#endif
