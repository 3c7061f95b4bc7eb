/*
 * rules.h - the user's channel_rules: classification overrides.
 *
 * channel_rules is a list of rules, tried in order before the default
 * table; the first rule that matches a hit gives its channel (and, when
 * the rule says so, its source and medium).  One rule:
 *
 *   {"channel": "Paid Social", "source": "LinkedIn", "medium": "paid",
 *    "match": {"utm_medium": ["paid_social"],
 *              "referrer_host": ["linkedin.com"]}}
 *
 * `match` holds conditions, all of which must hold; a condition holds when
 * any of its values matches.  README.md describes every key.
 */
#ifndef SM_RULES_H
#define SM_RULES_H

#include <jansson.h>
#include "signals.h"

typedef struct sm_rules sm_rules;
typedef struct sm_rule sm_rule;

/* Receives one problem of the rules: the JSON path of the offending value
 * ("channel_rules[1].match.utm_medium") and what is wrong. */
typedef void (*sm_complain_fn)(void *ud, const char *path, const char *message);

/* Reads the rules from list (a JSON array, borrowed; NULL: no rules).  On
 * success stores a new set in *out (free with sm_rules_free) and returns
 * TF_OK.  Every problem found is passed to complain, then TF_ERR_CONFIG is
 * returned; TF_ERR_NOMEM when memory runs out. */
int sm_rules_new(const json_t *list, sm_complain_fn complain, void *ud,
                 sm_rules **out);

/* NULL-safe. */
void sm_rules_free(sm_rules *rules);

/* The first rule matching the hit, or NULL.  rules may be NULL. */
const sm_rule *sm_rules_match(const sm_rules *rules, const sm_signals *s);

/* What a matched rule says: channel (one of the channels of docs/contract.md),
 * and source and medium or NULL when the rule leaves them to the defaults.
 * Borrowed from the rules. */
const char *sm_rule_channel(const sm_rule *rule);
const char *sm_rule_source(const sm_rule *rule);
const char *sm_rule_medium(const sm_rule *rule);

#endif
