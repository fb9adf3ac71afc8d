/*
 * threshold.c — the t-of-n key ceremony, decryption shares and their
 * combination (see threshold.h, which is the specification of every byte).
 *
 * Layout: small helpers (indices, contexts, hashing, proof shapes), then the
 * functions in the order of the ceremony: keys, trustee set-up, commitments,
 * shares, complaints, result, decryption.
 *
 * Secrets: e_i, the coefficients a_ik, the shares s_ij, the DH points S_ij,
 * the derived keys and x_j. They only meet constant-time operations (decaf's
 * scalar arithmetic, veche_point_mul/_mul_base, libsodium's AEAD) and are
 * wiped before every return. Indices, commitments and proofs are public and
 * are checked with ordinary branches.
 */
#include "crypto/threshold.h"

#include <string.h>
#include <sodium.h>

/* ---- helpers ------------------------------------------------------------- */

static int index_ok(uint32_t i, uint32_t n)
{
    return i >= 1 && i <= n;
}

static int params_ok(const veche_dkg_params *p)
{
    return p->t >= 1 && p->t <= p->n && p->n <= VECHE_DKG_MAX_TRUSTEES;
}

static void le32_put(uint8_t out[4], uint32_t v)
{
    for (int k = 0; k < 4; k++)
        out[k] = (uint8_t)(v >> (8 * k));
}

static void ctx_make(veche_ctx *ctx, const uint8_t fingerprint[32], const uint8_t party[32],
                     uint32_t a, uint32_t b)
{
    veche_ctx_init(ctx, fingerprint);
    memcpy(ctx->party, party, 32);
    ctx->index[0] = a;
    ctx->index[1] = b;
}

/* The full 64-byte SHA-512 of a transcript (not reduced to a scalar, unlike
 * veche_transcript_challenge). The transcript is spent and wiped. */
static void transcript_digest(veche_transcript *t, uint8_t out[64])
{
    crypto_hash_sha512_final(&t->h, out);
    sodium_memzero(t, sizeof *t);
}

/* A uniformly random non-zero scalar: a zero coefficient or key would make
 * its commitment the identity, which the decoders reject. */
static void scalar_random_nonzero(veche_scalar *s, veche_rng *rng)
{
    do
        veche_scalar_random(s, rng);
    while (veche_scalar_is_zero(s));
}

/* A Schnorr proof is well formed: A a canonical point, s a canonical scalar. */
static veche_err pok_wellformed(const uint8_t proof[VECHE_SCHNORR_BYTES])
{
    veche_point A;
    veche_scalar s;
    veche_err e;

    if ((e = veche_point_decode(&A, proof, VECHE_ALLOW_IDENTITY)) != VECHE_OK)
        return e;
    return veche_scalar_decode(&s, proof + 32);
}

/* A DLEQ proof is well formed: A, B canonical points, s a canonical scalar. */
static veche_err dleq_wellformed(const uint8_t proof[VECHE_DLEQ_BYTES])
{
    veche_point P;
    veche_scalar s;
    veche_err e;

    if ((e = veche_point_decode(&P, proof, VECHE_ALLOW_IDENTITY)) != VECHE_OK ||
        (e = veche_point_decode(&P, proof + 32, VECHE_ALLOW_IDENTITY)) != VECHE_OK)
        return e;
    return veche_scalar_decode(&s, proof + 64);
}

veche_err veche_dkg_params_init(veche_dkg_params *p, const uint8_t fingerprint[32], uint32_t t,
                                uint32_t n)
{
    memset(p, 0, sizeof *p);
    memcpy(p->fingerprint, fingerprint, 32);
    p->t = t;
    p->n = n;
    return params_ok(p) ? VECHE_OK : VECHE_EINVALID;
}

/* ---- round 0: KEY ----------------------------------------------------------- */

void veche_dkg_key_encode(uint8_t out[VECHE_DKG_KEY_BYTES], const veche_dkg_key *k)
{
    out[0] = (uint8_t)k->i;
    memcpy(out + 1, k->E_enc, 32);
    memcpy(out + 33, k->pok, 64);
}

