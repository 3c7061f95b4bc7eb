/*
 * test_drift_email.c - finding the email address a visitor typed in a
 * Drift message body, plain or HTML
 * (docs/attribution-rules.md#drift-chat-rule-1).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <touchflow/error.h>
#include "../drift_email.h"

/* The address found in text, or "" when none; the caller frees it. */
static char *find(const char *text)
{
  char *email;
  int rc = drift_email_find(text, strlen(text), &email);

  if (rc == TF_ERR_NOTFOUND) {
    ck_assert_ptr_null(email);
    return strdup("");
  }
  ck_assert_int_eq(rc, TF_OK);
  return email;
}

static void expect(const char *text, const char *want)
{
  char *got = find(text);

  ck_assert_msg(strcmp(got, want) == 0, "in '%s': got '%s', want '%s'", text,
                got, want);
  free(got);
}

START_TEST(test_plain_body_is_the_address)
{
  expect("jane@acme.com", "jane@acme.com");
}
END_TEST

START_TEST(test_address_inside_a_sentence)
{
  expect("Sure, it's jane.doe+drift@mail.acme.co.uk. Thanks!",
         "jane.doe+drift@mail.acme.co.uk");
}
END_TEST

START_TEST(test_address_is_lowercased)
{
  expect("Jane.Doe@ACME.Com", "jane.doe@acme.com");
}
END_TEST

START_TEST(test_html_body_with_mailto_link)
{
  expect("<p>my email: <a href=\"mailto:Jane@Acme.com\">Jane@Acme.com</a>"
         "</p>",
         "jane@acme.com");
}
END_TEST

START_TEST(test_html_entities_end_an_address)
{
  expect("<p>email&nbsp;jane@acme.com&nbsp;</p>", "jane@acme.com");
}
END_TEST

START_TEST(test_first_address_wins)
{
  expect("bob@x.org or jane@acme.com", "bob@x.org");
}
END_TEST

START_TEST(test_no_address_in_plain_text)
{
  expect("Hi! What brings you here?", "");
  expect("", "");
}
END_TEST

START_TEST(test_implausible_addresses_are_skipped)
{
  expect("@acme.com", "");
  expect("jane@", "");
  expect("jane@localhost", "");
  expect("jane@acme.c", "");
  expect("jane@acme.123", "");
  expect("jane@-acme.com", "");
  expect("jane@acme..com", "");
  expect("jane..doe@acme.com", "");
  expect("meet @ 5pm, then jane@acme.com", "jane@acme.com");
}
END_TEST

START_TEST(test_non_ascii_ends_an_address)
{
  expect("courriel\xC2\xA0:\xC2\xA0jos\xC3\xA9@acme.fr", "");
  expect("mail\xC2\xA0jose@acme.fr\xC2\xA0merci", "jose@acme.fr");
}
END_TEST

START_TEST(test_length_bounds_the_search)
{
  char *email;
  const char *text = "jane@acme.com";

  ck_assert_int_eq(drift_email_find(text, 9, &email), TF_ERR_NOTFOUND);
  ck_assert_int_eq(drift_email_find(text, 12, &email), TF_OK);
  ck_assert_str_eq(email, "jane@acme.co");
  free(email);
}
END_TEST

static Suite *email_suite(void)
{
  Suite *s = suite_create("drift_email");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_plain_body_is_the_address);
  tcase_add_test(tc, test_address_inside_a_sentence);
  tcase_add_test(tc, test_address_is_lowercased);
  tcase_add_test(tc, test_html_body_with_mailto_link);
  tcase_add_test(tc, test_html_entities_end_an_address);
  tcase_add_test(tc, test_first_address_wins);
  tcase_add_test(tc, test_no_address_in_plain_text);
  tcase_add_test(tc, test_implausible_addresses_are_skipped);
  tcase_add_test(tc, test_non_ascii_ends_an_address);
  tcase_add_test(tc, test_length_bounds_the_search);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner *sr = srunner_create(email_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
