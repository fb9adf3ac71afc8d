/*
 * err.h — the error codes every libveche function returns.
 *
 * Zero is success; every failure is a negative code that names the kind of
 * fault, and veche_strerror() gives a sentence for it. Callers that need to
 * say *where* (which field, which entry) add that themselves.
 */
#ifndef VECHE_CRYPTO_ERR_H
#define VECHE_CRYPTO_ERR_H

typedef enum veche_err {
    VECHE_OK        =  0,
    VECHE_EENCODING = -1,  /* bytes are not a canonical encoding (scalar, point, proof) */
    VECHE_EIDENTITY = -2,  /* the identity element where it is not allowed */
    VECHE_EVERIFY   = -3,  /* a proof, signature or check does not verify */
    VECHE_ERANGE    = -4,  /* a value is outside its permitted range */
    VECHE_EINVALID  = -5,  /* an argument is invalid (sizes, indices, counts) */
    VECHE_ENOMEM    = -6,  /* out of memory */
    VECHE_ENOTFOUND = -7,  /* a search (discrete log) found nothing within its bound */
    VECHE_EDECRYPT  = -8,  /* authenticated decryption failed */
    VECHE_EINTERNAL = -9   /* the library itself failed (libsodium init) */
} veche_err;

const char *veche_strerror(veche_err e);

#endif
