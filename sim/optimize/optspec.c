/* optspec: see optspec.h. */
#include "optspec.h"

#include "models/model.h"
#include "sim/base/suggest.h"
#include "sim/scenario/fields.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/compose.h"
#include "sim/scenario/yamldoc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const fields_rule R_ANY = { -INFINITY, INFINITY, 1, 1, FIELDS_CONST_ONLY, "a number" };

static void err(fields_env *env, const yamldoc_node *at, const char *kp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err(fields_env *env, const yamldoc_node *at, const char *kp, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fields_error(env, at, kp, "%s", msg);
}

/* The scalar totals (one value per path) that an objective or a constraint may name. */
static int find_total(fields_env *env, const yamldoc_node *v, const char *kp)
{
    const char *names[N_TOTALS];
    size_t n = 0;
    for (int k = 0; k < N_TOTALS; k++)
        if (model_totals[k].dim == DIM_NONE) names[n++] = model_totals[k].name;
    if (!v || v->kind != YAMLDOC_SCALAR) {
        err(env, v, kp, "found %s (expected the name of a per-path total)", v ? yamldoc_kind_name(v) : "nothing");
        return -1;
    }
    for (int k = 0; k < N_TOTALS; k++) {
        if (strcmp(v->str, model_totals[k].name) != 0) continue;
        if (model_totals[k].dim != DIM_NONE) {
            err(env, v, kp, "'%s' has one value per %s, not one per path (expected a single-valued total)",
                v->str, model_totals[k].dim == DIM_CLOUD ? "cloud" : "element");
            return -1;
        }
        return k;
    }
    char hint[512];
    suggest_text(hint, sizeof hint, v->str, names, n, NULL);
    err(env, v, kp, "unknown total '%s' (%s)", v->str, hint);
    return -1;
}

/* The loader's first error message for text with one --set, its "--set:1:C: key: " cut. */
static int try_set(const scenario *sc, const char *key, double x, char *why, size_t len)
{
    char set[KEYPATH_MAX + 64];
    snprintf(set, sizeof set, "%s=%.17g", key, x);
    const char *sets[1] = { set };
    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    int nerr = 0;
    scenario *t = loader_load_text(sc->text, strlen(sc->text), sc->source_path, sets, 1, f, &nerr);
    if (f) fclose(f);
    scenario_free(t);
    if (t) {
        free(buf);
        return 0;
    }
    const char *m = buf ? buf : "";
    const char *nl = strchr(m, '\n');
    size_t l = nl ? (size_t)(nl - m) : strlen(m);
    const char *p = strstr(m, ": ");          /* skip "origin:line:col: key.path: " */
    for (int i = 0; i < 2 && p && p < m + l; i++) {
        const char *q = strstr(p + 2, ": ");
        if (!q || q > m + l) break;
        p = q;
    }
    if (p && p < m + l) m = p + 2, l = (size_t)((nl ? nl : m + strlen(m)) - m);
    snprintf(why, len, "%.*s", (int)l, m);
    free(buf);
    return -1;
}

static int parse_number_node(fields_env *env, const yamldoc_node *v, const char *kp, double *out)
{
    if (!v || v->kind != YAMLDOC_SCALAR || fields_parse_number(v->str, out, 0) != 0) {
        err(env, v, kp, "found %s (expected a number)",
            v && v->kind == YAMLDOC_SCALAR ? "a value that is not a number" : v ? yamldoc_kind_name(v) : "nothing");
        return -1;
    }
    return 0;
}

static void parse_decisions(const scenario *sc, fields_env *env, yamldoc_node *root, const yamldoc_node *n,
                            optspec *spec)
{
    if (n->kind != YAMLDOC_MAP) {
        err(env, n, "decisions", "found %s (expected a mapping of key paths to {min, max, step})",
            yamldoc_kind_name(n));
        return;
    }
    if (n->n == 0) err(env, n, "decisions", "no decisions (expected at least one key path)");
    if (n->n > OPT_MAX_DECISIONS)
        err(env, n, "decisions", "%zu decisions (expected at most %d)", n->n, OPT_MAX_DECISIONS);
    for (size_t i = 0; i < n->n && i < OPT_MAX_DECISIONS; i++) {
        const yamldoc_node *k = n->keys[i], *v = n->vals[i];
        char kp[KEYPATH_MAX], canon[KEYPATH_MAX], msg[512];
        keypath_join(kp, sizeof kp, "decisions", k->kind == YAMLDOC_SCALAR ? k->str : "?");
        if (k->kind != YAMLDOC_SCALAR) {
            err(env, k, "decisions", "a key that is not a key path");
            continue;
        }
        if (strncmp(k->str, "decisions", 9) == 0 || strncmp(k->str, "objective", 9) == 0) {
            err(env, k, kp, "'%s' is not a value of the scenario (expected a key path such as "
                "contracts.NAME.capacity.0.count)", k->str);
            continue;
        }
        const yamldoc_node *target = keypath_find(root, k->str, canon, sizeof canon, msg, sizeof msg);
        if (!target) {
            err(env, k, kp, "no such key in the scenario: %s", msg);
            continue;
        }
        double base = NAN;
        if (target->kind != YAMLDOC_SCALAR || fields_parse_number(target->str, &base, 0) != 0) {
            err(env, k, kp, "the scenario's value at %s is %s, not a number (expected a key path to a "
                "number: a distribution cannot be a decision)", canon,
                target->kind == YAMLDOC_SCALAR ? "a string" : yamldoc_kind_name(target));
            continue;
        }
        for (size_t j = 0; j < spec->ndec; j++)
            if (strcmp(spec->dec[j].key, canon) == 0) {
                err(env, k, kp, "%s is already a decision (line %d)", canon, spec->dec[j].line);
                canon[0] = '\0';
                break;
            }
        if (!canon[0]) continue;
        fields m;
        fields_open(&m, env, v, kp, "{min: NUMBER, max: NUMBER, step: NUMBER}");
        if (!m.node) {
            if (!v) err(env, k, kp, "no box (expected {min: NUMBER, max: NUMBER, step: NUMBER})");
            continue;
        }
        int before = diag_count(env->diag);
        double lo = fields_number(&m, "min", 1, NAN, &R_ANY);
        double hi = fields_number(&m, "max", 1, NAN, &R_ANY);
        const yamldoc_node *stepn = fields_get(&m, "step");
        double step = fields_number(&m, "step", 0, 0.0, &R_ANY);
        fields_close(&m);
        if (diag_count(env->diag) > before) continue;
        if (!(lo < hi)) {
            err(env, v, kp, "empty box: min %.17g is not below max %.17g (expected min < max)", lo, hi);
            continue;
        }
        if (stepn) {
            char skp[KEYPATH_MAX];
            keypath_join(skp, sizeof skp, kp, "step");
            double k_steps = (hi - lo) / step;
            if (!(step > 0)) {
                err(env, stepn, skp, "step %.17g (expected a number > 0)", step);
                continue;
            }
            if (fabs(k_steps - nearbyint(k_steps)) > 1e-9 * fmax(1.0, k_steps) || k_steps > 1e9) {
                err(env, stepn, skp, "step %.17g does not divide max - min = %.17g (expected a whole number of "
                    "steps)", step, hi - lo);
                continue;
            }
        }
        char why[512];
        const yamldoc_node *minn = yamldoc_get(v, "min"), *maxn = yamldoc_get(v, "max");
        if (try_set(sc, canon, lo, why, sizeof why) != 0) {
            char mkp[KEYPATH_MAX];
            keypath_join(mkp, sizeof mkp, kp, "min");
            err(env, minn, mkp, "min %.17g is not a valid value of %s: %s", lo, canon, why);
            continue;
        }
        if (try_set(sc, canon, hi, why, sizeof why) != 0) {
            char mkp[KEYPATH_MAX];
            keypath_join(mkp, sizeof mkp, kp, "max");
            err(env, maxn, mkp, "max %.17g is not a valid value of %s: %s", hi, canon, why);
            continue;
        }
        opt_decision *dd = &spec->dec[spec->ndec++];
        snprintf(dd->key, sizeof dd->key, "%s", canon);
        dd->min = lo;
        dd->max = hi;
        dd->step = stepn ? step : 0.0;
        dd->base = base;
        dd->line = k->line;
        dd->col = k->col;
    }
}

static int parse_stat(const char *s, opt_constraint *c)
{
    static const struct { const char *name; opt_stat st; } stats[] = {
        { "mean", OPT_STAT_MEAN }, { "sd", OPT_STAT_SD }, { "es_lo", OPT_STAT_ES_LO },
        { "es_hi", OPT_STAT_ES_HI }, { "ppos", OPT_STAT_PPOS }, { "pneg", OPT_STAT_PNEG },
    };
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++)
        if (strcmp(s, stats[i].name) == 0) {
            c->stat = stats[i].st;
            return 0;
        }
    double q;
    if (s[0] == 'q' && fields_parse_number(s + 1, &q, 0) == 0 && q > 0 && q < 1) {
        c->stat = OPT_STAT_Q;
        c->q = q;
        return 0;
    }
    return -1;
}

