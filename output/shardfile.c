/* shardfile: the /shard group (see shardfile.h). Every HDF5 return value is checked. */
#include "shardfile.h"
#include "hdf5_util.h"
#include "results.h"
#include "sim/base/grow.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACC_CHUNK 65536     /* words per chunk of an accumulator dataset (512 KiB) */
#define ACC_GZIP 1          /* shuffle + deflate 1: most of a sketch is a few distinct values */
#define YEARLY_CHUNK 1024

/* ---- writing --------------------------------------------------------------------- */

struct shard_writer {
    hid_t g, acc, yearly;
    size_t nv, ny;
    uint64_t yearly_len;
    char err[512];
};

static int wfail(shard_writer *w, const char *what)
{
    hdf5_errmsg(w->err, sizeof w->err, what);
    return -1;
}

const char *shard_writer_error(const shard_writer *w)
{
    return w ? w->err : "out of memory";
}

static int strings_ds(hid_t g, const char *name, const char *const *v, size_t n)
{
    if (n == 0) return 0;
    hsize_t len = n;
    hid_t t = hdf5_vlen_str_type();
    hid_t ds = t >= 0 ? hdf5_dataset(g, name, t, 1, &len, NULL, NULL, 0, 0) : H5I_INVALID_HID;
    if (t >= 0) H5Tclose(t);
    int rc = ds >= 0 && hdf5_write_strings(ds, v, n) == 0 ? 0 : -1;
    if (ds >= 0 && H5Dclose(ds) < 0) rc = -1;
    return rc;
}

static int doubles_ds(hid_t g, const char *name, const double *v, size_t n)
{
    if (n == 0) return 0;
    hsize_t len = n;
    hid_t ds = hdf5_dataset(g, name, H5T_IEEE_F64LE, 1, &len, NULL, NULL, 0, 0);
    int rc = ds >= 0 && hdf5_write_doubles(ds, v) == 0 ? 0 : -1;
    if (ds >= 0 && H5Dclose(ds) < 0) rc = -1;
    return rc;
}

static int write_job(hid_t g, const shard_info *in)
{
    size_t nv = in->nvariants, total = 0;
    for (size_t v = 0; v < nv; v++) total += in->nsets[v];
    const char **sets = malloc((total ? total : 1) * sizeof *sets);
    double *nsets = malloc(nv * sizeof *nsets);
    int rc = -1;
    if (sets && nsets) {
        size_t i = 0;
        for (size_t v = 0; v < nv; v++) {
            nsets[v] = (double)in->nsets[v];
            for (size_t k = 0; k < in->nsets[v]; k++) sets[i++] = in->sets[v][k];
        }
        rc = strings_ds(g, "variant_name", in->variant_names, nv) | strings_ds(g, "scenario_text", in->texts, nv) |
             strings_ds(g, "scenario_source", in->sources, nv) | doubles_ds(g, "nsets", nsets, nv) |
             strings_ds(g, "sets", sets, total) | strings_ds(g, "vary_keys", in->vary_keys, in->nvary) |
             doubles_ds(g, "vary_values", in->vary_values, nv * in->nvary);
    }
    free(sets);
    free(nsets);
    return rc ? -1 : 0;
}

shard_writer *shard_writer_open(hid_t file, const shard_info *in, char *err, size_t errlen)
{
    shard_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->g = w->acc = w->yearly = H5I_INVALID_HID;
    w->nv = in->nvariants;
    w->ny = (size_t)(2 * in->nyears);
    int rc = (w->g = hdf5_group_create(file, "shard")) < 0 ? -1 : 0;
    if (rc == 0) {
        hid_t g = w->g;
        rc |= hdf5_attr_str(g, "description", "what `capsim merge` needs besides /totals and /paths (docs/ENGINE.md)");
        rc |= hdf5_attr_str(g, "format", SHARD_FORMAT);
        rc |= hdf5_attr_str(g, "command", in->command);
        rc |= hdf5_attr_u64(g, "total_paths", in->total_paths);
        rc |= hdf5_attr_u64(g, "seed", in->seed);
        rc |= hdf5_attr_u64(g, "save_paths", in->save_paths);
        rc |= hdf5_attr_u64(g, "superblock", in->superblock);
        rc |= hdf5_attr_u64(g, "nvariants", in->nvariants);
        rc |= hdf5_attr_u64(g, "nvary", in->nvary);
        rc |= hdf5_attr_u64(g, "row_len", in->row_len);
        rc |= hdf5_attr_u64(g, "ntotals", in->ntotals);
        rc |= hdf5_attr_u64(g, "nparams", in->nparams);
        rc |= hdf5_attr_u64(g, "nyears", in->nyears);
        rc |= hdf5_attr_u64(g, "shard", in->index);
        rc |= hdf5_attr_u64(g, "shards", in->count);
        rc |= hdf5_attr_u64(g, "superblock_first", in->sb_first);
        rc |= hdf5_attr_u64(g, "superblock_end", in->sb_end);
        rc |= hdf5_attr_u64(g, "path_first", in->path_first);
        rc |= hdf5_attr_u64(g, "path_end", in->path_end);
        rc = rc ? -1 : write_job(g, in);
    }
    if (rc == 0 && (w->acc = hdf5_group_create(w->g, "acc")) < 0) rc = -1;
    if (rc == 0 && w->ny > 0) {
        hsize_t dims[3] = { w->nv, 0, w->ny }, max[3] = { w->nv, H5S_UNLIMITED, w->ny };
        hsize_t chunk[3] = { 1, YEARLY_CHUNK, w->ny };
        if ((w->yearly = hdf5_dataset(w->g, "yearly", H5T_IEEE_F64LE, 3, dims, max, chunk, 1, 0)) < 0) rc = -1;
    }
    if (rc < 0) {
        wfail(w, "writing /shard");
        snprintf(err, errlen, "%s", w->err);
        shard_writer_close(w);
        return NULL;
    }
    return w;
}

