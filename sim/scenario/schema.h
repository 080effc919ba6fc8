/*
 * schema: every key of the scenario format in one table (docs/SCENARIO.md is generated
 * from it, `capsim schema` prints it as a JSON Schema).
 *
 * Each entry is one key path, list elements and the entries of name-keyed mappings
 * written with a placeholder segment in angle brackets: `chips.<chip>.h100e`,
 * `contracts.<contract>.capacity.<i>.count`. A placeholder with a dot in it
 * (`<key.path>`, `<glob>` excepted) stands for one or more segments: the keys of
 * `decisions:` and of a factor are key paths themselves.
 *
 * The loader (loader.c, fields.c) still asks for its keys in code; test_schema keeps
 * the two in step: the fields getters report every key path they are asked for, with its
 * type, range, default and whether it is required (fields_set_recorder), while the
 * test loads a scenario that writes every key, and each report must match one entry of
 * the table and each entry must be asked for.
 */
#ifndef CAPSIM_SCHEMA_H
#define CAPSIM_SCHEMA_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    SCHEMA_MAP,        /* a mapping with the keys listed under it */
    SCHEMA_NAMED,      /* a mapping of user names to the entry path.<name> */
    SCHEMA_LIST,       /* a list of the entry path.<i> */
    SCHEMA_NUMBER,     /* a constant number */
    SCHEMA_INTEGER,    /* a constant whole number */
    SCHEMA_UNCERTAIN,  /* a number or {dist: ...}, drawn once per path */
    SCHEMA_MONTHLY,    /* a number or {dist: ...}, drawn afresh each month (or jump) */
    SCHEMA_STRING,     /* free text */
    SCHEMA_NAME,       /* 1 to 63 of [A-Za-z0-9_-], not only digits */
    SCHEMA_REF,        /* the name of something defined elsewhere (enums says what) */
    SCHEMA_BOOL,
    SCHEMA_ENUM,       /* one of enums */
    SCHEMA_MONTH,      /* YYYY-MM */
    SCHEMA_SEED,       /* a whole number from 0 to 2^64 - 1 */
    SCHEMA_SEGMENTS,   /* a list of segment names [a, b] (or `all` where enums says so) */
    SCHEMA_WINDOW,     /* [YYYY-MM, YYYY-MM] */
    SCHEMA_PAIR,       /* [key.path, key.path, rho] */
    SCHEMA_KEYPATHS,   /* a list of key paths */
    SCHEMA_WEIGHTS,    /* a number >= 0 or a list of them */
    SCHEMA_SERIES,     /* all, totals, or a list of monthly series names */
    SCHEMA_NTYPES
} schema_type;

#define SCHEMA_REQUIRED  1u   /* must be written (in a file without `extends`) */
#define SCHEMA_LO_OPEN   2u   /* lo excluded */
#define SCHEMA_HI_OPEN   4u   /* hi excluded */
#define SCHEMA_INF       8u   /* `.inf` accepted: no limit */
#define SCHEMA_OPTIMIZE 16u   /* read by `capsim optimize` (sim/optimize/optspec.c) only */
#define SCHEMA_RANGED   32u   /* lo/hi apply */
#define SCHEMA_COMPOSED 128u  /* read by compose.c (extends, remove), not by the loader */
#define SCHEMA_CONDITIONAL 64u /* required or allowed depending on another key (desc says) */

typedef struct {
    const char *path;     /* key path with <placeholders> */
    schema_type type;
    unsigned flags;       /* SCHEMA_* */
    double lo, hi;        /* the values allowed (SCHEMA_RANGED) */
    const char *def;      /* the default when absent, as written in YAML; NULL: none */
    const char *unit;     /* NULL: none */
    const char *enums;    /* SCHEMA_ENUM: "a|b|c"; SCHEMA_REF: "chip", "cloud", ...;
                           * SCHEMA_SEGMENTS: "all" when `all` is accepted */
    const char *pattern;  /* SCHEMA_STRING: a regular expression the value matches, or NULL */
    const char *desc;     /* one line */
    const char *example;  /* a YAML value */
} schema_entry;

extern const schema_entry schema_entries[];
extern const size_t schema_nentries;

/* Type names, as docs/SCENARIO.md writes them ("number or distribution"). */
const char *schema_type_name(schema_type t);

/* Does concrete key path kp (as the loader builds it: `contracts.aws-2025.capacity.0.count`)
 * match pattern (`contracts.<contract>.capacity.<i>.count`)? */
int schema_match(const char *pattern, const char *kp);

/* The entry whose path matches kp (the last in table order: the most specific), or NULL. */
const schema_entry *schema_find(const char *kp);

/* The JSON Schema (draft-07) of a scenario file, and the Markdown reference of
 * docs/SCENARIO.md (the part between its markers). 0, or -1 on a write error. */
int schema_print_json(FILE *f);
int schema_print_markdown(FILE *f);

#endif
