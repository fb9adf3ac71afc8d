/*
 * note.c — C2SP signed notes, checkpoints, cosignatures and tlog-proof
 * receipts (see note.h for the formats and the error convention).
 *
 * Everything here reads text that arrives from outside — from a log we do not
 * trust, from a witness, from a voter's receipt file — so every reader is a
 * plain bounded scan: the input length is checked against its limit first,
 * then each line is found with memchr and checked byte by byte. Nothing is
 * NUL-terminated on input except what the header says is a C string, and no
 * reader allocates before the input has passed its size check.
 *
 * One encoding rule runs through all formats: a value has exactly one
 * accepted spelling. base64 must re-encode to the same characters, decimals
 * have no leading zeros or signs, and a parsed checkpoint formats back to
 * the very bytes it came from. Two spellings of one value would let two
 * different texts carry the same meaning, which is what a transparency log
 * exists to rule out.
 */
#include "board/note.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

/* "— " (U+2014 EM DASH, U+0020): how every signature line starts. */
static const char SIG_PREFIX[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4

static const char RECEIPT_HEADER[] = "c2sp.org/tlog-proof@v1";
#define RECEIPT_HEADER_LEN (sizeof RECEIPT_HEADER - 1)

/* The largest signature we store: be64 time || Ed25519 (a cosignature). */
#define SIG_MAX 72
/* "<name>+<8 hex>+<44 base64>": the longest verifier key text. */
#define VKEY_TEXT_MAX (VECHE_KEYNAME_MAX + 1 + 8 + 1 + 44)
/* Cosignatures may not carry a time past 2^63-1 (tlog-cosignature). */
#define COSIG_TIME_MAX UINT64_C(0x7fffffffffffffff)

/* ---- UTF-8 and characters -------------------------------------------- */

/*
 * Decodes one UTF-8 sequence at s[0..len) into *cp and returns its length,
 * or 0 if it is not the shortest form of a scalar value (overlong forms,
 * surrogates, values past U+10FFFF and truncated sequences all refused, as
 * RFC 3629 requires).
 */
static size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
    static const uint32_t min_of_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t n;
    uint32_t c = s[0];

    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xc2 && c <= 0xdf) { n = 2; c &= 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; c &= 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; c &= 0x07; }
    else return 0;
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min_of_len[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/*
 * Note text rule (signed-note): valid UTF-8 and no ASCII control character
 * other than newline. Like the specification and Go's reference, "control"
 * means below U+0020: DEL and the C1 range are allowed in text.
 */
static int text_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t n = utf8_next(s + i, len - i, &c);
        if (n == 0 || (c < 0x20 && c != '\n'))
            return 0;
        i += n;
    }
    return 1;
}

/* Unicode White_Space (PropList.txt): the "spaces" a key name may not hold. */
static int is_white_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/*
 * Key name rule: non-empty, at most VECHE_KEYNAME_MAX bytes of UTF-8, no
 * '+', no Unicode white space (signed-note), and — stricter than the
 * specification, which only forbids spaces — no control character at all
 * (C0, DEL, C1): a name is shown to people, and an invisible character in it
 * would let two names look alike.
 */
static int name_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    if (len == 0 || len > VECHE_KEYNAME_MAX)
        return 0;
    while (i < len) {
        uint32_t c;
        size_t n = utf8_next(s + i, len - i, &c);
        if (n == 0 || c == '+' || is_white_space(c) || c < 0x20 || (c >= 0x7f && c <= 0x9f))
            return 0;
        i += n;
    }
    return 1;
}

/* ---- base64 (RFC 4648 §4, padded, canonical) ----------------------------- */

static size_t b64_len(size_t bin_len)
{
    return sodium_base64_ENCODED_LEN(bin_len, B64_VARIANT) - 1;
}

/* Writes the encoding of in[0..n) and returns its length; out holds b64_len(n)+1. */
static size_t b64_put(char *out, const uint8_t *in, size_t n)
{
    sodium_bin2base64(out, b64_len(n) + 1, in, n, B64_VARIANT);
    return b64_len(n);
}

/*
 * Decodes in[0..inlen) into out (at most cap bytes). Only the canonical
 * form is accepted: length a multiple of 4, padding present, no stray
 * characters, zero pad bits. libsodium already refuses most of that; the
 * re-encoding comparison makes the rule "one spelling per value" hold by
 * construction rather than by trusting the decoder's corner cases. The
 * comparison runs in 48-byte pieces (64 characters) so that no buffer
 * proportional to the input is needed: base64 of a 3-byte-aligned piece is
 * exactly the matching slice of the whole encoding.
 */