veche_err veche_dkg_key_decode(veche_dkg_key *k, const uint8_t in[VECHE_DKG_KEY_BYTES],
                               const veche_dkg_params *p)
{
    veche_err e;

    memset(k, 0, sizeof *k);
    if (!params_ok(p) || !index_ok(in[0], p->n))
        return VECHE_EINVALID;
    if ((e = veche_point_decode(&k->E, in + 1, VECHE_NO_IDENTITY)) != VECHE_OK ||
        (e = pok_wellformed(in + 33)) != VECHE_OK)
        return e;
    k->i = in[0];
    memcpy(k->E_enc, in + 1, 32);
    memcpy(k->pok, in + 33, 64);
    return VECHE_OK;
}

veche_err veche_dkg_key_verify(const veche_dkg_key *k, const veche_dkg_params *p)
{
    veche_ctx ctx;

    if (!params_ok(p) || !index_ok(k->i, p->n))
        return VECHE_EINVALID;
    ctx_make(&ctx, p->fingerprint, k->E_enc, k->i, VECHE_INDEX_NONE);
    return veche_pok_verify(k->pok, k->E_enc, &ctx);
}

/* ---- a trustee's private state ------------------------------------------------ */

/* The key pair (fresh when e is NULL) and its proof pok_i. */
static veche_err trustee_key(veche_dkg_trustee *tr, uint32_t i, const veche_scalar *e,
                             veche_rng *rng)
{
    veche_ctx ctx;
    veche_err err;

    if (e == NULL) {
        veche_schnorr_keygen(&tr->e, tr->key.E_enc, rng);
        veche_point_mul_base(&tr->key.E, &tr->e);
    } else {
        if (veche_scalar_is_zero(e))
            return VECHE_EINVALID;
        tr->e = *e;
        veche_point_mul_base(&tr->key.E, &tr->e);
        veche_point_encode(tr->key.E_enc, &tr->key.E);
    }
    tr->key.i = i;
    ctx_make(&ctx, tr->params.fingerprint, tr->key.E_enc, i, VECHE_INDEX_NONE);
    if ((err = veche_pok_prove(tr->key.pok, &tr->e, tr->key.E_enc, &ctx, rng)) != VECHE_OK)
        return err;
    return VECHE_OK;
}

veche_err veche_dkg_trustee_init(veche_dkg_trustee *tr, const veche_dkg_params *p, uint32_t i,
                                 const veche_scalar *e, veche_rng *rng)
{
    veche_err err;

    memset(tr, 0, sizeof *tr);
    if (!params_ok(p) || !index_ok(i, p->n))
        return VECHE_EINVALID;
    tr->params = *p;
    if ((err = trustee_key(tr, i, e, rng)) != VECHE_OK) {
        veche_dkg_trustee_wipe(tr);
        return err;
    }
    for (uint32_t k = 0; k < p->t; k++)
        scalar_random_nonzero(&tr->a[k], rng);
    return VECHE_OK;
}

void veche_dkg_trustee_wipe(veche_dkg_trustee *tr)
{
    sodium_memzero(tr, sizeof *tr);
}

/* f_i(j) by Horner's rule: the same operations whatever the coefficients. */
veche_err veche_dkg_share_eval(veche_scalar *s, const veche_dkg_trustee *tr, uint32_t j)
{
    veche_scalar x;
    uint32_t t = tr->params.t;

    *s = veche_scalar_zero_c;
    if (!params_ok(&tr->params) || !index_ok(j, tr->params.n))
        return VECHE_EINVALID;
    veche_scalar_from_u64(&x, j);
    *s = tr->a[t - 1];
    for (uint32_t k = t - 1; k > 0; k--) {
        veche_scalar_mul(s, s, &x);
        veche_scalar_add(s, s, &tr->a[k - 1]);
    }
    return VECHE_OK;
}

/* ---- rounds 1 and 2: HASH and COMMITMENTS ------------------------------------- */

veche_err veche_dkg_commitments_make(veche_dkg_commitments *c, const veche_dkg_trustee *tr,
                                     veche_rng *rng)
{
    const veche_dkg_key *key = &tr->key;
    veche_ctx ctx;
    veche_err e;

    memset(c, 0, sizeof *c);
    if (!params_ok(&tr->params))
        return VECHE_EINVALID;
    c->i = key->i;
    c->t = tr->params.t;
    for (uint32_t k = 0; k < c->t; k++) {
        veche_point_mul_base(&c->C[k], &tr->a[k]);
        veche_point_encode(c->C_enc[k], &c->C[k]);
        ctx_make(&ctx, tr->params.fingerprint, key->E_enc, key->i, k);
        if ((e = veche_pok_prove(c->pok[k], &tr->a[k], c->C_enc[k], &ctx, rng)) != VECHE_OK)
            return e;
    }
    return VECHE_OK;
}

