/*
 * scenario_print: the resolved scenario as a scenario file (see scenario_print.h).
 *
 * Block style throughout, one field per line, so that each distribution can carry its
 * mean and sd in a trailing comment; optional sections that are absent print as a
 * comment saying so, so the reader sees that the key exists.
 */
#include "scenario_print.h"
#include "factors.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void scenario_print_number(FILE *f, double x)
{
    if (isinf(x)) {
        fputs(x > 0 ? ".inf" : "-.inf", f);
        return;
    }
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, sizeof buf, "%.17g", x);
    fputs(buf, f);
}

static void print_list(FILE *f, const double *x, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        scenario_print_number(f, x[i]);
    }
    fputc(']', f);
}

void scenario_print_dist(FILE *f, const dist_spec *d)
{
    if (d->family == DIST_CONSTANT) {
        scenario_print_number(f, d->p[0]);
        return;
    }
    fprintf(f, "{dist: %s", dist_family_name(d->family));
    if (d->family == DIST_DISCRETE) {
        fputs(", values: ", f);
        print_list(f, d->values, d->n);
        fputs(", weights: ", f);
        print_list(f, d->weights, d->n);
    }
    const dist_family_type *t = dist_family_of(d->family);
    for (int i = 0; t && i < t->np; i++) {
        fprintf(f, ", %s: ", t->params[i]);
        scenario_print_number(f, d->p[i]);
    }
    int trunc = t && t->truncatable;
    if (trunc && isfinite(d->lo)) {
        fputs(", min: ", f);
        scenario_print_number(f, d->lo);
    }
    if (trunc && isfinite(d->hi)) {
        fputs(", max: ", f);
        scenario_print_number(f, d->hi);
    }
    fputc('}', f);
}

/* The distribution's moments and its 5th, 50th and 95th percentiles (of the truncated
 * distribution where min/max truncate it), as a comment. */
static void moments_comment(FILE *f, const dist_spec *d, const char *what)
{
    fprintf(f, "   # %smean %.6g, sd %.6g; P5 %.6g, P50 %.6g, P95 %.6g\n", what, dist_mean(d), dist_sd(d),
            dist_quantile(d, 0.05), dist_quantile(d, 0.5), dist_quantile(d, 0.95));
}

/* `key: value` at the given indent; a distribution gets its moments in a comment. */
static void put_param(FILE *f, const scenario *sc, int indent, const char *key, param p)
{
    fprintf(f, "%*s%s: ", indent, "", key);
    if (p.idx < 0 || (size_t)p.idx >= sc->nuncertain) {
        scenario_print_number(f, p.value);
        fputc('\n', f);
        return;
    }
    const dist_spec *d = &sc->uncertain[p.idx].dist;
    scenario_print_dist(f, d);
    moments_comment(f, d, "sampled once per path: ");
}

static void put_fresh(FILE *f, int indent, const char *key, const dist_spec *d, const char *when)
{
    fprintf(f, "%*s%s: ", indent, "", key);
    scenario_print_dist(f, d);
    if (d->family == DIST_CONSTANT) fputc('\n', f);
    else moments_comment(f, d, when);
}

static void put_month(FILE *f, const scenario *sc, int indent, const char *key, int t)
{
    char label[8];
    scenario_month_label(sc, t, label);
    fprintf(f, "%*s%s: %s\n", indent, "", key, label);
}

