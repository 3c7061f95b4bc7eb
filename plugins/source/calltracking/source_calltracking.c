/*
 * source_calltracking.c - the `calltracking` source: phone calls from
 * Salesforce Tasks written by a call-tracking vendor, or from
 * CallTrackingMetrics call records, as `call` events.
 *
 * Owns the plugin descriptor, its option table, turning the config into
 * the mapping's settings (the defaults that depend on record_type) and the
 * lifecycle.  Reading the files (and the sorted_by_time order check) is
 * tf_file_source's; turning a record into an event is call_event.c's.
 */
#include <stdlib.h>
#include <string.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include "call_event.h"

#define TASK_BIZIBLE_ID_FIELD "bizible2__BizibleId__c"

typedef struct source_calltracking {
  call_mapping mapping; /* settings: strings borrowed from the config */
  tf_file_source *fs;
} source_calltracking;

static const char *const record_types[] = {"task", "ctm_call", NULL};

static const tf_option source_calltracking_options[] = {
    TF_FILE_SOURCE_OPTIONS,
    {"record_type", TF_OPT_ENUM, "task", 0, 0, 0, record_types,
     "task: Salesforce Tasks written by the call-tracking vendor (Bulk API or "
     "Data Loader CSV, or NDJSON). ctm_call: CallTrackingMetrics call records "
     "(NDJSON, one call or one API page {\"calls\": [...]} a line)."},
    {"bizible_id_field", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "Where the BizibleId is: a field name or a dotted path. Default: "
     "bizible2__BizibleId__c for task, custom_fields.bizible_id for "
     "ctm_call."},
    {"phone_field", TF_OPT_STRING, NULL, 0, 0, 0, NULL,
     "Where the caller's phone number is: a field name or a dotted path. "
     "Default: caller_number for ctm_call; none for task (a Salesforce Task "
     "has no phone field; name the custom field your vendor fills)."},
    TF_SORTED_BY_TIME_OPTION,
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* The plugin's check(), which init() runs too: the field options, when
 * set, must name a field. */
static int source_calltracking_check(const tf_config *cfg,
                                     tf_problem_fn problem, void *ud)
{
  static const char *const fields[] = {"bizible_id_field", "phone_field"};
  int rc = TF_OK;
  size_t i;

  for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    const char *value = tf_config_string(cfg, fields[i]);

    if (!value || *value)
      continue;
    problem(ud, fields[i],
            "must name a field when set (leave it out for the record "
            "type's default)");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* The settings from the config, with the defaults of the record type. */
static int read_settings(tf_ctx *ctx, const tf_host *host, const tf_config *cfg,
                         call_settings *set)
{
  const char *type = tf_config_string(cfg, "record_type");
  int ctm = type && strcmp(type, "ctm_call") == 0;

  if (tf_check_logged(source_calltracking_check, cfg, ctx, host) != TF_OK)
    return TF_ERR_CONFIG;
  set->type = ctm ? CALL_CTM_CALL : CALL_TASK;
  set->bizible_id_field = tf_config_string(cfg, "bizible_id_field");
  set->phone_field = tf_config_string(cfg, "phone_field");
  if (!set->bizible_id_field)
    set->bizible_id_field =
        ctm ? CALL_CTM_BIZIBLE_ID_FIELD : TASK_BIZIBLE_ID_FIELD;
  if (!set->phone_field && ctm)
    set->phone_field = CALL_CTM_PHONE_FIELD;
  return TF_OK;
}

static void source_calltracking_fini(void *state)
{
  source_calltracking *s = state;

  if (!s)
    return;
  tf_file_source_free(s->fs);
  tf_builder_free(s->mapping.builder);
  free(s);
}

static int source_calltracking_init(tf_ctx *ctx, const tf_host *host,
                                    const tf_config *cfg, void **state)
{
  source_calltracking *s = calloc(1, sizeof(*s));
  int rc;

  *state = NULL;
  if (!s)
    return TF_ERR_NOMEM;
  rc = read_settings(ctx, host, cfg, &s->mapping.settings);
  if (rc == TF_OK) {
    s->mapping.builder = tf_builder_new();
    if (!s->mapping.builder)
      rc = TF_ERR_NOMEM;
  }
  if (rc == TF_OK)
    rc = tf_file_source_new(ctx, host, cfg, source_calltracking_map_call_with,
                            &s->mapping, &s->fs);
  if (rc != TF_OK) {
    s->fs = NULL;
    source_calltracking_fini(s);
    return rc;
  }
  s->mapping.settings.order = tf_file_source_time_order(s->fs);
  *state = s;
  return TF_OK;
}

static int source_calltracking_produce(void *state, tf_ctx *ctx,
                                       size_t max_records)
{
  source_calltracking *s = state;

  return tf_file_source_produce(s->fs, max_records);
}

static int source_calltracking_position(void *state, json_t **position)
{
  source_calltracking *s = state;

  return tf_file_source_position(s->fs, position);
}

static int source_calltracking_seek(void *state, const json_t *position)
{
  source_calltracking *s = state;

  return tf_file_source_seek(s->fs, position);
}

static int64_t source_calltracking_watermark(void *state)
{
  source_calltracking *s = state;

  return tf_file_source_watermark(s->fs);
}

static const tf_source_plugin source_calltracking_plugin = {
    TF_SOURCE_HEADER,
    .base.name = "calltracking",
    .base.version = "1.0.0",
    .base.description =
        "Reads phone calls (Salesforce Tasks written by call tracking, or "
        "CallTrackingMetrics call records) and emits call events.",
    .base.license = "MIT",
    .base.options = source_calltracking_options,
    .base.init = source_calltracking_init,
    .base.fini = source_calltracking_fini,
    .produce = source_calltracking_produce,
    .flags = TF_SOURCE_OWN_THREAD,
    .position = source_calltracking_position,
    .seek = source_calltracking_seek,
    .watermark = source_calltracking_watermark,
    .base.check = source_calltracking_check,
};

TF_SOURCE_PLUGIN(source_calltracking, source_calltracking_plugin)
