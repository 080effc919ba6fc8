/*
 * fields: typed getters over a scenario mapping (see fields.h).
 *
 * Every getter reports through fields_error() and falls back to its default, so the
 * loader can keep going; whether a sub-parse failed is read from the change in the
 * error count rather than threaded through every return value.
 */
#include "fields.h"
#include "dist_forms.h"
#include "sim/base/suggest.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void fields_error(fields_env *env, const yamldoc_node *at, const char *kp, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at) diag_add(env->diag, at->origin, at->line, at->col, kp, "%s", msg);
    else diag_add(env->diag, NULL, 0, 0, kp, "%s", msg);
}

/* ---- the recorder (test_schema) ---- */

static fields_recorder recorder;
static void *recorder_ctx;
static int recorder_quiet;   /* > 0 inside a distribution's mapping */

void fields_set_recorder(fields_recorder fn, void *ctx)
{
    recorder = fn;
    recorder_ctx = ctx;
    recorder_quiet = 0;
}

static void rec(const char *kp, fields_rec_kind kind, int required, double def,
                const fields_rule *rule, const char *const *names, int nnames)
{
    if (!recorder || recorder_quiet) return;
    fields_record r = { kp, kind, required, def, rule, names, nnames };
    recorder(&r, recorder_ctx);
}

/* The same for key of m. */
static void rec_key(const fields *m, const char *key, fields_rec_kind kind, int required,
                    double def, const fields_rule *rule)
{
    if (!recorder || recorder_quiet) return;
    char kp[KEYPATH_MAX];
    keypath_join(kp, sizeof kp, m->kp, key);
    rec(kp, kind, required, def, rule, NULL, 0);
}

/* ---- opening and closing a mapping ---- */

/* Keys that are not scalars, and duplicates (each reported with the first of its
 * text), in the order they are written; O(n log n), for a map of any size. */
static void check_keys(fields *m)
{
    const yamldoc_node *n = m->node;
    size_t *first = malloc((n->n ? n->n : 1) * sizeof *first);
    if (!first || yamldoc_first_keys(n, first) != 0) {
        free(first);
        fields_error(m->env, n, m->kp, "out of memory");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const yamldoc_node *k = n->keys[i];
        if (k->kind != YAMLDOC_SCALAR) {
            fields_error(m->env, k, m->kp, "found %s as a key (expected a plain name)",
                       yamldoc_kind_name(k));
        } else if (first[i] != i) {
            const yamldoc_node *f = n->keys[first[i]];
            fields_error(m->env, k, m->kp, "duplicate key '%s' (expected each key once; "
                       "first at line %d, column %d)", k->str, f->line, f->col);
        }
    }
    free(first);
}

static int open_map(fields *m, fields_env *env, const yamldoc_node *node, const char *kp,
                    const char *expect, int names)
{
    memset(m, 0, sizeof *m);
    m->env = env;
    m->at = node;
    m->names = names;
    keypath_join(m->kp, sizeof m->kp, "", kp);
    rec(m->kp, names ? FIELDS_REC_NAMED : FIELDS_REC_MAP, -1, 0, NULL, NULL, 0);
    if (!node) return -1;
    if (yamldoc_is_null(node)) {   /* `key:` with nothing after it: an empty mapping */
        m->node = node;
        return 0;
    }
    if (node->kind != YAMLDOC_MAP) {
        fields_error(env, node, kp, "found %s (expected %s)", yamldoc_kind_name(node), expect);
        return -1;
    }
    m->node = node;
    check_keys(m);
    return 0;
}

int fields_open(fields *m, fields_env *env, const yamldoc_node *node, const char *kp, const char *expect)
{
    return open_map(m, env, node, kp, expect, 0);
}

int fields_open_names(fields *m, fields_env *env, const yamldoc_node *node, const char *kp,
                    const char *expect)
{
    return open_map(m, env, node, kp, expect, 1);
}