static veche_err b64_get(uint8_t *out, size_t cap, size_t *outlen, const char *in, size_t inlen)
{
    const char *end = NULL;
    size_t n = 0;
    char chunk[65];

    if (inlen % 4 != 0)
        return VECHE_EENCODING;
    if (sodium_base642bin(out, cap, in, inlen, NULL, &n, &end, B64_VARIANT) != 0 ||
        end != in + inlen)
        return VECHE_EENCODING;
    for (size_t off = 0; off < n; off += 48) {
        size_t piece = n - off < 48 ? n - off : 48;
        size_t clen = b64_put(chunk, out + off, piece);
        if (memcmp(chunk, in + off / 3 * 4, clen) != 0)
            return VECHE_EENCODING;
    }
    if (b64_len(n) != inlen)
        return VECHE_EENCODING;
    *outlen = n;
    return VECHE_OK;
}

/* Decodes exactly want bytes (a hash, a key): any other length is EENCODING. */
static veche_err b64_get_exact(uint8_t *out, size_t want, const char *in, size_t inlen)
{
    uint8_t tmp[64];
    size_t n;
    veche_err e;

    if (want > sizeof tmp || inlen != b64_len(want))
        return VECHE_EENCODING;
    e = b64_get(tmp, sizeof tmp, &n, in, inlen);
    if (e != VECHE_OK)
        return e;
    if (n != want)
        return VECHE_EENCODING;
    memcpy(out, tmp, want);
    return VECHE_OK;
}

/* ---- decimal ------------------------------------------------------------- */

/*
 * ASCII decimal without sign or leading zeros ("0" alone is zero), fitting a
 * uint64: VECHE_EENCODING for the spelling, VECHE_ERANGE for the value.
 */
static veche_err dec_get(uint64_t *v, const char *s, size_t len)
{
    uint64_t x = 0;
    if (len == 0 || (s[0] == '0' && len > 1))
        return VECHE_EENCODING;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return VECHE_EENCODING;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return VECHE_ERANGE;
        x = x * 10 + d;
    }
    *v = x;
    return VECHE_OK;
}

/* Writes v in decimal (no NUL) and returns the length; out holds 20 bytes. */
static size_t dec_put(char *out, uint64_t v)
{
    char rev[20];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    return n;
}

static void be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

/* ---- lines ----------------------------------------------------------------- */

/* A cursor over input that hands out '\n'-terminated lines. */
typedef struct cursor {
    const char *p;
    size_t      left;
} cursor;

/* The next line without its '\n'; 0 if no complete line remains. */
static int line_next(cursor *c, const char **line, size_t *len)
{
    const char *nl = c->left ? memchr(c->p, '\n', c->left) : NULL;
    if (nl == NULL)
        return 0;
    *line = c->p;
    *len = (size_t)(nl - c->p);
    c->left -= *len + 1;
    c->p = nl + 1;
    return 1;
}

static int line_is(const char *line, size_t len, const char *lit, size_t litlen)
{
    return len == litlen && memcmp(line, lit, len) == 0;
}

/* ---- keys ----------------------------------------------------------------- */

/* SHA-256(name || "\n" || type || pub)[0:4] (signed-note key ID). */
static void key_id(uint8_t id[4], const char *name, size_t nlen, uint8_t type,
                   const uint8_t pub[32])
{
    crypto_hash_sha256_state h;
    uint8_t digest[32];
    const uint8_t nl = '\n';

    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)name, nlen);
    crypto_hash_sha256_update(&h, &nl, 1);
    crypto_hash_sha256_update(&h, &type, 1);
    crypto_hash_sha256_update(&h, pub, 32);
    crypto_hash_sha256_final(&h, digest);
    memcpy(id, digest, 4);
}

static int type_ok(uint8_t type)
{
    return type == VECHE_SIGTYPE_ED25519 || type == VECHE_SIGTYPE_COSIGNATURE;
}

veche_err veche_note_key_init(veche_note_key *key, const char *name, uint8_t type,
                              const uint8_t pub[32])
{
    size_t n;
    if (key == NULL || name == NULL || pub == NULL || !type_ok(type))
        return VECHE_EINVALID;
    n = strnlen(name, VECHE_KEYNAME_MAX + 1);
    if (!name_ok((const uint8_t *)name, n))
        return VECHE_EINVALID;
    memset(key, 0, sizeof *key);
    memcpy(key->name, name, n);
    key->type = type;
    memcpy(key->pub, pub, 32);
    key_id(key->id, name, n, type, pub);
    return VECHE_OK;
}

