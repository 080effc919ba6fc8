/*
 * model: the output tables, the row layout and one path of the model (see model.h).
 *
 * model_run_path() is the orchestration only: at the start of the path contracts draw
 * their counterparty default months and supply takes those contracts' chips away from
 * then on; each month it asks supply for the pools, contracts for their marginal costs,
 * allocate for who gets what, contracts for the bills, and demand for next month's
 * level and prices, and writes everything into the row. The domain rules live in
 * supply.c, demand.c, allocate.c (allocate_value.c under scenario.allocation: value) and
 * contracts.c.
 *
 * Contract options (docs/MODEL.md 13) are decided here, at the start of each month, from
 * the path's own past only: after each month the numerator and denominator of every
 * option's metric are kept in the workspace (ws->hist), and a month m reads months
 * m-k..m-1 of them, never month m. Exercising tells supply (an expand tranche's start,
 * a new end of term) and contracts (terminate, extend); fees go into the month's spend.
 *
 * Invariants: the row is fully overwritten; nothing is allocated after model_ws_alloc();
 * the result depends only on (scenario, values, draws), never on the thread or on
 * earlier paths run with the same workspace.
 */
#include "model.h"
#include "allocate.h"
#include "contracts.h"
#include "demand.h"
#include "sim/random/rng.h"
#include "supply.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* simulation.quantiles names the series by the scenario's list (scenario.h): the same
 * length, and tests/test_model.c checks the same names in the same order. */
_Static_assert(N_SERIES == SCENARIO_NSERIES, "scenario_series_names must list every monthly series");

const output_info model_series[N_SERIES] = {
    [S_DEMAND] = { "demand", "H100e", "Demand by segment", DIM_SEGMENT, 0, 0, 0 },
    [S_SERVED] = { "served", "H100e", "Demand served", DIM_SEGMENT, 0, -1, 0 },
    [S_UNMET] = { "unmet", "H100e", "Unmet demand (business turned down)", DIM_SEGMENT, 1, 1, 0 },
    [S_CAPACITY] = { "capacity", "H100e", "Capacity available (tranches and spot)", DIM_CLOUD, 0, 0, 0 },
    [S_USED] = { "used", "H100e", "Capacity used", DIM_CLOUD, 0, 0, 0 },
    [S_UTILISATION] = { "utilisation", "1", "Capacity used / capacity available", DIM_CLOUD, 0, -1, 0 },
    [S_POWER_NEEDED] = { "power_needed", "MW", "Power needed by the chips online", DIM_CLOUD, 0, 0, 0 },
    [S_POWER_AVAILABLE] = { "power_available", "MW", "Power available", DIM_CLOUD, 0, 0, 0 },
    [S_SPEND] = { "spend", "USD per month", "Contract spend (billing and true-ups)", DIM_CONTRACT, 0, 1, 0 },
    [S_STRANDED] = { "stranded", "USD per month", "Stranded spend (paid, not used; true-ups)", DIM_CONTRACT, 1, 1, 0 },
    [S_SPOT_SPEND] = { "spot_spend", "USD per month", "Spend on spot capacity", DIM_CLOUD, 0, 1, 0 },
    [S_REVENUE] = { "revenue", "USD per month", "Revenue from served demand", DIM_NONE, 0, -1, 0 },
    [S_TURNED_DOWN_REVENUE] = { "turned_down_revenue", "USD per month", "Revenue of unmet demand (turned down)", DIM_NONE, 1, 1, 0 },
    [S_REVENUE_SHARE] = { "revenue_share", "USD per month", "Revenue share paid", DIM_CONTRACT, 0, 1, 0 },
    [S_VALUE_LOST] = { "value_lost", "USD per month", "Value of unmet demand (unmet x value_usd_per_h100e_hour x HOURS)", DIM_SEGMENT, 1, 1, 0 },
    [S_DEFAULTED] = { "defaulted", "1", "Counterparty has defaulted (0/1; mean: probability)", DIM_CONTRACT, 0, 1, 0 },
    [S_EXERCISED] = { "exercised", "1", "Option exercised by then (0/1; mean: probability)", DIM_OPTION, 0, 0, 1 },
    [S_CASH] = { "cash", "USD", "Cash at the end of the month (nominal; ppos: P(cash > 0))", DIM_NONE, 1, -1, 1 },
};

