/*
 * fuzz_scenario: libFuzzer target over the scenario loader and a short model run
 * (`make fuzz`; tests/fuzz/README.md).
 *
 * The input is a scenario text. Lines of the form "#set key.path=value" (YAML comments,
 * so the text stays a scenario) are also passed as --set arguments, in order (at most
 * FUZZ_MAX_SETS). What is done with it:
 *   1. loader_load_text(): errors go to /dev/null; a scenario or an error count, never a
 *      crash, a leak or undefined behaviour (ASan, UBSan, LeakSanitizer). A text has no
 *      folder, so `extends` in it is an error and the target never reads a file (merge
 *      keys `<<` and the rest of composition are exercised; `extends` itself is tested
 *      by tests/test_extends.c).
 *   2. When it loads: scenario_print() (what `capsim check` prints), and that text loaded
 *      again must give a scenario that prints the same (the round trip that
 *      tests/cli_bad_scenarios.sh checks on the default scenario), when every name is
 *      a plain name (letters, digits, -, _, .; not starting with . or -): other names are
 *      printed unquoted and are the name rule's business, not this oracle's.
 *   3. The model on FUZZ_PATHS paths of the scenario, the horizon capped at
 *      FUZZ_MAX_MONTHS (the same scenario as `--set scenario.months=N` would give:
 *      nothing in the loader depends on the horizon): the sampler (random, lhs, sobol or
 *      saltelli's A matrix, the copula), then model_run_path() for each path, antithetic
 *      pairs mirrored as the engine does. Every output must be a number (no NaN): the
 *      outputs are sums, products and minima of validated finite inputs.
 * Caps that keep slow inputs from dominating: the months (FUZZ_MAX_MONTHS), the paths
 * (FUZZ_PATHS), and the model is skipped when a path's work (months x (tranches +
 * segments x chips + clouds)) exceeds FUZZ_MAX_WORK or the scenario has more than
 * FUZZ_MAX_UNCERTAIN uncertain values. The loader always runs in full.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "models/model.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/sample.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_print.h"

#define FUZZ_MAX_SETS 8
#define FUZZ_MAX_MONTHS 36
#define FUZZ_PATHS 4
#define FUZZ_MAX_WORK 200000
#define FUZZ_MAX_UNCERTAIN 4096

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    if (!devnull) abort();
    omp_set_num_threads(1);   /* one worker: the sampler's parallel loops run inline */
    return 0;
}

/* The name rule of issue 13: letters, digits, '-', '_', '.'; not empty, no leading '.'
 * (nor '-', which YAML would read as a sequence entry). */
static int plain_name(const char *s)
{
    if (!s || !*s || *s == '.' || *s == '-' || strlen(s) > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int plain_names(const scenario *sc)
{
    for (size_t i = 0; i < sc->nchips; i++)
        if (!plain_name(sc->chips[i].name)) return 0;
    for (size_t i = 0; i < sc->nclouds; i++)
        if (!plain_name(sc->clouds[i].name)) return 0;
    for (size_t i = 0; i < sc->nsegments; i++)
        if (!plain_name(sc->segments[i].name)) return 0;
    for (size_t i = 0; i < sc->ncontracts; i++)
        if (!plain_name(sc->contracts[i].name)) return 0;
    return 1;
}

/* scenario_print() into a malloc'ed string, without its first line (the source name). */
static char *print_body(const scenario *sc, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) abort();
    scenario_print(f, sc);
    if (fclose(f) != 0) abort();
    char *nl = memchr(buf, '\n', n);
    size_t skip = nl ? (size_t)(nl + 1 - buf) : n;
    memmove(buf, buf + skip, n - skip + 1);
    *len = n - skip;
    return buf;
}

static void round_trip(const scenario *sc)
{
    if (!plain_names(sc)) return;
    size_t n1, n2;
    char *a = print_body(sc, &n1);
    int nerr = 0;
    scenario *again = loader_load_text(a, n1, "fuzz-printed", NULL, 0, devnull, &nerr);
    if (!again) {
        fprintf(stderr, "fuzz_scenario: the printed scenario does not load (%d errors):\n%s\n", nerr, a);
        loader_load_text(a, n1, "fuzz-printed", NULL, 0, stderr, &nerr);
        abort();
    }
    char *b = print_body(again, &n2);
    if (n1 != n2 || memcmp(a, b, n1) != 0) {
        fprintf(stderr, "fuzz_scenario: the printed scenario reloads to another:\n%s\n---\n%s\n", a, b);
        abort();
    }
    free(a);
    free(b);
    scenario_free(again);
}

static void run_model(scenario *sc)
{
    if (sc->months > FUZZ_MAX_MONTHS) sc->months = FUZZ_MAX_MONTHS;
    size_t tranches = 0;
    for (size_t i = 0; i < sc->ncontracts; i++) tranches += sc->contracts[i].ntranches;
    double work = (double)sc->months *
                  ((double)tranches + (double)sc->nsegments * (double)(sc->nchips + 1) + (double)sc->nclouds +
                   (double)sc->ncontracts);
    if (work > FUZZ_MAX_WORK || sc->nuncertain > FUZZ_MAX_UNCERTAIN) return;

    char msg[1024];
    sampler *smp = sampler_alloc(sc, FUZZ_PATHS, msg, sizeof msg);
    if (!smp) return;   /* a correlation matrix that is not positive definite */
    model_layout L;
    model_layout_init(&L, sc);
    size_t nu = sc->nuncertain;
    double *values = malloc((nu ? nu : 1) * FUZZ_PATHS * sizeof *values);
    double *row = malloc((L.row_len ? L.row_len : 1) * sizeof *row);
    model_ws *ws = model_ws_alloc(sc, NULL);
    if (!values || !row || !ws) abort();
    sampler_fill(smp, 0, FUZZ_PATHS, values, NULL);
    for (uint64_t p = 0; p < FUZZ_PATHS; p++) {
        path_draws d = { sc->seed, p, 0 };
        if (sc->antithetic && (p & 1)) {
            d.path = p - 1;
            d.mirror = 1;
        }
        model_run_path(sc, &L, values + p * nu, d, ws, row);
        for (size_t k = 0; k < L.row_len; k++)
            if (isnan(row[k])) {
                fprintf(stderr, "fuzz_scenario: path %llu: output %zu of %zu is NaN\n",
                        (unsigned long long)p, k, L.row_len);
                abort();
            }
    }
    model_ws_free(ws);
    free(row);
    free(values);
    sampler_free(smp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A NUL-terminated copy, so that the #set lines can be cut out of it in place. */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *copy = malloc(size + 1);
    if (!copy) abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *sets[FUZZ_MAX_SETS];
    size_t nsets = 0;
    for (char *line = copy; line && nsets < FUZZ_MAX_SETS;) {
        char *nl = memchr(line, '\n', size - (size_t)(line - copy));
        if (nl) *nl = '\0';
        if (strncmp(line, "#set ", 5) == 0) sets[nsets++] = line + 5;
        line = nl ? nl + 1 : NULL;
    }

    int nerr = 0;
    scenario *sc = loader_load_text(text, size, "fuzz", sets, nsets, devnull, &nerr);
    if (sc) {
        scenario_print(devnull, sc);
        round_trip(sc);
        run_model(sc);
        scenario_free(sc);
    }
    free(copy);
    free(text);
    return 0;
}
