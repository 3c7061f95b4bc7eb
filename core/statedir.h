/*
 * statedir.h - the state directory of `run --state-dir DIR` (internal).
 *
 * The folder holds one checkpoint, `checkpoint.json`, and a lock file.
 * One checkpoint at a time is the truth: it is replaced atomically (written
 * to `checkpoint.json.tmp`, fsynced, renamed over the old one, the folder
 * fsynced), so a crash at any point leaves either the old checkpoint or the
 * new one, never a torn one.  A run holds an exclusive lock on `lock`
 * (flock) from open to close, so two runs never share a state directory.
 *
 * What a checkpoint holds is the runner's business (checkpoint.c); this
 * module only stores, loads and locks.
 */
#ifndef TF_CORE_STATEDIR_H
#define TF_CORE_STATEDIR_H

#include <stddef.h>
#include <jansson.h>

typedef struct tf__state_dir tf__state_dir;

/* Opens (creating it and its parents when missing) and locks DIR.  With
 * reset, an existing checkpoint is removed first.  TF_OK and *out, or an
 * error with err set: TF_ERR_IO (cannot create, not a folder), or
 * TF_ERR_INVAL when another run holds the lock. */
int tf__state_dir_open(const char *dir, int reset, tf__state_dir **out,
                       char *err, size_t errlen);

/* The checkpoint, a new reference the caller owns; NULL with *rc TF_OK
 * when there is none.  On a checkpoint that cannot be read or parsed, NULL
 * with *rc TF_ERR_PARSE or TF_ERR_IO and err set. */
json_t *tf__state_dir_load(tf__state_dir *sd, int *rc, char *err,
                           size_t errlen);

/* Replaces the checkpoint with cp (borrowed), atomically and durably.
 * TF_OK, or TF_ERR_IO with err set (the old checkpoint still stands). */
int tf__state_dir_save(tf__state_dir *sd, const json_t *cp, char *err,
                       size_t errlen);

/* The folder, as given. */
const char *tf__state_dir_path(const tf__state_dir *sd);

/* Unlocks and frees.  NULL-safe. */
void tf__state_dir_close(tf__state_dir *sd);

#endif
