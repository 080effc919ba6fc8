/*
 * ldiag: the loader's list of scenario errors, printed in file order.
 *
 * The loader checks sections in dependency order (chips before the segments that name
 * them, segments before contracts...), not in the order they are written, so errors
 * are collected here and sorted before printing: by origin (the scenario file first,
 * then `--set` arguments), line, column, then the order they were found. Each prints as
 * one line `origin:line:col: key.path: message` (DESIGN.md 7); a position of line 0
 * prints as `origin: key.path: message`.
 */
#ifndef CAPSIM_LDIAG_H
#define CAPSIM_LDIAG_H

#include <stddef.h>
#include <stdio.h>

#define LDIAG_MAX 1000   /* errors kept; beyond that only counted */

typedef struct ldiag ldiag;

ldiag *ldiag_alloc(void);
void ldiag_free(ldiag *d);   /* accepts NULL */

/* Register an origin name: origins sort in registration order, unregistered ones last. */
void ldiag_origin(ldiag *d, const char *origin);

/* Record one error. origin is borrowed (must outlive d); keypath may be NULL or "". */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
void ldiag_add(ldiag *d, const char *origin, int line, int col, const char *keypath,
               const char *fmt, ...);

/* Number of errors recorded (including those beyond LDIAG_MAX). */
int ldiag_count(const ldiag *d);

/* Print every kept error, sorted, one per line; then a line saying how many more were
 * dropped, if any. */
void ldiag_print(ldiag *d, FILE *f);

#endif
