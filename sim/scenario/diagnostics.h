/*
 * diag_list: the loader's list of scenario errors, printed in file order.
 *
 * The loader checks sections in dependency order (chips before the segments that name
 * them, segments before contracts...), not in the order they are written, so errors
 * are collected here and sorted before printing: by origin (the scenario file first,
 * then `--set` arguments), line, column, then the order they were found. Each prints as
 * one line `origin:line:col: key.path: message` (README, "Command line"); a position of line 0
 * prints as `origin: key.path: message`.
 */
#ifndef CAPSIM_DIAGNOSTICS_H
#define CAPSIM_DIAGNOSTICS_H

#include <stddef.h>
#include <stdio.h>

#define DIAG_MAX 1000   /* errors kept; beyond that only counted */

typedef struct diag_list diag_list;

diag_list *diag_alloc(void);
void diag_free(diag_list *d);   /* accepts NULL */

/* Register an origin name: origins sort in registration order, unregistered ones last. */
void diag_origin(diag_list *d, const char *origin);

/* Record one error. origin is borrowed (must outlive d); keypath may be NULL or "". */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
void diag_add(diag_list *d, const char *origin, int line, int col, const char *keypath,
               const char *fmt, ...);

/* Number of errors recorded (including those beyond DIAG_MAX). */
int diag_count(const diag_list *d);

/* Print every kept error, sorted, one per line; then a line saying how many more were
 * dropped, if any. */
void diag_print(diag_list *d, FILE *f);

#endif
