/*
 * source_crm.c - the `crm` source: Salesforce exports of Tasks,
 * CampaignMembers, Leads, Contacts, Opportunities or OpportunityContactRoles
 * as crm_activity, crm_campaign, person, opportunity or opportunity_contact
 * events.
 *
 * Owns the plugin descriptor, its option table, turning the config into
 * the mapping's settings and the lifecycle.  Reading the files (and the
 * sorted_by_time order check) is tf_file_source's; turning a record into an
 * event is crm_event.c's (crm_revenue.c's for the two revenue objects).
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/plugin.h>
#include "crm_event.h"
#include "crm_revenue.h"

typedef struct source_crm {
  crm_mapping mapping; /* the settings and the builder */
  tf_file_source *fs;
} source_crm;

/* In the order of enum crm_object. */
static const char *const crm_objects[] = {
    "Task",        "CampaignMember",         "Lead", "Contact",
    "Opportunity", "OpportunityContactRole", NULL};

static const tf_option source_crm_options[] = {
    TF_FILE_SOURCE_OPTIONS,
    {"object", TF_OPT_ENUM, NULL, TF_OPT_REQUIRED, 0, 0, crm_objects,
     "The Salesforce object the files hold. Task: crm_activity events; "
     "CampaignMember: crm_campaign events; Lead, Contact: person events; "
     "Opportunity: opportunity events; OpportunityContactRole: "
     "opportunity_contact events."},
    TF_SORTED_BY_TIME_OPTION,
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

static crm_object object_named(const char *name)
{
  size_t i;

  for (i = 0; name && crm_objects[i]; i++)
    if (strcmp(name, crm_objects[i]) == 0)
      return (crm_object)i;
  return CRM_TASK;
}

static void source_crm_fini(void *state)
{
  source_crm *s = state;

  if (!s)
    return;
  tf_file_source_free(s->fs);
  tf_builder_free(s->mapping.builder);
  free(s);
}

static int source_crm_init(tf_ctx *ctx, const tf_host *host,
                           const tf_config *cfg, void **state)
{
  source_crm *s = calloc(1, sizeof(*s));
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  s->mapping.settings.object = object_named(tf_config_string(cfg, "object"));
  s->mapping.builder = tf_builder_new();
  if (!s->mapping.builder) {
    free(s);
    return TF_ERR_NOMEM;
  }
  rc = tf_file_source_new(ctx, host, cfg,
                          s->mapping.settings.object >= CRM_OPPORTUNITY
                              ? crm_revenue_map_record_with
                              : source_crm_map_record_with,
                          &s->mapping, &s->fs);
  if (rc != TF_OK) {
    s->fs = NULL;
    source_crm_fini(s);
    return rc;
  }
  s->mapping.settings.order = tf_file_source_time_order(s->fs);
  *state = s;
  return TF_OK;
}

static int source_crm_produce(void *state, tf_ctx *ctx, size_t max_records)
{
  source_crm *s = state;

  return tf_file_source_produce(s->fs, max_records);
}

static int source_crm_position(void *state, json_t **position)
{
  source_crm *s = state;

  return tf_file_source_position(s->fs, position);
}

static int source_crm_seek(void *state, const json_t *position)
{
  source_crm *s = state;

  return tf_file_source_seek(s->fs, position);
}

static int64_t source_crm_watermark(void *state)
{
  source_crm *s = state;

  return tf_file_source_watermark(s->fs);
}

static const tf_source_plugin source_crm_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "crm",
    .base.version = "1.0.0",
    .base.description =
        "Reads Salesforce exports (Task, CampaignMember, Lead, Contact, "
        "Opportunity, OpportunityContactRole) and emits crm_activity, "
        "crm_campaign, person, opportunity or opportunity_contact events.",
    .base.license = "MIT",
    .base.options = source_crm_options,
    .base.init = source_crm_init,
    .base.fini = source_crm_fini,
    .produce = source_crm_produce,
    .flags = TF_SOURCE_OWN_THREAD,
    .position = source_crm_position,
    .seek = source_crm_seek,
    .watermark = source_crm_watermark,
};

TF_SOURCE_PLUGIN(source_crm, source_crm_plugin)
