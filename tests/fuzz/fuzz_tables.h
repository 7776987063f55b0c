/*
 * fuzz_tables.h -- the write endpoints' field tables, as fuzz_json sees them.
 *
 * tests/fuzz/CMakeLists.txt generates one file per handler that includes the
 * handler's .c and lists its tables (fuzz_tables_<handler>[]), and one array
 * of all those lists (fuzz_table_lists, NULL-terminated).
 */
#ifndef EPIGRID_FUZZ_TABLES_H
#define EPIGRID_FUZZ_TABLES_H
#include "util/json.h"

struct fuzz_table {
    const char *name;                /* "<handler>.<table>" */
    const struct json_field *fields; /* the table, ending with a NULL name */
};

extern const struct fuzz_table *const fuzz_table_lists[];

#endif
