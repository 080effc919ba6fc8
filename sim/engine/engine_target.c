/* engine_target: see engine_target.h. */
#include "engine_target.h"

#include <math.h>
#include <string.h>

/* A quantile's standard error is read off the distribution-free 95% confidence interval
 * of order statistics, ranks n p +- STATS_Z95 sqrt(n p (1 - p)). */

int eng_target_parse(const char *on, int *total, double *q, char *msg, size_t msglen)
{
    char name[128];
    const char *colon = on ? strchr(on, ':') : NULL;
    size_t len = on ? (colon ? (size_t)(colon - on) : strlen(on)) : 0;
    if (!on || len == 0 || len >= sizeof name) {
        snprintf(msg, msglen, "--on: a metric name is required (expected a per-path total such as pv_spend)");
        return -1;
    }
    memcpy(name, on, len);
    name[len] = '\0';
    int found = -1;
    for (int k = 0; k < N_TOTALS; k++)
        if (strcmp(model_totals[k].name, name) == 0) found = k;
    if (found < 0 || model_totals[found].dim != DIM_NONE) {
        char list[512] = "";
        size_t at = 0;
        for (int k = 0; k < N_TOTALS && at < sizeof list; k++)
            if (model_totals[k].dim == DIM_NONE)
                at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", at ? ", " : "", model_totals[k].name);
        snprintf(msg, msglen, "--on %s: not a scalar per-path total (expected one of %s)", name, list);
        return -1;
    }
    *total = found;
    *q = -1.0;
    if (colon) {
        char *end;
        *q = strtod(colon + 1 + (colon[1] == 'q'), &end);
        if (colon[1] != 'q' || *end != '\0' || !(*q > 0.0 && *q < 1.0)) {
            snprintf(msg, msglen, "--on %s: bad quantile (expected NAME:qP with 0 < P < 1, e.g. pv_spend:q0.95)", on);
            return -1;
        }
    }
    return 0;
}

double eng_target_rse(const engine *e)
{
    const stats *s = e->vr[0].st;
    size_t var = e->U.total_off[e->target_total];
    stats_summary sum;
    stats_get(s, var, &sum);
    /* the mean's standard error as the file will state it: from the replicate means of
     * a replicated design (lhs, sobol), so a run stops on the variance reduction it has */
    const repl_acc *rep = e->vr[0].rep;
    if (rep && repl_complete(rep)) sum.se = repl_se(rep, var);
    if (e->target_q < 0) return sum.mean != 0 ? sum.se / fabs(sum.mean) : INFINITY;
    double p = e->target_q, dp = STATS_Z95 * sqrt(p * (1 - p) / sum.n);
    double lo = stats_quantile(s, var, fmax(0.0, p - dp));
    double hi = stats_quantile(s, var, fmin(1.0, p + dp));
    double q = stats_quantile(s, var, p);
    return q != 0 ? (hi - lo) / (2 * STATS_Z95) / fabs(q) : INFINITY;
}
