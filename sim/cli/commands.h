/*
 * sim/cli: the capsim binary's command line (layer 7, the top: it may include every
 * folder below it: sim/optimize, sim/engine, output, models, sim/stats, sim/scenario, sim/random,
 * sim/base; nothing includes it). Parsing argv, --help, usage errors and exit codes
 * live here; the work is done by the layers below, which return a status with the
 * reason in the caller's error buffer, and the command prints the message.
 *
 *   main.c         main(): picks the subcommand, maps its status to the exit code
 *   commands.h     this file: one function per subcommand
 *   cli.c, cli.h   shared by the subcommands: number parsing, scenario loading, run options
 *   cmd_run.c      capsim run: one scenario to one results file
 *   cmd_compare.c  capsim compare: variants on common random numbers, paired differences
 *   cmd_sweep.c    capsim sweep: a grid of variants from --vary lists
 *   cmd_merge.c    capsim merge: the shards of a run into its results file
 *   cmd_check.c    capsim check: validate and print the resolved scenario
 *   cmd_summary.c  capsim summary: percentile tables of a results file
 *   cmd_export.c   capsim export: tidy CSV files of a results file
 *   cmd_optimize.c capsim optimize: the search for the best decisions (sim/optimize)
 *   cmd_schema.c   capsim schema: the scenario format as a JSON Schema or Markdown
 *   cmd_report.c   capsim report: an HTML page of a results file (runs output/python/capsim)
 *
 * commands: each subcommand takes the arguments after "capsim" (argv[0] is the
 * subcommand's name) and returns an exit code: 0 success, 1 runtime failure, 2 bad input.
 */
#ifndef CAPSIM_COMMANDS_H
#define CAPSIM_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_optimize(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
