/*
 * cmd_sweep: `capsim sweep SCENARIO.yaml --vary key.path=v1,v2,... [--vary ...]`: the grid
 * of variants (the cartesian product of the --vary lists, the first --vary varying
 * slowest) on common random numbers, in one file whose `variant` coordinate carries the
 * varied values. A list may be written start:stop:count (count evenly spaced values,
 * both ends included), or as values of any kind --set takes (words, months, inline
 * distributions, split at commas outside {...}, [...] and quotes); only axes whose
 * values are all numbers become float coordinates. Variant 0 (the first grid point) is the baseline of the paired
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
    "A list is v1,v2,... or start:stop:count (count numbers from start to stop). A value is\n"
    "what --set takes: a number, a word (billing=reserved,usage), a month\n"
    "(exclusive.until=2026-04,2026-05) or a distribution written whole, commas and all\n"
    "('growth={dist: lognormal, median: 2, sigma: 0.2},{dist: lognormal, median: 2, sigma: 0.4}').\n"
    "Each variant is labelled key=value;key=value with the values as written; the numeric\n"
    "axes are also coordinates of the file. A value the scenario refuses is reported as\n"
    "--set:K:COL: key.path: what is wrong, K the axis.\n"
    "\n"
    "  --vary key.path=LIST    one axis of the grid (repeat for more; the first varies slowest)\n"
    CLI_RUN_OPTIONS_HELP;

typedef struct {
    char *key;
    char **tokens;           /* the values as written (YAML: a number, a word, a month, a
                              * flow mapping such as {dist: normal, mean: 1, sd: 0.1}) */
    double *values;          /* numeric: each token's number */
    size_t n;
    int numeric;             /* every token a number: the axis is a coordinate of the file */
} vary_axis;

#define VARY_FORM "expected key.path=v1,v2,... or key.path=start:stop:count"

/* The next value of a list at *p: up to a comma outside {...}, [...] and quotes, blanks
 * around it trimmed. NULL with why on an empty value or unbalanced brackets. */
static char *next_token(const char **p, char *why, size_t len)
{
    const char *s = *p, *c = s;
    int depth = 0;
    char quote = 0;
    for (; *c && (quote || depth || *c != ','); c++) {
        if (quote) {
            if (*c == quote) quote = 0;
        } else if (*c == '"' || *c == '\'') {
            quote = *c;
        } else if (*c == '{' || *c == '[') {
            depth++;
        } else if (*c == '}' || *c == ']') {
            if (--depth < 0) break;
        }
    }
    if (quote || depth) {
        snprintf(why, len, "'%s': %s (expected values separated by commas; a distribution "
                 "written whole, such as {dist: normal, mean: 1, sd: 0.1})", s,
                 quote ? "an unclosed quote" : depth > 0 ? "an unclosed { or [" : "a } or ] without its opening");
        return NULL;
    }
    const char *a = s, *b = c;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
    if (a == b) {
        snprintf(why, len, "an empty value in the list (%s)", VARY_FORM);
        return NULL;
    }
    *p = *c ? c + 1 : c;
    return strndup(a, (size_t)(b - a));
}

static int add_token(vary_axis *ax, char *tok)
{
    char **t = realloc(ax->tokens, (ax->n + 1) * sizeof *t);
    double *v = t ? realloc(ax->values, (ax->n + 1) * sizeof *v) : NULL;
    if (t) ax->tokens = t;
    if (v) ax->values = v;
    if (!t || !v || !tok) {
        free(tok);
        return -1;
    }
    double x;
    if (cli_parse_double(tok, &x) == 0) v[ax->n] = x;
    else ax->numeric = 0, v[ax->n] = 0;
    t[ax->n++] = tok;
    return 0;
}

/* Parse "key=v1,v2" or "key=start:stop:count" into axis; -1 on a bad form, with why. */
static int parse_vary(const char *arg, vary_axis *ax, char *why, size_t len)
{
    const char *eq = strchr(arg, '=');
    snprintf(why, len, VARY_FORM);
    if (!eq || eq == arg || !eq[1]) return -1;
    ax->key = strndup(arg, (size_t)(eq - arg));
    ax->numeric = 1;
    const char *list = eq + 1;
    if (!ax->key) return -1;
    double a, b;
    int count;
    const char *c1 = strchr(list, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c1 && c2 && !strpbrk(list, ",{[")) {   /* start:stop:count, numbers only */
        char *s0 = strndup(list, (size_t)(c1 - list)), *s1 = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        int ok = 0;
        if (!s0 || !s1) snprintf(why, len, "out of memory");
        else if (cli_parse_double(s0, &a) != 0 || cli_parse_double(s1, &b) != 0)
            snprintf(why, len, "'%s' is not a number (start:stop:count takes numbers; list other values "
                     "as v1,v2,..., such as 2026-04,2026-05)", cli_parse_double(s0, &a) != 0 ? s0 : s1);
        else if (cli_parse_int(c2 + 1, 1, SWEEP_MAX_VARIANTS, &count) != 0)
            snprintf(why, len, "count '%s' of start:stop:count: expected a whole number from 1 to %d", c2 + 1,
                     SWEEP_MAX_VARIANTS);
        else
            ok = 1;
        free(s0);
        free(s1);
        for (int i = 0; ok && i < count; i++) {
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", count == 1 ? a : a + (b - a) * i / (count - 1));
            if (add_token(ax, strdup(buf)) != 0) ok = 0;
            else ax->values[ax->n - 1] = count == 1 ? a : a + (b - a) * i / (count - 1);
        }
        return ok ? 0 : -1;
    }
    while (*list) {
        char *tok = next_token(&list, why, len);
        if (!tok || add_token(ax, tok) != 0) return -1;
    }
    return ax->n > 0 ? 0 : -1;
}