const output_info model_totals[N_TOTALS] = {
    [T_PV_SPEND] = { "pv_spend", "USD", "Present value of spend (contracts, true-ups, spot)", DIM_NONE, 0, 1, 0 },
    [T_PV_SPEND_BY_CLOUD] = { "pv_spend_by_cloud", "USD", "Present value of spend by cloud", DIM_CLOUD, 0, 1, 0 },
    [T_PV_STRANDED] = { "pv_stranded", "USD", "Present value of stranded spend", DIM_NONE, 1, 1, 0 },
    [T_PV_REVENUE] = { "pv_revenue", "USD", "Present value of revenue", DIM_NONE, 0, -1, 0 },
    [T_PV_TURNED_DOWN_REVENUE] = { "pv_turned_down_revenue", "USD", "Present value of turned-down revenue", DIM_NONE, 1, 1, 0 },
    [T_PV_REVENUE_SHARE] = { "pv_revenue_share", "USD", "Present value of revenue share paid", DIM_NONE, 0, 1, 0 },
    [T_UNMET_H100E_HOURS] = { "unmet_h100e_hours", "H100e-hours", "Total unmet demand", DIM_NONE, 1, 1, 0 },
    [T_MONTHS_SHORT] = { "months_short", "months", "Months with unmet demand", DIM_NONE, 1, 1, 0 },
    [T_OUTSTANDING_COMMITMENT] = { "outstanding_commitment", "USD", "Min-spend commitment outstanding at the horizon (undiscounted)", DIM_NONE, 0, 1, 0 },
    [T_PV_VALUE] = { "pv_value", "USD", "Present value of served demand at its value", DIM_NONE, 0, -1, 0 },
    [T_PV_VALUE_LOST] = { "pv_value_lost", "USD", "Present value of unmet demand at its value", DIM_NONE, 1, 1, 0 },
    [T_PV_NET_VALUE] = { "pv_net_value", "USD", "Net value: pv_value - pv_spend - pv_revenue_share", DIM_NONE, 0, -1, 0 },
    [T_OPTION_MONTH] = { "option_month", "month", "Month index the option was exercised in (-1: never)", DIM_OPTION, 0, 0, 1 },
    [T_PV_OPTION_FEES] = { "pv_option_fees", "USD", "Present value of option fees (inside pv_spend)", DIM_NONE, 0, 1, 1 },
    [T_PV_CAPEX] = { "pv_capex", "USD", "Present value of capex on owned chips (inside pv_spend)", DIM_NONE, 0, 1, 1 },
    [T_RESIDUAL_VALUE] = { "residual_value", "USD", "Book value of owned chips at the horizon (straight line, undiscounted)", DIM_NONE, 0, -1, 1 },
    [T_MIN_CASH] = { "min_cash", "USD", "Lowest month-end cash over the horizon (nominal)", DIM_NONE, 0, -1, 1 },
    [T_PEAK_FUNDING_NEED] = { "peak_funding_need", "USD", "Peak funding need: max(0, -min_cash)", DIM_NONE, 1, 1, 1 },
    [T_MONTHS_CASH_NEGATIVE] = { "months_cash_negative", "months", "Months with cash below 0", DIM_NONE, 1, 1, 1 },
};

void model_layout_init(model_layout *L, const scenario *sc)
{
    memset(L, 0, sizeof *L);
    L->months = sc->months;
    L->dimlen[DIM_NONE] = 1;
    L->dimlen[DIM_SEGMENT] = sc->nsegments;
    L->dimlen[DIM_CLOUD] = sc->nclouds;
    L->dimlen[DIM_CONTRACT] = sc->ncontracts;
    L->dimlen[DIM_OPTION] = sc->noptions;
    size_t off = 0;
    for (int s = 0; s < N_SERIES; s++) {
        L->series_off[s] = off;
        L->series_len[s] = (size_t)sc->months * L->dimlen[model_series[s].dim];
        off += L->series_len[s];
    }
    L->nseries = off;
    for (int k = 0; k < N_TOTALS; k++) {
        L->total_off[k] = off;
        L->total_len[k] = L->dimlen[model_totals[k].dim];
        off += L->total_len[k];
    }
    L->ntotals = off - L->nseries;
    L->row_len = off;
}

