/*
 * describe.h - a plugin's descriptor as text or JSON, for `touchflow
 * plugins` and `touchflow inspect`.  Everything printed is generated from
 * the descriptor and its option table.
 */
#ifndef TF_CORE_DESCRIBE_H
#define TF_CORE_DESCRIBE_H

#include <stdio.h>

#include "loader.h"

/* A new JSON object describing the plugin (and its options when
 * with_options).  NULL on ENOMEM. */
json_t *tf__describe_json(const tf__loaded_plugin *p, int with_options);

/* The full `inspect` text: header, then every option with its type,
 * default, allowed values or range, flags and description. */
void tf__describe_text(FILE *out, const tf__loaded_plugin *p);

/* One line for `plugins`: kind, name, version, description. */
void tf__describe_line(FILE *out, const tf__loaded_plugin *p);

/* describe_man.c: touchflow-plugins(7), one section a plugin, between a
 * header (version: touchflow's) and a footer. */
void tf__describe_man_header(FILE *out, const char *version);
void tf__describe_man(FILE *out, const tf__loaded_plugin *p);
void tf__describe_man_footer(FILE *out);

#endif
