/*
 * test_model_ref: a deterministic multi-contract scenario (no randomness) checked
 * against an independent month-by-month calculation written out for this scenario
 * alone: closed-form demand, cohorts counted by hand, explicit pool order per segment.
 *
 * Scenario (24 months, discount 10% a year):
 *   chips    gb200: 2.5 H100e, 2 kW, life 18;  trn: 1 H100e, 1 kW, life 100, maturity
 *            from 0.5 over 6 months from month 0
 *   clouds   azure: power 0.5 MW + 0.1 MW/month after 2 months, max 1.5 MW
 *            aws:   no power limit; spot 100 H100e at 50%, $4 per H100e-hour
 *   demand   training  (priority 0): 300 H100e, g = 2, $0, gb200 1.0, trn 0.8
 *            inference (priority 1): 200 H100e, g = 1.5, $3, gb200 1.0, spot 1.0
 *   azure-res  azure, reserved, [0, 23], gb200 $3, escalator 5%, 400 gb200 from month 0
 *              over 4 months; first refusal for inference; revenue share 20% of
 *              inference until month 12, cap $1M
 *   aws-use    aws, usage, [0, 35], trn $1.2, 300 trn at month 2; min_spend $12M
 *              yearly ($4M a year); training exclusive to aws until month 6
 * Along the way: power binds on azure (months 2-4), trn matures, training is confined
 * to aws, gb200 cohorts retire (months 18-21), the revenue share hits its cap, aws
 * pays true-ups in months 11 and 23 and leaves $4M outstanding for [24, 35].
 */
#include "model_fixture.h"

#include <string.h>

#define T_MONTHS 24

enum { AZURE, AWS };
enum { TRAINING, INFERENCE };
enum { AZ_RES, AWS_USE };

static scenario *build(void)
{
    scenario *sc = fx_scenario(T_MONTHS, 0.10);
    int gb = scenario_add_chip(sc, "gb200", 2.5, 2.0, 18);
    int trn = scenario_add_chip(sc, "trn", 1.0, 1.0, 100);
    chip_spec *t = &sc->chips[trn];
    t->has_maturity = 1;
    t->maturity_from = param_const(0.5);
    t->maturity_months = param_const(6);
    int az = scenario_add_cloud(sc, "azure"), aws = scenario_add_cloud(sc, "aws");
    fx_power(sc, az, 0.5, 0.1, 2, 1.5);
    fx_spot(sc, aws, 100, 0.5, 4.0);
    int tr = scenario_add_segment(sc, "training", 300, 2.0);
    int in = scenario_add_segment(sc, "inference", 200, 1.5);
    sc->segments[tr].priority = 0;
    sc->segments[in].priority = 1;
    sc->segments[in].usd_per_h100e_hour = param_const(3.0);
    fx_eligible(sc, tr, gb, 1.0);
    fx_eligible(sc, tr, trn, 0.8);
    fx_eligible(sc, in, gb, 1.0);
    fx_spot_eligible(sc, in, 1.0);
    int a = scenario_add_contract(sc, "azure-res", az, 0, 23, BILLING_RESERVED);
    fx_price(sc, a, gb, 3.0);
    sc->contracts[a].escalator = param_const(0.05);
    scenario_add_tranche(sc, a, gb, 400, 0);
    sc->contracts[a].tranches[0].ramp_months = param_const(4);
    sc->contracts[a].first_refusal[in] = 1;
    sc->contracts[a].has_revenue_share = 1;
    sc->contracts[a].rs_rate = param_const(0.2);
    sc->contracts[a].rs_segments[in] = 1;
    sc->contracts[a].rs_cap_usd = param_const(1e6);
    sc->contracts[a].rs_until = 12;
    int w = scenario_add_contract(sc, "aws-use", aws, 0, 35, BILLING_USAGE);
    fx_price(sc, w, trn, 1.2);
    scenario_add_tranche(sc, w, trn, 300, 2);
    fx_min_spend(sc, w, 12e6, PERIOD_YEAR);
    sc->contracts[w].has_exclusive = 1;
    sc->contracts[w].exclusive[tr] = 1;
    sc->contracts[w].exclusive_until = 6;
    return sc;
}

/* The independent calculation, month by month. */
typedef struct {
    double demand[2], served[2], unmet[2];
    double cap[2], used[2], pneed[2], pavail[2];
    double spend[2], stranded[2], spot_spend, revenue, lost, rs;
} month_ref;