void veche_note_key_format(char *out, size_t cap, const veche_note_key *key)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[33];
    size_t n, pos;

    if (out == NULL || cap == 0)
        return;
    out[0] = '\0';
    if (key == NULL)
        return;
    n = strnlen(key->name, VECHE_KEYNAME_MAX + 1);
    if (n > VECHE_KEYNAME_MAX || n + 1 + 8 + 1 + b64_len(33) + 1 > cap)
        return;
    memcpy(out, key->name, n);
    pos = n;
    out[pos++] = '+';
    for (int i = 0; i < 4; i++) {
        out[pos++] = hex[key->id[i] >> 4];
        out[pos++] = hex[key->id[i] & 15];
    }
    out[pos++] = '+';
    raw[0] = key->type;
    memcpy(raw + 1, key->pub, 32);
    b64_put(out + pos, raw, sizeof raw);   /* writes the NUL too */
}

/* Eight lowercase hex digits (signed-note: "fixed length lowercase"). */
static int hex8_get(uint8_t id[4], const char *s)
{
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        unsigned v;
        if (c >= '0' && c <= '9') v = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v = (unsigned)(c - 'a' + 10);
        else return 0;
        if (i % 2 == 0) id[i / 2] = (uint8_t)(v << 4);
        else id[i / 2] |= (uint8_t)v;
    }
    return 1;
}

veche_err veche_note_key_parse(veche_note_key *key, const char *text)
{
    const char *plus;
    size_t len, nlen;
    uint8_t id[4], raw[33], want[4];
    veche_err e;

    if (key == NULL)
        return VECHE_EINVALID;
    memset(key, 0, sizeof *key);
    if (text == NULL)
        return VECHE_EINVALID;
    len = strnlen(text, VKEY_TEXT_MAX + 1);
    if (len > VKEY_TEXT_MAX)
        return VECHE_ERANGE;
    plus = memchr(text, '+', len);
    if (plus == NULL)
        return VECHE_EENCODING;
    nlen = (size_t)(plus - text);
    if (!name_ok((const uint8_t *)text, nlen))
        return nlen > VECHE_KEYNAME_MAX ? VECHE_ERANGE : VECHE_EENCODING;
    /* The base64 after the ID may itself hold '+': split at the first two only. */
    if (len - nlen < 1 + 8 + 1 || plus[9] != '+' || !hex8_get(id, plus + 1))
        return VECHE_EENCODING;
    e = b64_get_exact(raw, sizeof raw, plus + 10, len - nlen - 10);
    if (e != VECHE_OK)
        return e;
    if (!type_ok(raw[0]))
        return VECHE_EENCODING;
    key_id(want, text, nlen, raw[0], raw + 1);
    if (memcmp(want, id, 4) != 0)
        return VECHE_EENCODING;
    memcpy(key->name, text, nlen);
    key->type = raw[0];
    memcpy(key->pub, raw + 1, 32);
    memcpy(key->id, id, 4);
    return VECHE_OK;
}

/* ---- checkpoints ---------------------------------------------------------- */

/* An origin is one non-empty line of note text, bounded like a key name. */
static veche_err origin_check(const char *s, size_t len)
{
    if (len == 0)
        return VECHE_EENCODING;
    if (len > VECHE_KEYNAME_MAX)
        return VECHE_ERANGE;
    if (memchr(s, '\n', len) != NULL || !text_ok((const uint8_t *)s, len))
        return VECHE_EENCODING;
    return VECHE_OK;
}

veche_err veche_checkpoint_format(char **text, const veche_checkpoint *cp)
{
    size_t olen, pos;
    char *out;

    if (text == NULL || cp == NULL)
        return VECHE_EINVALID;
    *text = NULL;
    olen = strnlen(cp->origin, VECHE_KEYNAME_MAX + 1);
    if (origin_check(cp->origin, olen) != VECHE_OK)
        return VECHE_EINVALID;
    out = malloc(olen + 1 + 20 + 1 + b64_len(VECHE_HASH_BYTES) + 1 + 1);
    if (out == NULL)
        return VECHE_ENOMEM;
    memcpy(out, cp->origin, olen);
    pos = olen;
    out[pos++] = '\n';
    pos += dec_put(out + pos, cp->size);
    out[pos++] = '\n';
    pos += b64_put(out + pos, cp->root, VECHE_HASH_BYTES);
    out[pos++] = '\n';
    out[pos] = '\0';
    *text = out;
    return VECHE_OK;
}

