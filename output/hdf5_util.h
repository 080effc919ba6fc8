/*
 * hdf5_util: small HDF5 helpers shared by the results writer (h5out), `capsim summary` and
 * `capsim export`, so that the netCDF-4 conventions of TOOLCHAIN.md live in one place:
 *
 *   - objects are made with link and attribute creation order tracked (netCDF-4 and
 *     xarray then list variables in the order they were written);
 *   - labels are variable-length UTF-8 strings (fixed-length string datasets crash
 *     ncdump -v and the netcdf4 engine); scalar string attributes are fixed-length with
 *     netCDF's own conventions (NULLTERM, exact size; a NULL dataspace when empty);
 *   - every dataset dimension gets a dimension scale (H5DS);
 *   - HDF5's automatic error printing is off; hdf5_errmsg() turns the library's error
 *     stack into one readable reason ("No space left on device").
 *
 * Every function returns 0 (or a valid hid_t) on success and -1 (H5I_INVALID_HID) on
 * failure; none prints. Ownership: ids returned are the caller's to close; strings
 * returned by the readers are malloc'ed and the caller's to free (hdf5_free_strings for
 * arrays).
 */
#ifndef CAPSIM_HDF5_UTIL_H
#define CAPSIM_HDF5_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>

/* Turn off HDF5's automatic printing of its error stack and its exit handler
 * (process-wide; call before any other HDF5 function). */
void hdf5_quiet(void);

/* "what: reason" into buf, the reason taken from the current HDF5 error stack (the
 * system error message when there is one, else the innermost description), or from
 * errno when the stack is empty. Clears the stack. */
void hdf5_errmsg(char *buf, size_t len, const char *what);

/* "path: what: reason" into buf, what formatted from fmt and ap, the reason as
 * hdf5_errmsg() finds it: the one shape of the file writers' and readers' errors. */
void hdf5_vfail(char *buf, size_t len, const char *path, const char *fmt, va_list ap);

/* A group with link and attribute creation order tracked and indexed. */
hid_t hdf5_group_create(hid_t loc, const char *name);

/* Property lists with creation order tracking: file creation (for the root group). */
hid_t hdf5_fcpl(void);

/* Scalar attributes (replaced if present). */
int hdf5_attr_str(hid_t obj, const char *name, const char *value);
int hdf5_attr_double(hid_t obj, const char *name, double v);
int hdf5_attr_i64(hid_t obj, const char *name, int64_t v);
int hdf5_attr_u64(hid_t obj, const char *name, uint64_t v);

/* A variable-length UTF-8 string type (caller closes). */
hid_t hdf5_vlen_str_type(void);

/* Create a dataset of `type` with rank dims (rank 0: scalar); maxdims may be NULL (fixed
 * size); chunk may be NULL (contiguous; required when maxdims has an unlimited entry).
 * gzip > 0 adds shuffle + deflate(gzip) on chunked datasets. fill_nan (double datasets):
 * NaN as HDF5 fill value and a matching _FillValue attribute, so that values never
 * written read as missing. Attribute creation order is tracked. */
hid_t hdf5_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const hsize_t *maxdims, const hsize_t *chunk, int gzip, int fill_nan);

/* Write a whole dataset of doubles / variable-length strings. */
int hdf5_write_doubles(hid_t ds, const double *v);
int hdf5_write_strings(hid_t ds, const char *const *v, size_t n);

/* Write a block of doubles into the hyperslab start[]/count[] of ds. */
int hdf5_write_slab(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, const double *buf);

/* Make ds a dimension scale named `name` (netCDF: a coordinate variable). */
int hdf5_make_scale(hid_t ds, const char *name);

/* Attach scales[i] to dimension i of ds, for i < rank. */
int hdf5_attach(hid_t ds, const hid_t *scales, int rank);

/* --- reading ---------------------------------------------------------------------- */

/* 1 when obj has attribute name, 0 when not. */
int hdf5_has_attr(hid_t obj, const char *name);

/* A string attribute (fixed or variable length, scalar or 1-element) as a malloc'ed
 * string; *out = NULL on failure. An empty (NULL dataspace) attribute reads as "". */
int hdf5_read_attr_str(hid_t obj, const char *name, char **out);

/* A numeric scalar attribute converted to double. */
int hdf5_read_attr_double(hid_t obj, const char *name, double *out);

/* Shape of dataset `name` in loc: rank and dims (at most H5S_MAX_RANK). */
int hdf5_shape(hid_t loc, const char *name, int *rank, hsize_t *dims);

/* 1 when loc has a link `name`, 0 when not. */
int hdf5_exists(hid_t loc, const char *name);

/* The whole dataset `name` in loc as doubles (*n values, malloc'ed). */
int hdf5_read_doubles(hid_t loc, const char *name, double **out, size_t *n);

/* A block of doubles of dataset ds: hyperslab start[]/count[] into buf. */
int hdf5_read_slab(hid_t ds, int rank, const hsize_t *start, const hsize_t *count, double *buf);

/* A 1-D string dataset `name` in loc (vlen or fixed) as n malloc'ed strings. */
int hdf5_read_strings(hid_t loc, const char *name, char ***out, size_t *n);
void hdf5_free_strings(char **v, size_t n);

/* The name (last path component) of the dimension scale attached to dimension `dim` of
 * ds, malloc'ed; NULL when none is attached. */
char *hdf5_dim_name(hid_t ds, unsigned dim);

/* Names of the links in group loc, in creation order when tracked (else by name). */
int hdf5_list(hid_t loc, char ***out, size_t *n);

#endif