typedef struct {
    month_ref m[T_MONTHS];
    double pv_spend, pv_cloud[2], pv_stranded, pv_revenue, pv_lost, pv_rs;
    double unmet_hours, months_short, outstanding;
} ref;

/* Serve up to *need (demand units) from a pool with *left H100e at efficiency e. */
static void take(double *left, double e, double *need)
{
    double give = *left * e;
    if (give <= *need) {
        *need -= give;
        *left = 0;
    } else {
        *left -= *need / e;
        *need = 0;
    }
}

static void compute_ref(ref *r)
{
    memset(r, 0, sizeof *r);
    double period_spend = 0, rs_paid = 0;
    for (int t = 0; t < T_MONTHS; t++) {
        month_ref *m = &r->m[t];
        m->demand[TRAINING] = 300 * pow(2.0, t / 12.0);
        m->demand[INFERENCE] = 200 * pow(1.5, t / 12.0);
        /* azure: 4 cohorts of 100 gb200, cohort k online in [k, k + 18) */
        int cohorts = 0;
        for (int k = 0; k < 4; k++) cohorts += k <= t && t < k + 18;
        double az_chips = 100.0 * cohorts;
        m->pneed[AZURE] = az_chips * 2 / 1000;
        m->pavail[AZURE] = fmax(0, fmin(1.5, 0.5 + 0.1 * fmax(0, t - 2)));
        double frac = m->pneed[AZURE] > 0 ? fmin(1, m->pavail[AZURE] / m->pneed[AZURE]) : 1;
        double az_pow = az_chips * frac, az_cap = az_pow * 2.5;
        /* aws: 300 trn from month 2, maturity 0.5 -> 1 over months 0..6 */
        double trn_chips = t >= 2 ? 300 : 0;
        double trn_eff = 0.5 + 0.5 * fmin(1.0, t / 6.0);
        double trn_cap = trn_chips * trn_eff, spot_cap = 50;
        m->pneed[AWS] = m->pavail[AWS] = trn_chips / 1000;
        m->cap[AZURE] = az_cap;
        m->cap[AWS] = trn_cap + spot_cap;
        /* training: confined to aws before month 6 (trn only); then azure (cost 0)
         * before trn (cost 1.2 / eff > 0) */
        double az_left = az_cap, trn_left = trn_cap, spot_left = spot_cap;
        double need = m->demand[TRAINING];
        if (t >= 6) take(&az_left, 1.0, &need);
        take(&trn_left, 0.8, &need);
        m->unmet[TRAINING] = need;
        m->served[TRAINING] = m->demand[TRAINING] - need;
        /* inference: azure first (first refusal), then spot */
        need = m->demand[INFERENCE];
        take(&az_left, 1.0, &need);
        take(&spot_left, 1.0, &need);
        m->unmet[INFERENCE] = need;
        m->served[INFERENCE] = m->demand[INFERENCE] - need;
        double az_used = az_cap - az_left, trn_used = trn_cap - trn_left;
        double spot_used = spot_cap - spot_left;
        m->used[AZURE] = az_used;
        m->used[AWS] = trn_used + spot_used;
        /* money */
        double az_bill = az_pow * 730 * 3 * pow(1.05, t / 12.0);
        m->spend[AZ_RES] = az_bill;
        m->stranded[AZ_RES] = az_cap > 0 ? az_bill * (az_cap - az_used) / az_cap : az_bill;
        double aws_bill = trn_eff > 0 ? trn_used / trn_eff * 730 * 1.2 : 0;
        period_spend += aws_bill;
        m->spend[AWS_USE] = aws_bill;
        if (t == 11 || t == 23) {              /* yearly floor 12e6 * 12 / 36 */
            double tu = fmax(0, 4e6 - period_spend);
            m->spend[AWS_USE] += tu;
            m->stranded[AWS_USE] += tu;
            period_spend = 0;
        }
        m->spot_spend = spot_used * 4 * 730;
        m->revenue = m->served[INFERENCE] * 3 * 730;
        m->lost = m->unmet[INFERENCE] * 3 * 730;
        if (t < 12) {
            m->rs = fmin(0.2 * m->revenue, 1e6 - rs_paid);
            rs_paid += m->rs;
        }
        double disc = pow(1.1, -t / 12.0);
        r->pv_cloud[AZURE] += disc * m->spend[AZ_RES];
        r->pv_cloud[AWS] += disc * (m->spend[AWS_USE] + m->spot_spend);
        r->pv_stranded += disc * (m->stranded[AZ_RES] + m->stranded[AWS_USE]);
        r->pv_revenue += disc * m->revenue;
        r->pv_lost += disc * m->lost;
        r->pv_rs += disc * m->rs;
        double unmet = m->unmet[TRAINING] + m->unmet[INFERENCE];
        r->unmet_hours += unmet * 730;
        r->months_short += unmet > 0;
    }
    r->pv_spend = r->pv_cloud[AZURE] + r->pv_cloud[AWS];
    r->outstanding = 4e6;           /* period [24, 35]: nothing spent within the horizon */
}