/* Do the commitments belong to this dealer and this ceremony? */
static int commitments_fit(const veche_dkg_commitments *c, const veche_dkg_key *dealer,
                           const veche_dkg_params *p)
{
    return params_ok(p) && index_ok(c->i, p->n) && c->i == dealer->i && c->t == p->t;
}

/* h_i as threshold.h defines it: the first 32 bytes of the transcript hash. */
static void commit_hash(uint8_t h[VECHE_DKG_HASH_LEN], const veche_dkg_commitments *c,
                        const veche_dkg_key *dealer, const veche_dkg_params *p)
{
    veche_transcript tr;
    veche_ctx ctx;
    uint8_t digest[64];

    ctx_make(&ctx, p->fingerprint, dealer->E_enc, dealer->i, VECHE_INDEX_NONE);
    veche_transcript_init(&tr, VECHE_DOMAIN_DKG_COMMIT, &ctx);
    for (uint32_t k = 0; k < c->t; k++)
        veche_transcript_point(&tr, "C", c->C_enc[k]);
    transcript_digest(&tr, digest);
    memcpy(h, digest, VECHE_DKG_HASH_LEN);
}

veche_err veche_dkg_hash_make(veche_dkg_hash *h, const veche_dkg_commitments *c,
                              const veche_dkg_key *dealer, const veche_dkg_params *p)
{
    memset(h, 0, sizeof *h);
    if (!commitments_fit(c, dealer, p))
        return VECHE_EINVALID;
    h->i = c->i;
    commit_hash(h->h, c, dealer, p);
    return VECHE_OK;
}

veche_err veche_dkg_commitments_verify(const veche_dkg_commitments *c, const veche_dkg_hash *h,
                                       const veche_dkg_key *dealer, const veche_dkg_params *p)
{
    uint8_t want[VECHE_DKG_HASH_LEN];
    veche_ctx ctx;
    veche_err e;

    if (!commitments_fit(c, dealer, p) || h->i != c->i)
        return VECHE_EINVALID;
    commit_hash(want, c, dealer, p);
    if (memcmp(want, h->h, sizeof want) != 0)
        return VECHE_EVERIFY;
    for (uint32_t k = 0; k < c->t; k++) {
        ctx_make(&ctx, p->fingerprint, dealer->E_enc, dealer->i, k);
        if ((e = veche_pok_verify(c->pok[k], c->C_enc[k], &ctx)) != VECHE_OK)
            return e;
    }
    return VECHE_OK;
}

void veche_dkg_hash_encode(uint8_t out[VECHE_DKG_HASH_BYTES], const veche_dkg_hash *h)
{
    out[0] = (uint8_t)h->i;
    memcpy(out + 1, h->h, VECHE_DKG_HASH_LEN);
}

veche_err veche_dkg_hash_decode(veche_dkg_hash *h, const uint8_t in[VECHE_DKG_HASH_BYTES],
                                const veche_dkg_params *p)
{
    memset(h, 0, sizeof *h);
    if (!params_ok(p) || !index_ok(in[0], p->n))
        return VECHE_EINVALID;
    h->i = in[0];
    memcpy(h->h, in + 1, VECHE_DKG_HASH_LEN);
    return VECHE_OK;
}

veche_err veche_dkg_commitments_encode(uint8_t *out, size_t out_len,
                                       const veche_dkg_commitments *c)
{
    if (c->t < 1 || c->t > VECHE_DKG_MAX_TRUSTEES || out_len != VECHE_DKG_COMMITMENTS_BYTES(c->t))
        return VECHE_EINVALID;
    out[0] = (uint8_t)c->i;
    out[1] = (uint8_t)c->t;
    for (uint32_t k = 0; k < c->t; k++) {
        memcpy(out + 2 + 96 * k, c->C_enc[k], 32);
        memcpy(out + 2 + 96 * k + 32, c->pok[k], 64);
    }
    return VECHE_OK;
}

