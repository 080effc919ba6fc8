/*
 * datapackage: the Frictionless Data Package descriptor (datapackage.json) that `capsim
 * export` writes beside its CSV files (docs/OUTPUT.md, "datapackage.json"), so that the
 * units of every column travel with the CSVs without touching them.
 *
 * One resource per CSV file, in the order opened; each with its fields in column order:
 * name, Table Schema type (string, number, integer, date, yearmonth), an optional `unit`
 * and a description. A long table (stats.csv...) holds values of many series in one
 * `value` column: its `value` field gets a `units` map, the unit of each series (or
 * total) named in the row's key column.
 *
 * Built in memory as the export writes; dp_write prints it. Functions return 0, or -1
 * when out of memory (the package is then unusable: dp_free it).
 */
#ifndef CAPSIM_DATAPACKAGE_H
#define CAPSIM_DATAPACKAGE_H

#include <stddef.h>
#include <stdio.h>

typedef struct dp_pkg dp_pkg;

/* An empty package; title may be "" (none). NULL when out of memory. */
dp_pkg *dp_new(const char *title);
void dp_free(dp_pkg *p);   /* accepts NULL */

/* A resource for CSV file `file` (its name without ".csv" names the resource); returns
 * its index, or -1. */
int dp_resource(dp_pkg *p, const char *file, const char *description);

/* Append the columns of a header ("series,time,month,...") to resource r, each typed and
 * described from the standard columns of the export (a name it does not know becomes a
 * number column without a unit). */
int dp_header(dp_pkg *p, int r, const char *header);

/* Append one column to resource r; unit and description may be NULL or "". */
int dp_field(dp_pkg *p, int r, const char *name, const char *type, const char *unit, const char *description);

/* Resource r's `value` column holds, in rows whose key column (`series` or `total`) is
 * key, values in `unit`. The first unit given for a key stays. */
int dp_value_unit(dp_pkg *p, int r, const char *key, const char *unit);

/* The descriptor as JSON (UTF-8, two-space indent, keys in a fixed order). 0, or -1
 * when writing failed (ferror). */
int dp_write(const dp_pkg *p, FILE *fp);

#endif
