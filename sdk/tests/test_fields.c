/*
 * test_fields.c - typed field readers (sdk/lib/fields.c): the lookup rule,
 * what counts as unset, how values show in messages, each reader's checks
 * with its reject code and message, and the epoch time check.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "touchflow/error.h"
#include "touchflow/fields.h"
#include "touchflow/record_json.h"

#define UID "277d79d01678498fea067c9b631bf6df"

static tf_record *rec;
static tf_field_problem why;

/* Makes `rec` from JSON text; the teardown drops it. */
static void record_of(const char *json)
{
  char err[256];

  tf_record_unref(rec);
  rec = tf_record_parse(json, strlen(json), NULL, err, sizeof(err));
  ck_assert_msg(rec != NULL, "bad test JSON: %s", err);
}

static void setup(void)
{
  rec = NULL;
  why.code = NULL;
  why.message[0] = '\0';
}

static void teardown(void)
{
  tf_record_unref(rec);
}

/* The last reader returned TF_ERR_INVAL with this code and message. */
static void expect_problem(int rc, const char *code, const char *message)
{
  ck_assert_int_eq(rc, TF_ERR_INVAL);
  ck_assert_str_eq(why.code, code);
  ck_assert_str_eq(why.message, message);
}

/* 1 when the NUL-terminated text is valid UTF-8 (jansson's check). */
static int valid_utf8(const char *text)
{
  json_t *s = json_string(text);

  json_decref(s);
  return s != NULL;
}

