/*
 * cli_args.c - command-line helpers shared by touchflow and
 * touchflow-conformance.
 */
#include <string.h>

#include "cli.h"

const char *tf__cli_option_value(int argc, char **argv, int *i,
                                 const char *name)
{
  size_t n = strlen(name);

  if (strncmp(argv[*i], name, n) != 0)
    return NULL;
  if (argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (argv[*i][n] != '\0' || *i + 1 >= argc)
    return NULL;
  return argv[++*i];
}
