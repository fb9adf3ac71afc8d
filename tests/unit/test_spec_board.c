/*
 * test_spec_board.c — the worked example of docs/SPEC.md chapter 2 (the
 * public record), computed twice and checked against the document.
 *
 * (a) With libveche: a board with a fixed key (seed 00 01 … 1f), two
 *     statements by an author with a fixed key (seed 20 … 3f), a checkpoint
 *     at size 3, a witness with a fixed key (seed 40 … 5f) cosigning it at a
 *     fixed time, a receipt for entry 1, an export and its seven checks.
 * (b) Independently, with libsodium alone (Ed25519, SHA-256, base64) and
 *     code written from the SPEC's text: canonical entry bytes built by
 *     hand, the RFC 9162 tree by its recursive definitions, notes,
 *     cosignatures, the receipt and the witness request, and an offline
 *     receipt checker that follows SPEC §2.9 step by step. No code is
 *     shared with libveche.
 * (c) (a) and (b) must agree byte for byte; both checkers accept the
 *     receipt and refuse every single-byte change of it.
 * (d) Every value the SPEC quotes must appear in docs/SPEC.md verbatim
 *     (run from the repository root), and the export's checks must come in
 *     the order and under the names the SPEC's table gives; the defences
 *     the SPEC claims for each check (dropped, altered, reordered, extra
 *     entries) are exercised on the exported directory.
 *
 * With VECHE_SPEC_PRINT=1 the program prints the example's values (the
 * source of the text in the SPEC) before running the tests.
 */
#include "testutil.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include "board/board.h"
#include "board/export.h"
#include "board/witness.h"

#define ORIGIN       "example.org/branch-7"
#define WITNESS_NAME "witness.example/w1"
#define COSIG_TIME   UINT64_C(1700000000)
#define EMDASH       "\xe2\x80\x94"

/* The statements' bodies, as the SPEC gives them (title optional). */
#define E1_TEXT  "The branch met on Tuesday.\nAll present."
#define E1_TITLE "Minutes"
#define E2_TEXT  "Motion 7/2024 carried " EMDASH " 12 for, 3 against."

/* ======================================================================
 * (b) The independent implementation: libsodium and the SPEC's text only
 * ====================================================================== */

typedef uint8_t hash32[32];

/* A growable NUL-terminated string. */
typedef struct sbuf {
    char  *p;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *s, const void *data, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = 2 * (s->len + n + 1);
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
    memcpy(s->p + s->len, data, n);
    s->len += n;
    s->p[s->len] = '\0';
}

static void sb_str(sbuf *s, const char *str)
{
    sb_put(s, str, strlen(str));
}

/* base64, RFC 4648 §4 with padding, into s. */
static void sb_b64(sbuf *s, const uint8_t *in, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *tmp = malloc(cap);
    assert_non_null(tmp);
    sodium_bin2base64(tmp, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
    sb_str(s, tmp);
    free(tmp);
}

static char *b64_of(const uint8_t *in, size_t n)
{
    sbuf s = {0};
    sb_b64(&s, in, n);
    return s.p;
}

/*
 * Canonical base64 of exactly `want` bytes, or -1: decodes, then requires
 * that encoding the result gives back the same characters (SPEC §2.1).
 */
static int b64_canonical(uint8_t *out, size_t cap, size_t *outlen, const char *in, size_t inlen)
{
    size_t n = 0;
    const char *end = NULL;
    char *again;
    int ok;

    if (sodium_base642bin(out, cap, in, inlen, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 || end != in + inlen)
        return -1;
    again = b64_of(out, n);
    ok = strlen(again) == inlen && memcmp(again, in, inlen) == 0;
    free(again);
    if (!ok)
        return -1;
    *outlen = n;
    return 0;
}

/* SPEC §2.2: a JSON string with only ", \, tab and line feed escaped. */
static void sb_json_string(sbuf *s, const char *str)
{
    sb_str(s, "\"");
    for (const char *p = str; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            sb_str(s, "\\\"");
        else if (c == '\\')
            sb_str(s, "\\\\");
        else if (c == '\t')
            sb_str(s, "\\t");
        else if (c == '\n')
            sb_str(s, "\\n");
        else {
            assert_true(c >= 0x20 && c != 0x7f);   /* the profile forbids the rest */
            sb_put(s, p, 1);
        }
    }
    sb_str(s, "\"");
}

typedef struct ed_key {
    uint8_t seed[32], pk[32], sk[64];
} ed_key;

static void ed_key_from(ed_key *k, uint8_t first)
{
    for (int i = 0; i < 32; i++)
        k->seed[i] = (uint8_t)(first + i);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, k->seed), 0);
}

/* SPEC §2.6: key ID = SHA-256(name || 0x0a || type || public key)[0:4]. */
static void ind_key_id(uint8_t id[4], const char *name, uint8_t type, const uint8_t pk[32])
{
    sbuf s = {0};
    uint8_t h[32];
    sb_str(&s, name);
    sb_put(&s, "\n", 1);
    sb_put(&s, &type, 1);
    sb_put(&s, pk, 32);
    crypto_hash_sha256(h, (const uint8_t *)s.p, s.len);
    memcpy(id, h, 4);
    free(s.p);
}

/* SPEC §2.6: "<name>+<8 lowercase hex>+<base64(type || public key)>". */
static char *ind_vkey(const char *name, uint8_t type, const uint8_t pk[32])
{
    sbuf s = {0};
    uint8_t id[4], raw[33];
    char hex[9];
    ind_key_id(id, name, type, pk);
    sodium_bin2hex(hex, sizeof hex, id, 4);
    sb_str(&s, name);
    sb_str(&s, "+");
    sb_str(&s, hex);
    sb_str(&s, "+");
    raw[0] = type;
    memcpy(raw + 1, pk, 32);
    sb_b64(&s, raw, sizeof raw);
    return s.p;
}

/*
 * SPEC §2.3: a signed entry. The members in sorted order are author, body,
 * sig, type, v; the signature is over "veche-v1/entry\n" followed by the
 * entry without its "sig" member. body_json is the body's canonical JSON.
 * *message (if not NULL) gets the signed message.
 */
static char *ind_entry(const char *type, const char *body_json, const ed_key *author,
                       char **message)
{
    sbuf unsigned_json = {0}, msg = {0}, entry = {0};
    uint8_t sig[64];

    sb_str(&unsigned_json, "{\"author\":\"");
    sb_b64(&unsigned_json, author->pk, 32);
    sb_str(&unsigned_json, "\",\"body\":");
    sb_str(&unsigned_json, body_json);
    sb_str(&unsigned_json, ",\"type\":");
    sb_json_string(&unsigned_json, type);
    sb_str(&unsigned_json, ",\"v\":1}");

    sb_str(&msg, "veche-v1/entry\n");
    sb_str(&msg, unsigned_json.p);
    crypto_sign_detached(sig, NULL, (const uint8_t *)msg.p, msg.len, author->sk);

    sb_str(&entry, "{\"author\":\"");
    sb_b64(&entry, author->pk, 32);
    sb_str(&entry, "\",\"body\":");
    sb_str(&entry, body_json);
    sb_str(&entry, ",\"sig\":\"");
    sb_b64(&entry, sig, 64);
    sb_str(&entry, "\",\"type\":");
    sb_json_string(&entry, type);
    sb_str(&entry, ",\"v\":1}");

    free(unsigned_json.p);
    if (message != NULL)
        *message = msg.p;
    else
        free(msg.p);
    return entry.p;
}

