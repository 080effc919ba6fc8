/*
 * cmd_merge: `capsim merge PART_0.h5 ... PART_n-1.h5 -o OUT.h5`: the shards written by
 * `capsim run|compare|sweep --shard i/n` become the file the whole run would have written,
 * bitwise in every dataset (docs/ENGINE.md). The shards may be given in any order; they
 * must be all n of one run (same scenarios, --set, --paths, seed, --save-paths). The
 * scenarios are reloaded from the text each shard keeps, so the scenario files need not
 * exist any more.
 */
#include "commands.h"
#include "cli.h"
#include "sim/engine/engine.h"
#include "sim/scenario/loader.h"
#include "output/shardfile.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char merge_help[] =
    "usage: capsim merge PART.h5 ... -o OUT.h5 [--threads T] [--quiet]\n"
    "\n"
    "Merge the n shard files of a run made with `capsim run|compare|sweep --shard i/n`\n"
    "(i = 0 .. n-1, given in any order) into OUT.h5: the same statistics, totals, sampled\n"
    "values, saved paths and sensitivity, bit for bit, as the run without --shard (root\n"
    "attributes such as command_line, threads and wall_seconds say how it was made).\n"
    "Exit status 2 when a shard is missing, repeated, or from another run.\n"
    "\n"
    "  -o, --output OUT.h5     the merged results file: a new name or a regular file,\n"
    "                          replaced atomically (not a link, directory, device, FIFO)\n"
    "  --threads T             OpenMP threads for the final statistics\n"
    "  -q, --quiet             no progress line or closing message\n"
    "  -h, --help              this help\n";

/* The scenarios of the run, as the shard describes them: each variant's text reloaded
 * with its --set list, then --paths and --seed as the run applied them. */
static int load_job(const shard_info *in, scenario **sc)
{
    for (size_t v = 0; v < in->nvariants; v++) {
        const char *text = in->texts[v];
        sc[v] = loader_load_text(text, strlen(text), in->sources[v], (const char *const *)in->sets[v],
                                 in->nsets[v], stderr, NULL);
        if (!sc[v]) {
            fprintf(stderr, "capsim merge: the scenario %s kept in the shards no longer loads\n",
                    in->variant_names[v]);
            return -1;
        }
        sc[v]->paths = (long)in->total_paths;
        sc[v]->seed = in->seed;
    }
    return 0;
}

/* Shards written by different builds: if the model changed in between, the merge is not
 * one run. A warning, not a refusal. */
static void warn_builds(shard_file *const *files, size_t n)
{
    const shard_info *s0 = shard_get_info(files[0]);
    for (size_t i = 0; i < n; i++) {
        const shard_info *s = shard_get_info(files[i]);
        if (strcmp(s->git_revision, s0->git_revision) != 0 || strcmp(s->capsim_version, s0->capsim_version) != 0)
            fprintf(stderr, "capsim merge: warning: %s was written by capsim %s (git %s), %s by %s (git %s): "
                    "if the model changed in between, the merge is not one run\n", shard_path(files[i]),
                    s->capsim_version, s->git_revision, shard_path(files[0]), s0->capsim_version, s0->git_revision);
    }
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' }, { "threads", required_argument, NULL, OPT_THREADS },
        { "quiet", no_argument, NULL, OPT_QUIET }, { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    const char *out = NULL;
    int threads = 0, quiet = 0, c;
    optind = 1;
    opterr = 0;   /* one message per mistake, ours, naming the option */
    while ((c = getopt_long(argc, argv, ":o:hq", longopts, NULL)) != -1) {
        switch (c) {
        case '?': case ':': return cli_option_error("merge", c, argv);
        case 'h': case OPT_HELP: fputs(merge_help, stdout); return EXIT_OK;
        case 'o': out = optarg; break;
        case 'q': case OPT_QUIET: quiet = 1; break;
        case OPT_THREADS:
            if (cli_parse_int(optarg, 1, 4096, &threads) != 0)
                return cli_usage_error("merge", "--threads %s: expected a whole number from 1 to 4096", optarg);
            break;
        default: return cli_usage_error("merge", "unknown option");
        }
    }
    size_t n = (size_t)(argc - optind);
    if (n == 0) return cli_usage_error("merge", "expected the shard files");
    if (!out) return cli_usage_error("merge", "expected -o OUT.h5");
    if (cli_check_output("merge", out, 0) != EXIT_OK) return EXIT_BAD_INPUT;
    shard_file **files = calloc(n, sizeof *files);
    scenario **sc = NULL;
    char *cmdline = cli_join_argv(argc + 1, argv - 1);
    int status = EXIT_BAD_INPUT;
    char msg[2048];
    if (!files) {
        status = EXIT_RUNTIME;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (!(files[i] = shard_open(argv[optind + (int)i], msg, sizeof msg))) {
            fprintf(stderr, "capsim merge: %s\n", msg);
            goto done;
        }
    if (shard_check_set(files, n, msg, sizeof msg) != 0) {
        fprintf(stderr, "capsim merge: %s\n", msg);
        goto done;
    }
    const shard_info *in = shard_get_info(files[0]);
    if (!(sc = calloc(in->nvariants, sizeof *sc))) {
        status = EXIT_RUNTIME;
        goto done;
    }
    if (load_job(in, sc) != 0) goto done;
    warn_builds(files, n);
    engine_job job = {
        .variants = (const scenario *const *)sc, .nvariants = in->nvariants, .variant_names = in->variant_names,
        .nvary = in->nvary, .vary_keys = in->vary_keys, .vary_values = in->vary_values,
        .paths = in->total_paths, .seed = in->seed, .threads = threads, .save_paths = (size_t)in->save_paths,
        .quiet = quiet, .out_path = out, .command = in->command, .command_line = cmdline ? cmdline : "capsim merge",
        .variant_nsets = in->nsets, .variant_sets = in->sets, .superblock_paths = in->superblock,
    };
    engine_report rep;
    status = engine_merge(&job, files, n, &rep);
    status = cli_engine_done("capsim merge", status, &rep, "merged ", quiet, out);
done:
    for (size_t v = 0; sc && v < shard_get_info(files[0])->nvariants; v++) scenario_free(sc[v]);
    free(sc);
    for (size_t i = 0; files && i < n; i++) shard_close(files[i]);
    free(files);
    free(cmdline);
    return status;
}
