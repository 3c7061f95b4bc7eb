/*
 * loader.h - finds, opens and checks plugin modules (internal to the host).
 *
 * A plugin module is named KIND_NAME ("source_file", "sink_marketo") and is
 * searched, in order, in: every --plugin-path folder, the folders of
 * TOUCHFLOW_PLUGIN_PATH (colon separated), the modules bundled into the
 * binary (-dlpreopen), then the installed plugin folder.  The bundled
 * modules come before the installed folder so that the binary always uses
 * the plugins it was built with.  Every module, bundled or not, is opened
 * with libltdl and its descriptor checked the same way.
 */
#ifndef TF_CORE_LOADER_H
#define TF_CORE_LOADER_H

#include <stddef.h>
#include <touchflow/plugin.h>

typedef struct tf__loader tf__loader;

/* One plugin found by the loader.  Borrowed from the loader. */
typedef struct tf__loaded_plugin {
  const tf_plugin *plugin;
  const char *module_path; /* file it came from, or "(bundled)" */
} tf__loaded_plugin;

/* A loader searching the given folders first (copied), then the
 * environment, bundled and installed plugins.  NULL on ENOMEM or when
 * libltdl cannot start (err says why). */
tf__loader *tf__loader_new(const char *const *paths, size_t n_paths, char *err,
                           size_t errlen);

/* Frees the loader and closes every module it opened. NULL-safe. */
void tf__loader_free(tf__loader *loader);

/* Finds the plugin NAME of KIND.  On TF_ERR_NOTFOUND err names the folders
 * searched and, when one is close, a "did you mean"; on other errors (bad
 * name, wrong ABI, not a regular file, no entry point) err says what is
 * wrong and with which file. */
int tf__loader_find(tf__loader *loader, tf_plugin_kind kind, const char *name,
                    tf__loaded_plugin *out, char *err, size_t errlen);

/* Opens one module file (a .so or .la path). */
int tf__loader_open_file(tf__loader *loader, const char *path,
                         tf__loaded_plugin *out, char *err, size_t errlen);

/* Calls fn for every plugin found on the whole search path, in search
 * order; a module shadowed by an earlier one of the same kind and name is
 * skipped.  Modules that fail to load are reported through bad(). */
typedef void (*tf__loader_each_fn)(void *ud, const tf__loaded_plugin *p);
typedef void (*tf__loader_bad_fn)(void *ud, const char *message);
void tf__loader_each(tf__loader *loader, tf__loader_each_fn fn,
                     tf__loader_bad_fn bad, void *ud);

/* 1 when the binary bundles a plugin NAME of KIND (whatever the search
 * path found first). */
int tf__loader_is_bundled(const tf__loader *loader, tf_plugin_kind kind,
                          const char *name);

/* 1 when name is a valid plugin name ([a-z0-9_]+, no "/" or ".."). */
int tf__loader_valid_name(const char *name);

#endif