veche_err veche_dkg_commitments_decode(veche_dkg_commitments *c, const uint8_t *in,
                                       size_t in_len, const veche_dkg_params *p)
{
    veche_err e;

    memset(c, 0, sizeof *c);
    if (!params_ok(p) || in_len != VECHE_DKG_COMMITMENTS_BYTES(p->t) ||
        !index_ok(in[0], p->n) || in[1] != p->t)
        return VECHE_EINVALID;
    for (uint32_t k = 0; k < p->t; k++) {
        const uint8_t *at = in + 2 + 96 * k;
        if ((e = veche_point_decode(&c->C[k], at, VECHE_NO_IDENTITY)) != VECHE_OK ||
            (e = pok_wellformed(at + 32)) != VECHE_OK) {
            memset(c, 0, sizeof *c);
            return e;
        }
        memcpy(c->C_enc[k], at, 32);
        memcpy(c->pok[k], at + 32, 64);
    }
    c->i = in[0];
    c->t = in[1];
    return VECHE_OK;
}

/* ---- round 2: SHARE ------------------------------------------------------------ */

/* key || nonce for the share from dealer i to recipient j (threshold.h). */
static void share_key(uint8_t key[32], uint8_t nonce[24], const uint8_t fingerprint[32],
                      const veche_dkg_key *dealer, const veche_dkg_key *recipient,
                      const uint8_t S_enc[32])
{
    veche_transcript tr;
    veche_ctx ctx;
    uint8_t digest[64];

    ctx_make(&ctx, fingerprint, dealer->E_enc, dealer->i, recipient->i);
    veche_transcript_init(&tr, VECHE_DOMAIN_DKG_SHARE_KEY, &ctx);
    veche_transcript_point(&tr, "recipient", recipient->E_enc);
    veche_transcript_point(&tr, "dh", S_enc);
    transcript_digest(&tr, digest);
    memcpy(key, digest, 32);
    memcpy(nonce, digest + 32, 24);
    sodium_memzero(digest, sizeof digest);
}

static void share_ad(uint8_t ad[8], uint32_t i, uint32_t j)
{
    le32_put(ad, i);
    le32_put(ad + 4, j);
}

/* S = mine·theirs, encoded: the static DH secret of two trustees. */
static void dh_point(uint8_t S_enc[32], const veche_scalar *mine, const veche_point *theirs)
{
    veche_point S;
    veche_point_mul(&S, theirs, mine);
    veche_point_encode(S_enc, &S);
    sodium_memzero(&S, sizeof S);
}

veche_err veche_dkg_share_seal(veche_dkg_share *out, const veche_dkg_trustee *tr,
                               const veche_dkg_key *recipient)
{
    uint8_t S_enc[32], key[32], nonce[24], ad[8], plain[32];
    veche_scalar s;
    veche_err e;

    memset(out, 0, sizeof *out);
    if (!params_ok(&tr->params) || !index_ok(recipient->i, tr->params.n) ||
        recipient->i == tr->key.i)
        return VECHE_EINVALID;
    if ((e = veche_dkg_share_eval(&s, tr, recipient->i)) != VECHE_OK)
        return e;
    dh_point(S_enc, &tr->e, &recipient->E);
    share_key(key, nonce, tr->params.fingerprint, &tr->key, recipient, S_enc);
    share_ad(ad, tr->key.i, recipient->i);
    veche_scalar_encode(plain, &s);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out->box, NULL, plain, sizeof plain, ad,
                                               sizeof ad, NULL, nonce, key);
    out->i = tr->key.i;
    out->j = recipient->i;
    veche_scalar_wipe(&s);
    sodium_memzero(plain, sizeof plain);
    sodium_memzero(key, sizeof key);
    sodium_memzero(S_enc, sizeof S_enc);
    return VECHE_OK;
}

/*
 * Opens m's box with the DH secret S_enc and decodes the share. Returns
 * VECHE_EDECRYPT or VECHE_EENCODING as the share is unreadable; *s is zero
 * then.
 */