int shard_write_yearly(shard_writer *w, size_t v, uint64_t first, size_t n, const double *yrows)
{
    if (w->yearly < 0 || n == 0) return 0;
    if (first + n > w->yearly_len) {
        hsize_t dims[3] = { w->nv, first + n, w->ny };
        if (H5Dset_extent(w->yearly, dims) < 0) return wfail(w, "extending /shard/yearly");
        w->yearly_len = first + n;
    }
    hsize_t start[3] = { v, first, 0 }, count[3] = { 1, n, w->ny };
    return hdf5_write_slab(w->yearly, 3, start, count, yrows) < 0 ? wfail(w, "writing /shard/yearly") : 0;
}

static void acc_name(char *buf, size_t len, uint64_t sb, size_t v)
{
    snprintf(buf, len, "sb%09" PRIu64 ".v%zu", sb, v);
}

int shard_write_acc(shard_writer *w, uint64_t sb, size_t v, const uint64_t *words, size_t nwords)
{
    char name[64];
    acc_name(name, sizeof name, sb, v);
    hsize_t n = nwords, chunk = nwords < ACC_CHUNK ? nwords : ACC_CHUNK;
    hid_t ds = n ? hdf5_dataset(w->acc, name, H5T_STD_U64LE, 1, &n, NULL, &chunk, ACC_GZIP, 0) : H5I_INVALID_HID;
    int rc = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, words) >= 0 ? 0 : -1;
    if (ds >= 0 && H5Dclose(ds) < 0) rc = -1;
    return rc < 0 ? wfail(w, "writing /shard/acc") : 0;
}

int shard_writer_close(shard_writer *w)
{
    if (!w) return 0;
    int rc = 0;
    if (w->yearly >= 0 && H5Dclose(w->yearly) < 0) rc = -1;
    if (w->acc >= 0 && H5Gclose(w->acc) < 0) rc = -1;
    if (w->g >= 0 && H5Gclose(w->g) < 0) rc = -1;
    free(w);
    return rc;
}

/* ---- reading --------------------------------------------------------------------- */

/* Limits of what /shard may claim, besides results.h's. */
#define SHARD_MAX_SHARDS 1000000      /* --shard i/n: n */
#define SHARD_MAX_SETS 1000000        /* --set arguments of a variant */
#define SHARD_MAX_LAYOUT (UINT64_C(1) << 40)   /* row_len, ntotals, nparams */

struct shard_file {
    char *path;
    hid_t file, shard, acc, yearly;
    hid_t totals, paths;                  /* groups, or -1 */
    shard_info info;
    uint64_t local_paths, local_saved;    /* paths of the file's /totals and /paths */
    char *command, *version, *gitrev;
    char **names, **texts, **sources, **sets_flat, **vary_keys;
    size_t nnames, ntexts, nsources, nsets_flat, nvary_keys;
    size_t *nsets;
    const char *const **sets;
    double *vary_values;
    double *buf;                          /* scratch for slabs */
    size_t buflen;
    int status;                           /* of the last failure: RESULTS_IO or RESULTS_BAD_FILE */
    char err[2048];
};

/* An HDF5 call just failed: "path: what: reason", and the status the stack says. */
static int rfail(shard_file *f, const char *fmt, ...)
{
    f->status = results_read_status();
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(what, sizeof what, "%s", f->status == RESULTS_BAD_FILE ? "damaged shard file: " : "");
    vsnprintf(what + n, sizeof what - (size_t)n, fmt, ap);
    va_end(ap);
    char msg[1024];
    hdf5_errmsg(msg, sizeof msg, what);
    snprintf(f->err, sizeof f->err, "%s: %s", f->path, msg);
    return -1;
}

/* Damage found by our own checks (HDF5 did not fail): "path: damaged shard file: what". */
__attribute__((format(printf, 2, 3)))
static int rbad(shard_file *f, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(f->err, sizeof f->err, "%s: damaged shard file: %s", f->path, what);
    f->status = RESULTS_BAD_FILE;
    return -1;
}

static int oom(shard_file *f)
{
    snprintf(f->err, sizeof f->err, "%s: out of memory", f->path);
    f->status = RESULTS_IO;
    return -1;
}