/*
 * Exactly three lines: origin, size, root. tlog-checkpoint allows further
 * "extension" lines but recommends against them; veche writes none and
 * refuses them, so that a parsed checkpoint always formats back to the bytes
 * it came from.
 */
veche_err veche_checkpoint_parse(veche_checkpoint *cp, const char *text, size_t len)
{
    veche_checkpoint out;
    cursor c = { text, len };
    const char *origin, *size, *root;
    size_t olen, slen, rlen;
    veche_err e;

    if (cp == NULL)
        return VECHE_EINVALID;
    memset(cp, 0, sizeof *cp);
    if (text == NULL)
        return VECHE_EINVALID;
    if (len > VECHE_NOTE_MAX_BYTES)
        return VECHE_ERANGE;
    if (!text_ok((const uint8_t *)text, len) || len == 0 || text[len - 1] != '\n')
        return VECHE_EENCODING;
    if (!line_next(&c, &origin, &olen) || !line_next(&c, &size, &slen) ||
        !line_next(&c, &root, &rlen) || c.left != 0)
        return VECHE_EENCODING;
    memset(&out, 0, sizeof out);
    if ((e = origin_check(origin, olen)) != VECHE_OK ||
        (e = dec_get(&out.size, size, slen)) != VECHE_OK ||
        (e = b64_get_exact(out.root, VECHE_HASH_BYTES, root, rlen)) != VECHE_OK)
        return e;
    memcpy(out.origin, origin, olen);
    *cp = out;
    return VECHE_OK;
}

/* ---- notes: parsing ------------------------------------------------------- */

/*
 * One signature line (without its '\n'): "— <name> <base64(id || sig)>".
 * A blob of 4 + more than SIG_MAX bytes is a signature type veche does not
 * support: it is kept with sig_len 0, so that it is ignored when its key is
 * unknown and fails when a known key's name and ID are on it. scratch holds
 * at least len bytes.
 */
static veche_err sig_line_get(veche_note_sig *s, const char *line, size_t len,
                              uint8_t *scratch)
{
    const char *name, *sp, *b64;
    size_t nlen, blen;
    veche_err e;

    if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return VECHE_EENCODING;
    name = line + SIG_PREFIX_LEN;
    sp = memchr(name, ' ', len - SIG_PREFIX_LEN);
    if (sp == NULL)
        return VECHE_EENCODING;
    nlen = (size_t)(sp - name);
    if (!name_ok((const uint8_t *)name, nlen))
        return nlen > VECHE_KEYNAME_MAX ? VECHE_ERANGE : VECHE_EENCODING;
    b64 = sp + 1;
    e = b64_get(scratch, len, &blen, b64, len - SIG_PREFIX_LEN - nlen - 1);
    if (e != VECHE_OK)
        return e;
    if (blen < 4)
        return VECHE_EENCODING;
    memset(s, 0, sizeof *s);
    memcpy(s->name, name, nlen);
    memcpy(s->id, scratch, 4);
    if (blen - 4 <= SIG_MAX) {
        s->sig_len = blen - 4;
        memcpy(s->sig, scratch + 4, s->sig_len);
    }
    return VECHE_OK;
}

/* Index of the '\n' that ends the text: the first of the last "\n\n". */
static int last_blank_line(const char *data, size_t len, size_t *at)
{
    for (size_t i = len; i >= 2; i--) {
        if (data[i - 2] == '\n' && data[i - 1] == '\n') {
            *at = i - 2;
            return 1;
        }
    }
    return 0;
}

static veche_err sig_block_get(veche_note *note, const char *block, size_t blen)
{
    cursor c = { block, blen };
    const char *line;
    size_t llen, lines = 0;
    uint8_t *scratch;
    veche_err e = VECHE_OK;

    for (size_t i = 0; i < blen; i++)
        lines += block[i] == '\n';
    if (lines > VECHE_NOTE_MAX_SIGS)
        return VECHE_ERANGE;
    scratch = malloc(blen);
    if (scratch == NULL)
        return VECHE_ENOMEM;
    while (e == VECHE_OK && line_next(&c, &line, &llen))
        e = sig_line_get(&note->sigs[note->nsigs++], line, llen, scratch);
    free(scratch);
    return e;
}