/* SPEC §2.5: LH(d) = SHA-256(00 || d). */
static void ind_leaf(hash32 out, const char *entry, size_t len)
{
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    buf[0] = 0x00;
    memcpy(buf + 1, entry, len);
    crypto_hash_sha256(out, buf, len + 1);
    free(buf);
}

static void ind_node(hash32 out, const hash32 l, const hash32 r)
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    crypto_hash_sha256(out, buf, sizeof buf);
}

static uint64_t ind_split(uint64_t n)   /* largest power of two < n, n >= 2 */
{
    uint64_t k = 1;
    while (2 * k < n)
        k *= 2;
    return k;
}

/* RFC 9162 §2.1.1: MTH(D[0:n]) over the leaf hashes. */
static void ind_mth(hash32 out, const hash32 *leaves, uint64_t n)
{
    hash32 l, r;
    if (n == 0) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], 32);
        return;
    }
    uint64_t k = ind_split(n);
    ind_mth(l, leaves, k);
    ind_mth(r, leaves + k, n - k);
    ind_node(out, l, r);
}

/* RFC 9162 §2.1.3.1: PATH(m, D[0:n]), appended to proof[*len]. */
static void ind_path(hash32 *proof, size_t *len, uint64_t m, const hash32 *leaves, uint64_t n)
{
    if (n <= 1)
        return;
    uint64_t k = ind_split(n);
    if (m < k) {
        ind_path(proof, len, m, leaves, k);
        ind_mth(proof[(*len)++], leaves + k, n - k);
    } else {
        ind_path(proof, len, m - k, leaves + k, n - k);
        ind_mth(proof[(*len)++], leaves, k);
    }
}

/* RFC 9162 §2.1.4.1: SUBPROOF(m, D[0:n], b). */
static void ind_subproof(hash32 *proof, size_t *len, uint64_t m, const hash32 *leaves,
                         uint64_t n, int b)
{
    if (m == n) {
        if (!b)
            ind_mth(proof[(*len)++], leaves, n);
        return;
    }
    uint64_t k = ind_split(n);
    if (m <= k) {
        ind_subproof(proof, len, m, leaves, k, b);
        ind_mth(proof[(*len)++], leaves + k, n - k);
    } else {
        ind_subproof(proof, len, m - k, leaves + k, n - k, 0);
        ind_mth(proof[(*len)++], leaves, k);
    }
}

/* SPEC §2.5, inclusion verification, step by step. 0 = valid. */
static int ind_verify_inclusion(uint64_t index, uint64_t size, const hash32 leaf,
                                const hash32 *proof, size_t len, const hash32 root)
{
    uint64_t fn, sn;
    hash32 r;
    if (index >= size)
        return -1;
    fn = index;
    sn = size - 1;
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return -1;
        if ((fn & 1) == 1 || fn == sn) {
            ind_node(r, proof[i], r);
            if ((fn & 1) == 0)
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            ind_node(r, r, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, 32) == 0 ? 0 : -1;
}

/* SPEC §2.5, consistency verification with its two edge cases. 0 = valid. */
static int ind_verify_consistency(uint64_t m, uint64_t n, const hash32 old_root,
                                  const hash32 root, const hash32 *proof, size_t len)
{
    hash32 fr, sr, empty;
    uint64_t fn, sn;
    size_t i = 0;

    if (m > n)
        return -1;
    if (m == n)
        return len == 0 && memcmp(old_root, root, 32) == 0 ? 0 : -1;
    if (m == 0) {
        crypto_hash_sha256(empty, NULL, 0);
        return len == 0 && memcmp(old_root, empty, 32) == 0 ? 0 : -1;
    }
    if (len == 0)
        return -1;
    if ((m & (m - 1)) == 0) {
        memcpy(fr, old_root, 32);
    } else {
        memcpy(fr, proof[0], 32);
        i = 1;
    }
    memcpy(sr, fr, 32);
    fn = m - 1;
    sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < len; i++) {
        if (sn == 0)
            return -1;
        if ((fn & 1) || fn == sn) {
            ind_node(fr, proof[i], fr);
            ind_node(sr, proof[i], sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            ind_node(sr, sr, proof[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, old_root, 32) == 0 && memcmp(sr, root, 32) == 0 ? 0 : -1;
}

/* SPEC §2.7: "<origin>\n<size>\n<base64 root>\n". */
static char *ind_checkpoint(const char *origin, uint64_t size, const hash32 root)
{
    sbuf s = {0};
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)size);
    sb_str(&s, origin);
    sb_str(&s, "\n");
    sb_str(&s, num);
    sb_str(&s, "\n");
    sb_b64(&s, root, 32);
    sb_str(&s, "\n");
    return s.p;
}

/* SPEC §2.6: "— <name> <base64(key ID || blob)>\n". */
static void sb_sig_line(sbuf *s, const char *name, const uint8_t id[4], const uint8_t *blob,
                        size_t n)
{
    uint8_t raw[4 + 72];
    assert_true(n <= 72);
    memcpy(raw, id, 4);
    memcpy(raw + 4, blob, n);
    sb_str(s, EMDASH " ");
    sb_str(s, name);
    sb_str(s, " ");
    sb_b64(s, raw, 4 + n);
    sb_str(s, "\n");
}

/* SPEC §2.6: text, a blank line, the Ed25519 (type 0x01) signature line. */
static char *ind_sign_note(const char *text, const char *name, const ed_key *k)
{
    sbuf s = {0};
    uint8_t id[4], sig[64];
    ind_key_id(id, name, 0x01, k->pk);
    crypto_sign_detached(sig, NULL, (const uint8_t *)text, strlen(text), k->sk);
    sb_str(&s, text);
    sb_str(&s, "\n");
    sb_sig_line(&s, name, id, sig, 64);
    return s.p;
}

/* SPEC §2.8: the cosignature line over checkpoint text `text` at time t. */
static char *ind_cosig_line(const char *text, const char *name, const ed_key *k, uint64_t t)
{
    sbuf msg = {0}, line = {0};
    uint8_t id[4], blob[72];
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)t);
    sb_str(&msg, "cosignature/v1\ntime ");
    sb_str(&msg, num);
    sb_str(&msg, "\n");
    sb_str(&msg, text);
    for (int i = 0; i < 8; i++)
        blob[i] = (uint8_t)(t >> (56 - 8 * i));
    crypto_sign_detached(blob + 8, NULL, (const uint8_t *)msg.p, msg.len, k->sk);
    ind_key_id(id, name, 0x04, k->pk);
    sb_sig_line(&line, name, id, blob, 72);
    free(msg.p);
    return line.p;
}

/* SPEC §2.9: the receipt (tlog-proof@v1 with the entry in "extra"). */
static char *ind_receipt(const char *entry, uint64_t index, const hash32 *proof, size_t len,
                         const char *note)
{
    sbuf s = {0};
    char num[24];
    sb_str(&s, "c2sp.org/tlog-proof@v1\nextra ");
    sb_b64(&s, (const uint8_t *)entry, strlen(entry));
    snprintf(num, sizeof num, "%llu", (unsigned long long)index);
    sb_str(&s, "\nindex ");
    sb_str(&s, num);
    sb_str(&s, "\n");
    for (size_t i = 0; i < len; i++) {
        sb_b64(&s, proof[i], 32);
        sb_str(&s, "\n");
    }
    sb_str(&s, "\n");
    sb_str(&s, note);
    return s.p;
}

/* ---- an offline receipt checker, from SPEC §2.9 alone ---------------------- */

/* A verifier key as the checker is given it. */
typedef struct ind_vk {
    char    name[130];
    uint8_t type, pk[32], id[4];
} ind_vk;