const char *shard_error(const shard_file *f)
{
    return f->err;
}

int shard_error_status(const shard_file *f)
{
    return f->status;
}

static double *scratch(shard_file *f, size_t n)
{
    return grow_array(&f->buf, &f->buflen, n, sizeof *f->buf, n) == 0 ? f->buf : NULL;
}

/* A count attribute of /shard, within [lo, hi]. */
static int count_of(shard_file *f, const char *name, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char why[256];
    int st = results_attr_count(f->shard, name, hi, out, why, sizeof why);
    if (st != RESULTS_OK) {
        f->status = st;
        snprintf(f->err, sizeof f->err, "%s: %s/shard: %s", f->path, st == RESULTS_BAD_FILE ? "damaged shard file: " : "",
                 why);
        return -1;
    }
    if (*out < lo) return rbad(f, "/shard: attribute %s: %llu, at least %llu expected", name, (unsigned long long)*out,
                               (unsigned long long)lo);
    return 0;
}

/* Dataset name of /shard: 1-D of n values of class cls (absent when n == 0 and optional). */
static int want_1d(shard_file *f, const char *name, H5T_class_t cls, uint64_t n, int optional)
{
    char why[256];
    int rank;
    hsize_t dims[RESULTS_MAX_RANK];
    H5T_class_t c;
    if (optional && n == 0 && !hdf5_exists(f->shard, name)) return 0;
    int st = results_dataset_info(f->shard, name, &rank, dims, &c, why, sizeof why);
    if (st != RESULTS_OK) {
        f->status = st;
        snprintf(f->err, sizeof f->err, "%s: %s/shard/%s: %s", f->path,
                 st == RESULTS_BAD_FILE ? "damaged shard file: " : "", name, why);
        return -1;
    }
    if (c != cls) return rbad(f, "/shard/%s: not %s", name, cls == H5T_STRING ? "strings" : "numbers");
    if (rank != 1 || dims[0] != n)
        return rbad(f, "/shard/%s: %s%llu values, %llu expected", name, rank != 1 ? "not 1-D: " : "",
                    rank ? (unsigned long long)dims[0] : 0ULL, (unsigned long long)n);
    if (cls == H5T_FLOAT && n > 0) {
        hid_t ds = H5Dopen2(f->shard, name, H5P_DEFAULT);
        if (ds < 0) return rfail(f, "/shard/%s", name);
        st = results_plausible(ds, n, 8, why, sizeof why);
        H5Dclose(ds);
        if (st != RESULTS_OK) return rbad(f, "/shard/%s: %s", name, why);
    }
    return 0;
}

/* The attributes of /shard: every count within its limits and consistent with the others
 * and with the file's own (paths, variants, save_paths), before anything is read. */
static int read_counts(shard_file *f, uint64_t *nv, uint64_t *nvary)
{
    shard_info *in = &f->info;
    uint64_t idx = 0, cnt = 0, file_nv = 0, file_paths = 0, file_saved = 0;
    char why[256];
    int st;
    if ((st = results_attr_count(f->file, "variants", RESULTS_MAX_VARIANTS, &file_nv, why, sizeof why)) != RESULTS_OK ||
        (st = results_attr_count(f->file, "paths", RESULTS_MAX_PATHS, &file_paths, why, sizeof why)) != RESULTS_OK ||
        (st = results_attr_count(f->file, "save_paths", RESULTS_MAX_PATHS, &file_saved, why, sizeof why)) != RESULTS_OK) {
        f->status = st;
        snprintf(f->err, sizeof f->err, "%s: %s", f->path, why);
        return -1;
    }
    if (count_of(f, "total_paths", 1, RESULTS_MAX_PATHS, &in->total_paths) < 0 ||
        count_of(f, "seed", 0, UINT64_MAX, &in->seed) < 0 ||
        count_of(f, "save_paths", 0, in->total_paths, &in->save_paths) < 0 ||
        count_of(f, "superblock", 1, RESULTS_MAX_PATHS, &in->superblock) < 0 ||
        count_of(f, "nvariants", 1, RESULTS_MAX_VARIANTS, nv) < 0 ||
        count_of(f, "nvary", 0, RESULTS_MAX_LABELS, nvary) < 0 ||
        count_of(f, "row_len", 1, SHARD_MAX_LAYOUT, &in->row_len) < 0 ||
        count_of(f, "ntotals", 1, SHARD_MAX_LAYOUT, &in->ntotals) < 0 ||
        count_of(f, "nparams", 0, SHARD_MAX_LAYOUT, &in->nparams) < 0 ||
        count_of(f, "nyears", 0, RESULTS_MAX_MONTHS, &in->nyears) < 0 ||
        count_of(f, "shards", 1, SHARD_MAX_SHARDS, &cnt) < 0 || count_of(f, "shard", 0, cnt - 1, &idx) < 0 ||
        count_of(f, "path_first", 0, in->total_paths, &in->path_first) < 0 ||
        count_of(f, "path_end", in->path_first, in->total_paths, &in->path_end) < 0 ||
        count_of(f, "superblock_first", 0, RESULTS_MAX_PATHS, &in->sb_first) < 0 ||
        count_of(f, "superblock_end", in->sb_first, RESULTS_MAX_PATHS, &in->sb_end) < 0)
        return -1;
    if (*nv != file_nv)
        return rbad(f, "/shard: attribute nvariants: %llu, where the file has %llu variants", (unsigned long long)*nv,
                    (unsigned long long)file_nv);
    /* the superblocks [sb_first, sb_end) hold exactly the paths [path_first, path_end) */
    uint64_t S = (in->total_paths + in->superblock - 1) / in->superblock, sb = in->superblock;
    if (in->sb_end > S || (in->sb_first * sb < in->total_paths ? in->sb_first * sb : in->total_paths) != in->path_first ||
        (in->sb_end * sb < in->total_paths ? in->sb_end * sb : in->total_paths) != in->path_end)
        return rbad(f, "/shard: superblocks %llu..%llu of %llu paths do not hold its paths %llu..%llu of %llu",
                    (unsigned long long)in->sb_first, (unsigned long long)in->sb_end, (unsigned long long)sb,
                    (unsigned long long)in->path_first, (unsigned long long)in->path_end,
                    (unsigned long long)in->total_paths);
    f->local_paths = in->path_end - in->path_first;
    uint64_t k = in->save_paths < in->path_end ? in->save_paths : in->path_end;
    f->local_saved = k > in->path_first ? k - in->path_first : 0;
    if (file_paths != f->local_paths || file_saved != f->local_saved)
        return rbad(f, "the file's attributes paths = %llu, save_paths = %llu, where /shard says %llu and %llu",
                    (unsigned long long)file_paths, (unsigned long long)file_saved, (unsigned long long)f->local_paths,
                    (unsigned long long)f->local_saved);
    in->nvariants = (size_t)*nv;
    in->nvary = (size_t)*nvary;
    in->index = (uint32_t)idx;
    in->count = (uint32_t)cnt;
    return 0;
}

