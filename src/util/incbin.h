/*
 * incbin.h -- a file made at build time linked into the binary as it is:
 * the assembler includes it (.incbin), so a table of megabytes costs no
 * compile time.
 *
 *   EP_INCBIN(epigrid_divisions, EPIGRID_DIVISIONS_BIN);
 *   ... epigrid_divisions_start[0 .. epigrid_divisions_end - epigrid_divisions_start)
 *
 * "path" is a string literal (set by CMakeLists.txt); the bytes are followed
 * by a NUL that is not counted.
 */
#ifndef EPIGRID_UTIL_INCBIN_H
#define EPIGRID_UTIL_INCBIN_H

#define EP_INCBIN(name, path)                                                                      \
    __asm__(".section .rodata\n"                                                                   \
            ".balign 16\n"                                                                         \
            ".globl " #name "_start\n"                                                             \
            ".hidden " #name "_start\n" #name "_start:\n"                                          \
            ".incbin \"" path "\"\n"                                                               \
            ".globl " #name "_end\n"                                                               \
            ".hidden " #name "_end\n" #name "_end:\n"                                              \
            ".byte 0\n"                                                                            \
            ".previous\n");                                                                        \
    extern const unsigned char name##_start[], name##_end[]

#endif
