/*
 * cmd_sweep: `capsim sweep SCENARIO.yaml --vary key.path=v1,v2,... [--vary ...]`: the grid
 * of variants (the cartesian product of the --vary lists, the first --vary varying
 * slowest) on common random numbers, in one file whose `variant` coordinate carries the
 * varied values. A list may be written start:stop:count (count evenly spaced values,
 * both ends included). Variant 0 (the first grid point) is the baseline of the paired
 * differences.
 */
#include "commands.h"
#include "cli.h"
#include "sim/engine/engine.h"
#include "sim/scenario/keypath.h"
#include "sim/scenario/loader.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWEEP_MAX_VARIANTS 10000

static const char sweep_help[] =
    "usage: capsim sweep SCENARIO.yaml --vary key.path=v1,v2,... [--vary ...] [-o OUT.h5]\n"
    "                    [--paths N] [--seed S] [--threads T] [--set key.path=value ...]\n"
    "                    [--save-paths K] [--shard i/n] [--quiet]\n"
    "\n"
    "Run the grid of variants given by the --vary lists (cartesian product) on common\n"
    "random numbers and write them to OUT.h5 (default sweep.h5) with a variant dimension.\n"
    "A list is v1,v2,... or start:stop:count (count values from start to stop); sweep\n"
    "varies numbers only.\n"
    "\n"
    "  --vary key.path=LIST    one axis of the grid (repeat for more; the first varies slowest)\n"
    CLI_RUN_OPTIONS_HELP;

typedef struct {
    char *key;
    double *values;
    size_t n;
} vary_axis;

#define VARY_FORM "expected key.path=v1,v2,... or key.path=start:stop:count"

/* Why a value of a list is not one: sweep varies numbers only. */
static void not_a_number(const char *tok, char *why, size_t len)
{
    snprintf(why, len, "'%s' is not a number: sweep varies numbers only (a month such as 2026-05 or "
             "a word such as reserved cannot be swept: write one scenario file per value and run "
             "capsim compare on them)", tok);
}

/* Parse "key=v1,v2" or "key=start:stop:count" into axis; -1 on a bad form, with why. */
static int parse_vary(const char *arg, vary_axis *ax, char *why, size_t len)
{
    const char *eq = strchr(arg, '=');
    snprintf(why, len, VARY_FORM);
    if (!eq || eq == arg || !eq[1]) return -1;
    ax->key = strndup(arg, (size_t)(eq - arg));
    char *list = strdup(eq + 1);
    if (!ax->key || !list) { free(list); return -1; }
    int ok = 0;
    double a, b;
    int count;
    char *c1 = strchr(list, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c1 && c2 && !strchr(list, ',')) {
        *c1 = *c2 = '\0';
        if (cli_parse_double(list, &a) != 0) not_a_number(list, why, len);
        else if (cli_parse_double(c1 + 1, &b) != 0) not_a_number(c1 + 1, why, len);
        else if (cli_parse_int(c2 + 1, 1, SWEEP_MAX_VARIANTS, &count) != 0)
            snprintf(why, len, "count '%s' of start:stop:count: expected a whole number from 1 to %d", c2 + 1,
                     SWEEP_MAX_VARIANTS);
        else if ((ax->values = malloc((size_t)count * sizeof(double)))) {
            for (int i = 0; i < count; i++)
                ax->values[i] = count == 1 ? a : a + (b - a) * i / (count - 1);
            ax->n = (size_t)count;
            ok = 1;
        }
    } else {
        ok = 1;
        for (char *tok = strtok(list, ","); tok && ok; tok = strtok(NULL, ",")) {
            double *p = realloc(ax->values, (ax->n + 1) * sizeof *p);
            if (p) ax->values = p;
            if (!p || cli_parse_double(tok, &a) != 0) {
                if (p) not_a_number(tok, why, len);
                ok = 0;
                break;
            }
            ax->values[ax->n++] = a;
        }
        ok = ok && ax->n > 0;
    }
    free(list);
    return ok ? 0 : -1;
}

typedef struct {
    vary_axis *axes;
    size_t naxes, nvariants;
    scenario **sc;
    char **names;
    double *values;          /* nvariants x naxes */
    char ***sets;            /* per variant: the --set list it was loaded with (the user's
                                then its own key=value, which it owns) */
    size_t *nsets, nsets_user;
} sweep_grid;