static int read_strings_ds(shard_file *f, const char *name, uint64_t n, char ***out, size_t *got)
{
    *out = NULL;
    *got = 0;
    if (n == 0) return 0;
    if (hdf5_read_strings(f->shard, name, out, got) < 0) return rfail(f, "reading /shard/%s", name);
    return 0;
}

static int read_description(shard_file *f)
{
    hid_t g = f->shard;
    shard_info *in = &f->info;
    uint64_t nv = 0, nvary = 0;
    char *format = NULL, why[256];
    int st = results_attr_string(g, "format", &format, why, sizeof why);
    if (st != RESULTS_OK) {
        f->status = st;
        snprintf(f->err, sizeof f->err, "%s: %s/shard: %s", f->path, st == RESULTS_BAD_FILE ? "damaged shard file: " : "",
                 why);
        return -1;
    }
    int same = strcmp(format, SHARD_FORMAT) == 0;
    if (!same) {
        snprintf(f->err, sizeof f->err, "%s: shard format %.64s, this capsim reads %s", f->path, format, SHARD_FORMAT);
        f->status = RESULTS_BAD_FILE;
        free(format);
        return -1;
    }
    free(format);
    if ((st = results_attr_string(g, "command", &f->command, why, sizeof why)) != RESULTS_OK) {
        f->status = st;
        snprintf(f->err, sizeof f->err, "%s: damaged shard file: /shard: %s", f->path, why);
        return -1;
    }
    in->command = f->command;
    if (read_counts(f, &nv, &nvary) < 0) return -1;
    /* the job: shapes first, then the values */
    if (want_1d(f, "variant_name", H5T_STRING, nv, 0) < 0 || want_1d(f, "scenario_text", H5T_STRING, nv, 0) < 0 ||
        want_1d(f, "scenario_source", H5T_STRING, nv, 0) < 0 || want_1d(f, "nsets", H5T_FLOAT, nv, 0) < 0 ||
        want_1d(f, "vary_keys", H5T_STRING, nvary, 1) < 0 || want_1d(f, "vary_values", H5T_FLOAT, nv * nvary, 1) < 0)
        return -1;
    double *nsets = NULL;
    size_t nnsets = 0, nvv = 0;
    if (hdf5_read_doubles(g, "nsets", &nsets, &nnsets) < 0) return rfail(f, "reading /shard/nsets");
    if (!(f->nsets = calloc((size_t)nv, sizeof *f->nsets)) || !(f->sets = calloc((size_t)nv, sizeof *f->sets))) {
        free(nsets);
        return oom(f);
    }
    uint64_t total = 0;
    for (size_t v = 0; v < nv; v++) {
        double x = nsets[v];
        /* a count as a double: whole, and small enough to convert */
        if (!(x >= 0 && x <= SHARD_MAX_SETS && x == (double)(uint64_t)x)) {
            free(nsets);
            return rbad(f, "/shard/nsets: value %zu is %g, not a count of --set arguments", v, x);
        }
        f->nsets[v] = (size_t)x;
        total += f->nsets[v];
    }
    free(nsets);
    if (want_1d(f, "sets", H5T_STRING, total, 1) < 0) return -1;
    if (read_strings_ds(f, "variant_name", nv, &f->names, &f->nnames) < 0 ||
        read_strings_ds(f, "scenario_text", nv, &f->texts, &f->ntexts) < 0 ||
        read_strings_ds(f, "scenario_source", nv, &f->sources, &f->nsources) < 0 ||
        read_strings_ds(f, "sets", total, &f->sets_flat, &f->nsets_flat) < 0 ||
        read_strings_ds(f, "vary_keys", nvary, &f->vary_keys, &f->nvary_keys) < 0)
        return -1;
    if (nv * nvary > 0 && hdf5_read_doubles(g, "vary_values", &f->vary_values, &nvv) < 0)
        return rfail(f, "reading /shard/vary_values");
    for (size_t v = 0, i = 0; v < nv; i += f->nsets[v], v++)
        f->sets[v] = (const char *const *)(f->sets_flat + i);
    in->variant_names = (const char *const *)f->names;
    in->texts = (const char *const *)f->texts;
    in->sources = (const char *const *)f->sources;
    in->nsets = f->nsets;
    in->sets = f->sets;
    in->vary_keys = (const char *const *)f->vary_keys;
    in->vary_values = f->vary_values;
    return 0;
}

