/*
 * nowcast.c -- reverse-time hazard nowcast of recent onsets (nowcast.h).
 */
#include "core/nowcast.h"

#include <math.h>
#include <string.h>

/* The smallest m >= 0 with P(X <= m) >= q for X ~ Poisson(mean). */
static double poisson_quantile(double mean, double q)
{
    if (mean <= 0)
        return 0;
    double pm = exp(-mean), cum = pm;
    int m = 0;
    while (cum < q && m < 10000000) {
        m++;
        pm *= mean / m;
        cum += pm;
        if (pm == 0 && cum < q) /* underflow far in the tail */
            break;
    }
    return m;
}

/* Fits n_t ~ Poisson(p_t exp(a + b t)), t = 0..days-1, by Newton's method;
 * b stays 0 when the days cannot tell a trend. */
static void fit_trend(const double *n, const double *p, int days, double *a_out, double *b_out)
{
    double sn = 0, sp = 0;
    for (int t = 0; t < days; t++)
        sn += n[t], sp += p[t];
    double a = log((sn > 0 ? sn : 0.5) / (sp > 0 ? sp : 1)), b = 0;
    for (int iter = 0; iter < 100; iter++) {
        double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
        for (int t = 0; t < days; t++) {
            double l = p[t] * exp(a + b * t);
            ga += n[t] - l;
            gb += t * (n[t] - l);
            haa += l;
            hab += t * l;
            hbb += (double)t * t * l;
        }
        double det = haa * hbb - hab * hab;
        if (det <= 1e-12)
            break;
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        /* Damped: a step never multiplies the level by more than e. */
        double scale = fabs(da) + fabs(db) * days > 1 ? 1 / (fabs(da) + fabs(db) * days) : 1;
        a += da * scale;
        b += db * scale;
        if (fabs(da) + fabs(db) * days < 1e-9)
            break;
    }
    *a_out = a;
    *b_out = b;
}

void nowcast_compute(const struct nowcast_case *cases, size_t n, int64_t cutoff,
                     struct nowcast *out)
{
    memset(out, 0, sizeof *out);
    int64_t first = cutoff - NOWCAST_DAYS + 1, window = cutoff - NOWCAST_WINDOW + 1;
    int64_t fit_first = cutoff - NOWCAST_FIT_DAYS + 1;
    int64_t older[NOWCAST_FIT_DAYS - NOWCAST_DAYS] = {0}; /* fitted days before the nowcast's */
    /* at[d]: cases of delay d whose onset could show delay d (onset <= cutoff - d);
     * upto[d]: of those onsets, the cases with delay <= d. */
    double at[NOWCAST_DELAY_MAX + 1] = {0}, upto[NOWCAST_DELAY_MAX + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        const struct nowcast_case *c = &cases[i];
        if (c->report > cutoff || c->report < c->onset)
            continue;
        int64_t delay = c->report - c->onset;
        if (delay > NOWCAST_DELAY_MAX)
            delay = NOWCAST_DELAY_MAX;
        if (c->onset >= first && c->onset <= cutoff)
            out->days[c->onset - first].reported++;
        else if (c->onset >= fit_first && c->onset < first)
            older[c->onset - fit_first]++;
        if (c->onset < window)
            continue;
        out->delays_seen++;
        if (c->onset <= cutoff - delay)
            at[delay] += 1;
        for (int64_t d = delay; d <= NOWCAST_DELAY_MAX && c->onset <= cutoff - d; d++)
            upto[d] += 1;
    }
    /* F(D) = 1, F(d - 1) = F(d) (1 - g(d)). */
    out->cdf[NOWCAST_DELAY_MAX] = 1;
    out->estimated = out->delays_seen >= NOWCAST_MIN_CASES;
    for (int d = NOWCAST_DELAY_MAX; d > 0; d--) {
        double g = out->estimated && upto[d] > 0 ? at[d] / upto[d] : 0;
        out->cdf[d - 1] = out->cdf[d] * (1 - g);
    }
    /* The trend over the fitted days, the reporting probability as offset. */
    double counts[NOWCAST_FIT_DAYS] = {0}, p[NOWCAST_FIT_DAYS];
    for (int t = 0; t < NOWCAST_FIT_DAYS; t++) {
        int64_t k = NOWCAST_FIT_DAYS - 1 - t;
        p[t] = k > NOWCAST_DELAY_MAX ? 1 : out->cdf[k];
        if (p[t] < 0.01) /* almost nothing of the day can be known yet */
            p[t] = 0.01;
    }
    for (int t = 0; t < NOWCAST_FIT_DAYS - NOWCAST_DAYS; t++)
        counts[t] = (double)older[t];
    for (int i = 0; i < NOWCAST_DAYS; i++)
        counts[NOWCAST_FIT_DAYS - NOWCAST_DAYS + i] = (double)out->days[i].reported;
    fit_trend(counts, p, NOWCAST_FIT_DAYS, &out->trend_a, &out->trend_b);
    double sum = 0; /* no onset in the fitted days: nothing to extrapolate */
    for (int t = 0; t < NOWCAST_FIT_DAYS; t++)
        sum += counts[t];
    for (int i = 0; i < NOWCAST_DAYS; i++) {
        struct nowcast_day *x = &out->days[i];
        int t = NOWCAST_FIT_DAYS - NOWCAST_DAYS + i;
        x->day = first + i;
        x->p = p[t];
        double nn = (double)x->reported;
        double missing = sum > 0 ? exp(out->trend_a + out->trend_b * t) * (1 - p[t]) : 0;
        x->expected = nn + missing;
        x->low = nn + poisson_quantile(missing, 0.05);
        x->high = nn + poisson_quantile(missing, 0.95);
    }
}
