/*
 * testutil.h - helpers shared by the host tests: where the source and build
 * trees are, a loader that sees the in-tree plugins, temp folders, files.
 */
#ifndef TF_TESTS_TESTUTIL_H
#define TF_TESTS_TESTUTIL_H

#include "loader.h"

/* $TF_SRCDIR / $TF_BUILDDIR (set by make check), else ".". */
const char *tu_srcdir(void);
const char *tu_builddir(void);

/* A loader searching the built plugin folders (the bundled plugins the
 * validator cases use) and tests/plugins. */
tf__loader *tu_loader(void);

/* A new temp folder (caller frees the string; tu_rmtree removes it). */
char *tu_tempdir(void);
void tu_rmtree(const char *dir);

/* Writes content to DIR/NAME; returns the path (caller frees). */
char *tu_write(const char *dir, const char *name, const char *content);

/* The whole file as a string (caller frees), or NULL. */
char *tu_read(const char *path);

/* Number of lines in the file (0 when missing). */
size_t tu_count_lines(const char *path);

#endif