/* A string of n copies of c. */
static char *repeat(char c, size_t n)
{
  char *s = malloc(n + 1);

  ck_assert_ptr_nonnull(s);
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

/* --- The lookup rule --------------------------------------------------- */

START_TEST(test_lookup_prefers_the_exact_key)
{
  record_of("{\"EMAIL\":\"upper\",\"Email\":\"mixed\",\"email\":\"lower\"}");
  ck_assert_str_eq(json_string_value(tf_field_lookup(rec, "Email")), "mixed");
}
END_TEST

START_TEST(test_lookup_finds_a_key_in_another_case)
{
  record_of("{\"ID\":\"00T1\",\"CREATEDDATE\":\"2024-03-05\"}");
  ck_assert_str_eq(json_string_value(tf_field_lookup(rec, "Id")), "00T1");
  ck_assert_str_eq(json_string_value(tf_field_lookup(rec, "CreatedDate")),
                   "2024-03-05");
}
END_TEST

START_TEST(test_lookup_follows_a_dotted_path)
{
  record_of("{\"Account\":{\"Name\":\"Acme\"},\"calls\":[{\"id\":7}]}");
  ck_assert_str_eq(json_string_value(tf_field_lookup(rec, "Account.Name")),
                   "Acme");
  ck_assert_int_eq(json_integer_value(tf_field_lookup(rec, "calls.0.id")), 7);
}
END_TEST

START_TEST(test_lookup_prefers_a_dotted_key_to_a_path)
{
  record_of("{\"Account.Name\":\"flat\",\"Account\":{\"Name\":\"nested\"}}");
  ck_assert_str_eq(json_string_value(tf_field_lookup(rec, "Account.Name")),
                   "flat");
}
END_TEST

START_TEST(test_lookup_of_nothing_is_null)
{
  record_of("{\"a\":1}");
  ck_assert_ptr_null(tf_field_lookup(rec, "b"));
  ck_assert_ptr_null(tf_field_lookup(rec, "a.b"));
  ck_assert_ptr_null(tf_field_lookup(rec, NULL));
  ck_assert_ptr_null(tf_field_lookup(NULL, "a"));
}
END_TEST

/* tf_field_find: the same rule over the value index, without a tree. */
static const char *found_text(const char *name)
{
  return tf_value_string(tf_field_find(tf_record_root(rec), name), NULL);
}

START_TEST(test_find_follows_the_lookup_rule_without_a_tree)
{
  int64_t n = 0;

  record_of("{\"EMAIL\":\"upper\",\"Email\":\"mixed\",\"ID\":\"00T1\","
            "\"Account.Name\":\"flat\",\"Account\":{\"Name\":\"nested\"},"
            "\"calls\":[{\"id\":7}],\"n\":null}");
  ck_assert_str_eq(found_text("Email"), "mixed");
  ck_assert_str_eq(found_text("email"), "upper");
  ck_assert_str_eq(found_text("Id"), "00T1");
  ck_assert_str_eq(found_text("Account.Name"), "flat");
  ck_assert_str_eq(found_text("account.name"), "flat");
  ck_assert_int_eq(
      tf_value_int64(tf_field_find(tf_record_root(rec), "calls.0.id"), &n),
      TF_OK);
  ck_assert_int_eq(n, 7);
  /* absent and null are told apart, and both are unset */
  ck_assert_ptr_null(tf_field_find(tf_record_root(rec), "missing"));
  ck_assert_int_eq(tf_value_type(tf_field_find(tf_record_root(rec), "n")),
                   TF_TYPE_NULL);
  ck_assert_int_eq(tf_field_is_unset_of(NULL), 1);
  ck_assert_int_eq(tf_field_is_unset_of(tf_record_value(rec, "n")), 1);
  ck_assert_int_eq(tf_field_is_unset_of(tf_record_value(rec, "ID")), 0);
  ck_assert_ptr_null(tf_field_find(tf_record_root(rec), "calls.0.id.x"));
  ck_assert_ptr_null(tf_field_find(tf_record_root(rec), NULL));
  ck_assert_ptr_null(tf_field_find(tf_record_value(rec, "ID"), "a"));
  ck_assert_ptr_null(tf_field_find(NULL, "a"));
  ck_assert_uint_eq(tf_record_debug_state(rec) & TF_RECORD_HAS_TREE, 0);
}
END_TEST

START_TEST(test_record_readers_build_no_tree)
{
  const char *text = NULL;
  const tf_value *id = NULL;
  char uid[TF_BIZIBLE_ID_LEN + 1];
  int64_t ms = 0;
  int flag = -1, found = 0;

  record_of(
      "{\"Id\":\"00T1\",\"IsDeleted\":\"FALSE\",\"bizible2__BizibleId__c\":"
      "\"277D79D01678498FEA067C9B631BF6DF\",\"CreatedDate\":"
      "\"2024-03-05T10:00:00.000+0000\",\"Subject\":null}");
  ck_assert_int_eq(tf_field_required_text(rec, "id", &text, &why), TF_OK);
  ck_assert_str_eq(text, "00T1");
  ck_assert_int_eq(tf_field_text(rec, "Subject", &text, &why), TF_OK);
  ck_assert_ptr_null(text);
  ck_assert_int_eq(tf_field_id(rec, "ID", &id, &why), TF_OK);
  ck_assert_int_eq(tf_field_flag(rec, "IsDeleted", &flag, &why), TF_OK);
  ck_assert_int_eq(flag, 0);
  ck_assert_int_eq(
      tf_field_bizible_id(rec, "bizible2__BizibleId__c", uid, &why), TF_OK);
  ck_assert_str_eq(uid, UID);
  ck_assert_int_eq(
      tf_field_salesforce_time(rec, "CreatedDate", &ms, &found, &why), TF_OK);
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(ms, INT64_C(1709632800000));
  ck_assert_uint_eq(tf_record_debug_state(rec),
                    TF_RECORD_HAS_INDEX); /* the index, no tree */
}
END_TEST

/* The tf_value forms and the json_t forms give the same outcome, code and
 * message for every value of `values` (JSON texts). */
static const char *const values[] = {"\"\"",
                                     "null",
                                     "\"text\"",
                                     "\"TRUE\"",
                                     "\"False\"",
                                     "true",
                                     "false",
                                     "0",
                                     "-12",
                                     "1.5",
                                     "1e300",
                                     "{\"a\":1}",
                                     "[1]",
                                     "\"2024-03-05\"",
                                     "\"2024-03-05T10:00:00.000+0000\"",
                                     "\"2026-02-30\"",
                                     "\"1709632800\"",
                                     "\"1709632800000\"",
                                     "1709632800",
                                     "1709632800000",
                                     "\"-5\"",
                                     "\"99999999999999999999\"",
                                     "\"2026-03-01T12:17:05.123Z\"",
                                     "\"277D79D01678498FEA067C9B631BF6DF\"",
                                     "\"277d79d0\"",
                                     "\"a\\u0000b\"",
                                     "-9223372036854775808",
                                     "9223372036854775807",
                                     "\"\\u00e9t\\u00e9\""};

/* One reader's outcome: rc, code and message, and what it read. */
typedef struct outcome {
  int rc;
  char text[TF_FIELD_MESSAGE_LEN + 128];
} outcome;

static void same_outcome(const outcome *a, const outcome *b, const char *what,
                         const char *value)
{
  ck_assert_msg(a->rc == b->rc && strcmp(a->text, b->text) == 0,
                "%s of %s: tf_value form %d \"%s\", json_t form %d \"%s\"",
                what, value, a->rc, a->text, b->rc, b->text);
}

static void keep(outcome *o, int rc, const char *read)
{
  o->rc = rc;
  snprintf(o->text, sizeof(o->text), "%s|%s|%s", rc == TF_OK ? "" : why.code,
           rc == TF_OK ? "" : why.message, read ? read : "(null)");
}

START_TEST(test_value_and_json_forms_agree)
{
  char wrapped[256], shown_v[TF_FIELD_SHOWN_LEN], shown_j[TF_FIELD_SHOWN_LEN];
  char uid_v[TF_BIZIBLE_ID_LEN + 1], uid_j[TF_BIZIBLE_ID_LEN + 1];
  char num[64];
  size_t i;

  for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    const tf_value *v;
    const json_t *j, *jid;
    const tf_value *vid;
    const char *tv, *tj;
    int64_t ms_v = -1, ms_j = -1;
    int fv = -1, fj = -1, found_v = -1, found_j = -1;
    int unit, rc;
    outcome a, b;

    snprintf(wrapped, sizeof(wrapped), "{\"f\":%s}", values[i]);
    record_of(wrapped);
    v = tf_record_value(rec, "f");
    j = tf_record_get(rec, "f");
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_nonnull(j);

    tf_field_describe_of(v, shown_v, sizeof(shown_v));
    tf_field_describe(j, shown_j, sizeof(shown_j));
    ck_assert_str_eq(shown_v, shown_j);
    ck_assert_int_eq(tf_field_is_unset_of(v), tf_field_is_unset(j));

    rc = tf_field_text_of(v, "f", &tv, &why);
    keep(&a, rc, tv);
    rc = tf_field_text_value(j, "f", &tj, &why);
    keep(&b, rc, tj);
    same_outcome(&a, &b, "text", values[i]);
    rc = tf_field_required_text_of(v, "f", &tv, &why);
    keep(&a, rc, tv);
    rc = tf_field_required_text_value(j, "f", &tj, &why);
    keep(&b, rc, tj);
    same_outcome(&a, &b, "required_text", values[i]);

    rc = tf_field_id_of(v, "f", &vid, &why);
    keep(&a, rc, vid ? "set" : NULL);
    rc = tf_field_id_value(j, "f", &jid, &why);
    keep(&b, rc, jid ? "set" : NULL);
    same_outcome(&a, &b, "id", values[i]);

    rc = tf_field_flag_of(v, "f", &fv, &why);
    keep(&a, rc, fv ? "1" : "0");
    rc = tf_field_flag_value(j, "f", &fj, &why);
    keep(&b, rc, fj ? "1" : "0");
    same_outcome(&a, &b, "flag", values[i]);

    rc = tf_field_salesforce_time_of(v, "f", &ms_v, &found_v, &why);
    snprintf(num, sizeof(num), "%d %" PRId64, found_v, ms_v);
    keep(&a, rc, num);
    rc = tf_field_salesforce_time_value(j, "f", &ms_j, &found_j, &why);
    snprintf(num, sizeof(num), "%d %" PRId64, found_j, ms_j);
    keep(&b, rc, num);
    same_outcome(&a, &b, "salesforce_time", values[i]);

    rc = tf_field_bizible_id_of(v, "f", uid_v, &why);
    keep(&a, rc, uid_v);
    rc = tf_field_bizible_id_value(j, "f", uid_j, &why);
    keep(&b, rc, uid_j);
    same_outcome(&a, &b, "bizible_id", values[i]);

    for (unit = 0; unit < 2; unit++) {
      tf_epoch_unit u = unit ? TF_EPOCH_SECONDS : TF_EPOCH_MILLISECONDS;

      ms_v = ms_j = -1;
      ck_assert_int_eq(tf_field_epoch_time_of(v, u, &ms_v),
                       tf_field_epoch_time(j, u, &ms_j));
      ck_assert_int_eq(ms_v, ms_j);
    }
  }
}
END_TEST

