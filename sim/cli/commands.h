/*
 * commands: the subcommands of the capsim binary, one file each. Each takes the
 * arguments after "capsim" (argv[0] is the subcommand's name) and returns an exit code:
 * 0 success, 1 runtime failure, 2 bad input.
 */
#ifndef CAPSIM_COMMANDS_H
#define CAPSIM_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif
