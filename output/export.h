/*
 * export: tidy CSV files of a results file, for spreadsheets and gnuplot (layout in
 * docs/OUTPUT.md). The command `capsim export OUT.h5 --csv DIR` is sim/cli/cmd_export.c.
 */
#ifndef CAPSIM_EXPORT_H
#define CAPSIM_EXPORT_H

#include <stddef.h>

/* Write the CSV files of results file `path` into dir (created, with its parents, if
 * missing). Each file is written under a temporary name and renamed when complete. 0;
 * -1 when the file cannot be read or a CSV file cannot be written, with the reason in
 * err. Prints nothing. */
int export_csv(const char *path, const char *dir, char *err, size_t errlen);

#endif
