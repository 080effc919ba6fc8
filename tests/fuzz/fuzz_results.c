/*
 * fuzz_results: libFuzzer target over the results file readers (`make fuzz`;
 * tests/fuzz/README.md).
 *
 * An input is one of two things:
 *   - a file's bytes, when it starts with the HDF5 signature (raw mode: the seeds are
 *     small results files of run, saltelli, --save-paths, compare, sweep and --shard
 *     runs). HDF5 checksums most of its metadata, so raw mutations mostly reach values.
 *     Only with FUZZ_RESULTS_CORRUPT=1 (see below); otherwise such an input is skipped;
 *   - otherwise an edit script (edit mode): byte 0 picks a base file (the HDF5 seeds,
 *     loaded at start from FUZZ_RESULTS_BASES, by default seeds/results-bases beside
 *     the binary's folder: compare, run, saltelli, saved, shard, sweep), the rest is a list of edits made to it with
 *     the HDF5 API: delete an object or an attribute, write an attribute of another type
 *     or value, replace a dataset by one of another rank, shape (up to 2^40 elements,
 *     never allocated) or type, write NaN, infinities or huge numbers into a dataset,
 *     move an object over another, link soft or external, and truncate or flip bytes
 *     of the file at the end (script format at apply_edits()). This reaches the shapes,
 *     types and attributes the readers must validate.
 * The file is written in a private temporary directory (under /dev/shm when it exists)
 * and read back as the commands do:
 *   1. summary_print() to /dev/null (`capsim summary`);
 *   2. results_open(), the root attributes through results_attr_str(), and datasets of
 *      the file at any depth through results_var_load() with their values and the
 *      labels of their dimensions through results_labels(), for one input in
 *      WALK_INPUTS: one in WALK_EVERY of the datasets, which ones chosen by the input's
 *      hash (the name of a dimension costs a search of the whole file: see README.md);
 *   3. export_csv() into a directory beside it, emptied afterwards (`capsim export`), for
 *      one input in EXPORT_EVERY (by the hash; 0.2 to 4 s under the sanitizers);
 *   4. shard_open() and, when it is a shard, shard_check_set() on it alone, its yearly
 *      rows and the accumulators of its first superblocks (`capsim merge`);
 *   5. no HDF5 object may be left open after each of them.
 * Corrupted files: libhdf5 1.10 itself crashes on some files with damaged metadata
 * (a SEGV freeing a link message while iterating a group, tests/fuzz/README.md), which
 * capsim cannot prevent. So that a short run (CI) fails only for capsim's own faults,
 * the two ways of damaging bytes under HDF5's feet, raw mode and the byte flip of edit 7,
 * are on only with FUZZ_RESULTS_CORRUPT=1; truncation and every API-level edit are always
 * on. FUZZ_RESULTS_MAX_LOG2=K caps the datasets of edit 3 at 2^K elements (default 40).
 * A failure with a message is the expected outcome for most inputs; a crash, a leak,
 * undefined behaviour, a hang or an allocation past -rss_limit_mb is a finding. Caps:
 * FUZZ_MAX_OBJECTS datasets walked, FUZZ_MAX_READS superblocks x variants and
 * FUZZ_MAX_ROWS yearly rows read from a shard, MAX_EDITS edits.
 * FUZZ_RESULTS_KEEP=PATH copies the file as read (after the edits) to PATH, for a
 * reproducer: `FUZZ_RESULTS_KEEP=x.h5 fuzz_results INPUT` then `capsim summary x.h5`;
 * FUZZ_RESULTS_TRACE=1 prints each edit and what each reader returned.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hdf5.h>

#include "output/export.h"
#include "output/results.h"
#include "output/shardfile.h"
#include "output/summary.h"

#define FUZZ_MAX_OBJECTS 1024
#define FUZZ_MAX_READS 8
#define FUZZ_MAX_ROWS 64
#define WALK_INPUTS 4
#define WALK_EVERY 8
#define EXPORT_EVERY 16
#define MAX_BASES 16
#define MAX_NAMES 2048
#define MAX_ATTRS 256
#define MAX_EDITS 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static char dir[256], h5path[300], csvdir[300];

/* The base files of edit mode: bytes and the names of their objects (sorted). */
typedef struct {
    unsigned char *bytes;
    size_t len;
    char **obj;
    size_t nobj;
} base_file;
static base_file bases[MAX_BASES];
static size_t nbases;
static char *attr_names[MAX_ATTRS];   /* every attribute name seen in a base, and a few more */
static size_t nattr;