veche_err veche_note_parse(veche_note *note, const char *data, size_t len)
{
    size_t split;
    veche_err e;

    if (note == NULL)
        return VECHE_EINVALID;
    memset(note, 0, sizeof *note);
    if (data == NULL)
        return VECHE_EINVALID;
    if (len > VECHE_NOTE_MAX_BYTES)
        return VECHE_ERANGE;
    if (!text_ok((const uint8_t *)data, len) || !last_blank_line(data, len, &split))
        return VECHE_EENCODING;
    /* At least one signature line, and the last one ends in '\n'. */
    if (split + 2 == len || data[len - 1] != '\n')
        return VECHE_EENCODING;
    e = sig_block_get(note, data + split + 2, len - split - 2);
    if (e != VECHE_OK) {
        memset(note, 0, sizeof *note);
        return e;
    }
    note->text_len = split + 1;
    note->text = malloc(note->text_len + 1);
    if (note->text == NULL) {
        memset(note, 0, sizeof *note);
        return VECHE_ENOMEM;
    }
    memcpy(note->text, data, note->text_len);
    note->text[note->text_len] = '\0';
    return VECHE_OK;
}

void veche_note_free(veche_note *note)
{
    if (note == NULL)
        return;
    free(note->text);
    note->text = NULL;
    note->text_len = 0;
    note->nsigs = 0;
}

/* ---- notes: signing and verifying ------------------------------------------ */

/* "cosignature/v1\ntime <T>\n" || text, malloc'd (tlog-cosignature). */
static veche_err cosig_message(uint8_t **msg, size_t *msglen, uint64_t t,
                               const char *text, size_t tlen)
{
    static const char head[] = "cosignature/v1\ntime ";
    size_t pos = sizeof head - 1;
    uint8_t *m = malloc(pos + 20 + 1 + tlen);

    if (m == NULL)
        return VECHE_ENOMEM;
    memcpy(m, head, pos);
    pos += dec_put((char *)m + pos, t);
    m[pos++] = '\n';
    memcpy(m + pos, text, tlen);
    *msg = m;
    *msglen = pos + tlen;
    return VECHE_OK;
}

/*
 * Does line s, made by key k, verify over text? VECHE_OK, VECHE_EVERIFY for
 * anything wrong with it (length, time, text, signature), VECHE_ENOMEM.
 */
static veche_err sig_check(const veche_note_key *k, const veche_note_sig *s,
                           const char *text, size_t tlen)
{
    veche_checkpoint cp;
    uint8_t *msg;
    size_t mlen;
    uint64_t t;
    int bad;
    veche_err e;

    if (k->type == VECHE_SIGTYPE_ED25519) {
        if (s->sig_len != 64)
            return VECHE_EVERIFY;
        return crypto_sign_verify_detached(s->sig, (const uint8_t *)text, tlen, k->pub) == 0
               ? VECHE_OK : VECHE_EVERIFY;
    }
    /* A cosignature vouches for a checkpoint and only for one. */
    if (s->sig_len != 72)
        return VECHE_EVERIFY;
    t = be64_get(s->sig);
    if (t > COSIG_TIME_MAX || veche_checkpoint_parse(&cp, text, tlen) != VECHE_OK)
        return VECHE_EVERIFY;
    if ((e = cosig_message(&msg, &mlen, t, text, tlen)) != VECHE_OK)
        return e;
    bad = crypto_sign_verify_detached(s->sig + 8, msg, mlen, k->pub);
    free(msg);
    return bad ? VECHE_EVERIFY : VECHE_OK;
}

static int key_same_label(const veche_note_key *a, const char *name, const uint8_t id[4])
{
    return memcmp(a->id, id, 4) == 0 &&
           strncmp(a->name, name, VECHE_KEYNAME_MAX + 1) == 0;
}

/*
 * A key list is usable if every type is one we verify and no two different
 * keys share a name and ID (which would make a line's signer ambiguous).
 */
static int keys_ok(const veche_note_key *keys, size_t nkeys)
{
    for (size_t i = 0; i < nkeys; i++) {
        if (!type_ok(keys[i].type))
            return 0;
        for (size_t j = i + 1; j < nkeys; j++)
            if (key_same_label(&keys[i], keys[j].name, keys[j].id) &&
                (keys[i].type != keys[j].type || memcmp(keys[i].pub, keys[j].pub, 32) != 0))
                return 0;
    }
    return 1;
}

