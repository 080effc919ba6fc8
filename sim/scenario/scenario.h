/*
 * sim/scenario, layer 2: a scenario file becomes a validated scenario in memory, and
 * its uncertain values become per-path numbers. Its files may include sim/random and
 * sim/base; models, sim/stats and everything above build on it.
 *   scenario        the resolved scenario in memory (this header): params, specs, names
 *   loader          scenario file (YAML) and --set overrides -> validated scenario
 *   fields          typed getters over one YAML mapping; unknown keys are errors
 *   diagnostics     the loader's error list, sorted into file order for printing
 *   yamldoc         a YAML document as a tree with positions, for the loader to walk
 *   keypath         the one key path syntax (contracts.aws-2025.capacity.0.fulfilled)
 *   bounds          the input limits: the scenario name's rule, caps on numbers
 *   scenario_print  the resolved scenario written back as a scenario file
 *   sample          per-path values of the uncertain fields (random, lhs, sobol, copula)
 *   factors         common factors: key path globs, their matching, the loadings they give
 *
 * scenario: the resolved, validated scenario in memory (docs/MODEL.md; README, "Scenario files").
 *
 * The loader (loader.h) builds one from a YAML file; tests may build one by hand with
 * scenario_alloc() and the add helpers. After loading it is read-only and shared by
 * all threads.
 *
 * Every numeric field is a `param`: either a constant or a reference to one of the
 * scenario's uncertain values (sampled once per path). Its value on a path is
 * PARAM(p, values), with `values` the path's sampled vector (scenario.nuncertain long).
 *
 * Months are integers relative to scenario.start: t = 0 is the start month, a date
 * before the start is negative. Contract `to` is inclusive, every `until` exclusive.
 */
#ifndef CAPSIM_SCENARIO_H
#define CAPSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include "sim/random/dist.h"

#define HOURS_PER_MONTH 730.0

typedef struct {
    double value; /* the constant, when idx < 0 */
    int idx;      /* index into scenario.uncertain / the path's values, or -1 */
} param;

#define PARAM(p, values) ((p).idx < 0 ? (p).value : (values)[(p).idx])
static inline param param_const(double v) { param p = { v, -1 }; return p; }

/* An uncertain value: a distribution field, named by its key path. */
typedef struct {
    char *keypath;      /* "contracts.aws-2025.capacity.0.delay_months" */
    dist_spec dist;
    uint64_t stream;    /* rng_hash(keypath) */
    int line, col;      /* where it was written (1-based; 0 when built by hand) */
} uncertain_spec;

/* A pair of the Gaussian copula: indices into scenario.uncertain. */
typedef struct {
    int a, b;
    double rho;         /* rank (Spearman) correlation */
    int line, col;
} corr_spec;

/* A common factor (docs/MODEL.md 12): a standard normal shared by the values it loads. It
 * has no random stream of its own: it lives in the copula matrix, where values i and j
 * get the latent (normal-score) correlation sum_f l_if * l_jf. */
typedef struct {
    char *glob;         /* as written: "contracts.*.capacity.*.delay_months" */
    double loading;     /* in (-1, 1) */
    int line, col;
} factor_term;

typedef struct {
    char *name;
    size_t nterms;
    factor_term *terms; /* file order */
} factor_spec;

/* A resolved, nonzero loading: uncertain value u loads l on factor f. */
typedef struct {
    int u, f;
    double l;
} loading_spec;

typedef enum {
    SAMPLING_RANDOM, SAMPLING_LHS, SAMPLING_SOBOL, SAMPLING_SALTELLI, SAMPLING_NKINDS
} sampling_kind;
/* The names a scenario writes (`sampling: lhs`), indexed by kind: the one list of them. */
extern const char *const scenario_sampling_names[SAMPLING_NKINDS];
/* The name of kind k; "unknown" outside the enum. */
const char *scenario_sampling_name(sampling_kind k);
/* simulation.quantiles: which monthly series keep their quantiles over paths (the
 * totals always do, exactly). SCENARIO_NSERIES names, in the results file's order of the
 * monthly series (models/model.c's model_series; tests/test_model.c checks that the
 * two lists agree). */
#define SCENARIO_NSERIES 18
extern const char *const scenario_series_names[SCENARIO_NSERIES];
/* owned (docs/MODEL.md 5, "Owned capacity"): the lab buys the chips (capex_usd_per_chip when each cohort
 * comes online) and pays `price` as the operating cost of its powered chips. */
typedef enum { BILLING_RESERVED, BILLING_USAGE, BILLING_OWNED } billing_kind;
/* scenario.allocation (docs/MODEL.md 4 and 10): by priority, or by margin per H100e-hour. */
typedef enum { ALLOCATION_PRIORITY, ALLOCATION_VALUE, ALLOCATION_NKINDS } allocation_kind;
extern const char *const scenario_allocation_names[ALLOCATION_NKINDS];
typedef enum { PERIOD_TERM, PERIOD_YEAR } period_kind;
/* What a min_spend floor applies to (docs/MODEL.md 5, "Commitments that follow delivery"): the contracted schedule as written,
 * or the part of it the supplier delivered. */