/* A double-quoted YAML string. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(f, "\\%c", *c);
        else if (*c == '\n') fputs("\\n", f);
        else if (*c == '\t') fputs("\\t", f);
        else if (*c < 0x20) fprintf(f, "\\x%02x", *c);
        else fputc(*c, f);
    }
    fputc('"', f);
}

static void print_head(FILE *f, const scenario *sc)
{
    char first[8], last[8];
    scenario_month_label(sc, 0, first);
    scenario_month_label(sc, sc->months - 1, last);
    fprintf(f, "# %s, resolved: every key with its value, defaults included.\n",
            sc->source_path ? sc->source_path : "scenario");
    fputs("scenario:\n  name: ", f);
    put_quoted(f, sc->name);
    fputs("\n  description: ", f);
    put_quoted(f, sc->description);
    fprintf(f, "\n  start: %s\n  months: %d   # %s .. %s\n", first, sc->months, first, last);
    fputs("  discount_rate: ", f);
    scenario_print_number(f, sc->discount_rate);
    fprintf(f, "\n  allocation: %s", scenario_allocation_names[sc->allocation]);
    fprintf(f, "\nsimulation:\n  paths: %ld\n  seed: %" PRIu64 "\n  sampling: %s\n"
            "  antithetic: %s\n", sc->paths, sc->seed,
            scenario_sampling_name(sc->sampling),
            sc->antithetic ? "true" : "false");
    int nq = scenario_quantile_count(sc);
    if (nq > 0 && nq < SCENARIO_NSERIES) {
        fputs("  quantiles: [", f);
        for (int k = 0, n = 0; k < SCENARIO_NSERIES; k++)
            if (sc->quantile_series[k]) fprintf(f, "%s%s", n++ ? ", " : "", scenario_series_names[k]);
        fputs("]\n", f);
    } else {
        fprintf(f, "  quantiles: %s\n", nq ? "all" : "totals");
    }
}

static void print_chips(FILE *f, const scenario *sc)
{
    fputs(sc->nchips ? "chips:\n" : "chips: {}\n", f);
    for (size_t i = 0; i < sc->nchips; i++) {
        const chip_spec *c = &sc->chips[i];
        fprintf(f, "  %s:\n", c->name);
        put_param(f, sc, 4, "h100e", c->h100e);
        put_param(f, sc, 4, "kw", c->kw);
        put_param(f, sc, 4, "life_months", c->life_months);
        if (!c->has_maturity) {
            fputs("    # maturity: none (full h100e from the start)\n", f);
            continue;
        }
        fputs("    maturity:\n", f);
        put_param(f, sc, 6, "from", c->maturity_from);
        put_param(f, sc, 6, "months", c->maturity_months);
        put_month(f, sc, 6, "start", c->maturity_start);
    }
}

static void print_clouds(FILE *f, const scenario *sc)
{
    fputs(sc->nclouds ? "clouds:\n" : "clouds: {}\n", f);
    for (size_t i = 0; i < sc->nclouds; i++) {
        const cloud_spec *c = &sc->clouds[i];
        fprintf(f, "  %s:%s\n", c->name, c->has_power || c->has_spot ? "" : " {}");
        if (c->has_power) {
            fputs("    power_mw:\n", f);
            put_param(f, sc, 6, "start", c->power_start);
            put_param(f, sc, 6, "add_per_month", c->power_add_per_month);
            put_param(f, sc, 6, "delay_months", c->power_delay_months);
            put_param(f, sc, 6, "max", c->power_max);
        } else {
            fputs("    # power_mw: none (no power limit)\n", f);
        }
        if (c->has_spot) {
            fputs("    spot:\n", f);
            put_param(f, sc, 6, "max_h100e", c->spot_max_h100e);
            put_fresh(f, 6, "availability", &c->spot_availability, "drawn afresh each month: ");
            put_param(f, sc, 6, "usd_per_h100e_hour", c->spot_usd_per_h100e_hour);
            if (c->has_spot_decline) put_param(f, sc, 6, "decline_per_year", c->spot_decline_per_year);
            else fputs("      # decline_per_year: none (the price stays)\n", f);
        } else {
            fputs("    # spot: none\n", f);
        }
    }
}

static void print_segment(FILE *f, const scenario *sc, const segment_spec *s)
{
    fprintf(f, "  - name: %s\n", s->name);
    put_param(f, sc, 4, "start_h100e", s->start_h100e);
    put_param(f, sc, 4, "growth", s->growth);
    put_param(f, sc, 4, "growth_halflife_months", s->growth_halflife_months);
    put_param(f, sc, 4, "volatility", s->volatility);
    if (s->has_jumps) {
        fputs("    jumps:\n", f);
        put_param(f, sc, 6, "per_year", s->jumps_per_year);
        put_fresh(f, 6, "size", &s->jump_size, "drawn afresh for each jump: ");
    } else {
        fputs("    # jumps: none\n", f);
    }
    put_param(f, sc, 4, "usd_per_h100e_hour", s->usd_per_h100e_hour);
    if (s->has_value) put_param(f, sc, 4, "value_usd_per_h100e_hour", s->value_usd_per_h100e_hour);
    else fputs("    # value_usd_per_h100e_hour: usd_per_h100e_hour (the default)\n", f);
    if (s->has_price_decline) put_param(f, sc, 4, "price_decline_per_year", s->price_decline_per_year);
    else fputs("    # price_decline_per_year: none (prices stay)\n", f);
    fprintf(f, "    priority: %d\n    chips:\n", s->priority);
    for (size_t k = 0; k < sc->nchips; k++)
        if (s->eligible[k]) put_param(f, sc, 6, sc->chips[k].name, s->efficiency[k]);
    if (s->spot_eligible) put_param(f, sc, 6, "spot", s->spot_efficiency);
}

/* `key: [a, b]` of the segments flagged in flags. */
static void put_segments(FILE *f, const scenario *sc, int indent, const char *key, const int *flags)
{
    fprintf(f, "%*s%s: [", indent, "", key);
    int any = 0;
    for (size_t s = 0; s < sc->nsegments; s++)
        if (flags[s]) fprintf(f, "%s%s", any++ ? ", " : "", sc->segments[s].name);
    fputs("]\n", f);
}

