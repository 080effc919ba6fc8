/*
 * summary_optimize: the Frontier table of `capsim summary` (see summary_optimize.h) from
 * the /optimize group `capsim optimize` writes (docs/OUTPUT.md, "/optimize"):
 *
 *   decision(decision)            key paths of the decisions (strings)
 *   weight(weight)                risk weights w: objective = mean + w * ES (`measure`)
 *   points(point, decision)       every evaluated point; feasible(point): 0/1
 *   chosen(weight, decision)      the best feasible point per weight, NaN when none
 *   objective_in_chosen(weight)   its in-sample objective
 *   objective_out(weight), objective_out_se(weight)             on fresh paths (seed_out)
 *   objective_baseline[, _se]     the scenario's own decisions on those paths: a scalar,
 *                                 or one per weight
 *   constraint(constraint)        the constraints' labels ("months_short mean <= 12")
 *   attributes objective_total, sense, measure, method, paths, seed, seed_out
 *
 * Everything but weight and decision may be missing: its cells print n/a. A weight whose
 * chosen row is all NaN (or whose chosen_point is -1) has no feasible point; a line in
 * words says so, with the constraints and how many evaluated points met them.
 */
#include "summary_optimize.h"
#include "summary_json.h"
#include "results.h"
#include "hdf5_util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FR_COL "  %12s"

/* Dataset `name` of g as doubles if it is numeric with `rank` dimensions whose lengths
 * are dims[0..rank) (rank 0: a scalar): 1; 0 when absent or of another shape or type (a
 * piece the table does without); a negative status when a read failed. */
static int load_shaped(hid_t g, const char *name, int rank, const size_t *dims, results_var *x)
{
    memset(x, 0, sizeof *x);
    int r = 0;
    hsize_t d[RESULTS_MAX_RANK];
    H5T_class_t cls = H5T_NO_CLASS;
    char why[256];
    if (!hdf5_exists(g, name) || results_dataset_info(g, name, &r, d, &cls, why, sizeof why) != RESULTS_OK) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || r != rank) return 0;
    for (int i = 0; i < rank; i++)
        if (d[i] != (hsize_t)dims[i]) return 0;
    int st = results_var_load(g, name, 1, x);
    if (st == RESULTS_IO) return st;
    if (st != RESULTS_OK) {   /* data that do not decode: shown as missing */
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    return 1;
}

/* String labels of the 1-D dataset `name` of g: their count, 0 when absent or not
 * strings; a negative status when a read failed. */
static int load_labels(hid_t g, const char *name, char ***lab, size_t *n)
{
    *lab = NULL;
    *n = 0;
    int r = 0;
    hsize_t d[RESULTS_MAX_RANK];
    H5T_class_t cls = H5T_NO_CLASS;
    char why[256];
    if (!hdf5_exists(g, name) || results_dataset_info(g, name, &r, d, &cls, why, sizeof why) != RESULTS_OK) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    if (cls != H5T_STRING || r != 1) return 0;
    int st = results_labels(g, name, lab, n);
    if (st == RESULTS_IO) return st;
    if (st != RESULTS_OK) {
        H5Eclear2(H5E_DEFAULT);
        *lab = NULL;
        *n = 0;
        return 0;
    }
    return (int)(*n > 0);
}

/* An unsigned attribute as text ("?" when absent). */
static void attr_u64(hid_t g, const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "?");
    if (H5Aexists(g, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    uint64_t v = 0;
    if (a >= 0 && H5Aread(a, H5T_NATIVE_UINT64, &v) >= 0) snprintf(buf, len, "%llu", (unsigned long long)v);
    if (a >= 0) H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
}

/* A decision's value, up to 6 significant digits: 200000, 0.05; where %g would write an
 * exponent for a large value, a k/M/B/T suffix instead (3e+09: 3B, 1.25e+06: 1.25M). */
static void fmt_decision(double x, char *buf, size_t len)
{
    static const struct { double f; const char *s; } sc[] = { { 1e12, "T" }, { 1e9, "B" }, { 1e6, "M" }, { 1e3, "k" } };
    if (!isfinite(x)) {
        snprintf(buf, len, "n/a");
        return;
    }
    snprintf(buf, len, "%.6g", x);
    if (!strchr(buf, 'e') || fabs(x) < 1e3) return;
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++)
        if (fabs(x) >= sc[i].f) {
            snprintf(buf, len, "%.6g%s", x / sc[i].f, sc[i].s);
            return;
        }
}

/* The i-th value of an optional per-weight (or scalar) variable. */
static double at(const results_var *x, int have, size_t i)
{
    if (have != 1 || !x->v) return NAN;
    return x->rank == 0 ? x->v[0] : x->v[i];
}