static void grid_free(sweep_grid *g)
{
    for (size_t v = 0; v < g->nvariants; v++) {
        if (g->sc) scenario_free(g->sc[v]);
        if (g->names) free(g->names[v]);
        if (g->sets && g->sets[v])
            for (size_t a = 0; a < g->naxes; a++) free(g->sets[v][g->nsets_user + a]);
        if (g->sets) free(g->sets[v]);
    }
    for (size_t a = 0; a < g->naxes; a++) {
        free(g->axes[a].key);
        free(g->axes[a].values);
    }
    free(g->axes); free(g->sc); free(g->names); free(g->values); free(g->sets); free(g->nsets);
}

/* Load every grid point: the user's --set list plus key=value for each axis. */
static int grid_load(sweep_grid *g, const char *path, const cli_run_opts *o)
{
    g->sc = calloc(g->nvariants, sizeof *g->sc);
    g->names = calloc(g->nvariants, sizeof *g->names);
    g->values = malloc(g->nvariants * g->naxes * sizeof *g->values);
    g->sets = calloc(g->nvariants, sizeof *g->sets);
    g->nsets = calloc(g->nvariants, sizeof *g->nsets);
    g->nsets_user = o->nsets;
    const char **sets = malloc((o->nsets + g->naxes) * sizeof *sets);
    char **own = calloc(g->naxes, sizeof *own);
    int status = (g->sc && g->names && g->values && g->sets && g->nsets && sets && own) ? 0 : -1;
    for (size_t v = 0; status == 0 && v < g->nvariants; v++) {
        size_t rest = v, namelen = 1;
        for (size_t i = 0; i < o->nsets; i++) sets[i] = o->sets[i];
        for (size_t a = g->naxes; a-- > 0;) {     /* last axis varies fastest */
            double x = g->axes[a].values[rest % g->axes[a].n];
            rest /= g->axes[a].n;
            g->values[v * g->naxes + a] = x;
            free(own[a]);
            size_t len = strlen(g->axes[a].key) + 32;
            if (!(own[a] = malloc(len))) { status = -1; break; }
            snprintf(own[a], len, "%s=%.17g", g->axes[a].key, x);
            sets[o->nsets + a] = own[a];
            namelen += len;
        }
        if (status != 0 || !(g->names[v] = malloc(namelen))) { status = -1; break; }
        g->names[v][0] = '\0';
        for (size_t a = 0; a < g->naxes; a++) {
            char item[64];
            snprintf(item, sizeof item, "%s%s=%g", a ? ";" : "", g->axes[a].key, g->values[v * g->naxes + a]);
            strcat(g->names[v], item);
        }
        if (!(g->sc[v] = cli_load(path, sets, o->nsets + g->naxes))) status = 1;
        /* the list, kept for the shard files (merge reloads each variant with it) */
        if (!(g->sets[v] = calloc(o->nsets + g->naxes, sizeof **g->sets))) { status = -1; break; }
        g->nsets[v] = o->nsets + g->naxes;
        for (size_t i = 0; i < o->nsets; i++) g->sets[v][i] = (char *)o->sets[i];
        for (size_t a = 0; a < g->naxes; a++) {
            g->sets[v][o->nsets + a] = own[a];
            own[a] = NULL;
        }
    }
    for (size_t a = 0; own && a < g->naxes; a++) free(own[a]);
    free(own);
    free(sets);
    return status;
}

/* The sweep's own option for cli_parse_run_args: --vary adds an axis to the grid. */
static int vary_option(int opt, const char *arg, void *ctx)
{
    sweep_grid *g = ctx;
    if (opt != OPT_VARY) return 0;
    vary_axis *p = realloc(g->axes, (g->naxes + 1) * sizeof *p);
    if (!p) return -1;
    g->axes = p;
    memset(&g->axes[g->naxes], 0, sizeof *p);
    g->naxes++;
    char why[512];
    if (parse_vary(arg, &g->axes[g->naxes - 1], why, sizeof why) != 0)
        return cli_usage_error("sweep", "--vary %s: %s", arg, why), -1;
    /* One axis per key: a second would override the first's values on every grid point
     * and name the same coordinate twice. */
    for (size_t a = 0; a + 1 < g->naxes; a++)
        if (strcmp(g->axes[a].key, g->axes[g->naxes - 1].key) == 0)
            return cli_usage_error("sweep", "--vary %s: the key path %s is varied twice (expected "
                                   "each key path in one --vary, with all its values)", arg,
                                   g->axes[a].key), -1;
    return 1;
}

