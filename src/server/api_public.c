/* api_public.c — the public record and the elections (being written). */
#include "server/internal.h"
#include "version.h"

static int h_info(srv_req *r, srv_resp *resp)
{
    srv_state *st = r->st;
    char vkey[512];
    uint64_t size;
    pthread_mutex_lock(&st->board_lock);
    veche_note_key_format(vkey, sizeof vkey, veche_board_key(st->board));
    size = veche_board_size(st->board);
    pthread_mutex_unlock(&st->board_lock);
    return srv_json(resp, 200, json_pack("{s:s, s:s, s:I, s:s, s:o, s:o}", "origin",
                                         veche_board_origin(st->board), "vkey", vkey, "size",
                                         (json_int_t)size, "version", VECHE_VERSION,
                                         "administrator", veche_b64_json(st->admin.pk, 32),
                                         "credential_authority",
                                         veche_b64_json(st->authority.pk, 32)));
}

const srv_route srv_routes_public[] = {
    { "GET", "/api/v1/info", h_info, 0, 0 },
    { NULL, NULL, NULL, 0, 0 },
};