static int ind_vkey_parse(ind_vk *k, const char *text)
{
    const char *p1 = strchr(text, '+'), *p2;
    uint8_t raw[40], want[4];
    size_t n;
    if (p1 == NULL || (size_t)(p1 - text) >= sizeof k->name || (p2 = strchr(p1 + 1, '+')) == NULL ||
        p2 - p1 != 9)
        return -1;
    memset(k, 0, sizeof *k);
    memcpy(k->name, text, (size_t)(p1 - text));
    for (int i = 0; i < 8; i++)
        if (!strchr("0123456789abcdef", p1[1 + i]))
            return -1;
    if (sodium_hex2bin(k->id, 4, p1 + 1, 8, NULL, NULL, NULL) != 0 ||
        b64_canonical(raw, sizeof raw, &n, p2 + 1, strlen(p2 + 1)) != 0 || n != 33 ||
        (raw[0] != 0x01 && raw[0] != 0x04))
        return -1;
    k->type = raw[0];
    memcpy(k->pk, raw + 1, 32);
    ind_key_id(want, k->name, k->type, k->pk);
    return memcmp(want, k->id, 4) == 0 ? 0 : -1;
}

/* Valid UTF-8 (shortest forms, no surrogates) and no control below 0x20 but '\n'. */
static int ind_text_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t c = s[i];
        size_t n;
        if (c < 0x80) {
            if (c < 0x20 && c != '\n')
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) n = 2, c &= 0x1f;
        else if (c >= 0xe0 && c <= 0xef) n = 3, c &= 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) n = 4, c &= 0x07;
        else return 0;
        if (i + n > len)
            return 0;
        for (size_t j = 1; j < n; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + j] & 0x3f);
        }
        if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
            (c >= 0xd800 && c <= 0xdfff))
            return 0;
        i += n;
    }
    return 1;
}

/* Decimal, no sign, no leading zero. */
static int ind_decimal(uint64_t *v, const char *s, size_t len)
{
    uint64_t x = 0;
    if (len == 0 || len > 19 || (s[0] == '0' && len > 1))   /* the example needs < 10^19 */
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 0;
}

/* Next '\n'-terminated line of [*p, end): its start and length; -1 if none. */
static int ind_line(const char **p, const char *end, const char **line, size_t *len)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL)
        return -1;
    *line = *p;
    *len = (size_t)(nl - *p);
    *p = nl + 1;
    return 0;
}

/*
 * Checks a signed note over a checkpoint (SPEC §2.6-2.8): the text is the
 * part before the last blank line; every signature line from a key in
 * keys[] must verify; returns how many of keys[] signed, or -1.
 */
static int ind_check_note(const char *note, size_t len, const ind_vk *keys, size_t nkeys,
                          int *signed_by, hash32 root, uint64_t *size, char *origin)
{
    size_t split = 0, tlen;
    int found = 0, count = 0;
    const char *p, *end = note + len, *line;

    if (len > 65536 || !ind_text_ok((const uint8_t *)note, len) || len == 0 || note[len - 1] != '\n')
        return -1;
    for (size_t i = len; i >= 2; i--)
        if (note[i - 2] == '\n' && note[i - 1] == '\n') {
            split = i - 2;
            found = 1;
            break;
        }
    if (!found || split + 2 == len)
        return -1;
    tlen = split + 1;
    /* the checkpoint: exactly three lines */
    {
        const char *l1, *l2, *l3, *q = note, *tend = note + tlen;
        size_t n1, n2, n3, n;
        uint8_t r[40];
        if (ind_line(&q, tend, &l1, &n1) || ind_line(&q, tend, &l2, &n2) ||
            ind_line(&q, tend, &l3, &n3) || q != tend || n1 == 0 || n1 > 128 ||
            ind_decimal(size, l2, n2) || b64_canonical(r, sizeof r, &n, l3, n3) || n != 32)
            return -1;
        memcpy(origin, l1, n1);
        origin[n1] = '\0';
        memcpy(root, r, 32);
    }
    memset(signed_by, 0, nkeys * sizeof *signed_by);
    p = note + split + 2;
    for (size_t nlines = 0; p < end; nlines++) {
        size_t ll, nl, blen;
        const char *name, *sp;
        uint8_t blob[80];
        if (nlines == 100 || ind_line(&p, end, &line, &ll) || ll < 4 ||
            memcmp(line, EMDASH " ", 4) != 0)
            return -1;
        name = line + 4;
        sp = memchr(name, ' ', ll - 4);
        if (sp == NULL || sp == name)
            return -1;
        nl = (size_t)(sp - name);
        if (b64_canonical(blob, sizeof blob, &blen, sp + 1, ll - 4 - nl - 1) || blen < 4)
            return -1;
        for (size_t k = 0; k < nkeys; k++) {
            sbuf msg = {0};
            int ok;
            if (strlen(keys[k].name) != nl || memcmp(keys[k].name, name, nl) != 0 ||
                memcmp(keys[k].id, blob, 4) != 0)
                continue;
            if (keys[k].type == 0x01) {
                ok = blen == 68 && crypto_sign_verify_detached(blob + 4, (const uint8_t *)note,
                                                                tlen, keys[k].pk) == 0;
            } else {
                uint64_t t = 0;
                char num[24];
                for (int i = 0; i < 8; i++)
                    t = (t << 8) | blob[4 + i];
                snprintf(num, sizeof num, "%llu", (unsigned long long)t);
                sb_str(&msg, "cosignature/v1\ntime ");
                sb_str(&msg, num);
                sb_str(&msg, "\n");
                sb_put(&msg, note, tlen);
                ok = blen == 76 && t <= UINT64_C(0x7fffffffffffffff) &&
                     crypto_sign_verify_detached(blob + 12, (const uint8_t *)msg.p, msg.len,
                                                 keys[k].pk) == 0;
                free(msg.p);
            }
            if (!ok)
                return -1;      /* a bad line from a known key taints the note */
            if (!signed_by[k])
                count++;
            signed_by[k] = 1;
        }
    }
    return count;
}

/*
 * SPEC §2.9, "checking a receipt offline", steps 1-6. Returns 0 if the
 * receipt proves its entry is in the board's record, cosigned by at least
 * quorum of the witnesses.
 */