/* /shard/yearly (variant, path, 2 x years) and /shard/acc: one dataset of words per
 * superblock and variant, each of them there, 1-D, not empty, stored. */
static int check_data(shard_file *f)
{
    const shard_info *in = &f->info;
    char why[256], name[64];
    int rank, st;
    hsize_t dims[RESULTS_MAX_RANK];
    H5T_class_t cls;
    uint64_t ny = 2 * in->nyears;
    if (ny > 0 || hdf5_exists(f->shard, "yearly")) {
        st = results_dataset_info(f->shard, "yearly", &rank, dims, &cls, why, sizeof why);
        if (st != RESULTS_OK) {
            f->status = st;
            snprintf(f->err, sizeof f->err, "%s: damaged shard file: /shard/yearly: %s", f->path, why);
            return -1;
        }
        if (cls != H5T_FLOAT || rank != 3 || dims[0] != in->nvariants || dims[1] != f->local_paths || dims[2] != ny)
            return rbad(f, "/shard/yearly: not %zu x %llu x %llu numbers (variants, paths, 2 x years)", in->nvariants,
                        (unsigned long long)f->local_paths, (unsigned long long)ny);
        if ((f->yearly = H5Dopen2(f->shard, "yearly", H5P_DEFAULT)) < 0) return rfail(f, "opening /shard/yearly");
        /* values: at most 1e6 variants x 1e12 paths x 2e5: counted in long double */
        long double n = (long double)in->nvariants * (long double)f->local_paths * (long double)ny;
        if (n > (long double)(UINT64_MAX / 16) ||
            results_plausible(f->yearly, (uint64_t)n, 8, why, sizeof why) != RESULTS_OK)
            return rbad(f, "/shard/yearly: %s", n > (long double)(UINT64_MAX / 16) ? "impossibly many values" : why);
    }
    st = results_dataset_info(f->shard, "acc", &rank, dims, &cls, why, sizeof why);
    if (st == RESULTS_OK || strcmp(why, "not a dataset") != 0) {   /* a group is what it must be */
        f->status = st == RESULTS_OK ? RESULTS_BAD_FILE : st;
        snprintf(f->err, sizeof f->err, "%s: damaged shard file: /shard/acc: %s", f->path,
                 st == RESULTS_OK ? "not a group" : why);
        return -1;
    }
    if ((f->acc = H5Gopen2(f->shard, "acc", H5P_DEFAULT)) < 0) return rfail(f, "opening /shard/acc");
    H5G_info_t gi;
    if (H5Gget_info(f->acc, &gi) < 0) return rfail(f, "reading /shard/acc");
    uint64_t want = (in->sb_end - in->sb_first) * (uint64_t)in->nvariants;
    if (gi.nlinks != want)
        return rbad(f, "/shard/acc: %llu datasets, %llu expected (superblocks %llu..%llu, %zu variant(s))",
                    (unsigned long long)gi.nlinks, (unsigned long long)want, (unsigned long long)in->sb_first,
                    (unsigned long long)in->sb_end, in->nvariants);
    for (uint64_t sb = in->sb_first; sb < in->sb_end; sb++)
        for (size_t v = 0; v < in->nvariants; v++) {
            acc_name(name, sizeof name, sb, v);
            st = results_dataset_info(f->acc, name, &rank, dims, &cls, why, sizeof why);
            if (st != RESULTS_OK) {
                f->status = st;
                snprintf(f->err, sizeof f->err, "%s: damaged shard file: /shard/acc/%s: %s", f->path, name, why);
                return -1;
            }
            if (cls != H5T_INTEGER || rank != 1 || dims[0] == 0)
                return rbad(f, "/shard/acc/%s: not a list of 64-bit words", name);
            hid_t ds = H5Dopen2(f->acc, name, H5P_DEFAULT);
            if (ds < 0) return rfail(f, "opening /shard/acc/%s", name);
            st = results_plausible(ds, dims[0], 8, why, sizeof why);
            H5Dclose(ds);
            if (st != RESULTS_OK) return rbad(f, "/shard/acc/%s: %s", name, why);
        }
    return 0;
}