/* FUZZ_RESULTS_TRACE=1: each edit and each reader's outcome on stderr. */
static int tracing;
static int corrupt;             /* FUZZ_RESULTS_CORRUPT=1 */
static unsigned max_log2 = 40;  /* FUZZ_RESULTS_MAX_LOG2 */
static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...)
{
    if (!tracing) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz_results: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void cleanup(void)
{
    if (dir[0]) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const unsigned char *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    for (size_t at = 0; at < size;) {
        ssize_t k = write(fd, data + at, size - at);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            close(fd);
            return -1;
        }
        at += (size_t)k;
    }
    return close(fd);
}

static int is_hdf5(const unsigned char *d, size_t n)
{
    return n >= 8 && memcmp(d, "\x89HDF\r\n\x1a\n", 8) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_attr_name(const char *name)
{
    for (size_t i = 0; i < nattr; i++)
        if (strcmp(attr_names[i], name) == 0) return;
    if (nattr < MAX_ATTRS) attr_names[nattr++] = strdup(name);
}

static herr_t collect_attr(hid_t o, const char *name, const H5A_info_t *info, void *data)
{
    (void)o;
    (void)info;
    (void)data;
    add_attr_name(name);
    return 0;
}

static herr_t collect_obj(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    base_file *b = data;
    if (info->type != H5L_TYPE_HARD || b->nobj >= MAX_NAMES) return 0;
    b->obj[b->nobj++] = strdup(name);
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o >= 0) {
        H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_attr, NULL);
        H5Oclose(o);
    }
    return 0;
}

static void load_base(const char *path)
{
    if (nbases >= MAX_BASES) return;
    FILE *fp = fopen(path, "rb");
    if (!fp) return;
    base_file *b = &bases[nbases];
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    b->bytes = n > 0 ? malloc((size_t)n) : NULL;
    if (!b->bytes || fread(b->bytes, 1, (size_t)n, fp) != (size_t)n || !is_hdf5(b->bytes, (size_t)n)) {
        free(b->bytes);
        fclose(fp);
        return;
    }
    fclose(fp);
    b->len = (size_t)n;
    b->obj = calloc(MAX_NAMES, sizeof *b->obj);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (!b->obj || f < 0) abort();
    H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, NULL, collect_attr, NULL);
    H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, collect_obj, b);
    H5Fclose(f);
    qsort(b->obj, b->nobj, sizeof *b->obj, cmp_str);
    nbases++;
}

/* The folders of earlier runs whose process is gone (a crash, a leak report and a
 * timeout end the process without atexit). */