static int ind_check_receipt(const char *rc, size_t len, const ind_vk *board,
                             const ind_vk *witnesses, size_t nw, size_t quorum)
{
    const char *p = rc, *end = rc + len, *line;
    size_t ll, elen = 0, plen = 0, n;
    uint8_t *entry = NULL;
    hash32 proof[64], root, leaf;
    uint64_t index, size;
    ind_vk keys[9];
    int signed_by[9], count, ret = -1;
    char origin[130];

    if (len > 1471829 || nw > 8)
        return -1;
    /* 1. layout */
    if (ind_line(&p, end, &line, &ll) || ll != 22 || memcmp(line, "c2sp.org/tlog-proof@v1", 22) ||
        ind_line(&p, end, &line, &ll) || ll < 6 || memcmp(line, "extra ", 6))
        return -1;
    entry = malloc(ll);
    if (entry == NULL || b64_canonical(entry, ll, &elen, line + 6, ll - 6) || elen > (1u << 20))
        goto out;
    if (ind_line(&p, end, &line, &ll) || ll < 6 || memcmp(line, "index ", 6) ||
        ind_decimal(&index, line + 6, ll - 6))
        goto out;
    for (;;) {
        if (ind_line(&p, end, &line, &ll))
            goto out;
        if (ll == 0)
            break;
        if (plen == 64 || b64_canonical(proof[plen], 32, &n, line, ll) || n != 32)
            goto out;
        plen++;
    }
    /* 2-3. the checkpoint: signed by the board key for its origin; the witness quorum */
    keys[0] = *board;
    for (size_t i = 0; i < nw; i++)
        keys[1 + i] = witnesses[i];
    count = ind_check_note(p, (size_t)(end - p), keys, 1 + nw, signed_by, root, &size, origin);
    if (count < 0 || !signed_by[0] || strcmp(origin, board->name) != 0 ||
        (size_t)(count - 1) < quorum)
        goto out;
    /*
     * 4. the entry: here only its signature, over the entry with its "sig"
     * member removed textually (SPEC §2.3); libveche checks the rest, and the
     * entries themselves are compared byte for byte with libveche's.
     */
    {
        const char *txt = (const char *)entry, *sig = NULL, *q;
        uint8_t author[32], s64[64];
        sbuf msg = {0};
        int ok;
        for (q = txt; (q = memchr(q, ',', elen - (size_t)(q - txt))) != NULL; q++)
            if (elen - (size_t)(q - txt) > 8 + 88 + 1 && memcmp(q, ",\"sig\":\"", 8) == 0)
                sig = q;                              /* the last occurrence */
        if (elen < 11 + 44 + 1 || memcmp(txt, "{\"author\":\"", 11) != 0 || sig == NULL ||
            sig[8 + 88] != '"' || b64_canonical(author, 32, &n, txt + 11, 44) || n != 32 ||
            b64_canonical(s64, 64, &n, sig + 8, 88) || n != 64)
            goto out;
        sb_str(&msg, "veche-v1/entry\n");
        sb_put(&msg, txt, (size_t)(sig - txt));
        sb_put(&msg, sig + 8 + 88 + 1, elen - (size_t)(sig + 8 + 88 + 1 - txt));
        ok = crypto_sign_verify_detached(s64, (const uint8_t *)msg.p, msg.len, author) == 0;
        free(msg.p);
        if (!ok)
            goto out;
    }
    /* 5-6. the leaf, and its inclusion at index in the checkpoint's tree */
    ind_leaf(leaf, (const char *)entry, elen);
    ret = ind_verify_inclusion(index, size, leaf, (const hash32 *)proof, plen, root);
out:
    free(entry);
    return ret;
}

/* ---- the whole example, independently ---------------------------------------- */

typedef struct example {
    ed_key board, author, witness;
    char *board_vkey, *witness_vkey, *author_b64;
    uint8_t board_id[4], witness_id[4];
    char *body1, *body2, *msg1;
    char *e[3];
    hash32 leaf[3], n01, root;
    hash32 incl0[2], incl1[2], incl2[1], cons12[2], cons23[1];
    size_t nincl0, nincl1, nincl2, ncons12, ncons23;
    char *cp_text, *cp_note, *cosig_line, *cosigned, *receipt, *request;
} example;

static void example_compute(example *x)
{
    sbuf b = {0};
    size_t n;

    memset(x, 0, sizeof *x);
    ed_key_from(&x->board, 0x00);
    ed_key_from(&x->author, 0x20);
    ed_key_from(&x->witness, 0x40);
    x->board_vkey = ind_vkey(ORIGIN, 0x01, x->board.pk);
    x->witness_vkey = ind_vkey(WITNESS_NAME, 0x04, x->witness.pk);
    ind_key_id(x->board_id, ORIGIN, 0x01, x->board.pk);
    ind_key_id(x->witness_id, WITNESS_NAME, 0x04, x->witness.pk);
    x->author_b64 = b64_of(x->author.pk, 32);

    /* entry 0: board.init {"origin", "vkey"} by the board key */
    sb_str(&b, "{\"origin\":");
    sb_json_string(&b, ORIGIN);
    sb_str(&b, ",\"vkey\":");
    sb_json_string(&b, x->board_vkey);
    sb_str(&b, "}");
    x->e[0] = ind_entry("board.init", b.p, &x->board, NULL);
    free(b.p);
    /* entries 1 and 2: statements by the author */
    memset(&b, 0, sizeof b);
    sb_str(&b, "{\"text\":");
    sb_json_string(&b, E1_TEXT);
    sb_str(&b, ",\"title\":");
    sb_json_string(&b, E1_TITLE);
    sb_str(&b, "}");
    x->body1 = b.p;
    x->e[1] = ind_entry("statement", x->body1, &x->author, &x->msg1);
    memset(&b, 0, sizeof b);
    sb_str(&b, "{\"text\":");
    sb_json_string(&b, E2_TEXT);
    sb_str(&b, "}");
    x->body2 = b.p;
    x->e[2] = ind_entry("statement", x->body2, &x->author, NULL);

    for (int i = 0; i < 3; i++)
        ind_leaf(x->leaf[i], x->e[i], strlen(x->e[i]));
    ind_node(x->n01, x->leaf[0], x->leaf[1]);
    ind_mth(x->root, (const hash32 *)x->leaf, 3);
    ind_path(x->incl0, &x->nincl0, 0, (const hash32 *)x->leaf, 3);
    ind_path(x->incl1, &x->nincl1, 1, (const hash32 *)x->leaf, 3);
    ind_path(x->incl2, &x->nincl2, 2, (const hash32 *)x->leaf, 3);
    ind_subproof(x->cons12, &x->ncons12, 1, (const hash32 *)x->leaf, 3, 1);
    ind_subproof(x->cons23, &x->ncons23, 2, (const hash32 *)x->leaf, 3, 1);
    assert_int_equal(x->nincl0, 2);
    assert_int_equal(x->nincl1, 2);
    assert_int_equal(x->nincl2, 1);
    assert_int_equal(x->ncons12, 2);
    assert_int_equal(x->ncons23, 1);

    x->cp_text = ind_checkpoint(ORIGIN, 3, x->root);
    x->cp_note = ind_sign_note(x->cp_text, ORIGIN, &x->board);
    x->cosig_line = ind_cosig_line(x->cp_text, WITNESS_NAME, &x->witness, COSIG_TIME);
    n = strlen(x->cp_note) + strlen(x->cosig_line) + 1;
    x->cosigned = malloc(n);
    assert_non_null(x->cosigned);
    snprintf(x->cosigned, n, "%s%s", x->cp_note, x->cosig_line);
    x->receipt = ind_receipt(x->e[1], 1, (const hash32 *)x->incl1, x->nincl1, x->cosigned);
    n = strlen("old 0\n\n") + strlen(x->cp_note) + 1;
    x->request = malloc(n);
    assert_non_null(x->request);
    snprintf(x->request, n, "old 0\n\n%s", x->cp_note);
}

static void example_free(example *x)
{
    free(x->board_vkey);
    free(x->witness_vkey);
    free(x->author_b64);
    free(x->body1);
    free(x->body2);
    free(x->msg1);
    for (int i = 0; i < 3; i++)
        free(x->e[i]);
    free(x->cp_text);
    free(x->cp_note);
    free(x->cosig_line);
    free(x->cosigned);
    free(x->receipt);
    free(x->request);
}

static void ind_keys(const example *x, ind_vk *board, ind_vk *witness)
{
    assert_int_equal(ind_vkey_parse(board, x->board_vkey), 0);
    assert_int_equal(ind_vkey_parse(witness, x->witness_vkey), 0);
}

/* ======================================================================
 * (a) The same example through libveche
 * ====================================================================== */

typedef struct lib_run {
    char dir[64], db[128], exp[128], wstate[128];
    veche_key board_key, witness_key;
    veche_note_key board_nk, witness_nk;
    veche_board *b;
} lib_run;