shard_file *shard_open(const char *path, char *err, size_t errlen)
{
    shard_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->shard = f->acc = f->yearly = f->totals = f->paths = H5I_INVALID_HID;
    f->file = results_open_status(path, &f->status, f->err, sizeof f->err);
    int rc = f->file < 0 ? -1 : 0;
    if (rc == 0 && !hdf5_exists(f->file, "shard")) {
        snprintf(f->err, sizeof f->err, "%s is not a shard (no /shard group: shards are written by "
                 "capsim run --shard i/n)", path);
        f->status = RESULTS_BAD_FILE;
        rc = -1;
    }
    if (rc == 0) {
        char why[256];
        int rank;
        hsize_t dims[RESULTS_MAX_RANK];
        H5T_class_t cls;
        int st = results_dataset_info(f->file, "shard", &rank, dims, &cls, why, sizeof why);
        if (st == RESULTS_OK || strcmp(why, "not a dataset") != 0)
            rc = rbad(f, "/shard: %s", st == RESULTS_OK ? "not a group" : why);
    }
    if (rc == 0 && (f->shard = H5Gopen2(f->file, "shard", H5P_DEFAULT)) < 0) rc = rfail(f, "opening /shard");
    if (rc == 0) rc = read_description(f);
    if (rc == 0) rc = check_data(f);
    if (rc == 0 && (f->totals = H5Gopen2(f->file, "totals", H5P_DEFAULT)) < 0) rc = rfail(f, "opening /totals");
    if (rc == 0 && hdf5_exists(f->file, "paths") && (f->paths = H5Gopen2(f->file, "paths", H5P_DEFAULT)) < 0)
        rc = rfail(f, "opening /paths");
    if (rc == 0) {
        f->version = results_attr_str(f->file, "capsim_version");
        f->gitrev = results_attr_str(f->file, "git_revision");
        if (!f->version || !f->gitrev) rc = oom(f);
        f->info.capsim_version = f->version;
        f->info.git_revision = f->gitrev;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", f->err);
        shard_close(f);
        return NULL;
    }
    return f;
}

void shard_close(shard_file *f)
{
    if (!f) return;
    if (f->yearly >= 0) H5Dclose(f->yearly);
    if (f->acc >= 0) H5Gclose(f->acc);
    if (f->shard >= 0) H5Gclose(f->shard);
    if (f->totals >= 0) H5Gclose(f->totals);
    if (f->paths >= 0) H5Gclose(f->paths);
    if (f->file >= 0) H5Fclose(f->file);
    hdf5_free_strings(f->names, f->nnames);
    hdf5_free_strings(f->texts, f->ntexts);
    hdf5_free_strings(f->sources, f->nsources);
    hdf5_free_strings(f->sets_flat, f->nsets_flat);
    hdf5_free_strings(f->vary_keys, f->nvary_keys);
    free(f->nsets);
    free(f->sets);
    free(f->vary_values);
    free(f->command);
    free(f->version);
    free(f->gitrev);
    free(f->buf);
    free(f->path);
    free(f);
}

const shard_info *shard_get_info(const shard_file *f)
{
    return &f->info;
}

const char *shard_path(const shard_file *f)
{
    return f->path;
}

/* Dataset name of g has exactly the dims want[0..r) (the layout of the scenarios). */
static int want_dims(shard_file *f, hid_t g, const char *gname, const char *name, const hsize_t *want, int r)
{
    char why[256];
    int rank;
    hsize_t dims[RESULTS_MAX_RANK];
    H5T_class_t cls;
    int st = results_dataset_info(g, name, &rank, dims, &cls, why, sizeof why);
    if (st != RESULTS_OK) {
        f->status = st;
        snprintf(f->err, sizeof f->err, "%s: damaged shard file: /%s/%s: %s", f->path, gname, name, why);
        return -1;
    }
    int same = rank == r;
    for (int i = 0; same && i < r; i++) same = dims[i] == want[i];
    if (!same) {
        char has[160] = "", exp[160] = "";
        for (int i = 0, at = 0; i < rank && at < (int)sizeof has; i++)
            at += snprintf(has + at, sizeof has - (size_t)at, "%s%llu", i ? " x " : "", (unsigned long long)dims[i]);
        for (int i = 0, at = 0; i < r && at < (int)sizeof exp; i++)
            at += snprintf(exp + at, sizeof exp - (size_t)at, "%s%llu", i ? " x " : "", (unsigned long long)want[i]);
        return rbad(f, "/%s/%s: %s values, where the layout of its scenarios has %s", gname, name, rank ? has : "1",
                    r ? exp : "1");
    }
    return 0;
}