void model_layout_coins(const model_layout *L, uint64_t *coin)
{
    uint64_t next = 0;
    for (int later = 0; later < 2; later++) {
        for (int s = 0; s < N_SERIES; s++)
            if (model_series[s].later == later)
                for (size_t i = 0; i < L->series_len[s]; i++) coin[L->series_off[s] + i] = next++;
        for (int k = 0; k < N_TOTALS; k++)
            if (model_totals[k].later == later)
                for (size_t i = 0; i < L->total_len[k]; i++) coin[L->total_off[k] + i] = next++;
    }
}

int model_calendar_years(int start_month, int months)
{
    return months > 0 ? (start_month - 1 + months - 1) / 12 + 1 : 0;
}

/* An option on this path (docs/MODEL.md 13). */
typedef struct {
    int k;             /* months judged: m-k..m-1 */
    double threshold, fee;
    int lead, extend;  /* expand: lead months; extend: months added */
    int at;            /* exercise month, or -1 */
    size_t pool;       /* expand: its tranche's pool */
} option_path;

struct model_ws {
    gsl_rng *rng;
    supply *sup;
    demand *dem;
    allocate_ws *alloc;
    contracts_ws *con;
    size_t npools;
    double *cost;      /* npools: marginal cost per H100e-hour */
    double *used;      /* npools: H100e used */
    double *seg_rev;   /* nsegments: revenue this month */
    double *capex;     /* ncontracts: capex billed this month (inside spend) */
    double month_value;       /* served demand at its value this month, USD */
    double month_value_lost;  /* unmet demand at its value this month, USD */
    double month_spend;       /* contracts (capex, true-ups included) and spot, USD */
    double month_rs;          /* revenue share paid this month, USD */
    double cash;              /* cash at the end of the last month computed, USD */
    double cash_other;        /* the path's other costs per month, USD */
    unsigned char *funded;    /* nfunding: the round has been paid on this path */
    double *disc;      /* months: (1 + r)^(-t/12), the same for every path */
    int *cloud_pools;  /* npools: pool indices grouped by cloud, file order within */
    size_t *cloud_at;  /* nclouds + 1: cloud cl's pools are cloud_pools[cloud_at[cl]..] */
    option_path *opt;  /* noptions: the path's option terms and exercise months */
    double *hist;      /* noptions x months x 2: each month's numerator and denominator
                        * of the option's metric, the path's own past (docs/MODEL.md 13) */
};

void model_ws_free(model_ws *ws)
{
    if (!ws) return;
    gsl_rng_free(ws->rng);
    supply_free(ws->sup);
    demand_free(ws->dem);
    allocate_free(ws->alloc);
    contracts_free(ws->con);
    free(ws->cost);
    free(ws->used);
    free(ws->seg_rev);
    free(ws->capex);
    free(ws->funded);
    free(ws->disc);
    free(ws->cloud_pools);
    free(ws->cloud_at);
    free(ws->opt);
    free(ws->hist);
    free(ws);
}

