/*
 * loader: the scenario schema (docs/MODEL.md; README, "Scenario files") over a YAML tree (see loader.h).
 *
 * One function per mapping of the schema; each asks for exactly the keys it allows
 * (fields), so the schema is written once and unknown keys fall out of it. Elements with
 * errors are still added to the scenario (with defaults), so that later references to
 * them resolve and one mistake does not cascade into many messages; a scenario with
 * any error is freed, never returned.
 *
 * Names of list elements in the scenario are their canonical key path segments
 * (keypath_element): the `name`, or the index when the name is missing, invalid or a
 * duplicate. The uncertain values' key paths are built from the same segments.
 */
#include "loader.h"
#include "bounds.h"
#include "compose.h"
#include "factors.h"
#include "keypath.h"
#include "diagnostics.h"
#include "sample.h"
#include "sim/base/suggest.h"
#include "yamldoc.h"
#include "fields.h"
#include "sim/base/grow.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fields_env env;
    scenario *sc;
    yamldoc_node *root;
    char **set_paths;      /* canonical key paths of the --set arguments that applied */
    size_t nset_paths;
} loader;

/* ---- the values fields take (docs/MODEL.md 7) ---- */

#define INF INFINITY
static const fields_rule R_GE0 = { 0, INF, 0, 0, 0, "a number >= 0" };
static const fields_rule R_GT0 = { 0, INF, 1, 0, 0, "a number > 0" };
static const fields_rule R_FRACTION = { 0, 1, 0, 0, 0, "a fraction in [0, 1]" };
static const fields_rule R_LIMIT = { 0, INF, 0, 0, FIELDS_ALLOW_INF, "a number >= 0 (.inf: no limit)" };
static const fields_rule R_HALFLIFE = { 0, INF, 1, 0, FIELDS_ALLOW_INF,
                                      "a number of months > 0 (.inf: growth never slows)" };
static const fields_rule R_LIFE = { 0, INF, 1, 0, 0, "a number of months > 0" };
/* The model rounds ramps and delays to whole months and clamps them to [1, SPAN] and
 * [0, SPAN] (bounds.h): distributions may stray, constants may not. */
#define SPAN_TEXT "1000000"
static const fields_rule R_RAMP = { 1, BOUNDS_SPAN_MONTHS, 0, 0, FIELDS_NO_SUPPORT,
                                    "a number of months from 1 to " SPAN_TEXT };
static const fields_rule R_DELAY = { 0, BOUNDS_SPAN_MONTHS, 0, 0, FIELDS_NO_SUPPORT,
                                     "a number of months from 0 to " SPAN_TEXT };
/* The model clamps the jump rate to BOUNDS_JUMPS_PER_YEAR: a distribution may pass it. */
static const fields_rule R_JUMPS = { 0, BOUNDS_JUMPS_PER_YEAR, 0, 0, FIELDS_CLAMP_HI,
                                     "a number of jumps a year from 0 to 1000" };
/* Spot availability is clipped to [0, 1] month by month. */
static const fields_rule R_AVAIL = { 0, 1, 0, 0, FIELDS_NO_SUPPORT, "a fraction in [0, 1]" };
static const fields_rule R_RATE = { -1, INF, 1, 0, 0, "an annual rate > -1 (0.03 is +3% a year)" };
static const fields_rule R_MONTHS = { 1, BOUNDS_MONTHS_MAX, 0, 0, FIELDS_INTEGER,
                                    "a whole number of months from 1 to 1200" };
static const fields_rule R_PATHS = { 1, (double)BOUNDS_PATHS_MAX, 0, 0, FIELDS_INTEGER,
                                   "a whole number from 1 to 1e12" };
static const fields_rule R_PRIORITY = { -1e9, 1e9, 0, 0, FIELDS_INTEGER,
                                      "a whole number; lower is served first" };
/* A price decline per year (docs/MODEL.md 11): d = 1 would make every later price 0, a
 * step rather than a decline, and d < 0 is a rise, which `escalator` says for contracts. */
static const fields_rule R_DECLINE = { 0, 1, 0, 1, 0,
                                       "a fraction of the price lost per year, in [0, 1)" };
static const fields_rule R_RHO = { -1, 1, 0, 0, FIELDS_CONST_ONLY, "a rank correlation in [-1, 1]" };
static const fields_rule R_LOADING = { -1, 1, 1, 1, FIELDS_CONST_ONLY, "a loading in (-1, 1)" };

typedef enum { REF_CHIP, REF_CLOUD, REF_SEGMENT } ref_kind;

/* Origin of the nodes grafted from `--set` arguments. */
#define SET_ORIGIN "--set"

/* ---- names and references ---- */

static void set_string(char **dst, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) return;
    memcpy(d, s, n);
    free(*dst);
    *dst = d;
}

/* Check element i's `name` (missing, invalid, duplicate) and put its canonical key
 * path segment into el. m is the element's open mapping. */
static void element_name(fields *m, const yamldoc_node *seq, size_t i, const char *what,
                         char *el, size_t ellen)
{
    keypath_element(seq, i, el, ellen);
    const char *nm = fields_string(m, "name", 1, NULL);
    if (!nm) return;
    const yamldoc_node *nn = fields_get(m, "name");
    if (!keypath_valid_name(nm)) {
        fields_error(m->env, nn, m->kp, "'%s' is not a valid %s name (expected 1 to %d letters, "
                   "digits, '-' or '_', not only digits)", nm, what, KEYPATH_NAME_MAX);
        return;
    }
    for (size_t j = 0; j < i; j++) {
        const yamldoc_node *other = yamldoc_get(seq->vals[j], "name");
        if (other && other->kind == YAMLDOC_SCALAR && strcmp(other->str, nm) == 0) {
            fields_error(m->env, nn, m->kp, "duplicate %s name '%s' (expected unique names; "
                       "first used at line %d)", what, nm, other->line);
            return;
        }
    }
}

/* Check a key of a name-keyed mapping (chips, clouds); 0 when usable. Duplicates were
 * reported by fields_open_names: later ones are skipped. */
static int map_name(loader *L, const yamldoc_node *map, size_t i, const char *kp, const char *what,
                    int reserve_spot)
{
    const yamldoc_node *k = map->keys[i];
    if (k->kind != YAMLDOC_SCALAR) return -1;
    for (size_t j = 0; j < i; j++)
        if (map->keys[j]->kind == YAMLDOC_SCALAR && strcmp(map->keys[j]->str, k->str) == 0)
            return -1;
    if (!keypath_valid_name(k->str))
        fields_error(&L->env, k, kp, "'%s' is not a valid %s name (expected 1 to %d letters, "
                   "digits, '-' or '_', not only digits)", k->str, what, KEYPATH_NAME_MAX);
    else if (reserve_spot && strcmp(k->str, "spot") == 0)
        fields_error(&L->env, k, kp, "'spot' is reserved (expected another chip name: segments "
                   "name spot capacity `spot`)");
    return 0;
}

/* More than BOUNDS_ENTITIES_MAX entries in one list or mapping of chips, clouds,
 * segments, contracts or tranches: reported at the list (the name checks and look-ups
 * are linear per entry, so the bound also bounds the time a hostile file can take). */
static int too_many(loader *L, const yamldoc_node *n, const char *kp, const char *what)
{
    if (!n || n->n <= BOUNDS_ENTITIES_MAX) return 0;
    fields_error(&L->env, n, kp, "%zu %s (expected at most %d)", n->n, what, BOUNDS_ENTITIES_MAX);
    return 1;
}

/* Index of the chip, cloud or segment named by scalar v, or -1 (reported, with a "did
 * you mean"). With allow_spot, "spot" resolves to the number of chips. */
static int resolve(loader *L, const yamldoc_node *v, const char *kp, ref_kind kind, int allow_spot)
{
    static const char *const what[] = { "chip", "cloud", "segment" };
    static const char *const where[] = { "chips:", "clouds:", "demand:" };
    const scenario *sc = L->sc;
    size_t n = kind == REF_CHIP ? sc->nchips : kind == REF_CLOUD ? sc->nclouds : sc->nsegments;
    if (v->kind != YAMLDOC_SCALAR) {
        fields_error(&L->env, v, kp, "found %s (expected a %s name)", yamldoc_kind_name(v),
                   what[kind]);
        return -1;
    }
    if (allow_spot && strcmp(v->str, "spot") == 0) return (int)sc->nchips;
    const char **names = calloc(n + 1, sizeof *names);
    if (!names) return -1;
    int found = -1;
    for (size_t i = 0; i < n; i++) {
        names[i] = kind == REF_CHIP ? sc->chips[i].name
                 : kind == REF_CLOUD ? sc->clouds[i].name : sc->segments[i].name;
        if (strcmp(names[i], v->str) == 0) found = (int)i;
    }
    if (allow_spot) names[n] = "spot";
    if (found < 0) {
        char hint[1024], none[128];
        snprintf(none, sizeof none, "expected a %s defined under %s, and there is none",
                 what[kind], where[kind]);
        suggest_text(hint, sizeof hint, v->str, names, n + (allow_spot ? 1 : 0), none);
        fields_error(&L->env, v, kp, "unknown %s '%s' (%s)", what[kind], v->str, hint);
    }
    free(names);
    return found;
}

