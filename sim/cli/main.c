/*
 * capsim: Monte Carlo simulator of AI compute capacity. main() only picks the
 * subcommand and maps its status to the exit code; each subcommand lives in its own file.
 */
#include "commands.h"
#include "cli.h"
#include "sim/engine/mpi_comm.h"
#include "sim/base/version.h"

#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

static const char main_help[] =
    "usage: capsim COMMAND [ARGS]\n"
    "\n"
    "  run [SCENARIO.yaml]        simulate (no file: the built-in default scenario)\n"
    "  compare A.yaml B.yaml ...  paired comparison on common random numbers\n"
    "  sweep SCENARIO.yaml --vary key.path=v1,v2,...   a grid of variants\n"
    "  merge PART.h5 ... -o OUT.h5  the shards of a run (--shard i/n) into its file\n"
    "  optimize SCENARIO.yaml     search the scenario's decisions for the best objective\n"
    "  check SCENARIO.yaml        validate and print the resolved scenario\n"
    "  summary OUT.h5             percentile tables in the terminal\n"
    "  export OUT.h5 --csv DIR    tidy CSV files\n"
    "  schema [--markdown]        the scenario format as a JSON Schema (or Markdown)\n"
    "  report OUT.h5 -o R.html    one self-contained HTML page (charts, tables, scenario)\n"
    "\n"
    "capsim COMMAND --help for each; capsim --version.\n"
    "Exit codes: 0 success, 1 runtime failure, 2 bad input.\n";

/* The command's exit code. Under mpirun every rank runs the simulating commands (they
 * share the work); the others run on rank 0 only. */
static int dispatch(int argc, char **argv)
{
    static const struct { const char *name; int (*fn)(int, char **); int all_ranks; } commands[] = {
        { "run", cmd_run, 1 }, { "compare", cmd_compare, 1 }, { "sweep", cmd_sweep, 1 },
        { "merge", cmd_merge, 0 }, { "check", cmd_check, 0 }, { "summary", cmd_summary, 0 },
        { "export", cmd_export, 0 }, { "optimize", cmd_optimize, 1 },
        { "schema", cmd_schema, 0 },
        { "report", cmd_report, 0 },
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (comm_rank() == 0) fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        if (comm_rank() == 0) printf("capsim %s (git %s, MPI: %s)\n", CAPSIM_VERSION, CAPSIM_GIT_REV, comm_library());
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].all_ranks || comm_rank() == 0 ? commands[i].fn(argc - 1, argv + 1) : EXIT_OK;
    if (comm_rank() == 0)
        fprintf(stderr, "capsim: unknown command '%s' (expected run, compare, sweep, merge, check, summary, export, optimize, schema or report)\n",
                argv[1]);
    return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();   /* GSL reports through return codes, never abort() */
    if (comm_init(&argc, &argv) != 0) {
        fprintf(stderr, "capsim: MPI failed to start\n");
        return EXIT_RUNTIME;
    }
    int status = dispatch(argc, argv);
    comm_finalize();
    return status;
}