/* Two --vary spellings of one key (`demand.0.growth`, `demand.inference.growth`): the
 * same error as one spelling twice, found through each key's canonical spelling in the
 * scenario file. A key not in the file (one a --set adds) is compared as written. */
static int vary_spelled_twice(const sweep_grid *g, const char *path)
{
    char a_canon[KEYPATH_MAX], b_canon[KEYPATH_MAX];
    for (size_t a = 0; a < g->naxes; a++)
        for (size_t b = a + 1; b < g->naxes; b++) {
            if (loader_canonical_key(path, g->axes[a].key, a_canon, sizeof a_canon) != 0 ||
                loader_canonical_key(path, g->axes[b].key, b_canon, sizeof b_canon) != 0 ||
                strcmp(a_canon, b_canon) != 0)
                continue;
            cli_usage_error("sweep", "--vary %s and --vary %s: both vary the key path %s "
                            "(expected each key path in one --vary, with all its values)",
                            g->axes[a].key, g->axes[b].key, a_canon);
            return 1;
        }
    return 0;
}

int cmd_sweep(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_RUN_LONGOPTS, { "vary", required_argument, NULL, OPT_VARY }, { NULL, 0, NULL, 0 }
    };
    cli_run_opts o;
    memset(&o, 0, sizeof o);
    sweep_grid g;
    memset(&g, 0, sizeof g);
    int status = EXIT_BAD_INPUT;
    int parsed = cli_parse_run_args("sweep", argc, argv, longopts, sweep_help, &o, vary_option, &g);
    if (parsed == CLI_HELP_SHOWN) {
        status = EXIT_OK;
        goto done;
    }
    if (parsed != CLI_PARSED) goto done;
    if (argc - optind != 1 || g.naxes == 0) {
        cli_usage_error("sweep", "expected one scenario file and at least one --vary");
        goto done;
    }
    if (strcmp(argv[optind], "-") == 0) {
        cli_usage_error("sweep", "-: sweep reads its scenario once per variant (expected a scenario file)");
        goto done;
    }
    if (o.target_rse > 0) {
        cli_usage_error("sweep", "--target-rse applies to run only");
        goto done;
    }
    g.nvariants = 1;
    for (size_t a = 0; a < g.naxes; a++) {
        g.nvariants *= g.axes[a].n;
        if (g.nvariants > SWEEP_MAX_VARIANTS) {
            cli_usage_error("sweep", "the grid has more than %d variants", SWEEP_MAX_VARIANTS);
            goto done;
        }
    }
    if (vary_spelled_twice(&g, argv[optind])) goto done;
    int lr = grid_load(&g, argv[optind], &o);
    if (lr != 0) {
        status = lr < 0 ? EXIT_RUNTIME : EXIT_BAD_INPUT;
        goto done;
    }
    const char *out = o.out ? o.out : "sweep.h5";
    if (cli_check_output("sweep", out, 1) != EXIT_OK) goto done;
    if (!o.paths) o.paths = (uint64_t)g.sc[0]->paths;
    if (!o.seed_set) o.seed = g.sc[0]->seed, o.seed_set = 1;
    for (size_t v = 0; v < g.nvariants; v++) cli_apply_run_opts(g.sc[v], &o);
    const char **keys = malloc(g.naxes * sizeof *keys);
    char *cmdline = cli_join_argv(argc + 1, argv - 1);
    if (keys) {
        for (size_t a = 0; a < g.naxes; a++) keys[a] = g.axes[a].key;
        engine_job job = {
            .variants = (const scenario *const *)g.sc, .nvariants = g.nvariants,
            .variant_names = (const char *const *)g.names, .nvary = g.naxes,
            .vary_keys = keys, .vary_values = g.values,
            .paths = o.paths, .seed = o.seed, .threads = o.threads, .save_paths = o.save_paths,
            .quiet = o.quiet, .out_path = out, .command = "sweep",
            .command_line = cmdline ? cmdline : "capsim sweep",
            .variant_nsets = g.nsets, .variant_sets = (const char *const *const *)g.sets,
            .shard = o.shard, .nshards = o.nshards, .superblock_paths = o.superblock_paths,
        };
        status = cli_engine_run(&job);
    } else {
        status = EXIT_RUNTIME;
    }
    free(keys);
    free(cmdline);
done:
    grid_free(&g);
    cli_run_opts_free(&o);
    return status;
}