static int was_asked(const fields *m, const char *key)
{
    for (size_t i = 0; i < m->nasked; i++)
        if (strcmp(m->asked[i], key) == 0) return 1;
    return 0;
}

void fields_close(fields *m)
{
    if (!m->node || m->names) return;
    for (size_t i = 0; i < m->node->n; i++) {
        const yamldoc_node *k = m->node->keys[i];
        if (k->kind != YAMLDOC_SCALAR || was_asked(m, k->str)) continue;
        if (diag_count(m->env->diag) >= DIAG_MAX) {   /* not kept: only counted */
            diag_add(m->env->diag, k->origin, k->line, k->col, m->kp, "unknown key");
            continue;
        }
        char hint[512];
        suggest_text(hint, sizeof hint, k->str, m->asked, m->nasked, "expected no keys here");
        fields_error(m->env, k, m->kp, "unknown key '%s' (%s)", k->str, hint);
    }
}

const yamldoc_node *fields_get(fields *m, const char *key)
{
    rec_key(m, key, FIELDS_REC_ASKED, -1, 0, NULL);
    if (!was_asked(m, key) && m->nasked < FIELDS_MAX_KEYS) m->asked[m->nasked++] = key;
    const yamldoc_node *v = yamldoc_get(m->node, key);
    return yamldoc_is_null(v) ? NULL : v;
}

void fields_child_kp(const fields *m, const char *key, char *buf, size_t len)
{
    keypath_join(buf, len, m->kp, key);
}

void fields_missing(fields *m, const char *key, const char *expect)
{
    fields_error(m->env, m->at, m->kp, "missing key '%s' (expected %s)", key, expect);
}

/* ---- scalars ---- */