static void print_tranche(FILE *f, const scenario *sc, const tranche_spec *t)
{
    fprintf(f, "      - chip: %s\n", t->chip >= 0 && (size_t)t->chip < sc->nchips
            ? sc->chips[t->chip].name : "?");
    put_param(f, sc, 8, "count", t->count);
    put_month(f, sc, 8, "online", t->online);
    put_param(f, sc, 8, "ramp_months", t->ramp_months);
    put_param(f, sc, 8, "delay_months", t->delay_months);
    put_param(f, sc, 8, "fulfilled", t->fulfilled);
}

/* The floors of min_spend period: year, one per period with its months: of usd itself,
 * or of its mean (and P5 to P95) when usd is a distribution. */
static void print_yearly_floors(FILE *f, const scenario *sc, const contract_spec *c, int months, int periods)
{
    param u = c->min_spend_usd;
    const dist_spec *d = u.idx >= 0 && (size_t)u.idx < sc->nuncertain ? &sc->uncertain[u.idx].dist : NULL;
    double usd = d ? dist_mean(d) : u.value;
    fprintf(f, "      # yearly floors%s:", d ? " (of the mean usd; P5 to P95 in brackets)" : "");
    for (int k = 0; k < periods; k++) {
        int t0 = c->from + 12 * k, n = k < periods - 1 ? 12 : months - 12 * k;
        char a[8], b[8];
        scenario_month_label(sc, t0, a);
        scenario_month_label(sc, t0 + n - 1, b);
        fprintf(f, "%s %s..%s %.4g", k ? "," : "", a, b, usd * n / months);
        if (d) fprintf(f, " [%.4g, %.4g]", dist_quantile(d, 0.05) * n / months, dist_quantile(d, 0.95) * n / months);
    }
    fputc('\n', f);
}

static void print_contract_terms(FILE *f, const scenario *sc, const contract_spec *c)
{
    if (c->has_min_spend) {
        fputs("    min_spend:\n", f);
        put_param(f, sc, 6, "usd", c->min_spend_usd);
        int months = c->to - c->from + 1, periods = (months + 11) / 12, last = months - 12 * (periods - 1);
        if (c->min_spend_period == PERIOD_YEAR && months > 0) {
            /* what `year` means is easy to misread as "usd every year": say it here */
            fprintf(f, "      period: year   # the term's %d months in %d period%s from `from`: a floor of "
                       "usd x 12 / %d each", months, periods, periods == 1 ? "" : "s", months);
            if (c->min_spend_usd.idx < 0) fprintf(f, " (%.4g)", c->min_spend_usd.value * 12.0 / months);
            if (last < 12) fprintf(f, ", the last (%d months) pro-rated: usd x %d / %d", last, last, months);
            fputc('\n', f);
            print_yearly_floors(f, sc, c, months, periods);
        } else {
            fprintf(f, "      period: %s\n", c->min_spend_period == PERIOD_YEAR ? "year" : "term");
        }
        fprintf(f, "      basis: %s\n",
                c->min_spend_basis == BASIS_DELIVERED ? "delivered" : "contracted");
    } else {
        fputs("    # min_spend: none\n", f);
    }
    put_segments(f, sc, 4, "first_refusal", c->first_refusal);
    if (c->has_exclusive) {
        fputs("    exclusive:\n", f);
        put_segments(f, sc, 6, "segments", c->exclusive);
        put_month(f, sc, 6, "until", c->exclusive_until);
    } else {
        fputs("    # exclusive: none\n", f);
    }
    if (c->has_revenue_share) {
        fputs("    revenue_share:\n", f);
        put_param(f, sc, 6, "rate", c->rs_rate);
        put_segments(f, sc, 6, "segments", c->rs_segments);
        put_param(f, sc, 6, "cap_usd", c->rs_cap_usd);
        put_month(f, sc, 6, "until", c->rs_until);
    } else {
        fputs("    # revenue_share: none\n", f);
    }
    if (c->has_default) {
        fputs("    default:\n", f);
        put_param(f, sc, 6, "per_year", c->default_per_year);
    } else {
        fputs("    # default: none (the counterparty never defaults)\n", f);
    }
}