static void remove_stale(const char *base)
{
    DIR *d = opendir(base);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid;
        char end;
        if (sscanf(e->d_name, "capsim-fuzz-results.%ld%c", &pid, &end) != 1 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", base, e->d_name);
        nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    devnull = fopen("/dev/null", "w");
    if (!devnull) abort();
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    if (!base) base = "/tmp";
    remove_stale(base);
    snprintf(dir, sizeof dir, "%s/capsim-fuzz-results.%ld", base, (long)getpid());
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (mkdir(dir, 0700) != 0) {
        perror(dir);
        abort();
    }
    snprintf(h5path, sizeof h5path, "%s/in.h5", dir);
    snprintf(csvdir, sizeof csvdir, "%s/csv", dir);
    atexit(cleanup);

    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    tracing = getenv("FUZZ_RESULTS_TRACE") != NULL;
    corrupt = getenv("FUZZ_RESULTS_CORRUPT") && atoi(getenv("FUZZ_RESULTS_CORRUPT")) > 0;
    if (getenv("FUZZ_RESULTS_MAX_LOG2")) max_log2 = (unsigned)atoi(getenv("FUZZ_RESULTS_MAX_LOG2")) % 41;
    char bdir[4096];
    const char *env = getenv("FUZZ_RESULTS_BASES");
    if (env) {
        snprintf(bdir, sizeof bdir, "%s", env);
    } else {
        char self[4096];
        snprintf(self, sizeof self, "%s", *argc > 0 ? (*argv)[0] : ".");
        snprintf(bdir, sizeof bdir, "%s/../seeds/results-bases", dirname(self));
    }
    struct dirent **ents;
    int n = scandir(bdir, &ents, NULL, alphasort);   /* sorted: the same base for a byte */
    for (int i = 0; i < n; i++) {
        size_t l = strlen(ents[i]->d_name);
        if (l > 3 && strcmp(ents[i]->d_name + l - 3, ".h5") == 0) {
            char p[8192];
            snprintf(p, sizeof p, "%s/%s", bdir, ents[i]->d_name);
            load_base(p);
        }
        free(ents[i]);
    }
    if (n >= 0) free(ents);
    static const char *const extra[] = { "paths", "format", "nvariants", "index", "count", "seed",
                                         "superblock", "capsim_version", "DIMENSION_LIST", "units" };
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) add_attr_name(extra[i]);
    fprintf(stderr, "fuzz_results: %zu base files for edit mode from %s, %zu attribute names\n", nbases, bdir,
            nattr);
    return 0;
}

/* ---- edit mode ---- */

typedef struct {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned get8(reader *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static unsigned get16(reader *r)
{
    unsigned a = get8(r);
    return a | get8(r) << 8;
}

static uint64_t get64(reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)get8(r) << (8 * i);
    return v;
}

/* Numbers the readers may not expect. */
static double special(unsigned k, reader *r)
{
    static const double tab[] = { NAN, INFINITY, -INFINITY, -1.0, 0.0, 1e300, -1e300, 9007199254740993.0,
                                  1e-310, 0.5, 18446744073709551616.0, -9223372036854775808.0, 1e9,
                                  4294967296.0, 2147483648.0 };
    if (k < sizeof tab / sizeof *tab) return tab[k];
    uint64_t bits = get64(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void del_attr(hid_t o, const char *name)
{
    if (H5Aexists(o, name) > 0) H5Adelete(o, name);
}

/* Attribute `name` on o, of type t (0 int64, 1 uint64, 2 double, 3 string, 4 double[2],
 * 5 int32, 6 empty string, 7 null dataspace double). */
static void set_attr(hid_t o, const char *name, unsigned t, reader *r)
{
    del_attr(o, name);
    hid_t type = -1, space = -1;
    unsigned char buf[64];
    memset(buf, 0, sizeof buf);
    uint64_t raw = get64(r);
    switch (t % 8) {
    case 0: type = H5Tcopy(H5T_NATIVE_INT64); space = H5Screate(H5S_SCALAR); memcpy(buf, &raw, 8); break;
    case 1: type = H5Tcopy(H5T_NATIVE_UINT64); space = H5Screate(H5S_SCALAR); memcpy(buf, &raw, 8); break;
    case 2: {
        double d = special((unsigned)(raw % 20), r);
        type = H5Tcopy(H5T_NATIVE_DOUBLE);
        space = H5Screate(H5S_SCALAR);
        memcpy(buf, &d, 8);
        break;
    }
    case 3: {
        size_t len = 1 + (raw & 31);
        type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, len);
        space = H5Screate(H5S_SCALAR);
        for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)get8(r);
        break;
    }
    case 4: {
        hsize_t two = 2;
        double d[2] = { special((unsigned)(raw % 20), r), special((unsigned)((raw >> 8) % 20), r) };
        type = H5Tcopy(H5T_NATIVE_DOUBLE);
        space = H5Screate_simple(1, &two, NULL);
        memcpy(buf, d, sizeof d);
        break;
    }
    case 5: type = H5Tcopy(H5T_NATIVE_INT32); space = H5Screate(H5S_SCALAR); memcpy(buf, &raw, 4); break;
    case 6: type = H5Tcopy(H5T_C_S1); H5Tset_size(type, 1); space = H5Screate(H5S_SCALAR); break;
    default: type = H5Tcopy(H5T_NATIVE_DOUBLE); space = H5Screate(H5S_NULL); break;
    }
    trace("  type %u, bytes %02x %02x %02x %02x %02x %02x %02x %02x", t % 8, buf[0], buf[1], buf[2], buf[3], buf[4],
          buf[5], buf[6], buf[7]);
    hid_t a = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        if (t % 8 != 7) H5Awrite(a, type, buf);
        H5Aclose(a);
    }
    H5Sclose(space);
    H5Tclose(type);
}

