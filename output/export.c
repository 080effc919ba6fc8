/*
 * export: the CSV files of `capsim export OUT.h5 --csv DIR` (see export.h and
 * docs/OUTPUT.md; the command itself is sim/cli/cmd_export.c).
 *
 * Tidy CSV: statistics in long format (one row per variant x time x element x
 * statistic), per-path data in wide format (one row per path: a path is the
 * observation). Header row; RFC 4180 quoting (fields with a comma, quote or line break
 * are quoted, quotes doubled); numbers with %.17g so that they read back bit for bit;
 * missing values (NaN) as empty fields. Multi-variant files get a leading `variant`
 * column in every file.
 *
 * The export is generic over the file: statistics are the variables of /stats and /diff
 * with a `statistic` attribute, dimensions come from the attached dimension scales. Each
 * CSV is written under a temporary name and renamed when complete.
 */
#include "export.h"
#include "results.h"
#include "hdf5_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_PATHS 4096

typedef struct {
    hid_t f;
    const char *dir;
    int multi;            /* file has several variants: variant column */
    char err[PATH_MAX + 512];
} exporter;

/* --- CSV output --------------------------------------------------------------------- */

typedef struct {
    FILE *fp;
    char tmp[PATH_MAX], path[PATH_MAX];
} csv;

static void csv_str(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void csv_sep(FILE *fp)
{
    fputc(',', fp);
}

static void csv_num(FILE *fp, double x)
{
    if (!isnan(x)) fprintf(fp, "%.17g", x);
}

/* Open name in the export directory (under a temporary name) and write the header; a
 * header ending in ',' is left open for more column names. */
static int csv_open(exporter *E, csv *c, const char *name, const char *header)
{
    int n1 = snprintf(c->path, sizeof c->path, "%s/%s", E->dir, name);
    int n2 = snprintf(c->tmp, sizeof c->tmp, "%s/.%s.tmp.%ld", E->dir, name, (long)getpid());
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof c->path || (size_t)n2 >= sizeof c->tmp) {
        snprintf(E->err, sizeof E->err, "%s: path too long", E->dir);
        return -1;
    }
    c->fp = fopen(c->tmp, "w");
    if (!c->fp) {
        snprintf(E->err, sizeof E->err, "cannot create %s: %s", c->tmp, strerror(errno));
        return -1;
    }
    if (E->multi) fputs("variant,", c->fp);
    size_t hl = strlen(header);
    if (hl && header[hl - 1] == ',') fwrite(header, 1, hl - 1, c->fp);
    else fprintf(c->fp, "%s\n", header);
    return 0;
}

/* Close and rename into place; on any write error remove the temporary file. */
static int csv_close(exporter *E, csv *c, int ok)
{
    if (!c->fp) return -1;
    int err = ferror(c->fp);
    if (fclose(c->fp) != 0) err = 1;
    c->fp = NULL;
    if (ok && err) snprintf(E->err, sizeof E->err, "writing %s: %s", c->tmp, strerror(errno));
    if (!ok || err || rename(c->tmp, c->path) != 0) {
        if (ok && !err) snprintf(E->err, sizeof E->err, "cannot rename %s: %s", c->tmp, strerror(errno));
        unlink(c->tmp);
        return -1;
    }
    return 0;
}

/* --- labels of a group's dimensions -------------------------------------------------- */

#define MAX_DIMS 16
typedef struct {
    hid_t g;
    size_t n;
    char *dim[MAX_DIMS];
    char **lab[MAX_DIMS];
    size_t len[MAX_DIMS];
    char **month;         /* month labels along time, when the group has them */
    size_t nmonth;
} labels;

static void labels_init(labels *L, hid_t g)
{
    memset(L, 0, sizeof *L);
    L->g = g;
    if (hdf5_exists(g, "month") && hdf5_read_strings(g, "month", &L->month, &L->nmonth) < 0) {
        L->month = NULL;
        L->nmonth = 0;
    }
    H5Eclear2(H5E_DEFAULT);
}

