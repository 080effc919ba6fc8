/* cmd_check: `capsim check SCENARIO.yaml [--set ...]`: validate, print the resolved scenario. */
#include "commands.h"
#include "cli.h"
#include "models/model.h"
#include "sim/optimize/optspec.h"
#include "sim/scenario/scenario_print.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char check_help[] =
    "usage: capsim check [SCENARIO.yaml] [--set key.path=value ...] [--origins] [--quiet]\n"
    "\n"
    "Validate SCENARIO.yaml (without one: the built-in default) and print the resolved\n"
    "scenario: every key with the value it resolved to, defaults included. Every error\n"
    "is reported as file:line:col: key.path: what is wrong (what was expected); the\n"
    "exit code is then 2. The decisions: and objective: blocks of `capsim optimize` are\n"
    "checked too.\n"
    "\n"
    "  --origins  print instead the scenario as its files compose it (extends, merge\n"
    "             keys and --set applied, before defaults), each value written in\n"
    "             another file than SCENARIO.yaml (or by --set) followed by\n"
    "             # from FILE:LINE\n"
    "  --set key.path=value  override a scenario value, as run does\n"
    "  -q, --quiet  print nothing when the scenario is valid: only the errors (exit 2)\n"
    "  -h, --help   this help\n";

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "set", required_argument, NULL, OPT_SET },
        { "help", no_argument, NULL, OPT_HELP },
        { "origins", no_argument, NULL, 'O' },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 }
    };
    int want_origins = 0, quiet = 0;
    char *origins = NULL;
    cli_run_opts o;
    memset(&o, 0, sizeof o);
    int c, status = EXIT_BAD_INPUT;
    optind = 1;
    opterr = 0;   /* one message per mistake, ours, naming the option */
    while ((c = getopt_long(argc, argv, ":hq", longopts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            cli_option_error("check", c, argv);
            goto done;
        }
        if (c == 'q') {
            quiet = 1;
            continue;
        }
        if (c == OPT_HELP || c == 'h') {
            fputs(check_help, stdout);
            cli_run_opts_free(&o);
            return EXIT_OK;
        }
        if (c == 'O') {
            want_origins = 1;
            continue;
        }
        if (c != OPT_SET || cli_run_option("check", c, optarg, &o) < 0) {
            if (c != OPT_SET) cli_usage_error("check", "unknown option");
            goto done;
        }
    }
    if (argc - optind > 1) {
        cli_usage_error("check", "expected one scenario file, got %d", argc - optind);
        goto done;
    }
    scenario *sc = cli_load_origins(optind < argc ? argv[optind] : NULL, o.sets, o.nsets,
                                    want_origins ? &origins : NULL);
    if (!sc) goto done;
    /* decisions: and objective: (capsim optimize) are checked here too */
    optspec spec;
    diag_list *d = diag_alloc();
    int ps = d ? optspec_parse(sc, &spec, d) : -1;
    if (ps < 0) {
        if (d) diag_print(d, stderr);
        else fprintf(stderr, "capsim check: out of memory\n");
        diag_free(d);
        scenario_free(sc);
        goto done;
    }
    diag_free(d);
    if (quiet) {
        scenario_free(sc);
        status = EXIT_OK;
        goto done;
    }
    if (origins) fputs(origins, stdout);
    else scenario_print(stdout, sc);
    if (ps > 0 && !origins) {
        printf("# capsim optimize: %s %s, mean + w * %s for w in", spec.maximize ? "maximize" : "minimize",
               model_totals[spec.total].name, spec.measure_hi ? "es_hi" : "es_lo");
        for (size_t w = 0; w < spec.nweights; w++) printf(" %g", spec.weights[w]);
        printf("\n");
        for (size_t j = 0; j < spec.ndec; j++) {
            printf("#   decision %s in [%.17g, %.17g]", spec.dec[j].key, spec.dec[j].min, spec.dec[j].max);
            if (spec.dec[j].step > 0) printf(" step %.17g", spec.dec[j].step);
            printf(" (the scenario's own value %.17g)\n", spec.dec[j].base);
        }
        for (size_t k = 0; k < spec.ncons; k++) printf("#   constraint %s\n", spec.cons[k].label);
    }
    scenario_free(sc);
    status = fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
done:
    free(origins);
    cli_run_opts_free(&o);
    return status;
}