model_ws *model_ws_alloc(const scenario *sc, qtable_set *tables)
{
    model_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return NULL;
    ws->rng = rng_alloc();
    ws->sup = supply_alloc(sc, tables);
    ws->dem = demand_alloc(sc);
    if (!ws->rng || !ws->sup || !ws->dem) {
        model_ws_free(ws);
        return NULL;
    }
    ws->npools = supply_npools(ws->sup);
    ws->con = contracts_alloc(sc, supply_pools(ws->sup), ws->npools);
    ws->alloc = allocate_alloc(sc, supply_pools(ws->sup), ws->npools);
    size_t np = ws->npools ? ws->npools : 1;
    ws->cost = calloc(np, sizeof *ws->cost);
    ws->used = calloc(np, sizeof *ws->used);
    ws->seg_rev = calloc(sc->nsegments ? sc->nsegments : 1, sizeof *ws->seg_rev);
    ws->capex = calloc(sc->ncontracts ? sc->ncontracts : 1, sizeof *ws->capex);
    ws->funded = calloc(sc->nfunding ? sc->nfunding : 1, sizeof *ws->funded);
    ws->disc = calloc(sc->months > 0 ? (size_t)sc->months : 1, sizeof *ws->disc);
    ws->cloud_pools = calloc(np, sizeof *ws->cloud_pools);
    ws->cloud_at = calloc(sc->nclouds + 1, sizeof *ws->cloud_at);
    size_t no = sc->noptions ? sc->noptions : 1;
    ws->opt = calloc(no, sizeof *ws->opt);
    ws->hist = calloc(no * (size_t)(sc->months > 0 ? sc->months : 1) * 2, sizeof *ws->hist);
    if (!ws->con || !ws->alloc || !ws->cost || !ws->used || !ws->seg_rev || !ws->capex || !ws->funded || !ws->disc ||
        !ws->cloud_pools || !ws->cloud_at || !ws->opt || !ws->hist) {
        model_ws_free(ws);
        return NULL;
    }
    const supply_pool *pools = supply_pools(ws->sup);
    size_t at = 0;
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        ws->cloud_at[cl] = at;
        for (size_t p = 0; p < ws->npools; p++)
            if (pools[p].cloud == (int)cl) ws->cloud_pools[at++] = (int)p;
    }
    ws->cloud_at[sc->nclouds] = at;
    for (int t = 0; t < sc->months; t++)
        ws->disc[t] = pow(1.0 + sc->discount_rate, -(double)t / 12.0);
    for (size_t o = 0; o < sc->noptions; o++)
        for (size_t p = 0; p < ws->npools; p++)
            if (pools[p].kind == POOL_TRANCHE && pools[p].contract == sc->options[o].contract &&
                pools[p].tranche == sc->options[o].tranche)
                ws->opt[o].pool = p;
    return ws;
}

/* Pointer to month t of series s in the row. */
static double *series_at(const model_layout *L, double *row, series_id s, int t)
{
    return row + L->series_off[s] + (size_t)t * L->dimlen[model_series[s].dim];
}

/* Capacity, used and utilisation per cloud, and spot spend, from the pools. */
static void write_clouds(const model_ws *ws, const scenario *sc, const model_layout *L,
                         int t, double *row)
{
    double *cap = series_at(L, row, S_CAPACITY, t);
    double *used = series_at(L, row, S_USED, t);
    double *util = series_at(L, row, S_UTILISATION, t);
    double *spot = series_at(L, row, S_SPOT_SPEND, t);
    const supply_pool *pools = supply_pools(ws->sup);
    /* Cloud by cloud, its pools in file order: the same sums as adding each pool to
     * its cloud in file order, kept in registers rather than in the row. */
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        double c = cap[cl], u = used[cl], sp = spot[cl];
        for (size_t i = ws->cloud_at[cl]; i < ws->cloud_at[cl + 1]; i++) {
            int p = ws->cloud_pools[i];
            const supply_pool *q = &pools[p];
            c += q->cap;
            u += ws->used[p];
            if (q->kind == POOL_SPOT) sp += ws->used[p] * q->spot_price * HOURS_PER_MONTH;
        }
        cap[cl] = c;
        used[cl] = u;
        spot[cl] = sp;
        util[cl] = c > 0.0 ? u / c : 0.0;
    }
}

/* Demand, served, unmet per segment, revenue and turned-down revenue, value lost per
 * segment (and the month's value served and lost, into ws). Prices and values are the
 * month's (demand_month_prices). Returns the month's total unmet demand. */
