/*
 * export: `capsim export OUT.h5 --csv DIR`, tidy CSV files of a results file for
 * spreadsheets and gnuplot (layout in docs/OUTPUT.md).
 */
#ifndef CAPSIM_EXPORT_H
#define CAPSIM_EXPORT_H

/* argv[0] = "export". Returns 0 ok, 1 unreadable file or unwritable directory, 2 bad
 * arguments. */
int export_main(int argc, char **argv);

#endif