static veche_err share_unbox(veche_scalar *s, const veche_dkg_share *m,
                             const uint8_t fingerprint[32], const veche_dkg_key *dealer,
                             const veche_dkg_key *recipient, const uint8_t S_enc[32])
{
    uint8_t key[32], nonce[24], ad[8], plain[32];
    veche_err e = VECHE_OK;

    *s = veche_scalar_zero_c;
    share_key(key, nonce, fingerprint, dealer, recipient, S_enc);
    share_ad(ad, m->i, m->j);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, m->box, sizeof m->box,
                                                   ad, sizeof ad, nonce, key) != 0)
        e = VECHE_EDECRYPT;
    else
        e = veche_scalar_decode(s, plain);
    sodium_memzero(plain, sizeof plain);
    sodium_memzero(key, sizeof key);
    return e;
}

/* r = sum_{k<t} j^k·C[k]: the commitments evaluated at j (public data). */
static veche_err commitments_eval(veche_point *r, uint32_t j, const veche_point C[], uint32_t t)
{
    veche_scalar pow[VECHE_DKG_MAX_TRUSTEES], x;

    veche_point_identity(r);
    if (t < 1 || t > VECHE_DKG_MAX_TRUSTEES || !index_ok(j, VECHE_DKG_MAX_TRUSTEES))
        return VECHE_EINVALID;
    veche_scalar_from_u64(&x, j);
    pow[0] = veche_scalar_one_c;
    for (uint32_t k = 1; k < t; k++)
        veche_scalar_mul(&pow[k], &pow[k - 1], &x);
    return veche_msm_vartime(r, pow, C, t);
}

veche_err veche_dkg_share_check(const veche_scalar *s, uint32_t j,
                                const veche_dkg_commitments *c)
{
    veche_point want, got;
    veche_err e;

    if ((e = commitments_eval(&want, j, c->C, c->t)) != VECHE_OK)
        return e;
    veche_point_mul_base(&got, s);
    e = veche_point_eq(&got, &want) ? VECHE_OK : VECHE_EVERIFY;
    sodium_memzero(&got, sizeof got);
    return e;
}

/* Does SHARE m run from dealer to recipient, with the dealer's commitments? */
static int share_fits(const veche_dkg_share *m, const veche_dkg_key *dealer,
                      const veche_dkg_key *recipient, const veche_dkg_commitments *c,
                      const veche_dkg_params *p)
{
    return params_ok(p) && index_ok(m->i, p->n) && index_ok(m->j, p->n) && m->i != m->j &&
           m->i == dealer->i && m->j == recipient->i && c->i == m->i && c->t == p->t;
}

veche_err veche_dkg_share_open(veche_scalar *s, const veche_dkg_share *m,
                               const veche_dkg_trustee *me, const veche_dkg_key *sender,
                               const veche_dkg_commitments *c)
{
    uint8_t S_enc[32];
    veche_err e;

    *s = veche_scalar_zero_c;
    if (!share_fits(m, sender, &me->key, c, &me->params))
        return VECHE_EINVALID;
    dh_point(S_enc, &me->e, &sender->E);
    e = share_unbox(s, m, me->params.fingerprint, sender, &me->key, S_enc);
    sodium_memzero(S_enc, sizeof S_enc);
    if (e == VECHE_OK)
        e = veche_dkg_share_check(s, m->j, c);
    if (e != VECHE_OK)
        veche_scalar_wipe(s);
    return e;
}

void veche_dkg_share_encode(uint8_t out[VECHE_DKG_SHARE_BYTES], const veche_dkg_share *m)
{
    out[0] = (uint8_t)m->i;
    out[1] = (uint8_t)m->j;
    memcpy(out + 2, m->box, VECHE_DKG_BOX_BYTES);
}

veche_err veche_dkg_share_decode(veche_dkg_share *m, const uint8_t in[VECHE_DKG_SHARE_BYTES],
                                 const veche_dkg_params *p)
{
    memset(m, 0, sizeof *m);
    if (!params_ok(p) || !index_ok(in[0], p->n) || !index_ok(in[1], p->n) || in[0] == in[1])
        return VECHE_EINVALID;
    m->i = in[0];
    m->j = in[1];
    memcpy(m->box, in + 2, VECHE_DKG_BOX_BYTES);
    return VECHE_OK;
}

/* ---- round 3: COMPLAINT ----------------------------------------------------------- */