static double write_segments(model_ws *ws, const scenario *sc, const model_layout *L,
                             int t, double *row)
{
    const double *d = demand_levels(ws->dem);
    double *dem = series_at(L, row, S_DEMAND, t);
    double *served = series_at(L, row, S_SERVED, t);
    double *unmet = series_at(L, row, S_UNMET, t);
    double *rev = series_at(L, row, S_REVENUE, t);
    double *lost = series_at(L, row, S_TURNED_DOWN_REVENUE, t);
    double *vlost = series_at(L, row, S_VALUE_LOST, t);
    const double *prices = demand_prices(ws->dem), *values = demand_values(ws->dem);
    double total_unmet = 0.0, value = 0.0, value_lost = 0.0;
    for (size_t s = 0; s < sc->nsegments; s++) {
        double price = prices[s] * HOURS_PER_MONTH;
        double worth = values[s] * HOURS_PER_MONTH;
        dem[s] = d[s];
        ws->seg_rev[s] = served[s] * price;
        *rev += ws->seg_rev[s];
        *lost += unmet[s] * price;
        vlost[s] = unmet[s] * worth;
        value += served[s] * worth;
        value_lost += vlost[s];
        total_unmet += unmet[s];
    }
    ws->month_value = value;
    ws->month_value_lost = value_lost;
    return total_unmet;
}

/* Add month t's money to the present-value totals; keep the month's spend and revenue
 * share (nominal) in ws for the cash ledger. */
static void add_totals(model_ws *ws, const scenario *sc, const model_layout *L, int t,
                       double *row)
{
    double disc = ws->disc[t];
    const double *spend = series_at(L, row, S_SPEND, t);
    const double *stranded = series_at(L, row, S_STRANDED, t);
    const double *spot = series_at(L, row, S_SPOT_SPEND, t);
    const double *rs = series_at(L, row, S_REVENUE_SHARE, t);
    double *by_cloud = row + L->total_off[T_PV_SPEND_BY_CLOUD];
    double month_spend = 0.0, month_stranded = 0.0, month_rs = 0.0, month_capex = 0.0;
    for (size_t c = 0; c < sc->ncontracts; c++) {
        month_spend += spend[c];
        month_capex += ws->capex[c];
        month_stranded += stranded[c];
        month_rs += rs[c];
        by_cloud[sc->contracts[c].cloud] += disc * spend[c];
    }
    for (size_t cl = 0; cl < sc->nclouds; cl++) {
        month_spend += spot[cl];
        by_cloud[cl] += disc * spot[cl];
    }
    ws->month_spend = month_spend;
    ws->month_rs = month_rs;
    row[L->total_off[T_PV_SPEND]] += disc * month_spend;
    row[L->total_off[T_PV_STRANDED]] += disc * month_stranded;
    row[L->total_off[T_PV_REVENUE_SHARE]] += disc * month_rs;
    row[L->total_off[T_PV_CAPEX]] += disc * month_capex;
    row[L->total_off[T_PV_REVENUE]] += disc * *series_at(L, row, S_REVENUE, t);
    row[L->total_off[T_PV_TURNED_DOWN_REVENUE]] +=
        disc * *series_at(L, row, S_TURNED_DOWN_REVENUE, t);
    row[L->total_off[T_PV_VALUE]] += disc * ws->month_value;
    row[L->total_off[T_PV_VALUE_LOST]] += disc * ws->month_value_lost;
}

/* Funding paid in month t (docs/MODEL.md 5, "Cash"): every round not yet paid whose date has
 * come (t >= at) and, for a `when: cash_below` round, whose opening cash (ws->cash: the
 * end of month t - 1, or cash_start_usd) is below its threshold. Once per round. */
static double funding_in(model_ws *ws, const scenario *sc, const double *values, int t)
{
    double in = 0.0;
    for (size_t i = 0; i < sc->nfunding; i++) {
        const funding_spec *f = &sc->funding[i];
        if (ws->funded[i] || t < f->at) continue;
        if (f->conditional && !(ws->cash < PARAM(f->below_usd, values))) continue;
        ws->funded[i] = 1;
        in += PARAM(f->usd, values);
    }
    return in;
}

