/*
 * mapping.h - a record's Marketo lead fields, built with the `mapping`
 * option, and its dedupe value.
 */
#ifndef MKTO_MAPPING_H
#define MKTO_MAPPING_H

#include <stddef.h>
#include <jansson.h>
#include <touchflow/record.h>
#include "settings.h"

/* Builds the lead fields of rec: every mapped path that holds a string,
 * number or boolean (missing and null paths are left out).  Returns TF_OK
 * with *fields (a new object) and *key (the dedupe value as text, a new
 * string); or TF_ERR_INVAL with a dead-letter code and a message for a
 * record that cannot be sent; or TF_ERR_NOMEM. */
int mkto_map_record(const mkto_config *cfg, const tf_record *rec,
                    json_t **fields, char **key, const char **code,
                    char *message, size_t message_len);

#endif
