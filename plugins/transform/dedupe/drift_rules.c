/*
 * drift_rules.c - docs/attribution-rules.md#drift-chat-rule-3 (see
 * drift_rules.h): checking and reading its options and telling which rule, if
 * any, a touchpoint falls under.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <touchflow/configcheck.h>
#include <touchflow/error.h>
#include <touchflow/time.h>
#include <touchflow/value.h>
#include "drift_rules.h"

#define SF_SHORT_ID 15
#define SF_LONG_ID 18

/* Checks that every element of the list option `name` is a non-empty
 * string.  The host has checked that the elements are strings. */
static int check_list(const json_t *list, const char *name,
                      tf_problem_fn problem, void *ud)
{
  const json_t *item;
  char at[64];
  size_t i;
  int rc = TF_OK;

  if (list && json_array_size(list) == 0) {
    problem(ud, name, "empty list (leave the option out instead)");
    return TF_ERR_CONFIG;
  }
  json_array_foreach (list, i, item) {
    if (json_string_length(item) > 0)
      continue;
    snprintf(at, sizeof(at), "%s[%zu]", name, i);
    problem(ud, at, "expected a non-empty string");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

/* The lists make sense only with D, and D only with a list. */
static int check_together(const tf_config *config, tf_problem_fn problem,
                          void *ud)
{
  static const char *const lists[] = {"chat_campaign_ids",
                                      "chat_activity_types"};
  int enabled = tf_config_string(config, "chat_integration_enabled_at") != NULL;
  int any_list = 0, rc = TF_OK;
  size_t i;

  for (i = 0; i < 2; i++) {
    if (!tf_config_json(config, lists[i]))
      continue;
    any_list = 1;
    if (enabled)
      continue;
    problem(ud, lists[i],
            "needs chat_integration_enabled_at (the date the Drift "
            "integration was switched on)");
    rc = TF_ERR_CONFIG;
  }
  if (enabled && !any_list) {
    problem(ud, "chat_integration_enabled_at",
            "set, but neither chat_campaign_ids nor chat_activity_types is: "
            "the Drift rules would drop nothing");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

static int check_activation(const tf_config *config, tf_problem_fn problem,
                            void *ud)
{
  const char *text = tf_config_string(config, "chat_integration_enabled_at");
  int64_t ms;

  if (!text || tf_time_parse(text, &ms) == TF_OK)
    return TF_OK;
  tf_problemf(problem, ud, "chat_integration_enabled_at",
              "\"%s\" is not an ISO-8601 date (2026-03-01, meaning "
              "00:00:00Z) or date and time (2026-03-01T09:30:00Z)",
              text);
  return TF_ERR_CONFIG;
}

int drift_rules_check(const tf_config *config, tf_problem_fn problem, void *ud)
{
  int rc = check_activation(config, problem, ud);

  if (check_list(tf_config_json(config, "chat_campaign_ids"),
                 "chat_campaign_ids", problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_list(tf_config_json(config, "chat_activity_types"),
                 "chat_activity_types", problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  if (check_together(config, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  return rc;
}

void drift_rules_read(drift_rules *rules, const tf_config *config)
{
  const char *text = tf_config_string(config, "chat_integration_enabled_at");

  memset(rules, 0, sizeof(*rules));
  rules->campaign_ids = tf_config_json(config, "chat_campaign_ids");
  rules->activity_types = tf_config_json(config, "chat_activity_types");
  rules->enabled = text != NULL;
  if (text)
    tf_time_parse(text, &rules->activation_ms);
}

/* 1 when s is made of letters and digits only. */
static int is_alnum_text(const char *s)
{
  for (; *s; s++)
    if (!isalnum((unsigned char)*s))
      return 0;
  return 1;
}

int drift_same_crm_id(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);

  if (la == lb)
    return strcmp(a, b) == 0;
  if (la == SF_LONG_ID && lb == SF_SHORT_ID)
    return drift_same_crm_id(b, a);
  return la == SF_SHORT_ID && lb == SF_LONG_ID && is_alnum_text(a) &&
         is_alnum_text(b) && strncmp(a, b, SF_SHORT_ID) == 0;
}

static int is_chat_campaign(const drift_rules *r, const char *campaign)
{
  const json_t *id;
  size_t i;

  json_array_foreach (r->campaign_ids, i, id)
    if (drift_same_crm_id(json_string_value(id), campaign))
      return 1;
  return 0;
}

static int is_chat_activity(const drift_rules *r, const char *medium)
{
  const json_t *type;
  size_t i;

  json_array_foreach (r->activity_types, i, type)
    if (strcasecmp(json_string_value(type), medium) == 0)
      return 1;
  return 0;
}

drift_rule drift_rules_match(const drift_rules *rules, const tf_record *rec)
{
  const tf_value *root;
  const char *type, *campaign, *medium;

  if (!rules->enabled)
    return DRIFT_RULE_NONE;
  root = tf_record_root(rec);
  type = tf_value_string(tf_value_get(root, "type"), NULL);
  campaign = tf_value_string(tf_value_get(root, "campaign"), NULL);
  medium = tf_value_string(tf_value_get(root, "medium"), NULL);
  if (!type)
    return DRIFT_RULE_NONE;
  if (strcmp(type, "CRM Campaign") == 0 && campaign && rules->campaign_ids &&
      is_chat_campaign(rules, campaign))
    return DRIFT_RULE_CAMPAIGN;
  if (strcmp(type, "CRM Activity") == 0 && medium && rules->activity_types &&
      is_chat_activity(rules, medium))
    return DRIFT_RULE_ACTIVITY;
  return DRIFT_RULE_NONE;
}

int drift_rules_after_activation(const drift_rules *rules, int64_t date_ms)
{
  return date_ms >= rules->activation_ms;
}

/* What each rule's drops are counted as and why, by drift_rule. */
static const char *const rule_metrics[DRIFT_RULE_COUNT] = {
    NULL, "dropped_chat_campaign", "dropped_chat_activity"};
static const char *const rule_reasons[DRIFT_RULE_COUNT] = {
    NULL,
    "CRM Campaign touchpoints of the chat campaigns (campaign sync rules, "
    "campaign touchpoint end date)",
    "CRM Activity touchpoints of the chat Task types (activity rules)"};

const char *drift_rule_metric(drift_rule rule)
{
  return rule_metrics[rule];
}

const char *drift_rule_reason(drift_rule rule)
{
  return rule_reasons[rule];
}