/* --- Unset and describe ------------------------------------------------ */

START_TEST(test_absent_null_and_empty_are_unset)
{
  json_t *null = json_null(), *empty = json_string("");
  json_t *space = json_string(" "), *zero = json_integer(0);

  ck_assert_int_eq(tf_field_is_unset(NULL), 1);
  ck_assert_int_eq(tf_field_is_unset(null), 1);
  ck_assert_int_eq(tf_field_is_unset(empty), 1);
  ck_assert_int_eq(tf_field_is_unset(space), 0);
  ck_assert_int_eq(tf_field_is_unset(zero), 0);
  ck_assert_int_eq(tf_field_is_unset(json_false()), 0);
  json_decref(null);
  json_decref(empty);
  json_decref(space);
  json_decref(zero);
}
END_TEST

/* What tf_field_describe writes for the JSON text `json`. */
static const char *shown(const char *json)
{
  static char buf[TF_FIELD_SHOWN_LEN];
  json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);

  ck_assert_ptr_nonnull(v);
  tf_field_describe(v, buf, sizeof(buf));
  json_decref(v);
  return buf;
}

START_TEST(test_describe_quotes_a_string)
{
  ck_assert_str_eq(shown("\"03/05/2024\""), "\"03/05/2024\"");
}
END_TEST

START_TEST(test_describe_shows_numbers_as_written)
{
  ck_assert_str_eq(shown("1772367425"), "1772367425");
  ck_assert_str_eq(shown("-3"), "-3");
  ck_assert_str_eq(shown("1.5"), "1.5");
}
END_TEST

START_TEST(test_describe_names_other_types)
{
  char buf[TF_FIELD_SHOWN_LEN];

  ck_assert_str_eq(shown("{\"href\":\"x\"}"), "an object");
  ck_assert_str_eq(shown("[1]"), "an array");
  ck_assert_str_eq(shown("null"), "null");
  ck_assert_str_eq(shown("true"), "a boolean");
  tf_field_describe(NULL, buf, sizeof(buf));
  ck_assert_str_eq(buf, "absent");
}
END_TEST

