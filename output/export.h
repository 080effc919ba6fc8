/*
 * export: tidy CSV files of a results file, for spreadsheets and gnuplot (layout in
 * docs/OUTPUT.md). The command `capsim export OUT.h5 --csv DIR` is sim/cli/cmd_export.c.
 */
#ifndef CAPSIM_EXPORT_H
#define CAPSIM_EXPORT_H

#include <stddef.h>

/* export_csv's results. */
enum {
    EXPORT_OK = 0,
    EXPORT_FAILED = -1,     /* a runtime failure: writing (a full disk), memory (exit 1) */
    EXPORT_BAD_INPUT = -2,  /* the results file is missing, not a capsim results file,
                               or damaged (exit 2) */
    EXPORT_BAD_TARGET = -3, /* dir cannot be used: not a directory, holds files that are
                               not an export's, '.', its parent not writable (exit 2) */
};

/* Write the CSV files of results file `path` as the set in directory dir, replacing the
 * set there as a whole: the files are written into ".DIR.tmp.PID" beside dir, fsync'ed,
 * and swapped in; on any failure, or SIGINT/SIGTERM/SIGHUP, dir holds the old set (or
 * does not exist, if it did not) and nothing else is left, the missing parents of dir
 * created for it included. dir may exist only as a directory holding nothing but the
 * files of an export (or nothing); a symlink to one is followed (the link stays). Stale
 * temporary directories of dead processes are removed first. EXPORT_OK, or one of the
 * failures above with the reason in err. Prints nothing. The SIGINT/SIGTERM/SIGHUP and
 * SIGXFSZ actions are changed during the call and restored. */
int export_csv(const char *path, const char *dir, char *err, size_t errlen);

#endif
