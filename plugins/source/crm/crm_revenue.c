/*
 * crm_revenue.c - Salesforce Opportunity and OpportunityContactRole
 * records as `opportunity` and `opportunity_contact` events (crm_revenue.h).
 *
 * Owns the fields these objects must hold, reading the Amount as exact
 * cents (never through a double), and the instant a CloseDate ends: a
 * date-only CloseDate (what Salesforce exports) covers the whole UTC day,
 * so a touchpoint on the closing day is on or before it.  Reads fields
 * with the SDK's readers (fields.h) like crm_event.c, and writes with the
 * source's builder.
 */
#include <stdio.h>
#include <string.h>
#include <touchflow/builder.h>
#include <touchflow/error.h>
#include <touchflow/event.h>
#include <touchflow/fields.h>
#include "crm_revenue.h"

#define DAY_MS 86400000
#define MAX_WHOLE_DIGITS 15

int crm_parse_amount(const char *text, size_t len, int64_t *cents)
{
  size_t i = 0, whole = 0, frac = 0;
  int64_t v = 0;
  int neg = 0;

  if (i < len && (text[i] == '-' || text[i] == '+'))
    neg = text[i++] == '-';
  for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, whole++)
    if (whole < MAX_WHOLE_DIGITS)
      v = v * 10 + (text[i] - '0');
  if (whole == 0 || whole > MAX_WHOLE_DIGITS)
    return -1;
  v *= 100;
  if (i < len && text[i] == '.') {
    for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++, frac++)
      if (frac < 2)
        v += (text[i] - '0') * (frac == 0 ? 10 : 1);
      else if (text[i] != '0')
        return -1;
    if (frac == 0)
      return -1;
  }
  if (i != len)
    return -1;
  *cents = neg ? -v : v;
  return 0;
}

/* The Amount: *has 0 when unset; else exact cents.  A string or a JSON
 * number written as a decimal. */
static int read_amount(const tf_record *rec, int64_t *cents, int *has,
                       tf_field_problem *why)
{
  const tf_value *v = tf_field_find(tf_record_root(rec), "Amount");
  char shown[TF_FIELD_SHOWN_LEN];
  const char *text;
  size_t len = 0;
  tf_type type = tf_value_type(v);

  *has = 0;
  if (tf_field_is_unset_of(v))
    return TF_OK;
  if (type == TF_TYPE_STRING)
    text = tf_value_string(v, &len);
  else if (type == TF_TYPE_INTEGER || type == TF_TYPE_DOUBLE)
    text = tf_value_raw(v, &len);
  else
    text = NULL;
  if (text && crm_parse_amount(text, len, cents) == 0) {
    *has = 1;
    return TF_OK;
  }
  tf_field_describe_of(v, shown, sizeof(shown));
  return tf_field_complain(why, "invalid_field",
                           "Amount is %s, not a decimal amount (at most 15 "
                           "digits before the point and 2 after it)",
                           shown);
}

/* Id, IsDeleted and CreatedDate, as every crm object. */
static int read_common(const tf_record *rec, const char **id, int64_t *created,
                       tf_field_problem *why)
{
  int deleted, found;

  if (tf_field_required_text(rec, "Id", id, why) ||
      tf_field_flag(rec, "IsDeleted", &deleted, why))
    return TF_ERR_INVAL;
  if (deleted)
    return tf_field_complain(why, "deleted_record",
                             "%s is deleted in Salesforce (IsDeleted is "
                             "true): it makes no event",
                             *id);
  if (tf_field_salesforce_time(rec, "CreatedDate", created, &found, why))
    return TF_ERR_INVAL;
  if (!found)
    return tf_field_complain(why, "missing_field", "CreatedDate is missing");
  return TF_OK;
}

/* CloseDate: the last millisecond it covers (a date: the end of that UTC
 * day), *found 0 when unset. */
static int read_close(const tf_record *rec, const char **text, int64_t *ms,
                      int *found, tf_field_problem *why)
{
  if (tf_field_text(rec, "CloseDate", text, why) ||
      tf_field_salesforce_time(rec, "CloseDate", ms, found, why))
    return TF_ERR_INVAL;
  if (*found && strlen(*text) == 10) /* yyyy-MM-dd */
    *ms += DAY_MS - 1;
  return TF_OK;
}