/* Replace dataset `name` by a new one: rank 0..4, each dimension small or (flag) up to
 * 2^40 with nothing allocated; type double, int32, variable-length string or an
 * 8-byte fixed string. Small datasets are written with a pattern. */
static void reshape(hid_t f, const char *name, reader *r)
{
    unsigned rank = get8(r) % 5, t = get8(r), huge = get8(r);
    trace("  rank %u type %u huge %#x", rank, t % 4, huge);
    hsize_t dims[4], maxd[4], chunk[4], n = 1;
    for (unsigned i = 0; i < rank; i++) {
        unsigned v = get16(r);
        dims[i] = (huge >> i) & 1 ? (hsize_t)1 << (v % (max_log2 + 1)) : v % 40;
        maxd[i] = H5S_UNLIMITED;
        chunk[i] = dims[i] ? (dims[i] < 64 ? dims[i] : 64) : 1;
        n *= dims[i];
    }
    if (H5Lexists(f, name, H5P_DEFAULT) > 0) H5Ldelete(f, name, H5P_DEFAULT);
    hid_t type;
    switch (t % 4) {
    case 0: type = H5Tcopy(H5T_NATIVE_DOUBLE); break;
    case 1: type = H5Tcopy(H5T_NATIVE_INT32); break;
    case 2: type = H5Tcopy(H5T_C_S1); H5Tset_size(type, H5T_VARIABLE); break;
    default: type = H5Tcopy(H5T_C_S1); H5Tset_size(type, 8); break;
    }
    hid_t space = rank ? H5Screate_simple((int)rank, dims, maxd) : H5Screate(H5S_SCALAR);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (rank) H5Pset_chunk(dcpl, (int)rank, chunk);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(f, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    if (d >= 0 && n <= 4096 && n > 0 && t % 4 != 2) {
        size_t es = H5Tget_size(type);
        unsigned char *buf = calloc((size_t)n, es);
        if (buf) {
            unsigned seed = get8(r);
            for (size_t i = 0; i < (size_t)n * es; i++) buf[i] = (unsigned char)(seed + 7 * i);
            if (t % 4 == 0)
                for (size_t i = 0; i < (size_t)n; i++) ((double *)buf)[i] = (double)(seed % 5) * (double)i - 1.0;
            H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            free(buf);
        }
    }
    if (d >= 0) H5Dclose(d);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(type);
}

/* Write one element (index mod size) of a numeric dataset. */
static void poke(hid_t f, const char *name, reader *r)
{
    uint32_t at = (uint32_t)get16(r) | (uint32_t)get16(r) << 16;
    double v = special(get8(r) % 20, r);
    trace("  element %u (mod its size) = %g", (unsigned)at, v);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) return;
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    if (t >= 0 && H5Tget_class(t) != H5T_STRING && rank >= 0 && rank <= 8 && n > 0) {
        hsize_t dims[8], coord[8];
        H5Sget_simple_extent_dims(s, dims, NULL);
        uint64_t k = at % (uint64_t)n;
        for (int i = rank - 1; i >= 0; i--) {
            coord[i] = dims[i] ? k % dims[i] : 0;
            k = dims[i] ? k / dims[i] : 0;
        }
        hsize_t one = 1;
        hid_t m = H5Screate_simple(1, &one, NULL);
        if (rank == 0 || H5Sselect_elements(s, H5S_SELECT_SET, 1, coord) >= 0)
            H5Dwrite(d, H5T_NATIVE_DOUBLE, m, rank ? s : H5S_ALL, H5P_DEFAULT, &v);
        H5Sclose(m);
    }
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
    H5Dclose(d);
}

