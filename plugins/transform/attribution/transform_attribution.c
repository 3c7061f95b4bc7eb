/*
 * transform_attribution.c - the `attribution` transform: touchpoints,
 * contacts and opportunities in, one credit record per (opportunity,
 * touchpoint, model) out
 * (docs/attribution-rules.md#attribution-models-and-revenue).
 *
 * Owns the plugin descriptor, the option table and its checks, how each
 * input record is recognised and read (touchpoints from session_merge,
 * `person`, `opportunity` and `opportunity_contact` events from the crm
 * source), the bound on what is held, the credit record, and the
 * snapshot.  What is held lives in store.c, the models' arithmetic in
 * credit.c.
 *
 * Everything is held until the end of input: an opportunity, or a contact
 * role linking a person to one, may come last, and any touchpoint may be
 * in its journey.  flush() then emits the credits a few opportunities at a
 * time (TF_FLUSH_AGAIN).  advance() declares no watermark, so the output's
 * stays unknown until the end.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <touchflow/builder.h>
#include <touchflow/configcheck.h>
#include <touchflow/plugin.h>
#include <touchflow/time.h>
#include <touchflow/value.h>
#include "credit.h"
#include "store.h"

#define OPPS_PER_FLUSH 64
#define SNAPSHOT_FORMAT 1
#define MAX_MODELS (ATTR_N_BUILTIN + 1)

static const char *const default_conversions[] = {"Web Form", "Web Chat",
                                                  "Call", NULL};
static const char *const weight_keys[] = {"FT", "LC", "OC", "CW", "others"};

typedef struct transform_attribution {
  tf_ctx *ctx;
  const tf_host *host;
  attr_model models[MAX_MODELS];
  size_t n_models;
  const json_t *conversions; /* borrowed from the config; NULL: defaults */
  int credit_lost;
  size_t max_held;
  attr_store store;
  tf_builder *b;
  size_t *order; /* flush: opportunities by id */
  size_t next;   /* flush: the next in order */
  int ordered;
} transform_attribution;