static void labels_free(labels *L)
{
    for (size_t i = 0; i < L->n; i++) {
        free(L->dim[i]);
        hdf5_free_strings(L->lab[i], L->len[i]);
    }
    hdf5_free_strings(L->month, L->nmonth);
    memset(L, 0, sizeof *L);
}

/* Labels of dimension dim (cached); quantiles as "q0.05". NULL when unavailable. */
static char **labels_of(labels *L, const char *dim, size_t *len)
{
    for (size_t i = 0; i < L->n; i++)
        if (!strcmp(L->dim[i], dim)) {
            *len = L->len[i];
            return L->lab[i];
        }
    if (L->n == MAX_DIMS) return NULL;
    char **lab = NULL;
    size_t n = 0;
    if (!strcmp(dim, "quantile")) {
        double *q;
        if (hdf5_read_doubles(L->g, dim, &q, &n) == 0) {
            lab = calloc(n ? n : 1, sizeof *lab);
            for (size_t i = 0; lab && i < n; i++) {
                char buf[40];
                snprintf(buf, sizeof buf, "q%g", q[i]);
                lab[i] = strdup(buf);
            }
            free(q);
        }
    } else if (results_labels(L->g, dim, &lab, &n) < 0)
        lab = NULL;
    H5Eclear2(H5E_DEFAULT);
    if (!lab) return NULL;
    L->dim[L->n] = strdup(dim);
    L->lab[L->n] = lab;
    L->len[L->n] = n;
    L->n++;
    *len = n;
    return lab;
}

/* --- long format: statistics and saved paths ------------------------------------------ */

typedef struct {
    const char *key;        /* series or total name */
    const char *statistic;  /* NULL: no statistic column */
    int time, path;         /* columns present */
} long_spec;

/* One row per value of x: [variant,]key[,path][,time,month],dim,element[,statistic],value.
 * The dimensions of x are variant, path, time, quantile, and at most one labelled one
 * (segment, cloud, contract). */
static int emit_long(exporter *E, labels *L, FILE *fp, const results_var *x, const long_spec *s)
{
    char **lab[RESULTS_MAX_RANK] = { 0 };
    size_t len[RESULTS_MAX_RANK] = { 0 };
    int own = -1, tdim = -1, qdim = -1, vdim = -1, pdim = -1;
    for (int r = 0; r < x->rank; r++) {
        const char *dn = x->dimname[r];
        if (!strcmp(dn, "variant")) vdim = r;
        else if (!strcmp(dn, "time")) tdim = r;
        else if (!strcmp(dn, "quantile")) qdim = r;
        else if (!strcmp(dn, "path")) pdim = r;
        else own = r;
        if (r == pdim) continue;
        lab[r] = labels_of(L, dn, &len[r]);
        if (!lab[r] || len[r] != x->dims[r]) {
            snprintf(E->err, sizeof E->err, "%s: no labels for dimension '%s'", x->name, dn);
            return -1;
        }
    }
    size_t idx[RESULTS_MAX_RANK];
    for (size_t i = 0; i < x->n; i++) {
        size_t rem = i;
        for (int r = x->rank - 1; r >= 0; r--) {
            idx[r] = rem % x->dims[r];
            rem /= x->dims[r];
        }
        if (E->multi) {
            csv_str(fp, vdim >= 0 ? lab[vdim][idx[vdim]] : "");
            csv_sep(fp);
        }
        csv_str(fp, s->key);
        if (s->path) fprintf(fp, ",%zu", pdim >= 0 ? idx[pdim] : 0);
        if (s->time) {
            csv_sep(fp);
            if (tdim >= 0) csv_str(fp, lab[tdim][idx[tdim]]);
            csv_sep(fp);
            if (tdim >= 0 && L->nmonth == x->dims[tdim]) csv_str(fp, L->month[idx[tdim]]);
        }
        csv_sep(fp);
        if (own >= 0) csv_str(fp, x->dimname[own]);
        csv_sep(fp);
        if (own >= 0) csv_str(fp, lab[own][idx[own]]);
        if (s->statistic) {
            csv_sep(fp);
            csv_str(fp, qdim >= 0 ? lab[qdim][idx[qdim]] : s->statistic);
        }
        csv_sep(fp);
        csv_num(fp, x->v[i]);
        fputc('\n', fp);
    }
    return 0;
}

