/*
 * touchflow/atomicfile.h - output files that appear complete or not at
 * all (libtouchflow-io, pkg-config touchflow-io).
 *
 * A sink writes its file under a temporary name beside the final one,
 * makes the content durable, and renames it into place only when the run
 * succeeds, so a reader never sees a half-written file under the final
 * name and a failed run leaves the old file (or none):
 *
 *   if (tf_make_dirs(path, 0) != TF_OK) ...          the missing folders
 *   rc = tf_atomic_create(path, &tmp, &fd);          ".NAME.tmp.XXXXXX"
 *   ... write through fd (or fdopen(fd, "w")) ...
 *   fsync(fd); close(fd);                            the content is durable
 *   rc = tf_atomic_commit(tmp, path);                the name, atomically
 *   free(tmp);
 *   (on failure instead: unlink(tmp); free(tmp);)
 *
 * Several files that belong together (a page and its tables) are all
 * created and synced first and then committed in order: a failure before
 * the first commit leaves none of them under its final name.
 *
 * Errors: functions return TF_OK, TF_ERR_NOMEM, or TF_ERR_IO with errno
 * set by the failing call, for a message such as
 * "%s: cannot create: %s", path, strerror(errno).  POSIX only: the rename
 * is atomic within one file system, which is why the temporary file is in
 * the final file's folder.
 */
#ifndef TOUCHFLOW_ATOMICFILE_H
#define TOUCHFLOW_ATOMICFILE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Creates every missing folder above `path` ("a/b/c.csv": a and a/b),
 * and `path` itself too when include_last is not 0 (mode 0777 before the
 * umask).  Folders that exist are fine.  path is borrowed. */
int tf_make_dirs(const char *path, int include_last);

/* Creates a new empty file "DIR/.NAME.tmp.XXXXXX" beside `path`
 * ("DIR/NAME"; the X replaced to make a name no file has), readable by
 * all (mode 0644, whatever the umask).  Its folder must exist
 * (tf_make_dirs).  On TF_OK, *tmp_path is the file's name (malloc'ed; the
 * caller frees it) and *fd a descriptor open for reading and writing (the
 * caller closes it); on failure *tmp_path is NULL, *fd -1 and nothing is
 * left on disk. */
int tf_atomic_create(const char *path, char **tmp_path, int *fd);

/* Renames tmp_path to path, replacing any file there, then syncs the
 * folder so the new name survives a crash.  The caller has made the
 * content durable first (fsync, or fflush and fsync of its FILE).
 * TF_ERR_IO when the rename failed (tmp_path is then still there), or
 * when the folder could not be synced (the file is in place, but the
 * rename may not survive a crash); a file system that cannot sync a
 * folder (EINVAL) is not an error. */
int tf_atomic_commit(const char *tmp_path, const char *path);

#ifdef __cplusplus
}
#endif
#endif