START_TEST(test_describe_shows_80_bytes_of_a_long_string)
{
  char *text = repeat('x', 200);
  json_t *v = json_string(text);
  char buf[TF_FIELD_SHOWN_LEN];

  tf_field_describe(v, buf, sizeof(buf));
  ck_assert_uint_eq(strlen(buf), 82);
  ck_assert_int_eq(buf[0], '"');
  ck_assert_int_eq(buf[81], '"');
  json_decref(v);
  free(text);
}
END_TEST

START_TEST(test_describe_cuts_on_a_character_boundary)
{
  /* 79 bytes, then a 2-byte character across the 80-byte mark. */
  char *text = repeat('x', 79);
  char *longer = malloc(79 + 2 + 10 + 1);
  json_t *v;
  char buf[TF_FIELD_SHOWN_LEN];

  ck_assert_ptr_nonnull(longer);
  strcpy(longer, text);
  strcat(longer, "\xc3\xa9"
                 "0123456789");
  v = json_string(longer);
  ck_assert_ptr_nonnull(v);
  tf_field_describe(v, buf, sizeof(buf));
  ck_assert_uint_eq(strlen(buf), 81);
  ck_assert_int_eq(valid_utf8(buf), 1);
  json_decref(v);
  free(longer);
  free(text);
}
END_TEST

START_TEST(test_describe_fits_a_small_buffer)
{
  json_t *v = json_string("\xc3\xa9\xc3\xa9\xc3\xa9");
  char buf[6];

  tf_field_describe(v, buf, sizeof(buf));
  ck_assert_str_eq(buf, "\"\xc3\xa9\"");
  json_decref(v);
}
END_TEST

/* --- Complain ---------------------------------------------------------- */

START_TEST(test_complain_sets_code_and_message)
{
  int rc = tf_field_complain(&why, "deleted_record", "%s is deleted (%d)",
                             "00T1", 7);

  expect_problem(rc, "deleted_record", "00T1 is deleted (7)");
}
END_TEST

START_TEST(test_complain_cuts_a_long_message_on_a_character_boundary)
{
  /* 510 bytes, then a 3-byte character that does not fit. */
  char *text = repeat('x', 510);

  tf_field_complain(&why, "invalid_field", "%s\xe2\x82\xac!", text);
  ck_assert_uint_eq(strlen(why.message), 510);
  ck_assert_int_eq(valid_utf8(why.message), 1);
  free(text);
}
END_TEST

/* --- Text -------------------------------------------------------------- */

/* The text `name` of rec, which must read without a problem. */
static const char *text_of(const char *name)
{
  const char *out = "untouched";

  ck_assert_int_eq(tf_field_text(rec, name, &out, &why), TF_OK);
  return out;
}

START_TEST(test_text_is_borrowed_from_the_record)
{
  record_of("{\"Subject\":\"Call: inbound\"}");
  ck_assert_ptr_eq(text_of("Subject"),
                   tf_value_string(tf_record_value(rec, "Subject"), NULL));
  ck_assert_ptr_null(why.code);
}
END_TEST

START_TEST(test_unset_text_is_null)
{
  record_of("{\"a\":null,\"b\":\"\"}");
  ck_assert_ptr_null(text_of("a"));
  ck_assert_ptr_null(text_of("b"));
  ck_assert_ptr_null(text_of("c"));
}
END_TEST

START_TEST(test_text_of_another_type_is_invalid_field)
{
  const char *out;

  record_of("{\"Subject\":[\"a\"],\"url\":{\"href\":\"x\"},\"n\":5}");
  expect_problem(tf_field_text(rec, "Subject", &out, &why), "invalid_field",
                 "Subject is an array, not a string");
  expect_problem(tf_field_text(rec, "url", &out, &why), "invalid_field",
                 "url is an object, not a string");
  expect_problem(tf_field_text(rec, "n", &out, &why), "invalid_field",
                 "n is 5, not a string");
}
END_TEST

START_TEST(test_text_value_reads_a_value_found_elsewhere)
{
  const char *out;

  record_of("{\"contact\":{\"attributes\":{\"email\":\"a@b.c\"}}}");
  ck_assert_int_eq(
      tf_field_text_value(tf_record_get_path(rec, "contact.attributes.email"),
                          "email", &out, &why),
      TF_OK);
  ck_assert_str_eq(out, "a@b.c");
}
END_TEST

START_TEST(test_required_text_unset_is_missing_field)
{
  const char *out;

  record_of("{\"Id\":\"\",\"CampaignId\":null}");
  expect_problem(tf_field_required_text(rec, "Id", &out, &why), "missing_field",
                 "Id is missing");
  expect_problem(tf_field_required_text(rec, "CampaignId", &out, &why),
                 "missing_field", "CampaignId is missing");
  expect_problem(tf_field_required_text_value(NULL, "x", &out, &why),
                 "missing_field", "x is missing");
}
END_TEST