/* Is v a list? Else reported: "found 'word'" or "found a mapping", then what was expected. */
static int is_list(loader *L, const yamldoc_node *v, const char *kp, const char *expect)
{
    if (v->kind == YAMLDOC_SEQ) return 1;
    if (v->kind == YAMLDOC_SCALAR)
        fields_error(&L->env, v, kp, "found '%s' (expected %s)", v->str, expect);
    else
        fields_error(&L->env, v, kp, "found %s (expected %s)", yamldoc_kind_name(v), expect);
    return 0;
}

/* A list of segment names (or `all` where allowed) into per-segment flags. */
static void segment_flags(loader *L, const yamldoc_node *v, const char *kp, int *flags,
                          int allow_all)
{
    const char *expect = allow_all ? "a list of segment names [a, b] or all"
                                   : "a list of segment names [a, b]";
    if (allow_all && v->kind == YAMLDOC_SCALAR && strcmp(v->str, "all") == 0) {
        for (size_t s = 0; s < L->sc->nsegments; s++) flags[s] = 1;
        return;
    }
    if (!is_list(L, v, kp, expect)) return;
    char ikp[KEYPATH_MAX];
    for (size_t i = 0; i < v->n; i++) {
        keypath_join_index(ikp, sizeof ikp, kp, i);
        int s = resolve(L, v->vals[i], ikp, REF_SEGMENT, 0);
        if (s >= 0) flags[s] = 1;
    }
}

/* ---- scenario: and simulation: ---- */

static void load_scenario_section(loader *L, const yamldoc_node *n)
{
    fields m;
    scenario *sc = L->sc;
    fields_open(&m, &L->env, n, "scenario", "a mapping {name: ..., start: YYYY-MM, months: N}");
    const char *name = fields_string(&m, "name", 1, NULL);
    if (name && !bounds_valid_scenario_name(name)) {
        char kp[KEYPATH_MAX];
        fields_child_kp(&m, "name", kp, sizeof kp);
        fields_error(&L->env, fields_get(&m, "name"), kp, "'%s' is not a valid scenario name "
                     "(expected 1 to %d letters, digits, '-', '_' or '.', not starting with '.': "
                     "it names the results file NAME.h5)", name, BOUNDS_NAME_MAX);
    } else if (name) {
        set_string(&sc->name, name);
    }
    const char *desc = fields_string(&m, "description", 0, NULL);
    if (desc) set_string(&sc->description, desc);
    fields_yearmonth(&m, "start", 1, &sc->start_year, &sc->start_month);
    sc->months = (int)fields_int(&m, "months", 1, sc->months, &R_MONTHS);
    sc->discount_rate = fields_number(&m, "discount_rate", 0, 0.0, &R_RATE);
    sc->allocation = (allocation_kind)fields_enum(&m, "allocation", 0, ALLOCATION_PRIORITY,
                                                  scenario_allocation_names, ALLOCATION_NKINDS);
    fields_close(&m);
}

/* simulation.quantiles: all (the default), totals, or a list of monthly series names. */
static void load_quantiles(loader *L, const yamldoc_node *v, const char *kp)
{
    static const char *const expect = "all, totals, or a list of monthly series names [unmet, spend]";
    scenario *sc = L->sc;
    if (v->kind == YAMLDOC_SCALAR && (strcmp(v->str, "all") == 0 || strcmp(v->str, "totals") == 0)) {
        memset(sc->quantile_series, strcmp(v->str, "all") == 0, sizeof sc->quantile_series);
        return;
    }
    if (!is_list(L, v, kp, expect)) return;
    memset(sc->quantile_series, 0, sizeof sc->quantile_series);
    char ikp[KEYPATH_MAX];
    for (size_t i = 0; i < v->n; i++) {
        const yamldoc_node *it = v->vals[i];
        keypath_join_index(ikp, sizeof ikp, kp, i);
        if (it->kind != YAMLDOC_SCALAR) {
            fields_error(&L->env, it, ikp, "found %s (expected a monthly series name)", yamldoc_kind_name(it));
            continue;
        }
        int found = -1;
        for (int k = 0; k < SCENARIO_NSERIES; k++)
            if (strcmp(scenario_series_names[k], it->str) == 0) found = k;
        if (found < 0) {
            char hint[1024];
            suggest_text(hint, sizeof hint, it->str, scenario_series_names, SCENARIO_NSERIES, NULL);
            fields_error(&L->env, it, ikp, "unknown monthly series '%s' (%s)", it->str, hint);
        } else if (sc->quantile_series[found]) {
            fields_error(&L->env, it, ikp, "'%s' is listed twice", it->str);
        } else {
            sc->quantile_series[found] = 1;
        }
    }
}

static void load_simulation(loader *L, const yamldoc_node *n)
{
    fields m;
    scenario *sc = L->sc;
    fields_open(&m, &L->env, n, "simulation", "a mapping {paths: N, seed: S, sampling: random}");
    sc->paths = (long)fields_int(&m, "paths", 0, sc->paths, &R_PATHS);
    sc->seed = fields_u64(&m, "seed", 0, sc->seed);
    sc->sampling = (sampling_kind)fields_enum(&m, "sampling", 0, SAMPLING_RANDOM,
                                              scenario_sampling_names, SAMPLING_NKINDS);
    sc->antithetic = fields_bool(&m, "antithetic", 0, 0);
    const yamldoc_node *q = fields_get(&m, "quantiles");
    if (q) {
        char kp[KEYPATH_MAX];
        fields_child_kp(&m, "quantiles", kp, sizeof kp);
        load_quantiles(L, q, kp);
    }
    fields_close(&m);
}

/* ---- chips: ---- */

static void load_maturity(loader *L, chip_spec *ch, const yamldoc_node *n, const char *kp)
{
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {from: F, months: M, start?: YYYY-MM}");
    ch->has_maturity = 1;
    ch->maturity_from = fields_param(&m, "from", 1, 1.0, &R_FRACTION);
    ch->maturity_months = fields_param(&m, "months", 1, 1.0, &R_LIFE);
    ch->maturity_start = fields_month(&m, "start", 0, 0);
    fields_close(&m);
}

static void load_chip(loader *L, const char *name, const yamldoc_node *n)
{
    char kp[KEYPATH_MAX], sub[KEYPATH_MAX];
    keypath_join(kp, sizeof kp, "chips", name);
    int idx = scenario_add_chip(L->sc, name, 1.0, 0.0, 1.0);
    if (idx < 0) return;
    chip_spec *ch = &L->sc->chips[idx];
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {h100e: ..., kw: ..., life_months: ...}");
    ch->h100e = fields_param(&m, "h100e", 1, 1.0, &R_GT0);
    ch->kw = fields_param(&m, "kw", 1, 0.0, &R_GE0);
    ch->life_months = fields_param(&m, "life_months", 1, 1.0, &R_LIFE);
    const yamldoc_node *mat = fields_get(&m, "maturity");
    fields_child_kp(&m, "maturity", sub, sizeof sub);
    if (mat) load_maturity(L, ch, mat, sub);
    fields_close(&m);
}

static void load_chips(loader *L, const yamldoc_node *n)
{
    fields m;
    if (fields_open_names(&m, &L->env, n, "chips", "a mapping of chip names to "
                        "{h100e: ..., kw: ..., life_months: ...}") != 0)
        return;
    if (too_many(L, n, "chips", "chips")) return;
    for (size_t i = 0; i < n->n; i++)
        if (map_name(L, n, i, "chips", "chip", 1) == 0) load_chip(L, n->keys[i]->str, n->vals[i]);
}

/* ---- clouds: ---- */

static void load_power(loader *L, cloud_spec *cl, const yamldoc_node *n, const char *kp)
{
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {start: MW, add_per_month: MW, delay_months?, max?}");
    cl->has_power = 1;
    cl->power_start = fields_param(&m, "start", 1, 0.0, &R_GE0);
    cl->power_add_per_month = fields_param(&m, "add_per_month", 1, 0.0, &R_GE0);
    cl->power_delay_months = fields_param(&m, "delay_months", 0, 0.0, &R_DELAY);
    cl->power_max = fields_param(&m, "max", 0, INFINITY, &R_LIMIT);
    fields_close(&m);
}

static void load_spot(loader *L, cloud_spec *cl, const yamldoc_node *n, const char *kp)
{
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {max_h100e: ..., availability: ..., "
              "usd_per_h100e_hour: ..., decline_per_year?: ...}");
    cl->has_spot = 1;
    cl->spot_max_h100e = fields_param(&m, "max_h100e", 1, 0.0, &R_GE0);
    dist_clear(&cl->spot_availability);
    fields_fresh(&m, "availability", 1, 1.0, &R_AVAIL, &cl->spot_availability);
    cl->spot_usd_per_h100e_hour = fields_param(&m, "usd_per_h100e_hour", 1, 0.0, &R_GE0);
    cl->has_spot_decline = fields_get(&m, "decline_per_year") != NULL;
    cl->spot_decline_per_year = fields_param(&m, "decline_per_year", 0, 0.0, &R_DECLINE);
    fields_close(&m);
}