typedef enum { BASIS_CONTRACTED, BASIS_DELIVERED } basis_kind;

typedef struct {
    char *name;
    param h100e;            /* throughput factor */
    param kw;               /* chip power, kW */
    param life_months;
    int has_maturity;
    param maturity_from;    /* fraction of h100e at maturity start */
    param maturity_months;
    int maturity_start;     /* month index; default 0 */
} chip_spec;

typedef struct {
    char *name;
    int has_power;
    param power_start, power_add_per_month, power_delay_months;
    param power_max;        /* +INFINITY when absent */
    int has_spot;
    param spot_max_h100e;
    dist_spec spot_availability;   /* fresh draw each month; fraction of max, clipped to [0,1] */
    param spot_usd_per_h100e_hour;
    uint64_t spot_stream;   /* rng_hash("clouds.NAME.spot.availability") */
    int has_spot_decline;   /* spot.decline_per_year given (absent: the price stays) */
    param spot_decline_per_year;   /* price in month t: * (1 - d)^(t/12); d in [0, 1) */
} cloud_spec;

typedef struct {
    char *name;
    param start_h100e;
    param growth;                  /* multiple per year */
    param growth_halflife_months;  /* +INFINITY when absent */
    param volatility;              /* annualised sd of log shocks; 0 when absent */
    int has_jumps;
    param jumps_per_year;
    dist_spec jump_size;           /* fresh draw per jump */
    param usd_per_h100e_hour;      /* 0 when absent */
    int priority;                  /* lower is served first; default 0 */
    int *eligible;                 /* nchips flags: chip named in the chips map */
    param *efficiency;             /* nchips; meaningful where eligible */
    int spot_eligible;             /* map names `spot` */
    param spot_efficiency;
    uint64_t shock_stream;         /* rng_hash("demand.NAME.shock") */
    uint64_t jump_stream;          /* rng_hash("demand.NAME.jumps") */
    int has_value;                 /* value_usd_per_h100e_hour given */
    param value_usd_per_h100e_hour;   /* worth of a served H100e-hour; absent: the
                                       * usd_per_h100e_hour param itself (docs/MODEL.md 10) */
    int has_price_decline;         /* price_decline_per_year given */
    param price_decline_per_year;  /* revenue and value in month t: * (1 - d)^(t/12) */
} segment_spec;

typedef struct {
    int chip;               /* index into scenario.chips */
    param count;
    int online;             /* month index */
    param ramp_months;      /* default 1 */
    param delay_months;     /* default 0 */
    param fulfilled;        /* default 1 */
    int option;             /* -1; an expand option's tranche: index into scenario.options
                             * (online then = exercise month + lead_months, docs/MODEL.md 13) */
} tranche_spec;

typedef struct {
    char *name;
    int cloud;              /* index into scenario.clouds */
    int from, to;           /* month indices, `to` inclusive */
    billing_kind billing;
    int *has_price;         /* nchips flags */
    param *price;           /* nchips; USD per chip-hour where has_price */
    param escalator;        /* annual; 0 when absent */
    size_t ntranches;
    tranche_spec *tranches;
    int has_min_spend;
    param min_spend_usd;
    period_kind min_spend_period;
    int *first_refusal;     /* nsegments flags */
    int has_exclusive;
    int *exclusive;         /* nsegments flags */
    int exclusive_until;    /* month index, exclusive; default to + 1 */
    int has_revenue_share;
    param rs_rate;
    int *rs_segments;       /* nsegments flags (`all` sets every flag) */
    param rs_cap_usd;       /* +INFINITY when absent */
    int rs_until;           /* month index, exclusive; default to + 1 */
    basis_kind min_spend_basis;    /* default BASIS_CONTRACTED */
    int has_default;               /* a `default:` block (docs/MODEL.md 5, "Counterparty default") */
    param default_per_year;        /* counterparty defaults a year; 0 when absent */
    uint64_t default_stream;       /* rng_hash("contracts.NAME.default") */
    param capex_usd_per_chip;      /* billing owned: paid per chip as it comes online; 0 */
    param book_life_months;        /* billing owned: straight-line depreciation; 1 otherwise */
} contract_spec;

/* Contract options (docs/MODEL.md 13): decided inside each path on its own past. */
typedef enum { OPTION_EXPAND, OPTION_TERMINATE, OPTION_EXTEND, OPTION_NKINDS } option_kind;
extern const char *const scenario_option_kinds[OPTION_NKINDS];
typedef enum { METRIC_UNMET_SHARE, METRIC_UTILISATION, METRIC_NKINDS } option_metric;
extern const char *const scenario_option_metrics[METRIC_NKINDS];