int shard_check_layout(shard_file *f, const model_layout *L)
{
    const shard_info *in = &f->info;
    hsize_t want[4];
    for (int k = 0; k < N_TOTALS; k++) {
        if (L->total_len[k] == 0) continue;
        int r = 0;
        if (in->nvariants > 1) want[r++] = in->nvariants;
        want[r++] = f->local_paths;
        if (model_totals[k].dim != DIM_NONE) want[r++] = L->total_len[k];
        if (want_dims(f, f->totals, "totals", model_totals[k].name, want, r) < 0) return -1;
    }
    if (f->local_saved == 0) return 0;
    if (f->paths < 0) return rbad(f, "/paths: missing");
    for (int s = 0; s < N_SERIES; s++) {
        if (L->series_len[s] == 0) continue;
        int r = 0;
        if (in->nvariants > 1) want[r++] = in->nvariants;
        want[r++] = f->local_saved;
        want[r++] = (hsize_t)L->months;
        if (model_series[s].dim != DIM_NONE) want[r++] = L->dimlen[model_series[s].dim];
        if (want_dims(f, f->paths, "paths", model_series[s].name, want, r) < 0) return -1;
    }
    return 0;
}

/* ---- checking a set ---------------------------------------------------------------- */

static int cmp_index(const void *a, const void *b)
{
    const shard_file *x = *(shard_file *const *)a, *y = *(shard_file *const *)b;
    return (x->info.index > y->info.index) - (x->info.index < y->info.index);
}

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The first difference between the jobs of a and b, or NULL. */
static const char *job_difference(const shard_info *a, const shard_info *b, char *buf, size_t len)
{
    if (!same_str(a->command, b->command)) return "the command (run, compare, sweep)";
    if (a->count != b->count) {
        snprintf(buf, len, "the number of shards (%u vs %u)", a->count, b->count);
        return buf;
    }
    if (a->total_paths != b->total_paths) {
        snprintf(buf, len, "--paths (%" PRIu64 " vs %" PRIu64 ")", a->total_paths, b->total_paths);
        return buf;
    }
    if (a->seed != b->seed) {
        snprintf(buf, len, "the seed (%" PRIu64 " vs %" PRIu64 ")", a->seed, b->seed);
        return buf;
    }
    if (a->superblock != b->superblock) {
        snprintf(buf, len, "the superblock size (--superblock-paths %" PRIu64 " vs %" PRIu64 ")", a->superblock, b->superblock);
        return buf;
    }
    if (a->save_paths != b->save_paths) return "--save-paths";
    if (a->nvariants != b->nvariants) return "the number of variants";
    for (size_t v = 0; v < a->nvariants; v++) {
        if (!same_str(a->texts[v], b->texts[v])) {
            snprintf(buf, len, "the scenario text of %s", a->variant_names[v]);
            return buf;
        }
        /* the source name is provenance only (a root attribute): ./a.yaml and a.yaml may meet */
        if (!same_str(a->variant_names[v], b->variant_names[v])) return "the variant names";
        if (a->nsets[v] != b->nsets[v]) return "the --set arguments";
        for (size_t k = 0; k < a->nsets[v]; k++)
            if (!same_str(a->sets[v][k], b->sets[v][k])) {
                snprintf(buf, len, "the --set arguments (%s vs %s)", a->sets[v][k], b->sets[v][k]);
                return buf;
            }
    }
    if (a->nvary != b->nvary) return "the --vary axes";
    for (size_t k = 0; k < a->nvary; k++)
        if (!same_str(a->vary_keys[k], b->vary_keys[k])) return "the --vary axes";
    if (a->nvary && memcmp(a->vary_values, b->vary_values, a->nvariants * a->nvary * sizeof(double)) != 0)
        return "the --vary values";
    if (a->row_len != b->row_len || a->ntotals != b->ntotals || a->nparams != b->nparams || a->nyears != b->nyears)
        return "the output layout";
    return NULL;
}

int shard_check_set(shard_file **files, size_t n, char *msg, size_t msglen)
{
    if (n == 0) {
        snprintf(msg, msglen, "no shard files");
        return -1;
    }
    char buf[512];
    for (size_t i = 1; i < n; i++) {
        const char *d = job_difference(&files[0]->info, &files[i]->info, buf, sizeof buf);
        if (d) {
            snprintf(msg, msglen, "%s and %s are shards of different runs: they differ in %s", files[0]->path,
                     files[i]->path, d);
            return -1;
        }
    }
    qsort(files, n, sizeof *files, cmp_index);
    uint32_t count = files[0]->info.count;
    for (size_t i = 1; i < n; i++)
        if (files[i]->info.index == files[i - 1]->info.index) {
            snprintf(msg, msglen, "%s and %s are the same shard (%u/%u)", files[i - 1]->path, files[i]->path,
                     files[i]->info.index, count);
            return -1;
        }
    for (uint32_t k = 0, i = 0; k < count; k++) {
        if (i < n && files[i]->info.index == k) {
            i++;
            continue;
        }
        snprintf(msg, msglen, "shard %u/%u is missing (got %zu of %u files)", k, count, n, count);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const shard_info *s = &files[i]->info;
        int ok = i == 0 ? s->sb_first == 0 && s->path_first == 0
                        : s->sb_first == files[i - 1]->info.sb_end && s->path_first == files[i - 1]->info.path_end;
        if (i == n - 1) ok = ok && s->path_end == s->total_paths;
        if (!ok || s->path_end < s->path_first) {
            snprintf(msg, msglen, "%s: its paths do not continue the previous shard's (damaged file?)", files[i]->path);
            return -1;
        }
    }
    return 0;
}