/* The contract's options (docs/MODEL.md 13), every key written, defaults included. */
static void print_options(FILE *f, const scenario *sc, const contract_spec *c)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->noptions; i++) {
        const option_spec *o = &sc->options[i];
        if (&sc->contracts[o->contract] != c) continue;
        if (!n++) fputs("    options:\n", f);
        fprintf(f, "      - name: %s\n        kind: %s\n", o->name, scenario_option_kinds[o->kind]);
        char a[8], b[8];
        scenario_month_label(sc, o->window_from, a);
        scenario_month_label(sc, o->window_to, b);
        fprintf(f, "        window: [%s, %s]   # both months included\n", a, b);
        fprintf(f, "        when:\n          metric: %s\n", scenario_option_metrics[o->metric]);
        put_param(f, sc, 10, "months", o->months);
        put_param(f, sc, 10, o->above ? "above" : "below", o->threshold);
        if (o->has_segments) put_segments(f, sc, 10, "segments", o->segments);
        put_param(f, sc, 8, "fee_usd", o->fee_usd);
        if (o->kind == OPTION_EXTEND) put_param(f, sc, 8, "months", o->extend_months);
        if (o->kind != OPTION_EXPAND || o->tranche < 0) continue;
        const tranche_spec *t = &c->tranches[o->tranche];
        put_param(f, sc, 8, "lead_months", o->lead_months);
        fprintf(f, "        tranche:\n          chip: %s\n", sc->chips[t->chip].name);
        put_param(f, sc, 10, "count", t->count);
        put_param(f, sc, 10, "ramp_months", t->ramp_months);
        put_param(f, sc, 10, "delay_months", t->delay_months);
        put_param(f, sc, 10, "fulfilled", t->fulfilled);
    }
}

static void print_contract(FILE *f, const scenario *sc, const contract_spec *c)
{
    fprintf(f, "  - name: %s\n    cloud: %s\n", c->name,
            c->cloud >= 0 && (size_t)c->cloud < sc->nclouds ? sc->clouds[c->cloud].name : "?");
    put_month(f, sc, 4, "from", c->from);
    put_month(f, sc, 4, "to", c->to);
    fprintf(f, "    # term: %d months\n    billing: %s\n", c->to - c->from + 1,
            c->billing == BILLING_USAGE ? "usage" : c->billing == BILLING_OWNED ? "owned" : "reserved");
    if (c->billing == BILLING_OWNED) {
        put_param(f, sc, 4, "capex_usd_per_chip", c->capex_usd_per_chip);
        put_param(f, sc, 4, "book_life_months", c->book_life_months);
    }
    int any = 0;
    for (size_t k = 0; k < sc->nchips; k++) any |= c->has_price[k];
    fputs(any ? "    price:\n" : "    price: {}\n", f);
    for (size_t k = 0; k < sc->nchips; k++)
        if (c->has_price[k]) put_param(f, sc, 6, sc->chips[k].name, c->price[k]);
    put_param(f, sc, 4, "escalator", c->escalator);
    size_t own = 0;   /* the tranches of the file's capacity list (not the options') */
    for (size_t j = 0; j < c->ntranches; j++) own += c->tranches[j].option < 0;
    fputs(own ? "    capacity:\n" : "    capacity: []\n", f);
    for (size_t j = 0; j < c->ntranches; j++)
        if (c->tranches[j].option < 0) print_tranche(f, sc, &c->tranches[j]);
    print_contract_terms(f, sc, c);
    print_options(f, sc, c);
}

static void print_correlations(FILE *f, const scenario *sc)
{
    fputs(sc->ncorr ? "correlations:\n" : "correlations: []\n", f);
    for (size_t i = 0; i < sc->ncorr; i++) {
        const corr_spec *c = &sc->corr[i];
        fprintf(f, "  - [%s, %s, ", sc->uncertain[c->a].keypath, sc->uncertain[c->b].keypath);
        scenario_print_number(f, c->rho);
        fputs("]\n", f);
    }
}

