/*
 * fields: typed getters over one YAML mapping of a scenario, with the key bookkeeping
 * that makes unknown keys errors (STYLE 7, after SWIFT's parser).
 *
 * Open a mapping with fields_open(), ask for each key the schema allows with a typed
 * getter (required, or optional with a default), then fields_close(): every key that no
 * getter asked for is reported as unknown, with a "did you mean" among the asked ones.
 * Getters never stop at an error: they record it (diag_list, with the value's position and
 * key path) and return the default, so that one pass reports everything.
 *
 * A numeric field is a number or a distribution {dist: FAMILY, ...}. fields_param()
 * registers a distribution as an uncertain value of the scenario under the field's key
 * path (sampled once per path); fields_fresh() keeps it as a dist_spec for month-by-month
 * draws. A fields_rule says which values a field takes: constants must lie in range, and
 * a distribution's support too unless the engine clamps the field (FIELDS_NO_SUPPORT;
 * FIELDS_CLAMP_HI: only above the upper bound).
 */
#ifndef CAPSIM_FIELDS_H
#define CAPSIM_FIELDS_H

#include <stdint.h>
#include "sim/random/dist.h"
#include "keypath.h"
#include "diagnostics.h"
#include "scenario.h"
#include "yamldoc.h"

/* What the getters write into and report to. */
typedef struct {
    scenario *sc;
    diag_list *diag;
} fields_env;

#define FIELDS_CONST_ONLY 1u  /* a distribution is an error (the field is not sampled) */
#define FIELDS_INTEGER    2u  /* whole numbers only; implies FIELDS_CONST_ONLY */
#define FIELDS_ALLOW_INF  4u  /* `.inf` is accepted: "no limit" */
#define FIELDS_NO_SUPPORT 8u  /* a distribution may leave the range: the engine clamps */
#define FIELDS_CLAMP_HI  16u  /* a distribution may pass the upper bound: the engine clamps */

/* The values a numeric field takes, and how an error message says so. */
typedef struct {
    double lo, hi;          /* bounds, inclusive unless open */
    int lo_open, hi_open;
    unsigned flags;         /* FIELDS_* */
    const char *expect;     /* "a number >= 0" */
} fields_rule;

#define FIELDS_MAX_KEYS 24

typedef struct {
    fields_env *env;
    const yamldoc_node *node;   /* the mapping; NULL when absent, empty or not a mapping */
    const yamldoc_node *at;     /* where "missing key" errors point (may be NULL) */
    char kp[KEYPATH_MAX];       /* key path of the mapping ("" at the top) */
    const char *asked[FIELDS_MAX_KEYS];
    size_t nasked;
    int names;                  /* keys are user names (chips, prices): no unknown keys */
} fields;

/* Record an error at node `at` (NULL: no position). */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
void fields_error(fields_env *env, const yamldoc_node *at, const char *kp, const char *fmt, ...);

/* Open node as a mapping at key path kp. A null node (`key:` and nothing) is an empty
 * mapping: its required keys are reported missing. An absent (NULL) node opens as
 * nothing: getters return defaults silently (the caller reports the absence if it
 * matters). Anything else that is not a mapping is reported ("found a list (expected
 * `expect`)") and opens as nothing. Duplicate keys and keys that are not plain scalars
 * are reported here. Returns 0 for a mapping or null, -1 otherwise. */
int fields_open(fields *m, fields_env *env, const yamldoc_node *node, const char *kp, const char *expect);

/* The same for a mapping whose keys are user names (chips: {NAME: ...}). */
int fields_open_names(fields *m, fields_env *env, const yamldoc_node *node, const char *kp,
                    const char *expect);

/* Report the keys nobody asked for. */
void fields_close(fields *m);

/* The value of key (recorded as asked), or NULL when absent or null. */
const yamldoc_node *fields_get(fields *m, const char *key);

/* Report `key` missing from m ("expected `expect`"). */
void fields_missing(fields *m, const char *key, const char *expect);

/* Key path of m's child `key` into buf. */
void fields_child_kp(const fields *m, const char *key, char *buf, size_t len);

/* Numeric fields. */
param fields_param(fields *m, const char *key, int required, double def, const fields_rule *r);
double fields_number(fields *m, const char *key, int required, double def, const fields_rule *r);
long long fields_int(fields *m, const char *key, int required, long long def, const fields_rule *r);
uint64_t fields_u64(fields *m, const char *key, int required, uint64_t def);
/* A month-by-month distribution: a constant becomes DIST_CONSTANT. out is cleared
 * first; returns 0, or -1 after an error (out is then DIST_CONSTANT def). */
int fields_fresh(fields *m, const char *key, int required, double def, const fields_rule *r,
               dist_spec *out);

/* The same on a value node with its own key path (values of name-keyed maps). */
param fields_param_node(fields_env *env, const yamldoc_node *v, const char *kp, double def,
                      const fields_rule *r);

/* Other scalars. */
const char *fields_string(fields *m, const char *key, int required, const char *def);
int fields_bool(fields *m, const char *key, int required, int def);
/* Index of the value in names[0..n), or def (reported with a suggestion when unknown). */
int fields_enum(fields *m, const char *key, int required, int def, const char *const *names, int n);
/* YYYY-MM as year and month; returns 0, or -1 (absent or bad: year and month untouched). */
int fields_yearmonth(fields *m, const char *key, int required, int *year, int *month);
/* YYYY-MM as a month index relative to the scenario start; def when absent or bad. */
int fields_month(fields *m, const char *key, int required, int def);

/* What the getters are asked, for test_schema (schema.h): each getter reports the key
 * path it was asked for and what it takes. Off (NULL) unless a test turns it on; not
 * for threads. Reports from inside a distribution's mapping are not made (its keys
 * are the family's, schema.h's distribution table). */
typedef enum {
    FIELDS_REC_ASKED,    /* fields_get: the key exists in the schema; type not said */
    FIELDS_REC_MAP,      /* fields_open */
    FIELDS_REC_NAMED,    /* fields_open_names */
    FIELDS_REC_PARAM,    /* fields_param and the numbers: rule says constant or integer */
    FIELDS_REC_FRESH,    /* fields_fresh */
    FIELDS_REC_STRING,
    FIELDS_REC_BOOL,
    FIELDS_REC_ENUM,
    FIELDS_REC_MONTH,
    FIELDS_REC_SEED
} fields_rec_kind;

typedef struct {
    const char *kp;
    fields_rec_kind kind;
    int required;                  /* 1, 0, or -1: not said (values of name-keyed maps) */
    double def;                    /* numbers: the default */
    const fields_rule *rule;       /* numbers; NULL otherwise */
    const char *const *names;      /* enums */
    int nnames;
} fields_record;

typedef void (*fields_recorder)(const fields_record *r, void *ctx);
void fields_set_recorder(fields_recorder fn, void *ctx);

/* Strict number syntax: what strtod reads from the whole string, decimal digits,
 * sign, point and exponent only, finite; `.inf` too when allow_inf. 0 or -1. */
int fields_parse_number(const char *s, double *out, int allow_inf);
/* YYYY-MM with month 1..12: 0; -1 bad syntax; -2 month out of range. */
int fields_parse_yearmonth(const char *s, int *year, int *month);

#endif