static void load_cloud(loader *L, const char *name, const yamldoc_node *n)
{
    char kp[KEYPATH_MAX], sub[KEYPATH_MAX];
    keypath_join(kp, sizeof kp, "clouds", name);
    int idx = scenario_add_cloud(L->sc, name);
    if (idx < 0) return;
    cloud_spec *cl = &L->sc->clouds[idx];
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {power_mw?: {...}, spot?: {...}}");
    const yamldoc_node *pw = fields_get(&m, "power_mw");
    fields_child_kp(&m, "power_mw", sub, sizeof sub);
    if (pw) load_power(L, cl, pw, sub);
    const yamldoc_node *sp = fields_get(&m, "spot");
    fields_child_kp(&m, "spot", sub, sizeof sub);
    if (sp) load_spot(L, cl, sp, sub);
    fields_close(&m);
}

static void load_clouds(loader *L, const yamldoc_node *n)
{
    fields m;
    if (fields_open_names(&m, &L->env, n, "clouds", "a mapping of cloud names to "
                        "{power_mw?: ..., spot?: ...}") != 0)
        return;
    if (too_many(L, n, "clouds", "clouds")) return;
    for (size_t i = 0; i < n->n; i++)
        if (map_name(L, n, i, "clouds", "cloud", 0) == 0)
            load_cloud(L, n->keys[i]->str, n->vals[i]);
}

/* ---- demand: ---- */

static void load_jumps(loader *L, segment_spec *sg, const yamldoc_node *n, const char *kp)
{
    static const fields_rule size = { 0, INF, 1, 0, 0, "a multiple > 0" };
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {per_year: N, size: ...}");
    sg->has_jumps = 1;
    sg->jumps_per_year = fields_param(&m, "per_year", 1, 0.0, &R_JUMPS);
    dist_clear(&sg->jump_size);
    fields_fresh(&m, "size", 1, 1.0, &size, &sg->jump_size);
    fields_close(&m);
}

/* The chips map of a segment: eligible chips (and spot) with their efficiency. */
static void load_segment_chips(loader *L, segment_spec *sg, const yamldoc_node *n, const char *kp)
{
    static const fields_rule eff = { 0, INF, 1, 0, 0, "an efficiency > 0" };
    fields m;
    if (fields_open_names(&m, &L->env, n, kp, "a mapping of chip names (or spot) to efficiency, "
                        "such as {gb200: 1.0, spot: 1.0}") != 0)
        return;
    if (n->kind != YAMLDOC_MAP || n->n == 0)
        fields_error(&L->env, n, kp, "no chips (expected at least one chip name or spot)");
    char ckp[KEYPATH_MAX];
    for (size_t i = 0; n->kind == YAMLDOC_MAP && i < n->n; i++) {
        if (map_name(L, n, i, kp, "chip", 0) != 0) continue;
        keypath_join(ckp, sizeof ckp, kp, n->keys[i]->str);
        int c = resolve(L, n->keys[i], ckp, REF_CHIP, 1);
        param e = fields_param_node(&L->env, n->vals[i], ckp, 1.0, &eff);
        if (c == (int)L->sc->nchips) {
            sg->spot_eligible = 1;
            sg->spot_efficiency = e;
        } else if (c >= 0) {
            sg->eligible[c] = 1;
            sg->efficiency[c] = e;
        }
    }
}

static void load_segment(loader *L, const yamldoc_node *seq, size_t i)
{
    char el[KEYPATH_MAX], kp[KEYPATH_MAX], sub[KEYPATH_MAX];
    keypath_element(seq, i, el, sizeof el);
    keypath_join(kp, sizeof kp, "demand", el);
    fields m;
    fields_open(&m, &L->env, seq->vals[i], kp, "a segment {name: ..., start_h100e: ..., "
              "growth: ..., chips: {...}}");
    element_name(&m, seq, i, "segment", el, sizeof el);
    int idx = scenario_add_segment(L->sc, el, 0.0, 1.0);
    if (idx < 0) return;
    segment_spec *sg = &L->sc->segments[idx];
    sg->start_h100e = fields_param(&m, "start_h100e", 1, 0.0, &R_GE0);
    sg->growth = fields_param(&m, "growth", 1, 1.0, &R_GT0);
    sg->growth_halflife_months = fields_param(&m, "growth_halflife_months", 0, INFINITY, &R_HALFLIFE);
    sg->volatility = fields_param(&m, "volatility", 0, 0.0, &R_GE0);
    const yamldoc_node *j = fields_get(&m, "jumps");
    fields_child_kp(&m, "jumps", sub, sizeof sub);
    if (j) load_jumps(L, sg, j, sub);
    sg->usd_per_h100e_hour = fields_param(&m, "usd_per_h100e_hour", 0, 0.0, &R_GE0);
    sg->priority = (int)fields_int(&m, "priority", 0, 0, &R_PRIORITY);
    sg->has_value = fields_get(&m, "value_usd_per_h100e_hour") != NULL;
    sg->value_usd_per_h100e_hour = fields_param(&m, "value_usd_per_h100e_hour", 0, 0.0, &R_GE0);
    sg->has_price_decline = fields_get(&m, "price_decline_per_year") != NULL;
    sg->price_decline_per_year = fields_param(&m, "price_decline_per_year", 0, 0.0, &R_DECLINE);
    const yamldoc_node *ch = fields_get(&m, "chips");
    fields_child_kp(&m, "chips", sub, sizeof sub);
    if (ch) load_segment_chips(L, sg, ch, sub);
    else if (m.node) fields_missing(&m, "chips", "a mapping of chip names (or spot) to efficiency");
    fields_close(&m);
}

/* A top-level list (demand:, contracts:); NULL when absent or not a list (reported). */
static const yamldoc_node *open_list(loader *L, const yamldoc_node *n, const char *kp,
                                     const char *expect)
{
    if (!n || yamldoc_is_null(n)) return NULL;
    if (n->kind != YAMLDOC_SEQ) {
        fields_error(&L->env, n, kp, "found %s (expected %s)", yamldoc_kind_name(n), expect);
        return NULL;
    }
    return n;
}

static void load_demand(loader *L, const yamldoc_node *n)
{
    n = open_list(L, n, "demand", "a list of segments: - {name: ..., start_h100e: ..., ...}");
    if (too_many(L, n, "demand", "segments")) return;
    for (size_t i = 0; n && i < n->n; i++) load_segment(L, n, i);
}

/* ---- contracts: ---- */

static void load_prices(loader *L, contract_spec *ct, const yamldoc_node *n, const char *kp)
{
    fields m;
    if (fields_open_names(&m, &L->env, n, kp, "a mapping of chip names to USD per chip-hour, "
                        "such as {gb200: 3.2}") != 0)
        return;
    char ckp[KEYPATH_MAX];
    for (size_t i = 0; n->kind == YAMLDOC_MAP && i < n->n; i++) {
        if (map_name(L, n, i, kp, "chip", 0) != 0) continue;
        keypath_join(ckp, sizeof ckp, kp, n->keys[i]->str);
        int c = resolve(L, n->keys[i], ckp, REF_CHIP, 0);
        param p = fields_param_node(&L->env, n->vals[i], ckp, 0.0, &R_GE0);
        if (c >= 0) {
            ct->has_price[c] = 1;
            ct->price[c] = p;
        }
    }
}

static void load_tranche(loader *L, int ci, const yamldoc_node *seq, size_t j, const char *ckp)
{
    char cap[KEYPATH_MAX], kp[KEYPATH_MAX], chipkp[KEYPATH_MAX];
    keypath_join(cap, sizeof cap, ckp, "capacity");
    keypath_join_index(kp, sizeof kp, cap, j);
    fields m;
    fields_open(&m, &L->env, seq->vals[j], kp, "a tranche {chip: ..., count: N, online: YYYY-MM}");
    contract_spec *ct = &L->sc->contracts[ci];
    tranche_spec t = { .chip = -1 };
    const yamldoc_node *chip = fields_get(&m, "chip");
    fields_child_kp(&m, "chip", chipkp, sizeof chipkp);
    if (chip) {
        t.chip = resolve(L, chip, chipkp, REF_CHIP, 0);
        if (t.chip >= 0 && !ct->has_price[t.chip])
            fields_error(&L->env, chip, chipkp, "chip '%s' has no price in this contract (expected "
                       "a key '%s' in %s.price)", chip->str, chip->str, ckp);
    } else if (m.node) {
        fields_missing(&m, "chip", "a chip name");
    }
    t.count = fields_param(&m, "count", 1, 0.0, &R_GE0);
    t.online = fields_month(&m, "online", 1, ct->from);
    if (t.online > ct->to) {
        char label[8], okp[KEYPATH_MAX];
        scenario_month_label(L->sc, ct->to, label);
        fields_child_kp(&m, "online", okp, sizeof okp);
        fields_error(&L->env, fields_get(&m, "online"), okp, "comes after the contract ends "
                   "(expected a month up to its `to`, %s)", label);
    }
    t.ramp_months = fields_param(&m, "ramp_months", 0, 1.0, &R_RAMP);
    t.delay_months = fields_param(&m, "delay_months", 0, 0.0, &R_DELAY);
    t.fulfilled = fields_param(&m, "fulfilled", 0, 1.0, &R_FRACTION);
    t.option = -1;
    fields_close(&m);
    int k = scenario_add_tranche(L->sc, ci, t.chip, 0.0, t.online);
    if (k >= 0) L->sc->contracts[ci].tranches[k] = t;
}