veche_err veche_dkg_complain(veche_dkg_complaint *out, const veche_dkg_trustee *me,
                             const veche_dkg_key *sender, veche_rng *rng)
{
    veche_ctx ctx;
    veche_err e;

    memset(out, 0, sizeof *out);
    if (!params_ok(&me->params) || !index_ok(sender->i, me->params.n) ||
        sender->i == me->key.i)
        return VECHE_EINVALID;
    veche_point_mul(&out->S, &sender->E, &me->e);
    veche_point_encode(out->S_enc, &out->S);
    ctx_make(&ctx, me->params.fingerprint, me->key.E_enc, me->key.i, sender->i);
    e = veche_dleq_prove(out->proof, &me->e, &me->key.E, &sender->E, &out->S, &ctx, rng);
    if (e != VECHE_OK) {
        memset(out, 0, sizeof *out);
        return e;
    }
    out->j = me->key.i;
    out->i = sender->i;
    return VECHE_OK;
}

/* With S_ij proven, is the share in the published box good? */
static veche_err judge_share(veche_dkg_verdict *v, const veche_dkg_complaint *cp,
                             const veche_dkg_share *m, const veche_dkg_key *sender,
                             const veche_dkg_key *complainer, const veche_dkg_commitments *c,
                             const veche_dkg_params *p)
{
    veche_scalar s;
    veche_err e;

    e = share_unbox(&s, m, p->fingerprint, sender, complainer, cp->S_enc);
    if (e == VECHE_OK)
        e = veche_dkg_share_check(&s, m->j, c);
    veche_scalar_wipe(&s);
    if (e == VECHE_OK)
        *v = VECHE_DKG_VERDICT_COMPLAINER;
    else if (e == VECHE_EDECRYPT || e == VECHE_EENCODING || e == VECHE_EVERIFY)
        *v = VECHE_DKG_VERDICT_SENDER;
    else
        return e;   /* out of memory: no verdict */
    return VECHE_OK;
}

veche_err veche_dkg_complaint_check(veche_dkg_verdict *v, const veche_dkg_complaint *cp,
                                    const veche_dkg_share *m, const veche_dkg_key *sender,
                                    const veche_dkg_key *complainer,
                                    const veche_dkg_commitments *c, const veche_dkg_params *p)
{
    veche_ctx ctx;

    *v = VECHE_DKG_VERDICT_NONE;
    if (!share_fits(m, sender, complainer, c, p) || cp->i != m->i || cp->j != m->j)
        return VECHE_EINVALID;
    ctx_make(&ctx, p->fingerprint, complainer->E_enc, cp->j, cp->i);
    if (veche_dleq_verify(cp->proof, &complainer->E, &sender->E, &cp->S, &ctx) != VECHE_OK)
        return VECHE_EVERIFY;
    return judge_share(v, cp, m, sender, complainer, c, p);
}

void veche_dkg_complaint_encode(uint8_t out[VECHE_DKG_COMPLAINT_BYTES],
                                const veche_dkg_complaint *cp)
{
    out[0] = (uint8_t)cp->j;
    out[1] = (uint8_t)cp->i;
    memcpy(out + 2, cp->S_enc, 32);
    memcpy(out + 34, cp->proof, VECHE_DLEQ_BYTES);
}

veche_err veche_dkg_complaint_decode(veche_dkg_complaint *cp,
                                     const uint8_t in[VECHE_DKG_COMPLAINT_BYTES],
                                     const veche_dkg_params *p)
{
    veche_err e;

    memset(cp, 0, sizeof *cp);
    if (!params_ok(p) || !index_ok(in[0], p->n) || !index_ok(in[1], p->n) || in[0] == in[1])
        return VECHE_EINVALID;
    if ((e = veche_point_decode(&cp->S, in + 2, VECHE_NO_IDENTITY)) != VECHE_OK ||
        (e = dleq_wellformed(in + 34)) != VECHE_OK) {
        memset(cp, 0, sizeof *cp);
        return e;
    }
    cp->j = in[0];
    cp->i = in[1];
    memcpy(cp->S_enc, in + 2, 32);
    memcpy(cp->proof, in + 34, VECHE_DLEQ_BYTES);
    return VECHE_OK;
}

/* ---- result ---------------------------------------------------------------------- */

