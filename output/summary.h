/*
 * summary: `capsim summary OUT.h5`, percentile tables of a results file in the terminal
 * (DESIGN.md 7), read back from the file alone: key totals, money and unmet demand by
 * calendar year, provenance, and for compare/sweep files the paired differences.
 */
#ifndef CAPSIM_SUMMARY_H
#define CAPSIM_SUMMARY_H

/* argv[0] = "summary". Returns 0 ok, 1 unreadable file, 2 bad arguments. */
int summary_main(int argc, char **argv);

#endif