static void load_min_spend(loader *L, contract_spec *ct, const yamldoc_node *n, const char *kp)
{
    static const char *const periods[] = { "term", "year" };
    static const char *const bases[] = { "contracted", "delivered" };
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {usd: ..., period: term or year, "
              "basis?: contracted or delivered}");
    ct->has_min_spend = 1;
    ct->min_spend_usd = fields_param(&m, "usd", 1, 0.0, &R_GE0);
    ct->min_spend_period = (period_kind)fields_enum(&m, "period", 1, PERIOD_TERM, periods, 2);
    ct->min_spend_basis = (basis_kind)fields_enum(&m, "basis", 0, BASIS_CONTRACTED, bases, 2);
    fields_close(&m);
}

/* default: {per_year} (docs/MODEL.md 5, "Counterparty default"): the counterparty's default rate a year. */
static void load_default(loader *L, contract_spec *ct, const yamldoc_node *n, const char *kp)
{
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {per_year: defaults a year, such as 0.03}");
    ct->has_default = 1;
    ct->default_per_year = fields_param(&m, "per_year", 1, 0.0, &R_GE0);
    fields_close(&m);
}

static void load_exclusive(loader *L, contract_spec *ct, const yamldoc_node *n, const char *kp)
{
    fields m;
    char sub[KEYPATH_MAX];
    fields_open(&m, &L->env, n, kp, "a mapping {segments: [...], until?: YYYY-MM}");
    ct->has_exclusive = 1;
    const yamldoc_node *s = fields_get(&m, "segments");
    fields_child_kp(&m, "segments", sub, sizeof sub);
    if (s) segment_flags(L, s, sub, ct->exclusive, 0);
    else if (m.node) fields_missing(&m, "segments", "a list of segment names [a, b]");
    ct->exclusive_until = fields_month(&m, "until", 0, ct->to + 1);
    fields_close(&m);
}

static void load_revenue_share(loader *L, contract_spec *ct, const yamldoc_node *n, const char *kp)
{
    fields m;
    char sub[KEYPATH_MAX];
    fields_open(&m, &L->env, n, kp, "a mapping {rate: R, segments: [...] or all, cap_usd?, until?}");
    ct->has_revenue_share = 1;
    ct->rs_rate = fields_param(&m, "rate", 1, 0.0, &R_FRACTION);
    const yamldoc_node *s = fields_get(&m, "segments");
    fields_child_kp(&m, "segments", sub, sizeof sub);
    if (s) segment_flags(L, s, sub, ct->rs_segments, 1);
    else if (m.node) fields_missing(&m, "segments", "a list of segment names [a, b] or all");
    ct->rs_cap_usd = fields_param(&m, "cap_usd", 0, INFINITY, &R_LIMIT);
    ct->rs_until = fields_month(&m, "until", 0, ct->to + 1);
    fields_close(&m);
}

static void load_capacity(loader *L, int ci, const yamldoc_node *n, const char *kp, const char *ckp)
{
    if (n->kind != YAMLDOC_SEQ) {
        fields_error(&L->env, n, kp, "found %s (expected a list of tranches: - {chip: ..., "
                   "count: N, online: YYYY-MM})", yamldoc_kind_name(n));
        return;
    }
    if (too_many(L, n, kp, "tranches")) return;
    for (size_t j = 0; j < n->n; j++) load_tranche(L, ci, n, j, ckp);
}

/* ---- contract options (docs/MODEL.md 13) ---- */

/* window: [from, to], two months, both inclusive (like a contract's from and to). */
static void load_window(loader *L, option_spec *o, const yamldoc_node *v, const char *kp)
{
    const char *expect = "a list of two months [YYYY-MM, YYYY-MM]";
    if (v->kind != YAMLDOC_SEQ) {
        fields_error(&L->env, v, kp, "found %s (expected %s)", yamldoc_kind_name(v), expect);
        return;
    }
    if (v->n != 2) {
        fields_error(&L->env, v, kp, "found a list of %zu (expected %s)", v->n, expect);
        return;
    }
    int ym[2][2];
    for (int i = 0; i < 2; i++) {
        const yamldoc_node *e = v->vals[i];
        if (e->kind != YAMLDOC_SCALAR || fields_parse_yearmonth(e->str, &ym[i][0], &ym[i][1]) != 0) {
            fields_error(&L->env, e, kp, "found '%s' (expected %s)",
                         e->kind == YAMLDOC_SCALAR ? e->str : yamldoc_kind_name(e), expect);
            return;
        }
    }
    o->window_from = scenario_month_index(L->sc, ym[0][0], ym[0][1]);
    o->window_to = scenario_month_index(L->sc, ym[1][0], ym[1][1]);
    if (o->window_to < o->window_from)
        fields_error(&L->env, v, kp, "the window ends before it starts (expected [from, to] "
                     "with to >= from)");
}

/* when: {metric, months, above | below, segments?}: the rule judged on months m-k..m-1. */
static void load_when(loader *L, option_spec *o, const yamldoc_node *n, const char *kp)
{
    static const fields_rule k_rule = { 1, BOUNDS_MONTHS_MAX, 0, 0, FIELDS_NO_SUPPORT,
                                        "a number of months >= 1" };
    static const fields_rule thr = { -INF, INF, 0, 0, 0, "a number" };
    fields m;
    char sub[KEYPATH_MAX];
    fields_open(&m, &L->env, n, kp, "a mapping {metric: unmet_share or utilisation, months: k, "
                "above: x or below: x, segments?: [...]}");
    o->metric = (option_metric)fields_enum(&m, "metric", 1, METRIC_UNMET_SHARE,
                                           scenario_option_metrics, METRIC_NKINDS);
    o->months = fields_param(&m, "months", 1, 1.0, &k_rule);
    int has_above = fields_get(&m, "above") != NULL, has_below = fields_get(&m, "below") != NULL;
    if (has_above && has_below) {
        fields_child_kp(&m, "below", sub, sizeof sub);
        fields_error(&L->env, fields_get(&m, "below"), sub, "both above and below (expected one "
                     "of them)");
    } else if (!has_above && !has_below && m.node) {
        fields_missing(&m, "above", "a threshold: above: x or below: x");
    }
    o->above = !has_below || has_above;
    o->threshold = fields_param(&m, o->above ? "above" : "below", 0, 0.0, &thr);
    const yamldoc_node *s = fields_get(&m, "segments");
    fields_child_kp(&m, "segments", sub, sizeof sub);
    if (s) {
        if (o->metric != METRIC_UNMET_SHARE)
            fields_error(&L->env, s, sub, "segments apply to metric unmet_share only (expected no "
                         "segments with metric utilisation)");
        for (size_t i = 0; i < L->sc->nsegments; i++) o->segments[i] = 0;
        o->has_segments = 1;
        segment_flags(L, s, sub, o->segments, 0);
    }
    fields_close(&m);
}

/* An expand option's tranche: a capacity tranche without `online` (it comes online at
 * the exercise month + lead_months), appended to the contract's tranches. */
static void load_option_tranche(loader *L, int ci, int oi, const yamldoc_node *n, const char *kp)
{
    fields m;
    char chipkp[KEYPATH_MAX];
    fields_open(&m, &L->env, n, kp, "a tranche {chip: ..., count: N, ramp_months?, "
                "delay_months?, fulfilled?}");
    contract_spec *ct = &L->sc->contracts[ci];
    tranche_spec t = { .chip = -1 };
    const yamldoc_node *chip = fields_get(&m, "chip");
    fields_child_kp(&m, "chip", chipkp, sizeof chipkp);
    if (chip) {
        t.chip = resolve(L, chip, chipkp, REF_CHIP, 0);
        if (t.chip >= 0 && !ct->has_price[t.chip])
            fields_error(&L->env, chip, chipkp, "chip '%s' has no price in this contract (expected "
                       "a key '%s' in contracts.%s.price)", chip->str, chip->str, ct->name);
    } else if (m.node) {
        fields_missing(&m, "chip", "a chip name");
    }
    t.count = fields_param(&m, "count", 1, 0.0, &R_GE0);
    t.online = L->sc->options[oi].window_from;
    t.ramp_months = fields_param(&m, "ramp_months", 0, 1.0, &R_RAMP);
    t.delay_months = fields_param(&m, "delay_months", 0, 0.0, &R_DELAY);
    t.fulfilled = fields_param(&m, "fulfilled", 0, 1.0, &R_FRACTION);
    t.option = oi;
    fields_close(&m);
    if (t.chip < 0) return;   /* reported: no tranche, no pool */
    int k = scenario_add_tranche(L->sc, ci, t.chip, 0.0, t.online);
    if (k < 0) return;
    L->sc->contracts[ci].tranches[k] = t;
    L->sc->options[oi].tranche = k;
}

/* Option names are the `option` output coordinate: unique across the scenario. */
static int option_name_taken(const scenario *sc, const char *name, size_t before)
{
    for (size_t i = 0; i < before; i++)
        if (strcmp(sc->options[i].name, name) == 0) return 1;
    return 0;
}