veche_err veche_note_verify(const veche_note *note, const veche_note_key *keys, size_t nkeys,
                            int *verified)
{
    int any = 0, failed = 0;

    if (note == NULL || note->text == NULL || note->nsigs > VECHE_NOTE_MAX_SIGS ||
        (keys == NULL && nkeys != 0))
        return VECHE_EINVALID;
    if (verified != NULL)
        memset(verified, 0, nkeys * sizeof *verified);
    if (!keys_ok(keys, nkeys))
        return VECHE_EINVALID;
    /* Every line is checked, duplicates included: one bad line from a known key taints the note. */
    for (size_t i = 0; i < note->nsigs; i++) {
        for (size_t k = 0; k < nkeys; k++) {
            veche_err e;
            if (!key_same_label(&keys[k], note->sigs[i].name, note->sigs[i].id))
                continue;
            e = sig_check(&keys[k], &note->sigs[i], note->text, note->text_len);
            if (e == VECHE_ENOMEM)
                return e;
            if (e != VECHE_OK) {
                failed = 1;
                continue;
            }
            any = 1;
            if (verified != NULL)
                verified[k] = 1;
        }
    }
    return failed || !any ? VECHE_EVERIFY : VECHE_OK;
}

/* Does k->id follow from the rest of k (a hand-filled key may not)? */
static int key_id_matches(const veche_note_key *k, size_t nlen)
{
    uint8_t want[4];
    key_id(want, k->name, nlen, k->type, k->pub);
    return memcmp(want, k->id, 4) == 0;
}

/* Is key k usable to sign as type `type` with libsodium secret key sk? */
static int signer_ok(const veche_note_key *k, uint8_t type, const uint8_t sk[64])
{
    size_t n = strnlen(k->name, VECHE_KEYNAME_MAX + 1);
    /* libsodium's secret key is seed || public key: catch a mismatched pair. */
    return k->type == type && name_ok((const uint8_t *)k->name, n) &&
           key_id_matches(k, n) && memcmp(sk + 32, k->pub, 32) == 0;
}

/*
 * Appends "— <name> <base64(id || blob)>\n" to note[0..nlen) in a new
 * malloc'd, NUL-terminated buffer, keeping the result within the bound every
 * reader applies (a note veche writes is one veche can read back).
 */
static veche_err sig_line_append(char **out, const char *note, size_t nlen,
                                 const veche_note_key *k, const uint8_t *blob, size_t bloblen)
{
    uint8_t raw[4 + SIG_MAX];
    size_t name_len = strnlen(k->name, VECHE_KEYNAME_MAX);
    size_t total = nlen + SIG_PREFIX_LEN + name_len + 1 + b64_len(4 + bloblen) + 1;
    size_t pos = nlen;
    char *buf;

    if (total > VECHE_NOTE_MAX_BYTES)
        return VECHE_ERANGE;
    buf = malloc(total + 1);
    if (buf == NULL)
        return VECHE_ENOMEM;
    memcpy(raw, k->id, 4);
    memcpy(raw + 4, blob, bloblen);
    memcpy(buf, note, nlen);
    memcpy(buf + pos, SIG_PREFIX, SIG_PREFIX_LEN);
    pos += SIG_PREFIX_LEN;
    memcpy(buf + pos, k->name, name_len);
    pos += name_len;
    buf[pos++] = ' ';
    pos += b64_put(buf + pos, raw, 4 + bloblen);
    buf[pos++] = '\n';
    buf[pos] = '\0';
    *out = buf;
    return VECHE_OK;
}

veche_err veche_note_sign(char **note, const char *text, const veche_note_key *key,
                          const uint8_t sk[64])
{
    uint8_t sig[64];
    size_t tlen;
    char *withnl;
    veche_err e;

    if (note == NULL || text == NULL || key == NULL || sk == NULL)
        return VECHE_EINVALID;
    *note = NULL;
    if (!signer_ok(key, VECHE_SIGTYPE_ED25519, sk))
        return VECHE_EINVALID;
    tlen = strnlen(text, VECHE_NOTE_MAX_BYTES + 1);
    if (tlen > VECHE_NOTE_MAX_BYTES)
        return VECHE_ERANGE;
    if (tlen == 0 || text[tlen - 1] != '\n' || !text_ok((const uint8_t *)text, tlen))
        return VECHE_EENCODING;
    crypto_sign_detached(sig, NULL, (const uint8_t *)text, tlen, sk);
    /* The text, then the blank line that separates it from the signatures. */
    withnl = malloc(tlen + 1);
    if (withnl == NULL)
        return VECHE_ENOMEM;
    memcpy(withnl, text, tlen);
    withnl[tlen] = '\n';
    e = sig_line_append(note, withnl, tlen + 1, key, sig, sizeof sig);
    free(withnl);
    return e;
}

