/*
 * walbuf.h -- the SQLite VFS of the store's connections (see walbuf.c):
 * the platform's, with a commit's writes to the write-ahead log gathered
 * into a few large ones.
 */
#ifndef EPIGRID_STORE_WALBUF_H
#define EPIGRID_STORE_WALBUF_H
#include <sqlite3.h>

/* The VFS's name for sqlite3_open_v2, registered on the first call; NULL
 * when the platform's VFS cannot carry it (the default is then used). */
const char *walbuf_vfs(void);

/* Writes handed to the platform's VFS for log files so far, in this process
 * (each one system call at most 64 KiB). */
long long walbuf_writes(void);

#endif
