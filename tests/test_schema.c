/*
 * test_schema: the schema table (sim/scenario/schema_table.c) and the loader agree.
 *
 * The fields getters report every key path they are asked for (fields_set_recorder)
 * while tests/schema/every-key.yaml, which writes every key, and every shipped scenario
 * load (and the optimize blocks parse): each report must match a row of the table with
 * the same type, range, default and requiredness, and each row must be asked for. A
 * key added to the loader without its row, or a row the loader does not take, fails
 * here with the key path named. Also: schema_match on placeholders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/optimize/optspec.h"
#include "sim/scenario/fields.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/schema.h"

typedef struct {
    char *kp;
    fields_rec_kind kind;
    int required;
    double def;
    int has_rule;
    fields_rule rule;
    char enums[256];
} rec_copy;

typedef struct {
    rec_copy *r;
    size_t n, cap;
} recs;

static void record(const fields_record *r, void *ctx)
{
    recs *R = ctx;
    if (R->n == R->cap) {
        R->cap = R->cap ? 2 * R->cap : 256;
        R->r = realloc(R->r, R->cap * sizeof *R->r);
        assert_non_null(R->r);
    }
    rec_copy *c = &R->r[R->n++];
    memset(c, 0, sizeof *c);
    c->kp = strdup(r->kp);
    c->kind = r->kind;
    c->required = r->required;
    c->def = r->def;
    if (r->rule) {
        c->has_rule = 1;
        c->rule = *r->rule;
    }
    for (int i = 0; i < r->nnames; i++) {
        size_t used = strlen(c->enums);
        snprintf(c->enums + used, sizeof c->enums - used, "%s%s", i ? "|" : "", r->names[i]);
    }
}

static void load_recording(recs *R, const char *path)
{
    fields_set_recorder(record, R);
    int n = 0;
    scenario *sc = loader_load_file(path, NULL, 0, stderr, &n);
    if (!sc) fail_msg("%s did not load (%d errors)", path, n);
    optspec spec;
    diag_list *d = diag_alloc();
    int st = optspec_parse(sc, &spec, d);
    if (st < 0) {
        diag_print(d, stderr);
        fail_msg("%s: the optimize blocks did not parse", path);
    }
    diag_free(d);
    fields_set_recorder(NULL, NULL);
    scenario_free(sc);
}

/* One problem into the report. */
static char report[65536];
static int nproblems;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void problem(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    strcat(line, "\n");
    if (strstr(report, line)) return;   /* once per key path, not per scenario */
    if (strlen(report) + strlen(line) < sizeof report) strcat(report, line);
    nproblems++;
}

static int type_agrees(const rec_copy *c, const schema_entry *e)
{
    switch (c->kind) {
    case FIELDS_REC_ASKED: return 1;
    case FIELDS_REC_MAP: return e->type == SCHEMA_MAP;
    case FIELDS_REC_NAMED: return e->type == SCHEMA_NAMED;
    case FIELDS_REC_PARAM:
        if (c->rule.flags & FIELDS_INTEGER) return e->type == SCHEMA_INTEGER;
        if (c->rule.flags & FIELDS_CONST_ONLY) return e->type == SCHEMA_NUMBER;
        return e->type == SCHEMA_UNCERTAIN;
    case FIELDS_REC_FRESH: return e->type == SCHEMA_MONTHLY;
    case FIELDS_REC_STRING: return e->type == SCHEMA_STRING || e->type == SCHEMA_NAME;
    case FIELDS_REC_BOOL: return e->type == SCHEMA_BOOL;
    case FIELDS_REC_ENUM: return e->type == SCHEMA_ENUM;
    case FIELDS_REC_MONTH: return e->type == SCHEMA_MONTH;
    case FIELDS_REC_SEED: return e->type == SCHEMA_SEED;
    }
    return 0;
}

static void compare_one(const rec_copy *c, const schema_entry *e)
{
    if (!type_agrees(c, e)) {
        problem("%s: the loader asks for kind %d, the table says %s (%s)", c->kp, (int)c->kind,
                schema_type_name(e->type), e->path);
        return;
    }
    int cond = (e->flags & SCHEMA_CONDITIONAL) != 0;
    if (c->required >= 0 && !cond && c->required != ((e->flags & SCHEMA_REQUIRED) != 0))
        problem("%s: the loader has it %s, the table %s", c->kp, c->required ? "required" : "optional",
                e->flags & SCHEMA_REQUIRED ? "required" : "optional");
    if (c->kind == FIELDS_REC_ENUM && (!e->enums || strcmp(c->enums, e->enums) != 0))
        problem("%s: the loader's values are %s, the table's %s", c->kp, c->enums, e->enums ? e->enums : "none");
    if (c->has_rule) {
        const fields_rule *r = &c->rule;
        int lo_open = (e->flags & SCHEMA_LO_OPEN) != 0, hi_open = (e->flags & SCHEMA_HI_OPEN) != 0;
        int inf = (e->flags & SCHEMA_INF) != 0;
        if (!(e->flags & SCHEMA_RANGED) || r->lo != e->lo || r->hi != e->hi || r->lo_open != lo_open ||
            r->hi_open != hi_open || ((r->flags & FIELDS_ALLOW_INF) != 0) != inf)
            problem("%s: the loader's range is %s%g, %g%s%s, the table's %s%g, %g%s%s", c->kp,
                    r->lo_open ? "(" : "[", r->lo, r->hi, r->hi_open ? ")" : "]",
                    r->flags & FIELDS_ALLOW_INF ? " or .inf" : "", lo_open ? "(" : "[", e->lo, e->hi,
                    hi_open ? ")" : "]", inf ? " or .inf" : "");
    }
    /* A default the table writes as a number must be the loader's (prose ones, in
     * parentheses, depend on other keys). */
    double d;
    if ((c->kind == FIELDS_REC_PARAM || c->kind == FIELDS_REC_FRESH) && c->required == 0 &&
        e->def && fields_parse_number(e->def, &d, 1) == 0 && d != c->def)
        problem("%s: the loader's default is %g, the table's %s", c->kp, c->def, e->def);
    if ((c->kind == FIELDS_REC_PARAM || c->kind == FIELDS_REC_FRESH) && c->required == 0 &&
        !cond && e->def == NULL && isfinite(c->def))
        problem("%s: the loader has a default %g, the table none", c->kp, c->def);
}