START_TEST(test_required_text_set_is_read)
{
  const char *out = NULL;

  record_of("{\"ID\":\"00Q1\",\"n\":1}");
  ck_assert_int_eq(tf_field_required_text(rec, "Id", &out, &why), TF_OK);
  ck_assert_str_eq(out, "00Q1");
  expect_problem(tf_field_required_text(rec, "n", &out, &why), "invalid_field",
                 "n is 1, not a string");
}
END_TEST

/* --- Ids --------------------------------------------------------------- */

START_TEST(test_id_is_a_string_or_an_integer)
{
  const tf_value *out = NULL;
  const json_t *json = NULL;
  int64_t n = 0;

  record_of("{\"id\":98765432,\"Id\":\"00T1\"}");
  ck_assert_int_eq(tf_field_id(rec, "id", &out, &why), TF_OK);
  ck_assert_int_eq(tf_value_int64(out, &n), TF_OK);
  ck_assert_int_eq(n, 98765432);
  ck_assert_int_eq(tf_field_id(rec, "Id", &out, &why), TF_OK);
  ck_assert_str_eq(tf_value_string(out, NULL), "00T1");
  ck_assert_int_eq(
      tf_field_id_value(tf_record_get(rec, "Id"), "Id", &json, &why), TF_OK);
  ck_assert_str_eq(json_string_value(json), "00T1");
}
END_TEST

START_TEST(test_unset_id_is_null)
{
  const tf_value *out = tf_record_value(NULL, NULL);
  const json_t *json = json_null();

  record_of("{\"id\":\"\"}");
  out = tf_record_root(rec);
  ck_assert_int_eq(tf_field_id(rec, "id", &out, &why), TF_OK);
  ck_assert_ptr_null(out);
  ck_assert_int_eq(tf_field_id_value(NULL, "id", &json, &why), TF_OK);
  ck_assert_ptr_null(json);
  out = tf_record_root(rec);
  ck_assert_int_eq(tf_field_id_of(NULL, "id", &out, &why), TF_OK);
  ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_id_of_another_type_is_invalid_field)
{
  const tf_value *out;

  record_of("{\"id\":1.5,\"b\":true}");
  expect_problem(tf_field_id(rec, "id", &out, &why), "invalid_field",
                 "id is 1.5, not a string or an integer");
  expect_problem(tf_field_id(rec, "b", &out, &why), "invalid_field",
                 "b is a boolean, not a string or an integer");
}
END_TEST

/* --- Flags ------------------------------------------------------------- */

/* The flag `name` of rec, which must read without a problem. */
static int flag_of(const char *name)
{
  int flag = -1;

  ck_assert_int_eq(tf_field_flag(rec, name, &flag, &why), TF_OK);
  return flag;
}

START_TEST(test_flag_reads_json_booleans)
{
  record_of("{\"t\":true,\"f\":false}");
  ck_assert_int_eq(flag_of("t"), 1);
  ck_assert_int_eq(flag_of("f"), 0);
}
END_TEST

START_TEST(test_flag_reads_true_and_false_text_in_any_case)
{
  record_of("{\"a\":\"TRUE\",\"b\":\"true\",\"c\":\"False\"}");
  ck_assert_int_eq(flag_of("a"), 1);
  ck_assert_int_eq(flag_of("b"), 1);
  ck_assert_int_eq(flag_of("c"), 0);
}
END_TEST

START_TEST(test_unset_flag_is_false)
{
  record_of("{\"a\":\"\",\"b\":null}");
  ck_assert_int_eq(flag_of("a"), 0);
  ck_assert_int_eq(flag_of("b"), 0);
  ck_assert_int_eq(flag_of("c"), 0);
}
END_TEST

START_TEST(test_other_flag_is_invalid_field)
{
  int flag;

  record_of("{\"HasResponded\":\"yes\",\"IsDeleted\":1}");
  expect_problem(tf_field_flag(rec, "HasResponded", &flag, &why),
                 "invalid_field",
                 "HasResponded \"yes\" is neither true nor "
                 "false");
  expect_problem(tf_field_flag(rec, "IsDeleted", &flag, &why), "invalid_field",
                 "IsDeleted 1 is neither true nor false");
}
END_TEST

/* --- Salesforce times -------------------------------------------------- */

START_TEST(test_salesforce_datetime_and_date_are_read)
{
  int64_t ms = 0;
  int found = 0;

  record_of("{\"CreatedDate\":\"2024-03-05T14:19:02.000+0000\","
            "\"ActivityDate\":\"2024-03-05\"}");
  ck_assert_int_eq(
      tf_field_salesforce_time(rec, "CreatedDate", &ms, &found, &why), TF_OK);
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(ms, INT64_C(1709648342000));
  ck_assert_int_eq(
      tf_field_salesforce_time(rec, "ActivityDate", &ms, &found, &why), TF_OK);
  ck_assert_int_eq(ms, INT64_C(1709596800000));
}
END_TEST

