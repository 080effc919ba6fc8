/* h5out_optimize: see h5out_optimize.h. */
#include "h5out_optimize.h"
#include "hdf5_util.h"

#include <stdio.h>
#include <string.h>

static int attrs(hid_t ds, const char *units, const char *long_name)
{
    return hdf5_attr_str(ds, "units", units) | hdf5_attr_str(ds, "long_name", long_name);
}

/* A dataset of doubles over dims (scales attached), with units and long_name. */
static int put_doubles(hid_t g, const char *name, int rank, const hsize_t *dims, const hid_t *scales,
                       const double *v, const char *units, const char *long_name)
{
    hid_t ds = hdf5_dataset(g, name, H5T_NATIVE_DOUBLE, rank, dims, NULL, NULL, 0, 1);
    if (ds < 0) return -1;
    int rc = hdf5_write_doubles(ds, v) | attrs(ds, units, long_name) | (rank ? hdf5_attach(ds, scales, rank) : 0);
    H5Dclose(ds);
    return rc ? -1 : 0;
}

static int put_ints(hid_t g, const char *name, hid_t type, const hsize_t *dim, hid_t scale, const void *v,
                    const char *units, const char *long_name)
{
    hid_t ds = hdf5_dataset(g, name, type, 1, dim, NULL, NULL, 0, 0);
    if (ds < 0) return -1;
    int rc = H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0;
    rc |= attrs(ds, units, long_name) | hdf5_attach(ds, &scale, 1);
    H5Dclose(ds);
    return rc ? -1 : 0;
}

static hid_t string_scale(hid_t g, const char *name, const char *const *v, size_t n, const char *long_name)
{
    hid_t st = hdf5_vlen_str_type();
    hsize_t dim = n;
    hid_t ds = st < 0 ? -1 : hdf5_dataset(g, name, st, 1, &dim, NULL, NULL, 0, 0);
    if (st >= 0) H5Tclose(st);
    if (ds < 0) return -1;
    if (hdf5_write_strings(ds, v, n) || hdf5_make_scale(ds, name) || hdf5_attr_str(ds, "long_name", long_name)) {
        H5Dclose(ds);
        return -1;
    }
    return ds;
}

static int write_group(hid_t f, const h5out_optimize *o)
{
    hid_t g = hdf5_group_create(f, "optimize");
    if (g < 0) return -1;
    int rc = 0;
    rc |= hdf5_attr_str(g, "objective_total", o->objective_total);
    rc |= hdf5_attr_str(g, "sense", o->sense);
    rc |= hdf5_attr_str(g, "measure", o->measure);
    rc |= hdf5_attr_str(g, "method", o->method);
    rc |= hdf5_attr_u64(g, "paths", o->paths);
    rc |= hdf5_attr_u64(g, "seed", o->seed);
    rc |= hdf5_attr_u64(g, "seed_out", o->seed_out);
    rc |= hdf5_attr_u64(g, "budget", o->budget);
    rc |= hdf5_attr_double(g, "es_level", 0.05);
    hid_t sdec = string_scale(g, "decision", o->decision, o->ndec, "decision (key path)");
    hid_t scon = o->ncons ? string_scale(g, "constraint", o->constraint, o->ncons, "constraint") : 0;
    hsize_t nw = o->nweights, np = o->npoints, nd = o->ndec, nc = o->ncons;
    hid_t sw = hdf5_dataset(g, "weight", H5T_NATIVE_DOUBLE, 1, &nw, NULL, NULL, 0, 0);
    hid_t sp = hdf5_dataset(g, "point", H5T_NATIVE_INT64, 1, &np, NULL, NULL, 0, 0);
    if (sdec < 0 || scon < 0 || sw < 0 || sp < 0) rc = -1;
    if (!rc) {
        int64_t idx[np ? np : 1];
        for (hsize_t i = 0; i < np; i++) idx[i] = (int64_t)i;
        rc |= hdf5_write_doubles(sw, o->weight) | hdf5_make_scale(sw, "weight") |
              hdf5_attr_str(sw, "units", "1") | hdf5_attr_str(sw, "long_name", "risk weight w");
        rc |= H5Dwrite(sp, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0;
        rc |= hdf5_make_scale(sp, "point") | hdf5_attr_str(sp, "long_name", "evaluation, in the order made");
    }
    const char *u = o->objective_units;
    if (!rc) {
        hsize_t d_pd[2] = { np, nd }, d_pw[2] = { np, nw }, d_pc[2] = { np, nc }, d_wd[2] = { nw, nd };
        hid_t s_pd[2] = { sp, sdec }, s_pw[2] = { sp, sw }, s_pc[2] = { sp, scon }, s_wd[2] = { sw, sdec };
        rc |= put_doubles(g, "points", 2, d_pd, s_pd, o->points, "1", "evaluated point: the decisions' values");
        rc |= put_doubles(g, "objective_in", 2, d_pw, s_pw, o->objective_in, u,
                          "in-sample objective: mean + w * ES of the objective total");
        rc |= put_doubles(g, "mean", 1, &np, &sp, o->mean, u, "in-sample mean of the objective total");
        rc |= put_doubles(g, "es", 1, &np, &sp, o->es, u, "in-sample expected shortfall (the measure) of the objective total");
        if (nc)
            rc |= put_doubles(g, "constraint_value", 2, d_pc, s_pc, o->constraint_value, "1",
                              "in-sample value of the constrained statistic");
        rc |= put_ints(g, "feasible", H5T_NATIVE_INT, &np, sp, o->feasible, "1", "1 when every constraint holds");
        rc |= put_doubles(g, "chosen", 2, d_wd, s_wd, o->chosen, "1",
                          "best feasible point per weight (NaN when none is feasible)");
        rc |= put_ints(g, "chosen_point", H5T_NATIVE_INT64, &nw, sw, o->chosen_point, "1",
                       "index of the chosen point in point (-1 when none is feasible)");
        rc |= put_doubles(g, "objective_in_chosen", 1, &nw, &sw, o->objective_in_chosen, u,
                          "in-sample objective of the chosen point");
        rc |= put_doubles(g, "objective_out", 1, &nw, &sw, o->objective_out, u,
                          "out-of-sample objective of the chosen point (fresh paths, seed_out)");
        rc |= put_doubles(g, "objective_out_se", 1, &nw, &sw, o->objective_out_se, u,
                          "standard error of objective_out");
        rc |= put_doubles(g, "objective_baseline", 1, &nw, &sw, o->objective_baseline, u,
                          "objective of the scenario's own values (fresh paths, seed_out)");
        rc |= put_doubles(g, "objective_baseline_se", 1, &nw, &sw, o->objective_baseline_se, u,
                          "standard error of objective_baseline");
    }
    if (sdec > 0) H5Dclose(sdec);
    if (scon > 0) H5Dclose(scon);
    if (sw >= 0) H5Dclose(sw);
    if (sp >= 0) H5Dclose(sp);
    H5Gclose(g);
    return rc ? -1 : 0;
}

int h5out_optimize_write(const char *path, const h5out_optimize *o, char *err, size_t errlen)
{
    hdf5_quiet();
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) {
        hdf5_errmsg(err, errlen, path);
        return -1;
    }
    int rc = write_group(f, o);
    if (rc) hdf5_errmsg(err, errlen, "writing /optimize");
    if (H5Fclose(f) < 0 && !rc) {
        hdf5_errmsg(err, errlen, path);
        rc = -1;
    }
    return rc;
}
