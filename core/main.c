/*
 * main.c - the touchflow program: argument parsing and command dispatch.
 */
#include <errno.h>
#include <ltdl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "cli.h"
#include "config.h"
#include "listen_addr.h"
#include "loader.h"

static const char usage[] =
    "usage: touchflow run PIPELINE.json [--plugin-path DIR]... "
    "[--state-dir DIR]\n"
    "                     [--progress auto|always|never] [--quiet]\n"
    "                     [--batch-size N] [--reset-state] "
    "[--checkpoint-every N]\n"
    "                     [--summary-json FILE] [--log-format text|json]\n"
    "                     [--metrics-listen [ADDR:]PORT] "
    "[--metrics-textfile FILE]\n"
    "                     [--source-threads on|off]\n"
    "       touchflow state STATE-DIR\n"
    "       touchflow validate PIPELINE.json [--plugin-path DIR]...\n"
    "       touchflow check-connection PIPELINE.json [--plugin-path DIR]...\n"
    "       touchflow plugins [--json | --man] [--plugin-path DIR]...\n"
    "       touchflow inspect PLUGIN [--json] [--plugin-path DIR]...\n"
    "       touchflow explain PIPELINE.json (--biz-uid ID | --email ADDR |\n"
    "                         --record FILE:LINE) [--plugin-path DIR]...\n"
    "       touchflow new-plugin --kind source|transform|sink NAME [DIR]\n"
    "       touchflow --version | --help\n"
    "\n"
    "Moves records from source plugins through transforms to sinks, as a\n"
    "pipeline file describes.  PLUGIN is a plugin name or a path to a .so\n"
    "or .la module.  Plugins are searched in every --plugin-path, then\n"
    "TOUCHFLOW_PLUGIN_PATH (colon separated), then the bundled plugins,\n"
    "then " TF_PLUGIN_DIR ".\n"
    "\n"
    "Exit status: 0 done (every record delivered or dead-lettered),\n"
    "1 the run failed, 2 usage, pipeline or plugin-config error.\n";

static int usage_error(const char *fmt, const char *arg)
{
  fprintf(stderr, "touchflow: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", usage);
  return 2;
}

static int parse_progress(const char *v, tf__run_options *opt)
{
  if (strcmp(v, "auto") == 0)
    opt->progress = TF_PROGRESS_AUTO;
  else if (strcmp(v, "always") == 0)
    opt->progress = TF_PROGRESS_ALWAYS;
  else if (strcmp(v, "never") == 0)
    opt->progress = TF_PROGRESS_NEVER;
  else
    return usage_error("--progress takes auto, always or never, not \"%s\"", v);
  return 0;
}

/* --batch-size: records asked of a source per produce(), 1..1000000. */
static int parse_batch_size(const char *v, tf__run_options *opt)
{
  char *end;
  unsigned long n;

  errno = 0;
  n = strtoul(v, &end, 10);
  if (errno || end == v || *end || v[0] == '-' || n < 1 || n > 1000000)
    return usage_error("--batch-size takes a number of records from 1 to "
                       "1000000, not \"%s\"",
                       v);
  opt->batch_size = (size_t)n;
  return 0;
}

/* --checkpoint-every: records read between checkpoints, 1..10^12. */
static int parse_checkpoint_every(const char *v, tf__run_options *opt)
{
  char *end;
  unsigned long long n;

  errno = 0;
  n = strtoull(v, &end, 10);
  if (errno || end == v || *end || v[0] == '-' || n < 1 || n > 1000000000000ull)
    return usage_error("--checkpoint-every takes a number of records from 1 "
                       "to 1000000000000, not \"%s\"",
                       v);
  opt->checkpoint_every = (uint64_t)n;
  return 0;
}

/* --metrics-listen: checked here, so a typo is a usage error; the runner
 * binds it. */
static int parse_metrics_listen(const char *v, tf__run_options *opt)
{
  tf__listen_addr addr;
  char err[256];

  if (tf__listen_addr_parse(v, &addr, err, sizeof(err)) < 0)
    return usage_error("--metrics-listen: %s", err);
  opt->metrics_listen = v;
  return 0;
}