int fields_parse_number(const char *s, double *out, int allow_inf)
{
    if (allow_inf && (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
                      !strcmp(s, "+.inf"))) {
        *out = INFINITY;
        return 0;
    }
    if (!*s) return -1;
    for (const char *c = s; *c; c++)  /* no hex, inf, nan, blanks: what a person writes */
        if (!isdigit((unsigned char)*c) && !strchr("+-.eE", *c)) return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int fields_parse_yearmonth(const char *s, int *year, int *month)
{
    size_t n = strlen(s);
    if (n < 6 || n > 7 || s[4] != '-') return -1;
    for (size_t i = 0; i < n; i++)
        if (i != 4 && !isdigit((unsigned char)s[i])) return -1;
    int y = atoi(s), m = atoi(s + 5);
    if (m < 1 || m > 12) return -2;
    *year = y;
    *month = m;
    return 0;
}

static void expect_text(const fields_rule *r, char *buf, size_t len)
{
    if (r->flags & (FIELDS_CONST_ONLY | FIELDS_INTEGER)) snprintf(buf, len, "%s", r->expect);
    else snprintf(buf, len, "%s, or a distribution {dist: ...}", r->expect);
}

static int in_range(const fields_rule *r, double v)
{
    int lo_ok = r->lo_open ? v > r->lo : v >= r->lo;
    int hi_ok = r->hi_open ? v < r->hi : v <= r->hi;
    return lo_ok && hi_ok;
}

/* A constant value node: parse, check integer-ness and range. 0, or -1 (reported). */
static int scalar_value(fields_env *env, const yamldoc_node *v, const char *kp,
                        const fields_rule *r, double *out)
{
    char exp[256];
    expect_text(r, exp, sizeof exp);
    if (v->kind != YAMLDOC_SCALAR) {
        fields_error(env, v, kp, "found %s (expected %s)", yamldoc_kind_name(v), exp);
        return -1;
    }
    double x;
    if (fields_parse_number(v->str, &x, (r->flags & FIELDS_ALLOW_INF) != 0)) {
        fields_error(env, v, kp, "'%s' is not a number (expected %s)", v->str, exp);
        return -1;
    }
    if ((r->flags & FIELDS_INTEGER) && (x != floor(x) || fabs(x) > 9007199254740992.0)) {
        fields_error(env, v, kp, "%s is not a whole number (expected %s)", v->str, r->expect);
        return -1;
    }
    if (!in_range(r, x)) {
        fields_error(env, v, kp, "%s is out of range (expected %s)", v->str, r->expect);
        return -1;
    }
    *out = x;
    return 0;
}

/* ---- distributions ---- */

/* The families a scenario may write as {dist: NAME, ...}: those of the table with a
 * usage (a constant is a plain number). */
static size_t scenario_families(const char **names)
{
    size_t n = 0;
    for (int f = 0; f < DIST_NFAMILIES; f++)
        if (dist_families[f].usage) names[n++] = dist_families[f].name;
    return n;
}

static const dist_family_type *find_family(fields *m, const yamldoc_node *fn)
{
    const char *names[DIST_NFAMILIES];
    size_t n = scenario_families(names);
    if (!fn) {
        char list[256] = "";
        for (size_t i = 0, used = 0; i < n && used < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     names[i]);
        fields_error(m->env, m->at, m->kp, "mapping without 'dist' (expected a number, or a "
                   "distribution {dist: FAMILY, ...} with FAMILY one of %s)", list);
        return NULL;
    }
    const dist_family_type *t = fn->kind == YAMLDOC_SCALAR ? dist_family_lookup(fn->str) : NULL;
    if (t && t->usage) return t;
    char hint[512];
    suggest_text(hint, sizeof hint, fn->kind == YAMLDOC_SCALAR ? fn->str : "", names, n, NULL);
    fields_error(m->env, fn, m->kp, "unknown distribution '%s' (%s)",
               fn->kind == YAMLDOC_SCALAR ? fn->str : yamldoc_kind_name(fn), hint);
    return NULL;
}

static const fields_rule any_number = { -INFINITY, INFINITY, 0, 0, FIELDS_CONST_ONLY, "a number" };
static const fields_rule bound_number = { -INFINITY, INFINITY, 0, 0,
                                        FIELDS_CONST_ONLY | FIELDS_ALLOW_INF, "a number" };

/* A constant parameter of a distribution (m is the distribution's mapping); def when
 * absent (missing_params reports the required ones). */
static double dist_param(fields *m, const char *key, double def, const fields_rule *r,
                         const dist_family_type *fi)
{
    const yamldoc_node *v = fields_get(m, key);
    if (!v) return def;
    char kp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    if (v->kind == YAMLDOC_MAP) {
        fields_error(m->env, v, kp, "a distribution parameter must be a number (expected %s)",
                   fi->usage);
        return def;
    }
    double x = def;
    scalar_value(m->env, v, kp, r, &x);
    return x;
}

/* One message for all the parameters a family needs and m lacks. */
static void missing_params(fields *m, const dist_family_type *fi)
{
    char names[128] = "";
    int nmissing = 0, last = -1;
    for (int i = 0; i < fi->np; i++)
        if (!fields_get(m, fi->params[i])) nmissing++, last = i;
    for (int i = 0, k = 0; i < fi->np; i++) {
        if (fields_get(m, fi->params[i])) continue;
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s'%s'",
                 k == 0 ? "" : i == last ? " and " : ", ", fi->params[i]);
        k++;
    }
    if (nmissing)
        fields_error(m->env, m->at, m->kp, "%s needs %s (expected %s)", fi->name, names, fi->usage);
}

/* A list of constants (discrete values or weights) into a fresh array. */
static double *number_list(fields *m, const char *key, size_t *n)
{
    *n = 0;
    const yamldoc_node *v = fields_get(m, key);
    if (!v) return NULL;
    char kp[KEYPATH_MAX], ikp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    if (v->kind != YAMLDOC_SEQ || v->n == 0) {
        fields_error(m->env, v, kp, "found %s (expected a non-empty list of numbers [A, B, ...])",
                   v->kind == YAMLDOC_SEQ ? "an empty list" : yamldoc_kind_name(v));
        return NULL;
    }
    double *x = calloc(v->n, sizeof *x);
    if (!x) return NULL;
    for (size_t i = 0; i < v->n; i++) {
        keypath_join_index(ikp, sizeof ikp, kp, i);
        scalar_value(m->env, v->vals[i], ikp, &any_number, &x[i]);
    }
    *n = v->n;
    return x;
}

