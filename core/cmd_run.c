/*
 * cmd_run.c - `touchflow run` and `touchflow validate`.
 *
 * Both read and check the whole pipeline first and print every problem
 * (exit 2) before any record moves; run then hands it to the runner.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "pipeline.h"

tf_loader *tf_cli_loader(const tf_cli_args *args)
{
  char err[1024];
  tf_loader *loader =
      tf_loader_new(args->plugin_paths, args->n_plugin_paths, err, sizeof(err));

  if (!loader)
    fprintf(stderr, "touchflow: %s\n", err);
  return loader;
}

/* Loads and checks the pipeline; prints problems.  NULL when invalid. */
static tf_pipeline *load_checked(const tf_cli_args *args, tf_loader *loader)
{
  tf_diag diag;
  tf_pipeline *p = NULL;

  tf_diag_init(&diag, args->target);
  if (tf_pipeline_load(args->target, loader, &diag, &p) != TF_OK) {
    tf_diag_print(&diag, stderr);
    fprintf(stderr, "touchflow: %s: %zu problem%s found; nothing was run\n",
            args->target, diag.n, diag.n == 1 ? "" : "s");
  }
  tf_diag_cleanup(&diag);
  return p;
}

int tf_cmd_validate(const tf_cli_args *args)
{
  tf_loader *loader = tf_cli_loader(args);
  tf_pipeline *p;

  if (!loader)
    return 2;
  p = load_checked(args, loader);
  if (p)
    printf("%s: OK (%zu stages)\n", args->target, p->n_stages);
  tf_pipeline_free(p);
  tf_loader_free(loader);
  return p ? 0 : 2;
}

int tf_cmd_run(const tf_cli_args *args)
{
  tf_loader *loader;
  tf_pipeline *p;
  int status;

  if (args->state_dir) {
    fprintf(stderr, "touchflow: --state-dir: checkpoint and resume are not "
                    "available in this version\n");
    return 2;
  }
  loader = tf_cli_loader(args);
  if (!loader)
    return 2;
  p = load_checked(args, loader);
  if (!p) {
    tf_loader_free(loader);
    return 2;
  }
  status = tf_run(p, &args->run);
  tf_pipeline_free(p);
  tf_loader_free(loader);
  return status;
}
