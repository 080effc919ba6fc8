/*
 * test_extends: scenario composition (sim/scenario/compose.c through the loader):
 * `extends` with its deep merge (mappings key by key, lists of named mappings by name,
 * other lists replaced, a distribution replaced whole), `remove`, chains, cycles, the
 * depth cap, errors that point into the file that wrote the value, YAML merge keys
 * (`<<`) with their precedence, texts that may not extend, the resolved text stored
 * with the results (it reloads to the same scenario), and the YAML emitter's round trip
 * over every shipped scenario.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario/compose.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/scenario_print.h"
#include "sim/scenario/yamldoc.h"

/* ---- helpers ---- */

#define UDIST(sc, p) ((p).idx >= 0 ? (sc)->uncertain[(p).idx].dist : (dist_spec){ 0 })

static char dir[256];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/capsim-ext.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d) closedir(d);
    rmdir(dir);
    return 0;
}

/* Write dir/name; returns the path in a static buffer of 4 rotating slots. */
static const char *put(const char *name, const char *text)
{
    static char paths[4][512];
    static int k;
    char *p = paths[k++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

typedef struct {
    scenario *sc;
    char *errs;
    int n;
} result;

static result load_path(const char *path)
{
    result r = { NULL, NULL, -1 };
    size_t len = 0;
    FILE *f = open_memstream(&r.errs, &len);
    assert_non_null(f);
    r.sc = loader_load_file(path, NULL, 0, f, &r.n);
    fclose(f);
    if (getenv("SHOW")) fprintf(stderr, "%s", r.errs);
    return r;
}

static result load_text(const char *text)
{
    result r = { NULL, NULL, -1 };
    size_t len = 0;
    FILE *f = open_memstream(&r.errs, &len);
    assert_non_null(f);
    r.sc = loader_load_text(text, strlen(text), "t.yaml", NULL, 0, f, &r.n);
    fclose(f);
    return r;
}

static void done(result *r)
{
    scenario_free(r->sc);
    free(r->errs);
}

/* The errors of loading dir/name, with dir's prefix taken out of every line. */
static char *errors_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    result r = load_path(path);
    if (r.sc) fail_msg("%s loaded without error", name);
    assert_true(r.n > 0);
    size_t dl = strlen(dir) + 1;
    char *out = malloc(strlen(r.errs) + 1), *o = out;
    for (const char *s = r.errs; *s;) {
        if (strncmp(s, dir, dl - 1) == 0 && s[dl - 1] == '/') s += dl;
        else *o++ = *s++;
    }
    *o = '\0';
    done(&r);
    return out;
}

static void expect_errors(const char *name, const char *want)
{
    char *got = errors_of(name);
    assert_string_equal(got, want);
    free(got);
}

static char *printed(const scenario *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_print(f, sc);
    fclose(f);
    char *nl = strchr(buf, '\n');   /* the first line names the file */
    memmove(buf, nl + 1, strlen(nl + 1) + 1);
    return buf;
}

/* A complete scenario: two chips, two segments, two contracts. */
static const char BASE[] =
    "scenario: { name: base, start: 2025-11, months: 24 }\n"
    "simulation: { paths: 100, seed: 7 }\n"
    "chips:\n"
    "  gb200: { h100e: 2.5, kw: 2.1, life_months: 72 }\n"
    "  h100: { h100e: 1.0, kw: 1.0, life_months: 60 }\n"
    "clouds:\n"
    "  aws: { power_mw: { start: 200, add_per_month: 60 } }\n"
    "demand:\n"
    "  - name: inference\n"
    "    start_h100e: 500000\n"
    "    growth: { dist: lognormal, median: 2.0, sigma: 0.3 }\n"
    "    usd_per_h100e_hour: 3.0\n"
    "    chips: { gb200: 1.0, h100: 0.5 }\n"
    "  - name: training\n"
    "    start_h100e: 100000\n"
    "    growth: 1.5\n"
    "    chips: { gb200: 1.0 }\n"
    "contracts:\n"
    "  - name: aws-2025\n"
    "    cloud: aws\n"
    "    from: 2025-11\n"
    "    to: 2027-10\n"
    "    billing: reserved\n"
    "    price: { gb200: 3.2 }\n"
    "    capacity:\n"
    "      - { chip: gb200, count: 200000, online: 2026-06, ramp_months: 6 }\n"
    "      - { chip: gb200, count: 50000, online: 2026-09 }\n"
    "  - name: aws-2026\n"
    "    cloud: aws\n"
    "    from: 2026-01\n"
    "    to: 2027-10\n"
    "    billing: reserved\n"
    "    price: { gb200: 3.0 }\n"
    "    capacity:\n"
    "      - { chip: gb200, count: 100000, online: 2026-06 }\n";

/* ---- the merge rules ---- */

static void test_mapping_merge(void **state)
{
    (void)state;
    put("base.yaml", BASE);
    result r = load_path(put("o.yaml", "extends: base.yaml\n"
                             "simulation: { seed: 9 }\n"
                             "chips: { h100: { kw: 0.7 } }\n"));
    assert_non_null(r.sc);
    assert_int_equal(r.sc->seed, 9);
    assert_int_equal(r.sc->paths, 100);              /* the base's, kept */
    assert_int_equal(r.sc->nchips, 2);
    assert_string_equal(r.sc->chips[1].name, "h100");
    assert_true(r.sc->chips[1].kw.value == 0.7);
    assert_true(r.sc->chips[1].h100e.value == 1.0);  /* the sibling key, kept */
    assert_string_equal(r.sc->name, "base");
    assert_string_equal(r.sc->source_path + strlen(dir) + 1, "o.yaml");
    done(&r);
}

static void test_named_list_merge_and_append(void **state)
{
    (void)state;
    put("base.yaml", BASE);
    result r = load_path(put("o.yaml", "extends: base.yaml\n"
                             "demand:\n"
                             "  - name: research\n"
                             "    start_h100e: 1000\n"
                             "    growth: 1.1\n"
                             "    chips: { h100: 1.0 }\n"
                             "  - name: inference\n"
                             "    start_h100e: 600000\n"
                             "  - name: agents\n"
                             "    start_h100e: 10\n"
                             "    growth: 3\n"
                             "    chips: { gb200: 1.0 }\n"));
    assert_non_null(r.sc);
    assert_int_equal(r.sc->nsegments, 4);
    /* base order, then the new names in the overlay's order */
    assert_string_equal(r.sc->segments[0].name, "inference");
    assert_string_equal(r.sc->segments[1].name, "training");
    assert_string_equal(r.sc->segments[2].name, "research");
    assert_string_equal(r.sc->segments[3].name, "agents");
    assert_true(r.sc->segments[0].start_h100e.value == 600000);
    assert_true(r.sc->segments[0].usd_per_h100e_hour.value == 3.0);   /* merged, not replaced */
    assert_true(r.sc->segments[0].eligible[1]);
    done(&r);
}

static void test_list_replaced_and_dist_replaced(void **state)
{
    (void)state;
    put("base.yaml", BASE);
    result r = load_path(put("o.yaml", "extends: base.yaml\n"
                             "demand:\n"
                             "  - name: inference\n"
                             "    growth: { dist: normal, mean: 2, sd: 0.1, min: 0.5 }\n"
                             "  - name: training\n"
                             "    growth: { dist: lognormal, median: 1.2, sigma: 0.2 }\n"
                             "contracts:\n"
                             "  - name: aws-2025\n"
                             "    capacity:\n"
                             "      - { chip: gb200, count: 7, online: 2026-01 }\n"));
    assert_non_null(r.sc);
    const contract_spec *c = &r.sc->contracts[0];
    assert_int_equal(c->ntranches, 1);   /* an unnamed list: replaced whole */
    assert_true(c->tranches[0].count.value == 7);
    /* a mapping with dist replaces whole: no median or sigma left over */
    assert_int_equal(UDIST(r.sc, r.sc->segments[0].growth).family, DIST_NORMAL);
    assert_true(UDIST(r.sc, r.sc->segments[1].growth).family == DIST_LOGNORMAL);
    done(&r);
    /* without dist, a mapping merges into the distribution */
    r = load_path(put("o2.yaml", "extends: base.yaml\n"
                      "demand: [{ name: inference, growth: { median: 2.5 } }]\n"));
    assert_non_null(r.sc);
    assert_int_equal(UDIST(r.sc, r.sc->segments[0].growth).family, DIST_LOGNORMAL);
    assert_true(UDIST(r.sc, r.sc->segments[0].growth).p[0] == 2.5);
    assert_true(UDIST(r.sc, r.sc->segments[0].growth).p[1] == 0.3);
    done(&r);
}

static void test_remove(void **state)
{
    (void)state;
    put("base.yaml", BASE);
    result r = load_path(put("o.yaml", "extends: base.yaml\n"
                             "remove: [contracts.aws-2026, chips.h100, demand.inference.chips.h100,\n"
                             "         contracts.aws-2025.capacity.1]\n"));
    assert_non_null(r.sc);
    assert_int_equal(r.sc->ncontracts, 1);
    assert_string_equal(r.sc->contracts[0].name, "aws-2025");
    assert_int_equal(r.sc->contracts[0].ntranches, 1);
    assert_int_equal(r.sc->nchips, 1);
    done(&r);
    /* remove then write again: the entry is the overlay's alone */
    r = load_path(put("o2.yaml", "extends: base.yaml\n"
                      "remove: [contracts.aws-2025]\n"
                      "contracts:\n"
                      "  - { name: aws-2025, cloud: aws, from: 2026-01, to: 2026-12, billing: usage,\n"
                      "      price: { gb200: 1 }, capacity: [] }\n"));
    assert_non_null(r.sc);
    assert_int_equal(r.sc->ncontracts, 2);
    assert_string_equal(r.sc->contracts[0].name, "aws-2026");
    assert_string_equal(r.sc->contracts[1].name, "aws-2025");
    assert_int_equal(r.sc->contracts[1].ntranches, 0);
    done(&r);
    put("o3.yaml", "extends: base.yaml\n"
        "remove: [contracts.aws-2027, chips.gb200.kw.x, nothing]\n");
    expect_errors("o3.yaml",
        "o3.yaml:2:10: remove.0: 'contracts.aws-2027' names nothing inherited (no 'aws-2027' "
        "under contracts: did you mean 'aws-2025'?)\n"
        "o3.yaml:2:30: remove.1: 'chips.gb200.kw.x' names nothing inherited (chips.gb200.kw "
        "is a value, with nothing below it)\n"
        "o3.yaml:2:48: remove.2: 'nothing' names nothing inherited (no 'nothing' at the top: "
        "expected one of scenario, simulation, chips, clouds, demand, contracts)\n");
    put("o4.yaml", "remove: [chips]\n");
    expect_errors("o4.yaml", "o4.yaml:1:1: remove: nothing is inherited here (expected remove "
                  "only with extends: BASE.yaml)\n");
}

static void test_chain(void **state)
{
    (void)state;
    put("c.yaml", BASE);
    put("b.yaml", "extends: c.yaml\nsimulation: { seed: 2, paths: 50 }\n");
    result r = load_path(put("a.yaml", "extends: b.yaml\nsimulation: { seed: 3 }\n"));
    assert_non_null(r.sc);
    assert_int_equal(r.sc->seed, 3);
    assert_int_equal(r.sc->paths, 50);
    assert_int_equal(r.sc->months, 24);
    /* the stored text names the chain and reloads, as text, to the same scenario */
    assert_non_null(strstr(r.sc->text, "a.yaml extends "));
    assert_non_null(strstr(r.sc->text, "/b.yaml extends "));
    assert_null(strstr(r.sc->text, "extends:"));
    result again = load_text(r.sc->text);
    assert_non_null(again.sc);
    char *p1 = printed(r.sc), *p2 = printed(again.sc);
    assert_string_equal(p1, p2);
    free(p1);
    free(p2);
    done(&again);
    done(&r);
}

static void test_cycle_and_depth(void **state)
{
    (void)state;
    put("x.yaml", "extends: y.yaml\n");
    put("y.yaml", "simulation: { seed: 1 }\nextends: x.yaml\n");
    char *got = errors_of("x.yaml");
    /* the names carry the folder: check the shape without it */
    assert_non_null(strstr(got, "y.yaml:2:10: extends: 'x.yaml' closes a cycle: "));
    assert_non_null(strstr(got, "x.yaml -> "));
    assert_non_null(strstr(got, "(expected a chain of files that ends)\n"));
    free(got);
    put("self.yaml", "extends: self.yaml\n");
    got = errors_of("self.yaml");
    assert_non_null(strstr(got, "self.yaml:1:10: extends: 'self.yaml' closes a cycle: "));
    free(got);
    /* 17 files, each extending the next: 16 levels are fine, 17 are not */
    char name[32], text[64];
    put("d17.yaml", BASE);
    for (int i = 16; i >= 1; i--) {
        snprintf(name, sizeof name, "d%d.yaml", i);
        snprintf(text, sizeof text, "extends: d%d.yaml\n", i + 1);
        put(name, text);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/d1.yaml", dir);
    result r = load_path(path);
    assert_non_null(r.sc);
    done(&r);
    put("d0.yaml", "extends: d1.yaml\n");
    got = errors_of("d0.yaml");
    assert_non_null(strstr(got, "d16.yaml:1:10: extends: 'd17.yaml': more than 16 levels of "
                            "extends (expected at most 16 files each extending the next)\n"));
    free(got);
}

static void test_missing_and_bad_base(void **state)
{
    (void)state;
    put("m.yaml", "# a comment\nextends: no-such.yaml\n");
    char *got = errors_of("m.yaml");
    assert_non_null(strstr(got, "m.yaml:2:10: extends: cannot read '"));
    assert_non_null(strstr(got, "no-such.yaml': No such file or directory (expected a scenario "
                            "file, relative to the folder of the file that extends it)\n"));
    free(got);
    put("n.yaml", "extends: [a.yaml]\n");
    expect_errors("n.yaml", "n.yaml:1:10: extends: found a list (expected the name of the "
                  "scenario file to extend, such as base.yaml)\n");
    /* a value in the base, found bad after the merge, points into the base */
    char bad[sizeof BASE + 16];
    snprintf(bad, sizeof bad, "%s", BASE);
    char *p = strstr(bad, "price: { gb200: 3.0 }");
    memcpy(p, "price: { gb200: -3. }", 21);
    put("badbase.yaml", bad);
    put("o.yaml", "extends: badbase.yaml\nsimulation: { seed: 1 }\n"
        "demand: [{ name: training, priority: 1.5 }]\n");
    expect_errors("o.yaml",
        "o.yaml:3:38: demand.training.priority: 1.5 is not a whole number (expected a whole "
        "number; lower is served first)\n"
        "badbase.yaml:33:21: contracts.aws-2026.price.gb200: -3. is out of range (expected a "
        "number >= 0)\n");
    /* invalid YAML in the base: its own position */
    put("broken.yaml", "chips: [\n");
    put("o2.yaml", "extends: broken.yaml\n");
    got = errors_of("o2.yaml");
    assert_non_null(strstr(got, "broken.yaml:2:1: invalid YAML: "));
    free(got);
    /* a base that is not a mapping */
    put("list.yaml", "- 1\n");
    put("o3.yaml", "extends: list.yaml\n");
    got = errors_of("o3.yaml");
    assert_non_null(strstr(got, "list.yaml:1:1: found a list (expected a mapping: a scenario, "
                            "or part of one, for "));
    free(got);
}

static void test_duplicates_in_overlay_still_reported(void **state)
{
    (void)state;
    put("base.yaml", BASE);
    put("o.yaml", "extends: base.yaml\n"
        "simulation: { seed: 1, seed: 2 }\n"
        "demand:\n"
        "  - { name: training, growth: 2 }\n"
        "  - { name: training, growth: 3 }\n");
    char *got = errors_of("o.yaml");
    assert_non_null(strstr(got, "o.yaml:2:24: simulation: duplicate key 'seed'"));
    assert_non_null(strstr(got, "o.yaml:5:13: demand.2: duplicate segment name 'training' "
                            "(expected unique names; first used at line 4)"));
    free(got);
}

/* ---- merge keys ---- */

static void test_merge_keys(void **state)
{
    (void)state;
    static const char text[] =
        "scenario: { name: m, start: 2025-01, months: 12 }\n"
        "chips:\n"
        "  a: &std { h100e: 1.0, kw: 1.0, life_months: 60 }\n"
        "  b: { <<: *std, kw: 2.0 }\n"                          /* explicit wins */
        "  c: { kw: 3.0, <<: [*std, { h100e: 9, life_months: 9 }] }\n"   /* earlier map wins */
        "  d:\n"
        "    <<: [{ h100e: 4 }, *std]\n"
        "demand: []\n";
    result r = load_text(text);
    if (!r.sc) fail_msg("%s", r.errs);
    assert_int_equal(r.sc->nchips, 4);
    assert_true(r.sc->chips[1].kw.value == 2.0 && r.sc->chips[1].h100e.value == 1.0);
    assert_true(r.sc->chips[2].kw.value == 3.0 && r.sc->chips[2].h100e.value == 1.0 &&
                r.sc->chips[2].life_months.value == 60);
    assert_true(r.sc->chips[3].h100e.value == 4.0 && r.sc->chips[3].kw.value == 1.0);
    done(&r);
    result bad = load_text("scenario: { name: m, start: 2025-01, months: 12 }\n"
                           "chips: { a: { <<: 3 }, b: { <<: [{ kw: 1 }, x] } }\n");
    assert_null(bad.sc);
    assert_string_equal(bad.errs,
        "t.yaml:2:19: chips.a.<<: found a scalar (expected a mapping to merge, or a list of "
        "them: <<: *anchor or <<: [*a, *b])\n"
        "t.yaml:2:33: chips.b.<<: found a list with an item that is not a mapping (expected a "
        "mapping to merge, or a list of them: <<: *anchor or <<: [*a, *b])\n");
    done(&bad);
    /* a quoted "<<" is an ordinary key */
    bad = load_text("scenario: { name: m, start: 2025-01, months: 12, \"<<\": {} }\n");
    assert_null(bad.sc);
    assert_non_null(strstr(bad.errs, "unknown key '<<'"));
    done(&bad);
}

/* ---- texts ---- */

static void test_text_refuses_extends(void **state)
{
    (void)state;
    result r = load_text("extends: base.yaml\n");
    assert_null(r.sc);
    assert_string_equal(r.errs, "t.yaml:1:10: extends: 'base.yaml': a scenario given as text "
                        "cannot extend a file (expected extends only in a scenario file: its "
                        "folder is where base files are read)\n");
    done(&r);
    /* with a folder (standard input: the current directory) it reads the file */
    put("base.yaml", BASE);
    char text[600];
    snprintf(text, sizeof text, "extends: %s/base.yaml\n", dir);
    loader_opts o = { .dir = "" };
    scenario *sc = loader_load_text_opts(text, strlen(text), "<stdin>", NULL, 0, &o, NULL, NULL);
    assert_non_null(sc);
    scenario_free(sc);
}

/* The emitter writes every shipped scenario so that it parses back to the same tree. */
static void test_emit_round_trip(void **state)
{
    (void)state;
    DIR *d = opendir("scenarios");
    if (!d) skip();
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".yaml") != 0) continue;
        char path[512];
        snprintf(path, sizeof path, "scenarios/%s", e->d_name);
        size_t len;
        char *text = compose_read_file(path, &len);
        assert_non_null(text);
        yamldoc_error err;
        yamldoc_node *a = yamldoc_parse(text, len, path, 0, 0, &err);
        assert_non_null(a);
        char *out = NULL;
        size_t olen = 0;
        FILE *f = open_memstream(&out, &olen);
        yamldoc_emit(f, a, NULL);
        fclose(f);
        yamldoc_node *b = yamldoc_parse(out, olen, "emitted", 0, 0, &err);
        if (!b || !yamldoc_equal(a, b)) fail_msg("%s does not round-trip:\n%s", path, out);
        yamldoc_free(a);
        yamldoc_free(b);
        free(out);
        free(text);
        count++;
    }
    closedir(d);
    assert_true(count >= 8);
    /* scalars that need quotes, and the ones that must stay plain */
    static const char tricky[] =
        "a: \"x: y\"\nb: '#no'\nc: \"two\\nlines\"\nd: ''\ne: ~\nf:\ng: \"*\"\nh: -0.5\n"
        "i: [\"a,b\", c, \"\"]\nj: { \"k k\": 1 }\nk: [[1, 2], { a: 1 }, []]\nl: \"- x\"\n"
        "m: 'it''s'\nn: \"tab\\there\"\no: \"\\\\\"\n";
    yamldoc_error err;
    yamldoc_node *a = yamldoc_parse(tricky, strlen(tricky), "t", 0, 0, &err);
    assert_non_null(a);
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    yamldoc_emit(f, a, NULL);
    fclose(f);
    yamldoc_node *b = yamldoc_parse(out, olen, "emitted", 0, 0, &err);
    if (!b || !yamldoc_equal(a, b)) fail_msg("tricky scalars do not round-trip:\n%s", out);
    yamldoc_free(a);
    yamldoc_free(b);
    free(out);
}