static int key_int_or_null(tf_builder *b, const char *key, int has, int64_t v)
{
  return tf_builder_key(b, key) ||
         (has ? tf_builder_int64(b, v) : tf_builder_null(b));
}

static int key_bool(tf_builder *b, const char *key, int v)
{
  return tf_builder_key(b, key) || tf_builder_bool(b, v);
}

static int map_opportunity(const tf_record *rec, tf_builder *b, int64_t *ts,
                           tf_field_problem *why)
{
  const char *id, *close_text, *currency, *stage;
  int64_t cents = 0, close_ms = 0;
  int has_amount, has_close, won, closed;
  char amount[32];

  if (read_common(rec, &id, ts, why) ||
      read_amount(rec, &cents, &has_amount, why) ||
      read_close(rec, &close_text, &close_ms, &has_close, why) ||
      tf_field_flag(rec, "IsWon", &won, why) ||
      tf_field_flag(rec, "IsClosed", &closed, why) ||
      tf_field_text(rec, "StageName", &stage, why) ||
      tf_field_text(rec, "CurrencyIsoCode", &currency, why))
    return TF_ERR_INVAL;
  if (won && !closed)
    return tf_field_complain(why, "invalid_field",
                             "IsWon is true but IsClosed is false");
  if (closed && !has_close)
    return tf_field_complain(why, "missing_field",
                             "CloseDate is missing on a closed opportunity");
  snprintf(amount, sizeof(amount), "%s%lld.%02lld", cents < 0 ? "-" : "",
           (long long)(cents < 0 ? -cents : cents) / 100,
           (long long)(cents < 0 ? -cents : cents) % 100);
  if (tf_event_begin(b, "opportunity", *ts, NULL, NULL, "crm", id) ||
      tf_event_text(b, "opportunity_id", id) ||
      tf_event_text(b, "amount", has_amount ? amount : NULL) ||
      key_int_or_null(b, "amount_cents", has_amount, cents) ||
      tf_event_text(b, "currency", currency) ||
      tf_event_text(b, "close_date", close_text) ||
      key_int_or_null(b, "close_ts_ms", has_close, close_ms) ||
      key_bool(b, "is_won", won) || key_bool(b, "is_closed", closed) ||
      tf_event_text(b, "stage", stage))
    return TF_ERR_NOMEM;
  return TF_OK;
}

static int map_contact_role(const tf_record *rec, tf_builder *b, int64_t *ts,
                            tf_field_problem *why)
{
  const char *id, *opp, *contact, *role;
  int primary;

  if (read_common(rec, &id, ts, why) ||
      tf_field_required_text(rec, "OpportunityId", &opp, why) ||
      tf_field_required_text(rec, "ContactId", &contact, why) ||
      tf_field_text(rec, "Role", &role, why) ||
      tf_field_flag(rec, "IsPrimary", &primary, why))
    return TF_ERR_INVAL;
  if (tf_event_begin(b, "opportunity_contact", *ts, NULL, NULL, "crm", id) ||
      tf_event_text(b, "opportunity_id", opp) ||
      tf_event_text(b, "contact_id", contact) ||
      tf_event_text(b, "role", role) || key_bool(b, "is_primary", primary))
    return TF_ERR_NOMEM;
  return TF_OK;
}

int crm_revenue_map_record_with(void *ud, tf_ctx *ctx, const tf_host *host,
                                const tf_record *rec)
{
  const crm_mapping *m = ud;
  tf_field_problem why = {NULL, ""};
  tf_record *out = NULL;
  int64_t ts = 0;
  int rc = m->settings.object == CRM_OPPORTUNITY
               ? map_opportunity(rec, m->builder, &ts, &why)
               : map_contact_role(rec, m->builder, &ts, &why);

  if (rc == TF_OK && tf_event_finish(m->builder, rec, &out) != TF_OK)
    rc = TF_ERR_NOMEM;
  if (rc == TF_ERR_INVAL)
    return host->reject(ctx, rec, why.code, why.message);
  if (rc != TF_OK)
    return rc;
  return tf_time_order_emit(m->settings.order, ctx, host, out, ts);
}