/* Month t of the cash ledger (nominal): cash_t = cash_{t-1} + revenue - spend -
 * revenue_share - other_costs + funding, evaluated in that order. */
static void cash_month(model_ws *ws, const scenario *sc, const model_layout *L,
                       const double *values, int t, double *row)
{
    double funding = funding_in(ws, sc, values, t);
    double revenue = *series_at(L, row, S_REVENUE, t);
    ws->cash = ws->cash + revenue - ws->month_spend - ws->month_rs - ws->cash_other + funding;
    *series_at(L, row, S_CASH, t) = ws->cash;
}

/* min_cash, peak_funding_need and months_cash_negative from the cash series. */
static void cash_totals(const model_layout *L, double *row)
{
    double lo = INFINITY, negative = 0.0;
    for (int t = 0; t < L->months; t++) {
        double c = *series_at(L, row, S_CASH, t);
        if (c < lo) lo = c;
        if (c < 0.0) negative += 1.0;
    }
    if (L->months <= 0) lo = 0.0;
    row[L->total_off[T_MIN_CASH]] = lo;
    row[L->total_off[T_PEAK_FUNDING_NEED]] = lo < 0.0 ? -lo : 0.0;
    row[L->total_off[T_MONTHS_CASH_NEGATIVE]] = negative;
}

/* Resolve the path's parameters. The default months are drawn once, here, by
 * contracts; supply takes the defaulted contracts' chips away from those months, so
 * that capacity, power and billing follow one answer. */
static void begin_path(model_ws *ws, const scenario *sc, const double *values, path_draws draws)
{
    supply_begin_path(ws->sup, sc, values);
    demand_begin_path(ws->dem, sc, values);
    allocate_begin_path(ws->alloc, sc, values);
    contracts_begin_path(ws->con, sc, values);
    contracts_draw_defaults(ws->con, sc, values, draws, ws->rng);
    ws->cash = PARAM(sc->cash_start_usd, values);
    ws->cash_other = PARAM(sc->other_costs_usd_per_month, values);
    memset(ws->funded, 0, sc->nfunding ? sc->nfunding : 1);
    for (size_t i = 0; i < sc->ncontracts; i++) {
        int d = contracts_default_month(ws->con, i);
        if (d < sc->months) supply_set_default(ws->sup, i, d);
    }
}

/* A whole number of months from a param: rounded, clamped to [lo, BOUNDS_SPAN_MONTHS]
 * (NaN: lo), so that month arithmetic cannot overflow. */
static int whole_months(double x, int lo)
{
    x = round(x);
    return x >= (double)lo ? (x < 120000.0 ? (int)x : 120000) : lo;
}

/* Resolve the path's option terms; nothing is exercised yet. */
static void begin_options(model_ws *ws, const scenario *sc, const double *values)
{
    for (size_t o = 0; o < sc->noptions; o++) {
        const option_spec *os = &sc->options[o];
        option_path *op = &ws->opt[o];
        op->k = whole_months(PARAM(os->months, values), 1);
        op->threshold = PARAM(os->threshold, values);
        op->fee = PARAM(os->fee_usd, values);
        op->lead = whole_months(PARAM(os->lead_months, values), 0);
        op->extend = whole_months(PARAM(os->extend_months, values), 0);
        op->at = -1;
    }
}

/* Does option o's rule hold at the start of month m? It is judged on months
 * max(0, m-k)..m-1 of this path only, never on month m itself (not yet known when the
 * decision is taken). With no such month, or a zero denominator (no demand, no
 * capacity), there is nothing to judge and the rule does not hold. The comparison is
 * strict: `above: 0` means "some unmet demand". */
static int rule_holds(const model_ws *ws, const scenario *sc, size_t o, int m, int months)
{
    const option_path *op = &ws->opt[o];
    const double *h = ws->hist + o * (size_t)months * 2;
    double num = 0.0, den = 0.0;
    for (int u = m - op->k > 0 ? m - op->k : 0; u < m; u++) {
        num += h[2 * u];
        den += h[2 * u + 1];
    }
    if (!(den > 0.0)) return 0;
    double x = num / den;
    return sc->options[o].above ? x > op->threshold : x < op->threshold;
}

