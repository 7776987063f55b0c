/*
 * csvwrite.h -- the one CSV writer of the server and the CLI (domain-free).
 *
 * Every CSV epigrid hands out goes through here: the line list of cases,
 * the public donations list, `epigrid export` and the household mapping of
 * `epigrid import`.  Fields are quoted as RFC 4180 asks (a comma, a quote,
 * CR or LF inside), records end in CRLF (what Excel writes and expects).
 *
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or
 * a tab or CR, which Excel skips before looking) as a formula, so a person
 * named "=HYPERLINK(...)" could phone home from the clerk's machine.  Such a
 * field gets a leading apostrophe inside quotes ("'=HYPERLINK(...)"): Excel
 * and LibreOffice show it as text.  A plain number ("-12", "-0.5") is left
 * alone: it is no formula and should stay a number.
 *
 * Ownership: the caller owns the struct buf; fields are borrowed.
 */
#ifndef EPIGRID_UTIL_CSVWRITE_H
#define EPIGRID_UTIL_CSVWRITE_H
#include <stddef.h>

#include "util/buf.h"

/* The UTF-8 byte order mark: Excel reads a CSV file as UTF-8 only after it. */
#define CSVWRITE_BOM "\xEF\xBB\xBF"

/* Appends "text" (NULL = empty) as one field, quoted and guarded as above;
 * no separator. */
void csvwrite_field(struct buf *b, const char *text);

/* Appends one record: the "n" fields separated by commas, then CRLF. */
void csvwrite_row(struct buf *b, const char *const *fields, size_t n);

/* The guard undone, for the imports that read what an export wrote: "text"
 * without the apostrophe csvwrite_field put before = + - @ tab or CR (a
 * pointer into "text"); any other text as it is.  NULL stays NULL. */
const char *csvwrite_unguard(const char *text);

#endif
