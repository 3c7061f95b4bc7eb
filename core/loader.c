/*
 * loader.c - plugin search path, module opening and descriptor checks.
 *
 * Every module goes through open_handle(): libltdl opens it (bundled
 * modules through libltdl's preload loader), we look up the entry point,
 * then check the descriptor's ABI version and size before reading anything
 * else.  A module that fails any check is closed and reported with the file
 * and what to do; it never crashes the host.
 */
#include <stddef.h>
#include <errno.h>
#include <glob.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "module_safety.h"
#include "suggest.h"

#define BUNDLED "(bundled)"

typedef struct module {
  lt_dlhandle handle;
  const tf_plugin *plugin;
  char *path;
} module;

struct tf__loader {
  char **dirs; /* search folders; BUNDLED marks the bundled modules */
  size_t n_dirs;
  module *modules; /* every module opened, bundled ones first */
  size_t n_modules;
  size_t n_bundled;
};

static const char *const kind_prefix[] = {NULL, "source", "transform", "sink"};

int tf__loader_valid_name(const char *name)
{
  const char *p;

  if (!name || !*name)
    return 0;
  for (p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return 0;
  return 1;
}

static int add_dir(tf__loader *loader, const char *dir)
{
  char **grown;

  if (!*dir)
    return 0;
  grown = realloc(loader->dirs, (loader->n_dirs + 1) * sizeof(*grown));
  if (!grown)
    return -1;
  loader->dirs = grown;
  grown[loader->n_dirs] = strdup(dir);
  if (!grown[loader->n_dirs])
    return -1;
  loader->n_dirs++;
  return 0;
}

/* The folders of TOUCHFLOW_PLUGIN_PATH; each must be absolute, or plugins
 * would load from wherever touchflow happens to be started.  -1 on ENOMEM,
 * -2 with err set for a relative folder. */
static int add_env_dirs(tf__loader *loader, char *err, size_t errlen)
{
  const char *env = getenv("TOUCHFLOW_PLUGIN_PATH");
  char *copy, *save = NULL, *dir;
  int rc = 0;

  if (!env || !*env)
    return 0;
  copy = strdup(env);
  if (!copy)
    return -1;
  for (dir = strtok_r(copy, ":", &save); dir && rc == 0;
       dir = strtok_r(NULL, ":", &save)) {
    if (dir[0] != '/') {
      snprintf(err, errlen,
               "TOUCHFLOW_PLUGIN_PATH: \"%s\" is not an absolute folder (a "
               "relative one loads plugins from wherever touchflow is "
               "started); use an absolute path",
               dir);
      rc = -2;
      break;
    }
    rc = add_dir(loader, dir);
  }
  free(copy);
  return rc;
}

/* The size of a kind's ABI 2.0 descriptor: the smallest a loader takes. */
static size_t kind_size(tf_plugin_kind kind)
{
  switch (kind) {
  case TF_KIND_SOURCE: return offsetof(tf_source_plugin, stop);
  case TF_KIND_TRANSFORM: return sizeof(tf_transform_plugin);
  case TF_KIND_SINK: return TF_SINK_PLUGIN_SIZE_2_0; /* advance came later */
  }
  return 0;
}

/* The ABI major a descriptor claims, as the user should read it: an ABI 1
 * descriptor began with two 16-bit numbers (major, minor), which read as
 * one 32-bit number on a little-endian machine. */
static unsigned shown_major(uint32_t abi)
{
  return abi > 0xffffu ? (unsigned)(abi & 0xffffu) : (unsigned)abi;
}

/* The name of the callback a kind cannot do without. */
static const char *required_callback(const tf_plugin *p)
{
  const tf_source_plugin *src = tf_plugin_source(p);
  const tf_transform_plugin *tr = tf_plugin_transform(p);
  const tf_sink_plugin *sink = tf_plugin_sink(p);

  if (src && !src->produce)
    return "produce";
  if (tr && !tr->process)
    return "process";
  if (sink && !sink->write)
    return "write";
  return NULL;
}

/* Checks the descriptor a module returned.  Reads only the version header
 * until the version is known to be this host's. */
static int check_descriptor(const tf_plugin *p, const char *path, char *err,
                            size_t errlen)
{
  const char *missing;

  if (!p) {
    snprintf(err, errlen, "%s: tf_plugin_entry() returned NULL", path);
    return TF_ERR_PLUGIN;
  }
  if (p->abi_major != TF_ABI_MAJOR) {
    snprintf(err, errlen,
             "%s: plugin built for touchflow ABI %u, this host loads ABI %d: "
             "rebuild the plugin against this SDK",
             path, shown_major(p->abi_major), TF_ABI_MAJOR);
    return TF_ERR_ABI;
  }
  if (p->kind < TF_KIND_SOURCE || p->kind > TF_KIND_SINK ||
      !tf__loader_valid_name(p->name) || !p->init || !p->fini) {
    snprintf(err, errlen,
             "%s: invalid descriptor (kind, name [a-z0-9_]+, "
             "init and fini are required)",
             path);
    return TF_ERR_PLUGIN;
  }
  if (p->struct_size < kind_size(p->kind)) {
    snprintf(err, errlen,
             "%s: %s descriptor of %u bytes; ABI %d needs at least %zu: "
             "declare it as a tf_%s_plugin with TF_%s_HEADER",
             path, tf_plugin_kind_name(p->kind), p->struct_size, TF_ABI_MAJOR,
             kind_size(p->kind), tf_plugin_kind_name(p->kind),
             p->kind == TF_KIND_SOURCE      ? "SOURCE"
             : p->kind == TF_KIND_TRANSFORM ? "TRANSFORM"
                                            : "SINK");
    return TF_ERR_ABI;
  }
  missing = required_callback(p);
  if (missing) {
    snprintf(err, errlen, "%s: %s plugin \"%s\" lacks its %s callback", path,
             tf_plugin_kind_name(p->kind), p->name, missing);
    return TF_ERR_PLUGIN;
  }
  return TF_OK;
}

/* Looks up the entry point of an open handle, checks it and records the
 * module.  Closes the handle on failure. */
static int adopt_handle(tf__loader *loader, lt_dlhandle h, const char *path,
                        tf__loaded_plugin *out, char *err, size_t errlen)
{
  tf_plugin_entry_fn entry;
  const tf_plugin *p;
  module *grown;
  int rc;

  entry = (tf_plugin_entry_fn)(size_t)lt_dlsym(h, TF_PLUGIN_ENTRY_SYMBOL);
  if (!entry) {
    snprintf(err, errlen, "%s: not a touchflow plugin (no %s entry point)",
             path, TF_PLUGIN_ENTRY_SYMBOL);
    lt_dlclose(h);
    return TF_ERR_PLUGIN;
  }
  p = entry();
  rc = check_descriptor(p, path, err, errlen);
  if (rc < 0) {
    lt_dlclose(h);
    return rc;
  }
  grown = realloc(loader->modules, (loader->n_modules + 1) * sizeof(*grown));
  if (!grown)
    goto out_nomem;
  loader->modules = grown;
  grown[loader->n_modules].path = strdup(path);
  if (!grown[loader->n_modules].path)
    goto out_nomem;
  grown[loader->n_modules].handle = h;
  grown[loader->n_modules].plugin = p;
  out->plugin = p;
  out->module_path = grown[loader->n_modules].path;
  loader->n_modules++;
  return TF_OK;

out_nomem:
  lt_dlclose(h);
  snprintf(err, errlen, "out of memory");
  return TF_ERR_NOMEM;
}

static const module *find_open(const tf__loader *loader, const char *path)
{
  size_t i;

  for (i = 0; i < loader->n_modules; i++)
    if (strcmp(loader->modules[i].path, path) == 0)
      return &loader->modules[i];
  return NULL;
}

/* Opens the module at path, found in the search folder dir (NULL for a
 * path the user named), once it passed the safety checks. */
static int open_module(tf__loader *loader, const char *dir, const char *path,
                       tf__loaded_plugin *out, char *err, size_t errlen)
{
  const module *m = find_open(loader, path);
  lt_dladvise advise;
  lt_dlhandle h;
  int rc;

  if (m) {
    out->plugin = m->plugin;
    out->module_path = m->path;
    return TF_OK;
  }
  if ((dir && (rc = tf__module_dir_safe(dir, err, errlen)) != TF_OK) ||
      (rc = tf__module_file_safe(dir, path, err, errlen)) != TF_OK)
    return rc;
  if (lt_dladvise_init(&advise) || lt_dladvise_local(&advise)) {
    snprintf(err, errlen, "libltdl: %s", lt_dlerror());
    return TF_ERR_PLUGIN;
  }
  h = lt_dlopenadvise(path, advise);
  lt_dladvise_destroy(&advise);
  if (!h) {
    snprintf(err, errlen, "%s: cannot open module: %s", path, lt_dlerror());
    return TF_ERR_PLUGIN;
  }
  return adopt_handle(loader, h, path, out, err, errlen);
}

int tf__loader_open_file(tf__loader *loader, const char *path,
                         tf__loaded_plugin *out, char *err, size_t errlen)
{
  return open_module(loader, NULL, path, out, err, errlen);
}

/* lt_dlpreload_open's callback has no user pointer: the loader being set
 * up is passed through this file-local variable during tf__loader_new. */
static tf__loader *preloading;

/* Adopts one bundled module.  A bundled module that fails its checks is a
 * build bug; it is then simply not found when looked up. */
static int preload_one(lt_dlhandle h)
{
  tf__loaded_plugin ignored;
  char err[512];
  char path[256];
  const lt_dlinfo *info = lt_dlgetinfo(h);

  snprintf(path, sizeof(path), BUNDLED " %s",
           info && info->name ? info->name : "?");
  if (adopt_handle(preloading, h, path, &ignored, err, sizeof(err)) == TF_OK)
    preloading->n_bundled++;
  return 0;
}

tf__loader *tf__loader_new(const char *const *paths, size_t n_paths, char *err,
                           size_t errlen)
{
  tf__loader *loader = calloc(1, sizeof(*loader));
  size_t i;

  if (!loader)
    goto out_nomem;
  if (lt_dlinit() != 0) {
    snprintf(err, errlen, "libltdl: %s", lt_dlerror());
    free(loader);
    return NULL;
  }
  for (i = 0; i < n_paths; i++)
    if (add_dir(loader, paths[i]) < 0)
      goto out_free;
  switch (add_env_dirs(loader, err, errlen)) {
  case -1: goto out_free;
  case -2: tf__loader_free(loader); return NULL;
  }
  if (add_dir(loader, BUNDLED) < 0 || add_dir(loader, TF_PLUGIN_DIR) < 0)
    goto out_free;
  preloading = loader;
  lt_dlpreload_open(NULL, preload_one);
  preloading = NULL;
  return loader;

out_free:
  tf__loader_free(loader);
out_nomem:
  snprintf(err, errlen, "out of memory");
  return NULL;
}

void tf__loader_free(tf__loader *loader)
{
  size_t i;

  if (!loader)
    return;
  for (i = 0; i < loader->n_modules; i++) {
    lt_dlclose(loader->modules[i].handle);
    free(loader->modules[i].path);
  }
  for (i = 0; i < loader->n_dirs; i++)
    free(loader->dirs[i]);
  free(loader->modules);
  free(loader->dirs);
  free(loader);
  lt_dlexit();
}

/* Looks for KIND_NAME among the bundled modules. */
static const module *find_bundled(const tf__loader *loader, tf_plugin_kind kind,
                                  const char *name)
{
  size_t i;

  for (i = 0; i < loader->n_bundled; i++)
    if (loader->modules[i].plugin->kind == kind &&
        strcmp(loader->modules[i].plugin->name, name) == 0)
      return &loader->modules[i];
  return NULL;
}

int tf__loader_is_bundled(const tf__loader *loader, tf_plugin_kind kind,
                          const char *name)
{
  return find_bundled(loader, kind, name) != NULL;
}

/* Tries DIR/KIND_NAME.la then .so.  TF_ERR_NOTFOUND when neither exists. */
static int find_in_dir(tf__loader *loader, const char *dir, tf_plugin_kind kind,
                       const char *name, tf__loaded_plugin *out, char *err,
                       size_t errlen)
{
  static const char *const exts[] = {".la", ".so"};
  char path[4096];
  struct stat st;
  size_t i;
  int rc;

  for (i = 0; i < 2; i++) {
    snprintf(path, sizeof(path), "%s/%s_%s%s", dir, kind_prefix[kind], name,
             exts[i]);
    if (lstat(path, &st) < 0)
      continue;
    rc = open_module(loader, dir, path, out, err, errlen);
    if (rc == TF_OK &&
        (out->plugin->kind != kind || strcmp(out->plugin->name, name) != 0)) {
      snprintf(err, errlen,
               "%s: module declares %s \"%s\", expected %s "
               "\"%s\"",
               path, tf_plugin_kind_name(out->plugin->kind), out->plugin->name,
               tf_plugin_kind_name(kind), name);
      return TF_ERR_PLUGIN;
    }
    return rc;
  }
  return TF_ERR_NOTFOUND;
}

/* The names of KIND plugins on the path, for "did you mean": the bundled
 * ones, and those the file names in the folders promise (KIND_NAME.la or
 * .so).  Nothing is opened: a typo must not run every module's code. */
typedef struct name_list {
  const char *names[256];
  char *owned[256];
  size_t n, n_owned;
} name_list;

static void names_in_dir(name_list *list, const char *dir, tf_plugin_kind kind)
{
  char pattern[4096];
  size_t i, prefix = strlen(kind_prefix[kind]) + 1;
  glob_t g;

  snprintf(pattern, sizeof(pattern), "%s/%s_*.[ls][ao]", dir,
           kind_prefix[kind]);
  if (glob(pattern, 0, NULL, &g) != 0)
    return;
  for (i = 0; i < g.gl_pathc && list->n_owned < 256; i++) {
    const char *base = strrchr(g.gl_pathv[i], '/') + 1;
    char *name = strndup(base + prefix, strlen(base + prefix) - 3);

    if (!name)
      break;
    list->owned[list->n_owned++] = name;
    list->names[list->n++] = name;
  }
  globfree(&g);
}

static void not_found(tf__loader *loader, tf_plugin_kind kind, const char *name,
                      char *err, size_t errlen)
{
  name_list list;
  const char *hint;
  size_t i;

  memset(&list, 0, sizeof(list));
  for (i = 0; i < loader->n_dirs; i++)
    if (strcmp(loader->dirs[i], BUNDLED) != 0)
      names_in_dir(&list, loader->dirs[i], kind);
  for (i = 0; i < loader->n_bundled && list.n < 256; i++)
    if (loader->modules[i].plugin->kind == kind)
      list.names[list.n++] = loader->modules[i].plugin->name;
  hint = tf__suggest(name, list.names, list.n);
  if (hint)
    snprintf(err, errlen, "unknown %s plugin \"%s\" (did you mean \"%s\"?)",
             tf_plugin_kind_name(kind), name, hint);
  else
    snprintf(err, errlen, "unknown %s plugin \"%s\" (see touchflow plugins)",
             tf_plugin_kind_name(kind), name);
  for (i = 0; i < list.n_owned; i++)
    free(list.owned[i]);
}

int tf__loader_find(tf__loader *loader, tf_plugin_kind kind, const char *name,
                    tf__loaded_plugin *out, char *err, size_t errlen)
{
  const module *m;
  size_t i;
  int rc;

  if (!tf__loader_valid_name(name)) {
    snprintf(err, errlen,
             "invalid plugin name \"%s\": plugin names use only "
             "a-z, 0-9 and _",
             name ? name : "");
    return TF_ERR_INVAL;
  }
  for (i = 0; i < loader->n_dirs; i++) {
    if (strcmp(loader->dirs[i], BUNDLED) == 0) {
      m = find_bundled(loader, kind, name);
      if (!m)
        continue;
      out->plugin = m->plugin;
      out->module_path = m->path;
      return TF_OK;
    }
    rc = find_in_dir(loader, loader->dirs[i], kind, name, out, err, errlen);
    if (rc != TF_ERR_NOTFOUND)
      return rc;
  }
  not_found(loader, kind, name, err, errlen);
  return TF_ERR_NOTFOUND;
}

/* 1 when a plugin of the same kind and name was already reported. */
static int seen_before(const tf_plugin **seen, size_t n, const tf_plugin *p)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (seen[i]->kind == p->kind && strcmp(seen[i]->name, p->name) == 0)
      return 1;
  return 0;
}