typedef struct {
    char *name;             /* unique in the scenario: the `option` output coordinate */
    int contract;           /* index into scenario.contracts */
    option_kind kind;
    int window_from, window_to;    /* month indices, both inclusive (like from/to) */
    option_metric metric;
    param months;           /* k, months judged (m-k..m-1); rounded, at least 1 */
    int above;              /* 1: holds when metric > threshold; 0: when metric < threshold */
    param threshold;
    int *segments;          /* nsegments flags for unmet_share (absent: every flag set) */
    int has_segments;       /* `segments:` written */
    param fee_usd;          /* billed to the contract in the exercise month; default 0 */
    param lead_months;      /* expand: rounded, clamped at 0 */
    param extend_months;    /* extend: rounded, clamped at 0 */
    int tranche;            /* expand: its tranche in the contract's tranches; else -1 */
} option_spec;

/* A funding round (docs/MODEL.md 5, "Cash"): usd paid into cash in month `at`, or, with `when:
 * {metric: cash_below, usd: X}`, in the first month t >= at whose opening cash (cash at
 * the end of month t - 1; cash_start_usd for t = 0) is below X. Each round is paid at
 * most once; a round dated before the start is watched from month 0. */
typedef struct {
    char *name;
    param usd;
    int at;                 /* month index */
    int conditional;        /* a `when:` block */
    param below_usd;        /* when.usd: the cash_below threshold */
} funding_spec;

typedef struct scenario {
    /* scenario: */
    char *name, *description;
    int start_year, start_month;   /* start: YYYY-MM */
    int months;                    /* horizon T */
    double discount_rate;          /* annual */
    allocation_kind allocation;    /* default ALLOCATION_PRIORITY */
    /* simulation: */
    long paths;
    uint64_t seed;
    sampling_kind sampling;
    int antithetic;
    unsigned char quantile_series[SCENARIO_NSERIES]; /* 1: series keeps monthly quantiles (default: all) */
    /* the model */
    size_t nchips;     chip_spec *chips;
    size_t nclouds;    cloud_spec *clouds;
    size_t nsegments;  segment_spec *segments;     /* file order */
    size_t ncontracts; contract_spec *contracts;   /* file order */
    size_t noptions;   option_spec *options;       /* contract order, then file order */
    size_t nuncertain; uncertain_spec *uncertain;  /* in order of appearance */
    size_t ncorr;      corr_spec *corr;
    size_t nfactors;   factor_spec *factors;       /* file order */
    size_t nloadings;  loading_spec *loadings;     /* sorted by (u, f) */
    /* finance: (docs/MODEL.md 5, "Cash"; absent: cash starts at 0, no other costs, no funding) */
    int has_finance;
    param cash_start_usd;              /* 0 */
    param other_costs_usd_per_month;   /* 0; sampled once per path */
    size_t nfunding;   funding_spec *funding;      /* file order */
    /* provenance */
    char *source_path;   /* file it was loaded from, or "<built-in>" */
    char *text;          /* the YAML text as loaded (after --set, the original text) */
} scenario;

/* An empty scenario with defaults (name "unnamed", 12 months, 1000 paths, seed 1). */
scenario *scenario_alloc(void);
/* Frees everything it owns; accepts NULL. */
void scenario_free(scenario *sc);

/* Append helpers for building scenarios by hand (tests) and in the loader. Each
 * returns the new element's index, or -1 on allocation failure. Per-chip and
 * per-segment arrays of segments and contracts are sized when they are added, so add
 * all chips before segments and contracts, and all segments before contracts. */
int scenario_add_chip(scenario *sc, const char *name, double h100e, double kw, double life_months);
int scenario_add_cloud(scenario *sc, const char *name);
int scenario_add_segment(scenario *sc, const char *name, double start_h100e, double growth);
int scenario_add_contract(scenario *sc, const char *name, int cloud, int from, int to, billing_kind billing);
/* How many monthly series keep their quantiles (simulation.quantiles): SCENARIO_NSERIES
 * is `all`, 0 is `totals`, anything else a list (the results file and `capsim check` say
 * it that way). */
int scenario_quantile_count(const scenario *sc);

int scenario_add_tranche(scenario *sc, int contract, int chip, double count, int online);
/* An option of `contract` (all fields defaulted: unmet_share above 0 over 1 month, window
 * the whole term, fee 0); returns its index in scenario.options, or -1. */
int scenario_add_option(scenario *sc, int contract, const char *name, option_kind kind);

/* A funding round of usd at month `at`, unconditional (set conditional and below_usd
 * for a `when:` round). */
int scenario_add_funding(scenario *sc, const char *name, double usd, int at);
/* Register an uncertain value; returns the param that refers to it (idx = -1 on failure). */
param scenario_add_uncertain(scenario *sc, const char *keypath, const dist_spec *d, int line, int col);

/* Index by name, or -1. */
int scenario_find_chip(const scenario *sc, const char *name);
int scenario_find_cloud(const scenario *sc, const char *name);
int scenario_find_segment(const scenario *sc, const char *name);
int scenario_find_contract(const scenario *sc, const char *name);
int scenario_find_uncertain(const scenario *sc, const char *keypath);

/* Month index of year/month relative to the start; and the label "YYYY-MM" of month t. */
int scenario_month_index(const scenario *sc, int year, int month);
void scenario_month_label(const scenario *sc, int t, char buf[8]);

#endif
