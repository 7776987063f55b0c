/*
 * pg_dialect.h -- rewrites the project's SQL (the common subset of SQLite and
 * PostgreSQL, written for SQLite first) into what PostgreSQL accepts.
 *
 * Private to src/store.  The domain modules and the migrations are written
 * once; the few places where the dialects differ are rewritten here:
 *
 *  queries   `?` placeholders become $1, $2, ...; the column `rowid` (SQLite's
 *            implicit insertion-order key) becomes `ctid`; a prefix `+` before a
 *            column (SQLite's way of keeping an index out of a plan) is dropped.
 *  scripts   (migrations, store_exec) are split into statements; in CREATE
 *            TABLE / ALTER TABLE, INTEGER PRIMARY KEY becomes a BIGINT identity
 *            column, INTEGER BIGINT (SQLite integers are 64-bit), REAL DOUBLE
 *            PRECISION, BLOB BYTEA, and TEXT columns get the "C" collation
 *            (region-code ranges and keyset cursors compare bytes, as SQLite
 *            does); the append-only triggers
 *              CREATE TRIGGER t BEFORE UPDATE|DELETE ON tbl
 *              BEGIN SELECT RAISE(ABORT, 'msg'); END;
 *            become a PL/pgSQL function raising restrict_violation (a
 *            constraint error, as on SQLite) and a row trigger calling it.
 *            BEGIN IMMEDIATE becomes BEGIN.
 *
 * Quoted strings, quoted identifiers and comments are never rewritten.
 * Results are malloc'd; the caller frees them.
 */
#ifndef EPIGRID_STORE_PG_DIALECT_H
#define EPIGRID_STORE_PG_DIALECT_H

/* Rewrites one query.  *nparams gets the number of placeholders.  Returns
 * NULL only when out of memory. */
char *pg_dialect_query(const char *sql, int *nparams);

/* Rewrites a script of ;-separated statements.  Returns NULL and writes a
 * reason into "why" (size "why_size") when a statement has no PostgreSQL
 * form here (e.g. a trigger of another shape) or when out of memory. */
char *pg_dialect_script(const char *sql, char *why, unsigned why_size);

#endif
