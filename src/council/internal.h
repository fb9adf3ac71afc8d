/*
 * internal.h — what the council library's files share and nobody else
 * needs: the credential signature's message and check, the loader's hook
 * for judging entries not yet appended, and a few small helpers.
 */
#ifndef VECHE_COUNCIL_INTERNAL_H
#define VECHE_COUNCIL_INTERNAL_H

#include "council/council.h"

#define COUNCIL_MAX_UNIX ((json_int_t)253402300799)   /* 9999-12-31T23:59:59Z */
#define COUNCIL_MAX_JSON ((json_int_t)9007199254740991)

/*
 * The message a credential signs: the canonical JSON of body without its
 * "signature" member. *msg malloc'd.
 */
veche_err council_sig_message(char **msg, size_t *len, const json_t *body, veche_diag *d);

/*
 * Verifies body's "signature" by body's "credential" X under fp (the
 * council fingerprint), X a canonical non-identity point. X is copied out.
 * VECHE_EVERIFY / VECHE_EENCODING with a reason.
 */
veche_err council_sig_verify(uint8_t X[32], const json_t *body, const uint8_t fp[32],
                             veche_diag *d);

/* The source-independent loader (state.c), with extra entries appended virtually. */
veche_err council_load_with(veche_council *c, const veche_record_src *src,
                            const char *bodies_dir, const char *id, int64_t now,
                            const uint8_t *const *extra, const size_t *extra_lens,
                            size_t nextra, uint64_t *first_extra, veche_diag *d);

/* 1 iff s[0..len) is UTF-8 (NUL bytes allowed: check them yourself). */
int council_utf8(const uint8_t *s, size_t len);

/* A JSON array's strings in a new malloc'd array of borrowed pointers (NULL if n = 0). */
const char **council_strings(const json_t *arr, size_t *n);

/* ---- scan.c: one pass over a record ---------------------------------------------- */

/* Whether entries of this type are wanted (decoded and passed on). */
typedef int (*council_scan_want)(const char *type);
/* A wanted entry, in index order; bytes and e valid during the call only. */
typedef veche_err (*council_scan_cb)(void *arg, uint64_t index, const uint8_t *bytes,
                                     size_t len, veche_entry *e);

/* The type read from the tail of a canonical entry; 0 if the tail is not that form. */
int council_tail_type(const uint8_t *bytes, size_t len, char out[VECHE_ENTRY_TYPE_MAX + 1]);

/*
 * Calls cb for every wanted entry of src in index order (an entry that does
 * not decode stops the scan with its index in d); *size = the entries read.
 */
veche_err council_scan(const veche_record_src *src, council_scan_want want, council_scan_cb cb,
                       void *arg, uint64_t *size, veche_diag *d);

#endif
