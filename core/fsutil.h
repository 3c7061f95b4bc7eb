/*
 * fsutil.h - small file-system helpers of the host.
 */
#ifndef TF_CORE_FSUTIL_H
#define TF_CORE_FSUTIL_H

/* Creates every missing folder above the file PATH (like mkdir -p of its
 * dirname).  0, or -1 with errno set. */
int tf__make_parent_dirs(const char *path);

/* PATH relative to BASE when PATH lies under BASE, else PATH itself.  The
 * result points into PATH. */
const char *tf__path_relative_to(const char *path, const char *base);

#endif