/* The edit script (after the base byte): up to MAX_EDITS edits, each an opcode byte and
 * its arguments; k and j are 16-bit object numbers (mod the base's objects, sorted by
 * name; k == the count means the root group for attribute edits), a an attribute name
 * number (mod the names collected from the bases):
 *   0 k        delete object k             1 k a      delete attribute a of k
 *   2 k a t v  set attribute a of k        3 k ...    replace dataset k (reshape())
 *   4 k ...    write one element (poke())  5 k j      move k over j
 *   6 k j t    link: soft to j's path (t even) or external to a missing file, at k
 *   7 x y      after closing: truncate the file to x/256 of its size (y even, or
 *              without FUZZ_RESULTS_CORRUPT) or flip bit y % 8 of byte x * 65536 + y of
 *              the file (mod its size) */
static void apply_edits(const base_file *b, reader *r)
{
    if (write_file(h5path, b->bytes, b->len) != 0) abort();
    hid_t f = H5Fopen(h5path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) return;
    unsigned post_x = 0, post_y = 0;
    int post = 0;
    for (int e = 0; e < MAX_EDITS && r->n; e++) {
        unsigned op = get8(r) % 8;
        size_t k = get16(r) % (b->nobj + 1);
        const char *kn = k < b->nobj ? b->obj[k] : "/";
        static const char *const opname[] = { "delete", "delete attribute of", "set attribute of", "reshape",
                                              "poke", "move", "link at", "truncate or flip" };
        trace("edit %d: %s %s", e, opname[op], kn);
        switch (op) {
        case 0:
            if (k < b->nobj) H5Ldelete(f, kn, H5P_DEFAULT);
            break;
        case 1:
        case 2: {
            const char *an = attr_names[get8(r) % nattr];
            trace("  attribute %s", an);
            hid_t o = H5Oopen(f, kn, H5P_DEFAULT);
            if (o < 0) break;
            if (op == 1) del_attr(o, an);
            else set_attr(o, an, get8(r), r);
            H5Oclose(o);
            break;
        }
        case 3:
            if (k < b->nobj) reshape(f, kn, r);
            break;
        case 4:
            poke(f, kn, r);
            break;
        case 5: {
            size_t j = get16(r) % (b->nobj ? b->nobj : 1);
            trace("  onto %s", b->obj[j]);
            if (k < b->nobj && j < b->nobj && j != k) {
                if (H5Lexists(f, b->obj[j], H5P_DEFAULT) > 0) H5Ldelete(f, b->obj[j], H5P_DEFAULT);
                H5Lmove(f, kn, f, b->obj[j], H5P_DEFAULT, H5P_DEFAULT);
            }
            break;
        }
        case 6: {
            size_t j = get16(r) % (b->nobj ? b->nobj : 1);
            unsigned t = get8(r);
            if (k >= b->nobj || !b->nobj) break;
            if (H5Lexists(f, kn, H5P_DEFAULT) > 0) H5Ldelete(f, kn, H5P_DEFAULT);
            if (t % 2 == 0) H5Lcreate_soft(b->obj[j], f, kn, H5P_DEFAULT, H5P_DEFAULT);
            else H5Lcreate_external("/nonexistent/capsim-fuzz.h5", "/x", f, kn, H5P_DEFAULT, H5P_DEFAULT);
            break;
        }
        default:
            post = 1;
            post_x = (unsigned)(k & 0xff);
            post_y = get16(r);
            break;
        }
        H5Eclear2(H5E_DEFAULT);
    }
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    if (post) {
        trace("  %s: x %u y %u", post_y % 2 == 0 || !corrupt ? "truncate" : "flip", post_x, post_y);
        struct stat st;
        if (stat(h5path, &st) != 0 || st.st_size <= 0) return;
        if (post_y % 2 == 0 || !corrupt) {
            if (truncate(h5path, (off_t)((uint64_t)st.st_size * post_x / 256)) != 0) abort();
        } else {
            int fd = open(h5path, O_RDWR);
            off_t at = (off_t)(((uint64_t)post_x * 65536 + post_y) % (uint64_t)st.st_size);
            unsigned char c;
            if (fd < 0 || pread(fd, &c, 1, at) != 1) abort();
            c ^= (unsigned char)(1u << (post_y % 8));
            if (pwrite(fd, &c, 1, at) != 1) abort();
            close(fd);
        }
    }
}

