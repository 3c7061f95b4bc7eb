/*
 * rules.c - reads channel_rules from the config, checks them (every
 * problem is reported with its JSON path) and matches them against a hit's
 * signals.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/error.h>
#include <touchflow/host.h>
#include "channel.h"
#include "rules.h"

#define PATH_MAX_LEN 160
#define MESSAGE_MAX_LEN 320
#define ANY_VALUE "*"

/* The conditions `match` may hold: the utm_* fields first, in sm_utm
 * order, then the hosts and query parameter names. */
typedef enum field {
  FIELD_REFERRER_HOST = SM_UTM_COUNT,
  FIELD_PAGE_HOST,
  FIELD_PARAM,
  FIELD_COUNT
} field;

static const char *const field_names[FIELD_COUNT] = {
    "utm_source",  "utm_medium",    "utm_campaign", "utm_term",
    "utm_content", "referrer_host", "page_host",    "param"};

typedef struct condition {
  int field;
  char **values; /* owned, lowercased (hosts normalised) */
  size_t count;
} condition;

struct sm_rule {
  const char *channel; /* static, from sm_channel_canonical */
  char *source;        /* owned or NULL */
  char *medium;        /* owned or NULL */
  condition *conds;    /* owned */
  size_t nconds;
};

struct sm_rules {
  sm_rule *rules;
  size_t count;
};

/* Reading state: where complaints go and whether any was made. */
typedef struct reader {
  sm_complain_fn complain;
  void *ud;
  int bad;
} reader;

static void complain(reader *r, const char *path, const char *fmt, ...)
    TF_PRINTF(3, 4);

static void complain(reader *r, const char *path, const char *fmt, ...)
{
  char message[MESSAGE_MAX_LEN];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  r->complain(r->ud, path, message);
  r->bad = 1;
}

static void make_path(char *out, const char *fmt, ...) TF_PRINTF(2, 3);

/* Writes a JSON path of at most PATH_MAX_LEN bytes (longer ones are cut:
 * they only appear in messages). */
static void make_path(char *out, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(out, PATH_MAX_LEN, fmt, ap);
  va_end(ap);
}

static int find_field(const char *name)
{
  int i;

  for (i = 0; i < FIELD_COUNT; i++)
    if (strcmp(field_names[i], name) == 0)
      return i;
  return -1;
}

