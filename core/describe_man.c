/*
 * describe_man.c - the plugins' option tables as a man page:
 * `touchflow plugins --man` writes touchflow-plugins(7), so the manual
 * cannot drift from the tables the host validates configs with.
 */
#include <stdio.h>
#include <string.h>

#include "describe.h"

/* Text as troff reads it literally: backslashes doubled as \e, a leading
 * dot or quote protected. */
static void troff(FILE *out, const char *text)
{
  const char *p;

  if (!text)
    return;
  if (text[0] == '.' || text[0] == '\'')
    fputs("\\&", out);
  for (p = text; *p; p++) {
    if (*p == '\\')
      fputs("\\e", out);
    else if (*p == '-')
      fputs("\\-", out);
    else if (*p == '\n')
      fputs("\n.br\n", out);
    else
      fputc(*p, out);
  }
}

void tf__describe_man_header(FILE *out, const char *version)
{
  fprintf(out,
          ".TH TOUCHFLOW-PLUGINS 7 \"\" \"touchflow %s\" "
          "\"touchflow manual\"\n",
          version);
  fputs(".SH NAME\n"
        "touchflow-plugins \\- the plugins bundled with touchflow and their "
        "options\n"
        ".SH DESCRIPTION\n"
        "Every stage of a pipeline file (see\n"
        ".BR touchflow-pipeline (5))\n"
        "names a plugin and gives it a\n"
        ".B config\n"
        "object.  The options below are checked by\n"
        ".B touchflow validate\n"
        "before anything runs: unknown options, types, required options, "
        "ranges and allowed values.  Sizes take K, M or G suffixes; "
        "durations take ms, s, m, h or d.  Paths are relative to the "
        "pipeline file's folder.  A secret option is given as\n"
        ".B ${ENV_VAR}\n"
        "and never printed.\n"
        ".PP\n"
        "This page is generated from the plugins' own option tables "
        "(\\fBtouchflow plugins \\-\\-man\\fR); \\fBtouchflow inspect\\fR "
        "\\fINAME\\fR prints the same for any plugin on the plugin path.\n",
        out);
}

static void option_man(FILE *out, const tf_option *o)
{
  size_t i;

  fputs(".TP\n.B ", out);
  troff(out, o->name);
  fputs("\n\\fI", out);
  troff(out, tf_option_type_name(o->type));
  fputs("\\fR", out);
  if (o->type == TF_OPT_ENUM && o->allowed)
    for (i = 0; o->allowed[i]; i++) {
      fputs(i ? " | " : " (", out);
      troff(out, o->allowed[i]);
    }
  if (o->type == TF_OPT_ENUM && o->allowed)
    fputs(")", out);
  if (o->flags & TF_OPT_REQUIRED)
    fputs(", required", out);
  if (o->default_value) {
    fputs(", default \\fB", out);
    troff(out, o->default_value);
    fputs("\\fR", out);
  }
  if (o->flags & TF_OPT_RANGE)
    fprintf(out, ", from %.15g to %.15g", o->min, o->max);
  if (o->flags & TF_OPT_SECRET)
    fputs(", secret", out);
  fputs(".\n", out);
  troff(out, o->description);
  fputc('\n', out);
}

void tf__describe_man(FILE *out, const tf__loaded_plugin *p)
{
  const tf_plugin *d = p->plugin;
  const tf_option *o;

  fputs(".SS ", out);
  fprintf(out, "\"%s %s\"\n", tf_plugin_kind_name(d->kind), d->name);
  troff(out, d->description);
  fprintf(out, " (version %s, %s.)\n", d->version ? d->version : "?",
          d->license ? d->license : "no license given");
  if (!d->options || !d->options[0].name) {
    fputs(".PP\nNo options.\n", out);
    return;
  }
  fputs(".PP\nOptions:\n", out);
  for (o = d->options; o->name; o++)
    option_man(out, o);
}

void tf__describe_man_footer(FILE *out)
{
  fputs(".SH SEE ALSO\n"
        ".BR touchflow (1),\n"
        ".BR touchflow-pipeline (5),\n"
        ".BR touchflow-conformance (1)\n",
        out);
}