START_TEST(test_unset_salesforce_time_is_not_found)
{
  int64_t ms = 42;
  int found = 1;

  record_of("{\"CreatedDate\":\"\"}");
  ck_assert_int_eq(
      tf_field_salesforce_time(rec, "CreatedDate", &ms, &found, &why), TF_OK);
  ck_assert_int_eq(found, 0);
  ck_assert_int_eq(ms, 42);
}
END_TEST

START_TEST(test_bad_salesforce_time_is_invalid_timestamp)
{
  int64_t ms;
  int found;

  record_of("{\"CreatedDate\":\"03/05/2024 14:19\",\"n\":1709648342}");
  expect_problem(
      tf_field_salesforce_time(rec, "CreatedDate", &ms, &found, &why),
      "invalid_timestamp",
      "CreatedDate \"03/05/2024 14:19\" is not a Salesforce date or datetime");
  expect_problem(tf_field_salesforce_time(rec, "n", &ms, &found, &why),
                 "invalid_timestamp",
                 "n 1709648342 is not a Salesforce date or datetime");
}
END_TEST

/* --- BizibleIds -------------------------------------------------------- */

START_TEST(test_bizible_id_is_lowercased)
{
  char out[TF_BIZIBLE_ID_LEN + 1];

  record_of(
      "{\"bizible2__BizibleId__c\":\"277D79D01678498FEA067C9B631BF6DF\"}");
  ck_assert_int_eq(
      tf_field_bizible_id(rec, "bizible2__BizibleId__c", out, &why), TF_OK);
  ck_assert_str_eq(out, UID);
}
END_TEST

/* Every ASCII byte at every position: a BizibleId holds hex digits only,
 * either case, written lowercased. */
START_TEST(test_bizible_id_takes_hex_digits_only)
{
  char out[TF_BIZIBLE_ID_LEN + 1], id[TF_BIZIBLE_ID_LEN + 1], want[40];
  json_t *v;

  for (int c = 1; c < 128; c++) {
    for (size_t at = 0; at < TF_BIZIBLE_ID_LEN; at++) {
      memcpy(id, UID, sizeof(id));
      id[at] = (char)c;
      v = json_string(id);
      ck_assert_ptr_nonnull(v);
      memcpy(want, UID, sizeof(id));
      want[at] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
      if (strchr("0123456789abcdefABCDEF", c)) {
        ck_assert_int_eq(tf_field_bizible_id_value(v, "f", out, &why), TF_OK);
        ck_assert_str_eq(out, want);
      } else {
        ck_assert_int_eq(tf_field_bizible_id_value(v, "f", out, &why),
                         TF_ERR_INVAL);
        ck_assert_str_eq(why.code, "invalid_bizible_id");
        ck_assert_str_eq(out, "");
      }
      json_decref(v);
    }
  }
  /* A character beyond ASCII (two bytes) in place of a digit. */
  for (size_t at = 0; at < TF_BIZIBLE_ID_LEN; at++) {
    char longer[TF_BIZIBLE_ID_LEN + 2];

    memcpy(longer, UID, at);
    memcpy(longer + at, "\xc3\xa9", 2);
    memcpy(longer + at + 2, UID + at + 1, TF_BIZIBLE_ID_LEN - at);
    v = json_string(longer);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(tf_field_bizible_id_value(v, "f", out, &why),
                     TF_ERR_INVAL);
    ck_assert_str_eq(out, "");
    json_decref(v);
  }
}
END_TEST

START_TEST(test_unset_bizible_id_is_empty)
{
  char out[TF_BIZIBLE_ID_LEN + 1] = "x";

  record_of("{\"biz_uid\":\"\"}");
  ck_assert_int_eq(tf_field_bizible_id(rec, "biz_uid", out, &why), TF_OK);
  ck_assert_str_eq(out, "");
  ck_assert_int_eq(tf_field_bizible_id(rec, "_biz_uid", out, &why), TF_OK);
  ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_text_that_is_no_bizible_id_is_invalid_bizible_id)
{
  char out[TF_BIZIBLE_ID_LEN + 1];

  record_of("{\"short\":\"277d79d0167849\",\"long\":\"" UID "0\","
            "\"hex\":\"277d79d01678498fea067c9b631bf6dg\","
            "\"spaced\":\" " UID "\"}");
  expect_problem(tf_field_bizible_id(rec, "short", out, &why),
                 "invalid_bizible_id",
                 "short \"277d79d0167849\" is not a BizibleId (32 hex digits)");
  ck_assert_str_eq(out, "");
  expect_problem(tf_field_bizible_id(rec, "long", out, &why),
                 "invalid_bizible_id",
                 "long \"" UID "0\" is not a BizibleId (32 hex digits)");
  ck_assert_str_eq(out, "");
  ck_assert_int_eq(tf_field_bizible_id(rec, "hex", out, &why), TF_ERR_INVAL);
  ck_assert_int_eq(tf_field_bizible_id(rec, "spaced", out, &why), TF_ERR_INVAL);
}
END_TEST