static int parse_one(int argc, char **argv, int *i, tf__cli_args *args)
{
  const char *a = argv[*i], *v;
  int is_run = strcmp(args->command, "run") == 0;
  int is_explain = strcmp(args->command, "explain") == 0;

  if ((v = tf__cli_option_value(argc, argv, i, "--plugin-path")) != NULL) {
    if (args->n_plugin_paths == TF_CLI_MAX_PATHS)
      return usage_error("too many --plugin-path options%s", "");
    args->plugin_paths[args->n_plugin_paths++] = v;
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--state-dir"))) {
    args->state_dir = v;
    args->run.state_dir = v;
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--summary-json"))) {
    args->run.summary_json = v;
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--metrics-listen"))) {
    return parse_metrics_listen(v, &args->run);
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--metrics-textfile"))) {
    args->run.metrics_textfile = v;
  } else if ((v = tf__cli_option_value(argc, argv, i, "--log-format"))) {
    if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
      return usage_error("--log-format takes text or json, not \"%s\"", v);
    args->run.log_json = strcmp(v, "json") == 0;
  } else if (is_run && strcmp(a, "--reset-state") == 0) {
    args->run.reset_state = 1;
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--checkpoint-every"))) {
    return parse_checkpoint_every(v, &args->run);
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--progress"))) {
    return parse_progress(v, &args->run);
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--source-threads"))) {
    if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
      return usage_error("--source-threads takes on or off, not \"%s\"", v);
    args->run.source_threads = strcmp(v, "on") == 0;
  } else if (is_run &&
             (v = tf__cli_option_value(argc, argv, i, "--batch-size"))) {
    return parse_batch_size(v, &args->run);
  } else if (is_explain &&
             (v = tf__cli_option_value(argc, argv, i, "--biz-uid"))) {
    args->explain_biz_uid = v;
  } else if (is_explain &&
             (v = tf__cli_option_value(argc, argv, i, "--email"))) {
    args->explain_email = v;
  } else if (is_explain &&
             (v = tf__cli_option_value(argc, argv, i, "--record"))) {
    args->explain_record = v;
  } else if (is_run && strcmp(a, "--quiet") == 0) {
    args->run.quiet = 1;
  } else if (!is_run && !is_explain && strcmp(args->command, "validate") != 0 &&
             strcmp(args->command, "check-connection") != 0 &&
             strcmp(a, "--json") == 0) {
    args->json = 1;
  } else if (strcmp(args->command, "plugins") == 0 && strcmp(a, "--man") == 0) {
    args->man = 1;
  } else if (a[0] == '-' && a[1] != '\0') {
    return usage_error("unknown or incomplete option \"%s\"", a);
  } else if (!args->target && strcmp(args->command, "plugins") != 0) {
    args->target = a;
  } else {
    return usage_error("unexpected argument \"%s\"", a);
  }
  return 0;
}

int tf__cli_parse(int argc, char **argv, tf__cli_args *args)
{
  int i;

  for (i = 0; i < argc; i++)
    if (parse_one(argc, argv, &i, args) != 0)
      return 2;
  if (!args->target && strcmp(args->command, "plugins") != 0)
    return usage_error("%s needs an argument",
                       strcmp(args->command, "inspect") == 0 ? "inspect"
                                                             : args->command);
  if (args->run.reset_state && !args->run.state_dir)
    return usage_error("--reset-state needs --state-dir%s", "");
  return 0;
}

int main(int argc, char **argv)
{
  tf__cli_args args;

  LTDL_SET_PRELOADED_SYMBOLS();
  /* A closed stdout or stderr (touchflow ... | head) must give write
   * errors the code sees, not kill the run before it commits. */
  signal(SIGPIPE, SIG_IGN);
  memset(&args, 0, sizeof(args));
  tf__run_options_default(&args.run);
  if (argc < 2)
    return usage_error("no command given%s", "");
  args.command = argv[1];
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    char allocator[64];

    printf("touchflow %s (plugin ABI %d)\nallocator: %s\n", PACKAGE_VERSION,
           TF_ABI_MAJOR, tf__allocator_name(allocator, sizeof(allocator)));
    return 0;
  }
  if (strcmp(argv[1], "new-plugin") == 0)
    return tf__cmd_new_plugin(argc - 2, argv + 2);
  if (strcmp(argv[1], "state") == 0)
    return argc == 3 ? tf__cmd_state(argv[2])
                     : usage_error("state takes one state directory%s", "");
  if (strcmp(argv[1], "run") && strcmp(argv[1], "validate") &&
      strcmp(argv[1], "check-connection") && strcmp(argv[1], "plugins") &&
      strcmp(argv[1], "inspect") && strcmp(argv[1], "explain"))
    return usage_error("unknown command \"%s\"", argv[1]);
  if (tf__cli_parse(argc - 2, argv + 2, &args) != 0)
    return 2;
  if (strcmp(args.command, "run") == 0)
    return tf__cmd_run(&args);
  if (strcmp(args.command, "validate") == 0)
    return tf__cmd_validate(&args);
  if (strcmp(args.command, "check-connection") == 0)
    return tf__cmd_check_connection(&args);
  if (strcmp(args.command, "plugins") == 0)
    return tf__cmd_plugins(&args);
  if (strcmp(args.command, "explain") == 0)
    return tf__cmd_explain(&args);
  return tf__cmd_inspect(&args);
}