/* The qualified set: 1..n entries, distinct indices in 1..n, the ceremony's t. */
static int qual_ok(const veche_dkg_commitments *const qual[], size_t count,
                   const veche_dkg_params *p)
{
    uint8_t seen[VECHE_DKG_MAX_TRUSTEES + 1] = {0};

    if (!params_ok(p) || count < 1 || count > p->n)
        return 0;
    for (size_t q = 0; q < count; q++) {
        if (qual[q] == NULL || !index_ok(qual[q]->i, p->n) || qual[q]->t != p->t ||
            seen[qual[q]->i])
            return 0;
        seen[qual[q]->i] = 1;
    }
    return 1;
}

veche_err veche_dkg_joint_key(veche_point *K, const veche_dkg_commitments *const qual[],
                              size_t count, const veche_dkg_params *p)
{
    veche_point_identity(K);
    if (!qual_ok(qual, count, p))
        return VECHE_EINVALID;
    for (size_t q = 0; q < count; q++)
        veche_point_add(K, K, &qual[q]->C[0]);
    return VECHE_OK;
}

/*
 * Sum the dealers' commitments coefficient by coefficient first, then
 * evaluate once: K_j = sum_k j^k·(sum_i C_ik), a t-term multiplication
 * instead of a count·t one.
 */
veche_err veche_dkg_verification_key(veche_point *Kj, uint32_t j,
                                     const veche_dkg_commitments *const qual[], size_t count,
                                     const veche_dkg_params *p)
{
    veche_point sum[VECHE_DKG_MAX_TRUSTEES];

    veche_point_identity(Kj);
    if (!qual_ok(qual, count, p) || !index_ok(j, p->n))
        return VECHE_EINVALID;
    for (uint32_t k = 0; k < p->t; k++) {
        veche_point_identity(&sum[k]);
        for (size_t q = 0; q < count; q++)
            veche_point_add(&sum[k], &sum[k], &qual[q]->C[k]);
    }
    return commitments_eval(Kj, j, sum, p->t);
}

veche_err veche_dkg_secret_share(veche_scalar *x, const veche_scalar shares[], size_t count,
                                 const veche_point *Kj)
{
    veche_point X;
    int good;

    *x = veche_scalar_zero_c;
    if (count < 1 || count > VECHE_DKG_MAX_TRUSTEES)
        return VECHE_EINVALID;
    for (size_t q = 0; q < count; q++)
        veche_scalar_add(x, x, &shares[q]);
    veche_point_mul_base(&X, x);
    good = veche_point_eq(&X, Kj);
    sodium_memzero(&X, sizeof X);
    if (!good) {
        veche_scalar_wipe(x);
        return VECHE_EVERIFY;
    }
    return VECHE_OK;
}

/* ---- decryption: DSHARE -------------------------------------------------------------- */

static void dshare_ctx(veche_ctx *ctx, const veche_point *K_j, uint32_t j,
                       const uint8_t fingerprint[32], uint32_t item)
{
    uint8_t K_enc[32];
    veche_point_encode(K_enc, K_j);
    ctx_make(ctx, fingerprint, K_enc, j, item);
}

veche_err veche_dshare_make(veche_dshare *out, uint32_t j, const veche_scalar *x_j,
                            const veche_point *K_j, const veche_ciphertext *ct,
                            const uint8_t fingerprint[32], uint32_t item, veche_rng *rng)
{
    veche_ctx ctx;
    veche_err e;

    memset(out, 0, sizeof *out);
    if (!index_ok(j, VECHE_DKG_MAX_TRUSTEES))
        return VECHE_EINVALID;
    if (veche_point_is_identity(K_j))
        return VECHE_EIDENTITY;
    veche_point_mul(&out->D, &ct->a, x_j);
    veche_point_encode(out->D_enc, &out->D);
    dshare_ctx(&ctx, K_j, j, fingerprint, item);
    if ((e = veche_dleq_prove(out->proof, x_j, K_j, &ct->a, &out->D, &ctx, rng)) != VECHE_OK) {
        memset(out, 0, sizeof *out);
        return e;
    }
    out->j = j;
    return VECHE_OK;
}