static void load_option(loader *L, int ci, const yamldoc_node *seq, size_t i, const char *okp)
{
    static const fields_rule months_rule = { 0, BOUNDS_SPAN_MONTHS, 0, 0, FIELDS_NO_SUPPORT,
                                             "a number of months >= 0" };
    char el[KEYPATH_MAX], kp[KEYPATH_MAX], sub[KEYPATH_MAX];
    keypath_element(seq, i, el, sizeof el);
    keypath_join(kp, sizeof kp, okp, el);
    fields m;
    fields_open(&m, &L->env, seq->vals[i], kp, "an option {name: ..., kind: expand, terminate "
                "or extend, window: [from, to], when: {...}, ...}");
    element_name(&m, seq, i, "option", el, sizeof el);
    keypath_join(kp, sizeof kp, okp, el);
    int kind = fields_enum(&m, "kind", 1, OPTION_EXPAND, scenario_option_kinds, OPTION_NKINDS);
    const yamldoc_node *nn = fields_get(&m, "name");
    if (nn && nn->kind == YAMLDOC_SCALAR && option_name_taken(L->sc, el, L->sc->noptions)) {
        fields_child_kp(&m, "name", sub, sizeof sub);
        fields_error(&L->env, nn, sub, "duplicate option name '%s' (expected names unique across "
                     "all contracts: they label the `option` outputs)", el);
    }
    int oi = scenario_add_option(L->sc, ci, el, (option_kind)kind);
    if (oi < 0) { fields_close(&m); return; }
    option_spec *o = &L->sc->options[oi];
    const yamldoc_node *v = fields_get(&m, "window");
    fields_child_kp(&m, "window", sub, sizeof sub);
    if (v) load_window(L, o, v, sub);
    else if (m.node) fields_missing(&m, "window", "[YYYY-MM, YYYY-MM]");
    fields_child_kp(&m, "when", sub, sizeof sub);
    if ((v = fields_get(&m, "when"))) load_when(L, o, v, sub);
    else if (m.node) fields_missing(&m, "when", "a rule {metric: ..., months: k, above: x}");
    o->fee_usd = fields_param(&m, "fee_usd", 0, 0.0, &R_GE0);
    if (kind == OPTION_EXPAND) {
        o->lead_months = fields_param(&m, "lead_months", 0, 0.0, &months_rule);
        fields_child_kp(&m, "tranche", sub, sizeof sub);
        if ((v = fields_get(&m, "tranche"))) load_option_tranche(L, ci, oi, v, sub);
        else if (m.node) fields_missing(&m, "tranche", "a tranche {chip: ..., count: N}");
    } else if (kind == OPTION_EXTEND) {
        o->extend_months = fields_param(&m, "months", 1, 0.0, &months_rule);
    }
    fields_close(&m);
}

static void load_options(loader *L, int ci, const yamldoc_node *n, const char *kp)
{
    if (n->kind != YAMLDOC_SEQ) {
        fields_error(&L->env, n, kp, "found %s (expected a list of options: - {name: ..., kind: "
                   "..., window: [from, to], when: {...}})", yamldoc_kind_name(n));
        return;
    }
    if (too_many(L, n, kp, "options")) return;
    for (size_t j = 0; j < n->n; j++) load_option(L, ci, n, j, kp);
}

/* billing: owned (docs/MODEL.md 5, "Owned capacity"): capex_usd_per_chip and book_life_months are required
 * there and meaningless elsewhere (an error naming the key, rather than a silent 0). */
static void load_owned(loader *L, contract_spec *ct, fields *m)
{
    static const char *const keys[] = { "capex_usd_per_chip", "book_life_months" };
    if (ct->billing == BILLING_OWNED) {
        ct->capex_usd_per_chip = fields_param(m, keys[0], 1, 0.0, &R_GE0);
        ct->book_life_months = fields_param(m, keys[1], 1, 1.0, &R_LIFE);
        return;
    }
    for (int k = 0; k < 2; k++) {
        const yamldoc_node *v = fields_get(m, keys[k]);
        if (!v) continue;
        char sub[KEYPATH_MAX];
        fields_child_kp(m, keys[k], sub, sizeof sub);
        fields_error(&L->env, v, sub, "only allowed with billing: owned (this contract's billing is %s)",
                     ct->billing == BILLING_USAGE ? "usage" : "reserved");
    }
}

/* The contract's from/to/cloud/billing, which the scenario needs to add it. */
static int contract_head(loader *L, fields *m, const char *name)
{
    static const char *const billing[] = { "reserved", "usage", "owned" };
    char sub[KEYPATH_MAX];
    int cloud = -1;
    const yamldoc_node *cn = fields_get(m, "cloud");
    fields_child_kp(m, "cloud", sub, sizeof sub);
    if (cn) cloud = resolve(L, cn, sub, REF_CLOUD, 0);
    else if (m->node) fields_missing(m, "cloud", "a cloud name");
    int from = fields_month(m, "from", 1, 0);
    int to = fields_month(m, "to", 1, from);
    if (to < from) {
        char label[8];
        scenario_month_label(L->sc, from, label);
        fields_child_kp(m, "to", sub, sizeof sub);
        fields_error(&L->env, fields_get(m, "to"), sub, "the contract ends before it starts "
                   "(expected a month from %s on)", label);
        to = from;
    }
    int b = fields_enum(m, "billing", 1, BILLING_RESERVED, billing, 3);
    return scenario_add_contract(L->sc, name, cloud, from, to, (billing_kind)b);
}

static void load_contract(loader *L, const yamldoc_node *seq, size_t i)
{
    char el[KEYPATH_MAX], kp[KEYPATH_MAX], sub[KEYPATH_MAX];
    keypath_element(seq, i, el, sizeof el);
    keypath_join(kp, sizeof kp, "contracts", el);
    fields m;
    fields_open(&m, &L->env, seq->vals[i], kp, "a contract {name: ..., cloud: ..., from: YYYY-MM, "
              "to: YYYY-MM, billing: ..., ...}");
    element_name(&m, seq, i, "contract", el, sizeof el);
    int ci = contract_head(L, &m, el);
    if (ci < 0) return;
    contract_spec *ct = &L->sc->contracts[ci];
    const yamldoc_node *v = fields_get(&m, "price");
    fields_child_kp(&m, "price", sub, sizeof sub);
    if (v) load_prices(L, ct, v, sub);   /* before the tranches that need the prices */
    ct->escalator = fields_param(&m, "escalator", 0, 0.0, &R_RATE);
    load_owned(L, ct, &m);
    if ((v = fields_get(&m, "capacity"))) {
        fields_child_kp(&m, "capacity", sub, sizeof sub);
        load_capacity(L, ci, v, sub, kp);
    }
    fields_child_kp(&m, "min_spend", sub, sizeof sub);
    if ((v = fields_get(&m, "min_spend"))) {
        if (ct->billing == BILLING_OWNED)   /* a floor is owed to a seller; owned has none */
            fields_error(&L->env, v, sub, "not allowed with billing: owned (the lab owns the chips: "
                         "there is no seller's floor)");
        else
            load_min_spend(L, ct, v, sub);
    }
    fields_child_kp(&m, "first_refusal", sub, sizeof sub);
    if ((v = fields_get(&m, "first_refusal"))) segment_flags(L, v, sub, ct->first_refusal, 0);
    fields_child_kp(&m, "exclusive", sub, sizeof sub);
    if ((v = fields_get(&m, "exclusive"))) load_exclusive(L, ct, v, sub);
    fields_child_kp(&m, "revenue_share", sub, sizeof sub);
    if ((v = fields_get(&m, "revenue_share"))) load_revenue_share(L, ct, v, sub);
    fields_child_kp(&m, "default", sub, sizeof sub);
    if ((v = fields_get(&m, "default"))) load_default(L, ct, v, sub);
    fields_child_kp(&m, "options", sub, sizeof sub);
    if ((v = fields_get(&m, "options"))) load_options(L, ci, v, sub);
    fields_close(&m);
}

static void load_contracts(loader *L, const yamldoc_node *n)
{
    n = open_list(L, n, "contracts", "a list of contracts: - {name: ..., cloud: ..., ...}");
    if (too_many(L, n, "contracts", "contracts")) return;
    for (size_t i = 0; n && i < n->n; i++) load_contract(L, n, i);
}

/* ---- correlations: ---- */

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Index of the uncertain value named by key path v; -1 (reported) when it names none;
 * -2 (not an error) when --set made it a constant. */
static int corr_key(loader *L, const yamldoc_node *v, const char *kp)
{
    if (v->kind != YAMLDOC_SCALAR) {
        fields_error(&L->env, v, kp, "found %s (expected a key path such as demand.NAME.growth)",
                   yamldoc_kind_name(v));
        return -1;
    }
    int u = scenario_find_uncertain(L->sc, v->str);
    if (u >= 0) return u;
    char canon[KEYPATH_MAX], msg[1024];
    const yamldoc_node *node = keypath_find(L->root, v->str, canon, sizeof canon, msg, sizeof msg);
    if (!node) {
        fields_error(&L->env, v, kp, "unknown key path '%s': %s", v->str, msg);
        return -1;
    }
    if ((u = scenario_find_uncertain(L->sc, canon)) >= 0) return u;
    if (node->kind == YAMLDOC_MAP && yamldoc_get(node, "dist")) {
        if (ends_with(canon, ".spot.availability") || ends_with(canon, ".jumps.size"))
            fields_error(&L->env, v, kp, "'%s' is drawn afresh each month or jump (expected a "
                       "distribution sampled once per path)", v->str);
        return -1;   /* otherwise an invalid distribution, already reported */
    }
    if (node->origin && strcmp(node->origin, SET_ORIGIN) == 0)
        return -2;   /* pinned to a constant by --set (a sweep): the pair no longer applies */
    fields_error(&L->env, v, kp, "'%s' is not a distribution (expected the key path of a field "
               "written as {dist: ...})", v->str);
    return -1;
}