static void check_records(const recs *R, size_t *hits)
{
    for (size_t i = 0; i < R->n; i++) {
        const rec_copy *c = &R->r[i];
        if (!c->kp[0]) continue;   /* the document itself */
        const schema_entry *e = schema_find(c->kp);
        if (!e) {
            problem("%s: the loader asks for it; the table has no row", c->kp);
            continue;
        }
        hits[e - schema_entries]++;
        compare_one(c, e);
    }
}

static void free_recs(recs *R)
{
    for (size_t i = 0; i < R->n; i++) free(R->r[i].kp);
    free(R->r);
}

static void test_table_matches_loader(void **state)
{
    (void)state;
    size_t *hits = calloc(schema_nentries, sizeof *hits);
    assert_non_null(hits);
    report[0] = '\0';
    nproblems = 0;
    recs R = { 0 };
    load_recording(&R, "tests/schema/every-key.yaml");
    DIR *dir = opendir("scenarios");
    assert_non_null(dir);
    struct dirent *de;
    int nfiles = 0;
    while ((de = readdir(dir))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0) continue;
        char path[512];
        snprintf(path, sizeof path, "scenarios/%s", de->d_name);
        load_recording(&R, path);
        nfiles++;
    }
    closedir(dir);
    assert_true(nfiles >= 10);
    assert_true(R.n > 500);
    check_records(&R, hits);
    /* A row is asked for when a row below it is (list elements are not fetched by key). */
    for (size_t i = 0; i < schema_nentries; i++)
        for (size_t j = 0; j < schema_nentries && !hits[i]; j++) {
            size_t n = strlen(schema_entries[i].path);
            if (hits[j] && strncmp(schema_entries[j].path, schema_entries[i].path, n) == 0 &&
                schema_entries[j].path[n] == '.')
                hits[i] = 1;
        }
    for (size_t i = 0; i < schema_nentries; i++)
        if (!hits[i] && !(schema_entries[i].flags & SCHEMA_COMPOSED))
            problem("%s: a row of the table that the loader never asked for", schema_entries[i].path);
    free_recs(&R);
    free(hits);
    if (nproblems) fprintf(stderr, "%s", report);
    if (nproblems) fail_msg("%d disagreement(s) between schema_table.c and the loader:\n%s", nproblems, report);
}

/* The check itself catches a key the table lacks: a recorded key path with no row. */
static void test_unknown_key_path_is_reported(void **state)
{
    (void)state;
    assert_null(schema_find("chips.h100.watts"));
    assert_null(schema_find("scenario.nmae"));
    assert_non_null(schema_find("chips.h100.kw"));
}

static void test_match_placeholders(void **state)
{
    (void)state;
    assert_true(schema_match("contracts.<contract>.capacity.<i>.count", "contracts.aws-2025.capacity.0.count"));
    assert_false(schema_match("contracts.<contract>.capacity.<i>.count", "contracts.aws-2025.capacity.count"));
    assert_false(schema_match("contracts.<contract>.capacity.<i>.count", "contracts.aws.capacity.0.count.x"));
    assert_true(schema_match("factors.<factor>.<key.path glob>", "factors.f.contracts.*.capacity.*.delay_months"));
    assert_true(schema_match("decisions.<key.path>.min", "decisions.contracts.a.capacity.0.count.min"));
    assert_false(schema_match("decisions.<key.path>.min", "decisions.min"));
    assert_string_equal(schema_find("decisions.contracts.a.capacity.0.count.min")->path, "decisions.<key.path>.min");
    assert_string_equal(schema_find("decisions.contracts.a.capacity.0.count")->path, "decisions.<key.path>");
    assert_string_equal(schema_find("demand.0.chips.spot")->path, "demand.<segment>.chips.<chip>");
}

/* Every row has a description, an example where it is a value, and a parent row. */
static void test_rows_complete(void **state)
{
    (void)state;
    for (size_t i = 0; i < schema_nentries; i++) {
        const schema_entry *e = &schema_entries[i];
        if (!e->desc || !e->desc[0]) fail_msg("%s: no description", e->path);
        int box = e->type == SCHEMA_MAP || e->type == SCHEMA_NAMED || e->type == SCHEMA_LIST;
        if (!box && !e->example) fail_msg("%s: no example", e->path);
        if (e->type == SCHEMA_ENUM && !e->enums) fail_msg("%s: an enum without values", e->path);
        const char *dot = strrchr(e->path, '.');
        if (!dot) continue;
        int parent = 0;
        for (size_t j = 0; j < i; j++)
            parent |= strlen(schema_entries[j].path) == (size_t)(dot - e->path) &&
                      strncmp(schema_entries[j].path, e->path, (size_t)(dot - e->path)) == 0;
        if (!parent && !strstr(e->path, "<key.path")) fail_msg("%s: no parent row before it", e->path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_placeholders),
        cmocka_unit_test(test_unknown_key_path_is_reported),
        cmocka_unit_test(test_rows_complete),
        cmocka_unit_test(test_table_matches_loader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