static void lib_key(veche_key *k, const char *name, const ed_key *src)
{
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", name);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, src->seed), 0);
}

static void lib_open(lib_run *r, const example *x)
{
    veche_diag d = {{0}};
    memset(r, 0, sizeof *r);
    strcpy(r->dir, "/tmp/veche-spec-board-XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->db, sizeof r->db, "%s/b.db", r->dir);
    snprintf(r->exp, sizeof r->exp, "%s/export", r->dir);
    snprintf(r->wstate, sizeof r->wstate, "%s/witness", r->dir);
    assert_int_equal(mkdir(r->wstate, 0700), 0);
    lib_key(&r->board_key, ORIGIN, &x->board);
    lib_key(&r->witness_key, WITNESS_NAME, &x->witness);
    assert_int_equal(veche_key_note_key(&r->board_nk, &r->board_key, VECHE_SIGTYPE_ED25519),
                     VECHE_OK);
    assert_int_equal(veche_key_note_key(&r->witness_nk, &r->witness_key,
                                        VECHE_SIGTYPE_COSIGNATURE), VECHE_OK);
    if (veche_board_create(&r->b, r->db, &r->board_key, &d) != VECHE_OK)
        fail_msg("board create: %s", d.msg);
}

static void lib_close(lib_run *r)
{
    char cmd[128];
    veche_board_close(r->b);
    veche_key_wipe(&r->board_key);
    veche_key_wipe(&r->witness_key);
    snprintf(cmd, sizeof cmd, "rm -rf %s", r->dir);
    assert_int_equal(system(cmd), 0);
}

static char *lib_statement(const char *text, const char *title, const ed_key *author)
{
    veche_diag d = {{0}};
    char *out;
    size_t len;
    json_t *body = title ? json_pack("{s:s, s:s}", "text", text, "title", title)
                         : json_pack("{s:s}", "text", text);
    if (veche_entry_build(&out, &len, "statement", body, author->sk, &d) != VECHE_OK)
        fail_msg("entry build: %s", d.msg);
    json_decref(body);
    assert_int_equal(strlen(out), len);
    return out;
}

/* Board with the three entries, a checkpoint, the witness's cosignature. */
static void lib_build(lib_run *r, const example *x)
{
    veche_diag d = {{0}};
    char *e[2], *note = NULL, *req = NULL, *cosigned = NULL;
    size_t len[2];
    uint64_t first;

    lib_open(r, x);
    e[0] = lib_statement(E1_TEXT, E1_TITLE, &x->author);
    e[1] = lib_statement(E2_TEXT, NULL, &x->author);
    len[0] = strlen(e[0]);
    len[1] = strlen(e[1]);
    if (veche_board_append(r->b, (const uint8_t *const *)e, len, 2, &first, &d) != VECHE_OK)
        fail_msg("append: %s", d.msg);
    assert_int_equal(first, 1);
    free(e[0]);
    free(e[1]);
    if (veche_board_checkpoint(r->b, &note, &d) != VECHE_OK)
        fail_msg("checkpoint: %s", d.msg);
    assert_int_equal(veche_witness_request_format(&req, 0, NULL, 0, note), VECHE_OK);
    assert_string_equal(req, x->request);
    if (veche_witness_cosign(r->wstate, &r->witness_key, &r->board_nk, req, strlen(req),
                             COSIG_TIME, &cosigned, &d) != VECHE_OK)
        fail_msg("witness: %s", d.msg);
    assert_string_equal(cosigned, x->cosigned);
    if (veche_board_add_cosignatures(r->b, cosigned, &r->witness_nk, 1, &d) != VECHE_OK)
        fail_msg("add cosignatures: %s", d.msg);
    free(note);
    free(req);
    free(cosigned);
}

/* ======================================================================
 * Printing the example (VECHE_SPEC_PRINT=1)
 * ====================================================================== */

static void print_hex(const char *label, const uint8_t *h, size_t n)
{
    char hex[200];
    to_hex(hex, h, n);
    printf("%s %s\n", label, hex);
}

static void print_b64(const char *label, const uint8_t *h, size_t n)
{
    char *s = b64_of(h, n);
    printf("%s %s\n", label, s);
    free(s);
}

static void example_print(const example *x)
{
    uint8_t bid[4];
    char *s;
    printf("==== SPEC chapter 2 worked example ====\n");
    print_hex("board seed", x->board.seed, 32);
    print_hex("board pk", x->board.pk, 32);
    print_hex("board key id", x->board_id, 4);
    printf("board vkey %s\n", x->board_vkey);
    print_hex("author seed", x->author.seed, 32);
    print_hex("author pk", x->author.pk, 32);
    printf("author b64 %s\n", x->author_b64);
    print_hex("witness seed", x->witness.seed, 32);
    print_hex("witness pk", x->witness.pk, 32);
    print_hex("witness key id", x->witness_id, 4);
    printf("witness vkey %s\n", x->witness_vkey);
    ind_key_id(bid, WITNESS_NAME, 0x01, x->witness.pk);
    print_hex("(witness key id if it were type 0x01)", bid, 4);
    printf("msg1 (%zu bytes):\n%s\n----\n", strlen(x->msg1), x->msg1);
    for (int i = 0; i < 3; i++) {
        printf("e%d (%zu bytes):\n%s\n", i, strlen(x->e[i]), x->e[i]);
        print_hex("  leaf", x->leaf[i], 32);
        print_b64("  leaf b64", x->leaf[i], 32);
    }
    print_hex("n01", x->n01, 32);
    print_b64("n01 b64", x->n01, 32);
    print_hex("root", x->root, 32);
    print_b64("root b64", x->root, 32);
    for (size_t i = 0; i < x->nincl0; i++) print_b64("incl0", x->incl0[i], 32);
    for (size_t i = 0; i < x->nincl1; i++) print_b64("incl1", x->incl1[i], 32);
    for (size_t i = 0; i < x->nincl2; i++) print_b64("incl2", x->incl2[i], 32);
    for (size_t i = 0; i < x->ncons12; i++) print_b64("cons 1->3", x->cons12[i], 32);
    for (size_t i = 0; i < x->ncons23; i++) print_b64("cons 2->3", x->cons23[i], 32);
    printf("checkpoint note:\n%s----\ncosigned:\n%s----\n", x->cp_note, x->cosigned);
    printf("receipt:\n%s----\nrequest:\n%s----\n", x->receipt, x->request);
    s = b64_of((const uint8_t *)x->e[1], strlen(x->e[1]));
    printf("receipt bytes %zu, extra b64 chars %zu\n", strlen(x->receipt), strlen(s));
    free(s);
}

/* ======================================================================
 * The tests
 * ====================================================================== */

/* The entries, keys and tree: libveche equals the independent computation. */
static void test_entries_and_tree(void **state)
{
    example x;
    lib_run r;
    veche_diag d = {{0}};
    veche_hash root, proof[VECHE_MERKLE_MAX_PROOF];
    char vkey[VECHE_KEYNAME_MAX + 80];
    size_t len;
    uint8_t *bytes;
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);

    veche_note_key_format(vkey, sizeof vkey, &r.board_nk);
    assert_string_equal(vkey, x.board_vkey);
    assert_memory_equal(r.board_nk.id, x.board_id, 4);
    veche_note_key_format(vkey, sizeof vkey, &r.witness_nk);
    assert_string_equal(vkey, x.witness_vkey);
    assert_memory_equal(r.witness_nk.id, x.witness_id, 4);

    assert_int_equal(veche_board_size(r.b), 3);
    for (uint64_t i = 0; i < 3; i++) {
        veche_entry e;
        veche_hash leaf;
        if (veche_board_get(r.b, i, &bytes, &len, &d) != VECHE_OK)
            fail_msg("get %llu: %s", (unsigned long long)i, d.msg);
        assert_int_equal(len, strlen(x.e[i]));
        assert_memory_equal(bytes, x.e[i], len);
        veche_merkle_leaf_hash(leaf, bytes, len);
        assert_memory_equal(leaf, x.leaf[i], 32);
        free(bytes);
        /* and libveche accepts the independently built bytes */
        if (veche_entry_decode(&e, (const uint8_t *)x.e[i], strlen(x.e[i]), &d) != VECHE_OK)
            fail_msg("decode e%llu: %s", (unsigned long long)i, d.msg);
        veche_entry_free(&e);
    }
    assert_int_equal(veche_board_root(r.b, 3, root), VECHE_OK);
    assert_memory_equal(root, x.root, 32);
    assert_int_equal(veche_board_root(r.b, 2, root), VECHE_OK);
    assert_memory_equal(root, x.n01, 32);

    assert_int_equal(veche_board_inclusion(r.b, 0, 3, proof, &len), VECHE_OK);
    assert_int_equal(len, x.nincl0);
    assert_memory_equal(proof, x.incl0, 32 * len);
    assert_int_equal(veche_board_inclusion(r.b, 1, 3, proof, &len), VECHE_OK);
    assert_int_equal(len, x.nincl1);
    assert_memory_equal(proof, x.incl1, 32 * len);
    assert_int_equal(veche_board_inclusion(r.b, 2, 3, proof, &len), VECHE_OK);
    assert_int_equal(len, x.nincl2);
    assert_memory_equal(proof, x.incl2, 32 * len);
    assert_int_equal(veche_board_consistency(r.b, 1, 3, proof, &len), VECHE_OK);
    assert_int_equal(len, x.ncons12);
    assert_memory_equal(proof, x.cons12, 32 * len);
    assert_int_equal(veche_board_consistency(r.b, 2, 3, proof, &len), VECHE_OK);
    assert_int_equal(len, x.ncons23);
    assert_memory_equal(proof, x.cons23, 32 * len);

    /* Every proof verifies both ways; the edge cases of SPEC §2.5 agree. */
    {
        hash32 empty, l0root;
        const hash32 *L = (const hash32 *)x.leaf;
        crypto_hash_sha256(empty, NULL, 0);
        memcpy(l0root, x.leaf[0], 32);
        assert_int_equal(ind_verify_inclusion(0, 3, L[0], (const hash32 *)x.incl0, 2, x.root), 0);
        assert_int_equal(ind_verify_inclusion(1, 3, L[1], (const hash32 *)x.incl1, 2, x.root), 0);
        assert_int_equal(ind_verify_inclusion(2, 3, L[2], (const hash32 *)x.incl2, 1, x.root), 0);
        assert_int_equal(ind_verify_inclusion(2, 3, L[1], (const hash32 *)x.incl2, 1, x.root), -1);
        assert_int_equal(veche_merkle_verify_inclusion(1, 3, L[1], (const veche_hash *)x.incl1, 2,
                                                       x.root), VECHE_OK);
        assert_int_equal(ind_verify_consistency(1, 3, l0root, x.root, (const hash32 *)x.cons12, 2), 0);
        assert_int_equal(ind_verify_consistency(2, 3, x.n01, x.root, (const hash32 *)x.cons23, 1), 0);
        assert_int_equal(veche_merkle_verify_consistency(2, 3, x.n01, x.root,
                                                         (const veche_hash *)x.cons23, 1), VECHE_OK);
        /* old size 0: only from the empty root, only with an empty proof */
        assert_int_equal(ind_verify_consistency(0, 3, empty, x.root, NULL, 0), 0);
        assert_int_equal(veche_merkle_verify_consistency(0, 3, empty, x.root, NULL, 0), VECHE_OK);
        assert_int_equal(ind_verify_consistency(0, 3, x.root, x.root, NULL, 0), -1);
        assert_int_not_equal(veche_merkle_verify_consistency(0, 3, x.root, x.root, NULL, 0),
                             VECHE_OK);
        assert_int_equal(ind_verify_consistency(0, 3, empty, x.root, (const hash32 *)x.cons23, 1), -1);
        assert_int_not_equal(veche_merkle_verify_consistency(0, 3, empty, x.root,
                                                             (const veche_hash *)x.cons23, 1),
                             VECHE_OK);
        /* equal sizes: equal roots and an empty proof */
        assert_int_equal(ind_verify_consistency(3, 3, x.root, x.root, NULL, 0), 0);
        assert_int_equal(veche_merkle_verify_consistency(3, 3, x.root, x.root, NULL, 0), VECHE_OK);
        assert_int_equal(ind_verify_consistency(3, 3, x.root, x.root, (const hash32 *)x.cons23, 1), -1);
        assert_int_not_equal(veche_merkle_verify_consistency(3, 3, x.root, x.root,
                                                             (const veche_hash *)x.cons23, 1),
                             VECHE_OK);
        assert_int_equal(ind_verify_consistency(3, 3, x.root, x.n01, NULL, 0), -1);
    }
    lib_close(&r);
    example_free(&x);
}