/* What the frontier shows, for --json (docs/OUTPUT.md, "summary --json"). */
typedef struct {
    const char *method, *sense, *total, *measure, *units, *paths, *seed, *seed_out;
    size_t npt;
    double nfeas;                    /* NaN: the file does not say */
    char **dec;
    size_t nd;
    char **con;
    size_t ncon, nw;
    const results_var *w, *chosen;
    int hc;
    const results_var *cpoint;
    int hcp;
    const results_var *oin;
    int hin;
    const results_var *oout;
    int hout;
    const results_var *ose;
    int hse;
    const results_var *base;
    int hb;
    const results_var *bse;
    int hbs;
} frontier_view;

/* An attribute written as digits ("?" when absent): the number, or null. */
static void json_count(summary_json *j, const char *key, const char *text)
{
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (end != text && !*end) sj_u64(j, key, v);
    else sj_null(j, key);
}

static void json_frontier(summary_json *j, const frontier_view *F)
{
    sj_obj(j, "frontier");
    sj_str(j, "method", F->method);
    sj_str(j, "sense", F->sense);
    sj_str(j, "total", F->total);
    sj_str(j, "measure", F->measure);
    sj_str(j, "units", F->units);
    json_count(j, "paths", F->paths);
    json_count(j, "seed", F->seed);
    json_count(j, "seed_out", F->seed_out);
    sj_num(j, "points_evaluated", (double)F->npt);
    sj_num(j, "points_feasible", F->nfeas);
    sj_arr(j, "decisions");
    for (size_t k = 0; k < F->nd; k++) sj_str(j, NULL, F->dec[k]);
    sj_end(j, ']');
    sj_arr(j, "constraints");
    for (size_t k = 0; k < F->ncon; k++) sj_str(j, NULL, F->con[k]);
    sj_end(j, ']');
    sj_arr(j, "rows");
    for (size_t i = 0; i < F->nw; i++) {
        int none = F->hcp == 1 && F->cpoint->v[i] < 0;
        if (F->hc == 1) {
            int allnan = 1;
            for (size_t k = 0; k < F->nd; k++) allnan &= isnan(F->chosen->v[i * F->nd + k]);
            none |= allnan;
        }
        sj_obj(j, NULL);
        sj_num(j, "weight", F->w->v[i]);
        sj_bool(j, "feasible", !none);
        sj_arr(j, "chosen");
        for (size_t k = 0; k < F->nd; k++) sj_num(j, NULL, F->hc == 1 && !none ? F->chosen->v[i * F->nd + k] : NAN);
        sj_end(j, ']');
        sj_num(j, "in_sample", none ? NAN : at(F->oin, F->hin, i));
        sj_num(j, "out_of_sample", none ? NAN : at(F->oout, F->hout, i));
        sj_num(j, "out_of_sample_se", none ? NAN : at(F->ose, F->hse, i));
        sj_num(j, "baseline", at(F->base, F->hb, i));
        sj_num(j, "baseline_se", at(F->bse, F->hbs, i));
        sj_end(j, '}');
    }
    sj_end(j, ']');
    sj_end(j, '}');
}