/* Statistics of group `gname` (/stats or /diff): monthly series to `monthly`, totals to
 * `totals`. */
static int export_stats(exporter *E, const char *gname, const char *monthly, const char *totals)
{
    hid_t g = H5Gopen2(E->f, gname, H5P_DEFAULT);
    if (g < 0) {
        hdf5_errmsg(E->err, sizeof E->err, gname);
        return -1;
    }
    labels L;
    labels_init(&L, g);
    char **names = NULL;
    size_t n = 0;
    csv cm = { 0 }, ct = { 0 };
    int rc = hdf5_list(g, &names, &n);
    if (rc == 0) rc = csv_open(E, &cm, monthly, "series,time,month,dim,element,statistic,value");
    if (rc == 0) rc = csv_open(E, &ct, totals, "total,dim,element,statistic,value");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        results_var x;
        if (results_var_load(g, names[i], 0, &x) < 0) {
            H5Eclear2(H5E_DEFAULT);
            continue; /* not a dataset */
        }
        int is_stat = x.statistic[0] != 0;
        results_var_free(&x);
        if (!is_stat) continue;
        if (results_var_load(g, names[i], 1, &x) < 0) {
            rc = -1;
            hdf5_errmsg(E->err, sizeof E->err, names[i]);
            break;
        }
        long_spec s = { x.series, x.statistic, results_var_dim(&x, "time") >= 0, 0 };
        rc = emit_long(E, &L, s.time ? cm.fp : ct.fp, &x, &s);
        results_var_free(&x);
    }
    if (cm.fp && csv_close(E, &cm, rc == 0) < 0) rc = -1;
    if (ct.fp && csv_close(E, &ct, rc == 0) < 0) rc = -1;
    hdf5_free_strings(names, n);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

static int export_saved_paths(exporter *E)
{
    hid_t g = H5Gopen2(E->f, "paths", H5P_DEFAULT);
    if (g < 0) {
        hdf5_errmsg(E->err, sizeof E->err, "paths");
        return -1;
    }
    labels L;
    labels_init(&L, g);
    char **names = NULL;
    size_t n = 0;
    csv c = { 0 };
    int rc = hdf5_list(g, &names, &n);
    if (rc == 0) rc = csv_open(E, &c, "paths.csv", "series,path,time,month,dim,element,value");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        results_var x;
        if (results_var_load(g, names[i], 0, &x) < 0) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        int is_series = results_var_dim(&x, "path") >= 0 && results_var_dim(&x, "time") >= 0;
        results_var_free(&x);
        if (!is_series) continue;
        if (results_var_load(g, names[i], 1, &x) < 0) {
            rc = -1;
            hdf5_errmsg(E->err, sizeof E->err, names[i]);
            break;
        }
        long_spec s = { x.name, NULL, 1, 1 };
        rc = emit_long(E, &L, c.fp, &x, &s);
        results_var_free(&x);
    }
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    hdf5_free_strings(names, n);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* --- wide format: one row per path ----------------------------------------------------- */

typedef struct {
    hid_t ds;
    results_var x;            /* shape and attributes */
    int vdim, pdim;
    size_t per;          /* values per path (product of the dims after path) */
} column_set;

/* Header names of cs: NAME, or NAME[element] for each element; params by key path. */
static void write_header_cols(labels *L, FILE *fp, const column_set *cs)
{
    const char *name = cs->x.key_path[0] ? cs->x.key_path : cs->x.name;
    size_t nlab = 0;
    char **lab = NULL;
    int own = cs->pdim + 1 < cs->x.rank ? cs->pdim + 1 : -1;
    if (own >= 0) lab = labels_of(L, cs->x.dimname[own], &nlab);
    for (size_t j = 0; j < cs->per; j++) {
        csv_sep(fp);
        if (own < 0) csv_str(fp, name);
        else {
            char buf[1024];
            snprintf(buf, sizeof buf, "%s[%s]", name, lab && j < nlab ? lab[j] : "?");
            csv_str(fp, buf);
        }
    }
}

