/*
 * cmd_plugins.c - `touchflow plugins` and `touchflow inspect`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "describe.h"

typedef struct listing {
  int man;
  int json;
  json_t *arr;
  size_t n;
  tf__loaded_plugin found[256]; /* --man: sorted before printing */
} listing;

static void list_one(void *ud, const tf__loaded_plugin *p)
{
  listing *l = ud;

  if (l->man) {
    if (l->n < 256)
      l->found[l->n++] = *p;
    return;
  }
  l->n++;
  if (l->json)
    json_array_append_new(l->arr, tf__describe_json(p, 0));
  else
    tf__describe_line(stdout, p);
}

static void list_bad(void *ud, const char *message)
{
  (void)ud;
  fprintf(stderr, "touchflow: skipped: %s\n", message);
}

static void print_json(json_t *value)
{
  json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', stdout);
}

/* By kind (sources, transforms, sinks), then name. */
static int by_kind_and_name(const void *a, const void *b)
{
  const tf_plugin *x = ((const tf__loaded_plugin *)a)->plugin;
  const tf_plugin *y = ((const tf__loaded_plugin *)b)->plugin;

  return x->kind != y->kind ? (int)x->kind - (int)y->kind
                            : strcmp(x->name, y->name);
}

static void print_man(listing *l)
{
  size_t i;

  qsort(l->found, l->n, sizeof(l->found[0]), by_kind_and_name);
  tf__describe_man_header(stdout, PACKAGE_VERSION);
  for (i = 0; i < l->n; i++)
    tf__describe_man(stdout, &l->found[i]);
  tf__describe_man_footer(stdout);
}

int tf__cmd_plugins(const tf__cli_args *args)
{
  tf__loader *loader = tf__cli_loader(args);
  listing l;

  memset(&l, 0, sizeof(l));
  l.man = args->man;
  l.json = args->json;
  l.arr = json_array();

  if (!loader || !l.arr) {
    json_decref(l.arr);
    tf__loader_free(loader);
    return 2;
  }
  tf__loader_each(loader, list_one, list_bad, &l);
  if (l.man)
    print_man(&l);
  else if (l.json)
    print_json(l.arr);
  json_decref(l.arr);
  tf__loader_free(loader);
  return 0;
}

static void show(const tf__cli_args *args, const tf__loaded_plugin *p,
                 json_t *arr)
{
  if (args->json)
    json_array_append_new(arr, tf__describe_json(p, 1));
  else
    tf__describe_text(stdout, p);
}

static int is_module_path(const char *target)
{
  return strchr(target, '/') != NULL || strstr(target, ".so") != NULL ||
         strstr(target, ".la") != NULL;
}

/* Every kind NAME exists as ("file" is both a source and a sink). */
static int inspect_name(const tf__cli_args *args, tf__loader *loader,
                        json_t *arr)
{
  char err[1024], first_err[1024] = "";
  tf__loaded_plugin p;
  int k, found = 0;

  for (k = TF_KIND_SOURCE; k <= TF_KIND_SINK; k++) {
    int rc = tf__loader_find(loader, (tf_plugin_kind)k, args->target, &p, err,
                             sizeof(err));

    if (rc == TF_OK) {
      if (found++ && !args->json)
        fputc('\n', stdout);
      show(args, &p, arr);
    } else if (rc != TF_ERR_NOTFOUND) {
      snprintf(first_err, sizeof(first_err), "%s", err);
      break;
    }
  }
  if (!found && tf__loader_valid_name(args->target) && !first_err[0])
    fprintf(stderr,
            "touchflow: inspect: no plugin named \"%s\" (see "
            "touchflow plugins)\n",
            args->target);
  else if (!found)
    fprintf(stderr, "touchflow: inspect: %s\n", first_err);
  return found ? 0 : 2;
}

int tf__cmd_inspect(const tf__cli_args *args)
{
  tf__loader *loader = tf__cli_loader(args);
  json_t *arr = json_array();
  tf__loaded_plugin p;
  char err[1024];
  int status = 0;

  if (!loader || !arr) {
    json_decref(arr);
    tf__loader_free(loader);
    return 2;
  }
  if (is_module_path(args->target)) {
    if (tf__loader_open_file(loader, args->target, &p, err, sizeof(err)) < 0) {
      fprintf(stderr, "touchflow: inspect: %s\n", err);
      status = 2;
    } else {
      show(args, &p, arr);
    }
  } else {
    status = inspect_name(args, loader, arr);
  }
  if (args->json && status == 0)
    print_json(json_array_size(arr) == 1 ? json_array_get(arr, 0) : arr);
  json_decref(arr);
  tf__loader_free(loader);
  return status;
}
