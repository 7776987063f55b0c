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

#include "core/auth.h"
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
    int64_t recorded_by; /* facts recorded by this moment (unix seconds) only; 0 = all */
};

/* Computes the bulletin of region "code" (must exist: -EP_ENOTFOUND) for
 * "date" (YYYY-MM-DD: field "date" otherwise).  No scope check: the figures
 * are aggregates (the public page shows them); callers check scope where it
 * matters.  Free "out" with bulletin_cleanup() on success. */
int bulletin_compute(struct store *s, const char *code, const char *date, struct bulletin *out,
                     struct ep_error *err);
void bulletin_cleanup(struct bulletin *b);

/* bulletin_compute as it could be known at "recorded_by" (unix seconds; 0 =
 * now): only the facts recorded by then count -- case changes, contacts
 * traced, observations opened and released.  The bulletin "as published"
 * for a past moment, recomputed. */
int bulletin_compute_as_of(struct store *s, const char *code, const char *date, int64_t recorded_by,
                           struct bulletin *out, struct ep_error *err);

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

/* A bulletin as issued (published) for a region and a day, frozen. */
struct bulletin_issued {
    int64_t id;
    char issued_at[32]; /* recorded: when it was published */
    int64_t issued_unix;
    char issued_by[64]; /* username */
    json_t *body;       /* owned: the bulletin's JSON as it was published */
};

/* Issues the bulletin of region "code" (inside who's scope: 404 like a
 * missing one otherwise) for "date", a day that has ended (field "date"
 * otherwise): computed as known now and frozen, with the issuer and the
 * time; audited.  -EP_ECONFLICT when that day's bulletin was issued already
 * (a bulletin is published once; later changes show as corrections).  Free
 * "out" with bulletin_issued_cleanup() on success. */
int bulletin_issue(struct store *s, const struct actor *who, const char *code, const char *date,
                   struct bulletin_issued *out, struct ep_error *err);
/* The issued bulletin of (code, date): 0, -EP_ENOTFOUND when not issued.
 * No scope check.  Free with bulletin_issued_cleanup(). */
int bulletin_issued_get(struct store *s, const char *code, const char *date,
                        struct bulletin_issued *out, struct ep_error *err);
void bulletin_issued_cleanup(struct bulletin_issued *b);
/* {"id", "issued_at", "issued_by", "figures"} (new reference). */
json_t *bulletin_issued_json_new(const struct bulletin_issued *b);
/* The corrections since publication, as official bulletins print them: one
 * entry per figure of the region or of a child region whose value "now"
 * differs from the issued one, {"region_code", "region_name" ("" for the
 * bulletin's own region), "figure", "published", "now", "text_zh"
 * ("订正:2月10日新增确诊由3例订正为4例"), "text_en"} (new reference). */
json_t *bulletin_corrections_new(const struct bulletin_issued *issued, const struct bulletin *now);

/* The bulletin as JSON (new reference). */
json_t *bulletin_json_new(const struct bulletin *b);

/* What was published of bulletin "b" (its region and date) and what changed
 * since: adds to the JSON "j" (may be NULL) "as_of" (b's recorded_by or
 * null), "published" (bulletin_issued_json_new() or null) and
 * "corrections" (bulletin_corrections_new(), [] when not issued), and to the
 * plain text "text" (may be NULL) one line per correction in "lang".  0 or negative
 * with "err" set. */
int bulletin_publication_add(struct store *s, const struct bulletin *b, json_t *j, struct buf *text,
                             int lang, struct ep_error *err);
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
