/*
 * serve.c — `veche serve`: the board as a web service (src/server/).
 *
 * Parses the command line, opens (or on the first run creates) the
 * database and the server's keys, prints the administrator password once
 * when it was just made, seeds the demonstration election with --demo on a
 * new database, and serves until SIGTERM or SIGINT.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "server/internal.h"

static const char serve_usage[] =
    "usage: veche serve [--db PATH] [--listen HOST:PORT] [--web DIR] [--behind-tls]\n"
    "                   [--demo [--voters N]] [--cast-rate N] [--session-ttl S]\n"
    "\n"
    "Serves the board in PATH (default veche.db; created on the first run) over HTTP:\n"
    "the voter's booth, the public record, the administration pages and the JSON API\n"
    "(docs/API.md). The server's keys are kept in PATH.keys/ (mode 0700). On the first\n"
    "run an administrator password is printed once; only its hash is kept.\n"
    "\n"
    "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 = any\n"
    "                      free port; [::1]:8080 for IPv6). Put a TLS proxy in front\n"
    "                      of it for anything but a local test (README).\n"
    "  --web DIR           the web pages (default: the web/ directory of the source\n"
    "                      tree the binary was built in, else ./web)\n"
    "  --behind-tls        the server is reached through HTTPS: cookies get Secure\n"
    "  --demo              on a new database, create a demonstration election and\n"
    "                      print voter links (--voters N: how many voters, default 200)\n"
    "  --cast-rate N       ballots a minute per client address (default 60; 0: no\n"
    "                      limit, for a load test)\n"
    "  --session-ttl S     seconds an administrator's login lasts (default 43200: 12 h)\n"
    "\n"
    "Stops on SIGTERM or Ctrl-C after finishing the requests in progress; every\n"
    "acknowledged ballot is on the record (durable before it is acknowledged).\n";

enum { O_DB = 256, O_LISTEN, O_WEB, O_TLS, O_DEMO, O_VOTERS, O_CAST_RATE, O_TTL, O_HELP };

static const struct option longopts[] = {
    {"db", 1, 0, O_DB}, {"listen", 1, 0, O_LISTEN}, {"web", 1, 0, O_WEB},
    {"behind-tls", 0, 0, O_TLS}, {"demo", 0, 0, O_DEMO}, {"voters", 1, 0, O_VOTERS},
    {"cast-rate", 1, 0, O_CAST_RATE}, {"session-ttl", 1, 0, O_TTL}, {"help", 0, 0, O_HELP},
    {0, 0, 0, 0},
};

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* <dir of the binary>/../../web (build/<variant>/veche in the tree), else ./web. */
static void default_web(char *out, size_t cap)
{
    char exe[PATH_MAX - 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = 0;
            snprintf(out, cap, "%s/../../web", exe);
            if (is_dir(out))
                return;
        }
    }
    snprintf(out, cap, "web");
}

static int parse_count(const char *s, unsigned max, unsigned *out)
{
    uint64_t v;
    if (cli_parse_u64(s, &v) != 0 || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* 0 ok, 1 --help, -1 usage error (message printed). */
static int parse(srv_options *o, unsigned *ttl, int argc, char **argv)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_DB: o->db_path = optarg; break;
        case O_LISTEN: o->listen = optarg; break;
        case O_WEB: o->web_dir = optarg; break;
        case O_TLS: o->behind_tls = 1; break;
        case O_DEMO: o->demo = 1; break;
        case O_VOTERS:
            if (parse_count(optarg, 100000, &o->demo_voters) != 0 || o->demo_voters == 0) {
                fprintf(stderr, "veche serve: --voters: expected 1..100000, not %s\n", optarg);
                return -1;
            }
            break;
        case O_CAST_RATE:
            if (parse_count(optarg, 1000000, &o->cast_rate) != 0) {
                fprintf(stderr, "veche serve: --cast-rate: expected 0..1000000, not %s\n",
                        optarg);
                return -1;
            }
            break;
        case O_TTL:
            if (parse_count(optarg, 365u * 86400u, ttl) != 0 || *ttl == 0) {
                fprintf(stderr, "veche serve: --session-ttl: expected 1..31536000 seconds, "
                        "not %s\n", optarg);
                return -1;
            }
            break;
        case O_HELP: return 1;
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "veche serve: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

int veche_cmd_serve(int argc, char **argv)
{
    srv_options o = {"veche.db", "127.0.0.1:8080", NULL, 0, 0, 60, 200, NULL};
    char web[PATH_MAX], pw[64];
    veche_diag d = {{0}};
    srv_state *st = NULL;
    unsigned ttl = 0;
    int r = parse(&o, &ttl, argc, argv), rc;

    if (r != 0) {
        fputs(serve_usage, r > 0 ? stdout : stderr);
        return r > 0 ? 0 : EXIT_USAGE;
    }
    if (srv_listen_check(o.listen) != 0) {
        fprintf(stderr, "veche serve: --listen %s: expected HOST:PORT with an IP address "
                "(127.0.0.1:8080, [::1]:8080; port 0 = any free port)\n", o.listen);
        return EXIT_USAGE;
    }
    if (o.web_dir == NULL) {
        default_web(web, sizeof web);
        o.web_dir = web;
    }
    if (srv_state_open(&st, o.db_path, o.web_dir, pw, &d) != VECHE_OK)
        return cli_fail("serve", "%s: %s", o.db_path, d.msg);
    st->behind_tls = o.behind_tls;
    if (ttl > 0)
        srv_auth_set_ttl(st, (long)ttl);
    if (pw[0]) {
        printf("veche serve: administrator password: %s\n", pw);
        printf("veche serve: (shown this once; only its hash is kept in %s.keys/password)\n",
               o.db_path);
        fflush(stdout);
    }
    if (o.demo) {
        if (!pw[0]) {
            fprintf(stderr, "veche serve: --demo ignored: %s already exists\n", o.db_path);
        } else if (srv_seed_demo(st, &o, stdout) != 0) {
            sodium_memzero(pw, sizeof pw);
            srv_state_close(st);
            return cli_fail("serve", "the demonstration election could not be made");
        }
    }
    sodium_memzero(pw, sizeof pw);
    rc = srv_run(st, &o);
    srv_state_close(st);
    return rc;
}
