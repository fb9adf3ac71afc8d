/* api_admin.c — the administrator's routes (being written; see docs/API.md). */
#include "server/server.h"

const srv_route srv_routes_admin[] = {
    { NULL, NULL, NULL, 0, 0 },
};