/* /totals or /params as one row per (variant, path). */
static int export_wide(exporter *E, const char *gname, const char *file)
{
    hid_t g = H5Gopen2(E->f, gname, H5P_DEFAULT);
    if (g < 0) {
        hdf5_errmsg(E->err, sizeof E->err, gname);
        return -1;
    }
    labels L;
    labels_init(&L, g);
    char **names = NULL, **vlab = NULL;
    size_t n = 0, ncols = 0, nv = 1, np = 0;
    column_set *cols = NULL;
    csv c = { 0 };
    int rc = hdf5_list(g, &names, &n);
    if (rc == 0 && !(cols = calloc(n ? n : 1, sizeof *cols))) rc = -1;
    /* The columns: variables over path other than the path coordinate itself. */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        column_set *cs = &cols[ncols];
        if (!strcmp(names[i], "path") || results_var_load(g, names[i], 0, &cs->x) < 0) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        cs->pdim = results_var_dim(&cs->x, "path");
        cs->vdim = results_var_dim(&cs->x, "variant");
        if (cs->pdim < 0 || (cs->ds = H5Dopen2(g, names[i], H5P_DEFAULT)) < 0) {
            results_var_free(&cs->x);
            continue;
        }
        cs->per = 1;
        for (int r = cs->pdim + 1; r < cs->x.rank; r++) cs->per *= cs->x.dims[r];
        if (cs->x.dims[cs->pdim] > np) np = cs->x.dims[cs->pdim];
        if (cs->vdim >= 0) nv = cs->x.dims[cs->vdim];
        ncols++;
    }
    if (rc == 0 && E->multi) {
        size_t nl = 0;
        vlab = labels_of(&L, "variant", &nl);
        if (!vlab || nl != nv) {
            snprintf(E->err, sizeof E->err, "/%s: no variant labels", gname);
            rc = -1;
        }
    }
    if (rc == 0) rc = csv_open(E, &c, file, "path,");
    if (rc == 0) {
        for (size_t k = 0; k < ncols; k++) write_header_cols(&L, c.fp, &cols[k]);
        fputc('\n', c.fp);
    }
    double **blk = rc == 0 ? calloc(ncols ? ncols : 1, sizeof *blk) : NULL;
    if (rc == 0 && !blk) rc = -1;
    for (size_t k = 0; rc == 0 && k < ncols; k++)
        if (!(blk[k] = malloc(BLOCK_PATHS * cols[k].per * sizeof **blk))) rc = -1;
    for (size_t v = 0; rc == 0 && v < nv; v++) {
        for (size_t p0 = 0; rc == 0 && p0 < np; p0 += BLOCK_PATHS) {
            size_t cnt = np - p0 < BLOCK_PATHS ? np - p0 : BLOCK_PATHS;
            for (size_t k = 0; rc == 0 && k < ncols; k++) {
                column_set *cs = &cols[k];
                hsize_t start[RESULTS_MAX_RANK] = { 0 }, count[RESULTS_MAX_RANK];
                for (int r = 0; r < cs->x.rank; r++) count[r] = cs->x.dims[r];
                if (cs->vdim >= 0) {
                    start[cs->vdim] = v;
                    count[cs->vdim] = 1;
                }
                start[cs->pdim] = p0;
                count[cs->pdim] = cnt;
                if (p0 + cnt > cs->x.dims[cs->pdim]) { /* shorter column: missing values */
                    for (size_t i = 0; i < cnt * cs->per; i++) blk[k][i] = NAN;
                    if (p0 >= cs->x.dims[cs->pdim]) continue;
                    count[cs->pdim] = cs->x.dims[cs->pdim] - p0;
                }
                if (hdf5_read_slab(cs->ds, cs->x.rank, start, count, blk[k]) < 0) {
                    hdf5_errmsg(E->err, sizeof E->err, cs->x.name);
                    rc = -1;
                }
            }
            for (size_t p = 0; rc == 0 && p < cnt; p++) {
                if (E->multi) {
                    csv_str(c.fp, vlab[v]);
                    csv_sep(c.fp);
                }
                fprintf(c.fp, "%zu", p0 + p);
                for (size_t k = 0; k < ncols; k++)
                    for (size_t j = 0; j < cols[k].per; j++) {
                        csv_sep(c.fp);
                        csv_num(c.fp, blk[k][p * cols[k].per + j]);
                    }
                fputc('\n', c.fp);
            }
        }
    }
    if (rc < 0 && !E->err[0]) snprintf(E->err, sizeof E->err, "/%s: out of memory", gname);
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    for (size_t k = 0; blk && k < ncols; k++) free(blk[k]);
    free(blk);
    for (size_t k = 0; k < ncols; k++) {
        H5Dclose(cols[k].ds);
        results_var_free(&cols[k].x);
    }
    free(cols);
    hdf5_free_strings(names, n);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* --- sensitivity ---------------------------------------------------------------------- */

