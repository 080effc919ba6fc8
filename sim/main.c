/*
 * capsim: Monte Carlo simulator of AI compute capacity. main() only picks the
 * subcommand and maps its status to the exit code; each subcommand lives in its own file.
 */
#include "commands.h"
#include "cli.h"
#include "version.h"
#include "../output/export.h"
#include "../output/summary.h"

#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

static const char main_help[] =
    "usage: capsim COMMAND [ARGS]\n"
    "\n"
    "  run [SCENARIO.yaml]        simulate (no file: the built-in default scenario)\n"
    "  compare A.yaml B.yaml ...  paired comparison on common random numbers\n"
    "  sweep SCENARIO.yaml --vary key.path=v1,v2,...   a grid of variants\n"
    "  check SCENARIO.yaml        validate and print the resolved scenario\n"
    "  summary OUT.h5             percentile tables in the terminal\n"
    "  export OUT.h5 --csv DIR    tidy CSV files\n"
    "\n"
    "capsim COMMAND --help for each; capsim --version.\n"
    "Exit codes: 0 success, 1 runtime failure, 2 bad input.\n";

int main(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(int, char **); } commands[] = {
        { "run", cmd_run }, { "compare", cmd_compare }, { "sweep", cmd_sweep },
        { "check", cmd_check }, { "summary", summary_main }, { "export", export_main },
    };
    gsl_set_error_handler_off();   /* GSL reports through return codes, never abort() */
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("capsim %s (git %s)\n", CAPSIM_VERSION, CAPSIM_GIT_REV);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "capsim: unknown command '%s' (expected run, compare, sweep, check, summary or export)\n", argv[1]);
    return EXIT_BAD_INPUT;
}
