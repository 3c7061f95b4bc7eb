/*
 * sf_soql.h - the SOQL query of the salesforce_api source: the fields each
 * object is read with (those the crm and calltracking mappings read) and
 * the incremental condition on SystemModstamp.
 */
#ifndef SOURCE_SALESFORCE_API_SF_SOQL_H
#define SOURCE_SALESFORCE_API_SF_SOQL_H

#include <jansson.h>
#include <stdint.h>

/* The default field list of `object` ("Task", ...): a comma-separated
 * string (static), or NULL for an object the source does not read. */
const char *sf_soql_default_fields(const char *object);

/* A new string (caller frees) "SELECT <fields> FROM <object> [WHERE
 * SystemModstamp >= <since>] ORDER BY SystemModstamp, Id": the default
 * fields plus the names in extra (a JSON array of strings, or NULL) not
 * already there.  since_ms < 0: no WHERE.  NULL on ENOMEM. */
char *sf_soql_build(const char *object, const json_t *extra, int64_t since_ms);

/* 1 when name is a SOQL field name (letters, digits, '_' and '.'
 * between names), else 0: what `extra_fields` may hold. */
int sf_soql_field_ok(const char *name);

#endif