void optspec_stat_name(const opt_constraint *c, char *buf, size_t len)
{
    static const char *names[] = { "mean", "sd", "q", "es_lo", "es_hi", "ppos", "pneg" };
    if (c->stat == OPT_STAT_Q) snprintf(buf, len, "q%g", c->q);
    else snprintf(buf, len, "%s", names[c->stat]);
}

static void parse_constraint(fields_env *env, const yamldoc_node *n, size_t i, optspec *spec)
{
    char kp[KEYPATH_MAX];
    keypath_join_index(kp, sizeof kp, "objective.constraints", i);
    fields m;
    fields_open(&m, env, n, kp, "{total: NAME, stat: mean | sd | qP | es_lo | es_hi | ppos | pneg, max: NUMBER}");
    if (!m.node) return;
    opt_constraint c;
    memset(&c, 0, sizeof c);
    int before = diag_count(env->diag);
    const yamldoc_node *tn = fields_get(&m, "total"), *sn = fields_get(&m, "stat");
    char ckp[KEYPATH_MAX];
    fields_child_kp(&m, "total", ckp, sizeof ckp);
    if (!tn) fields_missing(&m, "total", "the name of a per-path total");
    else c.total = find_total(env, tn, ckp);
    fields_child_kp(&m, "stat", ckp, sizeof ckp);
    if (!sn) c.stat = OPT_STAT_MEAN;
    else if (sn->kind != YAMLDOC_SCALAR || parse_stat(sn->str, &c) != 0)
        err(env, sn, ckp, "unknown statistic '%s' (expected mean, sd, es_lo, es_hi, ppos, pneg or qP with 0 < P < 1, "
            "e.g. q0.95)", sn->kind == YAMLDOC_SCALAR ? sn->str : yamldoc_kind_name(sn));
    c.has_max = fields_get(&m, "max") != NULL;
    c.has_min = fields_get(&m, "min") != NULL;
    c.max = fields_number(&m, "max", 0, INFINITY, &R_ANY);
    c.min = fields_number(&m, "min", 0, -INFINITY, &R_ANY);
    if (!c.has_max && !c.has_min) err(env, n, kp, "no bound (expected max: NUMBER, min: NUMBER or both)");
    fields_close(&m);
    if (diag_count(env->diag) > before || spec->ncons >= OPT_MAX_CONSTRAINTS) return;
    char st[32];
    optspec_stat_name(&c, st, sizeof st);
    if (c.has_min && c.has_max)
        snprintf(c.label, sizeof c.label, "%.15g <= %s %s <= %.15g", c.min, model_totals[c.total].name, st, c.max);
    else if (c.has_max)
        snprintf(c.label, sizeof c.label, "%s %s <= %.15g", model_totals[c.total].name, st, c.max);
    else
        snprintf(c.label, sizeof c.label, "%s %s >= %.15g", model_totals[c.total].name, st, c.min);
    spec->cons[spec->ncons++] = c;
}