veche_err veche_dshare_verify(const veche_dshare *sh, const veche_point *K_j,
                              const veche_ciphertext *ct, const uint8_t fingerprint[32],
                              uint32_t item)
{
    veche_ctx ctx;

    if (!index_ok(sh->j, VECHE_DKG_MAX_TRUSTEES))
        return VECHE_EINVALID;
    if (veche_point_is_identity(K_j))
        return VECHE_EIDENTITY;
    dshare_ctx(&ctx, K_j, sh->j, fingerprint, item);
    return veche_dleq_verify(sh->proof, K_j, &ct->a, &sh->D, &ctx);
}

void veche_dshare_encode(uint8_t out[VECHE_DSHARE_BYTES], const veche_dshare *sh)
{
    out[0] = (uint8_t)sh->j;
    memcpy(out + 1, sh->D_enc, 32);
    memcpy(out + 33, sh->proof, VECHE_DLEQ_BYTES);
}

veche_err veche_dshare_decode(veche_dshare *sh, const uint8_t in[VECHE_DSHARE_BYTES],
                              uint32_t n)
{
    veche_err e;

    memset(sh, 0, sizeof *sh);
    if (n > VECHE_DKG_MAX_TRUSTEES || !index_ok(in[0], n))
        return VECHE_EINVALID;
    if ((e = veche_point_decode(&sh->D, in + 1, VECHE_ALLOW_IDENTITY)) != VECHE_OK ||
        (e = dleq_wellformed(in + 33)) != VECHE_OK) {
        memset(sh, 0, sizeof *sh);
        return e;
    }
    sh->j = in[0];
    memcpy(sh->D_enc, in + 1, 32);
    memcpy(sh->proof, in + 33, VECHE_DLEQ_BYTES);
    return VECHE_OK;
}

/* Distinct, non-zero, at most VECHE_DKG_MAX_TRUSTEES of them, bounded by max. */
static int index_set_ok(const uint32_t set[], size_t count, uint32_t max)
{
    if (count > VECHE_DKG_MAX_TRUSTEES)
        return 0;
    for (size_t a = 0; a < count; a++) {
        if (!index_ok(set[a], max))
            return 0;
        for (size_t b = 0; b < a; b++)
            if (set[a] == set[b])
                return 0;
    }
    return 1;
}

veche_err veche_lagrange_at_zero(veche_scalar *lambda, uint32_t j, const uint32_t set[],
                                 size_t count)
{
    veche_scalar num = veche_scalar_one_c, den = veche_scalar_one_c, l, jj, diff;
    int has_j = 0;

    *lambda = veche_scalar_zero_c;
    if (!index_set_ok(set, count, UINT32_MAX))
        return VECHE_EINVALID;
    veche_scalar_from_u64(&jj, j);
    for (size_t q = 0; q < count; q++) {
        if (set[q] == j) {
            has_j = 1;
            continue;
        }
        veche_scalar_from_u64(&l, set[q]);
        veche_scalar_sub(&diff, &l, &jj);
        veche_scalar_mul(&num, &num, &l);
        veche_scalar_mul(&den, &den, &diff);
    }
    if (!has_j || veche_scalar_invert(&den, &den) != VECHE_OK)
        return VECHE_EINVALID;
    veche_scalar_mul(lambda, &num, &den);
    return VECHE_OK;
}

veche_err veche_dshare_combine(veche_point *M, const veche_ciphertext *ct,
                               const veche_dshare shares[], size_t count,
                               const veche_dkg_params *p)
{
    uint32_t set[VECHE_DKG_MAX_TRUSTEES] = {0};
    veche_scalar lambda[VECHE_DKG_MAX_TRUSTEES];
    veche_point D[VECHE_DKG_MAX_TRUSTEES], sum;
    veche_err e;

    veche_point_identity(M);
    if (!params_ok(p) || count < p->t || count > p->n)
        return VECHE_EINVALID;
    for (size_t q = 0; q < count; q++)
        set[q] = shares[q].j;
    if (!index_set_ok(set, count, p->n))
        return VECHE_EINVALID;
    for (size_t q = 0; q < count; q++) {
        if ((e = veche_lagrange_at_zero(&lambda[q], set[q], set, count)) != VECHE_OK)
            return e;
        D[q] = shares[q].D;
    }
    if ((e = veche_msm_vartime(&sum, lambda, D, count)) != VECHE_OK)
        return e;
    veche_point_sub(M, &ct->b, &sum);
    return VECHE_OK;
}