/* Lists DIR's modules (*.la, or *.so without a .la beside it). */
static void each_in_dir(tf__loader *loader, const char *dir,
                        const tf_plugin **seen, size_t *n_seen, size_t max,
                        tf__loader_each_fn fn, tf__loader_bad_fn bad, void *ud)
{
  char pattern[4096];
  glob_t g;
  size_t i;

  snprintf(pattern, sizeof(pattern), "%s/*_*.[ls][ao]", dir);
  if (glob(pattern, 0, NULL, &g) != 0)
    return;
  for (i = 0; i < g.gl_pathc; i++) {
    const char *path = g.gl_pathv[i];
    size_t len = strlen(path);
    tf__loaded_plugin p;
    char err[1024];

    if (len < 3 || (strcmp(path + len - 3, ".so") != 0 &&
                    strcmp(path + len - 3, ".la") != 0))
      continue;
    if (strcmp(path + len - 3, ".so") == 0) {
      char la[4096];

      snprintf(la, sizeof(la), "%.*s.la", (int)(len - 3), path);
      if (access(la, F_OK) == 0)
        continue;
    }
    if (open_module(loader, dir, path, &p, err, sizeof(err)) < 0) {
      bad(ud, err);
      continue;
    }
    if (seen_before(seen, *n_seen, p.plugin) || *n_seen >= max)
      continue;
    seen[(*n_seen)++] = p.plugin;
    fn(ud, &p);
  }
  globfree(&g);
}

void tf__loader_each(tf__loader *loader, tf__loader_each_fn fn,
                     tf__loader_bad_fn bad, void *ud)
{
  const tf_plugin *seen[512];
  size_t n_seen = 0, i, j;

  for (i = 0; i < loader->n_dirs; i++) {
    if (strcmp(loader->dirs[i], BUNDLED) != 0) {
      each_in_dir(loader, loader->dirs[i], seen, &n_seen, 512, fn, bad, ud);
      continue;
    }
    for (j = 0; j < loader->n_bundled; j++) {
      tf__loaded_plugin p = {loader->modules[j].plugin,
                             loader->modules[j].path};

      if (seen_before(seen, n_seen, p.plugin) || n_seen >= 512)
        continue;
      seen[n_seen++] = p.plugin;
      fn(ud, &p);
    }
  }
}