static void discrete_params(fields *m, dist_spec *d)
{
    size_t nv, nw;
    d->values = number_list(m, "values", &nv);
    d->weights = number_list(m, "weights", &nw);
    if (!yamldoc_get(m->node, "values"))
        fields_error(m->env, m->at, m->kp, "discrete needs 'values' (expected %s)",
                   dist_families[DIST_DISCRETE].usage);
    d->n = nv;
    if (d->weights && nw != nv && d->values) {
        char kp[KEYPATH_MAX];
        fields_child_kp(m, "weights", kp, sizeof kp);
        fields_error(m->env, yamldoc_get(m->node, "weights"), kp,
                   "%zu weight%s for %zu value%s (expected one weight per value)", nw,
                   nw == 1 ? "" : "s", nv, nv == 1 ? "" : "s");
    }
    if (!d->weights && nv) {   /* no weights: equally likely values */
        d->weights = calloc(nv, sizeof *d->weights);
        for (size_t i = 0; d->weights && i < nv; i++) d->weights[i] = 1.0 / (double)nv;
    }
}

/* A distribution may be written by another pair of keys than its own parameters
 * (dist_forms.h): one pair, turned into the parameters d holds. Returns 1 when m uses
 * another pair (handled here, errors reported), 0 when the generic code reads it. */
static int other_forms(fields *m, dist_spec *d, const dist_family_type *fi)
{
    const char *keys[DIST_FORMS_MAX][2];
    int nforms = dist_forms_of(fi->family, keys);
    if (nforms < 2) return 0;
    int present[DIST_FORMS_MAX] = { 0 }, used = 0, form = 0;
    for (int f = 0; f < nforms; f++) {
        present[f] = (fields_get(m, keys[f][0]) != NULL) + (fields_get(m, keys[f][1]) != NULL);
        if (present[f]) used++, form = f;
    }
    if (used > 1) {
        char pairs[160] = "", found[96] = "";
        for (int f = 0; f < nforms; f++) {
            size_t n = strlen(pairs);
            snprintf(pairs + n, sizeof pairs - n, "%s%s and %s", f == 0 ? "" : f == nforms - 1 ? ", or " : ", ",
                     keys[f][0], keys[f][1]);
        }
        for (int f = 0, k = 0; f < nforms; f++)
            for (int j = 0; j < 2; j++)
                if (fields_get(m, keys[f][j])) {
                    size_t n = strlen(found);
                    snprintf(found + n, sizeof found - n, "%s%s", k++ ? ", " : "", keys[f][j]);
                }
        fields_error(m->env, m->at, m->kp, "%s takes one pair: %s (found %s)", fi->name, pairs, found);
        return 1;
    }
    if (form == 0) return 0;
    if (present[form] < 2) {
        fields_error(m->env, m->at, m->kp, "%s needs '%s' and '%s' together (expected %s)", fi->name,
                     keys[form][0], keys[form][1], fi->usage);
        return 1;
    }
    double a = dist_param(m, keys[form][0], NAN, &any_number, fi);
    double b = dist_param(m, keys[form][1], NAN, &any_number, fi);
    if (!isfinite(a) || !isfinite(b)) return 1;   /* reported by dist_param */
    char msg[256];
    if (dist_forms_resolve(d, form, a, b, msg, sizeof msg) != 0) fields_error(m->env, m->at, m->kp, "%s", msg);
    return 1;
}

static int parse_dist_quiet(fields_env *env, const yamldoc_node *v, const char *kp, dist_spec *d);

