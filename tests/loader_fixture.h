/*
 * loader_fixture: load a scenario from text and print one back, for the tests of the
 * loader's keys (test_contract_terms, test_options, test_owned_cash). Include after
 * cmocka (model_fixture.h): failures are cmocka assertions.
 */
#ifndef CAPSIM_LOADER_FIXTURE_H
#define CAPSIM_LOADER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim/scenario/loader.h"
#include "sim/scenario/scenario_print.h"

/* A scenario (NULL when it did not load) and every error the loader wrote. */
typedef struct {
    scenario *sc;
    char *errs;
} loaded;

static loaded load(const char *yaml, const char *const *sets, size_t nsets)
{
    loaded r = { NULL, NULL };
    size_t len = 0;
    int n = 0;
    FILE *f = open_memstream(&r.errs, &len);
    assert_non_null(f);
    r.sc = loader_load_text(yaml, strlen(yaml), "t.yaml", sets, nsets, f, &n);
    fclose(f);
    return r;
}

/* Not inlined: inlined into assert_reprints_to_itself, gcc's -Wdangling-pointer takes the
 * memstream's hold on the local buf for a use after return (a false positive). */
__attribute__((noinline)) static char *print_to_string(const scenario *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print(f, sc);
    fclose(f);
    return buf;
}

/* The printed scenario a loads back to a scenario that prints the same text (from its
 * second line on: the first names the file). Frees a. */
static void assert_reprints_to_itself(char *a)
{
    loaded again = load(a, NULL, 0);
    if (!again.sc) fail_msg("reload failed:\n%s", again.errs);
    char *b = print_to_string(again.sc);
    assert_string_equal(strchr(a, '\n'), strchr(b, '\n'));
    free(a);
    free(b);
    scenario_free(again.sc);
    free(again.errs);
}

#endif