/* The checkpoint, its cosignature and the receipt: byte for byte. */
static void test_notes_and_receipt(void **state)
{
    example x;
    lib_run r;
    veche_diag d = {{0}};
    char *note = NULL, *receipt = NULL;
    ind_vk bk, wk;
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    ind_keys(&x, &bk, &wk);

    /* the board's latest checkpoint now carries the stored cosignature */
    if (veche_board_latest_checkpoint(r.b, &note, &d) != VECHE_OK)
        fail_msg("latest checkpoint: %s", d.msg);
    assert_string_equal(note, x.cosigned);
    free(note);
    if (veche_board_receipt(r.b, 1, &receipt, &d) != VECHE_OK)
        fail_msg("receipt: %s", d.msg);
    assert_string_equal(receipt, x.receipt);

    /* both checkers accept it, with and without the witness policy */
    assert_int_equal(veche_receipt_check(receipt, strlen(receipt), &r.board_nk, &r.witness_nk, 1,
                                         1, &d), VECHE_OK);
    assert_int_equal(veche_receipt_check(receipt, strlen(receipt), &r.board_nk, NULL, 0, 0, &d),
                     VECHE_OK);
    assert_int_equal(ind_check_receipt(receipt, strlen(receipt), &bk, &wk, 1, 1), 0);
    assert_int_equal(ind_check_receipt(receipt, strlen(receipt), &bk, NULL, 0, 0), 0);
    /* the witness's key as a log key, or the board's as a witness: refused */
    assert_int_not_equal(ind_check_receipt(receipt, strlen(receipt), &wk, NULL, 0, 0), 0);
    assert_int_not_equal(veche_receipt_check(receipt, strlen(receipt), &r.witness_nk, NULL, 0, 0,
                                             &d), VECHE_OK);

    /* every single-byte change is refused by both (witness quorum 1) */
    {
        size_t n = strlen(receipt);
        char *t = malloc(n + 1);
        assert_non_null(t);
        for (size_t i = 0; i < n; i++) {
            for (int bit = 0; bit < 8; bit += test_quick() ? 7 : 1) {
                memcpy(t, receipt, n + 1);
                t[i] = (char)(t[i] ^ (1 << bit));
                if (t[i] == 0)
                    continue;
                if (veche_receipt_check(t, n, &r.board_nk, &r.witness_nk, 1, 1, NULL) == VECHE_OK)
                    fail_msg("libveche accepts the receipt with byte %zu ^ 0x%02x", i, 1 << bit);
                if (ind_check_receipt(t, n, &bk, &wk, 1, 1) == 0)
                    fail_msg("the independent checker accepts byte %zu ^ 0x%02x", i, 1 << bit);
            }
        }
        free(t);
    }
    free(receipt);
    lib_close(&r);
    example_free(&x);
}

