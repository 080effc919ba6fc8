/*
 * cmd_schema: `capsim schema`: the scenario format (sim/scenario/schema.h) as a JSON
 * Schema on stdout, or as the Markdown reference of docs/SCENARIO.md (--markdown).
 */
#include "commands.h"
#include "cli.h"
#include "sim/scenario/schema.h"

#include <stdio.h>
#include <string.h>

static const char schema_help[] =
    "usage: capsim schema [--help] [--markdown] [--quiet]\n"
    "\n"
    "Print the JSON Schema (draft-07) of scenario files on stdout, made from the table of\n"
    "every key the loader takes (sim/scenario/schema_table.c). A YAML language server\n"
    "checks and completes a scenario with it: save it (capsim schema > capsim.schema.json)\n"
    "and start the file with\n"
    "    # yaml-language-server: $schema=capsim.schema.json\n"
    "A file with extends: is an overlay: the schema requires nothing in it.\n"
    "\n"
    "  --markdown   the key reference of docs/SCENARIO.md instead (between its markers)\n"
    "  -q, --quiet  accepted, as by every command (schema prints only the schema)\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit codes: 0 ok; 1 stdout cannot be written; 2 bad arguments.\n";

int cmd_schema(int argc, char **argv)
{
    int markdown = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(schema_help, stdout);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--markdown")) markdown = 1;
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) continue;
        else if (argv[i][0] == '-') return cli_usage_error("schema", "unknown option %s", argv[i]);
        else return cli_usage_error("schema", "no arguments expected, got '%s'", argv[i]);
    }
    int rc = markdown ? schema_print_markdown(stdout) : schema_print_json(stdout);
    return rc == 0 && fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}
