/*
 * placeholder.c -- demo, import and export are being written in
 * demo.c/import.c/export.c; this file goes away when they land.
 */
#include <stdio.h>

#include "cli/cli.h"

static int pending(const char *name)
{
    fprintf(stderr, "epigrid: %s: pending\n", name);
    return CLI_FAIL;
}

int cli_demo(int argc, char **argv)
{
    (void)argc;
    return pending(argv[0]);
}

int cli_import(int argc, char **argv)
{
    (void)argc;
    return pending(argv[0]);
}

int cli_export(int argc, char **argv)
{
    (void)argc;
    return pending(argv[0]);
}