typedef struct {
    vary_axis *axes;
    size_t naxes, nvariants;
    scenario **sc;
    char **names;
    size_t nnum;             /* the numeric axes: the file's coordinates along variant */
    double *values;          /* nvariants x nnum: the numeric axes' values */
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
        for (size_t i = 0; i < g->axes[a].n; i++) free(g->axes[a].tokens[i]);
        free(g->axes[a].tokens);
        free(g->axes[a].values);
    }
    free(g->axes); free(g->sc); free(g->names); free(g->values); free(g->sets); free(g->nsets);
}

/* The position of numeric axis a among the numeric axes. */
static size_t numeric_rank(const sweep_grid *g, size_t a)
{
    size_t k = 0;
    for (size_t b = 0; b < a; b++) k += g->axes[b].numeric != 0;
    return k;
}

/* Load every grid point: the user's --set list plus key=value for each axis. */
static int grid_load(sweep_grid *g, const char *path, const cli_run_opts *o)
{
    g->sc = calloc(g->nvariants, sizeof *g->sc);
    g->names = calloc(g->nvariants, sizeof *g->names);
    g->nnum = 0;
    for (size_t a = 0; a < g->naxes; a++) g->nnum += g->axes[a].numeric != 0;
    g->values = malloc(g->nvariants * (g->nnum ? g->nnum : 1) * sizeof *g->values);
    g->sets = calloc(g->nvariants, sizeof *g->sets);
    g->nsets = calloc(g->nvariants, sizeof *g->nsets);
    g->nsets_user = o->nsets;
    const char **sets = malloc((o->nsets + g->naxes) * sizeof *sets);
    char **own = calloc(g->naxes, sizeof *own);
    int status = (g->sc && g->names && g->values && g->sets && g->nsets && sets && own) ? 0 : -1;
    for (size_t v = 0; status == 0 && v < g->nvariants; v++) {
        size_t rest = v, namelen = 1, k = g->nnum;
        const char *tok[64];   /* this point's token per axis (naxes <= 64: checked by the caller) */
        for (size_t i = 0; i < o->nsets; i++) sets[i] = o->sets[i];
        for (size_t a = g->naxes; a-- > 0;) {     /* last axis varies fastest */
            const vary_axis *ax = &g->axes[a];
            size_t i = rest % ax->n;
            rest /= ax->n;
            tok[a] = ax->tokens[i];
            if (ax->numeric) g->values[v * g->nnum + --k] = ax->values[i];
            free(own[a]);
            size_t len = strlen(ax->key) + strlen(ax->tokens[i]) + 32;
            if (!(own[a] = malloc(len))) { status = -1; break; }
            /* numbers to 17 digits (what they were read as), other values as written */
            if (ax->numeric) snprintf(own[a], len, "%s=%.17g", ax->key, ax->values[i]);
            else snprintf(own[a], len, "%s=%s", ax->key, ax->tokens[i]);
            sets[o->nsets + a] = own[a];
            namelen += len + 1;
        }
        if (status != 0 || !(g->names[v] = malloc(namelen))) { status = -1; break; }
        g->names[v][0] = '\0';
        for (size_t a = 0, used = 0; a < g->naxes; a++) {   /* label: key=value;key=value */
            const vary_axis *ax = &g->axes[a];
            if (ax->numeric)
                used += (size_t)snprintf(g->names[v] + used, namelen - used, "%s%s=%g", a ? ";" : "", ax->key,
                                         g->values[v * g->nnum + numeric_rank(g, a)]);
            else
                used += (size_t)snprintf(g->names[v] + used, namelen - used, "%s%s=%s", a ? ";" : "", ax->key, tok[a]);
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
    if (g.naxes > 64) {
        cli_usage_error("sweep", "%zu --vary axes (expected at most 64)", g.naxes);
        goto done;
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
    const char **keys = malloc((g.naxes ? g.naxes : 1) * sizeof *keys);
    char *cmdline = cli_join_argv(argc + 1, argv - 1);
    if (keys) {
        for (size_t a = 0, k = 0; a < g.naxes; a++)
            if (g.axes[a].numeric) keys[k++] = g.axes[a].key;
        engine_job job = {
            .variants = (const scenario *const *)g.sc, .nvariants = g.nvariants,
            .variant_names = (const char *const *)g.names, .nvary = g.nnum,
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
