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

struct shard_file {
    char *path;
    hid_t file, shard, acc, yearly;
    hid_t totals, paths;                  /* groups, or -1 */
    shard_info info;
    char *command, *version, *gitrev;
    char **names, **texts, **sources, **sets_flat, **vary_keys;
    size_t nnames, ntexts, nsources, nsets_flat, nvary_keys;
    size_t *nsets;
    const char *const **sets;
    double *vary_values;
    double *buf;                          /* scratch for slabs */
    size_t buflen;
    char err[1024];
};

static int rfail(shard_file *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hdf5_vfail(f->err, sizeof f->err, f->path, fmt, ap);
    va_end(ap);
    return -1;
}

const char *shard_error(const shard_file *f)
{
    return f->err;
}

static int attr_u64(hid_t obj, const char *name, uint64_t *out)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    int rc = H5Aread(a, H5T_NATIVE_UINT64, out) < 0 ? -1 : 0;
    H5Aclose(a);
    return rc;
}

static double *scratch(shard_file *f, size_t n)
{
    return grow_array(&f->buf, &f->buflen, n, sizeof *f->buf, n) == 0 ? f->buf : NULL;
}

/* Optional string list: absent means empty. */
static int read_strings_opt(hid_t g, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!hdf5_exists(g, name)) return 0;
    return hdf5_read_strings(g, name, out, n);
}

static int read_doubles_opt(hid_t g, const char *name, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!hdf5_exists(g, name)) return 0;
    return hdf5_read_doubles(g, name, out, n);
}