START_TEST(test_bizible_id_of_another_type_is_invalid_field)
{
  char out[TF_BIZIBLE_ID_LEN + 1];

  record_of("{\"biz_uid\":12}");
  expect_problem(tf_field_bizible_id(rec, "biz_uid", out, &why),
                 "invalid_field", "biz_uid is 12, not a string");
}
END_TEST

START_TEST(test_bizible_id_message_cuts_on_a_character_boundary)
{
  char out[TF_BIZIBLE_ID_LEN + 1];
  char *text = repeat('x', 79);
  char *longer = malloc(79 + 2 + 1);
  json_t *v;

  ck_assert_ptr_nonnull(longer);
  strcpy(longer, text);
  strcat(longer, "\xc3\xa9");
  v = json_string(longer);
  ck_assert_int_eq(tf_field_bizible_id_value(v, "biz_uid", out, &why),
                   TF_ERR_INVAL);
  ck_assert_int_eq(valid_utf8(why.message), 1);
  ck_assert_ptr_null(strstr(why.message, "\xc3"));
  json_decref(v);
  free(longer);
  free(text);
}
END_TEST

/* --- Epoch times ------------------------------------------------------- */

/* tf_field_epoch_time on the JSON text `json`; *ms is -1 when untouched. */
static int epoch_time(const char *json, tf_epoch_unit unit, int64_t *ms)
{
  json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
  int rc;

  ck_assert_ptr_nonnull(v);
  *ms = -1;
  rc = tf_field_epoch_time(v, unit, ms);
  json_decref(v);
  return rc;
}