/* The witness: state written, a repeat of the same size re-cosigned, a fork refused. */
static void test_witness_rules(void **state)
{
    example x;
    lib_run r;
    veche_diag d = {{0}};
    veche_checkpoint last;
    char *out = NULL, *req;
    ed_key other;
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    assert_int_equal(veche_witness_state(r.wstate, ORIGIN, &last, &d), VECHE_OK);
    assert_int_equal(last.size, 3);
    assert_memory_equal(last.root, x.root, 32);

    /* "old 0" again: the witness now has size 3 and says so */
    d.msg[0] = 0;
    assert_int_equal(veche_witness_cosign(r.wstate, &r.witness_key, &r.board_nk, x.request,
                                          strlen(x.request), COSIG_TIME, &out, &d), VECHE_ERANGE);
    assert_non_null(strstr(d.msg, "witness has size 3"));

    /* "old 3" with the same checkpoint and an empty proof: cosigned again */
    {
        size_t n = strlen(x.cp_note) + 16;
        req = malloc(n);
        assert_non_null(req);
        snprintf(req, n, "old 3\n\n%s", x.cp_note);
        assert_int_equal(veche_witness_cosign(r.wstate, &r.witness_key, &r.board_nk, req,
                                              strlen(req), COSIG_TIME, &out, &d), VECHE_OK);
        assert_string_equal(out, x.cosigned);
        free(out);
        out = NULL;
        free(req);
    }
    /* a different record of size 3 under the same board key: a fork, refused */
    {
        char *e2 = ind_entry("statement", "{\"text\":\"Something else.\"}", &x.author, NULL);
        hash32 leaves[3], root;
        char *text, *note;
        size_t n;
        memcpy(leaves[0], x.leaf[0], 32);
        memcpy(leaves[1], x.leaf[1], 32);
        ind_leaf(leaves[2], e2, strlen(e2));
        ind_mth(root, (const hash32 *)leaves, 3);
        text = ind_checkpoint(ORIGIN, 3, root);
        note = ind_sign_note(text, ORIGIN, &x.board);
        n = strlen(note) + 16;
        req = malloc(n);
        assert_non_null(req);
        snprintf(req, n, "old 3\n\n%s", note);
        assert_int_equal(veche_witness_cosign(r.wstate, &r.witness_key, &r.board_nk, req,
                                              strlen(req), COSIG_TIME, &out, &d), VECHE_EVERIFY);
        assert_non_null(strstr(d.msg, "fork"));
        assert_null(out);
        free(req);
        free(note);
        free(text);
        free(e2);
    }
    /* a checkpoint signed by another key: refused */
    {
        char *note;
        ed_key_from(&other, 0x60);
        note = ind_sign_note(x.cp_text, ORIGIN, &other);
        size_t n = strlen(note) + 16;
        req = malloc(n);
        assert_non_null(req);
        snprintf(req, n, "old 3\n\n%s", note);
        assert_int_equal(veche_witness_cosign(r.wstate, &r.witness_key, &r.board_nk, req,
                                              strlen(req), COSIG_TIME, &out, &d), VECHE_EVERIFY);
        free(req);
        free(note);
    }
    lib_close(&r);
    example_free(&x);
}

/* ---- the export and its seven checks ---------------------------------------- */

typedef struct checks_seen {
    int n, number[8], pass[8];
    char name[8][32];
} checks_seen;

static void record_check(void *arg, int number, const char *name, int pass, const char *detail)
{
    checks_seen *c = arg;
    (void)detail;
    assert_true(c->n < 8);
    c->number[c->n] = number;
    c->pass[c->n] = pass;
    snprintf(c->name[c->n], sizeof c->name[0], "%s", name);
    c->n++;
}

/* The SPEC's table of checks, in order. */
static const char *const check_names[7] = {
    "board key", "checkpoint", "entries", "genesis", "tree", "completeness", "witnesses",
};

/* Runs the verifier; returns the number of the first failing check, 0 if all pass. */
static int verify_dir(const char *dir, const veche_note_key *bk, const veche_note_key *wk,
                      size_t quorum)
{
    checks_seen c;
    veche_err e;
    memset(&c, 0, sizeof c);
    e = veche_export_verify(dir, bk, wk, wk ? 1 : 0, quorum, record_check, &c);
    for (int i = 0; i < c.n; i++) {
        assert_int_equal(c.number[i], i + 1);
        assert_string_equal(c.name[i], check_names[i]);
        if (!c.pass[i]) {
            assert_int_equal(i, c.n - 1);   /* it stops at the first failure */
            assert_int_not_equal(e, VECHE_OK);
            return i + 1;
        }
    }
    assert_int_equal(c.n, 7);
    assert_int_equal(e, VECHE_OK);
    return 0;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    sbuf s = {0};
    char buf[4096];
    size_t n;
    assert_non_null(f);
    sb_str(&s, "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_put(&s, buf, n);
    fclose(f);
    return s.p;
}

static void write_all(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* A copy of the export with entries.jsonl replaced by `lines` (and checkpoint by cp if given). */
static void variant(const lib_run *r, const char *name, const char *lines, const char *cp,
                    char *out, size_t cap)
{
    char cmd[400], path[300];
    snprintf(out, cap, "%s/%s", r->dir, name);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", r->exp, out);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/entries.jsonl", out);
    write_all(path, lines);
    if (cp != NULL) {
        snprintf(path, sizeof path, "%s/checkpoint", out);
        write_all(path, cp);
    }
}

static void test_export_checks(void **state)
{
    example x;
    lib_run r;
    veche_diag d = {{0}};
    char path[300], dir[300], *s;
    sbuf lines = {0};
    (void)state;

    example_compute(&x);
    lib_build(&r, &x);
    if (veche_board_export(r.b, r.exp, &d) != VECHE_OK)
        fail_msg("export: %s", d.msg);

    /* the layout: board.vkey, entries.jsonl, checkpoint */
    snprintf(path, sizeof path, "%s/board.vkey", r.exp);
    s = read_all(path);
    assert_int_equal(strncmp(s, x.board_vkey, strlen(x.board_vkey)), 0);
    assert_string_equal(s + strlen(x.board_vkey), "\n");
    free(s);
    snprintf(path, sizeof path, "%s/entries.jsonl", r.exp);
    s = read_all(path);
    for (int i = 0; i < 3; i++) {
        sb_str(&lines, x.e[i]);
        sb_str(&lines, "\n");
    }
    assert_string_equal(s, lines.p);
    free(s);
    snprintf(path, sizeof path, "%s/checkpoint", r.exp);
    s = read_all(path);
    assert_string_equal(s, x.cosigned);
    free(s);

    /* all seven pass, with and without the witness policy */
    assert_int_equal(verify_dir(r.exp, &r.board_nk, &r.witness_nk, 1), 0);
    assert_int_equal(verify_dir(r.exp, NULL, NULL, 0), 0);

    /* 1: another expected key */
    assert_int_equal(verify_dir(r.exp, &r.witness_nk, NULL, 0), 1);
    /* 2: a checkpoint not signed by the board key */
    {
        ed_key other;
        char *note;
        ed_key_from(&other, 0x60);
        note = ind_sign_note(x.cp_text, ORIGIN, &other);
        variant(&r, "v2", lines.p, note, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, NULL, NULL, 0), 2);
        free(note);
    }
    /* 3: an altered entry (its signature no longer verifies) */
    {
        char *alt = strdup(lines.p), *p = strstr(alt, "Tuesday");
        assert_non_null(p);
        p[0] = 'W';
        variant(&r, "v3", alt, NULL, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, NULL, NULL, 0), 3);
        free(alt);
    }
    /* 3: board.init anywhere but first (entries 0 and 1 swapped) */
    {
        sbuf sw = {0};
        sb_str(&sw, x.e[1]); sb_str(&sw, "\n");
        sb_str(&sw, x.e[0]); sb_str(&sw, "\n");
        sb_str(&sw, x.e[2]); sb_str(&sw, "\n");
        variant(&r, "v3b", sw.p, NULL, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, NULL, NULL, 0), 3);
        free(sw.p);
    }
    /* 5: entries 1 and 2 reordered — each still validly signed */
    {
        sbuf sw = {0};
        sb_str(&sw, x.e[0]); sb_str(&sw, "\n");
        sb_str(&sw, x.e[2]); sb_str(&sw, "\n");
        sb_str(&sw, x.e[1]); sb_str(&sw, "\n");
        variant(&r, "v5", sw.p, NULL, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, NULL, NULL, 0), 5);
        free(sw.p);
    }
    /* 5: an entry dropped */
    {
        sbuf sw = {0};
        sb_str(&sw, x.e[0]); sb_str(&sw, "\n");
        sb_str(&sw, x.e[2]); sb_str(&sw, "\n");
        variant(&r, "v5b", sw.p, NULL, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, NULL, NULL, 0), 5);
        free(sw.p);
    }
    /* 6: an entry the checkpoint does not cover (a valid replay of entry 2) */
    {
        sbuf sw = {0};
        sb_str(&sw, lines.p);
        sb_str(&sw, x.e[2]);
        sb_str(&sw, "\n");
        variant(&r, "v6", sw.p, NULL, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, NULL, NULL, 0), 6);
        free(sw.p);
    }
    /* 7: a witness policy the checkpoint does not meet */
    {
        variant(&r, "v7", lines.p, x.cp_note, dir, sizeof dir);
        assert_int_equal(verify_dir(dir, &r.board_nk, &r.witness_nk, 1), 7);
        assert_int_equal(verify_dir(dir, &r.board_nk, NULL, 0), 0);
    }
    /* Entry signatures do not bind a position: the same entry again is a valid append. */
    {
        const uint8_t *one = (const uint8_t *)x.e[2];
        size_t len = strlen(x.e[2]);
        uint64_t first;
        assert_int_equal(veche_board_append(r.b, &one, &len, 1, &first, &d), VECHE_OK);
        assert_int_equal(first, 3);
    }
    free(lines.p);
    lib_close(&r);
    example_free(&x);
}