/* Parse the mapping v into d and validate it. 0, or -1 (reported; d cleared). */
static int parse_dist(fields_env *env, const yamldoc_node *v, const char *kp, dist_spec *d)
{
    recorder_quiet++;
    int rc = parse_dist_quiet(env, v, kp, d);
    recorder_quiet--;
    return rc;
}

static int parse_dist_quiet(fields_env *env, const yamldoc_node *v, const char *kp, dist_spec *d)
{
    memset(d, 0, sizeof *d);
    d->lo = -INFINITY;
    d->hi = INFINITY;
    int before = diag_count(env->diag);
    fields m;
    fields_open(&m, env, v, kp, "a distribution {dist: ...}");
    const dist_family_type *fi = find_family(&m, fields_get(&m, "dist"));
    if (!fi) return -1;   /* its keys depend on the family: do not judge them */
    d->family = fi->family;
    if (!other_forms(&m, d, fi)) {
        missing_params(&m, fi);
        for (int i = 0; i < fi->np; i++) d->p[i] = dist_param(&m, fi->params[i], 0.0, &any_number, fi);
    }
    if (fi->truncatable) {
        d->lo = dist_param(&m, "min", -INFINITY, &bound_number, fi);
        d->hi = dist_param(&m, "max", INFINITY, &bound_number, fi);
    }
    if (fi->family == DIST_DISCRETE) discrete_params(&m, d);
    fields_close(&m);
    char msg[512];
    if (diag_count(env->diag) == before && dist_validate(d, msg, sizeof msg) != 0)
        fields_error(env, v, kp, "%s", msg);
    if (diag_count(env->diag) != before) {
        dist_clear(d);
        return -1;
    }
    return 0;
}

/* Does d stay inside r? Continuous families have no mass on a single point, so an open
 * bound is met by a support that ends there (a gamma for a field > 0). */
static int check_support(fields_env *env, const yamldoc_node *v, const char *kp,
                         const dist_spec *d, const fields_rule *r)
{
    if (r->flags & FIELDS_NO_SUPPORT) return 0;
    fields_rule lo_only = *r;   /* the engine clamps above: only the lower bound binds */
    if (r->flags & FIELDS_CLAMP_HI) {
        lo_only.hi = INFINITY;
        lo_only.hi_open = 0;
        r = &lo_only;
    }
    if (d->family == DIST_DISCRETE) {
        for (size_t i = 0; i < d->n; i++)
            if (!in_range(r, d->values[i])) {
                fields_error(env, v, kp, "discrete value %g is out of range (expected %s)",
                           d->values[i], r->expect);
                return -1;
            }
        return 0;
    }
    double lo, hi;
    dist_support(d, &lo, &hi);
    const char *fam = dist_family_name(d->family);
    const char *fix = dist_family_of(d->family)->truncatable ? "; add min/max to truncate it" : "";
    if (lo < r->lo) {
        fields_error(env, v, kp, "%s distribution can take values below %g (expected %s%s)",
                   fam, r->lo, r->expect, fix);
        return -1;
    }
    if (hi > r->hi) {
        fields_error(env, v, kp, "%s distribution can take values above %g (expected %s%s)",
                   fam, r->hi, r->expect, fix);
        return -1;
    }
    return 0;
}

param fields_param_node(fields_env *env, const yamldoc_node *v, const char *kp, double def,
                      const fields_rule *r)
{
    rec(kp, FIELDS_REC_PARAM, -1, def, r, NULL, 0);
    if (v->kind != YAMLDOC_MAP) {
        double x = def;
        scalar_value(env, v, kp, r, &x);
        return param_const(x);
    }
    if (r->flags & (FIELDS_CONST_ONLY | FIELDS_INTEGER)) {
        fields_error(env, v, kp, "a distribution is not allowed here (expected %s)", r->expect);
        return param_const(def);
    }
    dist_spec d;
    if (parse_dist(env, v, kp, &d) != 0) return param_const(def);
    param p = param_const(def);
    if (check_support(env, v, kp, &d, r) == 0) {
        p = scenario_add_uncertain(env->sc, kp, &d, v->line, v->col);
        if (p.idx < 0) {
            fields_error(env, v, kp, "out of memory");
            p = param_const(def);
        }
    }
    dist_clear(&d);
    return p;
}