static void parse_objective(fields_env *env, const yamldoc_node *n, optspec *spec)
{
    fields m;
    fields_open(&m, env, n, "objective", "{maximize: TOTAL or minimize: TOTAL, risk: {...}, constraints: [...]}");
    if (!m.node) return;
    const yamldoc_node *mx = fields_get(&m, "maximize"), *mn = fields_get(&m, "minimize");
    const yamldoc_node *risk = fields_get(&m, "risk"), *cons = fields_get(&m, "constraints");
    char kp[KEYPATH_MAX];
    if (mx && mn) {
        err(env, mn, "objective.minimize", "both maximize and minimize (expected one of them)");
    } else if (!mx && !mn) {
        fields_missing(&m, "maximize", "maximize: TOTAL or minimize: TOTAL");
    } else {
        spec->maximize = mx != NULL;
        spec->total = find_total(env, mx ? mx : mn, mx ? "objective.maximize" : "objective.minimize");
    }
    spec->measure_hi = !spec->maximize;
    spec->nweights = 1;
    spec->weights[0] = 0.0;
    if (risk) {
        fields r;
        fields_open(&r, env, risk, "objective.risk", "{weight: NUMBER or [NUMBER, ...], measure: es_lo | es_hi}");
        const yamldoc_node *w = fields_get(&r, "weight"), *ms = fields_get(&r, "measure");
        if (w) {
            const yamldoc_node *const *items = w->kind == YAMLDOC_SEQ ? (const yamldoc_node *const *)w->vals : &w;
            size_t ni = w->kind == YAMLDOC_SEQ ? w->n : 1;
            if (ni == 0 || ni > OPT_MAX_WEIGHTS)
                err(env, w, "objective.risk.weight", "%zu weights (expected 1 to %d)", ni, OPT_MAX_WEIGHTS);
            else {
                spec->nweights = 0;
                for (size_t i = 0; i < ni; i++) {
                    double x;
                    if (w->kind == YAMLDOC_SEQ) keypath_join_index(kp, sizeof kp, "objective.risk.weight", i);
                    else snprintf(kp, sizeof kp, "objective.risk.weight");
                    if (parse_number_node(env, items[i], kp, &x) != 0) continue;
                    if (!(x >= 0)) {
                        err(env, items[i], kp, "weight %.17g (expected a number >= 0)", x);
                        continue;
                    }
                    for (size_t j = 0; j < spec->nweights; j++)
                        if (spec->weights[j] == x) {
                            err(env, items[i], kp, "weight %.17g is listed twice", x);
                            x = NAN;
                        }
                    if (x == x) spec->weights[spec->nweights++] = x;
                }
            }
        }
        if (ms) {
            if (ms->kind != YAMLDOC_SCALAR || (strcmp(ms->str, "es_lo") != 0 && strcmp(ms->str, "es_hi") != 0)) {
                err(env, ms, "objective.risk.measure", "unknown measure '%s' (expected es_lo or es_hi)",
                    ms->kind == YAMLDOC_SCALAR ? ms->str : yamldoc_kind_name(ms));
            } else {
                int hi = strcmp(ms->str, "es_hi") == 0;
                if ((mx || mn) && hi == spec->maximize)
                    err(env, ms, "objective.risk.measure", "%s with %s would reward the %s tail (expected %s: "
                        "the tail that is bad for a total to %s)", ms->str, spec->maximize ? "maximize" : "minimize",
                        spec->maximize ? "upper" : "lower", spec->maximize ? "es_lo" : "es_hi",
                        spec->maximize ? "maximize" : "minimize");
                spec->measure_hi = hi;
            }
        }
        fields_close(&r);
    }
    if (cons) {
        if (cons->kind != YAMLDOC_SEQ) {
            err(env, cons, "objective.constraints", "found %s (expected a list of {total, stat, max})",
                yamldoc_kind_name(cons));
        } else {
            if (cons->n > OPT_MAX_CONSTRAINTS)
                err(env, cons, "objective.constraints", "%zu constraints (expected at most %d)", cons->n,
                    OPT_MAX_CONSTRAINTS);
            for (size_t i = 0; i < cons->n; i++) parse_constraint(env, cons->vals[i], i, spec);
        }
    }
    fields_close(&m);
}