START_TEST(test_epoch_time_reads_iso_text)
{
  int64_t ms;

  ck_assert_int_eq(
      epoch_time("\"2026-03-01T12:17:05.123Z\"", TF_EPOCH_MILLISECONDS, &ms),
      TF_OK);
  ck_assert_int_eq(ms, INT64_C(1772367425123));
  ck_assert_int_eq(epoch_time("\"2024-03-05\"", TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, INT64_C(1709596800000));
}
END_TEST

START_TEST(test_epoch_time_reads_counts_in_the_unit)
{
  int64_t ms;

  ck_assert_int_eq(epoch_time("1772367425000", TF_EPOCH_MILLISECONDS, &ms),
                   TF_OK);
  ck_assert_int_eq(ms, INT64_C(1772367425000));
  ck_assert_int_eq(epoch_time("\"1772367425000\"", TF_EPOCH_MILLISECONDS, &ms),
                   TF_OK);
  ck_assert_int_eq(ms, INT64_C(1772367425000));
  ck_assert_int_eq(epoch_time("1709653000", TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(ms, INT64_C(1709653000000));
}
END_TEST

START_TEST(test_seconds_given_as_milliseconds_are_refused)
{
  int64_t ms;

  ck_assert_int_eq(epoch_time("1772367425", TF_EPOCH_MILLISECONDS, &ms),
                   TF_ERR_INVAL);
  ck_assert_int_eq(epoch_time("\"1772367425\"", TF_EPOCH_MILLISECONDS, &ms),
                   TF_ERR_INVAL);
  ck_assert_int_eq(epoch_time("-5", TF_EPOCH_MILLISECONDS, &ms), TF_ERR_INVAL);
  ck_assert_int_eq(ms, -1);
}
END_TEST

START_TEST(test_iso_text_before_1973_is_kept_in_milliseconds)
{
  int64_t ms;

  ck_assert_int_eq(
      epoch_time("\"1970-01-02T00:00:00Z\"", TF_EPOCH_MILLISECONDS, &ms),
      TF_OK);
  ck_assert_int_eq(ms, INT64_C(86400000));
}
END_TEST

START_TEST(test_milliseconds_given_as_seconds_are_refused)
{
  int64_t ms;

  ck_assert_int_eq(epoch_time("1709653000000", TF_EPOCH_SECONDS, &ms),
                   TF_ERR_INVAL);
  ck_assert_int_eq(epoch_time("100000000001", TF_EPOCH_SECONDS, &ms),
                   TF_ERR_INVAL);
  ck_assert_int_eq(epoch_time("100000000000", TF_EPOCH_SECONDS, &ms), TF_OK);
  ck_assert_int_eq(
      epoch_time("\"6000-01-01T00:00:00Z\"", TF_EPOCH_SECONDS, &ms),
      TF_ERR_INVAL);
}
END_TEST

START_TEST(test_unset_epoch_time_is_not_found)
{
  int64_t ms;

  ck_assert_int_eq(epoch_time("\"\"", TF_EPOCH_MILLISECONDS, &ms),
                   TF_ERR_NOTFOUND);
  ck_assert_int_eq(epoch_time("null", TF_EPOCH_SECONDS, &ms), TF_ERR_NOTFOUND);
  ck_assert_int_eq(tf_field_epoch_time(NULL, TF_EPOCH_SECONDS, &ms),
                   TF_ERR_NOTFOUND);
}
END_TEST

START_TEST(test_epoch_time_of_no_time_is_a_parse_error)
{
  int64_t ms;

  ck_assert_int_eq(
      epoch_time("\"2026-02-30T10:00:00Z\"", TF_EPOCH_MILLISECONDS, &ms),
      TF_ERR_PARSE);
  ck_assert_int_eq(epoch_time("1.7e12", TF_EPOCH_MILLISECONDS, &ms),
                   TF_ERR_PARSE);
  ck_assert_int_eq(epoch_time("true", TF_EPOCH_SECONDS, &ms), TF_ERR_PARSE);
  ck_assert_int_eq(epoch_time("{}", TF_EPOCH_SECONDS, &ms), TF_ERR_PARSE);
  ck_assert_int_eq(ms, -1);
}
END_TEST

static Suite *fields_suite(void)
{
  Suite *s = suite_create("fields");
  TCase *basics = tcase_create("basics");
  TCase *readers = tcase_create("readers");
  TCase *epoch = tcase_create("epoch");

  tcase_add_checked_fixture(basics, setup, teardown);
  tcase_add_test(basics, test_lookup_prefers_the_exact_key);
  tcase_add_test(basics, test_lookup_finds_a_key_in_another_case);
  tcase_add_test(basics, test_lookup_follows_a_dotted_path);
  tcase_add_test(basics, test_lookup_prefers_a_dotted_key_to_a_path);
  tcase_add_test(basics, test_lookup_of_nothing_is_null);
  tcase_add_test(basics, test_absent_null_and_empty_are_unset);
  tcase_add_test(basics, test_describe_quotes_a_string);
  tcase_add_test(basics, test_describe_shows_numbers_as_written);
  tcase_add_test(basics, test_describe_names_other_types);
  tcase_add_test(basics, test_describe_shows_80_bytes_of_a_long_string);
  tcase_add_test(basics, test_describe_cuts_on_a_character_boundary);
  tcase_add_test(basics, test_describe_fits_a_small_buffer);
  tcase_add_test(basics, test_complain_sets_code_and_message);
  tcase_add_test(basics,
                 test_complain_cuts_a_long_message_on_a_character_boundary);
  suite_add_tcase(s, basics);

  tcase_add_checked_fixture(readers, setup, teardown);
  tcase_add_test(readers, test_text_is_borrowed_from_the_record);
  tcase_add_test(readers, test_find_follows_the_lookup_rule_without_a_tree);
  tcase_add_test(readers, test_record_readers_build_no_tree);
  tcase_add_test(readers, test_value_and_json_forms_agree);
  tcase_add_test(readers, test_unset_text_is_null);
  tcase_add_test(readers, test_text_of_another_type_is_invalid_field);
  tcase_add_test(readers, test_text_value_reads_a_value_found_elsewhere);
  tcase_add_test(readers, test_required_text_unset_is_missing_field);
  tcase_add_test(readers, test_required_text_set_is_read);
  tcase_add_test(readers, test_id_is_a_string_or_an_integer);
  tcase_add_test(readers, test_unset_id_is_null);
  tcase_add_test(readers, test_id_of_another_type_is_invalid_field);
  tcase_add_test(readers, test_flag_reads_json_booleans);
  tcase_add_test(readers, test_flag_reads_true_and_false_text_in_any_case);
  tcase_add_test(readers, test_unset_flag_is_false);
  tcase_add_test(readers, test_other_flag_is_invalid_field);
  tcase_add_test(readers, test_salesforce_datetime_and_date_are_read);
  tcase_add_test(readers, test_unset_salesforce_time_is_not_found);
  tcase_add_test(readers, test_bad_salesforce_time_is_invalid_timestamp);
  tcase_add_test(readers, test_bizible_id_is_lowercased);
  tcase_add_test(readers, test_bizible_id_takes_hex_digits_only);
  tcase_add_test(readers, test_unset_bizible_id_is_empty);
  tcase_add_test(readers,
                 test_text_that_is_no_bizible_id_is_invalid_bizible_id);
  tcase_add_test(readers, test_bizible_id_of_another_type_is_invalid_field);
  tcase_add_test(readers, test_bizible_id_message_cuts_on_a_character_boundary);
  suite_add_tcase(s, readers);

  tcase_add_test(epoch, test_epoch_time_reads_iso_text);
  tcase_add_test(epoch, test_epoch_time_reads_counts_in_the_unit);
  tcase_add_test(epoch, test_seconds_given_as_milliseconds_are_refused);
  tcase_add_test(epoch, test_iso_text_before_1973_is_kept_in_milliseconds);
  tcase_add_test(epoch, test_milliseconds_given_as_seconds_are_refused);
  tcase_add_test(epoch, test_unset_epoch_time_is_not_found);
  tcase_add_test(epoch, test_epoch_time_of_no_time_is_a_parse_error);
  suite_add_tcase(s, epoch);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(fields_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