/* ---- the name of a dimension scale, remembered ----
 * hdf5_dim_name() (output/hdf5_util.c) names the scale it reaches through a reference
 * with H5Iget_name(), which for such an object searches the whole file: every dimension
 * of every variable read costs a visit of every object, and a sweep file takes seconds
 * to read under the sanitizers (tests/fuzz/README.md). This target is linked with
 * -Wl,--wrap=H5Iget_name: the answer for an object address is remembered for the rest of
 * the input (the file does not change while it is read), so each scale is searched for
 * once per input. The answers are those of H5Iget_name itself. */
ssize_t __real_H5Iget_name(hid_t id, char *name, size_t size);
ssize_t __wrap_H5Iget_name(hid_t id, char *name, size_t size);

#define NAME_CACHE 1024
static struct {
    haddr_t addr;
    char *name;
    ssize_t len;
} name_cache[NAME_CACHE];
static size_t nname_cache;

static void name_cache_clear(void)
{
    for (size_t i = 0; i < nname_cache; i++) free(name_cache[i].name);
    nname_cache = 0;
}

static ssize_t copy_name(const char *s, ssize_t len, char *name, size_t size)
{
    if (name && size) {
        size_t k = (size_t)len < size - 1 ? (size_t)len : size - 1;
        memcpy(name, s, k);
        name[k] = '\0';
    }
    return len;
}

ssize_t __wrap_H5Iget_name(hid_t id, char *name, size_t size)
{
    H5O_info_t info;
    if (H5Oget_info2(id, &info, H5O_INFO_BASIC) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return __real_H5Iget_name(id, name, size);
    }
    for (size_t i = 0; i < nname_cache; i++)
        if (name_cache[i].addr == info.addr) return copy_name(name_cache[i].name, name_cache[i].len, name, size);
    char buf[4096];
    ssize_t len = __real_H5Iget_name(id, buf, sizeof buf);
    if (len <= 0 || (size_t)len >= sizeof buf || nname_cache == NAME_CACHE)
        return __real_H5Iget_name(id, name, size);
    name_cache[nname_cache].addr = info.addr;
    name_cache[nname_cache].len = len;
    if (!(name_cache[nname_cache].name = strdup(buf))) abort();
    nname_cache++;
    return copy_name(buf, len, name, size);
}

/* ---- the readers ---- */

typedef struct {
    int nobj;
    uint64_t pick;
} walk_state;

/* The labels of every dimension of x, from the variable's own group (as summary reads). */
static void read_labels(hid_t file, const char *name, const results_var *x)
{
    char group[1024];
    const char *slash = strrchr(name, '/');
    if (slash) snprintf(group, sizeof group, "%.*s", (int)(slash - name), name);
    else snprintf(group, sizeof group, ".");
    hid_t g = H5Gopen2(file, group[0] ? group : "/", H5P_DEFAULT);
    if (g < 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    for (int i = 0; i < x->rank; i++) {
        if (!x->dimname[i] || !x->dimname[i][0]) continue;
        char **lab;
        size_t n;
        if (results_labels(g, x->dimname[i], &lab, &n) == 0) {
            for (size_t k = 0; k < n; k++) free(lab[k]);
            free(lab);
        }
        H5Eclear2(H5E_DEFAULT);
    }
    H5Gclose(g);
}

static herr_t visit(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    walk_state *w = data;
    if (info->type != H5L_TYPE_HARD) return 0;
    if (++w->nobj > FUZZ_MAX_OBJECTS) return 1;
    if ((uint64_t)(w->nobj + w->pick) % WALK_EVERY != 0) return 0;
    hid_t o = H5Oopen(g, name, H5P_DEFAULT);
    if (o < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    if (t != H5I_DATASET) return 0;
    results_var x;
    if (results_var_load(g, name, 1, &x) == 0) {
        read_labels(g, name, &x);
        results_var_free(&x);
    }
    H5Eclear2(H5E_DEFAULT);
    return 0;
}

static void walk(uint64_t pick)
{
    char err[2048];
    hid_t f = results_open(h5path, err, sizeof err);
    if (f < 0) return;
    static const char *const attrs[] = { "capsim_version", "scenario_name", "command", "sampling", "seed",
                                         "paths", "created", "git_revision", "superblock_paths" };
    for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++) free(results_attr_str(f, attrs[i]));
    walk_state w = { 0, pick };
    H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, visit, &w);
    H5Eclear2(H5E_DEFAULT);
    H5Fclose(f);
}