static int add_corr(scenario *sc, int a, int b, double rho, const yamldoc_node *at)
{
    corr_spec *c = realloc(sc->corr, (sc->ncorr + 1) * sizeof *c);
    if (!c) return -1;
    sc->corr = c;
    c[sc->ncorr++] = (corr_spec){ a, b, rho, at->line, at->col };
    return 0;
}

static void load_corr_pair(loader *L, const yamldoc_node *item, const char *kp)
{
    scenario *sc = L->sc;
    if (item->kind != YAMLDOC_SEQ || item->n != 3) {
        fields_error(&L->env, item, kp, "found %s (expected [key.path, key.path, rho])",
                   item->kind == YAMLDOC_SEQ ? "a list of the wrong length"
                                             : yamldoc_kind_name(item));
        return;
    }
    char rkp[KEYPATH_MAX];
    keypath_join(rkp, sizeof rkp, kp, "2");
    int a = corr_key(L, item->vals[0], kp), b = corr_key(L, item->vals[1], kp);
    int before = diag_count(L->env.diag);
    double rho = fields_param_node(&L->env, item->vals[2], rkp, 0.0, &R_RHO).value;
    if (a < 0 || b < 0 || diag_count(L->env.diag) != before) return;
    if (a == b) {
        fields_error(&L->env, item, kp, "'%s' is paired with itself (expected two different key "
                   "paths)", sc->uncertain[a].keypath);
        return;
    }
    for (size_t k = 0; k < sc->ncorr; k++)
        if ((sc->corr[k].a == a && sc->corr[k].b == b) ||
            (sc->corr[k].a == b && sc->corr[k].b == a)) {
            fields_error(&L->env, item, kp, "the pair %s, %s is given twice (expected each pair "
                       "once; first at line %d)", sc->uncertain[a].keypath,
                       sc->uncertain[b].keypath, sc->corr[k].line);
            return;
        }
    if (add_corr(sc, a, b, rho, item) != 0) fields_error(&L->env, item, kp, "out of memory");
}

static void load_correlations(loader *L, const yamldoc_node *n)
{
    n = open_list(L, n, "correlations", "a list of [key.path, key.path, rho]");
    if (!n) return;
    char kp[32];
    for (size_t i = 0; i < n->n; i++) {
        keypath_join_index(kp, sizeof kp, "correlations", i);
        load_corr_pair(L, n->vals[i], kp);
    }
}

/* ---- factors: (docs/MODEL.md 12, factors.h) ---- */

/* The glob keys and loading values of every factor, in the order of the terms (factor
 * by factor): errors about a glob point at its key, errors about a sum of loadings at
 * the value (which a --set may have replaced). */
typedef struct {
    const yamldoc_node **at, **val;
    size_t n;
    int over;             /* more than BOUNDS_FACTOR_TERMS_MAX: not resolved */
} term_nodes;

/* Factor i of mapping n with its glob: loading terms. */
static void load_factor(loader *L, const yamldoc_node *n, size_t i, term_nodes *tn)
{
    const char *name = n->keys[i]->str, *expect = "a mapping of key path globs to loadings, "
                       "such as {contracts.*.capacity.*.delay_months: 0.8}";
    const yamldoc_node *v = n->vals[i];
    char kp[KEYPATH_MAX], gkp[KEYPATH_MAX];
    keypath_join(kp, sizeof kp, "factors", name);
    int f = factors_add(L->sc, name);
    fields m;
    if (f < 0) {
        fields_error(&L->env, n->keys[i], kp, "out of memory");
        return;
    }
    if (fields_open_names(&m, &L->env, v, kp, expect) != 0) return;
    if (yamldoc_is_null(v) || v->n == 0)
        fields_error(&L->env, v, kp, "no loadings (expected %s)", expect);
    if (v->kind == YAMLDOC_MAP && tn->n + v->n > BOUNDS_FACTOR_TERMS_MAX) {
        fields_error(&L->env, v, kp, "%zu loadings in all (expected at most %d key path "
                     "globs over all factors)", tn->n + v->n, BOUNDS_FACTOR_TERMS_MAX);
        tn->over = 1;
        return;   /* every glob is matched against every value: the bound bounds the time */
    }
    for (size_t j = 0; v->kind == YAMLDOC_MAP && j < v->n; j++) {
        const yamldoc_node *k = v->keys[j];
        if (k->kind != YAMLDOC_SCALAR) continue;
        int dup = 0;   /* reported by fields_open_names */
        for (size_t q = 0; q < j; q++)
            dup |= v->keys[q]->kind == YAMLDOC_SCALAR && strcmp(v->keys[q]->str, k->str) == 0;
        if (dup) continue;
        keypath_join(gkp, sizeof gkp, kp, k->str);
        int before = diag_count(L->env.diag);
        double l = fields_param_node(&L->env, v->vals[j], gkp, 0.0, &R_LOADING).value;
        if (!factors_glob_valid(k->str))
            fields_error(&L->env, k, gkp, "'%s' is not a key path glob (expected key path "
                         "components separated by single dots, with the wildcards * ? [...] "
                         "inside a component, such as contracts.*.capacity.*.delay_months)",
                         k->str);
        if (diag_count(L->env.diag) != before) continue;
        const yamldoc_node **at = realloc(tn->at, (tn->n + 1) * sizeof *at);
        if (at) tn->at = at;
        const yamldoc_node **val = at ? realloc(tn->val, (tn->n + 1) * sizeof *val) : NULL;
        if (val) tn->val = val;
        if (!val || factors_add_term(L->sc, f, k->str, l, k->line, k->col) != 0) {
            fields_error(&L->env, k, gkp, "out of memory");
            continue;
        }
        tn->at[tn->n] = k;
        tn->val[tn->n++] = v->vals[j];
    }
    fields_close(&m);
}

/* A glob that matches no uncertain value is forgiven when it matches a key path that a
 * --set argument pinned (a sweep over a loaded value): the loading no longer applies. */
static int matches_a_set(const loader *L, const char *glob)
{
    for (size_t i = 0; i < L->nset_paths; i++)
        if (factors_glob_match(glob, L->set_paths[i])) return 1;
    return 0;
}

/* The loadings of factor f's terms (the first of which is term number t0 in tn). Each
 * value is matched by at most one glob of a factor. */
static void resolve_factor(loader *L, int f, size_t t0, const term_nodes *tn, int *term_of)
{
    scenario *sc = L->sc;
    const factor_spec *fs = &sc->factors[f];
    char gkp[KEYPATH_MAX], kp[KEYPATH_MAX];
    keypath_join(kp, sizeof kp, "factors", fs->name);
    for (size_t k = 0; k < sc->nuncertain; k++) term_of[k] = -1;
    for (size_t t = 0; t < fs->nterms; t++) {
        const factor_term *ft = &fs->terms[t];
        size_t matched = 0;
        keypath_join(gkp, sizeof gkp, kp, ft->glob);
        for (size_t k = 0; k < sc->nuncertain; k++) {
            if (!factors_glob_match(ft->glob, sc->uncertain[k].keypath)) continue;
            matched++;
            if (term_of[k] >= 0) {
                fields_error(&L->env, tn->at[t0 + t], gkp, "'%s' and '%s' (line %d) both match "
                             "%s (expected each value matched by at most one glob of a factor)",
                             ft->glob, fs->terms[term_of[k]].glob, fs->terms[term_of[k]].line,
                             sc->uncertain[k].keypath);
                continue;
            }
            term_of[k] = (int)t;
            if (ft->loading != 0 && factors_add_loading(sc, (int)k, f, ft->loading) != 0)
                fields_error(&L->env, tn->at[t0 + t], gkp, "out of memory");
        }
        if (!matched && !matches_a_set(L, ft->glob))
            fields_error(&L->env, tn->at[t0 + t], gkp, "'%s' matches no uncertain value "
                         "(expected a glob over the key paths of fields written as {dist: ...}; "
                         "capsim check lists them at its end)", ft->glob);
    }
}

/* The term (number in tn) of the last factor that loads value u: where an error about
 * u's loadings points. loadings of u are sorted by factor. */
static size_t last_term_of(const loader *L, int u, const size_t *t0)
{
    const scenario *sc = L->sc;
    size_t i = factors_first_loading(sc, u), last = i;
    for (; i < sc->nloadings && sc->loadings[i].u == u; i++) last = i;
    int f = sc->loadings[last].f;
    const factor_spec *fs = &sc->factors[f];
    for (size_t t = 0; t < fs->nterms; t++)
        if (factors_glob_match(fs->terms[t].glob, sc->uncertain[u].keypath)) return t0[f] + t;
    return t0[f];
}

/* Values whose loadings square to 1 or more have nothing left of their own: one error
 * per glob that tips them over, naming the first such value and counting the others. */