/*
 * The witness's signature is the mechanism only: deciding whether to cosign
 * (log signature checked, consistency with what it cosigned before) is the
 * witness's job, above this layer.
 */
veche_err veche_note_cosign(char **out, const char *note, const veche_note_key *witness,
                            const uint8_t sk[64], uint64_t timestamp)
{
    veche_note *parsed;
    veche_checkpoint cp;
    uint8_t blob[8 + 64], *msg = NULL;
    size_t nlen, mlen;
    veche_err e;

    if (out == NULL || note == NULL || witness == NULL || sk == NULL)
        return VECHE_EINVALID;
    *out = NULL;
    if (!signer_ok(witness, VECHE_SIGTYPE_COSIGNATURE, sk))
        return VECHE_EINVALID;
    if (timestamp > COSIG_TIME_MAX)
        return VECHE_ERANGE;
    nlen = strnlen(note, VECHE_NOTE_MAX_BYTES + 1);
    parsed = malloc(sizeof *parsed);
    if (parsed == NULL)
        return VECHE_ENOMEM;
    e = veche_note_parse(parsed, note, nlen);
    if (e == VECHE_OK && parsed->nsigs >= VECHE_NOTE_MAX_SIGS)
        e = VECHE_ERANGE;
    if (e == VECHE_OK)
        e = veche_checkpoint_parse(&cp, parsed->text, parsed->text_len);
    if (e == VECHE_OK)
        e = cosig_message(&msg, &mlen, timestamp, parsed->text, parsed->text_len);
    if (e == VECHE_OK) {
        be64_put(blob, timestamp);
        crypto_sign_detached(blob + 8, NULL, msg, mlen, sk);
        e = sig_line_append(out, note, nlen, witness, blob, sizeof blob);
    }
    free(msg);
    veche_note_free(parsed);
    free(parsed);
    return e;
}

/* ---- receipts (tlog-proof@v1) --------------------------------------------- */

/* A signed note whose text is a checkpoint: what a receipt must end with. */
static veche_err signed_checkpoint_check(const char *data, size_t len)
{
    veche_note *note = malloc(sizeof *note);
    veche_checkpoint cp;
    veche_err e;

    if (note == NULL)
        return VECHE_ENOMEM;
    e = veche_note_parse(note, data, len);
    if (e == VECHE_OK)
        e = veche_checkpoint_parse(&cp, note->text, note->text_len);
    veche_note_free(note);
    free(note);
    return e;
}

veche_err veche_receipt_format(char **out, const veche_receipt *r)
{
    size_t total, pos;
    char *buf;
    veche_err e;

    if (out == NULL || r == NULL)
        return VECHE_EINVALID;
    *out = NULL;
    if (r->proof_len > VECHE_MERKLE_MAX_PROOF || r->checkpoint == NULL)
        return VECHE_EINVALID;
    if ((e = signed_checkpoint_check(r->checkpoint, r->checkpoint_len)) != VECHE_OK)
        return e;
    if (r->extra != NULL && r->extra_len > VECHE_RECEIPT_MAX_EXTRA)
        return VECHE_ERANGE;
    total = RECEIPT_HEADER_LEN + 1 + 6 + 20 + 1 +
            r->proof_len * (b64_len(VECHE_HASH_BYTES) + 1) + 1 + r->checkpoint_len;
    if (r->extra != NULL)
        total += 7 + b64_len(r->extra_len);
    buf = malloc(total + 1);
    if (buf == NULL)
        return VECHE_ENOMEM;
    memcpy(buf, RECEIPT_HEADER, RECEIPT_HEADER_LEN);
    pos = RECEIPT_HEADER_LEN;
    if (r->extra != NULL) {
        memcpy(buf + pos, "\nextra ", 7);
        pos += 7;
        pos += b64_put(buf + pos, r->extra, r->extra_len);
    }
    memcpy(buf + pos, "\nindex ", 7);
    pos += 7;
    pos += dec_put(buf + pos, r->index);
    buf[pos++] = '\n';
    for (size_t i = 0; i < r->proof_len; i++) {
        pos += b64_put(buf + pos, r->proof[i], VECHE_HASH_BYTES);
        buf[pos++] = '\n';
    }
    buf[pos++] = '\n';
    memcpy(buf + pos, r->checkpoint, r->checkpoint_len);
    pos += r->checkpoint_len;
    buf[pos] = '\0';
    if (pos > VECHE_RECEIPT_MAX_BYTES) {
        free(buf);
        return VECHE_ERANGE;
    }
    *out = buf;
    return VECHE_OK;
}