param fields_param(fields *m, const char *key, int required, double def, const fields_rule *r)
{
    rec_key(m, key, FIELDS_REC_PARAM, required, def, r);
    const yamldoc_node *v = fields_get(m, key);
    if (!v) {
        char exp[256];
        expect_text(r, exp, sizeof exp);
        if (required && m->node) fields_missing(m, key, exp);
        return param_const(def);
    }
    char kp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    return fields_param_node(m->env, v, kp, def, r);
}

double fields_number(fields *m, const char *key, int required, double def, const fields_rule *r)
{
    fields_rule c = *r;
    c.flags |= FIELDS_CONST_ONLY;
    return fields_param(m, key, required, def, &c).value;
}

long long fields_int(fields *m, const char *key, int required, long long def, const fields_rule *r)
{
    fields_rule c = *r;
    c.flags |= FIELDS_CONST_ONLY | FIELDS_INTEGER;
    return (long long)fields_param(m, key, required, (double)def, &c).value;
}

uint64_t fields_u64(fields *m, const char *key, int required, uint64_t def)
{
    rec_key(m, key, FIELDS_REC_SEED, required, (double)def, NULL);
    const yamldoc_node *v = fields_get(m, key);
    char kp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    const char *expect = "a whole number from 0 to 18446744073709551615";
    if (!v) {
        if (required && m->node) fields_missing(m, key, expect);
        return def;
    }
    if (v->kind == YAMLDOC_SCALAR && v->str[0] && strlen(v->str) <= 20) {
        int digits = 1;
        for (const char *c = v->str; *c; c++) digits &= isdigit((unsigned char)*c) != 0;
        errno = 0;
        unsigned long long x = digits ? strtoull(v->str, NULL, 10) : 0;
        if (digits && errno == 0) return (uint64_t)x;
    }
    if (v->kind == YAMLDOC_MAP)
        fields_error(m->env, v, kp, "a distribution is not allowed here (expected %s)", expect);
    else if (v->kind == YAMLDOC_SEQ)
        fields_error(m->env, v, kp, "found %s (expected %s)", yamldoc_kind_name(v), expect);
    else
        fields_error(m->env, v, kp, "'%s' is not a valid seed (expected %s)", v->str, expect);
    return def;
}

int fields_fresh(fields *m, const char *key, int required, double def, const fields_rule *r,
               dist_spec *out)
{
    memset(out, 0, sizeof *out);
    out->family = DIST_CONSTANT;
    out->p[0] = def;
    out->lo = -INFINITY;
    out->hi = INFINITY;
    out->cdf_hi = 1.0;
    rec_key(m, key, FIELDS_REC_FRESH, required, def, r);
    const yamldoc_node *v = fields_get(m, key);
    char kp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    if (!v) {
        char exp[256];
        expect_text(r, exp, sizeof exp);
        if (required && m->node) fields_missing(m, key, exp);
        return required && m->node ? -1 : 0;
    }
    if (v->kind != YAMLDOC_MAP) {
        double x = def;
        if (scalar_value(m->env, v, kp, r, &x) != 0) return -1;
        out->p[0] = x;
        return 0;
    }
    dist_spec d;
    if (parse_dist(m->env, v, kp, &d) != 0) return -1;
    if (check_support(m->env, v, kp, &d, r) != 0) {
        dist_clear(&d);
        return -1;
    }
    *out = d;   /* takes over the discrete arrays */
    return 0;
}

const char *fields_string(fields *m, const char *key, int required, const char *def)
{
    rec_key(m, key, FIELDS_REC_STRING, required, 0, NULL);
    const yamldoc_node *v = fields_get(m, key);
    if (!v) {
        if (required && m->node) fields_missing(m, key, "a string");
        return def;
    }
    if (v->kind != YAMLDOC_SCALAR) {
        char kp[KEYPATH_MAX];
        fields_child_kp(m, key, kp, sizeof kp);
        fields_error(m->env, v, kp, "found %s (expected a string)", yamldoc_kind_name(v));
        return def;
    }
    return v->str;
}