static void check_loading_sums(loader *L, const term_nodes *tn, const size_t *t0)
{
    const scenario *sc = L->sc;
    size_t *count = calloc(tn->n ? tn->n : 1, sizeof *count);
    int *first = malloc((tn->n ? tn->n : 1) * sizeof *first);
    if (!count || !first) goto done;
    for (size_t u = 0; u < sc->nuncertain; u++) {
        if (factors_first_loading(sc, (int)u) == sc->nloadings ||
            factors_sum_squares(sc, (int)u) < 1) continue;
        size_t t = last_term_of(L, (int)u, t0);
        if (!count[t]++) first[t] = (int)u;
    }
    for (size_t t = 0; t < tn->n; t++) {
        if (!count[t]) continue;
        int u = first[t];
        char list[1024], gkp[KEYPATH_MAX], more[64] = "";
        size_t used = 0;
        for (size_t i = factors_first_loading(sc, u); i < sc->nloadings && sc->loadings[i].u == u; i++)
            if (used < sizeof list)
                used += snprintf(list + used, sizeof list - used, "%s%s %g", used ? ", " : "",
                                 sc->factors[sc->loadings[i].f].name, sc->loadings[i].l);
        if (count[t] > 1)
            snprintf(more, sizeof more, "; %zu more value%s too", count[t] - 1, count[t] > 2 ? "s" : "");
        int f = 0;   /* the factor of term t: its key path is factors.FACTOR.GLOB */
        while ((size_t)f + 1 < sc->nfactors && t0[f + 1] <= t) f++;
        char fkp[KEYPATH_MAX];
        keypath_join(fkp, sizeof fkp, "factors", sc->factors[f].name);
        keypath_join(gkp, sizeof gkp, fkp, tn->at[t]->str);
        fields_error(&L->env, tn->val[t], gkp, "the loadings of %s (%s) have squares summing to "
                     "%.6g (expected a sum below 1 for each value: 1 minus the sum is the "
                     "share of its own variation%s)", sc->uncertain[u].keypath, list,
                     factors_sum_squares(sc, u), more);
    }
done:
    free(count);
    free(first);
}

/* How many values the factors load (nonzero loadings). */
static size_t loaded_values(const scenario *sc)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->nloadings; i++) n += i == 0 || sc->loadings[i].u != sc->loadings[i - 1].u;
    return n;
}

static void load_factors(loader *L, const yamldoc_node *n)
{
    fields m;
    term_nodes tn = { NULL, NULL, 0, 0 };
    if (!n || yamldoc_is_null(n)) return;
    if (fields_open_names(&m, &L->env, n, "factors", "a mapping of factor names to {key.path "
                          "glob: loading}, such as {nvidia_supply: {contracts.*.capacity.*."
                          "delay_months: 0.8}}") != 0)
        return;
    if (too_many(L, n, "factors", "factors")) return;
    for (size_t i = 0; i < n->n && !tn.over; i++)
        if (map_name(L, n, i, "factors", "factor", 0) == 0 && keypath_valid_name(n->keys[i]->str))
            load_factor(L, n, i, &tn);   /* a bad name is reported: its globs would only add noise */
    if (tn.over) {
        free(tn.at);
        free(tn.val);
        return;
    }
    scenario *sc = L->sc;
    size_t *t0 = malloc((sc->nfactors ? sc->nfactors : 1) * sizeof *t0);
    int *term_of = malloc((sc->nuncertain ? sc->nuncertain : 1) * sizeof *term_of);
    if (t0 && term_of) {
        for (size_t f = 0, t = 0; f < sc->nfactors; t += sc->factors[f].nterms, f++) {
            t0[f] = t;
            resolve_factor(L, (int)f, t, &tn, term_of);
        }
        factors_sort_loadings(sc);
        size_t nl = loaded_values(sc);
        if (nl > BOUNDS_LOADED_MAX)
            fields_error(&L->env, n, "factors", "the factors load %zu values (expected at most %d)",
                         nl, BOUNDS_LOADED_MAX);
        else
            check_loading_sums(L, &tn, t0);
    } else {
        fields_error(&L->env, n, "factors", "out of memory");
    }
    free(t0);
    free(term_of);
    free(tn.at);
    free(tn.val);
}

/* The copula matrix of correlations and factors must be positive definite: checked once
 * both sections are in and have no errors of their own (`before`: the error count
 * before them). Reported at correlations: when it has pairs, else at factors:. */
static void check_copula(loader *L, const yamldoc_node *corr, const yamldoc_node *fac, int before)
{
    char msg[1024];
    const scenario *sc = L->sc;
    if (diag_count(L->env.diag) != before || (sc->ncorr == 0 && sc->nloadings == 0)) return;
    if (sample_check_correlations(sc, msg, sizeof msg) == 0) return;
    if (sc->ncorr) fields_error(&L->env, corr, "correlations", "%s", msg);
    else fields_error(&L->env, fac, "factors", "%s", msg);
}

/* ---- finance: (docs/MODEL.md 5, "Cash") ---- */

/* when: {metric: cash_below, usd: X}. */
static void load_funding_when(loader *L, funding_spec *f, const yamldoc_node *n, const char *kp)
{
    static const char *const metrics[] = { "cash_below" };
    fields m;
    fields_open(&m, &L->env, n, kp, "a mapping {metric: cash_below, usd: X}");
    f->conditional = 1;
    fields_enum(&m, "metric", 1, 0, metrics, 1);
    f->below_usd = fields_param(&m, "usd", 1, 0.0, &R_GE0);
    fields_close(&m);
}

static void load_funding_round(loader *L, const yamldoc_node *seq, size_t i)
{
    char el[KEYPATH_MAX], kp[KEYPATH_MAX], sub[KEYPATH_MAX];
    keypath_element(seq, i, el, sizeof el);
    keypath_join(kp, sizeof kp, "finance.funding", el);
    fields m;
    fields_open(&m, &L->env, seq->vals[i], kp, "a funding round {name: ..., usd: X, at: YYYY-MM, "
                "when?: {metric: cash_below, usd: X}}");
    element_name(&m, seq, i, "funding round", el, sizeof el);
    int k = scenario_add_funding(L->sc, el, 0.0, 0);
    if (k < 0) {
        fields_close(&m);
        return;
    }
    funding_spec *f = &L->sc->funding[k];
    f->usd = fields_param(&m, "usd", 1, 0.0, &R_GE0);
    f->at = fields_month(&m, "at", 1, 0);
    const yamldoc_node *w = fields_get(&m, "when");
    fields_child_kp(&m, "when", sub, sizeof sub);
    if (w) load_funding_when(L, f, w, sub);
    fields_close(&m);
}

static void load_finance(loader *L, const yamldoc_node *n)
{
    if (!n || yamldoc_is_null(n)) return;
    fields m;
    if (fields_open(&m, &L->env, n, "finance", "a mapping {cash_start_usd, "
                    "other_costs_usd_per_month, funding}") != 0)
        return;
    L->sc->has_finance = 1;
    L->sc->cash_start_usd = fields_param(&m, "cash_start_usd", 0, 0.0, &R_GE0);
    L->sc->other_costs_usd_per_month = fields_param(&m, "other_costs_usd_per_month", 0, 0.0, &R_GE0);
    const yamldoc_node *fl = open_list(L, fields_get(&m, "funding"), "finance.funding",
                                       "a list of funding rounds: - {name: ..., usd: X, at: YYYY-MM}");
    if (!too_many(L, fl, "finance.funding", "funding rounds"))
        for (size_t i = 0; fl && i < fl->n; i++) load_funding_round(L, fl, i);
    fields_close(&m);
}

/* ---- the document ---- */

static void load_root(loader *L)
{
    const char *expect = "a mapping with keys scenario, simulation, chips, clouds, demand, "
                         "contracts, correlations, factors, finance";
    fields m;
    if (yamldoc_is_null(L->root)) {
        fields_error(&L->env, L->root, "", "the scenario is empty (expected %s)", expect);
        return;
    }
    if (fields_open(&m, &L->env, L->root, "", expect) != 0) return;
    const yamldoc_node *scen = fields_get(&m, "scenario"), *sim = fields_get(&m, "simulation");
    const yamldoc_node *chips = fields_get(&m, "chips"), *clouds = fields_get(&m, "clouds");
    const yamldoc_node *demand = fields_get(&m, "demand"), *contracts = fields_get(&m, "contracts");
    const yamldoc_node *corr = fields_get(&m, "correlations"), *fac = fields_get(&m, "factors");
    const yamldoc_node *fin = fields_get(&m, "finance");
    /* decisions: and objective: are read by `capsim optimize` (and checked by `capsim
     * check`) from the scenario text: every other command accepts and ignores them. */
    (void)fields_get(&m, "decisions");
    (void)fields_get(&m, "objective");
    if (!scen) fields_missing(&m, "scenario", "{name: ..., start: YYYY-MM, months: N}");
    /* Dependency order: dates need the start, references need what they name. */
    load_scenario_section(L, scen);
    load_simulation(L, sim);
    load_chips(L, chips);
    load_clouds(L, clouds);
    load_demand(L, demand);
    load_contracts(L, contracts);
    load_finance(L, fin);
    int before = diag_count(L->env.diag);
    load_correlations(L, corr);
    load_factors(L, fac);
    check_copula(L, corr, fac, before);
    fields_close(&m);
}

/* Graft v at path. A loading of a common factor is addressed as factors.NAME.GLOB: the
 * factor name is the component after `factors.` and the rest, dots and all, is the glob
 * (a key of the factor's mapping), so `--set factors.f.contracts.*.capacity.*.delay_months=0.5`
 * sets or adds the loading of that glob. */
