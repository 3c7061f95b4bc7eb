/*
 * sf_soql.c - the SOQL text of the salesforce_api source (sf_soql.h).
 *
 * Owns which fields each object is asked for: those the crm source's
 * mapping (crm_event.c, crm_revenue.c) and the calltracking source's
 * (call_event.c) read, plus SystemModstamp, the incremental key.  Records
 * are asked sorted by (SystemModstamp, Id), the order the position
 * ("mark + ids at the mark") relies on.
 */
#include "sf_soql.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/time.h>

#define COMMON "Id, IsDeleted, CreatedDate, SystemModstamp"

static const struct {
  const char *object, *fields;
} defaults[] = {
    {"Task", COMMON ", Type, Subject, WhoId, bizible2__BizibleId__c, "
                    "bizible2__Bizible_Touchpoint_Date__c"},
    {"CampaignMember", COMMON ", CampaignId, LeadId, ContactId, Email, "
                              "HasResponded, FirstRespondedDate"},
    {"Lead", COMMON ", FirstName, LastName, Company, Email"},
    {"Contact", COMMON ", FirstName, LastName, Account.Name, Email"},
    {"Opportunity", COMMON ", StageName, Amount, CloseDate, IsClosed, IsWon"},
    {"OpportunityContactRole", COMMON ", OpportunityId, ContactId, Role, "
                                      "IsPrimary"},
};

const char *sf_soql_default_fields(const char *object)
{
  size_t i;

  for (i = 0; object && i < sizeof(defaults) / sizeof(defaults[0]); i++)
    if (strcmp(defaults[i].object, object) == 0)
      return defaults[i].fields;
  return NULL;
}

int sf_soql_field_ok(const char *name)
{
  int start = 1;

  if (!name || !*name)
    return 0;
  for (; *name; name++) {
    if (*name == '.' && !start)
      start = 1;
    else if (isalnum((unsigned char)*name) || *name == '_')
      start = 0;
    else
      return 0;
  }
  return !start;
}

/* 1 when the comma-separated list has the field `name`. */
static int listed(const char *list, const char *name)
{
  size_t n = strlen(name);
  const char *p = list;

  while ((p = strstr(p, name)) != NULL) {
    int begins = p == list || p[-1] == ' ' || p[-1] == ',';
    int ends = p[n] == '\0' || p[n] == ',';

    if (begins && ends)
      return 1;
    p += n;
  }
  return 0;
}

char *sf_soql_build(const char *object, const json_t *extra, int64_t since_ms)
{
  const char *fields = sf_soql_default_fields(object);
  size_t i, len = strlen(fields ? fields : "") + strlen(object) + 128;
  const json_t *v;
  char *q, *p;

  json_array_foreach (extra, i, v)
    len += strlen(json_string_value(v) ? json_string_value(v) : "") + 2;
  q = malloc(len);
  if (!q)
    return NULL;
  p = q + snprintf(q, len, "SELECT %s", fields ? fields : "Id");
  json_array_foreach (extra, i, v) {
    const char *name = json_string_value(v);

    if (name && !listed(q, name))
      p += snprintf(p, len - (size_t)(p - q), ", %s", name);
  }
  p += snprintf(p, len - (size_t)(p - q), " FROM %s", object);
  if (since_ms >= 0) {
    char when[TF_TIME_ISO_LEN + 8];

    tf_time_format_ms(since_ms, when, sizeof(when));
    p +=
        snprintf(p, len - (size_t)(p - q), " WHERE SystemModstamp >= %s", when);
  }
  snprintf(p, len - (size_t)(p - q), " ORDER BY SystemModstamp, Id");
  return q;
}