/* The node limit holds over all the files of a chain: each fits alone, not together. */
static void test_node_budget_shared(void **state)
{
    (void)state;
    size_t n = 600000;
    char *big = malloc(3 * n + 64);
    assert_non_null(big);
    char *p = big + sprintf(big, "x: [");
    for (size_t i = 0; i < n; i++) p += sprintf(p, i ? ",0" : "0");
    strcpy(p, "]\n");
    put("big.yaml", big);
    memcpy(big, "extends: big.yaml\ny: [", 22);   /* about as many again, after extends */
    assert_int_equal(big[22], '0');
    put("big2.yaml", big);
    free(big);
    char *got = errors_of("big2.yaml");
    assert_non_null(strstr(got, "big.yaml:1:"));
    assert_non_null(strstr(got, ": too many nodes in a file and the files it extends (limit "
                            "1000000 in all)\n"));
    free(got);
}

static void test_origins(void **state)
{
    (void)state;
    put("base.yaml", BASE);
    const char *o = put("o.yaml", "extends: base.yaml\nsimulation: { seed: 9 }\n");
    char *origins = NULL;
    loader_opts opts = { .origins = &origins };
    const char *sets[] = { "simulation.paths=5" };
    scenario *sc = loader_load_file_opts(o, sets, 1, &opts, NULL, NULL);
    assert_non_null(sc);
    assert_non_null(origins);
    assert_non_null(strstr(origins, "  paths: 5   # from --set:1\n  seed: 9\n"));
    assert_non_null(strstr(origins, "base.yaml:4\n"));
    free(origins);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping_merge),
        cmocka_unit_test(test_named_list_merge_and_append),
        cmocka_unit_test(test_list_replaced_and_dist_replaced),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_cycle_and_depth),
        cmocka_unit_test(test_missing_and_bad_base),
        cmocka_unit_test(test_duplicates_in_overlay_still_reported),
        cmocka_unit_test(test_merge_keys),
        cmocka_unit_test(test_text_refuses_extends),
        cmocka_unit_test(test_emit_round_trip),
        cmocka_unit_test(test_node_budget_shared),
        cmocka_unit_test(test_origins),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
