/*
 * module_safety.h - which plugin folders and files the loader trusts
 * (internal; docs/pipeline.md "The plugin search path").
 *
 * Loading a module runs its code with the user's rights, so the loader
 * refuses, with a message naming the path:
 *   - a folder or a module file that anyone may write to (o+w): anyone
 *     on the machine could put code in it;
 *   - a module that is a symbolic link leading out of its folder: the
 *     folder would not say what is loaded;
 *   - a module that is not a regular file.
 * A folder that does not exist is not an error (it is simply empty).
 */
#ifndef TF_CORE_MODULE_SAFETY_H
#define TF_CORE_MODULE_SAFETY_H

#include <stddef.h>

/* TF_OK when modules may be loaded from dir (or dir does not exist), else
 * TF_ERR_PLUGIN with err set. */
int tf__module_dir_safe(const char *dir, char *err, size_t errlen);

/* TF_OK when the module file at path may be loaded; dir is the search
 * folder it was found in (NULL for a path the pipeline names).  Else
 * TF_ERR_NOTFOUND (no such file) or TF_ERR_PLUGIN, with err set. */
int tf__module_file_safe(const char *dir, const char *path, char *err,
                         size_t errlen);

#endif