static void test_reference_scenario(void **state)
{
    (void)state;
    scenario *sc = build();
    ref r;
    compute_ref(&r);
    run_ctx x;
    run_const(&x, sc);
    const double tol = 1e-9;
    for (int t = 0; t < T_MONTHS; t++) {
        const month_ref *m = &r.m[t];
        for (int s = 0; s < 2; s++) {
            assert_close(ser(&x, S_DEMAND, t, s), m->demand[s], tol);
            assert_close(ser(&x, S_SERVED, t, s), m->served[s], tol);
            assert_close(ser(&x, S_UNMET, t, s), m->unmet[s], tol);
        }
        for (int c = 0; c < 2; c++) {
            assert_close(ser(&x, S_CAPACITY, t, c), m->cap[c], tol);
            assert_close(ser(&x, S_USED, t, c), m->used[c], tol);
            assert_close(ser(&x, S_POWER_NEEDED, t, c), m->pneed[c], tol);
            assert_close(ser(&x, S_POWER_AVAILABLE, t, c), m->pavail[c], tol);
            assert_close(ser(&x, S_SPEND, t, c), m->spend[c], tol);
            assert_close(ser(&x, S_STRANDED, t, c), m->stranded[c], tol);
        }
        assert_close(ser(&x, S_SPOT_SPEND, t, AWS), m->spot_spend, tol);
        assert_exact(ser(&x, S_SPOT_SPEND, t, AZURE), 0);
        assert_close(ser(&x, S_REVENUE, t, 0), m->revenue, tol);
        assert_close(ser(&x, S_TURNED_DOWN_REVENUE, t, 0), m->lost, tol);
        assert_close(ser(&x, S_REVENUE_SHARE, t, AZ_RES), m->rs, tol);
        assert_exact(ser(&x, S_REVENUE_SHARE, t, AWS_USE), 0);
    }
    assert_close(tot(&x, T_PV_SPEND, 0), r.pv_spend, tol);
    assert_close(tot(&x, T_PV_SPEND_BY_CLOUD, AZURE), r.pv_cloud[AZURE], tol);
    assert_close(tot(&x, T_PV_SPEND_BY_CLOUD, AWS), r.pv_cloud[AWS], tol);
    assert_close(tot(&x, T_PV_STRANDED, 0), r.pv_stranded, tol);
    assert_close(tot(&x, T_PV_REVENUE, 0), r.pv_revenue, tol);
    assert_close(tot(&x, T_PV_TURNED_DOWN_REVENUE, 0), r.pv_lost, tol);
    assert_close(tot(&x, T_PV_REVENUE_SHARE, 0), r.pv_rs, tol);
    assert_close(tot(&x, T_UNMET_H100E_HOURS, 0), r.unmet_hours, tol);
    assert_exact(tot(&x, T_MONTHS_SHORT, 0), r.months_short);
    assert_close(tot(&x, T_OUTSTANDING_COMMITMENT, 0), r.outstanding, tol);

    /* The scenario exercises what it claims to (so the comparison above means
     * something): power binds, cohorts retire, the cap binds, true-ups happen. */
    assert_true(r.m[3].pavail[AZURE] < r.m[3].pneed[AZURE]);
    assert_true(r.m[19].cap[AZURE] < r.m[17].cap[AZURE] && r.m[21].cap[AZURE] == 0);
    double rs_total = 0;
    for (int t = 0; t < T_MONTHS; t++) rs_total += r.m[t].rs;
    assert_close(rs_total, 1e6, 1e-12);
    assert_true(r.m[11].stranded[AWS_USE] > 0 && r.m[23].stranded[AWS_USE] > 0);
    assert_true(r.m[3].unmet[TRAINING] > 0 && r.m[8].used[AZURE] > 0);
    assert_true(r.months_short > 0 && r.months_short < T_MONTHS);
    ctx_free(&x);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
