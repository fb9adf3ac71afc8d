/*
 * scan.c — reading a record for the council layer: one pass over a board
 * or an export directory that decodes only the entries a council reader
 * needs (council.* and the election administrator's steps), never the
 * ballots, which are most of a record and are the election verifier's.
 *
 * An entry on the record is canonical JSON whose members are sorted, so it
 * ends with  "type":"<type>","v":1}  and the type can be read from the
 * tail without parsing: a '"' inside a string is always escaped, so that
 * tail cannot come from inside a string. Entries whose tail is not of that
 * form are decoded, so nothing odd is skipped unseen.
 */
#include "council/internal.h"

#include <stdlib.h>
#include <string.h>

#include "board/export.h"

static int type_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* The type from the tail of a canonical entry into out; 0 if the tail is not of that form. */
int council_tail_type(const uint8_t *bytes, size_t len, char out[VECHE_ENTRY_TYPE_MAX + 1])
{
    static const char tail[] = "\",\"v\":1}";
    static const char head[] = "\"type\":\"";
    size_t tl = sizeof tail - 1, hl = sizeof head - 1, end, start;

    if (len < tl + hl + 1 || memcmp(bytes + len - tl, tail, tl) != 0)
        return 0;
    end = len - tl;
    start = end;
    while (start > 0 && end - start < VECHE_ENTRY_TYPE_MAX && type_char(bytes[start - 1]))
        start--;
    if (start == end || start < hl || memcmp(bytes + start - hl, head, hl) != 0)
        return 0;
    memcpy(out, bytes + start, end - start);
    out[end - start] = 0;
    return 1;
}

typedef struct scan_state {
    council_scan_cb   cb;
    void             *arg;
    council_scan_want want;
    veche_diag       *d;
    uint64_t          count;     /* entries seen: the record's size */
} scan_state;

static veche_err on_entry(void *arg, uint64_t index, const uint8_t *bytes, size_t len,
                          const veche_hash leaf)
{
    scan_state *st = arg;
    char type[VECHE_ENTRY_TYPE_MAX + 1];
    veche_entry e;
    veche_diag why;
    veche_err err;

    (void)leaf;
    st->count = index + 1;
    if (council_tail_type(bytes, len, type) && !st->want(type))
        return VECHE_OK;
    memset(&e, 0, sizeof e);
    if ((err = veche_entry_decode(&e, bytes, len, &why)) != VECHE_OK)
        return veche_diag_set(st->d, err, "entry %llu: %s", (unsigned long long)index, why.msg);
    err = st->want(e.type) ? st->cb(st->arg, index, bytes, len, &e) : VECHE_OK;
    veche_entry_free(&e);
    return err;
}

veche_err council_scan(const veche_record_src *src, council_scan_want want, council_scan_cb cb,
                       void *arg, uint64_t *size, veche_diag *d)
{
    scan_state st = {cb, arg, want, d, 0};
    veche_err e;

    *size = 0;
    if (src->board != NULL) {
        veche_store *s = veche_board_store(src->board);
        if ((e = veche_store_size(s, size)) != VECHE_OK)
            return veche_diag_set(d, e, "the store: %s", veche_store_errmsg(s));
        d->msg[0] = 0;
        e = s->ops->range(s, 0, *size, on_entry, &st);
        if (e != VECHE_OK && d->msg[0] == 0)
            veche_diag_set(d, e, "the store: %s", veche_store_errmsg(s));
        return e;
    }
    if (src->dir == NULL)
        return veche_diag_set(d, VECHE_EINVALID, "no record given (neither board nor directory)");
    e = veche_export_entries(src->dir, on_entry, &st, d);
    *size = st.count;
    return e;
}