static void shard(void)
{
    char err[2048];
    shard_file *f = shard_open(h5path, err, sizeof err);
    if (!f) return;
    const shard_info *in = shard_get_info(f);
    shard_file *set[1] = { f };
    if (shard_check_set(set, 1, err, sizeof err) == 0) {
        int reads = 0;
        size_t ny = in->nyears < 64 ? 2 * (size_t)in->nyears : 0;
        uint64_t paths = in->path_end > in->path_first ? in->path_end - in->path_first : 0;
        size_t n = paths < FUZZ_MAX_ROWS ? (size_t)paths : FUZZ_MAX_ROWS;
        double *yr = malloc((n * ny ? n * ny : 1) * sizeof *yr);
        for (size_t v = 0; v < in->nvariants && reads < FUZZ_MAX_READS; v++) {
            if (yr && ny && n) shard_read_yearly(f, v, 0, n, ny, yr);
            for (uint64_t sb = in->sb_first; sb < in->sb_end && reads < FUZZ_MAX_READS; sb++, reads++) {
                uint64_t *words;
                size_t nw;
                if (shard_read_acc(f, sb, v, &words, &nw) == 0) free(words);
            }
        }
        free(yr);
    }
    H5Eclear2(H5E_DEFAULT);
    shard_close(f);
}

/* Every reader closes what it opened: an HDF5 object left open is a leak (and would
 * keep the file open under the next input). */
static void all_closed(const char *who)
{
    H5Eclear2(H5E_DEFAULT);
    ssize_t open_ids = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open_ids != 0) {
        fprintf(stderr, "fuzz_results: %zd HDF5 objects left open by %s:\n", open_ids, who);
        hid_t ids[16];
        ssize_t n = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_ALL, 16, ids);
        for (ssize_t i = 0; i < n; i++) {
            char name[256] = "";
            if (__real_H5Iget_name(ids[i], name, sizeof name) < 0) snprintf(name, sizeof name, "?");
            fprintf(stderr, "  id %lld: type %d, %s\n", (long long)ids[i], (int)H5Iget_type(ids[i]), name);
        }
        abort();
    }
}

static uint64_t fnv1a(const uint8_t *d, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 1099511628211ull;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trace("input of %zu bytes: %s", size, is_hdf5(data, size) || !nbases ? "raw" : "edits");
    if (is_hdf5(data, size) || !nbases) {
        if (!corrupt) return 0;
        if (write_file(h5path, data, size) != 0) abort();
    } else {
        reader r = { data + 1, size - 1 };
        if (!size) r.n = 0;
        apply_edits(&bases[(size ? data[0] : 0) % nbases], &r);
    }
    name_cache_clear();
    const char *keep = getenv("FUZZ_RESULTS_KEEP");
    if (keep) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", h5path, keep);
        if (system(cmd) != 0) fprintf(stderr, "fuzz_results: cannot copy to %s\n", keep);
    }
    uint64_t h = fnv1a(data, size);

    char err[2048];
    err[0] = '\0';
    int rc = summary_print(h5path, devnull, err, sizeof err);
    trace("summary_print: %d %s", rc, err);
    all_closed("summary_print");
    if ((h >> 32) % WALK_INPUTS == 0) {
        walk(h);
        all_closed("results_var_load and results_labels");
    }
    if ((h >> 32) % EXPORT_EVERY == 1) {
        err[0] = '\0';
        rc = export_csv(h5path, csvdir, err, sizeof err);
        trace("export_csv: %d %s", rc, err);
        if (access(csvdir, F_OK) == 0) nftw(csvdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        all_closed("export_csv");
    }
    shard();
    all_closed("the shard reader");
    name_cache_clear();
    return 0;
}