static const tf_option transform_attribution_options[] = {
    {"models", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "The models to credit, each a credit record per touchpoint: "
     "first_touch, lead_creation, u_shaped, w_shaped, full_path, custom. "
     "Default: the five built-in ones, and custom when custom_weights is "
     "given."},
    {"custom_weights", TF_OPT_OBJECT, NULL, 0, 0, 0, NULL,
     "The custom model's weights in percent: {\"FT\": 25, \"LC\": 25, "
     "\"OC\": 25, \"CW\": 15, \"others\": 10}; a missing key is 0, at most "
     "three decimals, the sum exactly 100. `others` is shared by every "
     "touchpoint of the journey that is no milestone."},
    {"conversion_types", TF_OPT_LIST, NULL, 0, 0, 0, NULL,
     "Touchpoint types (any case) that are conversions: the first one is "
     "the journey's lead creation (LC). Default: Web Form, Web Chat, Call. "
     "A call (origin calltracking) is a conversion whatever its type."},
    {"credit_lost", TF_OPT_BOOL, "false", 0, 0, 0, NULL,
     "Also credit closed opportunities that were lost (IsClosed true, IsWon "
     "false). Off: they get no credit (counted in opportunities_lost)."},
    {"max_held", TF_OPT_INT, "20000000", TF_OPT_RANGE, 1, 2000000000, NULL,
     "The most records held until the end of input (touchpoints with an "
     "email or a BizibleId, contacts, contact roles, opportunities; about "
     "200 bytes each): one more fails the run, naming this option."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};

/* --- Checking the config ------------------------------------------------- */

/* A percent with at most three decimals as weight units; -1 when not. */
static int64_t weight_units(const json_t *v)
{
  double d = json_number_value(v), units = d * 1000;
  int64_t w;

  if (!json_is_number(v) || d < 0 || d > 100)
    return -1;
  w = (int64_t)(units + 0.5);
  return (units - (double)w < 1e-6 && (double)w - units < 1e-6) ? w : -1;
}

/* Reads custom_weights into w[] and *others; reports each problem. */
static int read_weights(const json_t *obj, int32_t w[ATTR_N_MILESTONES],
                        int32_t *others, tf_problem_fn problem, void *ud)
{
  const char *key;
  const json_t *v;
  int64_t sum = 0, units;
  char at[64];
  int rc = TF_OK, i;

  memset(w, 0, ATTR_N_MILESTONES * sizeof(*w));
  *others = 0;
  json_object_foreach ((json_t *)obj, key, v) {
    snprintf(at, sizeof(at), "custom_weights.%s", key);
    for (i = 0; i <= ATTR_N_MILESTONES; i++)
      if (strcmp(key, weight_keys[i]) == 0)
        break;
    if (i > ATTR_N_MILESTONES) {
      tf_problemf(problem, ud, at,
                  "unknown weight (the keys are FT, LC, OC, CW and others)");
      rc = TF_ERR_CONFIG;
      continue;
    }
    units = weight_units(v);
    if (units < 0) {
      tf_problemf(problem, ud, at,
                  "expected a percent from 0 to 100 with at most three "
                  "decimals");
      rc = TF_ERR_CONFIG;
      continue;
    }
    sum += units;
    if (i < ATTR_N_MILESTONES)
      w[i] = (int32_t)units;
    else
      *others = (int32_t)units;
  }
  if (rc == TF_OK && sum != ATTR_WEIGHT_TOTAL) {
    tf_problemf(problem, ud, "custom_weights",
                "the weights add up to %.3f %%, not 100 %%",
                (double)sum / 1000);
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

static int check_models(const tf_config *config, tf_problem_fn problem,
                        void *ud)
{
  const json_t *models = tf_config_json(config, "models"), *m;
  int has_weights = tf_config_is_set(config, "custom_weights");
  int rc = TF_OK, custom = 0;
  char at[32];
  size_t i, j;

  if (models && json_array_size(models) == 0) {
    problem(ud, "models", "empty list (leave it out for every model)");
    return TF_ERR_CONFIG;
  }
  json_array_foreach (models, i, m) {
    const char *name = json_string_value(m);

    snprintf(at, sizeof(at), "models[%zu]", i);
    for (j = 0; j < i; j++)
      if (strcmp(name, json_string_value(json_array_get(models, j))) == 0)
        break;
    if (j < i) {
      tf_problemf(problem, ud, at, "\"%s\" is listed twice", name);
      rc = TF_ERR_CONFIG;
    } else if (strcmp(name, "custom") == 0) {
      custom = 1;
    } else if (!attr_model_named(name)) {
      tf_problemf(problem, ud, at,
                  "unknown model \"%s\" (first_touch, lead_creation, "
                  "u_shaped, w_shaped, full_path, custom)",
                  name);
      rc = TF_ERR_CONFIG;
    }
  }
  if (custom && !has_weights) {
    problem(ud, "models", "custom needs custom_weights");
    rc = TF_ERR_CONFIG;
  }
  if (models && has_weights && !custom) {
    problem(ud, "custom_weights", "given, but models does not list custom");
    rc = TF_ERR_CONFIG;
  }
  return rc;
}

static int transform_attribution_check(const tf_config *config,
                                       tf_problem_fn problem, void *ud)
{
  const json_t *weights = tf_config_json(config, "custom_weights");
  int32_t w[ATTR_N_MILESTONES], others;
  int rc = check_models(config, problem, ud);

  if (weights && read_weights(weights, w, &others, problem, ud) != TF_OK)
    rc = TF_ERR_CONFIG;
  return rc;
}

/* --- Lifecycle ----------------------------------------------------------- */

static void ignore_problem(void *ud, const char *path, const char *message)
{
  (void)ud;
  (void)path;
  (void)message;
}

static void read_config(transform_attribution *t, const tf_config *config)
{
  const json_t *models = tf_config_json(config, "models"), *m;
  const json_t *weights = tf_config_json(config, "custom_weights");
  int32_t w[ATTR_N_MILESTONES], others = 0;
  size_t i;

  if (weights)
    read_weights(weights, w, &others, ignore_problem, NULL);
  if (!models) {
    for (i = 0; i < ATTR_N_BUILTIN; i++)
      t->models[t->n_models++] = attr_builtin_models[i];
    if (weights)
      attr_model_custom(&t->models[t->n_models++], w, others);
  }
  json_array_foreach (models, i, m) {
    const attr_model *builtin = attr_model_named(json_string_value(m));

    if (builtin)
      t->models[t->n_models++] = *builtin;
    else
      attr_model_custom(&t->models[t->n_models++], w, others);
  }
  t->conversions = tf_config_json(config, "conversion_types");
  t->credit_lost = tf_config_bool(config, "credit_lost");
  t->max_held = (size_t)tf_config_int(config, "max_held");
}

static void transform_attribution_fini(void *state)
{
  transform_attribution *t = state;

  if (!t)
    return;
  attr_store_free(&t->store);
  tf_builder_free(t->b);
  free(t->order);
  free(t);
}

static int transform_attribution_init(tf_ctx *ctx, const tf_host *host,
                                      const tf_config *config, void **state)
{
  transform_attribution *t = calloc(1, sizeof(*t));
  int rc;

  *state = NULL;
  if (!t)
    return TF_ERR_NOMEM;
  t->ctx = ctx;
  t->host = host;
  rc = tf_check_logged(transform_attribution_check, config, ctx, host);
  if (rc != TF_OK) {
    free(t);
    return rc;
  }
  read_config(t, config);
  t->b = tf_builder_new();
  if (!t->b) {
    free(t);
    return TF_ERR_NOMEM;
  }
  *state = t;
  return TF_OK;
}

/* --- Reading the input --------------------------------------------------- */

/* The string member `key` of rec, or NULL (absent, null, another type). */
static const char *text(const tf_record *rec, const char *key)
{
  return tf_value_string(tf_record_value(rec, key), NULL);
}

static int has_room(transform_attribution *t)
{
  if (attr_store_held(&t->store) < t->max_held)
    return 1;
  t->host->log(t->ctx, TF_LOG_ERROR,
               "holding %zu records already (max_held): raise max_held, or "
               "split the input (by account, by period)",
               t->max_held);
  return 0;
}

/* A touchpoint (docs/contract.md#the-touchpoint-record). */
static int read_touchpoint(transform_attribution *t, const tf_record *rec)
{
  attr_tp tp = {0};
  const char *date = text(rec, "date");
  char *email = NULL;
  int rc;

  tp.id = (char *)text(rec, "touchpoint_id");
  tp.type = (char *)text(rec, "type");
  if (!tp.type)
    return tf_rejectf(t->host, t->ctx, rec, "missing_field",
                      "type: missing or not a string");
  if (!date || tf_time_parse(date, &tp.ts_ms) != TF_OK)
    return tf_rejectf(t->host, t->ctx, rec, "invalid_date",
                      "date: missing or not an ISO-8601 time");
  tp.biz_uid = (char *)text(rec, "biz_uid");
  tp.is_call =
      text(rec, "origin") && strcmp(text(rec, "origin"), "calltracking") == 0;
  if (text(rec, "email") && *text(rec, "email")) {
    size_t i;

    email = strdup(text(rec, "email"));
    if (!email)
      return TF_ERR_NOMEM;
    for (i = 0; email[i]; i++)
      email[i] = (char)tolower((unsigned char)email[i]);
  }
  tp.email = email;
  if (!tp.email && !tp.biz_uid) { /* no journey can take it */
    t->host->metric(t->ctx, "touchpoints_without_person", 1);
    return TF_OK;
  }
  if (!has_room(t)) {
    free(email);
    return TF_ERR_RANGE;
  }
  tp.channel = (char *)text(rec, "channel");
  tp.source = (char *)text(rec, "source");
  tp.campaign = (char *)text(rec, "campaign");
  rc = attr_store_add_tp(&t->store, &tp);
  free(email);
  if (rc < 0)
    return TF_ERR_NOMEM;
  t->host->metric(t->ctx, rc ? "touchpoints_repeated" : "touchpoints", 1);
  return TF_OK;
}

/* A `person` event of the crm source: a Contact's Id and email. */
static int read_person(transform_attribution *t, const tf_record *rec)
{
  const char *id = text(rec, "person_id"), *email = text(rec, "email");

  if (!id || !email || !*email) {
    t->host->metric(t->ctx, "persons_without_email", 1);
    return TF_OK;
  }
  if (!has_room(t))
    return TF_ERR_RANGE;
  return attr_store_add_contact(&t->store, id, email) ? TF_ERR_NOMEM : TF_OK;
}

static int read_link(transform_attribution *t, const tf_record *rec)
{
  const char *opp = text(rec, "opportunity_id");
  const char *contact = text(rec, "contact_id");

  if (!opp || !contact)
    return tf_rejectf(t->host, t->ctx, rec, "missing_field",
                      "opportunity_id and contact_id must be strings");
  if (!has_room(t))
    return TF_ERR_RANGE;
  return attr_store_add_link(&t->store, opp, contact) ? TF_ERR_NOMEM : TF_OK;
}

/* An optional integer member; *found 0 when absent or null.  -1 when it
 * holds another type. */
static int opt_int(const tf_record *rec, const char *key, int64_t *v,
                   int *found)
{
  const tf_value *val = tf_record_value(rec, key);
  tf_type type = tf_value_type(val);

  *found = 0;
  if (type == TF_TYPE_ABSENT || type == TF_TYPE_NULL)
    return 0;
  if (type != TF_TYPE_INTEGER || tf_value_int64(val, v) != TF_OK)
    return -1;
  *found = 1;
  return 0;
}

static int read_opportunity(transform_attribution *t, const tf_record *rec)
{
  attr_opp o = {0};
  int found_created, found_close;

  o.id = (char *)text(rec, "opportunity_id");
  o.currency = (char *)text(rec, "currency");
  o.stage = (char *)text(rec, "stage");
  if (!o.id)
    return tf_rejectf(t->host, t->ctx, rec, "missing_field",
                      "opportunity_id: missing or not a string");
  if (opt_int(rec, "amount_cents", &o.amount, &o.has_amount) ||
      opt_int(rec, "ts_ms", &o.created_ms, &found_created) ||
      opt_int(rec, "close_ts_ms", &o.close_ms, &found_close) ||
      tf_value_bool(tf_record_value(rec, "is_won"), &o.won) != TF_OK ||
      tf_value_bool(tf_record_value(rec, "is_closed"), &o.closed) != TF_OK ||
      !found_created)
    return tf_rejectf(t->host, t->ctx, rec, "invalid_field",
                      "an opportunity needs ts_ms (its CreatedDate), is_won "
                      "and is_closed; amount_cents and close_ts_ms are "
                      "integers or null");
  if (o.closed && !found_close)
    return tf_rejectf(t->host, t->ctx, rec, "missing_field",
                      "a closed opportunity needs close_ts_ms");
  if (!has_room(t))
    return TF_ERR_RANGE;
  if (attr_store_add_opp(&t->store, &o))
    return TF_ERR_NOMEM;
  t->host->metric(t->ctx, "opportunities", 1);
  return TF_OK;
}

static int read_record(transform_attribution *t, const tf_record *rec)
{
  const char *event;

  if (!tf_record_has_json(rec) ||
      tf_value_type(tf_record_root(rec)) != TF_TYPE_OBJECT)
    return tf_rejectf(t->host, t->ctx, rec, "not_an_object",
                      "the record is not a JSON object");
  if (text(rec, "touchpoint_id"))
    return read_touchpoint(t, rec);
  event = text(rec, "event");
  if (event && strcmp(event, "person") == 0)
    return read_person(t, rec);
  if (event && strcmp(event, "opportunity") == 0)
    return read_opportunity(t, rec);
  if (event && strcmp(event, "opportunity_contact") == 0)
    return read_link(t, rec);
  return tf_rejectf(t->host, t->ctx, rec, "unexpected_record",
                    "neither a touchpoint (touchpoint_id) nor a person, "
                    "opportunity or opportunity_contact event");
}

static int transform_attribution_process(void *state, tf_ctx *ctx,
                                         const tf_batch *batch)
{
  transform_attribution *t = state;
  size_t i;
  int rc;

  (void)ctx;
  for (i = 0; i < tf_batch_count(batch); i++) {
    rc = read_record(t, tf_batch_get(batch, i));
    if (rc != TF_OK)
      return rc;
  }
  return TF_OK;
}

/* Nothing is released before the end of input: the output watermark stays
 * unknown until flush(). */
static int transform_attribution_advance(void *state, tf_ctx *ctx,
                                         int64_t watermark)
{
  (void)state;
  (void)ctx;
  (void)watermark;
  return TF_OK;
}

/* --- Credits ------------------------------------------------------------- */

/* A conversion: a call (any touchpoint of the calltracking origin, merged
 * or not), or a touchpoint of one of the conversion types. */
static int is_conversion(const transform_attribution *t, const attr_tp *tp)
{
  const char *type = tp->type;
  const json_t *v;
  size_t i;

  if (tp->is_call)
    return 1;
  if (!t->conversions) {
    for (i = 0; default_conversions[i]; i++)
      if (strcasecmp(type, default_conversions[i]) == 0)
        return 1;
    return 0;
  }
  json_array_foreach (t->conversions, i, v)
    if (strcasecmp(type, json_string_value(v)) == 0)
      return 1;
  return 0;
}

/* cents as a decimal string with two decimals ("-12.05"). */
static void format_money(int64_t cents, char *buf, size_t len)
{
  uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

  snprintf(buf, len, "%s%" PRIu64 ".%02u", cents < 0 ? "-" : "", mag / 100,
           (unsigned)(mag % 100));
}

static int string_or_null(tf_builder *b, const char *key, const char *s)
{
  return tf_builder_key(b, key) ||
         (s ? tf_builder_string(b, s) : tf_builder_null(b));
}

static int money_or_null(tf_builder *b, const char *key, int has, int64_t cents)
{
  char buf[32];

  if (!has)
    return tf_builder_key(b, key) || tf_builder_null(b);
  format_money(cents, buf, sizeof(buf));
  return tf_builder_key(b, key) || tf_builder_string(b, buf);
}

static int milestones(tf_builder *b, const attr_milestones *ms, size_t i)
{
  int m, rc = tf_builder_key(b, "milestones") || tf_builder_begin_array(b);

  for (m = 0; !rc && m < ATTR_N_MILESTONES; m++)
    if (ms->at[m] == (long)i)
      rc = tf_builder_string(b, weight_keys[m]);
  return rc || tf_builder_end_array(b);
}

/* One credit record. */
static int emit_credit(transform_attribution *t, const attr_opp *o,
                       const attr_model *model, const attr_tp *tp,
                       const attr_milestones *ms, size_t i, double percent,
                       int64_t cents)
{
  tf_builder *b = t->b;
  char date[40];
  tf_record *out = NULL;
  int rc;

  tf_time_format(tp->ts_ms, date, sizeof(date));
  tf_builder_reset(b);
  rc = tf_builder_begin_object(b) || string_or_null(b, "type", "credit") ||
       string_or_null(b, "model", model->name) ||
       string_or_null(b, "opportunity_id", o->id) ||
       string_or_null(b, "touchpoint_id", tp->id) || milestones(b, ms, i) ||
       tf_builder_key(b, "percent") || tf_builder_double(b, percent) ||
       money_or_null(b, "amount", o->has_amount, cents) ||
       money_or_null(b, "opportunity_amount", o->has_amount, o->amount) ||
       string_or_null(b, "currency", o->currency) ||
       string_or_null(b, "stage", o->stage) || tf_builder_key(b, "is_won") ||
       tf_builder_bool(b, o->won) || tf_builder_key(b, "is_closed") ||
       tf_builder_bool(b, o->closed) ||
       string_or_null(b, "touchpoint_type", tp->type) ||
       string_or_null(b, "date", date) ||
       string_or_null(b, "channel", tp->channel) ||
       string_or_null(b, "source", tp->source) ||
       string_or_null(b, "campaign", tp->campaign) ||
       string_or_null(b, "email", tp->email) || tf_builder_end_object(b) ||
       tf_builder_finish(b, NULL, &out);
  if (rc)
    return TF_ERR_NOMEM;
  t->host->metric(t->ctx, "credits", 1);
  return t->host->emit(t->ctx, out);
}

/* The credits of one model over a journey of n touchpoints. */
static int credit_model(transform_attribution *t, const attr_opp *o,
                        const attr_model *model, const size_t *idx, size_t n,
                        const attr_milestones *ms, uint64_t *num,
                        int64_t *cents)
{
  uint64_t den;
  size_t i;
  int rc = TF_OK;

  attr_shares(model, ms, n, num, &den);
  if (attr_allocate(o->amount, num, den, n, cents))
    return TF_ERR_NOMEM;
  for (i = 0; rc == TF_OK && i < n; i++)
    if (num[i])
      rc = emit_credit(t, o, model, &t->store.tps[idx[i]], ms, i,
                       100.0 * (double)num[i] / (double)den, cents[i]);
  return rc;
}

static int credit_opportunity(transform_attribution *t, const attr_opp *o)
{
  attr_milestones ms;
  attr_step *steps = NULL;
  uint64_t *num = NULL;
  int64_t *cents = NULL;
  size_t *idx = NULL, n, i;
  int rc = TF_ERR_NOMEM;

  if (o->closed && !o->won && !t->credit_lost) {
    t->host->metric(t->ctx, "opportunities_lost", 1);
    return TF_OK;
  }
  if (attr_store_journey(&t->store, o, &idx, &n))
    return TF_ERR_NOMEM;
  if (n == 0) {
    t->host->metric(t->ctx, "opportunities_without_touchpoints", 1);
    return TF_OK;
  }
  steps = malloc(n * sizeof(*steps));
  num = malloc(n * sizeof(*num));
  cents = malloc(n * sizeof(*cents));
  if (!steps || !num || !cents)
    goto out_free;
  for (i = 0; i < n; i++) {
    steps[i].ts_ms = t->store.tps[idx[i]].ts_ms;
    steps[i].is_conversion = is_conversion(t, &t->store.tps[idx[i]]);
  }
  attr_find_milestones(steps, n, o->created_ms, o->won, &ms);
  rc = TF_OK;
  for (i = 0; rc == TF_OK && i < t->n_models; i++)
    rc = credit_model(t, o, &t->models[i], idx, n, &ms, num, cents);
  t->host->metric(t->ctx, "opportunities_credited", 1);

out_free:
  free(steps);
  free(num);
  free(cents);
  free(idx);
  return rc;
}

static int transform_attribution_flush(void *state, tf_ctx *ctx)
{
  transform_attribution *t = state;
  size_t done = 0;
  int rc;

  (void)ctx;
  if (!t->ordered) {
    t->order = attr_store_opps_by_id(&t->store);
    if (!t->order && t->store.n_opps)
      return TF_ERR_NOMEM;
    t->ordered = 1;
  }
  for (; t->next < t->store.n_opps && done < OPPS_PER_FLUSH; done++) {
    rc = credit_opportunity(t, &t->store.opps[t->order[t->next++]]);
    if (rc != TF_OK)
      return rc;
  }
  return t->next < t->store.n_opps ? TF_FLUSH_AGAIN : TF_OK;
}

/* --- Snapshot ------------------------------------------------------------ */

static int transform_attribution_snapshot(void *state, json_t **snapshot)
{
  transform_attribution *t = state;
  json_t *held = attr_store_to_json(&t->store);

  *snapshot =
      held ? json_pack("{s:i,s:o}", "format", SNAPSHOT_FORMAT, "held", held)
           : NULL;
  return *snapshot ? TF_OK : TF_ERR_NOMEM;
}

static int transform_attribution_restore(void *state, const json_t *snapshot)
{
  transform_attribution *t = state;

  if (json_integer_value(json_object_get(snapshot, "format")) !=
          SNAPSHOT_FORMAT ||
      attr_store_from_json(&t->store, json_object_get(snapshot, "held"))) {
    t->host->log(t->ctx, TF_LOG_ERROR,
                 "the snapshot is not one this version wrote");
    return TF_ERR_INVAL;
  }
  return TF_OK;
}

static const tf_transform_plugin transform_attribution_plugin = {
    TF_TRANSFORM_HEADER,
    .base.name = "attribution",
    .base.version = "1.0.0",
    .base.description =
        "Credits opportunities' amounts to the touchpoints of their "
        "contacts' journeys under the first touch, lead creation, U-shaped, "
        "W-shaped, full path and custom models.",
    .base.license = "MIT",
    .base.options = transform_attribution_options,
    .base.check = transform_attribution_check,
    .base.init = transform_attribution_init,
    .base.fini = transform_attribution_fini,
    .process = transform_attribution_process,
    .advance = transform_attribution_advance,
    .flush = transform_attribution_flush,
    .snapshot = transform_attribution_snapshot,
    .restore = transform_attribution_restore,
};

TF_TRANSFORM_PLUGIN(transform_attribution, transform_attribution_plugin)