int summary_optimize_print(hid_t f, const char *path, FILE *out, summary_json *js, char *err, size_t errlen)
{
    if (!hdf5_exists(f, "optimize")) {
        H5Eclear2(H5E_DEFAULT);
        return RESULTS_OK;
    }
    hid_t g = H5Gopen2(f, "optimize", H5P_DEFAULT);
    if (g < 0) {   /* a link of that name that is not a group */
        H5Eclear2(H5E_DEFAULT);
        if (js) sj_null(js, "frontier");
        else fprintf(out, "\nFrontier: /optimize is not a group: nothing to show\n");
        return RESULTS_OK;
    }
    int st = RESULTS_OK;
    char **dec = NULL, **con = NULL;
    size_t nd = 0, ncon = 0, nw = 0, npt = 0;
    results_var w, chosen, cpoint, oin, oout, ose, base, bse, points, feas;
    results_var *all[] = { &w, &chosen, &cpoint, &oin, &oout, &ose, &base, &bse, &points, &feas };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) memset(all[i], 0, sizeof *all[i]);
    char *total = results_attr_str(g, "objective_total"), *sense = results_attr_str(g, "sense");
    char *measure = results_attr_str(g, "measure"), *method = results_attr_str(g, "method");
    char *units = NULL;
    if (!total || !sense || !measure || !method) {
        st = RESULTS_IO;
        snprintf(err, errlen, "out of memory");
        goto done;
    }

    /* the two pieces without which there is no table: the weights and the decisions */
    int r = 0, hw = 0, hd = 0;
    hsize_t dw[RESULTS_MAX_RANK];
    H5T_class_t cls = H5T_NO_CLASS;
    char why[256];
    if (hdf5_exists(g, "weight") && results_dataset_info(g, "weight", &r, dw, &cls, why, sizeof why) == RESULTS_OK &&
        r == 1 && dw[0] > 0) {
        size_t n1 = (size_t)dw[0];
        if ((hw = load_shaped(g, "weight", 1, &n1, &w)) < 0) goto fail;
        nw = hw ? n1 : 0;
    }
    H5Eclear2(H5E_DEFAULT);
    if ((hd = load_labels(g, "decision", &dec, &nd)) < 0) goto fail;
    if (!nw || !nd) {
        if (js) {
            sj_null(js, "frontier");
            goto done;
        }
        fprintf(out, "\nFrontier: /optimize has no %s: nothing to show\n",
                !nw && !nd ? "weights and no decisions" : !nw ? "weights" : "decisions");
        goto done;
    }

    /* the optional pieces */
    size_t dwd[2] = { nw, nd };
    int hc = load_shaped(g, "chosen", 2, dwd, &chosen);
    int hcp = hc < 0 ? hc : load_shaped(g, "chosen_point", 1, &nw, &cpoint);
    int hin = hcp < 0 ? hcp : load_shaped(g, "objective_in_chosen", 1, &nw, &oin);
    int hout = hin < 0 ? hin : load_shaped(g, "objective_out", 1, &nw, &oout);
    int hse = hout < 0 ? hout : load_shaped(g, "objective_out_se", 1, &nw, &ose);
    int hb = hse < 0 ? hse : load_shaped(g, "objective_baseline", 0, NULL, &base);
    if (hb == 0) hb = load_shaped(g, "objective_baseline", 1, &nw, &base);
    int hbs = hb < 0 ? hb : load_shaped(g, "objective_baseline_se", 0, NULL, &bse);
    if (hbs == 0) hbs = load_shaped(g, "objective_baseline_se", 1, &nw, &bse);
    if (hbs < 0) {
        st = hbs;
        goto fail;
    }
    /* the evaluated points: how many, how many feasible */
    if (hdf5_exists(g, "points") && results_dataset_info(g, "points", &r, dw, &cls, why, sizeof why) == RESULTS_OK &&
        r == 2 && dw[1] == (hsize_t)nd)
        npt = (size_t)dw[0];
    H5Eclear2(H5E_DEFAULT);
    int hf = npt ? load_shaped(g, "feasible", 1, &npt, &feas) : 0;
    if (hf < 0 || (st = load_labels(g, "constraint", &con, &ncon)) < 0) {
        st = hf < 0 ? hf : st;
        goto fail;
    }
    st = RESULTS_OK;
    size_t nfeas = 0;
    for (size_t i = 0; hf == 1 && i < npt; i++) nfeas += feas.v[i] != 0;

    /* the objective's units: those of objective_out, else of the total in /stats */
    const char *u = hout == 1 && *oout.units ? oout.units : hin == 1 && *oin.units ? oin.units : NULL;
    if (!u) {
        hid_t sg = hdf5_exists(f, "stats") ? H5Gopen2(f, "stats", H5P_DEFAULT) : H5I_INVALID_HID;
        char name[300];
        snprintf(name, sizeof name, "%s_mean", total);
        results_var m;
        if (sg >= 0 && *total && hdf5_exists(sg, name) && results_var_load(sg, name, 0, &m) == RESULTS_OK) {
            units = strdup(m.units);
            results_var_free(&m);
        }
        if (sg >= 0) H5Gclose(sg);
        H5Eclear2(H5E_DEFAULT);
        u = units ? units : !strncmp(total, "pv_", 3) ? "USD" : "";
    }
    const char *es = !strcmp(measure, "es_lo") ? "ES5" : !strcmp(measure, "es_hi") ? "ES95" : *measure ? measure : "ES";
    char paths[32], seed[32], seed_out[32];
    attr_u64(g, "paths", paths, sizeof paths);
    attr_u64(g, "seed", seed, sizeof seed);
    attr_u64(g, "seed_out", seed_out, sizeof seed_out);

    if (js) {
        json_frontier(js, &(frontier_view){ method, sense, total, measure, u, paths, seed, seed_out, npt,
                                           hf == 1 ? (double)nfeas : NAN, dec, nd, con, ncon, nw, &w, &chosen, hc,
                                           &cpoint, hcp, &oin, hin, &oout, hout, &ose, hse, &base, hb, &bse, hbs });
        goto done;
    }
    fprintf(out, "\nFrontier: the best feasible decisions for each risk weight w (capsim optimize, %s search",
            *method ? method : "?");
    if (npt) fprintf(out, ", %zu points evaluated", npt);
    fprintf(out, ")\n");
    fprintf(out, "  objective  %s mean + w * %s of %s, in sample on %s paths (seed %s);\n",
            *sense ? sense : "optimize", es, *total ? total : "?", paths, seed);
    fprintf(out, "             out of sample on fresh paths (seed %s), where baseline is the scenario's own decisions\n",
            seed_out);
    for (size_t k = 0; k < nd; k++) fprintf(out, "  d%-9zu%s\n", k + 1, dec[k]);
    fprintf(out, "  %-8s", "weight");
    for (size_t k = 0; k < nd; k++) {
        char h[32];
        snprintf(h, sizeof h, "d%zu", k + 1);
        fprintf(out, FR_COL, h);
    }
    fprintf(out, FR_COL "  %13s" FR_COL FR_COL FR_COL "\n", "in-sample", "out-of-sample", "SE", "baseline", "SE");
    size_t ninf = 0;
    for (size_t i = 0; i < nw; i++) {
        char lab[32], c[5][32];
        snprintf(lab, sizeof lab, "w=%g", w.v[i]);
        int none = hcp == 1 && cpoint.v[i] < 0;
        if (hc == 1) {
            int allnan = 1;
            for (size_t k = 0; k < nd; k++) allnan &= isnan(chosen.v[i * nd + k]);
            none |= allnan;
        }
        fprintf(out, "  %-8s", lab);
        if (none) {
            ninf++;
            fprintf(out, "  no feasible point\n");
            continue;
        }
        for (size_t k = 0; k < nd; k++) {
            fmt_decision(hc == 1 ? chosen.v[i * nd + k] : NAN, c[0], sizeof c[0]);
            fprintf(out, FR_COL, c[0]);
        }
        summary_fmt_value(at(&oin, hin, i), u, c[0], sizeof c[0]);
        summary_fmt_value(at(&oout, hout, i), u, c[1], sizeof c[1]);
        summary_fmt_value(at(&ose, hse, i), u, c[2], sizeof c[2]);
        summary_fmt_value(at(&base, hb, i), u, c[3], sizeof c[3]);
        summary_fmt_value(at(&bse, hbs, i), u, c[4], sizeof c[4]);
        fprintf(out, FR_COL "  %13s" FR_COL FR_COL FR_COL "\n", c[0], c[1], c[2], c[3], c[4]);
    }
    if (ninf) {
        fprintf(out, "  no feasible point for");
        for (size_t i = 0, j = 0; i < nw; i++) {
            int none = hcp == 1 && cpoint.v[i] < 0;
            if (hc == 1) {
                int allnan = 1;
                for (size_t k = 0; k < nd; k++) allnan &= isnan(chosen.v[i * nd + k]);
                none |= allnan;
            }
            if (none) fprintf(out, "%s w=%g", j++ ? "," : "", w.v[i]);
        }
        if (hf == 1 && nfeas == 0)
            fprintf(out, ": none of the %zu evaluated points meets every constraint\n", npt);
        else
            fprintf(out, ": the search for %s found none that meets every constraint\n",
                    ninf > 1 ? "these weights" : "this weight");
        if ((hf == 1 && nfeas > 0) || ncon) {
            fprintf(out, "   (");
            if (hf == 1 && nfeas > 0) fprintf(out, "%zu of the %zu evaluated points do%s", nfeas, npt, ncon ? "; " : "");
            if (ncon) fprintf(out, "constraints: ");
            for (size_t k = 0; k < ncon; k++) fprintf(out, "%s%s", k ? "; " : "", con[k]);
            fprintf(out, ")\n");
        }
    }
    fprintf(out, "  (in-sample: on the search's own paths, which favour the chosen point; out-of-sample and\n"
                 "   baseline: on the same fresh paths, with their standard errors)\n");
    goto done;
fail:
    if (st >= 0) st = RESULTS_IO;
    {
        char msg[1024];
        hdf5_errmsg(msg, sizeof msg, "/optimize");
        snprintf(err, errlen, "%s: reading %s", path, msg);
    }
done:
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) results_var_free(all[i]);
    hdf5_free_strings(dec, nd);
    hdf5_free_strings(con, ncon);
    free(total);
    free(sense);
    free(measure);
    free(method);
    free(units);
    H5Gclose(g);
    return st;
}