/* ---- per-path data ----------------------------------------------------------------- */

/* Read the slab [v,] first..first+n [, rest...] of dataset name in g into buf. */
static int read_paths_slab(shard_file *f, hid_t g, const char *name, size_t v, uint64_t first, size_t n,
                           const hsize_t *rest, int nrest, double *buf)
{
    hsize_t start[4] = { 0 }, count[4];
    int r = 0;
    if (f->info.nvariants > 1) {
        start[r] = v;
        count[r++] = 1;
    }
    start[r] = first;
    count[r++] = n;
    for (int i = 0; i < nrest; i++) {
        start[r] = 0;
        count[r++] = rest[i];
    }
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) return rfail(f, "opening %s", name);
    /* the reason is taken before H5Dclose, which clears HDF5's error stack */
    int rc = hdf5_read_slab(ds, r, start, count, buf) < 0 ? rfail(f, "reading %s", name) : 0;
    H5Dclose(ds);
    return rc;
}

int shard_read_totals(shard_file *f, size_t v, uint64_t first, size_t n, const model_layout *L, double *out)
{
    for (int k = 0; k < N_TOTALS; k++) {
        size_t len = L->total_len[k], off = L->total_off[k] - L->total_off[0];
        if (len == 0 || n == 0) continue;
        double *buf = scratch(f, n * len);
        if (!buf) return oom(f);
        hsize_t rest = len;
        if (read_paths_slab(f, f->totals, model_totals[k].name, v, first, n, &rest,
                            model_totals[k].dim == DIM_NONE ? 0 : 1, buf) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) memcpy(out + i * L->ntotals + off, buf + i * len, len * sizeof *out);
    }
    return 0;
}

int shard_read_yearly(shard_file *f, size_t v, uint64_t first, size_t n, size_t ny, double *out)
{
    if (n == 0 || ny == 0) return 0;
    if (f->yearly < 0) return rbad(f, "/shard/yearly: missing");
    hsize_t start[3] = { v, first, 0 }, count[3] = { 1, n, ny };
    return hdf5_read_slab(f->yearly, 3, start, count, out) < 0 ? rfail(f, "reading /shard/yearly") : 0;
}

int shard_read_series(shard_file *f, size_t v, uint64_t first, size_t n, const model_layout *L, double *rows)
{
    if (n == 0) return 0;
    if (f->paths < 0) return rbad(f, "/paths: missing");
    for (int s = 0; s < N_SERIES; s++) {
        size_t len = L->series_len[s];
        if (len == 0) continue;
        double *buf = scratch(f, n * len);
        if (!buf) return oom(f);
        hsize_t rest[2] = { (hsize_t)L->months, L->dimlen[model_series[s].dim] };
        if (read_paths_slab(f, f->paths, model_series[s].name, v, first, n, rest,
                            model_series[s].dim == DIM_NONE ? 1 : 2, buf) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            memcpy(rows + i * L->row_len + L->series_off[s], buf + i * len, len * sizeof *rows);
    }
    return 0;
}

int shard_read_acc(shard_file *f, uint64_t sb, size_t v, uint64_t **words, size_t *nwords)
{
    char name[64], why[256];
    acc_name(name, sizeof name, sb, v);
    *words = NULL;
    *nwords = 0;
    hid_t ds = H5Dopen2(f->acc, name, H5P_DEFAULT);
    if (ds < 0) return rfail(f, "reading /shard/acc/%s", name);
    hid_t sp = H5Dget_space(ds);
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    int rc = 0;
    if (np <= 0) rc = rbad(f, "/shard/acc/%s: empty", name);
    else if (results_plausible(ds, (uint64_t)np, sizeof **words, why, sizeof why) != RESULTS_OK)
        rc = rbad(f, "/shard/acc/%s: %s", name, why);
    uint64_t *w = rc == 0 ? malloc((size_t)np * sizeof *w) : NULL;
    if (rc == 0 && !w) rc = oom(f);
    /* the reason is taken before H5Dclose, which clears HDF5's error stack */
    if (rc == 0 && H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, w) < 0)
        rc = rfail(f, "reading /shard/acc/%s", name);
    H5Dclose(ds);
    if (rc < 0) {
        free(w);
        return -1;
    }
    *words = w;
    *nwords = (size_t)np;
    return 0;
}
