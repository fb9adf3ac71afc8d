/* api_ballot.c — casting and looking up ballots (being written). */
#include "server/internal.h"

const srv_route srv_routes_ballot[] = {
    { NULL, NULL, NULL, 0, 0 },
};
