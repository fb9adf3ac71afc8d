/* seed.c — `veche serve --demo` (being written). */
#include <stdio.h>
#include "server/server.h"

int srv_seed_demo(srv_state *st, const srv_options *o, FILE *out)
{
    (void)st; (void)o;
    fprintf(out, "veche serve: --demo is not available yet\n");
    return 1;
}