/*
 * The optional "extra <base64>" line, decoded (canonical base64 only) into
 * r->extra. tlog-proof says it is unauthenticated: veche puts the entry
 * there, and a checker trusts it only because its leaf hash is proven
 * included, never on its own.
 */
static veche_err receipt_extra_get(veche_receipt *r, const char *b64, size_t len)
{
    size_t n;
    veche_err e;

    if (len > b64_len(VECHE_RECEIPT_MAX_EXTRA))
        return VECHE_ERANGE;
    if ((r->extra = malloc(len + 1)) == NULL)
        return VECHE_ENOMEM;
    e = b64_get(r->extra, len + 1, &n, b64, len);
    if (e != VECHE_OK) {
        free(r->extra);
        r->extra = NULL;
        return e;
    }
    if (n > VECHE_RECEIPT_MAX_EXTRA) {
        free(r->extra);
        r->extra = NULL;
        return VECHE_ERANGE;
    }
    r->extra_len = n;
    return VECHE_OK;
}

/* Header, optional extra, index and proof hashes, up to and including the blank line. */
static veche_err receipt_head_get(veche_receipt *r, cursor *c)
{
    const char *line;
    size_t len;
    veche_err e;

    if (!line_next(c, &line, &len) || !line_is(line, len, RECEIPT_HEADER, RECEIPT_HEADER_LEN) ||
        !line_next(c, &line, &len))
        return VECHE_EENCODING;
    if (len >= 6 && memcmp(line, "extra ", 6) == 0) {
        if ((e = receipt_extra_get(r, line + 6, len - 6)) != VECHE_OK)
            return e;
        if (!line_next(c, &line, &len))
            return VECHE_EENCODING;
    }
    if (len < 6 || memcmp(line, "index ", 6) != 0)
        return VECHE_EENCODING;
    if ((e = dec_get(&r->index, line + 6, len - 6)) != VECHE_OK)
        return e;
    for (;;) {
        if (!line_next(c, &line, &len))
            return VECHE_EENCODING;
        if (len == 0)
            return VECHE_OK;
        if (r->proof_len == VECHE_MERKLE_MAX_PROOF)
            return VECHE_ERANGE;
        if ((e = b64_get_exact(r->proof[r->proof_len], VECHE_HASH_BYTES, line, len)) != VECHE_OK)
            return e;
        r->proof_len++;
    }
}

veche_err veche_receipt_parse(veche_receipt *r, const char *data, size_t len)
{
    cursor c = { data, len };
    veche_err e;

    if (r == NULL)
        return VECHE_EINVALID;
    memset(r, 0, sizeof *r);
    if (data == NULL)
        return VECHE_EINVALID;
    if (len > VECHE_RECEIPT_MAX_BYTES)
        return VECHE_ERANGE;
    e = receipt_head_get(r, &c);
    /* The rest is the signed checkpoint, verbatim, and nothing else. */
    if (e == VECHE_OK)
        e = signed_checkpoint_check(c.p, c.left);
    if (e == VECHE_OK) {
        r->checkpoint = malloc(c.left + 1);
        e = r->checkpoint == NULL ? VECHE_ENOMEM : VECHE_OK;
    }
    if (e != VECHE_OK) {
        free(r->checkpoint);
        free(r->extra);
        memset(r, 0, sizeof *r);
        return e;
    }
    memcpy(r->checkpoint, c.p, c.left);
    r->checkpoint[c.left] = '\0';
    r->checkpoint_len = c.left;
    return VECHE_OK;
}

void veche_receipt_free(veche_receipt *r)
{
    if (r == NULL)
        return;
    free(r->checkpoint);
    free(r->extra);
    r->checkpoint = NULL;
    r->checkpoint_len = 0;
    r->extra = NULL;
    r->extra_len = 0;
}