static int read_description(shard_file *f)
{
    hid_t g = f->shard;
    shard_info *in = &f->info;
    uint64_t nv = 0, nvary = 0, idx = 0, cnt = 0;
    char *format = NULL;
    if (hdf5_read_attr_str(g, "format", &format) < 0) return rfail(f, "reading /shard");
    int same = strcmp(format, SHARD_FORMAT) == 0;
    if (!same) {
        snprintf(f->err, sizeof f->err, "%s: shard format %s, this capsim reads %s", f->path, format, SHARD_FORMAT);
        free(format);
        return -1;
    }
    free(format);
    if (hdf5_read_attr_str(g, "command", &f->command) < 0 || attr_u64(g, "total_paths", &in->total_paths) < 0 ||
        attr_u64(g, "seed", &in->seed) < 0 || attr_u64(g, "save_paths", &in->save_paths) < 0 ||
        attr_u64(g, "superblock", &in->superblock) < 0 || attr_u64(g, "nvariants", &nv) < 0 ||
        attr_u64(g, "nvary", &nvary) < 0 || attr_u64(g, "row_len", &in->row_len) < 0 ||
        attr_u64(g, "ntotals", &in->ntotals) < 0 || attr_u64(g, "nparams", &in->nparams) < 0 ||
        attr_u64(g, "nyears", &in->nyears) < 0 || attr_u64(g, "shard", &idx) < 0 || attr_u64(g, "shards", &cnt) < 0 ||
        attr_u64(g, "superblock_first", &in->sb_first) < 0 || attr_u64(g, "superblock_end", &in->sb_end) < 0 ||
        attr_u64(g, "path_first", &in->path_first) < 0 || attr_u64(g, "path_end", &in->path_end) < 0)
        return rfail(f, "reading the /shard attributes");
    in->command = f->command;
    in->nvariants = (size_t)nv;
    in->nvary = (size_t)nvary;
    in->index = (uint32_t)idx;
    in->count = (uint32_t)cnt;
    size_t nnsets = 0, nvv = 0;
    double *nsets = NULL;
    if (read_strings_opt(g, "variant_name", &f->names, &f->nnames) < 0 ||
        read_strings_opt(g, "scenario_text", &f->texts, &f->ntexts) < 0 ||
        read_strings_opt(g, "scenario_source", &f->sources, &f->nsources) < 0 ||
        read_strings_opt(g, "sets", &f->sets_flat, &f->nsets_flat) < 0 ||
        read_strings_opt(g, "vary_keys", &f->vary_keys, &f->nvary_keys) < 0 ||
        read_doubles_opt(g, "vary_values", &f->vary_values, &nvv) < 0 ||
        read_doubles_opt(g, "nsets", &nsets, &nnsets) < 0) {
        free(nsets);
        return rfail(f, "reading the job in /shard");
    }
    int ok = nv >= 1 && f->nnames == nv && f->ntexts == nv && f->nsources == nv && nnsets == nv &&
             f->nvary_keys == nvary && nvv == nv * nvary && cnt >= 1 && idx < cnt;
    f->nsets = calloc(nv ? nv : 1, sizeof *f->nsets);
    f->sets = calloc(nv ? nv : 1, sizeof *f->sets);
    size_t total = 0;
    for (size_t v = 0; ok && f->nsets && v < nv; v++) {
        f->nsets[v] = (size_t)nsets[v];
        total += f->nsets[v];
    }
    free(nsets);
    if (!f->nsets || !f->sets) return rfail(f, "out of memory");
    if (!ok || total != f->nsets_flat) {
        snprintf(f->err, sizeof f->err, "%s: /shard is inconsistent (damaged file?)", f->path);
        return -1;
    }
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

shard_file *shard_open(const char *path, char *err, size_t errlen)
{
    shard_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->shard = f->acc = f->yearly = f->totals = f->paths = H5I_INVALID_HID;
    f->file = results_open(path, f->err, sizeof f->err);
    int rc = f->file < 0 ? -1 : 0;
    if (rc == 0 && !hdf5_exists(f->file, "shard")) {
        snprintf(f->err, sizeof f->err, "%s is not a shard (no /shard group: shards are written by "
                 "capsim run --shard i/n)", path);
        rc = -1;
    }
    if (rc == 0 && (f->shard = H5Gopen2(f->file, "shard", H5P_DEFAULT)) < 0) rc = rfail(f, "opening /shard");
    if (rc == 0) rc = read_description(f);
    if (rc == 0 && (f->acc = H5Gopen2(f->shard, "acc", H5P_DEFAULT)) < 0) rc = rfail(f, "opening /shard/acc");
    if (rc == 0 && hdf5_exists(f->shard, "yearly") && (f->yearly = H5Dopen2(f->shard, "yearly", H5P_DEFAULT)) < 0)
        rc = rfail(f, "opening /shard/yearly");
    if (rc == 0 && (f->totals = H5Gopen2(f->file, "totals", H5P_DEFAULT)) < 0) rc = rfail(f, "opening /totals");
    if (rc == 0 && hdf5_exists(f->file, "paths") && (f->paths = H5Gopen2(f->file, "paths", H5P_DEFAULT)) < 0)
        rc = rfail(f, "opening /paths");
    if (rc == 0) {
        f->version = results_attr_str(f->file, "capsim_version");
        f->gitrev = results_attr_str(f->file, "git_revision");
        if (!f->version || !f->gitrev) rc = rfail(f, "out of memory");
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
    int rc = hdf5_read_slab(ds, r, start, count, buf);
    H5Dclose(ds);
    return rc < 0 ? rfail(f, "reading %s", name) : 0;
}

int shard_read_totals(shard_file *f, size_t v, uint64_t first, size_t n, const model_layout *L, double *out)
{
    for (int k = 0; k < N_TOTALS; k++) {
        size_t len = L->total_len[k], off = L->total_off[k] - L->total_off[0];
        if (len == 0 || n == 0) continue;
        double *buf = scratch(f, n * len);
        if (!buf) return rfail(f, "out of memory");
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
    if (f->yearly < 0) return rfail(f, "no /shard/yearly");
    hsize_t start[3] = { v, first, 0 }, count[3] = { 1, n, ny };
    return hdf5_read_slab(f->yearly, 3, start, count, out) < 0 ? rfail(f, "reading /shard/yearly") : 0;
}

int shard_read_series(shard_file *f, size_t v, uint64_t first, size_t n, const model_layout *L, double *rows)
{
    if (n == 0) return 0;
    if (f->paths < 0) return rfail(f, "no /paths group");
    for (int s = 0; s < N_SERIES; s++) {
        size_t len = L->series_len[s];
        if (len == 0) continue;
        double *buf = scratch(f, n * len);
        if (!buf) return rfail(f, "out of memory");
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
    char name[64];
    acc_name(name, sizeof name, sb, v);
    *words = NULL;
    *nwords = 0;
    hid_t ds = H5Dopen2(f->acc, name, H5P_DEFAULT);
    if (ds < 0) return rfail(f, "reading /shard/acc/%s", name);
    hid_t sp = H5Dget_space(ds);
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    uint64_t *w = np > 0 ? malloc((size_t)np * sizeof *w) : NULL;
    int rc = w && H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, w) >= 0 ? 0 : -1;
    H5Dclose(ds);
    if (rc < 0) {
        free(w);
        return rfail(f, "reading /shard/acc/%s", name);
    }
    *words = w;
    *nwords = (size_t)np;
    return 0;
}
