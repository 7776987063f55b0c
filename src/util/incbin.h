/*
 * incbin.h -- a file made at build time linked into the binary as it is:
 * the assembler includes it (.incbin), so a table of megabytes costs no
 * compile time.
 *
 *   EP_INCBIN(division_table, EPIGRID_DIVISIONS_BIN);
 *
 * defines "const unsigned char *division_table(size_t *size)", which returns
 * the file's bytes and sets *size to their number (a NUL that is not counted
 * follows them).  "path" is a string literal (set by CMakeLists.txt).
 */
#ifndef EPIGRID_UTIL_INCBIN_H
#define EPIGRID_UTIL_INCBIN_H
#include <stddef.h>

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
    extern const unsigned char name##_start[], name##_end[];                                       \
    const unsigned char *name(size_t *size);                                                       \
    const unsigned char *name(size_t *size)                                                        \
    {                                                                                              \
        *size = (size_t)(name##_end - name##_start);                                               \
        return name##_start;                                                                       \
    }

#endif
