/*
 * drift_rules.h - docs/attribution-rules.md#drift-chat-rule-3: the CRM paths
 * that tracked chats before the Drift integration was switched on (the
 * activation date D) would count a chat twice from D on, so their touchpoints
 * dated on or after D are dropped:
 *   - campaign rule: `CRM Campaign` touchpoints whose `campaign` is one of
 *     chat_campaign_ids (covers both rule-3 bullets "campaign sync rules"
 *     and "CRM campaigns": see README.md, Decisions);
 *   - activity rule: `CRM Activity` touchpoints whose `medium` (the Task
 *     Type) is one of chat_activity_types.
 *
 * Ownership: the rules borrow the lists from the plugin config (which lives
 * until fini); records are borrowed for the call and read through their
 * value index (touchflow/value.h), never parsed into a jansson tree.
 */
#ifndef TF_DRIFT_RULES_H
#define TF_DRIFT_RULES_H

#include <stdint.h>
#include <jansson.h>
#include <touchflow/options.h>
#include <touchflow/plugin.h>
#include <touchflow/record.h>

typedef enum drift_rule {
  DRIFT_RULE_NONE = 0,
  DRIFT_RULE_CAMPAIGN,
  DRIFT_RULE_ACTIVITY,
  DRIFT_RULE_COUNT
} drift_rule;

typedef struct drift_rules {
  int enabled;                  /* chat_integration_enabled_at was given */
  int64_t activation_ms;        /* D */
  const json_t *campaign_ids;   /* list of strings, or NULL */
  const json_t *activity_types; /* list of strings, or NULL */
} drift_rules;

/* Checks the three options of config (part of the plugin's check()),
 * reporting every problem with its path.  Returns TF_OK or TF_ERR_CONFIG. */
int drift_rules_check(const tf_config *config, tf_problem_fn problem, void *ud);

/* Reads the three options from a config drift_rules_check accepted. */
void drift_rules_read(drift_rules *rules, const tf_config *config);

/* The rule whose touchpoints rec belongs to (by type and campaign or
 * medium, not yet by date), or DRIFT_RULE_NONE. */
drift_rule drift_rules_match(const drift_rules *rules, const tf_record *rec);

/* 1 when a touchpoint dated date_ms falls under the rules: on or after D. */
int drift_rules_after_activation(const drift_rules *rules, int64_t date_ms);

/* The metric a rule's drops are counted in ("dropped_chat_campaign");
 * rule is DRIFT_RULE_CAMPAIGN or DRIFT_RULE_ACTIVITY. */
const char *drift_rule_metric(drift_rule rule);

/* Why a rule drops, for the log: one phrase. */
const char *drift_rule_reason(drift_rule rule);

/* 1 when two CRM ids name the same record: equal, or a 15-character
 * Salesforce id and the 18-character form that extends it. */
int drift_same_crm_id(const char *a, const char *b);

#endif
