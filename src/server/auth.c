/*
 * auth.c — the administrator: password login, sessions, logout.
 *
 * The password is checked against its Argon2id hash (crypto_pwhash_str,
 * in DB.keys/password); the plain password is never stored. A session is a
 * random 32-byte token (base64url) handed to the client as the cookie
 * veche_session (HttpOnly, SameSite=Strict, Secure behind TLS) and in the
 * answer for clients that send "Authorization: Bearer". The server keeps
 * only each token's SHA-256 and its expiry (12 hours), in memory: a
 * restart logs everyone out, and a leak of the server's memory or logs
 * gives no usable token. Tokens are compared in constant time. The
 * lifetime can be shortened (veche serve --session-ttl) for an operator
 * who wants it, and for the tests of expiry.
 *
 * The table is bounded (MAX_SESSIONS); past it, the session closest to
 * expiry is ended to make room.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "server/internal.h"

#define MAX_SESSIONS     256
#define SESSION_SECONDS  (12 * 3600)
#define TOKEN_BYTES      32
#define PASSWORD_MAX     1024

typedef struct session {
    uint8_t hash[crypto_hash_sha256_BYTES];
    time_t  expires;      /* 0: free */
} session;

typedef struct sessions {
    pthread_mutex_t mu;
    long            ttl;              /* seconds a session lasts */
    session         s[MAX_SESSIONS];
} sessions;

#define S(st) ((sessions *)(st)->sessions)

int srv_auth_init(srv_state *st)
{
    sessions *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    pthread_mutex_init(&s->mu, NULL);
    s->ttl = SESSION_SECONDS;
    st->sessions = s;
    return 0;
}

void srv_auth_set_ttl(srv_state *st, long seconds)
{
    S(st)->ttl = seconds > 0 ? seconds : SESSION_SECONDS;
}

void srv_auth_free(srv_state *st)
{
    sessions *s = S(st);
    if (s == NULL)
        return;
    pthread_mutex_destroy(&s->mu);
    sodium_memzero(s, sizeof *s);
    free(s);
    st->sessions = NULL;
}

static void token_hash(uint8_t out[crypto_hash_sha256_BYTES], const char *token)
{
    crypto_hash_sha256(out, (const uint8_t *)token, strlen(token));
}

/* The live session of token, or NULL (under s->mu). Looks at every slot. */
static session *session_find(sessions *s, const char *token, time_t now)
{
    uint8_t h[crypto_hash_sha256_BYTES];
    session *found = NULL;
    token_hash(h, token);
    for (size_t i = 0; i < MAX_SESSIONS; i++)
        if (s->s[i].expires > now && sodium_memcmp(s->s[i].hash, h, sizeof h) == 0)
            found = &s->s[i];
    return found;
}

int srv_session_valid(srv_state *st, const char *token)
{
    sessions *s = S(st);
    int ok;
    if (token == NULL || strlen(token) > 128)
        return 0;
    pthread_mutex_lock(&s->mu);
    ok = session_find(s, token, time(NULL)) != NULL;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* A new session: its token (base64url, NUL-terminated) and expiry. */
static void session_new(sessions *s, char token[64], time_t *expires)
{
    uint8_t raw[TOKEN_BYTES];
    time_t now = time(NULL);
    session *slot = &s->s[0];

    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, 64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < MAX_SESSIONS; i++) {   /* a free or expired slot, else the oldest */
        if (s->s[i].expires <= now) {
            slot = &s->s[i];
            break;
        }
        if (s->s[i].expires < slot->expires)
            slot = &s->s[i];
    }
    token_hash(slot->hash, token);
    slot->expires = *expires = now + s->ttl;
    pthread_mutex_unlock(&s->mu);
}

/* ---- routes ------------------------------------------------------------------------------ */

static char *cookie(const srv_state *st, const char *value, int clear)
{
    char buf[256];
    snprintf(buf, sizeof buf, "veche_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", value,
             clear ? "; Max-Age=0" : "", st->behind_tls ? "; Secure" : "");
    return strdup(buf);
}

static int h_login(srv_req *r, srv_resp *resp)
{
    json_t *body = srv_body_json(r, resp), *pw;
    char token[64];
    time_t expires;
    const char *p;
    size_t n;
    int ok;

    if (body == NULL)
        return 0;
    pw = json_object_get(body, "password");
    if (!json_is_object(body) || !json_is_string(pw)) {
        json_decref(body);
        return srv_error(resp, 400, "bad_request", "password",
                         "expected {\"password\": \"...\"}");
    }
    p = json_string_value(pw);
    n = json_string_length(pw);
    ok = n > 0 && n <= PASSWORD_MAX && strlen(p) == n &&
         crypto_pwhash_str_verify(r->st->password_hash, p, n) == 0;
    sodium_memzero((void *)p, n);   /* our copy of the password */
    json_decref(body);
    if (!ok)
        return srv_error(resp, 401, "bad_password", "password", "wrong password");
    /* Only failed attempts count against the address's 5 a minute. */
    srv_limit_refund(r->st, SRV_BUCKET_LOGIN, r->remote, SRV_LOGIN_PER_MINUTE);
    session_new(S(r->st), token, &expires);
    resp->set_cookie = cookie(r->st, token, 0);
    srv_json(resp, 200, json_pack("{s:s, s:I}", "token", token, "expires", (json_int_t)expires));
    sodium_memzero(token, sizeof token);
    return 0;
}

static int h_logout(srv_req *r, srv_resp *resp)
{
    sessions *s = S(r->st);
    const char *token = srv_req_token(r);
    if (token != NULL && strlen(token) <= 128) {
        pthread_mutex_lock(&s->mu);
        session *x = session_find(s, token, time(NULL));
        if (x != NULL)
            memset(x, 0, sizeof *x);
        pthread_mutex_unlock(&s->mu);
    }
    resp->set_cookie = cookie(r->st, "", 1);
    return srv_json(resp, 200, json_object());
}

static int h_session(srv_req *r, srv_resp *resp)
{
    return srv_json(resp, 200, json_pack("{s:b}", "admin", r->is_admin));
}

const srv_route srv_routes_auth[] = {
    { "POST", "/api/v1/login",   h_login,   SRV_RATE_LOGIN, 64 * 1024 },
    { "POST", "/api/v1/logout",  h_logout,  0,              64 * 1024 },
    { "GET",  "/api/v1/session", h_session, 0,              0 },
    { NULL, NULL, NULL, 0, 0 },
};