int fields_bool(fields *m, const char *key, int required, int def)
{
    static const char *const yes[] = { "true", "yes", "on" };
    static const char *const no[] = { "false", "no", "off" };
    rec_key(m, key, FIELDS_REC_BOOL, required, def, NULL);
    const yamldoc_node *v = fields_get(m, key);
    if (!v) {
        if (required && m->node) fields_missing(m, key, "true or false");
        return def;
    }
    for (int i = 0; v->kind == YAMLDOC_SCALAR && i < 3; i++) {
        if (strcasecmp(v->str, yes[i]) == 0) return 1;
        if (strcasecmp(v->str, no[i]) == 0) return 0;
    }
    char kp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    if (v->kind == YAMLDOC_SCALAR)
        fields_error(m->env, v, kp, "'%s' is not true or false (expected true or false)", v->str);
    else
        fields_error(m->env, v, kp, "found %s (expected true or false)", yamldoc_kind_name(v));
    return def;
}

int fields_enum(fields *m, const char *key, int required, int def, const char *const *names, int n)
{
    if (recorder && !recorder_quiet) {
        char rkp[KEYPATH_MAX];
        keypath_join(rkp, sizeof rkp, m->kp, key);
        rec(rkp, FIELDS_REC_ENUM, required, def, NULL, names, n);
    }
    const yamldoc_node *v = fields_get(m, key);
    char kp[KEYPATH_MAX], hint[512];
    fields_child_kp(m, key, kp, sizeof kp);
    if (!v) {
        if (required && m->node) {
            size_t used = 0;
            for (int i = 0; i < n && used < sizeof hint; i++)
                used += (size_t)snprintf(hint + used, sizeof hint - used, "%s%s",
                                         i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
            fields_missing(m, key, hint);
        }
        return def;
    }
    const char *s = v->kind == YAMLDOC_SCALAR ? v->str : "";
    for (int i = 0; v->kind == YAMLDOC_SCALAR && i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    suggest_text(hint, sizeof hint, s, names, (size_t)n, NULL);
    if (v->kind == YAMLDOC_SCALAR)
        fields_error(m->env, v, kp, "unknown value '%s' (%s)", s, hint);
    else
        fields_error(m->env, v, kp, "found %s (%s)", yamldoc_kind_name(v), hint);
    return def;
}

int fields_yearmonth(fields *m, const char *key, int required, int *year, int *month)
{
    const yamldoc_node *v = fields_get(m, key);
    const char *expect = "a month YYYY-MM, such as 2026-06";
    rec_key(m, key, FIELDS_REC_MONTH, required, 0, NULL);
    if (!v) {
        if (required && m->node) fields_missing(m, key, expect);
        return -1;
    }
    char kp[KEYPATH_MAX];
    fields_child_kp(m, key, kp, sizeof kp);
    int rc = v->kind == YAMLDOC_SCALAR ? fields_parse_yearmonth(v->str, year, month) : -1;
    if (rc == -2)
        fields_error(m->env, v, kp, "'%s' has no month %s (expected YYYY-MM with a month from "
                   "01 to 12)", v->str, v->str + 5);
    else if (rc < 0 && v->kind == YAMLDOC_SCALAR)
        fields_error(m->env, v, kp, "'%s' is not a month (expected %s)", v->str, expect);
    else if (rc < 0)
        fields_error(m->env, v, kp, "found %s (expected %s)", yamldoc_kind_name(v), expect);
    return rc < 0 ? -1 : 0;
}

int fields_month(fields *m, const char *key, int required, int def)
{
    int y, mo;
    if (fields_yearmonth(m, key, required, &y, &mo) != 0) return def;
    return scenario_month_index(m->env->sc, y, mo);
}