/* Exercise option o in month m: expand brings its tranche online at m + lead;
 * terminate ends the term at m; extend moves the term's end. */
static void exercise(model_ws *ws, const scenario *sc, size_t o, int m)
{
    const option_spec *os = &sc->options[o];
    option_path *op = &ws->opt[o];
    size_t c = (size_t)os->contract;
    op->at = m;
    if (os->kind == OPTION_EXPAND) {
        /* An expand without a tranche (only a scenario built by hand) adds nothing. */
        if (os->tranche >= 0) supply_expand(ws->sup, op->pool, m + op->lead);
        return;
    }
    if (os->kind == OPTION_TERMINATE) contracts_terminate(ws->con, c, m);
    else contracts_extend(ws->con, c, op->extend);
    supply_set_term(ws->sup, c, contracts_term_end(ws->con, c), contracts_default_month(ws->con, c));
}

/* At the start of month m, before anything of month m is known: exercise every option
 * whose window holds m and whose rule holds on the past. Options of a contract that has
 * ended (terminated, or defaulted by month m) are no longer exercised. */
static void decide_options(model_ws *ws, const scenario *sc, int m, int months)
{
    for (size_t o = 0; o < sc->noptions; o++) {
        const option_spec *os = &sc->options[o];
        size_t c = (size_t)os->contract;
        if (ws->opt[o].at >= 0 || m < os->window_from || m > os->window_to) continue;
        if (contracts_ended(ws->con, c) || m >= contracts_default_month(ws->con, c)) continue;
        if (rule_holds(ws, sc, o, m, months)) exercise(ws, sc, o, m);
    }
}

/* After month t is allocated: its numerator and denominator for each option's metric,
 * unmet and demand of the option's segments, or the contract's used and available. */
static void record_options(model_ws *ws, const scenario *sc, const model_layout *L, int t,
                           const double *row)
{
    const double *dem = row + L->series_off[S_DEMAND] + (size_t)t * L->dimlen[DIM_SEGMENT];
    const double *unmet = row + L->series_off[S_UNMET] + (size_t)t * L->dimlen[DIM_SEGMENT];
    const supply_pool *pools = supply_pools(ws->sup);
    for (size_t o = 0; o < sc->noptions; o++) {
        const option_spec *os = &sc->options[o];
        double num = 0.0, den = 0.0;
        if (os->metric == METRIC_UNMET_SHARE) {
            for (size_t s = 0; s < sc->nsegments; s++)
                if (os->segments[s]) {
                    num += unmet[s];
                    den += dem[s];
                }
        } else {
            for (size_t p = 0; p < ws->npools; p++)
                if (pools[p].kind == POOL_TRANCHE && pools[p].contract == os->contract) {
                    num += ws->used[p];
                    den += pools[p].cap;
                }
        }
        double *h = ws->hist + (o * (size_t)L->months + (size_t)t) * 2;
        h[0] = num;
        h[1] = den;
    }
}

/* The fees of options exercised in month t: into their contract's spend of the month
 * (so into pv_spend) and into pv_option_fees. Call before add_totals. */
static void bill_option_fees(const model_ws *ws, const scenario *sc, const model_layout *L,
                             int t, double *row)
{
    double *spend = series_at(L, row, S_SPEND, t);
    for (size_t o = 0; o < sc->noptions; o++) {
        if (ws->opt[o].at != t) continue;
        spend[sc->options[o].contract] += ws->opt[o].fee;
        row[L->total_off[T_PV_OPTION_FEES]] += ws->disc[t] * ws->opt[o].fee;
    }
}

/* Series `exercised` (1 from the exercise month on) and total `option_month`. */
static void write_options(const model_ws *ws, const scenario *sc, const model_layout *L,
                          double *row)
{
    for (size_t o = 0; o < sc->noptions; o++) {
        int at = ws->opt[o].at;
        row[L->total_off[T_OPTION_MONTH] + o] = (double)at;
        for (int t = at < 0 ? L->months : at; t < L->months; t++)
            series_at(L, row, S_EXERCISED, t)[o] = 1.0;
    }
}