/* The base files' names that the errors of the last optspec_parse point at: the caller
 * prints those errors after it returns, so they are kept until the next call. */
static compose held;
static int held_in_use;

/* The scenario's tree with its own positions: the file composed again (`extends`,
 * `remove`, merge keys, as the loader did), so that an error in decisions: or objective:
 * points at the file and line that wrote it; for a scenario that is no file (standard
 * input, the built-in default) its text, merge keys resolved. NULL with errors recorded. */
static yamldoc_node *scenario_tree(const scenario *sc, diag_list *d)
{
    if (held_in_use) compose_free(&held);
    compose_init(&held, d);
    held_in_use = 1;
    yamldoc_error e;
    const char *path = sc->source_path;
    size_t len = 0;
    char *text = path && path[0] != '<' ? compose_read_file(path, &len) : NULL;
    if (text) {
        yamldoc_node *root = yamldoc_parse(text, len, path, 0, 0, &e);
        free(text);
        if (!root) {
            diag_add(d, path, e.line, e.col, NULL, "%s", e.msg);
            return NULL;
        }
        char *dir = compose_dirname(path);
        root = dir ? compose_resolve(&held, root, path, dir, path) : NULL;
        free(dir);
        return root;
    }
    yamldoc_node *root = yamldoc_parse(sc->text, strlen(sc->text), sc->source_path, 0, 0, &e);
    if (!root) {
        diag_add(d, sc->source_path, e.line, e.col, NULL, "%s", e.msg);
        return NULL;
    }
    if (compose_merge_keys(&held, root) != 0) {
        yamldoc_free(root);
        return NULL;
    }
    return root;
}

int optspec_parse(const scenario *sc, optspec *spec, diag_list *d)
{
    memset(spec, 0, sizeof *spec);
    if (!sc->text) return 0;
    yamldoc_node *root = scenario_tree(sc, d);
    if (!root) return -1;
    const yamldoc_node *dn = yamldoc_get(root, "decisions"), *on = yamldoc_get(root, "objective");
    if (yamldoc_is_null(dn)) dn = NULL;
    if (yamldoc_is_null(on)) on = NULL;
    int status = 0;
    if (dn || on) {
        scenario *dummy = scenario_alloc();
        fields_env env = { .sc = dummy, .diag = d };
        int before = diag_count(d);
        if (!dn) err(&env, on, "decisions", "objective: without decisions: (expected both blocks, or neither)");
        if (!on) err(&env, dn, "objective", "decisions: without objective: (expected both blocks, or neither)");
        if (dn) parse_decisions(sc, &env, root, dn, spec);
        if (on) parse_objective(&env, on, spec);
        status = diag_count(d) > before || !dummy ? -1 : 1;
        scenario_free(dummy);
    }
    yamldoc_free(root);
    return status;
}