static int export_sensitivity(exporter *E)
{
    static const char *const vars[] = { "rank_corr", "sobol_first", "sobol_first_ci", "sobol_total", "sobol_total_ci" };
    enum { NV = sizeof vars / sizeof vars[0] };
    hid_t g = H5Gopen2(E->f, "sensitivity", H5P_DEFAULT);
    if (g < 0) {
        hdf5_errmsg(E->err, sizeof E->err, "sensitivity");
        return -1;
    }
    labels L;
    labels_init(&L, g);
    results_var x[NV];
    int have[NV] = { 0 };
    char header[256] = "total,param";
    for (int k = 0; k < NV; k++) {
        memset(&x[k], 0, sizeof x[k]);
        if (hdf5_exists(g, vars[k]) && results_var_load(g, vars[k], 1, &x[k]) == 0) {
            have[k] = 1;
            strcat(header, ",");
            strcat(header, vars[k]);
        }
        H5Eclear2(H5E_DEFAULT);
    }
    csv c = { 0 };
    int rc = csv_open(E, &c, "sensitivity.csv", header);
    if (rc == 0 && have[0]) {
        const results_var *r = &x[0];
        int vdim = results_var_dim(r, "variant");
        int tdim = results_var_dim(r, "total"), pdim = results_var_dim(r, "param");
        size_t nt = 0, np = 0, nvl = 0;
        char **tl = tdim >= 0 ? labels_of(&L, "total", &nt) : NULL;
        char **pl = pdim >= 0 ? labels_of(&L, "param", &np) : NULL;
        char **vl = vdim >= 0 ? labels_of(&L, "variant", &nvl) : NULL;
        size_t nv = vdim >= 0 ? r->dims[vdim] : 1;
        if (!tl || !pl || nt != r->dims[tdim] || np != r->dims[pdim] || (vdim >= 0 && (!vl || nvl != nv))) {
            snprintf(E->err, sizeof E->err, "/sensitivity: missing total or param labels");
            rc = -1;
        }
        for (size_t v = 0; rc == 0 && v < nv; v++)
            for (size_t t = 0; t < nt; t++)
                for (size_t p = 0; p < np; p++) {
                    if (E->multi) {
                        csv_str(c.fp, vl ? vl[v] : "");
                        csv_sep(c.fp);
                    }
                    csv_str(c.fp, tl[t]);
                    csv_sep(c.fp);
                    csv_str(c.fp, pl[p]);
                    size_t i = (v * nt + t) * np + p;
                    for (int k = 0; k < NV; k++)
                        if (have[k]) {
                            csv_sep(c.fp);
                            csv_num(c.fp, i < x[k].n ? x[k].v[i] : NAN);
                        }
                    fputc('\n', c.fp);
                }
    }
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    for (int k = 0; k < NV; k++) results_var_free(&x[k]);
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* Rank correlations of the calendar-year aggregates: one row per (aggregate, year,
 * param). */
static int export_sensitivity_years(exporter *E)
{
    static const char *const vars[] = { "rank_corr_unmet_by_year", "rank_corr_spend_by_year" };
    static const char *const agg[] = { "unmet", "spend" };
    hid_t g = H5Gopen2(E->f, "sensitivity", H5P_DEFAULT);
    if (g < 0) {
        hdf5_errmsg(E->err, sizeof E->err, "sensitivity");
        return -1;
    }
    labels L;
    labels_init(&L, g);
    csv c = { 0 };
    int rc = csv_open(E, &c, "sensitivity_by_year.csv", "aggregate,year,param,rank_corr");
    for (int k = 0; rc == 0 && k < 2; k++) {
        results_var x;
        if (!hdf5_exists(g, vars[k])) continue;
        if (results_var_load(g, vars[k], 1, &x) < 0) {
            hdf5_errmsg(E->err, sizeof E->err, vars[k]);
            rc = -1;
            break;
        }
        int vdim = results_var_dim(&x, "variant"), ydim = results_var_dim(&x, "year"), pdim = results_var_dim(&x, "param");
        size_t ny = 0, np = 0, nvl = 0, nv = vdim >= 0 ? x.dims[vdim] : 1;
        char **yl = ydim >= 0 ? labels_of(&L, "year", &ny) : NULL;
        char **pl = pdim >= 0 ? labels_of(&L, "param", &np) : NULL;
        char **vl = vdim >= 0 ? labels_of(&L, "variant", &nvl) : NULL;
        if (!yl || !pl || ny != x.dims[ydim] || np != x.dims[pdim] || (vdim >= 0 && (!vl || nvl != nv))) {
            snprintf(E->err, sizeof E->err, "/sensitivity/%s: missing year or param labels", vars[k]);
            rc = -1;
        }
        for (size_t v = 0; rc == 0 && v < nv; v++)
            for (size_t y = 0; y < ny; y++)
                for (size_t p = 0; p < np; p++) {
                    if (E->multi) {
                        csv_str(c.fp, vl ? vl[v] : "");
                        csv_sep(c.fp);
                    }
                    fprintf(c.fp, "%s,%s,", agg[k], yl[y]);
                    csv_str(c.fp, pl[p]);
                    csv_sep(c.fp);
                    csv_num(c.fp, x.v[(v * ny + y) * np + p]);
                    fputc('\n', c.fp);
                }
        results_var_free(&x);
    }
    if (c.fp && csv_close(E, &c, rc == 0) < 0) rc = -1;
    labels_free(&L);
    H5Gclose(g);
    return rc;
}

/* --- the whole export ----------------------------------------------------------------- */

/* mkdir -p: create dir and its missing parents. */
static int make_dirs(const char *dir, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create directory %s: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

int export_csv(const char *path, const char *dir, char *err, size_t errlen)
{
    exporter E;
    memset(&E, 0, sizeof E);
    E.dir = dir;
    E.f = results_open(path, E.err, sizeof E.err);
    if (E.f < 0) {
        snprintf(err, errlen, "%s", E.err);
        return -1;
    }
    double nv = 1;
    hdf5_read_attr_double(E.f, "variants", &nv);
    H5Eclear2(H5E_DEFAULT);
    E.multi = nv > 1;
    int rc = make_dirs(dir, E.err, sizeof E.err);
    if (rc == 0) rc = export_stats(&E, "stats", "stats.csv", "total_stats.csv");
    if (rc == 0 && hdf5_exists(E.f, "diff")) rc = export_stats(&E, "diff", "diff.csv", "diff_total_stats.csv");
    if (rc == 0) rc = export_wide(&E, "totals", "totals.csv");
    if (rc == 0) rc = export_wide(&E, "params", "params.csv");
    if (rc == 0 && hdf5_exists(E.f, "sensitivity")) rc = export_sensitivity(&E);
    if (rc == 0 && hdf5_exists(E.f, "sensitivity/year")) rc = export_sensitivity_years(&E);
    if (rc == 0 && hdf5_exists(E.f, "paths")) rc = export_saved_paths(&E);
    H5Fclose(E.f);
    if (rc < 0) {
        snprintf(err, errlen, "%s", E.err[0] ? E.err : "failed");
        return -1;
    }
    return 0;
}