/* Uncertain values that glob matches. */
static size_t glob_matches(const scenario *sc, const char *glob)
{
    size_t n = 0;
    for (size_t k = 0; k < sc->nuncertain; k++)
        n += (size_t)factors_glob_match(glob, sc->uncertain[k].keypath);
    return n;
}

/* The factors as written (globs quoted: a plain `*` would start a YAML alias), each
 * glob with the number of uncertain values it matches. A glob that matches none (a
 * --set pinned its values to constants) is left out, as are pinned correlations, and
 * a factor left with no globs. */
static void print_factors(FILE *f, const scenario *sc)
{
    size_t shown = 0;
    for (size_t i = 0; i < sc->nfactors; i++) {
        const factor_spec *fs = &sc->factors[i];
        size_t any = 0;
        for (size_t j = 0; j < fs->nterms && !any; j++) any = glob_matches(sc, fs->terms[j].glob);
        if (!any) continue;
        fprintf(f, "%s  %s:\n", shown++ ? "" : "factors:\n", fs->name);
        for (size_t j = 0; j < fs->nterms; j++) {
            const factor_term *t = &fs->terms[j];
            size_t n = glob_matches(sc, t->glob);
            if (!n) continue;
            fputs("    ", f);
            put_quoted(f, t->glob);
            fputs(": ", f);
            scenario_print_number(f, t->loading);
            fprintf(f, "   # matches %zu value%s\n", n, n == 1 ? "" : "s");
        }
    }
    if (!shown) fputs("factors: {}\n", f);
}

static void print_uncertain_index(FILE *f, const scenario *sc)
{
    fprintf(f, "# %zu uncertain value%s, sampled once per path%s\n", sc->nuncertain,
            sc->nuncertain == 1 ? "" : "s", sc->nuncertain ? ":" : ".");
    for (size_t i = 0; i < sc->nuncertain; i++) {
        const uncertain_spec *u = &sc->uncertain[i];
        fprintf(f, "#   [%zu] %s: ", i, u->keypath);
        scenario_print_dist(f, &u->dist);
        fprintf(f, ": mean %.6g, sd %.6g; P5 %.6g, P50 %.6g, P95 %.6g\n", dist_mean(&u->dist), dist_sd(&u->dist),
                dist_quantile(&u->dist, 0.05), dist_quantile(&u->dist, 0.5), dist_quantile(&u->dist, 0.95));
    }
}

/* finance: (docs/MODEL.md 5, "Cash"), only when the file has one: absent, cash starts at 0. */
static void print_finance(FILE *f, const scenario *sc)
{
    if (!sc->has_finance) {
        fputs("# finance: none (cash starts at 0, no other costs, no funding)\n", f);
        return;
    }
    fputs("finance:\n", f);
    put_param(f, sc, 2, "cash_start_usd", sc->cash_start_usd);
    put_param(f, sc, 2, "other_costs_usd_per_month", sc->other_costs_usd_per_month);
    fputs(sc->nfunding ? "  funding:\n" : "  funding: []\n", f);
    for (size_t i = 0; i < sc->nfunding; i++) {
        const funding_spec *r = &sc->funding[i];
        fprintf(f, "    - name: %s\n", r->name);
        put_param(f, sc, 6, "usd", r->usd);
        put_month(f, sc, 6, "at", r->at);
        if (r->conditional) {
            fputs("      when:\n        metric: cash_below\n", f);
            put_param(f, sc, 8, "usd", r->below_usd);
        }
    }
}

void scenario_print(FILE *f, const scenario *sc)
{
    print_head(f, sc);
    print_chips(f, sc);
    print_clouds(f, sc);
    fputs(sc->nsegments ? "demand:\n" : "demand: []\n", f);
    for (size_t i = 0; i < sc->nsegments; i++) print_segment(f, sc, &sc->segments[i]);
    fputs(sc->ncontracts ? "contracts:\n" : "contracts: []\n", f);
    for (size_t i = 0; i < sc->ncontracts; i++) print_contract(f, sc, &sc->contracts[i]);
    print_correlations(f, sc);
    print_factors(f, sc);
    print_finance(f, sc);
    print_uncertain_index(f, sc);
}
