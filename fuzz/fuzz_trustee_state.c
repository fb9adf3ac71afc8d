/*
 * fuzz/fuzz_trustee_state.c — libFuzzer target for the trustee's state file
 * (election/ceremony.h): the one parser of secret material from disk.
 *
 * Every input is parsed. The parser must return only OK, EENCODING or
 * ERANGE and never crash, and what it accepts must be canonical: formatting
 * the parsed state gives back exactly the input bytes, and the state's
 * trustee key is consistent (its rebuilt proof of knowledge verifies).
 * Any violation aborts (a finding).
 *
 * Seeds: VECHE_FUZZ_SEEDS=<dir> build/fuzz/fuzz_trustee_state writes a few
 * valid states into <dir> and exits (how fuzz/corpus/fuzz_trustee_state/
 * was made).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "election/ceremony.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_trustee_state: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* A valid state of trustee i of n, threshold t, with some shares and maybe x. */
static void write_seed(const char *dir, uint32_t i, uint32_t t, uint32_t n, int with_x)
{
    veche_manifest m;
    veche_trustee_state st;
    uint8_t mh[32], seed[32] = {(uint8_t)i, (uint8_t)t, (uint8_t)n};
    char text[VECHE_TRUSTEE_STATE_MAX], path[512];
    size_t len;
    veche_rng rng;
    FILE *f;

    memset(&m, 0, sizeof m);
    m.id = "fuzz-election";
    m.ntrustees = n;
    m.threshold = t;
    for (uint32_t k = 0; k < n; k++)
        memset(m.trustee_key[k], (int)k + 1, 32);
    memset(mh, 0x42, sizeof mh);
    veche_rng_seed(&rng, seed);
    CHECK(veche_trustee_state_new(&st, &m, mh, m.trustee_key[i - 1], &rng, NULL) == VECHE_OK);
    for (uint32_t d = 1; d <= n; d += 2) {
        st.have_share[d] = 1;
        veche_scalar_random(&st.share[d], &rng);
    }
    if (with_x) {
        st.have_x = 1;
        for (uint32_t q = 0; q < t; q++)
            st.x_qual[st.x_nqual++] = q + 1;
        veche_scalar_random(&st.x, &rng);
    }
    CHECK(veche_trustee_state_format(text, sizeof text, &len, &st, NULL) == VECHE_OK);
    snprintf(path, sizeof path, "%s/seed-%u-%u-%u-%d", dir, i, t, n, with_x);
    CHECK((f = fopen(path, "wb")) != NULL);
    CHECK(fwrite(text, 1, len, f) == len && fclose(f) == 0);
    veche_trustee_state_wipe(&st);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("VECHE_FUZZ_SEEDS");

    (void)argc;
    (void)argv;
    if (veche_crypto_init() != VECHE_OK)
        abort();
    if (dir != NULL) {
        write_seed(dir, 1, 1, 1, 0);
        write_seed(dir, 2, 2, 3, 1);
        write_seed(dir, 5, 3, 5, 1);
        write_seed(dir, 64, 4, 64, 0);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char again[VECHE_TRUSTEE_STATE_MAX];
    veche_trustee_state st;
    size_t len;
    veche_err e;

    e = veche_trustee_state_parse(&st, (const char *)data, size, NULL);
    CHECK(e == VECHE_OK || e == VECHE_EENCODING || e == VECHE_ERANGE || e == VECHE_EINVALID);
    if (e != VECHE_OK)
        return 0;
    CHECK(veche_trustee_state_format(again, sizeof again, &len, &st, NULL) == VECHE_OK);
    CHECK(len == size && memcmp(again, data, size) == 0);
    CHECK(veche_dkg_key_verify(&st.dkg.key, &st.dkg.params) == VECHE_OK);
    veche_trustee_state_wipe(&st);
    sodium_memzero(again, sizeof again);
    return 0;
}
