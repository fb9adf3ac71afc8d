/*
 * version.h — the version of libveche and the veche command.
 *
 * Semantic versioning: the major number changes when the library API or the
 * record format breaks. The wire protocol has its own tag (VECHE_PROTOCOL_TAG
 * in crypto/transcript.h, "veche-v1"), bound into every proof, which changes
 * only when the bytes on the record change.
 */
#ifndef VECHE_VERSION_H
#define VECHE_VERSION_H

#define VECHE_VERSION "0.1.0"

#endif