/* Series `defaulted`: 1 from each contract's default month on (the row starts at 0). */
static void write_defaulted(const model_ws *ws, const scenario *sc, const model_layout *L,
                            double *row)
{
    for (size_t i = 0; i < sc->ncontracts; i++)
        for (int t = contracts_default_month(ws->con, i); t < L->months; t++)
            series_at(L, row, S_DEFAULTED, t)[i] = 1.0;
}

void model_run_path(const scenario *sc, const model_layout *L, const double *values,
                    path_draws draws, model_ws *ws, double *row)
{
    /* all-bits-zero is 0.0 in IEEE 754. Clearing only the sums (+=) would do, but the
     * row is cold memory (a batch of rows is far larger than the caches) and the sums
     * are read back each month: one sweep of stores first makes it cache-resident,
     * which is faster than clearing just the sums (docs/ENGINE.md, measurements). */
    memset(row, 0, L->row_len * sizeof *row);
    begin_path(ws, sc, values, draws);
    begin_options(ws, sc, values);
    const supply_pool *pools = supply_pools(ws->sup);
    double unmet_total = 0.0, months_short = 0.0;
    for (int t = 0; t < L->months; t++) {
        if (sc->noptions) decide_options(ws, sc, t, L->months);
        supply_month(ws->sup, sc, t, draws, ws->rng, series_at(L, row, S_POWER_NEEDED, t),
                     series_at(L, row, S_POWER_AVAILABLE, t));
        contracts_costs(ws->con, sc, t, pools, ws->npools, ws->cost);
        demand_month_prices(ws->dem, t);
        if (sc->allocation == ALLOCATION_VALUE)
            allocate_month_value(ws->alloc, sc, t, pools, ws->cost, demand_values(ws->dem),
                                 demand_levels(ws->dem), series_at(L, row, S_SERVED, t),
                                 series_at(L, row, S_UNMET, t), ws->used);
        else
            allocate_month(ws->alloc, sc, t, pools, ws->cost, demand_levels(ws->dem),
                           series_at(L, row, S_SERVED, t), series_at(L, row, S_UNMET, t),
                           ws->used);
        double unmet = write_segments(ws, sc, L, t, row);
        write_clouds(ws, sc, L, t, row);
        contracts_bill(ws->con, sc, t, pools, ws->npools, ws->used,
                       series_at(L, row, S_SPEND, t), series_at(L, row, S_STRANDED, t),
                       ws->capex);
        contracts_revenue_share(ws->con, sc, t, ws->seg_rev,
                                series_at(L, row, S_REVENUE_SHARE, t));
        if (sc->noptions) {
            bill_option_fees(ws, sc, L, t, row);
            record_options(ws, sc, L, t, row);
        }
        add_totals(ws, sc, L, t, row);
        cash_month(ws, sc, L, values, t, row);
        unmet_total += unmet;
        /* Strictly positive: serving in full leaves exactly 0 (see allocate.c). */
        if (unmet > 0.0) months_short += 1.0;
        if (t + 1 < L->months) demand_step(ws->dem, sc, t, draws, ws->rng);
    }
    row[L->total_off[T_UNMET_H100E_HOURS]] = unmet_total * HOURS_PER_MONTH;
    row[L->total_off[T_MONTHS_SHORT]] = months_short;
    row[L->total_off[T_OUTSTANDING_COMMITMENT]] = contracts_outstanding(ws->con, sc, L->months);
    /* docs/MODEL.md 10: what the lab got for what it paid, both discounted. */
    row[L->total_off[T_PV_NET_VALUE]] = row[L->total_off[T_PV_VALUE]] -
                                        row[L->total_off[T_PV_SPEND]] -
                                        row[L->total_off[T_PV_REVENUE_SHARE]];
    row[L->total_off[T_RESIDUAL_VALUE]] = contracts_residual(ws->con, ws->sup, L->months);
    write_defaulted(ws, sc, L, row);
    write_options(ws, sc, L, row);
    cash_totals(L, row);
}