/* A lowercased copy of a condition value (hosts also lose "www."). */
static char *copy_value(int which, const char *text)
{
  char *copy = strdup(text);
  char *p;

  if (!copy)
    return NULL;
  if (which == FIELD_REFERRER_HOST || which == FIELD_PAGE_HOST)
    return sm_host_normalize(copy);
  for (p = copy; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  return copy;
}

/* Checks one value of a condition and appends it. */
static int add_value(reader *r, condition *c, const json_t *v, const char *path)
{
  const char *text = json_string_value(v);

  if (!text || !*text) {
    complain(r, path, "expected a non-empty string");
    return TF_OK;
  }
  c->values[c->count] = copy_value(c->field, text);
  if (!c->values[c->count])
    return TF_ERR_NOMEM;
  c->count++;
  return TF_OK;
}

/* Reads one condition: a string or a non-empty list of strings. */
static int read_condition(reader *r, condition *c, const json_t *v,
                          const char *path)
{
  char elem_path[PATH_MAX_LEN];
  const json_t *item;
  size_t i, n = json_is_array(v) ? json_array_size(v) : 1;
  int rc = TF_OK;

  if (!json_is_array(v) && !json_is_string(v)) {
    complain(r, path, "expected a string or a list of strings");
    return TF_OK;
  }
  if (n == 0) {
    complain(r, path, "expected at least one value");
    return TF_OK;
  }
  c->values = calloc(n, sizeof(*c->values));
  if (!c->values)
    return TF_ERR_NOMEM;
  if (json_is_string(v))
    return add_value(r, c, v, path);
  json_array_foreach (v, i, item) {
    make_path(elem_path, "%s[%zu]", path, i);
    rc = add_value(r, c, item, elem_path);
    if (rc != TF_OK)
      break;
  }
  return rc;
}

/* Reads `match`: an object of at least one known condition. */
static int read_match(reader *r, sm_rule *rule, const json_t *match,
                      const char *path)
{
  char cond_path[PATH_MAX_LEN];
  const char *key;
  const json_t *v;
  int rc;

  if (!json_is_object(match) || json_object_size(match) == 0) {
    complain(r, path, "expected an object with at least one condition");
    return TF_OK;
  }
  rule->conds = calloc(json_object_size(match), sizeof(*rule->conds));
  if (!rule->conds)
    return TF_ERR_NOMEM;
  json_object_foreach ((json_t *)match, key, v) {
    condition *c = &rule->conds[rule->nconds];

    make_path(cond_path, "%s.%s", path, key);
    c->field = find_field(key);
    if (c->field < 0) {
      complain(r, cond_path,
               "unknown condition (expected utm_source, utm_medium, "
               "utm_campaign, utm_term, utm_content, referrer_host, "
               "page_host or param)");
      continue;
    }
    rule->nconds++;
    rc = read_condition(r, c, v, cond_path);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Reads an optional non-empty string member into *out (a copy). */
static int read_text(reader *r, const json_t *obj, const char *key,
                     const char *path, char **out)
{
  const json_t *v = json_object_get(obj, key);
  char member_path[PATH_MAX_LEN];

  if (!v)
    return TF_OK;
  make_path(member_path, "%s.%s", path, key);
  if (!json_is_string(v) || json_string_length(v) == 0) {
    complain(r, member_path, "expected a non-empty string");
    return TF_OK;
  }
  *out = strdup(json_string_value(v));
  return *out ? TF_OK : TF_ERR_NOMEM;
}

static void check_keys(reader *r, const json_t *obj, const char *path)
{
  char member_path[PATH_MAX_LEN];
  const char *key;
  const json_t *v;

  json_object_foreach ((json_t *)obj, key, v) {
    if (strcmp(key, "channel") && strcmp(key, "source") &&
        strcmp(key, "medium") && strcmp(key, "match")) {
      make_path(member_path, "%s.%s", path, key);
      complain(r, member_path,
               "unknown key (expected channel, source, medium or match)");
    }
  }
}

static void read_channel(reader *r, sm_rule *rule, const json_t *obj,
                         const char *path)
{
  const json_t *v = json_object_get(obj, "channel");
  char member_path[PATH_MAX_LEN];

  make_path(member_path, "%s.channel", path);
  if (!v) {
    complain(r, path, "missing \"channel\"");
    return;
  }
  rule->channel = sm_channel_canonical(json_string_value(v));
  if (!rule->channel)
    complain(r, member_path, "expected one of: %s", sm_channel_list());
}

/* Reads one rule object. */
static int read_rule(reader *r, sm_rule *rule, const json_t *obj,
                     const char *path)
{
  char match_path[PATH_MAX_LEN];
  int rc;

  if (!json_is_object(obj)) {
    complain(r, path, "expected an object with channel and match");
    return TF_OK;
  }
  check_keys(r, obj, path);
  read_channel(r, rule, obj, path);
  rc = read_text(r, obj, "source", path, &rule->source);
  if (rc == TF_OK)
    rc = read_text(r, obj, "medium", path, &rule->medium);
  if (rc != TF_OK)
    return rc;
  make_path(match_path, "%s.match", path);
  if (!json_object_get(obj, "match")) {
    complain(r, path, "missing \"match\"");
    return TF_OK;
  }
  return read_match(r, rule, json_object_get(obj, "match"), match_path);
}

/* Reads every rule of the array list into rules. */
static int read_rules(reader *r, sm_rules *rules, const json_t *list)
{
  char path[PATH_MAX_LEN];
  size_t i, n = json_array_size(list);
  int rc;

  rules->rules = calloc(n ? n : 1, sizeof(*rules->rules));
  if (!rules->rules)
    return TF_ERR_NOMEM;
  for (i = 0; i < n; i++) {
    make_path(path, "channel_rules[%zu]", i);
    rules->count++;
    rc = read_rule(r, &rules->rules[i], json_array_get(list, i), path);
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

int sm_rules_new(const json_t *list, sm_complain_fn complain_fn, void *ud,
                 sm_rules **out)
{
  reader r = {complain_fn, ud, 0};
  sm_rules *rules;
  int rc = TF_OK;

  *out = NULL;
  rules = calloc(1, sizeof(*rules));
  if (!rules)
    return TF_ERR_NOMEM;
  if (list && !json_is_array(list))
    complain(&r, "channel_rules", "expected a list of rule objects");
  else if (list)
    rc = read_rules(&r, rules, list);
  if (rc == TF_OK && r.bad)
    rc = TF_ERR_CONFIG;
  if (rc != TF_OK) {
    sm_rules_free(rules);
    return rc;
  }
  *out = rules;
  return TF_OK;
}

static void free_rule(sm_rule *rule)
{
  size_t i, j;

  for (i = 0; i < rule->nconds; i++) {
    for (j = 0; j < rule->conds[i].count; j++)
      free(rule->conds[i].values[j]);
    free(rule->conds[i].values);
  }
  free(rule->conds);
  free(rule->source);
  free(rule->medium);
}

void sm_rules_free(sm_rules *rules)
{
  size_t i;

  if (!rules)
    return;
  for (i = 0; i < rules->count; i++)
    free_rule(&rules->rules[i]);
  free(rules->rules);
  free(rules);
}

/* 1 when the hit satisfies value for the condition's field. */
static int value_matches(int which, const char *value, const sm_signals *s)
{
  if (which < SM_UTM_COUNT)
    return s->utm[which] && (strcmp(value, ANY_VALUE) == 0 ||
                             strcasecmp(s->utm[which], value) == 0);
  if (which == FIELD_REFERRER_HOST)
    return sm_host_matches(s->ref.host, value);
  if (which == FIELD_PAGE_HOST)
    return sm_host_matches(s->page.host, value);
  return sm_url_has_param(&s->page, value);
}

static int condition_holds(const condition *c, const sm_signals *s)
{
  size_t i;

  for (i = 0; i < c->count; i++)
    if (value_matches(c->field, c->values[i], s))
      return 1;
  return 0;
}

static int rule_matches(const sm_rule *rule, const sm_signals *s)
{
  size_t i;

  for (i = 0; i < rule->nconds; i++)
    if (!condition_holds(&rule->conds[i], s))
      return 0;
  return 1;
}

const sm_rule *sm_rules_match(const sm_rules *rules, const sm_signals *s)
{
  size_t i;

  for (i = 0; rules && i < rules->count; i++)
    if (rule_matches(&rules->rules[i], s))
      return &rules->rules[i];
  return NULL;
}

const char *sm_rule_channel(const sm_rule *rule)
{
  return rule->channel;
}

const char *sm_rule_source(const sm_rule *rule)
{
  return rule->source;
}

const char *sm_rule_medium(const sm_rule *rule)
{
  return rule->medium;
}