/* ---- the SPEC quotes the example ---------------------------------------------- */

static char *spec_text(void)
{
    FILE *f = fopen("docs/SPEC.md", "rb");
    sbuf s = {0};
    char buf[8192];
    size_t n;
    if (f == NULL)
        fail_msg("cannot open docs/SPEC.md (run from the repository root)");
    sb_str(&s, "");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_put(&s, buf, n);
    fclose(f);
    return s.p;
}

/* The SPEC's chapter 2 only: from "## 2." to "## 3." (or the end). */
static const char *chapter2(const char *spec, char **end_copy)
{
    const char *start = strstr(spec, "\n## 2. ");
    size_t from, to;
    if (start == NULL)
        fail_msg("docs/SPEC.md has no chapter \"## 2. \"");
    from = (size_t)(start - spec);
    to = from + 1 + strcspn(spec + from + 1, "\x01");      /* the end of the text */
    for (size_t i = from + 1; i + 7 <= to; i++)
        if (memcmp(spec + i, "\n## 3. ", 7) == 0) {
            to = i;
            break;
        }
    *end_copy = strndup(spec + from, to - from);
    assert_non_null(*end_copy);
    return *end_copy;
}

/* Every line of a multi-line text, each at the start of a line of the SPEC. */
static void quoted_lines(const char *ch, const char *text, const char *what)
{
    char *copy = strdup(text), *save = NULL;
    assert_non_null(copy);
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        sbuf s = {0};
        sb_str(&s, "\n");
        sb_str(&s, l);
        sb_str(&s, "\n");
        if (strstr(ch, s.p) == NULL)
            fail_msg("docs/SPEC.md chapter 2 does not quote a line of %s: %s", what, l);
        free(s.p);
    }
    free(copy);
}

static void test_spec_quotes_example(void **state)
{
    example x;
    char *spec = spec_text(), *ch2, name[128];
    const char *ch;
    (void)state;

    example_compute(&x);
    ch = chapter2(spec, &ch2);
    spec_quoted_hex(ch, x.board.seed, 32, "the board seed");
    spec_quoted_hex(ch, x.board.pk, 32, "the board public key");
    spec_quoted_hex(ch, x.board_id, 4, "the board key ID");
    spec_quoted(ch, x.board_vkey, "the board vkey");
    {
        char *seed = b64_of(x.board.seed, 32);
        snprintf(name, sizeof name, "veche-ed25519-v1 " ORIGIN " %s\n", seed);
        spec_quoted(ch, name, "the board's key file");
        free(seed);
    }
    {
        hash32 empty;
        crypto_hash_sha256(empty, NULL, 0);
        spec_quoted_hex(ch, empty, 32, "the empty root");
    }
    spec_quoted_hex(ch, x.author.seed, 32, "the author seed");
    spec_quoted_hex(ch, x.author.pk, 32, "the author public key");
    spec_quoted_hex(ch, x.witness.seed, 32, "the witness seed");
    spec_quoted_hex(ch, x.witness.pk, 32, "the witness public key");
    spec_quoted_hex(ch, x.witness_id, 4, "the witness key ID");
    spec_quoted(ch, x.witness_vkey, "the witness vkey");
    quoted_lines(ch, x.msg1, "the signed message of entry 1");
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "entry %d", i);
        quoted_lines(ch, x.e[i], name);
        snprintf(name, sizeof name, "the leaf hash of entry %d", i);
        spec_quoted_hex(ch, x.leaf[i], 32, name);
        spec_quoted_b64(ch, x.leaf[i], 32, name);
    }
    spec_quoted_hex(ch, x.n01, 32, "MTH(D[0:2])");
    spec_quoted_b64(ch, x.n01, 32, "MTH(D[0:2])");
    spec_quoted_hex(ch, x.root, 32, "the root");
    spec_quoted_b64(ch, x.root, 32, "the root");
    quoted_lines(ch, x.cosigned, "the cosigned checkpoint");
    quoted_lines(ch, x.receipt, "the receipt");
    quoted_lines(ch, x.request, "the witness request");
    /* the table of checks */
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "| %d | %s |", i + 1, check_names[i]);
        spec_quoted(ch, name, "a row of the table of checks");
    }
    free(ch2);
    free(spec);
    example_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_and_tree),
        cmocka_unit_test(test_notes_and_receipt),
        cmocka_unit_test(test_witness_rules),
        cmocka_unit_test(test_export_checks),
        cmocka_unit_test(test_spec_quotes_example),
    };
    const char *print = getenv("VECHE_SPEC_PRINT");
    if (sodium_init() < 0)
        return 1;
    if (print != NULL && print[0] == '1') {
        example x;
        example_compute(&x);
        example_print(&x);
        example_free(&x);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
