/*
 * nowcast.h -- the onsets of the last days that have happened but are not
 * reported yet (issue 17, item 7).
 *
 * A case is counted on its onset day only once it is reported, days later:
 * the last days of an onset curve always look like a decline.  The nowcast
 * estimates, for each recent onset day, how many onsets will have been
 * reported once every delay has run its course, from this outbreak's own
 * onset-to-report delays:
 *
 *  1. Delays d = report day - onset day, 0..NOWCAST_DELAY_MAX (longer ones
 *     count as the maximum), of the cases with an onset in the window (the
 *     "window" days up to the cut-off).
 *  2. The delay distribution F(d) = P(delay <= d) by the reverse-time
 *     hazard, which is unbiased under right truncation (Kalbfleisch &
 *     Lawless 1991; Lawless 1994): a delay d can only have been seen for
 *     onsets at least d days before the cut-off, so
 *       g(d) = #{delay = d} / #{delay <= d}, both over onsets <= cut-off - d,
 *       F(D) = 1,  F(d - 1) = F(d) * (1 - g(d)).
 *  3. An onset day t with n_t reported cases and k = cut-off - t days of
 *     reporting behind it has each of its onsets reported by now with
 *     probability p_t = F(k).  The onsets of the last NOWCAST_FIT_DAYS days
 *     are Poisson with a log-linear trend, n_t ~ Poisson(p_t exp(a + b t)),
 *     fitted by maximum likelihood (Newton's method): the trend borrows
 *     strength from the neighbouring days, where n_t / p_t alone is wild
 *     when p_t is small.  The onsets not reported yet are then Poisson with
 *     mean m_t = exp(a + b t) (1 - p_t), independent of n_t, so the estimate
 *     is n_t + m_t and the band n_t plus the 5 % and 95 % quantiles of that
 *     Poisson.
 *
 * Pure functions of their input: no store, no clock.
 */
#ifndef EPIGRID_CORE_NOWCAST_H
#define EPIGRID_CORE_NOWCAST_H
#include <stddef.h>
#include <stdint.h>

#define NOWCAST_DELAY_MAX 21 /* days: longer delays count as this */
#define NOWCAST_WINDOW    56 /* onsets of these many days estimate the delays */
#define NOWCAST_DAYS      14 /* onset days nowcast, ending at the cut-off */
#define NOWCAST_MIN_CASES 10 /* fewer delays seen: no estimate (F = 1) */
#define NOWCAST_FIT_DAYS  28 /* onset days the trend is fitted to, ending at the cut-off */

struct nowcast_case {
    int64_t onset;  /* day number of the onset */
    int64_t report; /* day number of the report, >= onset; <= the cut-off */
};

struct nowcast_day {
    int64_t day;      /* onset day number */
    int64_t reported; /* cases with this onset reported by the cut-off */
    double expected;  /* estimated onsets of the day once all are reported */
    double low, high; /* 90 % band of that estimate */
    double p;         /* share of the day's onsets reported by now, F(k) */
};

struct nowcast {
    struct nowcast_day days[NOWCAST_DAYS]; /* oldest first; the last is the cut-off */
    double cdf[NOWCAST_DELAY_MAX + 1];     /* F(d) */
    int64_t delays_seen;                   /* cases in the window the estimate used */
    int estimated;                         /* 0: too few delays, no correction made */
    double trend_a, trend_b; /* the fitted trend: exp(a + b t), t = 0 on the first fitted day */
};

/* Nowcasts the NOWCAST_DAYS onset days ending at "cutoff" (a day number)
 * from the "n" cases given (their onsets and reports; cases reported after
 * the cut-off or with a report before the onset are ignored). */
void nowcast_compute(const struct nowcast_case *cases, size_t n, int64_t cutoff,
                     struct nowcast *out);

#endif