static int set_node(loader *L, const char *path, yamldoc_node *v, int k, char *msg, size_t msglen)
{
    const char *dot = strncmp(path, "factors.", 8) == 0 ? strchr(path + 8, '.') : NULL;
    if (dot && dot > path + 8 && dot[1]) {
        char head[KEYPATH_MAX];
        snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
        return keypath_set_key(L->root, head, dot + 1, v, SET_ORIGIN, k, 1, msg, msglen);
    }
    return keypath_set(L->root, path, v, SET_ORIGIN, k, 1, msg, msglen);
}

/* Keep the canonical key path of an applied --set (matches_a_set). */
static void remember_set(loader *L, const char *path)
{
    char canon[KEYPATH_MAX], msg[256];
    if (!keypath_find(L->root, path, canon, sizeof canon, msg, sizeof msg)) return;
    char **p = realloc(L->set_paths, (L->nset_paths + 1) * sizeof *p);
    if (!p) return;
    L->set_paths = p;
    if ((p[L->nset_paths] = malloc(strlen(canon) + 1))) strcpy(p[L->nset_paths++], canon);
}

/* One `--set key.path=value` (the k-th, 1-based): graft the parsed value into the tree. */
static void apply_set(loader *L, const char *arg, int k)
{
    static const char *const origin = SET_ORIGIN;
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        diag_add(L->env.diag, origin, k, 1, NULL, "'%s' is not key.path=value (expected "
                  "--set key.path=value, such as --set demand.inference.growth=2.5)", arg);
        return;
    }
    char path[KEYPATH_MAX];
    snprintf(path, sizeof path, "%.*s", (int)(eq - arg), arg);
    int vcol = (int)(eq - arg) + 2;
    if (!eq[1]) {
        diag_add(L->env.diag, origin, k, vcol, path, "missing value (expected key.path=value)");
        return;
    }
    yamldoc_error e;
    yamldoc_node *v = yamldoc_parse(eq + 1, strlen(eq + 1), origin, k - 1, vcol - 1, &e);
    if (!v) {   /* libyaml may place an unexpected end on a next line: keep it on ours */
        int col = e.line == k ? e.col : vcol + (int)strlen(eq + 1);
        diag_add(L->env.diag, origin, k, col, path, "%s", e.msg);
        return;
    }
    char msg[1024];
    if (set_node(L, path, v, k, msg, sizeof msg) != 0) {
        diag_add(L->env.diag, origin, k, 1, path, "%s", msg);
        yamldoc_free(v);
        return;
    }
    remember_set(L, path);
}

static int finish(diag_list *d, FILE *errs, int *nerrors)
{
    int n = diag_count(d);
    if (n) diag_print(d, errs);
    if (nerrors) *nerrors = n;
    diag_free(d);
    return n;
}

/* A file name inside a comment line: control characters as '?'. */
static void put_name(FILE *f, const char *s)
{
    for (; *s; s++) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/* The composed tree as the text stored with the results (sc->text): YAML that reads
 * back to the very same tree (checked here), headed by a comment naming the files. NULL
 * with the error recorded. */
static char *resolved_text(loader *L, const yamldoc_node *root, const char *name,
                           const compose *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        diag_add(L->env.diag, name, 0, 0, NULL, "out of memory");
        return NULL;
    }
    fputs("# ", f);
    put_name(f, name);
    fputs(" as capsim resolved it (extends and merge keys applied): ", f);
    put_name(f, name);
    for (size_t i = 0; i < c->nnames; i++) {
        fputs(" extends ", f);
        put_name(f, c->names[i]);
    }
    fputs(".\n# This text alone, without those files, gives the same scenario.\n", f);
    yamldoc_emit(f, root, NULL);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        diag_add(L->env.diag, name, 0, 0, NULL, "out of memory");
        return NULL;
    }
    yamldoc_error e;
    yamldoc_node *again = len <= YAMLDOC_MAX_BYTES
                        ? yamldoc_parse(buf, len, name, 0, 0, &e) : NULL;
    int same = again && yamldoc_equal(again, root);
    yamldoc_free(again);
    if (!same) {
        diag_add(L->env.diag, name, 0, 0, NULL, "the resolved scenario cannot be stored as "
                 "YAML that reads back the same (%s; expected a smaller or plainer scenario)",
                 len > YAMLDOC_MAX_BYTES ? "it is larger than 16 MiB" : "a value does not round-trip");
        free(buf);
        return NULL;
    }
    return buf;
}

static char *origins_text(const yamldoc_node *root, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fprintf(f, "# %s as its files compose it (before defaults); a value written in another "
            "file, or by --set, ends in # from FILE:LINE\n", name);
    yamldoc_emit(f, root, name);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Load from text; dir and path_for_id as compose_resolve takes them. */
static scenario *load_impl(const char *text, size_t len, const char *display_name,
                           const char *dir, const char *path_for_id,
                           const char *const *sets, size_t nsets, char **origins,
                           FILE *errs, int *nerrors)
{
    const char *name = display_name ? display_name : "<scenario>";
    loader L = { .root = NULL };
    compose c;
    char *stored = NULL;
    if (origins) *origins = NULL;
    L.env.diag = diag_alloc();
    L.sc = L.env.sc = scenario_alloc();
    if (!L.env.diag || !L.sc) {
        if (errs) fprintf(errs, "%s: out of memory\n", name);
        if (nerrors) *nerrors = 1;
        diag_free(L.env.diag);
        scenario_free(L.sc);
        return NULL;
    }
    compose_init(&c, L.env.diag);
    diag_origin(L.env.diag, name);
    yamldoc_error e;
    L.root = yamldoc_parse(text, len, name, 0, 0, &e);
    if (!L.root) {
        diag_add(L.env.diag, name, e.line, e.col, NULL, "%s", e.msg);
    } else if ((L.root = compose_resolve(&c, L.root, name, dir, path_for_id)) != NULL) {
        diag_origin(L.env.diag, SET_ORIGIN);   /* after the base files: errors sort so */
        if (c.nnames) stored = resolved_text(&L, L.root, name, &c);
        for (size_t k = 0; k < nsets; k++) apply_set(&L, sets[k], (int)k + 1);
        load_root(&L);
        if (origins && !diag_count(L.env.diag) && !(*origins = origins_text(L.root, name)))
            diag_add(L.env.diag, name, 0, 0, NULL, "out of memory");
    }
    set_string(&L.sc->source_path, name);
    if (stored) {
        L.sc->text = stored;
    } else if ((L.sc->text = malloc(len + 1)) != NULL) {
        memcpy(L.sc->text, text, len);
        L.sc->text[len] = '\0';
    } else {
        diag_add(L.env.diag, name, 0, 0, NULL, "out of memory");
    }
    yamldoc_free(L.root);
    for (size_t i = 0; i < L.nset_paths; i++) free(L.set_paths[i]);
    free(L.set_paths);
    int failed = finish(L.env.diag, errs, nerrors);
    compose_free(&c);   /* after the errors that name its files are printed */
    if (failed) {
        if (origins) {
            free(*origins);
            *origins = NULL;
        }
        scenario_free(L.sc);
        return NULL;
    }
    return L.sc;
}

scenario *loader_load_text_opts(const char *text, size_t len, const char *display_name,
                                const char *const *sets, size_t nsets, const loader_opts *o,
                                FILE *errs, int *nerrors)
{
    return load_impl(text, len, display_name, o ? o->dir : NULL, NULL, sets, nsets,
                     o ? o->origins : NULL, errs, nerrors);
}

scenario *loader_load_text(const char *text, size_t len, const char *display_name,
                           const char *const *sets, size_t nsets, FILE *errs, int *nerrors)
{
    return load_impl(text, len, display_name, NULL, NULL, sets, nsets, NULL, errs, nerrors);
}

scenario *loader_load_file_opts(const char *path, const char *const *sets, size_t nsets,
                                const loader_opts *o, FILE *errs, int *nerrors)
{
    size_t len = 0;
    errno = 0;
    char *text = compose_read_file(path, &len);
    char *dir = text ? compose_dirname(path) : NULL;
    if (!text || !dir) {
        if (errs) fprintf(errs, "%s: cannot read the scenario: %s\n", path,
                          strerror(errno ? errno : ENOMEM));
        if (nerrors) *nerrors = 1;
        free(text);
        return NULL;
    }
    scenario *sc = load_impl(text, len, path, dir, path, sets, nsets, o ? o->origins : NULL,
                             errs, nerrors);
    free(dir);
    free(text);
    return sc;
}

scenario *loader_load_file(const char *path, const char *const *sets, size_t nsets,
                           FILE *errs, int *nerrors)
{
    return loader_load_file_opts(path, sets, nsets, NULL, errs, nerrors);
}

int loader_canonical_key(const char *path, const char *key, char *canon, size_t len)
{
    size_t n = 0;
    char *text = compose_read_file(path, &n);
    char *dir = text ? compose_dirname(path) : NULL;
    diag_list *d = diag_alloc();
    int found = 0;
    if (text && dir && d) {
        compose c;
        compose_init(&c, d);
        yamldoc_error err;
        yamldoc_node *root = yamldoc_parse(text, n, path, 0, 0, &err);
        if (root) root = compose_resolve(&c, root, path, dir, path);
        char msg[256];
        found = root && keypath_find(root, key, canon, len, msg, sizeof msg) != NULL;
        yamldoc_free(root);
        compose_free(&c);
    }
    diag_free(d);
    free(dir);
    free(text);
    return found ? 0 : -1;
}
