/*
 * loader_fixture: load a scenario from text and print one back, for the tests of the
 * loader's keys (test_contract_terms, test_options, test_owned_cash). Include after
 * cmocka (model_fixture.h): failures are cmocka assertions.
 */
#ifndef CAPSIM_LOADER_FIXTURE_H
#define CAPSIM_LOADER_FIXTURE_H

#include <stdio.h>
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

static char *print_to_string(const scenario *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print(f, sc);
    fclose(f);
    return buf;
}

#endif
