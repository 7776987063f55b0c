/*
 * bulletin.h -- the daily epidemic bulletin (疫情通报) of a region and a
 * date, with a breakdown by child region, as JSON, plain text (for pasting
 * into a WeChat group), printable Chinese HTML and xlsx.
 *
 * Every figure is computed as the facts stood at the end of date D (24:00
 * China time), never from the current state, so that a past bulletin can be
 * re-issued exactly after later changes:
 *   cases        from case_history: each case's last row of D or before;
 *                "new" figures count the changes recorded on D
 *   contacts     contacts traced (recorded) on D or before
 *   observation  observations known by D (the later of their start and their
 *                recording) and not released/ended by D; released on D
 * Identity: confirmed_total = hospitalised_now + discharged_total + deaths_total.
 *
 * Ownership: bulletin_compute() fills a struct whose children array is
 * owned by it; free with bulletin_cleanup().  Renderers append to a caller
 * buffer or write a file.
 */
#ifndef EPIGRID_CORE_BULLETIN_H
#define EPIGRID_CORE_BULLETIN_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/region.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/error.h"

struct bulletin_figures {
    int64_t confirmed_new;    /* cases confirmed on D (incl. asymptomatic turned confirmed) */
    int64_t confirmed_total;  /* cases confirmed on D or before */
    int64_t hospitalised_now; /* confirmed, neither discharged nor deceased (现有确诊) */
    int64_t severe_now;       /* of which severe or critical */
    int64_t discharged_new;   /* confirmed cases discharged on D */
    int64_t discharged_total;
    int64_t deaths_new; /* confirmed cases deceased on D */
    int64_t deaths_total;
    int64_t suspected_new; /* reported as suspected on D */
    int64_t suspected_now;
    int64_t asymptomatic_new; /* became asymptomatic on D */
    int64_t asymptomatic_now;
    int64_t excluded_new;   /* suspected cases excluded on D */
    int64_t contacts_total; /* close contacts traced on D or before */
    int64_t observing_now;  /* under observation at the end of D */
    int64_t released_new;   /* observations released on D */
};

#define BULLETIN_FIGURES 16 /* members of struct bulletin_figures */

/* How a figure shows on the public page (finding 10: small-cell suppression). */
enum bulletin_shown {
    BULLETIN_EXACT = 0,  /* the number */
    BULLETIN_SMALL = 1,  /* 1 .. min_cell-1: "<N" (prose: "不足N") */
    BULLETIN_HIDDEN = 2, /* hidden so that a small one cannot be recovered by subtraction: "*" */
};

struct bulletin_child {
    char code[REGION_CODE_MAX];
    char name[REGION_NAME_MAX];
    struct bulletin_figures f;
    unsigned char shown[BULLETIN_FIGURES]; /* enum bulletin_shown, by member in struct order */
};

struct bulletin {
    char code[REGION_CODE_MAX];
    char name[REGION_NAME_MAX];
    char date[11];     /* YYYY-MM-DD */
    char disease[128]; /* the profile's name */
    struct bulletin_figures total;
    struct bulletin_child *children; /* owned; one per child region, in code order */
    size_t nchildren;
    int min_cell;                          /* public page: the N of "<N"; 0 = every figure exact */
    unsigned char shown[BULLETIN_FIGURES]; /* of "total", as bulletin_child.shown */
};

/* Computes the bulletin of region "code" (must exist: -EP_ENOTFOUND) for
 * "date" (YYYY-MM-DD: field "date" otherwise).  No scope check: the figures
 * are aggregates (the public page shows them); callers check scope where it
 * matters.  Free "out" with bulletin_cleanup() on success. */
int bulletin_compute(struct store *s, const char *code, const char *date, struct bulletin *out,
                     struct ep_error *err);
void bulletin_cleanup(struct bulletin *b);

/* The bulletin anyone may read (/public/bulletin), under the profile's
 * public settings: a region below level "depth" is not published (404
 * "not public"), children below that level are left out,
 * and with "min_cell" > 1 every figure below the root region from 1 to
 * min_cell - 1 is BULLETIN_SMALL.  In the children's table, a column with
 * exactly one small cell gets its smallest other non-zero cell
 * BULLETIN_HIDDEN, and the region's own figures take the marks of its row in
 * its parent's table, so that neither the table nor the page of one region
 * and its parent's page give a small figure away by subtraction.  Free with
 * bulletin_cleanup(). */
int bulletin_public(struct store *s, const char *code, const char *date, int depth, int min_cell,
                    struct bulletin *out, struct ep_error *err);

/* The bulletin as JSON (new reference). */
json_t *bulletin_json_new(const struct bulletin *b);
/* Appends the plain-text bulletin (Chinese, official wording). */
void bulletin_text(const struct bulletin *b, struct buf *out);
/* The same in English (the names of the region, its children and the
 * disease stay as they are: they are data). */
void bulletin_text_en(const struct bulletin *b, struct buf *out);
/* Appends a complete printable HTML page (Chinese), aggregates only. */
void bulletin_html(const struct bulletin *b, struct buf *out);
/* Writes the bulletin as an xlsx workbook to "path". */
int bulletin_xlsx(const struct bulletin *b, const char *path, struct ep_error *err);

#endif
